"""Age-banded cohort counts: the tiny workflow of the fivesafes-crate demo (no workflow engine needed).

    python cohort_counts.py COHORT.csv AGE_BAND_WIDTH SUPPRESS_BELOW RECORDS.csv OUTPUT.csv

COHORT.csv lists the age bands and sexes to count (``age_band,sex,include``); RECORDS.csv is the TRE's
record-level extract (``age,sex``). The output has one row per included band and sex with the number of
records, counts below SUPPRESS_BELOW written as ``<N`` (small-number suppression).
"""

from __future__ import annotations

import csv
import sys
from collections import Counter


def main(cohort: str, width: str, suppress_below: str, records: str, output: str) -> None:
    band_width, threshold = int(width), int(suppress_below)
    with open(cohort, newline="", encoding="utf-8") as stream:
        wanted = [(row["age_band"], row["sex"]) for row in csv.DictReader(stream) if row["include"] == "true"]
    counts: Counter[tuple[str, str]] = Counter()
    with open(records, newline="", encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            low = int(row["age"]) // band_width * band_width
            counts[(f"{low}-{low + band_width - 1}", row["sex"])] += 1
    with open(output, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["age_band", "sex", "count"])
        for band, sex in wanted:
            count = counts[(band, sex)]
            writer.writerow([band, sex, count if count >= threshold else f"<{threshold}"])


if __name__ == "__main__":
    main(*sys.argv[1:6])
