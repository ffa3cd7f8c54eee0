"""Bluesky: limits, metrics, moderation, profile basics and the manual steps."""

from socialops.networks.spec import (
    JPEG_PNG,
    SYNC,
    ImageRule,
    MediaRule,
    MetricsCapability,
    NetworkSpec,
    secret_step,
)

# From the lexicons the PDS validates records with (app.bsky.embed.images / .video): the adapter refuses the
# same before uploading.
IMAGE_MAX_BYTES = 2_000_000
VIDEO_MAX_BYTES = 100_000_000
VIDEO_ALT_GRAPHEMES = 1_000

SPEC = NetworkSpec(
    name="bluesky", label="Bluesky", adapter="bluesky:BlueskyNetwork",
    types=frozenset({"text", "image", "carousel", "video", "live", "link"}),
    text_limit=300, counting="graphemes", max_media=4, image_types=frozenset({".jpg", ".jpeg", ".png", ".webp"}),
    video_types=frozenset({".mp4"}), alt_limit=2_000,  # image alt: no lexicon cap, the app's 2,000 [C]
    media_rules=(
        MediaRule("image", max_bytes=IMAGE_MAX_BYTES,
                  source="app.bsky.embed.images: blob maxSize 2,000,000 [V lexicon]"),
        MediaRule("video", max_bytes=VIDEO_MAX_BYTES, alt_limit=VIDEO_ALT_GRAPHEMES,
                  source="app.bsky.embed.video: blob maxSize 100,000,000, alt maxGraphemes 1,000 [V lexicon]"),
        MediaRule("video", max_seconds=600, certain=False, source="the Bluesky app plays up to 10 min [C]"),
    ),
    captions=frozenset({".vtt", ".srt"}), caption_types=frozenset({"video", "live"}),
    link_card="socialops builds the card from the page's title, description and image (og: tags)",
    idempotency="rkey", can_hide=True, can_block=True, settings=("service",),
    notes={"live": "Bluesky has no live broadcasts: the announcement is published"},
    # Bluesky-hosted PDS: 3,000 requests per 5 minutes per IP.
    metrics=MetricsCapability(
        post=frozenset({"likes", "comments", "shares", "quotes", "saves"}),
        profile=frozenset({"followers", "follows", "posts"}), requests=3000, per_seconds=300.0, concurrency=8),
    # app.bsky.actor.profile record, rkey self [V]
    basics={"display_name": SYNC, "bio": SYNC, "website": SYNC, "contact.email": None, "contact.phone": None,
            "contact.address": None, "avatar": SYNC, "cover": SYNC, "fields": None, "services": None},
    text_limits={"display_name": (64, "graphemes"), "bio": (256, "graphemes")},  # [V] lexicon
    image_rules={
        "avatar": ImageRule(JPEG_PNG, 1_000_000, 1, 1, 1.0, "Bluesky: PNG or JPEG blob of at most 1,000,000 bytes, "
                            "shown round [V lexicon]"),
        "cover": ImageRule(JPEG_PNG, 1_000_000, 1, 1, 3.0, "Bluesky: PNG or JPEG blob of at most 1,000,000 bytes, "
                           "shown 3:1 [V lexicon; shape C]"),
    },
    checklist=(
        ("account", "Create the account {account} (bsky.app, or your own PDS at {service})."),
        ("app", "Connect the app: Bluesky needs no app registration; socialops signs in with an app password."),
        ("token", "Create the token: Bluesky > Settings > Privacy and security > App passwords > Add App Password "
                  "(never the account's main password)."),
        secret_step("app password"),
    ),
    profile_steps={
        "display_name": "Bluesky > Profile > Edit profile > Display name",
        "bio": "Bluesky > Profile > Edit profile > Description",
        "website": "Bluesky > Profile > Edit profile > Website",
        "avatar": "Bluesky > Profile > Edit profile > the round picture",
        "cover": "Bluesky > Profile > Edit profile > the banner",
    },
    moderation_steps={
        "delete": "Bluesky cannot delete someone else's reply: /hide puts it behind the thread's hidden "
                  "replies (threadgate), /block blocks the author; report it in the app (··· > Report post).",
    },
    task_steps={"*": ("Sign in to Bluesky as {account} and write a new post.",
                      "Paste the text below and add the media (with alt text).",
                      "Post it, open it, and copy its address (··· > Copy link to post).")},
    post_addresses=(r"https://bsky\.app/profile/({user}|did:plc:[a-z0-9]+)/post/(?P<code>[a-z0-9]+)/?",),
)
