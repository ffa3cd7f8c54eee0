"""Mastodon's inbox against mastodon-mock (tests/servers): a fan's public mention, a direct message and a reply
to a post the brand made in the app (not through socialops) become issues in one comments run and nothing
new in the next; /reply answers the direct message privately (visibility direct) and the mention publicly."""

from __future__ import annotations

import datetime as dt
import json
import secrets

import httpx
import pytest

from socialops.community.commands import run_moderate
from socialops.community.fetch import run_comments
from socialops.community.issues import issue_comments
from socialops.tracker.outbox import OutboxTracker
from tests.comments_support import outbox

pytestmark = pytest.mark.mastodon


def api(server, account: str, method: str, path: str, **kwargs) -> dict:
    headers = {"Authorization": f"Bearer {server['accounts'][account]['token']}"}
    r = httpx.request(method, f"{server['url']}{path}", headers=headers, timeout=30, **kwargs)
    assert r.status_code < 300, r.text
    return r.json()


@pytest.fixture
def shop(tmp_path, mastodon_server):
    root = tmp_path / "repo"
    (root / "profiles").mkdir(parents=True)
    (root / "schedule.yaml").write_text("timezone: Europe/Helsinki\n", encoding="utf-8")
    (root / "profiles" / "cafe-masto.yaml").write_text(
        f"id: cafe-masto\nnetwork: mastodon\naccount: brand\ninstance: {mastodon_server['url']}\n"
        "token_env: MASTODON_TOKEN\nroles:\n  moderators: ['@liisa-mod']\n", encoding="utf-8")
    env = {"MASTODON_TOKEN": mastodon_server["accounts"]["brand"]["token"]}
    return root, env


def kinds(root, texts) -> dict[str, str]:
    """text -> the kind its issue shows it as (the kind is in the issue's data line, the text in its quote)."""
    out = {}
    for issue in outbox(root):
        for text in texts:
            if text in issue["body"]:
                (named,) = issue_comments(issue["body"])
                out[text] = named.comment.ref.get("kind", "comment")
    return out


def test_mentions_messages_and_replies_to_posts_made_in_the_app(shop, mastodon_server):
    root, env = shop
    marker = secrets.token_hex(3)
    now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    question = f"@brand onko teillä gluteenitonta leipää? {marker}"
    private = f"@brand tilaukseni 123 ei tullut perille, mitä teen? {marker}"
    api(mastodon_server, "fan", "POST", "/api/v1/statuses", json={"status": question})
    api(mastodon_server, "fan", "POST", "/api/v1/statuses", json={"status": private, "visibility": "direct"})
    own = api(mastodon_server, "brand", "POST", "/api/v1/statuses", json={"status": f"Uusi leipä! {marker}"})
    reply = f"@brand miksi hinta nousi taas? {marker}"
    api(mastodon_server, "fan", "POST", "/api/v1/statuses", json={"status": reply, "in_reply_to_id": own["id"]})

    tracker = OutboxTracker(root)
    first = run_comments(root, now=now, env=env, tracker=tracker, push=False)
    assert first.errors == [], first.errors
    assert kinds(root, (question, private, reply)) == {question: "mention", private: "message", reply: "comment"}
    message_issue = next(i for i in outbox(root) if private in i["body"])
    assert "#### Direct message 1" in message_issue["body"] and "private" in message_issue["body"]
    assert "Mastodon direct message from @fan" in message_issue["title"]

    second = run_comments(root, now=now + dt.timedelta(minutes=30), env=env, tracker=tracker, push=False)
    assert [f for f in second.new if marker in f.comment.text] == [] and second.issues_opened == []

    event = {"comment": {"body": "/reply Selvitämme asian, kiitos viestistä!", "user": {"login": "liisa-mod"},
                         "id": 1},
             "issue": {"number": message_issue["number"], "body": message_issue["body"],
                       "labels": [{"name": n} for n in message_issue["labels"]]}}
    result = run_moderate(root, event, now=now, env=env, tracker=tracker, key=message_issue["key"], push=False,
                          permission=lambda login: "read")
    assert result.status == "done", result.message
    dm_id = issue_comments(message_issue["body"])[0].comment.id
    context = api(mastodon_server, "brand", "GET", f"/api/v1/statuses/{dm_id}/context")
    answers = [s for s in context["descendants"] if "Selvitämme" in s["content"]]
    assert len(answers) == 1 and answers[0]["visibility"] == "direct"
    assert json.dumps(answers[0]["mentions"]).count('"fan"') >= 1
