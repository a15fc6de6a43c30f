"""The bundled contexts and the only document loader: nothing is ever fetched."""

from __future__ import annotations

import json
import socket
from importlib import resources
from pathlib import Path

import pytest
from pyld import jsonld

from fivesafes_crate.contexts import (
    bundled_context_urls,
    canonical_context_url,
    document_loader,
    load_context,
    term_definitions,
)
from fivesafes_crate.errors import ContextUnavailable

RO_CRATE_1_2 = "https://w3id.org/ro/crate/1.2/context"


def test_every_bundled_url_has_a_parsable_file() -> None:
    urls = bundled_context_urls()
    assert "https://w3id.org/ro/crate/1.1/context" in urls
    assert "https://w3id.org/ro/crate/1.2-DRAFT/context" in urls
    for url in urls:
        document = load_context(url)
        assert "@context" in document, url
        assert term_definitions(url), url


def test_files_are_json_and_listed_in_sources() -> None:
    folder = resources.files("fivesafes_crate.contexts")
    sources = folder.joinpath("SOURCES.md").read_text(encoding="utf-8")
    for url in bundled_context_urls():
        assert f"`{url}`" in sources, url
    for item in folder.iterdir():
        if item.name.endswith(".jsonld"):
            json.loads(item.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "variant",
    [RO_CRATE_1_2, "http://w3id.org/ro/crate/1.2/context", RO_CRATE_1_2 + "/", RO_CRATE_1_2 + ".jsonld",
     " " + RO_CRATE_1_2 + " ", RO_CRATE_1_2 + ".json"],
)
def test_canonical_url_tolerates_scheme_slash_and_suffix(variant: str) -> None:
    assert canonical_context_url(variant) == RO_CRATE_1_2


@pytest.mark.parametrize(
    "url", ["https://example.org/context", "https://w3id.org/ro/crate/9.9/context", "", "context.jsonld"]
)
def test_unknown_url_raises_context_unavailable(url: str) -> None:
    assert canonical_context_url(url) is None
    with pytest.raises(ContextUnavailable) as info:
        load_context(url)
    assert info.value.url == url
    with pytest.raises(ContextUnavailable):
        document_loader(url)


def test_document_loader_serves_bundled_documents() -> None:
    remote = document_loader(RO_CRATE_1_2, {})
    assert remote["documentUrl"] == RO_CRATE_1_2
    assert remote["contextUrl"] is None
    assert remote["document"] is load_context(RO_CRATE_1_2)


def test_term_definitions_merge_arrays() -> None:
    terms = term_definitions(RO_CRATE_1_2)
    assert terms["Dataset"] == "http://schema.org/Dataset"
    assert "hasPart" in terms


def test_loader_never_opens_a_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[object] = []

    class Refuse(socket.socket):
        def __init__(self, *args: object, **kwargs: object) -> None:
            opened.append(args)
            raise AssertionError("socket opened")

    monkeypatch.setattr(socket, "socket", Refuse)
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: opened.append(a))
    for url in bundled_context_urls():
        document_loader(url)
    with pytest.raises(ContextUnavailable):
        document_loader("https://example.org/never")
    document = {"@context": [RO_CRATE_1_2, "https://example.org/never"], "@id": "x", "name": "n"}
    with pytest.raises(Exception) as info:
        jsonld.expand(document, {"documentLoader": document_loader})
    assert "https://example.org/never" in repr(info.value) or info.value.__cause__ is not None
    assert opened == []


def test_no_module_can_fetch() -> None:
    """No module of the library imports a network client or asks for one of pyld's fetching loaders."""
    root = Path(str(resources.files("fivesafes_crate")))
    forbidden = ("import socket", "urllib.request", "http.client", "import requests", "aiohttp",
                 "requests_document_loader", "aiohttp_document_loader")
    for path in root.rglob("*.py"):
        if path.name == "_pyld.py":  # names the HTTP clients in order to hide them from pyld
            continue
        text = path.read_text(encoding="utf-8")
        assert not [word for word in forbidden if word in text], path


def test_importing_the_graph_layer_loads_no_http_client() -> None:
    """pyld would import requests (and urllib3 would bind a probe socket) if it were not hidden."""
    import subprocess
    import sys

    code = (
        "import sys, fivesafes_crate.model.graph as g; "
        "print(sorted(m for m in ('requests', 'urllib3', 'aiohttp') if sys.modules.get(m)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
