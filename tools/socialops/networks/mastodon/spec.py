"""Mastodon: limits, metrics, moderation, profile basics and the manual steps."""

from socialops.networks.spec import (
    JPEG_PNG_GIF,
    SYNC,
    ImageRule,
    MediaRule,
    MetricsCapability,
    NetworkSpec,
    secret_step,
)

SPEC = NetworkSpec(
    name="mastodon", label="Mastodon", adapter="mastodon:MastodonNetwork",
    types=frozenset({"text", "image", "carousel", "video", "live", "link"}),
    text_limit=500, counting="urls23", max_media=4, image_types=frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp"}),
    video_types=frozenset({".mp4", ".mov", ".webm"}),
    media_rules=(
        MediaRule("image", max_bytes=16_000_000, source="Mastodon defaults: images up to 16 MB [V]"),
        MediaRule("video", max_bytes=103_809_024, max_pixels=8_294_400,
                  source="Mastodon defaults: video_size_limit 103,809,024 bytes, at most 3840x2160 [V]"),
    ),
    link_card="the instance reads the page's preview card itself, a little after posting",
    alt_limit=1_500, link_in_text=True, idempotency="key", can_block=True,
    settings=("instance",), required_settings=("instance",),
    notes={"live": "Mastodon has no live broadcasts: the announcement is published"},
    # 300 requests per 5 minutes per account (and per IP).
    metrics=MetricsCapability(
        post=frozenset({"likes", "comments", "shares", "quotes"}), profile=frozenset({"followers", "follows", "posts"}),
        requests=300, per_seconds=300.0, concurrency=8),
    # PATCH /api/v1/accounts/update_credentials [V]
    basics={"display_name": SYNC, "bio": SYNC, "website": None, "contact.email": None, "contact.phone": None,
            "contact.address": None, "avatar": SYNC, "cover": SYNC, "fields": SYNC, "services": None},
    text_limits={"display_name": (30, "chars"), "bio": (500, "chars")},  # [V] defaults
    max_fields=4,
    image_rules={
        "avatar": ImageRule(JPEG_PNG_GIF, 2_000_000, 1, 1, 1.0, "Mastodon: PNG, GIF or JPG, at most 2 MB, cropped "
                            "to 400x400 [C]"),
        "cover": ImageRule(JPEG_PNG_GIF, 2_000_000, 1, 1, 3.0, "Mastodon: PNG, GIF or JPG, at most 2 MB, cropped "
                           "to 1500x500 [C]"),
    },
    checklist=(
        ("account", "Create the account {account} on {instance} (or sign in to it)."),
        ("app", "Connect the app: on {instance}, Preferences > Development > New application, name it "
                "\"socialops\" and tick the scopes read:accounts read:statuses read:notifications write:statuses "
                "write:media write:accounts write:blocks; save."),
        ("token", "Create the token: open the application and copy \"Your access token\"."),
        secret_step("access token"),
    ),
    profile_steps={
        "display_name": "Mastodon > Preferences > Public profile > Display name",
        "bio": "Mastodon > Preferences > Public profile > Bio",
        "avatar": "Mastodon > Preferences > Public profile > Profile picture",
        "cover": "Mastodon > Preferences > Public profile > Header picture",
        "fields": "Mastodon > Preferences > Public profile > Extra fields",
    },
    moderation_steps={
        "hide": "Mastodon cannot hide someone else's reply. Use /block (their posts disappear from the "
                "account's view), mute the conversation in the app, or report the reply to your "
                "instance's moderators (··· > Report).",
        "delete": "Mastodon lets you delete only your own posts. Report the reply to the moderators of "
                  "your instance (··· > Report) and /block the author.",
    },
    task_steps={"*": ("Sign in to {host} as {account} and write a new post.",
                      "Paste the text below and attach the media (with their descriptions).",
                      "Publish it, open it, and copy its address from the browser.")},
    post_addresses=(r"https://{host}/@{user}/(?P<id>\d+)/?", r"https://{host}/users/{user}/statuses/(?P<id>\d+)/?"),
)
