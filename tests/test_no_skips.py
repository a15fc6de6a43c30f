"""The no-skips plugin (``tests/no_skips.py``): under ``FIVESAFES_NO_SKIPS=1`` every kind of skip fails the run."""

from __future__ import annotations

from pathlib import Path

import pytest
from no_skips import NO_SKIPS

ROOT = Path(__file__).resolve().parents[1]
MODULE_SKIP = """
import pytest

pytest.skip("a module-level skip", allow_module_level=True)

def test_never_collected():
    pass
"""

SKIPPING = {
    "test_marked": """
import pytest

@pytest.mark.skipif(True, reason="a marker skip")
def test_marked():
    pass
""",
    "test_inside": """
import pytest

def test_inside():
    pytest.skip("a skip inside the test")

def test_passes():
    pass
""",
    "test_xfail": """
import pytest

@pytest.mark.xfail(reason="known to fail", strict=True)
def test_expected_failure():
    raise AssertionError
""",
}


def test_without_the_variable_skips_are_skips(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NO_SKIPS, raising=False)
    pytester.makepyfile(**SKIPPING)
    result = pytester.runpytest("-p", "no_skips")
    result.assert_outcomes(passed=1, skipped=2, xfailed=1)


def test_with_the_variable_every_skip_fails_with_its_reason(pytester: pytest.Pytester,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NO_SKIPS, "1")
    pytester.makepyfile(**SKIPPING)
    result = pytester.runpytest("-p", "no_skips")
    result.assert_outcomes(passed=1, failed=1, errors=1, xfailed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str()
    for reason in ("a marker skip", "a skip inside the test"):
        assert f"skipped ({reason}), but {NO_SKIPS}=1 forbids skips" in output, output


@pytest.mark.parametrize(("value", "outcomes", "code"), [
    (None, {"skipped": 1}, pytest.ExitCode.NO_TESTS_COLLECTED),
    ("1", {"errors": 1}, pytest.ExitCode.INTERRUPTED),
])
def test_a_module_level_skip_fails_the_collection(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                  value: str | None, outcomes: dict[str, int],
                                                  code: pytest.ExitCode) -> None:
    if value is None:
        monkeypatch.delenv(NO_SKIPS, raising=False)
    else:
        monkeypatch.setenv(NO_SKIPS, value)
    pytester.makepyfile(test_module=MODULE_SKIP)
    result = pytester.runpytest("-p", "no_skips")
    result.assert_outcomes(**outcomes)
    assert result.ret == code


def test_ci_runs_the_suite_with_the_variable() -> None:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert lines.index(f"export {NO_SKIPS}=1") < lines.index("bash scripts/test.sh")
