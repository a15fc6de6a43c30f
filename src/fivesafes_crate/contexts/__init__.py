"""Offline JSON-LD contexts: the bundled files and the only document loader the library ever uses.

The files in this folder are byte-exact copies of the published contexts (see ``SOURCES.md``). A context URL
that is not listed here raises :class:`~fivesafes_crate.errors.ContextUnavailable`; nothing is ever fetched.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from ..errors import ContextUnavailable

_FILES: dict[str, str] = {
    "https://w3id.org/ro/crate/1.0/context": "ro-crate-1.0-context.jsonld",
    "https://w3id.org/ro/crate/1.1/context": "ro-crate-1.1-context.jsonld",
    "https://w3id.org/ro/crate/1.2-DRAFT/context": "ro-crate-1.2-DRAFT-context.jsonld",
    "https://w3id.org/ro/crate/1.2/context": "ro-crate-1.2-context.jsonld",
    "https://w3id.org/ro/crate/1.3/context": "ro-crate-1.3-context.jsonld",
    "https://w3id.org/ro/terms/workflow-run/context": "workflow-run-context.jsonld",
}


def canonical_context_url(url: str) -> str | None:
    """The bundled URL that ``url`` denotes (http/https and a trailing slash or ``.jsonld`` tolerated)."""
    candidate = url.strip()
    if candidate.startswith("http://"):
        candidate = "https://" + candidate[len("http://") :]
    candidate = candidate.rstrip("/")
    for suffix in (".jsonld", ".json"):
        if candidate.endswith(suffix):
            candidate = candidate[: -len(suffix)]
    return candidate if candidate in _FILES else None


def bundled_context_urls() -> tuple[str, ...]:
    """The context URLs served offline."""
    return tuple(_FILES)


@cache
def load_context(url: str) -> dict[str, Any]:
    """The parsed JSON document of a bundled context; raises :class:`ContextUnavailable` otherwise."""
    canonical = canonical_context_url(url)
    if canonical is None:
        raise ContextUnavailable(url)
    text = resources.files(__package__).joinpath(_FILES[canonical]).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


@cache
def _processing_context(url: str) -> dict[str, Any]:
    """A bundled context as served to the JSON-LD processor: without ``@base``.

    The RO-Crate 1.0 context sets ``"@base": null`` so that relative ``@id``s stay relative; the validator
    needs them resolved on its own base (see ``model/graph.py``) to tell in-crate ids from escaping ones.
    """
    document = load_context(url)
    context = document.get("@context")
    if isinstance(context, dict) and "@base" in context:
        return {**document, "@context": {k: v for k, v in context.items() if k != "@base"}}
    return document


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pyld document loader that serves bundled contexts and refuses every other URL."""
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": _processing_context(url),
    }


@cache
def term_definitions(url: str) -> dict[str, Any]:
    """The term definitions of a bundled context (its ``@context`` object, arrays merged)."""
    context = load_context(url).get("@context", {})
    merged: dict[str, Any] = {}
    for part in context if isinstance(context, list) else [context]:
        if isinstance(part, dict):
            merged.update(part)
    return merged
