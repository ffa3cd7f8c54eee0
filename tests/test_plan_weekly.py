"""The weekly digest: last week's posts with their figures, next week's posts, the empty slots, the open
customer-service issues with their age; in the "Content plan" issue while it is open, else in an issue of its
own, "Weekly digest YYYY-Www"; either issue edited in place, never a second one."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from socialops.cli import main
from socialops.metrics.tables import POSTS, render_rows
from socialops.plan.issue import PLAN_ISSUE_KEY, WEEKLY_ISSUE_KEY
from socialops.plan.published import load_plan_config, published_from_ledger, weeks_to_cover_horizon
from socialops.plan.view import build_plan
from socialops.plan.weekly import weekly_section
from socialops.repository.index import load_index
from socialops.state.publications import Event, Ledger
from socialops.tracker.github import GitHubTracker, make_github, make_retry
from socialops.tracker.outbox import OutboxTracker
from tests.github_standin import GitHubStandin
from tests.helpers import make_repo, write

HKI = ZoneInfo("Europe/Helsinki")
SCHEDULE = """\
timezone: Europe/Helsinki
late_window: 1h
horizon_days: 7
cadence:
  cafe-masto:
    - {days: [mon, wed, fri], times: ["09:00"]}
"""
NOW_TEXT = "2026-11-29 12:00"  # a Sunday; the next 7 days hold the slots Mon 30.11., Wed 2.12. and Fri 4.12.
NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=HKI)
PUBLISHED = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)  # Wed 25.11. 09:00 in Helsinki
TOKEN = "ghs_weekly_digest_token"


def timed(pid: str, at: str, title: str) -> str:
    return f"---\nid: {pid}\ntitle: '{title}'\nprofiles: [cafe-masto]\npublish_at: {at}\n---\nHei {pid}\n"


def cafe(tmp_path):
    """Soup went out last Wednesday (with figures in metrics/posts.csv), a fair is timed for this Wednesday."""
    root = make_repo(tmp_path / "repo", {
        "content/2026/11/soup.md": timed("soup", "2026-11-25 09:00", "Soup of the week"),
        "content/2026/12/fair.md": timed("fair", "2026-12-02 09:00", "Christmas fair <b>@everyone</b>"),
        "content/2026/10/old.md": timed("old", "2026-10-07 09:00", "An old post"),
    }, schedule=SCHEDULE)
    Ledger(root).append([
        Event(time=PUBLISHED, post_id="soup", profile="cafe-masto", event="published", key="k-soup",
              remote_id="111", url="https://example.social/@cafe/111", detail="posted"),
        Event(time=dt.datetime(2026, 10, 7, 6, 0, tzinfo=dt.UTC), post_id="old", profile="cafe-masto",
              event="published", key="k-old", remote_id="99", url="https://example.social/@cafe/99", detail="posted"),
    ])
    write(root / "metrics" / "posts.csv", render_rows(POSTS, [{
        "profile": "cafe-masto", "post_id": "soup", "network": "mastodon", "published_at": "2026-11-25T07:00:00Z",
        "url": "https://example.social/@cafe/111", "likes": "12", "comments": "3", "shares": "4",
        "engagement": "19", "engagement_rate": "0.0475", "rate_base": "400"}]))
    return root


def customer_service_issue(root, opened: dt.datetime, title: str = "Question on cafe-masto: <img src=x> @maija"):
    OutboxTracker(root, clock=lambda: opened).open_issue(
        "comment:cafe-masto:abc", title, "A customer asks.", ["question", "customer-service", "profile:cafe-masto"])


def section(root, now=NOW):
    config = load_plan_config(root)
    posts = load_index(root, config.tz)
    published, _ = published_from_ledger(root)
    report = build_plan(posts, config.profiles, config.schedule, now=now, published=published,
                        weeks=weeks_to_cover_horizon(now, config))
    return weekly_section(root, now=now, tz=config.tz, plan=report, tracker=OutboxTracker(root),
                          titles={p.id: p.title for p in posts})


def run_check(root):
    return CliRunner(env={"GITHUB_TOKEN": ""}).invoke(main, ["--repo", str(root), "plan", "--now", NOW_TEXT,
                                                             "--check"], catch_exceptions=False)


def test_last_week_posts_show_with_their_figures_and_address(tmp_path):
    text = section(cafe(tmp_path))
    assert "**Went out in the last 7 days** (1):" in text
    assert ("| Wed 2026-11-25 09:00 | `cafe-masto` | Soup of the week | 12 | 3 | 4 | 4.8 % | "
            "[open](https://example.social/@cafe/111) |") in text
    assert "An old post" not in text  # published in October: not last week


def test_a_post_without_figures_yet_shows_dashes(tmp_path):
    root = cafe(tmp_path)
    (root / "metrics" / "posts.csv").unlink()
    assert "| Soup of the week | – | – | – | – | [open](https://example.social/@cafe/111) |" in section(root)


def test_next_week_posts_and_empty_slots(tmp_path):
    text = section(cafe(tmp_path))
    assert "**Goes out in the next 7 days** (1):" in text
    assert "- Wed 2026-12-02 09:00 `cafe-masto`: Christmas fair" in text
    assert "<b>" not in text and "@everyone" not in text  # the title is escaped
    assert "**Empty slots in the next 7 days** (2):" in text
    assert "- `cafe-masto`: Mon 2026-11-30 09:00\n- `cafe-masto`: Fri 2026-12-04 09:00" in text


def test_open_customer_service_issues_with_their_age(tmp_path):
    root = cafe(tmp_path)
    customer_service_issue(root, NOW - dt.timedelta(days=3, hours=2))
    OutboxTracker(root).open_issue("comment:cafe-masto:def", "Spam on cafe-masto", "x", ["spam", "moderation"])
    answered = "comment:cafe-masto:ghi"
    OutboxTracker(root).open_issue(answered, "Complaint on cafe-masto: done", "x", ["customer-service"])
    OutboxTracker(root).close(answered)
    text = section(root)
    assert "**Open customer-service issues** (1):" in text
    assert "- #1 Question on cafe\\-masto: &lt;img src=x&gt; @\u200dmaija (3 days old)" in text
    assert "Spam" not in text and "done" not in text


def test_a_quiet_week_adds_nothing(tmp_path):
    root = make_repo(tmp_path / "repo", {}, schedule=SCHEDULE)
    assert section(root) == ""


def test_check_puts_the_week_into_the_plan_issue_and_edits_it_in_place(tmp_path):
    root = cafe(tmp_path)
    customer_service_issue(root, NOW - dt.timedelta(days=3))
    assert "the 'Content plan' issue: opened" in run_check(root).stderr
    body = OutboxTracker(root).find_issue(PLAN_ISSUE_KEY).body
    assert "**2 empty slots.**" in body and "## Weekly digest (2026-11-22 to 2026-12-06)" in body
    assert "Soup of the week | 12 | 3 | 4 | 4.8 %" in body and "(3 days old)" in body
    # a post for Monday: the same issue is edited, no second one is opened
    write(root / "content" / "2026" / "11" / "monday.md", timed("monday", "2026-11-30 09:00", "Monday lunch"))
    assert "the 'Content plan' issue: updated" in run_check(root).stderr
    issues = [json.loads(p.read_text()) for p in (root / ".socialops" / "outbox" / "issues").glob("*.json")]
    plan_issues = [i for i in issues if i["key"] == PLAN_ISSUE_KEY]
    assert len(plan_issues) == 1 and plan_issues[0]["comments"] == []
    assert "**Goes out in the next 7 days** (2):" in plan_issues[0]["body"]
    assert "- Mon 2026-11-30 09:00 `cafe-masto`: Monday lunch" in plan_issues[0]["body"]
    assert "**Empty slots in the next 7 days** (1):" in plan_issues[0]["body"]


def fill(root):
    """Posts for the two empty slots of the week: the plan is full."""
    write(root / "content" / "2026" / "11" / "monday.md", timed("monday", "2026-11-30 09:00", "Monday lunch"))
    write(root / "content" / "2026" / "12" / "friday.md", timed("friday", "2026-12-04 09:00", "Friday cake"))


def outbox_issues(root) -> list[dict]:
    return [json.loads(p.read_text()) for p in (root / ".socialops" / "outbox" / "issues").glob("*.json")]


def test_when_the_plan_is_full_the_week_goes_into_its_own_issue(tmp_path):
    root = cafe(tmp_path)
    assert "opened" in run_check(root).stderr
    fill(root)
    result = run_check(root)
    assert result.exit_code == 0 and "the 'Content plan' issue: closed" in result.stderr
    assert "the 'Weekly digest 2026-W48' issue: opened" in result.stderr
    issue = OutboxTracker(root).find_issue(PLAN_ISSUE_KEY)
    assert issue.state == "closed" and len(issue.comments) == 1
    assert "The plan is full again" in issue.comments[0] and "its own issue" in issue.comments[0]
    digest = OutboxTracker(root).find_issue(f"{WEEKLY_ISSUE_KEY}-2026-W48")
    assert digest.state == "open" and digest.title == "Weekly digest 2026-W48"
    assert "weekly-digest" in digest.labels
    assert "Soup of the week | 12" in digest.body and "**Goes out in the next 7 days** (3):" in digest.body
    assert "Empty slots" not in digest.body


def test_the_weekly_digest_issue_is_updated_in_its_week_and_a_new_one_opens_the_next(tmp_path):
    root = cafe(tmp_path)
    fill(root)
    customer_service_issue(root, NOW - dt.timedelta(days=3))
    first = run_check(root)
    assert "the 'Weekly digest 2026-W48' issue: opened" in first.stderr and "'Content plan'" not in first.stderr
    assert "(3 days old)" in OutboxTracker(root).find_issue(f"{WEEKLY_ISSUE_KEY}-2026-W48").body
    assert "the 'Weekly digest 2026-W48' issue: unchanged" in run_check(root).stderr
    # later that Sunday a post is added for Wednesday evening: the same issue is edited
    write(root / "content" / "2026" / "12" / "wed.md", timed("wed", "2026-12-02 18:00", "Mulled wine evening"))
    assert "the 'Weekly digest 2026-W48' issue: updated" in run_check(root).stderr
    digests = [i for i in outbox_issues(root) if "weekly-digest" in i["labels"]]
    assert len(digests) == 1 and digests[0]["comments"] == []
    assert "Mulled wine evening" in digests[0]["body"] and "**Goes out in the next 7 days** (4):" in digests[0]["body"]
    # the next Tuesday: a new issue for week 49, last week's closed with a pointer to it
    write(root / "content" / "2026" / "12" / "monday.md", timed("monday7", "2026-12-07 09:00", "Monday soup"))
    later = CliRunner(env={"GITHUB_TOKEN": ""}).invoke(main, ["--repo", str(root), "plan", "--now",
                                                              "2026-12-01 12:00", "--check"])
    assert "the 'Weekly digest 2026-W49' issue: opened" in later.stderr
    old = OutboxTracker(root).find_issue(f"{WEEKLY_ISSUE_KEY}-2026-W48")
    assert old.state == "closed" and old.comments == ["This week's digest: Weekly digest 2026-W49."]
    assert OutboxTracker(root).find_issue(f"{WEEKLY_ISSUE_KEY}-2026-W49").state == "open"


def test_the_weekly_digest_issue_closes_when_the_plan_issue_carries_the_week_again(tmp_path):
    root = cafe(tmp_path)
    fill(root)
    assert "issue: opened" in run_check(root).stderr
    (root / "content" / "2026" / "12" / "friday.md").unlink()  # a slot is empty again: the plan issue opens
    result = run_check(root)
    assert "the 'Content plan' issue: opened" in result.stderr
    assert "the 'Weekly digest 2026-W48' issue: closed" in result.stderr
    assert "## Weekly digest" in OutboxTracker(root).find_issue(PLAN_ISSUE_KEY).body
    # the plan full again that week: the digest issue is opened again; the next week the plan issue (with its
    # new empty slots) carries the week, and last week's digest issue is closed
    fill(root)
    assert "the 'Weekly digest 2026-W48' issue: reopened" in run_check(root).stderr
    later = CliRunner(env={"GITHUB_TOKEN": ""}).invoke(main, ["--repo", str(root), "plan", "--now",
                                                              "2026-12-01 12:00", "--check"])
    assert "the 'Content plan' issue: reopened" in later.stderr and "Weekly digest 2026-W49" not in later.stderr
    digests = [i for i in outbox_issues(root) if "weekly-digest" in i["labels"]]
    assert [i["state"] for i in digests] == ["closed"]
    assert digests[0]["comments"][-1] == 'The weekly digest is in the "Content plan" issue again.'


def test_the_weekly_digest_issue_end_to_end_on_github(tmp_path):
    """Against the GitHub stand-in: opened with its title and label, edited in place on the next run."""
    root = cafe(tmp_path)
    fill(root)
    with GitHubStandin(token=TOKEN) as gh:
        env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": gh.full_name, "GITHUB_API_URL": gh.base_url}
        runner = CliRunner(env=env)
        args = ["--repo", str(root), "plan", "--now", NOW_TEXT, "--check"]
        assert "the 'Weekly digest 2026-W48' issue: opened" in runner.invoke(main, args).stderr
        write(root / "content" / "2026" / "12" / "wed.md", timed("wed", "2026-12-02 18:00", "Mulled wine evening"))
        assert "the 'Weekly digest 2026-W48' issue: updated" in runner.invoke(main, args).stderr
        issues = [i for i in gh.issues.values() if i["title"].startswith("Weekly digest")]
        comments = [r for r in gh.requests("POST") if r.path.endswith("/comments")]
    assert len(issues) == 1 and issues[0]["title"] == "Weekly digest 2026-W48"
    assert {label["name"] for label in issues[0]["labels"]} >= {"weekly-digest", "socialops"}
    assert "Mulled wine evening" in issues[0]["body"] and "Soup of the week | 12 | 3 | 4" in issues[0]["body"]
    assert comments == [] and issues[0]["state"] == "open"


def test_github_lists_the_open_customer_service_issues_socialops_opened():
    with GitHubStandin(token=TOKEN) as gh:
        t = GitHubTracker(make_github(TOKEN, gh.base_url, retry=make_retry(backoff_factor=0, max_wait=5),
                                      seconds_between_requests=0, seconds_between_writes=0), gh.full_name,
                          secrets=[TOKEN])
        t.open_issue("comment:cafe-masto:abc", "Question on cafe-masto", "x", ["question", "customer-service"])
        t.open_issue("comment:cafe-masto:def", "Spam on cafe-masto", "x", ["spam", "moderation"])
        t.open_issue("comment:cafe-masto:ghi", "Complaint, answered", "x", ["customer-service"])
        t.close("comment:cafe-masto:ghi")
        gh.add_issue("Written by a person", labels=["customer-service"])  # not opened by socialops
        found = t.open_issues("customer-service")
    assert [i.title for i in found] == ["Question on cafe-masto"]
    assert found[0].opened_at is not None and found[0].opened_at.tzinfo is not None
    assert found[0].url.endswith("/issues/1")
