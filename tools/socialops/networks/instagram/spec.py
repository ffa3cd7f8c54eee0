"""Instagram professional accounts: limits, metrics, moderation, profile basics and the manual steps."""

from socialops.networks.spec import (
    CHECK,
    JPEG_PNG,
    MANUAL,
    ImageRule,
    MetricsCapability,
    NetworkSpec,
    secret_step,
)

SPEC = NetworkSpec(
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
    metrics=MetricsCapability(
        post=frozenset({"views", "reach", "likes", "comments", "shares", "saves", "video_views"}),
        profile=frozenset({"followers", "follows", "posts"}), daily=frozenset({"gained"}),
        demographics=("age", "gender", "age_gender", "country", "city", "online_hour"), requests=10, per_seconds=1.0,
        concurrency=8),
    # IG user node: username, name, biography, website, profile_picture_url readable; no write API [U]
    basics={"display_name": CHECK, "bio": CHECK, "website": CHECK, "contact.email": MANUAL,
            "contact.phone": MANUAL, "contact.address": MANUAL, "avatar": CHECK, "cover": None,
            "fields": None, "services": MANUAL},
    text_limits={"display_name": (30, "chars"), "bio": (150, "chars")},  # [U]
    image_rules={
        "avatar": ImageRule(JPEG_PNG, 8_000_000, 110, 110, 1.0, "Instagram: at least 110x110, shown round "
                            "(320x320 recommended) [U]"),
    },
    checklist=(
        ("account", "Make {account} a professional (Business or Creator) account, link it to the Facebook Page, "
                    "and put its id in `ig_user_id:`."),
        ("app", "Connect the app: in the Meta app add the Instagram use case with instagram_basic, "
                "instagram_content_publish, instagram_manage_comments, instagram_manage_insights and "
                "pages_read_engagement."),
        ("token", "Create the token: a Page or system-user access token that can act for the Instagram account."),
        secret_step("token"),
    ),
    profile_steps={
        "display_name": "Instagram app > your profile > Edit profile > Name",
        "bio": "Instagram app > your profile > Edit profile > Bio",
        "website": "Instagram app > your profile > Edit profile > Links > Add external link",
        "contact.email": "Instagram app > your profile > Edit profile > Contact options > Email",
        "contact.phone": "Instagram app > your profile > Edit profile > Contact options > Phone",
        "contact.address": "Instagram app > your profile > Edit profile > Contact options > Business address",
        "avatar": "Instagram app > your profile > Edit profile > Edit picture > New profile picture",
        "services": "Instagram app > your profile > Edit profile > Bio (or a highlight presenting the services)",
    },
    moderation_steps={
        "block": "Instagram's API has no block. In the Instagram app open the commenter's profile, tap "
                 "··· and choose Block (or Restrict, so their comments need your approval).",
    },
)
