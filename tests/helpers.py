"""Small builders for repositories made in tests."""

from __future__ import annotations

import subprocess
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PIL import Image

from socialops.community.classify import classify, rule_evidence
from socialops.community.settings import profile_rules

SCHEDULE = """\
timezone: Europe/Helsinki
pillars:
  menu: {share: 60, goal: "Food"}
  events: {share: 40, goal: "Events"}
cadence:
  cafe-masto:
    - {days: [mon, wed], times: ["09:00"]}
"""

PROFILES = {
    "cafe-masto": "network: sandbox\nimitates: mastodon\naccount: '@cafe@example.social'\nowners: ['@maija']\n",
    "cafe-bsky": "network: sandbox\nimitates: bluesky\naccount: cafe.example\n",
    "cafe-insta": "network: sandbox\nimitates: instagram\naccount: cafe\n",
    "cafe-fb": "network: sandbox\nimitates: facebook\naccount: cafe\n",
    "cafe-li": "network: sandbox\nimitates: linkedin\naccount: cafe\n",
}


def make_repo(root: Path, posts: dict[str, str] | None = None, *, profiles: dict[str, str] | None = None,
              schedule: str = SCHEDULE) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "schedule.yaml").write_text(schedule, encoding="utf-8")
    (root / "profiles").mkdir(exist_ok=True)
    for pid, text in (PROFILES if profiles is None else profiles).items():
        (root / "profiles" / f"{pid}.yaml").write_text(text, encoding="utf-8")
    (root / "content").mkdir(exist_ok=True)
    for rel, text in (posts or {}).items():
        write(root / rel, text)
    return root


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def image(path: Path, size=(1080, 1350), fmt: str = "JPEG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 120, 40)).save(path, fmt)
    return path


def git_init(root: Path) -> None:
    def run(*args):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    run("init", "-q", "-b", "main")
    run("config", "user.email", "t@example.com")
    run("config", "user.name", "Test")
    run("add", "-A")
    run("commit", "-qm", "initial")


class RouteFake:
    """A fake HTTP API for httpx.MockTransport, answering from queues per (method, route key) and keeping
    every request. Subclasses say what a request's route key is (`key`). An answer is a JSON body (status
    200), a tuple (status, body[, headers]) with body None for no content, an httpx.Response, a callable
    taking the request, or an exception to raise. The last answer of a route repeats."""

    def __init__(self):
        self.routes: dict[tuple[str, str], list] = {}
        self.requests: list = []

    def on(self, method: str, key: str, *answers):
        self.routes.setdefault((method, key), []).extend(answers)
        return self

    def key(self, request) -> str:
        raise NotImplementedError

    def handler(self, request):
        import httpx

        self.requests.append(request)
        key = self.key(request)
        queue = self.routes.get((request.method, key))
        assert queue, f"unexpected {request.method} {key}"
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        if callable(answer):
            return answer(request)
        if isinstance(answer, tuple):
            status, body, *headers = answer
            headers = headers[0] if headers else None
            if body is None:
                return httpx.Response(status, headers=headers)
            return httpx.Response(status, json=body, headers=headers)
        return httpx.Response(200, json=answer)


class Recorder:
    """What an adapter reports while it works: its progress steps (pass `progress`, or the recorder itself)
    and the sleeps it asks for (pass `sleep`)."""

    def __init__(self):
        self.steps: list[tuple[str, dict]] = []
        self.sleeps: list[float] = []

    def progress(self, item, step, data):
        self.steps.append((step, dict(data)))

    __call__ = progress

    def sleep(self, seconds):
        self.sleeps.append(seconds)

    def names(self) -> list[str]:
        return [step for step, _ in self.steps]


OPEN_CLIENTS: list = []


def track_client(client):
    """Hand an httpx client to be closed after the test (tests/conftest.py closes them)."""
    OPEN_CLIENTS.append(client)
    return client


@contextmanager
def serving(server: Any) -> Iterator[Any]:
    """A ``socketserver`` server answering in a thread of its own while the block runs."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


HIDE_ABUSE = profile_rules({"moderation": {"hide": ["abusive"]}})


def abuse_kinds(text: str) -> set[str]:
    """The kinds of abuse the rules alone find in a comment."""
    return set(rule_evidence(text).abuse.kinds)


def never_hidden(text: str) -> bool:
    """A comment that is not high-confidence abuse, and that a profile hiding abuse would not hide."""
    decision = classify(text, rules=HIDE_ABUSE)
    return decision.confidence != "high" and HIDE_ABUSE.hide_rule(decision, text) is None
