"""Every runtime dependency has an upper bound (issue 18 item 13), and the installed versions satisfy them."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
DEPENDENCIES = [Requirement(line) for line in tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
                ["dependencies"]]


@pytest.mark.parametrize("requirement", DEPENDENCIES, ids=lambda r: r.name)
def test_runtime_dependency_is_bounded_above_and_installed_within(requirement: Requirement) -> None:
    assert any(spec.operator in ("<", "<=", "~=", "==") for spec in requirement.specifier), requirement
    assert requirement.specifier.contains(version(requirement.name), prereleases=True), requirement
