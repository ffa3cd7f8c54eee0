"""Metrics from the networks: what each one is asked, at which endpoint, and how its answers become figures.

An adapter does not fetch metrics itself. ``Network.metrics_calls(publications, now=...)`` returns a list of
:class:`MetricsCall` (a GET with its parser); ``socialops.metrics.fetch`` sends them concurrently with
``httpx.AsyncClient`` within the network's rate limit (:data:`socialops.networks.specs.METRICS`) and merges the
parsed :class:`Figures`. Parsing is pure, so the contract tests feed documented payloads straight to it.

Endpoints (../shared/reference/platform-api.md, x.3 of each network; tags there say how sure each one is):

========== ========================================================================================
facebook   post: ``GET /{post-id}/insights?metric=post_total_media_view_unique,post_media_view,
           post_reactions_by_type_total,post_clicks_by_type[,post_video_views]`` and
           ``GET /{post-id}?fields=shares,comments.limit(0).summary(true),reactions.limit(0).summary(total_count)``;
           page: ``GET /{page-id}?fields=followers_count,fan_count``, ``GET /{page-id}/insights?metric=
           page_daily_follows_unique,page_daily_unfollows_unique&period=day``, ``GET /{page-id}/insights?metric=
           page_follows_country,page_follows_city&period=day``. The removed metrics (``post_impressions*``,
           ``page_fans*``, ``page_impressions*``, 2024-2026) are never asked for.
instagram  media: ``GET /{media-id}/insights?metric=views,reach,likes,comments,shares,saved,total_interactions``
           (stories: ``views,reach,replies,shares``) and ``GET /{media-id}?fields=like_count,comments_count``;
           account: ``GET /{ig-user-id}?fields=followers_count,follows_count,media_count``,
           ``GET /{ig-user-id}/insights?metric=follower_count&period=day``, and per breakdown (age, gender,
           age+gender, country, city) ``GET /{ig-user-id}/insights?metric=follower_demographics&period=lifetime
           &metric_type=total_value&timeframe=this_month&breakdown=...``. ``impressions``, ``plays``,
           ``video_views`` and ``engagement`` (removed 2023-2025) are never asked for.
linkedin   ``GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&...&shares=List(..)
           &ugcPosts=List(..)`` (20 posts a call), ``GET /rest/networkSizes/{org}?edgeType=
           COMPANY_FOLLOWED_BY_MEMBER``, ``GET /rest/organizationalEntityFollowerStatistics`` with daily
           ``timeIntervals`` (gains) and without (lifetime demographics: country, region, industry, seniority,
           function, company size; LinkedIn has no age or gender).
mastodon   ``GET /api/v1/statuses/{id}`` (favourites, replies, reblogs, quotes) and
           ``GET /api/v1/accounts/verify_credentials`` (followers, following, statuses). No reach, views or
           demographics exist.
bluesky    ``GET /xrpc/app.bsky.feed.getPosts?uris=..`` (25 a call: likes, replies, reposts, quotes,
           bookmarks) and ``GET /xrpc/app.bsky.actor.getProfile`` (followers, follows, posts), through the
           account's PDS, which forwards them to the AppView. No reach, views or demographics exist.
========== ========================================================================================

Meta tolerance: when Meta refuses a metric ("invalid metric", error code 100, or code 10 "not enough viewers")
a call asking for several metrics is split into one call per metric, and a single refused metric is noted in
``Figures.missing`` and left empty: the other figures of the post are kept.

This module must stay importable without httpx (it is imported when adapters are).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

POST_FIGURES = ("views", "reach", "likes", "comments", "shares", "quotes", "saves", "video_views", "link_clicks")
PROFILE_FIGURES = ("followers", "follows", "posts")
DAILY_FIGURES = ("gained", "lost")
DIMENSIONS = ("age", "gender", "age_gender", "country", "region", "city", "industry", "seniority", "function",
              "company_size")


@dataclass(frozen=True)
class Publication:
    """One published (post, profile) pair, as the ledger and the content know it."""

    post_id: str
    profile: str
    remote_id: str
    url: str = ""
    type: str = ""
    pillar: str = ""
    published_at: dt.datetime | None = None


@dataclass
class Figures:
    """What one or more answers said. Post figures are keyed by the network's id of the post (``remote_id``);
    ``daily`` by ISO date (the day a figure describes); ``audience`` by dimension, then bucket."""

    posts: dict[str, dict[str, float]] = field(default_factory=dict)
    profile: dict[str, float] = field(default_factory=dict)
    daily: dict[str, dict[str, float]] = field(default_factory=dict)
    audience: dict[str, dict[str, float]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    calls: list[MetricsCall] = field(default_factory=list)

    def post(self, remote_id: str, column: str, value: Any) -> None:
        number = as_number(value)
        if number is None:
            return
        row = self.posts.setdefault(remote_id, {})
        row[column] = max(row.get(column, number), number)

    def account(self, column: str, value: Any) -> None:
        number = as_number(value)
        if number is not None:
            self.profile[column] = max(self.profile.get(column, number), number)

    def day(self, date: dt.date | str, column: str, value: Any) -> None:
        number = as_number(value)
        if number is None:
            return
        key = date if isinstance(date, str) else date.isoformat()
        self.daily.setdefault(key, {})[column] = number

    def merge(self, other: Figures) -> Figures:
        """Fold another answer in. Deterministic whatever the order answers arrive in: two sources of one post
        figure (Facebook's reactions from insights and from the post's fields) keep the larger."""
        for rid, cols in other.posts.items():
            for col, value in cols.items():
                self.post(rid, col, value)
        for col, value in other.profile.items():
            self.account(col, value)
        for date, cols in other.daily.items():
            row = self.daily.setdefault(date, {})
            for col, value in cols.items():
                row[col] = max(row.get(col, value), value)
        for dim, buckets in other.audience.items():
            self.audience[dim] = dict(buckets)
        self.missing.extend(m for m in other.missing if m not in self.missing)
        self.gone |= other.gone
        return self


@dataclass
class MetricsCall:
    """One request for metrics.

    ``parse(body)`` turns the JSON answer into Figures (it may add follow-up ``calls``). ``on_error(status,
    body)`` may handle a refusal itself (Meta's "invalid metric": return Figures with the calls split per
    metric, or with the metric noted as missing); None lets the network's error mapping decide.
    ``items`` names what the call is about ("post:<remote id>", "account"), so a rerun the same day can skip
    what is already fetched. ``local`` is set instead of ``url`` by a network that answers without HTTP (the
    sandbox)."""

    name: str
    url: str = ""
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    parse: Callable[[Any], Figures] | None = None
    on_error: Callable[[int, Any], Figures | None] | None = None
    items: tuple[str, ...] = ()
    local: Callable[[], Figures] | None = None
    method: str = "GET"


def post_item(remote_id: str) -> str:
    return f"post:{remote_id}"


ACCOUNT_ITEM = "account"


# --- small parsing helpers ---------------------------------------------------------------------------------------


def as_number(value: Any) -> float | None:
    """A count or figure from an answer: ints and floats (not bools); numeric strings; a dict of parts (Meta
    splits some values, e.g. by reaction type or paid/organic) is summed. None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    if isinstance(value, Mapping):
        parts = [as_number(v) for v in value.values()]
        parts = [p for p in parts if p is not None]
        return float(sum(parts)) if parts else None
    return None


def _chunks(items: list, size: int) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":  # Meta: 2026-12-02T08:00:00+0000
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _day_of_end_time(end_time: Any) -> str | None:
    """The day a Meta ``period=day`` value describes: the day that ends at its ``end_time`` (Meta's days are
    Pacific days: ``2026-11-30T08:00:00+0000`` closes 29 November), named by the date it starts on."""
    moment = _parse_time(end_time)
    if moment is None:
        return None
    return (moment.astimezone(dt.UTC) - dt.timedelta(days=1)).date().isoformat()


# --- Meta (Facebook and Instagram) -------------------------------------------------------------------------------

META_INVALID_CODES = frozenset({100, 10})


def meta_refusal(status: int, body: Any) -> tuple[int | None, str] | None:
    """(code, message) of a Graph refusal that concerns the metrics asked (code 100 "invalid metric" or a
    parameter the metric does not take, code 10 "not enough viewers"), else None."""
    if status < 400 or not isinstance(body, Mapping) or not isinstance(body.get("error"), Mapping):
        return None
    err = body["error"]
    code = err.get("code")
    code = int(code) if isinstance(code, int | float) and not isinstance(code, bool) else None
    if code not in META_INVALID_CODES:
        return None
    return code, " ".join(str(err.get("error_user_msg") or err.get("message") or "").split())[:200]


def insight_values(body: Any) -> dict[str, Any]:
    """``{metric name: latest value}`` of a Graph insights answer: ``data[].values[-1].value`` or
    ``data[].total_value.value``."""
    out: dict[str, Any] = {}
    data = body.get("data") if isinstance(body, Mapping) else None
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            continue
        total = entry.get("total_value")
        if isinstance(total, Mapping) and "value" in total:
            out[entry["name"]] = total["value"]
            continue
        values = entry.get("values")
        if isinstance(values, list) and values and isinstance(values[-1], Mapping):
            out[entry["name"]] = values[-1].get("value")
    return out


def insight_series(body: Any) -> dict[str, list[tuple[str, Any]]]:
    """``{metric: [(day, value), ...]}`` of a ``period=day`` insights answer (day = the day that ends at
    ``end_time``)."""
    out: dict[str, list[tuple[str, Any]]] = {}
    data = body.get("data") if isinstance(body, Mapping) else None
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            continue
        series = out.setdefault(entry["name"], [])
        for value in entry.get("values") or []:
            if isinstance(value, Mapping):
                day = _day_of_end_time(value.get("end_time"))
                if day:
                    series.append((day, value.get("value")))
    return out


def meta_insights_call(name: str, url: str, metrics: list[str], params: Mapping[str, str], headers: dict[str, str],
                       parse: Callable[[dict[str, Any], Figures], None], items: tuple[str, ...]) -> MetricsCall:
    """An insights call for ``metrics``; ``parse(values, figures)`` gets ``{metric: value}`` (or the whole body
    under the key ``""``). A refused metric list is split into one call per metric; a refused single metric is
    noted as missing, so one removed metric never costs the others."""

    def on_parse(body: Any) -> Figures:
        figures = Figures()
        values = insight_values(body)
        values[""] = body
        parse(values, figures)
        return figures

    def on_error(status: int, body: Any) -> Figures | None:
        refusal = meta_refusal(status, body)
        if refusal is None:
            return None
        code, message = refusal
        if len(metrics) > 1:
            return Figures(calls=[meta_insights_call(f"{name} [{m}]", url, [m], params, headers, parse, items)
                                  for m in metrics])
        why = "not enough viewers yet" if code == 10 else message or "refused"
        return Figures(missing=[f"{name}: {metrics[0]} not available ({why})"])

    query = [("metric", ",".join(metrics)), *sorted(params.items())]
    return MetricsCall(name=name, url=url, params=query, headers=headers, parse=on_parse, on_error=on_error,
                       items=items)


def _window(now: dt.datetime, days: int) -> dict[str, str]:
    until = int(now.timestamp())
    return {"since": str(until - days * 86400), "until": str(until)}


# Facebook ------------------------------------------------------------------------------------------------------

FACEBOOK_POST_METRICS = ["post_total_media_view_unique", "post_media_view", "post_reactions_by_type_total",
                         "post_clicks_by_type"]
FACEBOOK_VIDEO_METRICS = ["post_video_views"]
FACEBOOK_PAGE_DAILY = ["page_daily_follows_unique", "page_daily_unfollows_unique"]
FACEBOOK_PAGE_AUDIENCE = ["page_follows_country", "page_follows_city"]
FACEBOOK_FIELDS = "shares,comments.limit(0).summary(true),reactions.limit(0).summary(total_count)"


def facebook_post_insights(remote_id: str, values: Mapping[str, Any], figures: Figures) -> None:
    figures.post(remote_id, "reach", values.get("post_total_media_view_unique"))
    figures.post(remote_id, "views", values.get("post_media_view"))
    figures.post(remote_id, "likes", values.get("post_reactions_by_type_total"))
    clicks = values.get("post_clicks_by_type")
    if isinstance(clicks, Mapping):
        figures.post(remote_id, "link_clicks", clicks.get("link clicks", 0))
    figures.post(remote_id, "video_views", values.get("post_video_views"))


def facebook_post_fields(remote_id: str, body: Any, figures: Figures) -> None:
    if not isinstance(body, Mapping):
        return
    shares = body.get("shares")
    figures.post(remote_id, "shares", shares.get("count") if isinstance(shares, Mapping) else 0)
    for key, column in (("comments", "comments"), ("reactions", "likes")):
        part = body.get(key)
        summary = part.get("summary") if isinstance(part, Mapping) else None
        if isinstance(summary, Mapping):
            figures.post(remote_id, column, summary.get("total_count"))


def facebook_page(body: Any, figures: Figures) -> None:
    if isinstance(body, Mapping):
        figures.account("followers", body.get("followers_count", body.get("fan_count")))


def facebook_page_daily(values: Mapping[str, Any], figures: Figures) -> None:
    series = insight_series(values.get(""))
    for day, value in series.get("page_daily_follows_unique", []):
        figures.day(day, "gained", value)
    for day, value in series.get("page_daily_unfollows_unique", []):
        figures.day(day, "lost", value)


def facebook_page_audience(values: Mapping[str, Any], figures: Figures) -> None:
    for metric, dimension in (("page_follows_country", "country"), ("page_follows_city", "city")):
        value = values.get(metric)
        if isinstance(value, Mapping):
            figures.audience[dimension] = {str(k): float(v) for k, v in value.items()
                                           if as_number(v) is not None}


def facebook_calls(pubs: list[Publication], *, base: str, page_id: str, headers: dict[str, str],
                   now: dt.datetime) -> list[MetricsCall]:
    calls: list[MetricsCall] = []
    for pub in pubs:
        rid = pub.remote_id
        metrics = FACEBOOK_POST_METRICS + (FACEBOOK_VIDEO_METRICS if pub.type in ("video", "reel") else [])
        calls.append(meta_insights_call(
            f"facebook post {rid} insights", f"{base}/{rid}/insights", metrics, {}, headers,
            lambda values, figures, rid=rid: facebook_post_insights(rid, values, figures), (post_item(rid),)))
        calls.append(MetricsCall(
            name=f"facebook post {rid}", url=f"{base}/{rid}", params=[("fields", FACEBOOK_FIELDS)], headers=headers,
            parse=lambda body, rid=rid: _with(lambda f: facebook_post_fields(rid, body, f)),
            on_error=_gone_on_404(rid), items=(post_item(rid),)))
    calls.append(MetricsCall(name="facebook page", url=f"{base}/{page_id}",
                             params=[("fields", "followers_count,fan_count")], headers=headers,
                             parse=lambda body: _with(lambda f: facebook_page(body, f)), items=(ACCOUNT_ITEM,)))
    calls.append(meta_insights_call("facebook page follows", f"{base}/{page_id}/insights", FACEBOOK_PAGE_DAILY,
                                    {"period": "day", **_window(now, 7)}, headers, facebook_page_daily,
                                    (ACCOUNT_ITEM,)))
    calls.append(meta_insights_call("facebook page audience", f"{base}/{page_id}/insights", FACEBOOK_PAGE_AUDIENCE,
                                    {"period": "day"}, headers, facebook_page_audience, (ACCOUNT_ITEM,)))
    return calls


def _with(fill: Callable[[Figures], None]) -> Figures:
    figures = Figures()
    fill(figures)
    return figures


def _gone_on_404(remote_id: str) -> Callable[[int, Any], Figures | None]:
    """A post the network no longer has (deleted by someone): noted, not a failure."""

    def on_error(status: int, body: Any) -> Figures | None:
        if status == 404 or (status == 400 and _meta_code(body) == 100 and "does not exist" in _meta_message(body)):
            figures = Figures(missing=[f"post {remote_id} is no longer on the network"])
            figures.gone.add(remote_id)
            return figures
        return None

    return on_error


def _meta_code(body: Any) -> int | None:
    err = body.get("error") if isinstance(body, Mapping) else None
    code = err.get("code") if isinstance(err, Mapping) else None
    return int(code) if isinstance(code, int) and not isinstance(code, bool) else None


def _meta_message(body: Any) -> str:
    err = body.get("error") if isinstance(body, Mapping) else None
    return str(err.get("message") or "") if isinstance(err, Mapping) else ""


# Instagram -----------------------------------------------------------------------------------------------------

INSTAGRAM_FEED_METRICS = ["views", "reach", "likes", "comments", "shares", "saved", "total_interactions"]
INSTAGRAM_STORY_METRICS = ["views", "reach", "replies", "shares"]
INSTAGRAM_BREAKDOWNS = (("age", "age"), ("gender", "gender"), ("age,gender", "age_gender"), ("country", "country"),
                        ("city", "city"))


def instagram_media_insights(remote_id: str, post_type: str, values: Mapping[str, Any], figures: Figures) -> None:
    for metric, column in (("views", "views"), ("reach", "reach"), ("likes", "likes"), ("comments", "comments"),
                           ("replies", "comments"), ("shares", "shares"), ("saved", "saves")):
        figures.post(remote_id, column, values.get(metric))
    if post_type in ("video", "reel"):  # a Reel's views are its plays (``plays`` was folded into ``views``)
        figures.post(remote_id, "video_views", values.get("views"))


def instagram_media_fields(remote_id: str, body: Any, figures: Figures) -> None:
    if isinstance(body, Mapping):
        figures.post(remote_id, "likes", body.get("like_count"))
        figures.post(remote_id, "comments", body.get("comments_count"))


def instagram_account(body: Any, figures: Figures) -> None:
    if isinstance(body, Mapping):
        figures.account("followers", body.get("followers_count"))
        figures.account("follows", body.get("follows_count"))
        figures.account("posts", body.get("media_count"))


def instagram_daily(values: Mapping[str, Any], figures: Figures) -> None:
    for day, value in insight_series(values.get("")).get("follower_count", []):
        figures.day(day, "gained", value)


def instagram_demographics(dimension: str, values: Mapping[str, Any], figures: Figures) -> None:
    """``data[0].total_value.breakdowns[0].results[] = {dimension_values: [...], value}``; an age+gender
    bucket is written ``F:25-34`` (gender first, as Meta's codes F, M, U)."""
    body = values.get("")
    data = body.get("data") if isinstance(body, Mapping) else None
    buckets: dict[str, float] = {}
    for entry in data if isinstance(data, list) else []:
        total = entry.get("total_value") if isinstance(entry, Mapping) else None
        for breakdown in (total.get("breakdowns") or []) if isinstance(total, Mapping) else []:
            keys = breakdown.get("dimension_keys") if isinstance(breakdown, Mapping) else None
            for result in breakdown.get("results") or [] if isinstance(breakdown, Mapping) else []:
                labels = result.get("dimension_values") if isinstance(result, Mapping) else None
                number = as_number(result.get("value")) if isinstance(result, Mapping) else None
                if not isinstance(labels, list) or number is None:
                    continue
                named = dict(zip(keys, labels, strict=False)) if isinstance(keys, list) else {}
                if dimension == "age_gender":
                    label = f"{named.get('gender', labels[-1])}:{named.get('age', labels[0])}"
                else:
                    label = str(labels[0])
                buckets[label] = buckets.get(label, 0) + number
    figures.audience[dimension] = buckets


def instagram_calls(pubs: list[Publication], *, base: str, user_id: str, headers: dict[str, str],
                    now: dt.datetime) -> list[MetricsCall]:
    calls: list[MetricsCall] = []
    for pub in pubs:
        rid, kind = pub.remote_id, pub.type
        metrics = INSTAGRAM_STORY_METRICS if kind == "story" else INSTAGRAM_FEED_METRICS
        calls.append(meta_insights_call(
            f"instagram media {rid} insights", f"{base}/{rid}/insights", metrics, {}, headers,
            lambda values, figures, rid=rid, kind=kind: instagram_media_insights(rid, kind, values, figures),
            (post_item(rid),)))
        calls.append(MetricsCall(
            name=f"instagram media {rid}", url=f"{base}/{rid}", params=[("fields", "like_count,comments_count")],
            headers=headers, parse=lambda body, rid=rid: _with(lambda f: instagram_media_fields(rid, body, f)),
            on_error=_gone_on_404(rid), items=(post_item(rid),)))
    calls.append(MetricsCall(name="instagram account", url=f"{base}/{user_id}",
                             params=[("fields", "followers_count,follows_count,media_count")], headers=headers,
                             parse=lambda body: _with(lambda f: instagram_account(body, f)), items=(ACCOUNT_ITEM,)))
    calls.append(meta_insights_call("instagram follower_count", f"{base}/{user_id}/insights", ["follower_count"],
                                    {"period": "day", **_window(now, 7)}, headers, instagram_daily, (ACCOUNT_ITEM,)))
    for breakdown, dimension in INSTAGRAM_BREAKDOWNS:
        calls.append(meta_insights_call(
            f"instagram follower_demographics by {breakdown}", f"{base}/{user_id}/insights",
            ["follower_demographics"],
            {"period": "lifetime", "metric_type": "total_value", "timeframe": "this_month", "breakdown": breakdown},
            headers, lambda values, figures, dimension=dimension: instagram_demographics(dimension, values, figures),
            (ACCOUNT_ITEM,)))
    return calls


# LinkedIn ------------------------------------------------------------------------------------------------------

LINKEDIN_BATCH = 20
LINKEDIN_SHARE_STATS = (("impressionCount", "views"), ("uniqueImpressionsCount", "reach"), ("likeCount", "likes"),
                        ("commentCount", "comments"), ("shareCount", "shares"), ("clickCount", "link_clicks"))
LINKEDIN_DEMOGRAPHICS = (("followerCountsByGeoCountry", "geo", "country"), ("followerCountsByGeo", "geo", "region"),
                         ("followerCountsByIndustry", "industry", "industry"),
                         ("followerCountsBySeniority", "seniority", "seniority"),
                         ("followerCountsByFunction", "function", "function"),
                         ("followerCountsByStaffCountRange", "staffCountRange", "company_size"))


def _rest_list(urns: list[str]) -> str:
    return "List(" + ",".join(quote(u, safe="") for u in urns) + ")"


def linkedin_share_statistics(body: Any, figures: Figures) -> None:
    elements = body.get("elements") if isinstance(body, Mapping) else None
    for element in elements if isinstance(elements, list) else []:
        if not isinstance(element, Mapping):
            continue
        urn = element.get("share") or element.get("ugcPost")
        stats = element.get("totalShareStatistics")
        if not isinstance(urn, str) or not isinstance(stats, Mapping):
            continue
        for key, column in LINKEDIN_SHARE_STATS:
            figures.post(urn, column, stats.get(key))


def linkedin_network_size(body: Any, figures: Figures) -> None:
    if isinstance(body, Mapping):
        figures.account("followers", body.get("firstDegreeSize"))


def _follower_counts(value: Any) -> float | None:
    if not isinstance(value, Mapping):
        return None
    return as_number({k: value.get(k) for k in ("organicFollowerCount", "paidFollowerCount") if k in value})


def linkedin_follower_gains(body: Any, figures: Figures) -> None:
    elements = body.get("elements") if isinstance(body, Mapping) else None
    for element in elements if isinstance(elements, list) else []:
        if not isinstance(element, Mapping):
            continue
        start = (element.get("timeRange") or {}).get("start") if isinstance(element.get("timeRange"), Mapping) else None
        gains = element.get("followerGains")
        if not isinstance(start, int | float) or not isinstance(gains, Mapping):
            continue
        day = dt.datetime.fromtimestamp(start / 1000, dt.UTC).date()
        figures.day(day, "gained", as_number({k: gains.get(k) for k in ("organicFollowerGain", "paidFollowerGain")
                                              if k in gains}))


def linkedin_demographics(body: Any, figures: Figures) -> None:
    elements = body.get("elements") if isinstance(body, Mapping) else None
    element = elements[0] if isinstance(elements, list) and elements and isinstance(elements[0], Mapping) else {}
    for key, label_key, dimension in LINKEDIN_DEMOGRAPHICS:
        entries = element.get(key)
        if not isinstance(entries, list):
            continue
        buckets: dict[str, float] = {}
        for entry in entries:
            if not isinstance(entry, Mapping):
                continue
            label, count = entry.get(label_key), _follower_counts(entry.get("followerCounts"))
            if isinstance(label, str) and count is not None:
                buckets[label] = buckets.get(label, 0) + count
        figures.audience[dimension] = buckets


def linkedin_calls(pubs: list[Publication], *, base: str, org_urn: str, headers: dict[str, str],
                   now: dt.datetime) -> list[MetricsCall]:
    calls: list[MetricsCall] = []
    org = quote(org_urn, safe="")
    stats = f"{base}/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity={org}"
    for batch in _chunks(sorted(pubs, key=lambda p: p.remote_id), LINKEDIN_BATCH):
        shares = [p.remote_id for p in batch if ":share:" in p.remote_id]
        ugc = [p.remote_id for p in batch if ":share:" not in p.remote_id]
        url = stats + (f"&shares={_rest_list(shares)}" if shares else "") + (f"&ugcPosts={_rest_list(ugc)}"
                                                                            if ugc else "")
        calls.append(MetricsCall(name=f"linkedin share statistics ({len(batch)} posts)", url=url, headers=headers,
                                 parse=lambda body: _with(lambda f: linkedin_share_statistics(body, f)),
                                 items=tuple(post_item(p.remote_id) for p in batch)))
    calls.append(MetricsCall(name="linkedin followers", url=f"{base}/networkSizes/{org}",
                             params=[("edgeType", "COMPANY_FOLLOWED_BY_MEMBER")], headers=headers,
                             parse=lambda body: _with(lambda f: linkedin_network_size(body, f)), items=(ACCOUNT_ITEM,)))
    end = int(now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)
    start = end - 7 * 86_400_000
    follower_stats = f"{base}/organizationalEntityFollowerStatistics?q=organizationalEntity&organizationalEntity={org}"
    calls.append(MetricsCall(
        name="linkedin follower gains",
        url=f"{follower_stats}&timeIntervals=(timeRange:(start:{start},end:{end}),timeGranularityType:DAY)",
        headers=headers, parse=lambda body: _with(lambda f: linkedin_follower_gains(body, f)), items=(ACCOUNT_ITEM,)))
    calls.append(MetricsCall(name="linkedin follower demographics", url=follower_stats, headers=headers,
                             parse=lambda body: _with(lambda f: linkedin_demographics(body, f)), items=(ACCOUNT_ITEM,)))
    return calls


# Mastodon ------------------------------------------------------------------------------------------------------


def mastodon_status(remote_id: str, body: Any, figures: Figures) -> None:
    if not isinstance(body, Mapping):
        return
    for key, column in (("favourites_count", "likes"), ("replies_count", "comments"), ("reblogs_count", "shares"),
                        ("quotes_count", "quotes")):
        figures.post(remote_id, column, body.get(key))


def mastodon_account(body: Any, figures: Figures) -> None:
    if isinstance(body, Mapping):
        figures.account("followers", body.get("followers_count"))
        figures.account("follows", body.get("following_count"))
        figures.account("posts", body.get("statuses_count"))


def mastodon_calls(pubs: list[Publication], *, base: str, headers: dict[str, str]) -> list[MetricsCall]:
    calls = [MetricsCall(name=f"mastodon status {p.remote_id}", url=f"{base}/api/v1/statuses/{quote(p.remote_id)}",
                         headers=headers, on_error=_gone_on_404(p.remote_id), items=(post_item(p.remote_id),),
                         parse=lambda body, rid=p.remote_id: _with(lambda f: mastodon_status(rid, body, f)))
             for p in pubs]
    calls.append(MetricsCall(name="mastodon account", url=f"{base}/api/v1/accounts/verify_credentials",
                             headers=headers, parse=lambda body: _with(lambda f: mastodon_account(body, f)),
                             items=(ACCOUNT_ITEM,)))
    return calls


# Bluesky -------------------------------------------------------------------------------------------------------

BLUESKY_BATCH = 25


def bluesky_posts(body: Any, figures: Figures) -> None:
    posts = body.get("posts") if isinstance(body, Mapping) else None
    for view in posts if isinstance(posts, list) else []:
        if not isinstance(view, Mapping) or not isinstance(view.get("uri"), str):
            continue
        for key, column in (("likeCount", "likes"), ("replyCount", "comments"), ("repostCount", "shares"),
                            ("quoteCount", "quotes"), ("bookmarkCount", "saves")):
            figures.post(view["uri"], column, view.get(key))


def bluesky_profile(body: Any, figures: Figures) -> None:
    if isinstance(body, Mapping):
        figures.account("followers", body.get("followersCount"))
        figures.account("follows", body.get("followsCount"))
        figures.account("posts", body.get("postsCount"))


def bluesky_calls(pubs: list[Publication], *, service: str, actor: str, headers: dict[str, str]) -> list[MetricsCall]:
    calls = []
    for batch in _chunks(sorted(pubs, key=lambda p: p.remote_id), BLUESKY_BATCH):
        calls.append(MetricsCall(name=f"bluesky getPosts ({len(batch)} posts)",
                                 url=f"{service}/xrpc/app.bsky.feed.getPosts",
                                 params=[("uris", p.remote_id) for p in batch], headers=headers,
                                 parse=lambda body: _with(lambda f: bluesky_posts(body, f)),
                                 items=tuple(post_item(p.remote_id) for p in batch)))
    calls.append(MetricsCall(name="bluesky getProfile", url=f"{service}/xrpc/app.bsky.actor.getProfile",
                             params=[("actor", actor)], headers=headers,
                             parse=lambda body: _with(lambda f: bluesky_profile(body, f)), items=(ACCOUNT_ITEM,)))
    return calls
