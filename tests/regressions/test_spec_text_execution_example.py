"""The profile text's own execution example is broken three ways; each is reported with its check id.

tests/data/README.md lists them: it misspells ``CompletetedActionStatus`` and misses a comma between the two
result references. (The third, ``results`` for ``result``, is in the Outputs prose, not in any JSON, so no
crate can carry it; the traceability table maps that statement to ``outputs.result``.)
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from fivesafes_crate import validate


def _execution_example(reference_dir: Path, version: str) -> str:
    text = (reference_dir / "5s-crate" / version / "index.md").read_text(encoding="utf-8")
    section = text.split("##### Example", 1)[1]
    block = re.search(r"```json\n(.*?)```", section, re.S)
    assert block and "CompletetedActionStatus" in block.group(1)
    return block.group(1)


@pytest.mark.parametrize("version", ["0.4", "0.5-DRAFT"])
def test_missing_comma_is_a_json_syntax_issue_with_position(reference_dir: Path, tmp_path: Path, version: str) -> None:
    snippet = _execution_example(reference_dir, version)
    crate = tmp_path / "crate"
    crate.mkdir()
    document = '{"@context": "https://w3id.org/ro/crate/1.2-DRAFT/context", "@graph": [\n' + snippet + "]}"
    (crate / "ro-crate-metadata.json").write_text(document, encoding="utf-8")
    issues = [issue for issue in validate(crate).issues if issue.check == "json.syntax"]
    assert len(issues) == 1
    assert issues[0].line is not None and issues[0].column is not None


@pytest.mark.parametrize("version", ["0.4", "0.5-DRAFT"])
def test_misspelled_status_and_undescribed_results_are_reported(
    reference_dir: Path, tmp_path: Path, version: str
) -> None:
    snippet = _execution_example(reference_dir, version)
    action = json.loads(re.sub(r"\}\s*\{", "}, {", snippet))  # restore the missing comma
    request = reference_dir / "5s-crate" / version / "example-request" / "data"
    crate = tmp_path / "crate"
    shutil.copytree(request, crate)
    metadata = json.loads((crate / "ro-crate-metadata.json").read_text(encoding="utf-8"))
    metadata["@graph"] = [action if e.get("@id") == action["@id"] else e for e in metadata["@graph"]]
    (crate / "ro-crate-metadata.json").write_text(json.dumps(metadata), encoding="utf-8")
    report = validate(crate, stage="executed")
    by_check = {(issue.check, issue.focus, issue.path) for issue in report.issues}
    assert ("execution.action-status", action["@id"], "actionStatus") in by_check
    assert ("outputs.described", action["@id"], "result") in by_check  # outputs/matches.txt is not described
