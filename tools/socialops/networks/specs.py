"""What each network can do and its limits, declared once.

Validation, preview, the plan and the adapters all ask these declarations instead of guessing.
Numbers come from ../shared/reference/platform-api.md (tags there say how sure each one is).
This module is imported by `validate`, so it stays light: no httpx, no Pillow.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

ALL_TYPES = frozenset({"text", "image", "carousel", "video", "story", "reel", "live", "link"})


@dataclass(frozen=True)
class NetworkSpec:
    name: str
    label: str
    adapter: str  # "module:Class" under socialops.networks, imported only when publishing
    types: frozenset[str]
    text_limit: int
    counting: str  # chars | graphemes | urls23 | utf8_emoji  (see render.count_length)
    max_media: int = 1  # items in one post (images in a carousel)
    min_carousel: int = 2
    image_types: frozenset[str] = frozenset({".jpg", ".jpeg", ".png"})
    video_types: frozenset[str] = frozenset({".mp4", ".mov"})
    image_max_bytes: int | None = None
    video_max_bytes: int | None = None
    image_min_width: int | None = None
    image_max_width: int | None = None
    aspect_min: float | None = None  # width / height
    aspect_max: float | None = None
    alt_limit: int | None = None
    max_hashtags: int | None = None
    captions: frozenset[str] = frozenset()  # subtitle formats the network takes with a video
    needs_media: bool = False
    needs_public_media_url: bool = False
    link_in_text: bool = False  # the link is appended to the text (no separate link field)
    live_api: bool = False  # can schedule a live broadcast through the API
    idempotency: str = "none"  # key | rkey | none: how a lost answer is reconciled
    can_hide: bool = False
    can_delete_comments: bool = False
    can_block: bool = False
    has_reach: bool = False
    has_demographics: bool = False
    settings: tuple[str, ...] = ()  # profile keys this network reads
    required_settings: tuple[str, ...] = ()
    notes: dict[str, str] = field(default_factory=dict)

    def supports(self, post_type: str) -> bool:
        return post_type in self.types

    def load_adapter(self) -> type:
        module, _, cls = self.adapter.partition(":")
        return getattr(importlib.import_module(f"socialops.networks.{module}.adapter"), cls)


_META_IMAGES = frozenset({".jpg", ".jpeg", ".png"})

FACEBOOK = NetworkSpec(
    name="facebook", label="Facebook Page", adapter="facebook:FacebookNetwork",
    types=frozenset({"text", "image", "carousel", "video", "story", "reel", "live", "link"}),
    text_limit=63_206, counting="chars", max_media=10, image_types=_META_IMAGES | {".gif"},
    image_max_bytes=10_000_000, captions=frozenset({".srt"}), needs_public_media_url=True, live_api=True,
    can_hide=True, can_delete_comments=True, can_block=True, has_reach=True, has_demographics=True,
    settings=("page_id", "media_base_url"), required_settings=("page_id",),
)
INSTAGRAM = NetworkSpec(
    name="instagram", label="Instagram", adapter="instagram:InstagramNetwork",
    types=frozenset({"image", "carousel", "video", "story", "reel", "live"}),
    text_limit=2_200, counting="chars", max_media=10, image_types=frozenset({".jpg", ".jpeg"}),
    image_max_bytes=8_000_000, image_min_width=320, aspect_min=0.8, aspect_max=1.91,
    alt_limit=1_000, max_hashtags=30, needs_media=True, needs_public_media_url=True,
    can_hide=True, can_delete_comments=True, has_reach=True, has_demographics=True,
    settings=("ig_user_id", "media_base_url"), required_settings=("ig_user_id",),
    notes={"live": "Instagram's API cannot start or schedule a live broadcast: the announcement is published, "
                   "the broadcast itself is started in the app",
           "link": "links in Instagram captions are not clickable"},
)
THREADS = NetworkSpec(
    name="threads", label="Threads", adapter="threads:ThreadsNetwork",
    types=frozenset({"text", "image", "carousel", "video", "live", "link"}),
    text_limit=500, counting="utf8_emoji", max_media=20, image_max_bytes=8_000_000, image_min_width=320,
    aspect_min=0.1, aspect_max=10.0, alt_limit=1_000, needs_public_media_url=True, can_hide=True,
    has_reach=True, has_demographics=True, settings=("threads_user_id", "media_base_url"),
    notes={"live": "Threads has no live broadcasts: the announcement is published"},
)
LINKEDIN = NetworkSpec(
    name="linkedin", label="LinkedIn page", adapter="linkedin:LinkedInNetwork",
    types=frozenset({"text", "image", "carousel", "video", "live", "link"}),
    text_limit=3_000, counting="chars", max_media=20, image_types=frozenset({".jpg", ".jpeg", ".png", ".gif"}),
    video_types=frozenset({".mp4"}), video_max_bytes=500_000_000, captions=frozenset({".srt"}),
    has_reach=True, has_demographics=True, settings=("organization_id",), required_settings=("organization_id",),
    notes={"live": "LinkedIn Live events can only be created by approved partners: the announcement is published"},
)
MASTODON = NetworkSpec(
    name="mastodon", label="Mastodon", adapter="mastodon:MastodonNetwork",
    types=frozenset({"text", "image", "carousel", "video", "live", "link"}),
    text_limit=500, counting="urls23", max_media=4, image_types=frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp"}),
    video_types=frozenset({".mp4", ".mov", ".webm"}), image_max_bytes=16_000_000, video_max_bytes=99_000_000,
    alt_limit=1_500, link_in_text=True, idempotency="key", can_block=True,
    settings=("instance",), required_settings=("instance",),
    notes={"live": "Mastodon has no live broadcasts: the announcement is published"},
)
BLUESKY = NetworkSpec(
    name="bluesky", label="Bluesky", adapter="bluesky:BlueskyNetwork",
    types=frozenset({"text", "image", "carousel", "video", "live", "link"}),
    text_limit=300, counting="graphemes", max_media=4, image_types=frozenset({".jpg", ".jpeg", ".png", ".webp"}),
    video_types=frozenset({".mp4"}), image_max_bytes=2_000_000, video_max_bytes=300_000_000, alt_limit=2_000,
    captions=frozenset({".vtt"}), idempotency="rkey", can_hide=True, can_block=True, settings=("service",),
    notes={"live": "Bluesky has no live broadcasts: the announcement is published"},
)
SANDBOX = NetworkSpec(
    name="sandbox", label="Sandbox (local, simulated)", adapter="sandbox:SandboxNetwork",
    types=ALL_TYPES, text_limit=100_000, counting="chars", max_media=20,
    image_types=frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp"}), video_types=frozenset({".mp4", ".mov"}),
    captions=frozenset({".vtt", ".srt"}), idempotency="key", live_api=True, can_hide=True,
    can_delete_comments=True, can_block=True, has_reach=True, has_demographics=True, settings=("imitates",),
)

NETWORKS: dict[str, NetworkSpec] = {
    spec.name: spec for spec in (SANDBOX, MASTODON, BLUESKY, FACEBOOK, INSTAGRAM, LINKEDIN, THREADS)
}


# --- metrics (issue 7): what each network reports, and how fast it may be asked ------------------------------


@dataclass(frozen=True)
class MetricsCapability:
    """The figures a network offers (columns of metrics/*.csv it can fill; the rest stay empty), the audience
    dimensions it breaks followers down by, and the request budget the metrics fetcher keeps to: at most
    ``requests`` per ``per_seconds`` (a sliding window) with at most ``concurrency`` requests in flight."""

    post: frozenset[str]
    profile: frozenset[str]
    daily: frozenset[str] = frozenset()
    demographics: tuple[str, ...] = ()
    requests: int = 10
    per_seconds: float = 1.0
    concurrency: int = 8


METRICS: dict[str, MetricsCapability] = {
    # Page BUC budget is 4,800 x engaged users a day; stay far below it and let the usage headers slow us down.
    "facebook": MetricsCapability(
        post=frozenset({"views", "reach", "likes", "comments", "shares", "video_views", "link_clicks"}),
        profile=frozenset({"followers"}), daily=frozenset({"gained", "lost"}), demographics=("country", "city"),
        requests=10, per_seconds=1.0, concurrency=8),
    "instagram": MetricsCapability(
        post=frozenset({"views", "reach", "likes", "comments", "shares", "saves", "video_views"}),
        profile=frozenset({"followers", "follows", "posts"}), daily=frozenset({"gained"}),
        demographics=("age", "gender", "age_gender", "country", "city"), requests=10, per_seconds=1.0,
        concurrency=8),
    # LinkedIn publishes no numbers (daily per-app limits, bare 429): stay gentle.
    "linkedin": MetricsCapability(
        post=frozenset({"views", "reach", "likes", "comments", "shares", "link_clicks"}),
        profile=frozenset({"followers"}), daily=frozenset({"gained"}),
        demographics=("country", "region", "industry", "seniority", "function", "company_size"),
        requests=5, per_seconds=1.0, concurrency=4),
    # 300 requests per 5 minutes per account (and per IP).
    "mastodon": MetricsCapability(
        post=frozenset({"likes", "comments", "shares", "quotes"}), profile=frozenset({"followers", "follows", "posts"}),
        requests=300, per_seconds=300.0, concurrency=8),
    # Bluesky-hosted PDS: 3,000 requests per 5 minutes per IP.
    "bluesky": MetricsCapability(
        post=frozenset({"likes", "comments", "shares", "quotes", "saves"}),
        profile=frozenset({"followers", "follows", "posts"}), requests=3000, per_seconds=300.0, concurrency=8),
    # The sandbox reports what the network it imitates would (simulated); these are its own (everything).
    "sandbox": MetricsCapability(
        post=frozenset({"views", "reach", "likes", "comments", "shares", "quotes", "saves", "video_views",
                        "link_clicks"}),
        profile=frozenset({"followers", "follows", "posts"}), daily=frozenset({"gained", "lost"}),
        demographics=("age", "gender", "age_gender", "country", "city"), requests=1000, per_seconds=1.0,
        concurrency=1),
}
"""Metrics per network (see socialops.networks.insights for the endpoints). Threads has no adapter yet."""
