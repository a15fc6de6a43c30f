"""Published crates as an HDR UK Data Use Register (DUR) entry: the body of a Gateway DUR create request.

A DUR entry is per project, not per run: every crate given must be published, carry a completed sign-off and
a completed disclosure check, and describe the same ``Project`` (its ``@id``); several crates roll up into one
entry (the latest approval date, the earliest access date, the union of the lists). Only what was approved
leaves: an output withheld by the disclosure check, or one whose verdict rejected it, never appears.

Where each field comes from is a data table, :data:`GATEWAY_JSON`: a *fact* read from the crate
(:func:`crate_facts`), a value of the TRE's configuration file (``[dur]`` in TOML: what a crate cannot hold,
such as the sector or the legal bases), or a constant. Nothing is invented: a value neither the crate nor the
configuration holds is ``null``. Another register format is another table over the same facts.

Dates are what the Gateway accepts: ``YYYY-MM-DDTHH:MM:SS`` in UTC with no zone (``2024-03-04T14:20:31+01:00``
becomes ``2024-03-04T13:20:31``). The payload's JSON Schema is ``dur-gateway.schema.json`` beside this module
(HDR UK's published schema cannot validate any instance, see ``docs/interop.md``).
"""

from __future__ import annotations

import enum
import json
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import CrateStateError, OutputExistsError, SuppliedFileError, UsageError
from ..model.crate import Crate, write_atomic
from ..model.entities import JSON, Entity, as_list, has_type, ref_ids
from ..model.lifecycle import Status, Step, lifecycle_state, main_action
from ..model.reviews import disclosure_checks, is_withheld, recorded_verdicts
from ..model.safe_files import NotRegularFile, open_regular, write_new, writing

SCHEMA_FILE = "dur-gateway.schema.json"
MAX_CONFIG_BYTES = 1_000_000
GATEWAY_DATASET = re.compile(r"^https://(?:web\.)?(?:www\.)?healthdatagateway\.org/(?:en/)?dataset/(\d+)(?:[/?#].*)?$")
"""A Gateway dataset page: its number is the Gateway dataset id."""


class DurConfigError(SuppliedFileError):
    """The TRE's DUR configuration file cannot be read, is not TOML, or holds a key or value it may not."""


class ExportRefused(CrateStateError):
    """A crate cannot be exported to the register as it is: not published, or without a completed sign-off or
    disclosure check, or of another project than the others given."""


class Combine(enum.Enum):
    """How the values of several crates of one project make the entry's value."""

    LATEST = "latest"  # the latest crate's value (by approval date)
    MAX = "max"  # the greatest (latest) date
    MIN = "min"  # the smallest (earliest) date
    UNION = "union"  # every item of every crate, first seen first, once


@dataclass(frozen=True)
class Field:
    """One field of a register entry: where its value comes from and how several crates combine.

    ``source`` is ``fact:NAME`` (a value :func:`crate_facts` reads), ``config:KEY`` (the TRE's configuration) or
    ``const:VALUE`` (the same for every entry).
    """

    name: str
    source: str
    combine: Combine = Combine.LATEST


GATEWAY_JSON: tuple[Field, ...] = (
    Field("project_title", "fact:project_title"),
    Field("project_id_text", "fact:project_id_text"),
    Field("organisation_name", "fact:organisation_name"),
    Field("organisation_id", "fact:organisation_id"),
    Field("organisation_sector", "config:organisation_sector"),
    Field("non_gateway_applicants", "fact:applicants", Combine.UNION),
    Field("applicant_id", "fact:applicant_id"),
    Field("accredited_researcher_status", "config:accredited_researcher_status"),
    Field("funders_and_sponsors", "fact:funders", Combine.UNION),
    Field("sublicence_arrangements", "config:sublicence_arrangements"),
    Field("other_approval_committees", "config:other_approval_committees"),
    Field("lay_summary", "fact:lay_summary"),
    Field("technical_summary", "fact:technical_summary"),
    Field("public_benefit_statement", "config:public_benefit_statement"),
    Field("latest_approval_date", "fact:approval_date", Combine.MAX),
    Field("project_start_date", "config:project_start_date"),
    Field("project_end_date", "config:project_end_date"),
    Field("access_date", "fact:access_date", Combine.MIN),
    Field("data_sensitivity_level", "config:data_sensitivity_level"),
    Field("legal_basis_for_data_article6", "config:legal_basis_for_data_article6"),
    Field("legal_basis_for_data_article9", "config:legal_basis_for_data_article9"),
    Field("duty_of_confidentiality", "config:duty_of_confidentiality"),
    Field("national_data_optout", "config:national_data_optout"),
    Field("request_category_type", "config:request_category_type"),
    Field("request_frequency", "const:One-off"),
    Field("dataset_linkage_description", "config:dataset_linkage_description"),
    Field("confidential_data_description", "config:confidential_data_description"),
    Field("access_type", "const:Trusted Research Environment"),
    Field("privacy_enhancements", "fact:privacy_enhancements"),
    Field("datasets", "fact:gateway_datasets", Combine.UNION),
    Field("non_gateway_datasets", "fact:dataset_names", Combine.UNION),
    Field("non_gateway_outputs", "fact:outputs", Combine.UNION),
    Field("gateway_outputs_tools", "config:gateway_outputs_tools"),
    Field("gateway_outputs_papers", "config:gateway_outputs_papers"),
    Field("keywords", "fact:keywords", Combine.UNION),
    Field("status", "const:ACTIVE"),
)
"""The HDR UK Gateway DUR create request (``--format gateway-json``), field by field. ``status`` is ACTIVE:
only published crates whose disclosure check completed are exported."""

FORMATS: dict[str, tuple[Field, ...]] = {"gateway-json": GATEWAY_JSON}
"""Every register format by name."""

_SECTORS = ("NHS", "Industry", "Academia", "Public sector", "Charity/non-profit", "Government", "Other")
_SENSITIVITY = ("Personally Identifiable", "De-Personalised", "Anonymous")
_LIST_KEYS = {"other_approval_committees", "gateway_outputs_tools", "gateway_outputs_papers"}
_DATE_KEYS = {"project_start_date", "project_end_date"}
_CHOICES: dict[str, tuple[str, ...]] = {"organisation_sector": _SECTORS, "data_sensitivity_level": _SENSITIVITY}
_SUMMARY_KEYS = {"lay_summary", "technical_summary"}  # the crate has no split of its own: the TRE may set them


def config_keys(fields: Sequence[Field] = GATEWAY_JSON) -> set[str]:
    """The keys a configuration file may hold for a format: its ``config:`` fields and the two summaries."""
    return {f.source.split(":", 1)[1] for f in fields if f.source.startswith("config:")} | _SUMMARY_KEYS


# --- dates ---------------------------------------------------------------------------------------------------


def gateway_time(value: str | datetime | date) -> str:
    """A time as the Gateway wants it: UTC, to the second, no zone (a naive time is taken to be UTC already).

    Raises :class:`ValueError` for a string that is not an ISO 8601 date or date-time.
    """
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds")


# --- the configuration -----------------------------------------------------------------------------------------


def load_dur_config(path: str | os.PathLike[str] | None, fields: Sequence[Field] = GATEWAY_JSON) -> dict[str, JSON]:
    """Read the ``[dur]`` table of the TRE's TOML configuration file (``{}`` for None).

    Dates become Gateway times, lists of strings stay lists, the sector and sensitivity must be one of the
    Gateway's words. Raises :class:`DurConfigError` naming the file and the key at fault.
    """
    if path is None:
        return {}
    shown = os.fspath(path)
    try:
        with open_regular(path) as stream:
            raw = stream.read(MAX_CONFIG_BYTES + 1)
    except NotRegularFile:
        raise DurConfigError("not a regular file", path=shown) from None
    except OSError as exc:
        raise DurConfigError(f"cannot read the configuration: {exc.strerror or exc}", path=shown) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise DurConfigError(f"larger than {MAX_CONFIG_BYTES} bytes", path=shown)
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DurConfigError(f"not UTF-8 (byte {exc.start})", path=shown) from None
    except tomllib.TOMLDecodeError as exc:
        raise DurConfigError(f"not valid TOML: {exc}", path=shown) from None
    table = document.get("dur")
    if set(document) - {"dur"} or not isinstance(table, dict):
        raise DurConfigError("expected one [dur] table", path=shown)
    allowed = config_keys(fields)
    values: dict[str, JSON] = {}
    for key, value in table.items():
        if key not in allowed:
            raise DurConfigError(f"unknown key dur.{key}; known: {', '.join(sorted(allowed))}", path=shown)
        values[key] = _config_value(key, value, shown)
    return values


def _config_value(key: str, value: Any, shown: str) -> JSON:
    where = f"dur.{key}"
    if key in _DATE_KEYS:
        if isinstance(value, date):  # TOML dates and date-times (datetime is a date)
            return gateway_time(value)
        raise DurConfigError(f"{where} must be a TOML date or date-time (2024-04-01)", path=shown)
    if key in _LIST_KEYS:
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return list(value)
        raise DurConfigError(f"{where} must be a list of strings", path=shown)
    if not isinstance(value, str):
        raise DurConfigError(f"{where} must be a string", path=shown)
    choices = _CHOICES.get(key)
    if choices and value not in choices:
        raise DurConfigError(f"{where} must be one of {', '.join(choices)}", path=shown)
    return value


# --- what a crate tells ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrateFacts:
    """What one published crate tells the register: the project's ``@id`` (to roll crates up) and each fact."""

    label: str
    project_id: str
    approval: datetime
    values: Mapping[str, JSON]


def _text(value: JSON) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    if isinstance(value, list):
        return next((item for item in (_text(v) for v in value) if item), None)
    return None


def _entity(crate: Crate, value: JSON) -> Entity | None:
    ids = ref_ids(value)
    return crate.get(ids[0]) if ids else None


def _web(entity_id: str) -> bool:
    return entity_id.startswith(("http://", "https://"))


def _identifier_text(crate: Crate, project: Entity) -> str | None:
    """A project reference: a URL or DOI as written, or an internal identifier as ``name:value``."""
    for item in as_list(project.get("identifier")):
        if isinstance(item, str) and item.strip():
            return item
        ids = ref_ids(item)
        if not ids:
            continue
        described = crate.get(ids[0])
        value = _text(described.get("value")) if described else None
        if value:
            name = _text(described.get("propertyID")) or _text(described.get("name")) if described else None
            return f"{name}:{value}" if name else value
        if not ids[0].startswith("_:"):
            return ids[0]
    return None


def _names(crate: Crate, value: JSON) -> list[str]:
    found = []
    for entity_id in ref_ids(value):
        entity = crate.get(entity_id)
        name = _text(entity.get("name")) if entity else None
        if name:
            found.append(name)
    return found


def _keywords(value: JSON) -> list[str]:
    words: list[str] = []
    for item in as_list(value):
        if isinstance(item, str):
            words += [word.strip() for word in item.split(",") if word.strip()]
    return words


def _crate_time(value: str | None, label: str, entity_id: str, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        raise ExportRefused(f"the {what} has no valid time ({value!r})", path=label, entity_id=entity_id) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _approved_outputs(crate: Crate, run: Entity | None) -> list[str]:
    """The run's results with web ids that were not withheld nor rejected, then the crate's own web id."""
    rejected = {verdict.output for verdict in recorded_verdicts(crate) if not verdict.approved}
    outputs = []
    for entity_id in ref_ids(run.get("result")) if run else []:
        if entity_id in rejected or is_withheld(crate.get(entity_id)) or not _web(entity_id):
            continue
        outputs.append(entity_id)
    root = crate.root or {}
    own = [i for i in [*ref_ids(root.get("identifier")), *as_list(root.get("identifier")), root.get("@id")]
           if isinstance(i, str) and (_web(i) or i.startswith("doi:"))]
    return outputs + own[:1]


def _privacy(crate: Crate) -> str | None:
    checks = disclosure_checks(crate)
    if not checks:
        return None
    check = checks[-1]
    parts = []
    for entity_id in ref_ids(check.get("instrument")):
        instrument = crate.get(entity_id)
        if instrument is None:
            continue
        name = _text(instrument.get("name")) or entity_id
        version = _text(instrument.get("softwareVersion")) or _text(instrument.get("version"))
        parts.append(f"{name} {version}" if version else name)
    description = _text(check.get("description"))
    if description:
        parts.append(description)
    return "; ".join(parts) or None


def crate_facts(crate: Crate, label: str) -> CrateFacts:
    """Read what the register needs from one published crate; ``label`` names it in errors (the path given).

    Raises :class:`ExportRefused` for a crate that is not published, or has no completed sign-off or
    disclosure check, or names no project.
    """
    state = lifecycle_state(crate)
    signoff = state.last(Step.SIGN_OFF)
    if signoff is None or signoff.status is not Status.COMPLETED:
        raise ExportRefused("no completed sign-off: only approved projects go to the Data Use Register", path=label,
                            entity_id=signoff.id if signoff else None)
    disclosure = state.last(Step.DISCLOSURE)
    if disclosure is not None and disclosure.status is Status.FAILED:
        raise ExportRefused("the disclosure check rejected the outputs: nothing was approved for release",
                            path=label, entity_id=disclosure.id)
    if disclosure is None or disclosure.status is not Status.COMPLETED:
        raise ExportRefused("no completed disclosure check: nothing of it has been approved for release", path=label,
                            entity_id=disclosure.id if disclosure else None)
    if not state.published:
        raise ExportRefused("not published: run fivesafes tre publish first", path=label, entity_id=crate.root_id)
    root = crate.root or {}
    project = _entity(crate, root.get("sourceOrganization"))
    if project is None:
        raise ExportRefused("the root names no project (sourceOrganization)", path=label, entity_id=crate.root_id)
    approval = _crate_time(signoff.end, label, signoff.id, "sign-off")
    run = main_action(crate)
    person = _entity(crate, run.get("agent")) if run else None
    organisation = _entity(crate, person.get("affiliation")) if person else None
    inputs = [crate.get(i) for i in ref_ids(run.get("object"))] if run else []
    datasets = [entity for entity in inputs if entity is not None and has_type(entity, "Dataset")]
    gateway = [int(m[1]) for m in (GATEWAY_DATASET.match(str(d.get("@id"))) for d in datasets) if m]
    start = state.execution.start if state.execution else None
    values: dict[str, JSON] = {
        "project_title": _text(project.get("name")),
        "project_id_text": _identifier_text(crate, project),
        "organisation_name": _text(organisation.get("name")) if organisation else None,
        "organisation_id": str(organisation["@id"]) if organisation and _web(str(organisation["@id"])) else None,
        "applicants": [name for name in [_text(person.get("name")) if person else None] if name],
        "applicant_id": str(person["@id"]) if person and "orcid.org/" in str(person["@id"]) else None,
        "funders": _names(crate, project.get("funding")),
        "lay_summary": _text(project.get("description")),
        "technical_summary": _text(root.get("description")),
        "approval_date": gateway_time(approval),
        "access_date": gateway_time(_crate_time(start, label, state.execution.id, "run")) if start and
        state.execution else None,
        "privacy_enhancements": _privacy(crate),
        "gateway_datasets": list(gateway),
        "dataset_names": [name for d in datasets if (name := _text(d.get("name")))],
        "outputs": list(_approved_outputs(crate, run)),
        "keywords": list(_keywords(root.get("keywords"))),
    }
    return CrateFacts(label, str(project["@id"]), approval, values)


# --- the entry -------------------------------------------------------------------------------------------------


def _combine(rule: Combine, values: list[JSON]) -> JSON:
    if rule is Combine.UNION:
        merged: list[JSON] = []
        for value in values:
            for item in as_list(value):
                if item not in merged:
                    merged.append(item)
        return merged
    present = [value for value in values if value is not None]
    if not present:
        return None
    if rule is Combine.MAX:
        return max(str(v) for v in present)
    if rule is Combine.MIN:
        return min(str(v) for v in present)
    return present[-1]


def register_entry(facts: Sequence[CrateFacts], config: Mapping[str, JSON],
                   fields: Sequence[Field] = GATEWAY_JSON) -> dict[str, JSON]:
    """One register entry from the facts of the crates of one project (latest approval last) and the config.

    Raises :class:`ExportRefused` when the crates describe different projects.
    """
    if not facts:
        raise UsageError("no crate to export")
    projects = sorted({f.project_id for f in facts})
    if len(projects) > 1:
        raise ExportRefused(f"crates of different projects ({', '.join(projects)}): a DUR entry is per project",
                            path=facts[-1].label, entity_id=facts[-1].project_id)
    ordered = sorted(facts, key=lambda f: f.approval)
    entry: dict[str, JSON] = {}
    for field in fields:
        kind, _, name = field.source.partition(":")
        if kind == "const":
            entry[field.name] = name
        elif kind == "config":
            entry[field.name] = config.get(name)
        else:
            value = config.get(field.name) if field.name in _SUMMARY_KEYS and field.name in config else None
            entry[field.name] = value if value is not None else _combine(
                field.combine, [f.values.get(name) for f in ordered])
    return entry


def payload_schema() -> dict[str, Any]:
    """The JSON Schema of the Gateway payload (``dur-gateway.schema.json``, shipped with the package)."""
    text = resources.files(__package__ or "fivesafes_crate.interop").joinpath(SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def export_entry(crates: Iterable[tuple[Crate, str]], config: Mapping[str, JSON], *, fmt: str = "gateway-json",
                 ) -> dict[str, JSON]:
    """The register entry of ``(crate, label)`` pairs in format ``fmt``; see :func:`register_entry`."""
    fields = FORMATS.get(fmt)
    if fields is None:
        raise UsageError(f"unknown register format {fmt!r}; known: {', '.join(FORMATS)}")
    return register_entry([crate_facts(crate, label) for crate, label in crates], config, fields)


def dumps(entry: Mapping[str, JSON]) -> str:
    """The entry as the JSON text written to a file or stdout: indented, keys in the table's order."""
    return json.dumps(entry, indent=2, ensure_ascii=False) + "\n"


def write_output(path: Path, data: bytes, *, overwrite: bool = False) -> None:
    """Write an output file completely or not at all; an existing one only with ``overwrite``.

    Raises :class:`~fivesafes_crate.errors.OutputExistsError` for an existing file (also one that appears
    meanwhile) and :class:`~fivesafes_crate.errors.StorageError` when it cannot be written.
    """
    shown = str(path)
    if path.is_dir():
        raise UsageError("the output is a folder; give a file name", path=shown)
    if not path.parent.resolve().is_dir():
        raise UsageError("the output's folder does not exist", path=shown)
    if not overwrite and os.path.lexists(path):
        raise OutputExistsError("already exists: choose another name, or replace it with --force", path=shown)
    with writing(path):
        if overwrite:
            write_atomic(path, data)
            return
        try:
            write_new(path, data)
        except FileExistsError:
            raise OutputExistsError("appeared while it was written; nothing was replaced", path=shown) from None
