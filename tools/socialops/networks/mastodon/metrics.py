"""Metrics of Mastodon: what is asked, at which endpoint, and how the answers become figures.

Endpoints (../shared/reference/platform-api.md, x.3; tags there say how sure each one is):

``GET /api/v1/statuses/{id}`` (favourites, replies, reblogs, quotes) and
``GET /api/v1/accounts/verify_credentials`` (followers, following, statuses). No reach, views or
demographics exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from socialops.networks.calls import filled, gone_on_404
from socialops.networks.types import ACCOUNT_ITEM, Figures, MetricsCall, Publication, post_item


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
                         headers=headers, on_error=gone_on_404(p.remote_id), items=(post_item(p.remote_id),),
                         parse=lambda body, rid=p.remote_id: filled(lambda f: mastodon_status(rid, body, f)))
             for p in pubs]
    calls.append(MetricsCall(name="mastodon account", url=f"{base}/api/v1/accounts/verify_credentials",
                             headers=headers, parse=lambda body: filled(lambda f: mastodon_account(body, f)),
                             items=(ACCOUNT_ITEM,)))
    return calls
