"""The quick acceptance of ordinary member names agrees with the full per-segment rules on every name."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fivesafes_crate.model.source import _unsafe_segments_reason, unsafe_name_reason

_PIECES = st.sampled_from(["a", "b.txt", ".", "..", "", "/", "\\", ":", "C:", ".hidden", "x y", "\x00", "\n", "é"])
NAMES = st.one_of(st.text(max_size=30), st.lists(_PIECES, max_size=8).map("".join),
                  st.lists(_PIECES, max_size=6).map("/".join))


@given(NAMES)
def test_the_quick_check_never_accepts_what_the_full_rules_refuse(name: str) -> None:
    assert unsafe_name_reason(name) == _unsafe_segments_reason(name)
