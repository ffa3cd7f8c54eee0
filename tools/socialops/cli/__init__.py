"""The `socialops` command line. Thin: parse options, call the library, print, map errors to exit codes.

Exit codes: 0 fine, 1 problems found or a run failed (any SocialOpsError), 2 usage or configuration error.
With `--format json` only JSON goes to stdout; messages and progress go to stderr.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from pathlib import Path
from typing import Any

import click

from socialops.errors import ConfigError, SocialOpsError, UsageError


def _fail(exc: SocialOpsError) -> None:
    click.echo(f"socialops: {exc}", err=True)
    sys.exit(2 if isinstance(exc, UsageError | ConfigError) else 1)


def handle_errors(func):
    """Turn the library's errors into a clean message and exit code; anything else is a bug."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SocialOpsError as exc:
            _fail(exc)

    return wrapper


def repo_root(ctx: click.Context) -> Path:
    from socialops.repository.git import find_root

    given = ctx.obj.get("repo")
    return _explicit_root(Path(given)) if given else find_root()


def _explicit_root(path: Path) -> Path:
    if not path.is_dir():
        raise UsageError(f"--repo {path}: no such folder")
    return path.resolve()


def parse_now(value: str | None, tz) -> dt.datetime:
    """--now: an ISO time (naive means the plan's timezone); default the real clock."""
    if not value:
        return dt.datetime.now(dt.UTC)
    from socialops.repository.posts import parse_when

    try:
        moment = parse_when(value, tz)
    except ValueError as exc:
        raise UsageError(f"--now: {exc}") from None
    return moment


def root_and_now(ctx: click.Context, now_text: str | None) -> tuple[Path, Any, dt.datetime]:
    """The repository, the plan's timezone, and --now read in it (the clock when not given)."""
    from socialops.plan.schedule import load_schedule

    root = repo_root(ctx)
    tz = load_schedule(root).tz
    return root, tz, parse_now(now_text, tz)


def check_profile_ids(root: Path, ids) -> None:
    """--profile names must be profile files (a typo must not silently select nothing)."""
    known = {p.stem for p in (root / "profiles").glob("*.y*ml")}
    unknown = [p for p in ids if p not in known]
    if unknown:
        raise UsageError(f"--profile: no profile file for {', '.join(unknown)} under profiles/")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--repo", type=click.Path(file_okay=False), help="The repository (default: found upwards from here).")
@click.version_option(package_name="socialops")
@click.pass_context
def main(ctx: click.Context, repo: str | None) -> None:
    """Social media maintenance as code: posts, profiles and the plan live in this repository."""
    ctx.ensure_object(dict)
    ctx.obj["repo"] = repo


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--changed-since", "changed_since", metavar="REF", help="Check only files changed since this git ref.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@click.option("--no-cache", is_flag=True, help="Check everything again, ignoring .socialops/cache.")
@click.pass_context
@handle_errors
def validate(ctx, paths, changed_since, fmt, strict, no_cache):
    """Check posts, profiles and schedule.yaml; every problem with file, line and what to do."""
    from socialops.core import problems as fmt_problems
    from socialops.repository.git import changed_since as changed
    from socialops.validate.cache import cached_report

    root = repo_root(ctx)
    selected: list[str] | None = None
    if paths:
        selected = [_relative(root, p) for p in paths]
        selected = _expand_folders(root, selected)
    if changed_since:
        names = changed(root, changed_since)
        if any(n == "schedule.yaml" or n.startswith("profiles/") for n in names):
            names = None  # the rules every post is checked against changed: check every post
        if names is not None:
            selected = [n for n in names if n in set(selected)] if selected is not None else names
    report = None if no_cache else cached_report(root, selected)  # nothing changed: no YAML is read at all
    if report is None:
        from socialops.validate.engine import validate_repository

        report = validate_repository(root, selected, use_cache=not no_cache)
    if fmt == "json":
        click.echo(fmt_problems.format_json(report.checked, report.problems))
    elif fmt == "github":
        if report.problems:
            click.echo(fmt_problems.format_github(report.problems))
        click.echo(_summary(report), err=True)
    else:
        if report.problems:
            click.echo(fmt_problems.format_text(report.problems))
        click.echo(_summary(report), err=True)
    failed = report.errors or (strict and report.warnings)
    sys.exit(1 if failed else 0)


def _finish_run(result, fmt: str) -> None:
    """End a run command: its result as JSON on stdout when asked for, exit code 1 when it failed."""
    if fmt == "json":
        import json

        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    sys.exit(1 if result.failed else 0)


def _summary(report) -> str:
    if not report.problems:
        return f"checked {report.checked} files: all good"
    return f"checked {report.checked} files: {report.errors} errors, {report.warnings} warnings"


def _relative(root: Path, given: str) -> str:
    path = Path(given)
    absolute = (path if path.is_absolute() else Path.cwd() / path).resolve()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        raise UsageError(f"{given} is not inside the repository {root}") from None


def _expand_folders(root: Path, paths: list[str]) -> list[str]:
    from socialops.repository.posts import find_posts

    posts = find_posts(root)
    out: list[str] = []
    for rel in paths:
        if (root / rel).is_dir():
            prefix = "" if rel in ("", ".") else rel.rstrip("/") + "/"
            out += [p for p in posts if p.startswith(prefix)]
        else:
            out.append(rel)
    return out


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--changed-since", "changed_since", metavar="REF", help="Preview only posts changed since this git ref.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
@click.option("--now", "now_text", metavar="T", help="As if the time were T (naive = the plan's timezone).")
@click.option("--head-sha", envvar="SOCIALOPS_HEAD_SHA", metavar="SHA",
              help="Link media to this commit on GitHub (the pull request's head; default $GITHUB_SHA).")
@click.pass_context
@handle_errors
def preview(ctx, paths, changed_since, fmt, now_text, head_sha):
    """What each profile will receive and when: text, length, media, time. Exit 1 if a post is invalid."""
    import os

    from socialops.content import preview as previews
    from socialops.repository.git import changed_since as changed

    root, tz, now = root_and_now(ctx, now_text)
    selected: list[str] | None = _expand_folders(root, [_relative(root, p) for p in paths]) if paths else None
    if changed_since:
        names = [n for n in changed(root, changed_since) if n.startswith("content/") and n.endswith(".md")]
        selected = [n for n in names if selected is None or n in selected]
    items = previews.build(root, selected, now=now)
    if fmt == "markdown":
        links = previews.Links(server=os.environ.get("GITHUB_SERVER_URL", "https://github.com"),
                               repository=os.environ.get("SOCIALOPS_HEAD_REPOSITORY") or os.environ.get(
                                   "GITHUB_REPOSITORY"),
                               sha=head_sha or os.environ.get("GITHUB_SHA"))
        click.echo(previews.format_markdown(items, now=now, tz=tz, links=links), nl=False)
    else:
        click.echo(previews.format_text(items, now=now, tz=tz), nl=False)
    sys.exit(1 if any(q.severity == "error" for p in items for q in p.problems) else 0)


@main.command()
@click.argument("title")
@click.option("--profile", "profiles", multiple=True, required=True, metavar="ID", help="Profile id (repeatable).")
@click.option("--type", "post_type", type=click.Choice(
    ["text", "image", "carousel", "video", "story", "reel", "live", "link"]), help="Post type (default: inferred).")
@click.option("--at", "when", metavar="WHEN", help="Publish time, 'YYYY-MM-DD HH:MM' in the plan's timezone.")
@click.option("--now", "now_text", hidden=True, help="Pretend the time is this (tests).")
@click.pass_context
@handle_errors
def new(ctx, title, profiles, post_type, when, now_text):
    """Write a new post file with a fresh, unique id."""
    from socialops.content.new import create_post

    root, tz, now = root_and_now(ctx, now_text)
    rel = create_post(root, title, list(profiles), post_type=post_type, when=when, now=now, tz=tz)
    click.echo(rel)


@main.command()
@click.option("--now", "now_text", metavar="T", help="Publish as if the time were T (naive = the plan's timezone).")
@click.option("--dry-run", is_flag=True, help="Show what is due; record, post and commit nothing.")
@click.option("--profile", "profiles", multiple=True, metavar="ID", help="Only this profile (repeatable).")
@click.option("--no-push", is_flag=True, help="Commit the ledger but do not fetch, rebase or push.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
@handle_errors
def publish(ctx, now_text, dry_run, profiles, no_push, fmt):
    """Publish the due posts exactly once, recording each outcome in state/publications.csv."""

    from socialops.publish.run import format_table, run_publish

    root, tz, now = root_and_now(ctx, now_text)
    check_profile_ids(root, profiles)
    result = run_publish(root, now=now, dry_run=dry_run, profiles=list(profiles) or None, push=not no_push)
    click.echo(format_table(result, tz), err=True, nl=False)
    for warning in result.warnings:
        click.echo(f"socialops: warning: {warning}", err=True)
    _finish_run(result, fmt)


# --- metrics and report (issue 7) ------------------------------------------------------------------------


@main.command()
@click.option("--now", "now_text", metavar="T", help="As if the time were T (naive = the plan's timezone).")
@click.option("--profile", "profiles", multiple=True, metavar="ID", help="Only this profile (repeatable).")
@click.option("--shard", metavar="I/N", help="Only every N-th profile (sorted by id) from the I-th: one job of a matrix.")
@click.option("--out", type=click.Path(file_okay=False),
              help="Write only the fetched rows to this folder (a shard's part) instead of updating metrics/.")
@click.option("--merge", "merge_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Merge folders written by --out into metrics/ and fetch nothing (repeatable).")
@click.option("--rate", "rates", multiple=True, metavar="NETWORK=N/S",
              help="Request budget of a network, e.g. mastodon=20/s or linkedin=5/s,c=2 (repeatable).")
@click.option("--since-days", type=click.IntRange(1, 3650), default=90, show_default=True,
              help="Refresh the posts published in this many days.")
@click.option("--no-resume", is_flag=True, help="Fetch everything, also what an earlier run today already fetched.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
@handle_errors
def metrics(ctx, now_text, profiles, shard, out, merge_dirs, rates, since_days, no_resume, fmt):
    """Fetch post figures, followers and audience into metrics/*.csv. Exit 1 when some could not be fetched."""

    from socialops.metrics import fetch as lib
    from socialops.metrics.budget import parse_rate
    from socialops.metrics.tables import merge_fragments
    from socialops.plan.schedule import load_schedule

    root = repo_root(ctx)
    if merge_dirs:
        if out or shard or profiles:
            raise UsageError("--merge only merges; leave out --out, --shard and --profile")
        changed = merge_fragments(root, [Path(d) for d in merge_dirs])
        names = ", ".join(p.relative_to(root).as_posix() for p in changed) or "nothing"
        click.echo(f"merged {len(merge_dirs)} folder(s); changed: {names}", err=True)
        return
    tz = load_schedule(root).tz
    now = parse_now(now_text, tz)
    limits = dict(parse_rate(r) for r in rates)
    result = lib.fetch_metrics(root, now=now, profiles=list(profiles) or None,
                               shard=lib.parse_shard(shard) if shard else None, out=Path(out) if out else None,
                               limits=limits, since_days=since_days, resume=not no_resume,
                               say=lambda text: click.echo(f"socialops: {text}", err=True))
    click.echo(lib.format_result(result), err=True, nl=False)
    _finish_run(result, fmt)


@main.command()
@click.option("--month", metavar="YYYY-MM", help="The month to report (default: this month, in the plan's timezone).")
@click.option("--now", "now_text", metavar="T", help="As if the time were T (sets the default month).")
@click.option("--print", "show", is_flag=True, help="Also print the report's Markdown.")
@click.pass_context
@handle_errors
def report(ctx, month, now_text, show):
    """Write reports/YYYY-MM.md with charts: growth, engagement, best hours, top posts, audience, suggestions."""
    from socialops.metrics import report as lib
    from socialops.plan.schedule import load_schedule

    root = repo_root(ctx)
    tz = load_schedule(root).tz
    year, number = lib.parse_month(month) if month else lib.default_month(parse_now(now_text, tz), tz)
    result = lib.build_report(root, year, number)
    click.echo(f"wrote {result.path.relative_to(root).as_posix()} and {len(result.images)} chart(s)"
               f"{'' if result.changed else ' (unchanged)'}", err=True)
    if show:
        click.echo(result.markdown, nl=False)


def _best_hours(root: Path, tz, now: dt.datetime) -> dict:
    """Suggested hours per profile from metrics/posts.csv, for cadence slots written as `best`."""
    from socialops.metrics.best_times import load_best_hours

    return load_best_hours(root, tz, now=now)


def _published_from_ledger(root: Path) -> tuple[dict, dict]:
    """(post id, profile) -> published time, and -> the live post's address, from state/publications.csv."""
    from socialops.state.ledger import PUBLISHED, Ledger, published_times

    states = Ledger(root).state()
    urls = {pair: st.url for pair, st in states.items() if st.status == PUBLISHED and st.url}
    return published_times(states), urls


def _plan_inputs(ctx, now_text: str | None):
    """Root, configuration (refusing a broken schedule.yaml), post index, now, and the ledger's publications."""
    from socialops.plan.schedule import SCHEDULE_FILE
    from socialops.repository.index import load_index
    from socialops.validate.engine import load_config

    root = repo_root(ctx)
    config = load_config(root)
    broken = [p for p in config.problems if p.path == SCHEDULE_FILE and p.severity == "error"]
    if broken:
        first = broken[0]
        more = f" (and {len(broken) - 1} more; run 'socialops validate')" if len(broken) > 1 else ""
        raise ConfigError(f"{first.message}{more}", path=first.path, line=first.line)
    now = parse_now(now_text, config.tz)
    posts = load_index(root, config.tz)
    published, urls = _published_from_ledger(root)
    return root, config, posts, now, published, urls


@main.command()
@click.option("--weeks", type=click.IntRange(1, 104), default=None,
              help="Weeks to show from this week's Monday (default: enough to cover the horizon).")
@click.option("--check", is_flag=True,
              help="Exit 1 when the horizon has empty slots (or collisions or posts on blackout days), and open, "
                   "update or close the 'Content plan' issue.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--now", "now_text", metavar="T", help="Plan as if the time were T ('YYYY-MM-DD HH:MM', plan's timezone).")
@click.option("--no-issue", is_flag=True, help="With --check: do not touch the 'Content plan' issue.")
@click.pass_context
@handle_errors
def plan(ctx, weeks, check, fmt, now_text, no_issue):
    """The calendar of slots per profile and week: filled, empty, the pillar mix, blackouts and collisions."""
    import json
    import math

    from socialops.plan import view as planlib

    root, config, posts, now, published, _ = _plan_inputs(ctx, now_text)
    if weeks is None:
        first = planlib.week_start(now, config.tz)
        last = (now + dt.timedelta(days=config.schedule.horizon_days)).astimezone(config.tz).date()
        weeks = max(1, math.ceil(((last - first).days + 1) / 7))
    report = planlib.build_plan(posts, config.profiles, config.schedule, now=now, weeks=weeks, published=published,
                                best_hours=_best_hours(root, config.tz, now))
    if fmt == "json":
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    elif fmt == "markdown":
        click.echo(planlib.format_plan_markdown(report), nl=False)
    else:
        click.echo(planlib.format_plan_text(report), nl=False)
    if not check:
        return
    failed = planlib.check_findings(report)
    n = len(report["gaps"])
    click.echo(f"plan --check: {n} empty slot{'s' if n != 1 else ''} in the next {report['horizon_days']} days, "
               f"{len(report['collisions'])} collisions, {len(report['blackout_posts'])} posts on blackout days",
               err=True)
    if not no_issue:
        from socialops.plan.issue import sync_plan_issue
        from socialops.tracker.github import tracker_from_env

        done = sync_plan_issue(tracker_from_env(root), report)
        if done != "none":
            click.echo(f"plan --check: the 'Content plan' issue: {done}", err=True)
    sys.exit(1 if failed else 0)


@main.command()
@click.option("--out", type=click.Path(dir_okay=False), help="Write the .ics file here (default: standard output).")
@click.option("--weeks", type=click.IntRange(1, 520), default=13, show_default=True,
              help="Posts (and the queue) this many weeks ahead.")
@click.option("--past-weeks", type=click.IntRange(0, 520), default=13, show_default=True,
              help="Published and timed posts this many weeks back.")
@click.option("--now", "now_text", metavar="T", help="As if the time were T ('YYYY-MM-DD HH:MM', plan's timezone).")
@click.pass_context
@handle_errors
def calendar(ctx, out, weeks, past_weeks, now_text):
    """An iCalendar file of planned and published posts and live sessions, with stable UIDs."""
    from socialops.plan.calendar import calendar_bytes, load_lives

    root, config, posts, now, published, urls = _plan_inputs(ctx, now_text)
    data = calendar_bytes(posts, config.profiles, config.schedule, now=now, published=published, urls=urls,
                          lives=load_lives(root, posts, config.tz), until=now + dt.timedelta(weeks=weeks),
                          since=now - dt.timedelta(weeks=past_weeks))
    if out:
        target = Path(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(target)
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(data, nl=False)


@main.command()
@click.option("--now", "now_text", metavar="T", help="Start the simulated time at T (default: the clock).")
@click.option("--days", type=click.IntRange(0, 60), default=7, show_default=True, help="Days of simulated time.")
@click.option("--into", type=click.Path(file_okay=False), help="Make the scratch copy here (default: a temp folder).")
@click.pass_context
@handle_errors
def demo(ctx, now_text, days, into):
    """The whole loop on the sandbox network, in a scratch copy: validate, plan, publish, issues."""
    from socialops.demo import run_demo

    root, _, now = root_and_now(ctx, now_text)
    if into and Path(into).exists() and any(Path(into).iterdir()):
        raise UsageError(f"--into {into}: the folder is not empty")
    run_demo(root, now=now, days=days, echo=click.echo, into=Path(into) if into else None)


@main.command()
@click.option("--check", is_flag=True, help="Exit 1 when .github/CODEOWNERS is not up to date; write nothing.")
@click.pass_context
@handle_errors
def codeowners(ctx, check):
    """Write .github/CODEOWNERS from the profiles' owners (approvals by pull request review)."""
    from socialops.profiles.codeowners import CODEOWNERS_PATH, write_codeowners
    from socialops.validate.engine import load_config

    root = repo_root(ctx)
    changed = write_codeowners(root, load_config(root).profiles.values(), check=check)
    if check:
        click.echo(f"{CODEOWNERS_PATH} is {'out of date: run socialops codeowners' if changed else 'up to date'}",
                   err=True)
        sys.exit(1 if changed else 0)
    click.echo(f"{CODEOWNERS_PATH} {'written' if changed else 'unchanged'}", err=True)


# --- profiles: check, diff, sync (profile basics against the live accounts) ---------------------------------


@main.group()
def profiles():
    """Profile basics as code: check access, compare with the live accounts, apply what the API allows."""


def _profile_runner(ctx, ids):
    import os

    from socialops.networks.contract import open_network
    from socialops.profiles.sync import select_profiles

    root = repo_root(ctx)
    chosen, broken = select_profiles(root, ids)
    return root, chosen, broken, (lambda profile: open_network(profile, env=os.environ, root=root))


def _tracker(root: Path, no_issue: bool):
    if no_issue:
        return None
    from socialops.tracker.github import tracker_from_env

    return tracker_from_env(root)


@profiles.command("check")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-issue", is_flag=True, help="Do not open or close the 'Open this profile' issues.")
@click.pass_context
@handle_errors
def profiles_check(ctx, ids, fmt, no_issue):
    """The token works, the account is the one named, and the token may publish, read metrics, moderate."""
    import json

    from socialops.profiles.check import check_profiles, format_results

    root, chosen, _broken, opener = _profile_runner(ctx, ids)
    results = check_profiles(chosen, opener, tracker=_tracker(root, no_issue), now=dt.datetime.now(dt.UTC))
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2))
    else:
        click.echo(format_results(results))
    sys.exit(0 if all(r.passed for r in results) else 1)


def _diff_or_sync(ctx, ids, fmt, mode, *, dry_run=False, issue=False):
    import json

    from socialops.profiles.sync import Outcome, format_outcomes, outcomes_failed, run_profiles

    root, chosen, broken, opener = _profile_runner(ctx, ids)
    tracker = _tracker(root, not issue or dry_run)
    ok = [p for p in chosen if p.id not in broken]
    done = {o.profile_id: o for o in run_profiles(root, ok, mode=mode, open_network=opener, tracker=tracker,
                                                   dry_run=dry_run)}
    outcomes = [done.get(p.id) or Outcome(p.id, error=broken[p.id]) for p in chosen]
    if fmt == "json":
        click.echo(json.dumps([o.result.to_dict() if o.result else {"profile": o.profile_id, "error": o.error}
                               for o in outcomes], ensure_ascii=False, indent=2))
    else:
        click.echo(format_outcomes(outcomes, mode=mode))
    sys.exit(1 if outcomes_failed(outcomes, mode=mode) else 0)


@profiles.command("diff")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--issue", is_flag=True, help="Keep a 'Profile drift' issue per profile with what differs.")
@click.pass_context
@handle_errors
def profiles_diff(ctx, ids, fmt, issue):
    """The basics in profiles/ against the live accounts, field by field (exit 1 when anything differs)."""
    _diff_or_sync(ctx, ids, fmt, "diff", issue=issue)


@profiles.command("sync")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing, touch no issue.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-issue", is_flag=True, help="Do not keep the 'Profile drift' issues.")
@click.pass_context
@handle_errors
def profiles_sync(ctx, ids, dry_run, fmt, no_issue):
    """Write the basics the network's API can change; what it cannot becomes a 'Profile drift' issue."""
    _diff_or_sync(ctx, ids, fmt, "sync", dry_run=dry_run, issue=not no_issue)


# --- comments and moderation ---------------------------------------------------------------------------------


@main.command()
@click.option("--now", "now_text", metavar="T", help="As if the time were T (naive = the plan's timezone).")
@click.option("--dry-run", is_flag=True, help="Fetch and classify only: hide nothing, open no issue, record nothing.")
@click.option("--profile", "profiles", multiple=True, metavar="ID", help="Only this profile (repeatable).")
@click.option("--days", type=click.IntRange(1, 365), default=None,
              help="Look at publications of the last N days (default: the profile's moderation.window_days, or 30).")
@click.option("--no-push", is_flag=True, help="Commit state/ but do not fetch, rebase or push.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
@handle_errors
def comments(ctx, now_text, dry_run, profiles, days, no_push, fmt):
    """Fetch new comments, classify them, hide per the profiles' rules and open issues for people."""

    from socialops.community.comments import run_comments
    from socialops.core.safetext import inert_for_log

    root, _, now = root_and_now(ctx, now_text)
    check_profile_ids(root, profiles)
    result = run_comments(root, now=now, dry_run=dry_run, profiles=list(profiles) or None, days=days,
                          push=not no_push)
    # Only counts, categories and ids reach the log: never a comment's text or its author's name.
    for found in result.new:
        action = "would flag" if dry_run and found.decision.flagged else ("flagged" if found.issue else "seen")
        hidden = f", {found.hidden.split(':')[0]}" if found.hidden else ""
        click.echo(f"{found.profile.id} {inert_for_log(found.comment.id, 80)}: {found.decision.category} "
                   f"({found.decision.confidence}) {action}{hidden}", err=True)
    counts = ", ".join(f"{n} {cat}" for cat, n in sorted(result.counts().items())) or "none"
    click.echo(f"comments: {result.checked_posts} posts checked, {len(result.new)} new comments ({counts}); "
               f"{len(result.issues_opened)} issues opened, {len(result.issues_updated)} updated"
               + (" (dry run: nothing hidden, opened or recorded)" if dry_run else ""), err=True)
    for warning in result.warnings:
        click.echo(f"socialops: warning: {inert_for_log(warning)}", err=True)
    for error in result.errors:
        click.echo(f"socialops: {inert_for_log(error)}", err=True)
    _finish_run(result, fmt)


@main.command()
@click.option("--event", "event_path", type=click.Path(dir_okay=False), envvar="GITHUB_EVENT_PATH",
              help="The issue_comment event JSON (default: $GITHUB_EVENT_PATH, set by GitHub Actions).")
@click.option("--issue", "issue_number", type=int, metavar="N",
              help="Without an event file: the issue number in the local outbox.")
@click.option("--as", "login", metavar="LOGIN", help="Without an event file: who writes the command.")
@click.option("--command", "command_text", metavar="TEXT", help="Without an event file: the command, e.g. '/hide'.")
@click.option("--now", "now_text", metavar="T", help="As if the time were T (naive = the plan's timezone).")
@click.option("--no-push", is_flag=True, help="Commit state/ but do not fetch, rebase or push.")
@click.pass_context
@handle_errors
def moderate(ctx, event_path, issue_number, login, command_text, now_text, no_push):
    """Carry out a /command written in a comment's issue: /reply, /hide, /unhide, /delete, /block, /dismiss."""
    import os

    from socialops.community.comments import outbox_issue
    from socialops.community.moderation import github_permission, read_event, run_moderate
    from socialops.core.safetext import inert_for_log
    from socialops.tracker.github import tracker_from_env

    root, _, now = root_and_now(ctx, now_text)
    env = dict(os.environ)
    key = None
    if issue_number is not None or login or command_text:
        if issue_number is None or not login or not command_text:
            raise UsageError("without an event file give all three: --issue N --as LOGIN --command '/hide'")
        data = outbox_issue(root, issue_number) if not env.get("GITHUB_TOKEN") else None
        if data is None and not env.get("GITHUB_TOKEN"):
            raise UsageError(f"--issue {issue_number}: no such issue in the local outbox (.socialops/outbox/issues)")
        key = data.get("key") if data else None
        event = {"comment": {"body": command_text, "user": {"login": login, "type": "User"}, "id": ""},
                 "issue": {"number": issue_number, "body": (data or {}).get("body", "")}}
    elif event_path:
        event = read_event(event_path)
        number = (event.get("issue") or {}).get("number") if isinstance(event.get("issue"), dict) else None
        if not env.get("GITHUB_TOKEN") and isinstance(number, int):
            key = (outbox_issue(root, number) or {}).get("key")  # the local outbox keeps the key beside the body
    else:
        raise UsageError("no event: run from the moderate workflow ($GITHUB_EVENT_PATH), or give --event FILE, or "
                         "--issue N --as LOGIN --command TEXT")
    result = run_moderate(root, event, now=now, env=env, tracker=tracker_from_env(root, env),
                          permission=lambda user: github_permission(user, env), key=key, push=not no_push,
                          run_id=env.get("GITHUB_RUN_ID", ""))
    where = f"issue #{result.issue}" if result.issue is not None else "the event"
    click.echo(f"moderate: {where}: {result.status}: {inert_for_log(result.message)}", err=True)
    sys.exit(result.exit_code)
