"""Facebook's native scheduling for the hand-over (issue 18, point 4), over payloads shaped as Meta documents them:
POST /{page-id}/feed with published=false and scheduled_publish_time answers {"id": "<page>_<post>"} (Pages API
"Posts" guide; /page/feed reference); the scheduled post is read, moved and deleted at /{post-id} (Page Post
reference: fields is_published, scheduled_publish_time; POST scheduled_publish_time; DELETE -> {"success": true});
GET /{page-id}/scheduled_posts lists what waits ({"data": [{id, message, scheduled_publish_time}]})."""

from __future__ import annotations

import datetime as dt

import pytest

from socialops.errors import PermanentNetworkError
from socialops.networks.scheduling import Scheduled
from socialops.networks.types import Claim, PublishResult
from tests.test_facebook import NOW, PAGE, Meta, form, fx, network, request

POST_ID = "104567890123456_122098765432101"
AT = NOW + dt.timedelta(hours=1)


def test_text_post_is_handed_over_unpublished_with_its_time():
    meta = Meta().on("POST", f"/{PAGE}/feed", fx("feed_post.json"))
    steps = []
    done = network(meta, recorded=steps).hand_over(request("text"), AT)
    assert form(meta.sent("POST", "/feed")[0]) == {
        "message": "Joulukalenteri, luukku 1: piparkakkutalo ikkunalaudalla.", "published": "false",
        "scheduled_publish_time": str(int(AT.timestamp()))}
    assert done == Scheduled(POST_ID, AT, remote_id=POST_ID, url=f"https://www.facebook.com/{POST_ID}")
    assert steps == [("scheduled", {"id": POST_ID})]  # no "final": nothing was made public


def test_only_text_and_link_posts_are_handed_over(tmp_path):
    with pytest.raises(PermanentNetworkError, match="only text and link"):
        network(Meta()).hand_over(request("image"), AT)


def test_move_cancel_and_outcome():
    scheduled = Scheduled(POST_ID, AT, remote_id=POST_ID)
    later = AT + dt.timedelta(minutes=30)
    meta = (Meta().on("POST", f"/{POST_ID}", {"success": True})
            .on("DELETE", f"/{POST_ID}", {"success": True})
            .on("GET", f"/{POST_ID}", {"id": POST_ID, "is_published": False,
                                         "scheduled_publish_time": int(later.timestamp())},
                {"id": POST_ID, "is_published": True, "permalink_url": f"https://www.facebook.com/{POST_ID}"},
                (404, {"error": {"message": "Unsupported get request.", "type": "GraphMethodException", "code": 100,
                                 "error_subcode": 33}})))
    net = network(meta)
    assert net.reschedule(scheduled, later).at == later
    assert form(meta.sent("POST", f"/{POST_ID}")[0]) == {"scheduled_publish_time": str(int(later.timestamp()))}
    assert net.handover_outcome(scheduled, request("text")) == scheduled  # not yet published
    found = net.handover_outcome(scheduled, request("text"))
    assert isinstance(found, PublishResult) and found.remote_id == POST_ID and found.published_at == AT
    assert net.handover_outcome(scheduled, request("text")) is None  # deleted on the Page
    net.cancel_handover(scheduled)
    assert len(meta.sent("DELETE", f"/{POST_ID}")) == 1


def test_first_comment_goes_out_with_the_publication():
    meta = (Meta().on("GET", f"/{POST_ID}", {"id": POST_ID, "is_published": True})
            .on("POST", f"/{POST_ID}/comments", fx("comment.json")))
    found = network(meta).handover_outcome(Scheduled(POST_ID, AT), request("text", first_comment="#joulu"))
    assert found.extra["first_comment_id"] == fx("comment.json")["id"]
    assert form(meta.sent("POST", "/comments")[0]) == {"message": "#joulu"}


def test_a_crashed_hand_over_is_found_among_the_scheduled_posts():
    text = "Joulukalenteri, luukku 1: piparkakkutalo ikkunalaudalla."
    meta = Meta().on("GET", f"/{PAGE}/scheduled_posts",
                     {"data": [{"id": "104567890123456_1", "message": "Something else",
                                "scheduled_publish_time": int(AT.timestamp())},
                               {"id": POST_ID, "message": text, "scheduled_publish_time": int(AT.timestamp())}]},
                     {"data": []})
    claim = Claim("joulukalenteri-1", "aurinko-facebook", "k-1", NOW, request=request("text", text))
    assert network(meta).find_handover(claim, AT).id == POST_ID
    assert network(meta).find_handover(claim, AT) is None  # not there, and its time is still ahead


def test_image_posts_are_not_taken_by_the_hand_over():
    net = network(Meta())
    assert net.can_hand_over(request("link", link="https://aurinko.example/"))
    assert not net.can_hand_over(request("image"))


# --- a first comment that failed, finished by a later run (issue 18, point 2) --------------------------------


def comments_page(*entries) -> dict:
    """GET /{post-id}/comments as the Graph reference shapes it: {data: [...], paging: {cursors}}."""
    return {"data": list(entries), "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"}}}


def test_a_failed_first_comment_is_sent_once_by_a_later_reconcile():
    post = {"id": POST_ID, "url": f"https://www.facebook.com/{POST_ID}"}
    meta = (Meta().on("GET", f"/{POST_ID}/comments", comments_page(
        {"id": f"{POST_ID}_1", "from": {"id": "999", "name": "Asiakas"}, "message": "#joulu",
         "created_time": "2026-12-01T07:01:00+0000"}))
            .on("POST", f"/{POST_ID}/comments", fx("comment.json")))
    claim = Claim("joulukalenteri-1", "aurinko-facebook", "k-1", NOW, progress={"post": post},
                  request=request("text", first_comment="#joulu"))
    found = network(meta).reconcile(claim)
    assert found.extra["first_comment_id"] == fx("comment.json")["id"]  # a customer's "#joulu" is not ours
    assert len(meta.sent("POST", "/comments")) == 1


def test_a_first_comment_already_on_the_post_is_not_sent_again():
    post = {"id": POST_ID, "url": f"https://www.facebook.com/{POST_ID}"}
    meta = Meta().on("GET", f"/{POST_ID}/comments", comments_page(
        {"id": f"{POST_ID}_7", "from": {"id": "104567890123456", "name": "Kahvila Aurinko"}, "message": "#joulu",
         "created_time": "2026-12-01T07:01:00+0000"}))
    steps = []
    claim = Claim("joulukalenteri-1", "aurinko-facebook", "k-1", NOW, progress={"post": post},
                  request=request("text", first_comment="#joulu"))
    found = network(meta, recorded=steps).reconcile(claim)
    assert found.extra["first_comment_id"] == f"{POST_ID}_7" and meta.sent("POST", "/comments") == []
    assert steps == [("comment", {"id": f"{POST_ID}_7"})]
