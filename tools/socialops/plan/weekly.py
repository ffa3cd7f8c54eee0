"""The weekly section of the "Content plan" issue: what went out in the last 7 days with its figures, what goes
out in the next 7 days, the empty slots among them, and the customer-service issues still open with their age.

Built from the ledger (``state/publications.csv``), ``metrics/posts.csv``, the plan report (``build_plan``) and
the tracker's open issues; post and issue titles are untrusted and escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from socialops.core.safetext import escape_untrusted_markdown, safe_link
from socialops.metrics.tables import METRICS_DIR, POSTS, read_table
from socialops.plan.view import when_text
from socialops.state.publications import PUBLISHED, Ledger
from socialops.tracker.interface import Tracker

WEEK = dt.timedelta(days=7)
CUSTOMER_SERVICE_LABEL = "customer-service"
FIGURES = ("likes", "comments", "shares")


def last_week_posts(root: Path, now: dt.datetime) -> list[dict[str, Any]]:
    """Each (post, profile) published in the 7 days before ``now``, oldest first, with its figures from
    metrics/posts.csv (empty strings where none are fetched yet) and its address."""
    figures = read_table(Path(root) / METRICS_DIR, POSTS)
    out = []
    for (post_id, pid), st in Ledger(root).state().items():
        if st.status != PUBLISHED or st.published_at is None or not now - WEEK <= st.published_at < now:
            continue
        row = figures.get((pid, post_id), {})
        out.append({"post": post_id, "profile": pid, "at": st.published_at, "url": st.url or row.get("url") or None,
                    **{name: row.get(name, "") for name in (*FIGURES, "engagement_rate")}})
    return sorted(out, key=lambda p: (p["at"], p["profile"], p["post"]))


def next_week_posts(plan: Mapping[str, Any], now: dt.datetime) -> list[dict[str, Any]]:
    """The posts the plan places in the 7 days from ``now`` (not yet published), in time order."""
    out = []
    for profile in plan["profiles"]:
        for week in profile["weeks"]:
            for entry in week["entries"]:
                at = dt.datetime.fromisoformat(entry["at"])
                if entry.get("post") and entry.get("source") != "published" and now <= at < now + WEEK:
                    out.append({"post": entry["post"], "profile": profile["id"], "at": entry["at"],
                                "title": entry.get("title") or entry["post"]})
    return sorted(out, key=lambda p: (p["at"], p["profile"], p["post"]))


def next_week_gaps(plan: Mapping[str, Any], now: dt.datetime) -> list[dict[str, Any]]:
    """The plan's empty slots in the 7 days from ``now``."""
    return [gap for gap in plan["gaps"] if dt.datetime.fromisoformat(gap["at"]) < now + WEEK]


def open_customer_service(tracker: Tracker, now: dt.datetime, brand: str | None = None) -> list[dict[str, Any]]:
    """The open customer-service issues (of one brand's profiles: labelled brand:<name>), oldest first, with
    their age in whole days (None when not known)."""
    out = []
    for issue in tracker.open_issues(CUSTOMER_SERVICE_LABEL):
        if brand is not None and f"brand:{brand}" not in issue.labels:
            continue
        age = (now - issue.opened_at).days if issue.opened_at else None
        out.append({"number": issue.number, "title": issue.title, "url": issue.url, "age_days": age})
    return sorted(out, key=lambda i: (-(i["age_days"] or 0), i["number"] or 0))


def weekly_section(root: Path, *, now: dt.datetime, tz: ZoneInfo, plan: Mapping[str, Any], tracker: Tracker,
                   titles: Mapping[str, str] | None = None, brand: str | None = None,
                   profiles: Collection[str] | None = None) -> str:
    """The weekly section as Markdown; "" when the week has nothing to tell (no posts either side, no open
    customer-service issue). ``titles``: post id -> title. A brand's (``brand``, its ``profiles``): only what
    is theirs, since its issue is the client's."""
    titles = titles or {}
    went = [p for p in last_week_posts(root, now) if profiles is None or p["profile"] in profiles]
    coming = next_week_posts(plan, now)
    gaps, service = next_week_gaps(plan, now), open_customer_service(tracker, now, brand)
    if not (went or coming or service):
        return ""
    out = [f"## Weekly digest ({(now - WEEK).astimezone(tz):%Y-%m-%d} to {(now + WEEK).astimezone(tz):%Y-%m-%d})", ""]
    out += _went_out(went, tz, titles) + _coming(coming, gaps) + _service(service)
    return "\n".join(out).rstrip() + "\n"


def _went_out(went: list[dict[str, Any]], tz: ZoneInfo, titles: Mapping[str, str]) -> list[str]:
    out = [f"**Went out in the last 7 days** ({len(went)}):", ""]
    if not went:
        return out + ["Nothing was published.", ""]
    out += ["| When | Profile | Post | Likes | Comments | Shares | Engagement rate | Link |",
            "|---|---|---|---:|---:|---:|---:|---|"]
    for p in went:
        title = _escape(titles.get(p["post"], p["post"]))
        counts = " | ".join(p[name] or "–" for name in FIGURES)
        out.append(f"| {when_text(p['at'].astimezone(tz).isoformat())} | `{p['profile']}` | {title} | {counts} | "
                   f"{_rate(p['engagement_rate'])} | {safe_link(p['url'], 'open') if p['url'] else '–'} |")
    return out + ["", "Figures are those of the last metrics run (– where none are fetched yet).", ""]


def _escape(text: str) -> str:
    return escape_untrusted_markdown(text, max_chars=200)


def _rate(text: str) -> str:
    try:
        return f"{float(text) * 100:.1f} %"
    except ValueError:
        return "–"


def _coming(coming: list[dict[str, Any]], gaps: list[dict[str, Any]]) -> list[str]:
    out = [f"**Goes out in the next 7 days** ({len(coming)}):", ""]
    out += [f"- {when_text(p['at'])} `{p['profile']}`: {_escape(p['title'])} (`{p['post']}`)" for p in coming] \
        or ["Nothing is planned."]
    out.append("")
    if gaps:
        out += [f"**Empty slots in the next 7 days** ({len(gaps)}):", ""]
        out += [f"- `{g['profile']}`: {when_text(g['at'])}" for g in gaps] + [""]
    return out


def _service(service: list[dict[str, Any]]) -> list[str]:
    out = [f"**Open customer-service issues** ({len(service)}):", ""]
    if not service:
        return out + ["None.", ""]
    for issue in service:
        age = "age unknown" if issue["age_days"] is None else \
            f"{issue['age_days']} day{'s' if issue['age_days'] != 1 else ''} old"
        number = safe_link(issue["url"], f"#{issue['number']}") if issue["url"] else f"#{issue['number']}"
        out.append(f"- {number} {_escape(issue['title'])} ({age})")
    return out + [""]
