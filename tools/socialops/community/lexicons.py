"""Lexicons: the word lists that classification matches comments against, and the matching itself.

The lists ship for Finnish, Swedish and English (``data/lexicons/*.yaml``); an entry matches a word as
written or its lemma (classification passes :func:`socialops.community.lemmas.lemmas` to :func:`tokenize`, so
``idiootti`` covers ``idiootteja``), and stems such as ``idioot*`` still cover compounds. A profile adds its own
words in ``moderation:`` (see :mod:`socialops.community.settings`); its watch words also match inside
compounds (``allergi*`` matches ``maitoallergia``). A text is normalised (:func:`normalise`), cut into words
(:func:`tokenize`: links and mentions dropped, l33t spelling undone, stretched letters collapsed) and
matched by :class:`Pattern` (a word, a stem or a phrase), looked up through a :class:`PatternIndex`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

LANGUAGES = ("fi", "en", "sv")
LEXICON_CLASSES = (
    "insult", "weak_insult", "slur", "threat", "directed", "profanity", "second_person", "first_person",
    "negation", "negative_strong", "negative", "negative_hint", "positive", "question_start", "not_question", "spam_strong", "spam",
    "incident", "sarcasm", "veiled_threat", "identity", "staff", "question_implicit", "complaint_question",
    # the halves of the rules of socialops.community.aimed
    "group", "exclusion", "reported", "wish", "conditional", "harm", "consequence", "whereabouts", "routine",
    "dehumanising", "comparison", "people", "place",
    # the rules of socialops.community.veiled
    "unseen", "observing", "mock_praise", "property", "damage",
)

# --- text normalisation -----------------------------------------------------------------------------------

URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"']+"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|net|org|fi|io|ly|me|gg|info|biz|xyz|shop|store|app|co|uk|se|ru|cn|top|click|"
    r"link|site|online|live|example|invalid)\b(?:/[^\s<>\"']*)?"
)
MENTION = re.compile(r"(?<![\w@.])@[A-Za-z0-9_][A-Za-z0-9_.-]*")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
                       "!": "i", "|": "i"})
_TOKEN = re.compile(r"[^\W_](?:[\w'*!@$|-]*[^\W_*!@$|'-])?|[^\W_]")
_SENTENCE = re.compile(r"[.!?;:,\n]+")
_QUOTES = ('"', "\u201c", "\u201d", "\u201e", "\u00ab", "\u00bb")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]{0,200}>")
# after these words a new clause starts ("Hei! Toimitatteko", "hey, can I", "tyhmä kysymys mutta onko")
CLAUSE_OPENERS = frozenset({"hei", "moi", "moikka", "terve", "heippa", "hey", "hi", "hello", "but", "mutta", "mut",
                            "so", "eli", "ok", "okei", "joo", "kiitos", "thanks"})


def normalise(text: str) -> str:
    """NFKC, lower case, typographic apostrophes straightened, invisible characters dropped."""
    text = unicodedata.normalize("NFKC", str(text))
    text = _INVISIBLE.sub("", text).replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return text.casefold()


def _collapse(word: str, keep: int) -> str:
    return re.sub(r"(\w)\1{" + str(keep) + ",}", lambda m: m.group(1) * keep, word)


def _deleet(word: str) -> str:
    """Undo l33t spelling inside a word that has letters ("id1ootit", "v!tun"); '*' masks a letter."""
    letters = sum(ch.isalpha() for ch in word)
    if letters < 2 or word.isdigit():
        return word
    core = word.translate(_LEET) if any(ch in "0134573@$!|" for ch in word) else word
    return core.replace("*", "?")


@dataclass(frozen=True)
class Token:
    text: str  # as written (lower case)
    forms: tuple[str, ...]  # the spellings matched against patterns
    clause_start: bool  # first word of a sentence or clause
    index: int
    quoted: bool = False  # inside double quotes: someone else's words


# letters spelled apart to dodge word lists: "k-u-s-i-p-ä-ä", "c l o w n s", "tyh.mät pe.lle.t"
_SPELLED_APART = re.compile(r"(?<!\w)(?:[^\W\d_][ .*_-]){2,}[^\W\d_](?!\w)")
_DOTTED = re.compile(r"(?<=[^\W\d_])\.(?=[^\W\d_])")


def despace(text: str) -> str:
    """Letters spelled apart joined again into words."""
    text = _SPELLED_APART.sub(lambda m: re.sub(r"[ .*_-]", "", m.group(0)), text)
    return _DOTTED.sub("", text)


def disguised(text: str, tokens: Sequence[Token]) -> bool:
    """Whether an (already normalised) text hides a word: letters spelled apart or dotted ("c l o w n s",
    "d.u.m.m.a"), or l33t and masked spellings ("id10tti", "v!tun", "f*ck")."""
    return bool(_SPELLED_APART.search(text) or _DOTTED.search(text)
                or any(token.forms[0] != token.text for token in tokens))


def tokenize(text: str, lemmatise: Callable[[str], tuple[str, ...]] | None = None) -> list[Token]:
    """The words of an (already normalised) text, links and mentions removed, letters spelled apart joined,
    with the spellings to match (and their lemmas, when ``lemmatise`` is given)."""
    text = _HTML_TAG.sub(" ", text)
    text = URL.sub(" ", text)
    text = MENTION.sub(" ", text)
    text = despace(text)
    out: list[Token] = []
    quoted = False
    for part in _SENTENCE.split(text):
        first = True
        end = 0
        for match in _TOKEN.finditer(part):
            quoted ^= sum(part.count(q, end, match.start()) for q in _QUOTES) % 2 == 1
            end = match.end()
            word = match.group(0).strip("'-")
            if not word:
                continue
            base = _deleet(word)
            stretched = re.search(r"(\w)\1\1", base) is not None  # "fuuuck", "vittuuuu"
            forms = dict.fromkeys([base, _collapse(base, 2), _collapse(base, 1)] if stretched else [base])
            if lemmatise is not None:
                forms.update(dict.fromkeys(lemma for form in list(forms) for lemma in lemmatise(form)))
            out.append(Token(word, tuple(forms), first, len(out), quoted))
            first = word in CLAUSE_OPENERS
        quoted ^= sum(part.count(q, end) for q in _QUOTES) % 2 == 1
    return out


# --- lexicons ---------------------------------------------------------------------------------------------


def _in_compound(form: str, stem: str) -> bool:
    """``stem`` starts the word, or a later part of a compound (at least a three-letter word before it)."""
    at = form.find(stem)
    while at >= 0:
        if at == 0 or at >= 3:
            return True
        at = form.find(stem, at + 1)
    return False


@dataclass(frozen=True)
class Pattern:
    """One lexicon entry: words of a phrase, each exact, a stem (``stem*``) or inside a word (``*stem*``).
    With ``compounds``, a stem also matches as the last part of a compound word (``allergi*`` matches
    ``maitoallergia``, ``pähkinäallergia``), for a profile's watch words."""

    source: str
    parts: tuple[tuple[str, str], ...]  # (mode, text): mode exact | prefix | inside | gap

    @classmethod
    def parse(cls, source: str, *, compounds: bool = False) -> Pattern:
        parts: list[tuple[str, str]] = []
        for word in normalise(source).split():
            if word == "*":
                parts.append(("gap", ""))
            elif len(word) > 2 and word.startswith("*") and word.endswith("*"):
                parts.append(("inside", word.strip("*")))
            elif word.endswith("*") and len(word) > 1:
                parts.append(("compound" if compounds else "prefix", word[:-1]))
            else:
                parts.append(("exact", word))
        while parts and parts[0][0] == "gap":
            parts.pop(0)
        while parts and parts[-1][0] == "gap":
            parts.pop()
        return cls(source, tuple(parts))

    @staticmethod
    def _word(mode: str, want: str, token: Token) -> bool:
        for form in token.forms:
            if "?" in form:  # a masked letter (v*ttu): compare letter by letter
                size = len(form) if mode == "exact" else len(want)
                if mode == "exact" and len(form) != len(want):
                    continue
                if mode == "inside" or len(form) < size:
                    continue
                if all(a == b or a == "?" for a, b in zip(form[:size], want, strict=False)):
                    return True
                continue
            if mode == "exact" and form == want:
                return True
            if mode == "prefix" and form.startswith(want):
                return True
            if mode == "inside" and want in form:
                return True
            if mode == "compound" and _in_compound(form, want):
                return True
        return False

    def find(self, tokens: Sequence[Token]) -> list[int]:
        """Indexes of the tokens where the pattern matches (its first word)."""
        if not self.parts:
            return []
        hits = []
        for start in range(len(tokens)):
            if self._match_at(tokens, start, 0):
                hits.append(start)
        return hits

    def _match_at(self, tokens: Sequence[Token], pos: int, part: int) -> bool:
        if part == len(self.parts):
            return True
        mode, want = self.parts[part]
        if mode == "gap":
            return any(self._match_at(tokens, pos + skip, part + 1) for skip in range(0, 3))
        if pos >= len(tokens) or not self._word(mode, want, tokens[pos]):
            return False
        return self._match_at(tokens, pos + 1, part + 1)


class PatternIndex:
    """Patterns looked up by their first word (exact words in a dict, stems by first letter), so a comment is
    matched in time proportional to its length, not to the size of the lexicon."""

    def __init__(self, patterns: Iterable[Pattern]):
        self.patterns = tuple(p for p in patterns if p.parts)
        self.exact: dict[str, list[Pattern]] = {}
        self.prefix: dict[str, list[tuple[str, Pattern]]] = {}
        self.inside: list[tuple[str, Pattern]] = []
        self.compound: list[tuple[str, Pattern]] = []
        self._seen: dict[str, list[Pattern]] = {}
        for p in self.patterns:
            mode, want = p.parts[0]
            if mode == "exact":
                self.exact.setdefault(want, []).append(p)
            elif mode == "prefix":
                self.prefix.setdefault(want[:1], []).append((want, p))
            elif mode == "compound":
                self.compound.append((want, p))
            else:
                self.inside.append((want, p))

    def candidates(self, token: Token) -> list[Pattern]:
        if any("?" in form for form in token.forms):
            return list(self.patterns)  # a masked letter: try everything
        out: list[Pattern] = []
        for form in token.forms:
            found = self._seen.get(form)
            if found is None:  # words recur across comments: each spelling is looked up once
                found = self.exact.get(form, []) + [p for want, p in self.prefix.get(form[:1], ()) if form.startswith(want)]
                found += [p for want, p in self.inside if want in form]
                found += [p for want, p in self.compound if _in_compound(form, want)]
                if len(self._seen) < 100_000:
                    self._seen[form] = found
            out += found
        return list(dict.fromkeys(out))

    def find(self, tokens: Sequence[Token]) -> list[tuple[Pattern, int]]:
        out = []
        for at, token in enumerate(tokens):
            for pattern in self.candidates(token):
                if pattern._match_at(tokens, at, 0):
                    out.append((pattern, at))
        return out


@dataclass(frozen=True)
class Lexicon:
    language: str
    classes: Mapping[str, tuple[Pattern, ...]]
    index: Mapping[str, PatternIndex] = field(default_factory=dict, compare=False, repr=False)

    def get(self, name: str) -> tuple[Pattern, ...]:
        return self.classes.get(name, ())


def parse_lexicon(data: Mapping[str, Any], language: str) -> Lexicon:
    classes: dict[str, tuple[Pattern, ...]] = {}
    for name in LEXICON_CLASSES:
        values = data.get(name) or []
        classes[name] = tuple(Pattern.parse(str(v)) for v in values if str(v).strip())
    return Lexicon(language=str(data.get("language") or language), classes=classes,
                   index={name: PatternIndex(patterns) for name, patterns in classes.items()})


@functools.cache
def builtin_lexicons() -> tuple[Lexicon, ...]:
    """The lexicons that ship with socialops (Finnish, English and Swedish), read once."""
    out = []
    folder = resources.files("socialops") / "data" / "lexicons"
    for language in LANGUAGES:
        data = yaml.safe_load((folder / f"{language}.yaml").read_text(encoding="utf-8")) or {}
        out.append(parse_lexicon(data, language))
    return tuple(out)

