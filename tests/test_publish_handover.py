"""Hand-over to the network's own scheduling (issue 18, point 4) on a Mastodon instance as the adapter sees it:
``FakeMastodon`` (tests/test_mastodon.py) with scheduled statuses as docs.joinmastodon.org documents them
(POST /api/v1/statuses with ``scheduled_at`` answers a ScheduledStatus {id, scheduled_at, params,
media_attachments}; GET /api/v1/scheduled_statuses; GET|PUT|DELETE /api/v1/scheduled_statuses/:id; the instance
publishes a scheduled status at its time), on its own clock."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest

from socialops.publish.results import (
    R_HANDED_OVER,
    R_HANDOVER_CANCELLED,
    R_HANDOVER_MOVED,
    R_PUBLISHED,
)
from socialops.state.publications import PUBLISHED, SCHEDULED, Ledger
from tests.publish_support import IDENTITY, git, write_post
from tests.test_mastodon import BASE, TOKEN, FakeMastodon
from tests.test_publish_faults import ENV, masto_repo, outbox, top_level

T9 = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)  # 09:00 in Helsinki: the post's time


class SchedulingMastodon(FakeMastodon):
    """FakeMastodon that also schedules: statuses with ``scheduled_at`` at least 5 minutes ahead of its clock
    wait in ``scheduled`` and are published when the clock passes their time (Idempotency-Key honoured)."""

    def __init__(self):
        super().__init__()
        self.scheduled: dict[str, dict] = {}
        self.clock = T9 - dt.timedelta(hours=3)
        self.crash_after: str | None = None  # "POST /api/v1/statuses": the process dies once that call is made

    def __call__(self, request: httpx.Request) -> httpx.Response:
        response = super().__call__(request)
        if self.crash_after == f"{request.method} {request.url.path}":
            self.crash_after = None
            raise KeyboardInterrupt("killed mid-call")
        return response

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self._publish_due()
        if request.method == "POST" and path == "/api/v1/statuses":
            params = json.loads(request.content)
            key = request.headers.get("Idempotency-Key")
            if key and key in self.keys and self.keys[key] in self.scheduled:
                return httpx.Response(200, json=self.scheduled[self.keys[key]])
            at = params.get("scheduled_at")
            if at and dt.datetime.fromisoformat(at) - self.clock >= dt.timedelta(minutes=5):
                sid = str(next(self.ids))
                self.scheduled[sid] = {"id": sid, "scheduled_at": at, "media_attachments": [],
                                       "params": {**{k: v for k, v in params.items() if k not in ("status",
                                                                                                   "scheduled_at")},
                                                  "text": params["status"], "idempotency": key}}
                if key:
                    self.keys[key] = sid
                return httpx.Response(200, json=self.scheduled[sid])
        if path.startswith("/api/v1/scheduled_statuses"):
            return self._scheduled_api(request)
        return super().handle(request)

    def _scheduled_api(self, request: httpx.Request) -> httpx.Response:
        sid = request.url.path.rsplit("/", 1)[1] if request.url.path.count("/") == 4 else None
        if sid is None:
            return httpx.Response(200, json=sorted(self.scheduled.values(), key=lambda s: s["id"]))
        if sid not in self.scheduled:
            return httpx.Response(404, json={"error": "Record not found"})
        if request.method == "PUT":
            self.scheduled[sid]["scheduled_at"] = json.loads(request.content)["scheduled_at"]
        elif request.method == "DELETE":
            del self.scheduled[sid]
            return httpx.Response(200, json={})
        return httpx.Response(200, json=self.scheduled[sid])

    def _publish_due(self) -> None:
        for sid, item in list(self.scheduled.items()):
            at = dt.datetime.fromisoformat(item["scheduled_at"])
            if at <= self.clock:
                del self.scheduled[sid]
                params = {k: v for k, v in item["params"].items() if k not in ("text", "idempotency")}
                made = FakeMastodon.handle(self, httpx.Request("POST", f"{BASE}/api/v1/statuses", json={
                    **params, "status": item["params"]["text"]}, headers={"Authorization": "Bearer " + TOKEN}))
                status = made.json()
                status["created_at"] = at.isoformat().replace("+00:00", ".000Z")
                next(s for s in self.statuses if s["id"] == status["id"]).update(created_at=status["created_at"])


def run(root, server: SchedulingMastodon, now: dt.datetime, **kw):
    from socialops.publish.run import run_publish

    server.clock = now
    return run_publish(root, now=now, env=ENV, push=False, sleep=lambda s: None, clock=lambda: now,
                       clients=lambda profile: httpx.Client(transport=httpx.MockTransport(server)), **kw)


def rows(result) -> dict[str, str]:
    return {p.post_id: p.status for p in result.pairs}


def commit(root, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message, env=IDENTITY)


@pytest.fixture
def server():
    return SchedulingMastodon()


def test_handed_over_ahead_goes_out_on_the_minute_however_late_cron_is(tmp_path, server):
    root = masto_repo(tmp_path)
    assert run(root, server, T9 - dt.timedelta(hours=3)).pairs == []  # beyond the lead (2 h): not yet
    result = run(root, server, T9 - dt.timedelta(minutes=97))
    assert rows(result) == {"pulla": R_HANDED_OVER} and not result.failed
    (item,) = server.scheduled.values()
    assert dt.datetime.fromisoformat(item["scheduled_at"]) == T9 and item["params"]["text"] == "Tuoreet pullat uunista!"
    st = Ledger(root).state()[("pulla", "cafe-masto")]
    assert st.status == SCHEDULED and st.scheduled["id"] == item["id"] and top_level(server) == []
    assert run(root, server, T9 - dt.timedelta(minutes=30)).pairs == []  # nothing to do before its time
    # Cron runs 47 minutes late: the instance published it at 09:00 all the same, and the run records it.
    late = run(root, server, T9 + dt.timedelta(minutes=47))
    assert rows(late) == {"pulla": R_PUBLISHED}
    (status,) = top_level(server)
    st = Ledger(root).state()[("pulla", "cafe-masto")]
    assert st.status == PUBLISHED and st.remote_id == status["id"] and st.published_at == T9
    assert run(root, server, T9 + dt.timedelta(hours=2)).pairs == [] and len(top_level(server)) == 1
    assert outbox(root) == {}


def test_an_edit_before_its_time_replaces_the_scheduled_status(tmp_path, server):
    root = masto_repo(tmp_path)
    run(root, server, T9 - dt.timedelta(minutes=90))
    (first,) = server.scheduled
    write_post(root, "pulla", profiles=["cafe-masto"], at="2026-12-01 09:00", body="Korvapuustit uunista!\n")
    commit(root, "pulla: new text")
    result = run(root, server, T9 - dt.timedelta(minutes=60))
    assert [p.status for p in result.pairs] == [R_HANDOVER_CANCELLED, R_HANDED_OVER]
    (item,) = server.scheduled.values()
    assert item["id"] != first and item["params"]["text"] == "Korvapuustit uunista!"
    run(root, server, T9 + dt.timedelta(minutes=5))
    (status,) = top_level(server)
    assert "Korvapuustit" in status["content"]


def test_a_new_time_moves_the_scheduled_status(tmp_path, server):
    root = masto_repo(tmp_path)
    run(root, server, T9 - dt.timedelta(minutes=90))
    write_post(root, "pulla", profiles=["cafe-masto"], at="2026-12-01 09:30", body="Tuoreet pullat uunista!\n")
    commit(root, "pulla: later")
    result = run(root, server, T9 - dt.timedelta(minutes=60))
    assert rows(result) == {"pulla": R_HANDOVER_MOVED}
    (item,) = server.scheduled.values()
    assert dt.datetime.fromisoformat(item["scheduled_at"]) == T9 + dt.timedelta(minutes=30)
    assert [r.method for r in server.calls if "scheduled_statuses/" in r.url.path] == ["PUT"]
    assert rows(run(root, server, T9 + dt.timedelta(minutes=10))) == {}  # not yet its new time
    assert rows(run(root, server, T9 + dt.timedelta(minutes=31))) == {"pulla": R_PUBLISHED}
    assert len(top_level(server)) == 1


@pytest.mark.parametrize("how", ["draft", "deleted"])
def test_a_post_withdrawn_before_its_time_is_cancelled(tmp_path, server, how):
    root = masto_repo(tmp_path)
    run(root, server, T9 - dt.timedelta(minutes=90))
    path = root / "content/2026/12/pulla.md"
    if how == "draft":
        path.write_text(path.read_text().replace("title:", "status: draft\ntitle:"), encoding="utf-8")
    else:
        path.unlink()
    commit(root, f"pulla: {how}")
    result = run(root, server, T9 - dt.timedelta(minutes=30))
    assert rows(result) == {"pulla": R_HANDOVER_CANCELLED} and server.scheduled == {}
    assert run(root, server, T9 + dt.timedelta(minutes=30)).pairs == [] and top_level(server) == []
    assert Ledger(root).state()[("pulla", "cafe-masto")].status == "pending"


def test_handover_false_in_the_profile_publishes_at_the_time(tmp_path, server):
    root = masto_repo(tmp_path, profile={"handover": False})
    assert run(root, server, T9 - dt.timedelta(minutes=90)).pairs == [] and server.scheduled == {}
    assert rows(run(root, server, T9 + dt.timedelta(minutes=1))) == {"pulla": R_PUBLISHED}


@pytest.mark.parametrize("dies", ["after the call", "before the call"])
def test_killed_mid_handover_is_settled_exactly_once(tmp_path, server, dies):
    """The run dies during the hand-over call: after the instance made the scheduled status, or before the
    request left. The next run finds the scheduled status (or that there is none and hands over once)."""
    root = masto_repo(tmp_path)
    if dies == "after the call":
        server.crash_after = "POST /api/v1/statuses"
    else:
        server.fail("POST", "/api/v1/statuses", KeyboardInterrupt("killed before the request left"))
    with pytest.raises(KeyboardInterrupt):
        run(root, server, T9 - dt.timedelta(minutes=90))
    st = Ledger(root).state()[("pulla", "cafe-masto")]
    assert st.status == "claimed" and len(server.scheduled) == (1 if dies == "after the call" else 0)
    result = run(root, server, T9 - dt.timedelta(minutes=80))
    assert rows(result) == {"pulla": R_HANDED_OVER}
    assert len(server.scheduled) == 1
    assert Ledger(root).state()[("pulla", "cafe-masto")].status == SCHEDULED
    run(root, server, T9 + dt.timedelta(minutes=1))
    assert len(top_level(server)) == 1 and Ledger(root).state()[("pulla", "cafe-masto")].status == PUBLISHED


def test_first_comment_follows_the_scheduled_status(tmp_path, server):
    root = masto_repo(tmp_path, first_comment="#pulla")
    run(root, server, T9 - dt.timedelta(minutes=90))
    run(root, server, T9 + dt.timedelta(minutes=20))
    (status,) = top_level(server)
    (reply,) = [s for s in server.statuses if s["in_reply_to_id"]]
    assert reply["in_reply_to_id"] == status["id"]


def test_a_refused_hand_over_is_not_tried_again_and_the_post_goes_out_at_its_time(tmp_path, server):
    root = masto_repo(tmp_path)
    server.fail("POST", "/api/v1/statuses", httpx.Response(422, json={"error": "Validation failed: Text too long"}))
    first = run(root, server, T9 - dt.timedelta(minutes=90))
    assert rows(first) == {"pulla": "not handed over"} and not first.failed
    assert run(root, server, T9 - dt.timedelta(minutes=60)).pairs == []  # not tried again
    assert rows(run(root, server, T9 + dt.timedelta(minutes=2))) == {"pulla": R_PUBLISHED}
    assert len(top_level(server)) == 1 and server.scheduled == {}


def test_the_handover_setting_is_validated():
    from socialops.repository.profiles import parse_profile
    from socialops.validate.profiles import profile_problems

    def problems(value: str) -> list[str]:
        profile = parse_profile(f"id: cafe\nnetwork: mastodon\naccount: '@cafe@m.example'\ninstance: https://m.example\n"
                                f"token_env: T\nowners: ['@acme']\nhandover: {value}\n", "profiles/cafe.yaml")
        return [p.message for p in profile_problems(profile) if p.code == "profile-setting"]

    assert problems("true") == [] and problems("false") == [] and problems("3h") == []
    assert problems("soon") == ["'handover: soon' is not true, false or a lead like '2h' or '90m'"]
