"""The Instagram account's inbox beyond comments: media it is tagged in, and its conversations (through the
linked Facebook Page, ``networks.meta.inbox``).

- ``GET /{ig-user-id}/tags?fields=id,caption,username,timestamp,permalink`` [C]: media in which others tagged
  the account, ``{"data": [{"id", "caption", "username", "timestamp", "permalink"}], "paging": ...}``.
  (@mentions in others' captions and comments come only as webhooks, which a scheduled workflow cannot
  receive.)
- A tag is answered with a comment on that media: ``POST /{ig-user-id}/mentions`` with ``media_id`` and
  ``message`` [C].
- ``GET /{ig-user-id}/media?fields=id,timestamp,permalink,comments_count`` [C]: the account's own media (made
  anywhere: the app, socialops), newest first, ``{"data": [{"id", "timestamp", "permalink", "comments_count"}],
  "paging": ...}``; the comments of those with any are read as for socialops' own posts (``list_comments``),
  so that comments on posts made in the app reach the inbox too.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from socialops.core.times import parse_utc
from socialops.networks.meta.graph import need_id
from socialops.networks.meta.inbox import MetaInbox
from socialops.networks.types import Comment

TAG_FIELDS = "id,caption,username,timestamp,permalink"
OWN_MEDIA_FIELDS = "id,timestamp,permalink,comments_count"
OWN_MEDIA_LIMIT = 50


class InstagramInbox(MetaInbox):
    """Media the account is tagged in, and its conversations."""

    platform: ClassVar[str] = "instagram"

    def own_messaging_id(self, owner: str) -> str:
        return self.ig_user_id

    def list_mentions(self, *, since: dt.datetime | None = None) -> list[Comment]:
        body = self.graph.get(f"{self.ig_user_id}/tags", fields=TAG_FIELDS, limit=50)
        out = []
        for media in body.get("data") or []:
            when = parse_utc(str(media.get("timestamp") or "")) if isinstance(media, dict) else None
            if not isinstance(media, dict) or not media.get("id") or (since and when and when < since):
                continue
            out.append(Comment(id=str(media["id"]), post_remote_id=str(media["id"]), text=str(media.get("caption") or ""),
                               author_handle=str(media.get("username") or ""), created_at=when,
                               url=str(media.get("permalink") or "") or None, ref={"kind": "mention"}))
        return sorted(out, key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))

    def reply_to_mention(self, comment: Comment, text: str) -> str:
        body = self.graph.post(f"{self.ig_user_id}/mentions", {"media_id": comment.id, "message": text}, create=True)
        return need_id(body, "id", network=self.name, what="answering a tag", created=True)

    def list_own_posts(self, *, since: dt.datetime | None = None) -> list[tuple[str, str, dt.datetime | None]]:
        """The account's own media since ``since`` that have comments: (id, url, created at), newest first."""
        body = self.graph.get(f"{self.ig_user_id}/media", fields=OWN_MEDIA_FIELDS, limit=OWN_MEDIA_LIMIT)
        out = []
        for media in body.get("data") or []:
            when = parse_utc(str(media.get("timestamp") or "")) if isinstance(media, dict) else None
            if not isinstance(media, dict) or not media.get("id") or (since and when and when < since):
                continue
            if media.get("comments_count") == 0:
                continue  # nothing to read: one request saved
            out.append((str(media["id"]), str(media.get("permalink") or ""), when))
        return out
