"""The metrics tables: ``metrics/posts.csv``, ``metrics/followers.csv`` and ``metrics/audience.csv``.

One schema for every network (a figure the network does not offer stays empty), one row per key, rows sorted
by key, numbers written the same way every time -- so running twice on the same data changes nothing and a
daily commit is a small diff. A file that would grow past ``PARTITION_BYTES`` is split by year into
``metrics/<name>/<year>.csv`` (and stays split). Columns: README, "Metrics and reports".

A *fragment* is the rows one run (or one shard) fetched, same columns; ``upsert`` merges it into ``metrics/``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from socialops.core.files import write_if_changed
from socialops.errors import UsageError
from socialops.networks.types import POST_FIGURES

METRICS_DIR = "metrics"
PARTITION_BYTES = 4_000_000
ENGAGEMENT = ("likes", "comments", "shares", "quotes", "saves")

POST_COLUMNS = ("profile", "post_id", "network", "type", "pillar", "published_at", "url", "remote_id", "status",
                *POST_FIGURES, "engagement", "engagement_rate", "rate_base", "updated", "tags", "campaign")
FOLLOWER_COLUMNS = ("date", "profile", "network", "followers", "follows", "posts", "gained", "lost")
AUDIENCE_COLUMNS = ("date", "profile", "network", "dimension", "bucket", "value")
LOCAL_FIGURES = ("views", "searches", "calls", "directions", "website_clicks")  # a local business, per day
LOCAL_COLUMNS = ("date", "profile", "network", *LOCAL_FIGURES)


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
LOCAL = Table("local", LOCAL_COLUMNS, ("date", "profile"), "date")
TABLES = (POSTS, FOLLOWERS, AUDIENCE, LOCAL)

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


def csv_time(moment: dt.datetime | None) -> str:
    """A time in the tables' form: UTC to the second, with Z."""
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


def write_table(folder: Path, table: Table, rows: Rows, *, partition_bytes: int = PARTITION_BYTES) -> list[Path]:
    """Write the rows sorted by key; split by year once the single file would pass ``partition_bytes`` (and
    keep them split from then on). Returns the files that changed (unchanged files are not touched)."""
    changed: list[Path] = []
    single = folder / f"{table.name}.csv"
    parts = folder / table.name
    text = render_rows(table, rows.values())
    if not parts.is_dir() and len(text.encode("utf-8")) <= partition_bytes:
        if rows or single.exists():
            if write_if_changed(single, text):
                changed.append(single)
        return changed
    by_year: dict[str, list[Mapping[str, str]]] = {}
    for row in rows.values():
        by_year.setdefault(table.year_of(row), []).append(row)
    for year, year_rows in sorted(by_year.items()):
        path = parts / f"{year}.csv"
        if write_if_changed(path, render_rows(table, year_rows)):
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
    local: list[dict[str, str]] = field(default_factory=list)

    def rows(self, table: Table) -> list[dict[str, str]]:
        return {"posts": self.posts, "followers": self.followers, "audience": self.audience,
                "local": self.local}[table.name]

    def write(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for table in TABLES:
            write_if_changed(folder / f"{table.name}.csv", render_rows(table, self.rows(table)))

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

    local = read_table(folder, LOCAL)
    for row in fragment.local:
        local[LOCAL.key_of(row)] = {c: row.get(c, "") for c in LOCAL_COLUMNS}

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
    for table, rows in ((POSTS, posts), (FOLLOWERS, followers), (AUDIENCE, audience), (LOCAL, local)):
        changed += write_table(folder, table, rows, partition_bytes=partition_bytes)
    return changed


def deleted_pairs(root: Path) -> set[tuple[str, str]]:
    """(profile, post id) of the publications found gone from their network: ``status: deleted`` in
    metrics/posts.csv. Metrics and comments skip them."""
    return {(row.get("profile", ""), row.get("post_id", "")) for row in read_table(root / METRICS_DIR, POSTS).values()
            if row.get("status") == "deleted"}


def mark_deleted(root: Path, rows: Iterable[Mapping[str, str]], *, day: str) -> list[Path]:
    """Mark publications gone from their network (``rows``: profile, post_id, network, remote_id, url, ...) as
    deleted in metrics/posts.csv, keeping their last figures; returns the files that changed."""
    known = read_table(root / METRICS_DIR, POSTS)
    fragment = Fragment(posts=[{**known.get(POSTS.key_of(row), {}), **{k: v for k, v in row.items() if v},
                                "status": "deleted", "updated": day} for row in rows])
    return upsert(root, fragment) if fragment.posts else []


def merge_fragments(root: Path, folders: Iterable[Path], *, partition_bytes: int = PARTITION_BYTES) -> list[Path]:
    """Upsert the fragments written by ``--out`` (one per shard) into ``metrics/``."""
    changed: list[Path] = []
    for folder in sorted(Path(f) for f in folders):
        for path in upsert(root, Fragment.read(folder), partition_bytes=partition_bytes):
            if path not in changed:
                changed.append(path)
    return changed
