"""Every command that writes, given a read-only folder: one line naming the output, exit 2, nothing left behind.

Issue 18 item 6: these printed ``internal error, please report: OSError ... .tmp``. The folder is made read-only
by :func:`~unit._storage.refuse_writes` (as a read-only mount would be, and also when the tests run as root).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner
from unit._storage import listing, refuse_writes
from unit.phases.conftest import EXAMPLE_REQUEST_DIR, POLICY, request_bag, workflow_crate

from fivesafes_crate.cli import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "examples" / "request-spec" / "request.yaml"
ACRO = REPO / "tests" / "data" / "acro-sample-1.0.2" / "standalone"
ENV = {
    "FIVESAFES_AGENT": "https://safehaven.example.org/#crate-validator",
    "FIVESAFES_AGENT_NAME": "Crate validator of the Example Safe Haven",
    "FIVESAFES_AGENT_TYPE": "software",
    "FIVESAFES_PROVIDER": "https://safehaven.example.org/",
    "FIVESAFES_PROVIDER_NAME": "Example Safe Haven",
    "FIVESAFES_KEY_PASSPHRASE": None,
}
PERSON = ["--agent", "https://orcid.org/0000-0003-1234-5674", "--agent-name", "Alex Reviewer", "--agent-type", "person"]
ORCID = "https://orcid.org/0000-0002-1825-0097"

# command line (with {bag}, {ro}, {given} placeholders) and the output its error line must name
COMMANDS: dict[str, tuple[list[str], str]] = {
    "new": (["new", "{ro}/new", "--spec", str(SPEC)], "{ro}/new"),
    "pack": (["pack", str(EXAMPLE_REQUEST_DIR), "-o", "{ro}/out.bagit.zip"], "{ro}/out.bagit.zip"),
    "pack --bag-dir": (["pack", str(EXAMPLE_REQUEST_DIR), "-o", "{ro}/out.bagit", "--bag-dir"], "{ro}/out.bagit"),
    "unpack": (["unpack", "{given}/request.bagit.zip", "-o", "{ro}/unpacked"], "{ro}/unpacked"),
    "sign": (["sign", "{bag}", "--key", "{given}/k.pem", "--no-passphrase", "--role", "requester",
              "--signer", ORCID], "{bag}"),
    "keygen": (["keygen", "-o", "{ro}/k.pem", "--no-passphrase"], "{ro}/k.pem"),
    "preview": (["preview", str(EXAMPLE_REQUEST_DIR), "-o", "{ro}/preview.html"], "{ro}/preview.html"),
    "export-profile": (["export-profile", "{ro}/profiles", "--for", "rocrate-validator"], "{ro}/profiles"),
    "tre sanitize": (["tre", "sanitize", "{bag}"], "{bag}"),
    "tre check": (["tre", "check", "{bag}"], "{bag}"),
    "tre validate": (["tre", "validate", "{bag}"], "{bag}"),
    "tre retrieve": (["tre", "retrieve", "{bag}", "--workflow-crate", "{given}/workflow-1042"], "{bag}"),
    "tre signoff": (["tre", "signoff", "{bag}", "--approve", "--policy", POLICY, *PERSON], "{bag}"),
    "tre run start": (["tre", "run", "start", "{bag}"], "{bag}"),
    "tre run finish": (["tre", "run", "finish", "{bag}"], "{bag}"),
    "tre run fail": (["tre", "run", "fail", "{bag}", "--reason", "out of memory"], "{bag}"),
    "tre publish": (["tre", "publish", "{bag}", "--publisher", "https://safehaven.example.org/", "--publisher-name",
                     "Example Safe Haven", "--license", "https://spdx.org/licenses/CC-BY-4.0"], "{bag}"),
    "result add": (["result", "add", "{bag}", "{given}/counts.csv"], "{bag}"),
    "disclosure check --write": (["disclosure", "check", "{bag}", "--write"], "{bag}"),
    "disclosure record": (["disclosure", "record", "{bag}", "--decision", "approved", *PERSON], "{bag}"),
    "disclosure import-acro": (["disclosure", "import-acro", "{bag}", str(ACRO), "--timezone", "UTC"], "{bag}"),
}


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, str]:
    """``ro/`` holding a bag ZIP (made read-only by each test) and ``given/`` with the other inputs."""
    given, ro = tmp_path / "given", tmp_path / "ro"
    given.mkdir()
    ro.mkdir()
    request_bag(given, form="zip")
    bag = request_bag(ro, form="zip")
    workflow_crate(given)
    (given / "counts.csv").write_bytes(b"age_band,count\n40-49,120\n")
    assert runner.invoke(app, ["keygen", "-o", str(given / "k.pem"), "--no-passphrase"]).exit_code == 0
    return {"ro": str(ro), "given": str(given), "bag": str(bag)}


def invoke(args: list[str]) -> Any:
    """Run the CLI as the TRE's software agent, or as the person named in ``args`` (who has no provider)."""
    person = "person" in args
    env = {**ENV, **dict.fromkeys(("FIVESAFES_PROVIDER", "FIVESAFES_PROVIDER_NAME") if person else ())}
    return runner.invoke(app, args, env=env)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_read_only_folder_gives_one_line_naming_the_output(
    command: str, folders: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template, named = COMMANDS[command]
    before = listing(tmp_path)
    refuse_writes(monkeypatch, tmp_path / "ro")
    result = invoke([part.format(**folders) for part in template])
    monkeypatch.undo()
    assert (result.exit_code, result.stdout) == (2, ""), (result.stdout, result.stderr)
    assert result.stderr == f"error: {named.format(**folders)}: cannot write here (read-only file system)\n"
    assert listing(tmp_path) == before


def test_permission_denied_is_said_in_the_same_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    refuse_writes(monkeypatch, tmp_path, code=errno.EACCES)
    result = invoke(["pack", str(EXAMPLE_REQUEST_DIR), "-o", str(tmp_path / "out.zip")])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: {tmp_path / 'out.zip'}: cannot write here (permission denied)\n"
