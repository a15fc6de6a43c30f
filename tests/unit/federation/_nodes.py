"""Two TREs of a federation running the whole lifecycle on their part of one split request, through the library."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from fivesafes_crate import (
    Agent,
    AgentKind,
    DisclosureDecision,
    License,
    OutputFile,
    add_results,
    finish_run,
    publish,
    record_check,
    record_disclosure,
    record_retrieval,
    record_signoff,
    record_validation,
    sanitize,
    start_run,
)
from fivesafes_crate.federation.nodes import Node
from fivesafes_crate.federation.split import split

from ..phases.conftest import FixedClock, FixedIds

REPO = Path(__file__).resolve().parents[3]
WORKFLOW_CRATE = REPO / "examples" / "request-spec" / "workflow-1042"
FEDERATED_ID = "urn:uuid:6d1f3b9a-2c4e-4f8a-9b7d-0e5c1a2b3c4d"
NODES = (Node("tre-a", "https://tre-a.example.org/"), Node("tre-b", "https://tre-b.example.org/"))
REVIEWER = Agent("https://orcid.org/0000-0003-1234-5674", "Alex Reviewer", AgentKind.PERSON)
CHECKER = Agent("https://orcid.org/0000-0003-4455-6679", "Sam Output-Checker", AgentKind.PERSON)
LICENSE = License("https://spdx.org/licenses/CC-BY-4.0", "Creative Commons Attribution 4.0 International")
TABLES = {"tre-a": b"age_band,sex,count\n40-49,F,120\n50-59,M,135\n",
          "tre-b": b"age_band,sex,count\n40-49,F,98\n50-59,M,111\n",
          "tre-c": b"age_band,sex,count\n40-49,F,4\n50-59,M,150\n"}


EXAMPLE_REQUEST = REPO / "examples" / "request"


def split_request(folder: Path, nodes: tuple[Node, ...] = NODES) -> list[Path]:
    """``examples/request`` split to the nodes (default tre-a and tre-b), deterministically."""
    return split(EXAMPLE_REQUEST, nodes, folder / "split", federated_id=FEDERATED_ID, bagging_date=date(2024, 3, 1))


def run_node(bag: Path, node: Node, *, approve: bool, table: bytes | None = None) -> Path:
    """The node's TRE runs every step on its request bag; the disclosure check approves or rejects."""
    tre = Agent(node.url, f"TRE {node.id}")
    software = Agent(f"{node.url}#validator", f"Crate validator of {node.id}", AgentKind.SOFTWARE, tre)
    clock, ids = FixedClock(datetime(2024, 3, 4, 9, 0, tzinfo=UTC)), FixedIds()
    sanitize(bag, clock=clock)
    record_check(bag, agent=software, clock=clock, new_id=ids)
    record_validation(bag, agent=software, clock=clock, new_id=ids)
    record_retrieval(bag, WORKFLOW_CRATE, agent=software, clock=clock, new_id=ids)
    record_signoff(bag, agent=REVIEWER, approved=True, policy=f"{node.url}policy/81", clock=clock, new_id=ids)
    start_run(bag, clock=clock)
    output = bag.parent / node.id / "counts.csv"
    output.parent.mkdir()
    output.write_bytes(TABLES[node.id] if table is None else table)
    add_results(bag, [OutputFile(output, name="counts.csv")], clock=clock, new_id=ids)
    finish_run(bag, clock=clock)
    if not approve:
        record_disclosure(bag, DisclosureDecision.REJECTED, agent=CHECKER, reason="small cells", remove_run=True,
                          clock=clock, new_id=ids)
        return bag
    record_disclosure(bag, DisclosureDecision.APPROVED, agent=CHECKER, clock=clock, new_id=ids)
    publish(bag, publisher=tre, license=LICENSE, agent=software, clock=clock, new_id=ids)
    return bag
