"""Reviews in the inbox: Google reviews (documented v4 payloads through the Google stand-in) become issues like
comments -- stars shown, a 1-2 star review at least negative, each handled once across runs, an edited review
joining its issue -- and are answered with /reply, /reply @saved, a second /reply (the update) and /unreply."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from socialops.community.categories import Decision
from socialops.community.commands import run_moderate
from socialops.community.fetch import run_comments
from socialops.community.reviews import review_decision
from socialops.networks.google_business.reviews import review_comment
from socialops.state.comments import moderation_log
from socialops.tracker.outbox import OutboxTracker
from tests.comments_support import outbox
from tests.google_support import LOCATION, NOW, PROFILE, SCHEDULE, Google, fixture, network

MODERATOR = "roles:\n  moderators: ['@liisa-mod']\n"
HOSTILE = ("@everyone <img src=x onerror=alert(1)> ::add-mask::secret ${{ secrets.X }} "
           "[palkinto](https://evil.example) ```\n# otsikko\n</details>")


@pytest.fixture
def shop(tmp_path):
    root = tmp_path / "repo"
    (root / "profiles").mkdir(parents=True)
    (root / "schedule.yaml").write_text(SCHEDULE, encoding="utf-8")
    (root / "profiles" / "kahvila-google.yaml").write_text(PROFILE + MODERATOR, encoding="utf-8")
    (root / "replies").mkdir()
    (root / "replies" / "pahoittelu.md").write_text("Hei {name}, pahoittelut! Otamme yhteyttä.\n", encoding="utf-8")
    google = Google()
    return root, google


def thread_issues(root):
    """The issues of reviews, without the day's digest (where a review nobody needs to see first is a line)."""
    return [issue for issue in outbox(root) if "-digest-" not in issue["key"]]


def run(root, google, now=NOW):
    return run_comments(root, now=now, env={}, tracker=OutboxTracker(root), push=False,
                        opener=lambda profile: network(google))


def test_a_two_star_review_becomes_an_issue_with_its_stars_and_is_handled_once(shop):
    root, google = shop
    result = run(root, google)
    # three reviews: the 2-star one (new), the 5-star one without text (new), the October one (outside the window)
    assert result.fetched == 2 and len(result.new) == 2
    assert {f.decision.category for f in result.new} == {"negative", "other"}
    (issue,) = thread_issues(root)
    (digest,) = [i for i in outbox(root) if "-digest-" in i["key"]]  # the 5-star review reaches a person too
    assert digest["title"] == "Comments on kahvila-google on 2026-12-02" and "other" in digest["body"]
    assert issue["title"].startswith("Negative feedback on kahvila-google: Google review, 2 of 5 stars")
    assert {"negative", "customer-service", "profile:kahvila-google", "network:google_business"} <= set(issue["labels"])
    body = issue["body"]
    assert "#### Review 1 · ★★☆☆☆ (2 of 5) · negative" in body
    assert "[the business on the map](https://maps.google.com/maps?cid=123)" in body
    assert "Kahvi oli kylmää" in body and "Matti Meikäläinen" in body
    assert "`/reply 1 …`" in body and "`/unreply 1`" in body and "/unreply N" in body
    # the next run finds the same reviews and opens nothing
    again = run(root, google, NOW + dt.timedelta(minutes=30))
    assert again.new == [] and again.issues_opened == [] and len(thread_issues(root)) == 1


def test_an_edited_review_is_new_and_joins_the_reviews_issue(shop):
    root, google = shop
    run(root, google)
    edited = copy.deepcopy(google.reviews["reviews"][0])
    edited.update(starRating="ONE", comment="Kävin uudestaan: vielä huonompi.", updateTime="2026-12-02T18:00:00Z")
    google.reviews["reviews"][0] = edited
    later = run(root, google, NOW + dt.timedelta(hours=7))
    assert [f.decision.category for f in later.new] == ["negative"] and later.issues_updated
    (issue,) = thread_issues(root)
    assert "#### Review 2 · ★☆☆☆☆ (1 of 5)" in issue["body"] and "vielä huonompi" in issue["body"]


def test_a_hostile_review_is_inert_in_its_issue(shop):
    root, google = shop
    google.reviews["reviews"][0]["comment"] = HOSTILE
    google.reviews["reviews"][0]["reviewer"]["displayName"] = "@everyone <b>x</b>"
    run(root, google)
    body = outbox(root)[0]["body"]
    start = body.index("```")
    end = body.rindex("```")
    outside = body[:start] + body[end:]
    for bad in ("::add-mask::", "<img", "](https://evil", "${{", "@everyone", "<b>"):
        assert bad not in outside, bad


def moderate(root, google, text, *, login="liisa-mod", event_id=1):
    (issue,) = thread_issues(root)
    event = {"comment": {"body": text, "user": {"login": login}, "id": event_id},
             "issue": {"number": issue["number"], "body": issue["body"], "labels": [{"name": n} for n in issue["labels"]]}}
    return run_moderate(root, event, now=NOW, env={}, tracker=OutboxTracker(root), opener=lambda p: network(google),
                        push=False, key=issue["key"], permission=lambda login: "read")


def test_reply_update_and_unreply_go_to_the_reviews_reply(shop):
    root, google = shop
    run(root, google)
    review = f"{LOCATION}/reviews/AbFvOqm2"
    result = moderate(root, google, "/reply @pahoittelu")
    assert result.status == "done", result.message
    put = google.requests[-1]
    assert (put.method, put.url.path) == ("PUT", f"/v4/{review}/reply")
    assert json.loads(put.content) == {"comment": "Hei Matti Meikäläinen, pahoittelut! Otamme yhteyttä."}
    (issue,) = thread_issues(root)
    assert issue["state"] == "closed" and "answered" in issue["labels"]
    # a second /reply replaces the answer (Google's PUT is create-or-update)
    assert moderate(root, google, "/reply 1 Korjasimme kahvinkeittimen, tervetuloa uudelleen!", event_id=2).status == "done"
    assert json.loads(google.requests[-1].content)["comment"].startswith("Korjasimme")
    assert moderate(root, google, "/unreply 1", event_id=3).status == "done"
    assert (google.requests[-1].method, google.requests[-1].url.path) == ("DELETE", f"/v4/{review}/reply")
    actions = [(r["action"], r["result"]) for r in moderation_log(root).rows()]
    assert actions == [("reply", "done"), ("reply", "done"), ("unreply", "done")]
    # hide / delete / block: Google cannot; the issue says what to do by hand
    assert moderate(root, google, "/block 1", event_id=4).status == "unsupported"
    assert "Report review" in outbox(root)[0]["comments"][-1]


def test_unreply_is_refused_where_the_network_has_no_review_answers():
    from socialops.community.commands import parse_command

    assert parse_command("/unreply 1").verb == "unreply"


@pytest.mark.parametrize("stars, text_category, expected", [
    ("1", "other", "negative"), ("2", "question", "negative"), ("3", "other", "other"),
    ("1", "abusive", "abusive"), ("1", "spam", "spam"), ("5", "other", "other"), ("0", "other", "other"),
])
def test_a_low_rating_is_at_least_negative(stars, text_category, expected):
    review = review_comment({"name": f"{LOCATION}/reviews/r", "starRating": "ONE", "updateTime":
                             "2026-12-01T00:00:00Z"}, "locations/1")
    review = type(review)(**{**review.__dict__, "ref": {**review.ref, "stars": stars}})
    decision = review_decision(Decision(text_category, "low", ("why",)), review)
    assert decision.category == expected


def test_the_review_payloads_become_comments_with_what_actions_need():
    first, anonymous, answered = (review_comment(r, "locations/9876543210", "https://maps.example")
                                  for r in fixture("reviews.json")["reviews"])
    assert first.id == f"{LOCATION}/reviews/AbFvOqm2@2026-12-01T17:02:11.123Z"
    assert first.thread == f"{LOCATION}/reviews/AbFvOqm2"
    assert first.ref["stars"] == "2" and first.author_name == "Matti Meikäläinen"
    assert anonymous.text == "" and anonymous.author_name == "A Google user" and anonymous.ref["stars"] == "5"
    assert answered.ref["answered"] == "yes"
    assert first.created_at == dt.datetime(2026, 12, 1, 17, 2, 11, 123000, tzinfo=dt.UTC)


def test_reviews_are_read_newest_first_until_the_window_and_pages_are_followed():
    google = Google()
    page_two = fixture("reviews.json")
    first_page = {"reviews": page_two["reviews"][:1], "nextPageToken": "p2", "averageRating": 3.7,
                  "totalReviewCount": 3}
    second_page = {"reviews": page_two["reviews"][1:]}
    pages = iter([first_page, second_page])
    original = google.v4

    def v4(request):
        if request.url.path.endswith("/reviews"):
            import httpx

            return httpx.Response(200, json=next(pages))
        return original(request)

    google.v4 = v4
    net = network(google)
    found = net.list_reviews(since=NOW - dt.timedelta(days=30))
    assert [c.ref["stars"] for c in found] == ["5", "2"]  # oldest first; the October one is past the window
    listed = [r for r in google.requests if r.url.path.endswith("/reviews")]
    assert listed[0].url.params["orderBy"] == "updateTime desc" and listed[0].url.params["pageSize"] == "50"
    assert listed[1].url.params["pageToken"] == "p2"
    assert net.review_stats == {"averageRating": 3.7, "totalReviewCount": 3.0}


def test_the_rendered_review_issue_is_valid_markdown(shop, tmp_path):
    cmarkgfm = pytest.importorskip("cmarkgfm")
    root, google = shop
    run(root, google)
    html = cmarkgfm.github_flavored_markdown_to_html(outbox(root)[0]["body"])
    assert "<h4>Review 1 · ★★☆☆☆ (2 of 5) · negative (" in html and "<code>/unreply 1</code>" in html
    Path(tmp_path / "review-issue.md").write_text(outbox(root)[0]["body"], encoding="utf-8")


# --- Facebook Page recommendations ---------------------------------------------------------------------------


def test_facebook_recommendations_are_reviews_and_meta_s_deprecation_is_a_warning(tmp_path):
    from tests.test_facebook import PAGE, Meta, fx
    from tests.test_facebook import network as facebook

    meta = Meta().on("GET", f"/{PAGE}/ratings", fx("ratings.json"))
    found = facebook(meta).list_reviews(since=NOW - dt.timedelta(days=30))
    assert [(c.id, c.ref["recommends"], c.author_name) for c in found] == [
        ("104567890123456_900002", "yes", "Anna A"), ("104567890123456_900001", "no", "Pekka P")]
    assert meta.requests[0].url.params["fields"].startswith("created_time,recommendation_type,review_text")
    # a "does not recommend" is at least negative feedback, whatever its words
    decision = review_decision(Decision("other", "low", ()), found[1])
    assert decision.category == "negative" and "does not recommend" in decision.reason
    # the version socialops uses answers error 12: not an error of the run, a warning that says what to do
    from socialops.networks.types import UnsupportedAction

    gone = Meta().on("GET", f"/{PAGE}/ratings", (400, fx("error_12.json")))
    with pytest.raises(UnsupportedAction, match="deprecated them in Graph API v22.0"):
        facebook(gone).list_reviews()


# --- the report's customer-service section -----------------------------------------------------------------------


def test_the_report_counts_the_inbox_by_week_with_ratings_reply_times_and_what_is_unanswered(shop):
    from socialops.metrics.report import build_report
    from socialops.state.inbox import inbox_log

    root, google = shop
    run(root, google)  # 2026-12-02 12:00: a 2-star review (flagged) and a 5-star one (a line of the digest)
    rows = inbox_log(root).rows()
    assert sorted((r["kind"], r["stars"], r["action"]) for r in rows) == [("review", "2", "issue"),
                                                                        ("review", "5", "digest")]
    assert all("Matti" not in json.dumps(r) and "Kahvi" not in json.dumps(r) for r in rows)  # no names, no texts
    report = build_report(root, 2026, 12).markdown
    section = report[report.index("## Customer service"):]
    assert "| 2026-W49 | 0 | 2 | 0 | 0 | 1 |" in section  # the 5-star review is a digest line, not flagged
    assert "**Reviews:** 2 rated, average **3.5** of 5; 1 of 1-2 stars." in section
    assert "**Unanswered** at the end of the month: 1 of 1 flagged (1 review); the oldest waits since 2026-12-02." \
        in section
    # a /reply three hours later: answered, and the time to first reply is measured
    (issue,) = thread_issues(root)
    event = {"comment": {"body": "/reply Pahoittelut!", "user": {"login": "liisa-mod"}, "id": 9},
             "issue": {"number": issue["number"], "body": issue["body"], "labels": [{"name": n} for n in issue["labels"]]}}
    run_moderate(root, event, now=NOW + dt.timedelta(hours=3), env={}, tracker=OutboxTracker(root),
                 opener=lambda p: network(google), push=False, key=issue["key"], permission=lambda login: "read")
    section = build_report(root, 2026, 12).markdown.split("## Customer service", 1)[1]
    assert "median 3.0 h, 1 of 1 within 24 hours" in section
    assert "**Unanswered:** none; all 1 flagged items were handled." in section


def test_a_month_without_inbox_items_says_so(tmp_path):
    from socialops.metrics.report import build_report

    (tmp_path / "schedule.yaml").write_text("timezone: Europe/Helsinki\n", encoding="utf-8")
    report = build_report(tmp_path, 2026, 11).markdown
    assert "## Customer service\n\nNothing reached the inbox this month" in report
