"""`profiles check` reports the workflows GitHub has disabled (issue 18, point 4): GitHub's "List repository
workflows" answer (docs.github.com/rest/actions/workflows#list-repository-workflows: {total_count, workflows:
[{id, node_id, name, path, state, created_at, updated_at, url, html_url, badge_url}]}, state one of active,
deleted, disabled_fork, disabled_inactivity, disabled_manually) from a local HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from click.testing import CliRunner

from socialops.cli import main
from socialops.profiles.check import disabled_workflows, update_workflows_issue
from socialops.tracker.outbox import OutboxTracker
from tests.test_cli_profiles import PROFILE


def workflow(wid: int, name: str, state: str) -> dict:
    return {"id": wid, "node_id": f"W_kwDO{wid}", "name": name, "path": f".github/workflows/{name}.yml",
            "state": state, "created_at": "2026-01-05T10:00:00.000Z", "updated_at": "2026-11-30T10:00:00.000Z",
            "url": f"https://api.github.com/repos/aurinko/social/actions/workflows/{wid}",
            "html_url": f"https://github.com/aurinko/social/blob/main/.github/workflows/{name}.yml",
            "badge_url": f"https://github.com/aurinko/social/workflows/{name}/badge.svg"}


@pytest.fixture
def github():
    seen: list[tuple[str, str]] = []
    answer = {"workflows": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            seen.append((self.path, self.headers.get("Authorization", "")))
            body = json.dumps({"total_count": len(answer["workflows"]), **answer}).encode()
            self.send_response(200 if self.path.startswith("/repos/aurinko/social/actions/workflows") else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_address[1]}", "seen": seen, "answer": answer}
    server.shutdown()
    server.server_close()


def env(github) -> dict[str, str]:
    return {"GITHUB_REPOSITORY": "aurinko/social", "GITHUB_TOKEN": "ghs_secret", "GITHUB_API_URL": github["url"]}


def test_disabled_workflows_are_found(github):
    github["answer"]["workflows"] = [workflow(1, "publish", "disabled_inactivity"), workflow(2, "metrics", "active"),
                                     workflow(3, "comments", "disabled_manually")]
    with httpx.Client() as client:
        found = disabled_workflows(env(github), client)
    assert [(w["name"], w["state"]) for w in found] == [("publish", "disabled_inactivity"),
                                                        ("comments", "disabled_manually")]
    assert "60 days" in found[0]["why"]
    path, auth = github["seen"][0]
    assert path.startswith("/repos/aurinko/social/actions/workflows") and auth == "Bearer ghs_secret"
    with httpx.Client() as client:
        assert disabled_workflows({"GITHUB_TOKEN": "x"}, client) == []  # not on GitHub: nothing to ask


def test_the_issue_opens_while_disabled_and_closes_after(tmp_path):
    tracker = OutboxTracker(tmp_path)
    update_workflows_issue(tracker, [{"name": "publish", "path": ".github/workflows/publish.yml",
                                      "state": "disabled_inactivity", "why": "off"}])
    issue = tracker.find_issue("workflows-disabled")
    assert issue.state == "open" and "nothing is published" in issue.body
    update_workflows_issue(tracker, [])
    assert tracker.find_issue("workflows-disabled").state == "closed"


def test_profiles_check_fails_on_a_disabled_publish_workflow(tmp_path, github):
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "cafe.yaml").write_text(PROFILE.replace("avatar: media/a.png\n", ""), encoding="utf-8")
    run_env = {**env(github), "SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite"), "SOCIALOPS_SANDBOX_FAULTS": ""}
    github["answer"]["workflows"] = [workflow(1, "publish", "active")]
    ok = CliRunner().invoke(main, ["--repo", str(tmp_path), "profiles", "check", "--no-issue"], env=run_env)
    assert ok.exit_code == 0, ok.output
    github["answer"]["workflows"] = [workflow(1, "publish", "disabled_inactivity")]
    result = CliRunner().invoke(main, ["--repo", str(tmp_path), "profiles", "check", "--no-issue"], env=run_env)
    assert result.exit_code == 1
    assert "workflow publish (.github/workflows/publish.yml) is disabled" in result.output
    assert "ghs_secret" not in result.output
