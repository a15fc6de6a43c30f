"""The whole Five Safes RO-Crate lifecycle on the bundled example, through the library, offline.

    python scripts/lifecycle_demo.py [--keep DIR]

A researcher builds a request from ``examples/request-spec/request.yaml``, packs it as a BagIt ZIP and signs
it. The Example Safe Haven TRE sanitizes, checks, validates, records the retrieval of the workflow (the local
Workflow RO-Crate ``examples/request-spec/workflow-1042/`` stands in for what its proxy downloaded), signs off,
runs the tiny workflow (``cohort_counts.py``, plain Python, on synthetic records), attaches the CSV it wrote,
screens it with ACRO's default disclosure rules, records the checker's verdict and publishes, signing each
phase with its own key. The researcher then receives the crate: manifests, validation, every step's status and every
signature. After each step the crate must validate at ``should`` for the stage it reached, or the demo fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from fivesafes_crate import (
    Agent,
    AgentKind,
    DisclosureDecision,
    License,
    OutputFile,
    Severity,
    StepResult,
    Verdict,
    add_results,
    create_key_pair,
    create_request,
    finish_run,
    load_request_spec,
    load_signer,
    load_trust_store,
    package,
    publish,
    receive,
    record_check,
    record_disclosure,
    record_retrieval,
    record_screening,
    record_signoff,
    record_validation,
    sanitize,
    sign,
    sign_hook,
    start_run,
    status,
    unpack,
    validate,
    verify_signatures,
)

REPO = Path(__file__).resolve().parents[1]
SPEC = REPO / "examples" / "request-spec" / "request.yaml"
WORKFLOW_CRATE = REPO / "examples" / "request-spec" / "workflow-1042"
PASSPHRASE = "demo passphrase, never use one like it"

RESEARCHER = "https://orcid.org/0000-0002-1825-0097"
TRE = Agent("https://safehaven.example.org/", "Example Safe Haven trusted research environment")
VALIDATOR = Agent("https://safehaven.example.org/#crate-validator", "Crate validator of the Example Safe Haven",
                  AgentKind.SOFTWARE, TRE)
PROXY = Agent("https://safehaven.example.org/#workflow-proxy", "Workflow download proxy of the Example Safe Haven",
              AgentKind.SOFTWARE, TRE)
SCREENER = Agent("https://safehaven.example.org/#sdc", "Disclosure screening of the Example Safe Haven",
                 AgentKind.SOFTWARE, TRE)
REVIEWER = Agent("https://orcid.org/0000-0003-1234-5674", "Alex Reviewer", AgentKind.PERSON)
OUTPUT_CHECKER = Agent("https://orcid.org/0000-0003-4455-6679", "Sam Output-Checker", AgentKind.PERSON)
POLICY = "https://safehaven.example.org/agreement-policy/81"
LICENSE = License("https://spdx.org/licenses/CC-BY-4.0", "Creative Commons Attribution 4.0 International")


class DemoFailed(Exception):
    """A crate of the demo did not validate at should for its stage."""


def checked(say: Callable[[str], None], result: StepResult) -> None:
    """Report the step's summary and insist that the crate validates at should for the stage it reached."""
    report = validate(result.path, threshold=Severity.SHOULD)
    if not report.valid:
        problems = "; ".join(f"{i.severity.label} {i.check} {i.focus}: {i.message}" for i in report.at_threshold())
        raise DemoFailed(f"not valid at should after '{result.summary}': {problems}")
    say(f"{result.summary}  [valid at should, stage {report.stage_label}]")


def keys(folder: Path) -> tuple[Path, Path]:
    """The researcher's and the TRE's key pairs, and a trust store naming both with their roles."""
    folder.mkdir()
    researcher = create_key_pair(folder / "researcher.pem", passphrase=PASSPHRASE)
    tre = create_key_pair(folder / "tre.pem", passphrase=PASSPHRASE)
    roles = '", "'.join(f"tre:{r}" for r in ("check", "validate", "retrieve", "signoff", "execute", "disclosure",
                                             "publish"))
    trust = folder / "trust.toml"
    trust.write_text(
        f'[[key]]\npublic_key_file = "{researcher.public.name}"\nprincipal = "{RESEARCHER}"\nroles = ["requester"]\n\n'
        f'[[key]]\npublic_key_file = "{tre.public.name}"\nprincipal = "{TRE.id}"\nroles = ["{roles}"]\n\n'
        '[policy.published]\nrequire = [\n  { role = "requester", principal = "requesting-agent" },\n'
        '  { role = "tre:publish", state = "current" },\n]\n',
        encoding="utf-8",
    )
    return folder / "researcher.pem", folder / "tre.pem"


def synthetic_records(path: Path) -> Path:
    """The TRE's record-level extract: 2,000 synthetic people (fixed seed), never leaving the TRE."""
    rng = random.Random(81)
    lines = ["age,sex"] + [f"{rng.randint(18, 95)},{rng.choice('FM')}" for _ in range(2000)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="work in this new folder and keep it (default: a temporary one)")
    parser.add_argument("--profile", default="0.4", help="profile version of the request (0.4 or 0.5-DRAFT)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="fivesafes-demo-"))
    if args.keep:
        work.mkdir(parents=True)
    try:
        accepted = run(work, profile=args.profile)
    except DemoFailed as exc:
        raise SystemExit(f"demo failed: {exc}") from None
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if not accepted:
        raise SystemExit("demo failed: the researcher could not accept the published crate")


def run(work: Path, *, profile: str = "0.4", out: Callable[[str], None] = print) -> bool:
    """Run the lifecycle in the empty folder ``work``; True when the researcher accepts the published crate.

    Raises :class:`DemoFailed` when a crate does not validate at should for the stage it reached.
    """
    researcher, tre = (lambda text: out(f"[researcher] {text}")), (lambda text: out(f"[TRE       ] {text}"))
    researcher_key, tre_key = keys(work / "keys")
    trust = load_trust_store(work / "keys" / "trust.toml")

    # --- the researcher -------------------------------------------------------------------------------------
    create_request(dataclasses.replace(load_request_spec(SPEC), profile=profile), work / "request")
    bag = package(work / "request", work / "request.bagit.zip")
    sign(bag, load_signer(researcher_key, PASSPHRASE), role="requester", principal=RESEARCHER)
    report = validate(bag, threshold=Severity.SHOULD)
    if not report.valid:
        raise DemoFailed("the packed request is not valid at should")
    researcher(f"built ({report.profile}), packed and signed {bag.name}  [valid at should, stage request]")

    # --- the TRE ----------------------------------------------------------------------------------------------
    inbox = work / "tre" / "request.bagit.zip"
    inbox.parent.mkdir()
    shutil.copyfile(bag, inbox)
    hook = sign_hook(load_signer(tre_key, PASSPHRASE), principal=TRE.id)
    received = unpack(inbox, work / "tre" / "request")
    tre(f"unpacked into {received.relative_to(work)} to read the inputs; the steps work on the ZIP itself")
    tre(sanitize(inbox).summary)
    checked(tre, record_check(inbox, agent=VALIDATOR, sign=hook))
    checked(tre, record_validation(inbox, agent=VALIDATOR, sign=hook))
    checked(tre, record_retrieval(inbox, WORKFLOW_CRATE, agent=PROXY, sign=hook))
    checked(tre, record_signoff(inbox, agent=REVIEWER, approved=True, policy=POLICY,
                                policy_name="Agreement policy of the Example Safe Haven for project 81", sign=hook))
    checked(tre, start_run(inbox, sign=hook))
    outputs = work / "tre" / "outputs"
    outputs.mkdir()
    table = outputs / "counts.csv"
    subprocess.run(
        [sys.executable, str(WORKFLOW_CRATE / "cohort_counts.py"), str(received / "data" / "input.csv"), "10", "10",
         str(synthetic_records(work / "tre" / "records.csv")), str(table)],
        check=True,
    )
    checked(tre, add_results(inbox, [OutputFile(table, name="Counts by age band and sex")], sign=hook))
    checked(tre, finish_run(inbox, sign=hook))
    screening = record_screening(inbox, agent=SCREENER, sign=hook)  # ACRO's default rules, recorded as Reviews
    checked(tre, screening.step)
    verdicts = [Verdict(output.name, approved=True) for output in screening.report.outputs]
    checked(tre, record_disclosure(inbox, DisclosureDecision.APPROVED, agent=OUTPUT_CHECKER, verdicts=verdicts,
                                   sign=hook))
    checked(tre, publish(inbox, publisher=TRE, license=LICENSE, agent=VALIDATOR, sign=hook))

    # --- the researcher receives the result ---------------------------------------------------------------
    returned = work / "result.bagit.zip"
    shutil.copyfile(inbox, returned)
    receipt = receive(returned)
    signatures = verify_signatures(returned, trust, policy="published")
    researcher(f"received {returned.name}: {'accepted' if receipt.accepted else 'NOT accepted'}; "
               f"{len(signatures.envelopes)} signatures, policy 'published' {'met' if signatures.valid else 'NOT met'}")
    for reason in receipt.reasons:
        researcher(f"  reason: {reason}")
    timeline = status(returned)
    out(f"\nLifecycle of {returned.name} (stage: {timeline.stage.value})")
    for row in timeline.rows:
        outcome = row.status.label if row.status else "no status"
        out(f"  {row.step.label:<19} {outcome:<10} {row.end or row.start or '':<26} {', '.join(row.agents)}")
    return receipt.accepted and signatures.valid


if __name__ == "__main__":
    main()
