"""Threads around the adapter: profiles validate (and a network without an adapter is refused), a sandbox
imitating Threads publishes every type Threads takes, and a whole metrics run writes Threads' figures."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from socialops.errors import PermanentNetworkError
from socialops.metrics import fetch as lib
from socialops.networks import NETWORKS
from socialops.networks.threads.spec import SPEC
from socialops.repository.profiles import parse_profile
from socialops.validate.profiles import profile_problems
from tests.metrics_support import NOW, PUBLISHED, by_key, make_repo, publish, read_csv
from tests.test_sandbox import MEDIA_FOR, request, rows
from tests.test_sandbox import network as sandbox
from tests.test_threads import POST, USER, fx

THREADS_PROFILE = ("id: cafe-threads\nnetwork: threads\naccount: kahvila.aurinko\ntoken_env: THREADS_TOKEN\n"
                   "threads_user_id: '1234567890123456'\nreply_control: accounts_you_follow\n")


def codes(text: str, rel: str = "profiles/cafe-threads.yaml") -> list[tuple[str, str]]:
    return [(p.code, p.message) for p in profile_problems(parse_profile(text, rel))]


def test_a_threads_profile_validates():
    assert codes(THREADS_PROFILE) == []


def test_a_network_without_an_adapter_is_a_warning_its_posts_go_to_a_person(monkeypatch):
    monkeypatch.setitem(NETWORKS, "riverchat", dataclasses.replace(SPEC, name="riverchat", label="Riverchat",
                                                                   adapter="riverchat:RiverchatNetwork"))
    found = profile_problems(parse_profile("id: cafe-river\nnetwork: riverchat\naccount: cafe\ntoken_env: RIVER_TOKEN\n",
                                           "profiles/cafe-river.yaml"))
    assert [(p.code, p.severity) for p in found] == [("profile-network", "warning")]
    assert found[0].message.startswith("socialops cannot publish to Riverchat in this version: each post for this "
                                       "profile becomes a task for a person")


@pytest.mark.parametrize("post_type", sorted(SPEC.types))
def test_a_sandbox_imitating_threads_publishes_every_type_threads_takes(tmp_path, post_type):
    live = {"starts_at": "2026-12-12 18:00", "duration_minutes": 60} if post_type == "live" else None
    link = "https://acme.example" if post_type == "link" else None
    with sandbox(tmp_path, imitates="threads") as net:
        result = net.publish(request(tmp_path, type=post_type, media=MEDIA_FOR[post_type], link=link, live=live,
                                     limit=SPEC.text_limit))
    [row] = rows(tmp_path)
    assert row["network"] == "threads" and row["type"] == post_type and result.remote_id


@pytest.mark.parametrize("post_type", ["story", "reel"])
def test_a_sandbox_imitating_threads_refuses_what_threads_does_not_take(tmp_path, post_type):
    with sandbox(tmp_path, imitates="threads") as net, pytest.raises(PermanentNetworkError, match="Threads"):
        net.publish(request(tmp_path, type=post_type, media=MEDIA_FOR[post_type]))


def test_a_metrics_run_writes_threads_figures_followers_and_audience(tmp_path):
    root = make_repo(tmp_path / "repo", {"cafe-threads": THREADS_PROFILE.split("\n", 1)[1]})
    publish(root, "joulu", "cafe-threads", POST, when=PUBLISHED)

    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.host == "graph.threads.net" and request.headers["Authorization"] == "Bearer th-token"
        params = request.url.params
        if request.url.path == f"/v1.0/{POST}/insights":
            return httpx.Response(200, json=fx("post_insights.json"))
        if request.url.path == f"/v1.0/{USER}/threads_insights" and params["metric"] == "followers_count":
            return httpx.Response(200, json=fx("followers_count.json"))
        if request.url.path == f"/v1.0/{USER}/threads_insights":
            return httpx.Response(200, json=fx(f"demographics_{params['breakdown']}.json"))
        return httpx.Response(404, json={"error": {"message": "Unknown path", "code": 803}})

    result = lib.fetch_metrics(root, now=NOW, env={"THREADS_TOKEN": "th-token"}, transport=httpx.MockTransport(answer))
    assert not result.failed, result.runs[0].failures
    post = by_key(read_csv(root / "metrics/posts.csv"), "post_id")[("joulu",)]
    assert (post["network"], post["views"], post["likes"], post["comments"], post["shares"], post["quotes"]) == (
        "threads", "1520", "48", "6", "7", "2")
    assert by_key(read_csv(root / "metrics/followers.csv"), "date", "profile")[
        ("2026-12-02", "cafe-threads")]["followers"] == "1234"
    audience = {(r["dimension"], r["bucket"]): r["value"] for r in read_csv(root / "metrics/audience.csv")}
    assert audience[("country", "FI")] == "812" and audience[("city", "Helsinki, Uusimaa")] == "530"
    assert audience[("age", "25-34")] == "480" and audience[("gender", "F")] == "640"
