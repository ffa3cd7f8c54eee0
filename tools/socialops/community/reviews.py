"""Reviews in the inbox: Google reviews of a Business Profile location, and Facebook Page recommendations.

A network whose adapter can list reviews (``list_reviews(since=...)``, read by
:mod:`socialops.community.sources`, giving
:class:`~socialops.networks.types.Comment` objects with ``ref["kind"] == "review"`` and the stars in
``ref["stars"]`` or ``ref["recommends"]``) is asked for the reviews written or edited within the profile's
window on every comments run, whether or not socialops published anything there. Each review then goes the
way of a comment (the comments run's ``consider``): the seen-log makes it once, the classifier
sorts it, and :func:`review_decision` makes a 1 or 2 star review (or a "doesn't recommend") at least negative
feedback, so it reaches a person even when its text is mild or empty. Its issue shows the stars
(:func:`review_lines`) and offers ``/reply`` (on Google also ``/unreply``: a second ``/reply`` replaces the
answer).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from socialops.community.categories import Decision
from socialops.core.safetext import escape_untrusted_markdown, safe_link
from socialops.networks.types import Comment

if TYPE_CHECKING:
    from socialops.community.issues import Found

REVIEW = "review"
LOW_STARS = 2  # a review of this many stars or fewer is at least negative feedback


def stars(comment: Comment) -> int:
    """The review's stars, 1 to 5 (0: none given, or a recommendation)."""
    try:
        return int(comment.ref.get("stars") or 0)
    except ValueError:
        return 0


def is_review(comment: Comment) -> bool:
    return comment.ref.get("kind") == REVIEW


def review_decision(decision: Decision, comment: Comment) -> Decision:
    """A low rating is at least negative: a 1-2 star review (or a Facebook "doesn't recommend") classified as a
    question or as nothing becomes negative feedback; abuse, spam and incidents stay what they are."""
    count = stars(comment)
    low = 1 <= count <= LOW_STARS or comment.ref.get("recommends") == "no"
    if not low or decision.category not in ("question", "other"):
        return decision
    why = f"a {count}-star review" if count else "a review that does not recommend the business"
    return replace(decision, category="negative", confidence="high", reasons=(why, *decision.reasons),
                   trusted=False)


def stars_text(count: int) -> str:
    return f"{'★' * count}{'☆' * (5 - count)} ({count} of 5)" if 1 <= count <= 5 else ""


def review_title(comment: Comment, label: str) -> str:
    """What the issue title and the post line call a review: ``Google review, 2 of 5 stars``."""
    count = stars(comment)
    kind = "Facebook recommendation" if comment.ref.get("recommends") else f"{label} review"
    return f"{kind}, {count} of 5 stars" if count else kind


def review_lines(n: int, found: Found) -> tuple[str, str] | None:
    """The heading and the "where" line of a review's section in its issue (None: not a review)."""
    c, d = found.comment, found.decision
    if not is_review(c):
        return None
    count = stars(c)
    rating = stars_text(count) if count else {"yes": "recommends", "no": "does not recommend"}.get(
        c.ref.get("recommends", ""), "no rating")
    answered = " · already answered (a `/reply` replaces the answer)" if c.ref.get("answered") else ""
    return (f"#### Review {n} · {rating} · {d.category} ({d.confidence} confidence)",
            f"- **Review:** {escape_untrusted_markdown(found.post_title, max_chars=120)} "
            f"({safe_link(found.post_url, 'the business on the map')}){answered}")
