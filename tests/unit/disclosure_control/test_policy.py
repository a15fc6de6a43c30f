"""Policies: presets, TOML and JSON files, ACRO's config.json keys, validation and the digest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fivesafes_crate.disclosure_control import PRESETS, DisclosurePolicyError, NKRule, load_disclosure_policy
from fivesafes_crate.disclosure_control.policy import DisclosurePolicy
from fivesafes_crate.issues import ScreeningOutcome


def test_presets_hold_the_rules_of_the_issue() -> None:
    acro = load_disclosure_policy("acro-default")
    assert (acro.threshold, acro.dof_threshold, acro.nk_rules, acro.p_ratio) == (10, 10, (NKRule(2, 0.9),), 0.10)
    assert acro.zeros is ScreeningOutcome.FAIL and acro.nk_comparison == ">=" and not acro.rounding
    assert acro.round_base == 5 and not acro.check_missing_values and not acro.suppress
    assert acro.blocked_extensions == (".gph", ".svg")
    assert {".dta", ".sav", ".sas7bdat", ".parquet", ".feather", ".arrow", ".sqlite", ".db"} == set(
        acro.record_level_extensions)
    assert load_disclosure_policy("abs-datalab").nk_rules == (NKRule(1, 0.5), NKRule(2, 0.67))
    opensafely = load_disclosure_policy("opensafely")
    assert (opensafely.threshold, opensafely.rounding, opensafely.round_base) == (8, True, 5)
    uk_llc = load_disclosure_policy("uk-llc")
    assert (uk_llc.threshold, uk_llc.zeros) == (10, ScreeningOutcome.FAIL)
    assert set(PRESETS) == {"acro-default", "abs-datalab", "opensafely", "uk-llc"}
    assert all(policy.id == key and policy.source == "preset" for key, policy in PRESETS.items())


def test_acro_config_json_loads_as_the_acro_defaults(reference_dir: Path) -> None:
    policy = load_disclosure_policy(reference_dir / "acro-sample-1.0.2" / "standalone" / "config.json")
    assert (policy.id, policy.source) == ("config", "config.json")
    assert {k: v for k, v in policy.settings().items() if k not in ("id", "name", "description")} == {
        k: v for k, v in PRESETS["acro-default"].settings().items() if k not in ("id", "name", "description")}
    assert policy.digest != PRESETS["acro-default"].digest  # the id and name are part of what was applied


def test_toml_policy_extends_a_preset(tmp_path: Path) -> None:
    file = tmp_path / "tre.toml"
    file.write_text('id = "tre-policy-3"\nname = "Our TRE"\npreset = "uk-llc"\nsafe_threshold = 5\n'
                    'nk_rules = [[1, 0.5], {n = 3, k = 0.75}]\nsafe_pratio_p = 0\nrounding = true\n'
                    'safe_round_base = 10\nblocked_extensions = ["SVG", "pdf"]\nfull_cells = "fail"\n', "utf-8")
    policy = load_disclosure_policy(file)
    assert (policy.id, policy.name, policy.threshold, policy.zeros) == ("tre-policy-3", "Our TRE", 5,
                                                                        ScreeningOutcome.FAIL)
    assert policy.nk_rules == (NKRule(1, 0.5), NKRule(3, 0.75))
    assert (policy.p_ratio, policy.rounding, policy.round_base) == (0.0, True, 10)
    assert policy.blocked_extensions == (".pdf", ".svg") and policy.full_cells is ScreeningOutcome.FAIL


def test_settings_round_trip_through_a_file(tmp_path: Path) -> None:
    original = PRESETS["opensafely"]
    file = tmp_path / "copy.json"
    file.write_text(json.dumps(original.settings()), "utf-8")
    again = load_disclosure_policy(file)
    assert again.settings() == original.settings() and again.digest == original.digest


@pytest.mark.parametrize(("text", "message"), [
    ('{"safe_threshold": 0}', "safe_threshold: must be at least 1"),
    ('{"safe_threshold": "ten"}', "safe_threshold: expected an integer"),
    ('{"safe_threshold": true}', "safe_threshold: expected an integer"),
    ('{"nk_rules": [[2, 1.5]]}', "needs n >= 1 and 0 < k <= 1"),
    ('{"nk_rules": [[2, 0.9]], "safe_nk_n": 3}', "not both"),
    ('{"zeros": "maybe"}', "zeros: expected pass, review or fail"),
    ('{"zeros_are_disclosive": "yes"}', "zeros_are_disclosive: expected true or false"),
    ('{"safe_pratio_p": 2}', "safe_pratio_p: must lie between 0 and 1"),
    ('{"preset": "nope"}', "unknown preset"),
    ('{"threshold": 10}', "unknown key(s): threshold"),
    ("[1, 2]", "one JSON object"),
    ('{"safe_threshold": ', "not valid JSON"),
])
def test_bad_policy_files_name_the_file_and_the_key(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "bad.json"
    file.write_text(text, "utf-8")
    with pytest.raises(DisclosurePolicyError) as caught:
        load_disclosure_policy(file)
    assert caught.value.path == "bad.json"
    assert message in caught.value.message


def test_acro_keys_single_rule_zeros_missing_values_and_suppression(tmp_path: Path) -> None:
    file = tmp_path / "acro.json"
    file.write_text('{"safe_nk_n": 3, "zeros_are_disclosive": false, "suppress": true, "check_missing_values": true,'
                    ' "federated": false, "survival_safe_threshold": 10}', "utf-8")
    policy = load_disclosure_policy(file)
    assert policy.nk_rules == (NKRule(3, 0.9),) and policy.suppress and policy.check_missing_values
    # ACRO still fails a zero through its threshold check when zeros are not disclosive: a person decides
    assert policy.zeros is ScreeningOutcome.REVIEW
    file.write_text('{"zeros_are_disclosive": true, "preset": "abs-datalab"}', "utf-8")
    assert load_disclosure_policy(file).zeros is ScreeningOutcome.FAIL


def test_nk_comparison_is_an_explicit_option(tmp_path: Path) -> None:
    file = tmp_path / "strict.toml"
    file.write_text('nk_comparison = ">"\n', "utf-8")
    assert load_disclosure_policy(file).nk_comparison == ">"
    file.write_text('nk_comparison = "=="\n', "utf-8")
    with pytest.raises(DisclosurePolicyError, match="nk_comparison: must be one of >=, >"):
        load_disclosure_policy(file)


def test_unknown_preset_or_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DisclosurePolicyError, match="no such preset or file"):
        load_disclosure_policy("strictest")
    link = tmp_path / "link.toml"
    link.symlink_to(tmp_path / "elsewhere.toml")
    with pytest.raises(DisclosurePolicyError, match="symbolic link"):
        load_disclosure_policy(link)


def test_a_policy_built_in_code_is_validated() -> None:
    with pytest.raises(DisclosurePolicyError, match="safe_round_base"):
        DisclosurePolicy("mine", "Mine", round_base=1)
    assert load_disclosure_policy(PRESETS["uk-llc"]) is PRESETS["uk-llc"]
    assert NKRule(2, 0.9).label == "(2, 90%)"
