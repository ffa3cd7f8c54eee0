"""The sandbox's database: a SQLite file that several processes may use at once, and what each adapter
instance shares (its connection, its faults, the rules of the network its profile imitates).

Tables (``meta.schema_version`` tracks the layout; later features add tables, never change these):

* ``posts(id, account, profile, network, type, text, link, first_comment, media, live,
  idempotency_key UNIQUE, post_id, url, created_at)``: ``media`` and ``live`` are JSON.
* ``media(id, account, path, kind, alt, captions, size, created_at)``
* ``comments`` (first comments: ``id, post_id, account, text, created_at``)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialops.errors import ConfigError
from socialops.networks import NETWORKS
from socialops.networks.contract import Network
from socialops.networks.sandbox.spec import SPEC

DEFAULT_PATH = ".socialops/sandbox.sqlite"
ENV_PATH = "SOCIALOPS_SANDBOX"
ENV_FAULTS = "SOCIALOPS_SANDBOX_FAULTS"
ENV_LATENCY = "SOCIALOPS_SANDBOX_LATENCY_MS"  # each request waits this long, as a round trip to a real API
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


class SandboxBase(Network):
    """What the sandbox's capability families share: the database connection, the faults asked for, and the
    rules of the imitated network. Extra keyword arguments: ``faults`` (see adapter.py), ``path`` (the
    database file, overriding the environment)."""

    spec = SPEC

    def __init__(self, profile, *, faults: str | None = None, path: Path | None = None, retries: int = 3,
                 max_wait: float = 120.0, **kwargs: Any) -> None:
        super().__init__(profile, **kwargs)
        self.retries = retries
        self.max_wait = max_wait
        self.path = Path(path) if path else database_path(self.root, self.env)
        self.faults = parse_faults(faults if faults is not None else self.env.get(ENV_FAULTS, ""))
        self.latency = latency_seconds(self.env.get(ENV_LATENCY, ""))
        self._conn: sqlite3.Connection | None = None
        self._calls = 0

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

    def round_trip(self) -> None:
        """One request's network latency ($SOCIALOPS_SANDBOX_LATENCY_MS): what a benchmark of a real network
        needs, since the sandbox itself answers at once."""
        if self.latency:
            self.sleep(self.latency)

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


def latency_seconds(text: str) -> float:
    """$SOCIALOPS_SANDBOX_LATENCY_MS as seconds (0 when unset)."""
    if not text.strip():
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 60_000:
        raise ConfigError(f"{ENV_LATENCY}={text!r}: write the latency in milliseconds, 0 to 60000, like 100")
    return value / 1000


def sandbox_posts(path: Path) -> list[dict[str, Any]]:
    """Every post in a sandbox database, oldest first (for tests, the demo and reports)."""
    if not Path(path).exists():
        return []
    conn = connect(Path(path))
    try:
        return [dict(row) for row in conn.execute("SELECT * FROM posts ORDER BY id")]
    finally:
        conn.close()
