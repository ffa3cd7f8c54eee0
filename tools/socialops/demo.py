"""`socialops demo`: the whole loop on the sandbox network, in a scratch copy of the repository.

The copy is a fresh git repository, so publishing commits its ledger there and nothing in the real
repository changes. The demo validates, shows the plan, then lets simulated time run for a few days,
publishing every few hours as the scheduled workflow would, and lists the issues that reached the
local outbox (missed or failed posts, gaps in the plan). Simulated time starts where the example posts are
planned (they have fixed dates), and the scratch copy is removed at the end unless asked to keep it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from socialops.community.commands import run_moderate
from socialops.community.fetch import run_comments
from socialops.community.settings import profile_rules
from socialops.core.words import plural
from socialops.metrics.fetch import fetch_metrics, format_result
from socialops.metrics.report import build_report
from socialops.networks.contract import open_network
from socialops.plan.issue import sync_plan_issue
from socialops.plan.tune import open_tune_pull_request, tune
from socialops.plan.view import build_plan, check_findings, format_plan_text
from socialops.profiles.sync import format_outcomes, run_profiles, select_profiles
from socialops.publish.demo import example_start, publish_demo
from socialops.publish.results import format_table
from socialops.repository.config import load_config
from socialops.repository.git import git
from socialops.repository.index import load_index
from socialops.repository.profiles import load_profile
from socialops.repository.schedule import load_schedule
from socialops.site.build import build_site
from socialops.state.comments import seen_comments
from socialops.tracker import tracker_from_env
from socialops.validate.engine import validate_repository

COPIED = ("content", "profiles", "snippets", "schedule.yaml", "replies", "state", "metrics", "reports", "schemas",
          ".gitattributes")
RUN_EVERY = dt.timedelta(hours=3)
SHOWN_ISSUES = 3  # titles shown of each kind of issue


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
    followers = report.markdown.split("\n## Engagement", 1)[0]  # the rest: engagement, hours, top posts, audience
    echo(followers.rstrip() + f"\n\n(… the rest of {report.path.name}: engagement by type and pillar, the best hours, "
         "top posts, the audience and suggested cadence slots)\n")
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
    per_issue = Counter(s.issue_number for s in records if s.issue_number)
    # an issue of one comment: a command there needs no comment number (`/reply 2 ...` picks one of several)
    question = next((s for s in records if s.category == "question" and s.issue_number
                     and per_issue[s.issue_number] == 1), None)
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
    """Profile basics: sync writes what differs from the live accounts, and diff again finds nothing left.
    Only what was written or differs is shown (a basic that is the same says nothing)."""
    echo("== 1b. profiles: the basics in profiles/ against the (sandbox) accounts, then sync")
    chosen, broken = select_profiles(scratch, [])
    ok = [p for p in chosen if p.id not in broken]

    def opener(profile):
        return open_network(profile, env=env, root=scratch)

    for mode in ("sync", "diff"):
        text = format_outcomes(run_profiles(scratch, ok, mode=mode, open_network=opener), mode=mode)
        echo("\n".join(line for line in text.splitlines() if not line.startswith("  = ")))
    echo("")


def issues_step(scratch: Path, *, echo: Callable[[str], None]) -> None:
    """Step 4: the issues in the local outbox, by kind: how many, and a few titles of each."""
    echo("== 4. issues for people (the local outbox; on GitHub these are issues)")
    outbox = scratch / ".socialops" / "outbox" / "issues"
    issues = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(outbox.glob("*.json"))] \
        if outbox.is_dir() else []
    kinds: dict[str, list[dict]] = {}
    for data in issues:
        labels = [label for label in data.get("labels", []) if label != "socialops"]
        kinds.setdefault(labels[0] if labels else "other", []).append(data)
    for kind, found in sorted(kinds.items(), key=lambda item: -len(item[1])):
        opened = sum(1 for d in found if d.get("state", "open") == "open")
        echo(f"{kind}: {plural(len(found), 'issue')} ({opened} open)")
        for data in found[:SHOWN_ISSUES]:
            echo(f"  - [{data.get('state', 'open')}] {data.get('title')}")
        if len(found) > SHOWN_ISSUES:
            echo(f"  - … and {len(found) - SHOWN_ISSUES} more")
    if not issues:
        echo("(none)")
    echo("")


def run_demo(root: Path, *, now: dt.datetime | None, days: int, echo: Callable[[str], None],
             into: Path | None = None, keep: bool = False, site: Path | None = None) -> Path:
    """Run the loop and print each step with `echo`. Simulated time starts at `now`, or when None an hour
    before the example's first timed post. The scratch repository is removed at the end unless `keep` or
    `into` (a folder the caller chose) is given; the dashboard of the simulated month is built into `site`
    (when given), which stays. Returns the scratch repository."""
    scratch = scratch_copy(root, into)
    kept = keep or into is not None
    start = now or example_start(scratch) or dt.datetime.now(dt.UTC)
    try:
        report = _loop(scratch, now=start, days=days, echo=echo)
        if site is not None:
            echo("== 6. the dashboard: the month's calendar, each post as it looks on each network, the charts")
            built = build_site(scratch, site, now=start + dt.timedelta(days=days), brand=root.resolve().name)
            echo(f"{built.pages} pages for {plural(built.posts, 'post')}; open {(site / 'index.html').resolve().as_uri()}"
                 "\n")
    finally:
        if not kept:
            shutil.rmtree(scratch, ignore_errors=True)
    echo("== Where to look")
    if kept:
        echo(f"- {scratch}/state/publications.csv: what was published where, and when (the ledger)\n"
             f"- {scratch}/.socialops/outbox/issues/: the issues (on GitHub, the repository's issues)\n"
             f"- {scratch / report}: the month's report, with its charts beside it\n"
             f"- {scratch}/.socialops/outbox/pull-requests/: the plan pull request (on GitHub, a pull request)\n"
             f"- {scratch}/.socialops/sandbox.sqlite: what the sandbox network received\n"
             f"Remove the folder when done: rm -r {scratch}")
    else:
        echo("The scratch copy is removed. Keep it to look at the ledger, the issues and the report's charts:\n"
             "  socialops demo --keep\n"
             "Make this template your brand's: socialops init --help (README: Using it as a template).")
    return scratch


def _loop(scratch: Path, *, now: dt.datetime, days: int, echo: Callable[[str], None]) -> Path:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["SOCIALOPS_SANDBOX"] = str(scratch / ".socialops" / "sandbox.sqlite")
    tz = load_schedule(scratch).tz
    echo(f"socialops demo in {scratch} (a scratch copy; your repository is not changed)")
    echo(f"Simulated time: {plural(days, 'day')} from {now.astimezone(tz):%a %Y-%m-%d %H:%M} ({tz.key}), "
         "where the example posts are planned\n")

    echo("== 1. validate: posts, profiles and the plan")
    report = validate_repository(scratch)
    echo(f"checked {plural(report.checked, 'file')}: {plural(report.errors, 'error')}, "
         f"{plural(report.warnings, 'warning')}\n")

    profiles_step(scratch, env=env, echo=echo)
    config = load_config(scratch)

    echo(f"== 2. the plan, as of {now.astimezone(tz):%Y-%m-%d %H:%M %Z}")
    plan = build_plan(load_index(scratch, tz), config.profiles, config.schedule, now=now, weeks=2)
    echo(format_plan_text(plan))
    if check_findings(plan):
        sync_plan_issue(tracker_from_env(scratch, env), plan)

    echo(f"== 3. publish: every {RUN_EVERY.seconds // 3600} hours for {plural(days, 'day')}, as the scheduled "
         "workflow would (only the runs that published something are shown)")
    moment = now
    end = now + dt.timedelta(days=days)
    while moment <= end:
        result, _ = publish_demo(scratch, now=moment, env=env)
        if result.pairs:
            echo(f"-- run at {moment.astimezone(tz):%a %Y-%m-%d %H:%M}")
            echo(format_table(result, tz))
        moment += RUN_EVERY

    comments_step(scratch, now=now, end=end, env=env, echo=echo)
    issues_step(scratch, echo=echo)
    report = metrics_and_report(scratch, now=now, end=end, env=env, echo=echo)
    tune_step(scratch, now=end, month=report.stem, env=env, echo=echo)
    return report.relative_to(scratch)


def tune_step(scratch: Path, *, now: dt.datetime, month: str, env: dict[str, str], echo: Callable[[str], None]) -> None:
    """Step 5b: the monthly plan pull request (`socialops tune --pull-request`), here into the outbox."""
    echo("== 5b. the plan pull request: the metrics' advice for schedule.yaml, for people to review and merge")
    tuning = tune(scratch, now=now, month=month)
    proposal = open_tune_pull_request(tracker_from_env(scratch, env), tuning)
    where = f"in the outbox: {Path(proposal.where).relative_to(scratch)}" if proposal else "none: no change needed"
    echo(f"-- {tuning.title} ({where})\n\n{tuning.body}")
