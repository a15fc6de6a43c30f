"""The documentation site: it builds strictly and offline, loads nothing from the network, and its examples run.

* ``mkdocs build --strict`` (the venv's ``python -m mkdocs``, in a subprocess whose sockets are disabled) must
  succeed, with every page of ``docs/`` in the nav and linked from the home page;
* the built pages load no script, style sheet, font, image or frame from another host (the site is read
  air-gapped);
* every ```python block of ``docs/guide.md`` runs, in order and in one namespace, in a temporary folder
  holding a copy of ``examples/request-spec/``;
* every ```console block of ``docs/tutorial.md`` and of its federation chapter ``docs/tutorial-federation.md``
  runs, in order, in such a folder: ``$ fivesafes ...`` through
  the CLI, other commands through bash, and what each prints must match the page. Volatile values (times,
  UUIDs, key ids, digests) match any value of their kind, and ``...`` matches anything (a line holding only
  ``...``, any lines). A command ending in ``# exits N`` must exit with status N, any other with 0.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
REQUEST_SPEC = ROOT / "examples" / "request-spec"

FENCE = re.compile(r"^(?P<indent> *)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)

# Python that makes every socket operation fail, loaded before mkdocs through sitecustomize.
NO_NETWORK = '''\
import socket

class _NoNetwork(OSError):
    pass

def _refuse(*args, **kwargs):
    raise _NoNetwork("network access attempted while building the documentation site")

class _Socket(socket.socket):
    def __init__(self, *args, **kwargs):
        _refuse()

socket.socket = _Socket
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
socket.gethostbyname = _refuse
'''


def fences(page: Path) -> Iterator[tuple[str, str, str]]:
    """``(language, info after the language, body)`` of each fenced block of a Markdown page, in order."""
    for match in FENCE.finditer(page.read_text(encoding="utf-8")):
        indent = len(match["indent"])
        body = "".join(line[indent:] for line in match["body"].splitlines(keepends=True))
        language, _, rest = match["info"].strip().partition(" ")
        yield language, rest.strip(), body


# --- the build ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built by ``mkdocs build --strict`` with sockets disabled; prints the build time."""
    work = tmp_path_factory.mktemp("docs-site")
    (work / "guard").mkdir()
    (work / "guard" / "sitecustomize.py").write_text(NO_NETWORK, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(work / "guard"), "NO_MKDOCS_2_WARNING": "1"}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(work / "site")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    print(f"\nmkdocs build --strict: {elapsed:.1f} s")
    return work / "site"


def test_the_socket_guard_really_blocks_the_network(tmp_path: Path) -> None:
    """A control: the same guard makes a process that opens a socket fail, so a green build means no network."""
    (tmp_path / "sitecustomize.py").write_text(NO_NETWORK, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-c", "import socket; socket.socket()"],
        env={**os.environ, "PYTHONPATH": str(tmp_path)}, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode != 0 and "network access attempted" in result.stderr


def nav_pages() -> list[str]:
    """Every page of the nav of ``mkdocs.yml``, depth first."""

    def walk(items: object) -> Iterator[str]:
        if isinstance(items, str):
            yield items
        elif isinstance(items, list):
            for item in items:
                yield from walk(item)
        elif isinstance(items, dict):
            for value in items.values():
                yield from walk(value)

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return list(walk(config["nav"]))


def doc_pages() -> list[str]:
    """Every Markdown page under ``docs/``, relative to it."""
    return sorted(path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md"))


def test_every_page_is_in_the_nav_once_and_linked_from_the_home_page() -> None:
    nav = nav_pages()
    assert sorted(nav) == doc_pages() and len(nav) == len(set(nav))  # mkdocs --strict also refuses omissions
    home = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([^)#\s]+\.md)(?:#[^)]*)?\)", home))
    assert set(doc_pages()) - {"index.md"} <= linked, "pages not linked from docs/index.md"


def test_the_site_builds_strictly_with_every_page(site: Path) -> None:
    for page in doc_pages():
        assert (site / page.replace(".md", ".html")).is_file(), page
    for schema in (DOCS / "reference").glob("*.json"):
        assert (site / "reference" / schema.name).read_bytes() == schema.read_bytes()
    assert not (site / "traceability.toml").exists()
    assert (site / "search" / "search_index.js").is_file(), "offline search index missing"


class _Loads(HTMLParser):
    """The URLs an HTML page makes the browser load: scripts, style sheets, icons, fonts, images, frames."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "link" and not {"prev", "next", "canonical", "alternate"} & set(values.get("rel", "").split()):
            self.urls.append(values.get("href", ""))
        if tag in {"script", "img", "iframe", "frame", "embed", "source", "audio", "video", "track", "input"}:
            self.urls += [values[name] for name in ("src", "srcset") if name in values]
        if tag == "object" and "data" in values:
            self.urls.append(values["data"])
        if "style" in values:
            self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", values["style"])
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.urls.append(values.get("content", ""))
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.urls += re.findall(r"(?:url\(|@import)\s*['\"]?([^'\")\s;]+)", data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


def test_the_site_loads_nothing_from_the_network(site: Path) -> None:
    remote = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//|https?:", re.I)
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= len(doc_pages())
    for page in pages:
        parser = _Loads()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.urls, f"{page.name}: no scripts or styles found, the scan is broken"
        external = [url for url in parser.urls if remote.search(url)]
        assert not external, f"{page.relative_to(site)} loads {external}"
    for sheet in site.rglob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        assert not re.search(r"(?:url\(|@import)\s*['\"]?(?:https?:)?//", text), f"{sheet.name} loads a remote file"
    scripts = "\n".join(path.read_text(encoding="utf-8") for path in site.rglob("*.js"))
    for host in ("fonts.googleapis.com", "fonts.gstatic.com", "unpkg.com/iframe-worker"):
        assert host not in scripts, f"a script of the site loads from {host}"
    # The theme's script loads Mermaid from a CDN unless ``mermaid`` is defined: every page with a ```mermaid
    # diagram loads the vendored copy first (mkdocs.yml, extra_javascript), and holds the diagram to render.
    diagrams = [page for page in doc_pages() if any(language == "mermaid" for language, _, _ in fences(DOCS / page))]
    assert "architecture.md" in diagrams
    for page in diagrams:
        html = (site / page.replace(".md", ".html")).read_text(encoding="utf-8")
        parser = _Loads()
        parser.feed(html)
        assert any(url.endswith("assets/vendor/mermaid.min.js") for url in parser.urls), page
        assert '<pre class="mermaid"><code>' in html, page
    assert "mermaid" in (site / "assets" / "vendor" / "mermaid.min.js").read_text(encoding="utf-8")[:200]


# --- the guide's Python ------------------------------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder, made the current one, holding a copy of ``examples/request-spec/``."""
    shutil.copytree(REQUEST_SPEC, tmp_path / "request-spec")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_guide_runs(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = [body for language, _, body in fences(DOCS / "guide.md") if language in {"python", "py"}]
    assert len(blocks) >= 10
    namespace: dict[str, object] = {"__name__": "guide"}
    for number, body in enumerate(blocks, 1):
        try:
            exec(compile(body, f"docs/guide.md, python block {number}", "exec"), namespace)
        except Exception as exc:
            pytest.fail(f"python block {number} of docs/guide.md raised {exc!r}:\n{body}")
    capsys.readouterr()


def test_the_guide_imports_only_from_the_front_door() -> None:
    import fivesafes_crate

    imported = set()
    for language, _, body in fences(DOCS / "guide.md"):
        if language not in {"python", "py"}:
            continue
        for node in ast.walk(ast.parse(body)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fivesafes_crate"):
                assert node.module == "fivesafes_crate", f"the guide imports from {node.module}"
                imported |= {alias.name for alias in node.names}
            if isinstance(node, ast.Import):
                assert not any(alias.name.startswith("fivesafes_crate.") for alias in node.names)
    assert imported, "the guide imports nothing from fivesafes_crate"
    assert imported <= set(fivesafes_crate.__all__), f"not public: {imported - set(fivesafes_crate.__all__)}"


def test_the_guide_lists_every_public_error() -> None:
    import fivesafes_crate

    guide = (DOCS / "guide.md").read_text(encoding="utf-8")
    tree = guide.split("## Errors", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    drawn = set(re.findall(r"(?m)^[│├└─ ]*(\w+)", tree))
    errors = [name for name in fivesafes_crate.__all__
              if isinstance(getattr(fivesafes_crate, name), type)
              and issubclass(getattr(fivesafes_crate, name), fivesafes_crate.FiveSafesError)]
    assert len(errors) > 10
    assert not [name for name in errors if name not in drawn], "errors missing from the guide's tree"


# --- the tutorial's commands -------------------------------------------------------------------------------

VOLATILE = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)"), "<time>"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{12,}\b"), "<hex>"),
]
EXIT_NOTE = re.compile(r"\s+#\s*exits (\d+)\s*$")


def normalise(text: str) -> str:
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is what ``expected`` shows, ``...`` standing for anything."""
    pattern = ""
    for line in normalise(expected).splitlines():
        if line.strip() == "...":
            pattern += r"(?:[^\n]*\n)*?"
        else:
            pattern += "[^\n]*?".join(re.escape(piece) for piece in line.split("...")) + r"\n"
    text = normalise(actual)
    return re.fullmatch(pattern, text + "\n" if text else "") is not None


def console_commands(body: str) -> Iterator[tuple[str, str]]:
    """``(command, expected output)`` for each ``$`` command of a console block, continuation lines joined."""
    command: list[str] = []
    output: list[str] = []
    for line in body.splitlines():
        if command and not output and command[-1].endswith("\\"):
            command[-1] = command[-1][:-1].rstrip()
            command.append(line.strip())
        elif line.startswith("$ "):
            if command:
                yield " ".join(command), "\n".join(output)
            command, output = [line[2:].strip()], []
        else:
            output.append(line)
    if command:
        yield " ".join(command), "\n".join(output)


class Shell:
    """Just enough of a shell for the tutorial: ``cd``, ``export``, ``fivesafes`` in process, the rest in bash."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder, self.monkeypatch = folder, monkeypatch
        self.env = {"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
        self.runner = CliRunner()

    def run(self, command: str) -> tuple[int, str]:
        words = shlex.split(command)
        if words[0] == "cd":
            self.folder = (self.folder / words[1]).resolve()
            return 0, ""
        if words[0] == "export":
            for word in words[1:]:
                name, _, value = word.partition("=")
                self.env[name] = value
            return 0, ""
        if words[0] == "fivesafes":
            from fivesafes_crate.cli import app

            self.monkeypatch.chdir(self.folder)
            result = self.runner.invoke(app, words[1:], env=self.env)
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                raise result.exception
            return result.exit_code, result.output
        done = subprocess.run(["bash", "-c", command], cwd=self.folder, env={**os.environ, **self.env},
                              capture_output=True, text=True, timeout=60, check=False)
        return done.returncode, done.stdout + done.stderr


def run_page(page: Path, shell: Shell) -> int:
    """Run every console block of a page in ``shell`` (toml blocks are files written first); the commands run."""
    commands = 0
    for language, info, body in fences(page):
        if language == "toml":  # a file the reader writes, named by the block's title
            name = re.fullmatch(r'title="([^"]+)"', info)
            assert name, f"a toml block of {page.name} has no file title: {info!r}"
            (shell.folder / name[1]).write_text(body, encoding="utf-8")
        if language != "console":
            continue
        for command, expected in console_commands(body):
            commands += 1
            note = EXIT_NOTE.search(command)
            status, output = shell.run(EXIT_NOTE.sub("", command))
            assert status == (int(note[1]) if note else 0), f"$ {command}\nexit status {status}\n{output}"
            assert matches(expected, output), f"$ {command}\n--- the page shows:\n{expected}\n--- it printed:\n{output}"
    return commands


def test_the_tutorial_runs_as_shown(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_page(DOCS / "tutorial.md", Shell(workdir, monkeypatch)) >= 20


def test_the_federation_chapter_runs_as_shown(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_page(DOCS / "tutorial-federation.md", Shell(workdir, monkeypatch)) >= 20


def test_the_output_matcher() -> None:
    assert matches("key id: sha256:" + "ab" * 32, "key id: sha256:" + "0f" * 32)
    assert matches("at 2024-03-14T16:20:05+00:00; done", "at 2026-01-02T03:04:05-05:00; done")
    assert matches("VALID: 5 files checked, ... bytes hashed", "VALID: 5 files checked, 5765 bytes hashed")
    assert matches("first\n...\nlast", "first\na\nb\nlast") and matches("first\n...\nlast", "first\nlast")
    assert not matches("VALID", "INVALID") and not matches("first\nlast", "first\nmiddle\nlast")
    assert not matches("a ... c", "a b\nc") and matches("", "") and not matches("", "output")
