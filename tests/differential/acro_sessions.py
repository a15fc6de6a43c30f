"""Run ACRO 1.0.2 on synthetic microdata, standalone (its verdicts) and federated (its evidence).

Run as a script by an interpreter that has ``acro`` installed (the ``acro-oracle`` extra)::

    python tests/differential/acro_sessions.py OUT

For every session of :data:`SESSIONS` it writes ``OUT/<session>/standalone/`` (what ``finalise(..., "json")``
writes: ``results.json``, the outputs, ``checksums/``, ``config.json``), ``OUT/<session>/federated/`` (the same
calls under ``ACRO(federated=True)``: ``evidence.json``, the interim tables, ``config.json``) and
``OUT/<session>/cells.json`` (for every table, the status of each of ACRO's checks and ACRO's outcome for every
cell, with the labels the screening report uses: the index levels, then the column levels, joined with
`` / ``). The data are synthetic and drawn
with fixed seeds; nothing is downloaded.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("MPLBACKEND", "Agg")
warnings.simplefilter("ignore")

import acro  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

logging.disable(logging.CRITICAL)  # ACRO logs every table at INFO level


def people(seed: int, rows: int, *, regions: tuple[float, ...], outlier: bool) -> pd.DataFrame:
    """Synthetic microdata: categories, an integer-coded sex, years, incomes, spends (some negative), ages,
    survival times, a binary outcome and a regressor."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "region": rng.choice(["North", "South", "East", "West"], rows, p=list(regions)),
        "grade": rng.choice(["A", "B", "C"], rows),
        "year": rng.choice([2019, 2020, 2021], rows),
        "sex": rng.choice([1, 2], rows),
        "income": rng.gamma(2.0, 10_000.0, rows),
        "spend": rng.normal(50.0, 400.0, rows),
        "age": rng.integers(18, 90, rows),
        "time": rng.exponential(10.0, rows).round(1) + 0.1,
        "x": rng.normal(0.0, 1.0, rows),
    })
    if outlier:
        frame.loc[0, ["region", "grade", "year", "income"]] = ["North", "A", 2019, 5_000_000.0]
    frame["income_int"] = frame["income"].round().astype(int)
    frame["event"] = (rng.random(rows) < 0.7).astype(int)
    frame["y"] = 3.0 + 2.0 * frame["x"] + rng.normal(0.0, 1.0, rows)
    frame["won"] = (frame["y"] + rng.normal(0.0, 2.0, rows) > 3.0).astype(int)
    frame["income_na"] = frame["income"].where(rng.random(rows) > 0.1)
    return frame


SMALL = people(1, 300, regions=(0.45, 0.45, 0.08, 0.02), outlier=True)
LARGE = people(2, 4000, regions=(0.25, 0.25, 0.25, 0.25), outlier=False)
# one dominant contribution in West / 2020 only: dominance the table's other cells do not share
LARGE_DOMINATED = LARGE.copy()
LARGE_DOMINATED.loc[LARGE_DOMINATED.query("region == 'West' and year == 2020").index[0], "income"] = 9_000_000.0
TINY = people(3, 14, regions=(0.25, 0.25, 0.25, 0.25), outlier=False)
# no West / C at all: an empty cell in every table of region by grade
GAPPED = LARGE[~((LARGE.region == "West") & (LARGE.grade == "C"))].reset_index(drop=True)
# group g1: 45 + 45 + ten times 1, so the two largest are exactly 90% of the total; g2 is harmless
EXACT_K = pd.DataFrame({"group": ["g1"] * 12 + ["g2"] * 12,
                        "value": [45.0, 45.0] + [1.0] * 10 + [10.0 + i for i in range(12)]})


def note(folder: Path) -> str:
    """A custom output: a text file of the researcher's."""
    path = folder / "method-note.txt"
    path.write_text("Incomes were deflated to 2019 prices before tabulation.\n", encoding="utf-8")
    return str(path)


Session = Callable[[Any, Path], None]


def default(s: Any, work: Path) -> None:
    """Every table, model and plot ACRO makes, on data that pass and data that fail."""
    for data in (SMALL, LARGE):
        s.crosstab(data.region, data.grade)
        s.crosstab(data.region, data.grade, margins=True)
        s.crosstab([data.region, data.year], data.grade)
        s.crosstab(data.region, [data.grade, data.sex])
        s.crosstab(data.sex, data.grade)
        s.crosstab(data.region, data.grade, values=data.income, aggfunc="mean")
        s.crosstab(data.region, data.grade, values=data.income, aggfunc="mean", margins=True)
        s.crosstab(data.region, data.grade, values=data.income_int, aggfunc="sum")
        s.crosstab(data.region, data.grade, values=data.income, aggfunc="median")
        s.crosstab(data.region, data.grade, values=data.age, aggfunc="min")
        s.crosstab(data.region, data.grade, values=data.income_int, aggfunc="max")
        s.crosstab(data.region, data.grade, values=data.age, aggfunc="mode")
        s.crosstab(data.region, data.grade, values=data.income, aggfunc="std")
        s.crosstab(data.region, data.grade, values=data.income, aggfunc="count")
        s.pivot_table(data, index=["region"], values=["income"], aggfunc=["mean"])
        s.pivot_table(data, index=["region", "year"], values=["income"], aggfunc=["mean"])
        s.pivot_table(data, index=["region", "sex"], values=["income"], aggfunc=["sum"])
        s.pivot_table(data, index=["region"], values=["income"], aggfunc=["mean", "std"])
        s.pivot_table(data, index=["region"], columns=["grade"], values=["income"], aggfunc=["mean"], margins=True)
        s.pivot_table(data, index=["region"], columns=["year"], values=["income"], aggfunc=["median"])
        s.pivot_table(data, index=["region"], values=["income"], aggfunc=["sum"], margins=True)
        s.pivot_table(data, index=["grade"], values=["age"], aggfunc=["max"])
        s.pivot_table(data, index=["region"], values=["spend"], aggfunc=["mean"])
        s.ols(data.y, acro.add_constant(data.x))
        s.logit(data.won, acro.add_constant(data.x))
        s.logitr(formula="won ~ x", data=data)
        s.surv_func(data.time, data.event, output="table")
        s.pie(data, "region", filename="regions.png")
    s.crosstab(SMALL.region, SMALL.grade, normalize=True)
    s.hist(SMALL, "income", filename="income.png")
    s.pivot_table(LARGE_DOMINATED, index=["region", "year"], values=["income"], aggfunc=["sum"])
    s.pivot_table(EXACT_K, index=["group"], values=["value"], aggfunc=["sum"])
    s.crosstab(GAPPED.region, GAPPED.grade)
    s.crosstab(GAPPED.region, GAPPED.grade, values=GAPPED.income, aggfunc="mean")
    s.crosstab(GAPPED.region, GAPPED.grade, values=GAPPED.income, aggfunc="median")
    s.crosstab(GAPPED.region, GAPPED.grade, values=GAPPED.age, aggfunc="mode")
    s.ols(TINY.y, acro.add_constant(TINY.x))
    s.probit(TINY.won, acro.add_constant(TINY.x))
    s.olsr(formula="y ~ x + C(grade)", data=LARGE)
    s.probitr(formula="won ~ x", data=TINY)
    s.custom_output(note(work), "how incomes were prepared")


def magnitudes(s: Any, work: Path) -> None:
    """Tables of values under a non-default configuration (set on the session before any table)."""
    s.crosstab(GAPPED.region, GAPPED.grade, values=GAPPED.age, aggfunc="mode")
    s.crosstab(GAPPED.region, GAPPED.grade, values=GAPPED.income, aggfunc="median")
    s.crosstab(SMALL.region, SMALL.grade, values=SMALL.income_na, aggfunc="mean")
    s.pivot_table(LARGE, index=["region"], values=["income_na"], aggfunc=["mean"])
    s.pivot_table(LARGE, index=["region"], values=["income"], aggfunc=["sum"])
    s.pivot_table(SMALL, index=["region"], values=["income"], aggfunc=["mean"], margins=True)


def options(s: Any, work: Path) -> None:
    """Frequency tables and tables of values under a non-default configuration."""
    s.crosstab(SMALL.region, SMALL.grade)
    s.crosstab(LARGE.region, LARGE.grade, margins=True)
    s.crosstab(GAPPED.region, GAPPED.grade)
    s.ols(TINY.y, acro.add_constant(TINY.x))
    magnitudes(s, work)


SESSIONS: dict[str, tuple[dict[str, Any], dict[str, Any], Session]] = {
    # name: (ACRO() arguments, configuration changes, the calls)
    "default": ({}, {}, default),
    # ACRO 1.0.2 cannot check missing values of frequency tables or models (it fails with an exception)
    "missing-values": ({}, {"check_missing_values": True}, magnitudes),
    "zeros-allowed": ({}, {"zeros_are_disclosive": False}, options),
    "strict": ({}, {"safe_threshold": 20, "safe_dof_threshold": 20, "safe_nk_n": 3, "safe_nk_k": 0.7,
                    "safe_pratio_p": 0.2}, options),
    "suppressed": ({"suppress": True}, {}, options),
}


def label(key: Any) -> str:
    """An index or column entry as the screening labels it: its levels joined with `` / ``."""
    parts = key if isinstance(key, tuple) else (key,)
    return " / ".join(str(part) for part in parts if str(part) != "")


def run(name: str, out: Path) -> None:
    """Run one session standalone and federated into ``out/<name>``."""
    arguments, config, calls = SESSIONS[name]
    folder = out / name
    cells: dict[str, dict[str, Any]] = {}
    for federated in (False, True):
        work = folder / ("federated-work" if federated else "standalone-work")
        work.mkdir(parents=True)
        here = Path.cwd()
        os.chdir(work)  # ACRO keeps its plots in ./acro_artifacts until it finalises
        try:
            session = acro.ACRO(federated=federated, **arguments)
            session.config.update(config)  # the checks read this dictionary (their risk appetite)
            calls(session, work)
            if not federated:
                for uid, record in session.results.results.items():
                    outcome = record.outcome
                    if isinstance(outcome, pd.DataFrame) and not outcome.empty:
                        cells[uid] = {
                            "checks": record.fair.get("check_status", {}),
                            "cells": [[label(row), label(column), str(outcome.loc[row, column])]
                                      for row in outcome.index for column in outcome.columns],
                        }
            session.finalise(str(folder / ("federated" if federated else "standalone")), "json")
        finally:
            os.chdir(here)
    (folder / "cells.json").write_text(json.dumps(cells, indent=1), encoding="utf-8")


def main() -> None:
    """Run every session into the folder given as the only argument."""
    out = Path(sys.argv[1]).resolve()
    for name in SESSIONS:
        run(name, out)


if __name__ == "__main__":
    main()
