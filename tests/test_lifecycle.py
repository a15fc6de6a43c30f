"""The whole lifecycle, end to end through the public API: the demo in both profile versions, and every
rejection path producing a crate that validates and that ``receive`` reports for what it is."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest

from fivesafes_crate import (
    Agent,
    AgentKind,
    DisclosureDecision,
    ExpectedInputs,
    OutputFile,
    Severity,
    Status,
    Step,
    StepRefused,
    add_results,
    fail_run,
    finish_run,
    load_signer,
    load_trust_store,
    package,
    receive,
    record_check,
    record_disclosure,
    record_signoff,
    record_validation,
    sign_hook,
    start_run,
    status,
    validate,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "request"
TRE = Agent("https://safehaven.example.org/", "Example Safe Haven")
VALIDATOR = Agent("https://safehaven.example.org/#validator", "Validator", AgentKind.SOFTWARE, TRE)
PERSON = Agent("https://orcid.org/0000-0003-1234-5674", "Alex Reviewer", AgentKind.PERSON)
POLICY = "https://safehaven.example.org/agreement-policy/81"


def demo() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lifecycle_demo", ROOT / "scripts" / "lifecycle_demo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("profile", ["0.4", "0.5-DRAFT"])
def test_the_demo_runs_the_whole_lifecycle(tmp_path: Path, profile: str) -> None:
    lines: list[str] = []
    assert demo().run(tmp_path, profile=profile, out=lines.append)
    text = "\n".join(lines)
    assert f"https://w3id.org/5s-crate/{profile}" in text
    assert text.count("[valid at should") == 11  # every step after sanitize, and the packed request
    assert "accepted; 11 signatures, policy 'published' met" in text
    result = tmp_path / "result.bagit.zip"
    assert [row.status for row in status(result).rows] == [Status.COMPLETED] * 7


@pytest.fixture
def bag(tmp_path: Path) -> Path:
    return package(EXAMPLE, tmp_path / "request.bagit", folder=True,
                   external_identifier="urn:uuid:3c0d1f2e-8a4b-4c6d-9e7f-0a1b2c3d4e5f", bagging_date=date(2024, 3, 4))


def _to_signoff(bag: Path) -> None:
    record_check(bag, agent=VALIDATOR)
    record_validation(bag, agent=VALIDATOR)


def _to_run(bag: Path) -> None:
    _to_signoff(bag)
    record_signoff(bag, agent=PERSON, approved=True, policy=POLICY)
    start_run(bag)


def _check_failed(bag: Path) -> None:
    (bag / "data" / "cohort.json").write_bytes(b'{"tampered": true}\n')
    record_check(bag, agent=VALIDATOR)


def _validation_failed(bag: Path) -> None:
    record_check(bag, agent=VALIDATOR)
    expected = ExpectedInputs([{"@id": "#param-other", "@type": "FormalParameter", "name": "other"}])
    record_validation(bag, agent=VALIDATOR, extra_checks=[expected])


def _signoff_rejected(bag: Path) -> None:
    _to_signoff(bag)
    record_signoff(bag, agent=PERSON, approved=False, policy=POLICY, reason="not covered by the agreement")


def _run_failed(bag: Path) -> None:
    _to_run(bag)
    fail_run(bag, reason="the workflow engine ran out of memory")


def _disclosure_rejected(bag: Path) -> None:
    _to_run(bag)
    table = bag.parent / "table.csv"
    table.write_text("age_band,count\n40-49,3\n", encoding="utf-8")
    add_results(bag, [OutputFile(table)])
    finish_run(bag)
    record_disclosure(bag, DisclosureDecision.REJECTED, agent=PERSON, reason="a count below 10", remove_run=True)


@pytest.mark.parametrize(
    ("path", "step"),
    [
        (_check_failed, Step.CHECK),
        (_validation_failed, Step.VALIDATION),
        (_signoff_rejected, Step.SIGN_OFF),
        (_run_failed, Step.EXECUTION),
        (_disclosure_rejected, Step.DISCLOSURE),
    ],
)
def test_every_rejection_path_gives_a_valid_crate_that_receive_reports(
    bag: Path, path: Callable[[Path], None], step: Step
) -> None:
    path(bag)
    report = validate(bag, threshold=Severity.SHOULD)
    assert report.valid, [(i.check, i.message) for i in report.at_threshold()]
    receipt = receive(bag)
    assert not receipt.accepted
    assert any(reason.startswith(f"{step.label} failed") for reason in receipt.reasons), receipt.reasons
    assert receipt.bag is not None and receipt.bag.valid  # the failed crate's manifests are current
    with pytest.raises(StepRefused, match="ends the lifecycle"):  # and nothing continues after a failure
        record_signoff(bag, agent=PERSON, approved=True, policy=POLICY)


def test_receive_with_trust_accepts_only_tre_signed_reviews(tmp_path: Path) -> None:
    module = demo()
    (tmp_path / "signed").mkdir()
    assert module.run(tmp_path / "signed", out=lambda _line: None)
    trust = load_trust_store(tmp_path / "signed" / "keys" / "trust.toml")
    receipt = receive(tmp_path / "signed" / "result.bagit.zip", trust=trust, policy="published")
    assert receipt.accepted, receipt.reasons
    assert receipt.signatures is not None and receipt.signatures.valid

    # the same TRE keys, but the sign-off is recorded without the TRE signing it
    bag = package(EXAMPLE, tmp_path / "unsigned.bagit", folder=True)
    hook = sign_hook(load_signer(tmp_path / "signed" / "keys" / "tre.pem", module.PASSPHRASE), principal=TRE.id)
    record_check(bag, agent=VALIDATOR, sign=hook)
    record_validation(bag, agent=VALIDATOR, sign=hook)
    signoff = record_signoff(bag, agent=PERSON, approved=True, policy=POLICY)
    assert signoff.action is not None
    receipt = receive(bag, trust=trust)
    assert not receipt.accepted
    unbacked = f"sign-off {signoff.action['@id']} is not backed by a trusted TRE signature: the TRE signs the step " \
        "with 'fivesafes tre signoff ... --key KEY' (or a sign hook) and the trust store gives that key the role " \
        "tre:signoff"
    assert unbacked in receipt.reasons
    assert any(reason.startswith("the signatures do not verify") for reason in receipt.reasons)
