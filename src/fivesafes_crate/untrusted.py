"""Quoting untrusted values in messages: :func:`shortened` and :func:`quoted` (a leaf: imports nothing from the
package).

Crates come from outside parties; a message that quotes one of their values (a profile IRI, a date, an
``@id``) must stay one readable line however long or strange the value is. The renderers still escape whole
messages for the terminal; quoting here keeps a value recognisable inside the message.
"""

from __future__ import annotations

import json

MAX_QUOTED = 80
"""The longest value a message quotes in full; longer ones are cut with an ellipsis."""


def shortened(text: str, limit: int = MAX_QUOTED) -> str:
    """``text`` cut to ``limit`` characters with a trailing ``…`` when it is longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: object, limit: int = MAX_QUOTED) -> str:
    """A JSON value as a message shows it: strings in double quotes with control characters escaped (JSON
    style), other values as compact JSON; cut to ``limit`` characters.

    >>> quoted("2024-13-01\\n")
    '"2024-13-01\\\\n"'
    >>> quoted({"@id": "#a"})
    '{"@id": "#a"}'
    """
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= limit:
        return text
    return shortened(text, limit - 1) + ('"' if isinstance(value, str) else "")
