"""Options shared by several commands, as ``Annotated`` types and ``Enum`` choices."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer


class SeverityChoice(enum.StrEnum):
    """The lowest requirement level that makes a crate invalid."""

    must = "must"
    should = "should"
    may = "may"


class Format(enum.StrEnum):
    """Output format of a report."""

    text = "text"
    json = "json"


class ReportFormat(enum.StrEnum):
    """Output format of a validation report: for people, for scripts, or for CI systems."""

    text = "text"
    json = "json"
    sarif = "sarif"
    junit = "junit"


class StageChoice(enum.StrEnum):
    """A lifecycle stage, to override the one inferred from the crate's actions."""

    request = "request"
    under_review = "under-review"
    executing = "executing"
    executed = "executed"
    disclosure_checked = "disclosure-checked"
    published = "published"


class EngineChoice(enum.StrEnum):
    """A SHACL engine: the fast Rust one (``fivesafes-crate[fast]``) or pySHACL, the reference.

    The values are :data:`fivesafes_crate.validation.shacl_engines.ENGINE_NAMES`, spelled here so that parsing
    the options imports no RDF library (``tests/cli/test_engine_option.py`` keeps the two equal).
    """

    shacl = "shacl"
    pyshacl = "pyshacl"


PathArg = Annotated[
    Path,
    typer.Argument(
        help="Crate folder, its ro-crate-metadata.json, a BagIt folder, or a ZIP holding a bag or a crate.",
        show_default=False,
    ),
]
PathsArg = Annotated[
    list[Path],
    typer.Argument(
        help="One or more crates: crate folder, its ro-crate-metadata.json, a BagIt folder, or a ZIP holding a bag "
        "or a crate.",
        metavar="PATH",
        show_default=False,
    ),
]
ProfileOpt = Annotated[
    str | None,
    typer.Option("--profile", help="Profile version or IRI (0.4, 0.5-DRAFT); default: the root's conformsTo "
                 "(exactly a supported IRI), else 0.4."),
]
OfflineOpt = Annotated[
    bool,
    typer.Option("--offline", help="Accepted for rocrate-validator users; has no effect: nothing is ever fetched."),
]
StageOpt = Annotated[
    StageChoice | None,
    typer.Option("--stage", help="Validate as this lifecycle stage instead of the one inferred from actions."),
]
PhaseAliasOpt = Annotated[
    StageChoice | None,
    typer.Option("--phase", hidden=True, help="Deprecated name of --stage, kept for one release."),
]
SeverityOpt = Annotated[
    SeverityChoice,
    typer.Option("--severity", help="Lowest requirement level that makes the crate invalid."),
]
FormatOpt = Annotated[Format, typer.Option("--format", help="Output format.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace an existing output file (refused otherwise).")]
ReportFormatOpt = Annotated[
    ReportFormat,
    typer.Option("--format", help="Output format: text, json (one crate), sarif (SARIF 2.1.0 for code scanning) "
                 "or junit (JUnit XML test report)."),
]
EngineOpt = Annotated[
    EngineChoice | None,
    typer.Option("--engine", help="SHACL engine: shacl (fast, the default when installed) or pyshacl (the "
                 "reference); both find the same."),
]
TrustOpt = Annotated[
    Path | None,
    typer.Option("--trust", metavar="TOML", help="Trust store: verify the bag's signatures with its keys "
                 "(docs/signing.md)."),
]
TrustPolicyOpt = Annotated[
    str | None,
    typer.Option("--policy", metavar="NAME", help="With --trust: also require this policy of the trust store."),
]
