"""Every crate under ``examples/`` is a correct Five Safes RO-Crate at its lifecycle stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from fivesafes_crate.issues import Issue, Severity, Stage
from fivesafes_crate.validation.engine import validate

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"


def example_crates() -> list[Path]:
    return sorted(p for p in EXAMPLES_DIR.iterdir() if (p / "ro-crate-metadata.json").is_file())


EXPECTED_STAGE = {
    "request": Stage.REQUEST,
    "request-0.5": Stage.REQUEST,
    "request-from-spec": Stage.REQUEST,
    "under-review": Stage.UNDER_REVIEW,
    "executed": Stage.EXECUTED,
    "published": Stage.PUBLISHED,
    "disclosure-rejected": Stage.DISCLOSURE_CHECKED,
}

EXPECTED_PROFILE = {"request-0.5": "https://w3id.org/5s-crate/0.5-DRAFT"}


def _describe(issues: tuple[Issue, ...]) -> str:
    return "\n".join(f"  {i.severity.label} {i.check} focus={i.focus} path={i.path}: {i.message}" for i in issues)


def test_every_example_folder_is_listed() -> None:
    assert {p.name for p in example_crates()} == set(EXPECTED_STAGE)


def test_examples_readme_describes_every_example() -> None:
    readme = (EXAMPLES_DIR / "README.md").read_text(encoding="utf-8")
    for name in EXPECTED_STAGE:
        assert f"`{name}/`" in readme, f"examples/README.md does not describe {name}/"


@pytest.mark.parametrize("crate", example_crates(), ids=lambda p: p.name)
def test_example_is_valid_at_should(crate: Path) -> None:
    report = validate(crate, threshold=Severity.SHOULD)
    assert report.valid, f"{crate.name} has issues at SHOULD or above:\n{_describe(report.at_threshold())}"


@pytest.mark.parametrize("crate", example_crates(), ids=lambda p: p.name)
def test_example_stage_is_inferred(crate: Path) -> None:
    report = validate(crate)
    assert report.stage is EXPECTED_STAGE[crate.name]


@pytest.mark.parametrize("crate", example_crates(), ids=lambda p: p.name)
def test_example_profile_is_detected(crate: Path) -> None:
    report = validate(crate)
    assert report.profile == EXPECTED_PROFILE.get(crate.name, "https://w3id.org/5s-crate/0.4")
