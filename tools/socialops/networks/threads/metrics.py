"""Metrics of Threads: what is asked, at which endpoint, and how the answers become figures.

Endpoints (https://developers.facebook.com/docs/threads/insights, and the official Postman collection
fbsamples/threads_api postman/threads-api.postman_collection.json, "Read Threads Insights"):

post: ``GET /{threads-media-id}/insights?metric=views,likes,replies,reposts,quotes,shares`` -> ``data[] = {name,
period: "lifetime", values: [{value}]}``; account: ``GET /{threads-user-id}/threads_insights?metric=
followers_count`` -> ``total_value.value`` (the current total: Threads keeps no history), and per breakdown
(country, city, age, gender: one a call) ``metric=follower_demographics&breakdown=...`` -> ``total_value.breakdowns
[].results[] = {dimension_values, value}`` (the Instagram shape). Replies are the ``comments`` column; reposts and
shares (sends) together the ``shares`` column; quotes the ``quotes`` column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from socialops.networks.meta.metrics import follower_demographics, meta_insights_call
from socialops.networks.types import ACCOUNT_ITEM, Figures, MetricsCall, Publication, as_number, post_item

THREADS_POST_METRICS = ["views", "likes", "replies", "reposts", "quotes", "shares"]
THREADS_BREAKDOWNS = ("country", "city", "age", "gender")


def threads_post_insights(remote_id: str, values: Mapping[str, Any], figures: Figures) -> None:
    figures.post(remote_id, "views", values.get("views"))
    figures.post(remote_id, "likes", values.get("likes"))
    figures.post(remote_id, "comments", values.get("replies"))
    figures.post(remote_id, "quotes", values.get("quotes"))
    spread = [n for n in (as_number(values.get("reposts")), as_number(values.get("shares"))) if n is not None]
    figures.post(remote_id, "shares", sum(spread) if spread else None)


def threads_followers(values: Mapping[str, Any], figures: Figures) -> None:
    figures.account("followers", values.get("followers_count"))


def threads_calls(pubs: list[Publication], *, base: str, user_id: str, headers: dict[str, str]) -> list[MetricsCall]:
    calls = [meta_insights_call(
        f"threads post {pub.remote_id} insights", f"{base}/{pub.remote_id}/insights", THREADS_POST_METRICS, {},
        headers, lambda values, figures, rid=pub.remote_id: threads_post_insights(rid, values, figures),
        (post_item(pub.remote_id),)) for pub in pubs]
    calls.append(meta_insights_call("threads followers_count", f"{base}/{user_id}/threads_insights",
                                    ["followers_count"], {}, headers, threads_followers, (ACCOUNT_ITEM,)))
    for breakdown in THREADS_BREAKDOWNS:
        calls.append(meta_insights_call(
            f"threads follower_demographics by {breakdown}", f"{base}/{user_id}/threads_insights",
            ["follower_demographics"], {"breakdown": breakdown}, headers,
            lambda values, figures, dimension=breakdown: follower_demographics(dimension, values, figures),
            (ACCOUNT_ITEM,)))
    return calls
