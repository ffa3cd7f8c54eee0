"""LinkedIn page mentions for the inbox: posts and comments that mention the organization.
The reference (../shared/reference/platform-api.md §4) has no part on them, so the tags are here: [V] in
Microsoft's documentation (Community Management API), [C] seen in independent clients, [U] unconfirmed.

- ``GET /rest/organizationalEntityNotifications?q=criteria&actions=List(SHARE_MENTION,COMMENT_MENTION)
  &organizationalEntity={org urn}&timeRange=(start:<ms>,end:<ms>)&start=0&count=50`` (Organization Social
  Action Notifications, pull) [V: the finder, rw_organization_admin with the ADMINISTRATOR role, 60 days kept].
  Elements ``{"notificationId", "action", "organizationalEntity", "generatedActivity", "sourcePost",
  "lastModifiedAt"}`` [V: SHARE_MENTION, generatedActivity the post that mentions the page]. COMMENT_MENTION, a
  comment that mentions the page with a comment URN ``urn:li:comment:(urn:li:activity:X,Y)`` as generated
  activity, is [U]: should LinkedIn refuse the action (400), the run asks for SHARE_MENTION alone. Paging by
  ``start``/``count`` with ``paging.total`` where given [C].
- The mentioning posts, twenty a call: ``GET /rest/posts?ids=List({urn},...)`` -> ``results`` by URN with
  ``author``, ``commentary`` ("little" format), ``createdAt``; ``errors`` by URN (404: deleted) [V/C]. A
  comment: ``GET /rest/socialActions/{activity urn}/comments/{comment id}`` -> ``actor``, ``message.text``,
  ``created.time`` [C]. What cannot be read leaves the text empty, with the link.
- ``/reply``: a comment on the mentioning post (``POST /rest/socialActions/{post urn}/comments``, the
  organization as ``actor``) [V/C], or a reply to the mentioning comment (the adapter's reply path).

The item's id is the post or comment URN: a comment on the page's own post that mentions the page is the same
comment the comments fetch finds, so the seen-log handles it once.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import quote

from socialops.errors import AuthError, PermanentNetworkError
from socialops.networks.calls import chunks
from socialops.networks.linkedin.little import plain_commentary
from socialops.networks.types import Comment, UnsupportedAction

ACTIONS = ("SHARE_MENTION", "COMMENT_MENTION")
PAGE = 50
PAGES = 20  # 1,000 mentions in a window: not our user
BATCH = 20  # posts one batch get asks for
RETENTION = dt.timedelta(days=60)  # LinkedIn keeps notifications for 60 days [V]
_COMMENT_URN = re.compile(r"^urn:li:comment:\((urn:li:[A-Za-z]+:[^,]+),([^)]+)\)$")
NO_RIGHT = ("LinkedIn mentions of the page could not be read ({why}): they need the permission "
            "rw_organization_admin, and the member who made the token must be the page's ADMINISTRATOR "
            "(Page admin view > Settings > Manage admins); then a new token goes into the secret {secret}")


def comment_parts(urn: str) -> tuple[str, str] | None:
    """(the activity URN, the comment id) of ``urn:li:comment:(urn:li:activity:X,Y)``, or None."""
    match = _COMMENT_URN.match(urn)
    return (match.group(1), match.group(2)) if match else None


def _millis(value: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(value / 1000, dt.UTC) if isinstance(value, int | float) else None


def feed_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


class LinkedInMentions:
    """Mentions of the organization (used by LinkedInNetwork: ``call_json``, ``author``, ``now``)."""

    _mention_actions: tuple[str, ...] = ACTIONS

    def list_mentions(self, *, since: dt.datetime | None = None) -> list[Comment]:
        """Posts and comments mentioning the page since ``since`` (at most 60 days back), oldest first."""
        posts: dict[str, dt.datetime | None] = {}  # post URN -> when LinkedIn noted the mention
        comments: dict[str, tuple[str, dt.datetime | None]] = {}  # comment URN -> (its post, when)
        for element in self._notifications(since):
            when = _millis(element.get("lastModifiedAt"))
            activity, source = str(element.get("generatedActivity") or ""), str(element.get("sourcePost") or "")
            if since is not None and when is not None and when < since:
                continue
            if element.get("action") == "COMMENT_MENTION" or activity.startswith("urn:li:comment:"):
                if comment_parts(activity):
                    comments.setdefault(activity, (source, when))
            elif element.get("action") == "SHARE_MENTION" and (activity or source).startswith("urn:li:"):
                posts.setdefault(activity or source, when)
        found = [*self._post_mentions(posts), *(self._comment_mention(urn, *at) for urn, at in comments.items())]
        return sorted((c for c in found if c is not None),
                      key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))

    def _notifications(self, since: dt.datetime | None) -> list[dict[str, Any]]:
        now = self.now()
        start = max(since or now - RETENTION, now - RETENTION)
        window = f"(start:{int(start.timestamp() * 1000)},end:{int(now.timestamp() * 1000)})"
        rows: list[dict[str, Any]] = []
        offset = 0
        for _ in range(PAGES):
            path = (f"organizationalEntityNotifications?q=criteria&actions=List({','.join(self._mention_actions)})"
                    f"&organizationalEntity={quote(self.author, safe='')}&timeRange={window}"
                    f"&start={offset}&count={PAGE}")
            try:
                body = self.call_json("GET", path)
            except AuthError as exc:
                if exc.status != 403:
                    raise
                raise UnsupportedAction(NO_RIGHT.format(why="refused, 403", secret=self.profile.token_env),
                                        action="list", network=self.name) from None
            except PermanentNetworkError as exc:
                if exc.status != 400 or len(self._mention_actions) == 1:
                    raise
                self._mention_actions = ACTIONS[:1]  # COMMENT_MENTION [U] refused: the documented one alone
                return self._notifications(since)
            page = [e for e in body.get("elements") or [] if isinstance(e, dict)]
            rows += page
            offset += len(page)
            total = (body.get("paging") or {}).get("total")
            if len(page) < PAGE or (isinstance(total, int) and offset >= total):
                break
        return rows

    def _post_mentions(self, posts: dict[str, dt.datetime | None]) -> list[Comment | None]:
        """The mentioning posts, read BATCH at a time (Posts API batch get, ``ids=List(...)``) [V/C]."""
        out: list[Comment | None] = []
        for batch in chunks(list(posts), BATCH):
            try:
                body = self.call_json("GET", f"posts?ids=List({','.join(quote(u, safe='') for u in batch)})")
            except PermanentNetworkError:
                body = {}  # unreadable: the items keep their links
            results = body.get("results") if isinstance(body.get("results"), dict) else {}
            errors = body.get("errors") if isinstance(body.get("errors"), dict) else {}
            for urn in batch:
                if isinstance(errors.get(urn), dict) and errors[urn].get("status") == 404:
                    continue  # deleted since: nothing left to answer
                post = results.get(urn) if isinstance(results.get(urn), dict) else {}
                commentary = post.get("commentary")
                text = plain_commentary(commentary) if isinstance(commentary, str) else ""
                out.append(self._item(urn, urn, str(post.get("author") or ""), text,
                                      _millis(post.get("createdAt")) or posts[urn], feed_url(urn), "post"))
        return out

    def _comment_mention(self, urn: str, source: str, when: dt.datetime | None) -> Comment | None:
        activity, comment_id = comment_parts(urn) or ("", "")
        try:
            body = self.call_json("GET", f"socialActions/{quote(activity, safe='')}/comments/"
                                         f"{quote(comment_id, safe='')}")
        except PermanentNetworkError:
            body = {}  # not readable by the page: the item keeps its link
        message = body.get("message") if isinstance(body.get("message"), dict) else {}
        created = body.get("created") if isinstance(body.get("created"), dict) else {}
        return self._item(urn, source or activity, str(body.get("actor") or ""), str(message.get("text") or ""),
                          _millis(created.get("time")) or when, feed_url(activity), "comment")

    def _item(self, urn: str, post: str, actor: str, text: str, when: dt.datetime | None, url: str,
              on: str) -> Comment | None:
        if actor == self.author:
            return None  # the page naming itself
        return Comment(id=urn, post_remote_id=post, text=text, author_id=actor, author_handle=actor,
                       author_name=actor, created_at=when, url=url, thread_id=urn,
                       ref={"kind": "mention", "on": on})

    def comment_on_post(self, post: str, text: str) -> str:
        """Answer a post that mentions the page with a comment on it, as the organization."""
        response = self.call("POST", f"socialActions/{quote(post, safe='')}/comments", safe=False,
                             json={"actor": self.author, "object": post, "message": {"text": text}})
        return response.headers.get("x-restli-id") or "created"

