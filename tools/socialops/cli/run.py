"""The commands the scheduled workflows run: publish, metrics, report, comments, moderate; and demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from socialops.cli.options import brand_option, format_option, no_push_option, now_option, profile_option
from socialops.cli.workspace import Workspace, pass_workspace
from socialops.core.times import zone_named
from socialops.errors import UsageError

# Human output (tables, results) goes to standard output, so `publish --dry-run | less` shows it; with
# --format json it goes to standard error and standard output holds only the JSON. Warnings and errors go to
# standard error always.


def _finish_run(result, fmt: str) -> None:
    """End a run command: its result as JSON on stdout when asked for, exit code 1 when it failed."""
    if fmt == "json":
        import json

        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    sys.exit(1 if result.failed else 0)


def _shard(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    from socialops.core.shards import parse_shard

    return parse_shard(text)


@click.command()
@now_option(help="Publish as if the time were T (naive = the plan's timezone).")
@click.option("--dry-run", is_flag=True, help="Show what is due; record, post and commit nothing.")
@profile_option()
@brand_option()
@click.option("--shard", metavar="I/N", help="Only the profiles of shard I of N, a brand's together (a stable hash "
                                             "of the brand, or of the profile id without one): one job of a matrix.")
@no_push_option()
@format_option("text", "json")
@pass_workspace
def publish(ws: Workspace, dry_run, profiles, brands, shard, no_push, fmt):
    """Publish the due posts exactly once, recording each outcome in state/publications.csv."""
    from socialops.publish.results import format_table
    from socialops.publish.run import run_publish

    now = ws.now
    result = run_publish(ws.root, now=now, dry_run=dry_run, profiles=ws.select_profiles(profiles, brands),
                         push=not no_push, shard=_shard(shard))
    # With nothing due the run names the plan's time zone itself: the plan is not read for this line.
    click.echo(format_table(result, zone_named(result.zone) or ws.tz), err=fmt == "json", nl=False)
    for warning in result.warnings:
        click.echo(f"socialops: warning: {warning}", err=True)
    _finish_run(result, fmt)


@click.command()
@now_option()
@profile_option()
@brand_option()
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
@format_option("text", "json")
@pass_workspace
def metrics(ws: Workspace, profiles, brands, shard, out, merge_dirs, rates, since_days, no_resume, fmt):
    """Fetch post figures, followers and audience into metrics/*.csv. Exit 1 when some could not be fetched."""
    from socialops.metrics import fetch as lib
    from socialops.metrics.budget import parse_rate
    from socialops.metrics.tables import merge_fragments

    root = ws.root
    if merge_dirs:
        if out or shard or profiles or brands:
            raise UsageError("--merge only merges; leave out --out, --shard, --profile and --brand")
        changed = merge_fragments(root, [Path(d) for d in merge_dirs])
        names = ", ".join(p.relative_to(root).as_posix() for p in changed) or "nothing"
        click.echo(f"merged {len(merge_dirs)} folder(s); changed: {names}", err=fmt == "json")
        return
    now = ws.now
    limits = dict(parse_rate(r) for r in rates)
    result = lib.fetch_metrics(root, now=now, profiles=ws.select_profiles(profiles, brands),
                               shard=_shard(shard), out=Path(out) if out else None,
                               limits=limits, since_days=since_days, resume=not no_resume,
                               say=lambda text: click.echo(f"socialops: {text}", err=True))
    click.echo(lib.format_result(result), err=fmt == "json", nl=False)
    _finish_run(result, fmt)


@click.command()
@click.option("--month", metavar="YYYY-MM", help="The month to report (default: this month, in the plan's timezone).")
@now_option(help="As if the time were T (sets the default month).")
@click.option("--print", "show", is_flag=True, help="Also print the report's Markdown.")
@brand_option(help="A report of this brand's profiles only, in reports/<brand>/ (repeatable, or acme,beta: one "
                   "report each).")
@pass_workspace
def report(ws: Workspace, month, show, brands):
    """Write reports/YYYY-MM.md with charts: growth, engagement, best hours, top posts, audience, suggestions."""
    from socialops.metrics import report as lib
    from socialops.repository.brands import profiles_of

    year, number = lib.parse_month(month) if month else lib.default_month(ws.now, ws.tz)
    for brand in ws.brands(brands) or [None]:
        chosen = set(profiles_of(ws.config.profiles, [brand])) if brand else None
        result = lib.build_report(ws.root, year, number, brand=brand, profiles=chosen)
        click.echo(f"wrote {result.path.relative_to(ws.root).as_posix()} and {len(result.images)} chart(s)"
                   f"{'' if result.changed else ' (unchanged)'}", err=show)
        if show:
            click.echo(result.markdown, nl=False)


@click.command()
@now_option()
@click.option("--dry-run", is_flag=True, help="Fetch and classify only: hide nothing, open no issue, record nothing.")
@profile_option()
@brand_option()
@click.option("--days", type=click.IntRange(1, 365), default=None,
              help="Look at publications of the last N days (default: the profile's moderation.window_days, or 30).")
@no_push_option()
@format_option("text", "json")
@pass_workspace
def comments(ws: Workspace, dry_run, profiles, brands, days, no_push, fmt):
    """Fetch new comments, classify them, hide per the profiles' rules and open issues for people."""
    from socialops.community.fetch import run_comments
    from socialops.core.safetext import inert_for_log

    now = ws.now
    result = run_comments(ws.root, now=now, dry_run=dry_run, profiles=ws.select_profiles(profiles, brands), days=days,
                          push=not no_push)
    # Only counts, categories and ids reach the log: never a comment's text or its author's name.
    for found in result.new:
        action = "would flag" if dry_run and found.decision.flagged else ("flagged" if found.issue else "seen")
        hidden = f", {found.hidden.split(':')[0]}" if found.hidden else ""
        click.echo(f"{found.profile.id} {inert_for_log(found.comment.id, 80)}: {found.decision.category} "
                   f"({found.decision.confidence}) {action}{hidden}", err=fmt == "json")
    counts = ", ".join(f"{n} {cat}" for cat, n in sorted(result.counts().items())) or "none"
    click.echo(f"comments: {result.checked_posts} posts checked, {len(result.new)} new comments ({counts}); "
               f"{len(result.issues_opened)} issues opened, {len(result.issues_updated)} updated"
               + (" (dry run: nothing hidden, opened or recorded)" if dry_run else ""), err=fmt == "json")
    for warning in result.warnings:
        click.echo(f"socialops: warning: {inert_for_log(warning)}", err=True)
    for error in result.errors:
        click.echo(f"socialops: {inert_for_log(error)}", err=True)
    _finish_run(result, fmt)


@click.command()
@click.option("--event", "event_path", type=click.Path(dir_okay=False), envvar="GITHUB_EVENT_PATH",
              help="The issue_comment event JSON (default: $GITHUB_EVENT_PATH, set by GitHub Actions).")
@click.option("--issue", "issue_number", type=int, metavar="N",
              help="Without an event file: the issue number in the local outbox.")
@click.option("--as", "login", metavar="LOGIN", help="Without an event file: who writes the command.")
@click.option("--command", "command_text", metavar="TEXT", help="Without an event file: the command, e.g. '/hide'.")
@now_option()
@no_push_option()
@pass_workspace
def moderate(ws: Workspace, event_path, issue_number, login, command_text, no_push):
    """Carry out a /command written in a comment's issue or digest (/reply, /hide, /unhide, /delete, /block,
    /dismiss, /flag) or in a manual task's issue (/done URL, /skip)."""
    from socialops.community.commands import read_event, run_moderate
    from socialops.core.safetext import inert_for_log
    from socialops.tracker.events import event_issue_key, typed_command_event

    now, env, tracker = ws.now, ws.env, ws.tracker
    if issue_number is not None or login or command_text:
        if issue_number is None or not login or not command_text:
            raise UsageError("without an event file give all three: --issue N --as LOGIN --command '/hide'")
        event, key = typed_command_event(tracker, issue_number, login, command_text)
    elif event_path:
        event = read_event(event_path)
        key = event_issue_key(tracker, event)
    else:
        raise UsageError("no event: run from the moderate workflow ($GITHUB_EVENT_PATH), or give --event FILE, or "
                         "--issue N --as LOGIN --command TEXT")
    result = run_moderate(ws.root, event, now=now, env=env, tracker=tracker,
                          permission=tracker.permission, key=key, push=not no_push,
                          run_id=env.get("GITHUB_RUN_ID", ""))
    where = f"issue #{result.issue}" if result.issue is not None else "the event"
    click.echo(f"moderate: {where}: {result.status}: {inert_for_log(result.message)}", err=True)
    sys.exit(result.exit_code)


@click.command()
@now_option(help="Start the simulated time at T (default: an hour before the example's first timed post).")
@click.option("--days", type=click.IntRange(0, 60), default=14, show_default=True, help="Days of simulated time.")
@click.option("--into", type=click.Path(file_okay=False), help="Make the scratch copy here, and keep it.")
@click.option("--keep", is_flag=True, help="Keep the scratch copy (default: removed at the end).")
@click.option("--site", "site_out", type=click.Path(file_okay=False), default="build/demo-site", show_default=True,
              help="Build the dashboard of the simulated weeks here (relative to the repository; build/ is not "
                   "committed).")
@pass_workspace
def demo(ws: Workspace, days, into, keep, site_out):
    """The whole loop on the sandbox network, in a scratch copy: validate, plan, publish, issues."""
    from socialops.cli.workspace import NOW_KEY
    from socialops.demo import run_demo

    now = ws.now if click.get_current_context().meta.get(NOW_KEY) else None
    if into and Path(into).exists() and any(Path(into).iterdir()):
        raise UsageError(f"--into {into}: the folder is not empty")
    run_demo(ws.root, now=now, days=days, echo=click.echo, into=Path(into) if into else None, keep=keep,
             site=ws.root / site_out)
