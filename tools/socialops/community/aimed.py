"""Abuse without a telling word: rules that join two halves found by the lexicons, each half harmless alone.

* ``identity``: a group named by who they are (``group``: "people like you", "maahanmuuttajat", "kvinnor")
  and what is said of them (``exclusion``: "don't belong", "ei kuulu tänne", "borde inte få"), or an
  insult near the group ("these people are useless");
* ``wish_of_harm``: a wish or a call (``wish``: "hope", "toivottavasti", "någon borde") followed by harm
  (``harm``: "burns", "palaa", "en läxa"), with someone or the business to suffer it, and no negation between
  ("hope nobody got hurt" is no wish of harm);
* ``conditional_threat``: "if I see you again" (``conditional``) with a person, then harm, a consequence
  ("you'll regret it", "kadut") or a trailing "...";
* ``whereabouts``: "I know where / when" (``whereabouts``) followed by someone's routine (``routine``:
  "you park", "asut", "slutar"): "I know where the shop is" is no threat, nor "I know where your shop is"
  (a pronoun that owns a place is the business);
* ``dehumanising``: a word that denies someone is human (``dehumanising``: "animals", "loisia", "ohyra")
  after a comparison or a copula ("like", "kuin", "är") and said of people, not of oneself ("we ate like
  animals");
* ``weak_insult`` aimed at a group of people ("worthless people", "tyhmiä ihmisiä").

None is hidden: each is evidence of ``medium`` confidence for a person to judge. A hit inside double quotes,
or after a reporting word in its sentence ("someone said women don't belong here"), is not the writer's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from socialops.community.lexicons import MENTION, Pattern, Token

Hits = Mapping[str, list[tuple[Pattern, int]]]
# pronouns of the writer's own side, beyond the `first_person` lexicon ("we ate like animals")
SELF = frozenset({"we", "us", "our", "me", "meidän", "meitä", "meille", "oltiin", "olimme", "vi", "oss", "vår",
                  "våra"})
_NEGATORS = frozenset({"nobody", "noone", "kukaan", "mikään", "ingen", "inget", "ingenting"})
_ELLIPSIS = ("...", "\u2026")
WINDOW = 8  # how far apart (in words) the two halves of a rule may be


def _sentences(tokens: Sequence[Token]) -> list[int]:
    out, at = [], -1
    for token in tokens:
        at += token.clause_start
        out.append(at)
    return out


@dataclass(frozen=True)
class Voice:
    """Whose words a comment's hits are, found once per comment (:func:`voice`)."""

    selfish: tuple[int, ...]  # where the writer speaks of themselves ("I", "olin", "we", "oss")
    own: Mapping[str, list[tuple[Pattern, int]]]  # lexicon class -> its hits that are the writer's own words


def voice(tokens: Sequence[Token], hits: Hits) -> Voice:
    """Where the writer speaks of themselves, and each class's hits that are the writer's own words: not
    quoted, not after a reporting word in their sentence ("someone called the manager a moron")."""
    sentence = _sentences(tokens)
    reported = [at for _, at in hits.get("reported", ())]
    own = {name: [(p, at) for p, at in found
                  if not tokens[at].quoted and not any(r < at and sentence[r] == sentence[at] for r in reported)]
           for name, found in hits.items()}
    selfish = [at for _, at in hits.get("first_person", ())] + [t.index for t in tokens if t.text in SELF]
    return Voice(tuple(selfish), own)


def _quote(pattern: Pattern, tokens: Sequence[Token], at: int) -> str:
    return f"'{tokens[at].text}' ({pattern.source})" if tokens[at].text != pattern.source else f"'{pattern.source}'"


def find(tokens: Sequence[Token], hits: Hits, raw: str, whose: Voice) -> list[tuple[str, str]]:
    """The (kind, reason) of each abuse these rules find in a comment, given its tokens, lexicon hits and
    whose words they are (:func:`voice`)."""
    at_of = {name: [at for _, at in hits.get(name, ())] for name in hits}
    second = at_of.get("second_person", [])
    selfish = whose.selfish
    negators = at_of.get("negation", []) + [t.index for t in tokens if t.text in _NEGATORS]
    groups = [at for _, at in whose.own.get("group", [])]
    people = groups + at_of.get("people", []) + at_of.get("staff", []) + second
    mentioned = MENTION.search(raw) is not None
    out: list[tuple[str, str]] = []

    def of_oneself(at: int) -> bool:
        return any(0 < at - i <= 4 for i in selfish) and not any(abs(at - i) <= 3 for i in second)

    exclusions = [(p, at) for p, at in whose.own.get("exclusion", []) if not of_oneself(at) and (
        len(p.parts) > 1 or not any(0 < at - i <= 2 for i in negators))]  # "we went home", "they aren't ruining it"
    two = len({p.source for p, _ in exclusions}) >= 2
    for pattern, at in exclusions:
        # near a group, or one of two things said of people ("you hire people who can't even speak ... go home")
        if any(abs(at - g) <= WINDOW for g in groups) or two and any(abs(at - p) <= WINDOW for p in people):
            out.append(("identity", f"identity attack: a group and {_quote(pattern, tokens, at)}"))
            break
    swearing = {at for _, at in hits.get("profanity", ())}
    for pattern, at in hits.get("weak_insult", []) + hits.get("profanity", []):  # "worthless people", "paskat ihmiset"
        if of_oneself(at) or tokens[at].quoted:
            continue
        if at not in swearing and any(0 < at - g <= 6 for g in groups):
            out.append(("identity", f"identity attack: an insult of a group {_quote(pattern, tokens, at)}"))
            break
        after = [i for i in at_of.get("people", []) if 0 < i - at <= 2 and not any(
            tokens[j].clause_start for j in range(at + 1, i + 1))]
        if after:
            out.append(("weak_insult", f"insult aimed at a group of people {_quote(pattern, tokens, at)}"))
            break
    targets = people + at_of.get("place", [])
    harms = whose.own.get("harm", [])
    for pattern, at in whose.own.get("wish", []):
        harm = [h for _, h in harms if 0 < h - at <= WINDOW and not any(at < n < h for n in negators)]
        if harm and (targets or mentioned):
            out.append(("wish_of_harm", f"a wish of harm {_quote(pattern, tokens, at)} ... "
                                        f"'{tokens[harm[0]].text}'"))
            break
    consequences = at_of.get("consequence", [])
    trailing = raw.rstrip().endswith(_ELLIPSIS)
    for pattern, at in whose.own.get("conditional", []):
        whom = [p for p in second + at_of.get("staff", []) + groups if 0 <= p - at <= 5]
        then = [h for h in [h for _, h in harms] + consequences if h > at]
        if whom and (then or trailing):
            out.append(("conditional_threat", f"a threat on a condition {_quote(pattern, tokens, at)}"))
            break
    places = at_of.get("place", [])
    # "your shop", "teidän liike", "er butik": a pronoun that owns a place is the business, whose address is
    # public ("I know where your shop is"); someone's home, car or routine is not
    routine = [r for r in at_of.get("routine", []) if not any(0 < p - r <= 2 for p in places)]
    for pattern, at in whose.own.get("whereabouts", []):
        size = len(pattern.parts)
        if any(0 <= r - (at + size) <= 3 for r in routine):
            out.append(("whereabouts", f"someone's whereabouts {_quote(pattern, tokens, at)}"))
            break
    compared = at_of.get("comparison", [])
    for pattern, at in whose.own.get("dehumanising", []):
        before = compared + second + groups + at_of.get("weak_insult", [])  # "like animals", "disgusting creature"
        if of_oneself(at) or not any(0 < at - c <= 3 for c in before):
            continue
        # said of people named before it ("the staff behave like animals"), not asked ("are animals allowed?")
        insulted = any(0 < at - w <= 2 for w in at_of.get("weak_insult", [])) and not at_of.get("place")
        if any(0 < at - p <= 6 for p in people) or insulted or mentioned and "?" not in raw:
            out.append(("dehumanising", f"people called {_quote(pattern, tokens, at)}"))
            break
    return out


# the copula between a person and what they are called ("the waitress IS a cow", "omistaja ON pelle")
COPULA = frozenset({"is", "are", "was", "were", "s", "on", "oli", "ovat", "olivat", "oot", "ootte", "olet", "olette",
                     "oo", "är", "var", "e"})
# what a remark aimed at someone may say of them: the lexicon classes that evaluate
_EVALUATIVE = ("insult", "weak_insult", "profanity", "dehumanising", "negative", "negative_strong", "positive",
               "slur")
# a message passed on to someone named: how a veiled threat is often put ("tell Pekka I'll be waiting")
_RELAY = frozenset({"tell", "kerro", "kertokaa", "sano", "sanokaa", "säg", "hälsa"})
AIM_WINDOW = 5  # how many words after a person (a mention, "you", the waitress) say something of them
LAUGH = re.compile("[\U0001F602\U0001F923\U0001F605\U0001F606\U0001F601]|\\b(?:ha){2,}|\\bhah\\b|\\blol\\b|\\bxd\\b",
                    re.IGNORECASE)


# a person named in the middle of a sentence ("tell Marcus", "nähdään Jari", "tuo Pekka on"): a capitalised word
# after a word or a comma; not the words that English writes with a capital
_NAME = re.compile(r"(?<=[^\W\d_] |, )[A-ZÅÄÖ][a-zåäöéü]{2,}\b")
_NOT_NAMES = frozenset({
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december", "christmas",
    "easter", "english", "finnish", "swedish", "i'm", "i'll", "i've", "i'd", "god"})
PRIVY_WINDOW = 3  # how far after a person their private life (home, car, children, routine) may be named


def _name_positions(raw: str, tokens: Sequence[Token], tokenize_prefix) -> list[int]:
    """The index of each word that names a person in the middle of a sentence."""
    return [at for m in _NAME.finditer(raw) if m.group().casefold() not in _NOT_NAMES
            for at in [len(tokenize_prefix(raw[:m.start()]))] if at < len(tokens)]


def _mention_positions(raw: str, tokens: Sequence[Token], tokenize_prefix) -> list[int]:
    """The index of the first word after each @mention."""
    return [min(len(tokenize_prefix(raw[:m.start()])), len(tokens)) for m in MENTION.finditer(raw)]


def targets(tokens: Sequence[Token], hits: Hits, raw: str, tokenize_prefix) -> list[tuple[str, int]]:
    """Whom a remark may be aimed at: (kind, the index of their last word) for each staff noun, "you", group of
    people, @mention (the word before the one after it) and name in the middle of a sentence.
    ``tokenize_prefix`` tokenises a part of the raw text."""
    out = [("staff", at + len([m for m, _ in p.parts if m != "gap"]) - 1) for p, at in hits.get("staff", ())]
    out += [("you", at) for _, at in hits.get("second_person", ())]
    out += [("group", at) for _, at in hits.get("group", ()) + hits.get("people", [])]
    out += [("mention", at - 1) for at in _mention_positions(raw, tokens, tokenize_prefix)]
    out += [("name", at) for at in _name_positions(raw, tokens, tokenize_prefix)]
    return out


def cues(tokens: Sequence[Token], hits: Hits, raw: str, whom: Sequence[tuple[str, int]], whose: Voice,
         hidden: bool) -> list[str]:
    """Features for the learned model of who a remark is aimed at and what it says of them, so that it learns
    "a person, then a word" rather than a word alone: the words after a mention, "you" or a staff noun
    (``aim:cow``, with ``aimc:`` character n-grams for words never seen in training), whether a copula joins
    them (``cop:staff``), the lexicon classes among them; and what makes a remark not the writer's own aim
    (said of oneself, reported, quoted); a person's private life named after them (``privy``: "your daughter's
    school", "sun auto", "din fru"), the stuff of veiled threats. ``whom`` is :func:`targets`; ``whose`` is
    :func:`voice`; ``hidden``: the comment hides a word from word lists (lexicons.disguised)."""
    sentence = _sentences(tokens)
    targets = whom
    classes = {at: name for name in _EVALUATIVE for _, at in hits.get(name, ())}
    out: list[str] = []
    for kind, at in targets:
        out.append(f"tgt:{kind}")
        window = [j for j in range(at + 1, min(at + 1 + AIM_WINDOW, len(tokens)))
                  if kind == "mention" or sentence[j] == sentence[max(at, 0)]]
        if window and tokens[window[0]].text in COPULA or len(window) > 1 and tokens[window[1]].text in COPULA:
            out.append(f"cop:{kind}")
        for j in window:
            word = tokens[j].forms[0]  # as written: a lemma may come from another language ("saturday" -> "satu")
            out.append(f"aim:{word}")
            if j in classes:
                out += [f"aimlex:{classes[j]}", f"aimlex-{kind}:{classes[j]}"]
            padded = f" {word} "
            if len(word) > 3 and word not in COPULA:
                out += [f"aimc:{padded[i:i + 4]}" for i in range(len(padded) - 3)]
        for j in range(max(0, at - 3), max(at, 0)):  # "mikä pelle tuo omistaja", "vilken pajas er chef är"
            if sentence[j] == sentence[at]:
                out.append(f"pre:{tokens[j].forms[0]}")
    out += _privy(targets, hits)
    out += _pointed(tokens, hits, sentence, whose)
    selfish = whose.selfish
    for name in ("insult", "weak_insult"):
        for _, at in hits.get(name, ()):
            if any(0 < at - i <= 3 for i in selfish):
                out.append("self-eval")
    if any(t.clause_start and t.text in _RELAY for t in tokens):  # "tell Pekka I'll be waiting"
        out.append("relay")
    if hidden:  # a word hidden from word lists (lexicons.disguised): meant to hurt
        out.append("disguised")
    if LAUGH.search(raw):  # banter among friends laughs ("@jussi you clown 😂")
        out.append("laugh")
    if hits.get("reported"):
        out.append("reported")
    if any(t.quoted for t in tokens):
        out.append("quoted")
    return out


# words that point at someone present or known ("this clown", "tuo pelle", "den där idioten")
_DEMONSTRATIVE = frozenset({"this", "that", "these", "those", "tuo", "toi", "nuo", "noi", "tää", "tämä", "tuollainen",
                            "tollanen", "tuollaisen", "tollasen", "tuommoinen", "tommonen", "denna", "denne", "dessa",
                            "där"})
_INSULTING = ("insult", "weak_insult", "dehumanising")


def _pointed(tokens: Sequence[Token], hits: Hits, sentence: Sequence[int], whose: Voice) -> list[str]:
    """An insult in a question ("who hired this clown?", "kuka tollasen urpon päästi kassalle?": ``ask-insult``),
    which is sarcasm and no question to answer, and an insult after a word that points at someone ("this clown",
    "tuo pelle": ``point-insult``); not of the writer ("I'm such a muppet, who does that?")."""
    asked = [at for _, at in hits.get("question_start", ()) if tokens[at].clause_start]
    out = []
    for name in _INSULTING:
        for _, at in hits.get(name, ()):
            if any(0 < at - i <= 4 for i in whose.selfish):
                continue
            if any(q < at and sentence[q] == sentence[at] for q in asked):
                out.append("ask-insult")
            if at and tokens[at - 1].text in _DEMONSTRATIVE:
                out.append("point-insult")
    return list(dict.fromkeys(out))


def _privy(targets: Sequence[tuple[str, int]], hits: Hits) -> list[str]:
    """``privy`` when someone's private life or routine (the ``routine`` lexicon: home, car, children, where they
    park) is named just after them ("your kids", "sun tytär", "Johan går hem")."""
    pronouns = {at for _, at in hits.get("second_person", ())}
    routine = [at for _, at in hits.get("routine", ()) if at not in pronouns]
    out = []
    for kind, at in targets:
        if kind != "group" and any(0 < r - at <= PRIVY_WINDOW for r in routine):
            out += ["privy", f"privy-{kind}"]
    return list(dict.fromkeys(out))
