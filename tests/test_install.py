"""Installable as documented (docs/index.md#install, docs/ci.md): the wheel, a fresh environment, the CI recipes.

fivesafes-crate is not on a package index, so the documentation installs it from its git repository at a release
tag or from a wheel built with ``python -m build``. Here, offline: the wheel is built (``--no-isolation``, with the
hatchling of this environment), installed with ``--no-index --no-deps`` into a fresh virtual environment that sees
the dependencies already installed here (a ``.pth`` line naming this environment's site-packages, which does not
carry our editable install), and that environment's ``fivesafes`` runs ``--version``, validates an example and
runs the scripts of the CI recipes of docs/ci.md on a copy of the examples in a git repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

import fivesafes_crate

ROOT = Path(__file__).resolve().parents[1]
CI_DOC = ROOT / "docs" / "ci.md"
INSTALL = re.compile(r'^pip install "fivesafes-crate @ git\+https://\S+\.git@(?P<tag>v[^"]+)"$')
"""The install line of a recipe: the package from its git repository at a release tag."""


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin/`` folder of a fresh virtual environment with the built wheel installed in it, offline."""
    work = tmp_path_factory.mktemp("install")
    dist, venv = work / "dist", work / "venv"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = dist.glob("*.whl")
    assert wheel.name == f"fivesafes_crate-{fivesafes_crate.__version__}-py3-none-any.whl"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-index",
                    "--no-deps", "--disable-pip-version-check", str(wheel)], check=True, capture_output=True,
                   timeout=300)
    return venv / "bin"


def run(program: Path | str, *arguments: str | Path, cwd: Path = ROOT, bin_dir: Path | None = None
        ) -> subprocess.CompletedProcess[str]:
    """Run a program with the fresh environment's ``bin/`` first on ``PATH``, as an activated venv would."""
    env = {**os.environ, "NO_COLOR": "1"}
    if bin_dir is not None:
        env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    return subprocess.run([str(program), *map(str, arguments)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_the_installed_wheel_runs_from_its_own_environment(fresh: Path) -> None:
    version = run(fresh / "fivesafes", "--version")
    assert (version.returncode, version.stdout, version.stderr) == (0, f"fivesafes {fivesafes_crate.__version__}\n",
                                                                     "")
    where = run(fresh / "python", "-c", "import fivesafes_crate; print(fivesafes_crate.__file__)")
    assert Path(where.stdout.strip()).is_relative_to(fresh.parent), "the editable install was imported instead"
    valid = run(fresh / "fivesafes", "validate", ROOT / "examples" / "published", "--severity", "should")
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "VALID at severity should" in valid.stdout


def _recipes() -> dict[str, list[str]]:
    """The shell lines of each CI recipe in docs/ci.md: the GitHub workflow's run steps, the GitLab job's script."""
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", CI_DOC.read_text(encoding="utf-8"), re.S)]
    github = next(b for b in blocks if isinstance(b, dict) and "jobs" in b)
    gitlab = next(b for b in blocks if isinstance(b, dict) and "fivesafes" in b)
    return {
        "github": [step["run"] for step in github["jobs"]["validate"]["steps"] if "run" in step],
        "gitlab": list(gitlab["fivesafes"]["script"]),
    }


@pytest.mark.parametrize("recipe", ["github", "gitlab"])
def test_each_ci_recipe_runs_with_the_installed_wheel(recipe: str, fresh: Path, tmp_path: Path) -> None:
    install, *script = _recipes()[recipe]
    found = INSTALL.match(install.strip())
    assert found, f"the {recipe} recipe does not install from a release tag: {install!r}"
    assert found["tag"] == f"v{fivesafes_crate.__version__}"
    repository = tmp_path / "repository"
    for name in ("request", "executed", "published"):
        shutil.copytree(ROOT / "examples" / name, repository / "crates" / name)
    assert run("git", "init", "--quiet", cwd=repository).returncode == 0
    assert run("git", "add", ".", cwd=repository).returncode == 0
    done = run("bash", "-euo", "pipefail", "-c", "\n".join(script), cwd=repository, bin_dir=fresh)
    assert done.returncode == 0, done.stdout + done.stderr
    sarif = json.loads((repository / "fivesafes.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    (invocation,) = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
    assert sorted(c["path"] for c in invocation["properties"]["crates"]) == [
        "crates/executed", "crates/published", "crates/request"]
    if recipe == "gitlab":
        assert (repository / "fivesafes-junit.xml").read_text(encoding="utf-8").count("<testsuite ") == 3


def test_the_pre_commit_rev_is_the_release_tag() -> None:
    config = next(b for b in (yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```",
                                                                    CI_DOC.read_text(encoding="utf-8"), re.S))
                  if isinstance(b, dict) and "repos" in b)
    assert config["repos"][0]["rev"] == f"v{fivesafes_crate.__version__}"
    assert (ROOT / ".pre-commit-hooks.yaml").is_file()
