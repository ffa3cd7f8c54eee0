"""Mastodon's inbox beyond the replies to our posts: mentions of the account and direct messages, and the
account's own recent statuses (so that replies to posts made in the app reach the inbox too).

- ``GET /api/v1/notifications?types[]=mention&limit=40`` (newest first, ``Link: rel="next"`` with ``max_id``)
  [V]: each notification ``{"id", "type": "mention", "created_at", "account": Account, "status": Status}``.
  A status with ``visibility: "direct"`` is a direct message (Mastodon has no other DMs): it becomes a
  ``message`` of the inbox and is answered in kind (``visibility: direct``, mentioning the sender); any other
  visibility is a ``mention``, answered with a public reply. A mention that is a reply to one of our posts is
  the same status the comments fetch finds: the seen-log keys both by the status id, so it is handled once.
- ``GET /api/v1/accounts/:id/statuses?exclude_reblogs=true&limit=40`` [V]: the account's own statuses, for
  their replies (``list_comments``).
Scopes: ``read:notifications`` (mentions and DMs), ``read:statuses``, ``write:statuses`` (answers).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from socialops.core.times import parse_utc
from socialops.networks.mastodon.client import MastodonClient, html_to_text
from socialops.networks.types import Comment

NOTIFICATION_PAGES = 10
PAGE = 40


def next_max_id(link: str | None) -> str | None:
    """The max_id of the rel="next" page in a Link header."""
    for part in (link or "").split(","):
        if 'rel="next"' in part and "max_id=" in part:
            return part.split("max_id=", 1)[1].split("&", 1)[0].split(">", 1)[0]
    return None


def mention_comment(notification: Any) -> Comment | None:
    """A documented mention notification as an inbox item (None for anything else)."""
    if not isinstance(notification, dict) or notification.get("type") != "mention":
        return None
    status = notification.get("status") if isinstance(notification.get("status"), dict) else None
    if status is None or not status.get("id"):
        return None
    account = status.get("account") if isinstance(status.get("account"), dict) else notification.get("account") or {}
    visibility = str(status.get("visibility") or "public")
    sid = str(status["id"])
    return Comment(
        id=sid, post_remote_id=str(status.get("in_reply_to_id") or sid), text=html_to_text(str(status.get("content") or "")),
        author_id=str(account.get("id") or ""), author_handle=str(account.get("acct") or ""),
        author_name=str(account.get("display_name") or account.get("username") or ""),
        created_at=parse_utc(str(status.get("created_at") or notification.get("created_at") or "")),
        url=str(status.get("url") or status.get("uri") or "") or None,
        thread_id=str(status.get("in_reply_to_id") or "") if visibility == "direct" else "",
        ref={"kind": "message" if visibility == "direct" else "mention", "visibility": visibility})


class MastodonInbox(MastodonClient):
    """Mentions, direct messages and the account's own recent statuses."""

    def _pages(self, path: str, params: list[tuple[str, str]], since: dt.datetime | None):
        """The items of a newest-first list, page by page, until one is older than ``since``."""
        max_id = None
        for _ in range(NOTIFICATION_PAGES):
            response = self._call("GET", path, params=params + ([("max_id", max_id)] if max_id else []))
            rows = self._json(response) or []
            for row in rows if isinstance(rows, list) else []:
                when = parse_utc(str(row.get("created_at") or "")) if isinstance(row, dict) else None
                if since is not None and when is not None and when < since:
                    return
                yield row
            max_id = next_max_id(response.headers.get("Link"))
            if not max_id or not rows:
                return

    def list_mentions(self, *, since: dt.datetime | None = None) -> list[Comment]:
        """Mentions of the account and direct messages to it, oldest first."""
        rows = self._pages("/api/v1/notifications", [("types[]", "mention"), ("limit", str(PAGE))], since)
        found = [c for c in (mention_comment(n) for n in rows) if c is not None]
        return sorted(found, key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))

    def list_own_posts(self, *, since: dt.datetime | None = None) -> list[tuple[str, str, dt.datetime | None]]:
        """The account's own statuses since ``since`` (made anywhere): (id, url, created at), newest first."""
        me = self.own_account_id()  # the adapter's (MastodonNetwork), cached per run
        rows = self._pages(f"/api/v1/accounts/{me}/statuses", [("exclude_reblogs", "true"), ("exclude_replies", "true"), ("limit", str(PAGE))],
                           since)
        return [(str(r["id"]), str(r.get("url") or ""), parse_utc(str(r.get("created_at") or "")))
                for r in rows if isinstance(r, dict) and r.get("id")]
