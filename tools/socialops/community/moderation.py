"""Moderation: the lexicons and rules that classify comments, the profile's moderation settings, and the
/commands people answer with in a comment's issue.

Classification (:func:`classify`) sorts a comment into one of

* ``spam``      advertising, scams, phishing, follower selling, link drops, mass mentions, repeated text;
* ``abusive``   insults, slurs, threats and swearing aimed at someone;
* ``negative``  complaints and dissatisfaction (customer service);
* ``question``  someone asks something (customer service);
* ``other``     everything else (praise, chatter, emoji).

It is made of rules over lexicons shipped for Finnish and English (``data/lexicons/*.yaml``; Finnish
inflection and compounds are matched by stems, e.g. ``idioot*``), plus signals that need no language:
links, mentions en masse, repeated text, capitals, workflow-command text. A profile extends the lexicons
in its YAML (``moderation:``: watch words, extra abusive words, trusted accounts, hide rules). Every
:class:`Decision` says why (``reasons``), and how sure it is (``confidence``): auto-hiding acts only on
``high`` confidence by default, because hiding a customer's comment by mistake costs more than leaving
an insult for a person to hide a few minutes later (precision over recall); flagging for a person uses
everything (recall).

This module is imported by ``validate`` (profile settings), so it stays light: no httpx, no PyGithub.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from socialops.networks import NETWORKS

CATEGORIES = ("question", "negative", "abusive", "spam", "other")
FLAGGED = frozenset({"question", "negative", "abusive", "spam"})
CUSTOMER_SERVICE = frozenset({"question", "negative"})
MODERATION = frozenset({"abusive", "spam"})
CONFIDENCE = ("low", "medium", "high")
LANGUAGES = ("fi", "en")
LEXICON_CLASSES = (
    "insult", "weak_insult", "slur", "threat", "directed", "profanity", "second_person", "first_person",
    "negation", "negative_strong", "negative", "negative_hint", "positive", "question_start", "not_question", "spam_strong", "spam",
)

# --- text normalisation -----------------------------------------------------------------------------------

_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"']+"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|net|org|fi|io|ly|me|gg|info|biz|xyz|shop|store|app|co|uk|se|ru|cn|top|click|"
    r"link|site|online|live|example|invalid)\b(?:/[^\s<>\"']*)?"
)
_MENTION = re.compile(r"(?<![\w@.])@[A-Za-z0-9_][A-Za-z0-9_.-]*")
_WORKFLOW = re.compile(r"::[a-z-]+(?:\s[^:]*)?::|\$\{\{|\$\(|`[^`]*`")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
                       "!": "i", "|": "i"})
_TOKEN = re.compile(r"[^\W_](?:[\w'*!@$|-]*[^\W_*!@$|'-])?|[^\W_]")
_SENTENCE = re.compile(r"[.!?;:,\n]+")
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")
_QUESTION_SUFFIX = re.compile(r"^[^\W\d_]{2,}(?:ko|kö|kohan|köhän|kos|kös)$")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]{0,200}>")
_SAD = re.compile("[\U0001F612\U0001F644\U0001F620\U0001F621\U0001F624\U0001F92C\U0001F44E\U0001F61E\U0001F615]")
# after these words a new clause starts ("Hei! Toimitatteko", "hey, can I", "tyhmä kysymys mutta onko")
CLAUSE_OPENERS = frozenset({"hei", "moi", "moikka", "terve", "heippa", "hey", "hi", "hello", "but", "mutta", "mut",
                            "so", "eli", "ok", "okei", "joo", "kiitos", "thanks"})
WH_WORDS = frozenset({"what", "when", "where", "which", "who", "why", "how"})


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


def tokenize(text: str) -> list[Token]:
    """The words of an (already normalised) text, links and mentions removed, with the spellings to match."""
    text = _HTML_TAG.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    out: list[Token] = []
    for part in _SENTENCE.split(text):
        first = True
        for match in _TOKEN.finditer(part):
            word = match.group(0).strip("'-")
            if not word:
                continue
            base = _deleet(word)
            stretched = re.search(r"(\w)\1\1", base) is not None  # "fuuuck", "vittuuuu"
            forms = dict.fromkeys([base, _collapse(base, 2), _collapse(base, 1)] if stretched else [base])
            out.append(Token(word, tuple(forms), first, len(out)))
            first = word in CLAUSE_OPENERS
    return out


# --- lexicons ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """One lexicon entry: words of a phrase, each exact, a stem (``stem*``) or inside a word (``*stem*``)."""

    source: str
    parts: tuple[tuple[str, str], ...]  # (mode, text): mode exact | prefix | inside | gap

    @classmethod
    def parse(cls, source: str) -> Pattern:
        parts: list[tuple[str, str]] = []
        for word in normalise(source).split():
            if word == "*":
                parts.append(("gap", ""))
            elif len(word) > 2 and word.startswith("*") and word.endswith("*"):
                parts.append(("inside", word.strip("*")))
            elif word.endswith("*") and len(word) > 1:
                parts.append(("prefix", word[:-1]))
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
        for p in self.patterns:
            mode, want = p.parts[0]
            if mode == "exact":
                self.exact.setdefault(want, []).append(p)
            elif mode == "prefix":
                self.prefix.setdefault(want[:1], []).append((want, p))
            else:
                self.inside.append((want, p))

    def candidates(self, token: Token) -> list[Pattern]:
        if any("?" in form for form in token.forms):
            return list(self.patterns)  # a masked letter: try everything
        out: list[Pattern] = []
        for form in token.forms:
            out += self.exact.get(form, ())
            out += [p for want, p in self.prefix.get(form[:1], ()) if form.startswith(want)]
            out += [p for want, p in self.inside if want in form]
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
    """The lexicons that ship with socialops (Finnish and English), read once."""
    import yaml

    out = []
    folder = resources.files("socialops") / "data" / "lexicons"
    for language in LANGUAGES:
        data = yaml.safe_load((folder / f"{language}.yaml").read_text(encoding="utf-8")) or {}
        out.append(parse_lexicon(data, language))
    return tuple(out)


# --- a profile's moderation settings ----------------------------------------------------------------------

HIDE_CATEGORIES = ("abusive", "spam")
HIDE_KINDS = ("insult", "slur", "threat", "directed", "weak_insult", "extra", "spam", "link", "mentions",
              "repeated", "injection", "emoji")
MODERATION_KEYS = ("watch_words", "abusive_words", "trusted", "hide", "window_days", "flag")
HIDE_RULE_KEYS = ("category", "kinds", "words", "min_confidence")


@dataclass(frozen=True)
class HideRule:
    """Hide at once a comment of ``category`` when its confidence is at least ``min_confidence``, and (when
    given) the evidence is of one of ``kinds`` and/or the comment has one of ``words``."""

    category: str = "abusive"
    kinds: tuple[str, ...] = ()
    words: tuple[Pattern, ...] = ()
    min_confidence: str = "high"

    def describe(self) -> str:
        bits = [self.category]
        if self.kinds:
            bits.append("kinds " + ", ".join(self.kinds))
        if self.words:
            bits.append("words " + ", ".join(p.source for p in self.words))
        if self.min_confidence != "high":
            bits.append(f"confidence {self.min_confidence}+")
        return "; ".join(bits)

    def matches(self, decision: Decision, tokens: Sequence[Token]) -> bool:
        if decision.category != self.category:
            return False
        if CONFIDENCE.index(decision.confidence) < CONFIDENCE.index(self.min_confidence):
            return False
        if self.kinds and not set(self.kinds) & set(decision.kinds):
            return False
        if self.words and not any(p.find(tokens) for p in self.words):
            return False
        return True


@dataclass(frozen=True)
class ProfileRules:
    """What ``moderation:`` and ``roles:`` in profiles/<id>.yaml add to the built-in rules."""

    watch_words: tuple[Pattern, ...] = ()
    abusive_words: tuple[Pattern, ...] = ()
    trusted: frozenset[str] = frozenset()
    hide: tuple[HideRule, ...] = ()
    window_days: int | None = None
    flag: frozenset[str] = FLAGGED
    moderators: tuple[str, ...] = ()

    def is_trusted(self, *names: str | None) -> bool:
        return any(_account_key(n) in self.trusted for n in names if n)

    def hide_rule(self, decision: Decision, text: str) -> HideRule | None:
        tokens = tokenize(normalise(text))
        return next((rule for rule in self.hide if rule.matches(decision, tokens)), None)


def _account_key(name: str) -> str:
    return str(name).strip().lstrip("@").casefold()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int) and not isinstance(v, bool) and str(v).strip()]
    return []


def profile_rules(raw: Mapping[str, Any]) -> ProfileRules:
    """The moderation settings of a profile's raw YAML (invalid parts are ignored here; validate reports them)."""
    mod = raw.get("moderation") if isinstance(raw.get("moderation"), dict) else {}
    roles = raw.get("roles") if isinstance(raw.get("roles"), dict) else {}
    hide: list[HideRule] = []
    for item in mod.get("hide") or [] if isinstance(mod.get("hide"), list) else []:
        if isinstance(item, str) and item in HIDE_CATEGORIES:
            hide.append(HideRule(category=item))
        elif isinstance(item, dict) and item.get("category", "abusive") in HIDE_CATEGORIES:
            confidence = item.get("min_confidence", "high")
            hide.append(HideRule(
                category=str(item.get("category", "abusive")),
                kinds=tuple(k for k in _strings(item.get("kinds")) if k in HIDE_KINDS),
                words=tuple(Pattern.parse(w) for w in _strings(item.get("words"))),
                min_confidence=confidence if confidence in CONFIDENCE else "high",
            ))
    window = mod.get("window_days")
    flag = frozenset(c for c in _strings(mod.get("flag")) if c in CATEGORIES) or FLAGGED
    return ProfileRules(
        watch_words=tuple(Pattern.parse(w) for w in _strings(mod.get("watch_words"))),
        abusive_words=tuple(Pattern.parse(w) for w in _strings(mod.get("abusive_words"))),
        trusted=frozenset(_account_key(n) for n in _strings(mod.get("trusted"))),
        hide=tuple(hide),
        window_days=window if isinstance(window, int) and not isinstance(window, bool) and window > 0 else None,
        flag=flag,
        moderators=tuple(dict.fromkeys(_account_key(n) for key in ("moderators", "admins")
                                       for n in _strings(roles.get(key)))),
    )


_MODERATOR = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")


def settings_problems(raw: Mapping[str, Any]) -> list[tuple[tuple, str]]:
    """What is wrong with ``moderation:`` and ``roles.moderators`` of a profile: [(key path, message)].
    Used by validate.profile_problems (which adds file and line)."""
    out: list[tuple[tuple, str]] = []
    mod = raw.get("moderation")
    if mod is not None:
        if not isinstance(mod, dict):
            return [(("moderation",), "'moderation' must be keys like 'watch_words: [...]' and 'hide: [abusive]'")]
        for key in mod:
            if key not in MODERATION_KEYS:
                out.append((("moderation", key), f"'moderation.{key}' is not a moderation setting; use "
                                                  f"{', '.join(MODERATION_KEYS)}"))
        for key in ("watch_words", "abusive_words", "trusted", "flag"):
            value = mod.get(key)
            if value is None:
                continue
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                out.append((("moderation", key), f"'moderation.{key}' must be a list of words, like [\"sana*\"]"))
        for i, cat in enumerate(mod.get("flag") or [] if isinstance(mod.get("flag"), list) else []):
            if isinstance(cat, str) and cat not in CATEGORIES:
                out.append((("moderation", "flag", i), f"'{cat}' is not a category; use {', '.join(CATEGORIES)}"))
        window = mod.get("window_days")
        if window is not None and (not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 365):
            out.append((("moderation", "window_days"), "'moderation.window_days' must be a number of days, 1 to 365"))
        hide = mod.get("hide")
        if hide is not None:
            if not isinstance(hide, list):
                out.append((("moderation", "hide"), "'moderation.hide' must be a list of rules, like [abusive] or "
                                                    "[{category: abusive, kinds: [threat, slur]}]"))
            else:
                for i, rule in enumerate(hide):
                    out += _hide_rule_problems(rule, i)
    roles = raw.get("roles")
    if isinstance(roles, dict) and "moderators" in roles:
        mods = roles["moderators"]
        if not isinstance(mods, list):
            out.append((("roles", "moderators"), "'roles.moderators' must be a list of GitHub users, like [\"@maija\"]"))
        else:
            for i, name in enumerate(mods):
                if not isinstance(name, str) or not _MODERATOR.match(name):
                    out.append((("roles", "moderators", i), f"'{name}' is not a GitHub user (@name); teams cannot be "
                                                            "checked here, list the people"))
    return out


def _hide_rule_problems(rule: Any, i: int) -> list[tuple[tuple, str]]:
    where = ("moderation", "hide", i)
    if isinstance(rule, str):
        if rule not in HIDE_CATEGORIES:
            return [(where, f"'{rule}' cannot be hidden automatically; use {' or '.join(HIDE_CATEGORIES)}")]
        return []
    if not isinstance(rule, dict):
        return [(where, "a hide rule is a category (abusive, spam) or keys category/kinds/words/min_confidence")]
    out = []
    for key in rule:
        if key not in HIDE_RULE_KEYS:
            out.append(((*where, key), f"'{key}' is not a hide rule key; use {', '.join(HIDE_RULE_KEYS)}"))
    if rule.get("category", "abusive") not in HIDE_CATEGORIES:
        out.append(((*where, "category"), f"'category' must be {' or '.join(HIDE_CATEGORIES)}"))
    kinds = rule.get("kinds")
    if kinds is not None and (not isinstance(kinds, list) or any(k not in HIDE_KINDS for k in kinds)):
        out.append(((*where, "kinds"), f"'kinds' must be a list of {', '.join(HIDE_KINDS)}"))
    words = rule.get("words")
    if words is not None and (not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words)):
        out.append(((*where, "words"), "'words' must be a list of words"))
    if rule.get("min_confidence", "high") not in CONFIDENCE:
        out.append(((*where, "min_confidence"), f"'min_confidence' must be one of {', '.join(CONFIDENCE)}"))
    return out


# --- classification ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """The category of a comment, how sure, and why."""

    category: str
    confidence: str
    reasons: tuple[str, ...]
    kinds: tuple[str, ...] = ()  # the kinds of evidence for the category (insult, threat, link, ...)
    watch: tuple[str, ...] = ()  # the profile's watch words found
    trusted: bool = False
    scores: Mapping[str, float] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return not self.trusted and (self.category in FLAGGED or bool(self.watch))

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass
class _Evidence:
    kinds: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def add(self, kind: str, reason: str) -> None:
        if kind not in self.kinds:
            self.kinds.append(kind)
        if reason not in self.reasons:
            self.reasons.append(reason)


def _quote(pattern: Pattern, tokens: Sequence[Token], at: int) -> str:
    size = sum(1 for mode, _ in pattern.parts if mode != "gap")
    words = " ".join(t.text for t in tokens[at:at + max(1, size)])
    return f"'{words}' ({pattern.source})" if words != pattern.source else f"'{words}'"


def _hits(lexicons: Iterable[Lexicon], name: str, tokens: Sequence[Token],
          extra: Iterable[Pattern] = ()) -> list[tuple[Pattern, int]]:
    found: list[tuple[Pattern, int]] = []
    for lex in lexicons:
        index = lex.index.get(name)
        found += index.find(tokens) if index is not None else []
    extra = tuple(extra)
    if extra:
        found += PatternIndex(extra).find(tokens)
    out = []
    seen: set[int] = set()
    for pattern, at in sorted(found, key=lambda h: (h[1], -len(h[0].parts))):
        if at in seen:  # one hit per word, however many patterns match it (the longest phrase wins)
            continue
        seen.add(at)
        out.append((pattern, at))
    return out


def _near(indexes: Iterable[int], at: int, window: int) -> bool:
    return any(abs(i - at) <= window for i in indexes)


def classify(text: str, *, rules: ProfileRules | None = None, author: str | None = None,
             repeats: int = 1, lexicons: Sequence[Lexicon] | None = None) -> Decision:
    """Classify one comment.

    ``rules``: the profile's additions (watch words, extra abusive words, trusted accounts). ``author``:
    the commenter's handle (trusted accounts are never flagged). ``repeats``: how many times the same text
    (normalised) was seen on this profile, this one included; 3 or more is a spam signal.
    """
    rules = rules or ProfileRules()
    lexicons = tuple(lexicons) if lexicons is not None else builtin_lexicons()
    raw = str(text or "")
    norm = normalise(raw)
    tokens = tokenize(norm)
    words = [t for t in tokens if any(ch.isalpha() for ch in t.text)]
    links = _URL.findall(norm)
    mentions = _MENTION.findall(raw)
    letters = [ch for ch in raw if ch.isalpha()]
    caps = len(letters) >= 10 and sum(ch.isupper() for ch in letters) / len(letters) >= 0.8
    emoji = len(_EMOJI.findall(raw))
    watch = tuple(dict.fromkeys(_quote(p, tokens, at) for p, at in _hits((), "", tokens, rules.watch_words)))
    trusted = rules.is_trusted(author)

    # --- spam ---
    spam = _Evidence()
    spam_score = 0.0
    for pattern, at in _hits(lexicons, "spam_strong", tokens):
        spam.add("spam", f"spam phrase {_quote(pattern, tokens, at)}")
        spam_score += 2
    weak_spam = _hits(lexicons, "spam", tokens)
    for pattern, at in weak_spam:
        spam.add("spam", f"advertising word {_quote(pattern, tokens, at)}")
        spam_score += 1
    if links:
        spam_score += 1
        spam.add("link", f"{len(links)} link{'s' if len(links) > 1 else ''}")
        if len(words) <= 3:
            spam_score += 1
            spam.add("link", "little else than a link")
        if emoji >= 4:
            spam_score += 1
            spam.add("emoji", f"{emoji} emoji around a link")
    if len(mentions) >= 5 or (len(mentions) >= 3 and links):
        spam_score += 2
        spam.add("mentions", f"{len(mentions)} accounts mentioned")
    if repeats >= 3:
        spam_score += 2
        spam.add("repeated", f"the same text {repeats} times on this profile")
    if _WORKFLOW.search(raw):
        spam_score += 2
        spam.add("injection", "command or template syntax in the text (an injection attempt)")

    # --- abuse ---
    abuse = _Evidence()
    confidence = "low"
    second = [at for _, at in _hits(lexicons, "second_person", tokens)]
    first = [at for _, at in _hits(lexicons, "first_person", tokens)]

    def of_oneself(at: int) -> bool:  # "olin ihan idiootti", "I'm such an idiot"
        return not _near(second, at, 3) and any(0 < at - i <= 3 for i in first)

    for kind, label in (("threat", "threat"), ("slur", "slur"), ("directed", "abusive phrase")):
        for pattern, at in _hits(lexicons, kind, tokens):
            abuse.add(kind, f"{label} {_quote(pattern, tokens, at)}")
            confidence = "high"
    for pattern, at in _hits(lexicons, "insult", tokens, extra=()):
        if of_oneself(at):
            continue
        abuse.add("insult", f"insult {_quote(pattern, tokens, at)}")
        confidence = "high"
    for pattern, at in _hits((), "", tokens, rules.abusive_words):
        if of_oneself(at):
            continue
        abuse.add("extra", f"abusive word of this profile {_quote(pattern, tokens, at)}")
        confidence = "high"
    weak = _hits(lexicons, "weak_insult", tokens)
    distinct_weak = {p.source for p, _ in weak}
    for pattern, at in weak:
        aimed = any(0 < at - i <= 4 for i in second) or any(0 < i - at <= 1 for i in second)  # "you're so dumb"
        if aimed or (len(distinct_weak) >= 2 and second):
            abuse.add("weak_insult", f"insult aimed at someone {_quote(pattern, tokens, at)}")
            if confidence == "low":
                confidence = "medium"
    for pattern, at in _hits(lexicons, "profanity", tokens):
        if _near(second, at, 1) and not of_oneself(at):
            abuse.add("directed", f"swearing aimed at someone {_quote(pattern, tokens, at)}")
            if confidence == "low":
                confidence = "medium"

    # --- complaints ---
    negative = _Evidence()
    neg_score = 0.0
    negators = [at for _, at in _hits(lexicons, "negation", tokens)]
    for name, weight in (("negative_strong", 2.0), ("negative", 1.0), ("negative_hint", 0.5)):
        for pattern, at in _hits(lexicons, name, tokens):
            single = len(pattern.parts) == 1
            if single and any(0 < at - i <= 2 for i in negators):
                continue  # "ei huono", "not bad"
            negative.add("complaint", f"{'complaint' if weight > 1 else 'dissatisfaction'} word "
                                      f"{_quote(pattern, tokens, at)}")
            neg_score += weight
    positives = 0
    for pattern, at in _hits(lexicons, "positive", tokens):
        if len(pattern.parts) == 1 and any(0 < at - i <= 2 for i in negators):
            negative.add("complaint", f"praise negated {_quote(pattern, tokens, at)}")  # "ei kiva", "not happy"
            neg_score += 1
        else:
            positives += 1
    if caps and neg_score >= 1:
        neg_score += 1
        negative.add("capitals", "written in capitals")
    if _SAD.search(raw):
        neg_score += 1
        negative.add("emoji", "an annoyed or sad emoji")

    # --- questions ---
    question = _Evidence()
    q_score = 0.0
    if "?" in raw:
        q_score += 1
        question.add("question-mark", "a question mark")
    not_question = _hits(lexicons, "not_question", tokens)
    skip = {at for _, at in not_question}
    starts = {at for p, at in _hits(lexicons, "question_start", tokens) if tokens[at].clause_start}
    if starts:
        q_score += 1
        at = min(starts)
        question.add("question-word", f"starts with the question word '{tokens[at].text}'")
        if second and any(0 < s - at <= 4 for s in second):
            q_score += 1
        elif at == 0 and tokens[0].text in WH_WORDS | {"mihin", "milloin", "missä", "mistä", "paljonko",
                                                       "montako", "kauanko", "kuinka", "miten"} and "!" not in raw:
            q_score += 1
    for tok in tokens:
        if tok.index in skip or not _QUESTION_SUFFIX.match(tok.text) or re.search(r"(kk|pp|tt)(o|ö)$", tok.text):
            continue
        if tok.clause_start or "?" in raw:
            q_score += 2 if tok.clause_start else 1
            question.add("question-word", f"the question form '{tok.text}'")
            break

    scores = {"spam": spam_score, "negative": neg_score, "question": q_score,
              "abusive": {"low": 0.0, "medium": 1.0, "high": 2.0}[confidence] if abuse.kinds else 0.0}

    def decide(category: str, conf: str, ev: _Evidence) -> Decision:
        reasons = list(ev.reasons)
        if watch:
            reasons.append("watch word " + ", ".join(watch))
        if trusted:
            reasons.append("trusted account (never flagged)")
        return Decision(category=category, confidence=conf, reasons=tuple(reasons), kinds=tuple(ev.kinds),
                        watch=watch, trusted=trusted, scores=scores)

    if spam_score >= 2 and not (abuse.kinds and confidence == "high" and spam_score < 3):
        return decide("spam", "high" if spam_score >= 3 else "medium", spam)
    if abuse.kinds:
        return decide("abusive", confidence, abuse)
    if neg_score >= 2:
        return decide("negative", "high" if neg_score >= 3 else "medium", negative)
    if q_score >= 2:
        return decide("question", "high" if q_score >= 3 else "medium", question)
    if neg_score >= 1 and (q_score >= 1 or not positives):
        return decide("negative", "low", negative)
    other = _Evidence()
    other.add("none", "no sign of a question, complaint, abuse or spam")
    return decide("other", "medium", other)


# --- what to do by hand where a network's API cannot -----------------------------------------------------


def manual_steps(network: str, action: str) -> str:
    """What a person does by hand when ``network``'s API cannot do ``action`` (hide, unhide, delete, block)."""
    action = "hide" if action == "unhide" else action
    spec = NETWORKS.get(network)
    return (spec.moderation_steps.get(action) if spec else None) or (
        f"Open the comment in the {network} app or website and use its own menu (···) to {action} it, or report it.")


# --- the /commands ----------------------------------------------------------------------------------------

COMMANDS = ("reply", "hide", "unhide", "delete", "block", "dismiss")
_COMMAND = re.compile(r"\A\s*/(?P<verb>[a-z]+)(?P<rest>[^\n]*)(?P<more>(?:\n.*)?)\Z", re.S)
_SAVED = re.compile(r"\A@(?P<name>[A-Za-z0-9_-]{1,64})\Z")


@dataclass(frozen=True)
class Command:
    verb: str
    text: str = ""  # /reply: the text, or "@name" for a saved reply
    target: int | None = None  # the comment's number in a thread issue

    @property
    def saved_reply(self) -> str | None:
        m = _SAVED.match(self.text.strip())
        return m.group("name") if m else None


def parse_command(body: str, *, comments_in_issue: int = 1) -> Command | None:
    """The /command at the start of an issue comment, or None when the comment is no command of ours.

    ``/reply text`` takes the rest of the comment (several lines allowed). In an issue with several comments
    a number right after the verb picks one (``/hide 2``, ``/reply 2 Kiitos!``)."""
    m = _COMMAND.match((body or "").replace("\r\n", "\n"))
    if not m or m.group("verb") not in COMMANDS:
        return None
    verb = m.group("verb")
    rest = (m.group("rest") + m.group("more")).strip()
    target = None
    if comments_in_issue > 1:
        first, _, remainder = rest.partition(" ")
        first = first.strip()
        if first.isdigit() and 1 <= int(first) <= comments_in_issue:
            target, rest = int(first), remainder.strip()
    if verb != "reply":
        rest = ""
    return Command(verb, rest, target)


def fill_reply(template: str, name: str) -> str:
    """A saved reply with ``{name}`` replaced by the commenter's name (other braces are left alone)."""
    clean = " ".join(str(name or "").split())[:60] or "and thank you"
    return template.replace("{name}", clean).strip()


# --- who may act ------------------------------------------------------------------------------------------

WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


def github_permission(login: str, env: Mapping[str, str], client: Any = None) -> str | None:
    """The person's permission on the repository (admin, maintain, write, triage, read, none) from
    ``GET /repos/{repo}/collaborators/{login}/permission``; None when it cannot be asked (no token)."""
    import httpx

    token = env.get("GITHUB_TOKEN", "")
    repo = env.get("GITHUB_REPOSITORY", "")
    if not token or not repo or not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?", login or ""):
        return None
    api = (env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
    own = client is None
    client = client or httpx.Client(timeout=15.0)
    try:
        response = client.get(f"{api}/repos/{repo}/collaborators/{login}/permission",
                              headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                                       "X-GitHub-Api-Version": "2022-11-28"})
    except httpx.HTTPError:
        return None
    finally:
        if own:
            client.close()
    if response.status_code == 404:
        return "none"  # not a collaborator
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    role = body.get("role_name") if isinstance(body, dict) else None
    permission = body.get("permission") if isinstance(body, dict) else None
    for value in (role, permission):
        if isinstance(value, str) and value in WRITE_PERMISSIONS:
            return value
    return str(permission or role or "none")


@dataclass(frozen=True)
class Authorization:
    allowed: bool
    how: str  # "write access", "listed moderator", or why not


def authorize(login: str, rules: ProfileRules, permission: Any) -> Authorization:
    """May ``login`` act on this profile's comments? Listed moderators (roles.moderators, roles.admins) may;
    so may people with write access to the repository (``permission(login)`` answers from GitHub)."""
    key = _account_key(login)
    if key and key in rules.moderators:
        return Authorization(True, "listed moderator")
    level = permission(login) if permission is not None else None
    if level in WRITE_PERMISSIONS:
        return Authorization(True, f"{level} access to the repository")
    if level is None:
        return Authorization(False, "not a listed moderator, and the repository permission could not be checked")
    return Authorization(False, f"{level} access to the repository and not a listed moderator")


def refusal(login: str, profile_id: str, profile_path: str) -> str:
    return (f"Thank you for looking after this, @{login}. Only people with write access to this repository, or "
            f"listed as moderators of `{profile_id}` (`roles.moderators` in `{profile_path}`), can act on "
            "comments, so nothing was done. A maintainer will take it from here — or ask one to add you as a "
            "moderator.")


# --- running a command from an issue comment (socialops moderate, .github/workflows/moderate.yml) ---------

HANDLED_BY_PEOPLE = frozenset({"reply", "hide", "unhide", "delete", "block", "dismiss"})
AUTO_ACTOR = "socialops (hide rule)"
DONE_WORDS = {"hide": "Hidden", "unhide": "Shown again (unhidden)", "delete": "Deleted", "block": "Blocked the author of"}


@dataclass
class ModerateResult:
    status: str  # ignored | refused | usage | unsupported | failed | done
    message: str  # for the log: never contains comment text
    issue: int | None = None
    committed: bool = False
    pushed: bool = False

    @property
    def exit_code(self) -> int:
        return 1 if self.status in ("refused", "failed") else 0


def run_moderate(root: Any, event: Mapping[str, Any], *, now: Any, env: Mapping[str, str], tracker: Any,
                 permission: Any = None, opener: Any = None, key: str | None = None, push: bool = True,
                 run_id: str = "") -> ModerateResult:
    """Carry out the /command of an ``issue_comment`` event (GitHub's payload: ``comment.body``,
    ``comment.user.login``, ``comment.id``, ``issue.number``, ``issue.body``). ``key``: the issue's tracker key
    when already known (the local outbox); otherwise it is read from the hidden marker of the issue body.
    ``permission(login)``: the person's repository permission (see :func:`github_permission`)."""
    from pathlib import Path

    from socialops.community.comments import moderation_log, seen_comments
    from socialops.repository import git as repo
    from socialops.tracker.github import marker_key

    root = Path(root)
    comment = event.get("comment") if isinstance(event.get("comment"), dict) else {}
    issue = event.get("issue") if isinstance(event.get("issue"), dict) else {}
    user = comment.get("user") if isinstance(comment.get("user"), dict) else {}
    login = str(user.get("login") or "")
    number = issue.get("number") if isinstance(issue.get("number"), int) else None
    if issue.get("pull_request"):
        return ModerateResult("ignored", "a pull request comment", number)
    if not login or user.get("type") == "Bot" or login.endswith("[bot]"):
        return ModerateResult("ignored", "a comment by a bot", number)
    body = str(comment.get("body") or "")
    if not body.lstrip().startswith("/"):
        return ModerateResult("ignored", "not a command", number)
    key = key or _unquote(marker_key(str(issue.get("body") or "")))
    records = sorted((s for s in seen_comments(root).values() if key and s.issue == key),
                     key=lambda s: (s.data.get("comment", {}).get("created_at", ""), s.comment_id))
    if not records:
        return ModerateResult("ignored", "the issue is not about a comment socialops flagged", number)
    recorded = {s.issue_number for s in records if s.issue_number is not None}
    if number is None or (recorded and number not in recorded):
        return ModerateResult("ignored", "the issue number does not match the flagged comment's issue", number)
    command = parse_command(body, comments_in_issue=len(records))
    if command is None:
        return ModerateResult("ignored", "not a socialops command", number)

    from socialops.repository.profiles import find_profiles, load_profile

    profile_id = records[0].profile
    rel = next((r for r in find_profiles(root) if Path(r).stem == profile_id), None)
    if rel is None:
        tracker.comment(number, f"`profiles/{profile_id}.yaml` no longer exists, so nothing can be done here.")
        return ModerateResult("failed", f"no profile file for {profile_id}", number)
    profile = load_profile(root, rel)
    rules = profile_rules(profile.raw)
    event_id = str(comment.get("id") or "")
    log = moderation_log(root)
    done_before = [r for r in log.rows() if event_id and r["issue"] == key and
                   json_get(r["data"], "event") == event_id and r["result"] != "failed"]
    if done_before:
        return ModerateResult("ignored", f"this command (comment {event_id}) was already carried out", number)
    git = repo.is_work_tree(root)
    if git and push:
        repo.sync(root)

    def record(target_ids: list[str], action: str, result: str, detail: str, network: str = "") -> None:
        log.append([{"time": now, "profile": profile.id, "network": network or records[0].network,
                     "comment_id": cid, "issue": key, "actor": login, "action": action, "result": result,
                     "detail": detail, "data": {"event": event_id, "issue_number": number}, "run": run_id}
                    for cid in target_ids])

    def finish(result: ModerateResult) -> ModerateResult:
        if git:
            result.committed = repo.commit_paths(root, ["state/moderation.csv"],
                                                 f"moderate: /{command.verb} on issue #{number} by {login}: "
                                                 f"{result.status}")
            if result.committed and push:
                result.pushed = repo.push_with_retry(root)
        return result

    auth = authorize(login, rules, permission)
    if not auth.allowed:
        tracker.comment(number, refusal(login, profile.id, profile.path))
        record([records[-1].comment_id], command.verb, "refused", auth.how)
        return finish(ModerateResult("refused", f"{login}: {auth.how}", number))

    target = records[command.target - 1] if command.target else records[-1]
    if command.verb == "dismiss":
        record([s.comment_id for s in records], "dismiss", "done", f"dismissed ({auth.how})")
        tracker.close(key, f"Dismissed by @{login}: nothing to do on the network. Closing.")
        return finish(ModerateResult("done", f"/dismiss by {login}", number))

    from socialops.core.safetext import escape_untrusted_markdown, quote_untrusted
    from socialops.errors import NetworkError, SocialOpsError

    text = ""
    if command.verb == "reply":
        text, problem = _reply_text(root, command, target)
        if problem:
            tracker.comment(number, problem)
            record([target.comment_id], "reply", "usage", "no usable reply text")
            return finish(ModerateResult("usage", "no usable reply text", number))
    try:
        if opener is not None:
            network = opener(profile)
        else:
            from socialops.networks.contract import open_network

            network = open_network(profile, env=env, root=root, clock=lambda: now)
    except SocialOpsError as exc:
        tracker.comment(number, f"Nothing was done: {escape_untrusted_markdown(str(exc), max_chars=400)}")
        record([target.comment_id], command.verb, "failed", str(exc))
        return finish(ModerateResult("failed", "the network could not be opened", number))
    label = network.moderation_spec.label
    with network:
        if command.verb != "reply" and not network.can(command.verb):
            steps = manual_steps(network.moderation_spec.name, command.verb)
            tracker.comment(number, f"{label}'s API cannot {command.verb} comments, so nothing was done on the "
                                    f"network. By hand: {steps}\n\nWhen it is done, write `/dismiss` to close this "
                                    "issue.")
            record([target.comment_id], command.verb, "unsupported", f"{label} cannot {command.verb}", network.name)
            return finish(ModerateResult("unsupported", f"{label} cannot {command.verb}", number))
        c = target.comment()
        try:
            reply_id = ""
            if command.verb == "reply":
                reply_id = network.reply_to_comment(c, text, key=f"{key}:{event_id or login}:{c.id}")
            elif command.verb in ("hide", "unhide"):
                network.hide_comment(c, hidden=command.verb == "hide")
            elif command.verb == "delete":
                network.delete_comment(c)
            elif command.verb == "block":
                network.block_author(c)
        except NetworkError as exc:
            message = network.redact(str(exc))
            tracker.comment(number, f"Could not {command.verb} the comment on {label}: "
                                    f"{escape_untrusted_markdown(message, max_chars=400)}. Nothing changed; try again "
                                    "later, or do it by hand: " + manual_steps(network.moderation_spec.name,
                                                                               command.verb))
            record([target.comment_id], command.verb, "failed", message, network.name)
            return finish(ModerateResult("failed", f"/{command.verb} failed on {label}", number))
    record([target.comment_id], command.verb, "done", f"{auth.how}" + (f"; reply {reply_id}" if reply_id else ""),
           network.name)
    who = escape_untrusted_markdown(target.data.get("comment", {}).get("name") or "the commenter", max_chars=60)
    n = f" {records.index(target) + 1}" if len(records) > 1 else ""
    if command.verb == "reply":
        confirmation = (f"Replied on {label} to comment{n} by {who} as "
                        f"{escape_untrusted_markdown(profile.display_name, max_chars=80)} (for @{login}):\n\n"
                        + quote_untrusted(text))
    else:
        confirmation = f"{DONE_WORDS[command.verb]} comment{n} by {who} on {label} (for @{login})."
    handled = _handled(log.rows(), key, {s.comment_id for s in records})
    labels = {"hide": ["hidden"], "block": ["blocked"], "delete": ["deleted"], "reply": ["answered"]}.get(command.verb, [])
    if labels:
        tracker.add_labels(number, labels)
    if handled:
        tracker.close(key, confirmation + "\n\nEvery comment of this issue is handled: closing.")
    else:
        tracker.comment(number, confirmation)
    return finish(ModerateResult("done", f"/{command.verb} by {login} on {label}", number))


def _handled(rows: list[dict[str, str]], key: str, ids: set[str]) -> bool:
    done = {r["comment_id"] for r in rows if r["issue"] == key and r["result"] == "done"
            and r["actor"] != AUTO_ACTOR and r["action"] in HANDLED_BY_PEOPLE}
    return ids <= done


def _reply_text(root: Any, command: Command, target: Any) -> tuple[str, str]:
    """(text, problem): the reply to send, or why there is none (shown in the issue)."""
    from socialops.core.safetext import escape_untrusted_markdown

    folder = root / "replies"
    available = sorted(p.stem for p in folder.glob("*.md") if p.stem.lower() != "readme") if folder.is_dir() else []
    listing = ", ".join(f"`@{n}`" for n in available) or "none (add Markdown files to `replies/`)"
    if not command.text.strip():
        return "", f"`/reply` needs the answer after it, like `/reply Kiitos!`, or a saved reply: {listing}."
    name = command.saved_reply
    if name is None:
        return command.text.strip(), ""
    path = folder / f"{name}.md"
    if name not in available or not path.is_file():
        return "", (f"There is no saved reply `@{escape_untrusted_markdown(name, max_chars=64)}` in `replies/`. "
                    f"Saved replies: {listing}.")
    data = target.data.get("comment", {})
    commenter = data.get("name") or data.get("handle") or ""
    return fill_reply(path.read_text(encoding="utf-8"), commenter), ""


def json_get(text: str, name: str) -> Any:
    import json

    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return None
    return data.get(name) if isinstance(data, dict) else None


def _unquote(key: str | None) -> str | None:
    from urllib.parse import unquote

    return unquote(key) if key else None


def read_event(path: Any) -> dict[str, Any]:
    """The event payload GitHub writes to $GITHUB_EVENT_PATH."""
    import json
    from pathlib import Path

    from socialops.errors import UsageError

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the event file {path}: {type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise UsageError(f"the event file {path} is not a JSON object")
    return data
