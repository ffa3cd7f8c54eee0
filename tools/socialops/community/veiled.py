"""Abuse put indirectly, found by rules over the lexicons' hits; each is evidence of ``medium`` confidence for a
person to judge, never hidden:

* ``watching``: someone's private life or routine named just after them (the ``routine`` lexicon after a staff
  noun, "you", a mention or a name: "the manager parks", "sun tytär", "din chef går hem") with words of
  someone who watches ("funny how", "kiva tietää", "bra att veta", "noticed", a tag question "..., right?") or
  a time or place in which they are alone or unseen (``unseen``: "alone", "after dark", "yksin", "pimeällä",
  "ensam"): a veiled threat without a harm word. A habit alone is none ("your staff always park in the customer
  spots" is a complaint), nor a pronoun that owns a place ("your shop"), nor the writer's own ("mun koti"), nor
  what is said with praise and warmth ("I know the chef's kids, lovely family!");
* ``mock_praise``: praise of a person that mocks them (the ``mock_praise`` lexicon: "genius", "nero", "geni",
  "sharpest tool") near a staff noun, "you", a mention or a name, with a sign of mockery: a mocking emoji
  (🤡 🙄 🙃 😒 🤦), the praise in quotes, a closing "Not.", an insult in the same comment, or a complaint with
  the praise made emphatic ("what a genius", "varsinainen nero", "vilket geni");
* ``fragile``: someone else's property and what it would cost if it broke ("lovely big windows ... glass is
  expensive to replace", "isot ikkunat teillä, kallis korjata", "fina stora fönster ni har, dyra att byta ut");
* ``belittling``: a person said to be a "little" something ("the manager is a smug little man", "kocken är en
  sur liten gubbe", "omistaja on ahne pikku kääkkä"), without praise in the comment.

And :func:`banter`: a mock insult between people who laugh together ("@petri sä oot ihan sika 😂"), which the
combination with the learned model (:mod:`socialops.community.classify`) asks more evidence of.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from socialops.community.aimed import COPULA, LAUGH, Hits, Voice
from socialops.community.lexicons import Token

# warmth that a veiled threat lacks: an exclamation mark, a heart, a smile ("lovely family!", "tosi kiva 😊")
_WARM = re.compile("[!\u2764\U0001F60A\U0001F60D\U0001F970\u263A\U0001F64F\U0001F495\U0001F496\U0001F44D"
                   "\U0001F64C\U0001F604\U0001F603]")
MOCKING = re.compile("[\U0001F921\U0001F644\U0001F643\U0001F612\U0001F926]")
# a tag question that checks what the writer knows ("blue front door, right?", "eikö vaan?", "va?")
_TAGS = (r"(?:right|yeah|eikö(?: vaan| niin)?|vai mitä|va|eller hur|isn't (?:it|he|she)|doesn't (?:he|she)|"
         r"don't you)")
_TAG_QUESTION = re.compile(rf"(?i)(?:,\s*{_TAGS}\b\s*[?.!]*|\b{_TAGS}\s*\?+)\s*(?:\S+\s*)?$")
_NOT = re.compile(r"(?i)(?:^|[.!,]\s*)(?:not|ei|inte)\s*[.!]+\s*\S*\s*$")
# words that make praise emphatic, as sarcasm does ("what a genius", "varsinainen nero", "vilket geni")
_EMPHATIC = frozenset({"what", "such", "real", "truly", "true", "absolute", "proper", "varsinainen", "oikea",
                       "todellinen", "mikä", "melkoinen", "aikamoinen", "vilken", "vilket", "riktig", "riktigt",
                       "sann", "äkta", "wow", "wau", "vau"})
# words that belittle the person they come before ("a smug little man", "sur liten gubbe", "ahne pikku kääkkä")
_DIMINUTIVE = frozenset({"little", "liten", "litet", "lilla", "pikku", "pieni"})
# ... after a word that describes (not "a little late", "on pieni mies")
_NOT_DESCRIBING = frozenset({"a", "an", "the", "en", "ett", "one", "yksi", "vähän", "aika", "quite", "very", "so"})
WATCH_WINDOW = 5  # how far after a person their routine may be named
PRAISE_WINDOW = 8  # how far from a person a mocking praise may be
PROPERTY_WINDOW = 10  # how far apart someone's property and its damage may be
_WHOM = ("staff", "you", "mention", "name")  # whom a veiled threat or a mocking praise is aimed at (no groups)


def find(tokens: Sequence[Token], hits: Hits, raw: str, whom: Sequence[tuple[str, int]],
         whose: Voice) -> list[tuple[str, str]]:
    """The (kind, reason) of each abuse put indirectly in a comment, given its tokens, lexicon hits, whom it
    may be aimed at (:func:`socialops.community.aimed.targets`) and whose words they are."""
    people = [(kind, at) for kind, at in whom if kind in _WHOM]
    return (_watching(tokens, hits, raw, people, whose) + _mock_praise(tokens, hits, raw, people, whose)
            + _belittling(tokens, hits, people) + _fragile(tokens, hits, whose))


def _watching(tokens: Sequence[Token], hits: Hits, raw: str, people: Sequence[tuple[str, int]],
              whose: Voice) -> list[tuple[str, str]]:
    pronouns = {at for _, at in hits.get("second_person", ())}
    places = [at for _, at in hits.get("place", ())]
    mine = [at for _, at in hits.get("first_person", ())]
    routine = [at for _, at in hits.get("routine", ()) if at not in pronouns
               and not any(0 < p - at <= 2 for p in places)  # "your shop", "teidän liike": the business
               and not any(0 < at - m <= 2 for m in mine)]  # "mun kodin vieressä": the writer's own
    people = [(kind, at) for kind, at in people if not any(0 < p - at <= 2 for p in places)]
    if not routine or not people or hits.get("positive") and _WARM.search(raw):  # praise said warmly
        return []
    unseen = [at for _, at in hits.get("unseen", ())]
    watches = bool(whose.own.get("observing")) or _TAG_QUESTION.search(raw.strip()) is not None
    for _, at in people:
        after = [r for r in routine if 0 < r - at <= WATCH_WINDOW]
        if after and (watches or any(abs(u - after[0]) <= WATCH_WINDOW for u in unseen)):
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


def _belittling(tokens: Sequence[Token], hits: Hits, people: Sequence[tuple[str, int]]) -> list[tuple[str, str]]:
    """A person said to be a "little" something ("the manager is a smug little man", "kocken är en sur liten
    gubbe", "omistaja on ahne pikku kääkkä"): a copula just after them, then a word that describes, one that
    belittles and a noun (not "a little late", "on pieni mies"); not in a comment with praise ("a lovely little
    ray of sunshine")."""
    if hits.get("positive"):
        return []
    places = {at for _, at in hits.get("place", ())}
    for _, at in people:
        if not any(0 < c - at <= 2 and tokens[c].text in COPULA for c in range(at + 1, min(at + 3, len(tokens)))):
            continue
        for d in range(at + 2, min(at + 7, len(tokens) - 1)):
            before = tokens[d - 1].text
            if tokens[d].text in _DIMINUTIVE and before not in COPULA and before not in _NOT_DESCRIBING and (
                    not tokens[d + 1].clause_start and tokens[d + 1].text.isalpha() and d + 1 not in places):
                return [("belittling", f"someone belittled: '{tokens[d].text} {tokens[d + 1].text}'")]
            if tokens[d].clause_start:
                break
    return []


def _fragile(tokens: Sequence[Token], hits: Hits, whose: Voice) -> list[tuple[str, str]]:
    """Someone else's property and what it would cost if it broke ("lovely big windows ... glass is expensive to
    replace", "isot ikkunat teillä, kallis korjata", "fina stora fönster ni har, dyra att byta ut"); not the
    writer's own ("our car"), not denied."""
    mine = [at for _, at in hits.get("first_person", ())] + list(whose.selfish)
    negators = [at for _, at in hits.get("negation", ())]
    owned = [at for _, at in hits.get("property", ()) if not any(0 < at - m <= 2 for m in mine)]
    for pattern, at in whose.own.get("damage", ()):
        if any(0 < at - n <= 2 for n in negators):
            continue
        near = [p for p in owned if abs(p - at) <= PROPERTY_WINDOW]
        if near:
            return [("fragile", f"someone's property and its damage '{tokens[near[0]].text}' ... "
                                f"'{tokens[at].text}' ({pattern.source})")]
    return []


def banter(hits: Hits, raw: str, whom: Sequence[tuple[str, int]], kinds: Sequence[str]) -> bool:
    """A mock insult between people who laugh together: a laugh, a mention or "you", and no abuse but a mild
    insult aimed at them ("@jussi you clown 😂", "@petri sä oot ihan sika 😂")."""
    return (LAUGH.search(raw) is not None and bool(hits.get("weak_insult")) and set(kinds) <= {"weak_insult"}
            and any(kind in ("mention", "you") for kind, _ in whom) and not hits.get("negative_strong"))
