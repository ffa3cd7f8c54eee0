"""Commands about the accounts: profiles check, diff and sync (profile basics against the live accounts),
and codeowners."""

from __future__ import annotations

import json
import sys

import click

from socialops.cli.options import brand_option, format_option
from socialops.cli.workspace import Workspace, pass_workspace


@click.command()
@click.option("--check", is_flag=True, help="Exit 1 when a generated file is not up to date; write nothing.")
@pass_workspace
def codeowners(ws: Workspace, check):
    """Write .github/CODEOWNERS from the profiles' owners, and the token secrets each workflow passes.

    Both are generated from profiles/: CODEOWNERS from `owners` and `roles: admins`, the lines between
    '# BEGIN socialops tokens' and '# END socialops tokens' in the workflows from `token_env`."""
    from socialops.profiles.codeowners import write_generated

    changed = write_generated(ws.root, ws.config.profiles.values(), check=check)
    if check:
        click.echo(f"out of date: {', '.join(changed)}: run socialops codeowners" if changed
                   else "generated files are up to date", err=True)
        sys.exit(1 if changed else 0)
    click.echo(f"written: {', '.join(changed)}" if changed else "generated files unchanged", err=True)


@click.group()
def profiles():
    """Profile basics as code: check access, compare with the live accounts, apply what the API allows."""


def _profiles_command(name: str):
    """A profiles subcommand over profile ids ([ID]...: all profiles when none) with --format text|json."""

    def decorate(func):
        func = brand_option()(format_option("text", "json")(func))
        return profiles.command(name)(click.argument("ids", nargs=-1, metavar="[ID]...")(func))

    return decorate


def _profile_runner(ws: Workspace, ids, brands=()):
    """The chosen profiles, the broken ones (file errors), and how to open each one's network."""
    from socialops.networks.contract import open_network
    from socialops.profiles.sync import select_profiles

    chosen, broken = select_profiles(ws.root, ws.select_profiles(ids, brands) or [])
    return chosen, broken, (lambda profile: open_network(profile, env=ws.env, root=ws.root))


@_profiles_command("check")
@click.option("--no-issue", is_flag=True, help="Do not open or close the 'Open this profile' issues.")
@pass_workspace
def profiles_check(ws: Workspace, ids, fmt, brands, no_issue):
    """The token works, the account is the one named, and the token may publish, read metrics, moderate."""
    from socialops.profiles.check import check_profiles, format_results

    chosen, _broken, opener = _profile_runner(ws, ids, brands)
    results = check_profiles(chosen, opener, tracker=None if no_issue else ws.tracker, now=ws.now)
    _show(fmt, lambda: [r.to_dict() for r in results], lambda: format_results(results))
    disabled = _disabled_workflows(ws, no_issue)
    sys.exit(0 if all(r.passed for r in results) and not disabled else 1)


def _disabled_workflows(ws: Workspace, no_issue: bool) -> list:
    """The workflows GitHub has disabled, said on stderr (and in an issue): a disabled publish publishes nothing."""
    import httpx

    from socialops.errors import NetworkError
    from socialops.profiles.check import disabled_workflows, update_workflows_issue, workflows_text

    try:
        with httpx.Client(timeout=30) as client:
            disabled = disabled_workflows(ws.env, client)
    except NetworkError as exc:
        click.echo(f"socialops: warning: {exc}", err=True)
        return []
    if disabled:
        click.echo(workflows_text(disabled), err=True)
    if not no_issue and ws.env.get("GITHUB_REPOSITORY"):
        update_workflows_issue(ws.tracker, disabled)
    return disabled


def _show(fmt: str, as_json, as_text) -> None:
    """Print a profiles command's results as JSON (a list) or as text."""
    click.echo(json.dumps(as_json(), ensure_ascii=False, indent=2) if fmt == "json" else as_text())


def _diff_or_sync(ws: Workspace, ids, fmt, brands, mode, *, dry_run=False, issue=False):
    from socialops.profiles.sync import Outcome, format_outcomes, outcomes_failed, run_profiles

    chosen, broken, opener = _profile_runner(ws, ids, brands)
    tracker = ws.tracker if issue and not dry_run else None
    ok = [p for p in chosen if p.id not in broken]
    done = {o.profile_id: o for o in run_profiles(ws.root, ok, mode=mode, open_network=opener, tracker=tracker,
                                                   dry_run=dry_run)}
    outcomes = [done.get(p.id) or Outcome(p.id, error=broken[p.id]) for p in chosen]
    _show(fmt, lambda: [o.result.to_dict() if o.result else {"profile": o.profile_id, "error": o.error}
                        for o in outcomes], lambda: format_outcomes(outcomes, mode=mode))
    sys.exit(1 if outcomes_failed(outcomes, mode=mode) else 0)


@_profiles_command("diff")
@click.option("--issue", is_flag=True, help="Keep a 'Profile drift' issue per profile with what differs.")
@pass_workspace
def profiles_diff(ws: Workspace, ids, fmt, brands, issue):
    """The basics in profiles/ against the live accounts, field by field (exit 1 when anything differs)."""
    _diff_or_sync(ws, ids, fmt, brands, "diff", issue=issue)


@_profiles_command("sync")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing, touch no issue.")
@click.option("--no-issue", is_flag=True, help="Do not keep the 'Profile drift' issues.")
@pass_workspace
def profiles_sync(ws: Workspace, ids, dry_run, fmt, brands, no_issue):
    """Write the basics the network's API can change; what it cannot becomes a 'Profile drift' issue."""
    _diff_or_sync(ws, ids, fmt, brands, "sync", dry_run=dry_run, issue=not no_issue)
