"""The supported Five Safes RO-Crate profile versions, and where their shapes live.

A crate names its profile in the root's ``conformsTo``; ``--profile`` overrides that. The texts of 0.4 and
0.5-DRAFT differ only in their identifiers, so both share one set of SHACL shapes (a shape can still be
limited to some versions with ``fsa:profile``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import UsageError
from .model import vocab
from .model.crate import Crate
from .model.entities import iri_values


@dataclass(frozen=True, slots=True)
class Profile:
    """One version of the Five Safes RO-Crate profile."""

    id: str
    version: str
    name: str
    spec_url: str
    status: str

    @property
    def profile_crate(self) -> Path:
        """The folder of this version's RO-Crate 1.2 Profile Crate (shapes, schemas, ``ro-crate-metadata.json``)."""
        return profile_crates_dir() / self.version

    def as_json(self) -> dict[str, str]:
        """A plain mapping for machine-readable listings."""
        return {"id": self.id, "version": self.version, "name": self.name, "spec": self.spec_url, "status": self.status,
                "profile_crate": str(self.profile_crate)}


PROFILES: tuple[Profile, ...] = (
    Profile(
        id=vocab.PROFILE_BASE + "0.4",
        version="0.4",
        name="Five Safes RO-Crate profile 0.4",
        spec_url="https://w3id.org/5s-crate/0.4",
        status="released 2023-09-15 (TRE-FX Candidate Recommendation)",
    ),
    Profile(
        id=vocab.PROFILE_BASE + "0.5-DRAFT",
        version="0.5-DRAFT",
        name="Five Safes RO-Crate profile 0.5-DRAFT",
        spec_url="https://w3id.org/5s-crate/0.5-DRAFT",
        status="draft in development",
    ),
)

DEFAULT_PROFILE = PROFILES[0]
"""Used when a crate names no Five Safes profile: the latest released version."""


def list_profiles() -> list[Profile]:
    """The supported Five Safes RO-Crate profile versions."""
    return list(PROFILES)


def get_profile(name: str) -> Profile:
    """A profile by version (``0.4``), by identifier IRI, or by ``5s-crate/0.4``-style short name."""
    wanted = name.strip().rstrip("/")
    for profile in PROFILES:
        if wanted in (profile.id, profile.version, f"5s-crate/{profile.version}", profile.id.replace("https", "http")):
            return profile
    known = ", ".join(p.version for p in PROFILES)
    raise UsageError(f"unknown profile {name!r}: supported versions are {known}")


def detect_profile(crate: Crate) -> Profile | None:
    """The profile the crate's root declares in ``conformsTo`` (the first supported one), if any."""
    root = crate.root
    if root is None:
        return None
    for iri in iri_values(root.get("conformsTo")):
        try:
            return get_profile(iri)
        except UsageError:
            continue
    return None


def shapes_dir() -> Path:
    """The folder of SHACL shapes: inside the installed package, or ``shapes/`` of a source checkout."""
    packaged = resources.files("fivesafes_crate").joinpath("shapes")
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "shapes"
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("SHACL shapes are missing from this installation of fivesafes-crate")


def profile_crates_dir() -> Path:
    """The folder of Profile Crates, one per version, inside the installed package.

    The build writes them (``hatch_build.py``): into the wheel, or for an editable install into
    ``src/fivesafes_crate/profile-crates/`` of the checkout, so both are found here alike.
    """
    packaged = resources.files("fivesafes_crate").joinpath("profile-crates")
    if packaged.is_dir():
        return Path(str(packaged))
    raise FileNotFoundError(
        "the Profile Crates are missing from this installation of fivesafes-crate "
        "(in a source checkout: pip install -e . or python scripts/gen_profiles.py)"
    )
