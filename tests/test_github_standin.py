"""The GitHub stand-in answers as GitHub's official OpenAPI description says it must.

Every (operation, status) kept in tests/fixtures/github-openapi/extract.json (made from the npm
package @octokit/openapi by tools/scripts/extract_github_openapi.py) is produced by the stand-in
and validated; the requests PyGithub sends for the tracker are validated against the request
schemas too. If the stand-in drifts from GitHub, or the tracker starts sending something GitHub
does not accept, this fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker

from socialops.tracker.github import GitHubTracker, make_github, make_retry
from tests.github_standin import GitHubStandin, Recorded

EXTRACT = json.loads((Path(__file__).parent / "fixtures/github-openapi/extract.json").read_text())
OPS = EXTRACT["operations"]
TOKEN = "ghs_standin_validation_token"


def _schema(schema: dict) -> dict:
    # refs in the extract point at #/components/schemas/...: give each root the components
    return {**schema, "components": EXTRACT["components"]}


def check_response(rec: Recorded) -> None:
    schema = OPS[rec.op_id]["responses"][str(rec.status)]
    assert schema is not None, f"{rec.op_id} {rec.status} has no JSON body in the description"
    OAS30ReadValidator(_schema(schema), format_checker=oas30_format_checker).validate(rec.response_body)


def check_request(rec: Recorded) -> None:
    schema = OPS[rec.op_id]["request"]
    if rec.request_body is None:
        return
    assert schema is not None, f"{rec.op_id} takes no body, got {rec.request_body!r}"
    OAS30WriteValidator(_schema(schema), format_checker=oas30_format_checker).validate(rec.request_body)


@pytest.fixture
def gh():
    with GitHubStandin(token=TOKEN) as server:
        yield server


def exercise(server: GitHubStandin) -> None:
    """Drive every endpoint to every documented answer the stand-in gives, over plain HTTP."""
    h = {"Authorization": f"token {TOKEN}", "Accept": "application/vnd.github+json"}
    with httpx.Client(base_url=server.base_url, headers=h, timeout=5) as c:
        r = "/repos/acme/social"
        wrong = "/repos/acme/nothing"
        c.get("/user")
        c.get("/user", headers={"Authorization": "token wrong"})
        c.get("/rate_limit")
        c.post(f"{r}/labels", json={"name": "bug", "color": "d73a4a", "description": "Something is broken"})
        c.post(f"{r}/labels", json={"name": "nodesc", "color": "ededed"})
        c.post(f"{r}/labels", json={"name": "BUG", "color": "d73a4a"})  # 422 already_exists
        c.post(f"{r}/labels", json={"name": "x", "color": "#zzz"})  # 422 invalid
        c.post(f"{wrong}/labels", json={"name": "x", "color": "ededed"})
        c.get(f"{r}/labels")
        c.get(f"{wrong}/labels")
        c.get(f"{r}/labels/Bug")
        c.get(f"{r}/labels/none")
        c.post(f"{r}/issues", json={"title": "One", "body": "text", "labels": ["bug", "auto-created"]})
        c.post(f"{r}/issues", json={"title": "Two"})  # no body: body is null
        c.post(f"{r}/issues", json={"body": "no title"})
        c.post(f"{wrong}/issues", json={"title": "x"})
        server.secondary_rate_limit("POST", r"/repos/acme/social/issues")
        c.post(f"{r}/issues", json={"title": "limited"})
        pr = server.add_pull_request("PR")
        c.get(f"{r}/issues", params={"state": "all", "labels": "bug", "per_page": 1})
        c.get(f"{r}/issues", params={"state": "all"})  # includes the pull request
        c.get(f"{r}/issues", params={"state": "bogus"})
        c.get(f"{wrong}/issues")
        c.get(f"{r}/issues/1")
        c.get(f"{r}/issues/999")
        c.patch(f"{r}/issues/1", json={"state": "closed", "state_reason": "not_planned"})
        c.patch(f"{r}/issues/1", json={"state": "open"})
        c.patch(f"{r}/issues/2", json={"state": "closed"})
        c.get(f"{r}/issues/2")  # closed: closed_at and closed_by set
        c.patch(f"{r}/issues/1", json={"state": "sideways"})
        c.patch(f"{r}/issues/999", json={"title": "x"})
        server.secondary_rate_limit("PATCH", r"/repos/acme/social/issues/\d+")
        c.patch(f"{r}/issues/1", json={"title": "limited"})
        c.post(f"{r}/issues/1/comments", json={"body": "hello"})
        c.post(f"{r}/issues/{pr['number']}/comments", json={"body": "on the PR"})
        c.post(f"{r}/issues/1/comments", json={"body": ""})
        c.post(f"{r}/issues/999/comments", json={"body": "x"})
        server.secondary_rate_limit("POST", r"/repos/acme/social/issues/\d+/comments")
        c.post(f"{r}/issues/1/comments", json={"body": "limited"})
        c.get(f"{r}/issues/1/comments")
        c.get(f"{r}/issues/999/comments")
        cid = next(iter(server.comments))
        c.get(f"{r}/issues/comments/{cid}")
        c.get(f"{r}/issues/comments/1")
        c.patch(f"{r}/issues/comments/{cid}", json={"body": "edited"})
        c.patch(f"{r}/issues/comments/{cid}", json={})
        c.post(f"{r}/issues/1/labels", json={"labels": ["bug", "new-one"]})
        c.post(f"{r}/issues/1/labels", json=["plain-array"])
        c.post(f"{r}/issues/1/labels", json={"labels": "not a list"})
        c.post(f"{r}/issues/999/labels", json={"labels": ["x"]})
    with GitHubStandin(token=TOKEN, integration=True) as bot:
        httpx.get(bot.base_url + "/user", headers=h, timeout=5)
        server.log.extend(bot.log)


def test_every_documented_answer_validates_against_githubs_description(gh):
    exercise(gh)
    seen: set[tuple[str, str]] = set()
    for rec in gh.log:
        assert rec.op_id is not None, f"unrouted request {rec.method} {rec.path}"
        assert str(rec.status) in OPS[rec.op_id]["responses"], (rec.op_id, rec.status, rec.response_body)
        try:
            check_response(rec)
        except ValidationError as exc:
            pytest.fail(f"{rec.op_id} {rec.status}: {exc.message} at {list(exc.absolute_path)}")
        seen.add((rec.op_id, str(rec.status)))
    documented = {(op, status) for op, spec in OPS.items() for status in spec["responses"]}
    assert documented - seen == set(), "answers kept in the extract but never produced"


def test_validation_catches_drift(gh):
    """The check is not vacuous: a wrong shape fails."""
    exercise(gh)
    rec = next(r for r in gh.log if r.op_id == "issues/get" and r.status == 200)
    check_response(rec)
    for broken in (
        {k: v for k, v in rec.response_body.items() if k != "node_id"},
        {**rec.response_body, "number": "1"},
        {**rec.response_body, "state_reason": "because"},
        {**rec.response_body, "created_at": "yesterday"},
        {**rec.response_body, "user": {"login": "x"}},
    ):
        with pytest.raises(ValidationError):
            check_response(Recorded(rec.method, rec.path, {}, None, rec.op_id, 200, broken))
    with pytest.raises(ValidationError):
        check_request(Recorded("POST", "", {}, {"name": "x", "color": 5}, "issues/create-label", 201, None))


def test_nullable_enums_accept_null():
    """The gotcha: the description pairs nullable with an enum lacking null; the extract adds it."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("nullable") is True and "enum" in node:
                found.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(EXTRACT)
    assert found, "the issue schema's state_reason is such an enum"
    assert all(None in node["enum"] for node in found)
    issue = EXTRACT["components"]["schemas"]["issue"]
    assert None in issue["properties"]["state_reason"]["enum"]


def test_pagination_link_header(gh):
    for i in range(5):
        gh.add_issue(f"i{i}", labels=["socialops"])
    h = {"Authorization": f"Bearer {TOKEN}"}
    first = httpx.get(gh.base_url + "/repos/acme/social/issues", params={"per_page": 2, "labels": "socialops"},
                      headers=h)
    assert [i["number"] for i in first.json()] == [5, 4]
    nxt = first.links["next"]["url"]
    assert "labels=socialops" in nxt and first.links["last"]["url"].endswith("page=3")
    second = httpx.get(nxt, headers=h)
    assert [i["number"] for i in second.json()] == [3, 2]
    assert int(second.headers["X-RateLimit-Remaining"]) < int(first.headers["X-RateLimit-Remaining"])
    assert second.headers["X-RateLimit-Limit"] == "5000"


def test_faults_behave_as_documented(gh):
    h = {"Authorization": f"token {TOKEN}"}
    gh.drop_response("POST", r"/repos/acme/social/issues")
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(gh.base_url + "/repos/acme/social/issues", json={"title": "t"}, headers=h)
    assert len(gh.issues) == 1  # carried out, answer lost
    gh.fail("POST", r"/repos/acme/social/issues", 502)
    resp = httpx.post(gh.base_url + "/repos/acme/social/issues", json={"title": "t"}, headers=h)
    assert resp.status_code == 502 and len(gh.issues) == 1  # refused untouched
    gh.secondary_rate_limit("GET", r"/repos/acme/social/issues", retry_after=30)
    resp = httpx.get(gh.base_url + "/repos/acme/social/issues", headers=h)
    assert resp.status_code == 403 and resp.headers["Retry-After"] == "30"
    assert "secondary rate limit" in resp.json()["message"]
    assert httpx.get(gh.base_url + "/repos/acme/social/issues", headers=h).status_code == 200


def test_tracker_requests_and_answers_validate(gh):
    """What PyGithub sends for each tracker operation is what GitHub's description accepts."""
    g = make_github(TOKEN, gh.base_url, retry=make_retry(backoff_factor=0), seconds_between_requests=0,
                    seconds_between_writes=0)
    t = GitHubTracker(g, gh.full_name, secrets=[TOKEN], sleep=lambda s: None)
    pr = gh.add_pull_request()
    t.open_issue("k", "Title", "Body", ["question", "profile:acme-ig"])
    t.comment("k", "note")
    t.add_labels("k", ["hidden"])
    t.close("k", comment="closing")
    t.upsert_pr_comment(pr["number"], "preview", "v1")
    t.upsert_pr_comment(pr["number"], "preview", "v2")
    ops = {r.op_id for r in gh.log}
    assert {"issues/create", "issues/create-comment", "issues/add-labels", "issues/update",
            "issues/update-comment", "issues/create-label", "issues/list-for-repo",
            "issues/list-comments", "users/get-authenticated"} <= ops
    for rec in gh.log:
        check_request(rec)
        check_response(rec)
