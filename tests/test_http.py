"""The shared HTTP behaviour: retries only where safe, Retry-After, error mapping, token redaction."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import socket
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from socialops.errors import (
    AuthError,
    ConfigError,
    OutcomeUnknown,
    PermanentNetworkError,
    RateLimited,
    TransientNetworkError,
)
from socialops.networks import NETWORKS
from socialops.networks.contract import Network
from socialops.networks.http import Http, parse_reset, parse_retry_after, redact, redacted_excerpt
from socialops.repository.profiles import parse_profile

TOKEN = "tok_3xAmPl3-S3cr3t/+="
NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)


class Recorder:
    def __init__(self, answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def make(answers, **kw):
    recorder = Recorder(answers)
    waits: list[float] = []
    client = httpx.Client(transport=httpx.MockTransport(recorder))
    http = Http(client, network="mastodon", secret_name="ACME_MASTODON_TOKEN", secrets=[TOKEN],
                sleep=waits.append, clock=lambda: NOW, rng=random.Random(1), **kw)
    return http, recorder, waits


def test_get_is_retried_on_5xx_with_growing_jittered_backoff():
    http, rec, waits = make([httpx.Response(503), httpx.Response(502), httpx.Response(500),
                             httpx.Response(200, json={"ok": True})], retries=3, backoff=1.0)
    assert http.json("GET", "https://m.example/api/v1/x") == {"ok": True}
    assert len(rec.requests) == 4
    assert len(waits) == 3
    for i, wait in enumerate(waits):
        step = 1.0 * 2**i
        assert step / 2 <= wait <= step  # jitter: between half and all of the step
    assert waits[0] < waits[2]


def test_retries_stop_and_the_error_is_transient():
    http, rec, waits = make([httpx.Response(503)], retries=2)
    with pytest.raises(TransientNetworkError) as info:
        http.request("GET", "https://m.example/x")
    assert info.value.status == 503
    assert len(rec.requests) == 3 and len(waits) == 2


def test_retry_after_seconds_and_http_date():
    later = email.utils.format_datetime(NOW + dt.timedelta(seconds=42), usegmt=True)
    http, rec, waits = make([httpx.Response(503, headers={"Retry-After": "7"}),
                             httpx.Response(429, headers={"Retry-After": later}), httpx.Response(200)])
    http.request("GET", "https://m.example/x")
    assert waits == [7.0, 42.0]


def test_rate_limited_after_retries_with_the_wait_it_asked_for():
    http, rec, waits = make([httpx.Response(429, headers={"X-RateLimit-Reset": "2026-12-01T07:05:00Z"})],
                            retries=1, max_wait=600)
    with pytest.raises(RateLimited) as info:
        http.request("POST", "https://m.example/api/v1/statuses")  # a 429 means nothing was done: retried
    assert info.value.retry_after == 300
    assert waits == [300.0] and len(rec.requests) == 2


def test_a_long_retry_after_is_not_slept():
    http, rec, waits = make([httpx.Response(429, headers={"Retry-After": "3600"})], max_wait=60)
    with pytest.raises(RateLimited) as info:
        http.request("GET", "https://m.example/x")
    assert info.value.retry_after == 3600 and waits == [] and len(rec.requests) == 1


def test_unsafe_post_is_not_retried_after_a_5xx():
    http, rec, waits = make([httpx.Response(500), httpx.Response(200)])
    with pytest.raises(OutcomeUnknown):
        http.request("POST", "https://m.example/api/v1/statuses", json={"status": "hi"})
    assert len(rec.requests) == 1 and waits == []


def test_post_marked_safe_is_retried():
    http, rec, waits = make([httpx.Response(502), httpx.Response(200, json={"id": "1"})])
    body = http.json("POST", "https://m.example/api/v1/statuses", safe=True,
                     headers={"Idempotency-Key": "k1"})
    assert body == {"id": "1"} and len(rec.requests) == 2
    assert all(r.headers["Idempotency-Key"] == "k1" for r in rec.requests)


def test_post_timeout_is_outcome_unknown_but_connect_errors_are_retried():
    http, rec, _ = make([httpx.ReadTimeout("read timed out"), httpx.Response(200)])
    with pytest.raises(OutcomeUnknown):
        http.request("POST", "https://m.example/api/v1/statuses")
    assert len(rec.requests) == 1
    http, rec, _ = make([httpx.ConnectError("refused"), httpx.Response(200)])
    assert http.request("POST", "https://m.example/api/v1/statuses").status_code == 200
    assert len(rec.requests) == 2


def test_unreadable_answer_to_a_create_is_outcome_unknown():
    http, _, _ = make([httpx.Response(200, content=b"<html>oops")])
    with pytest.raises(OutcomeUnknown):
        http.json("POST", "https://m.example/api/v1/statuses")
    http, _, _ = make([httpx.Response(200, content=b"<html>oops")])
    with pytest.raises(TransientNetworkError):
        http.json("GET", "https://m.example/api/v1/statuses")


@pytest.mark.parametrize("status", [401, 403])
def test_token_errors_name_the_secret(status):
    http, _, _ = make([httpx.Response(status, json={"error": "The access token is invalid"})])
    with pytest.raises(AuthError) as info:
        http.request("GET", "https://m.example/api/v1/accounts/verify_credentials")
    assert info.value.secret == "ACME_MASTODON_TOKEN"
    assert "ACME_MASTODON_TOKEN" in str(info.value)
    assert TOKEN not in str(info.value)


def test_adapter_recognises_its_own_token_errors():
    def meta_auth(response):
        return response.status_code == 400 and response.json().get("error", {}).get("code") == 190

    http, _, _ = make([httpx.Response(400, json={"error": {"code": 190, "message": "Session expired"}})],
                      auth_error=meta_auth)
    with pytest.raises(AuthError):
        http.request("GET", "https://graph.facebook.com/v25.0/me")


def test_other_client_errors_are_permanent_with_what_the_network_said():
    http, _, _ = make([httpx.Response(422, json={"error": "Validation failed: Text too long"})])
    with pytest.raises(PermanentNetworkError, match="Text too long") as info:
        http.request("POST", "https://m.example/api/v1/statuses")
    assert info.value.status == 422


def test_the_token_never_appears_in_errors_logs_or_tracebacks(caplog):
    echo = f"invalid token {TOKEN}; Authorization: Bearer {TOKEN}; access_token={TOKEN}"
    http, _, _ = make([httpx.Response(500, text=echo), httpx.Response(401, text=echo)], retries=1)
    caplog.set_level(logging.DEBUG, logger="socialops.http")
    url = f"https://graph.example/v1/me?access_token={TOKEN}&fields=id"
    with pytest.raises(AuthError) as info:
        http.request("GET", url, headers={"Authorization": f"Bearer {TOKEN}"})
    exc = info.value
    text = str(exc) + "".join(traceback.format_exception(exc)) + caplog.text
    assert TOKEN not in text
    assert "access_token" not in str(exc)  # the query string is left out altogether
    assert exc.__cause__ is None and exc.__context__ is None
    assert "[REDACTED]" in str(exc)
    # an exception from httpx whose text carries the URL is not chained either
    http, _, _ = make([httpx.ReadTimeout(f"timed out on {url}")])
    with pytest.raises(OutcomeUnknown) as info:
        http.request("POST", url)
    assert TOKEN not in "".join(traceback.format_exception(info.value))


def test_tokens_found_at_run_time_are_redacted_too():
    http, _, _ = make([httpx.Response(400, json={"error": "bad", "accessJwt": "eyJhbGciOi.session.jwt"})])
    http.add_secret("eyJhbGciOi.session.jwt")
    with pytest.raises(PermanentNetworkError) as info:
        http.request("GET", "https://pds.example/xrpc/x")
    assert "eyJhbGciOi" not in str(info.value)


def test_redact():
    assert redact(f"x {TOKEN} y", [TOKEN]) == "x [REDACTED] y"
    from urllib.parse import quote

    assert TOKEN not in redact(f"url?t={quote(TOKEN, safe='')}", [TOKEN])
    assert redact("Authorization: Bearer abcdefghijk") == "Authorization: [REDACTED]"
    assert redact("sent with bearer abcdefghijk") == "sent with bearer [REDACTED]"
    assert redact('{"password": "hunter22", "name": "x"}') == '{"password": "[REDACTED]", "name": "x"}'
    assert redact("?client_secret=s3cr3t&x=1") == "?client_secret=[REDACTED]&x=1"
    assert redact("nothing secret here", ["ab"]) == "nothing secret here"  # too short to scrub safely


def test_parse_retry_after_and_reset():
    assert parse_retry_after("12", NOW) == 12
    assert parse_retry_after("Tue, 01 Dec 2026 07:01:00 GMT", NOW) == 60
    assert parse_retry_after("Tue, 01 Dec 2026 06:00:00 GMT", NOW) == 0
    assert parse_retry_after("soon", NOW) is None and parse_retry_after(None, NOW) is None
    assert parse_reset("2026-12-01T07:00:30.000Z", NOW) == 30
    assert parse_reset(str(int(NOW.timestamp()) + 90), NOW) == 90  # epoch seconds (atproto)
    assert parse_reset("15", NOW) == 15  # delta seconds


# --- against a real local server ----------------------------------------------------------------------


class SlowHandler(BaseHTTPRequestHandler):
    hits = 0
    delay = 1.0

    def do_POST(self):  # noqa: N802 - the http.server API
        type(self).hits += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(self.delay)
        try:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_server():
    SlowHandler.hits = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_real_timeout_on_a_create_is_outcome_unknown_and_sent_once(slow_server):
    with httpx.Client(timeout=0.2) as client:
        http = Http(client, network="mastodon", sleep=lambda s: None, retries=3)
        with pytest.raises(OutcomeUnknown, match="no answer"):
            http.request("POST", f"{slow_server}/api/v1/statuses", json={"status": "hi"})
    time.sleep(0.05)
    assert SlowHandler.hits == 1


def test_real_connection_refused_is_retried_then_transient():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    waits = []
    with httpx.Client(timeout=1.0) as client:
        http = Http(client, network="bluesky", sleep=waits.append, retries=2)
        with pytest.raises(TransientNetworkError, match="could not connect"):
            http.request("POST", f"http://127.0.0.1:{port}/xrpc/com.atproto.repo.createRecord")
    assert len(waits) == 2


# --- the Network base class ---------------------------------------------------------------------------


class Dummy(Network):
    spec = NETWORKS["mastodon"]


def dummy_profile(extra=""):
    return parse_profile(f"id: acme-mastodon\nnetwork: mastodon\ninstance: https://m.example\n{extra}",
                         "profiles/acme-mastodon.yaml")


def test_token_from_the_environment():
    net = Dummy(dummy_profile("token_env: ACME_MASTODON_TOKEN\n"), env={"ACME_MASTODON_TOKEN": f" {TOKEN} "})
    assert net.token() == TOKEN
    assert net.redact(f"said {TOKEN}") == "said [REDACTED]"
    missing = Dummy(dummy_profile("token_env: ACME_MASTODON_TOKEN\n"), env={})
    with pytest.raises(AuthError) as info:
        missing.token()
    assert "ACME_MASTODON_TOKEN" in str(info.value) and info.value.secret == "ACME_MASTODON_TOKEN"
    assert missing.token(required=False) is None
    with pytest.raises(ConfigError, match="token_env"):
        Dummy(dummy_profile(), env={}).token()


def test_network_http_uses_the_injected_client_and_redacts():
    rec = Recorder([httpx.Response(401, text=f"bad token {TOKEN}")])
    client = httpx.Client(transport=httpx.MockTransport(rec))
    net = Dummy(dummy_profile("token_env: ACME_MASTODON_TOKEN\n"), env={"ACME_MASTODON_TOKEN": TOKEN},
                client=client, sleep=lambda s: None)
    with pytest.raises(AuthError) as info:
        net.http().request("GET", "https://m.example/api/v1/accounts/verify_credentials",
                           headers={"Authorization": f"Bearer {net.token()}"})
    assert TOKEN not in str(info.value) and len(rec.requests) == 1
    net.close()
    assert not client.is_closed  # an injected client belongs to the caller


def test_derived_id_is_stable_and_short():
    a = Network.derived_id("0f3c9a7e-claim")
    assert a == Network.derived_id("0f3c9a7e-claim") != Network.derived_id("other")
    assert len(a) == 13 and a.isalnum() and a.islower()


def test_retry_transient_is_the_one_retry_loop():
    from socialops.networks.http import backoff_delay, retry_transient

    calls: list[int] = []
    waits: list[float] = []

    def busy():
        calls.append(1)
        raise TransientNetworkError("busy")

    with pytest.raises(TransientNetworkError):
        retry_transient(busy, retries=2, sleep=waits.append, rng=random.Random(1))
    assert len(calls) == 3 and len(waits) == 2

    def lost():
        calls.append(1)
        raise OutcomeUnknown("sent, answer lost")

    calls.clear()
    with pytest.raises(OutcomeUnknown):
        retry_transient(lost, retries=5, sleep=waits.append)
    assert len(calls) == 1  # may have been carried out: never sent again here
    assert all(4.0 <= backoff_delay(4, base=1.0, rng=random.Random(seed)) <= 8.0 for seed in range(20))
    assert backoff_delay(30, base=1.0, cap=30.0) <= 30.0


@pytest.mark.parametrize("start", [270, 274, 279, 285])
def test_a_token_across_the_300_character_cut_leaves_no_prefix(start):
    # issue 15, finding 8: the body was cut to 300 characters before redaction, so a token echoed across
    # the cut left its first characters in the error (and from there in the ledger and issues)
    body = "e" * start + f"invalid token {TOKEN} in the request"
    http, _, _ = make([httpx.Response(400, text=body)])
    with pytest.raises(PermanentNetworkError) as info:
        http.request("GET", "https://m.example/api/v1/x")
    message = str(info.value)
    assert "e" * 50 in message
    assert "tok_3xAm" not in message  # the token begins before character 300 and ends after it


def test_a_secret_cut_off_before_redaction_is_redacted_too():
    long_secret = "sk_live_0123456789abcdef"
    cut_elsewhere = ("error: " + long_secret)[:20]  # a server or a caller cut it: "error: sk_live_01234"
    assert redact(cut_elsewhere, [long_secret]) == "error: [REDACTED]"
    assert redact("error: sk_live_", [long_secret]) == "error: [REDACTED]"
    assert redact("error: sk_live", [long_secret]) == "error: sk_live"  # 7 characters: too short to tell
    assert redacted_excerpt("x" * 290 + long_secret, [long_secret]) == "x" * 290 + "[REDACTED]"


def test_a_graph_error_message_is_redacted_before_it_is_cut():
    from socialops.networks.meta.graph import graph_error
    from socialops.networks.meta.metrics import meta_refusal

    body = {"error": {"message": "m" * 290 + f" {TOKEN} and more", "code": 100}}
    exc = graph_error(400, body, {}, network="facebook", secret="FB_TOKEN", what="publishing", secrets=[TOKEN])
    assert "m" * 50 in exc.message and "tok_3x" not in exc.message
    refusal = {"error": {"message": "m" * 180 + " access_token=EAAB0123456789abcdef", "code": 100}}
    assert "EAAB01" not in meta_refusal(400, refusal)[1]
