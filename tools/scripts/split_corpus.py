"""Split the labelled corpus of issue 17 once into train (60%), test (20%) and untouched (20%).

    python tools/scripts/split_corpus.py tests/fixtures/comments/corpus17/part-*.csv

Stratified by label x language x hard with a fixed seed: within each stratum the rows are shuffled and dealt
in turn (train, train, train, test, untouched), the dealing carrying on across strata, so every split has
each kind of comment in the same proportion. Run once (it refuses to overwrite a split): rules and the
model are tuned on train only, figures are reported on test, and untouched is scored once, at the end.
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

SEED = 17
OUT = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "comments"
DEAL = ("train", "train", "train", "test", "untouched")
FIELDS = ("id", "language", "label", "hard", "kind", "text")


def main(paths: list[str]) -> int:
    targets = {name: OUT / f"{name}.csv" for name in set(DEAL)}
    if any(p.exists() for p in targets.values()):
        print("the corpus is already split; it is split only once", file=sys.stderr)
        return 1
    rows = []
    for path in paths:
        with open(path, encoding="utf-8", newline="") as fh:
            rows += list(csv.DictReader(fh))
    strata: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        strata.setdefault((row["label"], row["language"], row["hard"]), []).append(row)
    rng = random.Random(SEED)
    split: dict[str, list[dict[str, str]]] = {name: [] for name in targets}
    turn = 0
    for key in sorted(strata):
        group = strata[key]
        rng.shuffle(group)
        for row in group:
            split[DEAL[turn % len(DEAL)]].append(row)
            turn += 1
    for name, part in split.items():
        with open(targets[name], "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(sorted(part, key=lambda r: r["id"]))
        print(f"{name}: {len(part)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
