"""LinkedIn organization pages: Posts API, Images API, Videos API, Comments API.
../shared/reference/platform-api.md §4 (tags there).

Every call carries `Authorization: Bearer`, `LinkedIn-Version: LINKEDIN_VERSION` (pinned here, only here) and
`X-Restli-Protocol-Version: 2.0.0`. URNs in paths are URL-encoded.

- text: POST /rest/posts {author, commentary, visibility, distribution, lifecycleState} -> 201 + x-restli-id [V/C]
- link: the same with content.article {source, title[, thumbnail image]}                      [article fields U]
- image: POST /rest/images?action=initializeUpload -> {uploadUrl, image} (recorded); PUT the bytes (recorded);
  GET /rest/images/{urn} until AVAILABLE; content.media {id, altText}                                   [V/C]
- carousel: content.multiImage.images [{id, altText}] (2–20)                                              [V]
- video: POST /rest/videos?action=initializeUpload {owner, fileSizeBytes, uploadCaptions, uploadThumbnail}
  -> video urn, uploadInstructions, uploadToken, captionsUploadUrl (recorded); PUT each byte range, keep each
  ETag (recorded); POST /rest/videos?action=finalizeUpload; captions to captionsUploadUrl [U: format]; GET
  /rest/videos/{urn} until AVAILABLE; content.media {id}
- live: announcement only (LinkedIn Live events are for approved partners)
- first comment: POST /rest/socialActions/{post urn}/comments {actor, object, message.text}              [V/C]
- commentary: the "little" text format; reserved characters backslash-escaped                              [V]
- 429 without headers -> RateLimited (daily limits reset at midnight UTC)                                  [V]
- reconcile: GET /rest/posts?q=author&author={org}&count=…&sortBy=CREATED, match the commentary          [C]
- own posts for the inbox (made anywhere): the same list, newest first, while ``createdAt`` is in the window;
  their comments as for socialops' posts                                                                  [C]
- mentions of the page (posts and comments naming it) for the inbox: mentions.py                        [V/U]
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar
from urllib.parse import quote

from socialops.errors import (
    ConfigError,
    NetworkError,
    OutcomeUnknown,
    PermanentNetworkError,
    RateLimited,
    TransientNetworkError,
)
from socialops.networks.captions import srt_bytes
from socialops.networks.contract import Comments, Metrics, ProfileBasics, Publishing
from socialops.networks.forms import normalise_text
from socialops.networks.linkedin.little import escape_commentary, unescape_commentary
from socialops.networks.linkedin.mentions import LinkedInMentions
from socialops.networks.linkedin.metrics import linkedin_calls
from socialops.networks.linkedin.spec import SPEC
from socialops.networks.meta.graph import caption_locale, text_matches
from socialops.networks.profile import account_name
from socialops.networks.types import (
    MISSING,
    OK,
    UNKNOWN,
    AccessReport,
    Capability,
    Claim,
    Comment,
    LiveProfile,
    MediaFile,
    PublishRequest,
    PublishResult,
)

# The one place the LinkedIn API version is pinned. Versions are sunset about a year after release: move it
# forward deliberately (and rerun the contract tests).
LINKEDIN_VERSION = "202606"
API_BASE = "https://api.linkedin.com/rest"
RESTLI_PROTOCOL = "2.0.0"
RECENT_POSTS = 20
OWN_POSTS = 50  # the inbox's window is 30 days: more posts than this in it is not our user
RECONCILE_SLACK = dt.timedelta(minutes=10)
LIVE_NOTE = ("LinkedIn Live events can only be created by approved partners: the announcement was published; "
             "schedule the event itself in LinkedIn")


def encode_urn(urn: str) -> str:
    return quote(urn, safe="")


def _seconds_to_midnight_utc(now: dt.datetime) -> float:
    tomorrow = (now.astimezone(dt.UTC) + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (tomorrow - now).total_seconds()


class LinkedInNetwork(LinkedInMentions, Publishing, Comments, Metrics, ProfileBasics):
    spec: ClassVar = SPEC
    poll_interval: ClassVar[float] = 5.0
    max_polls: ClassVar[int] = 60

    # --- plumbing --------------------------------------------------------------------------------

    @property
    def author(self) -> str:
        value = self.profile.setting("organization_id")
        if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():

            raise ConfigError(f"profile '{self.profile.id}' needs 'organization_id' (the LinkedIn page's number)",
                              path=self.profile.path)
        value = str(value).strip()
        return value if value.startswith("urn:li:organization:") else f"urn:li:organization:{value}"

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}", "LinkedIn-Version": LINKEDIN_VERSION,
                "X-Restli-Protocol-Version": RESTLI_PROTOCOL}

    def api(self) -> Any:
        return self.http(classify=self._classify)

    def _classify(self, response: Any, where: str, safe: bool) -> Any:
        if response.status_code != 429:
            return None
        # LinkedIn throttles per day with a bare 429: no Retry-After, no rate headers; the budget comes back at
        # midnight UTC. Waiting that long inside a run makes no sense: RateLimited with the time to midnight.
        wait = _seconds_to_midnight_utc(self.now())
        return RateLimited(f"{where}: LinkedIn's daily limit for this call is reached (429); it resets at midnight "
                           "UTC", retry_after=wait, network=self.name, status=429), wait

    def call(self, method: str, path: str, *, safe: bool | None = None, **kwargs: Any) -> Any:
        url = path if path.startswith("https://") else f"{API_BASE}/{path.lstrip('/')}"
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return self.api().request(method, url, safe=safe, headers=headers, **kwargs)

    def call_json(self, method: str, path: str, *, safe: bool | None = None, **kwargs: Any) -> dict[str, Any]:
        response = self.call(method, path, safe=safe, **kwargs)
        if not response.content:
            return {}
        try:
            body = response.json()
        except ValueError:
            unsafe = safe is False or (safe is None and method.upper() == "POST")
            cls = OutcomeUnknown if unsafe else TransientNetworkError
            raise cls(f"linkedin: {method} {path.split('?')[0]}: the answer was not readable JSON",
                      network=self.name, status=response.status_code) from None
        return body if isinstance(body, dict) else {}

    def upload(self, url: str, content: bytes, content_type: str = "application/octet-stream") -> Any:
        """PUT bytes to an upload URL LinkedIn gave (safe to repeat: the same bytes to the same place)."""
        return self.api().request("PUT", url, content=content,
                                  headers={"Authorization": f"Bearer {self.token()}", "Content-Type": content_type})

    # --- media -----------------------------------------------------------------------------------

    def _wait_available(self, kind: str, urn: str) -> None:
        for attempt in range(self.max_polls):
            body = self.call_json("GET", f"{kind}/{encode_urn(urn)}")
            status = body.get("status")
            if status == "AVAILABLE":
                return
            if status in ("PROCESSING_FAILED", "FAILED"):
                reason = body.get("processingFailureReason") or "no reason given"
                raise PermanentNetworkError(f"LinkedIn could not process {urn}: {reason}", network=self.name)
            if attempt + 1 < self.max_polls:
                self.sleep(self.poll_interval)
        raise TransientNetworkError(f"LinkedIn is still processing {urn}; the next run continues from here",
                                    network=self.name)

    def _image(self, item: PublishRequest, media: MediaFile) -> str:
        step = f"image:{media.index}"
        done = self.resumed(item, step)
        if done:
            urn, upload_url = str(done["urn"]), str(done.get("upload_url") or "")
        else:
            body = self.call_json("POST", "images?action=initializeUpload", safe=True,
                                  json={"initializeUploadRequest": {"owner": self.author}})
            value = body.get("value") if isinstance(body.get("value"), dict) else {}
            urn, upload_url = value.get("image"), value.get("uploadUrl")
            if not isinstance(urn, str) or not isinstance(upload_url, str):
                raise TransientNetworkError("LinkedIn's image upload registration had no image URN or upload URL",
                                            network=self.name)
            self.progress(item, step, {"urn": urn, "upload_url": upload_url})
        if not self.resumed(item, f"{step}:uploaded"):
            self.upload(upload_url, media.path.read_bytes())
            self.progress(item, f"{step}:uploaded", {"urn": urn})
        self._wait_available("images", urn)
        return urn

    def _video(self, item: PublishRequest, media: MediaFile) -> str:
        done = self.resumed(item, "video")
        size = media.path.stat().st_size
        captions = media.captions
        if done:
            urn, token = str(done["urn"]), str(done.get("upload_token") or "")
            parts = json.loads(done["parts"]) if isinstance(done.get("parts"), str) else done.get("parts") or []
            captions_url = done.get("captions_url") or None
        else:
            body = self.call_json("POST", "videos?action=initializeUpload", safe=True, json={
                "initializeUploadRequest": {"owner": self.author, "fileSizeBytes": size,
                                            "uploadCaptions": captions is not None, "uploadThumbnail": False}})
            value = body.get("value") if isinstance(body.get("value"), dict) else {}
            urn, token = value.get("video"), value.get("uploadToken", "")
            parts = value.get("uploadInstructions")
            captions_url = value.get("captionsUploadUrl") or None
            if not isinstance(urn, str) or not isinstance(parts, list) or not parts:
                raise TransientNetworkError("LinkedIn's video upload registration had no video URN or upload "
                                            "instructions", network=self.name)
            self.progress(item, "video", {"urn": urn, "upload_token": str(token or ""),
                                          "parts": json.dumps(parts, separators=(",", ":")),
                                          "captions_url": captions_url or ""})
        etags: list[str] = []
        with media.path.open("rb") as fh:
            for i, part in enumerate(parts):
                step = f"video:part:{i}"
                done_part = self.resumed(item, step)
                if done_part:
                    etags.append(str(done_part["etag"]))
                    continue
                first, last = int(part["firstByte"]), int(part["lastByte"])
                fh.seek(first)
                response = self.upload(str(part["uploadUrl"]), fh.read(last - first + 1))
                etag = (response.headers.get("etag") or "").strip('"')
                if not etag:
                    raise TransientNetworkError("LinkedIn's upload answer had no ETag", network=self.name)
                self.progress(item, step, {"etag": etag})
                etags.append(etag)
        if not self.resumed(item, "video:finalized"):
            self.call("POST", "videos?action=finalizeUpload", safe=True, json={
                "finalizeUploadRequest": {"video": urn, "uploadToken": token or "", "uploadedPartIds": etags}})
            self.progress(item, "video:finalized", {"urn": urn})
        if captions is not None and captions_url and not self.resumed(item, "video:captions"):
            locale = caption_locale(captions.name)
            lang, _, country = locale.partition("_")
            metadata = {"format": "SRT", "source": "USER_PROVIDED", "transcriptType": "CLOSED_CAPTION",
                        "locale": {"language": lang, "country": country}}
            self.api().request("POST", captions_url, safe=True,
                               headers={"Authorization": f"Bearer {self.token()}"},
                               files={"metadata": (None, json.dumps(metadata), "application/json"),
                                      "file": (captions.with_suffix(".srt").name, srt_bytes(captions), "text/plain")})
            self.progress(item, "video:captions", {"locale": locale})
        self._wait_available("videos", urn)
        return urn

    # --- publish ---------------------------------------------------------------------------------

    def _content(self, item: PublishRequest) -> dict[str, Any] | None:
        kind = item.type
        media = item.media
        if kind in ("video", "reel") or (media and media[0].kind == "video" and kind not in ("carousel",)):
            if not media or media[0].kind != "video":
                raise PermanentNetworkError("a video post needs a video file under 'media:'", network=self.name)
            urn = self._video(item, media[0])
            return {"media": {"id": urn, "title": (item.text.splitlines() or [""])[0][:200]}}
        if kind == "carousel":
            if not 2 <= len(media) <= 20 or any(m.kind != "image" for m in media):
                raise PermanentNetworkError("a LinkedIn multi-image post takes 2 to 20 images", network=self.name)
            return {"multiImage": {"images": [{"id": self._image(item, m), "altText": m.alt or ""} for m in media]}}
        if item.link and kind in ("link", "live", "text"):
            article: dict[str, Any] = {"source": item.link,
                                       "title": (item.text.splitlines() or [item.link])[0][:200] or item.link}
            if media and media[0].kind == "image":
                article["thumbnail"] = self._image(item, media[0])
            return {"article": article}
        if media and media[0].kind == "image":
            image = {"id": self._image(item, media[0])}
            if media[0].alt:
                image["altText"] = media[0].alt
            return {"media": image}
        return None

    def publish(self, item: PublishRequest) -> PublishResult:
        done = self.resumed(item, "post")
        if done:
            result = PublishResult(remote_id=str(done["id"]), url=done.get("url") or None)
        else:
            content = self._content(item)
            payload: dict[str, Any] = {
                "author": self.author, "commentary": escape_commentary(item.text or ""), "visibility": "PUBLIC",
                "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                                 "thirdPartyDistributionChannels": []},
                "lifecycleState": "PUBLISHED", "isReshareDisabledByAuthor": False}
            if content:
                payload["content"] = content
            self.progress(item, "final", {"sent": 1})
            response = self.call("POST", "posts", safe=False, json=payload)
            urn = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id")
            if not urn:
                raise OutcomeUnknown("LinkedIn accepted the post but its answer had no post id (x-restli-id)",
                                     network=self.name, status=response.status_code)
            url = f"https://www.linkedin.com/feed/update/{urn}/"
            self.progress(item, "post", {"id": urn, "url": url})
            extra = {"live": "announcement", "note": LIVE_NOTE} if item.type == "live" else {}
            result = PublishResult(remote_id=urn, url=url, published_at=self.now(), extra=extra)
        return self._first_comment(item, result)

    def _first_comment(self, item: PublishRequest, result: PublishResult) -> PublishResult:
        def post(text: str) -> str:
            response = self.call("POST", f"socialActions/{encode_urn(result.remote_id)}/comments", safe=False,
                                 json={"actor": self.author, "object": result.remote_id, "message": {"text": text}})
            comment_id = response.headers.get("x-restli-id") or ""
            if not comment_id and response.content:
                try:
                    body = response.json()
                except ValueError:
                    body = {}
                comment_id = str(body.get("$URN") or body.get("id") or "") if isinstance(body, dict) else ""
            return comment_id or "created"

        return self.first_comment_step(item, result, post)

    # --- metrics (this network's metrics.py) ---------------------------------------------------------------

    def metrics_calls(self, publications: list[Any], *, now: dt.datetime) -> list[Any]:
        return linkedin_calls(publications, base=API_BASE, org_urn=self.author, headers=self.headers(), now=now)

    def metrics_error(self, response: Any) -> Exception | None:
        return self.api().classify(response, safe=True)[0]

    # --- reconcile -------------------------------------------------------------------------------

    def reconcile(self, claim: Claim) -> PublishResult | None:
        post = claim.progress.get("post")
        if post:
            return PublishResult(remote_id=str(post["id"]), url=post.get("url") or None)
        if "final" not in claim.progress:
            return None  # the post was never sent; recorded media URNs are reused by the retry
        if claim.request is None:
            raise OutcomeUnknown("the post file is gone, so its text cannot be matched against the page's posts",
                                 network=self.name)
        body = self.call_json("GET", f"posts?q=author&author={encode_urn(self.author)}&count={RECENT_POSTS}"
                                     "&sortBy=CREATED")
        elements = body.get("elements") if isinstance(body.get("elements"), list) else []
        since_ms = (claim.claimed_at - RECONCILE_SLACK).timestamp() * 1000
        ours = claim.request.text
        older_seen = False
        for entry in elements:
            if not isinstance(entry, dict):
                continue
            created = entry.get("createdAt")
            if isinstance(created, int | float) and created < since_ms:
                older_seen = True
                continue
            theirs = entry.get("commentary")
            if isinstance(theirs, str) and text_matches(ours, unescape_commentary(theirs)):
                urn = str(entry.get("id"))
                return PublishResult(remote_id=urn, url=f"https://www.linkedin.com/feed/update/{urn}/")
        if len(elements) >= RECENT_POSTS and not older_seen:
            raise OutcomeUnknown("more page posts since the claim than could be checked; look at the page",
                                 network=self.name)
        return None

    # --- profile basics (socialops.profiles.sync, socialops.profiles.check) ----------------------------------
    # platform-api.md 4.5 [U]: no documented write API for page fields; GET /rest/organizations/{id} shows
    # localizedName, localizedDescription and localizedWebsite [C], so those are checked. What the token may do
    # follows the member's page role: GET /rest/organizationAcls?q=roleAssignee [C].

    ROLE_CAPABILITIES = {
        "ADMINISTRATOR": ("publishing", "metrics", "moderation", "profile"),
        "CONTENT_ADMINISTRATOR": ("publishing", "moderation"),
        "CONTENT_ADMIN": ("publishing", "moderation"),
        "DIRECT_SPONSORED_CONTENT_POSTER": ("publishing",),
        "ANALYST": ("metrics",),
    }

    def _organization_id(self) -> str:
        return self.author.rsplit(":", 1)[-1]

    def read_profile(self):
        org = self.call_json("GET", f"organizations/{self._organization_id()}")
        website = org.get("localizedWebsite") or ""
        values: dict[str, Any] = {
            "display_name": str(org.get("localizedName") or "").strip(),
            "bio": normalise_text(str(org.get("localizedDescription") or "")),
            "website": str(website).strip() if isinstance(website, str) else "",
        }
        vanity = str(org.get("vanityName") or "")
        return LiveProfile(account=vanity, account_id=self.author, values=values, raw=org,
                           url=f"https://www.linkedin.com/company/{vanity or self._organization_id()}/")

    def check_access(self):
        report = AccessReport()
        org = self.call_json("GET", f"organizations/{self._organization_id()}")
        report.token_ok = True
        vanity = str(org.get("vanityName") or "")
        report.account_seen = f"{org.get('localizedName', '')} (linkedin.com/company/{vanity})"
        report.account_ok = account_name(self.profile.account) in (account_name(vanity),
                                                                   account_name(str(org.get("localizedName") or "")))
        if not report.account_ok:
            report.problems.append(f"organization {self._organization_id()} is '{vanity}', but the profile names "
                                   f"'{self.profile.account}': correct 'account:' or 'organization_id:'")
        roles: set[str] | None = None
        try:
            acls = self.call_json("GET", "organizationAcls?q=roleAssignee&state=APPROVED")
            roles = {str(e.get("role")) for e in acls.get("elements", [])
                     if isinstance(e, dict) and str(e.get("organization") or e.get("organizationTarget") or "")
                     == self.author}
        except NetworkError:
            roles = None
        fix = (f"a page ADMINISTRATOR adds the member who made the token as administrator (Page admin view > "
               f"Settings > Manage admins), then a new token goes into the secret {self.profile.token_env}")
        for name in ("publishing", "metrics", "moderation", "profile"):
            if roles is None:
                report.capabilities.append(Capability(name, UNKNOWN, "the member's page roles could not be read",
                                                      "check the roles under Page admin view > Settings"))
            elif any(name in self.ROLE_CAPABILITIES.get(role, ()) for role in roles):
                report.capabilities.append(Capability(name, OK, f"page role {', '.join(sorted(roles))}"))
            else:
                seen = ", ".join(sorted(roles)) or "no role on this page"
                report.capabilities.append(Capability(name, MISSING, seen, fix))
        return report


    def list_own_posts(self, *, since: dt.datetime | None = None) -> list[tuple[str, str, dt.datetime | None]]:
        """The organization's own posts since ``since`` (made anywhere): (urn, url, created at), newest first."""
        body = self.call_json("GET", f"posts?q=author&author={encode_urn(self.author)}&count={OWN_POSTS}"
                                     "&sortBy=CREATED")
        out = []
        for entry in body.get("elements") or []:
            created = entry.get("createdAt") if isinstance(entry, dict) else None
            when = dt.datetime.fromtimestamp(created / 1000, dt.UTC) if isinstance(created, int | float) else None
            if not isinstance(entry, dict) or not entry.get("id") or (since and when and when < since):
                continue
            urn = str(entry["id"])
            out.append((urn, f"https://www.linkedin.com/feed/update/{urn}/", when))
        return out

    # --- comments and moderation (Comments API: list, replies, reply; LinkedIn has no hide/delete/block API) ---

    def _comment_rows(self, urn: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        start = 0
        for _ in range(20):
            body = self.call_json("GET", f"socialActions/{encode_urn(urn)}/comments", params={"start": start,
                                                                                            "count": 100})
            page = [r for r in body.get("elements") or [] if isinstance(r, dict)]
            rows += page
            total = (body.get("paging") or {}).get("total")
            start += len(page)
            if not page or not isinstance(total, int) or start >= total:
                break
        return rows

    def list_comments(self, remote_id, *, since=None):
        """Comments of a post and the replies to each (LinkedIn threads are one level deep)."""

        def make(r: dict[str, Any], parent: str | None) -> Comment | None:
            urn = str(r.get("$URN") or r.get("commentUrn") or "")
            if not urn:
                return None
            created = (r.get("created") or {}).get("time")
            when = dt.datetime.fromtimestamp(created / 1000, dt.UTC) if isinstance(created, int | float) else None
            if since is not None and when is not None and when < since:
                return None
            actor = str(r.get("actor") or "")
            return Comment(id=urn, post_remote_id=str(remote_id), text=str((r.get("message") or {}).get("text") or ""),
                           author_id=actor, author_handle=actor, author_name=actor, created_at=when, url=None,
                           parent_id=parent, thread_id=parent or urn, own=actor == self.author,
                           ref={"comment_id": str(r.get("id") or "")})

        out = []
        for r in self._comment_rows(str(remote_id)):
            top = make(r, None)
            if top is None:
                continue
            out.append(top)
            summary = r.get("commentsSummary") or {}
            if not summary or (summary.get("aggregatedTotalComments") or summary.get("totalFirstLevelComments")):
                out += [c for c in (make(x, top.id) for x in self._comment_rows(top.id)) if c is not None]
        out.sort(key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))
        return out

    def reply_to_comment(self, comment, text, *, key):
        if comment.id == comment.post_remote_id:  # a post that mentions the page (mentions.py)
            return self.comment_on_post(comment.id, text)
        parent = comment.parent_id or comment.id  # replies nest one level
        response = self.call("POST", f"socialActions/{encode_urn(parent)}/comments", safe=False,
                             json={"actor": self.author, "object": str(comment.post_remote_id),
                                   "parentComment": parent, "message": {"text": text}})
        return response.headers.get("x-restli-id") or "created"
