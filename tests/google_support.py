"""A stand-in for Google's Business Profile APIs (answers with tests/fixtures/google_business, checks every
Business Information and Performance call against the discovery documents) and the profile the tests use."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx

from socialops.networks.google_business.adapter import GoogleBusinessNetwork
from socialops.repository.profiles import parse_profile
from tests import discovery

FIXTURES = Path(__file__).parent / "fixtures" / "google_business"
NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
TOKEN = "ya29.secret-access-token"
LOCATION = "accounts/1234567890/locations/9876543210"
PROFILE = """\
id: kahvila-google
network: google_business
account: Kahvila Aurinko
account_id: "1234567890"
location_id: "9876543210"
token_env: GBP_TOKEN
timezone: Europe/Helsinki
language: fi
media_base_url: https://media.kahvila.example
bio: Kahvila ja leipomo Helsingin Kalliossa.
website: https://kahvila-aurinko.example
contact:
  phone: "+358 40 123 4567"
hours:
  mon-thu: "07:00-18:00"
  fri: "07:00-24:00"
  sat: "09:00-16:00"
special_hours:
  blackouts: closed
  dates:
    - {date: 2026-12-31, hours: "10:00-14:00"}
categories: {primary: cafe, additional: [bakery]}
attributes: {has_wheelchair_accessible_entrance: true, url_menu: "https://kahvila-aurinko.example/menu"}
"""
SCHEDULE = "timezone: Europe/Helsinki\nblackout:\n  - 2026-12-06\n  - {from: 2026-12-24, to: 2026-12-25, reason: Joulu}\n"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Google:
    """A stand-in for the three APIs: answers with the fixtures and checks every v1 call against discovery."""

    def __init__(self):
        self.location = fixture("location.json")
        self.attributes = fixture("attributes.json")
        self.reviews = fixture("reviews.json")
        self.local_posts = fixture("local_posts.json")
        self.requests: list[httpx.Request] = []
        self.errors: list[str] = []
        self.fail_post = False

    def api_of(self, url: httpx.URL) -> str | None:
        return {"mybusinessbusinessinformation.googleapis.com": discovery.INFORMATION,
                "businessprofileperformance.googleapis.com": discovery.PERFORMANCE}.get(url.host)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert request.url.host == "oauth2.googleapis.com" or request.headers["Authorization"] == f"Bearer {TOKEN}"
        api = self.api_of(request.url)
        if api:
            self.errors += discovery.request_errors(api, request)
            body = self.v1(request)
            name = discovery.response_schema(api, request.method, str(request.url))
            self.errors += discovery.schema_errors(api, name, body)
            return httpx.Response(200, json=body)
        return self.v4(request)

    def v1(self, request: httpx.Request):
        path = request.url.path
        if path.endswith("/attributes"):
            if request.method == "PATCH":
                self.attributes = json.loads(request.content)
            return self.attributes
        if path.endswith(":fetchMultiDailyMetricsTimeSeries"):
            return fixture("performance.json")
        if request.method == "PATCH":
            change = json.loads(request.content)
            for field in request.url.params["updateMask"].split(","):
                top = field.split(".")[0]
                self.location[top] = {**self.location.get(top, {}), **change[top]} if isinstance(change[top], dict) \
                    and top in ("profile", "phoneNumbers") else change[top]
        return self.location

    def v4(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.url.host == "oauth2.googleapis.com":
            if path == "/tokeninfo":
                return httpx.Response(200, json={"scope": "https://www.googleapis.com/auth/business.manage"})
            return httpx.Response(200, json={"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer"})
        assert request.url.host == "mybusiness.googleapis.com" and path.startswith(f"/v4/{LOCATION}/")
        if path.endswith("/reviews"):
            return httpx.Response(200, json=self.reviews)
        if path.endswith("/reply"):
            if request.method == "DELETE":
                return httpx.Response(200, json={})
            return httpx.Response(200, json={"comment": json.loads(request.content)["comment"],
                                             "updateTime": "2026-12-02T12:00:00Z"})
        if path.endswith("/localPosts") and request.method == "GET":
            return httpx.Response(200, json=self.local_posts)
        if path.endswith("/localPosts") and request.method == "POST":
            if self.fail_post:
                return httpx.Response(400, json={"error": {"code": 400, "message": "Request contains an invalid "
                                                           "argument.", "status": "INVALID_ARGUMENT"}})
            made = {**json.loads(request.content), "name": f"{LOCATION}/localPosts/112", "state": "LIVE",
                    "createTime": "2026-12-02T12:00:01Z", "searchUrl": "https://local.google.com/place?lpsid=112"}
            return httpx.Response(200, json=made)
        return httpx.Response(404, json={"error": {"code": 404, "message": "not found"}})


def network(google, *, profile=PROFILE, token=TOKEN, progress=None) -> GoogleBusinessNetwork:
    return GoogleBusinessNetwork(parse_profile(profile, "profiles/kahvila-google.yaml"), env={"GBP_TOKEN": token},
                                 client=httpx.Client(transport=httpx.MockTransport(google)), clock=lambda: NOW,
                                 progress=progress, sleep=lambda s: None)
