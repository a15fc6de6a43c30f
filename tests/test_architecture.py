"""STYLE.md, enforced with ``ast`` and ``tokenize`` over ``src/fivesafes_crate``.

- Data flows one way, "read down, write up": :data:`LAYERS` orders every top-level module and package of
  ``fivesafes_crate`` from the bottom (``errors``, ``issues``, ``untrusted``, which import nothing from the
  package) to the top (``cli``). Every import counts, at module top, inside a function and under
  ``TYPE_CHECKING`` alike: none goes up a layer, no two modules import each other (directly or round a circle)
  and no two top-level packages do either (Tarjan's strongly connected components, below).
- An import inside a function is for start-up cost only, and a comment on it (or just above it, or above the
  block of imports it opens) says so: ``# deferred: start-up ...``. Never to break a cycle: there is none.
- No two modules share a base name (a package counts by its folder's name) unless they mirror each other on
  purpose and both docstrings say so; ``cli/`` command modules are named after their command groups.
- Only ``cli/`` imports typer, click or rich; the library never prints or exits.
- ``fivesafes_crate.__all__`` is sorted, pinned below, and every name in it can be imported.
- Every public module has a docstring; every module with code starts with ``from __future__ import annotations``.

docs/architecture.md draws the layers; change both together.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import re
import tokenize
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

import fivesafes_crate

PACKAGE = "fivesafes_crate"
SRC = Path(fivesafes_crate.__file__).resolve().parent

LAYERS: list[tuple[str, ...]] = [
    ("errors", "issues", "untrusted"),
    ("contexts",),
    ("model",),
    ("packaging", "disclosure_control", "profiles"),
    ("signing", "authoring"),
    ("validation",),
    ("website",),
    ("phases",),
    ("interop", "reporting", "federation"),
    ("api", "__init__"),
    ("cli",),
    ("__main__",),
]
"""Every top-level module or package of ``fivesafes_crate`` (``__init__`` is the front door itself), bottom layer
first; a module imports only from its own layer and the layers below it. A new top-level module is added here
and to docs/architecture.md."""

LAYER: dict[str, int] = {unit: index for index, units in enumerate(LAYERS) for unit in units}
BASE = 0
"""The bottom layer imports nothing from the package, so that every layer may import it."""

DEFERRED = re.compile(r"#.*\bdeferred\b.*\bstart-up\b", re.IGNORECASE)
"""The comment an import inside a function carries: ``# deferred: start-up (what it would cost)``."""

UI_LIBRARIES = ("typer", "click", "rich")

EXPECTED_ALL = [
    "AcroOutput",
    "AcroResults",
    "AcroResultsError",
    "Agent",
    "AgentKind",
    "BagVerification",
    "CheckContext",
    "CheckInfo",
    "ComparingCheck",
    "Comparison",
    "ContextUnavailable",
    "ConversionError",
    "Crate",
    "CrateError",
    "CrateReadError",
    "CrateStateError",
    "DisclosureDecision",
    "DisclosurePolicy",
    "DisclosurePolicyError",
    "DurConfigError",
    "EntityError",
    "EvidenceError",
    "ExpectedInputs",
    "ExportRefused",
    "ExportedProfile",
    "FederatedSummary",
    "FiveSafesError",
    "InputFailure",
    "Issue",
    "KeyAlgorithm",
    "KeyPairFiles",
    "KeySigner",
    "License",
    "Limits",
    "MetadataSyntaxError",
    "Node",
    "NodeOutcome",
    "NodeResult",
    "OutputExistsError",
    "OutputFile",
    "OutputReference",
    "OutputScreening",
    "OutputValue",
    "PooledOutput",
    "Profile",
    "Receipt",
    "Report",
    "ReportSet",
    "RequestSpec",
    "RuleFinding",
    "ScreeningOutcome",
    "ScreeningReport",
    "ScreeningResult",
    "Severity",
    "SignatureInvalid",
    "SignatureRecord",
    "SignatureVerification",
    "Signer",
    "SigningKeyError",
    "SigningRefused",
    "SpecError",
    "Stage",
    "Status",
    "Step",
    "StepRefused",
    "StepResult",
    "StorageError",
    "SuppliedFileError",
    "Timeline",
    "TrustError",
    "TrustStore",
    "TrustStoreError",
    "UnknownInputError",
    "UnsafeInputError",
    "UnsupportedProfileError",
    "UsageError",
    "Verdict",
    "WorkflowMismatchError",
    "__version__",
    "add_results",
    "create_key_pair",
    "create_request",
    "endorsed_actions",
    "export_dur",
    "export_profile",
    "fail_run",
    "federate_gather",
    "federate_pool",
    "federate_split",
    "finish_run",
    "from_rocrate",
    "generate_key",
    "import_acro",
    "list_checks",
    "list_profiles",
    "load_disclosure_policy",
    "load_request_spec",
    "load_signer",
    "load_trust_store",
    "open_crate",
    "package",
    "preview",
    "printable",
    "publish",
    "read_acro_results",
    "receive",
    "receive_federation",
    "record_check",
    "record_disclosure",
    "record_retrieval",
    "record_screening",
    "record_signoff",
    "record_validation",
    "render_preview",
    "sanitize",
    "save_crate",
    "screen_outputs",
    "sign",
    "sign_hook",
    "start_run",
    "status",
    "to_rocrate",
    "unpack",
    "validate",
    "validate_all",
    "verify",
    "verify_bag",
    "verify_federation",
    "verify_signatures",
    "write_preview",
]
"""The public names. Adding one is a minor change, removing or renaming one is breaking: update this list
deliberately (and the changelog)."""


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. fivesafes_crate.model.crate
    path: Path
    tree: ast.Module
    source: str = ""

    @property
    def parts(self) -> list[str]:
        return self.name.split(".")[1:]

    @property
    def top(self) -> str:
        """The top-level module or package below fivesafes_crate (``model``, ``api``, ``__init__``...)."""
        return self.parts[0] if self.parts else "__init__"

    @property
    def is_package(self) -> bool:
        return self.path.name == "__init__.py"

    @property
    def in_cli(self) -> bool:
        return self.top == "cli"

    @property
    def rel(self) -> str:
        return self.path.relative_to(SRC.parent).as_posix()


def _modules() -> list[Module]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).with_suffix("")
        parts = [PACKAGE, *relative.parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        source = path.read_text(encoding="utf-8")
        found.append(Module(".".join(parts), path, ast.parse(source, str(path)), source))
    return found


MODULES = _modules()
NAMES = frozenset(m.name for m in MODULES)


@dataclass(frozen=True)
class Import:
    """One imported module of the package (or outside it), where, and how."""

    line: int
    target: str  # dotted: a module of the package when it names one, else what the statement names
    in_function: bool
    typing_only: bool  # under ``if TYPE_CHECKING:``


def _resolve(base: str, name: str, names: frozenset[str]) -> str:
    """``from base import name``: the submodule ``base.name`` when there is one, else ``base`` (a name in it)."""
    return f"{base}.{name}" if f"{base}.{name}" in names else base


def imports_of(module: Module, names: frozenset[str] = NAMES) -> list[Import]:
    """Every import statement of a module, at any depth, relative imports resolved against ``names``."""
    package = module.name if module.is_package else module.name.rsplit(".", 1)[0]
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool, typing_only: bool) -> None:
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = ".".join(base[: len(base) - (node.level - 1)])
                base = f"{base}.{node.module}" if node.module else base
            else:
                base = node.module or ""
            targets = [_resolve(base, alias.name, names) for alias in node.names]
        found.extend(Import(node.lineno, target, in_function, typing_only) for target in dict.fromkeys(targets))
        for child in ast.iter_child_nodes(node):
            guarded = isinstance(node, ast.If) and child in node.body and _is_type_checking(node.test)
            typing_child = typing_only or guarded
            visit(child, in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)),
                  typing_child)

    visit(module.tree, False, False)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _module_or_root(dotted: str) -> str:
    """``dotted`` when it names a module of the package, else the package itself (a name it re-exports)."""
    return dotted if dotted in {m.name for m in MODULES} else PACKAGE


def imported_modules(module: Module) -> list[tuple[int, str]]:
    """``(line, dotted module)`` for every import in a module, relative imports resolved."""
    return [(found.line, found.target) for found in imports_of(module)]


def unit_of(dotted: str) -> str:
    """The top-level module or package a dotted name of the package belongs to (``__init__`` for the root)."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def layer_of(dotted: str) -> tuple[str, int | None]:
    top = unit_of(dotted)
    return top, LAYER.get(top)


def import_graph(modules: Iterable[Module], names: frozenset[str] = NAMES) -> dict[str, set[str]]:
    """Module -> the modules of the package it imports (every import counts; a module importing itself not)."""
    graph: dict[str, set[str]] = {}
    for module in modules:
        graph[module.name] = {found.target for found in imports_of(module, names)
                              if found.target in names and found.target != module.name}
    return graph


def unit_graph(graph: Mapping[str, set[str]]) -> dict[str, set[str]]:
    """The same imports between top-level modules and packages (imports inside one of them dropped)."""
    units: dict[str, set[str]] = {}
    for source, targets in graph.items():
        units.setdefault(unit_of(source), set()).update(
            unit_of(target) for target in targets if unit_of(target) != unit_of(source))
    return units


def upward_imports(graph: Mapping[str, set[str]], layer: Mapping[str, int]) -> list[str]:
    """``source -> target`` for every import into a higher layer, or from a top-level unit with no layer."""
    problems = []
    for source, targets in sorted(graph.items()):
        own = layer.get(unit_of(source))
        for target in sorted(targets):
            theirs = layer.get(unit_of(target))
            if own is None or theirs is None or theirs > own:
                problems.append(f"{source} (layer {own}) imports {target} (layer {theirs})")
    return problems


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Every import circle: Tarjan's strongly connected components of more than one node, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(found)


def undeclared_deferred_imports(module: Module) -> list[int]:
    """The lines of imports inside functions that no ``# deferred: start-up ...`` comment explains.

    The comment may sit on the statement's lines, or on the comment lines just above it, or above the run of
    function-level imports the statement belongs to (one comment for the block of imports a function opens).
    """
    comments = {token.start[0]: token.string for token in tokenize.generate_tokens(io.StringIO(module.source).readline)
                if token.type == tokenize.COMMENT}
    code = module.source.splitlines()
    statements = [node for node in _function_imports(module.tree)]
    import_lines = {line for node in statements for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)}
    missing = []
    for node in statements:
        lines = list(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        above = node.lineno - 1
        while above >= 1 and (above in import_lines or code[above - 1].strip().startswith("#")):
            lines.append(above)
            above -= 1
        if not any(DEFERRED.search(comments.get(line, "")) for line in lines):
            missing.append(node.lineno)
    return missing


def _function_imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for statement in function.body:
                found.extend(node for node in ast.walk(statement) if isinstance(node, (ast.Import, ast.ImportFrom))
                             and node not in found)
    return sorted(found, key=lambda node: node.lineno)


def _fake(name: str, source: str, *, package: bool = False) -> Module:
    """A module that is not on disk, for the tests of the checks themselves."""
    relative = Path(*name.split(".")[1:]) / "__init__.py" if package else Path(*name.split(".")[1:]).with_suffix(".py")
    return Module(name, SRC / relative, ast.parse(source), source)


GRAPH = import_graph(MODULES)


def test_modules_found() -> None:
    assert {f"{PACKAGE}.api", f"{PACKAGE}.model.graph", f"{PACKAGE}.cli", f"{PACKAGE}.validation.engine"} <= NAMES


def test_every_top_level_module_has_a_layer() -> None:
    unknown = sorted({m.top for m in MODULES} - set(LAYER))
    assert not unknown, f"add these to LAYERS in tests/test_architecture.py (and docs/architecture.md): {unknown}"


def test_every_kind_of_import_is_counted() -> None:
    """Imports at module top, inside functions and under TYPE_CHECKING are all edges of the graph."""
    found = [found for module in MODULES for found in imports_of(module) if found.target in NAMES]
    assert any(f.in_function for f in found) and any(f.typing_only for f in found)
    assert any(not (f.in_function or f.typing_only) for f in found)
    fake = _fake(f"{PACKAGE}.phases.fake", (
        "from __future__ import annotations\nfrom typing import TYPE_CHECKING\nfrom ..model import crate\n"
        "if TYPE_CHECKING:\n    from ..signing.writer import SignHook\n"
        "def f() -> None:\n    from .. import api  # deferred: start-up\n"))
    assert [(f.target, f.in_function, f.typing_only) for f in imports_of(fake) if f.target.startswith(PACKAGE)] == [
        (f"{PACKAGE}.model.crate", False, False), (f"{PACKAGE}.signing.writer", False, True),
        (f"{PACKAGE}.api", True, False)]
    assert import_graph([fake])[fake.name] == {f"{PACKAGE}.model.crate", f"{PACKAGE}.signing.writer", f"{PACKAGE}.api"}


def test_no_import_goes_up_a_layer() -> None:
    problems = upward_imports(GRAPH, LAYER)
    assert not problems, "\n".join(problems)


def test_the_bottom_layer_imports_nothing_from_the_package() -> None:
    problems = [f"{m.rel}:{f.line} imports {f.target}" for m in MODULES if LAYER.get(m.top) == BASE
                for f in imports_of(m) if f.target == PACKAGE or f.target.startswith(PACKAGE + ".")]
    assert not problems, "\n".join(problems)


def test_no_two_modules_form_a_cycle() -> None:
    found = cycles(GRAPH)
    assert not found, "import cycles between modules:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_no_two_packages_form_a_cycle() -> None:
    found = cycles(unit_graph(GRAPH))
    assert not found, "import cycles between packages:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_checker_reports_cycles_and_upward_imports() -> None:
    """The checks above on a tiny synthetic graph: module and package circles, an upward import."""
    graph = {
        f"{PACKAGE}.model.a": {f"{PACKAGE}.model.b"},
        f"{PACKAGE}.model.b": {f"{PACKAGE}.model.c"},
        f"{PACKAGE}.model.c": {f"{PACKAGE}.model.a", f"{PACKAGE}.phases.x"},  # model -> phases: upward
        f"{PACKAGE}.phases.x": {f"{PACKAGE}.model.a"},
        f"{PACKAGE}.packaging.p": {f"{PACKAGE}.profiles"},
        f"{PACKAGE}.profiles": {f"{PACKAGE}.packaging.q"},  # one layer, but the two packages import each other
        f"{PACKAGE}.packaging.q": set(),
    }
    assert cycles(graph) == [[f"{PACKAGE}.model.a", f"{PACKAGE}.model.b", f"{PACKAGE}.model.c", f"{PACKAGE}.phases.x"]]
    assert cycles(unit_graph(graph)) == [["model", "phases"], ["packaging", "profiles"]]
    assert upward_imports(graph, LAYER) == [f"{PACKAGE}.model.c (layer 2) imports {PACKAGE}.phases.x (layer 7)"]
    assert upward_imports({f"{PACKAGE}.nowhere": {f"{PACKAGE}.model.a"}}, LAYER) == [
        f"{PACKAGE}.nowhere (layer None) imports {PACKAGE}.model.a (layer 2)"]
    assert cycles({"a": {"b"}, "b": set()}) == [] and cycles({"a": {"a"}}) == []


def test_a_real_circle_is_found_on_disk_modules() -> None:
    """The graph builder and Tarjan together: two fake modules of one package that import each other, one of them
    only inside a function and the other only for type checking."""
    one = _fake(f"{PACKAGE}.phases.one", "def f():\n    from . import two  # deferred: start-up\n")
    two = _fake(f"{PACKAGE}.phases.two",
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .one import f\n")
    names = NAMES | {one.name, two.name}
    assert cycles(import_graph([one, two], names)) == [[one.name, two.name]]


@pytest.mark.parametrize("module", [m for m in MODULES if _function_imports(m.tree)], ids=lambda m: m.rel)
def test_imports_inside_functions_are_deferred_for_start_up(module: Module) -> None:
    missing = undeclared_deferred_imports(module)
    assert not missing, (f"{module.rel}: lines {missing} import inside a function without a "
                         "'# deferred: start-up ...' comment (an import inside a function is for start-up cost only)")


def test_the_deferred_comment_rule_catches_a_bare_import() -> None:
    module = _fake(f"{PACKAGE}.phases.fake", (
        "def ok() -> None:\n"
        "    # deferred: start-up (cryptography is slow to import)\n"
        "    import json\n"
        "    from . import a\n"
        "def also_ok() -> None:\n"
        "    import json  # deferred: start-up\n"
        "def bare() -> None:\n"
        "    x = 1\n"
        "    import json\n"
        "def wrong_reason() -> None:\n"
        "    import json  # here to break a cycle\n"))
    assert undeclared_deferred_imports(module) == [9, 11]


def _base_names() -> dict[str, list[Module]]:
    """Library modules (``cli/`` aside) by base name: a package by its folder's name, a module by its file's."""
    names: dict[str, list[Module]] = {}
    for module in MODULES:
        if module.in_cli or module.name == PACKAGE or module.parts[-1] == "__main__":
            continue
        names.setdefault(module.parts[-1], []).append(module)
    return names


def test_no_two_modules_share_a_base_name_unless_they_mirror_each_other() -> None:
    """A name means one thing: ``phases.validation_step`` is not ``validation``, ``phases.disclosure.screening``
    is not ``disclosure_control.screener``. A read side and its write side may share a name (``model.lifecycle``
    and ``phases.lifecycle``) when each docstring names the other and says it mirrors it on purpose."""
    problems = []
    for base, modules in sorted(_base_names().items()):
        for module in modules:
            others = [other for other in modules if other is not module]
            docstring = " ".join((ast.get_docstring(module.tree) or "").split())
            for other in others:
                if other.name not in docstring or "mirror" not in docstring:
                    problems.append(f"{module.rel} shares the name {base!r} with {other.rel}: rename one, or say "
                                    f"in the docstring that it mirrors {other.name} on purpose")
    assert not problems, "\n".join(problems)


def test_cli_modules_have_unique_names() -> None:
    """``cli/`` modules are named after their command groups (``cli/signing.py`` serves ``signing``): the
    one deliberate mirror of the library's names, so only names inside ``cli/`` must differ."""
    names = [m.parts[-1] for m in MODULES if m.in_cli]
    assert len(names) == len(set(names))


def test_the_preview_renderer_is_pure() -> None:
    """``website.py`` renders what every step writes into the crate, so it reads the model and nothing above."""
    website = next(m for m in MODULES if m.top == "website")
    tops = {layer_of(target)[0] for _, target in imported_modules(website) if target.startswith(PACKAGE + ".")}
    assert tops <= {"issues", "model"}, tops


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.rel)
def test_only_cli_imports_typer_or_rich(module: Module) -> None:
    if module.in_cli:
        return
    offenders = [f"{module.rel}:{line} imports {target}" for line, target in imported_modules(module)
                 if target.split(".")[0] in UI_LIBRARIES]
    assert not offenders, "\n".join(offenders)


def _prints_or_exits(tree: ast.Module) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in ("print", "exit", "quit"):
                found.append((node.lineno, f"{func.id}()"))
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and (
                (func.value.id, func.attr) in (("sys", "exit"), ("os", "_exit"))
            ):
                found.append((node.lineno, f"{func.value.id}.{func.attr}()"))
        elif isinstance(node, ast.ImportFrom) and node.module == "sys" and any(a.name == "exit" for a in node.names):
            found.append((node.lineno, "from sys import exit"))
    return found


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.rel)
def test_library_never_prints_or_exits(module: Module) -> None:
    if module.in_cli:
        return
    offenders = [f"{module.rel}:{line} calls {what}" for line, what in _prints_or_exits(module.tree)]
    assert not offenders, "\n".join(offenders)


def test_the_ast_checks_catch_violations() -> None:
    tree = ast.parse("import sys\nprint('x')\nsys.exit(1)\n")
    assert [what for _, what in _prints_or_exits(tree)] == ["print()", "sys.exit()"]
    fake = Module(f"{PACKAGE}.model.fake", SRC / "model" / "fake.py",
                  ast.parse("from ..api import validate\nfrom . import vocab\nfrom .. import cli\nimport rich\n"))
    assert [t for _, t in imported_modules(fake)] == [
        f"{PACKAGE}.api", f"{PACKAGE}.model.vocab", f"{PACKAGE}.cli", "rich"]


def test_all_is_sorted_and_pinned() -> None:
    assert fivesafes_crate.__all__ == sorted(fivesafes_crate.__all__)
    assert fivesafes_crate.__all__ == EXPECTED_ALL


@pytest.mark.parametrize("name", EXPECTED_ALL)
def test_every_public_name_is_importable(name: str) -> None:
    value = getattr(fivesafes_crate, name)
    assert value is not None
    namespace: dict[str, object] = {}
    exec(f"from fivesafes_crate import {name}", namespace)
    assert namespace[name] is value


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        fivesafes_crate.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def _is_public(module: Module) -> bool:
    return not any(part.startswith("_") and part not in ("__init__", "__main__") for part in module.path.relative_to(
        SRC).with_suffix("").parts)


@pytest.mark.parametrize("module", [m for m in MODULES if _is_public(m)], ids=lambda m: m.rel)
def test_public_modules_have_a_docstring(module: Module) -> None:
    docstring = ast.get_docstring(module.tree)
    assert docstring and docstring.strip(), f"{module.rel} has no module docstring"


def _has_code(tree: ast.Module) -> bool:
    body = tree.body[1:] if ast.get_docstring(tree) is not None else tree.body
    return bool(body)


@pytest.mark.parametrize("module", [m for m in MODULES if _has_code(m.tree)], ids=lambda m: m.rel)
def test_future_annotations_everywhere(module: Module) -> None:
    body = module.tree.body[1:] if ast.get_docstring(module.tree) is not None else module.tree.body
    first = body[0]
    assert (
        isinstance(first, ast.ImportFrom)
        and first.module == "__future__"
        and any(alias.name == "annotations" for alias in first.names)
    ), f"{module.rel}: the first statement must be 'from __future__ import annotations'"


def test_py_typed_is_shipped() -> None:
    assert (SRC / "py.typed").is_file()


def test_importing_the_package_is_light() -> None:
    importlib.import_module(PACKAGE)
    source = (SRC / "__init__.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    eager = [t for node in tree.body for t in (
        [a.name for a in node.names] if isinstance(node, ast.Import) else
        [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level else [])]
    assert not eager, f"fivesafes_crate/__init__.py imports eagerly: {eager}"


# --- the front door ---------------------------------------------------------------------------------------

API_COMPOSITIONS = ["export_dur", "export_profile", "open_crate", "record_screening", "screen_outputs", "verify_bag"]
"""The functions of api.py: each does something no single implementation does. Any other public name is
re-exported from the module that implements it."""


def _module(name: str) -> Module:
    return next(m for m in MODULES if m.name == name)


def test_api_holds_only_compositions() -> None:
    api = _module(f"{PACKAGE}.api")
    functions = sorted(node.name for node in api.tree.body
                       if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"))
    assert functions == API_COMPOSITIONS
    assert len(api.path.read_text(encoding="utf-8").splitlines()) < 200  # the federation's own: federation/services.py


def test_every_public_name_is_its_implementation() -> None:
    """A public function or class is the object its home module defines (with its docstring), not a wrapper."""
    homes = {name: module for module, names in fivesafes_crate._HOMES.items() for name in names}
    assert sorted([*homes, "__version__"]) == EXPECTED_ALL
    for name, module in homes.items():
        value = getattr(fivesafes_crate, name)
        home = importlib.import_module(module, PACKAGE)
        assert getattr(home, name) is value, name
        if inspect.isfunction(value) or inspect.isclass(value):  # not a type alias such as SignHook
            assert value.__module__ == home.__name__, f"{name} is defined in {value.__module__}, not {home.__name__}"


def test_type_checkers_see_the_names_the_front_door_loads() -> None:
    """The imports under TYPE_CHECKING in __init__.py are exactly the table the names are loaded from."""
    init = _module(PACKAGE)
    seen: dict[str, str] = {}
    for node in ast.walk(init.tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom) and statement.level == 1
                seen.update((alias.name, f".{statement.module}") for alias in statement.names)
    assert seen == {name: module for module, names in fivesafes_crate._HOMES.items() for name in names}


def test_no_public_name_is_written_four_times() -> None:
    """Below its docstring, __init__.py writes each public name three times: the table, __all__, the typing
    import; api.py lists none (its functions are defined there, other names are not its business)."""
    init = _module(PACKAGE)
    written = [node.value for node in ast.walk(init.tree) if isinstance(node, ast.Constant)]
    written += [node.name for node in ast.walk(init.tree) if isinstance(node, ast.alias)]
    for name in EXPECTED_ALL:
        if name != "__version__":
            assert written.count(name) == 3, name


CLI_INTERNAL_IMPORTS = {
    f"{PACKAGE}.authoring.spec",  # options_spec, looks_like_id: building a spec from `new`'s options
    f"{PACKAGE}.disclosure_control",  # finding_rows, output_heading, report_footer, render_json: the screening
    # report's presenters
    f"{PACKAGE}.signing",  # read_passphrase_file
    f"{PACKAGE}.packaging",  # METADATA_NOT_CHECKED, the words `verify` prints
    f"{PACKAGE}.interop.dur",  # dumps: the DUR entry's one JSON form
    f"{PACKAGE}.model.entities",  # JSON, the type of export_dur's result
}
"""What the CLI still takes from inside the library besides the front door and the presenters (known debt)."""


@pytest.mark.parametrize("module", [m for m in MODULES if m.in_cli], ids=lambda m: m.rel)
def test_the_cli_imports_only_the_front_door(module: Module) -> None:
    """The CLI uses the library through ``fivesafes_crate`` (and the presenters of ``reporting/``), so what it
    can do is what any program can do."""
    problems = []
    for line, target in imported_modules(module):
        if target != PACKAGE and not target.startswith(PACKAGE + "."):
            continue
        top, _ = layer_of(target)
        if target == PACKAGE or top in ("cli", "reporting") or target in CLI_INTERNAL_IMPORTS:
            continue
        problems.append(f"{module.rel}:{line} imports {target}")
    assert not problems, "\n".join(problems)
