"""The Threads profile itself: its basics (check), the token check, and the replies to its posts.

Sources (developers.facebook.com/docs/threads; payload shapes also in Meta's Postman collection
fbsamples/threads_api postman/threads-api.postman_collection.json):

- profile: ``GET /{threads-user-id}?fields=id,username,name,threads_profile_picture_url,threads_biography``
  [V threads-profiles]; no write endpoint, so the basics are checked.
- replies: ``GET /{threads-media-id}/conversation?fields=...&reverse=false`` (every depth, flattened; paging
  cursors) with ``replied_to{id}``, ``root_post{id}``, ``hide_status``, ``is_reply_owned_by_me`` [V
  reply-management]. A reply: a TEXT container with ``reply_to_id`` published like a post. Hide:
  ``POST /{threads-reply-id}/manage_reply hide=true|false`` -> ``{"success": true}``, top-level replies only
  (it hides their nested replies too). No API deletes others' replies or blocks anyone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from socialops.core.times import parse_utc
from socialops.errors import ConfigError, PermanentNetworkError, TransientNetworkError
from socialops.networks.contract import ProfileBasics
from socialops.networks.forms import normalise_text
from socialops.networks.meta.containers import ContainerFlow
from socialops.networks.profile import fetch_image
from socialops.networks.threads.spec import REPLY_CONTROLS, SPEC
from socialops.networks.types import Comment, LiveProfile, UnsupportedAction, thread_root

# Threads' API host and version (graph.threads.com answers the same) [V overview].
THREADS_BASE = "https://graph.threads.net/v1.0"
REPLY_FIELDS = "id,text,username,timestamp,permalink,hide_status,is_reply_owned_by_me,replied_to,root_post"


class ThreadsAccount(ContainerFlow, ProfileBasics):
    """The Threads profile named by ``threads_user_id``: containers (posts and replies), basics and replies."""

    spec: ClassVar = SPEC
    graph_base: ClassVar[str] = THREADS_BASE
    container_edge, publish_edge, limit_edge = "threads", "threads_publish", "threads_publishing_limit"
    # quota_usage, config {quota_total, quota_duration}, and the same for replies [V overview, reply-management]
    limit_fields: ClassVar[str] = "quota_usage,config,reply_quota_usage,reply_config"
    # "We recommend querying a container's status once per minute, for no more than 5 minutes" [V troubleshooting]
    poll_interval: ClassVar[float] = 60.0
    max_polls: ClassVar[int] = 6

    @property
    def user_id(self) -> str:
        return self.account_id("threads_user_id", "the Threads user id")

    owner_id = user_id

    def reply_control(self) -> str | None:
        value = self.profile.setting("reply_control")
        if value is None:
            return None
        if value not in REPLY_CONTROLS:
            raise ConfigError(f"profile '{self.profile.id}': 'reply_control: {value}' is not one of "
                              f"{', '.join(REPLY_CONTROLS)}", path=self.profile.path,
                              line=self.profile.line("reply_control"))
        return str(value)

    # --- containers (posts and replies) ---------------------------------------------------------------------

    def status(self, container_id: str) -> tuple[str, str]:
        """FAILED_DOWNLOADING_VIDEO, INVALID_ASPEC_RATIO, ... are the reasons of ERROR [V troubleshooting]."""
        body = self.graph.get(container_id, fields="status,error_message")
        return str(body.get("status") or ""), str(body.get("error_message") or "")

    def reply(self, target_id: str, text: str) -> str:
        """Publish ``text`` as a reply to the post or reply ``target_id``; refused when the day's 1,000 replies
        are used up."""
        used, total = self.quota_left("reply_quota_usage", "reply_config")
        if total is not None and used >= total:
            raise PermanentNetworkError(f"Threads' reply limit is used up ({used} of {total} in 24 hours)",
                                        network=self.name)
        container = self.create_container({"media_type": "TEXT", "text": text, "reply_to_id": target_id},
                                          "creating the reply")
        if self.wait_finished(container) != "FINISHED":
            raise TransientNetworkError(f"the reply container {container} is not ready", network=self.name)
        return self.publish_container(container, "publishing the reply")

    # --- profile basics ----------------------------------------------------------------------------------------

    PROFILE_PERMISSIONS = {
        "publishing": ("threads_basic", "threads_content_publish"),
        "metrics": ("threads_basic", "threads_manage_insights"),
        "moderation": ("threads_basic", "threads_read_replies", "threads_manage_replies"),
        "profile": ("threads_basic",),
    }

    def read_profile(self):
        user = self.graph.get(self.user_id, fields="id,username,name,threads_profile_picture_url,threads_biography")
        values: dict[str, Any] = {
            "display_name": str(user.get("name") or "").strip(),
            "bio": normalise_text(str(user.get("threads_biography") or "")),
            "avatar": fetch_image(self.http().client, user.get("threads_profile_picture_url")),
        }
        username = str(user.get("username") or "")
        return LiveProfile(account=username, account_id=str(user.get("id") or ""),
                           url=f"https://www.threads.com/@{username}" if username else None, values=values,
                           raw=user)

    def check_access(self):
        return self.meta_access(self.user_id, "username", seen="@{name} ({id})", label="Threads",
                                wrong="Threads user {id} is @{name}, but the profile names '{account}': correct "
                                      "'account:' or 'threads_user_id:'")

    # --- replies and moderation --------------------------------------------------------------------------------

    def list_comments(self, remote_id, *, since: dt.datetime | None = None):
        """Every reply to the post, at every depth (``/conversation``), page by page, oldest first."""
        rows: list[dict[str, Any]] = []
        body = self.graph.get(f"{remote_id}/conversation", fields=REPLY_FIELDS, reverse="false", limit=100)
        for _ in range(50):
            rows += [r for r in body.get("data") or [] if isinstance(r, dict) and r.get("id")]
            following = (body.get("paging") or {}).get("next")
            if not isinstance(following, str) or not following.startswith(THREADS_BASE.rsplit("/", 1)[0]):
                break
            body = self.graph.call("GET", following)
        parents = {}
        for r in rows:
            replied_to = str((r.get("replied_to") or {}).get("id") or "")
            parents[str(r["id"])] = "" if replied_to == str(remote_id) else replied_to
        own = self.profile.account.strip().lstrip("@").casefold()
        out = []
        for r in rows:
            cid, handle = str(r["id"]), str(r.get("username") or "")
            when = parse_utc(r.get("timestamp"))
            if since is not None and when is not None and when < since:
                continue
            out.append(Comment(
                id=cid, post_remote_id=str(remote_id), text=str(r.get("text") or ""), author_id=handle,
                author_handle=handle, author_name=handle, created_at=when, url=r.get("permalink") or None,
                parent_id=parents.get(cid) or None, thread_id=thread_root(cid, parents),
                hidden=r.get("hide_status") == "HIDDEN",
                own=bool(r.get("is_reply_owned_by_me")) or handle.casefold() == own))
        out.sort(key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))
        return out

    def reply_to_comment(self, comment, text, *, key):
        return self.reply(comment.id, text)

    def hide_comment(self, comment, *, hidden=True):
        if comment.parent_id:
            raise UnsupportedAction("Threads hides top-level replies only (hiding one hides its replies too): "
                                    "/hide the reply this one answers, or hide it in the Threads app",
                                    action="hide" if hidden else "unhide", network=self.name)
        body = self.graph.post(f"{comment.id}/manage_reply", {"hide": "true" if hidden else "false"}, create=False)
        if body.get("success") is False:
            raise PermanentNetworkError("Threads did not change whether the reply is hidden", network=self.name)

    def delete_comment(self, comment):
        raise self.unsupported("delete")
