"""The sandbox: the embedded local network (SQLite) that can do everything, for the demo and the tests."""

from socialops.networks.spec import ALL_TYPES, BASICS, SYNC, MetricsCapability, NetworkSpec

SPEC = NetworkSpec(
    name="sandbox", label="Sandbox (local, simulated)", adapter="sandbox:SandboxNetwork",
    types=ALL_TYPES, text_limit=100_000, counting="chars", max_media=20,
    image_types=frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp"}), video_types=frozenset({".mp4", ".mov"}),
    captions=frozenset({".vtt", ".srt"}), caption_types=ALL_TYPES, link_card="the sandbox keeps the link as it is",
    idempotency="key", live_api=True, can_hide=True,
    can_delete_comments=True, can_block=True, has_reach=True, has_demographics=True, settings=("imitates",),
    # The sandbox reports what the network it imitates would (simulated); these are its own (everything).
    metrics=MetricsCapability(
        post=frozenset({"views", "reach", "likes", "comments", "shares", "quotes", "saves", "video_views",
                        "link_clicks"}),
        profile=frozenset({"followers", "follows", "posts"}), daily=frozenset({"gained", "lost"}),
        demographics=("age", "gender", "age_gender", "country", "city"), requests=1000, per_seconds=1.0,
        concurrency=1),
    # the embedded sandbox stores every basic (so check, diff and sync work in the demo)
    basics=dict.fromkeys(BASICS, SYNC),
    max_fields=4,
    post_addresses=(r"https://sandbox\.socialops\.invalid/\S+",),
)
