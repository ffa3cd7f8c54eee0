"""The improvement loop: tune (the metrics' advice for the plan, as a pull request), post-figures (each post's
figures on its pull request)."""

from __future__ import annotations

import click

from socialops.cli.options import format_option, now_option
from socialops.cli.workspace import Workspace, pass_workspace


@click.command()
@click.option("--month", metavar="YYYY-MM", help="The month whose report is the evidence (default: last month, in "
                                                 "the plan's timezone).")
@now_option(help="As if the time were T: the metrics up to then count.")
@click.option("--pull-request", "pull_request", is_flag=True,
              help="Open (or bring up to date) the pull request that changes schedule.yaml; without GitHub, write "
                   "it to the outbox. Without this flag nothing is written: the proposal and its diff are printed.")
@format_option("text", "json")
@pass_workspace
def tune(ws: Workspace, month, pull_request, fmt):
    """Propose changes to schedule.yaml from the metrics (cadence hours and weekdays, pillar shares) as a pull
    request with the evidence; the plan changes only when it is merged."""
    import datetime as dt
    import difflib
    import json

    from socialops.metrics.report import parse_month
    from socialops.plan.tune import BRANCH, open_tune_pull_request
    from socialops.plan.tune import tune as run_tune
    from socialops.repository.schedule import SCHEDULE_FILE

    if month:
        year, number = parse_month(month)
    else:
        first = ws.now.astimezone(ws.tz).date().replace(day=1) - dt.timedelta(days=1)
        year, number = first.year, first.month
    tuning = run_tune(ws.root, now=ws.now, month=f"{year:04d}-{number:02d}")
    proposal = open_tune_pull_request(ws.tracker, tuning) if pull_request else None
    old = (ws.root / SCHEDULE_FILE).read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(old.splitlines(keepends=True), (tuning.text or old).splitlines(keepends=True),
                                        f"a/{SCHEDULE_FILE}", f"b/{SCHEDULE_FILE}"))
    if fmt == "json":
        click.echo(json.dumps({
            "month": tuning.month, "changes": len(tuning.applied), "title": tuning.title, "body": tuning.body,
            "diff": diff, "skipped": tuning.skipped, "branch": BRANCH,
            "pull_request": None if proposal is None else {"number": proposal.number, "url": proposal.url,
                                                           "result": proposal.result, "where": proposal.where},
        }, indent=2, ensure_ascii=False))
        return
    if tuning.text is None:
        click.echo("The plan needs no change: nothing proposed.", err=True)
    elif proposal is not None:
        click.echo(f"pull request {proposal.result}: {proposal.where}", err=True)
    click.echo(f"# {tuning.title}\n\n{tuning.body}" + (f"\n```diff\n{diff}```\n" if diff else ""), nl=False)


@click.command(name="post-figures")
@now_option(help="As if the time were T.")
@format_option("text", "json")
@pass_workspace
def post_figures(ws: Workspace, fmt):
    """Comment each post's figures (per profile, against the profile's median) on the pull request that added
    it, after 24 hours and after 7 days: one comment per post, kept up to date."""
    import json

    from socialops.metrics.post_figures import comment_post_figures

    done = comment_post_figures(ws.root, ws.tracker, now=ws.now, tz=ws.tz)
    if fmt == "json":
        click.echo(json.dumps([{"post_id": c.post_id, "pull_request": c.pull_request, "result": c.result}
                               for c in done], indent=2))
        return
    for c in done:
        click.echo(f"{c.post_id}: pull request #{c.pull_request}: {c.result}")
    if not done:
        click.echo("No post between 24 hours and 8 days old came with a merged pull request.", err=True)
