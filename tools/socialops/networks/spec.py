"""What a network is and can do, as each network's ``spec.py`` declares it.

Validation, preview, the plan, the publisher, metrics, moderation and the profile commands all ask these
declarations (``socialops.networks.NETWORKS``) instead of guessing. Numbers come from
../shared/reference/platform-api.md (tags there say how sure each one is).
This module is imported by ``validate``, so it stays light: no httpx, no Pillow.
"""

from __future__ import annotations

import importlib
import importlib.util
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
class MediaRule:
    """What a network takes for one kind of media ("image" or "video") in some of its post types: bytes,
    pixels, shape (width / height), seconds and alt text. ``certain`` False (a [U] number in the reference, or a
    shape the network shows cropped or with bars rather than refusing) makes a broken rule a warning, not an
    error. ``source`` says where the numbers come from, with the reference's confidence tag."""

    kind: str
    types: frozenset[str] = ALL_TYPES
    max_bytes: int | None = None
    min_width: int | None = None
    max_width: int | None = None
    min_height: int | None = None
    max_pixels: int | None = None
    aspect_min: float | None = None
    aspect_max: float | None = None
    min_seconds: float | None = None
    max_seconds: float | None = None
    alt_limit: int | None = None
    certain: bool = True
    source: str = ""


NINE_SIXTEEN = (9 / 16 * 0.99, 9 / 16 * 1.01)  # a 9:16 frame, within 1 % (1080x1920, 720x1280, 1080x1918)


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
    # per kind of media and post type, the first rule that matches; see media_rules_for
    media_rules: tuple[MediaRule, ...] = ()
    alt_limit: int | None = None
    max_hashtags: int | None = None
    captions: frozenset[str] = frozenset()  # subtitle formats the network takes with a video
    caption_types: frozenset[str] = frozenset()  # post types whose video takes a subtitle file (else burned)
    link_card: str = ""  # who makes a link post's card, as the preview says it
    video_alt: bool = True  # the API takes alt text with a video
    no_alt_types: frozenset[str] = frozenset()  # post types whose media go without alt text
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
    # Manual tasks (socialops.publish.tasks): post types the API cannot publish (type -> why), the steps a person
    # follows per post type ("*": any other type), and the addresses of the network's posts (regular expressions
    # with {user} and {host} for the profile's account; a group "id" is the id the API knows the post by, so the
    # metrics can fetch its figures; "code" one the API does not take), to check a /done URL.
    manual_types: Mapping[str, str] = field(default_factory=dict)
    task_steps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    post_addresses: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A basic a spec leaves out is one its network does not have (hours, categories: local businesses).
        missing = [b for b in BASICS if b not in self.basics]
        if missing:
            object.__setattr__(self, "basics", {**self.basics, **dict.fromkeys(missing)})

    def supports(self, post_type: str) -> bool:
        return post_type in self.types

    def media_rules_for(self, post_type: str, kind: str) -> list[MediaRule]:
        """The rules a media file of ``kind`` meets in a ``post_type`` post (more than one may apply: a
        certain limit and an uncertain one)."""
        return [rule for rule in self.media_rules if rule.kind == kind and post_type in rule.types]

    def sends_alt(self, post_type: str, kind: str) -> bool:
        """The network receives the alt text of a ``kind`` media item in a ``post_type`` post."""
        return post_type not in self.no_alt_types and (kind != "video" or self.video_alt)

    def subtitle_handling(self, post_type: str, mode: str = "burn") -> str:
        """How a video's subtitles reach this network in a ``post_type`` post: "file" (sent as a caption file),
        "burn" (burned into the picture: the network takes no file there) or "refused" (no file is taken and
        the post says ``captions: file``)."""
        if self.captions and post_type in self.caption_types:
            return "file"
        return "refused" if mode == "file" else "burn"

    def steps_for(self, post_type: str) -> tuple[str, ...]:
        """What a person does to publish a ``post_type`` post by hand on this network."""
        return self.task_steps.get(post_type) or self.task_steps.get("*") or (
            f"Open the {self.label} app or website, signed in as the profile.",
            "Make the post with the text and the media below (download the files from the links).",
            "Publish it, open it, and copy its address (Share > Copy link).")

    def has_adapter(self) -> bool:
        """Is the adapter's module there? Found without importing it (validate stays light)."""
        module = self.adapter.partition(":")[0]
        try:
            return importlib.util.find_spec(f"socialops.networks.{module}.adapter") is not None
        except ModuleNotFoundError:  # not even the network's folder
            return False

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
