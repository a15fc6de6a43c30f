"""Identifier and secret scans, and degrees of freedom read from model printouts."""

from __future__ import annotations

import pytest

from fivesafes_crate.disclosure_control.patterns import (
    DofScan,
    TextScan,
    contains_sensitive,
    looks_like_model_output,
    nhs_number_valid,
    scan_block,
)
from fivesafes_crate.issues import ScreeningOutcome


def test_nhs_check_digit() -> None:
    assert nhs_number_valid("9434765919")
    assert not nhs_number_valid("9434765918")
    assert not nhs_number_valid("0000000000") and not nhs_number_valid("123456789")


@pytest.mark.parametrize(("text", "kind"), [
    (b"patient 943 476 5919 seen", "NHS number"),
    (b"id,9434765919\n", "NHS number"),
    (b"lives at SW1A 1AA now", "postcode"),
    (b"contact: jane.doe@example.org\n", "e-mail address"),
    (b"-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n", "private key"),
    (b"password=hunter22\n", "password or secret"),
    (b'{"db_password": "s3cret!"}', "password or secret"),
    (b"api_key: abcd1234efgh\n", "password or secret"),
    (b"key AKIAIOSFODNN7EXAMPLE here", "access token"),
    (b"token ghp_" + b"a" * 36 + b"\n", "access token"),
    (b"Authorization: Bearer abcdefghijklmnopqrstuvwxyz0123\n", "access token"),
    (b"jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fwpM\n", "access token"),
])
def test_scan_finds_identifiers_and_secrets(text: bytes, kind: str) -> None:
    assert kind in {found for found, _ in scan_block(text)}


@pytest.mark.parametrize("text", [
    b"region,A,B\nEast,6,11\n", b"9434765918 is not valid", b"password: ****\n", b"password=${DB_PASS}\n",
    b"the word password alone", b"1234567890123 is a longer number", b"user@localhost", b"3.9434765919",
])
def test_scan_ignores_lookalikes(text: bytes) -> None:
    assert list(scan_block(text)) == []


def test_findings_say_where_but_never_what() -> None:
    scan = TextScan()
    scan.feed(b"first line\nsecond 943 476 5919\n", 1)
    scan.feed(b"password=hunter22\n", 3)
    scan.feed_metadata(b"mail jane.doe@example.org", "text chunk 'Author'")
    identifiers, secrets = scan.findings()
    assert identifiers.outcome is ScreeningOutcome.FAIL and identifiers.flagged == 2
    assert identifiers.locations == ("line 2 (NHS number)", "text chunk 'Author' (e-mail address)")
    assert secrets.outcome is ScreeningOutcome.FAIL and secrets.locations == ("line 3 (password or secret)",)
    text = repr((identifiers, secrets))
    assert "9434765919" not in text and "943 476" not in text and "hunter22" not in text and "jane" not in text


def test_postcodes_and_emails_need_review_only() -> None:
    scan = TextScan()
    scan.feed(b"SW1A 1AA\n", 1)
    identifiers, secrets = scan.findings()
    assert identifiers.outcome is ScreeningOutcome.REVIEW and secrets.outcome is ScreeningOutcome.PASS
    assert contains_sensitive("AB1 2CD") and not contains_sensitive("North East")


def test_dof_from_statsmodels_r_and_stata() -> None:
    assert looks_like_model_output(b"Dep. Variable:,income,R-squared:,0.007\n")
    assert not looks_like_model_output(b"region,A,B\nEast,6,11\n")
    cases = {
        b"Df Residuals:                     297   BIC:   8408.\n": [297],
        b"Df Residuals:,297,BIC:,8408.0\n": [297],
        b"Residual standard error: 1.2 on 45 degrees of freedom\n": [45],
        b"F-statistic: 0.99 on 2 and 297 DF,  p-value: 0.37\n": [297],
        b"  F(2, 297)       =      0.99\n": [297],
        b"    Residual |  1.2086e+12       297  4.0693e+09\n": [297],
    }
    for text, expected in cases.items():
        scan = DofScan()
        scan.feed(text)
        assert scan.dofs == expected, text


def test_dof_outcomes() -> None:
    scan = DofScan()
    scan.feed(b"Df Residuals: 297\nResidual standard error: 1 on 8 degrees of freedom\n")
    low = scan.finding(10)
    assert low.outcome is ScreeningOutcome.FAIL and low.flagged == 1 and "297" not in low.message
    assert scan.finding(5).outcome is ScreeningOutcome.PASS
    stata = DofScan()
    stata.feed(b"Number of obs = 7\n")
    assert stata.finding(10).outcome is ScreeningOutcome.FAIL
    silent = DofScan()
    assert silent.finding(10).outcome is ScreeningOutcome.REVIEW
    assert silent.finding(10, evidence_dof=297).outcome is ScreeningOutcome.PASS
