"""The rules' evidence of what a comment is (:func:`rule_evidence`), which classification
(:mod:`socialops.community.classify`) combines with the learned model.

Rules over the lexicons (:mod:`socialops.community.lexicons`, matched on words and their lemmas), plus signals
that need no language: links, mentions en masse, repeated text, capitals, workflow-command text, and rules that
join two harmless halves into abuse without a telling word (:mod:`socialops.community.aimed`: identity attacks,
wishes of harm, threats). A profile extends the lexicons in its YAML (:mod:`socialops.community.settings`:
watch words, extra abusive words). Each kind of evidence (:class:`Findings`) says what was found and why, and
the whole (:class:`Evidence`) gives the rules' own decision and the learned model's features.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from socialops.community.aimed import LAUGH, Voice, voice
from socialops.community.aimed import cues as aim_cues
from socialops.community.aimed import find as find_aimed
from socialops.community.aimed import targets as aim_targets
from socialops.community.lemmas import lemmas
from socialops.community.lexicons import (
    LEXICON_CLASSES,
    MENTION,
    URL,
    Lexicon,
    Pattern,
    PatternIndex,
    Token,
    builtin_lexicons,
    disguised,
    normalise,
    tokenize,
)
from socialops.community.model import features
from socialops.community.settings import ProfileRules
from socialops.community.veiled import banter as is_banter
from socialops.community.veiled import find as find_veiled

_WORKFLOW = re.compile(r"::[a-z-]+(?:\s[^:]*)?::|\$\{\{|\$\(|`[^`]*`")
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")
_QUESTION_SUFFIX = re.compile(r"^[^\W\d_]{2,}(?:ko|kö|kohan|köhän|kos|kös)$")
_PHONE = re.compile(r"(?<![\w.])\+?\d{2,4}[ -]?\d{3}[ -]?\d{3,4}(?![\w.])")
_MONEY = re.compile(r"[$€£]\s?\d|\d[\d.,\s]*(?:€|\$|e\b|euro|eur\b|kr\b|kronor|dollar|k\b)|\d+\s?%")
_SPOKEN_CLITIC = re.compile(r"^[^\W\d_]{3,}[aeiouyäö](?:ks|kse)$")  # colloquial -ks: "onks", "löytyyks"
_SAD = re.compile("[\U0001F643\U0001F611\U0001F612\U0001F644\U0001F620\U0001F621\U0001F624\U0001F92C\U0001F44E\U0001F61E\U0001F615]")
WH_WORDS = frozenset({"what", "when", "where", "which", "who", "why", "how"})
QUESTION_WORDS_FI = frozenset({"mihin", "milloin", "missä", "mistä", "paljonko", "montako", "kauanko", "kuinka",
                               "miten"})


@dataclass
class Findings:
    """One kind of evidence (spam, abuse, a complaint, a question, an incident): its kinds, why, how strong."""

    kinds: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    score: float = 0.0

    def add(self, kind: str, reason: str) -> None:
        if kind not in self.kinds:
            self.kinds.append(kind)
        if reason not in self.reasons:
            self.reasons.append(reason)


@dataclass(frozen=True)
class _Text:
    """A comment as the rules look at it."""

    raw: str
    norm: str
    tokens: list[Token]
    second: list[int]  # where the text speaks to someone ("you", "sä")
    first: list[int]  # where it speaks of the writer ("I", "olin")
    hits: Mapping[str, list[tuple[Pattern, int]]]  # lexicon class -> its matches, found once per comment
    whose: Voice  # where the writer speaks of themselves, and which hits are the writer's own (found once)
    hidden: bool  # a word hidden from word lists (lexicons.disguised): "c l o w n s", "id10tit"
    whom: list[tuple[str, int]]  # whom a remark may be aimed at (aimed.targets): staff, "you", mentions, names


def quote(pattern: Pattern, tokens: Sequence[Token], at: int) -> str:
    size = sum(1 for mode, _ in pattern.parts if mode != "gap")
    words = " ".join(t.text for t in tokens[at:at + max(1, size)])
    return f"'{words}' ({pattern.source})" if words != pattern.source else f"'{words}'"


def find_hits(lexicons: Iterable[Lexicon], name: str, tokens: Sequence[Token],
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

# the lexicon classes that are a sign of hostility (an insult said of oneself is none: "olin ihan idiootti"):
# without one, the model alone never calls a comment abusive
HOSTILE = frozenset({"insult", "weak_insult", "slur", "threat", "directed", "profanity", "veiled_threat", "identity"})


@dataclass(frozen=True)
class Evidence:
    """What the rules found in a comment."""

    text: _Text
    spam: Findings
    abuse: Findings
    abuse_confidence: str
    negative: Findings
    positives: int
    question: Findings
    incident: Findings
    classes: tuple[str, ...]  # the lexicon classes that matched
    hostile: bool = False  # a sign of hostility (HOSTILE) other than an insult the writer says of themselves
    cues: tuple[str, ...] = ()  # who a remark is aimed at and what it says of them (aimed.cues), for the model
    banter: bool = False  # a mock insult between people who laugh together (veiled.banter)

    def features(self) -> list[str]:
        """The learned model's features of this comment."""
        return features(self.text.raw, self.text.tokens, self.signals(), self.cues)

    def signals(self) -> list[str]:
        """The rules' findings as features of the model."""
        out = [f"spam{min(int(self.spam.score), 4)}", f"neg{min(int(self.negative.score * 2), 6)}",
               f"q{min(int(self.question.score), 4)}", f"pos{min(self.positives, 3)}",
               f"second{bool(self.text.second)}", f"first{bool(self.text.first)}",
               f"mention{MENTION.search(self.text.raw) is not None}"]
        if self.abuse.kinds:
            out += [f"abuse-{self.abuse_confidence}"] + [f"abuse:{k}" for k in self.abuse.kinds]
        out += [f"spam:{k}" for k in self.spam.kinds] + [f"neg:{k}" for k in self.negative.kinds]
        out += [f"lex:{name}" for name in self.classes]
        if self.positives and self.negative.score:  # praise and a complaint together: often sarcasm
            out.append("contrast")
        if self.incident.kinds:
            out.append("incident")
        if self.banter:
            out.append("banter")
        return out

    def rule_decision(self) -> tuple[str, str, Findings]:
        """The rules' own category, confidence and evidence."""
        spam, abuse, confidence = self.spam, self.abuse, self.abuse_confidence
        negative, question = self.negative, self.question
        if spam.score >= 2 and not (abuse.kinds and confidence == "high" and spam.score < 3):
            return "spam", "high" if spam.score >= 3 else "medium", spam
        if abuse.kinds:
            return "abusive", confidence, abuse
        if negative.score >= 2:
            return "negative", "high" if negative.score >= 3 else "medium", negative
        if question.score >= 2:
            return "question", "high" if question.score >= 3 else "medium", question
        if negative.score >= 1 and (question.score >= 1 or not self.positives):
            return "negative", "low", negative
        other = Findings()
        other.add("none", "no sign of a question, complaint, abuse or spam")
        return "other", "medium", other


def rule_evidence(text: str, *, rules: ProfileRules | None = None, repeats: int = 1,
                  lexicons: Sequence[Lexicon] | None = None) -> Evidence:
    """What the rules find in a comment (see :func:`classify`)."""
    rules = rules or ProfileRules()
    lexicons = tuple(lexicons) if lexicons is not None else builtin_lexicons()
    raw = str(text or "")
    norm = normalise(raw)
    tokens = tokenize(norm, lemmas)
    hits = {name: find_hits(lexicons, name, tokens) for name in LEXICON_CLASSES}
    t = _Text(raw, norm, tokens, [at for _, at in hits["second_person"]], [at for _, at in hits["first_person"]], hits,
              voice(tokens, hits), disguised(norm, tokens), aim_targets(tokens, hits, raw, lambda part: tokenize(normalise(part))))
    incident = Findings()
    for pattern, at in hits["incident"]:
        incident.add("incident", f"health or safety word {quote(pattern, tokens, at)}")
        incident.score += 1
    abuse, confidence = _abuse(t, lexicons, rules)
    negative, positives = _complaints(t, lexicons)
    classes = tuple(name for name in LEXICON_CLASSES if hits[name])
    said_of_oneself = {"insult", "weak_insult"} - set(abuse.kinds) if t.whose.selfish else set()
    ruled_out = {"veiled_threat"} - set(abuse.kinds)  # "hope nobody got hurt", "I know where the shop is"
    own = {name for name in classes if t.whose.own[name]}  # not quoting or reporting others
    hostile = bool(abuse.kinds) or bool(own & (HOSTILE - said_of_oneself - ruled_out))
    cues = aim_cues(tokens, hits, raw, t.whom, t.whose, t.hidden)
    return Evidence(t, _spam(t, lexicons, repeats), abuse, confidence, negative, positives,
                    _question(t, lexicons), incident, classes, hostile, tuple(cues),
                    is_banter(hits, raw, t.whom, abuse.kinds))


def _spam(t: _Text, lexicons: Sequence[Lexicon], repeats: int) -> Findings:
    spam = Findings()
    words = [tok for tok in t.tokens if any(ch.isalpha() for ch in tok.text)]
    links = URL.findall(t.norm)
    mentions = MENTION.findall(t.raw)
    emoji = len(_EMOJI.findall(t.raw))
    for pattern, at in t.hits["spam_strong"]:
        spam.add("spam", f"spam phrase {quote(pattern, t.tokens, at)}")
        spam.score += 2
    for pattern, at in t.hits["spam"]:
        spam.add("spam", f"advertising word {quote(pattern, t.tokens, at)}")
        spam.score += 1
    if links:
        spam.score += 1
        spam.add("link", f"{len(links)} link{'s' if len(links) > 1 else ''}")
        if len(words) <= 3:
            spam.score += 1
            spam.add("link", "little else than a link")
        if emoji >= 4:
            spam.score += 1
            spam.add("emoji", f"{emoji} emoji around a link")
    selling = spam.score > 0
    if _PHONE.search(t.raw):
        spam.score += 1
        spam.add("phone", "a phone number")
    if selling and _MONEY.search(t.norm):  # "DM me" + money, "followers for $5"
        spam.score += 1
        spam.add("money", "a sum of money with a commercial word")
    if len(mentions) >= 5 or (len(mentions) >= 3 and links):
        spam.score += 2
        spam.add("mentions", f"{len(mentions)} accounts mentioned")
    if repeats >= 3:
        spam.score += 2
        spam.add("repeated", f"the same text {repeats} times on this profile")
    if _WORKFLOW.search(t.raw):
        spam.score += 2
        spam.add("injection", "command or template syntax in the text (an injection attempt)")
    return spam


def _abuse(t: _Text, lexicons: Sequence[Lexicon], rules: ProfileRules) -> tuple[Findings, str]:
    """The evidence of abuse, and its confidence."""
    abuse = Findings()
    confidence = "low"
    tokens, second, selfish = t.tokens, t.second, t.whose.selfish
    # a customer reporting what was said ('he shouted "die"', "someone called the waitress a cow")
    others = {name: {at for _, at in t.hits[name]} - {at for _, at in t.whose.own[name]}
              for name in ("threat", "slur", "directed", "insult", "weak_insult")}

    def of_oneself(at: int) -> bool:  # "olin ihan idiootti", "we were such idiots"
        return not _near(second, at, 3) and any(0 < at - i <= 3 for i in selfish)

    for kind, label in (("threat", "threat"), ("slur", "slur"), ("directed", "abusive phrase")):
        for pattern, at in t.hits[kind]:
            if at in others[kind]:
                continue
            abuse.add(kind, f"{label} {quote(pattern, tokens, at)}")
            confidence = "high"
    for pattern, at in t.hits["insult"]:
        if of_oneself(at) or at in others["insult"]:
            continue
        abuse.add("insult", f"insult {quote(pattern, tokens, at)}")
        confidence = "high"
    for pattern, at in find_hits((), "", tokens, rules.abusive_words):
        if of_oneself(at):
            continue
        abuse.add("extra", f"abusive word of this profile {quote(pattern, tokens, at)}")
        confidence = "high"
    weak = t.hits["weak_insult"]
    hidden = t.hidden
    distinct_weak = {p.source for p, _ in weak}
    staff = [at for _, at in t.hits["staff"]]
    mentioned = MENTION.search(t.raw) is not None
    for pattern, at in weak:
        if of_oneself(at) or at in others["weak_insult"]:
            continue
        aimed = any(0 < at - i <= 4 for i in second) or any(0 < i - at <= 1 for i in second)  # "you're so dumb"
        aimed = aimed or hidden  # "c l o w n s", "id10tit": hidden from word lists to hurt someone
        at_staff = any(0 < at - i <= 6 for i in staff)  # "the manager there is a complete idiot"
        if aimed or at_staff or mentioned or (len(distinct_weak) >= 2 and second):
            whom = "someone" if aimed or not (at_staff or mentioned) else "staff" if at_staff else "a commenter"
            abuse.add("weak_insult", f"insult aimed at {whom} {quote(pattern, tokens, at)}")
            if confidence == "low":
                confidence = "medium"
    threats = {at for _, at in t.hits["threat"]}
    found = find_aimed(tokens, t.hits, t.raw, t.whose) + find_veiled(tokens, t.hits, t.raw, t.whom, t.whose)
    for kind, reason in found:  # abuse without a telling word: for a person to judge, never hidden
        abuse.add(kind, reason)
        if confidence == "low":
            confidence = "medium"
    # "I know where the shop is": a whereabouts phrase without someone's routine after it is no veiled threat
    idle = set() if any(kind == "whereabouts" for kind, _ in found) else {at for _, at in t.hits["whereabouts"]}
    for pattern, at in t.hits["veiled_threat"]:  # a threat with a gap: for a person to judge, never hidden
        if at in threats or at in idle or any(0 < at - i <= 2 for _, i in t.hits["negation"]):
            continue  # "hope nobody got hurt"
        abuse.add("veiled_threat", f"veiled threat {quote(pattern, tokens, at)}")
        if confidence == "low":
            confidence = "medium"
    for pattern, at in t.hits["profanity"]:
        if _near(second, at, 1) and not of_oneself(at):
            abuse.add("directed", f"swearing aimed at someone {quote(pattern, tokens, at)}")
            if confidence == "low":
                confidence = "medium"
    if confidence == "high" and set(abuse.kinds) <= {"insult", "weak_insult"} and LAUGH.search(t.raw):
        # an insult amid laughter may be banter between friends ("@tom you absolute idiot 😂 I'll bring it
        # tomorrow"): still abuse for a person to judge, but no evidence to hide it on
        confidence = "medium"
    return abuse, confidence


def _complaints(t: _Text, lexicons: Sequence[Lexicon]) -> tuple[Findings, int]:
    """The evidence of a complaint, and how many words of praise (not negated) the text has."""
    negative = Findings()
    tokens = t.tokens
    letters = [ch for ch in t.raw if ch.isalpha()]
    caps = len(letters) >= 10 and sum(ch.isupper() for ch in letters) / len(letters) >= 0.8
    negators = [at for _, at in t.hits["negation"]]
    for name, weight in (("negative_strong", 2.0), ("negative", 1.0), ("negative_hint", 0.5)):
        for pattern, at in t.hits[name]:
            single = len(pattern.parts) == 1
            if single and any(0 < at - i <= 2 for i in negators):
                continue  # "ei huono", "not bad"
            negative.add("complaint", f"{'complaint' if weight > 1 else 'dissatisfaction'} word "
                                      f"{quote(pattern, tokens, at)}")
            negative.score += weight
    positives = 0
    for pattern, at in t.hits["positive"]:
        if len(pattern.parts) == 1 and any(0 < at - i <= 2 for i in negators):
            negative.add("complaint", f"praise negated {quote(pattern, tokens, at)}")  # "ei kiva", "not happy"
            negative.score += 1
        else:
            positives += 1
    if caps and negative.score >= 1:
        negative.score += 1
        negative.add("capitals", "written in capitals")
    if _SAD.search(t.raw):
        negative.score += 1
        negative.add("emoji", "an annoyed or sad emoji")
    rhetorical = t.hits["complaint_question"]
    if rhetorical and ("?" in t.raw or rhetorical[0][1] == 0):  # "why is the app down again?"
        negative.score += 1
        negative.add("complaint-question", f"a complaint put as a question {quote(rhetorical[0][0], tokens, rhetorical[0][1])}")
    for pattern, at in t.hits["sarcasm"]:  # "thanks a lot", "kiitos vaan"
        negative.score += 1
        negative.add("sarcasm", f"sarcasm {quote(pattern, tokens, at)}")
        break
    return negative, positives


def _question(t: _Text, lexicons: Sequence[Lexicon]) -> Findings:
    question = Findings()
    tokens, raw = t.tokens, t.raw
    if "?" in raw:
        question.score += 1
        question.add("question-mark", "a question mark")
    skip = {at for _, at in t.hits["not_question"]}
    starts = {at for p, at in t.hits["question_start"] if tokens[at].clause_start}
    if starts:
        question.score += 1
        at = min(starts)
        question.add("question-word", f"starts with the question word '{tokens[at].text}'")
        if t.second and any(0 < s - at <= 4 for s in t.second):
            question.score += 1
        elif at == 0 and tokens[0].text in WH_WORDS | QUESTION_WORDS_FI and "!" not in raw:
            question.score += 1
    for pattern, at in t.hits["question_implicit"]:  # "wondering if", "mietin vaan et", "undrar om"
        question.score += 2
        question.add("question-implicit", f"a question put as a statement {quote(pattern, tokens, at)}")
        break
    for tok in tokens:
        spoken = tok.clause_start and len(tok.text) >= 5 and _SPOKEN_CLITIC.match(tok.text)  # "toimiiks se"
        if tok.index in skip or re.search(r"(kk|pp|tt)(o|ö)$", tok.text) or not (
                _QUESTION_SUFFIX.match(tok.text) or spoken):
            continue
        if tok.clause_start or "?" in raw:
            question.score += 2 if tok.clause_start else 1
            question.add("question-word", f"the question form '{tok.text}'")
            break
    return question
