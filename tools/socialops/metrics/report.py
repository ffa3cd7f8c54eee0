"""The monthly report, from the metrics CSVs and the plan: ``reports/YYYY-MM.md`` with PNG charts beside it.

It opens with a summary: the three things to do next and the month against the month before
(``socialops.metrics.summary``). Everything is derived from ``metrics/posts.csv``, ``metrics/followers.csv`` and ``metrics/audience.csv`` (see
``socialops.metrics.tables``) and ``schedule.yaml`` (its timezone and pillars):

* follower growth per profile over the month (chart and table);
* engagement by post type and by pillar (the posts published in the month; pillars against their planned share);
* engagement by campaign and by tag (``socialops.metrics.labels``);
* a weekday x hour heatmap of the engagement rate, in the plan's timezone;
* the top and bottom posts of the month, with links;
* the audience (age, gender, country, city, ... -- whatever the network offers) on the latest day measured;
* suggested cadence slots per profile: the best times up to the end of the month, with how sure they are
  (``socialops.metrics.best_times``, the same estimate the plan, publish and ``tune`` use).

The report only renders: the best times are computed by ``best_times``, the charts drawn by
``socialops.metrics.charts``.
"""

from __future__ import annotations

import datetime as dt
import functools
import statistics
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.core.files import write_if_changed
from socialops.core.times import parse_utc
from socialops.core.words import plural
from socialops.errors import UsageError
from socialops.metrics import charts
from socialops.metrics.best_times import SUGGESTED_HOURS, WINDOW_DAYS, BestTimes, best_times, pooled_networks
from socialops.metrics.charts import WEEKDAYS
from socialops.metrics.customer_service import customer_service_section
from socialops.metrics.labels import labels_section
from socialops.metrics.summary import month_before, summary_section
from socialops.metrics.tables import AUDIENCE, FOLLOWERS, METRICS_DIR, POSTS, Rows, num, read_table
from socialops.networks import NETWORKS
from socialops.repository.profiles import find_profiles, load_profile
from socialops.repository.schedule import Schedule, load_schedule
from socialops.state.publications import PUBLISHED, Ledger

REPORTS_DIR = "reports"
BASIS = {"audience": "when followers are online", "network": "the network's other profiles",
         "general": "the general daily rhythm"}
TOP = 5
DEMOGRAPHIC_ROWS = 8
DIMENSIONS = ("age", "gender", "age_gender", "country", "region", "city", "industry", "seniority", "function",
              "company_size")


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


def load_posts(rows: Rows) -> list[PostRow]:
    """The live posts of ``metrics/posts.csv`` with a publication time, oldest first."""
    out = []
    for row in rows.values():
        published = parse_utc(row.get("published_at"))
        if published is None or row.get("status") == "deleted":
            continue
        out.append(PostRow(
            profile=row["profile"], post_id=row["post_id"], network=row.get("network", ""), type=row.get("type") or "?",
            pillar=row.get("pillar") or "", published=published, url=row.get("url", ""),
            engagement=num(row.get("engagement")), rate=num(row.get("engagement_rate")),
            rate_base=row.get("rate_base", ""),
            figures={c: num(row.get(c)) for c in ("views", "reach", "likes", "comments", "shares", "saves")}))
    return sorted(out, key=lambda p: (p.published, p.profile, p.post_id))


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


@dataclass
class _Month:
    """What every section of one month's report reads, and the charts it drew."""

    name: str  # YYYY-MM
    root: Path
    folder: Path
    schedule: Schedule
    start: dt.datetime
    end: dt.datetime
    post_rows: Rows
    posts: list[PostRow]
    followers: Rows
    audience: Rows
    labels: dict[str, str]
    only: Collection[str] | None = None  # a brand's report: its profiles
    images: list[Path] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)

    @property
    def tz(self) -> Any:
        return self.schedule.tz

    @property
    def last_day(self) -> dt.date:
        return (self.end - dt.timedelta(days=1)).date()

    @functools.cached_property
    def in_month(self) -> list[PostRow]:
        return [p for p in self.posts if self.start <= p.published < self.end]

    @functools.cached_property
    def profiles(self) -> list[str]:
        return sorted({p.profile for p in self.posts} | {r["profile"] for r in self.followers.values()}
                      | {r["profile"] for r in self.audience.values()})

    @functools.cached_property
    def networks(self) -> dict[str, str]:
        out = {p.profile: p.network for p in self.posts}
        out.update({r["profile"]: r["network"] for r in self.followers.values()})
        return out

    @functools.cached_property
    def best(self) -> dict[str, BestTimes]:
        """The best times up to the end of the month (the same estimate the plan and `tune` use)."""
        return best_times(self.post_rows.values(), self.tz, now=self.end, profiles=self.profiles,
                          audience=self.audience.values(), networks=self.pooled)

    @functools.cached_property
    def pooled(self) -> dict[str, str]:
        """Whose pattern each profile's timing shares (a sandbox profile: the network it imitates)."""
        return pooled_networks(self.root)

    def chart(self, made: charts.Chart, suffix: str) -> str:
        """Save a chart as ``<month>-<suffix>.png`` beside the report; returns its Markdown image, the chart's
        alt text as its description."""
        path = self.folder / f"{self.name}-{suffix}.png"
        if charts.save_chart(made.figure, path):
            self.changed.append(path)
        self.images.append(path)
        alt = made.alt.replace("[", "(").replace("]", ")").replace("\n", " ")
        return f"![{alt}]({path.name})"


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


def build_report(root: Path, year: int, month: int, *, brand: str | None = None,
                 profiles: Collection[str] | None = None) -> ReportResult:
    """Write ``reports/YYYY-MM.md`` and its charts; returns what was written. A brand's report
    (``brand`` and its ``profiles``): ``reports/<brand>/YYYY-MM.md``, its profiles only, in its plan."""
    root = Path(root)
    schedule = load_schedule(root).for_brand(brand)
    start, end = month_bounds(year, month, schedule.tz)
    folder = root / REPORTS_DIR / brand if brand else root / REPORTS_DIR
    folder.mkdir(parents=True, exist_ok=True)

    def table(name: str) -> Rows:
        rows = read_table(root / METRICS_DIR, name)
        return rows if profiles is None else {k: r for k, r in rows.items() if r.get("profile") in profiles}

    post_rows = table(POSTS)
    m = _Month(name=f"{year:04d}-{month:02d}", root=root, folder=folder, schedule=schedule, start=start, end=end,
               post_rows=post_rows, posts=load_posts(post_rows), followers=table(FOLLOWERS),
               audience=table(AUDIENCE), labels=_network_labels(root), only=profiles)
    md = _introduction(m) + summary_section(m, _n, _pct)
    for section in (_followers_section, _engagement_section, lambda m: labels_section(m, _n, _pct),
                    _heatmap_section, _top_posts_section, _audience_section, _suggestions_section):
        md += section(m)
    md += customer_service_section(root, start, end, schedule.tz, _table, profiles)
    md.append("_Figures of sandbox profiles are simulated (socialops' built-in sandbox network), not measured._"
              if any(n == "sandbox" for n in m.networks.values()) else "")
    text = "\n".join(md).rstrip("\n") + "\n"
    path = folder / f"{m.name}.md"
    changed = list(m.changed)
    if write_if_changed(path, text):
        changed.append(path)
    return ReportResult(path=path, markdown=text, images=m.images, changed=changed)


def _introduction(m: _Month) -> list[str]:
    in_month = m.in_month
    last = m.last_day.isoformat()
    data_days = sorted({r["date"] for r in m.followers.values() if r["date"] <= last})
    published = _published_in(m.root, m.start, m.end, m.only)  # the ledger: also what has no figures yet
    pairs = published | {(p.post_id, p.profile) for p in in_month}
    without = len(pairs) - len(in_month)
    md = [f"# Social media report {m.name}" + (f": {m.folder.name}" if m.only is not None else ""), "",
          f"From the metrics in `metrics/` (latest day measured: {data_days[-1] if data_days else 'none'}); "
          f"times in {m.tz.key}. Posts published {m.start.date().isoformat()} to {last}: "
          f"{plural(len(pairs), 'publication')} on {plural(len({pid for _, pid in pairs}), 'profile')}"
          + (f" ({without} without figures yet)" if without else "") + ".", ""]
    if not m.profiles:
        md += ["No metrics yet. Run `socialops metrics` (the metrics workflow does it daily) and then this report "
               "again.", ""]
    return md


def _daily_sum(rows: list[dict], window: list[dict], column: str) -> str:
    """A daily figure (gained, lost) summed over the window; "–" when the network never reports it (an empty
    column, not a zero: Instagram and LinkedIn report new followers only)."""
    if not any(r.get(column) not in (None, "") for r in rows):
        return "–"
    return _n(sum(num(r.get(column)) or 0 for r in window))


def _published_in(root: Path, start: dt.datetime, end: dt.datetime,
                  only: Collection[str] | None = None) -> set[tuple[str, str]]:
    """(post id, profile) of every publication the ledger records in [start, end)."""
    return {pair for pair, state in Ledger(root).state().items()
            if state.status == PUBLISHED and state.published_at is not None and start <= state.published_at < end
            and (only is None or pair[1] in only)}


def _followers_section(m: _Month) -> list[str]:
    md = ["## Followers", ""]
    series: dict[str, list[tuple[dt.date, float]]] = {}
    for (day, profile), row in sorted(m.followers.items()):
        count = num(row.get("followers"))
        if count is None:
            continue
        date = dt.date.fromisoformat(day)
        if m.start.date() - dt.timedelta(days=1) <= date <= m.last_day:
            series.setdefault(profile, []).append((date, count))
    networks = m.networks
    rows = []
    for profile in m.profiles:
        points = series.get(profile, [])
        mine = [r for (d, pid), r in m.followers.items() if pid == profile]
        if points:
            first, last = points[0][1], points[-1][1]
            change = last - first
            # gained and lost over the days the change spans: after the first count, up to the last one
            after, upto = points[0][0].isoformat(), points[-1][0].isoformat()
            window = [r for (d, pid), r in m.followers.items() if pid == profile and after < d <= upto]
            rows.append([profile, networks.get(profile, ""), _n(first), _n(last),
                         f"{'+' if change >= 0 else ''}{_n(change)}" + (f" ({change / first * 100:+.1f} %)" if first
                                                                       else ""),
                         _daily_sum(mine, window, "gained"), _daily_sum(mine, window, "lost"), str(len(points))])
        else:
            rows.append([profile, networks.get(profile, ""), "–", "–", "–", "–", "–", "0"])
    if rows:
        md += _table(["profile", "network", "first", "last", "change", "gained", "lost", "days measured"], rows)
        md.append("")
    if any(len(v) >= 2 for v in series.values()):
        md += [m.chart(charts.followers_chart(series, m.tz.key), "followers"), ""]
    elif m.profiles:
        md += ["Too little data for a growth chart: it needs follower counts on two days or more this month.", ""]
    return md


def _engagement_section(m: _Month) -> list[str]:
    md = ["## Engagement by post type and pillar", ""]
    in_month = m.in_month
    if not in_month:
        return md + ["No posts with figures were published this month.", ""]
    md.append("Engagement = likes + comments + shares + quotes + saves; the rate divides it by the reach "
              "(or views, or followers where a network has neither).")
    md.append("")
    by_type = _group(in_month, lambda p: p.type)
    md += _table(["type", "posts", "engagement", "mean rate"],
                 [[t, str(n), _n(e), _pct(r, 2)] for t, n, e, r in by_type])
    md.append("")
    by_pillar = _group(in_month, lambda p: p.pillar or "(no pillar)")
    shares = {k: v.get("share") for k, v in m.schedule.pillars.items() if isinstance(v, Mapping)}
    total_posts = len(in_month)
    md += _table(["pillar", "posts", "share of posts", "planned share", "engagement", "mean rate"],
                 [[p, str(n), f"{n / total_posts * 100:.0f} %",
                   f"{shares[p]} %" if isinstance(shares.get(p), int | float) else "–", _n(e), _pct(r, 2)]
                  for p, n, e, r in by_pillar])
    md.append("")
    earlier = month_before(m.start)
    before = [p for p in m.posts if earlier <= p.published < m.start]
    previous = (f"{earlier:%Y-%m}", _group(before, lambda p: p.type),
                _group(before, lambda p: p.pillar or "(no pillar)")) if before else None
    return md + [m.chart(charts.groups_chart(by_type, by_pillar, m.name, previous), "engagement"), ""]


def _heatmap_section(m: _Month) -> list[str]:
    md = [f"## When posts engage: weekday × hour ({m.tz.key})", ""]
    cells: dict[tuple[int, int], list[float]] = {}
    for p in m.in_month:
        if p.rate is None:
            continue
        local = p.published.astimezone(m.tz)
        cells.setdefault((local.weekday(), local.hour), []).append(p.rate)
    if not cells:
        return md + ["No posts with an engagement rate this month.", ""]
    image = m.chart(charts.heatmap_chart(cells, m.tz.key), "heatmap")
    md.append(f"Mean engagement rate of the month's posts by the weekday and hour they went out "
              f"({sum(len(v) for v in cells.values())} posts in {len(cells)} of the 168 weekday-hours).")
    md += ["", image, ""]
    best = sorted(((statistics.fmean(v), k, len(v)) for k, v in cells.items()), key=lambda t: (-t[0], t[1]))[:5]
    md += _table(["weekday", "hour", "posts", "mean rate"],
                 [[WEEKDAYS[d], f"{h:02d}:00", str(n), _pct(r, 2)] for r, (d, h), n in best])
    md.append("")
    return md


def _top_posts_section(m: _Month) -> list[str]:
    md = ["## Top and bottom posts", ""]
    rated = sorted((p for p in m.in_month if p.rate is not None),
                   key=lambda p: (-(p.rate or 0), -(p.engagement or 0), p.post_id, p.profile))
    if not rated:
        return md + ["No posts with figures this month.", ""]

    def post_row(p: PostRow) -> list[str]:
        link = f"[{p.post_id}]({p.url})" if p.url.startswith(("https://", "http://")) else p.post_id
        return [link, p.profile, p.type, p.pillar or "–", p.published.astimezone(m.tz).strftime("%a %d.%m. %H:%M"),
                _n(p.engagement), _pct(p.rate, 2)]

    header = ["post", "profile", "type", "pillar", "published", "engagement", "rate"]
    top = rated[:TOP]
    md += [f"Best {len(top)} by engagement rate:", ""] + _table(header, [post_row(p) for p in top]) + [""]
    bottom = [p for p in rated[-TOP:] if p not in top][::-1]
    if bottom:
        md += [f"Weakest {len(bottom)}:", ""] + _table(header, [post_row(p) for p in bottom]) + [""]
    return md


def _audience_section(m: _Month) -> list[str]:
    md = ["## Audience", ""]
    latest: dict[str, str] = {}
    for row in m.audience.values():
        if row["date"] <= m.last_day.isoformat():
            latest[row["profile"]] = max(latest.get(row["profile"], ""), row["date"])
    for profile in m.profiles:
        day = latest.get(profile)
        if not day:
            md += [f"- **{profile}**: no demographics ({m.labels.get(profile, 'this network')} does not offer "
                   "them, or none were measured yet).", ""]
            continue
        dims: dict[str, dict[str, float]] = {}
        for row in m.audience.values():
            if row["profile"] == profile and row["date"] == day:
                value = num(row.get("value"))
                if value is not None:
                    dims.setdefault(row["dimension"], {})[row["bucket"]] = value
        md += [f"### {profile} (followers on {day})", ""]
        md += [_dimension_line(dimension, dims[dimension]) for dimension in DIMENSIONS if dims.get(dimension)]
        if dims.get("age_gender") or dims.get("age") or dims.get("country"):
            md += ["", m.chart(charts.audience_chart(profile, dims), f"audience-{profile}"), ""]
    if md[-1] != "":
        md.append("")
    return md


def _dimension_line(dimension: str, buckets: Mapping[str, float]) -> str:
    """One dimension's buckets as shares: age in order, gender whole, the others' largest first."""
    total = sum(buckets.values()) or 1
    ranked = sorted(buckets.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ranked if dimension in ("age", "gender") else ranked[:DEMOGRAPHIC_ROWS]
    if dimension == "age":
        shown = sorted(buckets.items())
    text = ", ".join(f"{b} {v / total * 100:.0f} %" for b, v in shown)
    more = f" (top {DEMOGRAPHIC_ROWS} of {len(ranked)})" if len(shown) < len(ranked) else ""
    return f"- {dimension.replace('_', ' ')}{more}: {text}"


def _suggestions_section(m: _Month) -> list[str]:
    md = ["## Suggested cadence slots", ""]
    md.append(f"For each profile, the hours and weekdays (plan's timezone) whose posts are estimated to engage "
              f"best: a shrinkage estimate that starts from when its followers are online (where the network says) "
              f"or the network's general pattern, and moves to the profile's own results of the last {WINDOW_DAYS} "
              "days as they accumulate. The confidence says how much of it rests on those results. A cadence slot "
              "whose hours say `best` takes these hours; `socialops tune` proposes them as a pull request.")
    md.append("")
    for pid in m.profiles:
        s = m.best[pid]
        if s.reason:
            md.append(f"- **{s.profile}**: {s.reason}.")
            continue
        hours = ", ".join(f"{h:02d}:00 ({r * 100:.2f} %, {plural(n, 'post')})" for h, r, n in s.hours[:SUGGESTED_HOURS])
        line = (f"- **{s.profile}**: best hours {hours}; {s.level} confidence ({s.confidence * 100:.0f} %, "
                f"from {BASIS[s.basis]} and {plural(s.posts, 'post')})")
        if s.overall is not None:
            line += f"; all posts {_pct(s.overall, 2)}"
        line += "; best weekdays " + ", ".join(f"{WEEKDAYS[d]} ({r * 100:.2f} %)" for d, r, _ in s.weekdays[:3])
        md.append(line + ".")
    md.append("")
    return md


def _network_labels(root: Path) -> dict[str, str]:
    """Profile id -> what its network is called (a sandbox profile: the network it imitates)."""
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


def default_month(now: dt.datetime, tz: Any) -> tuple[int, int]:
    local = now.astimezone(tz)
    return local.year, local.month
