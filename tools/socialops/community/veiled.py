"""Abuse put indirectly, found by rules over the lexicons' hits; each is evidence of ``medium`` confidence for a
person to judge, never hidden:

* ``watching``: someone's private life or routine named just after them (the ``routine`` lexicon after a staff
  noun, "you", a mention or a name: "the manager parks", "sun tytär", "din chef går hem") with a habit or a
  time ("always", "same spot", "aina", "samaan aikaan", "alltid", "varje dag") or words of someone who
  watches ("funny how", "kiva tietää", "bra att veta", "just checking", a tag question "..., right?"): a veiled
  threat without a harm word. Not a pronoun that owns a place ("your shop is always busy": the business);
* ``mock_praise``: praise of a person that mocks them (the ``mock_praise`` lexicon: "genius", "nero", "geni",
  "sharpest tool") near a staff noun, "you", a mention or a name, with a sign of mockery: a mocking emoji
  (🤡 🙄 🙃 😒 🤦), the praise in quotes, a closing "Not.", an insult in the same comment, or a complaint with
  the praise made emphatic ("what a genius", "varsinainen nero", "vilket geni").

And :func:`banter`: a mock insult between people who laugh together ("@petri sä oot ihan sika 😂"), which the
combination with the learned model (:mod:`socialops.community.classify`) asks more evidence of.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from socialops.community.aimed import LAUGH, Hits, Voice
from socialops.community.lexicons import Token

MOCKING = re.compile("[\U0001F921\U0001F644\U0001F643\U0001F612\U0001F926]")
# a tag question that checks what the writer knows ("blue front door, right?", "eikö vaan?", "va?")
_TAG_QUESTION = re.compile(r"(?i)\b(?:right|yeah|eikö(?: vaan)?|vai mitä|va|eller hur|isn't (?:it|he|she)|"
                           r"doesn't (?:he|she)|don't you)\s*[?.!]*\s*(?:\S+\s*)?$")
_NOT = re.compile(r"(?i)(?:^|[.!,]\s*)(?:not|ei|inte)\s*[.!]+\s*\S*\s*$")
# words that make praise emphatic, as sarcasm does ("what a genius", "varsinainen nero", "vilket geni")
_EMPHATIC = frozenset({"what", "such", "real", "truly", "true", "absolute", "proper", "varsinainen", "oikea",
                       "todellinen", "mikä", "melkoinen", "aikamoinen", "vilken", "vilket", "riktig", "riktigt",
                       "sann", "äkta", "wow", "wau", "vau"})
WATCH_WINDOW = 5  # how far after a person their routine may be named
PRAISE_WINDOW = 8  # how far from a person a mocking praise may be
_WHOM = ("staff", "you", "mention", "name")  # whom a veiled threat or a mocking praise is aimed at (no groups)


def find(tokens: Sequence[Token], hits: Hits, raw: str, whom: Sequence[tuple[str, int]],
         whose: Voice) -> list[tuple[str, str]]:
    """The (kind, reason) of each abuse put indirectly in a comment, given its tokens, lexicon hits, whom it
    may be aimed at (:func:`socialops.community.aimed.targets`) and whose words they are."""
    people = [(kind, at) for kind, at in whom if kind in _WHOM]
    return _watching(tokens, hits, raw, people, whose) + _mock_praise(tokens, hits, raw, people, whose)


def _watching(tokens: Sequence[Token], hits: Hits, raw: str, people: Sequence[tuple[str, int]],
              whose: Voice) -> list[tuple[str, str]]:
    pronouns = {at for _, at in hits.get("second_person", ())}
    places = [at for _, at in hits.get("place", ())]
    routine = [at for _, at in hits.get("routine", ()) if at not in pronouns
               and not any(0 < p - at <= 2 for p in places)]  # "your shop", "teidän liike": the business
    if not routine or not people:
        return []
    habit = [at for _, at in hits.get("habit", ())]
    watches = bool(whose.own.get("observing")) or _TAG_QUESTION.search(raw.strip()) is not None
    negators = {at for _, at in hits.get("negation", ())}
    for _, at in people:
        after = [r for r in routine if 0 < r - at <= WATCH_WINDOW]
        if not after:
            continue
        timed = any(abs(h - after[0]) <= WATCH_WINDOW and h not in negators for h in habit)
        if timed or watches:
            return [("watching", f"someone's routine watched: '{tokens[max(at, 0)].text} ... "
                                 f"{tokens[after[0]].text}'")]
    return []


def _mock_praise(tokens: Sequence[Token], hits: Hits, raw: str, people: Sequence[tuple[str, int]],
                 whose: Voice) -> list[tuple[str, str]]:
    reported = {at for _, at in hits.get("reported", ())}
    praise = [(p, at) for p, at in hits.get("mock_praise", ())
              if not any(0 < at - i <= 3 for i in whose.selfish) and not any(r < at for r in reported)]
    if not praise or not people:
        return []
    insulted = any(hits.get(name) for name in ("insult", "weak_insult", "dehumanising"))
    complaint = any(hits.get(name) for name in ("negative", "negative_strong"))
    mocked = MOCKING.search(raw) is not None or _NOT.search(raw) is not None or insulted
    for pattern, at in praise:
        emphatic = any(tokens[i].text in _EMPHATIC for i in range(max(0, at - 3), at))
        if not (mocked or tokens[at].quoted or complaint and emphatic):
            continue
        if any(abs(at - p) <= PRAISE_WINDOW for _, p in people):
            return [("mock_praise", f"praise that mocks someone '{tokens[at].text}' ({pattern.source})")]
    return []


def banter(hits: Hits, raw: str, whom: Sequence[tuple[str, int]], kinds: Sequence[str]) -> bool:
    """A mock insult between people who laugh together: a laugh, a mention or "you", and no abuse but a mild
    insult aimed at them ("@jussi you clown 😂", "@petri sä oot ihan sika 😂")."""
    return (LAUGH.search(raw) is not None and bool(hits.get("weak_insult")) and set(kinds) <= {"weak_insult"}
            and any(kind in ("mention", "you") for kind, _ in whom) and not hits.get("negative_strong"))
