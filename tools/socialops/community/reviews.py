"""Reviews in the inbox: Google reviews of a Business Profile location, and Facebook Page recommendations.

A network whose adapter can list reviews (``list_reviews(since=...)``, giving
:class:`~socialops.networks.types.Comment` objects with ``ref["kind"] == "review"`` and the stars in
``ref["stars"]`` or ``ref["recommends"]``) is asked for the reviews written or edited within the profile's
window on every comments run, whether or not socialops published anything there. Each review then goes the
way of a comment (:meth:`socialops.community.fetch._Run.consider`): the seen-log makes it once, the classifier
sorts it, and :func:`review_decision` makes a 1 or 2 star review (or a "doesn't recommend") at least negative
feedback, so it reaches a person even when its text is mild or empty. Its issue shows the stars
(:func:`review_lines`) and offers ``/reply`` (on Google also ``/unreply``: a second ``/reply`` replaces the
answer).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from socialops.community.categories import Decision
from socialops.community.settings import DEFAULT_WINDOW_DAYS, profile_rules
from socialops.core.safetext import escape_untrusted_markdown, inert_for_log, safe_link
from socialops.errors import NetworkError, SocialOpsError
from socialops.networks.contract import adapter_class
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


def collect_inbox(run: Any) -> None:
    """Add the reviews of every profile whose network lists them to ``run`` (a comments run)."""
    for profile_id, profile in sorted(run.profiles.items()):
        if run.only is not None and profile_id not in run.only or not profile.raw:
            continue
        try:
            if not hasattr(adapter_class(profile), "list_reviews"):
                continue
            network = run.networks.get(profile_id) or run.open(profile)
        except SocialOpsError as exc:
            run.result.errors.append(f"{profile_id}: {inert_for_log(str(exc))}")
            continue
        run.networks[profile_id] = network
        rules = profile_rules(profile.raw)
        since = run.now - dt.timedelta(days=run.days or rules.window_days or DEFAULT_WINDOW_DAYS)
        try:
            reviews = network.list_reviews(since=since)
        except NetworkError as exc:
            if getattr(exc, "action", None) == "list":  # the API gives no reviews (Meta's deprecation): say so
                run.result.warnings.append(f"{profile_id}: {inert_for_log(str(exc))}")
                continue
            run.result.errors.append(f"{profile_id}: reviews: {inert_for_log(network.redact(str(exc)))}")
            continue
        run.result.fetched += len(reviews)
        label = network.moderation_spec.label.replace(" Business Profile", "")
        for review in reviews:
            run.consider(profile, network, review, ("", review_title(review, label), "", review.url or ""),
                         adjust=review_decision)
