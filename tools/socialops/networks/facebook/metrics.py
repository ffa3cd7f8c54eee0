"""Metrics of Facebook Page: what is asked, at which endpoint, and how the answers become figures.

Endpoints (../shared/reference/platform-api.md, x.3; tags there say how sure each one is):

post: ``GET /{post-id}?fields=shares,comments.limit(0).summary(true),reactions.limit(0).summary(total_count),
insights.metric(post_total_media_view_unique,post_media_view,post_reactions_by_type_total,post_clicks_by_type
[,post_video_views])`` (field expansion: one request; when Meta refuses a metric, ``GET /{post-id}/insights?metric=..``
and the fields without insights instead);
page: ``GET /{page-id}?fields=followers_count,fan_count``, ``GET /{page-id}/insights?metric=
page_daily_follows_unique,page_daily_unfollows_unique&period=day``, ``GET /{page-id}/insights?metric=
page_follows_country,page_follows_city&period=day``. The removed metrics (``post_impressions*``,
``page_fans*``, ``page_impressions*``, 2024-2026) are never asked for. The adapter sends them 50 to a Graph batch
request (``meta.metrics.graph_batches``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from socialops.networks.calls import filled, gone_on_404
from socialops.networks.meta.metrics import expanded_call, insight_series, meta_insights_call, window
from socialops.networks.types import ACCOUNT_ITEM, Figures, MetricsCall, Publication, as_number, post_item

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


def facebook_post(remote_id: str, body: Any, values: Mapping[str, Any], figures: Figures) -> None:
    """A post's fields and insights from one answer (field expansion)."""
    facebook_post_fields(remote_id, body, figures)
    facebook_post_insights(remote_id, values, figures)


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
        separate = [
            meta_insights_call(f"facebook post {rid} insights", f"{base}/{rid}/insights", metrics, {}, headers,
                               lambda values, figures, rid=rid: facebook_post_insights(rid, values, figures),
                               (post_item(rid),)),
            MetricsCall(name=f"facebook post {rid} fields", url=f"{base}/{rid}", params=[("fields", FACEBOOK_FIELDS)],
                        headers=headers, parse=lambda body, rid=rid: filled(lambda f: facebook_post_fields(rid, body, f)),
                        on_error=gone_on_404(rid), items=(post_item(rid),))]
        calls.append(expanded_call(
            f"facebook post {rid}", f"{base}/{rid}", FACEBOOK_FIELDS, metrics, headers,
            lambda body, values, figures, rid=rid: facebook_post(rid, body, values, figures),
            separate, gone_on_404(rid), (post_item(rid),)))
    calls.append(MetricsCall(name="facebook page", url=f"{base}/{page_id}",
                             params=[("fields", "followers_count,fan_count")], headers=headers,
                             parse=lambda body: filled(lambda f: facebook_page(body, f)), items=(ACCOUNT_ITEM,)))
    calls.append(meta_insights_call("facebook page follows", f"{base}/{page_id}/insights", FACEBOOK_PAGE_DAILY,
                                    {"period": "day", **window(now, 7)}, headers, facebook_page_daily,
                                    (ACCOUNT_ITEM,)))
    calls.append(meta_insights_call("facebook page audience", f"{base}/{page_id}/insights", FACEBOOK_PAGE_AUDIENCE,
                                    {"period": "day"}, headers, facebook_page_audience, (ACCOUNT_ITEM,)))
    return calls
