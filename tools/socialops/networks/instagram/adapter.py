"""Instagram professional accounts over the Graph API (Instagram API with Facebook Login, graph.facebook.com):
the container model. ../shared/reference/platform-api.md §2.2 (tags there). The parameters, the container's
`status_code` and the quota fields below are declared by Meta's Business SDK (IGUser.create_media,
ShadowIGMediaBuilder, ContentPublishingLimitResponse) [V SDK]; the media_type values are Meta's reference only
(the SDK types it as a string).

1. `POST /{ig-user-id}/media` -> container id, recorded. Image: `image_url`, `caption`, `alt_text` (images only);
   reel and single video: `media_type=REELS`, `video_url`; story: `media_type=STORIES` + image_url|video_url;
   carousel: each child `is_carousel_item=true` (videos `media_type=VIDEO` [C]), then the parent
   `media_type=CAROUSEL`, `children=<ids>`                                                         [V]
   A video with subtitles burned in here (publish/subtitles.py) has no public address: its container is made
   with `upload_type=resumable` and the bytes go to `rupload.facebook.com/ig-api-upload/{container-id}`
   (`Authorization: OAuth`, `offset`, `file_size`)                                                  [V]
2. `GET /{container-id}?fields=status_code,status` until FINISHED (bounded; injected sleep); ERROR -> refused,
   EXPIRED -> a resumed container is made again                                                    [V]
3. Read `GET /{ig-user-id}/content_publishing_limit?fields=config,quota_usage` and refuse (RateLimited, with a
   clear message) when `quota_usage` has reached `config.quota_total`                              [V]
4. `POST /{ig-user-id}/media_publish creation_id=<container>` -> media id                         [V]
5. `GET /{media-id}?fields=permalink,shortcode,timestamp`; first comment `POST /{media-id}/comments` [V]

Live: Instagram's API cannot start or schedule a broadcast; a `live` post publishes its announcement (the image
or video with the text) and the result says so. Reconcile: a recorded container's `status_code` (PUBLISHED ->
find the media among the recent media by caption; FINISHED/IN_PROGRESS -> not published).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, ClassVar

from socialops.core.times import parse_utc
from socialops.errors import PermanentNetworkError, TransientNetworkError
from socialops.networks.contract import ProfileBasics, Publishing
from socialops.networks.forms import normalise_text
from socialops.networks.instagram.inbox import InstagramInbox
from socialops.networks.instagram.metrics import instagram_calls
from socialops.networks.instagram.spec import SPEC
from socialops.networks.meta.containers import AlreadyPublished, ContainerFlow
from socialops.networks.meta.graph import GRAPH_BASE, need_id
from socialops.networks.meta.metrics import graph_requests
from socialops.networks.profile import fetch_image
from socialops.networks.types import (
    Comment,
    LiveProfile,
    MediaFile,
    PublishRequest,
    PublishResult,
)

RECENT_MEDIA_LIMIT = 25
IG_RUPLOAD_BASE = "https://rupload.facebook.com/ig-api-upload"
LIVE_NOTE = ("Instagram's API cannot start or schedule a live broadcast: the announcement was published; "
             "start the broadcast in the Instagram app")


class InstagramNetwork(InstagramInbox, ContainerFlow, Publishing, ProfileBasics):
    spec: ClassVar = SPEC
    text_field: ClassVar[str] = "caption"  # the post's text in the recent media listing
    container_edge, publish_edge, limit_edge = "media", "media_publish", "content_publishing_limit"
    permalink_fields: ClassVar[str] = "permalink,shortcode,timestamp"

    @property
    def ig_user_id(self) -> str:
        return self.account_id("ig_user_id", "the Instagram professional account's id")

    owner_id = ig_user_id

    # --- containers ------------------------------------------------------------------------------

    def _create(self, data: dict[str, Any], what: str, media: MediaFile | None = None) -> str:
        container_id = self.create_container(data, what)
        if data.get("upload_type") == "resumable" and media is not None:
            self._upload(container_id, media)
        return container_id

    def _upload(self, container_id: str, media: MediaFile) -> None:
        """The video's bytes to the container made with upload_type=resumable:
        POST rupload.facebook.com/ig-api-upload/{container-id}, Authorization: OAuth, offset 0, file_size [V]."""
        content = media.path.read_bytes()
        self.graph.before()
        self.graph.http.request("POST", f"{IG_RUPLOAD_BASE}/{container_id}", safe=True, content=content,
                                headers={"Authorization": f"OAuth {self.token()}", "offset": "0",
                                         "file_size": str(len(content))})

    def status(self, container_id: str) -> tuple[str, str]:
        body = self.graph.get(container_id, fields="status_code,status")
        return str(body.get("status_code") or ""), str(body.get("status") or "")

    def _media_fields(self, media: MediaFile, kind: str) -> dict[str, Any]:
        if media.kind == "video" and media.burned_from is not None:
            # Subtitles burned in here: the file has no public address, so it is uploaded (resumable upload,
            # Facebook Login only) [V]
            return {"media_type": kind, "upload_type": "resumable"}
        url = self.media_url(media)
        if media.kind == "video":
            return {"video_url": url, "media_type": kind}
        data: dict[str, Any] = {"image_url": url}
        if kind == "STORIES":
            data["media_type"] = "STORIES"
        elif media.alt:
            data["alt_text"] = media.alt  # images only (not Reels or Stories)
        return data

    def make_container(self, item: PublishRequest) -> str:
        kind = item.type
        caption = item.text or None
        if not item.media:
            raise PermanentNetworkError("Instagram needs an image or a video for every post (also for a live "
                                        "announcement)", network=self.name)
        if kind == "carousel":
            children = []
            for media in item.media:
                step = f"child:{media.index}"
                done = self.resumed(item, step)
                if done:
                    children.append(str(done["id"]))
                    continue
                data = {"is_carousel_item": "true", **self._media_fields(media, "VIDEO")}
                child = self._create(data, "creating a carousel item", media)
                self.progress(item, step, {"id": child})
                children.append(child)
            for child in children:
                if self.wait_finished(child) != "FINISHED":
                    raise TransientNetworkError(f"carousel item {child} is not ready", network=self.name)
            return self.create_container({"media_type": "CAROUSEL", "children": ",".join(children), "caption": caption},
                                "creating the carousel")
        media = item.media[0]
        if kind == "story":
            return self._create(self._media_fields(media, "STORIES"), "creating the story", media)
        data = self._media_fields(media, "REELS")
        if media.kind == "video" and kind in ("video", "reel", "live"):
            data["share_to_feed"] = "true"
        data["caption"] = caption
        return self._create(data, "creating the media container", media)

    # --- publish ---------------------------------------------------------------------------------

    def publish(self, item: PublishRequest) -> PublishResult:
        done = self.resumed(item, "post")
        if done:
            result = PublishResult(remote_id=str(done["id"]), url=done.get("url"))
        else:
            try:
                container_id = self.ready_container(item)
            except AlreadyPublished as already:
                return self._first_comment(item, self.already_published(item, already.container_id))
            result = self.publish_ready(item, container_id)
            if item.type == "live":
                result = replace(result, extra={**result.extra, "live": "announcement", "note": LIVE_NOTE})
        return self._first_comment(item, result)

    def _first_comment(self, item: PublishRequest, result: PublishResult) -> PublishResult:
        if item.type == "story":  # stories take no comments
            return result

        def post(text: str) -> str:
            body = self.graph.post(f"{result.remote_id}/comments", {"message": text}, create=True)
            return need_id(body, "id", network=self.name, what="adding the first comment", created=True)

        return self.first_comment_step(item, result, post)

    # --- reconcile -------------------------------------------------------------------------------

    def recent_posts(self, since: dt.datetime) -> list[Any]:
        body = self.graph.get(f"{self.ig_user_id}/media", fields="id,caption,timestamp,permalink",
                              limit=RECENT_MEDIA_LIMIT)
        return body.get("data") if isinstance(body.get("data"), list) else []

    # --- metrics (facebook/metrics.py: endpoints, metric names, tolerance of removed metrics) ---------

    def metrics_calls(self, publications: list[Any], *, now: dt.datetime) -> list[Any]:
        return graph_requests(self.token(), lambda headers: instagram_calls(
            publications, base=GRAPH_BASE, user_id=self.ig_user_id, headers=headers, now=now))

    # --- profile basics (socialops.profiles.sync, socialops.profiles.check) ----------------------------------
    # platform-api.md 2.5 [U]: no write endpoint; the IG user node shows username, name, biography, website and
    # profile_picture_url, so those are checked and differences go to the "Profile drift" issue.

    PROFILE_PERMISSIONS = {
        "publishing": ("instagram_basic", "instagram_content_publish"),
        "metrics": ("instagram_basic", "instagram_manage_insights"),
        "moderation": ("instagram_basic", "instagram_manage_comments"),
        "profile": ("instagram_basic",),
    }

    def read_profile(self):
        user = self.graph.get(self.ig_user_id, fields="id,username,name,biography,website,profile_picture_url")
        values: dict[str, Any] = {
            "display_name": str(user.get("name") or "").strip(),
            "bio": normalise_text(str(user.get("biography") or "")),
            "website": str(user.get("website") or "").strip(),
            "avatar": fetch_image(self.http().client, user.get("profile_picture_url")),
        }
        username = str(user.get("username") or "")
        return LiveProfile(account=username, account_id=str(user.get("id") or ""),
                           url=f"https://www.instagram.com/{username}/" if username else None, values=values, raw=user)

    def check_access(self):
        return self.meta_access(self.ig_user_id, "username", seen="@{name} ({id})", label="Instagram",
                                wrong="account {id} is @{name}, but the profile names '{account}': correct "
                                      "'account:' or 'ig_user_id:'")

    # --- comments and moderation (/{media-id}/comments with replies, hide, DELETE; no block API) -----------

    COMMENT_FIELDS = ("id,text,username,timestamp,hidden,from{id,username},"
                      "replies{id,text,username,timestamp,hidden,from{id,username}}")

    def list_comments(self, remote_id, *, since=None):
        """Comments of a media and their replies (Instagram threads are one level deep), page by page."""

        own = {self.profile.account.strip().lstrip("@").casefold()}
        out = []

        def make(r: dict[str, Any], parent: str | None) -> Comment | None:
            if not r.get("id"):
                return None
            author = r.get("from") if isinstance(r.get("from"), dict) else {}
            handle = str(r.get("username") or author.get("username") or "")
            when = parse_utc(r.get("timestamp"))
            if since is not None and when is not None and when < since:
                return None
            return Comment(
                id=str(r["id"]), post_remote_id=str(remote_id), text=str(r.get("text") or ""),
                author_id=str(author.get("id") or ""), author_handle=handle, author_name=handle,
                created_at=when, url=None, parent_id=parent, thread_id=parent or str(r["id"]),
                hidden=bool(r.get("hidden")),
                own=handle.casefold() in own or str(author.get("id") or "") == self.ig_user_id,
            )

        body = self.graph.get(f"{remote_id}/comments", fields=self.COMMENT_FIELDS, limit=50)
        for _ in range(50):
            for r in body.get("data") or []:
                if not isinstance(r, dict):
                    continue
                top = make(r, None)
                if top is not None:
                    out.append(top)
                for reply in ((r.get("replies") or {}).get("data") or []):
                    child = make(reply, str(r.get("id"))) if isinstance(reply, dict) else None
                    if child is not None:
                        out.append(child)
            following = (body.get("paging") or {}).get("next")
            if not isinstance(following, str) or not following.startswith("https://graph.facebook.com/"):
                break
            body = self.graph.call("GET", following)
        out.sort(key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))
        return out

    def reply_to_comment(self, comment, text, *, key):
        if comment.ref.get("kind") in ("message", "mention"):  # a conversation, or media the account is tagged in
            return self.send_message(comment, text) if comment.ref["kind"] == "message" else \
                self.reply_to_mention(comment, text)
        # Instagram takes replies to top-level comments only: a reply to a reply goes to its thread, naming them.
        target = comment.parent_id or comment.id
        if comment.parent_id and comment.author_handle and f"@{comment.author_handle}" not in text:
            text = f"@{comment.author_handle} {text}"
        body = self.graph.post(f"{target}/replies", {"message": text}, create=True)
        return need_id(body, "id", network=self.name, what="replying to a comment", created=True)

    def hide_comment(self, comment, *, hidden=True):
        self.graph.post(comment.id, {"hide": "true" if hidden else "false"}, create=False)
