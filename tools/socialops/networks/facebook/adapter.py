"""Facebook Pages over the Graph API: every post type, each media flow, reconciliation.

Flows (../shared/reference/platform-api.md §1.2; tags there). [V SDK] = a parameter, enum value or field that Meta's
Business SDK declares (every request of the tests is checked against it: tests/contract/, README "What the SDKs
settle"):

- text / link: POST /{page-id}/feed message [+ link]                                          [V SDK]
- image: POST /{page-id}/photos url, caption, alt_text_custom, published                      [V SDK]
- carousel: each image POST /{page-id}/photos published=false (+alt) -> id, recorded; then
  POST /{page-id}/feed message + attached_media[i]={"media_fbid": id}       [V SDK: attached_media list<Object>]
- video: POST /{page-id}/videos file_url, description, published -> id, recorded; poll GET /{id}?fields=status
  (a VideoStatus) until ready; captions: POST /{video-id}/captions captions_file=<name.locale.srt> (SRT,
  ≤200 KB), default_locale                                                                      [V SDK]
- reel: POST /{page-id}/video_reels upload_phase=start -> video_id, upload_url (recorded); POST the bytes to
  rupload with `Authorization: OAuth`, `offset: 0`, `file_size` (recorded); upload_phase=finish
  video_state=PUBLISHED description                                               [V; params and enums V SDK]
- story: photo -> unpublished photo (recorded) then POST /{page-id}/photo_stories photo_id; video ->
  video_stories upload_phase=START / rupload / FINISH                     [V SDK: Page.create_video_story enum]
- live: POST /{page-id}/live_videos status=SCHEDULED_UNPUBLISHED event_params={"start_time": unix} when the
  start is at most 7 days ahead [V; event_params an object V SDK, its start_time key U]; otherwise, or when the
  Page may not use the Live Video API, the announcement is published as a feed post (said in the result).
- first comment: POST /{post-id}/comments message                                              [V SDK]
- what the create calls answer (post_id, video_id, upload_url, success): Meta's reference only (the SDK types
  them as the object)
- native scheduling (text / link, ``networks.scheduling``): POST /{page-id}/feed published=false
  scheduled_publish_time=<unix>, 10 minutes to 30 days ahead [V]; the scheduled post keeps its id: moved with
  POST /{post-id} scheduled_publish_time, withdrawn with DELETE /{post-id}, read back with GET /{post-id}
  fields=is_published; after a crash, GET /{page-id}/scheduled_posts (then /published_posts) matched on text [C]

Every intermediate id goes through `self.progress` before the next step; "final" is recorded just before the
call that makes the post public, so reconcile knows whether that call can have happened at all.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from socialops.errors import AuthError, OutcomeUnknown, PermanentNetworkError, TransientNetworkError
from socialops.networks.captions import srt_bytes
from socialops.networks.contract import Publishing
from socialops.networks.facebook.metrics import facebook_calls
from socialops.networks.facebook.recommendations import FacebookRecommendations
from socialops.networks.meta.graph import (
    GRAPH_BASE,
    RUPLOAD_BASE,
    caption_locale,
    need_id,
    text_matches,
)
from socialops.networks.meta.metrics import graph_requests
from socialops.networks.scheduling import NativeScheduling, Scheduled
from socialops.networks.types import (
    Claim,
    MediaFile,
    PublishRequest,
    PublishResult,
)

LIVE_MAX_AHEAD = dt.timedelta(days=7)
CAPTIONS_MAX_BYTES = 200_000
RECENT_POSTS_LIMIT = 25
RECONCILE_SLACK = dt.timedelta(minutes=10)
# upload_phase (start, finish) as the SDK's enums spell them: lower case on video_reels, upper case on video_stories
UPLOAD_PHASES = {"video_reels": ("start", "finish"), "video_stories": ("START", "FINISH")}

class FacebookNetwork(FacebookRecommendations, Publishing, NativeScheduling):
    """Posts of every type to the Page, their reconciliation by listing, native scheduling of text and link
    posts, and the Page's metrics."""

    # Documented 10 minutes to 30 days (the /feed reference says 75 days; the Posts guide 30): margins both ways.
    handover_window = (dt.timedelta(minutes=15), dt.timedelta(days=28))
    HANDOVER_TYPES = frozenset({"text", "link"})

    # --- publish ---------------------------------------------------------------------------------

    def publish(self, item: PublishRequest) -> PublishResult:
        kind = item.type
        done = self.resumed(item, "post")
        if done:
            result = PublishResult(remote_id=done["id"], url=done.get("url"), extra=dict(done.get("extra", {})))
        elif kind == "story":
            return self._story(item)  # stories take no comments
        elif kind == "reel":
            result = self._reel(item)
        elif kind == "video":
            result = self._video(item)
        elif kind == "carousel":
            result = self._carousel(item)
        elif kind == "image":
            result = self._photo(item)
        elif kind == "live":
            result = self._live(item)
        else:  # text, link
            result = self._feed(item, extra={})
        return self._first_comment(item, result)

    def _record_post(self, item: PublishRequest, remote_id: str, url: str | None,
                     extra: dict[str, Any] | None = None) -> PublishResult:
        data: dict[str, Any] = {"id": remote_id}
        if url:
            data["url"] = url
        if extra:
            data["extra"] = extra
        self.progress(item, "post", data)
        return PublishResult(remote_id=remote_id, url=url, published_at=self.now(), extra=extra or {})

    @staticmethod
    def post_url(post_id: str) -> str:
        return f"https://www.facebook.com/{post_id}"

    def _final(self, item: PublishRequest, **data: Any) -> None:
        self.progress(item, "final", {"sent": 1, **data})

    def _feed(self, item: PublishRequest, *, extra: dict[str, Any], attached: list[str] | None = None,
              link: str | None = None) -> PublishResult:
        data: dict[str, Any] = {"message": item.text or None, "link": link or item.link or None}
        for i, fbid in enumerate(attached or []):
            data[f"attached_media[{i}]"] = json.dumps({"media_fbid": fbid})
        self._final(item)
        body = self.graph.post(f"{self.page_id}/feed", data, create=True)
        post_id = need_id(body, "id", network=self.name, what="creating the post", created=True)
        return self._record_post(item, post_id, self.post_url(post_id), extra)

    def _images(self, item: PublishRequest) -> list[MediaFile]:
        images = [m for m in item.media if m.kind == "image"]
        if len(images) != len(item.media):
            raise PermanentNetworkError("a Facebook multi-photo post takes images only; post the video separately",
                                        network=self.name)
        return images

    def _photo(self, item: PublishRequest) -> PublishResult:
        if not item.media:
            raise PermanentNetworkError("an image post needs an image under 'media:'", network=self.name)
        media = item.media[0]
        data = {"url": self.media_url(media), "caption": item.text or None, "alt_text_custom": media.alt,
                "published": "true"}
        self._final(item)
        body = self.graph.post(f"{self.page_id}/photos", data, create=True)
        post_id = str(body.get("post_id") or need_id(body, "id", network=self.name, what="posting the photo",
                                                     created=True))
        return self._record_post(item, post_id, self.post_url(post_id), {"photo_id": str(body.get("id", ""))})

    def _unpublished_photo(self, item: PublishRequest, media: MediaFile, step: str) -> str:
        done = self.resumed(item, step)
        if done:
            return str(done["id"])
        body = self.graph.post(f"{self.page_id}/photos", {
            "url": self.media_url(media), "published": "false", "alt_text_custom": media.alt}, create=False)
        photo_id = need_id(body, "id", network=self.name, what="uploading a photo", created=False)
        self.progress(item, step, {"id": photo_id})
        return photo_id

    def _carousel(self, item: PublishRequest) -> PublishResult:
        images = self._images(item)
        ids = [self._unpublished_photo(item, m, f"photo:{m.index}") for m in images]
        return self._feed(item, extra={"photos": len(ids)}, attached=ids)

    # video ----------------------------------------------------------------------------------------

    def _video_status(self, video_id: str) -> dict[str, Any]:
        body = self.graph.get(video_id, fields="status")
        status = body.get("status")
        return status if isinstance(status, dict) else {}

    def _wait_video(self, video_id: str, ready) -> dict[str, Any]:
        """Poll the video's status until `ready(status)`; PermanentNetworkError on `error`, and
        TransientNetworkError when it is still processing after `max_polls` (the next run goes on from here)."""
        for attempt in range(self.max_polls):
            status = self._video_status(video_id)
            if status.get("video_status") == "error":
                errors = (status.get("processing_phase") or {}).get("errors") or []
                said = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict)) or "no reason given"
                raise PermanentNetworkError(f"Facebook could not process the video {video_id}: {said}",
                                            network=self.name)
            if ready(status):
                return status
            if attempt + 1 < self.max_polls:
                self.sleep(self.poll_interval)
        raise TransientNetworkError(f"Facebook is still processing the video {video_id}; the next run continues "
                                    "from here", network=self.name)

    def _video(self, item: PublishRequest) -> PublishResult:
        if not item.media or item.media[0].kind != "video":
            raise PermanentNetworkError("a video post needs a video file under 'media:'", network=self.name)
        media = item.media[0]
        done = self.resumed(item, "video")
        if done:
            video_id = str(done["id"])
        else:
            self._final(item)
            body = self.graph.post(f"{self.page_id}/videos", {
                "file_url": self.media_url(media), "description": item.text or None, "published": "true"},
                create=True)
            video_id = need_id(body, "id", network=self.name, what="posting the video", created=True)
            self.progress(item, "video", {"id": video_id})
        extra: dict[str, Any] = {"video_id": video_id}
        if media.captions is not None:
            extra["captions"] = self._captions(item, video_id, media)
        return self._record_post(item, video_id, f"https://www.facebook.com/{self.page_id}/videos/{video_id}",
                                 extra)

    def _captions(self, item: PublishRequest, video_id: str, media: MediaFile) -> str:
        done = self.resumed(item, "captions")
        if done:
            return str(done["locale"])
        assert media.captions is not None
        content = srt_bytes(media.captions)  # a .vtt file is converted
        if len(content) > CAPTIONS_MAX_BYTES:
            raise PermanentNetworkError(f"the subtitle file {media.captions_rel} is larger than Facebook's 200 KB "
                                        "limit for captions", network=self.name)
        self._wait_video(video_id, lambda s: s.get("video_status") in ("ready", "upload_complete"))
        locale = caption_locale(media.captions.name)
        stem = media.captions.name.split(".")[0] or "captions"
        body = self.graph.call("POST", f"{video_id}/captions", safe=True,
                               data={"default_locale": locale},
                               files={"captions_file": (f"{stem}.{locale}.srt", content, "application/x-subrip")})
        if body.get("success") is False:
            raise PermanentNetworkError(f"Facebook did not take the subtitles {media.captions_rel}",
                                        network=self.name)
        self.progress(item, "captions", {"locale": locale})
        return locale

    def _rupload(self, item: PublishRequest, step: str, video_id: str, upload_url: str, media: MediaFile) -> None:
        if self.resumed(item, step):
            return
        content = media.path.read_bytes()
        token = self.token()
        self.graph.before()
        self.graph.http.request("POST", upload_url or f"{RUPLOAD_BASE}/{video_id}", safe=True, content=content,
                                headers={"Authorization": f"OAuth {token}", "offset": "0",
                                         "file_size": str(len(content))})
        self.progress(item, step, {"video_id": video_id})

    def _upload_session(self, item: PublishRequest, edge: str, step: str) -> tuple[str, str]:
        done = self.resumed(item, step)
        if done:
            return str(done["video_id"]), str(done.get("upload_url") or "")
        body = self.graph.post(f"{self.page_id}/{edge}", {"upload_phase": UPLOAD_PHASES[edge][0]}, create=False)
        video_id = need_id(body, "video_id", network=self.name, what=f"starting the {edge} upload", created=False)
        upload_url = str(body.get("upload_url") or f"{RUPLOAD_BASE}/{video_id}")
        self.progress(item, step, {"video_id": video_id, "upload_url": upload_url})
        return video_id, upload_url

    def _reel(self, item: PublishRequest) -> PublishResult:
        if not item.media or item.media[0].kind != "video":
            raise PermanentNetworkError("a reel needs a video file under 'media:'", network=self.name)
        video_id, upload_url = self._upload_session(item, "video_reels", "reel")
        self._rupload(item, "reel_uploaded", video_id, upload_url, item.media[0])
        self._final(item, video_id=video_id)
        body = self.graph.post(f"{self.page_id}/video_reels", {
            "upload_phase": UPLOAD_PHASES["video_reels"][1], "video_id": video_id, "video_state": "PUBLISHED",
            "description": item.text or None}, create=True)
        if body.get("success") is False:
            raise PermanentNetworkError("Facebook did not publish the reel", network=self.name)
        return self._record_post(item, video_id, f"https://www.facebook.com/reel/{video_id}", {"video_id": video_id})

    # story ----------------------------------------------------------------------------------------

    def _story(self, item: PublishRequest) -> PublishResult:
        if not item.media:
            raise PermanentNetworkError("a story needs an image or a video under 'media:'", network=self.name)
        media = item.media[0]
        if media.kind == "image":
            photo_id = self._unpublished_photo(item, media, "story_photo")
            self._final(item, photo_id=photo_id)
            body = self.graph.post(f"{self.page_id}/photo_stories", {"photo_id": photo_id}, create=True)
        else:
            video_id, upload_url = self._upload_session(item, "video_stories", "story_video")
            self._rupload(item, "story_uploaded", video_id, upload_url, media)
            self._wait_video(video_id, lambda s: (s.get("uploading_phase") or {}).get("status") == "complete"
                             or s.get("video_status") in ("ready", "upload_complete"))
            self._final(item, video_id=video_id)
            body = self.graph.post(f"{self.page_id}/video_stories", {
                "upload_phase": UPLOAD_PHASES["video_stories"][1], "video_id": video_id}, create=True)
        post_id = need_id(body, "post_id", network=self.name, what="publishing the story", created=True)
        return self._record_post(item, post_id, self.post_url(post_id), {"story": media.kind})

    # live -----------------------------------------------------------------------------------------

    def _live_start(self, item: PublishRequest) -> dt.datetime | None:
        value = item.live.get("starts_at") if item.live else None
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else None
        if isinstance(value, str) and value.strip():
            try:
                when = dt.datetime.fromisoformat(value.strip())
            except ValueError:
                return None
            if when.tzinfo is None:
                tz = self.profile.timezone
                if not tz:
                    return None

                when = when.replace(tzinfo=ZoneInfo(tz))
            return when
        return None

    def _live(self, item: PublishRequest) -> PublishResult:
        start = self._live_start(item)
        now = self.now()
        live_url = (item.live or {}).get("url")
        if start is not None and now < start <= now + LIVE_MAX_AHEAD:
            try:
                self._final(item, live=1)
                body = self.graph.post(f"{self.page_id}/live_videos", {
                    "status": "SCHEDULED_UNPUBLISHED",
                    "event_params": json.dumps({"start_time": int(start.timestamp())}),
                    "title": (item.text.splitlines() or [""])[0][:250] or None,
                    "description": item.text or None}, create=True)
            except AuthError as exc:
                if exc.status == 401 or "190" in exc.message:
                    raise
                # The Page or app may not use the Live Video API (App Review, ≥100 followers, 60-day account).
                return self._feed(item, extra={"live": "announcement", "live_refused": exc.message[:200]},
                                  link=live_url if isinstance(live_url, str) else None)
            live_id = need_id(body, "id", network=self.name, what="scheduling the live video", created=True)
            # The stream URL holds the stream key: never recorded (the ledger is committed to git).
            return self._record_post(item, live_id, f"https://www.facebook.com/{self.page_id}/videos/{live_id}",
                                     {"live": "scheduled", "starts_at": start.isoformat()})
        why = "no readable live.starts_at" if start is None else (
            "the start is in the past" if start <= now else "the start is more than 7 days ahead")
        return self._feed(item, extra={"live": "announcement", "why": why},
                          link=live_url if isinstance(live_url, str) else None)

    # first comment --------------------------------------------------------------------------------

    def _first_comment(self, item: PublishRequest, result: PublishResult) -> PublishResult:
        def post(text: str) -> str:
            body = self.graph.post(f"{result.remote_id}/comments", {"message": text}, create=True)
            return need_id(body, "id", network=self.name, what="adding the first comment", created=True)

        return self.first_comment_step(item, result, post)

    # --- metrics (facebook/metrics.py: endpoints, metric names, tolerance of removed metrics) ---------

    def metrics_calls(self, publications: list[Any], *, now: dt.datetime) -> list[Any]:
        return graph_requests(self.token(), lambda headers: facebook_calls(
            publications, base=GRAPH_BASE, page_id=self.page_id, headers=headers, now=now))

    # --- native scheduling -----------------------------------------------------------------------

    def can_hand_over(self, item: PublishRequest) -> bool:
        return item.type in self.HANDOVER_TYPES

    def hand_over(self, item: PublishRequest, at: dt.datetime) -> Scheduled:
        if not self.can_hand_over(item):
            raise PermanentNetworkError(f"only text and link posts are handed over to Facebook's scheduling, not a "
                                        f"{item.type}", network=self.name)
        done = self.resumed(item, "scheduled")
        if done and done.get("id"):
            return Scheduled(str(done["id"]), at, remote_id=str(done["id"]), url=self.post_url(str(done["id"])))
        body = self.graph.post(f"{self.page_id}/feed", {
            "message": item.text or None, "link": item.link or None, "published": "false",
            "scheduled_publish_time": str(int(at.timestamp()))}, create=True)
        post_id = need_id(body, "id", network=self.name, what="scheduling the post", created=True)
        self.progress(item, "scheduled", {"id": post_id})
        return Scheduled(post_id, at, remote_id=post_id, url=self.post_url(post_id))

    def reschedule(self, scheduled: Scheduled, at: dt.datetime) -> Scheduled:
        self.graph.post(scheduled.id, {"scheduled_publish_time": str(int(at.timestamp()))}, create=False)
        return Scheduled(scheduled.id, at, remote_id=scheduled.id, url=scheduled.url)

    def cancel_handover(self, scheduled: Scheduled) -> None:
        try:
            self.graph.call("DELETE", scheduled.id, safe=True)
        except PermanentNetworkError as exc:
            if exc.status != 404:
                raise

    def handover_outcome(self, scheduled: Scheduled, request: PublishRequest | None) -> Scheduled | PublishResult | None:
        try:
            body = self.graph.get(scheduled.id, fields="id,is_published,permalink_url,scheduled_publish_time")
        except PermanentNetworkError as exc:
            if exc.status == 404:
                return None  # deleted on the Page
            raise
        if not body.get("is_published"):
            return scheduled
        url = str(body.get("permalink_url") or self.post_url(scheduled.id))
        if request is None:
            return PublishResult(remote_id=scheduled.id, url=url, published_at=scheduled.at)
        self._record_post(request, scheduled.id, url)  # where a later retry of its first comment starts from
        return self._first_comment(request, PublishResult(remote_id=scheduled.id, url=url, published_at=scheduled.at))

    def find_handover(self, claim: Claim, at: dt.datetime) -> Scheduled | PublishResult | None:
        done = claim.progress.get("scheduled")
        if done and done.get("id"):
            return Scheduled(str(done["id"]), at, remote_id=str(done["id"]), url=self.post_url(str(done["id"])))
        if claim.request is None:
            raise OutcomeUnknown("the post file is gone, so its text cannot be matched against the Page's scheduled "
                                 "posts", network=self.name)
        body = self.graph.get(f"{self.page_id}/scheduled_posts", fields="id,message,scheduled_publish_time",
                              limit=RECENT_POSTS_LIMIT)
        for entry in body.get("data") if isinstance(body.get("data"), list) else []:
            if isinstance(entry, dict) and text_matches(claim.request.text, entry.get("message")):
                post_id = str(entry.get("id"))
                return Scheduled(post_id, at, remote_id=post_id, url=self.post_url(post_id))
        if at <= self.now():
            return self.reconcile(replace(claim, claimed_at=at, progress={**claim.progress, "final": {"sent": 1}}))
        return None

    # --- reconcile -------------------------------------------------------------------------------

    def _finish_first_comment(self, claim: Claim, found: PublishResult) -> PublishResult:
        """The post is out; its first comment may not be (the run stopped, or the comment failed): the Page's own
        comment with that text among the post's comments, or the comment sent now. Facebook takes no key for a
        comment, so the listing is what keeps it to one."""
        request = claim.resumed_request()
        if request is None or not request.first_comment or (claim.progress.get("comment") or {}).get("id"):
            return found
        for comment in self.list_comments(found.remote_id):
            if comment.own and text_matches(request.first_comment, comment.text):
                self.progress(request, "comment", {"id": comment.id})
                return replace(found, extra={**found.extra, "first_comment_id": comment.id})
        return self._first_comment(request, found)

    def reconcile(self, claim: Claim) -> PublishResult | None:
        progress = claim.progress
        post = progress.get("post")
        if post:
            found = PublishResult(remote_id=str(post["id"]), url=post.get("url"), extra=dict(post.get("extra", {})))
            return self._finish_first_comment(claim, found)
        if "final" not in progress:
            return None  # the call that makes the post public was never sent
        kind = claim.request.type if claim.request is not None else None
        if kind == "story" or "story_photo" in progress or "story_video" in progress:
            raise OutcomeUnknown("Facebook offers no way to check whether a story was published; it is marked "
                                 "unconfirmed and not retried automatically: look at the Page and record the outcome",
                                 network=self.name)
        if "reel" in progress:
            video_id = str(progress["reel"]["video_id"])
            status = self._video_status(video_id)
            phase = (status.get("publishing_phase") or {}).get("status")
            if phase == "complete":
                return PublishResult(remote_id=video_id, url=f"https://www.facebook.com/reel/{video_id}")
            if phase == "not_started":
                return None
            raise OutcomeUnknown(f"Facebook's reel {video_id} is in an unclear state ({phase})", network=self.name)
        if "video" in progress:
            video_id = str(progress["video"]["id"])
            return PublishResult(remote_id=video_id, url=f"https://www.facebook.com/{self.page_id}/videos/{video_id}")
        if claim.request is None:
            raise OutcomeUnknown("the post file is gone, so its text cannot be matched against the Page's posts",
                                 network=self.name)
        since = int((claim.claimed_at - RECONCILE_SLACK).timestamp())
        body = self.graph.get(f"{self.page_id}/published_posts", fields="id,message,created_time,permalink_url",
                              since=since, limit=RECENT_POSTS_LIMIT)
        posts = body.get("data") if isinstance(body.get("data"), list) else []
        for entry in posts:
            if isinstance(entry, dict) and text_matches(claim.request.text, entry.get("message")):
                post_id = str(entry.get("id"))
                return PublishResult(remote_id=post_id, url=entry.get("permalink_url") or self.post_url(post_id))
        if len(posts) >= RECENT_POSTS_LIMIT:
            raise OutcomeUnknown("more Page posts than could be checked since the claim; look at the Page",
                                 network=self.name)
        return None
