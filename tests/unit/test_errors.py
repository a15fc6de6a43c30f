"""The error tree: every error says where (path, entity_id) in one line."""

from __future__ import annotations

import pytest

from fivesafes_crate.errors import (
    ContextUnavailable,
    CrateReadError,
    FiveSafesError,
    UnsafeInputError,
    UsageError,
)


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


@pytest.mark.parametrize("cls", [CrateReadError, UnsafeInputError, ContextUnavailable, UsageError])
def test_every_error_is_a_fivesafes_error(cls: type[FiveSafesError]) -> None:
    assert issubclass(cls, FiveSafesError)


def test_unsafe_input_is_a_read_error() -> None:
    assert issubclass(UnsafeInputError, CrateReadError)


def test_context_unavailable_names_the_url() -> None:
    error = ContextUnavailable("https://example.org/ctx", path="ro-crate-metadata.json")
    assert error.url == "https://example.org/ctx"
    assert "'https://example.org/ctx'" in str(error)
    assert str(error).startswith("ro-crate-metadata.json: ")
    assert "never fetched" in error.message
