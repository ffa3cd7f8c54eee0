"""The Facebook Page itself: its basics (profile check, diff, sync), the token check, and the comments on its
posts (Graph API: /{post-id}/comments, is_hidden, DELETE, /{page-id}/blocked).

platform-api.md 1.5: POST /{page-id} with about, website, phone, emails (array, replaces all) [V: the SDK's
Page.api_update]; needs pages_manage_metadata. The SDK's Page.api_update takes no `products`, so the services
are read (the `products` field) and checked like the Page name, the profile picture, the cover and the address
(their writes are [U]): differences go to the "Profile drift" issue.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from socialops.core.times import parse_utc
from socialops.errors import PermanentNetworkError
from socialops.networks.contract import ProfileBasics
from socialops.networks.facebook.spec import SPEC
from socialops.networks.forms import normalise_phone, normalise_text
from socialops.networks.meta.graph import MetaNetwork, need_id
from socialops.networks.profile import fetch_image
from socialops.networks.types import Comment, LiveProfile, thread_root


class FacebookPage(MetaNetwork, ProfileBasics):
    """The Page named by the profile's ``page_id``: its basics and the comments on its posts."""

    spec: ClassVar = SPEC

    @property
    def page_id(self) -> str:
        return self.account_id("page_id", "the numeric id of the Facebook Page")


    PROFILE_READ_FIELDS = ("id,name,username,link,about,website,phone,emails,products,single_line_address,"
                           "picture.type(large){url},cover{source}")
    PROFILE_PERMISSIONS = {
        "publishing": ("pages_manage_posts", "pages_read_engagement"),
        "metrics": ("read_insights", "pages_read_engagement"),
        "moderation": ("pages_manage_engagement", "pages_read_user_engagement"),
        "profile": ("pages_manage_metadata",),
    }

    def read_profile(self):
        page = self.graph.get(self.page_id, fields=self.PROFILE_READ_FIELDS)
        emails = page.get("emails") if isinstance(page.get("emails"), list) else []
        picture = page.get("picture") if isinstance(page.get("picture"), dict) else {}
        picture_data = picture.get("data") if isinstance(picture.get("data"), dict) else {}
        cover = page.get("cover") if isinstance(page.get("cover"), dict) else {}
        client = self.http().client
        values: dict[str, Any] = {
            "display_name": str(page.get("name") or "").strip(),
            "bio": normalise_text(str(page.get("about") or "")),
            "website": str(page.get("website") or "").strip(),
            "contact.email": ", ".join(str(e) for e in emails),
            "contact.phone": normalise_phone(str(page.get("phone") or "")),
            "contact.address": " ".join(str(page.get("single_line_address") or "").split()),
            "services": normalise_text(str(page.get("products") or "")),
            "avatar": None if picture_data.get("is_silhouette") else fetch_image(client, picture_data.get("url")),
            "cover": fetch_image(client, cover.get("source")),
        }
        return LiveProfile(account=str(page.get("name") or ""), account_id=str(page.get("id") or ""),
                           url=page.get("link") or f"https://www.facebook.com/{self.page_id}", values=values,
                           raw=page)

    def update_profile(self, changes, live) -> None:
        data: dict[str, Any] = {}
        if "bio" in changes:
            data["about"] = changes["bio"]
        if "website" in changes:
            data["website"] = changes["website"]
        if "contact.phone" in changes:
            data["phone"] = changes["contact.phone"]
        if "contact.email" in changes:
            data["emails"] = json.dumps([changes["contact.email"]])
        if data:
            # Setting the same fields again leaves the same Page: safe to repeat after a lost answer.
            self.graph.post(self.page_id, data, create=False)

    def check_access(self):
        def page_token_problems(data: dict[str, Any]) -> list[str]:
            out = []
            kind = str(data.get("type") or "")
            if kind and kind != "PAGE":
                out.append(f"the secret {self.profile.token_env} holds a {kind.lower()} token: store a Page access "
                           "token (GET /me/accounts with a long-lived user token gives it)")
            if data.get("profile_id") and str(data["profile_id"]) != self.page_id:
                out.append(f"the token is for Page {data['profile_id']}, not Page {self.page_id}")
            return out

        return self.meta_access(self.page_id, "name", seen="{name} (Page {id})", label="Page",
                                wrong="Page {id} is called '{name}', but the profile names '{account}': correct "
                                      "'account:' or 'page_id:'", token_problems=page_token_problems)

    # --- comments and moderation (Graph API: /{post-id}/comments, is_hidden, DELETE, /{page-id}/blocked) -------

    COMMENT_FIELDS = "id,from{id,name},message,created_time,parent{id},is_hidden,permalink_url"

    def list_comments(self, remote_id, *, since=None):
        """All comments and replies of a post (``filter=stream``: every level, oldest first), page by page."""

        rows: list[dict[str, Any]] = []
        body = self.graph.get(f"{remote_id}/comments", filter="stream", order="chronological",
                              fields=self.COMMENT_FIELDS, limit=100)
        for _ in range(50):
            rows += [r for r in body.get("data") or [] if isinstance(r, dict) and r.get("id")]
            following = (body.get("paging") or {}).get("next")
            if not isinstance(following, str) or not following.startswith("https://graph.facebook.com/"):
                break
            body = self.graph.call("GET", following)
        parents = {str(r["id"]): str((r.get("parent") or {}).get("id") or "") for r in rows}

        out = []
        for r in rows:
            cid = str(r["id"])
            author = r.get("from") if isinstance(r.get("from"), dict) else {}
            when = parse_utc(r.get("created_time"))
            if since is not None and when is not None and when < since:
                continue
            out.append(Comment(
                id=cid, post_remote_id=str(remote_id), text=str(r.get("message") or ""),
                author_id=str(author.get("id") or ""), author_name=str(author.get("name") or ""),
                created_at=when, url=str(r.get("permalink_url") or "") or None,
                parent_id=parents.get(cid) or None, thread_id=thread_root(cid, parents), hidden=bool(r.get("is_hidden")),
                own=str(author.get("id") or "") == self.page_id,
            ))
        return out

    def reply_to_comment(self, comment, text, *, key):
        if comment.ref.get("kind") == "message":  # a Messenger conversation (networks.meta.inbox)
            return self.send_message(comment, text)
        body = self.graph.post(f"{comment.id}/comments", {"message": text}, create=True)
        return need_id(body, "id", network=self.name, what="replying to a comment", created=True)

    def hide_comment(self, comment, *, hidden=True):
        self.graph.post(comment.id, {"is_hidden": "true" if hidden else "false"}, create=False)

    def block_author(self, comment):
        if not comment.author_id:
            raise PermanentNetworkError("Facebook did not say who wrote the comment (no 'from'): block the person "
                                        "in the Page's settings (Settings > People and other Pages)", network=self.name)
        # Blocking again is harmless: the person stays blocked.
        self.graph.post(f"{self.page_id}/blocked", {"user": comment.author_id}, create=False)
