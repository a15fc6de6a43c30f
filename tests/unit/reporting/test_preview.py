"""The HTML preview: well-formed, self-contained, escaped, deterministic; written by ``write_preview`` and by
every lifecycle commit (never listed in ``hasPart``, covered by the bag's manifests)."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import fivesafes_crate as api
from fivesafes_crate.errors import CrateReadError, FiveSafesError, UsageError
from fivesafes_crate.issues import Issue, Report, Severity, Stage
from fivesafes_crate.model.crate import Crate
from fivesafes_crate.model.lifecycle import LifecycleState, Status, Step
from fivesafes_crate.model.reviews import TERMS
from fivesafes_crate.model.signatures import ClaimedSignature
from fivesafes_crate.model.source import WEBSITE_FILE
from fivesafes_crate.packaging import package
from fivesafes_crate.phases.lifecycle import Agent, StepRefused, apply_step, record_action
from fivesafes_crate.phases.workspace import Workspace
from fivesafes_crate.reporting.preview import default_output, preview, write_preview
from fivesafes_crate.signing import generate_key
from fivesafes_crate.validation.engine import validate
from fivesafes_crate.website import CONTENT_SECURITY_POLICY, MAX_ISSUES, MAX_TEXT, render_preview

from .._crates import PERSON, QUERY, WORKFLOW, entity, request_document

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden" / "published-preview.html"
URN = "urn:uuid:5b7d1c55-2a8e-4a55-9b53-0c6d4b2f7a10"
PROFILE = "https://w3id.org/5s-crate/0.4"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
LOADING = {"script", "img", "link", "iframe", "frame", "object", "embed", "video", "audio", "source", "track",
           "picture", "svg", "math", "form", "base", "input", "button", "template", "canvas", "portal"}
PUBLISHED_STEPS = ["check", "validation", "retrieval", "sign-off", "execution", "disclosure", "publishing"]


class Page(HTMLParser):
    """A strict reading of a page: balanced elements, every attribute, the rows and texts of interest."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.doctype: str | None = None
        self.styles: list[str] = []
        self.texts: list[str] = []
        self._in: str | None = None
        self.feed(text)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed elements: {self.stack}")

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            self.errors.append(f"<{tag}> repeats an attribute: {names}")
        self.elements.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)
        self._in = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.errors.append(f"<{tag}/> self-closing syntax")
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"</{tag}> closes a void element")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> does not close the open <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] == "style":
            self.styles.append(data)
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def find(self, tag: str, **attributes: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.elements if name == tag
                and all(attrs.get(key.replace("_", "-")) == value for key, value in attributes.items())]


def strings_of(value: Any) -> set[str]:
    """Every string in a JSON value (keys included)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value) | {s for item in value.values() for s in strings_of(item)}
    if isinstance(value, list):
        return {s for item in value for s in strings_of(item)}
    return set()


def assert_self_contained(page: Page, crate_document: Any) -> None:
    """No element that loads or runs anything; links only as plain anchors to the crate's own URLs."""
    assert not page.errors, page.errors
    assert page.doctype is not None and page.doctype.lower() == "doctype html"
    assert [tag for tag, _ in page.elements if tag in LOADING] == []
    own = strings_of(crate_document)
    for tag, attrs in page.elements:
        assert "src" not in attrs and "srcset" not in attrs and "style" not in attrs, (tag, attrs)
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if "href" in attrs:
            assert tag == "a", (tag, attrs)
            assert attrs["href"] in own, f"link to {attrs['href']!r}, which the crate does not name"
            assert str(attrs["href"]).startswith(("https://", "http://"))
            assert attrs.get("rel") == "noopener noreferrer"
    style = "".join(page.styles).lower()
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    assert page.find("meta", http_equiv="Content-Security-Policy") == [
        {"http-equiv": "Content-Security-Policy", "content": CONTENT_SECURITY_POLICY}]


def example(name: str) -> Crate:
    return Crate(json.loads((EXAMPLES / name / "ro-crate-metadata.json").read_text(encoding="utf-8")))


def sample_report(count: int = 3, threshold: Severity = Severity.SHOULD) -> Report:
    levels = [Severity.MUST, Severity.SHOULD, Severity.MAY]
    return Report.build(PROFILE, Stage.PUBLISHED, threshold, [
        Issue(levels[i % 3], f"sample.check-{i:02d}", f"message {i}", focus=f"#entity-{i}", path="name")
        for i in range(count)
    ])


def rows(page: Page) -> list[tuple[str | None, str | None]]:
    return [(attrs["data-step"], attrs["data-status"]) for attrs in page.find("tr", **{"class": "step"})]


# --- the page -------------------------------------------------------------------------------------------------


def test_golden_published_example() -> None:
    html = render_preview(example("published"), sample_report())
    if os.environ.get("FIVESAFES_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(html, encoding="utf-8")
    assert html == GOLDEN.read_text(encoding="utf-8"), "preview changed: FIVESAFES_UPDATE_GOLDEN=1 rewrites it"


def test_published_example_is_well_formed_and_complete() -> None:
    crate = example("published")
    page = Page(render_preview(crate, sample_report()))
    assert_self_contained(page, crate.document)
    assert [a["id"] for a in page.find("section")] == ["request", "lifecycle", "results", "signatures", "validation"]
    assert rows(page) == [(step, "completed") for step in PUBLISHED_STEPS]
    text = page.text
    for expected in ("Age-banded cohort counts", "https://workflowhub.eu/workflows/1042?version=3", "Version",
                     "Josiah Carberry", "The University of Manchester",
                     "Diabetes outcomes in primary care (Safe Haven project 81)", "safehaven: project-81",
                     "Cohort definition", "cohort.json", "application/json", "151 B", "age_band_width", "10",
                     "Sam Output-Checker", "Disclosure check of workflow results: approved",
                     "2024-03-06T09:30:00Z", "Counts of people with type 2 diabetes by age band",
                     "outputs/summary.csv", "text/csv", "75 B", "published"):
        assert expected in text, expected
    assert page.find("a", href="https://orcid.org/0000-0002-1825-0097")


def test_failed_and_pending_steps_get_their_own_badges() -> None:
    page = Page(render_preview(example("disclosure-rejected")))
    assert rows(page)[-1] == ("disclosure", "failed")
    assert page.find("span", **{"class": "badge failed"})
    assert "No results recorded." in page.text
    executed = Page(render_preview(example("executed")))
    assert rows(executed)[-2:] == [("execution", "completed"), ("disclosure", "potential")]


def test_a_request_shows_its_pending_run_and_inputs() -> None:
    page = Page(render_preview(Crate(request_document())))
    assert rows(page) == [("execution", "potential")]
    assert "input-sequence" in page.text and "--fast-mode" in page.text and "True" in page.text
    assert "Version" in page.text and "CWL Protein MD Setup tutorial with mutations" in page.text
    document = request_document()
    document["@graph"] = [e for e in document["@graph"] if e["@id"] != QUERY]
    page = Page(render_preview(Crate(document)))
    assert rows(page) == [] and "No action recorded." in page.text
    assert "No inputs or parameters recorded." in page.text and "No results recorded." in page.text


def test_without_a_report_the_page_says_it_holds_none() -> None:
    page = Page(render_preview(example("published")))
    assert page.find("span", **{"class": "badge not-validated"})
    assert page.find("table", **{"class": "counts"}) == []


def test_validation_summary_counts_every_issue_and_lists_the_first() -> None:
    report = sample_report(count=MAX_ISSUES + 5)
    page = Page(render_preview(example("published"), report))
    assert page.find("span", **{"class": "badge invalid"})
    counts = {attrs["data-severity"] for attrs in page.find("tr") if "data-severity" in attrs}
    assert counts == {"must", "should", "may"}
    assert len(page.find("tr", **{"class": "issue"})) == MAX_ISSUES
    assert f"First {MAX_ISSUES} of {MAX_ISSUES + 5} issues" in page.text
    assert "sample.check-00" in page.text and report.issues[MAX_ISSUES].check not in page.text


def test_the_validation_summary_of_a_real_report() -> None:
    html = preview(EXAMPLES / "published")
    page = Page(html)
    assert page.find("span", **{"class": "badge valid"})
    assert "at severity should" in page.text


def test_rendering_is_deterministic() -> None:
    assert render_preview(example("published"), sample_report()) == render_preview(example("published"),
                                                                                   sample_report())


def test_results_list_folders_with_their_files_and_readable_sizes() -> None:
    document = request_document()
    entity(document, QUERY)["result"] = [{"@id": "outputs/"}, {"@id": "outputs/"}, {"@id": "#missing"}]
    document["@graph"] += [
        {"@id": "outputs/", "@type": "Dataset", "name": "All outputs",
         "hasPart": [{"@id": "outputs/a.csv"}, {"@id": "outputs/"}]},
        {"@id": "outputs/a.csv", "@type": "File", "name": "Table A", "encodingFormat": "text/csv",
         "contentSize": "3145728"},
    ]
    page = Page(render_preview(Crate(document)))
    outputs = page.find("tr", **{"class": "output"})
    assert len(outputs) == 3
    assert "All outputs" in page.text and "folder" in page.text
    assert "3.0 MiB (3145728 bytes)" in page.text and "#missing" in page.text


# --- untrusted crates -----------------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'


def hostile_document() -> dict[str, Any]:
    document = request_document()
    root = entity(document, "./")
    root["name"] = SCRIPT
    root["description"] = BREAKOUT + "</title></style></table>"
    root["publisher"] = {"@id": "javascript:alert(1)"}
    document["@graph"].append({"@id": "javascript:alert(1)", "@type": "Organization", "name": BREAKOUT})
    entity(document, PERSON)["name"] = BREAKOUT
    entity(document, WORKFLOW)["name"] = "wf" + SCRIPT
    entity(document, WORKFLOW)["version"] = {"@value": "1\u0000\ud800<b>"}
    entity(document, "input1.txt")["encodingFormat"] = "text/plain\" onmouseover=\"alert(1)"
    entity(document, "input1.txt")["contentSize"] = ["<i>big</i>"]
    entity(document, QUERY)["agent"] = {"@id": 'https://evil.example/"onclick="alert(1)'}
    document["@graph"].append({"@id": 'https://evil.example/"onclick="alert(1)', "@type": "Person",
                               "name": "Mallory", "url": "javascript:alert(2)"})
    document["@graph"].append({
        "@id": "#check-1", "@type": "AssessAction", "additionalType": {"@id": "https://w3id.org/shp#CheckValue"},
        "name": SCRIPT + "\u202e", "agent": {"@id": PERSON}, "startTime": BREAKOUT,
        "actionStatus": "http://schema.org/FailedActionStatus", "object": {"@id": "./"},
    })
    root["mentions"] = [{"@id": QUERY}, {"@id": "#check-1"}]
    return document


def test_crate_strings_are_rendered_inert() -> None:
    document = hostile_document()
    report = Report.build(PROFILE, Stage.UNDER_REVIEW, Severity.SHOULD,
                          [Issue(Severity.MUST, "x.y", SCRIPT, focus=BREAKOUT, path="<p>")])
    html = render_preview(Crate(document), report)
    page = Page(html)
    assert_self_contained(page, document)
    assert "<script" not in html.lower() and "<img" not in html.lower() and "<b>" not in html
    assert page.find("a", href="javascript:alert(1)") == [] and "onclick" not in {
        name for _, attrs in page.elements for name in attrs}
    text = page.text
    assert text.count(SCRIPT) >= 3 and BREAKOUT in text
    assert "\u0000" not in html and "\ud800" not in html
    html.encode("utf-8")  # lone surrogates would not encode
    assert "Mallory" in text and page.find("a", href='https://evil.example/"onclick="alert(1)') == []


def test_overlong_strings_are_cut() -> None:
    document = request_document()
    entity(document, "./")["name"] = "x" * (MAX_TEXT * 3)
    page = Page(render_preview(Crate(document)))
    assert "x" * MAX_TEXT not in page.text and "x" * (MAX_TEXT - 1) + "…" in page.text


def test_odd_shapes_do_not_break_the_page() -> None:
    document = request_document()
    entity(document, "./")["name"] = [1, True, None, {"nested": "object"}, 2.5]
    entity(document, "./")["mainEntity"] = "not-a-reference"
    entity(document, QUERY)["object"] = [{"@id": "#undescribed"}]
    page = Page(render_preview(Crate(document)))
    assert not page.errors
    assert "1, true, 2.5" in page.text and "#undescribed" in page.text
    assert not Page(render_preview(Crate({"@graph": "nonsense"}))).errors
    cyclic = request_document()
    entity(cyclic, "./")["name"] = {"@id": "#a"}
    cyclic["@graph"] += [{"@id": "#a", "name": {"@id": "#b"}}, {"@id": "#b", "name": {"@id": "#a"}}]
    entity(cyclic, "input1.txt")["contentSize"] = "²"
    page = Page(render_preview(Crate(cyclic)))
    assert "<h1>#b</h1>" in render_preview(Crate(cyclic)) and "²" in page.text
    assert "Untitled crate" in Page(render_preview(Crate([]))).text


# --- write_preview ---------------------------------------------------------------------------------------------


def copy_example(tmp_path: Path, name: str = "published") -> Path:
    return Path(shutil.copytree(EXAMPLES / name, tmp_path / name))


def test_write_preview_defaults_to_a_file_beside_the_crate(tmp_path: Path) -> None:
    crate = copy_example(tmp_path)
    written = write_preview(crate)
    assert written == tmp_path / "published.preview.html"
    assert written.read_text(encoding="utf-8") == preview(crate)
    assert sorted(p.name for p in crate.iterdir()) == ["cohort.json", "outputs", "ro-crate-metadata.json"]


def test_default_output_names(tmp_path: Path) -> None:
    bag = package(EXAMPLES / "published", tmp_path / "result.bagit.zip", external_identifier=URN,
               bagging_date=date(2024, 1, 1))
    assert default_output(bag) == tmp_path / "result.preview.html"
    crate = copy_example(tmp_path)
    assert default_output(crate / "ro-crate-metadata.json") == tmp_path / "published.preview.html"
    with pytest.raises(UsageError):
        default_output("/")


def test_write_preview_of_a_bag_zip(tmp_path: Path) -> None:
    bag = package(EXAMPLES / "published", tmp_path / "p.bagit.zip", external_identifier=URN,
               bagging_date=date(2024, 1, 1))
    before = bag.read_bytes()
    written = write_preview(bag, tmp_path / "out.html")
    assert written == tmp_path / "out.html"
    page = Page(written.read_text(encoding="utf-8"))
    assert rows(page) == [(step, "completed") for step in PUBLISHED_STEPS]
    assert page.find("span", **{"class": "badge valid"})
    assert bag.read_bytes() == before


def test_write_preview_may_write_a_crate_folders_own_preview_only(tmp_path: Path) -> None:
    crate = copy_example(tmp_path)
    assert write_preview(crate, crate / WEBSITE_FILE) == crate / WEBSITE_FILE
    for inside in (crate / "ro-crate-metadata.json", crate / "outputs" / WEBSITE_FILE, crate / "other.html"):
        with pytest.raises(UsageError, match="inside the crate"):
            write_preview(crate, inside)
    assert json.loads((crate / "ro-crate-metadata.json").read_text(encoding="utf-8"))["@graph"]
    bag = package(crate, tmp_path / "bag.bagit", folder=True, external_identifier=URN, bagging_date=date(2024, 1, 1))
    with pytest.raises(UsageError, match="manifests"):
        write_preview(bag, bag / "data" / WEBSITE_FILE)


def test_write_preview_refusals(tmp_path: Path) -> None:
    crate = copy_example(tmp_path)
    with pytest.raises(UsageError, match="does not exist"):
        write_preview(crate, tmp_path / "missing" / "x.html")
    with pytest.raises(UsageError, match="is a folder"):
        write_preview(crate, tmp_path)
    bag = package(EXAMPLES / "published", tmp_path / "p.bagit.zip", external_identifier=URN,
               bagging_date=date(2024, 1, 1))
    with pytest.raises(UsageError, match="the crate itself"):
        write_preview(bag, bag)
    with pytest.raises(CrateReadError):
        write_preview(tmp_path / "nothing", tmp_path / "x.html")
    with pytest.raises(UsageError):
        write_preview(crate, tmp_path / "x.html", profile="no-such-profile")
    assert not (tmp_path / "x.html").exists()


def test_api_facade(tmp_path: Path) -> None:
    crate = copy_example(tmp_path)
    assert api.preview(crate) == preview(crate)
    assert api.write_preview(crate, tmp_path / "a.html", threshold=Severity.MAY).read_text(encoding="utf-8") == \
        preview(crate, threshold=Severity.MAY)


# --- the RO-Crate Website in a crate ---------------------------------------------------------------------------


def test_an_undescribed_preview_draws_no_issue_at_any_severity(tmp_path: Path) -> None:
    crate = copy_example(tmp_path)
    baseline = validate(crate, threshold=Severity.MAY).issues
    write_preview(crate, crate / WEBSITE_FILE)
    (crate / "ro-crate-preview_files").mkdir()
    (crate / "ro-crate-preview_files" / "extra.css").write_text("p{}", encoding="utf-8")
    assert validate(crate, threshold=Severity.MAY).issues == baseline
    bag = package(crate, tmp_path / "with-preview.bagit.zip", external_identifier=URN, bagging_date=date(2024, 1, 1))
    assert {i.check for i in validate(bag, threshold=Severity.MAY).issues} == {i.check for i in baseline}


NOW = datetime(2024, 3, 4, 9, 0, 0, tzinfo=UTC)
TRE = Agent("https://tre.example.org/", "Example TRE")


def record_check(space: Workspace, state: LifecycleState) -> tuple[dict[str, Any], str]:
    action = record_action(space.crate.edit(), step=Step.CHECK, action_id="#check-1", name="BagIt checksum: OK",
                           status=Status.COMPLETED, agent=TRE, start=NOW, end=NOW)
    space.touch()
    return action, "checked"


def test_a_lifecycle_step_writes_the_preview_before_the_manifests(tmp_path: Path) -> None:
    bag = package(EXAMPLES / "request", tmp_path / "request.bagit.zip", external_identifier=URN,
               bagging_date=date(2024, 1, 1))
    apply_step(bag, record_check, clock=lambda: NOW, step=Step.CHECK)
    with zipfile.ZipFile(bag) as archive:
        html = archive.read(f"request/data/{WEBSITE_FILE}").decode("utf-8")
        manifest = archive.read("request/manifest-sha512.txt").decode("utf-8")
        metadata = json.loads(archive.read("request/data/ro-crate-metadata.json"))
    assert f"  data/{WEBSITE_FILE}\n" in manifest
    assert api.verify_bag(bag).valid
    assert rows(Page(html)) == [("check", "completed"), ("execution", "potential")]
    assert "Example TRE" in html and "BagIt checksum: OK" in html
    root = next(e for e in metadata["@graph"] if e["@id"] == "./")
    assert WEBSITE_FILE not in json.dumps(root) and WEBSITE_FILE not in json.dumps(metadata)
    assert not [i for i in validate(bag, threshold=Severity.MAY).issues if WEBSITE_FILE in (i.file or i.message)]
    assert html == render_preview(Crate(metadata), signatures=())  # a bag: its (still empty) signatures listed


def test_a_crate_folder_step_rewrites_a_stale_preview(tmp_path: Path) -> None:
    crate = copy_example(tmp_path, "request")
    (crate / WEBSITE_FILE).write_text("<!DOCTYPE html><title>stale</title>", encoding="utf-8")
    apply_step(crate, record_check, clock=lambda: NOW, step=Step.CHECK)
    html = (crate / WEBSITE_FILE).read_text(encoding="utf-8")
    assert "<title>stale</title>" not in html
    assert rows(Page(html)) == [("check", "completed"), ("execution", "potential")]


def test_a_refused_step_writes_no_preview(tmp_path: Path) -> None:
    crate = copy_example(tmp_path, "request")

    def refuse(space: Workspace, state: LifecycleState) -> tuple[None, str]:
        space.touch()
        raise StepRefused("no", path="ro-crate-metadata.json")

    with pytest.raises(StepRefused):
        apply_step(crate, refuse, clock=lambda: NOW)
    assert not (crate / WEBSITE_FILE).exists()


def test_a_preview_path_taken_by_a_folder_fails_the_step_and_leaves_the_crate(tmp_path: Path) -> None:
    crate = copy_example(tmp_path, "request")
    (crate / WEBSITE_FILE).mkdir()
    before = (crate / "ro-crate-metadata.json").read_bytes()
    with pytest.raises(FiveSafesError, match="cannot write the preview") as caught:
        apply_step(crate, record_check, clock=lambda: NOW, step=Step.CHECK)
    assert caught.value.path == WEBSITE_FILE
    assert (crate / "ro-crate-metadata.json").read_bytes() == before and (crate / WEBSITE_FILE).is_dir()


# --- issue 18 item 14: value results, screening outcomes, signatures -------------------------------------------


def _published_with_a_value_result_and_screenings() -> dict[str, Any]:
    """The published example whose run also returns a value (a PropertyValue) and whose check screened both."""
    metadata = EXAMPLES / "published" / "ro-crate-metadata.json"
    document: dict[str, Any] = json.loads(metadata.read_text(encoding="utf-8"))
    graph = document["@graph"]
    run = next(e for e in graph if e.get("@type") == "CreateAction")
    run["result"] = [{"@id": "outputs/summary.csv"}, {"@id": "#result-cohort-size"}]
    check = next(e for e in graph if "DisclosureCheck" in json.dumps(e.get("additionalType")))
    check["result"] = [{"@id": "#screening-summary"}, {"@id": "#screening-cohort-size"}]
    graph += [
        {"@id": "#result-cohort-size", "@type": "PropertyValue", "name": "cohort_size", "value": 1842},
        {"@id": "#screening-summary", "@type": "Review", "additionalType": {"@id": f"{TERMS}ScreeningPass"},
         "itemReviewed": {"@id": "outputs/summary.csv"}, "name": "pass"},
        {"@id": "#screening-cohort-size", "@type": "Review", "additionalType": {"@id": f"{TERMS}ScreeningReview"},
         "itemReviewed": {"@id": "#result-cohort-size"}, "name": "review"},
    ]
    return document


def _output_rows(page: Page) -> dict[str, str | None]:
    return {str(attrs.get("data-kind")): attrs.get("class") for attrs in page.find("tr", **{"class": "output"})}


def test_a_value_result_is_shown_as_a_value_with_its_value() -> None:
    html = render_preview(Crate(_published_with_a_value_result_and_screenings()))
    page = Page(html)
    assert_self_contained(page, _published_with_a_value_result_and_screenings())
    assert set(_output_rows(page)) == {"file", "value"}
    value_row = html.split('data-kind="value"', 1)[1].split("</tr>", 1)[0]
    assert "<td>cohort_size</td><td>1842</td><td>value</td>" in value_row
    assert "<code>" not in value_row, "a value result is not a file: its @id is not shown as a path"


def test_the_screening_outcome_of_each_output_and_overall_is_shown() -> None:
    html = render_preview(Crate(_published_with_a_value_result_and_screenings()))
    page = Page(html)
    file_row = html.split('data-kind="file"', 1)[1].split("</tr>", 1)[0]
    value_row = html.split('data-kind="value"', 1)[1].split("</tr>", 1)[0]
    assert '<span class="badge pass">pass</span>' in file_row
    assert '<span class="badge review">review</span>' in value_row
    assert page.find("p", **{"class": "screening", "data-outcome": "review"}), "the worst outcome is the overall"
    assert "Screening outcome: review (the worst of 2 screened outputs" in page.text
    unscreened = Page(render_preview(example("published")))
    assert unscreened.find("p", **{"class": "screening muted", "data-outcome": "none"})
    assert "No screening recorded." in unscreened.text


def test_signatures_are_listed_as_claimed_and_said_to_be_unverified(tmp_path: Path) -> None:
    bag = package(EXAMPLES / "published", tmp_path / "published.bagit.zip", external_identifier=URN,
               bagging_date=date(2024, 1, 1))
    no_signature = Page(preview(bag))
    assert "The bag holds no signature." in no_signature.text
    api.sign(bag, generate_key(), role="tre:check", principal=TRE.id, now=NOW)
    api.sign(bag, generate_key(), role="tre:validate", principal=TRE.id, now=NOW)
    page = Page(preview(bag))
    signed = [attrs for attrs in page.find("tr", **{"class": "signature"})]
    assert len(signed) == 2
    text = page.text
    assert "tre:check" in text and "tre:validate" in text and TRE.id in text and "2024-03-04T09:00:00+00:00" in text
    assert "nothing here is verified" in text and "fivesafes verify --trust trust.toml" in text
    folder = Page(preview(EXAMPLES / "published"))
    assert "Not listed: signatures live in a bag's signatures/ folder" in folder.text
    assert render_preview(example("published"), signatures=[ClaimedSignature(1, "tre-check", None, None)]).count(
        "unreadable envelope") == 1


def test_a_step_on_a_signed_bag_lists_the_signatures_made_so_far(tmp_path: Path) -> None:
    bag = package(EXAMPLES / "request", tmp_path / "request.bagit.zip", external_identifier=URN,
               bagging_date=date(2024, 1, 1))
    api.sign(bag, generate_key(), role="requester", principal=PERSON, now=NOW)
    apply_step(bag, record_check, clock=lambda: NOW, step=Step.CHECK)
    with zipfile.ZipFile(bag) as archive:
        html = archive.read(f"request/data/{WEBSITE_FILE}").decode("utf-8")
    assert [a for a in Page(html).find("tr", **{"class": "signature"})] and "requester" in html and PERSON in html


def test_prose_wraps_between_words_and_only_identifiers_break_anywhere() -> None:
    style = "".join(Page(render_preview(example("published"))).styles)
    assert "td,dd,p{overflow-wrap:break-word}" in style
    code_rule = style.split("\ncode{", 1)[1].split("}", 1)[0]
    assert "overflow-wrap:anywhere" in code_rule
    assert style.count("overflow-wrap:anywhere") == 1
