"""model.dates: the one ISO 8601 judgement every date and time check uses (action times and entity dates alike)."""

from __future__ import annotations

import pytest

from fivesafes_crate.model.dates import is_iso8601
from fivesafes_crate.validation.checks.value_forms import is_iso_8601


@pytest.mark.parametrize(("text", "expected"), [
    ("2024", True), ("2024-02", True), ("2024-02-29", True), ("2024-05-01T09:30Z", True),
    ("2024-05-01 09:30:15.5+01:00", True), ("20230418T121145Z", True), ("2024-05-01T23:59:60Z", True),
    ("2023-02-29", False), ("2024-02-30", False), ("2024-13-01", False), ("2024-05-01T25:00Z", False),
    ("2024-05-01T09:60", False), ("20230418T251145Z", False), ("2024-05-01T09:30+25:00", False),
    ("2023-05-1518:00:00+01:00", False), ("yesterday", False), ("", False),
])
def test_a_date_is_written_in_an_iso_8601_form_and_exists(text: str, expected: bool) -> None:
    assert is_iso8601(text) is expected


@pytest.mark.parametrize("text", ["2024-02-30", "2024-05-01T25:00Z", "2024-05-01T09:30Z", "20230418T121145Z"])
def test_action_times_and_entity_dates_get_the_same_verdict(text: str) -> None:
    assert is_iso_8601(text) is is_iso8601(text)
    assert is_iso_8601({"@value": text}) is is_iso8601(text)
