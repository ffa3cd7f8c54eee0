"""What a network is and can do, as each network's ``spec.py`` declares it.

Validation, preview, the plan, the publisher, metrics, moderation and the profile commands all ask these
declarations (``socialops.networks.NETWORKS``) instead of guessing. Numbers come from
../shared/reference/platform-api.md (tags there say how sure each one is).
This module is imported by ``validate``, so it stays light: no httpx, no Pillow.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field

ALL_TYPES = frozenset({"text", "image", "carousel", "video", "story", "reel", "live", "link"})

# How a network's API handles one profile basic: writes it (sync), reads it so a difference becomes a drift
# issue with manual steps (check), neither (manual); None in a spec's ``basics`` = the network has no such thing.
SYNC, CHECK, MANUAL = "sync", "check", "manual"
# The basics, in the order they are shown. "contact.*" are the keys under `contact:`.
BASICS = ("display_name", "bio", "website", "contact.email", "contact.phone", "contact.address", "avatar", "cover",
          "fields", "services", "hours", "special_hours", "categories", "attributes")


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


@dataclass(frozen=True)
class ImageRule:
    """What a network takes as a profile picture or cover: file types, bytes, minimum pixels, shape."""

    formats: frozenset[str]  # Pillow format names
    max_bytes: int | None
    min_width: int
    min_height: int
    aspect: float | None  # width / height the network shows (it crops other shapes)
    source: str  # where the numbers come from, with the confidence tag


@dataclass(frozen=True)
class NetworkSpec:
    """Everything the rest of socialops asks about one network: publishing limits and types, metrics,
    moderation abilities and the manual steps where its API cannot, and what it does with profile basics."""

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
    metrics: MetricsCapability | None = None  # None: no metrics in this version
    # profile basics: basic -> SYNC | CHECK | MANUAL | None (every basic of BASICS is named)
    basics: Mapping[str, str | None] = field(default_factory=lambda: dict.fromkeys(BASICS))
    text_limits: Mapping[str, tuple[int, str]] = field(default_factory=dict)  # basic -> (limit, counting)
    max_fields: int | None = None  # profile fields shown
    image_rules: Mapping[str, ImageRule] = field(default_factory=dict)  # avatar / cover
    checklist: tuple[tuple[str, str], ...] = ()  # opening the profile: (step, how), filled with {secret} ...
    profile_steps: Mapping[str, str] = field(default_factory=dict)  # basic -> where a person changes it
    moderation_steps: Mapping[str, str] = field(default_factory=dict)  # action -> what to do by hand

    def __post_init__(self) -> None:
        # A basic a spec leaves out is one its network does not have (hours, categories: local businesses).
        missing = [b for b in BASICS if b not in self.basics]
        if missing:
            object.__setattr__(self, "basics", {**self.basics, **dict.fromkeys(missing)})

    def supports(self, post_type: str) -> bool:
        return post_type in self.types

    def load_adapter(self) -> type:
        module, _, cls = self.adapter.partition(":")
        return getattr(importlib.import_module(f"socialops.networks.{module}.adapter"), cls)


META_IMAGES = frozenset({".jpg", ".jpeg", ".png"})
JPEG_PNG = frozenset({"JPEG", "PNG"})
JPEG_PNG_GIF = frozenset({"JPEG", "PNG", "GIF"})
SECRET_STEP = ("secret", "Add the secret: repository Settings > Secrets and variables > Actions > New repository "
                         "secret, name `{secret}`, value the {what}.")


def secret_step(what: str) -> tuple[str, str]:
    """The checklist's last step, the same on every network but for what the secret holds."""
    return SECRET_STEP[0], SECRET_STEP[1].replace("{what}", what)
