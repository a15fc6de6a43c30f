"""The fixture crates under ``tests/crates/``: each invalid one triggers its checks, each valid one passes.

``invalid/<check-id>/expected.json``: ``{"description", "input", "profile", "phase", "checks": [ids]}``;
``valid/<name>/expected.json``: ``{"description", "input", "profile", "phase", "severity"}``. ``input`` is
relative to the fixture folder (default ``crate``); a null ``profile`` or ``phase`` is detected from the crate.
An optional ``trust`` names a trust store file in the fixture folder: the signatures are verified against it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from fivesafes_crate.issues import Report, Severity
from fivesafes_crate.signing import load_trust_store
from fivesafes_crate.validation.engine import catalogue, validate

CRATES = Path(__file__).resolve().parent / "crates"
INVALID = CRATES / "invalid"
VALID = CRATES / "valid"


def _folders(base: Path) -> list[Path]:
    return sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []


def _with_expected(base: Path) -> list[Path]:
    return [p for p in _folders(base) if (p / "expected.json").is_file()]


def _expected(folder: Path) -> dict[str, Any]:
    data = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{folder.name}/expected.json is not a JSON object"
    return data


def _run(folder: Path, expected: dict[str, Any], threshold: Severity = Severity.MUST) -> Report:
    target = folder / expected.get("input", "crate")
    assert target.exists(), f"{folder.name}: input {target.name!r} does not exist"
    trust = load_trust_store(folder / expected["trust"]) if expected.get("trust") else None
    return validate(target, profile=expected.get("profile"), stage=expected.get("phase"), threshold=threshold,
                    trust=trust)


def _describe(report: Report) -> str:
    return "\n".join(
        f"  {i.severity.label} {i.check} focus={i.focus} file={i.file}: {i.message}" for i in report.issues
    )


def _make_readme() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_readme", CRATES / "make_readme.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("folder", _folders(INVALID) + _folders(VALID), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fixture_has_expected_json(folder: Path) -> None:
    assert (folder / "expected.json").is_file(), f"{folder} has no expected.json"
    expected = _expected(folder)
    assert expected.get("description"), f"{folder.name}/expected.json has no description"


@pytest.mark.parametrize("folder", _with_expected(INVALID), ids=lambda p: p.name)
def test_invalid_fixture_reports_its_checks(folder: Path) -> None:
    expected = _expected(folder)
    checks = expected.get("checks") or []
    assert folder.name in checks, f"folder name {folder.name!r} is not among the listed checks {checks}"
    report = _run(folder, expected)
    missing = set(checks) - report.checks()
    assert not missing, f"{folder.name}: checks {sorted(missing)} not reported; the report has:\n{_describe(report)}"


@pytest.mark.parametrize("folder", _with_expected(INVALID), ids=lambda p: p.name)
def test_invalid_fixture_lists_only_known_checks(folder: Path) -> None:
    unknown = set(_expected(folder).get("checks") or []) - set(catalogue())
    assert not unknown, f"{folder.name}: {sorted(unknown)} are not check ids of the catalogue"


@pytest.mark.parametrize("folder", _with_expected(VALID), ids=lambda p: p.name)
def test_valid_fixture_is_valid(folder: Path) -> None:
    expected = _expected(folder)
    threshold = Severity.parse(expected.get("severity", "must"))
    report = _run(folder, expected, threshold)
    assert report.valid, f"{folder.name} is not valid at {threshold.label}:\n{_describe(report)}"


def test_every_check_has_an_invalid_fixture() -> None:
    have = {p.name for p in _with_expected(INVALID)}
    missing = sorted(set(catalogue()) - have)
    assert not missing, f"{len(missing)} check ids have no tests/crates/invalid/<check-id>/ fixture: {missing}"


def test_readme_is_up_to_date() -> None:
    readme = CRATES / "README.md"
    assert readme.is_file(), "tests/crates/README.md is missing: run python tests/crates/make_readme.py"
    assert readme.read_text(encoding="utf-8") == _make_readme().render(), (
        "tests/crates/README.md is out of date: run python tests/crates/make_readme.py"
    )
