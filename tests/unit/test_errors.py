"""The error tree: one parent per kind of mistake, every class of the package in it, drawn as it is."""

from __future__ import annotations

import errno
import importlib
import re
import textwrap
from pathlib import Path

import pytest

import fivesafes_crate
from fivesafes_crate import errors
from fivesafes_crate.errors import (
    ContextUnavailable,
    CrateError,
    CrateReadError,
    CrateStateError,
    FiveSafesError,
    StorageError,
    SuppliedFileError,
    TrustError,
    UnsafeInputError,
    UsageError,
)
from fivesafes_crate.model.safe_files import writing

PACKAGE = Path(fivesafes_crate.__file__).parent
GUIDE = PACKAGE.parents[1] / "docs" / "guide.md"
PARENTS = (CrateError, SuppliedFileError, UsageError, CrateStateError, TrustError, StorageError)
"""What the user did wrong: the input crate, another file given, an argument, the crate's state, a signature
or trust failure, a place that cannot be written."""


def _package_exceptions() -> dict[str, type[BaseException]]:
    """Every exception class defined in a module of the package, by name (every module is imported)."""
    found: dict[str, type[BaseException]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__main__":
            continue  # running it runs the CLI
        module = importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseException) and value.__module__ == module.__name__:
                assert found.get(value.__name__, value) is value, f"two exception classes named {value.__name__}"
                found[value.__name__] = value
    return found


CLASSES = _package_exceptions()
IN_TREE = {name: cls for name, cls in CLASSES.items() if issubclass(cls, FiveSafesError)}
OUTSIDE = {name: cls for name, cls in CLASSES.items() if not issubclass(cls, FiveSafesError)}


def _tree_block() -> str:
    """The drawing in errors.py's docstring, dedented."""
    return textwrap.dedent(errors.__doc__.split("::\n\n", 1)[1].split("\n\n", 1)[0])  # type: ignore[union-attr]


def _drawn() -> dict[str, tuple[str | None, str | None]]:
    """Each drawn class name with its drawn parent (None for the root) and module note (None: errors.py)."""
    drawn: dict[str, tuple[str | None, str | None]] = {}
    ancestors: list[str] = []
    for line in _tree_block().splitlines():
        match = re.fullmatch(r"(?P<lead>[│├└─ ]*)(?P<name>\w+)\s+.*?(?:\((?P<module>[a-z_.]+)\))?", line)
        assert match is not None, f"not a line of the tree: {line!r}"
        depth = len(match["lead"]) // 4
        assert len(match["lead"]) == 4 * depth and depth <= len(ancestors), f"misdrawn line: {line!r}"
        del ancestors[depth:]
        assert match["name"] not in drawn, f"{match['name']} is drawn twice"
        drawn[match["name"]] = (ancestors[-1] if ancestors else None, match["module"])
        ancestors.append(match["name"])
    return drawn


def test_message_alone() -> None:
    error = FiveSafesError("cannot do it")
    assert str(error) == "cannot do it"
    assert (error.message, error.path, error.entity_id) == ("cannot do it", None, None)


def test_path_and_entity_prefix_the_message() -> None:
    error = CrateReadError("not valid JSON (line 12)", path="data/ro-crate-metadata.json")
    assert str(error) == "data/ro-crate-metadata.json: not valid JSON (line 12)"
    error = FiveSafesError("no agent", path="ro-crate-metadata.json", entity_id="#check-1")
    assert str(error) == "ro-crate-metadata.json: #check-1: no agent"
    assert str(FiveSafesError("no agent", entity_id="./")) == "./: no agent"


def test_the_package_has_exception_classes_to_check() -> None:
    assert len(CLASSES) > 30 and {"StepRefused", "SigningKeyError", "TooLargeError"} <= set(IN_TREE)


@pytest.mark.parametrize("name", sorted(IN_TREE))
def test_every_error_descends_from_one_parent_of_what_the_user_did_wrong(name: str) -> None:
    cls = IN_TREE[name]
    if cls is FiveSafesError or cls in PARENTS:
        assert cls.__bases__ == ((Exception,) if cls is FiveSafesError else (FiveSafesError,))
        return
    assert len(cls.__bases__) == 1, f"{name} has several bases"
    assert [parent for parent in PARENTS if issubclass(cls, parent)], f"{name} is under no parent of errors.py"


def test_the_parents_are_the_roots_children() -> None:
    children = {cls for cls in IN_TREE.values() if cls.__bases__ == (FiveSafesError,)}
    assert children == set(PARENTS)


def test_the_drawn_tree_is_the_class_tree() -> None:
    drawn = _drawn()
    assert set(drawn) == set(IN_TREE), "the drawing and the classes differ"
    for name, (parent, module) in drawn.items():
        cls = IN_TREE[name]
        expected = None if cls is FiveSafesError else cls.__bases__[0].__name__
        assert parent == expected, f"{name} is drawn under {parent}, but inherits from {expected}"
        assert cls.__module__ == f"fivesafes_crate.{module or 'errors'}", f"{name} is drawn in the wrong module"


def test_classes_outside_the_tree_are_named_and_say_why() -> None:
    paragraph = errors.__doc__.split("Outside the tree", 1)[1].split("\n\n", 1)[0]  # type: ignore[union-attr]
    listed = set(re.findall(r"\b_?[A-Z]\w+\b", paragraph)) - {"CLI", "SHACL"}
    assert listed == set(OUTSIDE)
    for name, cls in OUTSIDE.items():
        reason = (cls.__doc__ or "").lower()
        assert "internal" in reason or "defect" in reason, f"{name} does not say why it is outside the tree"


def test_the_guide_draws_the_same_tree() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    assert f"```text\n{_tree_block()}\n```" in guide


@pytest.mark.parametrize("cls", [CrateReadError, UnsafeInputError, ContextUnavailable, UsageError, StorageError])
def test_every_error_is_a_fivesafes_error(cls: type[FiveSafesError]) -> None:
    assert issubclass(cls, FiveSafesError)


def test_unsafe_input_is_a_read_error_of_the_crate() -> None:
    assert issubclass(UnsafeInputError, CrateReadError) and issubclass(CrateReadError, CrateError)


def test_context_unavailable_names_the_url() -> None:
    error = ContextUnavailable("https://example.org/ctx", path="ro-crate-metadata.json")
    assert error.url == "https://example.org/ctx"
    assert "'https://example.org/ctx'" in str(error)
    assert str(error).startswith("ro-crate-metadata.json: ")
    assert "never fetched" in error.message


def test_a_storage_error_says_where_and_why_in_the_systems_words() -> None:
    error = StorageError.from_os_error(OSError(errno.EROFS, "Read-only file system", "/mnt/.x.tmp"), Path("out.zip"))
    assert str(error) == "out.zip: cannot write here (read-only file system)"
    assert (error.path, error.reason, error.errno) == ("out.zip", "read-only file system", errno.EROFS)
    assert str(StorageError.from_os_error(OSError("odd"), "out")) == "out: cannot write here (odd)"


def test_writing_turns_os_errors_into_storage_errors_naming_the_output(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as caught, writing(tmp_path / "out.zip"):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".out.zip.1234.tmp"))
    assert str(caught.value) == f"{tmp_path / 'out.zip'}: cannot write here (permission denied)"
    assert isinstance(caught.value.__cause__, PermissionError)


def test_writing_renames_a_storage_error_about_a_temporary_copy(tmp_path: Path) -> None:
    inner = StorageError(tmp_path / ".bag.fivesafes-step-1.tmp" / "bag", "no space left on device", errno=errno.ENOSPC)
    with pytest.raises(StorageError) as caught, writing("request.zip"):
        raise inner
    assert (caught.value.path, caught.value.errno) == ("request.zip", errno.ENOSPC)
    assert caught.value.__cause__ is inner
    with pytest.raises(StorageError) as same, writing("request.zip"):
        raise caught.value
    assert same.value is caught.value


def test_writing_lets_every_other_error_through() -> None:
    with pytest.raises(UsageError), writing("out.zip"):
        raise UsageError("already exists")
