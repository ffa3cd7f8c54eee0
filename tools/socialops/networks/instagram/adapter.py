"""Instagram professional accounts over the Graph API (Instagram API with Facebook Login, graph.facebook.com):
the container model. ../shared/reference/platform-api.md §2.2 (tags there).

1. `POST /{ig-user-id}/media` -> container id, recorded. Image: `image_url`, `caption`, `alt_text` (images only);
   reel and single video: `media_type=REELS`, `video_url`; story: `media_type=STORIES` + image_url|video_url;
   carousel: each child `is_carousel_item=true` (videos `media_type=VIDEO` [C]), then the parent
   `media_type=CAROUSEL`, `children=<ids>`                                                         [V]
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
from typing import Any, ClassVar

from socialops.core.times import parse_utc
from socialops.errors import OutcomeUnknown, PermanentNetworkError, RateLimited, TransientNetworkError
from socialops.networks.contract import ProfileBasics, Publishing
from socialops.networks.instagram.metrics import instagram_calls
from socialops.networks.instagram.spec import SPEC
from socialops.networks.meta.graph import (
    GRAPH_BASE,
    MetaNetwork,
    need_id,
    text_matches,
)
from socialops.networks.meta.metrics import graph_requests
from socialops.networks.profile import fetch_image, normalise_text
from socialops.networks.types import (
    Claim,
    Comment,
    LiveProfile,
    MediaFile,
    PublishRequest,
    PublishResult,
)

RECENT_MEDIA_LIMIT = 25
RECONCILE_SLACK = dt.timedelta(minutes=10)
LIVE_NOTE = ("Instagram's API cannot start or schedule a live broadcast: the announcement was published; "
             "start the broadcast in the Instagram app")


class InstagramNetwork(MetaNetwork, Publishing, ProfileBasics):
    spec: ClassVar = SPEC

    @property
    def ig_user_id(self) -> str:
        return self.account_id("ig_user_id", "the Instagram professional account's id")

    # --- quota -----------------------------------------------------------------------------------

    def quota(self) -> tuple[int, int | None]:
        """(used, total) of the 24-hour publishing quota."""
        body = self.graph.get(f"{self.ig_user_id}/content_publishing_limit", fields="config,quota_usage")
        data = body.get("data")
        entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        used = entry.get("quota_usage")
        config = entry.get("config") if isinstance(entry.get("config"), dict) else {}
        total = config.get("quota_total")
        return (int(used) if isinstance(used, int | float) else 0,
                int(total) if isinstance(total, int | float) else None)

    def check_quota(self) -> None:
        used, total = self.quota()
        if total is not None and used >= total:
            raise RateLimited(f"Instagram's publishing limit for '{self.profile.account}' is used up ({used} of "
                              f"{total} posts in the last 24 hours); the post waits for the next run",
                              retry_after=None, network=self.name)

    # --- containers ------------------------------------------------------------------------------

    def _create(self, data: dict[str, Any], what: str) -> str:
        body = self.graph.post(f"{self.ig_user_id}/media", data, create=False)
        return need_id(body, "id", network=self.name, what=what, created=False)

    def status(self, container_id: str) -> tuple[str, str]:
        body = self.graph.get(container_id, fields="status_code,status")
        return str(body.get("status_code") or ""), str(body.get("status") or "")

    def wait_finished(self, container_id: str) -> str:
        """Poll until the container leaves IN_PROGRESS; returns FINISHED, PUBLISHED or EXPIRED. ERROR is refused;
        still in progress after `max_polls` -> TransientNetworkError (the container id is kept)."""
        for attempt in range(self.max_polls):
            code, text = self.status(container_id)
            if code in ("FINISHED", "PUBLISHED", "EXPIRED"):
                return code
            if code == "ERROR":
                raise PermanentNetworkError(f"Instagram could not process the media: {text or 'no reason given'}",
                                            network=self.name)
            if attempt + 1 < self.max_polls:
                self.sleep(self.poll_interval)
        raise TransientNetworkError(f"Instagram is still processing the media (container {container_id}); the "
                                    "next run continues from here", network=self.name)

    def _media_fields(self, media: MediaFile, kind: str) -> dict[str, Any]:
        url = self.media_url(media)
        if media.kind == "video":
            return {"video_url": url, "media_type": kind}
        data: dict[str, Any] = {"image_url": url}
        if kind == "STORIES":
            data["media_type"] = "STORIES"
        elif media.alt:
            data["alt_text"] = media.alt  # images only (not Reels or Stories)
        return data

    def _container(self, item: PublishRequest) -> str:
        """The container to publish, made (or taken from an earlier attempt) and FINISHED."""
        for _ in range(2):
            done = self.resumed(item, "container")
            if done:
                container_id = str(done["id"])
            else:
                container_id = self._make_container(item)
                self.progress(item, "container", {"id": container_id})
            state = self.wait_finished(container_id)
            if state == "FINISHED":
                return container_id
            if state == "PUBLISHED":
                raise _AlreadyPublished(container_id)
            # EXPIRED (containers live 24 h): forget it and its children, make new ones.
            for step in [s for s in item.resume if s == "container" or s.startswith("child:")]:
                item.resume.pop(step)
        raise PermanentNetworkError("Instagram let the new media container expire at once", network=self.name)

    def _make_container(self, item: PublishRequest) -> str:
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
                child = self._create(data, "creating a carousel item")
                self.progress(item, step, {"id": child})
                children.append(child)
            for child in children:
                if self.wait_finished(child) != "FINISHED":
                    raise TransientNetworkError(f"carousel item {child} is not ready", network=self.name)
            return self._create({"media_type": "CAROUSEL", "children": ",".join(children), "caption": caption},
                                "creating the carousel")
        media = item.media[0]
        if kind == "story":
            return self._create(self._media_fields(media, "STORIES"), "creating the story")
        data = self._media_fields(media, "REELS")
        if media.kind == "video" and kind in ("video", "reel", "live"):
            data["share_to_feed"] = "true"
        data["caption"] = caption
        return self._create(data, "creating the media container")

    # --- publish ---------------------------------------------------------------------------------

    def publish(self, item: PublishRequest) -> PublishResult:
        done = self.resumed(item, "post")
        if done:
            result = PublishResult(remote_id=str(done["id"]), url=done.get("url"))
        else:
            try:
                container_id = self._container(item)
            except _AlreadyPublished as already:
                found = self._find_published(item.text, self.now() - dt.timedelta(days=1))
                if found is None:
                    raise OutcomeUnknown(f"the container {already.container_id} is already published, but the "
                                         "post was not found among the recent media", network=self.name) from None
                self.progress(item, "post", {"id": found.remote_id, "url": found.url or ""})
                return self._first_comment(item, found)
            self.check_quota()  # read right before publishing: the container is kept for the next run
            self.progress(item, "final", {"sent": 1, "container": container_id})
            body = self.graph.post(f"{self.ig_user_id}/media_publish", {"creation_id": container_id}, create=True)
            media_id = need_id(body, "id", network=self.name, what="publishing the media", created=True)
            url = self._permalink(media_id)
            extra = {"container": container_id}
            if item.type == "live":
                extra["live"] = "announcement"
            self.progress(item, "post", {"id": media_id, "url": url or ""})
            result = PublishResult(remote_id=media_id, url=url, published_at=self.now(), extra=extra)
            if item.type == "live":
                result = PublishResult(remote_id=media_id, url=url, published_at=result.published_at,
                                       extra={**extra, "note": LIVE_NOTE})
        return self._first_comment(item, result)

    def _permalink(self, media_id: str) -> str | None:
        try:
            body = self.graph.get(media_id, fields="permalink,shortcode,timestamp")
        except (TransientNetworkError, PermanentNetworkError):
            return None  # published all the same; the link is a nicety
        link = body.get("permalink")
        return str(link) if isinstance(link, str) else None

    def _first_comment(self, item: PublishRequest, result: PublishResult) -> PublishResult:
        if item.type == "story":  # stories take no comments
            return result

        def post(text: str) -> str:
            body = self.graph.post(f"{result.remote_id}/comments", {"message": text}, create=True)
            return need_id(body, "id", network=self.name, what="adding the first comment", created=True)

        return self.first_comment_step(item, result, post)

    # --- reconcile -------------------------------------------------------------------------------

    def _find_published(self, text: str | None, since: dt.datetime) -> PublishResult | None:
        body = self.graph.get(f"{self.ig_user_id}/media", fields="id,caption,timestamp,permalink",
                              limit=RECENT_MEDIA_LIMIT)
        for entry in body.get("data") if isinstance(body.get("data"), list) else []:
            if not isinstance(entry, dict):
                continue
            when = parse_utc(entry.get("timestamp"))
            if when is not None and when < since:
                continue
            if text_matches(text, entry.get("caption")) or (not text and not entry.get("caption")):
                return PublishResult(remote_id=str(entry.get("id")), url=entry.get("permalink"), published_at=when)
        return None

    # --- metrics (facebook/metrics.py: endpoints, metric names, tolerance of removed metrics) ---------

    def metrics_calls(self, publications: list[Any], *, now: dt.datetime) -> list[Any]:
        return graph_requests(self.token(), lambda headers: instagram_calls(
            publications, base=GRAPH_BASE, user_id=self.ig_user_id, headers=headers, now=now))

    def reconcile(self, claim: Claim) -> PublishResult | None:
        progress = claim.progress
        post = progress.get("post")
        if post:
            return PublishResult(remote_id=str(post["id"]), url=post.get("url") or None)
        container = progress.get("container")
        if "final" not in progress or not container:
            return None  # media_publish was never called: nothing can be public
        container_id = str(container["id"])
        code, _text = self.status(container_id)
        if code in ("FINISHED", "IN_PROGRESS", "EXPIRED", "ERROR"):
            return None  # not published; a retry reuses (or remakes) the container
        if code != "PUBLISHED":
            raise OutcomeUnknown(f"Instagram says the container {container_id} is '{code}'", network=self.name)
        text = claim.request.text if claim.request is not None else None
        found = self._find_published(text, claim.claimed_at - RECONCILE_SLACK)
        if found is None:
            # The container proves publication; Meta has no edge from a container to its media.
            raise OutcomeUnknown(f"Instagram published the container {container_id}, but the post was not found "
                                 "among the recent media to record its id", network=self.name)
        return found


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
        # Instagram takes replies to top-level comments only: a reply to a reply goes to its thread, naming them.
        target = comment.parent_id or comment.id
        if comment.parent_id and comment.author_handle and f"@{comment.author_handle}" not in text:
            text = f"@{comment.author_handle} {text}"
        body = self.graph.post(f"{target}/replies", {"message": text}, create=True)
        return need_id(body, "id", network=self.name, what="replying to a comment", created=True)

    def hide_comment(self, comment, *, hidden=True):
        self.graph.post(comment.id, {"hide": "true" if hidden else "false"}, create=False)


class _AlreadyPublished(Exception):
    def __init__(self, container_id: str):
        super().__init__(container_id)
        self.container_id = container_id
