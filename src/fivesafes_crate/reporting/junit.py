"""JUnit XML for CI test reports (GitLab, Jenkins, ...): a test suite per crate, a test case per check.

Each suite is named after the path a crate was validated from and holds one test case per check id of the
catalogue for the crate's profile version: a check with issues at or above the report's threshold fails (one
``failure`` element listing them), a check introduced at a later lifecycle stage than the crate's is skipped,
every other check passes. A TRE's own check ids that reported issues get test cases too. A check that could not
run because an earlier layer failed (every shape when the JSON is broken) passes; the layer's own check fails.
An input that could not be validated at all (a :class:`~fivesafes_crate.issues.ReportSet`'s failures) is a
suite of its own whose one test case has an ``<error>``: CI shows it as a broken test, not a passed one.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..issues import InputFailure, Issue, Report, ReportSet

if TYPE_CHECKING:
    from ..validation.registry import CheckInfo

SUITES_NAME = "fivesafes validate"

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """Text with the characters XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _describe(issue: Issue) -> str:
    where = " ".join(part for part in (issue.focus, f"[{issue.path}]" if issue.path else None,
                                       issue.file if issue.file != issue.focus else None) if part)
    return f"{issue.severity.name} {where or '(crate)'}: {issue.message}"


def _case(target: str, check_id: str, issues: list[Issue], info: CheckInfo | None, report: Report) -> ET.Element:
    case = ET.Element("testcase", name=check_id, classname=_xml(target))
    if issues:
        more = f" (and {len(issues) - 1} more)" if len(issues) > 1 else ""
        failure = ET.SubElement(case, "failure", type=issues[0].severity.label, message=_xml(issues[0].message + more))
        failure.text = _xml("\n".join(_describe(issue) for issue in issues))
    elif info is not None and report.stage is not None and not report.stage.includes(info.stage):
        ET.SubElement(case, "skipped", message=f"applies from the {info.stage.value} stage on; the crate is at the "
                                               f"{report.stage.value} stage")
    return case


def _suite(target: str, report: Report, checks: Mapping[str, CheckInfo], profile_version: str) -> ET.Element:
    failing: dict[str, list[Issue]] = {}
    for issue in report.at_threshold():
        failing.setdefault(issue.check, []).append(issue)
    applicable = {check_id for check_id, info in checks.items()
                  if not info.profiles or profile_version in info.profiles}
    cases = [_case(target, check_id, failing.get(check_id, []), checks.get(check_id), report)
             for check_id in sorted(applicable | set(failing))]
    failures = sum(1 for case in cases if case.find("failure") is not None)
    skipped = sum(1 for case in cases if case.find("skipped") is not None)
    suite = ET.Element("testsuite", name=_xml(target), tests=str(len(cases)), failures=str(failures), errors="0",
                       skipped=str(skipped))
    properties = ET.SubElement(suite, "properties")
    for name, value in (("profile", report.profile or ""), ("declared", " ".join(report.declared)),
                        ("stage", report.stage_label), ("phase", report.stage_label),
                        ("severity", report.threshold.label), ("valid", "true" if report.valid else "false")):
        ET.SubElement(properties, "property", name=name, value=value)
    suite.extend(cases)
    return suite


def _failed_suite(failure: InputFailure) -> ET.Element:
    """The suite of an input that could not be validated: one test case with an ``<error>`` saying why."""
    suite = ET.Element("testsuite", name=_xml(failure.target), tests="1", failures="0", errors="1", skipped="0")
    case = ET.SubElement(suite, "testcase", name="input", classname=_xml(failure.target))
    error = ET.SubElement(case, "error", type=failure.error, message=_xml(failure.message))
    error.text = _xml(failure.message)
    return suite


def junit_tree(reports: Mapping[str, Report]) -> ET.Element:
    """The ``testsuites`` element for several crates' reports, keyed by the path each was validated from (and,
    for a :class:`~fivesafes_crate.issues.ReportSet`, a suite with an error per input that had no report)."""
    # Deferred: start-up cost. The CLI imports the presenters, and the check catalogue loads
    # the validation stack (``fivesafes --help`` stays fast).
    from ..profiles import DEFAULT_PROFILE, get_profile
    from ..validation.engine import catalogue

    checks = catalogue()
    suites = [_suite(target, report, checks, (get_profile(report.profile) if report.profile else DEFAULT_PROFILE)
                     .version) for target, report in reports.items()]
    suites += [_failed_suite(failure) for failure in (reports.failures if isinstance(reports, ReportSet) else ())]
    root = ET.Element("testsuites", name=SUITES_NAME, tests=str(sum(int(s.get("tests", "0")) for s in suites)),
                      failures=str(sum(int(s.get("failures", "0")) for s in suites)),
                      errors=str(sum(int(s.get("errors", "0")) for s in suites)))
    root.extend(suites)
    return root


def render_junit(reports: Mapping[str, Report]) -> str:
    """The JUnit XML document (UTF-8, indented) of several crates' reports, keyed by the path each came from."""
    root = junit_tree(reports)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
