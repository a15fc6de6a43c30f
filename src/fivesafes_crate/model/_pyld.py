"""pyld, imported so that it can never reach the network and this process never creates a socket.

pyld builds an HTTP document loader when it is imported; importing ``requests`` pulls in urllib3, whose IPv6
probe creates and binds a socket. While pyld is imported here, ``requests`` and ``aiohttp`` are hidden, so
pyld falls back to a loader that refuses every URL. Modules already imported elsewhere are left alone.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def _without_http_clients() -> Iterator[None]:
    hidden = [name for name in ("requests", "aiohttp") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes "import name" raise ImportError
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name) is None:
                del sys.modules[name]


with _without_http_clients():
    from pyld import jsonld
    from pyld.iri_resolver import resolve as resolve_iri

__all__ = ["jsonld", "resolve_iri"]
