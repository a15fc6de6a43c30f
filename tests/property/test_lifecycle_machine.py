"""A state machine drives random sequences of lifecycle steps on one bag.

After every step: either it was refused (a typed error) and the bag is byte-identical, or the crate validates
at ``should`` for the stage it reached and its manifests verify. The one SHOULD a step may leave is the
profile's own advice to remove the run after a rejected disclosure check, when the TRE chose to keep it.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from fivesafes_crate import (
    Agent,
    AgentKind,
    DisclosureDecision,
    FiveSafesError,
    License,
    OutputFile,
    OutputValue,
    Severity,
    add_results,
    fail_run,
    finish_run,
    package,
    publish,
    record_check,
    record_disclosure,
    record_retrieval,
    record_signoff,
    record_validation,
    sanitize,
    start_run,
    validate,
    verify_bag,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "request-from-spec"
WORKFLOW = ROOT / "examples" / "request-spec" / "workflow-1042"
TRE = Agent("https://safehaven.example.org/", "Example Safe Haven")
VALIDATOR = Agent("https://safehaven.example.org/#validator", "Validator", AgentKind.SOFTWARE, TRE)
PERSON = Agent("https://orcid.org/0000-0003-1234-5674", "Alex Reviewer", AgentKind.PERSON)
POLICY = "https://safehaven.example.org/agreement-policy/81"
KEPT_RUN = "disclosure.failed-remove-action"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


HAPPY_PATH = ("check", "validation", "approve", "start", "results_file", "finish", "approve_disclosure")
"""Rule names that take a request to a crate ready to publish, in order."""

STAGES = st.integers(0, len(HAPPY_PATH))
"""How far along the happy path a machine starts (drawn both ways round: hypothesis favours small numbers)."""


class Lifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.work = Path(tempfile.mkdtemp(prefix="fivesafes-machine-"))
        self.bag = package(EXAMPLE, self.work / "bag", folder=True, bagging_date=date(2024, 3, 4),
                           external_identifier="urn:uuid:7e3f9a1c-4b2d-4e6f-8a0b-1c2d3e4f5a6b")
        self.outputs = 0
        self.applied: list[str] = []

    @initialize(steps=st.one_of(STAGES, STAGES.map(lambda n: len(HAPPY_PATH) - n)))
    def advance(self, steps: int) -> None:
        """Start part-way along the happy path, so that random steps are tried at every stage."""
        for name in HAPPY_PATH[:steps]:
            getattr(self, name)()

    def teardown(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)

    def attempt(self, name: str, step: Callable[[], object]) -> None:
        before = snapshot(self.bag)
        try:
            step()
        except FiveSafesError:
            assert snapshot(self.bag) == before, f"{name} was refused but changed the bag"
            return
        self.applied.append(name)
        report = validate(self.bag, threshold=Severity.SHOULD)
        left = {issue.check for issue in report.at_threshold()}
        assert left <= {KEPT_RUN}, (self.applied, [(i.check, i.message) for i in report.at_threshold()])
        verification = verify_bag(self.bag)
        assert verification.valid, (self.applied, verification.problems)

    @precondition(lambda self: set(self.applied) <= {"sanitize"})  # the intake step: it removes every review
    @rule()
    def sanitize(self) -> None:
        self.attempt("sanitize", lambda: sanitize(self.bag))

    @rule()
    def check(self) -> None:
        self.attempt("check", lambda: record_check(self.bag, agent=VALIDATOR))

    @rule()
    def validation(self) -> None:
        self.attempt("validate", lambda: record_validation(self.bag, agent=VALIDATOR))

    @rule(nest=st.booleans())
    def retrieval(self, nest: bool) -> None:
        self.attempt("retrieve", lambda: record_retrieval(self.bag, WORKFLOW, agent=VALIDATOR, nest=nest))

    @rule(approved=st.booleans())
    def signoff(self, approved: bool) -> None:
        self.attempt("signoff", lambda: record_signoff(self.bag, agent=PERSON, approved=approved, policy=POLICY,
                                                       reason=None if approved else "not in the agreement"))

    def approve(self) -> None:
        self.signoff(True)

    def results_file(self) -> None:
        self.results(False)

    def approve_disclosure(self) -> None:
        self.disclosure(DisclosureDecision.APPROVED, False)

    @rule()
    def start(self) -> None:
        self.attempt("start", lambda: start_run(self.bag))

    @rule()
    def finish(self) -> None:
        self.attempt("finish", lambda: finish_run(self.bag))

    @rule()
    def fail(self) -> None:
        self.attempt("fail", lambda: fail_run(self.bag, reason="out of memory"))

    @precondition(lambda self: self.outputs < 3)
    @rule(value=st.booleans())
    def results(self, value: bool) -> None:
        self.outputs += 1
        table = self.work / f"table-{self.outputs}.csv"
        table.write_text("band,count\n40-49,12\n", encoding="utf-8")
        output = OutputValue(f"total_{self.outputs}", 12) if value else OutputFile(table)
        self.attempt("results", lambda: add_results(self.bag, [output]))

    @rule(decision=st.sampled_from(DisclosureDecision), remove_run=st.booleans())
    def disclosure(self, decision: DisclosureDecision, remove_run: bool) -> None:
        reason = "a count below 10" if decision is DisclosureDecision.REJECTED else None
        self.attempt(f"disclosure {decision.value}", lambda: record_disclosure(
            self.bag, decision, agent=PERSON, reason=reason, remove_run=remove_run))

    @rule()
    def publish(self) -> None:
        self.attempt("publish", lambda: publish(self.bag, publisher=TRE, agent=VALIDATOR,
                                                license=License("https://spdx.org/licenses/CC-BY-4.0")))


Lifecycle.TestCase.settings = settings(
    max_examples=20, stateful_step_count=10, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestLifecycle = Lifecycle.TestCase
