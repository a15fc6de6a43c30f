"""A pytest plugin: with ``FIVESAFES_NO_SKIPS=1`` in the environment (``.ci/run`` sets it), a skip is a failure.

The tests read nothing from outside the repository (the reference material they need is in ``tests/data/``), so
a test may skip only for a missing optional system tool such as Chromium, and CI installs those: in CI a skip
means a broken install, and the run must say so instead of passing. A skip at collection (a module-level
``pytest.skip``) becomes a collection error, which stops the run; a skip in setup (a ``skipif`` mark, a fixture)
an error; a skip inside a test a failure. The message keeps the skip's reason. Loaded by ``tests/conftest.py``;
tested by ``tests/test_no_skips.py``.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

NO_SKIPS = "FIVESAFES_NO_SKIPS"


def _forbid(report: pytest.CollectReport | pytest.TestReport) -> None:
    """Turn a skipped ``report`` into a failed one when :data:`NO_SKIPS` is ``1`` (an xfail stays as it is)."""
    if os.environ.get(NO_SKIPS) != "1" or not report.skipped or hasattr(report, "wasxfail"):
        return
    longrepr = report.longrepr
    reason = (longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)).removeprefix("Skipped: ")
    report.outcome = "failed"
    report.longrepr = f"skipped ({reason}), but {NO_SKIPS}=1 forbids skips: install what the test needs"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    _forbid(report)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    _forbid(report)
    return report
