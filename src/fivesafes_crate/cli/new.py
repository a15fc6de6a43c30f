"""``fivesafes new``: author a request crate folder from a spec file or from options."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import fivesafes_crate

from ._app import EXIT_INVALID, EXIT_VALID, app, finish
from .render import console_text, shown

if TYPE_CHECKING:
    from fivesafes_crate import Crate

HELP = """Author a Five Safes request crate folder OUT (which must not exist).

Give a request spec file (YAML or JSON; schema in
docs/reference/request-spec.schema.json) with --spec, or the same values as
options; a missing value is asked for on a terminal. Prints the folder
created and whether the crate validates at should.

Exit status: 0 valid, 1 created but invalid, 2 error (nothing written).

[bold]Example:[/]

  fivesafes new my-request --profile 0.4 \\
    --workflow "https://workflowhub.eu/workflows/1042?version=3" \\
    --workflow-name "Age-banded cohort counts" \\
    --input cohort=input.csv --param age_band_width=10 \\
    --agent https://orcid.org/0000-0002-1825-0097 \\
    --agent-name "Josiah Carberry" \\
    --affiliation https://ror.org/027m9bs27 \\
    --affiliation-name "The University of Manchester" \\
    --project "Diabetes outcomes in primary care" \\
    --project-id safehaven=project-81 \\
    --funding "https://gtr.ukri.org/projects?ref=MR%2FX012345%2F1=Diabetes" \\
    --name "Cohort counts by age band"

[bold]Spec file example[/] (fivesafes new my-request --spec request.yaml):

[dim]profile: "0.4"
name: Cohort counts by age band
workflow:
  url: https://workflowhub.eu/workflows/1042?version=3
  name: Age-banded cohort counts
inputs:
  - name: cohort
    file: input.csv
  - name: age_band_width
    value: 10
agent:
  id: https://orcid.org/0000-0002-1825-0097
  name: Josiah Carberry
  affiliation:
    id: https://ror.org/027m9bs27
    name: The University of Manchester
project:
  name: Diabetes outcomes in primary care
  identifiers:
    - tre: safehaven
      id: project-81[/]
"""

OutArg = Annotated[
    Path, typer.Argument(help="The crate folder to create (must not exist).", metavar="OUT", show_default=False)
]


def _opt(flag: str, metavar: str, text: str) -> typer.models.OptionInfo:
    return typer.Option(flag, metavar=metavar, help=text, show_default=False)  # type: ignore[no-any-return]


Value = str | None
Values = list[str] | None
SpecOpt = Annotated[Path | None, _opt("--spec", "FILE", "Request spec file (YAML or JSON).")]
ProfileOpt = Annotated[Value, _opt("--profile", "VERSION", "Profile version: 0.4 (default) or 0.5-DRAFT.")]
WorkflowOpt = Annotated[Value, _opt("--workflow", "URL_OR_PATH",
                                    "Versioned workflow URL, or a local Workflow RO-Crate folder or ZIP.")]
WorkflowNameOpt = Annotated[Value, _opt("--workflow-name", "TEXT",
                                        "Name of the workflow (default for a local crate: its own name).")]
InputOpt = Annotated[Values, _opt("--input", "NAME=FILE", "Input file (repeatable).")]
ParamOpt = Annotated[Values, _opt("--param", "NAME=VALUE", "Parameter value, as text (repeatable).")]
AgentOpt = Annotated[Value, _opt("--agent", "ORCID_OR_URI", "ORCID or other URI of the requesting person.")]
AgentNameOpt = Annotated[Value, _opt("--agent-name", "TEXT", "Name of the requesting person.")]
AffiliationOpt = Annotated[Value, _opt("--affiliation", "ROR_OR_NAME",
                                       "ROR id (or URI) or name of the person's organisation.")]
AffiliationNameOpt = Annotated[Value, _opt("--affiliation-name", "TEXT",
                                           "Name of the organisation, when --affiliation is an id.")]
ProjectOpt = Annotated[Value, _opt("--project", "URI_OR_NAME", "URI or name of the responsible project.")]
ProjectNameOpt = Annotated[Value, _opt("--project-name", "TEXT", "Name of the project, when --project is a URI.")]
ProjectIdOpt = Annotated[Values, _opt("--project-id", "TRE=ID", "TRE-specific project id (repeatable, at least one).")]
FundingOpt = Annotated[Value, _opt("--funding", "URI=NAME", "Funding grant of the project.")]
NameOpt = Annotated[Value, _opt("--name", "TEXT", "Name of the request.")]
DescriptionOpt = Annotated[Value, _opt("--description", "TEXT", "Description of the request.")]


def _interactive() -> bool:
    """True when missing values may be asked for (stdin is a terminal)."""
    return sys.stdin.isatty()


class _Asker:
    """Fills in missing required values: a prompt on a terminal, else a one-line usage error (exit 2)."""

    def __init__(self, ctx: typer.Context) -> None:
        self.ctx = ctx
        self.interactive = _interactive()

    def __call__(self, value: str | None, option: str, question: str) -> str:
        if value is not None and value.strip():
            return value
        if not self.interactive:
            self.ctx.fail(f"missing {option} (or give --spec FILE)")
        answer: str = typer.prompt(question)
        return answer


@app.command(help=HELP)
def new(
    ctx: typer.Context,
    out: OutArg,
    spec: SpecOpt = None,
    profile: ProfileOpt = None,
    workflow: WorkflowOpt = None,
    workflow_name: WorkflowNameOpt = None,
    inputs: InputOpt = None,
    params: ParamOpt = None,
    agent: AgentOpt = None,
    agent_name: AgentNameOpt = None,
    affiliation: AffiliationOpt = None,
    affiliation_name: AffiliationNameOpt = None,
    project: ProjectOpt = None,
    project_name: ProjectNameOpt = None,
    project_ids: ProjectIdOpt = None,
    funding: FundingOpt = None,
    name: NameOpt = None,
    description: DescriptionOpt = None,
) -> None:
    # deferred: start-up (the CLI loads the library only for the command that runs)
    from fivesafes_crate import Severity

    # deferred: start-up (the CLI loads the library only for the command that runs)
    from ..authoring.spec import looks_like_id, options_spec

    if spec is not None:
        given = [flag for flag, value in (("--profile", profile), ("--workflow", workflow), ("--agent", agent),
                                          ("--project", project), ("--name", name), ("--input", inputs),
                                          ("--param", params), ("--project-id", project_ids)) if value]
        if given:
            ctx.fail(f"--spec cannot be combined with {given[0]}")
        spec_file = spec

        def job() -> Crate:
            return fivesafes_crate.create_request(fivesafes_crate.load_request_spec(spec_file), out)
    else:
        ask = _Asker(ctx)
        workflow = ask(workflow, "--workflow", "Workflow URL, or local Workflow RO-Crate folder or ZIP")
        if workflow.startswith(("http://", "https://")):
            workflow_name = ask(workflow_name, "--workflow-name", "Workflow name")
        agent = ask(agent, "--agent", "Your ORCID (or other URI)")
        agent_name = ask(agent_name, "--agent-name", "Your name")
        affiliation = ask(affiliation, "--affiliation", "Your organisation: ROR id or name")
        if looks_like_id(affiliation):
            affiliation_name = ask(affiliation_name, "--affiliation-name", "Name of your organisation")
        project = ask(project, "--project", "Responsible project: URI or name")
        if looks_like_id(project):
            project_name = ask(project_name, "--project-name", "Name of the project")
        project_ids = project_ids or [ask(None, "--project-id", "Project id at the TRE, as TRE=ID")]
        name = ask(name, "--name", "Name of the request")

        def job() -> Crate:
            return fivesafes_crate.create_request(options_spec(
                profile=profile, workflow=workflow, workflow_name=workflow_name, inputs=inputs or [],
                params=params or [], agent=agent, agent_name=agent_name, affiliation=affiliation,
                affiliation_name=affiliation_name, project=project, project_name=project_name,
                project_ids=project_ids or [], funding=funding, name=name, description=description,
            ), out)

    def render(crate: Crate) -> tuple[str, int]:
        report = fivesafes_crate.validate(out, threshold=Severity.SHOULD)
        must = sum(1 for issue in report.issues if issue.severity is Severity.MUST)
        should = sum(1 for issue in report.issues if issue.severity is Severity.SHOULD)
        verdict = "[bold green]valid[/] at should" if report.valid else (
            f"[bold red]invalid[/] at should ({must} must, {should} should: "
            f"see 'fivesafes validate {shown(str(out))} --severity should')"
        )
        profile = shown(report.profile or "none")
        summary = f"created {shown(str(out))}\n{verdict} — profile {profile}, stage {report.stage_label}"
        return console_text(summary), EXIT_VALID if report.valid else EXIT_INVALID

    finish(job, render)
