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

Tables (``meta.schema_version`` tracks the layout; later features add tables, never change these):

* ``posts(id, account, profile, network, type, text, link, first_comment, media, live,
  idempotency_key UNIQUE, post_id, url, created_at)``: ``media`` and ``live`` are JSON.
* ``media(id, account, path, kind, alt, captions, size, created_at)``
* ``comments`` (first comments: ``id, post_id, account, text, created_at``)

Faults for tests (the ``faults`` argument or ``$SOCIALOPS_SANDBOX_FAULTS``), comma-separated, each
optionally limited to one post with ``@post-id``:

* ``lose_answer``: store the post, then raise OutcomeUnknown (accepted, answer lost);
* ``cannot_reconcile``: reconcile raises OutcomeUnknown (a network that cannot tell);
* ``transient=N``: the first N publish calls of this instance fail with TransientNetworkError;
* ``rate_limit=S``: publish raises RateLimited asking to wait S seconds;
* ``permanent``: publish refuses for good (PermanentNetworkError);
* ``auth``: publish fails with AuthError (as an expired token would);
* ``delay=S``: wait S seconds before storing (and between media uploads): room for crash tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from socialops.core.times import format_utc, parse_utc_strict
from socialops.errors import (
    AuthError,
    OutcomeUnknown,
    PermanentNetworkError,
    RateLimited,
    TransientNetworkError,
)
from socialops.networks import NETWORKS
from socialops.networks.contract import Comments, Metrics, ProfileBasics, Publishing
from socialops.networks.sandbox.metrics import simulate
from socialops.networks.sandbox.spec import SPEC
from socialops.networks.types import (
    ACCOUNT_ITEM,
    OK,
    AccessReport,
    Capability,
    Claim,
    Comment,
    LiveImage,
    LiveProfile,
    MetricsCall,
    PublishRequest,
    PublishResult,
    post_item,
)

DEFAULT_PATH = ".socialops/sandbox.sqlite"
ENV_PATH = "SOCIALOPS_SANDBOX"
ENV_FAULTS = "SOCIALOPS_SANDBOX_FAULTS"
URL_BASE = "https://sandbox.socialops.invalid"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    profile TEXT NOT NULL DEFAULT '',
    network TEXT NOT NULL DEFAULT 'sandbox',
    type TEXT NOT NULL DEFAULT 'text',
    text TEXT NOT NULL DEFAULT '',
    link TEXT,
    first_comment TEXT,
    media TEXT NOT NULL DEFAULT '[]',
    live TEXT,
    idempotency_key TEXT UNIQUE,
    post_id TEXT,
    url TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS posts_account ON posts (account, created_at);
CREATE TABLE IF NOT EXISTS media (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    path TEXT NOT NULL,
    kind TEXT NOT NULL,
    alt TEXT,
    captions TEXT,
    size INTEGER,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id INTEGER NOT NULL REFERENCES posts (id),
    account TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


# The basics of each account (profiles check/diff/sync): data is JSON of the text basics, images are bytes.
PROFILE_TABLE = """
CREATE TABLE IF NOT EXISTS profiles (
    account TEXT PRIMARY KEY,
    profile TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}',
    avatar BLOB,
    cover BLOB,
    updated_at TEXT NOT NULL
)
"""

def database_path(root: Path | None, env: Mapping[str, str]) -> Path:
    """Where the sandbox keeps its data: $SOCIALOPS_SANDBOX, else <root>/.socialops/sandbox.sqlite."""
    given = env.get(ENV_PATH, "").strip()
    if given:
        return Path(given).expanduser()
    return Path(root or Path.cwd()) / DEFAULT_PATH


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create or upgrade) the sandbox database. Several processes may use it at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(SCHEMA)
    conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    return conn


@dataclass(frozen=True)
class Fault:
    name: str
    value: float | None = None
    post_id: str | None = None


def parse_faults(text: str) -> list[Fault]:
    out = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        spec, _, post_id = part.partition("@")
        name, _, value = spec.partition("=")
        out.append(Fault(name.strip(), float(value) if value.strip() else None, post_id.strip() or None))
    return out


class SandboxNetwork(Publishing, Comments, Metrics, ProfileBasics):
    """The embedded network. Extra keyword arguments: ``faults`` (see the module text), ``path`` (the
    database file, overriding the environment)."""

    spec = SPEC

    def __init__(self, profile, *, faults: str | None = None, path: Path | None = None, **kwargs: Any) -> None:
        super().__init__(profile, **kwargs)
        self.path = Path(path) if path else database_path(self.root, self.env)
        self.faults = parse_faults(faults if faults is not None else self.env.get(ENV_FAULTS, ""))
        self._conn: sqlite3.Connection | None = None
        self._calls = 0

    # --- plumbing --------------------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = connect(self.path)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        super().close()

    def _fault(self, name: str, post_id: str | None) -> Fault | None:
        for fault in self.faults:
            if fault.name == name and (fault.post_id is None or fault.post_id == post_id):
                return fault
        return None

    @property
    def rules(self):
        """The spec whose rules apply: the imitated network's (the sandbox's own when none)."""
        return NETWORKS.get(self.profile.rules_network) or SPEC

    def _url(self, row_id: int) -> str:
        return f"{URL_BASE}/{self.profile.id}/posts/{row_id}"

    def _result(self, row: sqlite3.Row, how: str) -> PublishResult:
        return PublishResult(
            remote_id=str(row["id"]), url=row["url"], published_at=parse_utc_strict(row["created_at"]),
            extra={"via": how},
        )

    # --- the interface ---------------------------------------------------------------------------

    def publish(self, item: PublishRequest) -> PublishResult:
        self._calls += 1
        post_id = item.post_id
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
                media_id = self._upload(m)
                self.progress(item, step, {"id": str(media_id)})
            media.append({"id": media_id, "path": m.rel, "kind": m.kind, "alt": m.alt, "captions": m.captions_rel})
        if delay and delay.value:
            self.sleep(delay.value)

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

    # --- comments and moderation (tables of their own, made on first use) --------------------------------
    #
    # The audience: threads from data/sandbox_comments.yaml appear on a post, chosen and timed from the
    # post itself (deterministic), once the adapter's clock passes their time. Replies, hiding, deleting
    # and blocking act on these tables. What the sandbox can do is what the imitated network's API can do
    # (a sandbox imitating LinkedIn cannot hide), so the "do it by hand" answers are seen without accounts.

    COMMENT_SCHEMA = """
    CREATE TABLE IF NOT EXISTS audience_comments (
        id TEXT PRIMARY KEY,
        post_row INTEGER NOT NULL,
        account TEXT NOT NULL,
        parent_id TEXT,
        thread_id TEXT NOT NULL,
        author_id TEXT NOT NULL,
        author_handle TEXT NOT NULL,
        author_name TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at TEXT NOT NULL,
        hidden INTEGER NOT NULL DEFAULT 0,
        deleted INTEGER NOT NULL DEFAULT 0,
        own INTEGER NOT NULL DEFAULT 0,
        reply_key TEXT UNIQUE
    );
    CREATE INDEX IF NOT EXISTS audience_comments_post ON audience_comments (post_row, created_at);
    CREATE TABLE IF NOT EXISTS audience_blocks (
        account TEXT NOT NULL,
        author_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (account, author_id)
    );
    """

    @property
    def moderation_spec(self):
        return self.rules

    def _comments_conn(self) -> sqlite3.Connection:
        conn = self.conn
        conn.executescript(self.COMMENT_SCHEMA)
        return conn

    def _post_row(self, remote_id: str) -> sqlite3.Row:
        try:
            row_id = int(str(remote_id))
        except ValueError:
            row_id = -1
        row = self.conn.execute("SELECT * FROM posts WHERE id = ? AND profile = ?", (row_id, self.profile.id)).fetchone()
        if row is None:
            raise PermanentNetworkError(f"sandbox: there is no post {remote_id} of profile '{self.profile.id}'",
                                        network=self.name, status=404)
        return row

    def _audience(self, post: sqlite3.Row) -> list[dict[str, Any]]:
        """The sample threads this post gets: 2 to 4 of them, chosen from the profile and the post's id, so
        the same repository gets the same comments every time (not from the random idempotency key)."""

        threads = audience_sample()
        if not threads:
            return []
        seed = hashlib.sha256(f"{self.profile.id}:{post['post_id'] or post['id']}".encode()).digest()
        count = 2 + seed[0] % 3
        start = int.from_bytes(seed[1:5], "big") % len(threads)
        step = 1 + (seed[5] % 3 if len(threads) > 3 else 0)
        chosen, i = [], start
        while len(chosen) < min(count, len(threads)):
            if i % len(threads) not in chosen:
                chosen.append(i % len(threads))
            i += step
        return [dict(threads[j], index=j) for j in sorted(chosen)]

    def _materialise(self, post: sqlite3.Row) -> None:
        conn = self._comments_conn()
        published = parse_utc_strict(post["created_at"])
        now = self.now()
        blocked = {r["author_id"] for r in conn.execute(
            "SELECT author_id FROM audience_blocks WHERE account = ?", (self.profile.account,))}
        rows = []
        for thread in self._audience(post):
            top = f"s{post['id']}-{thread['index']}"
            items = [(top, None, thread)] + [(f"{top}-{k}", top, reply)
                                             for k, reply in enumerate(thread.get("replies") or [])]
            for cid, parent, item in items:
                at = published + dt.timedelta(minutes=float(item.get("after_minutes", 0)))
                author = item.get("author") or {}
                if at > now or str(author.get("id", "")) in blocked:
                    continue
                rows.append((cid, post["id"], self.profile.account, parent, top, str(author.get("id", "")),
                             str(author.get("handle", "")), str(author.get("name", "")), str(item.get("text", "")),
                             format_utc(at)))
        if rows:
            conn.executemany(
                "INSERT OR IGNORE INTO audience_comments (id, post_row, account, parent_id, thread_id, author_id, "
                "author_handle, author_name, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def _comment(self, row: sqlite3.Row, post: sqlite3.Row):
        return Comment(
            id=row["id"], post_remote_id=str(post["id"]), text=row["text"], author_id=row["author_id"],
            author_handle=row["author_handle"], author_name=row["author_name"],
            created_at=parse_utc_strict(row["created_at"]), url=f"{post['url']}#comment-{row['id']}",
            parent_id=row["parent_id"], thread_id=row["thread_id"], hidden=bool(row["hidden"]), own=bool(row["own"]),
        )

    def list_comments(self, remote_id, *, since=None):
        post = self._post_row(remote_id)
        self._materialise(post)
        rows = self._comments_conn().execute(
            "SELECT * FROM audience_comments WHERE post_row = ? AND deleted = 0 ORDER BY created_at, id", (post["id"],))
        out = [self._comment(row, post) for row in rows]
        return [c for c in out if since is None or c.created_at is None or c.created_at >= since]

    def _existing_comment(self, comment) -> sqlite3.Row:
        row = self._comments_conn().execute("SELECT * FROM audience_comments WHERE id = ? AND account = ?",
                                            (comment.id, self.profile.account)).fetchone()
        if row is None or row["deleted"]:
            raise PermanentNetworkError(f"sandbox: the comment {comment.id} no longer exists (deleted)",
                                        network=self.name, status=404)
        return row

    def reply_to_comment(self, comment, text, *, key):
        if self._fault("auth", None):
            raise AuthError("sandbox: the token was refused (simulated)", secret=self.profile.token_env,
                            network=self.name)
        row = self._existing_comment(comment)
        conn = self._comments_conn()
        found = conn.execute("SELECT id FROM audience_comments WHERE reply_key = ?", (key,)).fetchone()
        if found is not None:
            return str(found["id"])
        reply_id = f"{row['id']}-r{self.derived_id(key, 6)}"
        conn.execute(
            "INSERT OR IGNORE INTO audience_comments (id, post_row, account, parent_id, thread_id, author_id, "
            "author_handle, author_name, text, created_at, own, reply_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
            (reply_id, row["post_row"], self.profile.account, row["id"], row["thread_id"], self.profile.id,
             self.profile.account, self.profile.display_name, text, format_utc(self.now()), key))
        return reply_id

    def hide_comment(self, comment, *, hidden=True):
        if not self.can("hide"):
            raise self.unsupported("hide" if hidden else "unhide")
        self._existing_comment(comment)
        self._comments_conn().execute("UPDATE audience_comments SET hidden = ? WHERE id = ?",
                                      (1 if hidden else 0, comment.id))

    def delete_comment(self, comment):
        if not self.can("delete"):
            raise self.unsupported("delete")
        self._existing_comment(comment)
        self._comments_conn().execute("UPDATE audience_comments SET deleted = 1 WHERE id = ?", (comment.id,))

    def block_author(self, comment):
        if not self.can("block"):
            raise self.unsupported("block")
        if not comment.author_id:
            raise PermanentNetworkError("sandbox: the comment has no author id to block", network=self.name)
        self._comments_conn().execute(
            "INSERT OR IGNORE INTO audience_blocks (account, author_id, created_at) VALUES (?, ?, ?)",
            (self.profile.account, comment.author_id, format_utc(self.now())))

    def is_blocked(self, author_id: str) -> bool:
        row = self._comments_conn().execute("SELECT 1 FROM audience_blocks WHERE account = ? AND author_id = ?",
                                            (self.profile.account, author_id)).fetchone()
        return row is not None


def audience_sample() -> list[dict[str, Any]]:
    """The bundled sample threads (data/sandbox_comments.yaml), read once."""
    return list(_audience_sample())


def _audience_sample() -> tuple[dict[str, Any], ...]:
    global _AUDIENCE
    if _AUDIENCE is None:
        text = (resources.files("socialops") / "data" / "sandbox_comments.yaml").read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        _AUDIENCE = tuple(t for t in data.get("threads") or [] if isinstance(t, dict))
    return _AUDIENCE


_AUDIENCE: tuple[dict[str, Any], ...] | None = None


def sandbox_posts(path: Path) -> list[dict[str, Any]]:
    """Every post in a sandbox database, oldest first (for tests, the demo and reports)."""
    if not Path(path).exists():
        return []
    conn = connect(Path(path))
    try:
        return [dict(row) for row in conn.execute("SELECT * FROM posts ORDER BY id")]
    finally:
        conn.close()


def env_path(env: Mapping[str, str] | None = None) -> str | None:
    return (env if env is not None else os.environ).get(ENV_PATH)
