"""Google Business Profile: the adapter's requests and the payloads it parses, checked against the discovery
documents google-api-python-client ships (Business Information v1, Business Profile Performance v1); the v4
reviews and local posts (no discovery document) against the documented shapes (tests/fixtures/google_business)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest

from socialops.content.render import Rendered
from socialops.errors import AuthError, ConfigError, PermanentNetworkError
from socialops.networks.google_business.adapter import GoogleBusinessNetwork
from socialops.networks.google_business.basics import (
    hours_body,
    hours_text,
    live_hours_text,
    special_hours_text,
)
from socialops.networks.google_business.local_posts import local_problems
from socialops.networks.google_business.metrics import parse_performance
from socialops.networks.types import Claim, MediaFile, PublishRequest
from socialops.profiles.sync import diff_profile, sync_profile
from socialops.repository.profiles import parse_profile
from tests import discovery
from tests.google_support import LOCATION, NOW, PROFILE, SCHEDULE, TOKEN, Google, fixture, network


@pytest.fixture
def google():
    return Google()


def repo(tmp_path: Path) -> Path:
    (tmp_path / "schedule.yaml").write_text(SCHEDULE, encoding="utf-8")
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "kahvila-google.yaml").write_text(PROFILE, encoding="utf-8")
    return tmp_path


# --- the fixtures and the discovery documents -------------------------------------------------------------


def test_the_fixtures_are_what_the_discovery_documents_describe():
    assert discovery.schema_errors(discovery.INFORMATION, "Location", fixture("location.json")) == []
    assert discovery.schema_errors(discovery.INFORMATION, "Attributes", fixture("attributes.json")) == []
    assert discovery.schema_errors(discovery.PERFORMANCE, "FetchMultiDailyMetricsTimeSeriesResponse",
                                   fixture("performance.json")) == []


def test_the_validator_catches_what_google_would_refuse():
    bad = {"title": 5, "regularHours": {"periods": [{"openDay": "MAANANTAI"}]}, "colour": "red"}
    errors = discovery.schema_errors(discovery.INFORMATION, "Location", bad)
    assert any("title" in e for e in errors) and any("MAANANTAI" in e for e in errors)
    assert any("colour" in e for e in errors)
    # read-only properties must not be sent
    assert discovery.schema_errors(discovery.INFORMATION, "Location", {"metadata": {"placeId": "x"}},
                                   request=True)
    patch = httpx.Request("PATCH", "https://mybusinessbusinessinformation.googleapis.com/v1/locations/1",
                          params={"updateMask": "title", "readMask": "x"}, json={"title": "A"})
    assert any("readMask" in e for e in discovery.request_errors(discovery.INFORMATION, patch))


# --- profile basics -------------------------------------------------------------------------------------------


def test_read_profile_turns_the_location_into_comparable_basics(google):
    live = network(google).read_profile()
    assert live.values["bio"] == "Kahvila ja leipomo Kalliossa."
    assert live.values["contact.phone"] == "+358401234567"
    assert live.values["contact.address"] == "Fleminginkatu 1, 00530 Helsinki, FI"
    # Friday closes at midnight: proto3 JSON leaves 00:00 out, the close day is Saturday
    assert live.values["hours"] == ("mon 07:00-18:00; tue 07:00-18:00; wed 07:00-18:00; thu 07:00-18:00; "
                                    "fri 07:00-24:00; sat 09:00-16:00")
    assert live.values["special_hours"] == "2026-12-24 closed; 2026-12-25 closed"
    assert live.values["categories"] == "gcid:cafe (primary); gcid:bakery"
    # only the attributes the file names are compared
    assert live.values["attributes"] == ("has_wheelchair_accessible_entrance=false; "
                                         "url_menu=https://kahvila-aurinko.example/menu")
    assert live.url == "https://maps.google.com/maps?cid=123"
    assert google.errors == []


def test_diff_names_what_differs_and_sync_writes_it_with_documented_calls(google, tmp_path):
    root = repo(tmp_path)
    profile = parse_profile(PROFILE, "profiles/kahvila-google.yaml")
    net = network(google)
    diff, _ = diff_profile(profile, root, net)
    states = {f.basic: f.state for f in diff.fields}
    assert states == {"bio": "differs", "website": "same", "contact.phone": "same", "hours": "same",
                      "special_hours": "differs", "categories": "same", "attributes": "differs"}
    special = next(f for f in diff.fields if f.basic == "special_hours")
    assert special.wanted == ("2026-12-06 closed; 2026-12-24 closed; 2026-12-25 closed; "
                              "2026-12-31 10:00-14:00")
    result = sync_profile(profile, root, net)
    assert sorted(result.written) == ["attributes", "bio", "special_hours"] and result.not_taken == []
    assert result.diff.drift == []
    patches = [r for r in google.requests if r.method == "PATCH"]
    assert [r.url.params.get("updateMask") for r in patches] == ["profile.description,specialHours", None]
    assert patches[1].url.params["attributeMask"] == ("attributes/has_wheelchair_accessible_entrance,"
                                                      "attributes/url_menu")
    sent = json.loads(patches[1].content)["attributes"]
    assert sent[0] == {"name": "attributes/has_wheelchair_accessible_entrance", "values": [True]}
    assert sent[1] == {"name": "attributes/url_menu", "uriValues": [{"uri": "https://kahvila-aurinko.example/menu"}]}
    assert google.errors == []
    # a second sync finds nothing to write
    again = sync_profile(profile, root, network(google))
    assert again.written == [] and again.planned == []


def test_hours_read_and_written_round_trip_including_after_midnight():
    text = hours_text({"mon-fri": "07:00-18:00", "sat": ["09:00-12:00", "13:00-16:00"], "sun": "closed",
                       "fri": "18:00-02:00"})
    assert text == ("mon 07:00-18:00; tue 07:00-18:00; wed 07:00-18:00; thu 07:00-18:00; fri 18:00-02:00; "
                    "sat 09:00-12:00; sat 13:00-16:00")
    body = hours_body(text)
    assert discovery.schema_errors(discovery.INFORMATION, "BusinessHours", body, request=True) == []
    assert body["periods"][4] == {"openDay": "FRIDAY", "openTime": {"hours": 18, "minutes": 0},
                                  "closeDay": "SATURDAY", "closeTime": {"hours": 2, "minutes": 0}}
    assert live_hours_text(body) == text


@pytest.mark.parametrize("raw, fragment", [
    ({"hours": {"maanantai": "07-18"}}, "is not a day"),
    ({"hours": {"mon": "7 to 18"}}, "is not opening hours"),
    ({"hours": {"mon": "25:00-26:00"}}, "not a time range"),
    ({"special_hours": {"blackouts": "open"}}, "'blackouts' takes 'closed'"),
    ({"special_hours": {"dates": [{"day": "2026-12-31"}]}}, "each special day"),
    ({"categories": {"additional": ["bakery"]}}, "'categories' takes 'primary:'"),
])
def test_local_basics_written_wrong_are_reported_with_their_line(tmp_path, raw, fragment):
    import yaml

    from socialops.validate.profiles import profile_problems

    text = "id: g\nnetwork: google_business\naccount: K\naccount_id: '1'\nlocation_id: '2'\n" + yaml.safe_dump(raw)
    problems = profile_problems(parse_profile(text, "profiles/g.yaml"), tmp_path)
    found = [p for p in problems if fragment in p.message]
    assert found and found[0].line >= 6, problems


def test_special_hours_take_the_blackouts_of_the_schedule():
    blackout = [dt.date(2026, 12, 6), {"from": dt.date(2026, 12, 24), "to": dt.date(2026, 12, 26)}]
    text = special_hours_text({"blackouts": "closed", "dates": [{"date": "2026-12-24", "hours": "10:00-12:00"}]},
                              blackout)
    assert text == "2026-12-06 closed; 2026-12-24 10:00-12:00; 2026-12-25 closed; 2026-12-26 closed"


def test_check_access_reads_the_location_and_the_token_scope(google):
    report = network(google).check_access()
    assert report.token_ok and report.account_ok and report.problems == []
    assert {c.name: c.status for c in report.capabilities} == dict.fromkeys(
        ("publishing", "metrics", "moderation", "profile"), "ok")


# --- the token ------------------------------------------------------------------------------------------------


def test_an_oauth_json_secret_is_exchanged_for_an_access_token_and_never_shown(google):
    secret = json.dumps({"client_id": "cid.apps.googleusercontent.com", "client_secret": "very-secret",
                         "refresh_token": "1//refresh-me"})
    net = network(google, token=secret)
    net.read_profile()
    exchange = google.requests[0]
    assert exchange.url == "https://oauth2.googleapis.com/token"
    assert b"grant_type=refresh_token" in exchange.content and b"refresh_token=1%2F%2Frefresh-me" in exchange.content
    assert sum(r.url.host == "oauth2.googleapis.com" for r in google.requests) == 1  # once per run
    message = net.redact(f"failed with {TOKEN} very-secret 1//refresh-me")
    assert TOKEN not in message and "very-secret" not in message and "refresh-me" not in message


def test_a_refused_token_names_the_secret_not_the_token(google):
    def refuse(request):
        return httpx.Response(401, json={"error": {"code": 401, "message": f"bad token {TOKEN}"}})

    net = GoogleBusinessNetwork(parse_profile(PROFILE, "profiles/kahvila-google.yaml"), env={"GBP_TOKEN": TOKEN},
                                client=httpx.Client(transport=httpx.MockTransport(refuse)), sleep=lambda s: None)
    with pytest.raises(AuthError) as err:
        net.read_profile()
    assert "GBP_TOKEN" in str(err.value) and TOKEN not in str(err.value)


def test_missing_location_id_is_a_configuration_error(google):
    with pytest.raises(ConfigError, match="location_id"):
        network(google, profile=PROFILE.replace('location_id: "9876543210"\n', "")).read_profile()


# --- insights ---------------------------------------------------------------------------------------------------


def test_the_performance_call_is_documented_and_its_answer_becomes_daily_figures(google):
    net = network(google)
    net.metrics_prepare()
    (call,) = net.metrics_calls([], now=NOW)
    request = httpx.Request("GET", call.url, params=call.params, headers=call.headers)
    assert discovery.request_errors(discovery.PERFORMANCE, request) == []
    assert request.url.params["dailyRange.endDate.day"] == "1" and request.url.params["dailyRange.startDate.day"] == "18"
    figures = parse_performance(fixture("performance.json"))
    assert figures.daily["2026-11-30"] == {"views": 87.0, "searches": 45.0, "calls": 3.0, "directions": 6.0,
                                           "website_clicks": 9.0}
    assert figures.daily["2026-12-01"] == {"views": 32.0, "searches": 25.0, "calls": 0.0, "directions": 2.0,
                                           "website_clicks": 1.0}


def test_daily_insights_go_to_metrics_local_csv(tmp_path):
    from socialops.metrics.fetch import ProfileRun, build_fragment
    from socialops.metrics.tables import upsert

    profile = parse_profile(PROFILE, "profiles/kahvila-google.yaml")
    run = ProfileRun(profile=profile, publications=[], figures=parse_performance(fixture("performance.json")))
    upsert(tmp_path, build_fragment([run], day=NOW.date()))
    lines = (tmp_path / "metrics" / "local.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "date,profile,network,views,searches,calls,directions,website_clicks"
    assert lines[1] == "2026-11-30,kahvila-google,google_business,87,45,3,6,9"
    assert not (tmp_path / "metrics" / "followers.csv").exists()


# --- local posts ------------------------------------------------------------------------------------------------


def request(text="Joulumyyjäiset lauantaina!", *, type="text", local=None, link=None, media=(), live=None,
            resume=None) -> PublishRequest:
    rendered = Rendered(profile_id="kahvila-google", network="google_business", type=type, text=text,
                        length=len(text), limit=1500, link=link)
    return PublishRequest(post_id="joulu", profile_id="kahvila-google", idempotency_key="k-1", rendered=rendered,
                          media=list(media), live=live or {}, local=local or {}, resume=dict(resume or {}))


class Recorder:
    def __init__(self):
        self.steps = []

    def __call__(self, item, step, data):
        self.steps.append((step, data))


def test_an_event_with_a_photo_and_a_button_is_published_and_recorded_at_once(google):
    rec = Recorder()
    photo = MediaFile(path=Path("/nonexistent.jpg"), rel="content/2026/12/joulu.jpg", kind="image")
    item = request(type="image", media=[photo], local={
        "topic": "event", "button": {"action": "book", "url": "https://kahvila.example/varaa"},
        "event": {"title": "Joulumyyjäiset", "starts_at": "2026-12-12 10:00", "ends_at": "2026-12-12 16:00"}})
    result = network(google, progress=rec).publish(item)
    assert result.remote_id == f"{LOCATION}/localPosts/112"
    assert rec.steps == [("post", {"id": f"{LOCATION}/localPosts/112", "url": "https://local.google.com/place?lpsid=112"})]
    sent = json.loads(google.requests[-1].content)
    assert sent == {
        "summary": "Joulumyyjäiset lauantaina!", "topicType": "EVENT", "languageCode": "fi",
        "media": [{"mediaFormat": "PHOTO", "sourceUrl": "https://media.kahvila.example/content/2026/12/joulu.jpg"}],
        "callToAction": {"actionType": "BOOK", "url": "https://kahvila.example/varaa"},
        "event": {"title": "Joulumyyjäiset", "schedule": {
            "startDate": {"year": 2026, "month": 12, "day": 12}, "startTime": {"hours": 10, "minutes": 0},
            "endDate": {"year": 2026, "month": 12, "day": 12}, "endTime": {"hours": 16, "minutes": 0}}}}
    # the Date and TimeOfDay are the shapes of the v1 document too
    for part in ("startDate", "endDate"):
        assert discovery.schema_errors(discovery.INFORMATION, "Date", sent["event"]["schedule"][part]) == []
    # a resumed claim does not post again
    assert network(google).publish(request(resume={"post": {"id": "x/localPosts/1", "url": ""}})).remote_id \
        == "x/localPosts/1"
    assert sum(r.method == "POST" for r in google.requests) == 1


def test_an_offer_a_live_event_and_a_link_post(google):
    net = network(google)
    net.publish(request(local={"topic": "offer", "event": {"title": "Joulutarjous", "starts_at": "2026-12-01 00:00",
                                                           "ends_at": "2026-12-24 23:59"},
                               "offer": {"coupon": "JOULU10", "terms": "Yksi per asiakas",
                                         "redeem_url": "https://kahvila.example/joulu"}}))
    offer = json.loads(google.requests[-1].content)
    assert offer["topicType"] == "OFFER" and "callToAction" not in offer
    assert offer["offer"] == {"couponCode": "JOULU10", "redeemOnlineUrl": "https://kahvila.example/joulu",
                              "termsConditions": "Yksi per asiakas"}
    net.publish(request(type="live", live={"starts_at": "2026-12-12 18:00", "duration_minutes": 90}))
    live = json.loads(google.requests[-1].content)
    assert live["topicType"] == "EVENT" and live["event"]["schedule"]["endTime"] == {"hours": 19, "minutes": 30}
    net.publish(request(type="link", link="https://kahvila.example/joulu"))
    link = json.loads(google.requests[-1].content)
    assert link["topicType"] == "STANDARD"
    assert link["callToAction"] == {"actionType": "LEARN_MORE", "url": "https://kahvila.example/joulu"}


def test_google_refusing_a_post_fails_that_pair_only(google):
    google.fail_post = True
    with pytest.raises(PermanentNetworkError, match="refused"):
        network(google).publish(request())
    with pytest.raises(PermanentNetworkError, match="cannot publish a video"):
        network(google).publish(request(type="video"))


def test_reconcile_finds_the_post_by_its_summary_or_says_it_is_not_there(google):
    net = network(google)
    claim = Claim(post_id="joulu", profile_id="kahvila-google", idempotency_key="k-1",
                  claimed_at=dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), request=request())
    found = net.reconcile(claim)
    assert found is not None and found.remote_id == f"{LOCATION}/localPosts/111"
    other = Claim(post_id="x", profile_id="kahvila-google", idempotency_key="k-2",
                  claimed_at=dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), request=request("Jotain muuta"))
    assert net.reconcile(other) is None


@pytest.mark.parametrize("local, fragment", [
    ({"topic": "sale"}, "'local.topic' is one of"),
    ({"topic": "event"}, "an event needs 'event:"),
    ({"topic": "event", "event": {"title": "x" * 59, "starts_at": "2026-12-12 10:00"}}, "longer than Google's 58"),
    ({"topic": "event", "event": {"title": "x", "starts_at": "2026-12-12 10:00", "ends_at": "2026-12-11 10:00"}},
     "not before the start"),
    ({"topic": "offer", "event": {"title": "x", "starts_at": "2026-12-12"}, "button": {"action": "order",
                                                                                      "url": "https://x.example"}},
     "an offer has no button"),
    ({"button": {"action": "call", "url": "https://x.example"}}, "leave out 'url'"),
    ({"button": {"action": "buy", "url": "https://x.example"}}, "action one of"),
    ({"colour": "red"}, "'colour' is not a key of 'local'"),
])
def test_local_blocks_google_would_refuse_are_reported(local, fragment):
    problems = local_problems(local, post_type="text", link=None)
    assert any(fragment in message for _, message in problems), problems


def test_validate_reports_a_bad_local_block_and_a_summary_over_1500_characters(tmp_path):
    from socialops.repository.config import load_config
    from socialops.repository.posts import load_post
    from socialops.validate.posts import post_problems
    from tests.helpers import make_repo

    root = make_repo(tmp_path, {"content/2026/12/joulu.md": (
        "---\nid: joulu\nprofiles: [kahvila-google]\npublish_at: 2026-12-10 09:00\nlocal:\n  topic: event\n---\n"
        + "x" * 1501 + "\n")}, profiles={"kahvila-google": PROFILE})
    problems = post_problems(load_post(root, "content/2026/12/joulu.md"), load_config(root))
    codes = {(p.code, p.line) for p in problems}
    assert ("local-invalid", 5) in codes  # the line of `local:`, which lacks its event
    assert any("1,500" in p.message or "1500" in p.message for p in problems), problems
