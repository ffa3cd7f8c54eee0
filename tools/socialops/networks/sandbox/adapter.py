"""The sandbox network: embedded, no account, no internet.

What is "published" is stored in a SQLite file: ``$SOCIALOPS_SANDBOX`` if set, else
``<repository>/.socialops/sandbox.sqlite``. It behaves like a good real network:

* every post type; the limits, types and text rules of the network the profile ``imitates`` apply
  (an Instagram-imitating profile refuses a text-only post, as Instagram would);
* an idempotency key per post (``posts.idempotency_key`` is UNIQUE): sending the same key again
  returns the post already made, and :meth:`SandboxNetwork.reconcile` finds a claim by its key;
* media is uploaded first (table ``media``; each upload is reported with ``progress("media:N")``) and
  the post then refers to the uploaded ids, so a run that dies between the steps resumes with the
  uploads it already made.

The database and its tables are in store.py, the simulated audience (comments) in comments.py.

Faults for tests (the ``faults`` argument or ``$SOCIALOPS_SANDBOX_FAULTS``), comma-separated, each
optionally limited to one post with ``@post-id``:

* ``lose_answer``: store the post, then raise OutcomeUnknown (accepted, answer lost);
* ``cannot_reconcile``: reconcile raises OutcomeUnknown (a network that cannot tell);
* ``transient=N``: the first N publish calls of this instance fail with TransientNetworkError (retried
  as the HTTP layer retries a 503: ``retries`` times, options ``retries`` and ``max_wait``);
* ``rate_limit=S``: publish raises RateLimited asking to wait S seconds;
* ``permanent``: publish refuses for good (PermanentNetworkError);
* ``auth``: publish fails with AuthError (as an expired token would);
* ``delay=S``: wait S seconds before storing (and between media uploads): room for crash tests.

``$SOCIALOPS_SANDBOX_LATENCY_MS``: each request (a media upload, the post, a reconcile) waits this long, as a
round trip to a real network would (benchmarks/bench_agency.py).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from socialops.core.times import format_utc, parse_utc_strict
from socialops.errors import (
    AuthError,
    OutcomeUnknown,
    PermanentNetworkError,
    RateLimited,
    TransientNetworkError,
)
from socialops.networks.contract import Metrics, ProfileBasics, Publishing
from socialops.networks.http import retry_transient
from socialops.networks.sandbox.comments import SandboxComments
from socialops.networks.sandbox.metrics import simulate
from socialops.networks.sandbox.store import PROFILE_TABLE, URL_BASE
from socialops.networks.types import (
    ACCOUNT_ITEM,
    OK,
    AccessReport,
    Capability,
    Claim,
    LiveImage,
    LiveProfile,
    MetricsCall,
    PublishRequest,
    PublishResult,
    post_item,
)


class SandboxNetwork(SandboxComments, Publishing, Metrics, ProfileBasics):
    """The embedded network: publishing, metrics (simulated), profile basics and comments on a SQLite file."""

    def _result(self, row: sqlite3.Row, how: str) -> PublishResult:
        return PublishResult(
            remote_id=str(row["id"]), url=row["url"], published_at=parse_utc_strict(row["created_at"]),
            extra={"via": how},
        )

    def _answer(self, post_id: str) -> None:
        """The simulated faults of one publish call, as a server's answer would carry them."""
        self._calls += 1
        if self._fault("auth", post_id):
            name = self.profile.token_env or "the token"
            raise AuthError(f"sandbox: the token was refused (simulated); renew the secret {name}",
                            secret=self.profile.token_env, network=self.name)
        transient = self._fault("transient", post_id)
        if transient and self._calls <= int(transient.value or 1):
            raise TransientNetworkError("sandbox: the server is busy (simulated 503)", network=self.name, status=503)
        limited = self._fault("rate_limit", post_id)
        if limited:
            raise RateLimited("sandbox: rate limited (simulated 429)", retry_after=limited.value,
                              network=self.name, status=429)
        if self._fault("permanent", post_id):
            raise PermanentNetworkError("sandbox: the post was refused (simulated policy refusal)",
                                        network=self.name, status=422)

    # --- the interface ---------------------------------------------------------------------------

    def publish(self, item: PublishRequest) -> PublishResult:
        post_id = item.post_id
        retry_transient(lambda: self._answer(post_id), retries=self.retries, max_wait=self.max_wait,
                        sleep=self.sleep)
        self._check(item)

        existing = self._by_key(item.idempotency_key)
        if existing is not None:  # the same key again: the post already made, as Mastodon does
            return self._result(existing, "idempotency-key")

        delay = self._fault("delay", post_id)
        media = []
        for index, m in enumerate(item.media):
            step = f"media:{index}"
            done = self.resumed(item, step)
            if done and self._media_exists(done.get("id")):
                media_id = int(done["id"])
            else:
                if delay and delay.value:
                    self.sleep(delay.value)
                self.round_trip()
                media_id = self._upload(m)
                self.progress(item, step, {"id": str(media_id)})
            media.append({"id": media_id, "path": m.rel, "kind": m.kind, "alt": m.alt, "captions": m.captions_rel})
        if delay and delay.value:
            self.sleep(delay.value)
        self.round_trip()

        created = self.now()

        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = conn.execute(
                "INSERT INTO posts (account, profile, network, type, text, link, first_comment, media, live, "
                "idempotency_key, post_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.profile.account, self.profile.id, self.rules.name, item.type, item.text, item.link,
                    item.first_comment, json.dumps(media, ensure_ascii=False),
                    json.dumps(dict(item.live), ensure_ascii=False, default=str) if item.live else None,
                    item.idempotency_key, post_id, format_utc(created),
                ),
            )
            row_id = cur.lastrowid
            conn.execute("UPDATE posts SET url = ? WHERE id = ?", (self._url(row_id), row_id))
            if item.first_comment:
                conn.execute(
                    "INSERT INTO comments (post_id, account, text, created_at) VALUES (?, ?, ?, ?)",
                    (row_id, self.profile.account, item.first_comment, format_utc(created)),
                )
            conn.execute("COMMIT")
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK")
            existing = self._by_key(item.idempotency_key)
            if existing is None:
                raise
            return self._result(existing, "idempotency-key")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        if self._fault("lose_answer", post_id):
            raise OutcomeUnknown("sandbox: the post was sent but the answer was lost (simulated timeout)",
                                 network=self.name)
        row = self._by_key(item.idempotency_key)
        assert row is not None
        return self._result(row, "posted")

    # --- metrics: simulated, deterministic over time (socialops.networks.sandbox.metrics) ---------------------

    def metrics_calls(self, publications: list[Any], *, now: Any) -> list[Any]:
        items = (*[post_item(p.remote_id) for p in publications], ACCOUNT_ITEM)
        return [MetricsCall(name=f"sandbox {self.profile.id}", items=items,
                            local=lambda: simulate(self.path, self.profile, publications, now=now))]

    def reconcile(self, claim: Claim) -> PublishResult | None:
        if self._fault("cannot_reconcile", claim.post_id):
            raise OutcomeUnknown("sandbox: cannot tell whether the post went out (simulated: no idempotency)",
                                 network=self.name)
        self.round_trip()
        row = self._by_key(claim.idempotency_key)
        return self._result(row, "reconciled") if row is not None else None

    # --- helpers ---------------------------------------------------------------------------------

    def _check(self, item: PublishRequest) -> None:
        rules = self.rules
        if not rules.supports(item.type):
            raise PermanentNetworkError(
                f"{rules.label} (imitated by the sandbox) does not take {item.type} posts", network=self.name,
                status=422,
            )
        if item.rendered.length > item.rendered.limit:
            raise PermanentNetworkError(
                f"the text is {item.rendered.length} characters; {rules.label} takes {item.rendered.limit}",
                network=self.name, status=422,
            )
        if rules.needs_media and not item.media:
            raise PermanentNetworkError(f"{rules.label} needs a picture or a video", network=self.name, status=422)
        if len(item.media) > rules.max_media:
            raise PermanentNetworkError(
                f"{len(item.media)} media items; {rules.label} takes at most {rules.max_media}", network=self.name,
                status=422,
            )
        for m in item.media:
            if not m.path.is_file():
                raise PermanentNetworkError(f"the media file {m.rel} is missing", network=self.name, status=422)

    def _by_key(self, key: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM posts WHERE idempotency_key = ?", (key,)).fetchone()

    def _media_exists(self, media_id: Any) -> bool:
        try:
            return self.conn.execute("SELECT 1 FROM media WHERE id = ?", (int(media_id),)).fetchone() is not None
        except (TypeError, ValueError):
            return False

    def _upload(self, m) -> int:
        cur = self.conn.execute(
            "INSERT INTO media (account, path, kind, alt, captions, size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.profile.account, m.rel, m.kind, m.alt, m.captions_rel, m.path.stat().st_size,
             format_utc(self.now())),
        )
        return int(cur.lastrowid)


    # --- profile basics (socialops.profiles.sync, socialops.profiles.check) ----------------------------------
    # The sandbox keeps each account's basics in its own table (added by the profiles work; the tables above
    # are unchanged), so check, diff and sync work in the demo. Every basic can be written.

    def _profile_conn(self) -> sqlite3.Connection:
        conn = self.conn
        conn.execute(PROFILE_TABLE)
        return conn

    def read_profile(self):
        row = self._profile_conn().execute("SELECT * FROM profiles WHERE account = ?",
                                           (self.profile.account,)).fetchone()
        data = json.loads(row["data"]) if row is not None else {}
        values: dict[str, Any] = {key: data.get(key, "") for key in
                                  ("display_name", "bio", "website", "contact.email", "contact.phone",
                                   "contact.address", "services")}
        values["fields"] = [tuple(pair) for pair in data.get("fields", [])]
        for basic in ("avatar", "cover"):
            blob = row[basic] if row is not None else None
            values[basic] = LiveImage(f"{URL_BASE}/{self.profile.id}/{basic}", bytes(blob)) if blob else None
        return LiveProfile(account=self.profile.account, account_id=self.profile.account,
                           url=f"{URL_BASE}/{self.profile.id}", values=values,
                           version=row["updated_at"] if row is not None else None)

    def update_profile(self, changes, live) -> None:
        conn = self._profile_conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT * FROM profiles WHERE account = ?", (self.profile.account,)).fetchone()
            data = json.loads(row["data"]) if row is not None else {}
            images = {b: (row[b] if row is not None else None) for b in ("avatar", "cover")}
            for basic, value in changes.items():
                if basic in images:
                    images[basic] = value.data if value is not None else None
                elif basic == "fields":
                    data["fields"] = [list(pair) for pair in value]
                else:
                    data[basic] = value
            conn.execute(
                "INSERT INTO profiles (account, profile, data, avatar, cover, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (account) DO UPDATE SET profile = excluded.profile, data = excluded.data, "
                "avatar = excluded.avatar, cover = excluded.cover, updated_at = excluded.updated_at",
                (self.profile.account, self.profile.id, json.dumps(data, ensure_ascii=False, sort_keys=True),
                 images["avatar"], images["cover"], format_utc(self.now())),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def check_access(self):
        if self._fault("auth", None):
            name = self.profile.token_env or "the token"
            raise AuthError(f"sandbox: the token was refused (simulated); renew the secret {name}",
                            secret=self.profile.token_env, network=self.name)
        report = AccessReport(token_ok=True, account_ok=True, account_seen=f"{self.profile.account} (sandbox)")
        report.notes.append(f"the sandbox imitates {self.rules.label}; its data is in {self.path}")
        report.capabilities = [Capability(name, OK, "the sandbox allows everything")
                               for name in ("publishing", "metrics", "moderation", "profile")]
        return report
