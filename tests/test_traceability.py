"""The traceability file covers every normative sentence of the profile text, names only catalogued checks, and
the generated docs (traceability table, check catalogue) are up to date."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from unit._crates import REFERENCE_DIR

from fivesafes_crate.validation.engine import catalogue

ROOT = Path(__file__).resolve().parents[1]
SPEC = REFERENCE_DIR / "5s-crate"
PROFILE_TEXTS = [SPEC / "0.4" / "index.md", SPEC / "0.5-DRAFT" / "index.md"]

KEYWORDS = re.compile(r"\b(MUST|REQUIRED|SHALL|SHOULD|RECOMMENDED|MAY|OPTIONAL)\b")
SENTENCE_END = re.compile(r"(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s+(?=[A-Z_*\[`(])")


def _gen_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_docs", module)
    spec.loader.exec_module(module)
    return module


def normalise(text: str) -> str:
    return " ".join(text.split())


def normative_sentences(markdown: str) -> list[str]:
    """Sentences with a BCP 14 key word, outside HTML comments and fenced code blocks.

    Paragraphs are joined into single lines and split after ``.``, ``!`` or ``?`` (not after ``e.g.``/``i.e.``);
    headings are skipped, and so is the BCP 14 boilerplate that quotes every key word.
    """
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.S)
    text = re.sub(r"^```.*?^```", " ", text, flags=re.S | re.M)
    found = []
    for paragraph in re.split(r"\n\s*\n", text):
        body = normalise(" ".join(line for line in paragraph.splitlines() if not line.lstrip().startswith("#")))
        for sentence in SENTENCE_END.split(body):
            if KEYWORDS.search(sentence) and "BCP 14" not in sentence:
                found.append(sentence)
    return found


@pytest.fixture(scope="module")
def statements() -> list[dict[str, Any]]:
    return _gen_docs().load_statements()  # type: ignore[no-any-return]


def test_statements_are_well_formed(statements: list[dict[str, Any]]) -> None:
    for statement in statements:
        assert {"section", "level", "quote"} <= statement.keys(), statement
        assert bool(statement.get("checks")) != bool(statement.get("reason")), (
            f"needs exactly one of checks or reason: {statement['quote']!r}"
        )
        assert set(statement) <= {"section", "level", "quote", "checks", "reason", "note"}, statement


@pytest.mark.parametrize("path", PROFILE_TEXTS, ids=lambda p: p.parent.name)
def test_every_quote_is_verbatim_in_one_line(path: Path, statements: list[dict[str, Any]]) -> None:
    lines = [normalise(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for statement in statements:
        quote = normalise(statement["quote"])
        matches = [line for line in lines if quote in line]
        assert len(matches) == 1, f"{path.parent.name}: quote found on {len(matches)} lines: {quote!r}"


@pytest.mark.parametrize("path", PROFILE_TEXTS, ids=lambda p: p.parent.name)
def test_every_normative_sentence_is_traced(path: Path, statements: list[dict[str, Any]]) -> None:
    sentences = normative_sentences(path.read_text(encoding="utf-8"))
    assert len(sentences) > 80
    quotes = [normalise(s["quote"]) for s in statements]
    untraced = [sentence for sentence in sentences if not any(quote in sentence for quote in quotes)]
    assert not untraced, "normative sentences without a [[statement]]:\n" + "\n".join(untraced)


def test_traced_checks_exist(statements: list[dict[str, Any]]) -> None:
    known = set(catalogue())
    unknown = sorted({c for s in statements for c in s.get("checks", []) if c not in known})
    assert not unknown, f"check ids in docs/traceability.toml that are not in the catalogue: {unknown}"


def test_every_check_is_traced(statements: list[dict[str, Any]]) -> None:
    traced = {c for s in statements for c in s.get("checks", [])}
    untraced = sorted(set(catalogue()) - traced)
    assert not untraced, f"check ids that no statement of docs/traceability.toml names: {untraced}"


def test_generated_docs_are_current() -> None:
    for path, expected in _gen_docs().outputs().items():
        assert path.exists(), f"{path.name} missing: run python scripts/gen_docs.py"
        assert path.read_text(encoding="utf-8") == expected, f"{path.name} is stale: run python scripts/gen_docs.py"


def test_policy_table_names_known_parts_and_checks() -> None:
    """Every part of the ``[policy]`` table is a part of docs/conformance.md and names catalogued checks only."""
    gen_docs = _gen_docs()
    policy = gen_docs.load_policy()
    assert set(policy) <= set(gen_docs.POLICY_RULES) - {"presence"}, sorted(policy)
    known = set(catalogue())
    assert not {c for ids in policy.values() for c in ids} - known
    conformance = (ROOT / "docs" / "conformance.md").read_text(encoding="utf-8")
    for label in gen_docs.POLICY_RULES.values():
        number, name = label.split(" ", 1)
        assert f"## {number}. " in conformance and name in conformance.lower(), f"docs/conformance.md lacks {label}"


def test_every_checked_statement_shows_its_policy_parts(statements: list[dict[str, Any]]) -> None:
    gen_docs = _gen_docs()
    policy = gen_docs.load_policy()
    for statement in statements:
        parts = gen_docs.policy_parts(statement, policy)
        assert bool(parts) == bool(statement.get("checks")), statement["quote"]
        if parts:
            assert parts[0] == gen_docs.POLICY_RULES["presence"]
