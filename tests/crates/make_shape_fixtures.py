"""Generate the invalid fixtures of the SHACL shapes: ``tests/crates/invalid/<check-id>/``.

Each fixture starts from one of two correct crates and breaks exactly one thing:

- ``request``: the profile's 0.4 ``example-request`` updated to RO-Crate 1.2, with a root ``identifier``;
- ``published``: the same request taken through every phase of the profile (check, validation, workflow
  retrieval, sign-off, execution, disclosure, publishing) with every recommended property present.

Run ``python tests/crates/make_shape_fixtures.py`` after changing a mutation and commit the output. The two
base crates themselves are asserted to raise no MUST or SHOULD shape issue in
``tests/unit/validation/test_shapes.py``.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
INVALID = HERE / "invalid"

Entity = dict[str, Any]
Crate = dict[str, Any]

WORKFLOW = "https://workflowhub.eu/workflows/289?version=1"
DOWNLOAD = "https://workflowhub.eu/workflows/289/ro_crate?version=1"
RUN = "#query-37252371-c937-43bd-a0a7-3680b48c0538"
PROJECT = "#project-be6ffb55-4f5a-4c14-b60e-47e0951090c70"
PERSON = "https://orcid.org/0000-0001-9842-9718"
UNIVERSITY = "https://ror.org/027m9bs27"
PROFILE = "https://w3id.org/5s-crate/0.4"
SHA512 = "https://www.iana.org/assignments/named-information#sha-512"
TRE = "https://tre72.example.com/"
VALIDATOR = "https://tre72.example.com/#crate-validator"
REVIEWER = "https://orcid.org/0000-0002-1825-0097"
CHECK = "#check-f33fe90c-0c22-4c72-b299-de509028410e"
VALIDATE = "#validate-1146f640-819e-4c86-b029-b763a0040896"
DOWNLOADED = "#download-8b51bf57-6b29-44da-b24b-638c8df91639"
SIGNOFF = "#signoff-3b741265-cfef-49ea-8138-a2fa149bf2f0"
DISCLOSURE = "#disclosure-b16c1f0a-ae7f-4582-9b28-7d9df3313e27"
BAGIT = "#bagit-ce785c0b-c988-4043-8cbd-1489dcebc14f"
SENSITIVE = "urn:uuid:07b81e0f-7ac4-5428-9940-878b241e2397"
PERMISSION = "#permissions-07b81e0f"
TABLE = "outputs/table.csv"
COMPLETED = "http://schema.org/CompletedActionStatus"


def ref(entity_id: str) -> dict[str, str]:
    return {"@id": entity_id}


def request_crate() -> Crate:
    """The 0.4 example request, on RO-Crate 1.2, with every optional feature the shapes report as MAY."""
    graph: list[Entity] = [
        {
            "@id": "ro-crate-metadata.json",
            "@type": "CreativeWork",
            "about": ref("./"),
            "conformsTo": ref("https://w3id.org/ro/crate/1.2"),
        },
        {
            "@id": "./",
            "@type": "Dataset",
            "identifier": "urn:uuid:9796155a-fe44-4614-89b8-71945f718ffb",
            "conformsTo": ref(PROFILE),
            "hasPart": [ref(WORKFLOW), ref("input1.txt")],
            "mainEntity": ref(WORKFLOW),
            "mentions": [ref(RUN)],
            "sourceOrganization": ref(PROJECT),
        },
        {"@id": PROFILE, "@type": "Profile", "name": "Five Safes RO-Crate profile"},
        {
            "@id": WORKFLOW,
            "@type": "Dataset",
            "name": "CWL Protein MD Setup tutorial with mutations",
            "conformsTo": ref("https://w3id.org/workflowhub/workflow-ro-crate/1.0"),
            "distribution": ref(DOWNLOAD),
        },
        {
            "@id": DOWNLOAD,
            "@type": "DataDownload",
            "conformsTo": ref("https://w3id.org/ro/crate"),
            "encodingFormat": "application/zip",
        },
        {
            "@id": RUN,
            "@type": "CreateAction",
            "actionStatus": "http://schema.org/PotentialActionStatus",
            "agent": ref(PERSON),
            "instrument": ref(WORKFLOW),
            "name": "Execute query 12389 on workflow",
            "object": [ref("input1.txt"), ref("#enableFastMode")],
        },
        {
            "@id": PERSON,
            "@type": "Person",
            "name": "Stian Soiland-Reyes",
            "affiliation": ref(UNIVERSITY),
            "memberOf": [ref(PROJECT)],
        },
        {"@id": UNIVERSITY, "@type": "Organization", "name": "The University of Manchester"},
        {
            "@id": PROJECT,
            "@type": "Project",
            "name": "Investigation of cancer (TRE72 project 81)",
            "identifier": [ref("_:localid:tre72:project81")],
            "funding": ref("https://gtr.ukri.org/projects?ref=10038961"),
            "member": [ref(UNIVERSITY)],
        },
        {"@id": "_:localid:tre72:project81", "@type": "PropertyValue", "name": "tre72", "value": "project81"},
        {"@id": "https://gtr.ukri.org/projects?ref=10038961", "@type": "Grant", "name": "EOSC4Cancer"},
        {"@id": "input1.txt", "@type": "File", "name": "input1", "exampleOfWork": ref("#sequence")},
        {
            "@id": "#enableFastMode",
            "@type": "PropertyValue",
            "name": "--fast-mode",
            "value": "True",
            "exampleOfWork": ref("#fast"),
        },
        {"@id": "#sequence", "@type": "FormalParameter", "name": "input-sequence"},
        {"@id": "#fast", "@type": "FormalParameter", "name": "fast-mode"},
    ]
    return {"@context": "https://w3id.org/ro/crate/1.2/context", "@graph": graph}


def _action(
    entity_id: str,
    kind: str,
    extra: str | None,
    name: str,
    start: str,
    end: str | None,
    obj: Any,
    agent: str,
    instrument: str | None = None,
) -> Entity:
    action: Entity = {"@id": entity_id, "@type": kind}
    if extra:
        action["additionalType"] = ref("https://w3id.org/shp#" + extra)
    action["name"] = name
    action["startTime"] = start
    if end:
        action["endTime"] = end
    action["object"] = obj
    if instrument:
        action["instrument"] = ref(instrument)
    action["agent"] = ref(agent)
    action["actionStatus"] = COMPLETED
    return action


def published_crate() -> Crate:
    """The request taken through every phase, published with every recommended property."""
    crate = request_crate()
    root = entity(crate, "./")
    root["datePublished"] = "2023-04-29T11:01:04+01:00"
    root["publisher"] = ref(TRE)
    root["license"] = ref("https://spdx.org/licenses/CC-BY-4.0")
    root["hasPart"] += [ref("workflow/289/"), ref(TABLE)]
    root["mentions"] += [ref(i) for i in (CHECK, VALIDATE, DOWNLOADED, SIGNOFF, DISCLOSURE, BAGIT)]
    run = entity(crate, RUN)
    run.update(
        actionStatus=COMPLETED,
        startTime="2023-04-18T13:52:19+01:00",
        endTime="2023-04-18T14:00:19+01:00",
        result=[ref(TABLE), ref(SENSITIVE)],
    )
    crate["@graph"] += [
        _action(
            CHECK,
            "AssessAction",
            "CheckValue",
            "BagIt checksum of Crate: OK",
            "2023-04-18T12:11:44+01:00",
            "2023-04-18T12:11:45+01:00",
            ref("./"),
            VALIDATOR,
            SHA512,
        ),
        _action(
            VALIDATE,
            "AssessAction",
            "ValidationCheck",
            "Validation against Five Safes RO-Crate profile: approved",
            "2023-04-18T12:11:46+01:00",
            "2023-04-18T12:11:49+01:00",
            ref("./"),
            VALIDATOR,
            PROFILE,
        ),
        {
            **_action(
                DOWNLOADED,
                "DownloadAction",
                None,
                "Downloaded workflow RO-Crate via proxy",
                "2023-04-18T12:11:50+01:00",
                "2023-04-18T12:11:52+01:00",
                ref(DOWNLOAD),
                TRE,
            ),
            "result": ref("workflow/289/"),
        },
        _action(
            SIGNOFF,
            "AssessAction",
            "SignOff",
            "Sign-off of execution according to Agreement policy: approved",
            "2023-04-19T17:10:00+01:00",
            "2023-04-19T17:15:12+01:00",
            [ref("./"), ref(WORKFLOW), ref(PROJECT)],
            REVIEWER,
            "https://tre72.example.com/agreement-policy/81",
        ),
        _action(
            DISCLOSURE,
            "AssessAction",
            "DisclosureCheck",
            "Disclosure check of workflow results: approved",
            "2023-04-25T15:00:00+01:00",
            "2023-04-25T16:00:00+01:00",
            ref("./"),
            REVIEWER,
        ),
        _action(
            BAGIT,
            "UpdateAction",
            "GenerateCheckValue",
            "BagIt manifests of Crate updated",
            "2023-04-29T12:12:25+01:00",
            None,
            ref("./"),
            VALIDATOR,
            SHA512,
        ),
        {
            "@id": "workflow/289/",
            "@type": "Dataset",
            "sameAs": ref(WORKFLOW),
            "name": "CWL Protein MD Setup tutorial with mutations",
            "conformsTo": ref("https://w3id.org/workflowhub/workflow-ro-crate/1.0"),
            "distribution": ref(DOWNLOAD),
        },
        {"@id": TABLE, "@type": "File", "encodingFormat": "text/csv", "name": "Table of matches"},
        {
            "@id": SENSITIVE,
            "@type": "DigitalDocument",
            "encodingFormat": "text/csv",
            "name": "Patient measurement 07b81e0f",
            "hasDigitalDocumentPermission": ref(PERMISSION),
        },
        {
            "@id": PERMISSION,
            "@type": "DigitalDocumentPermission",
            "permissionType": "http://schema.org/ReadPermission",
            "grantee": ref(PROJECT),
        },
        {
            "@id": "https://spdx.org/licenses/CC-BY-4.0",
            "@type": "CreativeWork",
            "name": "Creative Commons Attribution 4.0 International",
            "identifier": "CC-BY-4.0",
        },
        {
            "@id": TRE,
            "@type": "Organization",
            "name": "TRE 72 trusted research environment",
            "parentOrganization": ref(UNIVERSITY),
        },
        {"@id": VALIDATOR, "@type": "SoftwareApplication", "name": "RO-Crate validator at TRE72", "provider": ref(TRE)},
        {"@id": REVIEWER, "@type": "Person", "name": "Josiah Carberry"},
        {
            "@id": "https://tre72.example.com/agreement-policy/81",
            "@type": "CreativeWork",
            "name": "Agreement policy for TRE72 for project 81",
        },
        {"@id": SHA512, "@type": "DefinedTerm", "name": "sha-512 algorithm"},
    ]
    return crate


BASES: dict[str, Callable[[], Crate]] = {"request": request_crate, "published": published_crate}


# -- editing helpers ---------------------------------------------------------------------------------------


def entity(crate: Crate, entity_id: str) -> Entity:
    for item in crate["@graph"]:
        if item["@id"] == entity_id:
            return item  # type: ignore[no-any-return]
    raise KeyError(entity_id)


def drop(crate: Crate, entity_id: str) -> None:
    """Remove an entity and every reference to it."""
    crate["@graph"] = [item for item in crate["@graph"] if item["@id"] != entity_id]
    for item in crate["@graph"]:
        for key, value in list(item.items()):
            if isinstance(value, list):
                item[key] = [v for v in value if v != ref(entity_id)]
            elif value == ref(entity_id):
                del item[key]


def unref(crate: Crate, entity_id: str, key: str, target: str) -> None:
    """Remove one reference ``target`` from property ``key`` of an entity."""
    item = entity(crate, entity_id)
    value = item[key]
    item[key] = [v for v in value if v != ref(target)] if isinstance(value, list) else None
    if item[key] is None:
        del item[key]


def rename(crate: Crate, old: str, new: str) -> None:
    """Change an ``@id`` and every reference to it."""
    text = json.dumps(crate).replace(json.dumps(old), json.dumps(new))
    crate.clear()
    crate.update(json.loads(text))


def setp(entity_id: str, **props: Any) -> Callable[[Crate], None]:
    def apply(crate: Crate) -> None:
        item = entity(crate, entity_id)
        for key, value in props.items():
            if value is None:
                item.pop(key, None)
            else:
                item[key] = value

    return apply


def delp(entity_id: str, *keys: str) -> Callable[[Crate], None]:
    return setp(entity_id, **dict.fromkeys(keys))


def steps(*functions: Callable[[Crate], None]) -> Callable[[Crate], None]:
    def apply(crate: Crate) -> None:
        for function in functions:
            function(crate)

    return apply


def add(*entities: Entity) -> Callable[[Crate], None]:
    def apply(crate: Crate) -> None:
        crate["@graph"].extend(copy.deepcopy(list(entities)))

    return apply


def failed_disclosure(crate: Crate) -> None:
    entity(crate, DISCLOSURE).update(
        actionStatus="http://schema.org/FailedActionStatus", name="Disclosure check of workflow results: rejected"
    )


# -- the mutation table: check id -> (base, what is broken, mutation) -----------------------------------------

MUTATIONS: dict[str, tuple[str, str, Callable[[Crate], None]]] = {
    "metadata.descriptor": (
        "request",
        "the metadata file descriptor entity is removed",
        lambda c: drop(c, "ro-crate-metadata.json"),
    ),
    "metadata.descriptor-type": (
        "request",
        "the descriptor is typed Thing instead of CreativeWork",
        setp("ro-crate-metadata.json", **{"@type": "Thing"}),
    ),
    "metadata.descriptor-about": ("request", "the descriptor has no about", delp("ro-crate-metadata.json", "about")),
    "metadata.conforms-to": (
        "request",
        "the descriptor conforms to RO-Crate 1.1",
        setp("ro-crate-metadata.json", conformsTo=ref("https://w3id.org/ro/crate/1.1")),
    ),
    "metadata.conforms-to-draft": (
        "request",
        "the descriptor conforms to RO-Crate 1.2-DRAFT",
        setp("ro-crate-metadata.json", conformsTo=ref("https://w3id.org/ro/crate/1.2-DRAFT")),
    ),
    "metadata.root-dataset": (
        "request",
        "the root data entity is typed CreativeWork, not Dataset",
        setp("./", **{"@type": "CreativeWork"}),
    ),
    "metadata.root-identifier": ("request", "the root data entity has no identifier (MAY)", delp("./", "identifier")),
    "profile.conforms-to": ("request", "the root has no conformsTo", delp("./", "conformsTo")),
    "profile.entity": (
        "request",
        "the Profile entity of the profile IRI is missing",
        lambda c: drop(c, PROFILE) or setp("./", conformsTo=ref(PROFILE))(c),
    ),
    "workflow.main-entity": ("request", "the root has no mainEntity", delp("./", "mainEntity")),
    "workflow.main-entity-dataset": (
        "request",
        "the mainEntity is typed SoftwareSourceCode, not Dataset",
        setp(WORKFLOW, **{"@type": "SoftwareSourceCode"}),
    ),
    "workflow.main-entity-conforms-to": (
        "request",
        "the mainEntity does not conform to Workflow RO-Crate",
        delp(WORKFLOW, "conformsTo"),
    ),
    "workflow.main-entity-id": (
        "request",
        "the mainEntity is a relative file path, not a URL or a directory",
        lambda c: rename(c, WORKFLOW, "workflow.crate.zip"),
    ),
    "workflow.distribution": ("request", "the mainEntity URL has no distribution", delp(WORKFLOW, "distribution")),
    "workflow.distribution-download": (
        "request",
        "the distribution is a CreativeWork, not a DataDownload",
        setp(DOWNLOAD, **{"@type": "CreativeWork"}),
    ),
    "createaction.present": ("request", "the CreateAction is removed", lambda c: drop(c, RUN)),
    "createaction.mentioned": ("request", "the CreateAction is not in the root's mentions", delp("./", "mentions")),
    "createaction.id-uuid": (
        "request",
        "the CreateAction @id is not based on a UUID",
        lambda c: rename(c, RUN, "#query-12389"),
    ),
    "createaction.instrument": (
        "request",
        "the CreateAction's instrument is not the mainEntity",
        setp(RUN, instrument=ref("https://workflowhub.eu/workflows/290?version=1")),
    ),
    "agent.present": ("request", "the CreateAction has no agent", delp(RUN, "agent")),
    "agent.person": (
        "request",
        "the requesting agent is typed Organization, not Person",
        setp(PERSON, **{"@type": "Organization"}),
    ),
    "agent.affiliation": ("request", "the requesting agent has no affiliation", delp(PERSON, "affiliation")),
    "project.source-organization": ("request", "the root has no sourceOrganization", delp("./", "sourceOrganization")),
    "project.type": (
        "request",
        "the sourceOrganization is typed Organization, not Project",
        setp(PROJECT, **{"@type": "Organization"}),
    ),
    "project.agent-member-of": (
        "request",
        "the requesting agent has no memberOf the project",
        delp(PERSON, "memberOf"),
    ),
    "project.funding": (
        "request",
        "the project has no funding Grant (MAY)",
        steps(delp(PROJECT, "funding"), lambda c: drop(c, "https://gtr.ukri.org/projects?ref=10038961")),
    ),
    "project.identifier": (
        "request",
        "the project has no identifier",
        steps(delp(PROJECT, "identifier"), lambda c: drop(c, "_:localid:tre72:project81")),
    ),
    "project.identifier-local": (
        "request",
        "the project identifier is a bare local number",
        steps(setp(PROJECT, identifier="81"), lambda c: drop(c, "_:localid:tre72:project81")),
    ),
    "project.member": ("request", "the project lists no member organisations (MAY)", delp(PROJECT, "member")),
    "project.member-affiliation": (
        "request",
        "no member organisation of the project is the agent's affiliation",
        steps(
            setp(PROJECT, member=[ref("https://ror.org/01ee9ar58")]),
            add({"@id": "https://ror.org/01ee9ar58", "@type": "Organization", "name": "Another university"}),
        ),
    ),
    "inputs.object": (
        "request",
        "an input that is an exampleOfWork of a FormalParameter is not in object",
        setp(RUN, object=[ref("input1.txt")]),
    ),
    "inputs.data-entity": (
        "request",
        "an object of the CreateAction has no entity",
        setp(RUN, object=[ref("input1.txt"), ref("#enableFastMode"), ref("#undescribed")]),
    ),
    "inputs.example-of-work": (
        "request",
        "an input has no exampleOfWork",
        steps(delp("input1.txt", "exampleOfWork"), lambda c: drop(c, "#sequence")),
    ),
    "outputs.result": ("published", "the completed CreateAction has no result", delp(RUN, "result")),
    "outputs.described": (
        "published",
        "a result of the CreateAction has no entity",
        setp(RUN, result=[ref(TABLE), ref(SENSITIVE), ref("outputs/missing.csv")]),
    ),
    "outputs.type": ("published", "a result entity is typed CreativeWork", setp(TABLE, **{"@type": "CreativeWork"})),
    "outputs.folder": ("published", "an in-crate result is not in outputs/", lambda c: rename(c, TABLE, "table.csv")),
    "sensitive.document": (
        "published",
        "an entity with hasDigitalDocumentPermission is not a DigitalDocument",
        setp(SENSITIVE, **{"@type": "CreativeWork"}),
    ),
    "sensitive.permission": (
        "published",
        "hasDigitalDocumentPermission references a Thing",
        setp(PERMISSION, **{"@type": "Thing"}),
    ),
    "sensitive.grantee": ("published", "the DigitalDocumentPermission has no grantee", delp(PERMISSION, "grantee")),
    "sensitive.read-permission": (
        "published",
        "the permission type is WritePermission",
        setp(PERMISSION, permissionType="http://schema.org/WritePermission"),
    ),
    "sensitive.grantee-project": (
        "published",
        "the grantee is a person, not the responsible project",
        setp(PERMISSION, grantee=ref(PERSON)),
    ),
    "review.mentioned": (
        "published",
        "the DownloadAction is not in the root's mentions",
        lambda c: unref(c, "./", "mentions", DOWNLOADED),
    ),
    "review.action-status": ("published", "the check action has no actionStatus", delp(CHECK, "actionStatus")),
    "review.object-root": (
        "published",
        "the check action's object is not the root",
        setp(CHECK, object=ref("input1.txt")),
    ),
    "review.name": ("published", "the check action has no name", delp(CHECK, "name")),
    "review.end-time": ("published", "the completed check action has no endTime", delp(CHECK, "endTime")),
    "review.end-time-format": (
        "published",
        "an endTime has no T separator and no timezone",
        setp(CHECK, endTime="2023-04-18 12:11:45"),
    ),
    "review.start-time-format": (
        "published",
        "a startTime has no timezone",
        setp(VALIDATE, startTime="2023-04-18T12:11:46"),
    ),
    "review.start-time": ("published", "the completed check action has no startTime (MAY)", delp(CHECK, "startTime")),
    "review.agent": ("published", "the sign-off has no agent", delp(SIGNOFF, "agent")),
    "review.agent-type": (
        "published",
        "the sign-off agent is typed CreativeWork",
        setp(REVIEWER, **{"@type": "CreativeWork"}),
    ),
    "review.agent-name": ("published", "the sign-off agent has no name", delp(REVIEWER, "name")),
    "review.software-provider": (
        "published",
        "the validator SoftwareApplication has no provider",
        delp(VALIDATOR, "provider"),
    ),
    "check.recorded": ("published", "the CheckValue AssessAction is removed", lambda c: drop(c, CHECK)),
    "check.instrument": (
        "published",
        "the check's instrument is sha-256",
        steps(
            setp(CHECK, instrument=ref("https://www.iana.org/assignments/named-information#sha-256")),
            add(
                {
                    "@id": "https://www.iana.org/assignments/named-information#sha-256",
                    "@type": "DefinedTerm",
                    "name": "sha-256 algorithm",
                }
            ),
        ),
    ),
    "validation.recorded": ("published", "the ValidationCheck AssessAction is removed", lambda c: drop(c, VALIDATE)),
    "validation.instrument": (
        "published",
        "the validation's instrument is not the profile",
        setp(VALIDATE, instrument=ref("https://tre72.example.com/agreement-policy/81")),
    ),
    "retrieval.object-distribution": (
        "published",
        "the DownloadAction's object is not the distribution",
        setp(DOWNLOADED, object=ref("https://workflowhub.eu/workflows/289")),
    ),
    "retrieval.result": (
        "published",
        "the DownloadAction has no result (MAY)",
        steps(delp(DOWNLOADED, "result"), lambda c: drop(c, "workflow/289/")),
    ),
    "retrieval.result-same-as": ("published", "the unpacked workflow has no sameAs", delp("workflow/289/", "sameAs")),
    "retrieval.result-distribution": (
        "published",
        "the unpacked workflow has no distribution",
        delp("workflow/289/", "distribution"),
    ),
    "signoff.recorded": ("published", "the SignOff AssessAction is removed", lambda c: drop(c, SIGNOFF)),
    "signoff.instrument": ("published", "the sign-off has no instrument (policy)", delp(SIGNOFF, "instrument")),
    "signoff.instrument-policy": (
        "published",
        "the Agreement policy the sign-off cites has no name",
        delp("https://tre72.example.com/agreement-policy/81", "name"),
    ),
    "check.instrument-term": (
        "published",
        "the sha-512 algorithm the integrity check cites is a CreativeWork, not a DefinedTerm",
        setp(SHA512, **{"@type": "CreativeWork"}),
    ),
    "action.status-value": (
        "published",
        "the DownloadAction's actionStatus is misspelt (as the spec example misspells the run's)",
        setp(DOWNLOADED, actionStatus="http://schema.org/CompletetedActionStatus"),
    ),
    "createaction.name": ("request", "the CreateAction has no name", delp(RUN, "name")),
    "signoff.object-workflow": (
        "published",
        "the sign-off's object lacks the workflow",
        lambda c: unref(c, SIGNOFF, "object", WORKFLOW),
    ),
    "signoff.object-project": (
        "published",
        "the sign-off's object lacks the project",
        lambda c: unref(c, SIGNOFF, "object", PROJECT),
    ),
    "execution.action-status": (
        "request",
        "the CreateAction's actionStatus is misspelt (as in the spec example)",
        setp(RUN, actionStatus="http://schema.org/CompletetedActionStatus"),
    ),
    "execution.action-status-present": ("request", "the CreateAction has no actionStatus", delp(RUN, "actionStatus")),
    "execution.start-time": ("published", "the completed CreateAction has no startTime", delp(RUN, "startTime")),
    "execution.end-time": ("published", "the completed CreateAction has no endTime", delp(RUN, "endTime")),
    "disclosure.recorded": ("published", "the DisclosureCheck AssessAction is removed", lambda c: drop(c, DISCLOSURE)),
    "disclosure.failed-no-results": (
        "published",
        "the disclosure check failed but the results are kept",
        failed_disclosure,
    ),
    "disclosure.failed-remove-action": (
        "published",
        "the disclosure check failed, the results are removed but the CreateAction is kept",
        steps(
            failed_disclosure,
            delp(RUN, "result"),
            lambda c: drop(c, TABLE),
            lambda c: drop(c, SENSITIVE),
            lambda c: drop(c, PERMISSION),
        ),
    ),
    "publishing.date-published": ("published", "the root has no datePublished", delp("./", "datePublished")),
    "publishing.publisher": ("published", "the root has no publisher", delp("./", "publisher")),
    "publishing.license": ("published", "the root has no license", delp("./", "license")),
    "publishing.mentions-assess-actions": (
        "published",
        "the check AssessAction is not in the root's mentions",
        lambda c: unref(c, "./", "mentions", CHECK),
    ),
    "publishing.has-part-results": (
        "published",
        "a result file is not in the root's hasPart",
        lambda c: unref(c, "./", "hasPart", TABLE),
    ),
    "publishing.checksums-recorded": (
        "published",
        "the GenerateCheckValue UpdateAction is removed",
        lambda c: drop(c, BAGIT),
    ),
    "publishing.checksum-instrument": (
        "published",
        "the checksum update has no sha-512 instrument",
        delp(BAGIT, "instrument"),
    ),
    "publishing.checksum-action-type": (
        "published",
        "the checksum update is typed Action, not UpdateAction",
        setp(BAGIT, **{"@type": "Action"}),
    ),
}


def write_crate(folder: Path, crate: Crate) -> None:
    """Write the metadata file and a small payload file for every in-crate File and Dataset."""
    folder.mkdir(parents=True)
    (folder / "ro-crate-metadata.json").write_text(json.dumps(crate, indent=2) + "\n", encoding="utf-8")
    for item in crate["@graph"]:
        entity_id, types = item["@id"], item.get("@type")
        if ":" in entity_id or entity_id.startswith(("#", "./")) or entity_id == "ro-crate-metadata.json":
            continue
        target = folder / entity_id
        if types == "Dataset" or entity_id.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
            (target / "README.md").write_text("placeholder\n", encoding="utf-8")
        elif types == "File":
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text("placeholder\n", encoding="utf-8")


PHASES = {"publishing.checksums-recorded": "published"}
"""Fixtures validated with ``--phase``: without the action they remove, the stage would not be inferred."""


def build(check_id: str) -> Crate:
    base, _description, mutate = MUTATIONS[check_id]
    crate = BASES[base]()
    mutate(crate)
    return crate


def main() -> None:
    for check_id, (base, description, _mutate) in MUTATIONS.items():
        folder = INVALID / check_id
        if folder.exists():
            shutil.rmtree(folder)
        write_crate(folder / "crate", build(check_id))
        expected = {
            "description": f"generated by make_shape_fixtures.py from the correct {base} crate: {description}",
            "input": "crate",
            "profile": None,
            "phase": PHASES.get(check_id),
            "checks": [check_id],
        }
        (folder / "expected.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
