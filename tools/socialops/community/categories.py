"""The categories a comment is sorted into, and a classification's answer (:class:`Decision`).

* ``incident``  health and safety: an allergen served, food poisoning, illness, a foreign object, an injury
                (always flagged, and the worst: it goes to a person at once, whatever else the comment says);
* ``spam``      advertising, scams, phishing, follower selling, link drops, mass mentions, repeated text;
* ``abusive``   insults, slurs, threats and swearing aimed at someone;
* ``negative``  complaints and dissatisfaction (customer service);
* ``question``  someone asks something (customer service);
* ``other``     everything else (praise, chatter, emoji).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

CATEGORIES = ("question", "negative", "abusive", "spam", "other", "incident")
FLAGGED = frozenset({"incident", "question", "negative", "abusive", "spam"})
CUSTOMER_SERVICE = frozenset({"question", "negative"})
MODERATION = frozenset({"abusive", "spam"})
CONFIDENCE = ("low", "medium", "high")
SEVERITY = ("incident", "abusive", "spam", "negative", "question", "other")  # the title names the worst
CATEGORY_TITLE = {"incident": "Health or safety report", "abusive": "Abusive comment", "spam": "Spam comment", "negative": "Negative feedback",
                  "question": "Question", "other": "Comment with a watch word"}


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
        return self.category == "incident" or not self.trusted and (self.category in FLAGGED or bool(self.watch))

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)
