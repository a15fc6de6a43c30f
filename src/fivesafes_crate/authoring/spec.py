"""The request spec: what a researcher fills in to author a request crate, as typed values and as a file.

A spec file is YAML or JSON checked against the published JSON Schema ``request-spec.schema.json`` (Draft
2020-12, unknown keys refused). Every problem of a file is reported at once (:attr:`SpecError.problems`), each
with the file, line and column, and the key path (also as a JSON pointer, :attr:`SpecProblem.pointer`), as
compilers report errors::

    request.yaml:12:11: inputs[1].file: 5 is not of type 'string'
    request.yaml:20:3: project.colour: unknown key (allowed: funding, id, identifiers, members, name)

Input file paths in a spec file are relative to the spec file's folder; they must name existing regular files
(no symbolic links). :func:`check_spec` applies the same schema to a :class:`RequestSpec` built in Python, so
the builder accepts exactly what a spec file may say.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import SuppliedFileError
from ..model.crate import nested_deeper_than

SCHEMA_FILE = "request-spec.schema.json"
PROFILE_VERSIONS = ("0.4", "0.5-DRAFT")
DEFAULT_PROFILE = "0.4"
MAX_SPEC_DEPTH = 64
"""The deepest nesting of objects and arrays a spec file may have (a request spec needs about five)."""

_ORCID = re.compile(r"^[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]$")
_ROR = re.compile(r"^0[a-z0-9]{6}[0-9]{2}$")
_ID_LIKE = re.compile(r"^(https?://|urn:|mailto:|did:)\S+$", re.IGNORECASE)

Scalar = str | int | float | bool


@dataclass(frozen=True, slots=True)
class SpecProblem:
    """One problem of a request spec and where it is: the key path (``inputs[1].file``, or an option such as
    ``--workflow``), the same as a JSON ``pointer`` (``/inputs/1/file``), and in a file the 1-based ``line`` and
    ``column`` when known."""

    message: str
    key_path: str = ""
    pointer: str | None = None
    line: int | None = None
    column: int | None = None

    def shown(self, path: str | None) -> str:
        """The problem as one line, ``request.yaml:12:11: inputs[1].file: message`` (as compilers write it)."""
        where = ":".join(str(part) for part in (path, self.line, self.column if self.line else None) if part)
        return ": ".join(part for part in (where, self.key_path, self.message) if part)


class SpecError(SuppliedFileError):
    """A request spec is not acceptable: every problem found, each with where it is (:class:`SpecProblem`).

    ``problems`` lists them in file order; ``key_path``, ``line`` and ``column`` are the first one's. The message
    is the first problem, with a count of the others; :meth:`lines` gives one line per problem.
    """

    def __init__(
        self,
        message: str = "",
        *,
        path: str | None = None,
        key_path: str = "",
        line: int | None = None,
        column: int | None = None,
        problems: Sequence[SpecProblem] = (),
    ) -> None:
        found = tuple(problems) or (SpecProblem(message, key_path, _pointer_of(key_path), line, column),)
        first = found[0]
        more = len(found) - 1
        counted = f" (and {more} more {'problem' if more == 1 else 'problems'})" if more else ""
        super().__init__(first.message + counted, path=path)
        self.problems = found
        self.key_path = first.key_path
        self.line = first.line
        self.column = first.column

    def __str__(self) -> str:
        return self.problems[0].shown(self.path) + self.message[len(self.problems[0].message):]

    def lines(self) -> list[str]:
        """One line per problem, each naming the file, line, column and key path."""
        return [problem.shown(self.path) for problem in self.problems]


class InputFileError(SpecError):
    """An input file of the spec is missing, a symbolic link, or not a regular file."""


# --- Typed values ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WorkflowSpec:
    """The workflow to run: a versioned ``url`` (with ``name``) or a local Workflow RO-Crate ``path``.

    ``download`` is the Workflow RO-Crate ZIP URL for ``url``; it is derived for WorkflowHub URLs
    (``https://workflowhub.eu/workflows/<n>?version=<v>``). ``name`` defaults to the local crate's own name.
    """

    url: str | None = None
    path: Path | None = None
    name: str | None = None
    download: str | None = None


@dataclass(frozen=True, slots=True)
class InputSpec:
    """One requested input: a ``file`` copied into the crate, or a parameter ``value``, for parameter ``name``.

    ``title`` (the File's name, default the file name) and ``encoding_format`` (default guessed from the
    extension) apply to files only.
    """

    name: str
    file: Path | None = None
    value: Scalar | None = None
    title: str | None = None
    encoding_format: str | None = None


@dataclass(frozen=True, slots=True)
class OrganizationSpec:
    """An organisation: a ROR id (or other URI; ``None`` gives ``#org-<uuid>``) and its name."""

    name: str
    id: str | None = None


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """The requesting person: ORCID or other URI, name, and the organisation they represent."""

    id: str
    name: str
    affiliation: OrganizationSpec


@dataclass(frozen=True, slots=True)
class ProjectIdentifier:
    """A TRE-specific project identifier: the TRE's name and the project's local id there."""

    tre: str
    id: str


@dataclass(frozen=True, slots=True)
class GrantSpec:
    """A funding grant: its URI and name."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ProjectSpec:
    """The responsible project: name, TRE-specific ids, optional URI, funding grant and member organisations."""

    name: str
    identifiers: tuple[ProjectIdentifier, ...]
    id: str | None = None
    funding: GrantSpec | None = None
    members: tuple[OrganizationSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """Everything needed to author a request crate (see ``docs/reference/request-spec.schema.json``).

    ``request_id`` fixes the CreateAction's ``@id`` (default ``#request-<new UUID>``); ``source`` is the spec
    file the value was read from, if any (used in error messages only).
    """

    name: str
    workflow: WorkflowSpec
    agent: AgentSpec
    project: ProjectSpec
    inputs: tuple[InputSpec, ...] = ()
    profile: str = DEFAULT_PROFILE
    description: str | None = None
    request_id: str | None = None
    source: str | None = field(default=None, compare=False)


# --- Identifiers ---------------------------------------------------------------------------------------------


def person_id(value: str) -> str:
    """A person's ``@id``: a bare ORCID becomes ``https://orcid.org/<orcid>``, a URI is kept."""
    value = value.strip()
    return f"https://orcid.org/{value}" if _ORCID.match(value) else value


def organization_id(value: str) -> str:
    """An organisation's ``@id``: a bare ROR id becomes ``https://ror.org/<id>``, a URI is kept."""
    value = value.strip()
    return f"https://ror.org/{value}" if _ROR.match(value) else value


def looks_like_id(value: str) -> bool:
    """True when a command-line value is an identifier (URL, URN, bare ORCID or ROR id) rather than a name."""
    value = value.strip()
    return bool(_ID_LIKE.match(value) or _ORCID.match(value) or _ROR.match(value))


def split_assignment(text: str, *, option: str, last: bool = False) -> tuple[str, str]:
    """``"NAME=VALUE"`` → ``("NAME", "VALUE")``, split at the first ``=`` (the last with ``last``).

    Raises :class:`SpecError` naming ``option`` when there is no ``=`` or a side is empty.
    """
    left, sep, right = text.rpartition("=") if last else text.partition("=")
    if not sep or not left.strip() or not right.strip():
        raise SpecError(f"expected {option} in the form {_FORMS.get(option, 'NAME=VALUE')}, got {text!r}")
    return left.strip(), right.strip()


_FORMS = {"--input": "NAME=FILE", "--param": "NAME=VALUE", "--project-id": "TRE=ID", "--funding": "URI=NAME"}


# --- Schema --------------------------------------------------------------------------------------------------


@cache
def schema() -> dict[str, Any]:
    """The request spec JSON Schema shipped with the package (also published in ``docs/reference/``)."""
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _validator() -> Any:
    import jsonschema  # type: ignore[import-untyped]  # deferred: start-up (jsonschema is needed only to read a spec file)

    return jsonschema.Draft202012Validator(schema())


Location = tuple[str | int, ...]
"""Where a value lies in a spec document: its keys and list indexes from the top."""

_KEY_PATH_PART = re.compile(r"\[(\d+)\]|\.?([^.\[\]]+)")


def _key_path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _pointer(location: Location) -> str:
    """A location as a JSON pointer (RFC 6901): ``("inputs", 1, "file")`` → ``/inputs/1/file``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in location)


def _pointer_of(key_path: str) -> str | None:
    """The JSON pointer of a key path (``inputs[1].file``); None for an option (``--workflow``) or nothing."""
    if not key_path or key_path.startswith("-"):
        return None
    return _pointer(tuple(int(index) if index else key for index, key in _KEY_PATH_PART.findall(key_path)))


def _schema_errors(document: Any) -> list[tuple[Location, str]]:
    """``(location, message)`` for every schema error, the most relevant one of each failed keyword, in order.

    An unknown key is one problem per key; a failed ``oneOf`` with an ``errorMessage`` says that message.
    """
    from jsonschema.exceptions import best_match  # type: ignore[import-untyped]  # deferred: start-up (as _validator)

    found: list[tuple[Location, str]] = []
    for top in _validator().iter_errors(document):
        error = best_match([top])
        location: Location = tuple(error.absolute_path)
        message = error.message
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = sorted(error.schema.get("properties", {}))
            unknown = sorted(str(k) for k in error.instance if k not in allowed)
            found += [((*location, key), f"unknown key (allowed: {', '.join(allowed)})") for key in unknown]
            continue
        if top.validator in ("oneOf", "anyOf", "not") and "errorMessage" in top.schema:
            location, message = tuple(top.absolute_path), str(top.schema["errorMessage"])
        elif error.validator == "required":
            message = message.replace(" is a required property", " is required")
        found.append((location, message))
    return found


# --- Reading spec files ------------------------------------------------------------------------------------


class _Lines:
    """Maps locations to 1-based lines and columns through PyYAML's node tree (works for JSON too)."""

    def __init__(self, root: Any) -> None:
        self.root = root

    def mark(self, location: Location) -> tuple[int | None, int | None]:
        """The line and column of the deepest key (or list item) of ``location`` that the document has."""
        import yaml  # type: ignore[import-untyped]  # deferred: start-up (PyYAML is needed only to read a spec file)

        node = self.root
        if node is None:
            return None, None
        mark = node.start_mark
        for part in location:
            child = None
            if isinstance(node, yaml.MappingNode) and isinstance(part, str):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == part:
                        child, mark = value, key.start_mark
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                child = node.value[part]
                mark = child.start_mark
            if child is None:
                break
            node = child
        return mark.line + 1, mark.column + 1

    def problem(self, location: Location, message: str) -> SpecProblem:
        """A problem at ``location``, with its key path, pointer, line and column."""
        line, column = self.mark(location)
        return SpecProblem(message, _key_path(location), _pointer(location), line, column)


def _duplicate_keys(node: Any) -> list[SpecProblem]:
    """Every mapping key that appears twice (YAML loaders silently keep the last one), in file order."""
    import yaml  # deferred: start-up (PyYAML is needed only to read a spec file)

    found: list[SpecProblem] = []
    stack: list[tuple[Any, Location]] = [(node, ())]
    while stack:
        current, location = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    where = (*location, key.value)
                    if key.value in seen:
                        found.append(SpecProblem("key given twice", _key_path(where), _pointer(where),
                                                 key.start_mark.line + 1, key.start_mark.column + 1))
                    seen.add(key.value)
                    stack.append((value, where))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((item, (*location, index)) for index, item in enumerate(current.value))
    return sorted(found, key=lambda problem: (problem.line or 0, problem.column or 0))


def _refuse_aliases_and_depth(text: str, display: str) -> None:
    """Refuse YAML aliases and deep nesting from the parser's events, before any node is built.

    An alias repeats what its anchor holds, so a few lines can stand for billions of values (the "billion
    laughs"), or for themselves (a recursive alias); a request spec never needs one. PyYAML parses iteratively
    but builds nodes recursively, so depth is capped here too. Raises :class:`SpecError` at the place found.
    """
    import yaml  # deferred: start-up (PyYAML is needed only to read a spec file)

    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        mark = event.start_mark
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise SpecError("YAML anchors and aliases (&name, *name) are not accepted in a spec file: write the "
                            "value out", path=display, line=mark.line + 1, column=mark.column + 1)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_SPEC_DEPTH:
                raise SpecError(f"nested deeper than {MAX_SPEC_DEPTH} levels", path=display,
                                line=mark.line + 1, column=mark.column + 1)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _parse(path: Path, text: str, display: str) -> tuple[Any, _Lines]:
    """The document and its node tree; a syntax error ends reading (nothing after it can be located)."""
    import yaml  # deferred: start-up (PyYAML is needed only to read a spec file)

    is_json = path.suffix.lower() == ".json"
    if is_json:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"not valid JSON: {exc.msg}", path=display, line=exc.lineno, column=exc.colno) from exc
        except RecursionError:
            document = None  # nested far too deep: refused just below
        if document is None or nested_deeper_than(document, MAX_SPEC_DEPTH):
            raise SpecError(f"nested deeper than {MAX_SPEC_DEPTH} levels", path=display)
        try:
            _refuse_aliases_and_depth(text, display)
            nodes = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:  # valid JSON that YAML 1.1 cannot read (tabs): no line numbers
            nodes = None
    else:
        try:
            _refuse_aliases_and_depth(text, display)
            nodes = yaml.compose(text, Loader=yaml.SafeLoader)
            document = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            problem = getattr(exc, "problem", None) or "syntax error"
            raise SpecError(f"not valid YAML: {problem}", path=display,
                            line=mark.line + 1 if mark is not None else None,
                            column=mark.column + 1 if mark is not None else None) from exc
    return document, _Lines(nodes)


def _document_problems(document: Any, lines: _Lines, base: Path) -> list[SpecProblem]:
    """What the schema cannot see, read from the document as far as it has the right shape: input files that are
    missing, links or not regular files, parameter names given twice, a local workflow that does not exist."""
    found: list[SpecProblem] = []
    if not isinstance(document, dict):
        return found
    inputs = document.get("inputs")
    seen: set[str] = set()
    for index, item in enumerate(inputs if isinstance(inputs, list) else ()):
        if not isinstance(item, dict):
            continue
        file = item.get("file")
        if isinstance(file, str):
            try:
                check_input_file(base / file)
            except InputFileError as exc:
                found.append(lines.problem(("inputs", index, "file"), exc.message))
        name = item.get("name")
        if isinstance(name, str):
            if name in seen:
                found.append(lines.problem(("inputs", index, "name"), f"input {name!r} is given twice"))
            seen.add(name)
    flow = document.get("workflow")
    local = flow.get("path") if isinstance(flow, dict) else None
    if isinstance(local, str) and not (base / local).exists():
        found.append(lines.problem(("workflow", "path"), f"no such folder or file: {base / local}"))
    return found


def load_request_spec(path: str | os.PathLike[str]) -> RequestSpec:
    """Read and check a request spec file (YAML or JSON) against its published JSON Schema.

    Input file paths are resolved against the spec file's folder and must be existing regular files. Every
    problem is reported at once: raises :class:`SpecError` (:class:`InputFileError` when the only problems are
    input files) whose ``problems`` each have a key path, JSON pointer, line and column; a file that cannot be
    read or parsed is one problem.
    """
    given = Path(path)
    display = str(given)
    try:
        text = given.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise SpecError("no such spec file", path=display) from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", path=display) from exc
    except OSError as exc:
        raise SpecError(f"cannot read the spec file: {exc.strerror}", path=display) from exc
    document, lines = _parse(given, text, display)
    base = given.parent
    duplicates = _duplicate_keys(lines.root) if lines.root is not None else []
    schema_problems = [lines.problem(location, message) for location, message in _schema_errors(document)]
    other = _document_problems(document, lines, base)
    problems = sorted([*duplicates, *schema_problems, *other], key=lambda p: (p.line or 0, p.column or 0))
    if problems:
        files_only = not duplicates and not schema_problems and all(p.key_path.endswith(".file") for p in other)
        raise (InputFileError if files_only else SpecError)(path=display, problems=problems)
    return from_json(document, base=base, source=display)


def check_input_file(path: Path) -> None:
    """Refuse an input file that does not exist, is a symbolic link, or is not a regular file."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise InputFileError(f"no such input file: {path}", path=str(path)) from None
    except OSError as exc:
        raise InputFileError(f"cannot read input file {path}: {exc.strerror}", path=str(path)) from exc
    if stat.S_ISLNK(info.st_mode):
        raise InputFileError(f"input file is a symbolic link (give the real file): {path}", path=str(path))
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(f"input is not a regular file: {path}", path=str(path))


def _organization(item: Mapping[str, Any]) -> OrganizationSpec:
    raw = item.get("id")
    return OrganizationSpec(name=item["name"], id=organization_id(raw) if raw is not None else None)


def from_json(document: Mapping[str, Any], *, base: Path | None = None, source: str | None = None) -> RequestSpec:
    """A :class:`RequestSpec` from a spec document that already passed the schema (paths joined to ``base``)."""

    def local(value: str) -> Path:
        return base / value if base is not None else Path(value)

    flow = document["workflow"]
    agent = document["agent"]
    project = document["project"]
    funding = project.get("funding")
    return RequestSpec(
        name=document["name"],
        description=document.get("description"),
        profile=str(document.get("profile", DEFAULT_PROFILE)),
        request_id=document.get("request_id"),
        workflow=WorkflowSpec(
            url=flow.get("url"),
            path=local(flow["path"]) if "path" in flow else None,
            name=flow.get("name"),
            download=flow.get("download"),
        ),
        inputs=tuple(
            InputSpec(
                name=item["name"],
                file=local(item["file"]) if "file" in item else None,
                value=item.get("value"),
                title=item.get("title"),
                encoding_format=item.get("encoding_format"),
            )
            for item in document.get("inputs", ())
        ),
        agent=AgentSpec(id=person_id(agent["id"]), name=agent["name"], affiliation=_organization(agent["affiliation"])),
        project=ProjectSpec(
            name=project["name"],
            id=project.get("id"),
            identifiers=tuple(ProjectIdentifier(tre=i["tre"], id=i["id"]) for i in project["identifiers"]),
            funding=GrantSpec(id=funding["id"], name=funding["name"]) if funding else None,
            members=tuple(_organization(m) for m in project.get("members", ())),
        ),
        source=source,
    )


def options_spec(
    *,
    workflow: str | None,
    agent: str | None,
    agent_name: str | None,
    affiliation: str | None,
    project: str | None,
    project_ids: Sequence[str],
    name: str | None,
    profile: str | None = None,
    workflow_name: str | None = None,
    inputs: Sequence[str] = (),
    params: Sequence[str] = (),
    affiliation_name: str | None = None,
    project_name: str | None = None,
    funding: str | None = None,
    description: str | None = None,
) -> RequestSpec:
    """A :class:`RequestSpec` from command-line style values (``NAME=FILE``, ``TRE=ID``, ``URI=NAME``...).

    ``workflow`` is a URL (http or https) or a local path; ``affiliation`` and ``project`` are ids when they
    look like one (:func:`looks_like_id`), else names. File inputs come first, then parameter values. Raises
    :class:`SpecError` for malformed or missing values (checked against the spec schema).
    """
    flow = (workflow or "").strip()
    if flow.startswith(("http://", "https://")):
        workflow_spec = WorkflowSpec(url=flow, name=workflow_name)
    else:
        workflow_spec = WorkflowSpec(path=Path(flow), name=workflow_name)
        if flow and not workflow_spec.path.exists():  # type: ignore[union-attr]
            raise SpecError(f"no such folder or file: {flow}", key_path="--workflow")
    items: list[InputSpec] = []
    for text in inputs:
        parameter, file = split_assignment(text, option="--input")
        check_input_file(Path(file))
        items.append(InputSpec(parameter, file=Path(file)))
    for text in params:
        parameter, value = split_assignment(text, option="--param")
        items.append(InputSpec(parameter, value=value))
    org = (affiliation or "").strip()
    organization = (
        OrganizationSpec(name=affiliation_name or "", id=organization_id(org)) if looks_like_id(org)
        else OrganizationSpec(name=org)
    )
    project_text = (project or "").strip()
    is_id = looks_like_id(project_text)
    grant = None
    if funding:
        grant_id, grant_name = split_assignment(funding, option="--funding", last=True)
        grant = GrantSpec(id=grant_id, name=grant_name)
    identifiers = tuple(
        ProjectIdentifier(*split_assignment(text, option="--project-id")) for text in project_ids
    )
    spec = RequestSpec(
        name=name or "",
        description=description,
        profile=profile or DEFAULT_PROFILE,
        workflow=workflow_spec,
        inputs=tuple(items),
        agent=AgentSpec(id=person_id(agent or ""), name=agent_name or "", affiliation=organization),
        project=ProjectSpec(
            name=(project_name or "") if is_id else project_text,
            id=project_text if is_id else None,
            identifiers=identifiers,
            funding=grant,
        ),
    )
    check_spec(spec)
    return spec


def _drop_none(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not None}


def _organization_json(organization: OrganizationSpec) -> dict[str, Any]:
    return _drop_none({"id": organization.id, "name": organization.name})


def to_json(spec: RequestSpec) -> dict[str, Any]:
    """The spec as a spec-file document (paths as given; ``from_json(to_json(s))`` gives ``s`` back)."""
    flow = spec.workflow
    project = spec.project
    document: dict[str, Any] = {
        "profile": spec.profile,
        "name": spec.name,
        "description": spec.description,
        "request_id": spec.request_id,
        "workflow": _drop_none(
            {"url": flow.url, "path": str(flow.path) if flow.path is not None else None, "name": flow.name,
             "download": flow.download}
        ),
        "inputs": [
            _drop_none({"name": item.name, "file": str(item.file) if item.file is not None else None,
                        "value": item.value, "title": item.title, "encoding_format": item.encoding_format})
            for item in spec.inputs
        ],
        "agent": {"id": spec.agent.id, "name": spec.agent.name,
                  "affiliation": _organization_json(spec.agent.affiliation)},
        "project": _drop_none(
            {
                "id": project.id,
                "name": project.name,
                "identifiers": [{"tre": i.tre, "id": i.id} for i in project.identifiers],
                "funding": {"id": project.funding.id, "name": project.funding.name} if project.funding else None,
                "members": [_organization_json(m) for m in project.members] or None,
            }
        ),
    }
    return _drop_none(document)


def check_spec(spec: RequestSpec) -> None:
    """Apply the spec file's JSON Schema to a spec built in Python; raises :class:`SpecError` with every problem,
    each naming its key."""
    problems = [SpecProblem(message, _key_path(location), _pointer(location))
                for location, message in _schema_errors(to_json(spec))]
    seen: set[str] = set()
    for index, item in enumerate(spec.inputs):
        if item.name in seen:
            location: Location = ("inputs", index, "name")
            problems.append(SpecProblem(f"input {item.name!r} is given twice", _key_path(location), _pointer(location)))
        seen.add(item.name)
    if problems:
        raise SpecError(path=spec.source, problems=problems)


__all__ = [
    "DEFAULT_PROFILE",
    "PROFILE_VERSIONS",
    "AgentSpec",
    "GrantSpec",
    "InputFileError",
    "InputSpec",
    "OrganizationSpec",
    "ProjectIdentifier",
    "ProjectSpec",
    "RequestSpec",
    "SpecError",
    "SpecProblem",
    "WorkflowSpec",
    "check_input_file",
    "check_spec",
    "from_json",
    "load_request_spec",
    "looks_like_id",
    "options_spec",
    "organization_id",
    "person_id",
    "schema",
    "split_assignment",
    "to_json",
]
