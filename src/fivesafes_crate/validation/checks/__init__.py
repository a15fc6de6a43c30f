"""The Python rule modules, one per family of checks; importing this package registers every one of them.

The engine, the registry and the SHACL runner live one level up in :mod:`fivesafes_crate.validation`; the
modules here only declare checks with :func:`~fivesafes_crate.validation.registry.check`:

- :mod:`.container`: the ZIP archive (or folder) around the bag (``zip.*``, ``archive.*``);
- :mod:`.bag_expectations`: RFC 8493 validity and the profile's BagIt expectations (``bagit.*``);
- :mod:`.jsonld_form`: the metadata document as JSON and JSON-LD (``json.*``, ``jsonld.*``, ``metadata.*``,
  ``id.*``, ``ref.dangling``);
- :mod:`.crate_files`: data entities against the files of the crate (``data.*``);
- :mod:`.credentials`: secrets that must not travel in the metadata (``security.*``);
- :mod:`.output_disclosure`: the disclosure phase's per-output reviews and files (``disclosure.*``);
- :mod:`.signature_trust`: signatures verified against a trust store (``signature.*``);
- :mod:`.profile_conformance`: the declared profile against the one validated, by exact IRI (``profile.*``,
  ``validation.instrument``);
- :mod:`.base_layer`: the RO-Crate 1.2 base layer every crate inherits (``rocrate.*``);
- :mod:`.value_forms`: the form of present values, the same on every entity (``action.time-form``, ``ref.literal``).
"""

from __future__ import annotations

from . import (
    bag_expectations,
    base_layer,
    container,
    crate_files,
    credentials,
    jsonld_form,
    output_disclosure,
    profile_conformance,
    signature_trust,
    value_forms,
)

__all__ = [
    "bag_expectations",
    "base_layer",
    "container",
    "crate_files",
    "credentials",
    "jsonld_form",
    "output_disclosure",
    "profile_conformance",
    "signature_trust",
    "value_forms",
]
