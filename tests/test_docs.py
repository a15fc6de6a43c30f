"""The documentation keeps up with the code: every command, check id and public name is documented."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import fivesafes_crate
from fivesafes_crate.validation.engine import catalogue

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "scripts" / "gen_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_reference_is_up_to_date() -> None:
    for path, expected in _generator().outputs().items():
        assert path.read_text(encoding="utf-8") == expected, f"{path.name} is stale: run scripts/gen_reference.py"


def test_every_command_is_documented() -> None:
    cli = (DOCS / "cli.md").read_text(encoding="utf-8")
    for path in _generator().command_paths():
        assert f"## `{' '.join(['fivesafes', *path])}`" in cli


def test_every_public_name_is_documented() -> None:
    api = (DOCS / "api.md").read_text(encoding="utf-8")
    for name in fivesafes_crate.__all__:
        assert re.search(rf"^## `{re.escape(name)}[(`]", api, re.M), f"{name} missing from docs/api.md"
        if name != "__version__":
            assert getattr(fivesafes_crate, name).__doc__, f"{name} has no docstring"


def test_every_check_id_is_documented() -> None:
    checks = (DOCS / "checks.md").read_text(encoding="utf-8")
    traceability = (DOCS / "traceability.md").read_text(encoding="utf-8")
    for check_id in catalogue():
        assert f"`{check_id}`" in checks, f"{check_id} missing from docs/checks.md"
        assert f"`{check_id}`" in traceability, f"{check_id} traces to no statement in docs/traceability.md"


def test_readme_quick_start_has_exactly_two_commands_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.strip().splitlines() if line.strip()]
    assert len(commands) == 2
    for command in commands:
        script = command.split()[-1]
        assert (ROOT / script).is_file(), script
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci, ".ci/run must call the README's test command"


def test_the_reference_pages_are_in_the_site() -> None:
    """The pages the tests above check are in the documentation site's nav, so the site documents it all."""
    import yaml

    def pages(items: object) -> list[str]:
        if isinstance(items, str):
            return [items]
        values = items.values() if isinstance(items, dict) else items if isinstance(items, list) else []
        return [page for item in values for page in pages(item)]

    nav = pages(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])
    assert {"cli.md", "api.md", "checks.md", "traceability.md"} <= set(nav)
    assert sorted(nav) == sorted(path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md"))


def test_docs_links_resolve() -> None:
    for page in [ROOT / "README.md", *DOCS.rglob("*.md")]:
        for target in re.findall(r"\]\(([^)#]+)\)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.name} links to missing {target}"
