"""Train the learned part of the comment classifier on the train split and write it into the package.

    pip install -e '.[train]'
    python tools/scripts/train_classifier.py [--cv] [--c 4]

Reads tests/fixtures/comments/train.csv only (never test.csv or untouched.csv), computes each comment's
features exactly as classification does (socialops.community.model.features over the rules' evidence),
hashes them into buckets, fits a multinomial logistic regression (scikit-learn; needed here only, not at
run time) and writes tools/socialops/data/classifier.json. It also writes a check file of a few texts and the
probabilities scikit-learn gives them (tests/fixtures/comments/classifier_check.json), which the tests
compare with the shipped model's plain-Python inference. ``--cv`` reports 5-fold cross-validation within
train of the whole classifier (rules and model) for a few values of C, to choose C without the test split.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from socialops.community.categories import CATEGORIES  # noqa: E402
from socialops.community.classify import Evidence, combine, rule_evidence  # noqa: E402
from socialops.community.model import hashed, model_to_json  # noqa: E402
from socialops.community.settings import ProfileRules  # noqa: E402

TRAIN = ROOT / "tests" / "fixtures" / "comments" / "train.csv"
OUT = ROOT / "tools" / "socialops" / "data" / "classifier.json"
CHECK = ROOT / "tests" / "fixtures" / "comments" / "classifier_check.json"
BUCKETS = 2 ** 18
SEED = 17
CHECK_TEXTS = ("Onko teillä gluteenitonta leipää?", "You are all idiots", "Hittade en glasbit i salladen",
               "Paras kahvila ikinä!", "DM me for cheap followers 💰", "Kahvi oli kylmää ja palvelu hidasta")


def load(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def evidence(texts: list[str]) -> list[Evidence]:
    return [rule_evidence(text) for text in texts]


def feature_rows(found: list[Evidence]) -> list[dict[int, float]]:
    return [hashed(ev.features(), BUCKETS) for ev in found]


def matrix(rows: list[dict[int, float]]) -> csr_matrix:
    data, cols, ptr = [], [], [0]
    for row in rows:
        cols += list(row)
        data += list(row.values())
        ptr.append(len(cols))
    return csr_matrix((np.array(data), np.array(cols), np.array(ptr)), shape=(len(rows), BUCKETS))


def fit(x: csr_matrix, labels: list[str], c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x, labels)


def export(lr: LogisticRegression, about: dict) -> dict:
    classes = [str(c) for c in lr.classes_]
    return model_to_json(classes, BUCKETS, lr.intercept_.tolist(), lr.coef_.T.tolist(), about)


def f1(pairs: list[tuple[str, str]], cat: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of one category."""
    tp = sum(1 for gold, got in pairs if gold == cat == got)
    fp = sum(1 for gold, got in pairs if got == cat != gold)
    fn = sum(1 for gold, got in pairs if gold == cat != got)
    p, r = (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)
    return p, r, 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    return sum(f1(pairs, cat)[2] for cat in CATEGORIES) / len(CATEGORIES)


def cross_validate(rows: list[dict[str, str]], found: list[Evidence], x: csr_matrix, cs: list[float]) -> None:
    """5-fold cross-validation within train of the whole classifier: the rules' evidence (found once) combined
    with the probabilities of a model fitted on the other folds."""
    labels = [r["label"] for r in rows]
    folds = list(StratifiedKFold(5, shuffle=True, random_state=SEED).split(x, labels))
    rules = ProfileRules()
    for c in cs:
        pairs, hard = [], []
        for fit_at, score_at in folds:
            lr = fit(x[fit_at], [labels[i] for i in fit_at], c)
            for i, p in zip(score_at, lr.predict_proba(x[score_at]), strict=True):
                probabilities = dict(zip(lr.classes_.tolist(), p.tolist(), strict=True))
                pair = (labels[i], combine(found[i], probabilities, rules=rules).category)
                pairs.append(pair)
                if rows[i]["hard"] == "1":
                    hard.append(pair)
        precision, recall, _ = f1(pairs, "abusive")
        print(f"C={c:g}: 5-fold within train macro-F1 {macro_f1(pairs):.3f}, hard {macro_f1(hard):.3f}, "
              f"abusive P {precision:.3f} R {recall:.3f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--c", type=float, default=32.0, help="inverse regularisation strength")
    parser.add_argument("--cv", action="store_true", help="cross-validate within train for a few C first")
    parser.add_argument("--cs", default="4,16,32,100", help="the values of C to cross-validate")
    parser.add_argument("--cv-only", action="store_true", help="cross-validate and write nothing")
    args = parser.parse_args(argv)
    rows = load(TRAIN)
    found = evidence([r["text"] for r in rows])
    x = matrix(feature_rows(found))
    if args.cv or args.cv_only:
        cross_validate(rows, found, x, [float(c) for c in args.cs.split(",")])
    if args.cv_only:
        return 0
    lr = fit(x, [r["label"] for r in rows], args.c)
    about = {"trained_on": "tests/fixtures/comments/train.csv", "rows": len(rows), "C": args.c,
             "features": "crc32-hashed char 2-5-grams of words and lemmas, words, lemmas, word and lemma pairs, "
                         "emoji, rule signals, cues of whom a remark is aimed at (mentions, staff, names, "
                         "their private life)",
             "script": "tools/scripts/train_classifier.py"}
    OUT.write_text(json.dumps(export(lr, about), separators=(",", ":")) + "\n", encoding="utf-8")
    checks = [{"text": t, "probabilities": dict(zip(lr.classes_.tolist(), p.tolist(), strict=True))}
              for t, p in zip(CHECK_TEXTS, lr.predict_proba(matrix(feature_rows(evidence(list(CHECK_TEXTS))))), strict=True)]
    CHECK.write_text(json.dumps(checks, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1024:.0f} KiB) and {CHECK.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
