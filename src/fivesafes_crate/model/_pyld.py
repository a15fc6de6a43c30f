"""pyld, imported so that it can never reach the network and this process never creates a socket.

pyld builds an HTTP document loader when it is imported; importing ``requests`` pulls in urllib3, whose IPv6
probe creates and binds a socket. While pyld is imported here, ``requests`` and ``aiohttp`` are hidden, so
pyld falls back to a loader that refuses every URL. Modules already imported elsewhere are left alone.

pyld also tags every processed context with ``uuid.uuid1()``, a time and MAC address identifier: finding the
MAC address, and libuuid's request to the ``uuidd`` daemon, open an AF_INET and an AF_UNIX socket on every
validation (no traffic, but a socket all the same). pyld's reference to :mod:`uuid` is replaced by one whose
``uuid1`` is :func:`uuid.uuid4` (random, from ``os.urandom``): the tag only has to be unique.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace


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

jsonld.uuid = SimpleNamespace(uuid1=uuid.uuid4, uuid4=uuid.uuid4)

__all__ = ["jsonld", "resolve_iri"]
