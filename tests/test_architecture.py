"""STYLE.md, enforced with ``ast`` over ``src/fivesafes_crate``.

- Data flows one way, "read down, write up": ``cli -> front door (__init__, api) -> reporting, interop,
  federation -> phases -> website -> validation -> signing, authoring -> packaging, disclosure_control -> model
  -> contexts``; a lower layer never imports a higher one (imports in functions and under ``TYPE_CHECKING``
  count too). ``issues.py``,
  ``errors.py`` and ``untrusted.py`` import nothing from the package and may be imported by every layer.
- Only ``cli/`` imports typer, click or rich; the library never prints or exits.
- ``fivesafes_crate.__all__`` is sorted, pinned below, and every name in it can be imported.
- Every public module has a docstring; every module with code starts with ``from __future__ import annotations``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from dataclasses import dataclass
from pathlib import Path

import pytest

import fivesafes_crate

PACKAGE = "fivesafes_crate"
SRC = Path(fivesafes_crate.__file__).resolve().parent

BASE = -1  # issues.py, errors.py, untrusted.py: importable from anywhere, import nothing from the package
LAYERS: dict[str, int] = {
    "issues": BASE,
    "errors": BASE,
    "untrusted": BASE,
    "contexts": 0,
    "model": 1,
    "packaging": 2,
    "disclosure_control": 2,
    "profiles": 2,
    "signing": 3,
    "authoring": 3,
    "validation": 4,
    "website": 5,
    "phases": 6,
    "interop": 7,
    "federation": 7,
    "reporting": 7,
    "api": 8,
    "__init__": 8,  # the front door: api.py's compositions and every other public name from its implementation
    "cli": 9,
    "__main__": 10,
}
"""Every top-level module or package of ``fivesafes_crate`` and its layer; a new one must be added here."""

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
        found.append(Module(".".join(parts), path, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return found


MODULES = _modules()


def _module_or_root(dotted: str) -> str:
    """``dotted`` when it names a module of the package, else the package itself (a name it re-exports)."""
    return dotted if dotted in {m.name for m in MODULES} else PACKAGE


def imported_modules(module: Module) -> list[tuple[int, str]]:
    """``(line, dotted module)`` for every import in a module, relative imports resolved."""
    found: list[tuple[int, str]] = []
    package = module.name if module.is_package else module.name.rsplit(".", 1)[0]
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                prefix = ".".join(base)
                if node.module:
                    found.append((node.lineno, f"{prefix}.{node.module}"))
                else:
                    found.extend((node.lineno, f"{prefix}.{alias.name}") for alias in node.names)
            elif node.module:
                if node.module == PACKAGE:  # a submodule, or a public name of the front door
                    found.extend((node.lineno, _module_or_root(f"{PACKAGE}.{alias.name}")) for alias in node.names)
                else:
                    found.append((node.lineno, node.module))
    return found


def layer_of(dotted: str) -> tuple[str, int | None]:
    parts = dotted.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    return top, LAYERS.get(top)


def test_modules_found() -> None:
    names = {m.name for m in MODULES}
    assert {f"{PACKAGE}.api", f"{PACKAGE}.model.graph", f"{PACKAGE}.cli", f"{PACKAGE}.validation.engine"} <= names


def test_every_top_level_module_has_a_layer() -> None:
    unknown = sorted({m.top for m in MODULES} - set(LAYERS))
    assert not unknown, f"add these to LAYERS in tests/test_architecture.py: {unknown}"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.rel)
def test_lower_layers_never_import_higher_ones(module: Module) -> None:
    own = LAYERS.get(module.top)
    if own is None:
        pytest.fail(f"{module.rel}: top-level module {module.top!r} has no layer")
    problems = []
    for line, target in imported_modules(module):
        if target != PACKAGE and not target.startswith(PACKAGE + "."):
            continue
        top, layer = layer_of(target)
        if layer_of(module.name)[1] == BASE:
            problems.append(f"{module.rel}:{line} imports {target} ({module.top} imports nothing from the package)")
        elif layer is None or (layer > own and top != module.top):
            problems.append(f"{module.rel}:{line} ({module.top}, layer {own}) imports {target} (layer {layer})")
    assert not problems, "\n".join(problems)


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

API_COMPOSITIONS = ["export_dur", "export_profile", "federate_gather", "federate_pool", "federate_split", "open_crate",
                    "receive_federation", "record_screening", "screen_outputs", "verify_bag", "verify_federation"]
"""The functions of api.py: each does something no single implementation does. Any other public name is
re-exported from the module that implements it."""


def _module(name: str) -> Module:
    return next(m for m in MODULES if m.name == name)


def test_api_holds_only_compositions() -> None:
    api = _module(f"{PACKAGE}.api")
    functions = sorted(node.name for node in api.tree.body
                       if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"))
    assert functions == API_COMPOSITIONS
    assert len(api.path.read_text(encoding="utf-8").splitlines()) < 300  # 164 before the federation's six


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
