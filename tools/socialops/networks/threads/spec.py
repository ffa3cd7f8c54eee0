"""Threads (Meta's Threads API at graph.threads.net): limits, metrics, replies, profile basics and the manual
steps. Numbers: ../shared/reference/platform-api.md section 3 and the Threads documentation
(developers.facebook.com/docs/threads: posts, overview, insights, reply-management, threads-profiles)."""

from socialops.networks.spec import (
    CHECK,
    JPEG_PNG,
    ImageRule,
    MediaRule,
    MetricsCapability,
    NetworkSpec,
    secret_step,
)

# Who may reply, as `reply_control:` in the profile (POST /{threads-user-id}/threads reply_control [V posts,
# reply-management docs]).
REPLY_CONTROLS = ("everyone", "accounts_you_follow", "mentioned_only", "parent_post_author_only", "followers_only")

SPEC = NetworkSpec(
    name="threads", label="Threads", adapter="threads:ThreadsNetwork",
    types=frozenset({"text", "image", "carousel", "video", "live", "link"}),
    text_limit=500, counting="utf8_emoji", max_media=20,
    media_rules=(
        MediaRule("image", max_bytes=8_000_000, min_width=320, max_width=1440, aspect_min=0.1, aspect_max=10.0,
                  source="Threads images: up to 8 MB, 320 to 1440 px wide, shapes up to 10:1 [C]"),
        MediaRule("video", max_bytes=1_000_000_000, max_seconds=5 * 60, max_width=1920,
                  source="Threads videos: up to 1 GB, 5 min, 1920 px wide [C]"),
    ),
    alt_limit=1_000, needs_public_media_url=True, can_hide=True, has_reach=True, has_demographics=True,
    settings=("threads_user_id", "media_base_url", "reply_control"), required_settings=("threads_user_id",),
    notes={"live": "Threads has no live broadcasts: the announcement is published",
           "link": "the link is attached as the post's link preview (link_attachment)"},
    # 250 posts and 1,000 replies a day; calls 4,800 x impressions a day [V overview]: a gentle budget.
    metrics=MetricsCapability(
        post=frozenset({"views", "likes", "comments", "shares", "quotes"}), profile=frozenset({"followers"}),
        demographics=("country", "city", "age", "gender"), requests=5, per_seconds=1.0, concurrency=4),
    # GET /{threads-user-id}?fields=username,name,threads_biography,threads_profile_picture_url [V
    # threads-profiles]; no write endpoint: checked, differences go to the drift issue
    basics={"display_name": CHECK, "bio": CHECK, "website": None, "contact.email": None, "contact.phone": None,
            "contact.address": None, "avatar": CHECK, "cover": None, "fields": None, "services": None},
    text_limits={"bio": (150, "chars")},  # [U]
    image_rules={
        "avatar": ImageRule(JPEG_PNG, 8_000_000, 110, 110, 1.0, "Threads uses the Instagram picture [U]"),
    },
    checklist=(
        ("account", "Create the Threads profile {account} (it comes with the Instagram account) and put its id "
                    "in `threads_user_id:` (GET /me?fields=id with the token shows it)."),
        ("app", "Connect the app: in the Meta app add the Threads use case with threads_basic, "
                "threads_content_publish, threads_read_replies, threads_manage_replies, threads_manage_insights."),
        ("token", "Create the token: a long-lived Threads user token (60 days; socialops reminds you to refresh)."),
        secret_step("token"),
    ),
    profile_steps={
        "display_name": "Threads uses the Instagram name: Instagram app > Edit profile > Name",
        "bio": "Threads app > your profile > Edit profile > Bio",
        "avatar": "Threads uses the Instagram picture: Instagram app > Edit profile > Edit picture",
    },
    moderation_steps={
        "delete": "Threads' API cannot delete others' replies. /hide it, or in the Threads app tap ··· on "
                  "the reply and choose Delete.",
        "block": "Threads' API has no block. In the Threads app open the profile, tap ··· and choose Block.",
    },
    task_steps={"*": ("In the Threads app, signed in as {account}, start a new thread.",
                      "Paste the text below and add the media.", "Post it, open it, tap ··· > Copy link.")},
    post_addresses=(r"https://(www\.)?threads\.(net|com)/@{user}/post/(?P<code>[A-Za-z0-9_-]+)/?(\?.*)?",),
)
