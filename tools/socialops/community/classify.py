"""Classification: which category a comment falls in (:mod:`socialops.community.categories`), how sure,
and why.

Two parts. The rules' evidence (:mod:`socialops.community.evidence`: rules over the lexicons, matched on words
and their lemmas, signals that need no language, and abuse without a telling word, :mod:`socialops.community.aimed`),
which a profile extends in its YAML (:mod:`socialops.community.settings`: watch words, extra abusive words, trusted
accounts). And a learned model (:mod:`socialops.community.model`) over character n-grams, lemmas and the rules'
signals, which decides what the rules are not sure of (:func:`combine`).

The rules give the high-confidence evidence (a slur, a threat, a spam pattern, a health or safety word); only
that evidence makes a ``high`` decision, and auto-hiding acts only on ``high`` by default, because hiding a
customer's comment by mistake costs more than leaving an insult for a person to hide a few minutes later
(precision over recall). The model decides the rest (``medium`` or ``low``): it sends every comment to the
right person (recall), but never hides one. A health or safety report (``incident``) wins over everything.
Every :class:`Decision` says why (``reasons``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from socialops.community.categories import CONFIDENCE as CONFIDENCE_ORDER
from socialops.community.categories import Decision
from socialops.community.evidence import Evidence, Findings, find_hits, quote, rule_evidence
from socialops.community.lexicons import Lexicon
from socialops.community.model import Model, builtin_model
from socialops.community.settings import ProfileRules

__all__ = ["Evidence", "classify", "combine", "rule_evidence"]

# the model must give the rules' category at least this probability for a rule to decide with high confidence
AGREE = 0.15
# below this probability of its top category the model's decision is of low confidence
SURE = 0.6
# without any abuse found by the rules, the model calls a comment abusive only at least this sure
ABUSE_ALONE = 0.35
# ... and with no hostile word, only when the comment is aimed at someone (a mention, "you", a staff noun) and
# the model is at least this sure: insults in ordinary nouns ("the owner is a greedy pig")
ABUSE_AIMED_ALONE = 0.5
# cues that a remark is not the writer's own aim at someone: said of oneself, reported, quoted
NOT_OWN = frozenset({"self-eval", "reported", "quoted"})
AIMING = ("cop:", "tgt:mention", "tgt:staff", "tgt:group", "aimlex:", "relay", "disguised", "privy")
# with the rules' evidence of an aimed insult (or of a veiled threat), the model's probability of abuse that
# suffices to call a comment abusive (with low confidence: never hidden)
ABUSE_AIMED = 0.15
ABUSE_VEILED = 0.3
# a mock insult between people who laugh together (evidence.veiled.banter: "@petri sä oot ihan sika 😂") is abuse
# only when the model is at least this sure
ABUSE_BANTER = 0.5
AIMED = frozenset({"weak_insult", "directed", "extra", "insult"})  # the kinds of evidence of an aimed insult
# cues of an insult in a question ("who hired this clown?") or after a word pointing at someone ("tuo pelle")
POINTED = frozenset({"ask-insult", "point-insult"})
# without a health or safety word, the model reports an incident only at least this sure
INCIDENT_ALONE = 0.35
# "other" is no bin for what the model is unsure of: below this probability of "other", the most likely category
# that needs a person wins if the model gives it at least FLAG_MIN (for a brand, a question, a complaint or spam
# left unflagged costs more than an extra flag); abuse and incidents keep their own thresholds
OTHER_SURE = 0.4
FLAG_MIN = 0.25
# spam signals that need no language (and no model): the same text again and again, mass mentions, injection
LANGUAGE_FREE_SPAM = frozenset({"repeated", "mentions", "injection"})


def classify(text: str, *, rules: ProfileRules | None = None, author: str | None = None,
             repeats: int = 1, lexicons: Sequence[Lexicon] | None = None, model: Model | None = None) -> Decision:
    """Classify one comment.

    ``rules``: the profile's additions (watch words, extra abusive words, trusted accounts). ``author``:
    the commenter's handle (trusted accounts are never flagged). ``repeats``: how many times the same text
    (normalised) was seen on this profile, this one included; 3 or more is a spam signal. ``model``: the
    learned model (the one that ships by default).
    """
    rules = rules or ProfileRules()
    found = rule_evidence(text, rules=rules, repeats=repeats, lexicons=lexicons)
    probabilities = (model or builtin_model()).probabilities(found.features())
    return combine(found, probabilities, rules=rules, author=author)


def combine(found: Evidence, probabilities: Mapping[str, float], *, rules: ProfileRules,
            author: str | None = None) -> Decision:
    """The decision from the rules' evidence and the model's probabilities (see :func:`classify`)."""
    tokens = found.text.tokens
    watch = tuple(dict.fromkeys(quote(p, tokens, at) for p, at in find_hits((), "", tokens, rules.watch_words)))
    trusted = rules.is_trusted(author)
    scores = {"spam": found.spam.score, "negative": found.negative.score, "question": found.question.score,
              "abusive": {"low": 0.0, "medium": 1.0, "high": 2.0}[found.abuse_confidence]
              if found.abuse.kinds else 0.0, "incident": found.incident.score,
              **{f"model_{c}": round(p, 3) for c, p in probabilities.items()}}

    def decide(category: str, conf: str, ev: Findings, model_says: bool = False) -> Decision:
        reasons = list(ev.reasons)
        if model_says:
            reasons.append(f"the learned model: {category} {probabilities[category]:.2f}")
        if watch:
            reasons.append("watch word " + ", ".join(watch))
        if trusted:
            reasons.append("trusted account (never flagged)")
        return Decision(category=category, confidence=conf, reasons=tuple(reasons), kinds=tuple(ev.kinds),
                        watch=watch, trusted=trusted, scores=scores)

    if found.incident.kinds:
        return decide("incident", "high", found.incident)
    category, confidence, evidence = found.rule_decision()
    if category in ("abusive", "spam") and confidence == "high" and probabilities[category] >= AGREE:
        return decide(category, confidence, evidence)
    if category == "spam" and set(evidence.kinds) & LANGUAGE_FREE_SPAM:
        return decide(category, confidence, evidence)
    ruled_out: set[str] = set()

    def top() -> str:
        return max((c for c in probabilities if c not in ruled_out), key=probabilities.__getitem__)

    best = top()
    # "you" alone is too common ("see you Saturday", "thank you") to aim a remark: a copula, a mention, a staff
    # noun, a group or an evaluative word after it
    aimed_at = any(c.startswith(AIMING) for c in found.cues) and not NOT_OWN & set(found.cues)
    among_friends = found.banter and probabilities["abusive"] < ABUSE_BANTER  # a mock insult, not abuse
    if among_friends:
        ruled_out.add("abusive")
        best = top()
    if best == "abusive" and not found.abuse.kinds and not (
            found.hostile and probabilities[best] >= ABUSE_ALONE
            or aimed_at and probabilities[best] >= ABUSE_AIMED_ALONE):
        # the model does not call abusive what the rules found no sign of hostility in ("@kai your favourite!",
        # "to die for", "I'm an idiot"): the next most likely category instead
        ruled_out.add("abusive")
        best = top()
    aimed = AIMED & set(found.abuse.kinds)
    if not among_friends and best != "abusive" and found.abuse.kinds and probabilities["abusive"] >= (
            ABUSE_AIMED if aimed else ABUSE_VEILED):
        # an insult aimed at someone, or a veiled threat, that the model does not rule out
        return decide("abusive", "low", found.abuse, model_says=True)
    if not among_friends and best != "abusive" and found.hostile and POINTED & set(found.cues) and (
            not NOT_OWN & set(found.cues) and probabilities["abusive"] >= ABUSE_AIMED):
        # "who hired this clown?": an insult in a question or pointed at someone is sarcasm, not a question
        pointed = Findings()
        pointed.add("pointed", "an insult in a question or pointed at someone")
        return decide("abusive", "low", pointed, model_says=True)
    if best == "incident" and probabilities[best] < INCIDENT_ALONE:
        # without a health or safety word, only a sure model reports an incident
        ruled_out.add("incident")
        best = top()
    if best == "other" and probabilities["other"] < OTHER_SURE:
        best = _flag_instead(probabilities, ruled_out | {"other"}, found.hostile) or best
    sure = "medium" if probabilities[best] >= SURE else "low"
    if best == category:
        return decide(category, min(confidence, sure, key=CONFIDENCE_ORDER.index), evidence, model_says=True)
    by_model = {"spam": found.spam, "abusive": found.abuse, "negative": found.negative,
                "question": found.question, "incident": found.incident}.get(best, Findings())
    return decide(best, sure, by_model, model_says=True)


def _flag_instead(probabilities: Mapping[str, float], ruled_out: set[str], hostile: bool) -> str | None:
    """The most likely category that needs a person, when the model is unsure of "other" and gives it at least
    FLAG_MIN; abuse only on the rules' sign of hostility and at least ABUSE_ALONE."""
    def allowed(cat: str) -> bool:
        return cat not in ruled_out and (cat != "abusive" or hostile and probabilities[cat] >= ABUSE_ALONE) and (
            cat != "incident" or probabilities[cat] >= INCIDENT_ALONE)

    candidates = [c for c in probabilities if allowed(c)]
    best = max(candidates, key=probabilities.__getitem__, default=None)
    return best if best is not None and probabilities[best] >= FLAG_MIN else None
