"""LinkedIn pages: limits, metrics, moderation, profile basics and the manual steps."""

from socialops.networks.spec import (
    CHECK,
    JPEG_PNG,
    JPEG_PNG_GIF,
    MANUAL,
    ImageRule,
    MediaRule,
    MetricsCapability,
    NetworkSpec,
    secret_step,
)

SPEC = NetworkSpec(
    name="linkedin", label="LinkedIn page", adapter="linkedin:LinkedInNetwork",
    types=frozenset({"text", "image", "carousel", "video", "live", "link"}),
    text_limit=3_000, counting="chars", max_media=20, image_types=frozenset({".jpg", ".jpeg", ".png", ".gif"}),
    video_types=frozenset({".mp4"}),
    media_rules=(
        MediaRule("image", max_pixels=36_152_319, source="LinkedIn images: under 36,152,320 pixels [C]"),
        MediaRule("video", max_bytes=500_000_000, min_seconds=3, max_seconds=30 * 60, aspect_min=1 / 2.4,
                  aspect_max=2.4, source="LinkedIn videos: MP4 up to 500 MB, 3 s to 30 min, 1:2.4 to 2.4:1 [C]"),
    ),
    captions=frozenset({".srt", ".vtt"}), caption_types=frozenset({"video"}),
    video_alt=False,  # altText belongs to images [V]
    link_card="socialops sends the link as an article; LinkedIn may not show a preview image [U]",
    has_reach=True, has_demographics=True, settings=("organization_id",), required_settings=("organization_id",),
    notes={"live": "LinkedIn Live events can only be created by approved partners: the announcement is published"},
    # LinkedIn publishes no numbers (daily per-app limits, bare 429): stay gentle.
    metrics=MetricsCapability(
        post=frozenset({"views", "reach", "likes", "comments", "shares", "link_clicks"}),
        profile=frozenset({"followers"}), daily=frozenset({"gained"}),
        demographics=("country", "region", "industry", "seniority", "function", "company_size"),
        requests=5, per_seconds=1.0, concurrency=4),
    # GET /rest/organizations/{id}: localizedName, localizedDescription, localizedWebsite [C]; no write API [U]
    basics={"display_name": CHECK, "bio": CHECK, "website": CHECK, "contact.email": None,
            "contact.phone": MANUAL, "contact.address": MANUAL, "avatar": MANUAL, "cover": MANUAL,
            "fields": None, "services": MANUAL},
    text_limits={"bio": (2000, "chars")},  # [U]
    image_rules={
        "avatar": ImageRule(JPEG_PNG_GIF, 8_000_000, 268, 268, 1.0, "LinkedIn page logo: at least 268x268, "
                            "square (400x400 recommended) [U]"),
        "cover": ImageRule(JPEG_PNG, 8_000_000, 1128, 191, 1128 / 191, "LinkedIn page cover: 1128x191 [U]"),
    },
    checklist=(
        ("account", "Create the LinkedIn page {account} and put its number in `organization_id:` (from the admin "
                    "address linkedin.com/company/NUMBER/admin)."),
        ("app", "Connect the app: a LinkedIn developer app with the Community Management API product, verified "
                "for the page, with the scopes w_organization_social, r_organization_social and "
                "rw_organization_admin."),
        ("token", "Create the token: sign in (OAuth) as a member who is an ADMINISTRATOR of the page. Tokens last "
                  "60 days: note the date to renew it."),
        secret_step("access token"),
    ),
    profile_steps={
        "display_name": "LinkedIn > your page > Admin view > Edit page > Page info > Name",
        "bio": "LinkedIn > your page > Admin view > Edit page > Details > Description",
        "website": "LinkedIn > your page > Admin view > Edit page > Details > Website URL",
        "contact.phone": "LinkedIn > your page > Admin view > Edit page > Details > Phone",
        "contact.address": "LinkedIn > your page > Admin view > Edit page > Locations",
        "avatar": "LinkedIn > your page > Admin view > Edit page > Header > Logo",
        "cover": "LinkedIn > your page > Admin view > Edit page > Header > Cover image",
        "services": "LinkedIn > your page > Admin view > Edit page > Details > Specialties / Services page",
    },
    moderation_steps={
        "hide": "LinkedIn's API cannot hide comments. As a page admin, open the post on LinkedIn, click "
                "··· on the comment and choose Delete (pages may remove comments on their own posts "
                "in the app), or turn comments off for the post; report abuse with ··· > Report.",
        "delete": "LinkedIn's API deletes only the page's own comments. As a page admin, open the post on "
                  "LinkedIn, click ··· on the comment and choose Delete.",
        "block": "LinkedIn pages cannot block members. Report the comment (··· > Report) and remove it "
                 "from the post in the app.",
    },
    task_steps={"*": ("On LinkedIn, open the page {account} as an admin and choose Start a post.",
                      "Add the text and the media below, and post it.",
                      "Open the post (··· > Copy link to post) and copy its address.")},
    post_addresses=(r"https://(www\.)?linkedin\.com/(feed/update/urn:li:(activity|share|ugcPost):(?P<code>\d+)|posts/)\S*",),
)
