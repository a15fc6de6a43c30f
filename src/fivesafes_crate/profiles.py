"""The supported Five Safes RO-Crate profile versions, how a crate's profile is resolved, and where shapes live.

A crate names its profile in the root's ``conformsTo``; ``--profile`` overrides that. A supported profile is
an exact IRI (:data:`PROFILES`): a declared ``http://`` variant, a trailing slash or another version is not
one of them. :func:`resolve_profile` decides what a crate is validated against and keeps what it declares,
so that reports can show both and checks can compare them exactly. The texts of 0.4 and 0.5-DRAFT differ only
in their identifiers, so both share one set of SHACL shapes (a shape can still be limited to some versions
with ``fsa:profile``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import UnsupportedProfileError, UsageError
from .model import vocab
from .model.crate import Crate
from .model.entities import iri_values
from .untrusted import shortened


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


def find_profile(iri: str) -> Profile | None:
    """The supported profile whose identifier is exactly ``iri``, or None."""
    return next((profile for profile in PROFILES if profile.id == iri), None)


def declared_profiles(crate: Crate) -> tuple[str, ...]:
    """The Five Safes RO-Crate IRIs the root declares in ``conformsTo``, as written, in order (http or https).

    Every ``w3id.org/5s-crate/`` IRI counts, supported or not, so that a report can show what a crate claims.
    """
    root = crate.root
    if root is None:
        return ()
    found = (iri for iri in iri_values(root.get("conformsTo")) if iri.startswith(_DECLARATION_PREFIXES))
    return tuple(dict.fromkeys(found))


_DECLARATION_PREFIXES = (vocab.PROFILE_BASE, vocab.PROFILE_BASE.replace("https://", "http://", 1))


@dataclass(frozen=True, slots=True)
class ProfileResolution:
    """What a crate is validated against and why: ``declared`` (the root's 5s-crate IRIs), ``requested``
    (the profile was named by the caller, not taken from the crate) and :attr:`source`."""

    profile: Profile
    declared: tuple[str, ...] = ()
    requested: bool = False

    @property
    def source(self) -> str:
        """``requested``, ``declared`` or ``default``: where :attr:`profile` came from."""
        if self.requested:
            return "requested"
        return "declared" if self.profile.id in self.declared else "default"


def resolve_profile(crate: Crate | None, requested: str | Profile | None = None, *,
                    path: str | None = None) -> ProfileResolution:
    """The profile to validate ``crate`` against: ``requested`` if given, else the first supported IRI the root
    declares, else :data:`DEFAULT_PROFILE` when it declares none.

    Raises :class:`~fivesafes_crate.errors.UnsupportedProfileError` (naming ``path``, the metadata file) when
    nothing is requested and the root declares only 5s-crate IRIs that are not exactly a supported one, and
    :class:`~fivesafes_crate.errors.UsageError` for an unknown ``requested`` name.
    """
    declared = declared_profiles(crate) if crate is not None else ()
    if requested is not None:
        chosen = get_profile(requested) if isinstance(requested, str) else requested
        return ProfileResolution(chosen, declared, requested=True)
    supported = [profile for profile in map(find_profile, declared) if profile is not None]
    if supported:
        return ProfileResolution(supported[0], declared)
    if declared:
        raise UnsupportedProfileError(tuple(shortened(iri) for iri in declared), tuple(p.id for p in PROFILES),
                                      path=path, entity_id=crate.root_id if crate is not None else None)
    return ProfileResolution(DEFAULT_PROFILE, declared)


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
