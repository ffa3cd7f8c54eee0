"""Direct messages of a Facebook Page or an Instagram professional account (Messenger Platform conversations).

- ``GET /{page-id}/conversations?platform=messenger|instagram&fields=participants,updated_time,
  messages.limit(25){id,message,from,created_time}`` [C]: ``{"data": [{"id": "t_...", "updated_time",
  "participants": {"data": [{"id", "name" | "username"}]}, "messages": {"data": [{"id": "m_...", "message",
  "from": {"id", "name" | "username"}, "created_time"}]}}], "paging": ...}``, newest conversation first.
- ``POST /{page-id}/messages`` with ``recipient={"id": <PSID or IGSID>}``, ``messaging_type=RESPONSE``,
  ``message={"text": ...}`` [C] answers ``{"recipient_id", "message_id"}``. Meta allows a standard answer only
  within 24 hours of the person's last message; later the call is refused and the issue says so.

Permissions: Facebook ``pages_messaging`` (with ``pages_manage_metadata``, ``pages_read_engagement``);
Instagram ``instagram_manage_messages`` (with ``instagram_basic``, ``pages_manage_metadata``) and the account's
"Allow access to messages" setting; both need Advanced Access through Meta's App Review. Read only when the
profile says ``direct_messages: true``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar

from socialops.core.times import parse_utc
from socialops.networks.meta.graph import MetaNetwork, need_id
from socialops.networks.types import Comment

CONVERSATION_FIELDS = "participants,updated_time,messages.limit(25){id,message,from,created_time}"


def conversation_messages(conversation: Any, owner: str, since: dt.datetime | None) -> list[Comment]:
    """The messages others wrote in a documented Conversation (the account's own are left out)."""
    if not isinstance(conversation, dict) or not conversation.get("id"):
        return []
    out = []
    for m in (conversation.get("messages") or {}).get("data") or []:
        sender = m.get("from") if isinstance(m, dict) and isinstance(m.get("from"), dict) else {}
        when = parse_utc(str(m.get("created_time") or "")) if isinstance(m, dict) else None
        if not sender.get("id") or str(sender["id"]) == owner or not m.get("id"):
            continue
        if since is not None and when is not None and when < since:
            continue
        out.append(Comment(id=str(m["id"]), post_remote_id=str(conversation["id"]), text=str(m.get("message") or ""),
                           author_id=str(sender["id"]), author_handle=str(sender.get("username") or ""),
                           author_name=str(sender.get("name") or sender.get("username") or ""), created_at=when,
                           thread_id=str(conversation["id"]), ref={"kind": "message", "recipient": str(sender["id"])}))
    return out


class MetaInbox(MetaNetwork):
    """The conversations of the Page (Messenger) or of the Instagram account it is linked to."""

    platform: ClassVar[str] = "messenger"

    @property
    def messages_owner(self) -> str:
        """The Page whose conversations these are (Instagram's go through its linked Page too)."""
        return self.account_id("page_id", "the numeric id of the Facebook Page (for Instagram: the linked Page)")

    def list_messages(self, *, since: dt.datetime | None = None) -> list[Comment]:
        if self.profile.setting("direct_messages") is not True:
            return []
        owner = self.messages_owner
        body = self.graph.get(f"{owner}/conversations", platform=self.platform, fields=CONVERSATION_FIELDS, limit=25)
        found: list[Comment] = []
        for conversation in body.get("data") or []:
            updated = parse_utc(str(conversation.get("updated_time") or "")) if isinstance(conversation, dict) else None
            if since is not None and updated is not None and updated < since:
                break  # newest first: the rest are older
            found += conversation_messages(conversation, self.own_messaging_id(owner), since)
        return sorted(found, key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))

    def own_messaging_id(self, owner: str) -> str:
        """The id the account's own messages come from: the Page (Messenger), the Instagram account."""
        return owner

    def send_message(self, comment: Comment, text: str) -> str:
        body = self.graph.post(f"{self.messages_owner}/messages", {
            "recipient": json.dumps({"id": comment.ref.get("recipient") or comment.author_id}),
            "messaging_type": "RESPONSE", "message": json.dumps({"text": text})}, create=True)
        return need_id(body, "message_id", network=self.name, what="answering a direct message", created=True)
