"""Disclosure-control policies: the thresholds and rules a screening applies, from a preset or a TOML/JSON file.

A policy file is one flat table. ACRO's own ``config.json`` keys are accepted as they are (``safe_threshold``,
``safe_dof_threshold``, ``safe_nk_n``, ``safe_nk_k``, ``safe_pratio_p``, ``zeros_are_disclosive``,
``check_missing_values``, ``suppress``, ``safe_round_base``, ``blocked_extensions``; ``federated`` and
``survival_safe_threshold`` are accepted and ignored), so that a TRE can reuse the file it gives ACRO, or the
``config.json`` ACRO writes beside its results. Our own keys add what ACRO has no key for (``nk_rules``,
``nk_comparison``, ``zeros``, ``full_cells``, ``rounding``, ``record_level_extensions``, ``max_file_bytes``) and
``preset``, the preset a file starts from.
``id`` and ``name`` say which policy was applied; record them as the screening's instrument, together with
:attr:`DisclosurePolicy.digest`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SuppliedFileError
from ..issues import ScreeningOutcome
from ._files import read_file

MAX_POLICY_BYTES = 1024 * 1024


class DisclosurePolicyError(SuppliedFileError):
    """A policy cannot be used: unknown preset, unreadable file, unknown key or a value out of range."""


@dataclass(frozen=True, slots=True)
class NKRule:
    """The N-K dominance rule: a cell fails when its ``n`` largest contributions exceed the share ``k`` of it."""

    n: int
    k: float

    @property
    def label(self) -> str:
        """The rule as written in SDC guidance, e.g. ``(2, 90%)``."""
        return f"({self.n}, {self.k * 100:g}%)"


DEFAULT_RECORD_LEVEL = tuple(sorted((".dta", ".sav", ".sas7bdat", ".parquet", ".feather", ".arrow", ".sqlite", ".db")))
DEFAULT_BLOCKED = (".gph", ".svg")
DEFAULT_MAX_FILE_BYTES = 4 * 1024**3

_OUTCOME_WORDS = ("pass", "review", "fail")
NK_COMPARISONS = (">=", ">")
"""How N-K compares a cell's share of its ``n`` largest contributions with ``k``: ``>=`` (ACRO: a share of
exactly ``k`` fails) or ``>`` (only a share above ``k`` fails)."""


@dataclass(frozen=True, slots=True)
class DisclosurePolicy:
    """The rules and thresholds of a screening. Construct one with ``fivesafes_crate.load_disclosure_policy``
    (a file or a preset name).

    ``threshold``: frequency counts in ``[1, threshold)`` fail, and so do magnitude cells with fewer
    contributors (a cell without any included). ``dof_threshold``: models and standard deviations with fewer
    residual degrees of freedom fail. ``nk_rules``: N-K dominance rules for magnitude tables, compared as
    ``nk_comparison`` says (:data:`NK_COMPARISONS`). ``p_ratio``: the p% rule's ``p`` (0 turns it off).
    ``zeros`` and ``full_cells``: the outcome of zero counts and of a line whose whole count lies in one cell.
    ``check_missing_values`` (ACRO's key): cells with missing values need a review. ``suppress`` (ACRO's key):
    the outputs come from a session that suppressed cells itself, so every table needs a review and its blank
    cells are taken for suppressed ones. ``rounding``: counts must be multiples of ``round_base``.
    ``blocked_extensions`` always fail (they can embed exact data points); ``record_level_extensions`` always
    fail (they hold records). Files larger than ``max_file_bytes`` are hashed but not screened (outcome review).
    """

    id: str
    name: str
    description: str = ""
    threshold: int = 10
    dof_threshold: int = 10
    nk_rules: tuple[NKRule, ...] = (NKRule(2, 0.9),)
    nk_comparison: str = ">="
    p_ratio: float = 0.10
    zeros: ScreeningOutcome = ScreeningOutcome.REVIEW
    full_cells: ScreeningOutcome = ScreeningOutcome.REVIEW
    check_missing_values: bool = False
    suppress: bool = False
    rounding: bool = False
    round_base: int = 5
    blocked_extensions: tuple[str, ...] = DEFAULT_BLOCKED
    record_level_extensions: tuple[str, ...] = DEFAULT_RECORD_LEVEL
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    source: str = "preset"

    def __post_init__(self) -> None:
        problems = []
        if not self.id.strip():
            problems.append("id: must not be empty")
        if self.threshold < 1:
            problems.append("safe_threshold: must be at least 1")
        if self.dof_threshold < 0:
            problems.append("safe_dof_threshold: must not be negative")
        for rule in self.nk_rules:
            if rule.n < 1 or not 0 < rule.k <= 1:
                problems.append(f"nk_rules: {rule.label} needs n >= 1 and 0 < k <= 1")
        if self.nk_comparison not in NK_COMPARISONS:
            problems.append(f"nk_comparison: must be one of {', '.join(NK_COMPARISONS)}")
        if not 0 <= self.p_ratio <= 1:
            problems.append("safe_pratio_p: must lie between 0 and 1")
        if self.zeros is ScreeningOutcome.NOT_CHECKED or self.full_cells is ScreeningOutcome.NOT_CHECKED:
            problems.append("zeros, full_cells: must be pass, review or fail")
        if self.round_base < 2:
            problems.append("safe_round_base: must be at least 2")
        if self.max_file_bytes < 1:
            problems.append("max_file_bytes: must be at least 1")
        for extension in (*self.blocked_extensions, *self.record_level_extensions):
            if not extension.startswith(".") or extension != extension.lower() or len(extension) < 2:
                problems.append(f"extensions: {extension!r} must be lower case and start with '.'")
        if problems:
            raise DisclosurePolicyError("; ".join(problems), path=None if self.source == "preset" else self.source)

    def settings(self) -> dict[str, Any]:
        """The policy's rules as one flat JSON object, with ACRO's key names where ACRO has one.

        Written back to a file, it loads as the same policy.
        """
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "safe_threshold": self.threshold,
            "safe_dof_threshold": self.dof_threshold,
            "nk_rules": [[rule.n, rule.k] for rule in self.nk_rules],
            "nk_comparison": self.nk_comparison,
            "safe_pratio_p": self.p_ratio,
            "zeros": self.zeros.label,
            "full_cells": self.full_cells.label,
            "check_missing_values": self.check_missing_values,
            "suppress": self.suppress,
            "rounding": self.rounding,
            "safe_round_base": self.round_base,
            "blocked_extensions": list(self.blocked_extensions),
            "record_level_extensions": list(self.record_level_extensions),
            "max_file_bytes": self.max_file_bytes,
        }

    @property
    def digest(self) -> str:
        """SHA-256 of :meth:`settings` as canonical JSON: pins exactly which rules were applied."""
        canonical = json.dumps(self.settings(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


PRESETS: dict[str, DisclosurePolicy] = {
    "acro-default": DisclosurePolicy(
        "acro-default", "ACRO defaults",
        "ACRO's default rules: threshold 10, residual degrees of freedom 10, N-K (2, 90%) with a share of exactly "
        "90% failing, p% 10%, and zero counts fail.",
        zeros=ScreeningOutcome.FAIL,
    ),
    "abs-datalab": DisclosurePolicy(
        "abs-datalab", "ABS DataLab",
        "Australian Bureau of Statistics DataLab: threshold 10 and the dominance rules (1, 50%) and (2, 67%).",
        nk_rules=(NKRule(1, 0.5), NKRule(2, 0.67)), p_ratio=0.0,
    ),
    "opensafely": DisclosurePolicy(
        "opensafely", "OpenSAFELY",
        "OpenSAFELY: counts of 7 or fewer are redacted (threshold 8) and every count is rounded to a multiple of 5.",
        threshold=8, rounding=True, round_base=5,
    ),
    "uk-llc": DisclosurePolicy(
        "uk-llc", "UK LLC", "UK Longitudinal Linkage Collaboration: threshold 10, and zero counts fail.",
        zeros=ScreeningOutcome.FAIL,
    ),
}
"""The bundled policies, by id."""

DEFAULT_PRESET = "acro-default"

_IGNORED_ACRO_KEYS = frozenset({"survival_safe_threshold", "federated"})


def load_disclosure_policy(policy: str | os.PathLike[str] | DisclosurePolicy = DEFAULT_PRESET) -> DisclosurePolicy:
    """A disclosure-control policy: a preset (``acro-default``, ``abs-datalab``, ``opensafely``, ``uk-llc``) or a
    TOML/JSON file (ACRO's ``config.json`` keys accepted); see ``docs/disclosure-control.md``.

    Its ``id``, ``name`` and ``digest`` identify it as a screening's instrument. Files are TOML (``.toml``) or JSON
    (``.json``, such as ACRO's ``config.json``); at most 1 MiB. Raises :class:`DisclosurePolicyError` for an unknown
    preset, an unreadable file, an unknown key or a bad value.
    """
    if isinstance(policy, DisclosurePolicy):
        return policy
    if isinstance(policy, str) and policy in PRESETS:
        return PRESETS[policy]
    path = Path(policy)
    if not path.exists() and not path.is_symlink():
        presets = ", ".join(PRESETS)
        raise DisclosurePolicyError(f"no such preset or file (presets: {presets})", path=str(policy))
    data = read_file(path, MAX_POLICY_BYTES, DisclosurePolicyError)
    return policy_from_mapping(_parse(data, path), source=path.name, default_id=path.stem)


def _parse(data: bytes, path: Path) -> Mapping[str, Any]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DisclosurePolicyError(f"not UTF-8 text (byte {exc.start})", path=path.name) from exc
    as_json = path.suffix.lower() == ".json" or (path.suffix.lower() != ".toml" and text.lstrip().startswith("{"))
    try:
        value = json.loads(text) if as_json else tomllib.loads(text)
    except json.JSONDecodeError as exc:
        raise DisclosurePolicyError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
                                    path=path.name) from exc
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        raise DisclosurePolicyError(f"not valid {'JSON' if as_json else 'TOML'}: {exc}", path=path.name) from exc
    if not isinstance(value, dict):
        raise DisclosurePolicyError("a policy must be one JSON object or TOML table", path=path.name)
    return value


def policy_from_mapping(values: Mapping[str, Any], *, source: str, default_id: str) -> DisclosurePolicy:
    """Build a policy from the keys of a policy file (see the module docstring); ``source`` names the file."""
    reader = _Reader(values, source)
    base_id = reader.text("preset", None)
    if base_id is not None and base_id not in PRESETS:
        raise DisclosurePolicyError(f"preset: unknown preset {base_id!r} (presets: {', '.join(PRESETS)})",
                                    path=source)
    base = PRESETS[base_id or DEFAULT_PRESET]
    policy_id = reader.text("id", default_id) or default_id
    changes: dict[str, Any] = {
        "id": policy_id,
        "name": reader.text("name", None) or f"Disclosure-control policy {policy_id}",
        "description": reader.text("description", "") or "",
        "source": source,
        "threshold": reader.integer("safe_threshold", base.threshold),
        "dof_threshold": reader.integer("safe_dof_threshold", base.dof_threshold),
        "nk_rules": reader.nk_rules(base.nk_rules),
        "nk_comparison": reader.text("nk_comparison", base.nk_comparison),
        "p_ratio": reader.number("safe_pratio_p", base.p_ratio),
        "zeros": reader.zeros(base.zeros),
        "full_cells": reader.outcome("full_cells", base.full_cells),
        "check_missing_values": reader.boolean("check_missing_values", base.check_missing_values),
        "suppress": reader.boolean("suppress", base.suppress),
        "rounding": reader.boolean("rounding", base.rounding),
        "round_base": reader.integer("safe_round_base", base.round_base),
        "blocked_extensions": reader.extensions("blocked_extensions", base.blocked_extensions),
        "record_level_extensions": reader.extensions("record_level_extensions", base.record_level_extensions),
        "max_file_bytes": reader.integer("max_file_bytes", base.max_file_bytes),
    }
    unknown = sorted(set(values) - reader.seen - _IGNORED_ACRO_KEYS)
    if unknown:
        raise DisclosurePolicyError(f"unknown key(s): {', '.join(unknown)}", path=source)
    return dataclasses.replace(base, **changes)


class _Reader:
    """Typed access to the keys of a policy file, remembering which keys were read."""

    def __init__(self, values: Mapping[str, Any], source: str) -> None:
        self.values = values
        self.source = source
        self.seen: set[str] = set()

    def _get(self, key: str) -> Any:
        self.seen.add(key)
        return self.values.get(key)

    def _bad(self, key: str, expected: str) -> DisclosurePolicyError:
        return DisclosurePolicyError(f"{key}: expected {expected}", path=self.source)

    def text(self, key: str, default: str | None) -> str | None:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self._bad(key, "a string")
        return value

    def integer(self, key: str, default: int) -> int:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._bad(key, "an integer")
        return value

    def number(self, key: str, default: float) -> float:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self._bad(key, "a number")
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self._bad(key, "true or false")
        return value

    def outcome(self, key: str, default: ScreeningOutcome) -> ScreeningOutcome:
        value = self._get(key)
        if value is None:
            return default
        if value not in _OUTCOME_WORDS:
            raise self._bad(key, "pass, review or fail")
        return ScreeningOutcome.parse(value)

    def zeros(self, default: ScreeningOutcome) -> ScreeningOutcome:
        """``zeros`` wins; ACRO's ``zeros_are_disclosive`` maps true to fail (as ACRO) and false to review: ACRO
        then still fails a zero count through its threshold check, and a person decides whether it is
        structural."""
        acro = self._get("zeros_are_disclosive")
        if acro is not None and not isinstance(acro, bool):
            raise self._bad("zeros_are_disclosive", "true or false")
        fallback = default if acro is None else (ScreeningOutcome.FAIL if acro else ScreeningOutcome.REVIEW)
        return self.outcome("zeros", fallback)

    def nk_rules(self, default: tuple[NKRule, ...]) -> tuple[NKRule, ...]:
        """``nk_rules`` (a list of ``[n, k]`` pairs), or ACRO's single ``safe_nk_n`` / ``safe_nk_k`` rule."""
        rules = self._get("nk_rules")
        n, k = self._get("safe_nk_n"), self._get("safe_nk_k")
        if rules is not None:
            if n is not None or k is not None:
                raise DisclosurePolicyError("give either nk_rules or safe_nk_n/safe_nk_k, not both", path=self.source)
            if not isinstance(rules, list):
                raise self._bad("nk_rules", "a list of [n, k] pairs")
            return tuple(self._pair(item) for item in rules)
        if n is None and k is None:
            return default
        first = default[0] if default else NKRule(2, 0.9)
        return (self._pair([first.n if n is None else n, first.k if k is None else k]),)

    def _pair(self, item: Any) -> NKRule:
        if isinstance(item, dict):
            item = [item.get("n"), item.get("k")]
        if (not isinstance(item, list) or len(item) != 2 or isinstance(item[0], bool) or not isinstance(item[0], int)
                or isinstance(item[1], bool) or not isinstance(item[1], int | float)):
            raise self._bad("nk_rules", "[n, k] pairs with an integer n and a number k")
        return NKRule(item[0], float(item[1]))

    def extensions(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip(".") for item in value):
            raise self._bad(key, "a list of file extensions")
        return tuple(sorted({"." + item.strip().lower().lstrip(".") for item in value}))
