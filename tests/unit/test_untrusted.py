"""``printable``: control characters and bidi controls from a crate are shown, never obeyed, in text reports."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fivesafes_crate import printable
from fivesafes_crate.issues import Issue, Report, Severity, Stage
from fivesafes_crate.reporting.text import render_text

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u2028\u2029"


def raw_controls(text: str) -> list[str]:
    """The control characters (category Cc) and bidi controls left in ``text``."""
    return [char for char in text if unicodedata.category(char) == "Cc" or char in BIDI_CONTROLS]


@pytest.mark.parametrize(("raw", "shown"), [
    ("\n", "\\n"),
    ("\r", "\\r"),
    ("\t", "\\t"),
    ("\x1b", "\\x1b"),
    ("\x00", "\\x00"),
    ("\x07", "\\x07"),
    ("\x7f", "\\x7f"),
    ("\x85", "\\x85"),
    ("\x9b", "\\x9b"),  # the one-byte CSI
    ("\u202a", "\\u202a"),
    ("\u202e", "\\u202e"),
    ("\u2066", "\\u2066"),
    ("\u2069", "\\u2069"),
])
def test_each_control_is_shown_as_an_escape(raw: str, shown: str) -> None:
    assert printable(f"a{raw}b") == f"a{shown}b"


def test_every_control_character_and_bidi_control_is_escaped() -> None:
    controls = [chr(code) for code in [*range(0x20), *range(0x7F, 0xA0)]] + list(BIDI_CONTROLS)
    for char in controls:
        assert printable(char).startswith("\\") and raw_controls(printable(char)) == [], repr(char)


def test_an_ansi_sequence_and_a_forged_line_become_visible_text() -> None:
    assert printable("#x\x1b[31mRED\r\nMUST (0)") == "#x\\x1b[31mRED\\r\\nMUST (0)"


@pytest.mark.parametrize("text", [
    "ünïcode", "中文", "emoji 🎉👩‍🔬", "ﺎﻠﻋﺮﺒﻳﺓ", "non\u00a0breaking", "zero\u200bwidth", "[/x] markup \\ back\\slash",
    "",
])
def test_other_text_is_unchanged(text: str) -> None:
    assert printable(text) == text


@given(st.text())
def test_any_text_comes_out_without_controls(text: str) -> None:
    shown = printable(text)
    assert raw_controls(shown) == []
    assert printable(shown) == shown


def one_issue(message: str, focus: str | None, path: str | None, file: str | None) -> Report:
    return Report.build("https://w3id.org/5s-crate/0.4", Stage.REQUEST, Severity.MAY,
                        [Issue(Severity.MUST, "data.file-missing", message, focus=focus, path=path, file=file)])


def test_the_text_report_shows_what_the_crate_says() -> None:
    text = render_text(one_issue("no file 'a\nINVALID'", "#e\x1b[2J", "p\u202e", "f\rx.csv"))
    assert text.splitlines() == [
        "MUST (1)",
        "  #e\\x1b[2J",
        "    data.file-missing: no file 'a\\nINVALID' [p\\u202e] f\\rx.csv",
        "",
        text.splitlines()[-1],
    ]


@given(st.text(), st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()))
def test_crate_text_cannot_add_or_hide_report_lines(message: str, focus: str | None, path: str | None,
                                                    file: str | None) -> None:
    text = render_text(one_issue(message, focus, path, file))
    assert raw_controls(text.replace("\n", "")) == []
    assert text.count("\n") == render_text(one_issue("m", "#e", None, None)).count("\n")
    assert printable(message) in text
