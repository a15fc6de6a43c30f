"""The public names introspect as they are typed (issue 18 item 12): ``typing.get_type_hints()`` resolves every
annotation of every callable of ``__all__`` and of the methods of public classes, so that a TRE service can wrap
them with pydantic, FastAPI or beartype; ``help()`` shows each name's own docstring."""

from __future__ import annotations

import inspect
import pydoc
import typing
from collections.abc import Callable, Iterator

import pytest

import fivesafes_crate

PUBLIC = [name for name in fivesafes_crate.__all__ if name != "__version__"]


def _callables() -> Iterator[tuple[str, Callable[..., object]]]:
    for name in PUBLIC:
        value = getattr(fivesafes_crate, name)
        if inspect.isclass(value):
            yield name, value
            for attribute, member in vars(value).items():
                if attribute.startswith("_") and attribute != "__init__":
                    continue
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if isinstance(member, property):
                    member = member.fget
                if inspect.isfunction(member):
                    yield f"{name}.{attribute}", member
        elif inspect.isfunction(value):
            yield name, value


CALLABLES = dict(_callables())


def test_every_public_callable_is_found() -> None:
    assert {"validate", "record_check", "Crate", "Crate.__init__", "Report", "TrustStore"} <= set(CALLABLES)
    assert len(CALLABLES) > 200


@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_type_hints_resolve(name: str) -> None:
    hints = typing.get_type_hints(CALLABLES[name])
    assert isinstance(hints, dict)


@pytest.mark.parametrize("name", [n for n in PUBLIC if inspect.isfunction(getattr(fivesafes_crate, n))])
def test_help_shows_the_real_docstring(name: str) -> None:
    value = getattr(fivesafes_crate, name)
    page = pydoc.render_doc(value, renderer=pydoc.plaintext)
    summary = inspect.getdoc(value).splitlines()[0]
    assert summary and summary in page
    assert "Import a public name" not in page  # not the lazy loader's
    assert value.__module__ != "fivesafes_crate"
