"""Metrics: fetch each network's figures concurrently and keep them in committed CSV files.

``fetch_metrics`` (the ``socialops metrics`` command):

1. finds the published (post, profile) pairs in the ledger (``state/publications.csv``) of the last
   ``since_days`` days, for the profiles selected (``--profile``, ``--shard I/N``);
2. asks each profile's adapter for its requests (``Network.metrics_calls``; endpoints and parsing in
   each network's ``metrics.py``) and sends them with one ``httpx.AsyncClient``: concurrently, but per
   network never more than ``requests`` per ``per_seconds`` (a sliding window) nor more than ``concurrency``
   at once (the spec's ``metrics``, or ``limits=`` / ``--rate``). Transient failures are retried with backoff,
   Retry-After and the networks' rate-limit signals are honoured (the whole network pauses), a refused
   token stops that profile only;
3. turns the answers into rows and upserts them into ``metrics/posts.csv``, ``metrics/followers.csv`` and
   ``metrics/audience.csv`` -- also when some requests failed: what was fetched is kept, the rows of what
   failed keep their earlier values, and the run reports the failures (exit 1). A journal
   (``.socialops/metrics-journal.json``) remembers what was fetched today, so running again the same day
   fetches only what failed (``resume=False`` fetches everything).

The files: one schema for every network (a figure the network does not offer stays empty), one row per key,
rows sorted by key, numbers written the same way every time -- so running twice on the same data changes
nothing and a daily commit is a small diff. A file that would grow past ``PARTITION_BYTES`` is split by year
into ``metrics/<name>/<year>.csv`` (and stays split). Columns: README, "Metrics and reports".

Sharding: ``--shard I/N`` takes every N-th profile (sorted by id), ``out=`` writes only the rows fetched (a
*fragment*, same columns) to a folder instead of updating ``metrics/``, and ``merge_fragments`` upserts the
fragments of all shards -- what the workflow's final job does before it commits.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import os
import random
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialops.errors import (
    AuthError,
    NetworkError,
    RateLimited,
    SocialOpsError,
    TransientNetworkError,
    UsageError,
)
from socialops.networks.types import POST_FIGURES, Figures, MetricsCall, Publication, post_item

if TYPE_CHECKING:
    import httpx

    from socialops.repository.profiles import Profile

METRICS_DIR = "metrics"
JOURNAL = ".socialops/metrics-journal.json"
PARTITION_BYTES = 4_000_000
DEFAULT_SINCE_DAYS = 90
LANE = 8  # connections per AsyncClient
MAX_LANES = 16
ENGAGEMENT = ("likes", "comments", "shares", "quotes", "saves")

POST_COLUMNS = ("profile", "post_id", "network", "type", "pillar", "published_at", "url", "remote_id", "status",
                *POST_FIGURES, "engagement", "engagement_rate", "rate_base", "updated")
FOLLOWER_COLUMNS = ("date", "profile", "network", "followers", "follows", "posts", "gained", "lost")
AUDIENCE_COLUMNS = ("date", "profile", "network", "dimension", "bucket", "value")


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    year_column: str

    def key_of(self, row: Mapping[str, str]) -> tuple[str, ...]:
        return tuple(row.get(k, "") for k in self.key)

    def year_of(self, row: Mapping[str, str]) -> str:
        value = row.get(self.year_column, "")
        return value[:4] if re.match(r"\d{4}", value) else "undated"


POSTS = Table("posts", POST_COLUMNS, ("profile", "post_id"), "published_at")
FOLLOWERS = Table("followers", FOLLOWER_COLUMNS, ("date", "profile"), "date")
AUDIENCE = Table("audience", AUDIENCE_COLUMNS, ("date", "profile", "dimension", "bucket"), "date")
TABLES = (POSTS, FOLLOWERS, AUDIENCE)

Rows = dict[tuple[str, ...], dict[str, str]]


# --- numbers as text ---------------------------------------------------------------------------------------------


def fmt_number(value: float | None) -> str:
    """Integers without a decimal point, other numbers with up to four decimals; None as empty."""
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


def num(text: str | None) -> float | None:
    if text is None or text == "":
        return None
    try:
        return float(text)
    except ValueError:
        return None


def format_utc(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


# --- reading and writing the tables --------------------------------------------------------------------------------


def _parse_csv(text: str, table: Table) -> Rows:
    rows: Rows = {}
    reader = csv.DictReader(io.StringIO(text))
    for raw in reader:
        row = {c: (raw.get(c) or "") for c in table.columns}
        rows[table.key_of(row)] = row
    return rows


def read_table(folder: Path, table: Table) -> Rows:
    """All rows of a table in ``folder`` (``<name>.csv`` and/or the yearly ``<name>/<year>.csv``)."""
    rows: Rows = {}
    single = folder / f"{table.name}.csv"
    if single.is_file():
        rows.update(_parse_csv(single.read_text(encoding="utf-8"), table))
    parts = folder / table.name
    if parts.is_dir():
        for path in sorted(parts.glob("*.csv")):
            rows.update(_parse_csv(path.read_text(encoding="utf-8"), table))
    return rows


def render_rows(table: Table, rows: Iterable[Mapping[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.columns)
    for row in sorted(rows, key=table.key_of):
        writer.writerow([row.get(c, "") for c in table.columns])
    return buf.getvalue()


def _write_if_changed(path: Path, text: str) -> bool:
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return True


def write_table(folder: Path, table: Table, rows: Rows, *, partition_bytes: int = PARTITION_BYTES) -> list[Path]:
    """Write the rows sorted by key; split by year once the single file would pass ``partition_bytes`` (and
    keep them split from then on). Returns the files that changed (unchanged files are not touched)."""
    changed: list[Path] = []
    single = folder / f"{table.name}.csv"
    parts = folder / table.name
    text = render_rows(table, rows.values())
    if not parts.is_dir() and len(text.encode("utf-8")) <= partition_bytes:
        if rows or single.exists():
            if _write_if_changed(single, text):
                changed.append(single)
        return changed
    by_year: dict[str, list[Mapping[str, str]]] = {}
    for row in rows.values():
        by_year.setdefault(table.year_of(row), []).append(row)
    for year, year_rows in sorted(by_year.items()):
        path = parts / f"{year}.csv"
        if _write_if_changed(path, render_rows(table, year_rows)):
            changed.append(path)
    for path in parts.glob("*.csv"):
        if path.stem not in by_year:
            path.unlink()
            changed.append(path)
    if single.exists():
        single.unlink()
        changed.append(single)
    return changed


# --- fragments and the upsert -------------------------------------------------------------------------------------


@dataclass
class Fragment:
    """Rows fetched by one run (or one shard): what ``upsert`` merges into ``metrics/``."""

    posts: list[dict[str, str]] = field(default_factory=list)
    followers: list[dict[str, str]] = field(default_factory=list)
    audience: list[dict[str, str]] = field(default_factory=list)

    def rows(self, table: Table) -> list[dict[str, str]]:
        return {"posts": self.posts, "followers": self.followers, "audience": self.audience}[table.name]

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for table in TABLES:
            _write_if_changed(folder / f"{table.name}.csv", render_rows(table, self.rows(table)))

    @classmethod
    def read(cls, folder: Path) -> Fragment:
        if not folder.is_dir():
            raise UsageError(f"{folder}: no such folder of fetched metrics (written by 'socialops metrics --out')")
        frag = cls()
        for table in TABLES:
            path = folder / f"{table.name}.csv"
            if path.is_file():
                frag.rows(table).extend(_parse_csv(path.read_text(encoding="utf-8"), table).values())
        return frag


def engagement(row: Mapping[str, str]) -> float | None:
    """likes + comments + shares + quotes + saves (the figures a network leaves empty count as nothing)."""
    values = [num(row.get(c)) for c in ENGAGEMENT]
    values = [v for v in values if v is not None]
    return sum(values) if values else None


def _followers_on(history: Mapping[str, list[tuple[str, float]]], profile: str, day: str) -> float | None:
    """The profile's followers on ``day``: the last count on or before it, else the first one after."""
    series = history.get(profile) or []
    before = [v for d, v in series if d <= day]
    if before:
        return before[-1]
    return series[0][1] if series else None


def upsert(root: Path, fragment: Fragment, *, partition_bytes: int = PARTITION_BYTES) -> list[Path]:
    """Merge fetched rows into ``metrics/``; returns the files that changed.

    posts: a fetched row replaces the figures of its (profile, post id); a figure missing from it keeps its
    earlier value; ``updated`` moves to the fetch day only when a figure changed. followers: values merge by
    (date, profile). audience: the buckets fetched for a (date, profile, dimension) replace that day's
    buckets of the dimension. Engagement and its rate are computed here for every row."""
    folder = root / METRICS_DIR
    followers = read_table(folder, FOLLOWERS)
    for row in fragment.followers:
        key = FOLLOWERS.key_of(row)
        merged = dict(followers.get(key) or {c: "" for c in FOLLOWER_COLUMNS})
        merged.update({c: v for c, v in row.items() if c in FOLLOWER_COLUMNS and v != ""})
        followers[key] = merged

    audience = read_table(folder, AUDIENCE)
    replaced = {(r["date"], r["profile"], r["dimension"]) for r in fragment.audience}
    audience = {k: r for k, r in audience.items() if (r["date"], r["profile"], r["dimension"]) not in replaced}
    for row in fragment.audience:
        audience[AUDIENCE.key_of(row)] = {c: row.get(c, "") for c in AUDIENCE_COLUMNS}

    posts = read_table(folder, POSTS)
    figure_columns = (*POST_FIGURES, "status")
    for row in fragment.posts:
        key = POSTS.key_of(row)
        old = posts.get(key)
        new = dict(old or {c: "" for c in POST_COLUMNS})
        for column in POST_COLUMNS:
            value = row.get(column, "")
            if column in POST_FIGURES and value == "":
                continue  # not reported this time: keep the last value
            if column in ("engagement", "engagement_rate", "rate_base", "updated"):
                continue
            new[column] = value
        same = old is not None and all(old.get(c, "") == new.get(c, "") for c in figure_columns)
        new["updated"] = old.get("updated", "") if same and old else row.get("updated", "")
        posts[key] = new

    history: dict[str, list[tuple[str, float]]] = {}
    for (day, profile), row in sorted(followers.items()):
        count = num(row.get("followers"))
        if count is not None:
            history.setdefault(profile, []).append((day, count))
    for row in posts.values():
        total = engagement(row)
        row["engagement"] = fmt_number(total)
        base_name, base = "", None
        for name in ("reach", "views"):
            value = num(row.get(name))
            if value:
                base_name, base = name, value
                break
        if base is None and row.get("published_at"):
            base = _followers_on(history, row["profile"], row["published_at"][:10])
            base_name = "followers" if base else ""
        row["engagement_rate"] = fmt_number(round(total / base, 4)) if total is not None and base else ""
        row["rate_base"] = base_name if row["engagement_rate"] else ""

    changed: list[Path] = []
    for table, rows in ((POSTS, posts), (FOLLOWERS, followers), (AUDIENCE, audience)):
        changed += write_table(folder, table, rows, partition_bytes=partition_bytes)
    return changed


def merge_fragments(root: Path, folders: Iterable[Path], *, partition_bytes: int = PARTITION_BYTES) -> list[Path]:
    """Upsert the fragments written by ``--out`` (one per shard) into ``metrics/``."""
    changed: list[Path] = []
    for folder in sorted(Path(f) for f in folders):
        for path in upsert(root, Fragment.read(folder), partition_bytes=partition_bytes):
            if path not in changed:
                changed.append(path)
    return changed


# --- rate limits -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    requests: int
    per_seconds: float
    concurrency: int = 8

    def __str__(self) -> str:
        return f"{self.requests}/{fmt_number(self.per_seconds)}s"


def parse_rate(text: str) -> tuple[str, Limit]:
    """``mastodon=20/s``, ``bluesky=3000/300s``, ``facebook=200/h`` (optionally ``,c=4`` for concurrency)."""
    match = re.fullmatch(r"\s*([a-z]+)\s*=\s*(\d+)\s*/\s*(\d*\.?\d*)\s*(s|m|h|min)?\s*(?:,\s*c\s*=\s*(\d+))?\s*",
                         text or "")
    if not match or int(match.group(2)) < 1:
        raise UsageError(f"--rate {text}: write NETWORK=N/s, e.g. mastodon=20/s, bluesky=3000/300s, or "
                         "linkedin=5/s,c=2 (c = requests in flight at once)")
    name, count, amount, unit, conc = match.groups()
    seconds = float(amount or 1) * {"s": 1, None: 1, "m": 60, "min": 60, "h": 3600}[unit]
    if seconds <= 0:
        raise UsageError(f"--rate {text}: the time must be more than zero")
    return name, Limit(int(count), seconds, int(conc) if conc else 8)


class Limiter:
    """At most ``requests`` starts in any ``per_seconds`` window, at most ``concurrency`` in flight, and a pause
    when the network asked for one (Retry-After, rate-limit headers). Records every start (monotonic seconds)."""

    # The window is kept a little wider than asked: a request's way to the server takes longer on a new
    # connection than on a reused one, so starts spaced exactly one window apart can arrive closer together.
    MARGIN = 0.05

    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.clock = clock
        self._window: deque[float] = deque()
        self._sem = asyncio.Semaphore(max(1, limit.concurrency))
        self._lock = asyncio.Lock()
        self.paused_until = 0.0
        self.starts: list[float] = []

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    async def __aenter__(self) -> Limiter:
        await self._sem.acquire()
        try:
            async with self._lock:
                while True:
                    now = self.clock()
                    if now < self.paused_until:
                        await asyncio.sleep(self.paused_until - now)
                        continue
                    window = self.limit.per_seconds + self.MARGIN
                    while self._window and self._window[0] <= now - window:
                        self._window.popleft()
                    if len(self._window) < self.limit.requests:
                        self._window.append(now)
                        self.starts.append(now)
                        return self
                    await asyncio.sleep(self._window[0] + window - now)
        except BaseException:
            self._sem.release()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self._sem.release()


def limit_for(network: str, overrides: Mapping[str, Limit] | None = None) -> Limit:
    from socialops.networks import NETWORKS

    if overrides and network in overrides:
        return overrides[network]
    spec = NETWORKS.get(network)
    caps = spec.metrics if spec and spec.metrics else NETWORKS["sandbox"].metrics
    return Limit(caps.requests, caps.per_seconds, caps.concurrency)


# --- the run -----------------------------------------------------------------------------------------------------


@dataclass
class ProfileRun:
    profile: Profile
    publications: list[Publication]
    network: Any = None
    figures: Figures = field(default_factory=Figures)
    failures: list[str] = field(default_factory=list)
    failed_items: set[str] = field(default_factory=set)
    tried_items: set[str] = field(default_factory=set)
    skipped: str = ""  # why the profile was not fetched at all (no metrics on this network)
    stopped: str = ""  # why the rest of its calls were not made (a refused token)
    calls: int = 0
    requests: int = 0

    @property
    def id(self) -> str:
        return self.profile.id

    @property
    def done_items(self) -> set[str]:
        return self.tried_items - self.failed_items

    def fail(self, call: MetricsCall, message: str) -> None:
        self.failed_items.update(call.items)
        if message not in self.failures:
            self.failures.append(message)


@dataclass
class MetricsResult:
    now: dt.datetime
    day: dt.date
    runs: list[ProfileRun] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    out: Path | None = None

    @property
    def failed(self) -> bool:
        return any(r.failures for r in self.runs)

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(), "day": self.day.isoformat(), "failed": self.failed,
            "requests": self.requests, "seconds": round(self.seconds, 3),
            "changed": [p.as_posix() for p in self.changed], "out": self.out.as_posix() if self.out else None,
            "profiles": [{
                "profile": r.id, "network": r.profile.network, "publications": len(r.publications),
                "posts_with_figures": len(set(r.figures.posts) & {p.remote_id for p in r.publications}),
                "followers": r.figures.profile.get("followers"), "requests": r.requests,
                "skipped": r.skipped or None, "failures": r.failures, "missing": r.figures.missing,
            } for r in self.runs],
        }


def select_profiles(profiles: Mapping[str, Profile], only: Iterable[str] | None = None,
                    shard: tuple[int, int] | None = None) -> list[Profile]:
    """The profiles to fetch: ``only`` (ids), then shard ``(i, n)``: every n-th of them by id, from the i-th."""
    ids = sorted(profiles)
    if only:
        wanted = list(dict.fromkeys(only))
        unknown = [p for p in wanted if p not in profiles]
        if unknown:
            raise UsageError(f"--profile: no profile file for {', '.join(unknown)} under profiles/")
        ids = [i for i in ids if i in wanted]
    if shard:
        index, count = shard
        ids = [pid for n, pid in enumerate(ids) if n % count == index - 1]
    return [profiles[i] for i in ids]


def parse_shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise UsageError(f"--shard {text}: write I/N with 1 <= I <= N, e.g. --shard 2/4")
    return int(match.group(1)), int(match.group(2))


def publications(root: Path, profiles: Iterable[Profile], tz: Any, *, now: dt.datetime,
                 since_days: int | None = DEFAULT_SINCE_DAYS) -> dict[str, list[Publication]]:
    """Published pairs per profile id from the ledger, with the post's type and pillar from the content."""
    from socialops.repository.index import load_index
    from socialops.state.ledger import PUBLISHED, Ledger

    wanted = {p.id for p in profiles}
    summaries = {}
    for s in load_index(root, tz):
        if s.id is not None and s.error is None:
            summaries.setdefault(str(s.id), s)
    oldest = now - dt.timedelta(days=since_days) if since_days else None
    out: dict[str, list[Publication]] = {pid: [] for pid in wanted}
    for (post_id, profile), state in sorted(Ledger(root).state().items()):
        if profile not in wanted or state.status != PUBLISHED or not state.remote_id:
            continue
        at = state.published_at
        if at is not None and (at > now or (oldest is not None and at < oldest)):
            continue
        summary = summaries.get(post_id)
        out[profile].append(Publication(
            post_id=post_id, profile=profile, remote_id=state.remote_id, url=state.url,
            type=summary.type if summary else "", pillar=(summary.pillar or "") if summary else "",
            published_at=at))
    return out


def _load_journal(root: Path, day: dt.date) -> dict[str, set[str]]:
    try:
        data = json.loads((root / JOURNAL).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("day") != day.isoformat() or not isinstance(data.get("done"), dict):
        return {}
    return {str(k): {str(i) for i in v} for k, v in data["done"].items() if isinstance(v, list)}


def _save_journal(root: Path, day: dt.date, done: Mapping[str, set[str]]) -> None:
    path = root / JOURNAL
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"day": day.isoformat(), "done": {k: sorted(v) for k, v in sorted(done.items()) if v}}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class Fetcher:
    """Sends the calls of every selected profile concurrently (see the module text)."""

    def __init__(self, *, limits: Mapping[str, Limit] | None = None, transport: Any = None, retries: int = 3,
                 backoff: float = 0.5, max_wait: float = 60.0, timeout: float = 30.0,
                 rng: random.Random | None = None):
        self.overrides = dict(limits or {})
        self.transport = transport
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait
        self.timeout = timeout
        self.rng = rng or random.Random()
        self.limiters: dict[str, Limiter] = {}
        self.blocked: dict[str, str] = {}  # network -> why its remaining calls are not sent
        self.lanes: list[Any] = []
        self.in_flight: list[int] = []

    def limiter(self, network: str) -> Limiter:
        if network not in self.limiters:
            self.limiters[network] = Limiter(limit_for(network, self.overrides))
        return self.limiters[network]

    async def run(self, jobs: list[tuple[ProfileRun, list[MetricsCall]]]) -> None:
        import httpx

        # httpcore's pool slows down badly (work per request grows with its connections) beyond about 16
        # connections, so the requests in flight are spread over several clients of LANE connections each.
        networks = {run.profile.network for run, _ in jobs}
        wanted = sum(limit_for(n, self.overrides).concurrency for n in networks)
        count = max(1, min(MAX_LANES, -(-wanted // LANE)))
        kwargs: dict[str, Any] = {"timeout": httpx.Timeout(self.timeout, connect=10.0), "follow_redirects": True,
                                  "headers": {"User-Agent": "socialops metrics"},
                                  "limits": httpx.Limits(max_connections=LANE, max_keepalive_connections=LANE)}
        if self.transport is not None:
            kwargs["transport"] = self.transport
        self.lanes = [httpx.AsyncClient(**kwargs) for _ in range(count)]
        self.in_flight = [0] * count
        try:
            await asyncio.gather(*(self._call(run, call) for run, calls in jobs for call in calls))
        finally:
            for client in self.lanes:
                await client.aclose()

    async def _call(self, run: ProfileRun, call: MetricsCall) -> None:
        run.tried_items.update(call.items)
        run.calls += 1
        network = run.profile.network
        try:
            figures = await self._send(run, call, network)
        except (NetworkError, SocialOpsError) as exc:
            message = _redact(run, str(exc))
            if isinstance(exc, AuthError):
                run.stopped = run.stopped or message
                message = f"{run.id}: {message}"
            else:
                message = f"{run.id}: {call.name}: {message}"
            run.fail(call, message)
            return
        follow = figures.calls
        figures.calls = []
        run.figures.merge(figures)
        if follow:
            for extra in follow:
                extra.items = extra.items or call.items
            await asyncio.gather(*(self._call(run, c) for c in follow))

    async def _send(self, run: ProfileRun, call: MetricsCall, network: str) -> Figures:
        import httpx

        if call.local is not None:
            return await asyncio.to_thread(call.local)
        attempt = 0
        while True:
            attempt += 1
            if run.stopped:
                raise AuthError(run.stopped, network=network)
            if network in self.blocked:
                raise RateLimited(self.blocked[network], network=network)
            limiter = self.limiter(network)
            response = None
            failure: NetworkError | None = None
            wait: float | None = None
            async with limiter:
                run.requests += 1
                lane = min(range(len(self.lanes)), key=self.in_flight.__getitem__)
                self.in_flight[lane] += 1
                try:
                    response = await self.lanes[lane].request(call.method, call.url, params=call.params or None,
                                                              headers=call.headers)
                except httpx.TransportError as exc:
                    failure = TransientNetworkError(f"no answer ({type(exc).__name__})", network=network)
                finally:
                    self.in_flight[lane] -= 1
            if response is not None:
                body = _json(response)
                if response.status_code < 300:
                    if call.parse is None:
                        return Figures()
                    if body is None:
                        failure = TransientNetworkError("the answer was not readable JSON", network=network,
                                                        status=response.status_code)
                    else:
                        return call.parse(body)
                else:
                    if call.on_error is not None:
                        handled = call.on_error(response.status_code, body)
                        if handled is not None:
                            return handled
                    error = run.network.metrics_error(response) if run.network is not None else None
                    if error is None:
                        error = NetworkError(f"refused ({response.status_code})", network=network,
                                             status=response.status_code)
                    failure = error if isinstance(error, NetworkError) else NetworkError(str(error), network=network)
                    if isinstance(failure, RateLimited):
                        wait = failure.retry_after
            assert failure is not None
            if isinstance(failure, AuthError) or not failure.transient or attempt > self.retries:
                raise failure
            if isinstance(failure, RateLimited):
                if wait is not None and wait > self.max_wait:
                    self.blocked[network] = (f"{network} asked to wait {wait:.0f} s, longer than this run waits; "
                                             "the next run fetches the rest")
                    raise failure
                limiter.pause(wait if wait is not None else self._delay(attempt))
                continue
            await asyncio.sleep(self._delay(attempt))

    def _delay(self, attempt: int) -> float:
        base = min(30.0, self.backoff * (2 ** (attempt - 1)))
        return base * (0.5 + self.rng.random() / 2)


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        return None


def _redact(run: ProfileRun, text: str) -> str:
    if run.network is not None:
        try:
            return run.network.redact(text)
        except Exception:  # noqa: BLE001 - redaction must never hide the failure itself
            pass
    from socialops.networks.http import redact

    return redact(text)


def _today(now: dt.datetime, tz: Any) -> dt.date:
    return now.astimezone(tz).date()


def build_fragment(runs: Iterable[ProfileRun], *, day: dt.date) -> Fragment:
    """The rows of what was fetched."""
    frag = Fragment()
    stamp = day.isoformat()
    for run in runs:
        profile = run.profile
        network = profile.network
        figures = run.figures
        for pub in run.publications:
            values = figures.posts.get(pub.remote_id)
            gone = pub.remote_id in figures.gone
            if values is None and not gone:
                continue
            row = {"profile": profile.id, "post_id": pub.post_id, "network": network, "type": pub.type,
                   "pillar": pub.pillar, "published_at": format_utc(pub.published_at), "url": pub.url,
                   "remote_id": pub.remote_id, "status": "deleted" if gone else "live", "updated": stamp}
            for column in POST_FIGURES:
                row[column] = fmt_number((values or {}).get(column))
            frag.posts.append(row)
        if figures.profile:
            row = {"date": stamp, "profile": profile.id, "network": network}
            row.update({c: fmt_number(figures.profile.get(c)) for c in ("followers", "follows", "posts")})
            frag.followers.append(row)
        for date, values in sorted(figures.daily.items()):
            row = {"date": date, "profile": profile.id, "network": network}
            row.update({c: fmt_number(values.get(c)) for c in ("gained", "lost")})
            frag.followers.append(row)
        for dimension, buckets in sorted(figures.audience.items()):
            for bucket, value in sorted(buckets.items()):
                frag.audience.append({"date": stamp, "profile": profile.id, "network": network,
                                      "dimension": dimension, "bucket": bucket, "value": fmt_number(value)})
    return frag


def fetch_metrics(
    root: Path,
    *,
    now: dt.datetime,
    profiles: Iterable[str] | None = None,
    shard: tuple[int, int] | None = None,
    env: Mapping[str, str] | None = None,
    out: Path | None = None,
    limits: Mapping[str, Limit] | None = None,
    since_days: int | None = DEFAULT_SINCE_DAYS,
    resume: bool = True,
    transport: Any = None,
    sync_client: Any = None,
    retries: int = 3,
    backoff: float = 0.5,
    max_wait: float = 60.0,
    partition_bytes: int = PARTITION_BYTES,
    say: Callable[[str], None] | None = None,
) -> MetricsResult:
    """Fetch and store the metrics (see the module text). ``transport``: an httpx async transport for the
    requests (tests); ``sync_client``: an ``httpx.Client`` for the adapters' own set-up calls (Bluesky's
    session)."""
    from socialops.networks.contract import open_network
    from socialops.validate.engine import load_config

    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    say = say or (lambda text: None)
    root = Path(root)
    config = load_config(root)
    tz = config.tz
    day = _today(now, tz)
    chosen = select_profiles(config.profiles, profiles, shard)
    env = dict(os.environ if env is None else env)
    pubs = publications(root, chosen, tz, now=now, since_days=since_days)
    journal = _load_journal(root, day) if resume else {}
    result = MetricsResult(now=now, day=day, out=out)
    jobs: list[tuple[ProfileRun, list[MetricsCall]]] = []
    started = time.monotonic()
    try:
        for profile in chosen:
            run = ProfileRun(profile, pubs.get(profile.id, []))
            result.runs.append(run)
            done = journal.get(profile.id, set())
            try:
                run.network = open_network(profile, env=env, root=root, client=sync_client)
                todo = [p for p in run.publications if post_item(p.remote_id) not in done]
                run.network.metrics_prepare()
                calls = run.network.metrics_calls(todo, now=now)
            except NotImplementedError as exc:
                run.skipped = str(exc)
                say(f"{profile.id}: skipped: {exc}")
                continue
            except SocialOpsError as exc:
                run.failures.append(f"{profile.id}: {_redact(run, str(exc))}")
                continue
            calls = [c for c in calls if not c.items or any(i not in done for i in c.items)]
            run.tried_items.update(done)
            jobs.append((run, calls))
        fetcher = Fetcher(limits=limits, transport=transport, retries=retries, backoff=backoff, max_wait=max_wait)
        if jobs:
            asyncio.run(fetcher.run(jobs))
    finally:
        for run in result.runs:
            if run.network is not None:
                try:
                    run.network.close()
                except Exception:  # noqa: BLE001 - closing must not hide the run's outcome
                    pass
    result.seconds = time.monotonic() - started
    result.requests = sum(r.requests for r in result.runs)
    fragment = build_fragment(result.runs, day=day)
    if out is not None:
        fragment.write(Path(out))
    else:
        result.changed = upsert(root, fragment, partition_bytes=partition_bytes)
    if resume:
        # After a partial failure, remember what was fetched today: the next run today fetches only the rest.
        # After a complete run there is nothing to resume, and the next run fetches everything again.
        if result.failed:
            done_now = dict(journal)
            for run in result.runs:
                done_now[run.id] = set(journal.get(run.id, set())) | run.done_items
            _save_journal(root, day, done_now)
        else:
            (root / JOURNAL).unlink(missing_ok=True)
    for run in result.runs:
        for message in run.failures:
            say(f"failed: {message}")
    return result


def format_result(result: MetricsResult) -> str:
    """The per-profile summary for people."""
    lines = [f"Metrics for {result.day.isoformat()} ({result.requests} requests in {result.seconds:.1f} s)"]
    for run in result.runs:
        if run.skipped:
            lines.append(f"- {run.id}: skipped ({run.skipped})")
            continue
        fetched = len(set(run.figures.posts) & {p.remote_id for p in run.publications})
        followers = run.figures.profile.get("followers")
        part = f"{fetched} of {len(run.publications)} posts"
        if followers is not None:
            part += f", {fmt_number(followers)} followers"
        if run.figures.audience:
            part += f", audience by {', '.join(sorted(run.figures.audience))}"
        state = "FAILED in part" if run.failures else "ok"
        lines.append(f"- {run.id} ({run.profile.network}): {state}: {part}")
        for message in run.figures.missing[:10]:
            lines.append(f"    note: {message}")
        if len(run.figures.missing) > 10:
            lines.append(f"    note: ... and {len(run.figures.missing) - 10} more")
        for message in run.failures:
            lines.append(f"    failed: {message}")
    if result.out is not None:
        lines.append(f"Wrote the fetched rows to {result.out} (merge them with 'socialops metrics --merge').")
    elif result.changed:
        lines.append("Changed: " + ", ".join(sorted({p.name if p.parent.name == METRICS_DIR else
                                                     f"{p.parent.name}/{p.name}" for p in result.changed})))
    else:
        lines.append("Nothing changed in metrics/.")
    if result.failed:
        lines.append("Some figures could not be fetched: what was fetched is saved; run again to fetch the rest.")
    return "\n".join(lines) + "\n"
