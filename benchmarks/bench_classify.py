"""Classification against the labelled corpus: precision and recall per category, and the confusion matrix.

    python benchmarks/bench_classify.py [--corpus tests/fixtures/comments/corpus.csv] [--errors] [--json]

The corpus (tests/fixtures/comments/corpus.csv: id, language, label, text) holds hand-written Finnish and
English comments in the five categories. The target is precision above 0.9 for `abusive` (comments are
hidden automatically only on abuse found with high confidence, so a wrong "abusive" costs a customer's
voice); recall matters for flagging, because every flagged comment reaches a person.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from socialops.community.categories import CATEGORIES  # noqa: E402
from socialops.community.classify import classify  # noqa: E402

DEFAULT = ROOT / "tests" / "fixtures" / "comments" / "corpus.csv"


def load(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def evaluate(rows: list[dict[str, str]]) -> dict:
    """Per category: tp, fp, fn, precision, recall; plus the confusion matrix and the mistakes."""
    confusion: Counter[tuple[str, str]] = Counter()
    mistakes = []
    high_abusive = Counter()
    for row in rows:
        decision = classify(row["text"])
        confusion[(row["label"], decision.category)] += 1
        if decision.category == "abusive" and decision.confidence == "high":
            high_abusive["tp" if row["label"] == "abusive" else "fp"] += 1
        if decision.category != row["label"]:
            mistakes.append({"id": row["id"], "label": row["label"], "got": decision.category,
                             "reason": decision.reason, "text": row["text"]})
    per = {}
    for cat in CATEGORIES:
        tp = confusion[(cat, cat)]
        fp = sum(n for (label, got), n in confusion.items() if got == cat and label != cat)
        fn = sum(n for (label, got), n in confusion.items() if label == cat and got != cat)
        per[cat] = {
            "support": tp + fn, "tp": tp, "fp": fp, "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": tp / (tp + fn) if tp + fn else 0.0,
        }
    n = len(rows)
    accuracy = sum(confusion[(c, c)] for c in CATEGORIES) / n if n else 0.0
    hidden = high_abusive["tp"] + high_abusive["fp"]
    return {"n": n, "accuracy": accuracy, "per_category": per,
            "confusion": {f"{a}->{b}": k for (a, b), k in sorted(confusion.items())},
            "abusive_high_confidence": {"count": hidden, "precision": high_abusive["tp"] / hidden if hidden else 0.0},
            "mistakes": mistakes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT)
    parser.add_argument("--errors", action="store_true", help="list the misclassified comments")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    rows = load(args.corpus)
    started = time.perf_counter()
    result = evaluate(rows)
    elapsed = time.perf_counter() - started
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "mistakes" or args.errors}, indent=2,
                         ensure_ascii=False))
        return 0
    langs = Counter(r["language"] for r in rows)
    print(f"corpus: {args.corpus.relative_to(ROOT) if args.corpus.is_relative_to(ROOT) else args.corpus} "
          f"({result['n']} comments: " + ", ".join(f"{k} {v}" for k, v in sorted(langs.items())) + ")")
    print(f"{'category':<10} {'support':>7} {'precision':>9} {'recall':>7}")
    for cat, m in result["per_category"].items():
        print(f"{cat:<10} {m['support']:>7} {m['precision']:>9.3f} {m['recall']:>7.3f}")
    hi = result["abusive_high_confidence"]
    print(f"accuracy {result['accuracy']:.3f}; abusive with high confidence (what hide rules act on): "
          f"{hi['count']} comments, precision {hi['precision']:.3f}")
    print(f"{result['n'] / elapsed:,.0f} comments/s ({elapsed * 1000:.0f} ms)")
    if args.errors:
        for m in result["mistakes"]:
            print(f"  {m['id']} {m['label']:>8} -> {m['got']:<8} {m['text'][:70]!r}  [{m['reason'][:90]}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
