"""The Facebook Page's inbox beyond comments: posts that tag the Page, and Messenger conversations
(``networks.meta.inbox``).

``GET /{page-id}/tagged?fields=id,message,from,created_time,permalink_url`` [C]: the posts in which the Page is
tagged (needs ``pages_read_user_content``), ``{"data": [{"id", "message", "from": {"id", "name"},
"created_time", "permalink_url"}], "paging": ...}``. A tag is answered with a comment on the post
(``POST /{post-id}/comments``, as for a comment).

``GET /{page-id}/published_posts?fields=id,created_time,permalink_url,attachments{media_type,target{id}}
&since=<unix>`` [C]: the Page's own posts (made anywhere: Meta Business Suite, the app, socialops), newest
first, ``{"data": [{"id": "<page>_<post>", "created_time", "permalink_url", "attachments": {"data":
[{"media_type": "video", "target": {"id": "<video>"}}]}}], "paging": ...}``; their comments are read as for
socialops' own posts (``list_comments``), so that comments on posts made in the apps reach the inbox too. A
video's post is named by its video (as socialops records its videos and reels), so that one socialops
published is recognised and read once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from socialops.core.times import parse_utc
from socialops.networks.facebook.page import FacebookPage
from socialops.networks.meta.inbox import MetaInbox
from socialops.networks.types import Comment

TAGGED_FIELDS = "id,message,from,created_time,permalink_url"
OWN_POST_FIELDS = "id,created_time,permalink_url,attachments{media_type,target{id}}"
OWN_POSTS_LIMIT = 100  # the window is 30 days: a Page posting more than thrice a day is not our user


class FacebookInbox(FacebookPage, MetaInbox):
    """Posts tagging the Page, and the Page's conversations."""

    def list_mentions(self, *, since: dt.datetime | None = None) -> list[Comment]:
        body = self.graph.get(f"{self.page_id}/tagged", fields=TAGGED_FIELDS, limit=50)
        out = []
        for post in body.get("data") or []:
            author = post.get("from") if isinstance(post, dict) and isinstance(post.get("from"), dict) else {}
            when = parse_utc(str(post.get("created_time") or "")) if isinstance(post, dict) else None
            if not isinstance(post, dict) or not post.get("id") or (since and when and when < since):
                continue
            out.append(Comment(id=str(post["id"]), post_remote_id=str(post["id"]), text=str(post.get("message") or ""),
                               author_id=str(author.get("id") or ""), author_name=str(author.get("name") or ""),
                               created_at=when, url=str(post.get("permalink_url") or "") or None,
                               ref={"kind": "mention"}))
        return sorted(out, key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))

    def list_own_posts(self, *, since: dt.datetime | None = None) -> list[tuple[str, str, dt.datetime | None]]:
        """The Page's own posts since ``since`` (made anywhere): (id, url, created at), newest first."""
        params: dict[str, Any] = {"fields": OWN_POST_FIELDS, "limit": OWN_POSTS_LIMIT}
        if since is not None:
            params["since"] = int(since.timestamp())
        body = self.graph.get(f"{self.page_id}/published_posts", **params)
        out = []
        for post in body.get("data") or []:
            when = parse_utc(str(post.get("created_time") or "")) if isinstance(post, dict) else None
            if not isinstance(post, dict) or not post.get("id") or (since and when and when < since):
                continue
            url = str(post.get("permalink_url") or f"https://www.facebook.com/{post['id']}")
            out.append((video_of(post) or str(post["id"]), url, when))
        return out


def video_of(post: dict[str, Any]) -> str:
    """The id of the video a post shows ("" for any other post)."""
    attachments = post.get("attachments") if isinstance(post.get("attachments"), dict) else {}
    for attachment in attachments.get("data") or []:
        target = attachment.get("target") if isinstance(attachment, dict) else None
        if attachment.get("media_type") == "video" and isinstance(target, dict) and target.get("id"):
            return str(target["id"])
    return ""
