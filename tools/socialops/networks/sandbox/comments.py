"""The sandbox's audience: comments that appear on its posts, and moderation of them.

Threads from data/sandbox_comments.yaml appear on a post, chosen and timed from the post itself (deterministic),
once the adapter's clock passes their time. Replies, hiding, deleting and blocking act on tables of their own,
made on first use. What the sandbox can do is what the imitated network's API can do (a sandbox imitating
LinkedIn cannot hide), so the "do it by hand" answers are seen without accounts.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import sqlite3
from importlib import resources
from typing import Any

import yaml

from socialops.core.times import format_utc, parse_utc_strict
from socialops.errors import AuthError, PermanentNetworkError
from socialops.networks.contract import Comments
from socialops.networks.sandbox.store import SandboxBase
from socialops.networks.types import Comment


class SandboxComments(SandboxBase, Comments):
    """Comments and moderation on the sandbox's posts."""


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


@functools.cache
def audience_sample() -> tuple[dict[str, Any], ...]:
    """The bundled sample threads (data/sandbox_comments.yaml), read once."""
    text = (resources.files("socialops") / "data" / "sandbox_comments.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    return tuple(t for t in data.get("threads") or [] if isinstance(t, dict))
