"""Metrics of LinkedIn page: what is asked, at which endpoint, and how the answers become figures.

Endpoints (../shared/reference/platform-api.md, x.3; tags there say how sure each one is):

``GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&...&shares=List(..)
&ugcPosts=List(..)`` (20 posts a call), ``GET /rest/networkSizes/{org}?edgeType=
COMPANY_FOLLOWED_BY_MEMBER``, ``GET /rest/organizationalEntityFollowerStatistics`` with daily
``timeIntervals`` (gains) and without (lifetime demographics: country, region, industry, seniority,
function, company size; LinkedIn has no age or gender).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from socialops.networks.calls import chunks, filled, gone_on_404
from socialops.networks.types import ACCOUNT_ITEM, Figures, MetricsCall, Publication, as_number, post_item

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


def ask_missing_posts(figures: Figures, asked: list[str], *, base: str, headers: dict[str, str]) -> None:
    """A post the statistics leave out may be deleted: ``GET /rest/posts/{urn}`` answers 404 for a deleted one
    [C: Posts API], which marks it gone; a post that is there just had no statistics yet."""
    for urn in asked:
        if urn not in figures.posts:
            figures.calls.append(MetricsCall(name=f"linkedin post ({urn})", url=f"{base}/posts/{quote(urn, safe='')}",
                                             headers=headers, parse=lambda _body: Figures(),
                                             on_error=gone_on_404(urn), items=(post_item(urn),)))


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
    for batch in chunks(sorted(pubs, key=lambda p: p.remote_id), LINKEDIN_BATCH):
        shares = [p.remote_id for p in batch if ":share:" in p.remote_id]
        ugc = [p.remote_id for p in batch if ":share:" not in p.remote_id]
        url = stats + (f"&shares={_rest_list(shares)}" if shares else "") + (f"&ugcPosts={_rest_list(ugc)}"
                                                                            if ugc else "")
        calls.append(MetricsCall(name=f"linkedin share statistics ({len(batch)} posts)", url=url, headers=headers,
                                 parse=lambda body, batch=batch: filled(lambda f: (
                                     linkedin_share_statistics(body, f),
                                     ask_missing_posts(f, [p.remote_id for p in batch], base=base, headers=headers))),
                                 items=tuple(post_item(p.remote_id) for p in batch)))
    calls.append(MetricsCall(name="linkedin followers", url=f"{base}/networkSizes/{org}",
                             params=[("edgeType", "COMPANY_FOLLOWED_BY_MEMBER")], headers=headers,
                             parse=lambda body: filled(lambda f: linkedin_network_size(body, f)), items=(ACCOUNT_ITEM,)))
    end = int(now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0).timestamp() * 1000)
    start = end - 7 * 86_400_000
    follower_stats = f"{base}/organizationalEntityFollowerStatistics?q=organizationalEntity&organizationalEntity={org}"
    calls.append(MetricsCall(
        name="linkedin follower gains",
        url=f"{follower_stats}&timeIntervals=(timeRange:(start:{start},end:{end}),timeGranularityType:DAY)",
        headers=headers, parse=lambda body: filled(lambda f: linkedin_follower_gains(body, f)), items=(ACCOUNT_ITEM,)))
    calls.append(MetricsCall(name="linkedin follower demographics", url=follower_stats, headers=headers,
                             parse=lambda body: filled(lambda f: linkedin_demographics(body, f)), items=(ACCOUNT_ITEM,)))
    return calls
