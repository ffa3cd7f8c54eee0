"""The inbox beyond the comments on socialops' own publications: reviews, mentions and messages, and the
comments on the account's recent posts made elsewhere (in the apps, by another tool).

:func:`collect_inbox` runs inside a comments run (:mod:`socialops.community.fetch`), after the ledger's
publications: for every profile whose adapter lists them (``list_reviews``, ``list_mentions``,
``list_own_posts``), the items of the profile's window go through the run's ``consider`` -- the same
seen-log (each item once, across runs), classifier, issues and digest as comments. An adapter that cannot
(a network without the API, a right the token lacks) raises ``UnsupportedAction`` with action ``list``: a
warning, not a failure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from socialops.community.mentions import mention_lines, mention_title, message_decision
from socialops.community.reviews import review_decision, review_lines, review_title
from socialops.community.settings import DEFAULT_WINDOW_DAYS, profile_rules
from socialops.core.safetext import inert_for_log
from socialops.errors import NetworkError, SocialOpsError
from socialops.networks.contract import adapter_class
from socialops.state.comments import comments_log, keyed_hash
from socialops.state.inbox import inbox_log
from socialops.state.publications import Ledger

if TYPE_CHECKING:
    from socialops.community.issues import Found

# adapter method -> (how an item is called in its issue, how its decision is adjusted)
SOURCES: dict[str, tuple[Callable, Callable]] = {
    "list_reviews": (review_title, review_decision),
    "list_mentions": (mention_title, message_decision),
    "list_messages": (mention_title, message_decision),
}


def inbox_lines(n: int, found: Found) -> tuple[str, str] | None:
    """The heading and where-line of a review, mention or message in its issue (None: a comment)."""
    return review_lines(n, found) or mention_lines(n, found)


def collect_inbox(run: Any) -> None:
    """Add every profile's reviews, mentions, messages and comments on posts made elsewhere to ``run``."""
    ledger_ids = {st.remote_id for st in Ledger(run.root).state().values() if st.remote_id}
    for profile_id, profile in sorted(run.profiles.items()):
        if run.only is not None and profile_id not in run.only or not profile.raw:
            continue
        try:
            cls = adapter_class(profile)
        except SocialOpsError:
            continue  # the comments of its publications already said so
        # own posts first: a reply to the brand's post mentions the brand too, and is a comment before a mention
        methods = [m for m in ("list_own_posts", *SOURCES) if hasattr(cls, m)]
        if not methods:
            continue
        try:
            network = run.networks.get(profile_id) or run.open(profile)
        except SocialOpsError as exc:
            run.result.errors.append(f"{profile_id}: {inert_for_log(str(exc))}")
            continue
        run.networks[profile_id] = network
        rules = profile_rules(profile.raw)
        since = run.now - dt.timedelta(days=run.days or rules.window_days or DEFAULT_WINDOW_DAYS)
        label = network.moderation_spec.label.replace(" Business Profile", "")
        for method in methods:
            try:
                if method == "list_own_posts":
                    _own_posts(run, profile, network, since, ledger_ids)
                    continue
                title, adjust = SOURCES[method]
                items = getattr(network, method)(since=since)
            except NetworkError as exc:
                if getattr(exc, "action", None) == "list":  # the API gives none (deprecated, no right): say so
                    run.result.warnings.append(f"{profile_id}: {inert_for_log(str(exc))}")
                else:
                    run.result.errors.append(f"{profile_id}: {method.removeprefix('list_').replace('_', ' ')}: "
                                             f"{inert_for_log(network.redact(str(exc)))}")
                continue
            run.result.fetched += len(items)
            for item in items:
                run.consider(profile, network, item, ("", title(item, label), "", item.url or ""), adjust=adjust)


def _own_posts(run: Any, profile: Any, network: Any, since: dt.datetime, ledger_ids: set[str]) -> None:
    """The comments on the account's recent posts that socialops did not publish (made in the app)."""
    for remote_id, url, _created in network.list_own_posts(since=since):
        if remote_id in ledger_ids:
            continue  # a publication of socialops: its comments were read with the ledger's
        run.result.checked_posts += 1
        comments = network.list_comments(remote_id, since=since)
        run.result.fetched += len(comments)
        for comment in comments:
            run.consider(profile, network, comment, ("", "a post made outside socialops", "", url))


def record_inbox(run: Any) -> None:
    """Append to ``state/inbox.csv`` the kind (and stars) of each review, mention and message the run handled,
    with what the seen-log says was done (an item without a seen line, its issue not written, is left for the
    run that handles it)."""
    done = {(row["profile"], row["comment"]): row["action"] for row in comments_log(run.root).rows()}
    rows = []
    for found in run.result.new:
        kind = found.comment.ref.get("kind", "")
        item = keyed_hash(run.keys(found.profile.id)[0], found.comment.id)
        action = done.get((found.profile.id, item))
        if kind and action:
            rows.append({"time": run.now, "profile": found.profile.id, "kind": kind, "item": item,
                         "stars": found.comment.ref.get("stars", "") if kind == "review" else "",
                         "category": found.decision.category, "action": action})
    if rows:
        inbox_log(run.root).append(rows)
