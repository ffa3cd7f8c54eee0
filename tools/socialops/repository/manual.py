"""Which (post, profile) pairs no API publishes, so a person does them by hand (manual tasks): a post marked
``manual: true``, a post type the network's API cannot do (its spec's ``manual_types``, e.g. an Instagram live),
a story with ``stickers:`` (no network's API adds them), and any post to a profile whose network has no adapter
in this version. ``manual: false`` sends a post the API can take after all (an Instagram live's announcement)."""

from __future__ import annotations

from typing import Any

from socialops.networks import NETWORKS

_ADAPTERS: dict[str, bool] = {}  # a spec's adapter -> is its module there (looked up once)


def _has_adapter(spec: Any) -> bool:
    if spec.adapter not in _ADAPTERS:
        _ADAPTERS[spec.adapter] = spec.has_adapter()
    return _ADAPTERS[spec.adapter]


def manual_reason(post: Any, profile: Any) -> str:
    """Why ``profile`` gets ``post`` by a person's hand, or "" when it goes through the network's API."""
    flag = post.raw.get("manual")
    if profile is None:
        return ""
    spec, own = profile.spec, NETWORKS.get(profile.network)
    if own is None or not _has_adapter(own):
        return f"socialops cannot publish to {spec.label if spec else profile.network} in this version"
    if flag is True:
        return "the post is marked `manual: true`"
    if flag is False or spec is None:
        return ""
    why = spec.manual_types.get(post.type)
    if why:
        return why
    if post.type == "story" and post.raw.get("stickers"):
        return "no network's API adds stickers to a story"
    return ""
