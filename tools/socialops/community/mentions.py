"""Mentions, quotes and direct messages in the inbox.

Adapters that can list them (``list_mentions(since=...)``) give :class:`~socialops.networks.types.Comment`
objects whose ``ref["kind"]`` is ``mention`` (the brand named or tagged in someone's post), ``quote`` (a post
quoting the brand's) or ``message`` (a direct message). They go the way of comments
(:mod:`socialops.community.sources`): classified, handled once, flagged ones as issues with ``/reply``. A new
direct message always reaches a person: what the classifier calls nothing in particular becomes a question
(:func:`message_decision`), since someone wrote to the brand in private and waits for an answer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from socialops.community.categories import Decision
from socialops.core.safetext import escape_untrusted_markdown, safe_link
from socialops.networks.types import Comment

if TYPE_CHECKING:
    from socialops.community.issues import Found

KINDS = {"mention": "Mention", "quote": "Quote", "message": "Direct message"}


def message_decision(decision: Decision, comment: Comment) -> Decision:
    if comment.ref.get("kind") != "message" or decision.category != "other":
        return decision
    return replace(decision, category="question", reasons=("a direct message: someone waits for an answer",
                                                            *decision.reasons), trusted=False)


def mention_title(comment: Comment, label: str) -> str:
    """What the issue title and the where-line call it: ``Mastodon mention by @fan@example.social``."""
    who = comment.author_handle or comment.author_name or "someone"
    kind = KINDS.get(comment.ref.get("kind", ""), "Mention")
    return f"{label} {kind.lower()} by @{who}" if kind != "Direct message" else f"{label} direct message from @{who}"


def mention_lines(n: int, found: Found) -> tuple[str, str] | None:
    """The heading and where-line of a mention's, quote's or message's section of its issue."""
    c, d = found.comment, found.decision
    kind = KINDS.get(c.ref.get("kind", ""))
    if kind is None:
        return None
    private = " · private: only the brand sees it, and the answer is private too" if c.ref.get("kind") == "message" else ""
    return (f"#### {kind} {n} · {d.category} ({d.confidence} confidence)",
            f"- **{kind}:** {escape_untrusted_markdown(found.post_title, max_chars=120)} "
            f"({safe_link(c.url, 'open on the network')}){private}")
