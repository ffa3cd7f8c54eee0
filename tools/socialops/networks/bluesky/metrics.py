"""Metrics of Bluesky: what is asked, at which endpoint, and how the answers become figures.

Endpoints (../shared/reference/platform-api.md, x.3; tags there say how sure each one is):

``GET /xrpc/app.bsky.feed.getPosts?uris=..`` (25 a call: likes, replies, reposts, quotes,
bookmarks) and ``GET /xrpc/app.bsky.actor.getProfile`` (followers, follows, posts), through the
account's PDS, which forwards them to the AppView. No reach, views or demographics exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from socialops.networks.calls import chunks, filled, gone_on_404
from socialops.networks.types import ACCOUNT_ITEM, Figures, MetricsCall, Publication, post_item

BLUESKY_BATCH = 25


def bluesky_posts(body: Any, figures: Figures, asked: tuple[str, ...] = (), *, service: str = "",
                  headers: Mapping[str, str] | None = None) -> None:
    """The figures of each post getPosts returned. getPosts leaves out a post it does not have (deleted, or
    not yet seen by the AppView): each one asked about and missing is looked up with getRecord in its
    repository, which tells a deleted post (RecordNotFound) from one not indexed yet."""
    posts = body.get("posts") if isinstance(body, Mapping) else None
    answered = {view.get("uri") for view in posts if isinstance(view, Mapping)} if isinstance(posts, list) else set()
    for uri in asked:
        if uri not in answered and uri.startswith("at://") and uri.count("/") >= 4:
            repo, collection, rkey = uri[5:].split("/", 2)
            figures.calls.append(MetricsCall(
                name=f"bluesky getRecord ({rkey})", url=f"{service}/xrpc/com.atproto.repo.getRecord",
                params=[("repo", repo), ("collection", collection), ("rkey", rkey)], headers=dict(headers or {}),
                parse=lambda _body: Figures(), on_error=gone_on_404(uri), items=(post_item(uri),)))
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
    for batch in chunks(sorted(pubs, key=lambda p: p.remote_id), BLUESKY_BATCH):
        calls.append(MetricsCall(name=f"bluesky getPosts ({len(batch)} posts)",
                                 url=f"{service}/xrpc/app.bsky.feed.getPosts",
                                 params=[("uris", p.remote_id) for p in batch], headers=headers,
                                 parse=lambda body, batch=batch: filled(lambda f: bluesky_posts(
                                     body, f, tuple(p.remote_id for p in batch), service=service, headers=headers)),
                                 items=tuple(post_item(p.remote_id) for p in batch)))
    calls.append(MetricsCall(name="bluesky getProfile", url=f"{service}/xrpc/app.bsky.actor.getProfile",
                             params=[("actor", actor)], headers=headers,
                             parse=lambda body: filled(lambda f: bluesky_profile(body, f)), items=(ACCOUNT_ITEM,)))
    return calls
