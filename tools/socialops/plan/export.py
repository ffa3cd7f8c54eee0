"""`socialops export`: the plan as a CSV file for people who live in spreadsheets, in the columns
`socialops import` reads, so a file exported, edited and imported again makes the same posts.

A row per post (a CSV file, or an Excel workbook with real dates and times): its time as the post gives it (a queued post keeps its date empty, and stays queued when
imported again; the slots it takes are in 'planned'), profiles, type, text, media (their file names in the
media folder), link, pillar, first comment and status: draft, queued, scheduled or published. Every cell that
a spreadsheet would run as a formula (=, +, -, @ first) starts with an apostrophe, which import takes off again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import yaml

from socialops.core.safetext import csv_cell
from socialops.errors import ContentError
from socialops.plan.queue import queue_state
from socialops.plan.recurring import next_times
from socialops.repository.media import media_folders, resolve_media_path
from socialops.repository.posts import load_post

# the headers import reads (content/spreadsheet.HEADERS)
COLUMNS = ("id", "date", "time", "profiles", "type", "title", "text", "media", "alt", "link", "pillar",
           "first comment", "tags", "campaign", "manual", "repeat", "evergreen", "status", "planned")
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}


def export_rows(root: Path, posts: list, config: Any, *, now: dt.datetime, published: dict,
                since: dt.date | None = None, until: dt.date | None = None,
                brands: list[str] | None = None) -> list[dict[str, str]]:
    """The plan's posts (summaries from repository.index) as rows, in time order; with `since`/`until` (days in
    the post's timezone, both included) only the posts planned or published on those days; with `brands` only
    the posts in those brands' folders."""
    end = now + dt.timedelta(days=config.schedule.horizon_days)
    if until is not None:
        end = max(end, dt.datetime.combine(until + dt.timedelta(days=2), dt.time(), dt.UTC))
    slots = queue_state(posts, config.profiles, config.schedule, now=now, published=published, until=end).result
    upcoming = {key: slot for key, (_, slot) in next_times(slots, now - config.schedule.late_window).items()}  # recurring and evergreen posts
    folders = tuple(media_folders(root))
    seen: set[str] = set()
    rows = []
    for summary in posts:
        if summary.error or not summary.id or summary.id in seen:
            continue  # validate reports them; an export shows each post once
        seen.add(summary.id)
        if brands is not None and config.post_brand(summary.path) not in brands:
            continue
        tz = config.schedule.zones.for_path(summary.path)
        pairs = {pid: upcoming.get((summary.id, pid)) or slots.get((summary.id, pid)) for pid in summary.profiles}
        times = sorted(s.at for s in pairs.values() if s is not None)
        first = (dt.datetime.fromtimestamp(summary.publish_ts, tz) if summary.publish_ts is not None
                 else times[0] if times else None)
        day = first.astimezone(tz).date() if first is not None else None
        if (since or until) and (day is None or (since and day < since) or (until and day > until)):
            continue
        row = _row(root, summary.path, pairs, published, tz, folders)
        if row is not None:
            rows.append((first.timestamp() if first else float("inf"), summary.path, row))
    rows.sort(key=lambda item: item[:2])
    return [row for _, _, row in rows]


def _row(root: Path, rel: str, pairs: dict, published: dict, tz: Any, media_folders: tuple[str, ...]) -> dict | None:
    try:
        post = load_post(root, rel)
    except ContentError:
        return None
    when = post.publish_at(tz)
    local = when.astimezone(tz) if when else None
    done = {pid for pid in pairs if (post.id, pid) in published}
    status = "draft" if post.status != "ready" else "published" if done and done == set(pairs) \
        else "scheduled" if when else "queued"
    planned = []
    for pid, slot in pairs.items():
        if pid in done:
            planned.append(f"{pid} {published[(post.id, pid)].astimezone(tz):%Y-%m-%d %H:%M} (published)")
        elif slot is not None:
            planned.append(f"{pid} {slot.at.astimezone(tz):%Y-%m-%d %H:%M}")
    media = [m.path for m in post.media]
    for i, path in enumerate(media):
        folder, _, name = (resolve_media_path(rel, path) or "").rpartition("/")
        if folder in media_folders:
            media[i] = name  # a plain name, as import takes it
    raw = post.raw
    return {
        "id": post.id or "", "date": f"{local:%Y-%m-%d}" if local else "", "time": f"{local:%H:%M}" if local else "",
        "profiles": ", ".join(post.profiles), "type": post.type, "title": str(raw.get("title", "") or ""),
        "text": post.body.strip(), "media": ", ".join(media),
        "alt": "\n".join(m.alt or "" for m in post.media) if any(m.alt for m in post.media) else "",
        "link": post.link or "", "pillar": post.pillar or "", "first comment": post.first_comment or "",
        "tags": ", ".join(post.tags), "campaign": str(raw.get("campaign", "") or ""), "status": status,
        "manual": {True: "yes", False: "no"}.get(raw.get("manual"), ""),
        "repeat": _flow(raw.get("repeat")), "evergreen": _flow(raw.get("evergreen")),
        "planned": "; ".join(planned),
    }


def _flow(value: Any) -> str:
    """A rule as one line of YAML, as a post file writes it ('{every: 60 days}'); import reads it back."""
    if not value:
        return ""
    if isinstance(value, dict):  # YAML 1.1 reads an unquoted `on:` as true
        value = {("on" if k is True else k): v for k, v in value.items()}
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000, sort_keys=False).strip()


def to_csv(rows: list[dict[str, str]], delimiter: str = ",") -> str:
    """The rows as CSV text (write it with a byte order mark, so Excel reads ä and € right)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(row.get(column, "")) for column in COLUMNS])
    return out.getvalue()


def to_xlsx(rows: list[dict[str, str]]) -> bytes:
    """The rows as an Excel workbook: dates and times as Excel's own, every other cell as text (a text cell is
    never run as a formula, whatever it starts with)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Plan")
    sheet.append(list(COLUMNS))
    for row in rows:
        cells = []
        for column in COLUMNS:
            value = row.get(column, "")
            if column == "date" and value:
                cell = WriteOnlyCell(sheet, value=dt.date.fromisoformat(value))
                cell.number_format = "yyyy-mm-dd"
            elif column == "time" and value:
                cell = WriteOnlyCell(sheet, value=dt.time.fromisoformat(value))
                cell.number_format = "hh:mm"
            else:
                cell = WriteOnlyCell(sheet, value=value or None)
                if value:
                    cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
