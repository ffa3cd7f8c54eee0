"""Crash tests during a hand-over, with real processes against mastodon-mock: `socialops publish` runs as a
process whose Mastodon instance is reached through a forwarding proxy on 127.0.0.1; the proxy kills the
publisher with SIGKILL right after the instance carried out the hand-over (POST /api/v1/statuses with
scheduled_at) or before the request reaches it. The next run settles the claim from the instance's list of
scheduled statuses; one scheduled status in the end, and the ledger says scheduled."""

from __future__ import annotations

import datetime as dt
import http.server
import os
import secrets
import signal
import subprocess
import threading

import httpx
import pytest
import yaml

from socialops.state.publications import SCHEDULED, Ledger
from tests.publish_support import IDENTITY, git_init, make_repo, publisher_command, subprocess_env, write_post
from tests.test_realserver_mastodon import api

pytestmark = [pytest.mark.mastodon, pytest.mark.slow]


class Proxy:
    """Forwards to the instance; ``kill = ("after" | "before", "POST /api/v1/statuses")`` kills ``pid`` once."""

    def __init__(self, upstream: str):
        self.pid: int | None = None
        self.kill: tuple[str, str] | None = None
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                what = f"{self.command} {self.path.split('?', 1)[0]}"
                if proxy.kill == ("before", what) and proxy.pid:
                    proxy.kill = None
                    os.kill(proxy.pid, signal.SIGKILL)
                    self.close_connection = True
                    return
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection", "accept-encoding")}
                with httpx.Client(timeout=60) as client:
                    answer = client.request(self.command, upstream + self.path, content=body, headers=headers)
                if proxy.kill == ("after", what) and proxy.pid:
                    proxy.kill = None
                    os.kill(proxy.pid, signal.SIGKILL)
                    self.close_connection = True
                    return  # carried out, the answer never sent
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815 - http.server's naming

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def proxy(mastodon_server):
    running = Proxy(mastodon_server["url"])
    running.thread.start()
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.mark.parametrize("when", ["after", "before"])
def test_killed_during_a_hand_over_schedules_exactly_once(mastodon_server, proxy, tmp_path, when):
    marker = secrets.token_hex(4)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    root = make_repo(tmp_path / "repo", profiles=())
    profile = {"id": "cafe-masto", "network": "mastodon", "account": "brand", "instance": proxy.url,
               "token_env": "MASTODON_TOKEN", "owners": ["@acme/social"], "language": "fi"}
    (root / "profiles").mkdir(exist_ok=True)
    (root / "profiles" / "cafe-masto.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    write_post(root, "pulla", profiles=["cafe-masto"], at=(now + dt.timedelta(minutes=45)).isoformat(),
               body=f"Kaatuu kesken {marker}\n")
    git_init(root)
    env = subprocess_env(dict(os.environ), MASTODON_TOKEN=mastodon_server["accounts"]["brand"]["token"], **IDENTITY)
    env.pop("CI", None)
    command = publisher_command(root, "--now", now.isoformat(), "--no-push")
    proxy.kill = (when, "POST /api/v1/statuses")
    killed = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proxy.pid = killed.pid
    killed.communicate(timeout=180)
    assert killed.returncode == -signal.SIGKILL
    assert Ledger(root).state()[("pulla", "cafe-masto")].status == "claimed"
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "handed over" in done.stdout  # the run's table is on standard output
    st = Ledger(root).state()[("pulla", "cafe-masto")]
    assert st.status == SCHEDULED
    waiting = [s for s in api(mastodon_server, "GET", "/api/v1/scheduled_statuses").json()
               if marker in str(s["params"])]
    assert [s["id"] for s in waiting] == [st.scheduled["id"]]
    api(mastodon_server, "DELETE", f"/api/v1/scheduled_statuses/{st.scheduled['id']}")
