"""Commands about the content plan: plan, calendar."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from socialops.cli.options import brand_option, format_option, now_option
from socialops.cli.workspace import Workspace, pass_workspace

PLAN_NOW_HELP = "Plan as if the time were T ('YYYY-MM-DD HH:MM', plan's timezone)."


@click.command()
@click.option("--weeks", type=click.IntRange(1, 104), default=None,
              help="Weeks to show from this week's Monday (default: enough to cover the horizon).")
@click.option("--check", is_flag=True,
              help="Exit 1 when the horizon has empty slots (or collisions or posts on blackout days), and open, "
                   "update or close the 'Content plan' issue.")
@format_option("text", "markdown", "json")
@now_option(help=PLAN_NOW_HELP)
@click.option("--no-issue", is_flag=True, help="With --check: do not touch the 'Content plan' issue.")
@brand_option(help="The plan of this brand, in its own plan's timezone, with its own 'Content plan' issue "
                   "(repeatable, or acme,beta: one plan each; JSON: {brand: plan}).")
@pass_workspace
def plan(ws: Workspace, weeks, check, fmt, no_issue, brands):
    """The calendar of slots per profile and week: filled, empty, the pillar mix, blackouts and collisions."""
    import json

    from socialops.plan import view as planlib
    from socialops.plan.published import load_plan_config
    from socialops.repository.index import load_index

    config = load_plan_config(ws.root)
    names = ws.brands(brands)
    posts = load_index(ws.root, config.schedule.zones)
    reports = {brand: _one_plan(ws, config, posts, brand, weeks) for brand in names or [None]}
    if fmt == "json":
        click.echo(json.dumps(reports if names else reports[None], ensure_ascii=False, indent=2))
    for brand, report in reports.items():
        if fmt != "json":
            heading = f"# {brand}\n\n" if names else ""
            click.echo(heading + (planlib.format_plan_markdown if fmt == "markdown" else planlib.format_plan_text)(
                report), nl=False)
        if check:
            _check_plan(ws, report, posts, brand, no_issue)
    sys.exit(1 if check and any(planlib.check_findings(r) for r in reports.values()) else 0)


def _one_plan(ws: Workspace, config, posts, brand: str | None, weeks: int | None) -> dict:
    """The plan of one brand (its profiles and posts, in its plan) or, for None, of every profile."""
    from socialops.metrics.best_times import load_best_hours
    from socialops.plan import view as planlib
    from socialops.plan.published import (
        missed_from_ledger,
        published_from_ledger,
        tasks_from_ledger,
        weeks_to_cover_horizon,
    )
    from socialops.repository.brands import profiles_of

    profiles, schedule = config.profiles, config.schedule
    if brand is not None:
        chosen = set(profiles_of(profiles, [brand]))
        schedule = schedule.for_brand(brand, chosen)
        profiles = {pid: p for pid, p in profiles.items() if pid in chosen}
        posts = [p._replace(profiles=tuple(i for i in p.profiles if i in chosen)) for p in posts
                 if not chosen.isdisjoint(p.profiles)]
    published, _ = published_from_ledger(ws.root)
    held, tasks = tasks_from_ledger(ws.root)  # manual tasks keep the slot they were handed at
    return planlib.build_plan(posts, profiles, schedule, now=ws.now,
                              weeks=weeks or weeks_to_cover_horizon(ws.now, config), published={**published, **held},
                              best_hours=load_best_hours(ws.root, schedule.tz, now=ws.now),
                              missed=missed_from_ledger(ws.root), tasks=tasks)


def _check_plan(ws: Workspace, report: dict, posts, brand: str | None, no_issue: bool) -> None:
    """plan --check: what it found on standard error, and the 'Content plan' issue (one per brand)."""
    from socialops.plan.issue import digest_week, sync_plan_issue, sync_weekly_issue
    from socialops.plan.weekly import weekly_section
    from socialops.repository.brands import profiles_of

    n, of = len(report["gaps"]), f" ({brand})" if brand else ""
    click.echo(f"plan --check{of}: {n} empty slot{'s' if n != 1 else ''} in the next {report['horizon_days']} "
               f"days, {len(report['collisions'])} collisions, {len(report['blackout_posts'])} posts on blackout "
               "days", err=True)
    if not no_issue:
        tz = ws.config.schedule.for_brand(brand).tz
        weekly = weekly_section(ws.root, now=ws.now, tz=tz, plan=report,
                                tracker=ws.tracker, titles={p.id: p.title for p in posts if p.id}, brand=brand,
                                profiles=set(profiles_of(ws.config.profiles, [brand])) if brand else None)
        done = sync_plan_issue(ws.tracker, report, weekly, brand=brand)
        if done != "none":
            click.echo(f"plan --check{of}: the 'Content plan' issue: {done}", err=True)
        digest = sync_weekly_issue(ws.tracker, weekly, now=ws.now, tz=tz, plan_issue=done, brand=brand)
        if digest != "none":
            click.echo(f"plan --check{of}: the 'Weekly digest {digest_week(ws.now, tz)}' issue: {digest}", err=True)


@click.command()
@click.option("--out", type=click.Path(dir_okay=False), help="Write the .ics file here (default: standard output).")
@click.option("--weeks", type=click.IntRange(1, 520), default=13, show_default=True,
              help="Posts (and the queue) this many weeks ahead.")
@click.option("--past-weeks", type=click.IntRange(0, 520), default=13, show_default=True,
              help="Published and timed posts this many weeks back.")
@now_option(help=PLAN_NOW_HELP)
@pass_workspace
def calendar(ws: Workspace, out, weeks, past_weeks):
    """An iCalendar file of planned and published posts and live sessions, with stable UIDs."""
    from socialops.core.files import atomic_write_bytes
    from socialops.plan.calendar import calendar_bytes, load_lives
    from socialops.plan.published import load_plan_config, published_from_ledger
    from socialops.repository.index import load_index

    config = load_plan_config(ws.root)
    now = ws.now
    posts = load_index(ws.root, config.schedule.zones)
    published, urls = published_from_ledger(ws.root)
    data = calendar_bytes(posts, config.profiles, config.schedule, now=now, published=published, urls=urls,
                          lives=load_lives(ws.root, posts, config.tz), until=now + dt.timedelta(weeks=weeks),
                          since=now - dt.timedelta(weeks=past_weeks))
    if out:
        atomic_write_bytes(Path(out), data)
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(data, nl=False)


@click.command()
@click.option("--out", type=click.Path(file_okay=False), default="_site", show_default=True,
              help="The folder to write the site into.")
@click.option("--brand", help="The name on every page (default: the repository's folder name).")
@click.option("--private-repository", is_flag=True,
              help="The repository is private: its images stay off the site unless schedule.yaml has "
                   "'site: {media: true}'.")
@click.option("--feed-url", help="Where the published site's calendar.ics is, shown on the overview "
                                 "(default: calendar.ics beside it).")
@now_option(help=PLAN_NOW_HELP)
@pass_workspace
def site(ws: Workspace, out, brand, private_repository, feed_url):
    """A static dashboard for GitHub Pages: the month calendar, each post as it will look, the plan, charts."""
    from socialops.site.build import build_site

    result = build_site(ws.root, Path(out), now=ws.now, brand=brand or ws.root.resolve().name,
                        private_repository=private_repository, feed_url=feed_url)
    kept = f"; {result.left_out} drafts or internal posts left out" if result.left_out else ""
    click.echo(f"site: {result.pages} pages for {result.posts} posts in {out}{kept}; open "
               f"{(Path(out) / 'index.html').resolve().as_uri()}", err=True)
