"""`socialops demo`: the whole loop on the sandbox network, in a scratch copy of the repository.

The copy is a fresh git repository, so publishing commits its ledger there and nothing in the real
repository changes. The demo validates, shows the plan, then lets simulated time run for a few days,
publishing every few hours as the scheduled workflow would, and lists the issues that reached the
local outbox (missed or failed posts, gaps in the plan).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from socialops.community.commands import run_moderate
from socialops.community.fetch import run_comments
from socialops.community.settings import profile_rules
from socialops.metrics.fetch import fetch_metrics, format_result
from socialops.metrics.report import build_report
from socialops.networks.contract import open_network
from socialops.plan.issue import sync_plan_issue
from socialops.plan.view import build_plan, check_findings, format_plan_text
from socialops.profiles.sync import format_outcomes, run_profiles, select_profiles
from socialops.publish.demo import publish_demo
from socialops.publish.results import format_table
from socialops.repository.config import load_config
from socialops.repository.git import git
from socialops.repository.index import load_index
from socialops.repository.profiles import load_profile
from socialops.repository.schedule import load_schedule
from socialops.state.comments import seen_comments
from socialops.tracker import tracker_from_env
from socialops.validate.engine import validate_repository

COPIED = ("content", "profiles", "schedule.yaml", "replies", "state", "metrics", "reports", "schemas",
          ".gitattributes")
RUN_EVERY = dt.timedelta(hours=3)


def scratch_copy(root: Path, into: Path | None = None) -> Path:
    """Copy the repository's content into a new git repository (the sandbox database lives inside it)."""
    target = into or Path(tempfile.mkdtemp(prefix="socialops-demo-"))
    for name in COPIED:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, target / name, symlinks=True)
        elif source.is_file():
            shutil.copy2(source, target / name)
    (target / ".gitignore").write_text(".socialops/\n", encoding="utf-8")
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "-c", "user.name=socialops demo", "-c", "user.email=demo@socialops.invalid",
        "commit", "-qm", "The example repository")
    return target


def metrics_and_report(scratch: Path, *, now: dt.datetime, end: dt.datetime, env: dict[str, str],
                       echo: Callable[[str], None]) -> Path:
    """Step 5: the metrics workflow once a simulated day (the sandbox's figures are simulated, deterministic
    over time), then the report of the month the demo ends in. Returns the report file."""
    echo("== 5. metrics and report: a metrics run each simulated day, then the month's report")
    days = max(0, (end - now).days)
    result = None
    for day in range(days + 1):
        result = fetch_metrics(scratch, now=now + dt.timedelta(days=day), env=env)
    if result is not None:
        echo(format_result(result))
    tz = load_schedule(scratch).tz
    months = sorted({(m.year, m.month) for m in (now.astimezone(tz), end.astimezone(tz))})
    reports = [build_report(scratch, year, month) for year, month in months]
    # Show the month with the most publications (the later one on a tie); every month's report is written.
    report = max(reports, key=lambda r: (r.markdown.count("](https://"), r.path.name))
    echo(f"-- {report.path.relative_to(scratch).as_posix()} (charts beside it: "
         f"{', '.join(p.name for p in report.images) or 'none'})\n")
    echo(report.markdown)
    return report.path


def comments_step(scratch: Path, *, now: dt.datetime, end: dt.datetime, env: dict[str, str],
                  echo: Callable[[str], None]) -> None:
    """Step 3b: the comments workflow once a simulated day (the sandbox's audience comments on what was
    published), then a moderator answering one question from its issue, and a refusal for a passer-by."""
    echo("== 3b. comments: fetched once a simulated day; questions, complaints, abuse and spam become issues")
    tracker = tracker_from_env(scratch, env)
    totals: dict[str, int] = {}
    opened = hidden = 0
    moment = now + dt.timedelta(hours=12)
    while moment <= end + dt.timedelta(hours=12):
        result = run_comments(scratch, now=moment, env=env, tracker=tracker, push=False)
        for cat, n in result.counts().items():
            totals[cat] = totals.get(cat, 0) + n
        opened += len(result.issues_opened)
        hidden += sum(1 for f in result.new if f.hidden == "hidden")
        moment += dt.timedelta(days=1)
    counts = ", ".join(f"{n} {cat}" for cat, n in sorted(totals.items())) or "none"
    echo(f"{sum(totals.values())} comments ({counts}); {opened} issues opened; {hidden} hidden at once by "
         "profile rules")
    records = sorted(seen_comments(scratch).values(), key=lambda s: (s.time, s.issue))
    question = next((s for s in records if s.category == "question" and s.issue_number), None)
    if question is None:
        return
    issue = tracker.issue_by_number(question.issue_number)  # the demo's tracker is the local outbox
    moderators = profile_rules(load_profile(scratch, f"profiles/{question.profile}.yaml").raw).moderators
    echo(f"-- issue #{question.issue_number}: {issue.title if issue else ''}")
    for login, command in (("passer-by", "/hide"), (moderators[0] if moderators else "maintainer", "/reply Kiitos kysymyksestä! Vastaus tulee tähän pian.")):
        event = {"comment": {"id": f"demo-{login}", "body": command, "user": {"login": login, "type": "User"}},
                 "issue": {"number": question.issue_number}}
        done = run_moderate(scratch, event, now=end, env=env, tracker=tracker, key=question.issue, push=False)
        echo(f"   @{login} writes `{command}`: {done.status} ({done.message})")
    echo("")


def profiles_step(scratch: Path, *, env: dict[str, str], echo: Callable[[str], None]) -> None:
    """Profile basics: what differs from the live accounts, sync, and diff again (nothing left to do)."""
    echo("== 1b. profiles: the basics in profiles/ against the (sandbox) accounts, then sync")
    chosen, broken = select_profiles(scratch, [])
    ok = [p for p in chosen if p.id not in broken]

    def opener(profile):
        return open_network(profile, env=env, root=scratch)

    echo(format_outcomes(run_profiles(scratch, ok, mode="sync", open_network=opener), mode="sync"))
    echo(format_outcomes(run_profiles(scratch, ok, mode="diff", open_network=opener), mode="diff"))


def run_demo(root: Path, *, now: dt.datetime, days: int, echo: Callable[[str], None],
             into: Path | None = None) -> Path:
    """Run the loop and print each step with `echo`. Returns the scratch repository."""
    scratch = scratch_copy(root, into)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["SOCIALOPS_SANDBOX"] = str(scratch / ".socialops" / "sandbox.sqlite")
    echo(f"socialops demo in {scratch} (a scratch copy; your repository is not changed)\n")

    echo("== 1. validate: posts, profiles and the plan")
    report = validate_repository(scratch)
    echo(f"checked {report.checked} files: {report.errors} errors, {report.warnings} warnings\n")

    profiles_step(scratch, env=env, echo=echo)
    config = load_config(scratch)
    tz = config.tz

    echo(f"== 2. the plan, as of {now.astimezone(tz):%Y-%m-%d %H:%M %Z}")
    plan = build_plan(load_index(scratch, tz), config.profiles, config.schedule, now=now, weeks=2)
    echo(format_plan_text(plan))
    if check_findings(plan):
        sync_plan_issue(tracker_from_env(scratch, env), plan)

    echo(f"== 3. publish: every {RUN_EVERY.seconds // 3600} hours for {days} days, as the scheduled workflow would")
    moment = now
    end = now + dt.timedelta(days=days)
    while moment <= end:
        result, _ = publish_demo(scratch, now=moment, env=env)
        if result.pairs:
            echo(f"-- run at {moment.astimezone(tz):%a %Y-%m-%d %H:%M}")
            echo(format_table(result, tz))
        moment += RUN_EVERY

    comments_step(scratch, now=now, end=end, env=env, echo=echo)
    echo("== 4. issues for people (the local outbox; on GitHub these are issues)")
    outbox = scratch / ".socialops" / "outbox" / "issues"
    issues = sorted(outbox.glob("*.json")) if outbox.is_dir() else []
    for path in issues:
        data = json.loads(path.read_text(encoding="utf-8"))
        labels = ", ".join(data.get("labels", []))
        echo(f"- [{data.get('state', 'open')}] {data.get('title')} ({labels})")
    if not issues:
        echo("(none)")
    metrics_and_report(scratch, now=now, end=end, env=env, echo=echo)
    echo(f"\nThe sandbox network's posts are in {env['SOCIALOPS_SANDBOX']}; the ledger in {scratch}/state/.")
    return scratch
