"""The month calendar: a page per month, for all profiles and for each, Monday first, in the plan's timezone."""

from __future__ import annotations

import calendar as cal
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from socialops.plan.cadence import blackout_reason
from socialops.site.html import esc, page
from socialops.site.model import DONE, DRAFT, EMPTY, LATE, LIVE, PLANNED, TASK, Entry, SiteData

KIND_WORDS = {PLANNED: "planned", DONE: "published", LATE: "missed", DRAFT: "draft", EMPTY: "empty slot",
              LIVE: "live session", TASK: "waiting for a person"}


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_of(entries: Iterable[Entry], today: dt.date) -> list[str]:
    """Every month from the first entry's to the last one's, and this month."""
    keys = {month_key(e.at.date()) for e in entries} | {month_key(today)}
    first, last = min(keys), max(keys)
    out, year, month = [], int(first[:4]), int(first[5:])
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_pages(data: SiteData, thumbs: dict[str, str]) -> dict[str, str]:
    """Site path -> HTML: calendar/YYYY-MM.html for all profiles, calendar/<profile>/YYYY-MM.html for each,
    and calendar/index.html (this month)."""
    today = data.now.astimezone(data.tz).date()
    months = months_of(data.entries, today)
    by_month: dict[str, list[Entry]] = defaultdict(list)
    for entry in data.entries:
        by_month[month_key(entry.at.date())].append(entry)
    out = {}
    scopes: list[tuple[str | None, str]] = [(None, "calendar")] + [(pid, f"calendar/{pid}") for pid in data.profiles]
    for pid, folder in scopes:
        depth = folder.count("/") + 1
        for i, key in enumerate(months):
            entries = [e for e in by_month.get(key, []) if pid is None or e.profile == pid]
            body = _pager(months, i, data, pid) + _legend() + _grid(key, entries, data, thumbs, depth, pid is None)
            title = f"{_month_title(key)}" + (f" — {pid}" if pid else " — all profiles")
            out[f"{folder}/{key}.html"] = page(title, body, depth=depth, brand=data.brand)
    this = month_key(today)
    out["calendar/index.html"] = out[f"calendar/{this}.html"]  # beside the month pages: the same links work
    return out


def _month_title(key: str) -> str:
    return f"{cal.month_name[int(key[5:])]} {key[:4]}"


def _pager(months: list[str], i: int, data: SiteData, pid: str | None) -> str:
    links = []
    if i > 0:
        links.append(f'<a href="{months[i - 1]}.html" rel="prev">← {_month_title(months[i - 1])}</a>')
    if i + 1 < len(months):
        links.append(f'<a href="{months[i + 1]}.html" rel="next">{_month_title(months[i + 1])} →</a>')
    here = months[i]
    up = "../" if pid else ""
    scopes = [f'<a href="{up}{here}.html">all profiles</a>'] + [
        f'<a href="{up}{esc(p)}/{here}.html">{esc(p)}</a>' for p in data.profiles]
    return (f'<nav class="pager" aria-label="Months">{"".join(links)}</nav>'
            f'<p>Show: {" · ".join(scopes)}. Times in {esc(data.tz.key)}.</p>')


def _legend() -> str:
    return ('<p class="legend" aria-hidden="true">' + "".join(
        f'<span class="{kind}" style="background: var(--{kind if kind != DRAFT else "blackout"})">'
        f"{esc(word)}</span>" for kind, word in KIND_WORDS.items()) + "</p>")


def _grid(key: str, entries: list[Entry], data: SiteData, thumbs: dict[str, str], depth: int,
          show_profile: bool) -> str:
    year, month = int(key[:4]), int(key[5:])
    by_day: dict[dt.date, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_day[entry.at.date()].append(entry)
    rows = []
    for week in cal.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells = []
        for day in week:
            reason = blackout_reason(day, data.blackouts)
            classes = ["other"] if day.month != month else []
            if reason is not None:
                classes.append("blackout")
            note = f'<div class="muted">blackout{": " + esc(reason) if reason else ""}</div>' if reason is not None \
                else ""
            items = "".join(_item(e, thumbs, depth, show_profile) for e in by_day.get(day, []))
            cells.append(f'<td class="{" ".join(classes)}"><div class="day">{day.day}</div>{note}'
                         f'{f"<ul class=entries>{items}</ul>" if items else ""}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f'<th scope="col">{name}</th>' for name in cal.day_abbr)
    return (f'<table class="month"><caption>{_month_title(key)}</caption><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def _item(entry: Entry, thumbs: dict[str, str], depth: int, show_profile: bool) -> str:
    up = "../" * depth
    who = f" · {esc(entry.profile)}" if show_profile else ""
    what = f"{entry.at:%H:%M} {esc(KIND_WORDS[entry.kind])}{who}"
    thumb = thumbs.get(entry.post_id or "")
    image = f'<img src="{up}{thumb}" alt="">' if thumb else ""
    title = esc(entry.title)
    if entry.post_id:
        title = f'<a href="{up}posts/{esc(entry.post_id)}.html">{title}</a>'
    elif entry.url:
        title = f'<a href="{esc(entry.url)}">{title}</a>'
    return f'<li class="{entry.kind}">{image}<span class="when">{what}</span><br>{title}</li>'
