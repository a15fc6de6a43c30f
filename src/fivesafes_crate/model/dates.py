"""ISO 8601 dates and times as RO-Crate and schema.org write them (``Date`` and ``DateTime`` values).

RO-Crate 1.2 requires ISO 8601 for ``datePublished`` and action times; the accepted forms are the calendar
ones schema.org uses: a year, year-month or date, optionally followed by ``T`` and a time to the minute,
second or fraction, optionally with ``Z`` or an offset, in the extended or the basic format. Week and ordinal
dates, and ranges, are not dates a crate uses. The calendar is checked too: ``2024-02-30`` and ``25:00`` are not dates.
"""

from __future__ import annotations

import re
from datetime import date

ISO_8601 = re.compile(
    r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?"
    r"([Tt ][0-9]{2}(:[0-9]{2}(:[0-9]{2})?([.,][0-9]+)?)?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?)?$"
    r"|^[0-9]{8}([Tt][0-9]{2,6}([.,][0-9]+)?([Zz]|[+-][0-9]{2,4})?)?$"
)
"""The written forms: calendar dates (``2023``, ``2023-04``, ``2023-04-18``) with an optional time of day,
fraction and zone, in the extended format (a space may stand for the ``T``, as RFC 3339 allows) or the basic one
(``20230418T121145Z``). The RFC 3339 shapes (``shapes/review-process.ttl``) use the same pattern to leave values
of another form to the Python checks."""

_DATE = re.compile(r"([0-9]{4})-?([0-9]{2})?-?([0-9]{2})?")


def _pairs(digits: str) -> list[int]:
    """``"093015"`` as ``[9, 30, 15]``: the two-digit fields of a basic or colon-less time or offset."""
    return [int(digits[index:index + 2]) for index in range(0, len(digits), 2)]


def is_iso8601(text: str) -> bool:
    """True when ``text`` is written in one of the :data:`ISO_8601` forms and names a date and time that exist
    (``2024-02-30`` and ``25:00`` do not)."""
    if ISO_8601.match(text) is None:
        return False
    found = _DATE.match(text)
    assert found is not None  # every form starts with the year
    year, month, day = (int(part) if part else 1 for part in found.groups())
    try:
        date(year, month, day)
    except ValueError:
        return False
    clock = text[found.end() + 1:]
    zone_at = next((index for index, char in enumerate(clock) if char in "Zz+-"), len(clock))
    time_fields = _pairs(re.sub(r"[.,][0-9]+$", "", clock[:zone_at]).replace(":", ""))
    zone_fields = _pairs(clock[zone_at + 1:].replace(":", ""))
    limits = (24, 60, 61)
    return (all(value < limit for value, limit in zip(time_fields, limits, strict=False))
            and all(value < limit for value, limit in zip(zone_fields, (24, 60), strict=False)))
