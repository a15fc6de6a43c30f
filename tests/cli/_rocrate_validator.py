"""Run rocrate-validator on a crate with an exported profile, offline, and print what it found as JSON.

``tests/cli/test_export_profile.py`` runs this file with the Python of ``.venv-rocrate-validator`` (made by
``scripts/setup.sh``: rocrate-validator pins rich<14, so it cannot share the test environment):
``python _rocrate_validator.py PROFILES PROFILE_ID CRATE CACHE``. The run is offline: every connection, datagram
and name look-up is refused and recorded, rocrate-validator runs in its offline mode with its cache in
``CACHE``, and the RO-Crate context it would download is served from our bundled copies. It prints
``{"checks": [...], "refused": [...]}``: the check names of profile ``PROFILE_ID`` that rocrate-validator
reported, and every network call it tried.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path
from typing import Any, NoReturn

from rocrate_validator import services  # before the guard: urllib3 probes for IPv6 with a local socket on import
from rocrate_validator.utils import document_loader

from fivesafes_crate.contexts import load_context

refused: list[str] = []


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    refused.append(repr(args[1:] if args and isinstance(args[0], socket.socket) else args))
    raise OSError("network access refused: this run is offline")


def main(profiles: str, profile_id: str, crate: str, cache: str) -> None:
    for name in ("connect", "connect_ex", "sendto"):
        setattr(socket.socket, name, _refuse)
    socket.getaddrinfo = _refuse
    document_loader._fetch_json_ld = load_context  # raises for any context we do not bundle: nothing is fetched
    result = services.validate({
        "rocrate_uri": crate, "extra_profiles_path": Path(profiles), "profile_identifier": profile_id,
        "requirement_severity": "OPTIONAL", "offline": True, "cache_path": Path(cache),
    })
    checks = {issue.check.name for issue in result.get_issues()
              if issue.check.requirement.profile.identifier == profile_id}
    print(json.dumps({"checks": sorted(checks), "refused": refused}))


if __name__ == "__main__":
    main(*sys.argv[1:])
