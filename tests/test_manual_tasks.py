"""Manual tasks end to end against the GitHub stand-in: what no API can do (an Instagram live, a post marked
`manual: true`) becomes one issue for the profile's editors at its time, is reminded once, and `/done URL` or
`/skip` in the issue settles it in the ledger, where the plan and the metrics see it."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from socialops.cli import main
from socialops.community.commands import run_moderate
from socialops.networks.sandbox.store import sandbox_posts
from socialops.plan.published import published_from_ledger
from socialops.publish.results import R_PUBLISHED, R_REMINDED, R_TASK, R_WOULD_TASK
from socialops.publish.run import run_publish
from socialops.publish.tasks import TASK_LABEL, task_key
from socialops.state.publications import HANDED, PUBLISHED, SKIPPED, Ledger
from socialops.tracker.github import GitHubTracker, make_github, make_retry
from tests.github_standin import GitHubStandin
from tests.helpers import image
from tests.publish_support import git_init, make_repo, write_post, write_profile

HEL = ZoneInfo("Europe/Helsinki")
TOKEN = "ghs_standin_token_0123456789"


def local(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=HEL)


@pytest.fixture
def repo(tmp_path):
    root = make_repo(tmp_path / "repo", profiles=())
    write_profile(root, "cafe-insta", imitates="instagram", account="@cafe.aurinko",
                  roles={"editors": ["@maija"], "admins": ["@aino"]}, ig_user_id="1784")
    write_profile(root, "cafe-masto", imitates="mastodon", account="@cafe@mastodon.example",
                  roles={"editors": ["@maija"]})
    image(root / "content/media/live.jpg")
    write_post(root, "glogi-live", profiles=["cafe-insta"], at="2026-12-01 09:00", type="live",
               live={"starts_at": "2026-12-01 18:00", "duration_minutes": 45},
               media=[{"path": "content/media/live.jpg", "alt": "A pot of glögi"}],
               body="Live tonight at 18: glögi from scratch!\n")
    write_post(root, "poll", profiles=["cafe-masto"], at="2026-12-01 09:00", manual=True,
               body="Which one: glögi or cocoa? Answer in the poll.\n")
    write_post(root, "plain", profiles=["cafe-masto"], at="2026-12-01 09:00")
    git_init(root)
    return root


@pytest.fixture
def gh():
    with GitHubStandin(token=TOKEN) as server:
        server.permissions["maija"] = ("write", "write")  # aino has no access: GitHub cannot assign her
        yield server


def tracker(gh) -> GitHubTracker:
    return GitHubTracker(make_github(TOKEN, gh.base_url, retry=make_retry(backoff_factor=0, max_wait=5),
                                     seconds_between_requests=0, seconds_between_writes=0), gh.full_name,
                         secrets=[TOKEN], sleep=lambda s: None, reconcile_delays=(0.0,))


def publish(root, tmp_path, gh, now):
    env = {"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite"), "GITHUB_REPOSITORY": gh.full_name,
           "GITHUB_SHA": "a" * 40}
    return run_publish(root, now=now, env=env, tracker=tracker(gh), sleep=lambda s: None)


def task_issues(gh) -> dict[str, dict]:
    return {key: issue for key in (task_key("glogi-live", "cafe-insta"), task_key("poll", "cafe-masto"))
            for issue in gh.issues_with_marker(f"socialops:key={key} ")}


def command(root, gh, number: int, body: str, login: str = "maija", now: str = "2026-12-01 10:00"):
    issue = gh.issues[number]
    event = {"comment": {"body": body, "user": {"login": login, "type": "User"}, "id": 900 + number},
             "issue": {"number": number, "body": issue["body"], "labels": issue["labels"]}}
    t = tracker(gh)
    return run_moderate(root, event, now=local(now), env={}, tracker=t, permission=t.permission, push=False)


def comments(gh, number: int) -> list[str]:
    return [c["body"] for c in gh.comments.values() if c["_issue"] == number]


def test_a_task_opens_one_issue_for_the_editors_and_is_reminded_once(repo, tmp_path, gh):
    dry = run_publish(repo, now=local("2026-12-01 09:05"), env={"SOCIALOPS_SANDBOX": str(tmp_path / "s.sqlite")},
                      dry_run=True)
    assert {p.post_id: p.status for p in dry.pairs} == {"glogi-live": R_WOULD_TASK, "poll": R_WOULD_TASK,
                                                        "plain": "would publish"}

    result = publish(repo, tmp_path, gh, local("2026-12-01 09:05"))
    statuses = {p.post_id: p.status for p in result.pairs}
    assert statuses == {"glogi-live": R_TASK, "poll": R_TASK, "plain": R_PUBLISHED}
    assert [r["post_id"] for r in sandbox_posts(tmp_path / "sandbox.sqlite")] == ["plain"]  # no API for tasks
    issues = task_issues(gh)
    live = issues[task_key("glogi-live", "cafe-insta")]
    poll = issues[task_key("poll", "cafe-masto")]
    assert poll["assignees"][0]["login"] == "maija"
    # GitHub refused to assign aino (422): the issue is opened anyway, and both are mentioned in it
    assert live["assignees"] == [] and "@maija @aino: this is for you" in live["body"]
    assert live["title"].startswith("To do by hand: Instagram live broadcast on cafe-insta")
    assert TASK_LABEL in {lab["name"] for lab in live["labels"]}
    assert "tap + and choose Live" in live["body"] and "Live tonight at 18: glögi from scratch!" in live["body"]
    assert f"https://github.com/{gh.full_name}/blob/{'a' * 40}/content/media/live.jpg" in live["body"]
    assert "A pot of glögi" in live["body"] and "**Live starts:** 2026-12-01 18:00" in live["body"]
    states = Ledger(repo).state()
    assert states[("poll", "cafe-masto")].status == HANDED
    assert states[("poll", "cafe-masto")].task["number"] == poll["number"]

    again = publish(repo, tmp_path, gh, local("2026-12-01 09:35"))
    assert again.pairs == [] and len(gh.issues) == 2  # reruns open no second issue
    assert sum(1 for ev in Ledger(repo).events() if ev.event == "handed") == 2

    remind = publish(repo, tmp_path, gh, local("2026-12-02 09:10"))
    assert sorted((p.post_id, p.status) for p in remind.pairs) == [("glogi-live", R_REMINDED), ("poll", R_REMINDED)]
    assert any("a reminder" in c and "@maija" in c for c in comments(gh, poll["number"]))
    assert publish(repo, tmp_path, gh, local("2026-12-02 12:00")).pairs == []  # once
    assert sum(1 for c in comments(gh, poll["number"]) if "a reminder" in c) == 1

    shown = CliRunner(env={"GITHUB_TOKEN": ""}).invoke(main, ["--repo", str(repo), "plan", "--now",
                                                              "2026-12-02 12:00", "--format", "json"])
    entries = {e["post"]: e["source"] for p in json.loads(shown.output)["profiles"] for w in p["weeks"]
               for e in w["entries"] if "post" in e}
    assert entries == {"glogi-live": "waiting", "poll": "waiting", "plain": "published"}


def test_done_with_the_post_address_records_it_published_and_closes_the_issue(repo, tmp_path, gh):
    publish(repo, tmp_path, gh, local("2026-12-01 09:05"))
    poll = task_issues(gh)[task_key("poll", "cafe-masto")]
    n = poll["number"]

    wrong = command(repo, gh, n, "/done https://other.example/@cafe/1234")
    assert wrong.status == "usage" and "not the address of a Mastodon post of @cafe@mastodon.example" in \
        comments(gh, n)[-1]
    stranger = command(repo, gh, n, "/done https://mastodon.example/@cafe/1234", login="mallory")
    assert stranger.status == "refused" and "Only the editors of `cafe-masto`" in comments(gh, n)[-1]
    assert Ledger(repo).state()[("poll", "cafe-masto")].status == HANDED

    done = command(repo, gh, n, "/done https://mastodon.example/@cafe/109876")
    assert done.status == "done" and done.committed and done.exit_code == 0
    st = Ledger(repo).state()[("poll", "cafe-masto")]
    assert (st.status, st.url, st.remote_id) == (PUBLISHED, "https://mastodon.example/@cafe/109876", "109876")
    assert gh.issues[n]["state"] == "closed" and "Recorded as published by hand" in comments(gh, n)[-1]
    times, urls = published_from_ledger(repo)  # the plan and the dashboard read these
    assert urls[("poll", "cafe-masto")] == st.url and ("poll", "cafe-masto") in times
    later = publish(repo, tmp_path, gh, local("2026-12-02 12:00"))  # no reminder for a task that is done
    assert [(p.post_id, p.status) for p in later.pairs] == [("glogi-live", R_REMINDED)]
    assert command(repo, gh, n, "/done https://mastodon.example/@cafe/109876").status == "done"
    assert sum(1 for ev in Ledger(repo).events() if ev.event == "published" and ev.post_id == "poll") == 1


def test_skip_records_it_skipped_and_closes_the_issue(repo, tmp_path, gh):
    publish(repo, tmp_path, gh, local("2026-12-01 09:05"))
    n = task_issues(gh)[task_key("glogi-live", "cafe-insta")]["number"]
    assert command(repo, gh, n, "/dismiss").status == "usage" and "/done ADDRESS" in comments(gh, n)[-1]
    result = command(repo, gh, n, "/skip the oven broke")
    assert result.status == "done"
    st = Ledger(repo).state()[("glogi-live", "cafe-insta")]
    assert st.status == SKIPPED and st.reason == "skipped by maija: the oven broke"
    assert gh.issues[n]["state"] == "closed"
    later = publish(repo, tmp_path, gh, local("2026-12-02 12:00"))  # skipped: no reminder, nothing more
    assert [(p.post_id, p.status) for p in later.pairs] == [("poll", R_REMINDED)]
