"""Bluesky (AT Protocol): posts are records in the account's repository on its PDS.

Reference: ../shared/reference/platform-api.md section 6 (atproto lexicons and PDS code, [V]).
Checked against a real PDS (@atproto/dev-env): see tests/test_realserver_bluesky.py.

Session: ``com.atproto.server.createSession {identifier: <account handle>, password: <app password from
the profile's token_env>}`` on the profile's ``service`` (default https://bsky.social), once per run
(createSession is limited to 30 per 5 minutes). An expired access token (HTTP 400 ``ExpiredToken``) is
renewed with ``refreshSession`` (or a new session) and the call repeated once.

Publishing one post:

1. media: ``com.atproto.repo.uploadBlob`` (raw bytes, Content-Type = the file's type) for each image
   (``app.bsky.embed.images``, up to 4, alt text required -- "" when none, with the aspect ratio), or
   the video (``app.bsky.embed.video`` with alt text and WebVTT caption tracks, each uploaded as a
   ``text/vtt`` blob; SubRip .srt files are converted to WebVTT first). A link post gets an
   ``app.bsky.embed.external`` card that the client must build: the page is fetched, its og:title,
   og:description and og:image read, and the image uploaded as the card's thumb (at most 1 MB); when
   the page cannot be read the card shows the address as its title. Every blob is recorded
   (``progress "blob:<i>" / "captions:<i>" / "thumb"``) before the next step and reused on resume; if
   the PDS has meanwhile garbage-collected an unreferenced blob (``BlobNotFound``), it is uploaded again;
2. ``com.atproto.repo.createRecord`` of an ``app.bsky.feed.post`` with a **record key chosen by us**: a
   TID derived from the claim's idempotency key (:func:`tid_for`). Text facets (links, mentions,
   hashtags) carry UTF-8 byte offsets (facets.py); mentions are resolved to DIDs with
   ``com.atproto.identity.resolveHandle``. ``langs`` come from the profile's ``language`` setting;
   the post's ``tags`` go into the record's ``tags`` (at most 8). Recorded as ``progress "post"``;
3. the first comment: a reply record (``reply.root`` = ``reply.parent`` = the post) with the record key
   derived from ``<key>:first_comment``.

Exactly once: a second createRecord with the same record key cannot make a second post (the real PDS
answers 500 InternalServerError, seen in tests). Whenever the answer to createRecord is lost, and in
:meth:`BlueskyNetwork.reconcile`, ``com.atproto.repo.getRecord`` on that key tells for certain whether
the post exists.

Rate limits: ``RateLimit-Limit/-Remaining/-Reset`` (epoch seconds) and 429 with ``RateLimitExceeded``.
Not done: the video service (video.bsky.app uploadVideo + job polling) -- the video blob goes through
the PDS's uploadBlob, which Bluesky documents as working, with the post visible before the video is
processed; and Bluesky has no scheduling, stories, reels or live broadcasts (a live post is its
announcement).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import mimetypes
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import regex

from socialops.errors import (
    AuthError,
    ConfigError,
    NetworkError,
    OutcomeUnknown,
    PermanentNetworkError,
    TransientNetworkError,
)
from socialops.networks.bluesky import facets as richtext
from socialops.networks.bluesky.metrics import bluesky_calls
from socialops.networks.bluesky.spec import SPEC
from socialops.networks.contract import Comments, Metrics, ProfileBasics, Publishing
from socialops.networks.profile import account_name, normalise_text
from socialops.networks.types import (
    OK,
    AccessReport,
    Capability,
    Claim,
    Comment,
    LiveImage,
    LiveProfile,
    MediaFile,
    PublishRequest,
    PublishResult,
)

if TYPE_CHECKING:
    import httpx

DEFAULT_SERVICE = "https://bsky.social"
POST = "app.bsky.feed.post"
MAX_GRAPHEMES = 300
MAX_IMAGES = 4
IMAGE_MAX_BYTES = 2_000_000
THUMB_MAX_BYTES = 1_000_000
CAPTION_MAX_BYTES = 20_000
MAX_CAPTIONS = 20
MAX_LANGS = 3
MAX_TAGS = 8
PAGE_MAX_BYTES = 1_000_000  # of a linked page read for its card
IMAGE_FETCH_MAX_BYTES = 10_000_000
CARD_TIMEOUT = 10.0
FIRST_COMMENT_SUFFIX = ":first_comment"
TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})

_S32 = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable, the TID alphabet
_TID_EPOCH_US = 1_672_531_200_000_000  # 2023-01-01T00:00:00Z in microseconds
_TID_SPAN_US = 1 << 45  # about 407 days


def tid_for(key: str) -> str:
    """The record key (a TID) of the post made for an idempotency key: always the same for one key.

    A TID is 64 bits -- a zero bit, 53 bits of microseconds since 1970 and a 10-bit clock id -- written
    in 13 base32-sortable characters. Both parts come from SHA-256 of the key; the time part lies in
    2023-2024 so it sorts as a plausible past time (readers order posts by ``createdAt``, not by key)."""
    number = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    micros = _TID_EPOCH_US + (number >> 10) % _TID_SPAN_US
    value = (micros << 10) | (number & 0x3FF)
    return "".join(_S32[(value >> (5 * (12 - i))) & 31] for i in range(13))


def is_tid(value: str) -> bool:
    return bool(re.fullmatch(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}", value))


def _token_error(response: httpx.Response) -> bool:
    """atproto answers an expired or bad access token with 400 + ExpiredToken / InvalidToken."""
    if response.status_code != 400:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("error") in TOKEN_ERRORS


def _error_name(exc: NetworkError) -> str:
    found = re.search(r'"error"\s*:\s*"([A-Za-z]+)"', exc.message)
    return found.group(1) if found else ""


class BlueskyNetwork(Publishing, Comments, Metrics, ProfileBasics):
    spec = SPEC
    limit_headers = ("RateLimit-Remaining", "RateLimit-Reset")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._session: dict[str, str] | None = None
        self._dids: dict[str, str | None] = {}
        self._resuming = False

    # --- settings --------------------------------------------------------------------------------

    @property
    def service(self) -> str:
        value = self.profile.setting("service")
        service = value.strip().rstrip("/") if isinstance(value, str) and value.strip() else DEFAULT_SERVICE
        if not re.match(r"(?i)^https?://", service):
            service = "https://" + service
        return service

    @property
    def handle(self) -> str:
        handle = self.profile.account.strip().lstrip("@")
        if not handle:
            raise ConfigError(
                f"profile '{self.profile.id}' has no account: add 'account: yourname.bsky.social' (the Bluesky handle)",
                path=self.profile.path, line=1,
            )
        return handle

    @property
    def langs(self) -> list[str]:
        value = self.profile.setting("language")
        values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        return [str(v).strip() for v in values if isinstance(v, str) and v.strip()][:MAX_LANGS]

    def _h(self):
        return self.http(auth_error=_token_error)

    # --- XRPC ------------------------------------------------------------------------------------

    def _xrpc(self, method: str, nsid: str, *, auth: bool = True, safe: bool | None = None,
              headers: Mapping[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        url = f"{self.service}/xrpc/{nsid}"
        for attempt in range(2):
            all_headers = dict(headers or {})
            if auth:
                all_headers["Authorization"] = f"Bearer {self._access()}"
            self.respect_limits(self._h().max_wait)
            try:
                response = self._h().request(method, url, safe=safe, headers=all_headers, **kwargs)
            except AuthError as exc:
                if auth and exc.status == 400 and attempt == 0:
                    self._renew()
                    continue
                raise
            self.note_limits(response)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _body(self, response: httpx.Response, *, unsafe: bool = False) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            cls = OutcomeUnknown if unsafe else TransientNetworkError
            raise cls(
                f"bluesky: {response.request.url.path}: the answer was not readable JSON",
                network=self.name, status=response.status_code,
            )
        return body

    # --- session ---------------------------------------------------------------------------------

    def _access(self) -> str:
        if self._session is None:
            self._create_session()
        assert self._session is not None
        return self._session["accessJwt"]

    @property
    def did(self) -> str:
        self._access()
        assert self._session is not None
        return self._session["did"]

    def _remember(self, body: Mapping[str, Any]) -> None:
        if not body.get("accessJwt") or not body.get("did"):
            raise TransientNetworkError("bluesky: the session answer had no accessJwt/did", network=self.name)
        http = self._h()
        http.add_secret(str(body["accessJwt"]))
        http.add_secret(str(body.get("refreshJwt") or ""))
        self._session = {
            "accessJwt": str(body["accessJwt"]),
            "refreshJwt": str(body.get("refreshJwt") or ""),
            "did": str(body["did"]),
            "handle": str(body.get("handle") or self.handle),
        }

    def _create_session(self) -> None:
        password = self.token()
        response = self._xrpc(
            "POST", "com.atproto.server.createSession", auth=False, safe=True,
            json={"identifier": self.handle, "password": password},
        )
        self._remember(self._body(response))

    def _renew(self) -> None:
        """The access token expired: refreshSession with the refresh token, else a new session."""
        refresh = (self._session or {}).get("refreshJwt")
        self._session = None
        if refresh:
            try:
                response = self._h().request(
                    "POST", f"{self.service}/xrpc/com.atproto.server.refreshSession", safe=False,
                    headers={"Authorization": f"Bearer {refresh}"},
                )
                self._remember(self._body(response))
                return
            except NetworkError:
                self._session = None
        self._create_session()

    # --- rate limits -----------------------------------------------------------------------------

    # --- identity --------------------------------------------------------------------------------

    def resolve_handle(self, handle: str) -> str | None:
        """The DID of a mentioned handle, or None when it does not resolve (the mention stays text)."""
        if handle not in self._dids:
            try:
                response = self._xrpc("GET", "com.atproto.identity.resolveHandle", params={"handle": handle})
                did = self._body(response).get("did")
                self._dids[handle] = did if isinstance(did, str) and did.startswith("did:") else None
            except PermanentNetworkError:
                self._dids[handle] = None
        return self._dids[handle]

    # --- publishing ------------------------------------------------------------------------------

    def publish(self, item: PublishRequest) -> PublishResult:
        if item.type not in self.spec.types:
            raise PermanentNetworkError(
                f"Bluesky cannot publish a {item.type} post (it takes: {', '.join(sorted(self.spec.types))})",
                network=self.name,
            )
        rkey = tid_for(item.idempotency_key)
        # An earlier attempt may have made records whose answers were lost: then ask getRecord first.
        self._resuming = item.attempt > 1 or bool(item.resume)
        post = self._existing(item, "post", rkey)
        if post is None:
            text, embed_kind = self._text_and_embed_kind(item)
            self._check_length(text)
            for attempt in range(2):
                embed = self._embed(item, embed_kind)
                record = self._record(text, embed=embed, tags=item.tags)
                try:
                    post = self._create(rkey, record)
                    break
                except PermanentNetworkError as exc:
                    if attempt == 0 and _error_name(exc) == "BlobNotFound":
                        self._forget_blobs(item)  # collected by the PDS meanwhile: upload again
                        continue
                    raise
            assert post is not None
            self.progress(item, "post", {"uri": post["uri"], "cid": post["cid"]})
        extra: dict[str, Any] = {"cid": post["cid"], "rkey": rkey}
        extra.update(self._first_comment(item, post))
        return PublishResult(remote_id=post["uri"], url=self.web_url(rkey), published_at=self.now(), extra=extra)

    def web_url(self, rkey: str) -> str:
        return f"https://bsky.app/profile/{self.handle}/post/{rkey}"

    def _existing(self, item: PublishRequest, step: str, rkey: str) -> dict[str, str] | None:
        """The record of an earlier attempt: from the ledger, or (after any earlier attempt) getRecord."""
        done = self.resumed(item, step)
        if done and done.get("uri") and done.get("cid"):
            return {"uri": str(done["uri"]), "cid": str(done["cid"])}
        if self._resuming:
            found = self.get_record(rkey)
            if found is not None:
                self.progress(item, step, found)
                return found
        return None

    def _text_and_embed_kind(self, item: PublishRequest) -> tuple[str, str | None]:
        text = item.text
        images = [m for m in item.media if m.kind == "image"]
        videos = [m for m in item.media if m.kind == "video"]
        link = item.link
        if item.type == "live" and isinstance(item.live.get("url"), str) and item.live.get("url"):
            link = link or item.live["url"]
        if videos and (images or len(videos) > 1):
            raise PermanentNetworkError(
                "a Bluesky post takes one video, or up to four images, not both: split the post or give bluesky "
                "its own media with an override", network=self.name,
            )
        if len(images) > MAX_IMAGES:
            raise PermanentNetworkError(
                f"a Bluesky post takes at most {MAX_IMAGES} images, this one has {len(images)}: give bluesky its own "
                "media with an override", network=self.name,
            )
        if videos:
            kind = "video"
        elif images:
            kind = "images"
        elif link:
            kind = "external"
        else:
            kind = None
        if link and kind in ("video", "images") and link not in text:
            # The embed slot holds the media: the link goes into the text (and gets a link facet), if it fits.
            candidate = f"{text}\n\n{link}" if text else link
            if richtext_length(candidate) <= MAX_GRAPHEMES:
                text = candidate
        return text, kind

    def _check_length(self, text: str) -> None:
        length = richtext_length(text)
        if length > MAX_GRAPHEMES:
            raise PermanentNetworkError(
                f"the text is {length} characters (graphemes) long; Bluesky takes at most {MAX_GRAPHEMES}: shorten "
                "the body or add an override for bluesky",
                network=self.name,
            )

    def _record(self, text: str, *, embed: dict | None = None, reply: dict | None = None,
                tags: list[str] | None = None) -> dict[str, Any]:
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": _iso(self.now())}
        found = richtext.build_facets(text, resolve=self.resolve_handle)
        if found:
            record["facets"] = found
        if self.langs:
            record["langs"] = self.langs
        if reply:
            record["reply"] = reply
        if embed:
            record["embed"] = embed
        clean = []
        for tag in tags or []:
            tag = str(tag).strip().lstrip("#")
            if tag and len(tag.encode()) <= richtext.TAG_MAX_BYTES and richtext_length(tag) <= richtext.TAG_MAX_GRAPHEMES:
                clean.append(tag)
        if clean:
            record["tags"] = clean[:MAX_TAGS]
        return record

    def _create(self, rkey: str, record: Mapping[str, Any]) -> dict[str, str]:
        """createRecord with our record key. A lost answer is settled at once with getRecord."""
        payload = {"repo": self.did, "collection": POST, "rkey": rkey, "record": dict(record)}
        try:
            response = self._xrpc("POST", "com.atproto.repo.createRecord", safe=False, json=payload)
            body = self._body(response, unsafe=True)
        except OutcomeUnknown as exc:
            found = self.get_record(rkey)
            if found is not None:
                return found
            raise TransientNetworkError(
                f"{exc.message}; getRecord shows record {rkey} does not exist, so nothing was posted",
                network=self.name, status=exc.status,
            ) from None
        if not body.get("uri") or not body.get("cid"):
            found = self.get_record(rkey)
            if found is None:
                raise TransientNetworkError("bluesky: createRecord answered without uri/cid and no record exists",
                                            network=self.name)
            return found
        return {"uri": str(body["uri"]), "cid": str(body["cid"])}

    def get_record(self, rkey: str) -> dict[str, str] | None:
        """com.atproto.repo.getRecord on our repository: {uri, cid} if the post exists, None if certainly not."""
        try:
            response = self._xrpc("GET", "com.atproto.repo.getRecord",
                                  params={"repo": self.did, "collection": POST, "rkey": rkey})
        except PermanentNetworkError as exc:
            if exc.status in (400, 404) and _error_name(exc) == "RecordNotFound":
                return None
            raise
        body = self._body(response)
        if not body.get("uri") or not body.get("cid"):
            raise OutcomeUnknown(f"bluesky: getRecord for {rkey} answered without uri/cid", network=self.name)
        return {"uri": str(body["uri"]), "cid": str(body["cid"])}

    def _first_comment(self, item: PublishRequest, post: Mapping[str, str]) -> dict[str, Any]:
        text = item.first_comment
        if not text:
            return {}
        rkey = tid_for(item.idempotency_key + FIRST_COMMENT_SUFFIX)
        try:
            reply = self._existing(item, "first_comment", rkey)
            if reply is None:
                self._check_length(text)
                ref = {"uri": post["uri"], "cid": post["cid"]}
                reply = self._create(rkey, self._record(text, reply={"root": ref, "parent": ref}))
                self.progress(item, "first_comment", reply)
        except NetworkError as exc:
            # The post is out: report the missing comment rather than fail (and re-post) the post.
            return {"first_comment_error": self.redact(exc.message)[:300]}
        return {"first_comment_uri": reply["uri"]}

    # --- embeds ----------------------------------------------------------------------------------

    def _embed(self, item: PublishRequest, kind: str | None) -> dict[str, Any] | None:
        if kind == "images":
            images = [m for m in item.media if m.kind == "image"]
            out = []
            for media in images:
                entry: dict[str, Any] = {"image": self._blob(item, f"blob:{media.index}", media), "alt": media.alt or ""}
                ratio = _aspect_ratio(media)
                if ratio:
                    entry["aspectRatio"] = ratio
                out.append(entry)
            return {"$type": "app.bsky.embed.images", "images": out}
        if kind == "video":
            media = next(m for m in item.media if m.kind == "video")
            embed: dict[str, Any] = {"$type": "app.bsky.embed.video", "video": self._blob(item, f"blob:{media.index}", media)}
            if media.alt:
                embed["alt"] = media.alt
            captions = self._captions(item, media)
            if captions:
                embed["captions"] = captions
            return embed
        if kind == "external":
            link = item.link or str(item.live.get("url"))
            return {"$type": "app.bsky.embed.external", "external": self._card(item, link)}
        return None

    def _blob(self, item: PublishRequest, step: str, media: MediaFile | None = None, *,
              data: bytes | None = None, mime: str | None = None) -> dict[str, Any]:
        done = self.resumed(item, step)
        if done and done.get("cid"):
            return _blob_json(done)
        if data is None:
            assert media is not None
            data = media.path.read_bytes()
            mime = mime or _mime(media.path.name)
            if media.kind == "image" and len(data) > IMAGE_MAX_BYTES:
                raise PermanentNetworkError(
                    f"{media.rel} is {len(data):,} bytes; Bluesky takes images up to {IMAGE_MAX_BYTES:,} bytes: "
                    "make it smaller", network=self.name,
                )
        blob = self.upload_blob(data, mime or "application/octet-stream")
        self.progress(item, step, {"cid": blob["ref"]["$link"], "mime": blob["mimeType"], "size": blob["size"]})
        return blob

    def upload_blob(self, data: bytes, mime: str) -> dict[str, Any]:
        # An identical upload gives the same blob (content addressed): safe to send again.
        response = self._xrpc("POST", "com.atproto.repo.uploadBlob", safe=True, content=data,
                              headers={"Content-Type": mime})
        blob = self._body(response).get("blob")
        if not isinstance(blob, dict) or not isinstance(blob.get("ref"), dict) or not blob["ref"].get("$link"):
            raise TransientNetworkError("bluesky: uploadBlob answered without a blob reference", network=self.name)
        return {"$type": "blob", "ref": {"$link": blob["ref"]["$link"]},
                "mimeType": blob.get("mimeType", mime), "size": blob.get("size", len(data))}

    def _forget_blobs(self, item: PublishRequest) -> None:
        for step in [s for s in item.resume if s.startswith(("blob:", "captions:", "thumb"))]:
            del item.resume[step]

    def _captions(self, item: PublishRequest, media: MediaFile) -> list[dict[str, Any]]:
        if media.captions is None:
            return []
        data = caption_vtt(media.captions)
        if len(data) > CAPTION_MAX_BYTES:
            raise PermanentNetworkError(
                f"{media.captions_rel or media.captions.name} is {len(data):,} bytes as WebVTT; Bluesky takes caption "
                f"files up to {CAPTION_MAX_BYTES:,} bytes", network=self.name,
            )
        blob = self._blob(item, f"captions:{media.index}", data=data, mime="text/vtt")
        return [{"lang": caption_lang(media.captions.name, self.langs), "file": blob}]

    def _card(self, item: PublishRequest, link: str) -> dict[str, Any]:
        """The link card: the page's og:title / og:description / og:image, read with the injected client.
        A page that cannot be read still gets a card, with its address as the title."""
        meta = fetch_card(self._h().client, link)
        card: dict[str, Any] = {"uri": link, "title": meta.get("title") or link,
                                "description": meta.get("description") or ""}
        done = self.resumed(item, "thumb")
        if done and done.get("cid"):
            card["thumb"] = _blob_json(done)
            return card
        image_url = meta.get("image")
        if image_url:
            thumb = fetch_thumb(self._h().client, image_url)
            if thumb is not None:
                data, mime = thumb
                card["thumb"] = self._blob(item, "thumb", data=data, mime=mime)
        return card

    # --- profile basics (socialops.profiles.sync, socialops.profiles.check) ----------------------------------
    # platform-api.md 6.5 [V]: the app.bsky.actor.profile record, rkey "self": displayName, description,
    # website, avatar and banner blobs (PNG/JPEG, at most 1,000,000 bytes). Read with getRecord, write with
    # putRecord + swapRecord (the cid read), keeping every field socialops does not manage (pronouns,
    # pinnedPost, labels, joinedViaStarterPack, createdAt, ...). Images are compared by their bytes, fetched with
    # com.atproto.sync.getBlob, never by blob reference.

    PROFILE = "app.bsky.actor.profile"
    PROFILE_FIELDS = {"display_name": "displayName", "bio": "description", "website": "website"}

    def _profile_record(self) -> tuple[dict[str, Any] | None, str | None]:
        try:
            response = self._xrpc("GET", "com.atproto.repo.getRecord",
                                  params={"repo": self.did, "collection": self.PROFILE, "rkey": "self"})
        except PermanentNetworkError as exc:
            if exc.status in (400, 404) and _error_name(exc) == "RecordNotFound":
                return None, None
            raise
        body = self._body(response)
        value = body.get("value")
        return (dict(value) if isinstance(value, dict) else {}), (str(body["cid"]) if body.get("cid") else None)

    def _blob_bytes(self, blob: Any):
        if not isinstance(blob, dict):
            return None
        ref = blob.get("ref")
        cid = ref.get("$link") if isinstance(ref, dict) else blob.get("cid")
        if not isinstance(cid, str) or not cid:
            return None
        url = f"{self.service}/xrpc/com.atproto.sync.getBlob"
        try:
            response = self._xrpc("GET", "com.atproto.sync.getBlob", auth=False, params={"did": self.did, "cid": cid})
        except NetworkError:
            return LiveImage(f"{url}?did={self.did}&cid={cid}", None)
        return LiveImage(f"{url}?did={self.did}&cid={cid}", response.content)

    def read_profile(self):
        record, cid = self._profile_record()
        record = record or {}
        values: dict[str, Any] = {
            "display_name": str(record.get("displayName") or "").strip(),
            "bio": normalise_text(str(record.get("description") or "")),
            "website": str(record.get("website") or "").strip(),
            "avatar": self._blob_bytes(record.get("avatar")),
            "cover": self._blob_bytes(record.get("banner")),
        }
        return LiveProfile(account=(self._session or {}).get("handle") or self.handle, account_id=self.did,
                           url=f"https://bsky.app/profile/{self.handle}", values=values, version=cid,
                           raw={"record": record, "exists": cid is not None})

    def update_profile(self, changes, live) -> None:
        """putRecord of the profile record with ``changes`` applied; on InvalidSwap (someone edited the profile
        meanwhile) the record is read again and the changes applied to that once more."""
        exists = bool(live.raw.get("exists")) if live is not None else False
        record = dict(live.raw.get("record") or {}) if live is not None else {}
        cid = live.version if live is not None else None
        blobs: dict[str, dict[str, Any]] = {}
        for basic, key in (("avatar", "avatar"), ("cover", "banner")):
            image = changes.get(basic)
            if image is not None:
                blobs[key] = self.upload_blob(image.data, image.mime)
        for attempt in range(2):
            new = dict(record)
            new["$type"] = self.PROFILE
            for basic, key in self.PROFILE_FIELDS.items():
                if basic in changes:
                    if changes[basic]:
                        new[key] = changes[basic]
                    else:
                        new.pop(key, None)
            new.update(blobs)
            if not exists and "createdAt" not in new:
                new["createdAt"] = _iso(self.now())
            payload = {"repo": self.did, "collection": self.PROFILE, "rkey": "self", "record": new,
                       "swapRecord": cid if exists else None}
            try:
                # putRecord with swapRecord only succeeds against the record we read: safe to repeat.
                self._xrpc("POST", "com.atproto.repo.putRecord", safe=True, json=payload)
                return
            except PermanentNetworkError as exc:
                if attempt == 0 and _error_name(exc) == "InvalidSwap":
                    fresh, cid = self._profile_record()
                    exists = cid is not None
                    record = fresh or {}
                    continue
                raise

    def check_access(self):
        report = AccessReport()
        self._access()  # createSession with the app password: the token works
        report.token_ok = True
        session = self._session or {}
        handle = str(session.get("handle") or "")
        report.account_seen = f"@{handle} ({session.get('did', '')})"
        report.account_ok = account_name(handle) == account_name(self.profile.account)
        if not report.account_ok:
            report.problems.append(
                f"the session is for @{handle}, but the profile names '{self.profile.account}': correct 'account:' "
                f"or store the app password of the right account in {self.profile.token_env}")
        status = self._body(self._xrpc("GET", "com.atproto.server.getSession"))
        if status.get("active") is False:
            report.account_ok = False
            report.problems.append(f"the account is not active ({status.get('status') or 'deactivated'}): "
                                   "reactivate it in the Bluesky app")
        scope = _jwt_scope(self._session["accessJwt"]) if self._session else None
        if scope == "com.atproto.access":
            report.problems.append(
                f"the secret {self.profile.token_env} holds the account's main password: create an app password "
                "(Settings > Privacy and security > App passwords) and store that instead, so it can be revoked "
                "on its own")
        elif scope and scope.startswith("com.atproto.appPass"):
            report.notes.append("an app password" + (" with access to direct messages"
                                                     if scope == "com.atproto.appPassPrivileged" else ""))
        detail = "an app password may write records (posts, threadgates, blocks, the profile) and read"
        report.capabilities = [Capability(name, OK, detail) for name in ("publishing", "metrics", "moderation",
                                                                         "profile")]
        return report

    # --- reconciliation --------------------------------------------------------------------------

    # --- metrics (this network's metrics.py) ---------------------------------------------------------------

    def metrics_prepare(self) -> None:
        """The session (createSession once) whose access token the concurrent metrics calls carry."""
        self._access()

    def metrics_calls(self, publications: list[Any], *, now: dt.datetime) -> list[Any]:
        return bluesky_calls(publications, service=self.service, actor=self.did,
                             headers={"Authorization": f"Bearer {self._access()}"})

    def metrics_error(self, response: Any) -> Exception | None:
        return self._h().classify(response, safe=True)[0]

    def reconcile(self, claim: Claim) -> PublishResult | None:
        """getRecord on the record key derived from the claim's key: the post exists or it certainly does not."""
        rkey = tid_for(claim.idempotency_key)
        done = claim.progress.get("post") or {}
        found = {"uri": done["uri"], "cid": done["cid"]} if done.get("uri") and done.get("cid") else self.get_record(rkey)
        if found is None:
            return None
        extra: dict[str, Any] = {"cid": found["cid"], "rkey": rkey, "reconciled": "getRecord"}
        request = claim.resumed_request()
        if request is not None and request.first_comment:
            # The run may have stopped between the post and its first comment: finish the comment. Its record
            # key is fixed too, so this cannot make a second one.
            request.resume = {**claim.progress, **request.resume, "post": found}
            self._resuming = True
            extra.update(self._first_comment(request, found))
        elif claim.progress.get("first_comment", {}).get("uri"):
            extra["first_comment_uri"] = claim.progress["first_comment"]["uri"]
        return PublishResult(remote_id=found["uri"], url=self.web_url(rkey), extra=extra)


    # --- comments and moderation ---------------------------------------------------------------------
    #
    # Replies come from app.bsky.feed.getPostThread (an AppView method, proxied by the PDS). Hiding is the
    # post's threadgate record (rkey = the post's rkey) listing the reply in hiddenReplies; blocking is an
    # app.bsky.graph.block record (public) written with putRecord at a record key derived from the DID, so
    # doing it twice changes nothing. Bluesky cannot delete someone else's reply.

    THREADGATE = "app.bsky.feed.threadgate"
    BLOCK = "app.bsky.graph.block"
    MAX_HIDDEN_REPLIES = 300

    @staticmethod
    def _rkey(uri: str) -> str:
        return uri.rstrip("/").rsplit("/", 1)[-1]

    def _get_value(self, collection: str, rkey: str) -> dict[str, Any] | None:
        """getRecord on our repository: {"uri", "cid", "value"}, or None when the record does not exist."""
        try:
            response = self._xrpc("GET", "com.atproto.repo.getRecord",
                                  params={"repo": self.did, "collection": collection, "rkey": rkey})
        except PermanentNetworkError as exc:
            if exc.status in (400, 404) and _error_name(exc) == "RecordNotFound":
                return None
            raise
        return self._body(response)

    def _put(self, collection: str, rkey: str, record: Mapping[str, Any], swap: str | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"repo": self.did, "collection": collection, "rkey": rkey, "record": dict(record)}
        if swap:
            payload["swapRecord"] = swap
        # putRecord at a known key is idempotent: the same record again changes nothing.
        return self._body(self._xrpc("POST", "com.atproto.repo.putRecord", safe=True, json=payload))

    def list_comments(self, remote_id, *, since=None):
        response = self._xrpc("GET", "app.bsky.feed.getPostThread",
                              params={"uri": remote_id, "depth": 100, "parentHeight": 0})
        body = self._body(response)
        thread = body.get("thread") if isinstance(body.get("thread"), dict) else {}
        root = thread.get("post") if isinstance(thread.get("post"), dict) else {}
        root_ref = {"uri": str(root.get("uri") or remote_id), "cid": str(root.get("cid") or "")}
        hidden = set(self._hidden_replies(remote_id))
        out: list[Comment] = []

        def walk(node: Mapping[str, Any], parent: str | None, top: str | None) -> None:
            for child in node.get("replies") or []:
                if not isinstance(child, dict) or not isinstance(child.get("post"), dict):
                    continue  # notFoundPost, blockedPost
                post = child["post"]
                uri = str(post.get("uri") or "")
                record = post.get("record") if isinstance(post.get("record"), dict) else {}
                author = post.get("author") if isinstance(post.get("author"), dict) else {}
                if not uri:
                    continue
                when = _parse_time(record.get("createdAt")) or _parse_time(post.get("indexedAt"))
                handle = str(author.get("handle") or "")
                out.append(Comment(
                    id=uri, post_remote_id=remote_id, text=str(record.get("text") or ""),
                    author_id=str(author.get("did") or ""), author_handle=handle,
                    author_name=str(author.get("displayName") or ""), created_at=when,
                    url=f"https://bsky.app/profile/{handle or author.get('did')}/post/{self._rkey(uri)}",
                    parent_id=parent, thread_id=top or uri, hidden=uri in hidden,
                    own=str(author.get("did") or "") == self.did,
                    ref={"uri": uri, "cid": str(post.get("cid") or ""), "root_uri": root_ref["uri"],
                         "root_cid": root_ref["cid"]},
                ))
                walk(child, uri, top or uri)

        walk(thread, None, None)
        out.sort(key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))
        return [c for c in out if since is None or c.created_at is None or c.created_at >= since]

    def _hidden_replies(self, post_uri: str) -> list[str]:
        gate = self._get_value(self.THREADGATE, self._rkey(post_uri))
        value = gate.get("value") if gate and isinstance(gate.get("value"), dict) else {}
        return [str(u) for u in value.get("hiddenReplies") or [] if isinstance(u, str)]

    def reply_to_comment(self, comment, text, *, key):
        self._check_length(text)
        root = {"uri": comment.ref.get("root_uri") or comment.post_remote_id, "cid": comment.ref.get("root_cid", "")}
        parent = {"uri": comment.ref.get("uri") or comment.id, "cid": comment.ref.get("cid", "")}
        if not root["cid"] or not parent["cid"]:
            raise PermanentNetworkError("bluesky: the comment's record references (cid) are missing; answer in the "
                                        "app", network=self.name)
        reply = self._create(tid_for(key), self._record(text, reply={"root": root, "parent": parent}))
        return reply["uri"]

    def hide_comment(self, comment, *, hidden=True):
        post_uri = comment.ref.get("root_uri") or comment.post_remote_id
        rkey = self._rkey(post_uri)
        target = comment.ref.get("uri") or comment.id
        gate = self._get_value(self.THREADGATE, rkey)
        value = dict(gate["value"]) if gate and isinstance(gate.get("value"), dict) else {
            "$type": self.THREADGATE, "post": post_uri, "createdAt": _iso(self.now())}
        current = [str(u) for u in value.get("hiddenReplies") or [] if isinstance(u, str)]
        if hidden and target not in current:
            if len(current) >= self.MAX_HIDDEN_REPLIES:
                raise PermanentNetworkError(f"bluesky: the thread already hides {len(current)} replies, the most a "
                                            "threadgate holds; block the author instead", network=self.name)
            current.append(target)
        elif not hidden and target in current:
            current.remove(target)
        else:
            return  # already as asked
        value["hiddenReplies"] = current
        self._put(self.THREADGATE, rkey, value, swap=str(gate.get("cid")) if gate and gate.get("cid") else None)

    def block_author(self, comment):
        did = comment.author_id
        if not did.startswith("did:"):
            raise PermanentNetworkError("bluesky: the comment's author has no DID to block", network=self.name)
        rkey = tid_for(f"block:{did}")
        if self._get_value(self.BLOCK, rkey) is not None:
            return
        self._put(self.BLOCK, rkey, {"$type": self.BLOCK, "subject": did, "createdAt": _iso(self.now())})

    def is_blocking(self, did: str) -> bool:
        return self._get_value(self.BLOCK, tid_for(f"block:{did}")) is not None


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)

# --- helpers -------------------------------------------------------------------------------------------


def richtext_length(text: str) -> int:
    return len(regex.findall(r"\X", text))


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _mime(name: str) -> str:
    guessed = mimetypes.guess_type(name)[0]
    if name.lower().endswith(".webp"):
        return "image/webp"
    return guessed or "application/octet-stream"


def _blob_json(done: Mapping[str, Any]) -> dict[str, Any]:
    return {"$type": "blob", "ref": {"$link": str(done["cid"])}, "mimeType": str(done.get("mime") or ""),
            "size": int(done.get("size") or 0)}


def _aspect_ratio(media: MediaFile) -> dict[str, int] | None:
    try:
        from PIL import Image

        with Image.open(media.path) as image:
            width, height = image.size
            orientation = image.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - the aspect ratio is optional
        return None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return {"width": width, "height": height} if width > 0 and height > 0 else None


def caption_vtt(path) -> bytes:
    """The subtitle file as WebVTT bytes: .vtt as it is, .srt converted (webvtt-py)."""
    if path.suffix.lower() == ".srt":
        import webvtt

        return webvtt.from_srt(str(path)).content.encode("utf-8")
    return path.read_bytes()


def caption_lang(name: str, langs: list[str]) -> str:
    """The language of a caption track: from a file name like ``clip.fi.vtt``, else the profile's first
    language, else ``und`` (undetermined)."""
    parts = name.split(".")
    if len(parts) >= 3 and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?", parts[-2]):
        return parts[-2]
    return langs[0] if langs else "und"


class _OpenGraph(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key and "content" in values and key not in self.meta:
                self.meta[key] = values["content"].strip()
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def fetch_card(client: httpx.Client, url: str) -> dict[str, str]:
    """og:title, og:description and og:image (absolute) of the page at ``url``; {} when it cannot be read."""
    import httpx

    try:
        with client.stream("GET", url, timeout=CARD_TIMEOUT, follow_redirects=True,
                           headers={"Accept": "text/html,application/xhtml+xml"}) as response:
            if response.status_code != 200:
                return {}
            kind = response.headers.get("Content-Type", "")
            if kind and "html" not in kind.lower():
                return {}
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= PAGE_MAX_BYTES:
                    break
            base = str(response.url)
            encoding = response.encoding or "utf-8"
    except (httpx.HTTPError, ValueError):
        return {}
    try:
        page = b"".join(chunks)[:PAGE_MAX_BYTES].decode(encoding, errors="replace")
    except LookupError:
        page = b"".join(chunks)[:PAGE_MAX_BYTES].decode("utf-8", errors="replace")
    parser = _OpenGraph()
    try:
        parser.feed(page)
    except Exception:  # noqa: BLE001 - broken HTML gives what was read so far
        pass
    meta = parser.meta
    out = {
        "title": meta.get("og:title") or meta.get("twitter:title") or " ".join(parser.title.split()),
        "description": meta.get("og:description") or meta.get("twitter:description") or meta.get("description", ""),
    }
    image = meta.get("og:image") or meta.get("og:image:url") or meta.get("twitter:image")
    if image:
        out["image"] = urljoin(base, image)
    return {k: v for k, v in out.items() if v}


def fetch_thumb(client: httpx.Client, url: str) -> tuple[bytes, str] | None:
    """The card image, at most 1 MB (larger ones are scaled down to a JPEG); None when unusable."""
    import httpx

    try:
        response = client.get(url, timeout=CARD_TIMEOUT, follow_redirects=True)
    except httpx.HTTPError:
        return None
    if response.status_code != 200 or len(response.content) > IMAGE_FETCH_MAX_BYTES:
        return None
    data = response.content
    mime = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not mime.startswith("image/"):
        mime = _mime(url.split("?")[0])
        if not mime.startswith("image/"):
            return None
    if len(data) <= THUMB_MAX_BYTES:
        return data, mime
    return _shrink(data)


def _shrink(data: bytes) -> tuple[bytes, str] | None:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            image = image.convert("RGB")
            for side, quality in ((1200, 85), (1000, 80), (800, 75), (600, 70)):
                copy = image.copy()
                copy.thumbnail((side, side))
                out = io.BytesIO()
                copy.save(out, "JPEG", quality=quality)
                if out.tell() <= THUMB_MAX_BYTES:
                    return out.getvalue(), "image/jpeg"
    except Exception:  # noqa: BLE001 - no thumb rather than no post
        return None
    return None


def _jwt_scope(token: str) -> str | None:
    """The ``scope`` claim of a session's access JWT (read, not verified: it only says what kind of password
    made the session -- com.atproto.appPass, com.atproto.appPassPrivileged or com.atproto.access)."""

    try:
        part = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        return None
    scope = claims.get("scope") if isinstance(claims, dict) else None
    return scope if isinstance(scope, str) else None
