"""Compare candidate SHACL engines with pySHACL on our own shapes: findings on every input, and speed.

For every fixture under ``tests/crates/``, example and spec example whose graph can be built, each installed
candidate runs the shapes selected for the crate's profile and stage over the same graph, and its findings
(check id, severity, focus, path) are compared with pySHACL's. Then each engine validates synthetic published
crates (``benchmarks/generate.py``) of the given sizes, best of ``--repeat`` runs in one process, side by side.
Candidates not installed are listed as such. The figures feed the table of ``docs/engines.md``.

Usage::

    .venv/bin/pip install shacl pyshacl-turbo pyshifty shacl-rust pyrudof   # the candidates
    .venv/bin/python benchmarks/engines.py [--sizes 1000,10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.util import from_n3

from fivesafes_crate.errors import FiveSafesError
from fivesafes_crate.issues import Stage
from fivesafes_crate.model.crate import load_crate
from fivesafes_crate.model.graph import CrateGraph, build_graph
from fivesafes_crate.model.source import open_source
from fivesafes_crate.profiles import resolve_profile
from fivesafes_crate.validation import shacl as S
from fivesafes_crate.validation.shacl_engines import _NTriplesWriter

_spec = importlib.util.spec_from_file_location("generate", Path(__file__).resolve().parent / "generate.py")
assert _spec is not None and _spec.loader is not None
generate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generate)

REPO = Path(__file__).resolve().parents[1]
Finding = tuple[str, str | None, str | None, str | None]
Runner = Callable[[CrateGraph, str, Stage], set[Finding]]


def inputs() -> list[tuple[str, Path, str | None, str | None]]:
    found = []
    for kind in ("invalid", "valid"):
        for folder in sorted((REPO / "tests" / "crates" / kind).iterdir()):
            if (folder / "expected.json").is_file():
                expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
                found.append((f"{kind}/{folder.name}", folder / expected.get("input", "crate"),
                              expected.get("profile"), expected.get("phase")))
    found += [(f"examples/{p.name}", p, None, None) for p in sorted((REPO / "examples").iterdir())
              if (p / "ro-crate-metadata.json").is_file()]
    found += [(f"spec/{p.parent.name}/{p.name}", p, None, None)
              for p in sorted((REPO / "tests" / "data" / "5s-crate").glob("*/example-*"))]
    return found


def prepare(path: Path, profile: str | None, phase: str | None) -> tuple[CrateGraph, str, Stage] | None:
    try:
        with open_source(path) as source:
            crate = load_crate(source)
            graph = build_graph(crate)
    except FiveSafesError:
        return None
    try:
        chosen = resolve_profile(crate, profile).profile
    except FiveSafesError:  # an unsupported declared version: nothing to run the shapes against
        return None
    return graph, chosen.version, Stage.parse(phase) if phase else crate.stage()


def finding(data: CrateGraph, shape: Any, severity: Any, focus: Any, path: Any) -> Finding:
    shape = str(shape)
    check = shape[len(S.CHECK_NS):] if shape.startswith(S.CHECK_NS) else "unnamed"
    level = S.SEVERITIES.get(URIRef(str(severity)))
    return (check, level.label if level else None, None if focus == S.WHOLE_CRATE else data.display(focus),
            data.term(path) if isinstance(path, URIRef) else None)


def from_report(report: Graph, data: CrateGraph) -> set[Finding]:
    return {finding(data, report.value(r, SH.sourceShape), report.value(r, SH.resultSeverity),
                    report.value(r, SH.focusNode), report.value(r, SH.resultPath))
            for node in report.subjects(RDF.type, SH.ValidationReport) for r in report.objects(node, SH.result)}


_text: dict[tuple[str, Stage], str] = {}


def shapes_text(version: str, stage: Stage) -> str:
    if (version, stage) not in _text:
        _text[version, stage] = _NTriplesWriter().write(S.shapes_for(version, stage))
    return _text[version, stage]


def run_pyshacl(data: CrateGraph, version: str, stage: Stage) -> set[Finding]:
    return {(i.check, i.severity.label, i.focus, i.path) for i in S.run_shapes(data, version, stage, "pyshacl")}


def run_shacl(data: CrateGraph, version: str, stage: Stage) -> set[Finding]:
    return {(i.check, i.severity.label, i.focus, i.path) for i in S.run_shapes(data, version, stage, "shacl")}


def run_turbo(data: CrateGraph, version: str, stage: Stage) -> set[Finding]:
    import pyshacl_turbo

    _c, report, _t = pyshacl_turbo.validate(data.graph, shacl_graph=S.shapes_for(version, stage), inference="none",
                                            advanced=True, allow_infos=True, allow_warnings=True)
    return from_report(report, data)


def run_shifty(data: CrateGraph, version: str, stage: Stage) -> set[Finding]:
    import shifty

    _c, report, _t = shifty.validate(data.graph, shacl_graph=S.shapes_for(version, stage))
    return from_report(report, data)


def run_shacl_rust(data: CrateGraph, version: str, stage: Stage) -> set[Finding]:
    import shacl_rust

    writer = _NTriplesWriter()
    result = shacl_rust.validate(writer.write(data.graph), shapes_text(version, stage), data_format="nt",
                                 shapes_format="nt")

    def term(text: str | None) -> Any:
        return None if text is None else BNode(text[2:]) if text.startswith("_:") else from_n3(text)

    return {finding(data, term(r.get("sourceShape")), term(r.get("severity")), term(r.get("focusNode")),
                    term(r.get("resultPath"))) for r in result["results"]}


def run_rudof(data: CrateGraph, version: str, stage: Stage) -> set[Finding]:
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_data(_NTriplesWriter().write(data.graph), format=pyrudof.RDFFormat.NTriples)
    rudof.read_shacl(shapes_text(version, stage), format=pyrudof.ShaclFormat.NTriples)
    rudof.validate_shacl()
    report = Graph()
    report.parse(data=rudof.serialize_shacl_validation_results(
        format=pyrudof.ResultShaclValidationFormat.NTriples), format="nt")
    return from_report(report, data)


CANDIDATES: dict[str, tuple[str, Runner]] = {
    "pyshacl": ("pyshacl", run_pyshacl), "shacl": ("shacl", run_shacl), "pyshacl-turbo": ("pyshacl_turbo", run_turbo),
    "pyshifty": ("shifty", run_shifty), "shacl-rust": ("shacl_rust", run_shacl_rust), "pyrudof": ("pyrudof", run_rudof),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--max-inputs", type=int, default=None, help="compare findings on the first inputs only")
    parser.add_argument("--skip-slow", type=float, default=20.0, help="skip larger sizes after a run this slow (s)")
    args = parser.parse_args(argv)
    # This folder holds a packaging.py, which would shadow the "packaging" distribution pySHACL imports.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    engines = {name: run for name, (module, run) in CANDIDATES.items() if importlib.util.find_spec(module)}
    print("not installed:", ", ".join(sorted(set(CANDIDATES) - set(engines))) or "none")
    counts = {name: {"same": 0, "different": 0, "error": 0} for name in engines}
    for label, path, profile, phase in inputs()[: args.max_inputs]:
        prepared = prepare(path, profile, phase)
        if prepared is None:
            continue
        reference = run_pyshacl(*prepared)
        for name, run in engines.items():
            try:
                got = run(*prepared)
            except Exception as exc:  # a candidate failing is a finding of this comparison
                counts[name]["error"] += 1
                print(f"  {name} {label}: error {str(exc)[:120]}")
                continue
            same = got == reference
            counts[name]["same" if same else "different"] += 1
            if not same:
                print(f"  {name} {label}: missing {sorted(reference - got)[:2]} extra {sorted(got - reference)[:2]}")
    print("| engine | same | different | error | " + " | ".join(f"N={n} best of {args.repeat} (s)"
                                                           for n in generate.parse_sizes(args.sizes)) + " |")
    with tempfile.TemporaryDirectory() as tmp:
        crates = {n: generate.write_crate(n, Path(tmp) / f"crate-{n}") for n in generate.parse_sizes(args.sizes)}
        graphs = {n: prepare(path, None, None) for n, path in crates.items()}
        for name, run in engines.items():
            times = []
            for n in crates:
                prepared = graphs[n]
                assert prepared is not None
                if times and times[-1] != "-" and float(times[-1]) > args.skip_slow:
                    times.append("-")
                    continue
                best = min(_timed(run, prepared) for _ in range(args.repeat))
                times.append(f"{best:.2f}")
            c = counts[name]
            print(f"| {name} | {c['same']} | {c['different']} | {c['error']} | " + " | ".join(times) + " |")
    return 0


def _timed(run: Runner, prepared: tuple[CrateGraph, str, Stage]) -> float:
    start = time.perf_counter()
    run(*prepared)
    return time.perf_counter() - start


if __name__ == "__main__":
    raise SystemExit(main())
