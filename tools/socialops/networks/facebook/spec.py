"""Facebook Pages: limits, metrics, moderation, profile basics and the steps a person takes by hand."""

from socialops.networks.spec import (
    CHECK,
    JPEG_PNG,
    META_IMAGES,
    NINE_SIXTEEN,
    SYNC,
    ImageRule,
    MediaRule,
    MetricsCapability,
    NetworkSpec,
    secret_step,
)

SPEC = NetworkSpec(
    name="facebook", label="Facebook Page", adapter="facebook:FacebookNetwork",
    types=frozenset({"text", "image", "carousel", "video", "story", "reel", "live", "link"}),
    text_limit=63_206, counting="chars", max_media=10, image_types=META_IMAGES | {".gif"},
    media_rules=(
        MediaRule("image", max_bytes=10_000_000, source="Facebook photos: under 10 MB [C]"),
        MediaRule("image", types=frozenset({"story"}), aspect_min=NINE_SIXTEEN[0], aspect_max=NINE_SIXTEEN[1],
                  certain=False, source="Facebook stories are 9:16; other shapes are shown with bars [C]"),
        MediaRule("video", types=frozenset({"reel"}), aspect_min=NINE_SIXTEEN[0], aspect_max=NINE_SIXTEEN[1],
                  min_width=540, min_height=960, min_seconds=3, max_seconds=90,
                  source="Facebook Reels: 9:16, at least 540x960, 3-90 s [V]"),
        MediaRule("video", types=frozenset({"story"}), aspect_min=NINE_SIXTEEN[0], aspect_max=NINE_SIXTEEN[1],
                  min_seconds=3, max_seconds=60, source="Facebook video stories: 9:16, 3-60 s [V reels spec, C]"),
        MediaRule("video", max_bytes=10_000_000_000, max_seconds=240 * 60, certain=False,
                  source="Facebook videos: up to 10 GB and 240 min [U]"),
    ),
    captions=frozenset({".srt", ".vtt"}), caption_types=frozenset({"video"}),
    video_alt=False,  # alt_text_custom is a photo's field [C]
    link_card="Facebook reads the page's preview (title, description, image) itself",
    needs_public_media_url=True, live_api=True,
    can_hide=True, can_delete_comments=True, can_block=True, has_reach=True, has_demographics=True,
    settings=("page_id", "media_base_url"), required_settings=("page_id",),
    # Page BUC budget is 4,800 x engaged users a day; stay far below it and let the usage headers slow us down.
    metrics=MetricsCapability(
        post=frozenset({"views", "reach", "likes", "comments", "shares", "video_views", "link_clicks"}),
        profile=frozenset({"followers"}), daily=frozenset({"gained", "lost"}), demographics=("country", "city"),
        requests=10, per_seconds=1.0, concurrency=8),
    # POST /{page-id} about, website, phone, emails [V SDK: Page.api_update]; `products` is a field the SDK's
    # Page.api_update does not take, so services are read and checked; name, picture, cover, address writes [U]
    basics={"display_name": CHECK, "bio": SYNC, "website": SYNC, "contact.email": SYNC, "contact.phone": SYNC,
            "contact.address": CHECK, "avatar": CHECK, "cover": CHECK, "fields": None, "services": CHECK},
    text_limits={"bio": (255, "chars")},  # about [C]
    image_rules={
        "avatar": ImageRule(JPEG_PNG, 10_000_000, 180, 180, 1.0, "Facebook: at least 180x180, shown square [U]"),
        "cover": ImageRule(JPEG_PNG, 10_000_000, 400, 150, 851 / 315, "Facebook: at least 400x150, shown "
                           "851x315 [U]"),
    },
    checklist=(
        ("account", "Create the Facebook Page \"{account}\" (or get full control of it) and put its id in "
                    "`page_id:` (Page > About > Page transparency)."),
        ("app", "Connect the app: create a Meta app at developers.facebook.com (type Business) with Facebook Login "
                "for Business and the permissions pages_show_list, pages_manage_posts, pages_read_engagement, "
                "pages_manage_engagement, pages_read_user_engagement, pages_manage_metadata, read_insights."),
        ("token", "Create the token: a Page access token (best: a Business Manager system user's token for the "
                  "Page; or GET /me/accounts with a long-lived user token)."),
        secret_step("Page access token"),
    ),
    profile_steps={
        "display_name": "Facebook > your Page > Settings > Page setup > Name (Meta reviews name changes)",
        "bio": "Facebook > your Page > Edit details (Intro) > Bio",
        "website": "Facebook > your Page > Settings > Page setup > Contact info > Website",
        "contact.email": "Facebook > your Page > Settings > Page setup > Contact info > Email",
        "contact.phone": "Facebook > your Page > Settings > Page setup > Contact info > Phone",
        "contact.address": "Facebook > your Page > Settings > Page setup > Location > Address",
        "avatar": "Facebook > your Page > click the profile picture > Choose profile picture > Upload photo",
        "cover": "Facebook > your Page > Edit cover photo > Upload photo",
        "services": "Facebook > your Page > Settings > Page setup > Products",
    },
    moderation_steps={
        "hide": "Open the comment on Facebook, click ··· and choose Hide comment.",
    },
    task_steps={
        "story": ("On the Page {account} (Facebook app or Meta Business Suite), choose Create story.",
                  "Add the media below and the stickers the post lists.", "Share it, open it, and copy its link."),
        "*": ("On the Page {account} (Facebook or Meta Business Suite), make the post with the text and media below.",
              "Publish it, open it (click its time), and copy the address from the browser."),
    },
    post_addresses=(r"https://(www\.|m\.|web\.)?facebook\.com/\S+", r"https://fb\.watch/\S+"),
)
