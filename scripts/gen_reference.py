"""Regenerate docs/cli.md (from each command's --help) and docs/api.md (from the public names' docstrings).

Run: .venv/bin/python scripts/gen_reference.py   (tests/test_docs.py fails when the files are stale)
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def command_paths() -> list[list[str]]:
    """Every command of the ``fivesafes`` CLI as an argument path (``[]`` is the top level)."""
    import typer.main

    from fivesafes_crate.cli import app

    group = typer.main.get_command(app)
    paths: list[list[str]] = [[]]
    stack: list[tuple[list[str], object]] = [([], group)]
    while stack:
        prefix, command = stack.pop()
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            paths.append([*prefix, name])
            stack.append(([*prefix, name], sub))
    return sorted(paths)


def help_text(path: list[str]) -> str:
    """The --help output of one command, rendered without colour at a fixed width."""
    from typer.testing import CliRunner

    from fivesafes_crate.cli import app

    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})
    return "\n".join(line.rstrip() for line in result.output.splitlines()).strip()


def cli_markdown() -> str:
    """docs/cli.md: one section per command with its help text."""
    parts = ["# CLI reference", "", "Generated from `--help` by `scripts/gen_reference.py`; do not edit.", ""]
    for path in command_paths():
        title = " ".join(["fivesafes", *path])
        parts += [f"## `{title}`", "", "```text", help_text(path), "```", ""]
    return "\n".join(parts)


def api_markdown() -> str:
    """docs/api.md: every name in ``fivesafes_crate.__all__`` with its signature and docstring."""
    import fivesafes_crate

    parts = [
        "# Python API",
        "",
        "Import everything from `fivesafes_crate`; other modules are internal. Generated from the docstrings by",
        "`scripts/gen_reference.py`; do not edit.",
        "",
    ]
    for name in fivesafes_crate.__all__:
        value = getattr(fivesafes_crate, name)
        if name == "__version__":
            parts += [f"## `{name}`", "", f"The package version, `{value}`.", ""]
            continue
        kind = "class" if inspect.isclass(value) else "function"
        try:
            signature = str(inspect.signature(value)) if kind == "function" else ""
        except (TypeError, ValueError):
            signature = ""
        doc = inspect.cleandoc(value.__doc__ or "").strip()
        parts += [f"## `{name}{signature}`", "", f"*{kind}*", "", doc, ""]
    return "\n".join(parts)


def outputs() -> dict[Path, str]:
    """Every generated file and its expected content."""
    return {DOCS / "cli.md": cli_markdown(), DOCS / "api.md": api_markdown()}


def main() -> int:
    for path, text in outputs().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
