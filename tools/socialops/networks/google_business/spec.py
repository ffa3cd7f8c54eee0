"""Google Business Profile: a location's local posts, reviews, profile basics, insights and the manual steps.

Sources (tags as in ../shared/reference/platform-api.md: [V] verified against the API's own description,
[C] the documentation says so, [U] unconfirmed):

- Business Information API v1 (``mybusinessbusinessinformation.googleapis.com/v1/locations/{l}``): title,
  ``profile.description`` (750 characters [C]), ``phoneNumbers``, ``websiteUri``, ``regularHours``,
  ``specialHours``, ``categories``, ``storefrontAddress``; attributes under ``/attributes`` [V: the discovery
  document google-api-python-client ships, checked by tests/test_google_business.py].
- Business Profile Performance API v1 (``:fetchMultiDailyMetricsTimeSeries``): impressions on Maps and Search,
  calls, direction requests, website clicks per day [V: discovery document].
- My Business API v4 (``mybusiness.googleapis.com/v4/accounts/{a}/locations/{l}/reviews`` and ``/localPosts``),
  which has no discovery document: the shapes the reference pages document [C]. Local posts: ``summary`` at
  most 1,500 characters [C], one photo (JPG or PNG, 10 KB to 5 MB, at least 250x250 [C]) given by a public
  ``sourceUrl``, an event title of at most 58 characters [U]; offers have no button of their own [U].
- OAuth scope ``https://www.googleapis.com/auth/business.manage`` for everything [C]; the API must be
  enabled for the Cloud project by Google's access request form [C].
"""

from socialops.networks.spec import (
    CHECK,
    MANUAL,
    SYNC,
    MediaRule,
    MetricsCapability,
    NetworkSpec,
    secret_step,
)

# Local post limits [C] (event title [U]): used by the post rules and the adapter.
SUMMARY_LIMIT = 1_500
EVENT_TITLE_LIMIT = 58
OFFER_COUPON_LIMIT = 58  # [U]
OFFER_TERMS_LIMIT = 5_000  # [U]
BUTTONS = ("book", "order", "shop", "learn_more", "sign_up", "call")  # callToAction.actionType, lower case
TOPICS = ("standard", "offer", "event")  # topicType; "standard" is the app's "What's new"
DESCRIPTION_LIMIT = 750

SPEC = NetworkSpec(
    name="google_business", label="Google Business Profile", adapter="google_business:GoogleBusinessNetwork",
    types=frozenset({"text", "image", "link", "live"}),
    text_limit=SUMMARY_LIMIT, counting="chars", max_media=1,
    media_rules=(MediaRule("image", max_bytes=5_000_000, min_width=250,
                           source="Google Business Profile photos: up to 5 MB, at least 250 px wide [C]"),),
    needs_public_media_url=True, idempotency="none",
    settings=("account_id", "location_id", "media_base_url"), required_settings=("account_id", "location_id"),
    notes={"live": "Google Business Profile has no broadcasts: a live post becomes an EVENT post at its time",
           "link": "the link becomes the post's button (Learn more unless 'local.button' says otherwise)"},
    metrics=MetricsCapability(
        post=frozenset(), profile=frozenset(),
        daily=frozenset({"views", "searches", "calls", "directions", "website_clicks"}),
        requests=5, per_seconds=1.0, concurrency=2),
    # Business Information API v1 [V]; the title and address need Google's review of the edit: checked only.
    basics={"display_name": CHECK, "bio": SYNC, "website": SYNC, "contact.email": None, "contact.phone": SYNC,
            "contact.address": CHECK, "avatar": MANUAL, "cover": MANUAL, "fields": None, "services": None,
            "hours": SYNC, "special_hours": SYNC, "categories": SYNC, "attributes": SYNC},
    text_limits={"bio": (DESCRIPTION_LIMIT, "chars"), "display_name": (100, "chars")},
    checklist=(
        ("account", "Claim and verify the business \"{account}\" on Google (business.google.com); put the "
                    "account's id in `account_id:` and the location's in `location_id:` (the numbers of "
                    "accounts/N and locations/N)."),
        ("app", "Connect the app: in a Google Cloud project request access to the Business Profile APIs "
                "(Google's access form), enable My Business Business Information API, Business Profile "
                "Performance API and Google My Business API, and make an OAuth client; authorise it with the "
                "scope https://www.googleapis.com/auth/business.manage as a manager of the location."),
        ("token", "Create the token: the OAuth client's id, secret and refresh token as one JSON object with the "
                  "keys client_id, client_secret and refresh_token; socialops gets a fresh access token from it "
                  "for every run (an access token alone works for an hour)."),
        secret_step("OAuth JSON"),
    ),
    profile_steps={
        "display_name": "Google Business Profile > Edit profile > Business name (Google reviews the change)",
        "contact.address": "Google Business Profile > Edit profile > Location > Business location",
        "avatar": "Google Business Profile > Edit profile > Photos > Logo",
        "cover": "Google Business Profile > Edit profile > Photos > Cover photo",
    },
    moderation_steps={
        "hide": "A review cannot be hidden. If it breaks Google's policies, report it: Google Business Profile > "
                "Reviews > ··· > Report review.",
        "delete": "A review cannot be deleted by the business; /unreply removes your answer. Report a review "
                  "that breaks Google's policies: Reviews > ··· > Report review.",
        "block": "Google has no blocking of reviewers. Report abusive reviews: Reviews > ··· > Report review.",
    },
    task_steps={"*": ("Open the business profile {account} (search for it on Google while signed in, or "
                      "business.google.com), and choose Add update.",
                      "Add the text and the photo below, and post it.",
                      "Open the update on the profile, choose Share, and copy its link.")},
    post_addresses=(r"https://(posts\.gle|maps\.app\.goo\.gl|g\.page|(www\.)?google\.[a-z.]+)/\S+",),
)
