"""Bluesky (AT Protocol): posts are records in the account's repository on its PDS.

Reference: ../shared/reference/platform-api.md section 6 (atproto lexicons and PDS code, [V]).
Checked against a real PDS (@atproto/dev-env): see tests/test_realserver_bluesky.py.

The session and the records are in client.py, media and link cards in media.py, the profile in profile.py.

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
   the post's ``tags`` (the team's own) are never published; ``createdAt`` is the real time, also in a
   ``--now`` run. Recorded as ``progress "post"``;
3. the first comment: a reply record (``reply.root`` = ``reply.parent`` = the post) with the record key
   derived from ``<key>:first_comment``.

Exactly once: a second createRecord with the same record key cannot make a second post (the real PDS
answers 500 InternalServerError, seen in tests). Whenever the answer to createRecord is lost, and in
:meth:`BlueskyNetwork.reconcile`, ``com.atproto.repo.getRecord`` on that key tells for certain whether
the post exists.

Not done: the video service (video.bsky.app uploadVideo + job polling) -- the video blob goes through
the PDS's uploadBlob, which Bluesky documents as working, with the post visible before the video is
processed; and Bluesky has no scheduling, stories, reels or live broadcasts (a live post is its
announcement).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from socialops.core.times import parse_utc
from socialops.errors import NetworkError, PermanentNetworkError, TransientNetworkError
from socialops.networks.bluesky.client import (
    MAX_GRAPHEMES,
    error_name,
    richtext_length,
    tid_for,
)
from socialops.networks.bluesky.inbox import BlueskyInbox
from socialops.networks.bluesky.media import (
    aspect_ratio,
    blob_json,
    caption_lang,
    caption_vtt,
    fetch_card,
    fetch_thumb,
    guess_mime,
)
from socialops.networks.bluesky.metrics import bluesky_calls
from socialops.networks.bluesky.profile import BlueskyProfile
from socialops.networks.bluesky.spec import IMAGE_MAX_BYTES, VIDEO_ALT_GRAPHEMES, VIDEO_MAX_BYTES
from socialops.networks.contract import Comments, Metrics, Publishing
from socialops.networks.types import Claim, Comment, MediaFile, PublishRequest, PublishResult

MAX_IMAGES = 4
CAPTION_MAX_BYTES = 20_000
FIRST_COMMENT_SUFFIX = ":first_comment"


class BlueskyNetwork(BlueskyProfile, BlueskyInbox, Publishing, Comments, Metrics):

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
                record = self._record(text, embed=embed)
                try:
                    post = self._create(rkey, record)
                    break
                except PermanentNetworkError as exc:
                    if attempt == 0 and error_name(exc) == "BlobNotFound":
                        self._forget_blobs(item)  # collected by the PDS meanwhile: upload again
                        continue
                    raise
            assert post is not None
            self.progress(item, "post", {"uri": post["uri"], "cid": post["cid"]})
        extra: dict[str, Any] = {"cid": post["cid"], "rkey": rkey}
        extra.update(self._first_comment(item, post))
        return PublishResult(remote_id=post["uri"], url=self.web_url(rkey), published_at=self.now(), extra=extra)

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
                ratio = aspect_ratio(media)
                if ratio:
                    entry["aspectRatio"] = ratio
                out.append(entry)
            return {"$type": "app.bsky.embed.images", "images": out}
        if kind == "video":
            media = next(m for m in item.media if m.kind == "video")
            self._check_video(media)
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
            return blob_json(done)
        if data is None:
            assert media is not None
            data = media.path.read_bytes()
            mime = mime or guess_mime(media.path.name)
            if media.kind == "image" and len(data) > IMAGE_MAX_BYTES:
                raise PermanentNetworkError(
                    f"{media.rel} is {len(data):,} bytes; Bluesky takes images up to {IMAGE_MAX_BYTES:,} bytes: "
                    "make it smaller", network=self.name,
                )
        blob = self.upload_blob(data, mime or "application/octet-stream")
        self.progress(item, step, {"cid": blob["ref"]["$link"], "mime": blob["mimeType"], "size": blob["size"]})
        return blob

    def _check_video(self, media: MediaFile) -> None:
        """The lexicon's limits for a video embed, before anything is uploaded."""
        alt = richtext_length(media.alt or "")
        if alt > VIDEO_ALT_GRAPHEMES:
            raise PermanentNetworkError(
                f"the alt text of {media.rel} is {alt} characters (graphemes); Bluesky takes at most "
                f"{VIDEO_ALT_GRAPHEMES:,} for a video: shorten it", network=self.name)
        size = media.path.stat().st_size
        if size > VIDEO_MAX_BYTES:
            raise PermanentNetworkError(
                f"{media.rel} is {size:,} bytes; Bluesky takes videos up to {VIDEO_MAX_BYTES:,} bytes: make it "
                "smaller", network=self.name)

    def upload_blob(self, data: bytes, mime: str) -> dict[str, Any]:
        # An identical upload gives the same blob (content addressed): safe to send again.
        try:
            response = self._xrpc("POST", "com.atproto.repo.uploadBlob", safe=True, content=data,
                                  headers={"Content-Type": mime})
        except PermanentNetworkError as exc:
            if exc.status != 413:
                raise
            # The PDS's own blob limit (PDS_BLOB_UPLOAD_LIMIT; 5 MB unless its operator raised it): it does
            # not announce it, so its refusal is the only word on it.
            raise PermanentNetworkError(
                f"the PDS at {self.service} refused the {len(data):,}-byte file as larger than its upload limit "
                "(a self-hosted PDS sets it with PDS_BLOB_UPLOAD_LIMIT): make the file smaller or ask its "
                "operator", network=self.name, status=413) from None
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
            card["thumb"] = blob_json(done)
            return card
        image_url = meta.get("image")
        if image_url:
            thumb = fetch_thumb(self._h().client, image_url)
            if thumb is not None:
                data, mime = thumb
                card["thumb"] = self._blob(item, "thumb", data=data, mime=mime)
        return card

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

    def list_comments(self, remote_id, *, since=None):
        try:
            response = self._xrpc("GET", "app.bsky.feed.getPostThread",
                                  params={"uri": remote_id, "depth": 100, "parentHeight": 0})
        except PermanentNetworkError as exc:
            # NotFound: deleted, or not yet seen by the AppView. The repository tells which; only a post gone
            # from it is reported gone (the caller then marks it deleted).
            if error_name(exc) == "NotFound" and self.get_record(self._rkey(remote_id)) is not None:
                return []
            raise
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
                when = parse_utc(record.get("createdAt")) or parse_utc(post.get("indexedAt"))
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
        if comment.ref.get("kind") == "message":  # a direct message is answered in its conversation
            return self.send_message(comment, text)
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
            "$type": self.THREADGATE, "post": post_uri, "createdAt": self.record_time()}
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
        self._put(self.BLOCK, rkey, {"$type": self.BLOCK, "subject": did, "createdAt": self.record_time()})

    def is_blocking(self, did: str) -> bool:
        return self._get_value(self.BLOCK, tid_for(f"block:{did}")) is not None
