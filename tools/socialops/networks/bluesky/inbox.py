"""Bluesky's inbox beyond the replies to our posts: mentions and quotes of the account, its own recent posts
(made in the app), and direct messages (Bluesky chat).

- ``app.bsky.notification.listNotifications?limit=50&cursor=...`` [V lexicon]: ``{"notifications":
  [{"uri", "cid", "author": {"did", "handle", "displayName"}, "reason", "record", "indexedAt", ...}],
  "cursor"}``, newest first. The reasons ``mention`` and ``quote`` become inbox items (``reply`` ones are the
  comments of our posts, read by getPostThread). A reply to a mention threads on the mentioning post's root.
- ``app.bsky.feed.getAuthorFeed?actor=<did>&filter=posts_no_replies`` [V lexicon]: the account's posts, for
  the comments on those made outside socialops (reposts, which carry a ``reason``, are left out).
- Chat: ``chat.bsky.convo.listConvos`` and ``chat.bsky.convo.getMessages?convoId=`` (GET),
  ``chat.bsky.convo.sendMessage`` (POST ``{"convoId", "message": {"text"}}``), sent to the PDS with the header
  ``atproto-proxy: did:web:api.bsky.chat#bsky_chat`` [C]. A message view is ``{"$type":
  "chat.bsky.convo.defs#messageView", "id", "rev", "text", "sender": {"did"}, "sentAt"}``. The app password
  must allow direct messages ("Allow access to your direct messages") and the profile says
  ``direct_messages: true``; when the chat calls are refused the messages are reported as unreadable (a
  warning), not as a failure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from socialops.core.times import parse_utc
from socialops.errors import AuthError, NetworkError, PermanentNetworkError
from socialops.networks.bluesky.client import BlueskyClient
from socialops.networks.types import Comment, UnsupportedAction

CHAT_PROXY = {"atproto-proxy": "did:web:api.bsky.chat#bsky_chat"}
MENTION_REASONS = ("mention", "quote")
PAGES = 10
MESSAGE_LIMIT = 1000  # characters of one chat message [C]


class BlueskyInbox(BlueskyClient):
    """Mentions, quotes, the account's own posts and chat conversations."""

    def _newest_first(self, nsid: str, key: str, params: dict[str, Any], since: dt.datetime | None,
                      when: Any, headers: dict[str, str] | None = None):
        cursor = ""
        for _ in range(PAGES):
            body = self._body(self._xrpc("GET", nsid, params={**params, **({"cursor": cursor} if cursor else {})},
                                         headers=headers))
            rows = [r for r in body.get(key) or [] if isinstance(r, dict)]
            for row in rows:
                moment = when(row)
                if since is not None and moment is not None and moment < since:
                    return
                yield row
            cursor = str(body.get("cursor") or "")
            if not cursor or not rows:
                return

    def _post_url(self, handle: str, uri: str) -> str:
        return f"https://bsky.app/profile/{handle}/post/{self._rkey(uri)}"

    def list_mentions(self, *, since: dt.datetime | None = None) -> list[Comment]:
        """Mentions and quotes of the account, oldest first."""
        found: list[Comment] = []
        rows = self._newest_first("app.bsky.notification.listNotifications", "notifications", {"limit": 50}, since,
                                  lambda n: parse_utc(str(n.get("indexedAt") or "")))
        for n in rows:
            if n.get("reason") not in MENTION_REASONS or not n.get("uri") or not n.get("cid"):
                continue
            record = n.get("record") if isinstance(n.get("record"), dict) else {}
            author = n.get("author") if isinstance(n.get("author"), dict) else {}
            root = ((record.get("reply") or {}).get("root") or {}) if isinstance(record.get("reply"), dict) else {}
            uri, handle = str(n["uri"]), str(author.get("handle") or author.get("did") or "")
            found.append(Comment(
                id=uri, post_remote_id=str(root.get("uri") or uri), text=str(record.get("text") or ""),
                author_id=str(author.get("did") or ""), author_handle=handle,
                author_name=str(author.get("displayName") or ""),
                created_at=parse_utc(str(record.get("createdAt") or "")) or parse_utc(str(n.get("indexedAt") or "")),
                url=self._post_url(handle, uri),
                ref={"kind": n["reason"], "uri": uri, "cid": str(n["cid"]), "root_uri": str(root.get("uri") or uri),
                     "root_cid": str(root.get("cid") or n["cid"])}))
        return sorted(found, key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))

    def list_own_posts(self, *, since: dt.datetime | None = None) -> list[tuple[str, str, dt.datetime | None]]:
        """The account's own posts since ``since`` (made anywhere): (uri, url, created at), newest first."""
        rows = self._newest_first("app.bsky.feed.getAuthorFeed", "feed",
                                  {"actor": self.did, "filter": "posts_no_replies", "limit": 50}, since,
                                  lambda item: parse_utc(str((item.get("post") or {}).get("indexedAt") or "")))
        out = []
        for item in rows:
            post = item.get("post") if isinstance(item.get("post"), dict) else {}
            if item.get("reason") or not post.get("uri"):
                continue  # a repost of someone else's post
            out.append((str(post["uri"]), self._post_url(self.handle, str(post["uri"])),
                        parse_utc(str(post.get("indexedAt") or ""))))
        return out

    # --- chat ------------------------------------------------------------------------------------

    def list_messages(self, *, since: dt.datetime | None = None) -> list[Comment]:
        """Messages others sent in the account's conversations since ``since``; none unless the profile says
        ``direct_messages: true`` (the app password must allow them, and the chat service is Bluesky's own)."""
        if self.profile.setting("direct_messages") is not True:
            return []
        try:
            convos = list(self._newest_first("chat.bsky.convo.listConvos", "convos", {"limit": 50}, since,
                                             lambda c: parse_utc(str((c.get("lastMessage") or {}).get("sentAt") or "")),
                                             headers=CHAT_PROXY))
        except NetworkError as exc:
            if isinstance(exc, AuthError) and exc.status == 401:
                raise
            raise UnsupportedAction(f"Bluesky direct messages could not be read ({self.redact(str(exc))[:160]}): the "
                                    "app password must allow direct messages (Settings > Privacy and security > App "
                                    "passwords > \"Allow access to your direct messages\")", action="list",
                                    network=self.name) from None
        out: list[Comment] = []
        for convo in convos:
            members = {str(m.get("did")): m for m in convo.get("members") or [] if isinstance(m, dict)}
            messages = self._newest_first("chat.bsky.convo.getMessages", "messages",
                                          {"convoId": convo.get("id"), "limit": 100}, since,
                                          lambda m: parse_utc(str(m.get("sentAt") or "")), headers=CHAT_PROXY)
            for m in messages:
                sender = str((m.get("sender") or {}).get("did") or "")
                if m.get("$type", "chat.bsky.convo.defs#messageView") != "chat.bsky.convo.defs#messageView" \
                        or not m.get("id") or sender == self.did:
                    continue  # a deleted message, or one of ours
                who = members.get(sender, {})
                out.append(Comment(
                    id=f"{convo['id']}:{m['id']}", post_remote_id=str(convo["id"]), text=str(m.get("text") or ""),
                    author_id=sender, author_handle=str(who.get("handle") or ""),
                    author_name=str(who.get("displayName") or ""), created_at=parse_utc(str(m.get("sentAt") or "")),
                    thread_id=str(convo["id"]), ref={"kind": "message", "convo": str(convo["id"])}))
        return sorted(out, key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))

    def send_message(self, comment: Comment, text: str) -> str:
        """Answer in the conversation of a direct message (a chat message, at most 1,000 characters)."""
        if len(text) > MESSAGE_LIMIT:
            raise PermanentNetworkError(f"bluesky: a chat message holds at most {MESSAGE_LIMIT} characters; "
                                        f"this one has {len(text)}", network=self.name)
        body = self._body(self._xrpc("POST", "chat.bsky.convo.sendMessage", safe=False, headers=CHAT_PROXY,
                                     json={"convoId": comment.ref.get("convo"), "message": {"text": text}}),
                          unsafe=True)
        return str(body.get("id") or "")
