"""Train the learned part of the comment classifier on the labelled comments and write it into the package.

    pip install -e '.[train]'
    python tools/scripts/train_classifier.py [--cv] [--c 4]

Reads the files named in TRAINED_ON (never test.csv or untouched.csv, see there), computes each comment's
features exactly as classification does (socialops.community.model.features over the rules' evidence),
hashes them into buckets, fits a multinomial logistic regression (scikit-learn; needed here only, not at
run time) and writes tools/socialops/data/classifier.json. It also writes a check file of a few texts and the
probabilities scikit-learn gives them (tests/fixtures/comments/classifier_check.json), which the tests
compare with the shipped model's plain-Python inference. ``--cv`` reports 5-fold cross-validation within
the training data of the whole classifier (rules and model) for a few values of C, to choose C without the test
split.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
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

COMMENTS = ROOT / "tests" / "fixtures" / "comments"
# What the model is fitted on. Never test.csv (the figures reported) nor untouched.csv (scored once at the
# end): the train/test/untouched split holds, and no text of theirs is fitted on (NEVER, below). Nor
# heldout6.csv, the held-out set of this round (not read here at all: tests/test_classify.py checks that no text
# of it is in a file named here).
# unseen.csv, fresh.csv and heldout4.csv were written as held-out sets and each was scored once, at the end of
# the round it was written in; spent as fair tests, they are training data since the round of the t20- comments
# (2,111 comments instead of 1,347). 5-fold CV on them, macro-F1 / hard / abusive P and R: C=32 0.896 / 0.873 /
# 0.951 / 0.873, C=64 0.897 / 0.875 / 0.950 / 0.879, C=128 0.901 / 0.880 / 0.950 / 0.884, C=256 0.901 / 0.881 /
# 0.950 / 0.888, C=512 0.901 / 0.880 / 0.943 / 0.886: C=128, the least C on the plateau.
# heldout5.csv (300 comments, 224 hard) was written as the held-out set of the t20- round and scored once, at its
# end (macro-F1 0.922, abusive recall 0.839); spent as a fair test, it is training data since the t21- round.
# corpus.csv and holdout.csv, the older corpora (fi and en, no hard cases, before the incident category, which
# labels a hair in a salad negative), are not: added whole to every fold's fitting part they changed the
# 5-fold CV by -0.002 macro-F1 and -0.003 abusive recall (C=32), and they stay a check of the rules.
TRAINED_ON = ("train.csv", "unseen.csv", "fresh.csv", "heldout4.csv", "heldout5.csv")
NEVER = ("test.csv", "untouched.csv")
OUT = ROOT / "tools" / "socialops" / "data" / "classifier.json"
CHECK = ROOT / "tests" / "fixtures" / "comments" / "classifier_check.json"
BUCKETS = 2 ** 18
SEED = 17
CHECK_TEXTS = ("Onko teillä gluteenitonta leipää?", "You are all idiots", "Hittade en glasbit i salladen",
               "Paras kahvila ikinä!", "DM me for cheap followers 💰", "Kahvi oli kylmää ja palvelu hidasta")


def load(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def same_text(text: str) -> str:
    """A text as compared for duplicates: case, punctuation and spacing aside (emoji kept)."""
    return " ".join(re.sub(r"[^\w\s\U0001F000-\U0001FAFF\u2600-\u27BF]", " ", text.casefold()).split())


def training_rows(names: tuple[str, ...] = TRAINED_ON) -> list[dict[str, str]]:
    """The rows of ``names``, each text once (the first) and none whose text is in test.csv or untouched.csv;
    each row says which file it is from (``source``)."""
    seen = {same_text(r["text"]) for name in NEVER for r in load(COMMENTS / name)}
    rows = []
    for name in names:
        for row in load(COMMENTS / name):
            key = same_text(row["text"])
            if key in seen:
                continue
            seen.add(key)
            rows.append({**row, "source": name})
    return rows


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
    """5-fold cross-validation within the training data of the whole classifier: the rules' evidence (found
    once) combined with the probabilities of a model fitted on the other folds."""
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
        print(f"C={c:g}: 5-fold within the training data macro-F1 {macro_f1(pairs):.3f}, hard {macro_f1(hard):.3f}, "
              f"abusive P {precision:.3f} R {recall:.3f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--c", type=float, default=128.0, help="inverse regularisation strength")
    parser.add_argument("--cv", action="store_true", help="cross-validate within the training data for a few C first")
    parser.add_argument("--cs", default="32,64,128,256", help="the values of C to cross-validate")
    parser.add_argument("--cv-only", action="store_true", help="cross-validate and write nothing")
    args = parser.parse_args(argv)
    rows = training_rows()
    found = evidence([r["text"] for r in rows])
    x = matrix(feature_rows(found))
    if args.cv or args.cv_only:
        cross_validate(rows, found, x, [float(c) for c in args.cs.split(",")])
    if args.cv_only:
        return 0
    lr = fit(x, [r["label"] for r in rows], args.c)
    sources = Counter(r["source"] for r in rows)
    about = {"trained_on": {f"tests/fixtures/comments/{name}": sources[name] for name in TRAINED_ON},
             "never": [f"tests/fixtures/comments/{name}" for name in NEVER], "rows": len(rows), "C": args.c,
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
