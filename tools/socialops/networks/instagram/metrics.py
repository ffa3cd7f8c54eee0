"""Metrics of Instagram: what is asked, at which endpoint, and how the answers become figures.

Endpoints (../shared/reference/platform-api.md, x.3; tags there say how sure each one is):

media: ``GET /{media-id}?fields=like_count,comments_count,insights.metric(views,reach,likes,comments,shares,
saved,total_interactions)`` (stories: ``views,reach,replies,shares``; field expansion: one request; when Meta refuses
a metric, ``GET /{media-id}/insights?metric=..`` and the fields without insights instead);
account: ``GET /{ig-user-id}?fields=followers_count,follows_count,media_count``,
``GET /{ig-user-id}/insights?metric=follower_count&period=day``, and per breakdown (age, gender,
age+gender, country, city) ``GET /{ig-user-id}/insights?metric=follower_demographics&period=lifetime
&metric_type=total_value&timeframe=this_month&breakdown=...``, and when followers are online
``GET /{ig-user-id}/insights?metric=online_followers&period=lifetime``. ``impressions``, ``plays``,
``video_views`` and ``engagement`` (removed 2023-2025) are never asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from socialops.networks.calls import filled, gone_on_404
from socialops.networks.meta.metrics import (
    expanded_call,
    follower_demographics,
    insight_series,
    meta_insights_call,
    window,
)
from socialops.networks.types import ACCOUNT_ITEM, Figures, MetricsCall, Publication, as_number, post_item

INSTAGRAM_FIELDS = "like_count,comments_count"
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


def instagram_media(remote_id: str, post_type: str, body: Any, values: Mapping[str, Any], figures: Figures) -> None:
    """A media's fields and insights from one answer (field expansion)."""
    instagram_media_fields(remote_id, body, figures)
    instagram_media_insights(remote_id, post_type, values, figures)


def instagram_account(body: Any, figures: Figures) -> None:
    if isinstance(body, Mapping):
        figures.account("followers", body.get("followers_count"))
        figures.account("follows", body.get("follows_count"))
        figures.account("posts", body.get("media_count"))


def instagram_daily(values: Mapping[str, Any], figures: Figures) -> None:
    for day, value in insight_series(values.get("")).get("follower_count", []):
        figures.day(day, "gained", value)


def instagram_online_followers(values: Mapping[str, Any], figures: Figures) -> None:
    """``online_followers`` (IG User insights, period=lifetime): ``{"data": [{"name": "online_followers",
    "period": "lifetime", "values": [{"value": {"0": 123, ..., "23": 456}, "end_time": "..."}]}]}`` -- the
    followers online in each hour of the day, averaged over the days the answer covers, as the audience
    dimension ``online_hour`` (buckets ``00`` to ``23``, read as UTC hours; an hour with no value is left out)."""
    body = values.get("")
    data = body.get("data") if isinstance(body, Mapping) else None
    totals: dict[str, list[float]] = {}
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, Mapping) or entry.get("name") != "online_followers":
            continue
        for item in entry.get("values") or []:
            hours = item.get("value") if isinstance(item, Mapping) else None
            for hour, value in (hours.items() if isinstance(hours, Mapping) else ()):
                number = as_number(value)
                if str(hour).isdigit() and int(hour) < 24 and number is not None:
                    totals.setdefault(f"{int(hour):02d}", []).append(number)
    if totals:
        figures.audience["online_hour"] = {hour: sum(v) / len(v) for hour, v in totals.items()}


def instagram_online_call(base: str, user_id: str, headers: dict[str, str]) -> MetricsCall:
    return meta_insights_call("instagram online_followers", f"{base}/{user_id}/insights", ["online_followers"],
                              {"period": "lifetime"}, headers, instagram_online_followers, (ACCOUNT_ITEM,))


def instagram_calls(pubs: list[Publication], *, base: str, user_id: str, headers: dict[str, str],
                    now: dt.datetime) -> list[MetricsCall]:
    calls: list[MetricsCall] = []
    for pub in pubs:
        rid, kind = pub.remote_id, pub.type
        metrics = INSTAGRAM_STORY_METRICS if kind == "story" else INSTAGRAM_FEED_METRICS
        separate = [
            meta_insights_call(
                f"instagram media {rid} insights", f"{base}/{rid}/insights", metrics, {}, headers,
                lambda values, figures, rid=rid, kind=kind: instagram_media_insights(rid, kind, values, figures),
                (post_item(rid),)),
            MetricsCall(
                name=f"instagram media {rid} fields", url=f"{base}/{rid}", params=[("fields", INSTAGRAM_FIELDS)],
                headers=headers, parse=lambda body, rid=rid: filled(lambda f: instagram_media_fields(rid, body, f)),
                on_error=gone_on_404(rid), items=(post_item(rid),))]
        calls.append(expanded_call(
            f"instagram media {rid}", f"{base}/{rid}", INSTAGRAM_FIELDS, metrics, headers,
            lambda body, values, figures, rid=rid, kind=kind: instagram_media(rid, kind, body, values, figures),
            separate, gone_on_404(rid), (post_item(rid),)))
    calls.append(MetricsCall(name="instagram account", url=f"{base}/{user_id}",
                             params=[("fields", "followers_count,follows_count,media_count")], headers=headers,
                             parse=lambda body: filled(lambda f: instagram_account(body, f)), items=(ACCOUNT_ITEM,)))
    calls.append(meta_insights_call("instagram follower_count", f"{base}/{user_id}/insights", ["follower_count"],
                                    {"period": "day", **window(now, 7)}, headers, instagram_daily, (ACCOUNT_ITEM,)))
    for breakdown, dimension in INSTAGRAM_BREAKDOWNS:
        calls.append(meta_insights_call(
            f"instagram follower_demographics by {breakdown}", f"{base}/{user_id}/insights",
            ["follower_demographics"],
            {"period": "lifetime", "metric_type": "total_value", "timeframe": "this_month", "breakdown": breakdown},
            headers, lambda values, figures, dimension=dimension: follower_demographics(dimension, values, figures),
            (ACCOUNT_ITEM,)))
    calls.append(instagram_online_call(base, user_id, headers))
    return calls
