"""Authoring request crates: the request spec (typed values and spec files) and the crate builder.

Use it through :func:`fivesafes_crate.api.load_request_spec` and :func:`fivesafes_crate.api.create_request`.
"""

from __future__ import annotations

from .builder import create_request
from .spec import (
    AgentSpec,
    GrantSpec,
    InputFileError,
    InputSpec,
    OrganizationSpec,
    ProjectIdentifier,
    ProjectSpec,
    RequestSpec,
    SpecError,
    WorkflowSpec,
    load_request_spec,
)
from .workflow import UnknownInputError, WorkflowCrateError

__all__ = [
    "AgentSpec",
    "GrantSpec",
    "InputFileError",
    "InputSpec",
    "OrganizationSpec",
    "ProjectIdentifier",
    "ProjectSpec",
    "RequestSpec",
    "SpecError",
    "UnknownInputError",
    "WorkflowCrateError",
    "WorkflowSpec",
    "create_request",
    "load_request_spec",
]
