"""The monthly report, from the metrics CSVs and the plan: ``reports/YYYY-MM.md`` with PNG charts beside it.

Everything is derived from ``metrics/posts.csv``, ``metrics/followers.csv`` and ``metrics/audience.csv`` (see
``socialops.metrics.fetch``) and ``schedule.yaml`` (its timezone and pillars):

* follower growth per profile over the month (chart and table);
* engagement by post type and by pillar (the posts published in the month; pillars against their planned share);
* a weekday x hour heatmap of the engagement rate, in the plan's timezone;
* the top and bottom posts of the month, with links;
* the audience (age, gender, country, city, ... -- whatever the network offers) on the latest day measured;
* suggested cadence slots per profile: the hours and weekdays whose posts engaged best over the last
  ``SUGGESTION_DAYS`` days, or "too little data" when there are not enough posts to tell.

The plan uses the suggestions: a cadence slot whose hours say ``best`` takes the suggested hours
(:func:`best_hours`, which the plan, calendar and publish commands call).

matplotlib is imported inside the chart functions only (with the Agg backend: no display needed).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.errors import UsageError
from socialops.metrics.fetch import AUDIENCE, FOLLOWERS, METRICS_DIR, POSTS, num, read_table

REPORTS_DIR = "reports"
SUGGESTION_DAYS = 180
MIN_POSTS = 8  # posts with an engagement rate before any suggestion is made
MIN_PER_SLOT = 2  # posts an hour (or weekday) needs before it counts
MIN_SLOTS = 3  # hours (or weekdays) with enough posts to compare
SUGGESTED_HOURS = 3
TOP = 5
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEMOGRAPHIC_ROWS = 8


# --- data ---------------------------------------------------------------------------------------------------------


@dataclass
class PostRow:
    profile: str
    post_id: str
    network: str
    type: str
    pillar: str
    published: dt.datetime
    url: str
    engagement: float | None
    rate: float | None
    rate_base: str
    figures: dict[str, float | None]


def _parse_utc(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def load_posts(root: Path) -> list[PostRow]:
    out = []
    for row in read_table(root / METRICS_DIR, POSTS).values():
        published = _parse_utc(row.get("published_at", ""))
        if published is None or row.get("status") == "deleted":
            continue
        out.append(PostRow(
            profile=row["profile"], post_id=row["post_id"], network=row.get("network", ""), type=row.get("type") or "?",
            pillar=row.get("pillar") or "", published=published, url=row.get("url", ""),
            engagement=num(row.get("engagement")), rate=num(row.get("engagement_rate")),
            rate_base=row.get("rate_base", ""),
            figures={c: num(row.get(c)) for c in ("views", "reach", "likes", "comments", "shares", "saves")}))
    return sorted(out, key=lambda p: (p.published, p.profile, p.post_id))


# --- suggestions ------------------------------------------------------------------------------------------------


@dataclass
class Suggestion:
    profile: str
    posts: int  # posts with an engagement rate in the window
    hours: list[tuple[int, float, int]] = field(default_factory=list)  # (hour, mean rate, posts), best first
    weekdays: list[tuple[int, float, int]] = field(default_factory=list)
    overall: float | None = None
    reason: str = ""  # why there is no suggestion (too little data)

    @property
    def best_hours(self) -> list[int]:
        return [h for h, _, _ in self.hours[:SUGGESTED_HOURS]]


def _ranked(groups: Mapping[int, list[float]]) -> list[tuple[int, float, int]]:
    rows = [(k, statistics.fmean(v), len(v)) for k, v in groups.items() if len(v) >= MIN_PER_SLOT]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def suggest(posts: Iterable[PostRow], profile: str, tz: Any, *, until: dt.datetime | None = None) -> Suggestion:
    """The best hours and weekdays of ``profile`` by mean engagement rate of its posts in the
    ``SUGGESTION_DAYS`` days up to ``until`` (default: its latest post), in the timezone ``tz``."""
    mine = [p for p in posts if p.profile == profile and p.rate is not None]
    if until is None and mine:
        until = max(p.published for p in mine)
    if until is not None:
        mine = [p for p in mine if until - dt.timedelta(days=SUGGESTION_DAYS) < p.published <= until]
    result = Suggestion(profile, len(mine))
    by_hour: dict[int, list[float]] = {}
    by_day: dict[int, list[float]] = {}
    for p in mine:
        local = p.published.astimezone(tz)
        by_hour.setdefault(local.hour, []).append(p.rate or 0.0)
        by_day.setdefault(local.weekday(), []).append(p.rate or 0.0)
    hours, days = _ranked(by_hour), _ranked(by_day)
    if len(mine) < MIN_POSTS or len(hours) < MIN_SLOTS:
        result.reason = (f"too little data: {len(mine)} posts with figures in the last {SUGGESTION_DAYS} days, "
                         f"{len(hours)} hour{'s' if len(hours) != 1 else ''} with {MIN_PER_SLOT} or more posts; a suggestion needs {MIN_POSTS} posts "
                         f"over at least {MIN_SLOTS} such hours")
        return result
    result.overall = statistics.fmean(p.rate or 0.0 for p in mine)
    result.hours = hours
    result.weekdays = days if len(days) >= MIN_SLOTS else []
    return result


def best_hours(root: Path, tz: Any = None, profiles: Iterable[str] | None = None) -> dict[str, list[int]]:
    """``{profile id: [hours, best first]}`` suggested by the metrics in ``metrics/posts.csv`` -- what a cadence
    slot written as ``best`` takes (``plan.resolve_times(..., best_hours=...)``). Profiles with too little data
    are left out (``best`` then keeps its fallback). Deterministic: a function of the CSV and the timezone."""
    if tz is None:
        from socialops.plan.schedule import load_schedule

        tz = load_schedule(root).tz
    try:
        posts = load_posts(root)
    except (OSError, ValueError):
        return {}
    ids = sorted({p.profile for p in posts} if profiles is None else set(profiles))
    out: dict[str, list[int]] = {}
    for pid in ids:
        hours = suggest(posts, pid, tz).best_hours
        if hours:
            out[pid] = hours
    return out


# --- the month ------------------------------------------------------------------------------------------------


def parse_month(text: str) -> tuple[int, int]:
    try:
        moment = dt.datetime.strptime(text.strip(), "%Y-%m")
    except (ValueError, AttributeError):
        raise UsageError(f"--month {text}: write the month as YYYY-MM, e.g. 2026-12") from None
    return moment.year, moment.month


def month_bounds(year: int, month: int, tz: Any) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


@dataclass
class ReportResult:
    path: Path
    markdown: str
    images: list[Path]
    changed: list[Path]


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f} %"


def _n(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{int(value):,}".replace(",", " ") if float(value).is_integer() else f"{value:,.1f}".replace(",", " ")


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return out


def _group(posts: list[PostRow], key) -> list[tuple[str, int, float, float | None]]:
    groups: dict[str, list[PostRow]] = {}
    for p in posts:
        groups.setdefault(key(p), []).append(p)
    out = []
    for name, items in sorted(groups.items()):
        total = sum(p.engagement or 0 for p in items)
        rates = [p.rate for p in items if p.rate is not None]
        out.append((name, len(items), total, statistics.fmean(rates) if rates else None))
    return out


def build_report(root: Path, year: int, month: int, *, now: dt.datetime | None = None) -> ReportResult:
    """Write ``reports/YYYY-MM.md`` and its charts; returns what was written."""
    from socialops.plan.schedule import load_schedule

    root = Path(root)
    schedule = load_schedule(root)
    tz = schedule.tz
    start, end = month_bounds(year, month, tz)
    name = f"{year:04d}-{month:02d}"
    folder = root / REPORTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    posts = load_posts(root)
    followers = read_table(root / METRICS_DIR, FOLLOWERS)
    audience = read_table(root / METRICS_DIR, AUDIENCE)
    in_month = [p for p in posts if start <= p.published < end]
    profiles = sorted({p.profile for p in posts} | {r["profile"] for r in followers.values()}
                      | {r["profile"] for r in audience.values()})
    networks = {p.profile: p.network for p in posts}
    networks.update({r["profile"]: r["network"] for r in followers.values()})
    labels = _network_labels(root)

    images: list[Path] = []
    _WRITTEN.clear()
    md: list[str] = [f"# Social media report {name}", ""]
    last_day = (end - dt.timedelta(days=1)).date()
    data_days = sorted({r["date"] for r in followers.values() if r["date"] <= last_day.isoformat()})
    md.append(f"From the metrics in `metrics/` (latest day measured: {data_days[-1] if data_days else 'none'}); "
              f"times in {tz.key}. Posts published {start.date().isoformat()} to {last_day.isoformat()}: "
              f"{len(in_month)} publications on {len({p.profile for p in in_month})} profiles.")
    md.append("")
    if not profiles:
        md += ["No metrics yet. Run `socialops metrics` (the metrics workflow does it daily) and then this report "
               "again.", ""]

    # -- followers ----------------------------------------------------------------------------------------------
    md += ["## Followers", ""]
    series: dict[str, list[tuple[dt.date, float]]] = {}
    for (day, profile), row in sorted(followers.items()):
        count = num(row.get("followers"))
        if count is None:
            continue
        date = dt.date.fromisoformat(day)
        if start.date() - dt.timedelta(days=1) <= date <= last_day:
            series.setdefault(profile, []).append((date, count))
    rows = []
    for profile in profiles:
        points = series.get(profile, [])
        gained = sum(num(r.get("gained")) or 0 for (d, pid), r in followers.items()
                     if pid == profile and start.date().isoformat() <= d <= last_day.isoformat())
        lost = sum(num(r.get("lost")) or 0 for (d, pid), r in followers.items()
                   if pid == profile and start.date().isoformat() <= d <= last_day.isoformat())
        has_daily = any((r.get("gained") or r.get("lost")) for (d, pid), r in followers.items() if pid == profile)
        if points:
            first, last = points[0][1], points[-1][1]
            change = last - first
            rows.append([profile, networks.get(profile, ""), _n(first), _n(last),
                         f"{'+' if change >= 0 else ''}{_n(change)}" + (f" ({change / first * 100:+.1f} %)" if first
                                                                       else ""),
                         _n(gained) if has_daily else "–", _n(lost) if has_daily else "–", str(len(points))])
        else:
            rows.append([profile, networks.get(profile, ""), "–", "–", "–", "–", "–", "0"])
    if rows:
        md += _table(["profile", "network", "first", "last", "change", "gained", "lost", "days measured"], rows)
        md.append("")
    if any(len(v) >= 2 for v in series.values()):
        images.append(_chart_followers(folder / f"{name}-followers.png", series))
        md += [f"![Followers per profile]({name}-followers.png)", ""]
    elif profiles:
        md += ["Too little data for a growth chart: it needs follower counts on two days or more this month.", ""]

    # -- engagement by type and pillar -------------------------------------------------------------------------
    md += ["## Engagement by post type and pillar", ""]
    if in_month:
        md.append("Engagement = likes + comments + shares + quotes + saves; the rate divides it by the reach "
                  "(or views, or followers where a network has neither).")
        md.append("")
        by_type = _group(in_month, lambda p: p.type)
        md += _table(["type", "posts", "engagement", "mean rate"],
                     [[t, str(n), _n(e), _pct(r, 2)] for t, n, e, r in by_type])
        md.append("")
        by_pillar = _group(in_month, lambda p: p.pillar or "(no pillar)")
        shares = {k: v.get("share") for k, v in schedule.pillars.items() if isinstance(v, Mapping)}
        total_posts = len(in_month)
        md += _table(["pillar", "posts", "share of posts", "planned share", "engagement", "mean rate"],
                     [[p, str(n), f"{n / total_posts * 100:.0f} %",
                       f"{shares[p]} %" if isinstance(shares.get(p), int | float) else "–", _n(e), _pct(r, 2)]
                      for p, n, e, r in by_pillar])
        md.append("")
        images.append(_chart_groups(folder / f"{name}-engagement.png", by_type, by_pillar))
        md += [f"![Mean engagement rate by post type and by pillar]({name}-engagement.png)", ""]
    else:
        md += ["No posts with figures were published this month.", ""]

    # -- heatmap -------------------------------------------------------------------------------------------------
    md += [f"## When posts engage: weekday × hour ({tz.key})", ""]
    cells: dict[tuple[int, int], list[float]] = {}
    for p in in_month:
        if p.rate is None:
            continue
        local = p.published.astimezone(tz)
        cells.setdefault((local.weekday(), local.hour), []).append(p.rate)
    if cells:
        images.append(_chart_heatmap(folder / f"{name}-heatmap.png", cells, tz.key))
        md.append(f"Mean engagement rate of the month's posts by the weekday and hour they went out "
                  f"({sum(len(v) for v in cells.values())} posts in {len(cells)} of the 168 weekday-hours).")
        md += ["", f"![Engagement rate by weekday and hour]({name}-heatmap.png)", ""]
        best = sorted(((statistics.fmean(v), k, len(v)) for k, v in cells.items()), key=lambda t: (-t[0], t[1]))[:5]
        md += _table(["weekday", "hour", "posts", "mean rate"],
                     [[WEEKDAYS[d], f"{h:02d}:00", str(n), _pct(r, 2)] for r, (d, h), n in best])
        md.append("")
    else:
        md += ["No posts with an engagement rate this month.", ""]

    # -- top and bottom posts ------------------------------------------------------------------------------------
    md += ["## Top and bottom posts", ""]
    rated = sorted((p for p in in_month if p.rate is not None), key=lambda p: (-(p.rate or 0), -(p.engagement or 0),
                                                                                 p.post_id, p.profile))
    if rated:
        def post_row(p: PostRow) -> list[str]:
            link = f"[{p.post_id}]({p.url})" if p.url.startswith(("https://", "http://")) else p.post_id
            return [link, p.profile, p.type, p.pillar or "–", p.published.astimezone(tz).strftime("%a %d.%m. %H:%M"),
                    _n(p.engagement), _pct(p.rate, 2)]

        header = ["post", "profile", "type", "pillar", "published", "engagement", "rate"]
        top = rated[:TOP]
        md += [f"Best {len(top)} by engagement rate:", ""] + _table(header, [post_row(p) for p in top]) + [""]
        bottom = [p for p in rated[-TOP:] if p not in top][::-1]
        if bottom:
            md += [f"Weakest {len(bottom)}:", ""] + _table(header, [post_row(p) for p in bottom]) + [""]
    else:
        md += ["No posts with figures this month.", ""]

    # -- audience -----------------------------------------------------------------------------------------------
    md += ["## Audience", ""]
    latest: dict[str, str] = {}
    for row in audience.values():
        if row["date"] <= last_day.isoformat():
            latest[row["profile"]] = max(latest.get(row["profile"], ""), row["date"])
    for profile in profiles:
        day = latest.get(profile)
        if not day:
            md += [f"- **{profile}**: no demographics ({labels.get(profile, 'this network')} does not offer "
                   "them, or none were measured yet).", ""]
            continue
        dims: dict[str, dict[str, float]] = {}
        for row in audience.values():
            if row["profile"] == profile and row["date"] == day:
                value = num(row.get("value"))
                if value is not None:
                    dims.setdefault(row["dimension"], {})[row["bucket"]] = value
        md += [f"### {profile} (followers on {day})", ""]
        for dimension in ("age", "gender", "age_gender", "country", "region", "city", "industry", "seniority",
                          "function", "company_size"):
            buckets = dims.get(dimension)
            if not buckets:
                continue
            total = sum(buckets.values()) or 1
            ranked = sorted(buckets.items(), key=lambda kv: (-kv[1], kv[0]))
            shown = ranked if dimension in ("age", "gender") else ranked[:DEMOGRAPHIC_ROWS]
            if dimension == "age":
                shown = sorted(buckets.items())
            text = ", ".join(f"{b} {v / total * 100:.0f} %" for b, v in shown)
            more = f" (top {DEMOGRAPHIC_ROWS} of {len(ranked)})" if len(shown) < len(ranked) else ""
            md.append(f"- {dimension.replace('_', ' ')}{more}: {text}")
        if dims.get("age_gender") or dims.get("age") or dims.get("country"):
            path = folder / f"{name}-audience-{profile}.png"
            images.append(_chart_audience(path, profile, dims))
            md += ["", f"![Audience of {profile}]({path.name})", ""]
    if md[-1] != "":
        md.append("")

    # -- suggestions --------------------------------------------------------------------------------------------
    md += ["## Suggested cadence slots", ""]
    md.append(f"From each profile's posts of the last {SUGGESTION_DAYS} days up to the end of the month: the "
              "hours and weekdays (plan's timezone) whose posts had the highest mean engagement rate. A cadence "
              "slot in `schedule.yaml` whose hours say `best` (e.g. `{per_week: 3, hours: [best, best, best]}`) "
              "takes these hours, best first.")
    md.append("")
    suggestions = [suggest(posts, pid, tz, until=end) for pid in profiles]
    for s in suggestions:
        if s.reason:
            md.append(f"- **{s.profile}**: {s.reason}.")
            continue
        hours = ", ".join(f"{h:02d}:00 ({r * 100:.2f} %, {n} posts)" for h, r, n in s.hours[:SUGGESTED_HOURS])
        line = f"- **{s.profile}**: best hours {hours}; all posts {_pct(s.overall, 2)}"
        if s.weekdays:
            line += "; best weekdays " + ", ".join(f"{WEEKDAYS[d]} ({r * 100:.2f} %)" for d, r, _ in s.weekdays[:3])
        md.append(line + ".")
    md.append("")
    md.append("_Figures of sandbox profiles are simulated (socialops' built-in sandbox network), not measured._"
              if any(n == "sandbox" for n in networks.values()) else "")
    text = "\n".join(md).rstrip("\n") + "\n"
    path = folder / f"{name}.md"
    changed = list(_WRITTEN)
    from socialops.metrics.fetch import _write_if_changed

    if _write_if_changed(path, text):
        changed.append(path)
    return ReportResult(path=path, markdown=text, images=images, changed=changed)


def _network_labels(root: Path) -> dict[str, str]:
    """Profile id -> what its network is called (a sandbox profile: the network it imitates)."""
    from socialops.networks import NETWORKS
    from socialops.repository.profiles import find_profiles, load_profile

    out = {}
    for rel in find_profiles(root):
        try:
            profile = load_profile(root, rel)
        except Exception:  # noqa: BLE001 - a broken profile file is validate's business, not the report's
            continue
        spec = NETWORKS.get(profile.rules_network)
        label = spec.label if spec else profile.network
        out[profile.id] = f"{label} (simulated by the sandbox)" if profile.network == "sandbox" else label
    return out


# --- charts ---------------------------------------------------------------------------------------------------------


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


_WRITTEN: list[Path] = []


def _save(fig: Any, path: Path) -> Path:
    """Save as PNG only when the bytes differ from the file there (same data, same picture, no commit)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    data = buf.getvalue()
    try:
        if path.read_bytes() == data:
            return path
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    _WRITTEN.append(path)
    return path


def _chart_followers(path: Path, series: Mapping[str, list[tuple[dt.date, float]]]) -> Path:
    fig = _figure(8, 4)
    ax = fig.subplots()
    for profile, points in sorted(series.items()):
        if points:
            ax.plot([d for d, _ in points], [v for _, v in points], marker="o", markersize=3, label=profile)
    ax.set_title("Followers")
    ax.set_ylabel("followers")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    return _save(fig, path)


def _chart_groups(path: Path, by_type: list, by_pillar: list) -> Path:
    fig = _figure(9, 3.6)
    axes = fig.subplots(1, 2)
    for ax, groups, title in ((axes[0], by_type, "by post type"), (axes[1], by_pillar, "by pillar")):
        names = [g[0] for g in groups]
        rates = [(g[3] or 0) * 100 for g in groups]
        ax.bar(names, rates, color="#4c78a8")
        for i, g in enumerate(groups):
            ax.annotate(f"n={g[1]}", (i, rates[i]), ha="center", va="bottom", fontsize=7)
        ax.set_title(f"Mean engagement rate {title}")
        ax.set_ylabel("%")
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    return _save(fig, path)


def _chart_heatmap(path: Path, cells: Mapping[tuple[int, int], list[float]], zone: str) -> Path:
    import numpy as np

    grid = np.full((7, 24), np.nan)
    for (day, hour), values in cells.items():
        grid[day, hour] = statistics.fmean(values) * 100
    fig = _figure(10, 3.4)
    ax = fig.subplots()
    masked = np.ma.masked_invalid(grid)
    image = ax.imshow(masked, aspect="auto", cmap="viridis")
    ax.set_yticks(range(7), WEEKDAYS)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel(f"hour ({zone})")
    ax.set_title("Mean engagement rate (%) by weekday and hour; empty = no posts")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return _save(fig, path)


def _chart_audience(path: Path, profile: str, dims: Mapping[str, Mapping[str, float]]) -> Path:
    panels = []
    if dims.get("age_gender"):
        panels.append("age_gender")
    elif dims.get("age"):
        panels.append("age")
    for name in ("country", "city", "industry"):
        if dims.get(name) and len(panels) < 2:
            panels.append(name)
    fig = _figure(4.5 * len(panels), 3.4)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, name in zip(axes, panels, strict=True):
        buckets = dims[name]
        if name == "age_gender":
            ages = sorted({b.split(":", 1)[1] for b in buckets if ":" in b})
            genders = sorted({b.split(":", 1)[0] for b in buckets if ":" in b})
            bottom = [0.0] * len(ages)
            for gender in genders:
                values = [buckets.get(f"{gender}:{a}", 0) for a in ages]
                ax.bar(ages, values, bottom=bottom, label=gender)
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            ax.legend(fontsize=7, title="gender", title_fontsize=7)
            ax.set_title("age and gender")
        else:
            items = sorted(buckets.items()) if name == "age" else sorted(buckets.items(),
                                                                         key=lambda kv: (-kv[1], kv[0]))[:8]
            ax.bar([k for k, _ in items], [v for _, v in items], color="#72b7b2")
            ax.set_title(name)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    fig.suptitle(f"Audience of {profile}", fontsize=10)
    return _save(fig, path)


def default_month(now: dt.datetime, tz: Any) -> tuple[int, int]:
    local = now.astimezone(tz)
    return local.year, local.month
