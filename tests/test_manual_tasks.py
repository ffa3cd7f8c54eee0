"""Manual tasks end to end against the GitHub stand-in: what no API can do (an Instagram live, a post marked
`manual: true`) becomes one issue for the profile's editors at its time, is reminded once, and `/done URL` or
`/skip` in the issue settles it in the ledger, where the plan and the metrics see it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from socialops.cli import main
from socialops.community.commands import run_moderate
from socialops.metrics.report import build_report
from socialops.networks import NETWORKS
from socialops.networks.post_urls import check_post_address
from socialops.networks.sandbox.store import sandbox_posts
from socialops.plan.published import published_from_ledger
from socialops.publish.request import checked_post
from socialops.publish.results import R_PUBLISHED, R_REMINDED, R_TASK, R_WOULD_TASK
from socialops.publish.run import run_publish
from socialops.publish.tasks import TASK_LABEL, task_key
from socialops.repository.config import load_config
from socialops.repository.manual import manual_reason
from socialops.repository.posts import load_post
from socialops.repository.schedule import parse_schedule
from socialops.site.build import build_site
from socialops.state.publications import HANDED, PENDING, PUBLISHED, SKIPPED, Event, Ledger, fold
from socialops.tracker.github import GitHubTracker, make_github, make_retry
from socialops.tracker.outbox import OutboxTracker
from socialops.validate.posts import post_problems
from socialops.validate.schedule import schedule_problems
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
    ics = CliRunner(env={"GITHUB_TOKEN": ""}).invoke(main, ["--repo", str(repo), "calendar", "--now",
                                                            "2026-12-02 12:00", "--out", str(tmp_path / "c.ics")])
    feed = (tmp_path / "c.ics").read_text(encoding="utf-8")
    assert ics.exit_code == 0 and "Published: Post plain" in feed and "Published: Post poll" not in feed
    build_site(repo, tmp_path / "site", now=local("2026-12-02 12:00"), brand="Cafe")
    month = (tmp_path / "site/calendar/2026-12.html").read_text(encoding="utf-8")
    assert month.count('<li class="by-hand">') == 2 and "09:00 waiting for a person" in month
    assert "2 waiting for a person" in (tmp_path / "site/index.html").read_text(encoding="utf-8")


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
    assert (st.status, st.url, st.remote_id) == (PUBLISHED, "https://mastodon.example/@cafe/109876", "")
    assert gh.issues[n]["state"] == "closed" and "Recorded as published by hand" in comments(gh, n)[-1]
    times, urls = published_from_ledger(repo)  # the plan and the dashboard read these
    assert urls[("poll", "cafe-masto")] == st.url and ("poll", "cafe-masto") in times
    report = build_report(repo, 2026, 12).markdown  # the monthly report counts it (plain + poll)
    assert "2 publications on 1 profile" in report
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


def test_a_run_that_died_after_opening_the_issue_finds_it_again(repo, tmp_path, gh):
    """The issue was opened but `handed` never recorded (the run died between): no second issue."""
    tracker(gh).open_issue(task_key("poll", "cafe-masto"), "To do by hand", "opened by a run that died", [])
    result = publish(repo, tmp_path, gh, local("2026-12-01 09:05"))
    assert {p.post_id: p.status for p in result.pairs}["poll"] == R_TASK
    assert len(gh.issues_with_marker(f"socialops:key={task_key('poll', 'cafe-masto')} ")) == 1
    assert Ledger(repo).state()[("poll", "cafe-masto")].task["number"] == 1


@pytest.mark.parametrize(("profile", "url", "remote_id"), [
    ("real-masto", "https://mastodon.example/@cafe/109876", "109876"),  # the id the API knows it by
    ("cafe-masto", "https://mastodon.example/@cafe/109876", ""),  # a sandbox imitating Mastodon has no such post
    ("cafe-insta", "https://www.instagram.com/p/C0abc123/", ""),  # a shortcode: not the API's media id
    ("cafe-insta", "https://www.instagram.com/cafe.aurinko/live/", ""),
    ("cafe-bsky", "https://bsky.app/profile/cafe.example/post/3kabc2xyz", ""),
    ("cafe-threads", "https://www.threads.net/@cafe.aurinko/post/C1xYz", ""),
    ("cafe-li", "https://www.linkedin.com/feed/update/urn:li:activity:7000000000000000001/", ""),
])
def test_the_address_of_a_post_of_the_profile_is_taken(tmp_path, profile, url, remote_id):
    root = make_repo(tmp_path / "r", profiles=())
    write_profile(root, "cafe-masto", imitates="mastodon", account="@cafe@mastodon.example")
    write_profile(root, "cafe-insta", imitates="instagram", account="@cafe.aurinko")
    write_profile(root, "cafe-bsky", imitates="bluesky", account="cafe.example")
    write_profile(root, "cafe-threads", imitates="threads", account="cafe.aurinko")
    write_profile(root, "cafe-li", imitates="linkedin", account="cafe-oy")
    (root / "profiles/real-masto.yaml").write_text("id: real-masto\nnetwork: mastodon\ninstance: "
                                                   "https://mastodon.example\naccount: '@cafe'\ntoken_env: MASTO\n")
    p = load_config(root).profiles[profile]
    assert check_post_address(p, url) == (found := check_post_address(p, url)) and found.ok
    assert found.remote_id == remote_id
    other = {"cafe-masto": "https://mastodon.example/@someone/1", "real-masto": "https://other.example/@cafe/1", "cafe-insta": "https://www.facebook.com/x/posts/1",
             "cafe-bsky": "https://bsky.app/profile/other.example/post/3kabc", "cafe-li": "https://example.com/x",
             "cafe-threads": "https://www.threads.net/@other/post/C1"}[profile]
    assert not check_post_address(p, other).ok
    assert "not a web address" in check_post_address(p, "javascript:alert(1)").problem


def test_validate_wants_a_time_for_a_live_done_by_hand_and_takes_manual_anywhere(tmp_path):
    root = make_repo(tmp_path / "r", profiles=())
    write_profile(root, "cafe-insta", imitates="instagram", account="@cafe.aurinko")
    write_profile(root, "cafe-masto", imitates="mastodon", account="@cafe@mastodon.example")
    image(root / "content/media/live.jpg")
    live = write_post(root, "live", profiles=["cafe-insta"], at=None, type="live", live={"starts_at": "2026-12-01 18:00"},
                      media=["content/media/live.jpg"])
    manual = write_post(root, "by-hand", profiles=["cafe-masto"], manual=True, stickers=["poll: glögi or cocoa?"])
    config = load_config(root)
    [problem] = [p for p in post_problems(load_post(root, live), config) if p.code == "task-untimed"]
    assert (problem.severity, problem.path) == ("error", live)
    assert (root / live).read_text().splitlines()[problem.line - 1] == "type: live"  # the line to fix
    assert "needs 'publish_at" in problem.message and "cafe-insta" in problem.message
    assert checked_post(root, manual, config)[1] == []  # manual: true on a network that does everything


def test_a_story_with_stickers_and_a_network_without_an_adapter_go_to_a_person(tmp_path, monkeypatch):
    monkeypatch.setitem(NETWORKS, "riverchat", dataclasses.replace(NETWORKS["mastodon"], name="riverchat",
                                                                   label="Riverchat", adapter="riverchat:Nothing"))
    root = make_repo(tmp_path / "r", profiles=())
    write_profile(root, "cafe-insta", imitates="instagram", account="@cafe.aurinko")
    (root / "profiles/cafe-river.yaml").write_text("id: cafe-river\nnetwork: riverchat\naccount: cafe\n"
                                                   "owners: ['@acme/social', '@liisa']\n")
    image(root / "content/media/story.jpg", size=(1080, 1920))
    story = write_post(root, "story", profiles=["cafe-insta"], type="story", media=["content/media/story.jpg"],
                       stickers=["poll: glögi or cocoa?"])
    plain_story = write_post(root, "plain-story", profiles=["cafe-insta"], type="story",
                             media=["content/media/story.jpg"])
    write_post(root, "river", profiles=["cafe-river"], body="Hello river\n")
    git_init(root)
    config = load_config(root)
    assert manual_reason(load_post(root, story), config.profiles["cafe-insta"]) == \
        "no network's API adds stickers to a story"
    assert manual_reason(load_post(root, plain_story), config.profiles["cafe-insta"]) == ""

    result = run_publish(root, now=local("2026-12-01 09:05"), env={"SOCIALOPS_SANDBOX": str(tmp_path / "s.sqlite")},
                         sleep=lambda s: None)
    statuses = {p.post_id: p.status for p in result.pairs}
    assert statuses == {"story": R_TASK, "plain-story": R_PUBLISHED, "river": R_TASK}
    river = OutboxTracker(root).find_issue(task_key("river", "cafe-river"))
    assert river.assignees == ["liisa"] and "socialops cannot publish to Riverchat in this version" in river.body
    sticker_issue = OutboxTracker(root).find_issue(task_key("story", "cafe-insta"))
    assert "- poll: glögi or cocoa?" in sticker_issue.body and "`content/media/story.jpg`" in sticker_issue.body


def test_the_reminder_comes_after_the_plans_task_reminder(tmp_path, gh):
    root = make_repo(tmp_path / "repo", profiles=(), schedule={"task_reminder": "2h"})
    write_profile(root, "cafe-masto", imitates="mastodon", account="@cafe@mastodon.example",
                  roles={"editors": ["@maija"]})
    write_post(root, "poll", profiles=["cafe-masto"], at="2026-12-01 09:00", manual=True)
    git_init(root)
    assert [p.status for p in publish(root, tmp_path, gh, local("2026-12-01 09:05")).pairs] == [R_TASK]
    assert publish(root, tmp_path, gh, local("2026-12-01 10:00")).pairs == []
    assert [p.status for p in publish(root, tmp_path, gh, local("2026-12-01 11:10")).pairs] == [R_REMINDED]
    assert parse_schedule("task_reminder: 90m\n").task_reminder == dt.timedelta(minutes=90)
    assert parse_schedule("timezone: UTC\n").task_reminder == dt.timedelta(hours=24)
    (root / "schedule.yaml").write_text("timezone: Europe/Helsinki\ntask_reminder: soon\n")
    [problem] = schedule_problems(load_config(root))
    assert (problem.code, problem.line) == ("schedule-invalid", 2) and "'soon' is not a duration" in problem.message


def test_done_typed_on_the_command_line_settles_a_task_in_the_local_outbox(tmp_path):
    """Without GitHub (a laptop, the demo): the issue is in the local outbox and /done is typed with moderate."""
    root = make_repo(tmp_path / "repo", profiles=())
    write_profile(root, "cafe-masto", imitates="mastodon", account="@cafe@mastodon.example",
                  roles={"editors": ["@maija"]})
    write_post(root, "poll", profiles=["cafe-masto"], at="2026-12-01 09:00", manual=True)
    git_init(root)
    run_publish(root, now=local("2026-12-01 09:05"), env={"SOCIALOPS_SANDBOX": str(tmp_path / "s.sqlite")},
                sleep=lambda s: None)
    issue = OutboxTracker(root).find_issue(task_key("poll", "cafe-masto"))
    assert issue.assignees == ["maija"] and issue.state == "open"
    runner = CliRunner(env={"GITHUB_TOKEN": ""})
    args = ["--repo", str(root), "moderate", "--issue", str(issue.number), "--as", "maija", "--no-push", "--now",
            "2026-12-01 12:00", "--command"]
    bad = runner.invoke(main, [*args, "/done https://mastodon.example/@someone/1"])
    assert bad.exit_code == 0 and "usage" in bad.output
    good = runner.invoke(main, [*args, "/done https://mastodon.example/@cafe/42"])
    assert good.exit_code == 0 and "done" in good.output
    assert Ledger(root).state()[("poll", "cafe-masto")].url == "https://mastodon.example/@cafe/42"
    closed = OutboxTracker(root).find_issue(task_key("poll", "cafe-masto"))
    assert closed.state == "closed" and "not the address of a Mastodon post" in closed.comments[0]


def test_the_ledger_folds_task_events_idempotently_in_any_union():
    def ev(minute: int, kind: str, **kw) -> Event:
        return Event(time=dt.datetime(2026, 12, 1, 9, minute, tzinfo=dt.UTC), post_id="p", profile="a", event=kind,
                     **kw)

    handed = ev(1, "handed", data={"issue": "manual--p--a", "number": 7, "for": "2026-12-01T09:00:00.000000Z"})
    events = [handed, ev(2, "reminded"), ev(3, "reminded"), handed]
    st = fold(events)[("p", "a")]
    assert (st.status, st.task["number"], st.task["reminded"]) == (HANDED, 7, "2026-12-01T09:02:00.000000Z")
    assert fold(list(reversed(events)))[("p", "a")].task == st.task  # the order of a union changes nothing
    done = fold([*events, ev(4, "published", url="https://x.example/1", detail="by hand"), ev(5, "skipped")])
    assert (done[("p", "a")].status, done[("p", "a")].url) == (PUBLISHED, "https://x.example/1")  # stays published
    skipped = fold([*events, ev(4, "skipped", detail="skipped by maija")])[("p", "a")]
    assert (skipped.status, skipped.reason) == (SKIPPED, "skipped by maija")
    again = fold([*events, ev(4, "skipped"), ev(5, "retry")])[("p", "a")]
    assert (again.status, again.task) == (PENDING, {})  # a person's retry hands it over again
