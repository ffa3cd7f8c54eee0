"""Instagram professional accounts: limits, metrics, moderation, profile basics and the manual steps."""

from socialops.networks.spec import (
    CHECK,
    JPEG_PNG,
    MANUAL,
    NINE_SIXTEEN,
    ImageRule,
    MediaRule,
    MetricsCapability,
    NetworkSpec,
    secret_step,
)

SPEC = NetworkSpec(
    name="instagram", label="Instagram", adapter="instagram:InstagramNetwork",
    types=frozenset({"image", "carousel", "video", "story", "reel", "live"}),
    text_limit=2_200, counting="chars", max_media=10, image_types=frozenset({".jpg", ".jpeg"}),
    media_rules=(
        MediaRule("image", types=frozenset({"image", "carousel", "live"}), max_bytes=8_000_000, min_width=320,
                  aspect_min=0.8, aspect_max=1.91,
                  source="Instagram feed images: JPEG up to 8 MB, at least 320 px wide, 4:5 to 1.91:1 [C]"),
        MediaRule("image", types=frozenset({"story"}), max_bytes=8_000_000, min_width=320,
                  source="Instagram story images: JPEG up to 8 MB, at least 320 px wide [C]"),
        MediaRule("image", types=frozenset({"story"}), aspect_min=NINE_SIXTEEN[0], aspect_max=NINE_SIXTEEN[1],
                  certain=False, source="Instagram stories are 9:16; other shapes are shown with bars [C]"),
        MediaRule("video", types=frozenset({"video", "reel", "carousel", "live"}), min_seconds=3,
                  max_seconds=15 * 60, max_width=1920,
                  source="Instagram Reels (every video is one): 3 s to 15 min, at most 1920 px wide [C]"),
        MediaRule("video", types=frozenset({"reel"}), aspect_min=NINE_SIXTEEN[0], aspect_max=NINE_SIXTEEN[1],
                  certain=False, source="Instagram Reels are 9:16; other shapes are shown with bars [C]"),
        MediaRule("video", types=frozenset({"story"}), max_width=1920, aspect_min=NINE_SIXTEEN[0],
                  aspect_max=NINE_SIXTEEN[1], max_seconds=60, certain=False,
                  source="Instagram video stories: 9:16, up to 60 s [U]"),
        MediaRule("video", max_bytes=300_000_000, certain=False,
                  source="Instagram videos: 300 MB or 1 GB, sources differ [U]"),
    ),
    alt_limit=1_000, max_hashtags=30, needs_media=True, needs_public_media_url=True,
    video_alt=False, no_alt_types=frozenset({"story"}),  # alt_text: feed images only [V]
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
    manual_types={"live": "Instagram's API cannot start or schedule a live broadcast"},
    task_steps={
        "live": ("In the Instagram app, signed in as {account}, tap + and choose Live at the time below.",
                 "Give the broadcast the title, and say the text below (or pin it as a comment).",
                 "When it ends, share the replay to the profile if you like, and copy the profile's or the "
                 "replay's address."),
        "story": ("In the Instagram app, signed in as {account}, tap + and choose Story.",
                  "Pick the media below, and add the stickers the post lists (link, poll, question, countdown...).",
                  "Share it to your story, open it, tap ··· > Copy link."),
        "*": ("In the Instagram app, signed in as {account}, tap + and make the post with the media below.",
              "Paste the text below as the caption.", "Share it, open it, tap ··· > Copy link."),
    },
    post_addresses=(r"https://(www\.)?instagram\.com/(p|reel|tv)/(?P<code>[A-Za-z0-9_-]+)/?(\?.*)?",
                    r"https://(www\.)?instagram\.com/stories/{user}/(?P<code>\d+)/?(\?.*)?",
                    r"https://(www\.)?instagram\.com/{user}/(live/)?(\?.*)?"),
)
