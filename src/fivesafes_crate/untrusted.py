"""Escaping untrusted text for terminals and logs: :func:`printable`, and quoting it in messages: :func:`quoted`
(a leaf: imports nothing from the package).

Crates, file names and policies come from outside parties; every plain-text renderer (the validation report,
the screening report, the CLI's lines) passes what they supply through :func:`printable`, so a report shows
control characters instead of obeying them. A message that quotes one of their values (a profile IRI, a date,
an ``@id``) uses :func:`quoted`, so that it stays one readable line however long or strange the value is.
"""

from __future__ import annotations

import json

_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
"""Unicode bidi embeddings, overrides, isolates and marks (category Cf): they reorder the text displayed
around them."""

_LINE_SEPARATORS = "\u2028\u2029"
"""Unicode line and paragraph separators: not line breaks on a terminal, but in log viewers and
``str.splitlines``."""

_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape_of(char: str) -> str:
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


_ESCAPES = {ord(char): _escape_of(char) for char in
            [*map(chr, range(0x20)), *map(chr, range(0x7F, 0xA0)), *_BIDI_CONTROLS, *_LINE_SEPARATORS]}
"""Every control character (category Cc: U+0000-U+001F, U+007F-U+009F), bidi control and line separator, to
its escape."""


def printable(text: str) -> str:
    """``text`` with every control character and bidi control shown as a Python-style escape, else unchanged.

    Crates come from outside parties, and their ``@id`` values, file names and texts end up in reports that
    people read on a terminal or in a log. Shown raw, an ESC (``\\x1b``) starts an ANSI sequence that recolours text,
    moves the cursor or rewrites the screen; a newline or carriage return forges or overwrites report lines;
    a bidi control (U+202A-U+202E, U+2066-U+2069, the marks U+200E, U+200F, U+061C) reorders what is
    displayed ("Trojan source"); U+2028 and U+2029 break lines in log viewers. Here they
    become visible text instead: ``\\n``, ``\\r``, ``\\t``, ``\\x1b``, ``\\u202e``. Every other character,
    including any other Unicode (``ünïcode``, ``中文``, emoji), is kept as it is; backslashes are not doubled,
    so the escapes are for reading, not for decoding.

    >>> printable("data/a\\nb.csv \\x1b[31mred\\u202e")
    'data/a\\\\nb.csv \\\\x1b[31mred\\\\u202e'

    The plain-text renderers (:func:`~fivesafes_crate.reporting.text.render_text`, the screening report's
    text) apply it to everything the crate supplies; apply it to any other crate-derived string before printing
    it as text. (JSON needs no such step to stay one document: it escapes control characters itself.)
    """
    return text.translate(_ESCAPES)


__all__ = ["printable"]


MAX_QUOTED = 80
"""The longest value a message quotes in full; longer ones are cut with an ellipsis."""


def shortened(text: str, limit: int = MAX_QUOTED) -> str:
    """``text`` cut to ``limit`` characters with a trailing ``…`` when it is longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: object, limit: int = MAX_QUOTED) -> str:
    """A JSON value as a message quotes it: a string in double quotes, anything else as compact JSON, cut to
    ``limit`` characters and :func:`printable`.

    >>> quoted("2024-13-01\\n")
    '"2024-13-01\\\\n"'
    >>> quoted({"@id": "#a"})
    '{"@id": "#a"}'
    """
    if isinstance(value, str):
        return '"' + printable(shortened(value, limit - 2)) + '"'
    return printable(shortened(json.dumps(value, ensure_ascii=False, default=str), limit))
