"""Comments on the account's posts made outside socialops (in the apps) on Facebook, Instagram and LinkedIn:
the account's own recent posts are listed (documented payloads: tests/fixtures/facebook/published_posts.json,
tests/fixtures/instagram/own_media.json, tests/fixtures/linkedin/posts_by_author.json), the comments of those
not in the ledger become inbox items once across two comments runs, and a post socialops published is read
once, with the ledger's publications, not a second time as an own post."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from socialops.community.fetch import run_comments
from socialops.networks.linkedin.adapter import encode_urn
from socialops.state.publications import Event, Ledger
from socialops.tracker.outbox import OutboxTracker
from tests.test_facebook import PAGE
from tests.test_facebook import Meta as FacebookMeta
from tests.test_facebook import fx as facebook_fx
from tests.test_facebook import network as facebook
from tests.test_instagram import IG
from tests.test_instagram import Meta as InstagramMeta
from tests.test_instagram import fx as instagram_fx
from tests.test_instagram import network as instagram
from tests.test_linkedin import ORG, LinkedIn
from tests.test_linkedin import fx as linkedin_fx
from tests.test_linkedin import network as linkedin

COMMENTS = Path(__file__).parent / "fixtures" / "comments" / "networks"
RUN = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def load(name: str):
    return json.loads((COMMENTS / name).read_text(encoding="utf-8"))


def shop(tmp_path: Path, profile_yaml: str, profile_id: str, published_id: str) -> Path:
    """A repository with one profile and one publication of socialops in its ledger."""
    root = tmp_path / "repo"
    (root / "profiles").mkdir(parents=True)
    (root / "schedule.yaml").write_text("timezone: Europe/Helsinki\n", encoding="utf-8")
    (root / "profiles" / f"{profile_id}.yaml").write_text(profile_yaml, encoding="utf-8")
    Ledger(root).append([Event(time=RUN - dt.timedelta(hours=5), post_id="joulukalenteri-1", profile=profile_id,
                               event="published", remote_id=published_id, url="https://example.invalid/p")])
    return root


def two_runs(root: Path, opener):
    tracker = OutboxTracker(root)
    first = run_comments(root, now=RUN, env={}, tracker=tracker, push=False, opener=opener)
    second = run_comments(root, now=RUN + dt.timedelta(minutes=30), env={}, tracker=tracker, push=False,
                          opener=opener)
    return first, second


def app_made(result) -> dict[str, str]:
    """comment id -> the post line of its issue, for the comments found on posts made outside socialops."""
    return {f.comment.id: f.post_url for f in result.new if f.post_title == "a post made outside socialops"}


def test_facebook_comments_on_page_posts_made_in_the_apps_become_items_once(tmp_path):
    published, made_in_app = f"{PAGE}_122098765432101", f"{PAGE}_122098765432199"
    root = shop(tmp_path, f"id: aurinko-facebook\nnetwork: facebook\ntoken_env: FB_TOKEN\npage_id: '{PAGE}'\n",
                "aurinko-facebook", published)
    ours = {"data": [{"id": f"{published}_5001", "from": {"id": "5553", "name": "Liisa"},
                      "message": "Ihana kalenteri!", "created_time": "2026-12-01T08:00:00+0000"}]}
    meta = (FacebookMeta()
            .on("GET", f"/{PAGE}/published_posts", facebook_fx("published_posts.json"))
            .on("GET", f"/{published}/comments", ours)
            .on("GET", f"/{made_in_app}/comments", load("facebook_comments_1.json"))
            .on("GET", "/1045_122/comments", load("facebook_comments_2.json"))  # paging.next of the first page
            .on("GET", f"/{PAGE}/ratings", (400, facebook_fx("error_12.json")))
            .on("GET", f"/{PAGE}/tagged", {"data": []}))
    first, second = two_runs(root, lambda profile: facebook(meta))
    assert first.errors == [], first.errors
    found = app_made(first)
    assert {"1045_122_901", "1045_122_902"} <= set(found)
    assert found["1045_122_901"] == f"https://www.facebook.com/{made_in_app}"  # the entry has no permalink_url
    assert [f.comment.id for f in first.new].count(f"{published}_5001") == 1
    assert f"{published}_5001" not in found  # read with the ledger's publication, not as an own post
    listed = meta.sent("GET", "/published_posts")[0].url.params
    assert int(listed["since"]) == int((RUN - dt.timedelta(days=30)).timestamp())
    assert set(listed["fields"].split(",")) >= {"id", "created_time", "permalink_url"}
    assert len(meta.sent("GET", f"/{published}/comments")) == 2  # once per run
    assert second.new == [] and second.issues_opened == []


def test_instagram_comments_on_media_made_in_the_app_become_items_once(tmp_path):
    published, made_in_app = "17920238422030506", "17920238422030400"
    root = shop(tmp_path, f"id: aurinko-instagram\nnetwork: instagram\ntoken_env: IG_TOKEN\nig_user_id: '{IG}'\n"
                          "account: kahvila.aurinko\n", "aurinko-instagram", published)
    ours = {"data": [{"id": "17870913679150001", "text": "Ihana!", "username": "liisa", "timestamp":
                      "2026-12-01T08:00:00+0000", "hidden": False, "from": {"id": "17841409", "username": "liisa"}}]}
    meta = (InstagramMeta()
            .on("GET", f"/{IG}/media", instagram_fx("own_media.json"))
            .on("GET", f"/{published}/comments", ours)
            .on("GET", f"/{made_in_app}/comments", load("instagram_comments.json"))
            .on("GET", f"/{IG}/tags", {"data": []}))
    first, second = two_runs(root, lambda profile: instagram(meta))
    assert first.errors == [], first.errors
    found = app_made(first)
    # the account's own reply (kahvila.aurinko) is left out, as on socialops' posts
    assert set(found) == {"17870913679156914", "17870913679156915", "17870913679156917"}
    assert set(found.values()) == {"https://www.instagram.com/p/C9xYzAbCd00/"}
    assert [f.comment.id for f in first.new].count("17870913679150001") == 1
    fields = meta.requests[[r.url.path.endswith(f"/{IG}/media") for r in meta.requests].index(True)].url.params
    assert "comments_count" in fields["fields"].split(",")
    # no comments (comments_count 0) or outside the window: not read at all
    asked = {r.url.path.rsplit("/", 2)[-2] for r in meta.requests if r.url.path.endswith("/comments")}
    assert asked == {published, made_in_app}
    assert len([r for r in meta.requests if r.url.path.endswith(f"/{published}/comments")]) == 2  # once per run
    assert second.new == [] and second.issues_opened == []


def test_linkedin_comments_on_page_posts_made_in_the_app_become_items_once(tmp_path):
    published, made_in_app = "urn:li:share:7267000000000000001", "urn:li:share:7266000000000000005"
    root = shop(tmp_path, "id: aurinko-linkedin\nnetwork: linkedin\ntoken_env: LI_TOKEN\norganization_id: 2414183\n",
                "aurinko-linkedin", published)
    top = "urn:li:comment:(urn:li:activity:7267000000000000002,7267000000000000101)"
    base = "/rest/socialActions/"
    api = (LinkedIn()
           .on("GET", "/rest/posts", linkedin_fx("posts_by_author.json"))
           .on("GET", base + encode_urn(published) + "/comments", {"paging": {"start": 0, "count": 100, "total": 0},
                                                                     "elements": []})
           .on("GET", base + encode_urn(made_in_app) + "/comments", load("linkedin_comments.json"))
           .on("GET", base + encode_urn(top) + "/comments", load("linkedin_replies.json"))
           .on("GET", "/rest/organizationalEntityNotifications", {"paging": {"start": 0, "count": 50}, "elements": []}))
    first, second = two_runs(root, lambda profile: linkedin(api))
    assert first.errors == [], first.errors
    found = app_made(first)
    assert {c.rsplit(",", 1)[1] for c in found} == {"7267000000000000101)", "7267000000000000102)"}  # not the org's
    assert set(found.values()) == {f"https://www.linkedin.com/feed/update/{made_in_app}/"}
    listed = api.sent("GET", "/rest/posts")[0]
    assert listed.url.params["q"] == "author" and listed.url.params["author"] == ORG
    assert listed.headers["LinkedIn-Version"]
    assert len(api.sent("GET", base + encode_urn(published) + "/comments")) == 2  # once per run
    assert second.new == [] and second.issues_opened == []


def test_a_facebook_video_socialops_published_is_known_by_its_video_and_read_once(tmp_path):
    video, post = "1122334455667788", f"{PAGE}_122098765432300"
    root = shop(tmp_path, f"id: aurinko-facebook\nnetwork: facebook\ntoken_env: FB_TOKEN\npage_id: '{PAGE}'\n",
                "aurinko-facebook", video)  # socialops records a video (and a reel) by its video id
    posts = {"data": [{"id": post, "created_time": "2026-12-01T07:00:03+0000",
                       "permalink_url": f"https://www.facebook.com/{PAGE}/videos/{video}",
                       "attachments": {"data": [{"media_type": "video", "target": {"id": video},
                                                 "url": f"https://www.facebook.com/{PAGE}/videos/{video}"}]}}]}
    meta = (FacebookMeta()
            .on("GET", f"/{PAGE}/published_posts", posts)
            .on("GET", f"/{video}/comments", load("facebook_comments_1.json"))
            .on("GET", "/1045_122/comments", load("facebook_comments_2.json"))
            .on("GET", f"/{PAGE}/ratings", {"data": []})
            .on("GET", f"/{PAGE}/tagged", {"data": []}))
    first, second = two_runs(root, lambda profile: facebook(meta))
    assert first.errors == [], first.errors
    assert app_made(first) == {} and [f.comment.id for f in first.new].count("1045_122_901") == 1
    assert len(meta.sent("GET", f"/{video}/comments")) == 2 and meta.sent("GET", f"/{post}/comments") == []
    assert second.new == []
