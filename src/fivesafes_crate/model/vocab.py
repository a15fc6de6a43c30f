"""IRIs and terms the profile uses: schema.org, the Safe Haven Provenance (SHP) terms, profile ids."""

from __future__ import annotations

import re

SCHEMA = "http://schema.org/"
SHP = "https://w3id.org/shp#"
DCT = "http://purl.org/dc/terms/"

PROFILE_BASE = "https://w3id.org/5s-crate/"
RO_CRATE_BASE = "https://w3id.org/ro/crate/"
WORKFLOW_RO_CRATE = "https://w3id.org/workflowhub/workflow-ro-crate/1.0"

POTENTIAL = SCHEMA + "PotentialActionStatus"
ACTIVE = SCHEMA + "ActiveActionStatus"
COMPLETED = SCHEMA + "CompletedActionStatus"
FAILED = SCHEMA + "FailedActionStatus"
ACTION_STATUSES = (POTENTIAL, ACTIVE, COMPLETED, FAILED)

CHECK_VALUE = SHP + "CheckValue"
VALIDATION_CHECK = SHP + "ValidationCheck"
SIGN_OFF = SHP + "SignOff"
DISCLOSURE_CHECK = SHP + "DisclosureCheck"
GENERATE_CHECK_VALUE = SHP + "GenerateCheckValue"
SHP_TERMS = (CHECK_VALUE, VALIDATION_CHECK, SIGN_OFF, DISCLOSURE_CHECK, GENERATE_CHECK_VALUE)

PROF_PROFILE = "http://www.w3.org/ns/dx/prof/Profile"
"""The class of profile entities (``"@type": "Profile"`` in the RO-Crate context)."""

SHA512_TERM = "https://www.iana.org/assignments/named-information#sha-512"

# Properties whose values are IRIs in meaning even when a crate writes them as plain strings (the profile's
# own examples write "actionStatus": "http://schema.org/CompletedActionStatus").
IRI_VALUED_PROPERTIES = (SCHEMA + "actionStatus", SCHEMA + "additionalType", SCHEMA + "permissionType")


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def uri_scheme(value: str) -> str:
    """The lower-case URI scheme of ``value`` (``""`` for a relative reference); never raises on odd input."""
    match = _SCHEME.match(value)
    return match.group(1).lower() if match else ""


WORKFLOWHUB_URL = re.compile(
    r"^(https?://(?:[A-Za-z0-9-]+\.)*workflowhub\.eu/workflows/\d+)\?version=([0-9A-Za-z._-]+)$")
"""A versioned WorkflowHub workflow URL: group 1 the workflow, group 2 its ``version``."""


def workflow_version(url: str) -> str | None:
    """The ``version`` of a WorkflowHub workflow URL, or None."""
    match = WORKFLOWHUB_URL.match(url)
    return match.group(2) if match else None
