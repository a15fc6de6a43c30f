"""ISO 8601 dates and times as RO-Crate and schema.org write them (``Date`` and ``DateTime`` values).

RO-Crate 1.2 requires ISO 8601 for ``datePublished`` and action times; the accepted forms are the calendar
ones schema.org uses: a year, year-month or date, optionally followed by ``T`` and a time to the minute,
second or fraction, optionally with ``Z`` or an offset. Week and ordinal dates, and ranges, are not dates
a crate uses. The calendar is checked too: ``2024-02-30`` and ``25:00`` are not dates.
"""

from __future__ import annotations

import re
from datetime import date

_ISO_8601 = re.compile(
    r"(?P<year>[0-9]{4})(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2})"
    r"(?:[Tt](?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})(?::(?P<second>[0-9]{2})(?:[.,][0-9]+)?)?"
    r"(?:[Zz]|[+-](?P<offset_hour>[0-9]{2}):?(?P<offset_minute>[0-9]{2}))?)?)?)?"
)


def is_iso8601(text: str) -> bool:
    """True when ``text`` is an ISO 8601 calendar date or date and time that exists (``2024-05-01T09:30Z``)."""
    match = _ISO_8601.fullmatch(text)
    if match is None:
        return False
    parts = {key: int(value) for key, value in match.groupdict().items() if value is not None}
    try:
        date(parts["year"], parts.get("month", 1), parts.get("day", 1))
    except ValueError:
        return False
    return (parts.get("hour", 0) < 24 and parts.get("minute", 0) < 60 and parts.get("second", 0) <= 60
            and parts.get("offset_hour", 0) < 24 and parts.get("offset_minute", 0) < 60)
