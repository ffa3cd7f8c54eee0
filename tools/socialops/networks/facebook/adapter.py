"""Facebook Pages over the Graph API: every post type, each media flow, reconciliation.

Flows (../shared/reference/platform-api.md §1.2; tags there):

- text / link: POST /{page-id}/feed message [+ link]                                          [V]
- image: POST /{page-id}/photos url, caption, alt_text_custom                         [V; alt_text_custom C]
- carousel: each image POST /{page-id}/photos published=false (+alt) -> id, recorded; then
  POST /{page-id}/feed message + attached_media[i]={"media_fbid": id}                    [V pattern, C exact]
- video: POST /{page-id}/videos file_url, description -> id, recorded; poll GET /{id}?fields=status until ready;
  captions: POST /{video-id}/captions captions_file=<name.locale.srt> (SRT, ≤200 KB), default_locale  [C: Graph
  reference copy]
- reel: POST /{page-id}/video_reels upload_phase=start -> video_id, upload_url (recorded); POST the bytes to
  rupload with `Authorization: OAuth`, `offset: 0`, `file_size` (recorded); upload_phase=finish
  video_state=PUBLISHED description                                                            [V]
- story: photo -> unpublished photo (recorded) then POST /{page-id}/photo_stories photo_id; video ->
  video_stories start / rupload / finish                                                       [C]
- live: POST /{page-id}/live_videos status=SCHEDULED_UNPUBLISHED event_params={"start_time": unix} when the
  start is at most 7 days ahead [V; event_params object shape C: Graph reference copy]; otherwise, or when the
  Page may not use the Live Video API, the announcement is published as a feed post (said in the result).
- first comment: POST /{post-id}/comments message                                              [C]

Every intermediate id goes through `self.progress` before the next step; "final" is recorded just before the
call that makes the post public, so reconcile knows whether that call can have happened at all.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from socialops.errors import AuthError, OutcomeUnknown, PermanentNetworkError, TransientNetworkError
from socialops.networks.facebook.metrics import facebook_calls
from socialops.networks.facebook.spec import SPEC
from socialops.networks.meta.graph import (
    GRAPH_BASE,
    RUPLOAD_BASE,
    MetaNetwork,
    caption_locale,
    meta_fix,
    need_id,
    text_matches,
    token_scopes,
)
from socialops.networks.profile import (
    account_name,
    fetch_image,
    normalise_phone,
    normalise_text,
    scope_capabilities,
)
from socialops.networks.types import (
    AccessReport,
    Claim,
    Comment,
    LiveProfile,
    MediaFile,
    PublishRequest,
    PublishResult,
    thread_root,
)

LIVE_MAX_AHEAD = dt.timedelta(days=7)
CAPTIONS_MAX_BYTES = 200_000
RECENT_POSTS_LIMIT = 25
RECONCILE_SLACK = dt.timedelta(minutes=10)


class FacebookNetwork(MetaNetwork):
    spec: ClassVar = SPEC

    # --- settings --------------------------------------------------------------------------------

    @property
    def page_id(self) -> str:
        return self.account_id("page_id", "the numeric id of the Facebook Page")

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
        content = media.captions.read_bytes()
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
        body = self.graph.post(f"{self.page_id}/{edge}", {"upload_phase": "start"}, create=False)
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
            "upload_phase": "finish", "video_id": video_id, "video_state": "PUBLISHED",
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
            body = self.graph.post(f"{self.page_id}/video_stories", {"upload_phase": "finish", "video_id": video_id},
                                   create=True)
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
        return facebook_calls(publications, base=GRAPH_BASE, page_id=self.page_id,
                              headers={"Authorization": f"Bearer {self.token()}"}, now=now)

    # --- reconcile -------------------------------------------------------------------------------

    def reconcile(self, claim: Claim) -> PublishResult | None:
        progress = claim.progress
        post = progress.get("post")
        if post:
            return PublishResult(remote_id=str(post["id"]), url=post.get("url"), extra=dict(post.get("extra", {})))
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

    # --- profile basics (socialops.profiles.sync, socialops.profiles.check) ----------------------------------
    # platform-api.md 1.5: POST /{page-id} with about, website, phone, emails (array, replaces all) and
    # products [C]; needs pages_manage_metadata. The Page name, the profile picture, the cover and the address
    # are read only here (their writes are [U]): differences go to the "Profile drift" issue.

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
        if "services" in changes:
            data["products"] = changes["services"]
        if data:
            # Setting the same fields again leaves the same Page: safe to repeat after a lost answer.
            self.graph.post(self.page_id, data, create=False)

    def check_access(self):
        report = AccessReport()
        page = self.graph.get(self.page_id, fields="id,name")
        report.token_ok = True
        name = str(page.get("name") or "")
        report.account_seen = f"{name} (Page {page.get('id', self.page_id)})"
        report.account_ok = account_name(name) == account_name(self.profile.account)
        if not report.account_ok:
            report.problems.append(f"Page {self.page_id} is called '{name}', but the profile names "
                                   f"'{self.profile.account}': correct 'account:' or 'page_id:'")
        scopes, data = token_scopes(self.graph, self.token() or "")
        kind = str(data.get("type") or "")
        if kind and kind != "PAGE":
            report.problems.append(f"the secret {self.profile.token_env} holds a {kind.lower()} token: store a "
                                   "Page access token (GET /me/accounts with a long-lived user token gives it)")
        if data.get("profile_id") and str(data["profile_id"]) != self.page_id:
            report.problems.append(f"the token is for Page {data['profile_id']}, not Page {self.page_id}")
        if data.get("is_valid") is False:
            report.token_ok = False
            report.problems.append(f"Meta says the token in {self.profile.token_env} is no longer valid: renew it")
        report.capabilities = scope_capabilities(
            scopes, self.PROFILE_PERMISSIONS, lambda granted, scope: scope in granted,
            fix=meta_fix("Page", self.profile.token_env),
            unknown="Meta did not show the token's permissions (debug_token); check them in the Access Token "
                    "Debugger (developers.facebook.com/tools/debug/accesstoken)")
        return report


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
            when = _graph_time(r.get("created_time"))
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


def _graph_time(value: Any) -> dt.datetime | None:
    """Graph times look like 2026-12-01T08:31:00+0000."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
