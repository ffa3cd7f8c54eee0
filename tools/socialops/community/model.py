"""The learned part of classification: a linear model over hashed features, trained by
``tools/scripts/train_classifier.py`` on the labelled comments (the train split and the spent held-out sets,
never test or untouched: its ``about`` says which) and shipped as ``data/classifier.json``; inference here is
plain Python.

Features (:func:`features`): character n-grams of each word and of its lemma (spelling, inflection and
compounds in any language), the words and their lemmas, word pairs and lemma pairs, emoji and punctuation, and the rules' signals (which
lexicon classes matched, the rule scores). Each feature is hashed with zlib.crc32 (stable across runs and
machines, unlike ``hash()``) into a fixed number of buckets, with a sign bit so that collisions tend to
cancel; the values are scaled to unit length. The model gives one probability per category (softmax).
"""

from __future__ import annotations

import base64
import functools
import json
import math
import re
import sys
import zlib
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from socialops.community.lexicons import Token

_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")
NGRAMS = (2, 3, 4, 5)
# a rule signal weighs as much as this many n-grams: a few signals must not drown among hundreds of n-grams
SIGNAL_WEIGHT = 3.0


def features(raw: str, tokens: Sequence[Token], signals: Iterable[str], cues: Iterable[str] = ()) -> list[str]:
    """The features of a comment: ``raw`` as written, its ``tokens`` (with lemmas), the rules' ``signals``,
    and ``cues`` of whom a remark is aimed at (:func:`socialops.community.aimed.cues`)."""
    out: list[str] = [f"r:{s}" for s in signals] + list(cues)
    words = [t.forms[0] for t in tokens]
    lemmas = [t.forms[-1] for t in tokens]
    for token in tokens:
        out += [f"w:{form}" for form in token.forms]
        for spelling in dict.fromkeys((token.forms[0], token.forms[-1])):  # as written, and its lemma
            padded = f" {spelling} "
            for n in NGRAMS:
                out += [f"c:{padded[i:i + n]}" for i in range(max(1, len(padded) - n + 1))]
    out += [f"b:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    out += [f"l:{a} {b}" for a, b in zip(lemmas, lemmas[1:], strict=False)]
    if tokens:
        out += [f"first:{words[0]}", f"last:{words[-1]}"]
    out += [f"e:{e}" for e in _EMOJI.findall(raw)]
    out += [f"p:{mark}" for mark in ("?", "!", "...", "@", "#", '"') if mark in raw]
    out.append(f"len:{min(len(tokens) // 4, 8)}")
    return out


def hashed(feats: Iterable[str], buckets: int) -> dict[int, float]:
    """Bucket -> value: each feature once (a rule signal, ``r:``, weighs more), signed by a bit of its hash,
    scaled to unit length."""
    out: dict[int, float] = {}
    for feat in dict.fromkeys(feats):
        code = zlib.crc32(feat.encode("utf-8"))
        bucket = code % buckets
        weight = SIGNAL_WEIGHT if feat.startswith("r:") else 1.0
        out[bucket] = out.get(bucket, 0.0) + (weight if code >> 31 else -weight)
    norm = math.sqrt(sum(v * v for v in out.values())) or 1.0
    return {b: v / norm for b, v in out.items() if v}


@dataclass(frozen=True)
class Model:
    """Weights per bucket and category, quantised to 16 bits with one scale per category."""

    classes: tuple[str, ...]
    buckets: int
    intercepts: tuple[float, ...]
    scales: tuple[float, ...]
    weights: array  # int16, bucket-major: weights[bucket * len(classes) + k]

    def probabilities(self, feats: Iterable[str]) -> dict[str, float]:
        size = len(self.classes)
        logits = list(self.intercepts)
        for bucket, value in hashed(feats, self.buckets).items():
            row = bucket * size
            for k in range(size):
                logits[k] += value * self.weights[row + k] * self.scales[k]
        top = max(logits)
        exp = [math.exp(v - top) for v in logits]
        total = sum(exp)
        return {c: e / total for c, e in zip(self.classes, exp, strict=True)}


def model_from_json(data: Mapping) -> Model:
    weights = array("h", zlib.decompress(base64.b64decode(data["weights"])))
    if sys.byteorder == "big":  # stored little-endian
        weights.byteswap()
    return Model(classes=tuple(data["classes"]), buckets=int(data["buckets"]),
                 intercepts=tuple(float(v) for v in data["intercepts"]),
                 scales=tuple(float(v) for v in data["scales"]), weights=weights)


def model_to_json(classes: Sequence[str], buckets: int, intercepts: Sequence[float],
                  weights: Sequence[Sequence[float]], about: Mapping) -> dict:
    """The file form of a model; ``weights[bucket][k]`` (the training script's coefficients, transposed)."""
    scales = [max((abs(row[k]) for row in weights), default=0.0) / 32767 or 1.0 for k in range(len(classes))]
    packed = array("h", (round(row[k] / scales[k]) for row in weights for k in range(len(classes))))
    if sys.byteorder == "big":
        packed.byteswap()
    return {"about": dict(about), "classes": list(classes), "buckets": buckets,
            "intercepts": [round(float(v), 6) for v in intercepts], "scales": scales,
            "weights": base64.b64encode(zlib.compress(packed.tobytes(), 9)).decode("ascii")}


def load_model(path: Path) -> Model:
    return model_from_json(json.loads(path.read_text(encoding="utf-8")))


@functools.cache
def builtin_model() -> Model:
    """The model that ships with socialops, read once."""
    text = (resources.files("socialops") / "data" / "classifier.json").read_text(encoding="utf-8")
    return model_from_json(json.loads(text))
