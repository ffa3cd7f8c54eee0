"""The crash test of the publishing issue, repeated against a real Bluesky PDS: exactly once.

`socialops publish` runs as a real process against a repository whose profile points at the PDS through
a small forwarding proxy on 127.0.0.1. The proxy kills the publisher with SIGKILL at chosen moments --
after the PDS has carried out a call but before the publisher sees the answer -- or a timer kills it at
random moments. Then runs go on until one finishes. Whatever happened, every post and every first
comment is in the account's repository exactly once, and the ledger says published for every pair.
"""

from __future__ import annotations

import http.server
import os
import random
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from socialops.state.publications import PUBLISHED, Ledger
from tests.publish_support import (
    IDENTITY,
    git_init,
    make_repo,
    publisher_command,
    subprocess_env,
    write_image,
    write_post,
)

pytestmark = [pytest.mark.bluesky, pytest.mark.slow]

NOW = "2026-12-01 09:30"
POSTS = {  # post id -> (text, first comment or None, with an image)
    "aamu": ("Hyvää huomenta Kahvila Auringosta! ☕ #aamu", "#kahvi #helsinki", False),
    "kuva": ("Päivän pulla: kardemumma. 🥐", None, True),
    "ilta": ("Ilta-avoinna tänään klo 21 asti. https://aurinko.example/aukiolo", "Tervetuloa!", True),
    "joulu": ("Joulutori lauantaina! 🎄 #joulu", None, False),
}


class KillingProxy:
    """Forwards everything to the PDS. ``kill_on = (nsid, n)``: the n-th call of that XRPC method is carried
    out by the PDS, and then the publisher (``pid``) is killed before it gets the answer."""

    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.pid: int | None = None
        self.kill_on: tuple[str, int] | None = None
        self.seen: dict[str, int] = {}
        self.killed = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection", "accept-encoding")}
                with httpx.Client(timeout=60) as client:
                    answer = client.request(self.command, proxy.upstream + self.path, content=body, headers=headers)
                nsid = self.path.split("?", 1)[0].removeprefix("/xrpc/")
                proxy.seen[nsid] = proxy.seen.get(nsid, 0) + 1
                if proxy.kill_on == (nsid, proxy.seen[nsid]) and proxy.pid:
                    os.kill(proxy.pid, signal.SIGKILL)
                    proxy.killed += 1
                    proxy.kill_on = None
                    self.close_connection = True
                    return  # the answer is never sent
                self.send_response(answer.status_code)
                for key in ("Content-Type", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"):
                    if key in answer.headers:
                        self.send_header(key, answer.headers[key])
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = _forward  # noqa: N815 - http.server's naming

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> KillingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def proxy(bluesky_pds) -> Iterator[KillingProxy]:
    with KillingProxy(bluesky_pds["url"]) as running:
        yield running


def make_site(tmp_path: Path, account: dict, proxy: KillingProxy) -> Path:
    root = make_repo(tmp_path / "repo", profiles=())
    profile = {"id": "cafe-bsky", "network": "bluesky", "account": account["handle"], "service": proxy.url,
               "token_env": "BSKY_APP_PASSWORD", "owners": ["@acme/social"], "language": "fi"}
    (root / "profiles").mkdir(exist_ok=True)
    (root / "profiles" / "cafe-bsky.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    image = write_image(root)
    for i, (pid, (text, comment, with_image)) in enumerate(POSTS.items()):
        extra = {}
        if comment:
            extra["first_comment"] = comment
        if with_image:
            extra["media"] = [{"path": image, "alt": f"Kuva postaukseen {pid}"}]
        write_post(root, pid, profiles=["cafe-bsky"], at=f"2026-12-01 08:{10 * i:02d}", body=text + "\n",
                   **extra)
    git_init(root)
    return root


def start(root: Path, account: dict) -> subprocess.Popen:
    env = subprocess_env(dict(os.environ), BSKY_APP_PASSWORD=account["password"], **IDENTITY)
    env.pop("CI", None)
    return subprocess.Popen(publisher_command(root, "--now", NOW, "--no-push"), cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_until_done(root: Path, account: dict, proxy: KillingProxy, *, limit: int = 12) -> list[int]:
    codes = []
    for _ in range(limit):
        proc = start(root, account)
        proxy.pid = proc.pid
        out, err = proc.communicate(timeout=180)
        codes.append(proc.returncode)
        if proc.returncode == 0:
            return codes
        assert proc.returncode == -signal.SIGKILL, f"publish failed ({proc.returncode}):\n{out}\n{err}"
    raise AssertionError(f"no run finished in {limit} tries: {codes}")


def repository_posts(pds: dict, account: dict) -> list[dict]:
    r = httpx.get(f"{pds['url']}/xrpc/com.atproto.repo.listRecords",
                  params={"repo": account["did"], "collection": "app.bsky.feed.post", "limit": 100}, timeout=30)
    r.raise_for_status()
    return [rec["value"] for rec in r.json()["records"]]


def assert_exactly_once(root: Path, pds: dict, account: dict) -> None:
    records = repository_posts(pds, account)
    roots = sorted(v["text"] for v in records if "reply" not in v)
    replies = sorted(v["text"] for v in records if "reply" in v)
    assert roots == sorted(text for text, _, _ in POSTS.values())
    assert replies == sorted(c for _, c, _ in POSTS.values() if c)
    by_text = {v["text"]: v for v in records if "reply" not in v}
    for text, _, with_image in POSTS.values():
        embed = by_text[text].get("embed")
        if with_image:
            assert embed["$type"] == "app.bsky.embed.images" and embed["images"][0]["alt"].startswith("Kuva")
    states = Ledger(root).state()
    assert {pair: st.status for pair, st in states.items()} == {(pid, "cafe-bsky"): PUBLISHED for pid in POSTS}


KILL_POINTS = [
    ("com.atproto.server.createSession", 1),  # before anything was posted
    ("com.atproto.repo.uploadBlob", 1),  # the blob is on the PDS, its id is not in the ledger
    ("com.atproto.repo.createRecord", 1),  # the first post exists, the answer is lost
    ("com.atproto.repo.createRecord", 2),  # its first comment exists, the answer is lost
    ("com.atproto.repo.createRecord", 4),  # a post with an image, later in the run
]


@pytest.mark.parametrize("nsid,n", KILL_POINTS, ids=[f"{n.rsplit('.', 1)[1]}-{i}" for n, i in KILL_POINTS])
def test_killed_after_the_pds_acted_publishes_exactly_once(bluesky_pds, bluesky_account, proxy, tmp_path, nsid, n):
    root = make_site(tmp_path, bluesky_account, proxy)
    proxy.kill_on = (nsid, n)
    codes = run_until_done(root, bluesky_account, proxy)
    assert proxy.killed == 1 and codes[0] == -signal.SIGKILL and codes[-1] == 0
    assert_exactly_once(root, bluesky_pds, bluesky_account)
    ledger = (root / "state" / "publications.csv").read_text(encoding="utf-8")
    if nsid.endswith("createRecord"):
        assert "reconciled" in ledger or "getRecord" in ledger
    # A further run has nothing to do and posts nothing.
    proc = start(root, bluesky_account)
    proc.communicate(timeout=180)
    assert proc.returncode == 0
    assert_exactly_once(root, bluesky_pds, bluesky_account)


def test_killed_at_random_moments_publishes_exactly_once(bluesky_pds, bluesky_account, proxy, tmp_path):
    root = make_site(tmp_path, bluesky_account, proxy)
    rng = random.Random(20261201)
    kills = 0
    for _ in range(8):
        proc = start(root, bluesky_account)
        delay = rng.uniform(0.4, 2.5)
        deadline = time.monotonic() + delay
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=180)
        if proc.returncode == 0:
            break
    run_until_done(root, bluesky_account, proxy)
    assert kills >= 1
    assert_exactly_once(root, bluesky_pds, bluesky_account)
