"""Metrics of Mastodon: what is asked, at which endpoint, and how the answers become figures.

Endpoints (../shared/reference/platform-api.md, x.3; tags there say how sure each one is):

``GET /api/v1/statuses?id[]=..`` (Mastodon 4.3+: up to 20 statuses a call; a status it no longer has is left out
of the answer), ``GET /api/v1/statuses/{id}`` (one status; what an older server answers after a 404 for the
former) -- favourites, replies, reblogs, quotes -- and ``GET /api/v1/accounts/verify_credentials`` (followers,
following, statuses). No reach, views or demographics exist.
(docs.joinmastodon.org/methods/statuses/#index; the 20 is ``DEFAULT_STATUSES_LIMIT`` of Mastodon's
Api::BaseController, checked by ``check_statuses_limit``.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from socialops.networks.calls import chunks, filled, gone_on_404
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


MASTODON_BATCH = 20


def mastodon_statuses(remote_ids: list[str], body: Any, figures: Figures) -> None:
    """The answer of the multiple-status endpoint: the statuses it has; the others are gone."""
    found = set()
    for status in body if isinstance(body, list) else []:
        if isinstance(status, Mapping) and str(status.get("id")) in remote_ids:
            mastodon_status(str(status["id"]), status, figures)
            found.add(str(status["id"]))
    for rid in remote_ids:
        if rid not in found:
            figures.gone.add(rid)
            figures.missing.append(f"post {rid} is no longer on the network")


def mastodon_status_call(base: str, remote_id: str, headers: dict[str, str]) -> MetricsCall:
    return MetricsCall(name=f"mastodon status {remote_id}", url=f"{base}/api/v1/statuses/{quote(remote_id)}",
                       headers=headers, on_error=gone_on_404(remote_id), items=(post_item(remote_id),),
                       parse=lambda body: filled(lambda f: mastodon_status(remote_id, body, f)))


def mastodon_batch_call(base: str, remote_ids: list[str], headers: dict[str, str]) -> MetricsCall:
    """Up to 20 statuses in one call; a server older than 4.3 (404 or 405: no such route) is asked one by one."""

    def one_by_one(status: int, body: Any) -> Figures | None:
        if status in (404, 405, 422):
            return Figures(calls=[mastodon_status_call(base, rid, headers) for rid in remote_ids])
        return None

    return MetricsCall(name=f"mastodon statuses ({len(remote_ids)})", url=f"{base}/api/v1/statuses",
                       params=[("id[]", rid) for rid in remote_ids], headers=headers, on_error=one_by_one,
                       items=tuple(post_item(rid) for rid in remote_ids),
                       parse=lambda body: filled(lambda f: mastodon_statuses(remote_ids, body, f)))


def mastodon_calls(pubs: list[Publication], *, base: str, headers: dict[str, str]) -> list[MetricsCall]:
    calls = []
    for batch in chunks(sorted({p.remote_id for p in pubs}), MASTODON_BATCH):
        calls.append(mastodon_status_call(base, batch[0], headers) if len(batch) == 1
                     else mastodon_batch_call(base, batch, headers))
    calls.append(MetricsCall(name="mastodon account", url=f"{base}/api/v1/accounts/verify_credentials",
                             headers=headers, parse=lambda body: filled(lambda f: mastodon_account(body, f)),
                             items=(ACCOUNT_ITEM,)))
    return calls
