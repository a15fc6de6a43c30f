"""The preview in a real browser: headless Chromium from the distribution's packages, cut off from the network.

Chromium runs in a new network namespace (``unshare --net``: no interface but a loopback that is down) where
the system allows it, and always with flags that turn off its background traffic and route anything left to a
closed local port and an unresolvable host. One run per page loads the ``file://`` page and gives the DOM
(``--dump-dom``), a screenshot (``--screenshot``) and the browser log on stderr, where every console message,
including each load that the page's Content-Security-Policy blocked, appears as an ``INFO:CONSOLE`` line.

Without Chromium the tests are skipped; ``.ci/run`` installs it and makes any skip a failure
(``FIVESAFES_NO_SKIPS=1``, ``tests/no_skips.py``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from fivesafes_crate.model.crate import Crate
from fivesafes_crate.model.source import WEBSITE_FILE
from fivesafes_crate.reporting.preview import write_preview
from fivesafes_crate.website import render_preview

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WIDTH, HEIGHT = 1280, 1600
PUBLISHED_STEPS = ["check", "validation", "retrieval", "sign-off", "execution", "disclosure", "publishing"]
HEADER_BLUE = (0x0B, 0x3D, 0x62)
COMPLETED_GREEN = (0xDA, 0xFB, 0xE1)
CONSOLE = re.compile(r"^.*:CONSOLE[:(].*$", re.M)

FLAGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-breakpad",
    "--disable-domain-reliability",
    "--no-pings",
    "--no-first-run",
    "--no-default-browser-check",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
    "--hide-scrollbars",
    f"--window-size={WIDTH},{HEIGHT}",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("chromium is not installed (apt-get install chromium); CI installs it and runs these tests")
    return found


def _isolation() -> list[str]:
    """``unshare --net`` when this system lets us create a network namespace, else nothing (flags only)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    probe = subprocess.run([unshare, "--net", "true"], capture_output=True, check=False, timeout=30)
    return [unshare, "--net"] if probe.returncode == 0 else []


@pytest.fixture(scope="module")
def browser() -> list[str]:
    """The command prefix that starts an isolated headless Chromium."""
    return [*_isolation(), _chromium(), *FLAGS]


def load(browser: list[str], page: Path, scratch: Path) -> tuple[str, bytes, list[str]]:
    """Load ``page`` once in a fresh profile: its DOM after loading, a PNG screenshot and the console lines."""
    profile = scratch / "profile"
    shot = scratch / "screenshot.png"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(scratch), "LANG": "C.UTF-8", "TZ": "UTC"}
    done = subprocess.run(
        [*browser, f"--user-data-dir={profile}", f"--screenshot={shot}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, env=env, check=False, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert shot.is_file(), done.stderr[-3000:]
    return done.stdout, shot.read_bytes(), CONSOLE.findall(done.stderr)


class Dom(HTMLParser):
    """The elements of the dumped DOM, the timeline's rows and the text of the first ``h1``."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.steps: list[tuple[str | None, str | None]] = []
        self.title = ""
        self._in_h1 = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if tag == "tr" and found.get("class") == "step":
            self.steps.append((found.get("data-step"), found.get("data-status")))
        self._in_h1 = tag == "h1" and not self.title

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.title += data


def _add(first: bytes | bytearray, second: bytes | bytearray) -> bytearray:
    """Bytewise addition modulo 256 of two equally long rows, on whole rows at once (no per-byte loop)."""
    size = len(first)
    low, high = int.from_bytes(b"\x7f" * size, "big"), int.from_bytes(b"\x80" * size, "big")
    a, b = int.from_bytes(first, "big"), int.from_bytes(second, "big")
    return bytearray((((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(size, "big"))


def _unfilter(kind: int, line: bytearray, previous: bytearray, size: int) -> bytearray:
    """Undo one PNG scanline filter (RFC 2083, section 6)."""
    if kind == 2:
        return _add(line, previous)
    for i in range(len(line)) if kind in (1, 3, 4) else ():
        left = line[i - size] if i >= size else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + previous[i]) // 2) & 0xFF
        else:
            up, corner = previous[i], previous[i - size] if i >= size else 0
            guess = left + up - corner
            near = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner))
            line[i] = (line[i] + near[2]) & 0xFF
    return line


def pixels(png: bytes) -> tuple[int, int, Counter[tuple[int, int, int]]]:
    """Decode an 8-bit, non-interlaced RGB or RGBA PNG: its width, height and how often each RGB colour occurs."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    position, data, header = 8, b"", b""
    while position < len(png):
        (length,) = struct.unpack(">I", png[position:position + 4])
        kind, body = png[position + 4:position + 8], png[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            data += body
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    size = 3 if colour == 2 else 4
    raw, stride = zlib.decompress(data), width * size
    previous, counts = bytearray(stride), Counter[tuple[int, int, int]]()
    for row in range(height):
        start = row * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), previous, size)
        counts.update(zip(line[0::size], line[1::size], line[2::size], strict=True))
        previous = line
    return width, height, counts


def test_the_published_preview_renders_offline_without_console_messages(browser: list[str], tmp_path: Path) -> None:
    page = write_preview(EXAMPLES / "published", tmp_path / WEBSITE_FILE)
    dom_text, png, console = load(browser, page, tmp_path)
    assert console == []
    dom = Dom(dom_text)
    assert dom.title == "Type 2 diabetes cohort counts by age band (Safe Haven project 81)"
    assert dom.steps == [(step, "completed") for step in PUBLISHED_STEPS]
    assert "Sam Output-Checker" in dom_text and "outputs/summary.csv" in dom_text
    width, height, colours = pixels(png)
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(colours) > 100, "the screenshot is (nearly) blank"
    assert colours[HEADER_BLUE] > 1000 and colours[COMPLETED_GREEN] > 100, "the header or the badges are not drawn"
    assert colours[(255, 255, 255)] < 0.9 * width * height


def test_a_hostile_crate_stays_text_in_the_browser(browser: list[str], tmp_path: Path) -> None:
    document: Any = json.loads((EXAMPLES / "request" / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    root = next(e for e in document["@graph"] if e["@id"] == "./")
    root["name"] = "<script>console.error('pwned')</script>"
    root["description"] = "\"><img src=x onerror=console.error('pwned')><style>body{display:none}</style>"
    root["publisher"] = {"@id": "https://example.org/\"><link rel=stylesheet href=https://example.org/x.css>"}
    page = tmp_path / WEBSITE_FILE
    page.write_text(render_preview(Crate(document)), encoding="utf-8")
    dom_text, png, console = load(browser, page, tmp_path)
    assert console == []
    dom = Dom(dom_text)
    assert not {"script", "img", "link"} & set(dom.tags)
    assert dom.title == "<script>console.error('pwned')</script>"
    assert png.startswith(b"\x89PNG")


def test_the_console_scan_sees_what_the_policy_blocks(browser: list[str], tmp_path: Path) -> None:
    """The control: a page that tries to load an image and run a script is caught by the same scan."""
    html = render_preview(Crate({"@graph": []})).replace(
        "</main>", '<img src="https://example.org/x.png" alt=""><script>console.error("ran")</script></main>')
    page = tmp_path / "control.html"
    page.write_text(html, encoding="utf-8")
    _, _, console = load(browser, page, tmp_path)
    assert any("example.org/x.png" in line for line in console), console
    assert any("script" in line.lower() for line in console), console
    assert not any('"ran"' in line for line in console), "the script ran despite the policy"


# The measuring script of the wrapping test: for each word of each cell marked data-words, whether the browser
# laid it out on one line (all its boxes share a top), and whether the page overflows the window sideways.
_MEASURE = """<script>
const split = [];
for (const cell of document.querySelectorAll('td')) {
  const node = cell.firstChild;
  if (!node || node.nodeType !== Node.TEXT_NODE) continue;
  for (const match of node.data.matchAll(/\\S+/g)) {
    if (match[0].length > 40) continue;
    const range = document.createRange();
    range.setStart(node, match.index);
    range.setEnd(node, match.index + match[0].length);
    const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (tops.size > 1) split.push(match[0]);
  }
}
const overflow = document.documentElement.scrollWidth > window.innerWidth;
document.body.setAttribute('data-measured', JSON.stringify({split: split, overflow: overflow}));
</script>"""


def test_words_do_not_break_mid_letter_and_long_identifiers_do_not_widen_the_page(browser: list[str],
                                                                                  tmp_path: Path) -> None:
    """A results table with a 600-character path beside ordinary words: the words stay whole, the page fits.

    With ``overflow-wrap: anywhere`` on table cells the long path's column takes the width and the browser
    breaks ordinary words mid-letter to fit theirs; prose now wraps with ``break-word`` and only ``code`` (ids,
    paths) breaks anywhere. The page is measured by a script added to a copy without the CSP (test-only).
    """
    document: Any = json.loads((EXAMPLES / "published" / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    graph = document["@graph"]
    long_path = "outputs/" + "a1b2c3d4" * 75 + ".csv"
    words = "Pseudonymisation internationalisation counterbalancing deidentification characteristically"
    run = next(e for e in graph if e.get("@type") == "CreateAction")
    run["result"] = [{"@id": long_path}]
    graph.append({"@id": long_path, "@type": "File", "name": words, "encodingFormat": "text/csv",
                  "contentSize": "75"})
    html = render_preview(Crate(document))
    csp = html.index('<meta http-equiv="Content-Security-Policy"')
    html = html[:csp] + html[html.index(">", csp) + 1:]
    page = tmp_path / "measured.html"
    page.write_text(html.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    dom_text, _, _ = load(browser, page, tmp_path)
    found = re.search(r'data-measured="([^"]*)"', dom_text)
    assert found, "the measuring script did not run"
    measured = json.loads(found.group(1).replace("&quot;", '"'))
    assert measured == {"split": [], "overflow": False}, measured
