"""Mastodon: statuses with media over the REST API of the profile's instance.

Reference: ../shared/reference/platform-api.md section 5 (docs.joinmastodon.org, [V]).

Publishing one post:

1. every media file: ``POST /api/v2/media`` (multipart ``file``, ``description`` = alt text). Images
   answer 200 (processed); video, gifv and audio answer **202** with ``url: null`` and are polled with
   ``GET /api/v1/media/:id`` (206 while processing, 200 when done, 422 when processing failed) --
   attaching unprocessed media is refused with 422. Each media id is recorded (``progress
   "media:<i>"``) right after the upload, so a crashed run reuses it instead of uploading again;
2. ``POST /api/v1/statuses`` with ``status``, ``media_ids[]``, ``visibility``, ``language`` and the header
   ``Idempotency-Key: <the claim's key>``: the same key within an hour returns the status already
   made instead of a second one. Recorded as ``progress "status"``;
3. the first comment, if any: a reply to that status (``in_reply_to_id``) with its own key
   (``<key>:first_comment``), recorded as ``progress "first_comment"``.

Links go in the text (the instance fetches the preview card itself); URLs count as 23 characters
(render.py). Live posts are announcements (Mastodon has no broadcasts).

Native scheduling (``networks.scheduling``): a post is handed over ahead of its time with ``scheduled_at``
(at least 5 minutes ahead, documented; the instance answers with a ScheduledStatus), moved with
``PUT /api/v1/scheduled_statuses/:id``, withdrawn with ``DELETE``; ``GET /api/v1/scheduled_statuses`` shows
what is still waiting, and once an item has left it the status is found among the account's statuses by its
text. The first comment goes out when the status is found (a reply needs the status).

Reconciling a claim whose answer was lost: the status id recorded in the ledger if any; else, within
the key's hour, the same request is sent again with the same Idempotency-Key (Mastodon answers with
the original status, or makes it now -- exactly once either way); after the hour, the account's
recent statuses are listed and matched on text.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
from collections.abc import Mapping
from typing import Any

from socialops.core.times import format_utc, parse_utc
from socialops.errors import (
    NetworkError,
    OutcomeUnknown,
    PermanentNetworkError,
    RateLimited,
    TransientNetworkError,
)
from socialops.networks.contract import Comments, Metrics, Publishing
from socialops.networks.mastodon.client import html_to_text
from socialops.networks.mastodon.inbox import MastodonInbox, next_max_id
from socialops.networks.mastodon.metrics import mastodon_calls
from socialops.networks.mastodon.profile import MastodonProfile
from socialops.networks.scheduling import NativeScheduling, Scheduled
from socialops.networks.types import Claim, Comment, MediaFile, PublishRequest, PublishResult, thread_root

IDEMPOTENCY_TTL = dt.timedelta(hours=1)
# Re-send with the key only while it is surely still stored: leave a margin for clock skew.
IDEMPOTENCY_SAFE_AGE = dt.timedelta(minutes=50)
MEDIA_POLL_FIRST = 1.0
MEDIA_POLL_MAX_INTERVAL = 5.0
MEDIA_POLL_TIMEOUT = 300.0  # seconds of processing to wait for before giving up (the next run resumes)
RECONCILE_PAGES = 5  # pages of 40 statuses to search when matching by text
RECONCILE_SLACK = dt.timedelta(minutes=10)  # clock skew between our claim time and the server's created_at
FIRST_COMMENT_SUFFIX = ":first_comment"


class MastodonNetwork(MastodonProfile, MastodonInbox, Publishing, NativeScheduling, Comments, Metrics):
    """Statuses with media, their reconciliation by Idempotency-Key or by listing, native scheduling, metrics,
    and replies."""

    # scheduled_at must be at least 5 minutes ahead (documented): a margin for a slow run; the instance keeps
    # at most 300 scheduled statuses, 50 a day (PR mastodon/mastodon#9706), far more than a plan hands over.
    handover_window = (dt.timedelta(minutes=10), dt.timedelta(days=28))

    # --- publishing ------------------------------------------------------------------------------

    def publish(self, item: PublishRequest) -> PublishResult:
        if item.type not in self.spec.types:
            raise PermanentNetworkError(
                f"Mastodon cannot publish a {item.type} post (it takes: {', '.join(sorted(self.spec.types))})",
                network=self.name,
            )
        media_ids = [self._upload(item, media) for media in item.media]
        status = self._resumed_status(item)
        if status is None:
            status = self._create_status(item, self._status_params(item, media_ids), item.idempotency_key)
            self.progress(item, "status", {"id": str(status["id"]), "url": str(status.get("url") or "")})
        extra = self._first_comment(item, str(status["id"]))
        return self._result(status, extra)

    def _status_text(self, item: PublishRequest) -> str:
        text = item.text
        live_url = item.live.get("url") if item.type == "live" and item.live else None
        if isinstance(live_url, str) and live_url and live_url not in text:
            text = f"{text}\n\n{live_url}" if text else live_url
        return text

    def _status_params(self, item: PublishRequest, media_ids: list[str]) -> dict[str, Any]:
        params: dict[str, Any] = {"status": self._status_text(item), "visibility": self.visibility}
        if media_ids:
            params["media_ids"] = media_ids
        if self.language:
            params["language"] = self.language
        return params

    def _resumed_status(self, item: PublishRequest) -> dict[str, Any] | None:
        done = self.resumed(item, "status")
        if done and done.get("id"):
            return {"id": done["id"], "url": done.get("url") or None}
        return None

    def _create_status(self, item: PublishRequest, params: Mapping[str, Any], key: str) -> dict[str, Any]:
        """POST /api/v1/statuses with the Idempotency-Key: safe to repeat while the key is stored, so the
        shared helper retries 5xx and timeouts; if every try fails the post may exist: OutcomeUnknown."""
        for attempt in range(2):
            try:
                response = self._call("POST", "/api/v1/statuses", safe=True, idempotency_key=key, json=dict(params))
            except RateLimited:
                raise  # 429: refused before anything was made
            except PermanentNetworkError as exc:
                if attempt == 0 and exc.status == 422 and "processing" in str(exc).lower():
                    # "Cannot attach files that have not finished processing": wait for them once more.
                    for media_id in params.get("media_ids", []):
                        self._wait_processed(str(media_id))
                    continue
                raise
            except TransientNetworkError as exc:
                raise OutcomeUnknown(
                    f"{exc.message}; the status may have been created (Idempotency-Key {key!r} makes a retry "
                    "within an hour safe)", network=self.name, status=exc.status,
                ) from None
            status = self._json(response, unsafe=True)
            if not isinstance(status, dict) or not status.get("id"):
                raise OutcomeUnknown("mastodon: POST /api/v1/statuses answered without a status id",
                                     network=self.name, status=response.status_code)
            return status
        raise AssertionError("unreachable")  # pragma: no cover

    def _first_comment(self, item: PublishRequest, status_id: str) -> dict[str, Any]:
        text = item.first_comment
        if not text:
            return {}
        done = self.resumed(item, "first_comment")
        if done and done.get("id"):
            return {"first_comment_id": done["id"]}
        params: dict[str, Any] = {"status": text, "in_reply_to_id": status_id, "visibility": self.visibility}
        if self.language:
            params["language"] = self.language
        try:
            reply = self._create_status(item, params, item.idempotency_key + FIRST_COMMENT_SUFFIX)
        except NetworkError as exc:
            # The post itself is out: report the missing comment instead of failing (and re-posting) the post.
            return {"first_comment_error": self.redact(exc.message)[:300]}
        self.progress(item, "first_comment", {"id": str(reply["id"])})
        return {"first_comment_id": str(reply["id"])}

    def _result(self, status: Mapping[str, Any], extra: Mapping[str, Any]) -> PublishResult:
        published_at = parse_utc(status.get("created_at"))
        return PublishResult(
            remote_id=str(status["id"]),
            url=str(status.get("url") or status.get("uri") or "") or None,
            published_at=published_at,
            extra=dict(extra),
        )

    # --- native scheduling -------------------------------------------------------------------------

    def hand_over(self, item: PublishRequest, at: dt.datetime) -> Scheduled | PublishResult:
        media_ids = [self._upload(item, media) for media in item.media]
        done = self.resumed(item, "scheduled")
        if done and done.get("id"):
            return Scheduled(str(done["id"]), at)
        params = {**self._status_params(item, media_ids), "scheduled_at": format_utc(at)}
        body = self._create_status(item, params, item.idempotency_key)
        if not body.get("scheduled_at"):  # too close: the instance published it at once
            self.progress(item, "status", {"id": str(body["id"]), "url": str(body.get("url") or "")})
            return self._result(body, self._first_comment(item, str(body["id"])))
        scheduled = Scheduled(str(body["id"]), parse_utc(body["scheduled_at"]) or at)
        self.progress(item, "scheduled", {"id": scheduled.id})
        return scheduled

    def reschedule(self, scheduled: Scheduled, at: dt.datetime) -> Scheduled:
        body = self._json(self._call("PUT", f"/api/v1/scheduled_statuses/{scheduled.id}", safe=True,
                                     json={"scheduled_at": format_utc(at)}))
        return Scheduled(scheduled.id, parse_utc((body or {}).get("scheduled_at")) or at)

    def cancel_handover(self, scheduled: Scheduled) -> None:
        try:
            self._call("DELETE", f"/api/v1/scheduled_statuses/{scheduled.id}", safe=True)
        except PermanentNetworkError as exc:
            if exc.status != 404:
                raise

    def handover_outcome(self, scheduled: Scheduled, request: PublishRequest | None) -> Scheduled | PublishResult | None:
        waiting = self._scheduled_statuses()
        if scheduled.id in waiting:
            return Scheduled(scheduled.id, parse_utc(waiting[scheduled.id].get("scheduled_at")) or scheduled.at)
        if request is None:
            raise OutcomeUnknown("mastodon: the scheduled status has left the schedule, and the post file is gone, "
                                 "so there is no text to find it by", network=self.name)
        claim = Claim(post_id=request.post_id, profile_id=request.profile_id, idempotency_key=request.idempotency_key,
                      claimed_at=scheduled.at, request=request)
        found = self._reconcile_by_listing(claim, request)
        if found is not None:  # what a later retry of its first comment starts from
            self.progress(request, "status", {"id": found.remote_id, "url": found.url or ""})
        return found

    def find_handover(self, claim: Claim, at: dt.datetime) -> Scheduled | PublishResult | None:
        done = claim.progress.get("scheduled")
        if done and done.get("id"):
            return Scheduled(str(done["id"]), at)
        request = claim.resumed_request()
        if request is None:
            raise OutcomeUnknown(f"mastodon: cannot tell whether post '{claim.post_id}' was handed over: the post "
                                 "file is gone, so there is no text to match", network=self.name)
        wanted = _normalise(self._status_text(request))
        for sid, item in self._scheduled_statuses().items():
            params = item.get("params") if isinstance(item.get("params"), dict) else {}
            if _normalise(str(params.get("text") or params.get("status") or "")) == wanted:
                return Scheduled(sid, parse_utc(item.get("scheduled_at")) or at)
        if at <= self.now():  # it may have gone out already
            return self._reconcile_by_listing(claim, request)
        return None

    def _scheduled_statuses(self) -> dict[str, dict[str, Any]]:
        """The account's scheduled statuses still waiting, by id."""
        body = self._json(self._call("GET", "/api/v1/scheduled_statuses", params={"limit": 40}))
        if not isinstance(body, list):
            raise TransientNetworkError("mastodon: GET /api/v1/scheduled_statuses did not answer with a list",
                                        network=self.name)
        return {str(item["id"]): item for item in body if isinstance(item, dict) and item.get("id")}

    # --- media -----------------------------------------------------------------------------------

    def _upload(self, item: PublishRequest, media: MediaFile) -> str:
        step = f"media:{media.index}"
        done = self.resumed(item, step)
        if done and done.get("id"):
            media_id = str(done["id"])
            if self._wait_processed(media_id, missing_ok=True):
                return media_id
            # unattached media is removed by the instance after about a day: upload again
        mime = mimetypes.guess_type(media.path.name)[0] or "application/octet-stream"
        data = {"description": media.alt} if media.alt else {}
        with media.path.open("rb") as handle:
            # A duplicate upload only leaves an unattached file that the instance cleans up: safe to retry.
            response = self._call("POST", "/api/v2/media", safe=True, files={"file": (media.path.name, handle, mime)},
                                  data=data)
        body = self._json(response)
        if not isinstance(body, dict) or not body.get("id"):
            raise TransientNetworkError("mastodon: POST /api/v2/media answered without a media id",
                                        network=self.name, status=response.status_code)
        media_id = str(body["id"])
        self.progress(item, step, {"id": media_id})
        if response.status_code == 202 or body.get("url") is None:
            self._wait_processed(media_id)
        return media_id

    def _wait_processed(self, media_id: str, *, missing_ok: bool = False) -> bool:
        """Poll GET /api/v1/media/:id until it answers 200 (206 = still processing)."""
        waited = 0.0
        interval = MEDIA_POLL_FIRST
        while True:
            try:
                response = self._call("GET", f"/api/v1/media/{media_id}")
            except PermanentNetworkError as exc:
                if exc.status == 404 and missing_ok:
                    return False
                if exc.status == 422:
                    raise PermanentNetworkError(
                        f"Mastodon could not process the media file (id {media_id}): {exc.message}",
                        network=self.name, status=422,
                    ) from None
                raise
            if response.status_code == 200:
                body = self._json(response)
                if isinstance(body, dict) and body.get("url") is not None:
                    return True
            if waited >= MEDIA_POLL_TIMEOUT:
                raise TransientNetworkError(
                    f"mastodon: media {media_id} was still processing after {waited:.0f} s; the next run goes on "
                    "from the uploaded file", network=self.name,
                )
            self.sleep(interval)
            waited += interval
            interval = min(MEDIA_POLL_MAX_INTERVAL, interval * 2)

    # --- metrics (this network's metrics.py) ---------------------------------------------------------------

    def metrics_calls(self, publications: list[Any], *, now: dt.datetime) -> list[Any]:
        return mastodon_calls(publications, base=self.base_url, headers=self._headers())

    def reconcile(self, claim: Claim) -> PublishResult | None:
        done = claim.progress.get("status")
        if done and done.get("id"):
            first = claim.progress.get("first_comment") or {}
            if first.get("id"):
                extra: dict[str, Any] = {"first_comment_id": first["id"]}
            else:
                extra = self._finish_first_comment(claim, str(done["id"]))
            return PublishResult(remote_id=str(done["id"]), url=done.get("url") or None, extra=extra)
        request = claim.resumed_request()
        if request is not None and request.media:
            # Media come before the status: if any upload was never recorded, the status was never sent.
            if any(not (claim.progress.get(f"media:{m.index}") or {}).get("id") for m in request.media):
                return None
        age = self.now() - claim.claimed_at
        if request is not None and age < IDEMPOTENCY_SAFE_AGE:
            return self._reconcile_by_key(claim, request)
        return self._reconcile_by_listing(claim, request)

    def _finish_first_comment(self, claim: Claim, status_id: str) -> dict[str, Any]:
        """The post is out but the run may have stopped before its first comment: find the comment among the
        status's replies, or post it now (with its own Idempotency-Key)."""
        request = claim.resumed_request()
        if request is None or not request.first_comment:
            return {}
        me = self._json(self._call("GET", "/api/v1/accounts/verify_credentials"))
        context = self._json(self._call("GET", f"/api/v1/statuses/{status_id}/context"))
        wanted = _normalise(request.first_comment)
        for reply in (context or {}).get("descendants", []) if isinstance(context, dict) else []:
            if (str(reply.get("in_reply_to_id")) == status_id
                    and str((reply.get("account") or {}).get("id")) == str(me.get("id"))
                    and _normalise(html_to_text(reply.get("content") or "")) == wanted):
                self.progress(request, "first_comment", {"id": str(reply["id"])})
                return {"first_comment_id": str(reply["id"])}
        request.resume = {**claim.progress, **request.resume}
        return self._first_comment(request, status_id)

    def _reconcile_by_key(self, claim: Claim, request: PublishRequest) -> PublishResult:
        """Send the same status with the same Idempotency-Key: the original if it was made, else made now. A
        re-send whose answer is lost again settles nothing yet: the key still can, on the next run."""
        request.resume = {**claim.progress, **request.resume}
        try:
            return self.publish(request)
        except OutcomeUnknown as exc:
            raise TransientNetworkError(f"{exc.message}; the next run sends it again with the same key",
                                        network=self.name, status=exc.status) from None

    def _reconcile_by_listing(self, claim: Claim, request: PublishRequest | None) -> PublishResult | None:
        if request is None:
            raise OutcomeUnknown(
                f"mastodon: cannot tell whether post '{claim.post_id}' went out to '{claim.profile_id}': the "
                "Idempotency-Key has expired and the post file is gone, so there is no text to match",
                network=self.name,
            )
        wanted = _normalise(self._status_text(request))
        me = self._json(self._call("GET", "/api/v1/accounts/verify_credentials"))
        account_id = str(me["id"])
        params: dict[str, Any] = {"limit": 40, "exclude_reblogs": "true"}
        since = claim.claimed_at - RECONCILE_SLACK
        for _ in range(RECONCILE_PAGES):
            response = self._call("GET", f"/api/v1/accounts/{account_id}/statuses", params=params)
            statuses = self._json(response)
            if not isinstance(statuses, list):
                raise OutcomeUnknown("mastodon: the account's statuses could not be read", network=self.name)
            oldest = None
            for status in statuses:
                created = parse_utc(status.get("created_at"))
                oldest = created if oldest is None or (created and created < oldest) else oldest
                if status.get("in_reply_to_id"):
                    continue
                if created is not None and created < since:
                    continue
                if _normalise(html_to_text(status.get("content") or "")) == wanted:
                    extra = {"reconciled": "matched text", **self._finish_first_comment(claim, str(status["id"]))}
                    return self._result(status, extra)
            if not statuses or (oldest is not None and oldest < since):
                return None  # everything since the claim was seen: it is not there
            next_max = next_max_id(response.headers.get("Link"))
            if not next_max:
                return None
            params = {**params, "max_id": next_max}
        raise OutcomeUnknown(
            f"mastodon: searched {RECONCILE_PAGES * 40} recent statuses without reaching the time of the claim "
            f"of post '{claim.post_id}'; check the account by hand",
            network=self.name,
        )

    # --- comments and moderation (/context, replies with Idempotency-Key, block; no hide or delete of others') ---

    _own_id: str | None = None

    def own_account_id(self) -> str:
        if self._own_id is None:
            body = self._json(self._call("GET", "/api/v1/accounts/verify_credentials"))
            self._own_id = str((body or {}).get("id") or "")
        return self._own_id

    def list_comments(self, remote_id, *, since=None):
        """Every reply under the status, replies to replies included (``descendants`` of its context)."""

        body = self._json(self._call("GET", f"/api/v1/statuses/{remote_id}/context")) or {}
        rows = [r for r in body.get("descendants") or [] if isinstance(r, dict) and r.get("id")]
        parent_of = {str(r["id"]): str(r.get("in_reply_to_id") or "") for r in rows}
        own = self.own_account_id()

        out = []
        for r in rows:
            sid = str(r["id"])
            account = r.get("account") if isinstance(r.get("account"), dict) else {}
            when = parse_utc(r.get("created_at"))
            if since is not None and when is not None and when < since:
                continue
            parent = parent_of.get(sid) or None
            out.append(Comment(
                id=sid, post_remote_id=str(remote_id), text=html_to_text(str(r.get("content") or "")),
                author_id=str(account.get("id") or ""), author_handle=str(account.get("acct") or ""),
                author_name=str(account.get("display_name") or account.get("username") or ""), created_at=when,
                url=str(r.get("url") or r.get("uri") or "") or None,
                parent_id=None if parent == str(remote_id) else parent, thread_id=thread_root(sid, parent_of, str(remote_id)),
                own=str(account.get("id") or "") == own,
            ))
        out.sort(key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))
        return out

    def reply_to_comment(self, comment, text, *, key):
        mention = f"@{comment.author_handle}"
        if comment.author_handle and mention not in text:
            text = f"{mention} {text}"  # Mastodon shows a reply to the person it mentions
        # a direct message is answered in kind (only the people it mentions see it)
        visibility = "direct" if comment.ref.get("visibility") == "direct" else self.visibility
        params: dict[str, Any] = {"status": text, "in_reply_to_id": comment.id, "visibility": visibility}
        if self.language:
            params["language"] = self.language
        # The Idempotency-Key makes the POST safe to repeat: the same key returns the first reply.
        body = self._json(self._call("POST", "/api/v1/statuses", safe=True, idempotency_key=key, json=params),
                          unsafe=True)
        return str((body or {}).get("id") or "")

    def block_author(self, comment):
        if not comment.author_id:
            raise PermanentNetworkError("mastodon: the reply has no account id to block", network=self.name)
        self._call("POST", f"/api/v1/accounts/{comment.author_id}/block", safe=True)


# --- helpers -----------------------------------------------------------------------------------------

_MENTION_DOMAIN = re.compile(r"(?<![\w/])@(\w+)@[\w.-]+\w")


def _normalise(text: str) -> str:
    # Mastodon shows a remote mention @user@domain as @user; white space may be reflowed.
    text = _MENTION_DOMAIN.sub(lambda m: "@" + m.group(1), text)
    return " ".join(text.split())
