"""Every code block of the documentation runs (issue 18): ```console, ```bash and ```python of README.md and docs/.

Each page runs on its own, its blocks in order, in an empty folder holding a copy of ``examples/`` and of
``examples/request-spec/`` (as ``request-spec/``) -- what a reader has after cloning the repository:

* ``console``: each ``$ `` command, through :class:`test_docs_site.Shell` (``fivesafes`` in process, the rest in
  bash); where the block shows output under a command, the output must match it, with the normalisation of
  :func:`test_docs_site.matches` (times, UUIDs, hex digests match any value of their kind; ``...`` matches
  anything), and the reader's folder is stripped from printed paths (they read relative). A command ending
  in ``# exits N`` must exit with N, any other with 0;
* ``bash``: the whole block as one bash script (``set -euo pipefail``), which must exit with 0;
* ``python``: executed, the page's blocks in one namespace.

A block that cannot run offline, or needs inputs the reader does not have, is marked in the Markdown by an HTML
comment on the line before its fence, ``<!-- not-run: reason -->``, which the site does not show. Those blocks
are counted and listed (:data:`NOT_RUN`, which must match the pages exactly), so that the list stays small and
each entry says why. The tutorial and its federation chapter are run as whole pages by tests/test_docs_site.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_docs_site import EXIT_NOTE, REQUEST_SPEC, Shell, console_commands, matches

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RUN_AS_PAGES = {"tutorial.md", "tutorial-federation.md"}  # tests/test_docs_site.py runs them, with their files
LANGUAGES = {"console", "bash", "python"}
FENCE = re.compile(r"^(?P<indent> *)```(?P<language>\w*)[^\n`]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
COMMENT = re.compile(r"\s+#(?:\s.*)?$")
"""A shell comment after a command (``$ fivesafes checks   # every check id``), which the reader does not type."""
NOT_RUN_MARK = re.compile(r"<!--\s*not-run:\s*(?P<reason>.+?)\s*-->\s*$")


RUNNING = ("api.md", "architecture.md", "checks.md", "cli.md", "conformance.md", "engines.md", "index.md",
           "preview.md", "security.md", "traceability.md", "validation.md", "changelog.md")
"""The pages whose blocks run here so far (issue 18, in progress): README.md and the other docs pages are not yet
run, because their blocks need inputs the pages never create (see the report of branch i18-blocks)."""


def pages() -> list[Path]:
    """README.md and every page of docs/ except the tutorial chapters (run by tests/test_docs_site.py)."""
    return [ROOT / "README.md", *sorted(p for p in DOCS.glob("*.md") if p.name not in RUN_AS_PAGES)]


def running_pages() -> list[Path]:
    """The pages of :data:`RUNNING`; a name that is not a page fails here rather than running nothing."""
    found = [page for page in pages() if page.name in RUNNING]
    assert {page.name for page in found} == set(RUNNING)
    return found


def blocks(page: Path) -> list[tuple[int, str, str, str | None]]:
    """``(line, language, body, not-run reason)`` of each console, bash or python block of a page."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        if match["language"] not in LANGUAGES:
            continue
        line = text.count("\n", 0, match.start()) + 1
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = NOT_RUN_MARK.search(before)
        indent = len(match["indent"])
        body = "".join(row[indent:] for row in match["body"].splitlines(keepends=True))
        found.append((line, match["language"], body, mark["reason"] if mark else None))
    return found


NOT_RUN: dict[str, int] = {"index.md": 2}
"""How many blocks each page marks ``not-run`` (pages not named mark none); each mark gives its reason."""


def test_the_not_run_list_is_the_pages_marks() -> None:
    marked = {page.name: n for page in pages() if (n := sum(1 for *_, why in blocks(page) if why is not None))}
    assert marked == NOT_RUN, "update NOT_RUN (and keep it small: each mark must say why the block cannot run)"
    assert sum(NOT_RUN.values()) <= 25


def run_block(page: Path, line: int, language: str, body: str, shell: Shell, namespace: dict[str, object]) -> None:
    where = f"{page.relative_to(ROOT)}:{line}"
    if language == "python":
        try:
            exec(compile(body, where, "exec"), namespace)
        except Exception as exc:
            pytest.fail(f"{where}: the python block raised {exc!r}")
        return
    if language == "bash":
        done = subprocess.run(["bash", "-c", "set -euo pipefail\n" + body], cwd=shell.folder,
                              env={**os.environ, **shell.env}, capture_output=True, text=True, timeout=120,
                              check=False)
        assert done.returncode == 0, f"{where}: the bash block exited {done.returncode}\n{done.stdout}{done.stderr}"
        return
    for command, expected in console_commands(body):
        note = EXIT_NOTE.search(command)
        status, output = shell.run(COMMENT.sub("", EXIT_NOTE.sub("", command)))
        output = output.replace(f"{shell.folder}{os.sep}", "")  # the reader's folder is where they are: relative
        assert status == (int(note[1]) if note else 0), f"{where}: $ {command}\nexit status {status}\n{output}"
        if expected.strip():
            shown = f"{where}: $ {command}\n--- the page shows:\n{expected}\n--- it printed:\n{output}"
            assert matches(expected, output), shown


def reader_folder(folder: Path, page: Path) -> None:
    """What the pages' examples start from: the examples, and the crates the pages name as their running example.

    ``request/``, ``crate-folder/``, ``my-crate/`` and ``my-request/`` are copies of ``examples/request``,
    ``request.bagit.zip`` its bag, ``result.bagit.zip`` the bag of ``examples/published`` (a crate the TRE
    returned), ``request.yaml`` the request spec example.
    """
    from fivesafes_crate import package

    shutil.copytree(ROOT / "examples", folder / "examples")
    shutil.copytree(REQUEST_SPEC, folder / "request-spec")
    shutil.copy(REQUEST_SPEC / "request.yaml", folder / "request.yaml")
    for name in ("request", "crate-folder", "my-crate", "my-request"):
        shutil.copytree(ROOT / "examples" / "request", folder / name)
    if page.name != "packaging.md":  # that page's first command makes it, as the reader's first step
        package(folder / "request", folder / "request.bagit.zip")
    package(ROOT / "examples" / "published", folder / "result.bagit.zip")


@pytest.mark.parametrize("page", running_pages(), ids=lambda p: p.name)
def test_every_block_of_the_page_runs_as_shown(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    reader_folder(tmp_path, page)
    monkeypatch.chdir(tmp_path)
    shell = Shell(tmp_path, monkeypatch)
    shell.env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    namespace: dict[str, object] = {"__name__": page.stem}
    for line, language, body, reason in blocks(page):
        if reason is None:
            run_block(page, line, language, body, shell, namespace)
    capsys.readouterr()
