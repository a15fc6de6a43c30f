"""The preview page a step writes into the crate (``ro-crate-preview.html``): where the crate stands, in HTML.

:func:`render_preview` turns a crate (and, when given, its validation report and a bag's signatures) into one
page with five sections: the **request** (workflow, requesting agent, responsible project, inputs and
parameters), the **lifecycle** timeline (one row per recorded action: step, outcome, agents, time, the action's
name), the **results** (files and folders with names, formats and sizes; value results, ``PropertyValue``, with
their value; each output's screening outcome and the worst of them), the **signatures** (each envelope of the
bag as it claims: number, role, signer, time; not verified) and the **validation** summary.

A crate is untrusted input, so the page is built for it:

* every string taken from the crate is HTML-escaped (attributes are always double-quoted), stripped of
  control characters and lone surrogates, and cut at :data:`MAX_TEXT` characters;
* nothing is loaded: no script, image, font, style sheet or frame; the styles are inline, and a
  Content-Security-Policy ``default-src 'none'; style-src 'unsafe-inline'`` blocks anything that would slip in;
* only absolute ``http(s)`` URLs of the crate become links (plain anchors, no referrer); any other value is
  shown as text.

The page is deterministic: the same crate and report give the same bytes (no generation time, no version), so
lifecycle golden files stay byte-identical. The RO-Crate Website is no part of the payload and is never listed
in ``hasPart`` (RO-Crate 1.2, "RO-Crate Website"); the lifecycle steps rewrite it in every commit.

This module is a pure function of the crate (and a report and signatures): it imports
:mod:`~fivesafes_crate.model` and :mod:`~fivesafes_crate.issues` only, so
that the steps that write the page (:mod:`fivesafes_crate.phases`) sit above it. Reading a crate from disk,
validating it and writing the page elsewhere is :mod:`fivesafes_crate.reporting.preview`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from html import escape
from urllib.parse import urlsplit

from .issues import Issue, Report, ScreeningOutcome, Severity, Stage
from .model.crate import Crate
from .model.entities import JSON, Entity, as_list, has_type, iri_values, ref_ids
from .model.lifecycle import Status, Step, TimelineRow, main_action, timeline_of
from .model.reviews import disclosure_checks, reviewed, reviews_of, screening_of
from .model.signatures import ClaimedSignature
from .model.vocab import workflow_version

MAX_TEXT = 2000
"""Longest text taken from the crate, in characters; longer values are cut and end with an ellipsis."""

MAX_ISSUES = 10
"""How many validation issues the summary lists (the counts cover all of them)."""

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
"""Nothing may be loaded or submitted; only the page's own inline styles apply."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f\"'<>\\`]")

_STEP_KEYS = {
    Step.CHECK: "check",
    Step.VALIDATION: "validation",
    Step.RETRIEVAL: "retrieval",
    Step.SIGN_OFF: "sign-off",
    Step.EXECUTION: "execution",
    Step.DISCLOSURE: "disclosure",
    Step.PUBLISHING: "publishing",
}

_STYLE = """
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--head:#0b3d62}
*{box-sizing:border-box}
body{margin:0;color:var(--ink);background:#fff;font:15px/1.5 system-ui,"Segoe UI","Liberation Sans",sans-serif}
header{background:var(--head);color:#fff;padding:1.4rem 2rem 1.2rem}
header h1{margin:0 0 .3rem;font-size:1.6rem;line-height:1.25}
header p{margin:.2rem 0 .6rem;max-width:60rem;color:#dbe7f3}
header dl{display:flex;flex-wrap:wrap;gap:.3rem 1.6rem;margin:.4rem 0 0}
header dt{color:#a9c3dc;font-size:.8rem;text-transform:uppercase;letter-spacing:.04em}
header dd{margin:0}
header a{color:#fff}
main{padding:.5rem 2rem 2rem;max-width:78rem}
section{margin-top:1.6rem}
h2{font-size:1.2rem;border-bottom:2px solid var(--line);padding-bottom:.3rem;margin:0 0 .8rem}
h3{font-size:1rem;margin:1.2rem 0 .5rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1.2rem;margin:0}
dl.facts dt{color:var(--muted);font-weight:600}
dl.facts dd{margin:0}
table{border-collapse:collapse;width:100%;font-size:.93rem}
th,td{text-align:left;vertical-align:top;padding:.45rem .6rem;border-bottom:1px solid var(--line)}
th{background:var(--soft);font-weight:600;white-space:nowrap}
td,dd,p{overflow-wrap:break-word}
code{font:.88em/1.4 ui-monospace,"DejaVu Sans Mono","Liberation Mono",monospace;background:var(--soft);
padding:.05rem .3rem;border-radius:4px;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.num{text-align:right;white-space:nowrap}
.badge{display:inline-block;padding:.05rem .55rem;border-radius:999px;font-size:.82rem;font-weight:600;
white-space:nowrap;border:1px solid transparent}
.completed,.valid,.pass{background:#dafbe1;color:#116329;border-color:#4ac26b}
.failed,.invalid,.must,.fail{background:#ffebe9;color:#a40e26;border-color:#ff8182}
.active,.should,.review{background:#fff8c5;color:#7d4e00;border-color:#d4a72c}
.potential,.may{background:#ddf4ff;color:#0550ae;border-color:#54aeff}
.unknown,.stage,.not-validated,.not-checked{background:#eff2f5;color:#424a53;border-color:#c8d1da}
tr[data-status="failed"] td{background:#fff5f5}
table.counts{width:auto;min-width:16rem;margin-top:.8rem}
.time{white-space:nowrap}
footer{border-top:1px solid var(--line);margin:2rem 2rem 0;padding:.8rem 0 1.5rem;color:var(--muted);
font-size:.85rem}
"""


# --- text ---------------------------------------------------------------------------------------------------


def _clean(text: str) -> str:
    """Text fit for an HTML5 document: no control characters or lone surrogates, at most MAX_TEXT characters."""
    cleaned = _CONTROL.sub("\ufffd", text)
    return cleaned if len(cleaned) <= MAX_TEXT else cleaned[: MAX_TEXT - 1] + "…"


def _e(text: str) -> str:
    """Cleaned and escaped for text and double-quoted attribute values."""
    return escape(_clean(text), quote=True)


def _web_url(value: str) -> bool:
    """True for an absolute http(s) URL that can be an ``href`` as it is."""
    if len(value) > MAX_TEXT or _URL_FORBIDDEN.search(value) or _CONTROL.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _link(url: str | None, label: str) -> str:
    """``label`` (already HTML) as a plain anchor to ``url`` when it is a web URL, else ``label`` alone."""
    if url is None or not _web_url(url):
        return label
    return f'<a href="{_e(url)}" rel="noopener noreferrer">{label}</a>'


def _scalar(value: JSON) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return repr(value)
    return None


class _Reader:
    """Reads property values of the crate as text, following references to the entities' names."""

    def __init__(self, crate: Crate) -> None:
        self.crate = crate

    def entity(self, value: JSON) -> Entity | None:
        """The first entity a property value refers to (None when it refers to none described)."""
        for entity_id in ref_ids(value):
            found = self.crate.get(entity_id)
            if found is not None:
                return found
        return None

    def entities(self, value: JSON) -> list[tuple[str, Entity | None]]:
        """Each reference of a property value with its entity (None when not described)."""
        return [(entity_id, self.crate.get(entity_id)) for entity_id in ref_ids(value)]

    def name(self, entity: Entity | None, fallback: str = "") -> str:
        """The entity's ``name`` as text (a reference in it shown as its ``@id``), else ``fallback``."""
        name = self.text(entity.get("name"), follow=False) if entity is not None else ""
        return name or fallback

    def text(self, value: JSON, *, follow: bool = True) -> str:
        """A property value as text: literals as written, references by their entity's name (or ``@id``).

        References are followed one level only (``follow``), so names that refer to each other end.
        """
        parts: list[str] = []
        for item in as_list(value):
            literal = _scalar(item)
            if literal is not None:
                parts.append(literal)
            elif isinstance(item, dict) and "@value" in item:
                parts.append(_scalar(item["@value"]) or "")
            elif isinstance(item, dict) and isinstance(item.get("@id"), str):
                target = self.crate.get(item["@id"]) if follow else None
                parts.append(self.name(target, item["@id"]))
        return ", ".join(part.strip() for part in parts if part.strip())

    def named_link(self, entity_id: str, entity: Entity | None) -> str:
        """HTML: the entity's name (or ``@id``), linked to its ``@id`` or ``url`` when that is a web URL."""
        url = entity_id if _web_url(entity_id) else None
        if url is None and entity is not None:
            url = next((u for u in iri_values(entity.get("url")) if _web_url(u)), None)
        return _link(url, _e(self.name(entity, entity_id)))


def _size(value: JSON) -> str:
    """``contentSize`` as written, with a binary-prefixed reading when it is a number of bytes."""
    text = _scalar(value[0] if isinstance(value, list) and value else value)
    digits = text.strip() if text is not None else ""
    if not digits.isascii() or not digits.isdigit() or len(digits) > 30:
        return (text or "").strip()
    size = int(digits)
    if size < 1024:
        return f"{size} B"
    amount, unit = size / 1024, "KiB"
    for bigger in ("MiB", "GiB", "TiB"):
        if amount < 1024:
            break
        amount, unit = amount / 1024, bigger
    return f"{amount:.1f} {unit} ({size} bytes)"


def _cell(html: str) -> str:
    return f"<td>{html}</td>" if html else '<td class="muted">—</td>'


# --- sections -----------------------------------------------------------------------------------------------


def _header(reader: _Reader, crate: Crate, stage: Stage) -> tuple[str, str]:
    """The page title and the header: the root's name, description, profile, stage and publication."""
    root = crate.root or {}
    title = reader.text(root.get("name")) or "Untitled crate"
    facts: list[tuple[str, str]] = []
    profiles = reader.entities(root.get("conformsTo"))
    if profiles:
        facts.append(("Profile", ", ".join(reader.named_link(i, e) for i, e in profiles)))
    facts.append(("Stage", f'<span class="badge stage">{_e(stage.value)}</span>'))
    for label, key in (("Published", "datePublished"), ("Created", "dateCreated")):
        if reader.text(root.get(key)):
            facts.append((label, _e(reader.text(root.get(key)))))
    for label, key in (("Publisher", "publisher"), ("Licence", "license")):
        found = reader.entities(root.get(key))
        if found:
            facts.append((label, ", ".join(reader.named_link(i, e) for i, e in found)))
    description = reader.text(root.get("description"))
    lines = ["<header>", f"<h1>{_e(title)}</h1>"]
    if description:
        lines.append(f"<p>{_e(description)}</p>")
    lines.append("<dl>" + "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts) + "</dl>")
    lines.append("</header>")
    return title, "\n".join(lines)


def _facts(rows: list[tuple[str, str]]) -> str:
    return '<dl class="facts">\n' + "\n".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "\n</dl>"


def _request(reader: _Reader, crate: Crate, run: Entity | None) -> str:
    root = crate.root or {}
    rows: list[tuple[str, str]] = []
    for workflow_id, workflow in reader.entities(root.get("mainEntity"))[:1]:
        version = reader.text(workflow.get("version")) if workflow is not None else ""
        version = version or workflow_version(workflow_id) or ""
        rows.append(("Workflow", reader.named_link(workflow_id, workflow)))
        label = "Workflow URL" if _web_url(workflow_id) else "Workflow folder"
        rows.append((label, _link(workflow_id, f"<code>{_e(workflow_id)}</code>")))
        if version:
            rows.append(("Version", _e(version)))
    if run is not None:
        rows.append(("Requested run", _e(reader.text(run.get("name")) or str(run.get("@id")))))
        for agent_id, agent in reader.entities(run.get("agent")):
            affiliation = reader.text(agent.get("affiliation")) if agent is not None else ""
            extra = f' <span class="muted">({_e(affiliation)})</span>' if affiliation else ""
            rows.append(("Requested by", reader.named_link(agent_id, agent) + extra))
    for project_id, project in reader.entities(root.get("sourceOrganization")):
        rows.append(("Project", reader.named_link(project_id, project)))
        if project is not None:
            identifiers = [_identifier(reader, value) for value in as_list(project.get("identifier"))]
            if any(identifiers):
                rows.append(("Project identifiers", ", ".join(_e(i) for i in identifiers if i)))
            if reader.text(project.get("funding")):
                rows.append(("Funding", _e(reader.text(project.get("funding")))))
    body = [
        '<section id="request">',
        "<h2>Request</h2>",
        _facts(rows) if rows else '<p class="muted">The crate names no workflow, run or project.</p>',
        "<h3>Inputs and parameters</h3>",
        _inputs(reader, run),
        "</section>",
    ]
    return "\n".join(body)


def _identifier(reader: _Reader, value: JSON) -> str:
    entity = reader.entity(value)
    if entity is not None and has_type(entity, "PropertyValue"):
        name, text = reader.text(entity.get("name")), reader.text(entity.get("value"))
        return f"{name}: {text}" if name and text else name or text
    return reader.text(value)


def _inputs(reader: _Reader, run: Entity | None) -> str:
    found = reader.entities(run.get("object")) if run is not None else []
    if not found:
        return '<p class="muted">No inputs or parameters recorded.</p>'
    rows = []
    for entity_id, entity in found:
        if entity is None:
            rows.append(_row(("", _e(entity_id), "", "", "")))
            continue
        parameter = reader.text(entity.get("exampleOfWork"))
        if has_type(entity, "PropertyValue"):
            value = _e(reader.text(entity.get("value")))
        else:
            value = f"<code>{_e(entity_id)}</code>"
        rows.append(_row((_e(parameter), _e(reader.name(entity, entity_id)), value,
                          _e(reader.text(entity.get("encodingFormat"))), _e(_size(entity.get("contentSize"))))))
    return _table(("Parameter", "Input", "Value or file", "Format", "Size"), rows, 'class="inputs"')


def _row(cells: tuple[str, ...], attributes: str = "") -> str:
    opening = f"<tr {attributes}>" if attributes else "<tr>"
    return opening + "".join(_cell(cell) for cell in cells) + "</tr>"


def _table(headings: tuple[str, ...], rows: list[str], attributes: str) -> str:
    head = "<tr>" + "".join(f'<th scope="col">{h}</th>' for h in headings) + "</tr>"
    return f"<table {attributes}>\n<thead>{head}</thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"


def _status_badge(status: Status | None) -> str:
    label = status.label if status is not None else "no status"
    css = status.label if status is not None else "unknown"
    return f'<span class="badge {css}">{label}</span>'


def _when(row: TimelineRow) -> str:
    start, end = row.start or "", row.end or ""
    if start and end and start != end:
        return f'<span class="time">{_e(start)}</span> → <span class="time">{_e(end)}</span>'
    return f'<span class="time">{_e(end or start)}</span>' if end or start else ""


def _timeline(rows: tuple[TimelineRow, ...]) -> str:
    lines = ['<section id="lifecycle">', "<h2>Lifecycle</h2>"]
    if not rows:
        lines.append('<p class="muted">No action recorded.</p>')
    else:
        body = []
        for row in rows:
            status = row.status.label if row.status is not None else "unknown"
            attributes = f'class="step" data-step="{_STEP_KEYS[row.step]}" data-status="{status}"'
            cells = (_e(row.step.label), _status_badge(row.status), _e(", ".join(row.agents)), _when(row),
                     _e(row.name or row.action_id))
            body.append(_row(cells, attributes))
        lines.append(_table(("Step", "Outcome", "Agent", "Time", "Action"), body, 'class="timeline"'))
    lines.append("</section>")
    return "\n".join(lines)


def _outputs(reader: _Reader, run: Entity | None) -> Iterator[tuple[str, Entity | None]]:
    """The run's results, folders followed by what they hold (``hasPart``), each once."""
    seen: set[str] = set()
    pending = list(reversed(reader.entities(run.get("result")))) if run is not None else []
    while pending:
        entity_id, entity = pending.pop()
        if entity_id in seen:
            continue
        seen.add(entity_id)
        yield entity_id, entity
        if entity is not None:
            pending.extend(reversed(reader.entities(entity.get("hasPart"))))


def _screenings(crate: Crate) -> dict[str, ScreeningOutcome]:
    """The screening outcome of each output the (last) disclosure check reviewed, by the output's ``@id``."""
    checks = disclosure_checks(crate)
    found: dict[str, ScreeningOutcome] = {}
    for review in reviews_of(crate, checks[-1] if checks else None):
        outcome, item = screening_of(review), reviewed(review)
        if outcome is not None and item is not None:
            found[item] = max(outcome, found.get(item, outcome))
    return found


def _outcome_badge(outcome: ScreeningOutcome | None) -> str:
    return f'<span class="badge {outcome.label}">{outcome.label}</span>' if outcome is not None else ""


def _results(reader: _Reader, crate: Crate, run: Entity | None) -> str:
    """The results: files and folders by path, values (``PropertyValue``) with their value, and the screening."""
    screenings = _screenings(crate)
    rows = []
    for entity_id, entity in _outputs(reader, run):
        if entity is None:
            rows.append(_row(("", f"<code>{_e(entity_id)}</code>", "", "", "", ""), 'class="output"'))
            continue
        if has_type(entity, "PropertyValue"):
            kind, shown = "value", _e(reader.text(entity.get("value")))
        else:
            kind = "folder" if has_type(entity, "Dataset") else "file"
            shown = f"<code>{_e(entity_id)}</code>"
        rows.append(_row((_e(reader.name(entity, entity_id)), shown, kind,
                          _e(reader.text(entity.get("encodingFormat"))), _e(_size(entity.get("contentSize"))),
                          _outcome_badge(screenings.get(entity_id))), f'class="output" data-kind="{kind}"'))
    lines = ['<section id="results">', "<h2>Results</h2>"]
    if rows:
        lines.append(_table(("Output", "File or value", "Kind", "Format", "Size", "Screening"), rows,
                            'class="results"'))
    else:
        lines.append('<p class="muted">No results recorded.</p>')
    if screenings:
        overall = max(screenings.values())
        lines.append(f'<p class="screening" data-outcome="{overall.label}">Screening outcome: '
                     f"{_outcome_badge(overall)} (the worst of {len(screenings)} screened outputs; the output "
                     "checker's decision is in the lifecycle above)</p>")
    else:
        lines.append('<p class="screening muted" data-outcome="none">No screening recorded.</p>')
    lines.append("</section>")
    return "\n".join(lines)


def _signatures(signatures: Sequence[ClaimedSignature] | None) -> str:
    """The envelopes of ``signatures/`` as they claim (not verified), or why none are listed."""
    lines = ['<section id="signatures">', "<h2>Signatures</h2>"]
    if signatures is None:
        lines.append('<p class="muted">Not listed: signatures live in a bag\'s <code>signatures/</code> folder, '
                     "beside the crate.</p>")
    elif not signatures:
        lines.append('<p class="muted">The bag holds no signature.</p>')
    else:
        rows = [_row((str(s.number), _e(s.role), _e(s.signer or "unreadable envelope"), _e(s.signed_at or "")),
                     'class="signature"') for s in signatures]
        lines.append(_table(("#", "Role", "Signer (as claimed)", "Signed at"), rows, 'class="signatures"'))
        lines.append('<p class="muted">As the envelopes claim; nothing here is verified. Check them against the '
                     "keys you trust: <code>fivesafes verify --trust trust.toml</code>. The signature over the "
                     "state this page shows, if any, is made after the page is written.</p>")
    lines.append("</section>")
    return "\n".join(lines)


def _issue_row(issue: Issue) -> str:
    where = _e(issue.focus or issue.file or "(crate)") + (f" <code>{_e(issue.path)}</code>" if issue.path else "")
    badge = f'<span class="badge {issue.severity.label}">{issue.severity.label}</span>'
    return _row((badge, f"<code>{_e(issue.check)}</code>", where, _e(issue.message)), 'class="issue"')


def _validation(report: Report | None) -> str:
    lines = ['<section id="validation">', "<h2>Validation</h2>"]
    if report is None:
        lines.append(
            '<p><span class="badge not-validated">not validated</span> This page was written with the crate, '
            "before its BagIt manifests: it holds no validation report. The lifecycle above shows the TRE's own "
            "validation; <code>fivesafes validate</code> or <code>fivesafes preview</code> checks the crate as "
            "it is now.</p>"
        )
        lines.append("</section>")
        return "\n".join(lines)
    verdict = "valid" if report.valid else "invalid"
    counts = {level: sum(1 for issue in report.issues if issue.severity is level) for level in Severity}
    lines.append(_facts([
        ("Verdict", f'<span class="badge {verdict}">{verdict}</span> at severity {report.threshold.label}'),
        ("Profile", _link(report.profile, f"<code>{_e(report.profile)}</code>") if report.profile else "none"),
        ("Stage", _e(report.stage_label)),
    ]))
    count_rows = [
        _row((f'<span class="badge {level.label}">{level.label}</span>', str(counts[level])),
             f'data-severity="{level.label}"')
        for level in sorted(Severity, reverse=True)
    ]
    lines.append(_table(("Severity", "Issues"), count_rows, 'class="counts"'))
    shown = report.issues[:MAX_ISSUES]
    if shown:
        heading = "Issues" if len(report.issues) <= MAX_ISSUES else f"First {MAX_ISSUES} of {len(report.issues)} issues"
        lines.append(f"<h3>{heading}</h3>")
        issue_rows = [_issue_row(issue) for issue in shown]
        lines.append(_table(("Severity", "Check", "Where", "Message"), issue_rows, 'class="issues"'))
    lines.append("</section>")
    return "\n".join(lines)


# --- the page -----------------------------------------------------------------------------------------------


def render_preview(crate: Crate, report: Report | None = None,
                   signatures: Sequence[ClaimedSignature] | None = None) -> str:
    """The crate's preview as one self-contained HTML5 page (deterministic: same input, same text).

    ``report`` adds the validation summary (verdict at its threshold, counts by severity, the first
    :data:`MAX_ISSUES` issues); without it the section says that the page holds no validation report.
    ``signatures`` (a bag's envelopes, :func:`~fivesafes_crate.signing.listing.claimed_signatures`) are listed
    as they claim; None (a crate that is not a bag) says that none are listed.
    """
    reader = _Reader(crate)
    run = main_action(crate)
    timeline = timeline_of(crate)
    title, header = _header(reader, crate, timeline.stage)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="generator" content="fivesafes-crate">',
        f"<title>{_e(title)} — Five Safes RO-Crate</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        header,
        "<main>",
        _request(reader, crate, run),
        _timeline(timeline.rows),
        _results(reader, crate, run),
        _signatures(signatures),
        _validation(report),
        "</main>",
        "<footer>Preview of the Five Safes RO-Crate in <code>ro-crate-metadata.json</code>, written by "
        "fivesafes-crate. The metadata file is authoritative; this page loads nothing from anywhere.</footer>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


__all__ = [
    "CONTENT_SECURITY_POLICY",
    "MAX_ISSUES",
    "MAX_TEXT",
    "render_preview",
]
