"""Option bundles shared by the commands: one --now, one --format, one --profile."""

from __future__ import annotations

import click

from socialops.cli.workspace import NOW_KEY

NOW_HELP = "As if the time were T (naive = the plan's timezone)."


def now_option(help: str = NOW_HELP, hidden: bool = False):
    """--now T, read by the Workspace (in the plan's timezone when naive)."""

    def remember(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
        ctx.meta[NOW_KEY] = value

    return click.option("--now", metavar="T", help=help, hidden=hidden, expose_value=False, callback=remember)


def format_option(*choices: str):
    """--format, the first choice the default; `json` writes only JSON to standard output."""
    return click.option("--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True,
                        help="Output format." + (" json: only JSON on standard output." if "json" in choices else ""))


def profile_option(required: bool = False, help: str = "Only this profile (repeatable)."):
    """--profile ID (repeatable); check the ids with Workspace.profile_ids."""
    return click.option("--profile", "profiles", multiple=True, required=required, metavar="ID", help=help)


def brand_option(help: str = "Only the profiles of this brand (repeatable, or a comma list: acme,beta)."):
    """--brand NAME (repeatable, or comma separated); check the names with Workspace.select_profiles."""
    return click.option("--brand", "brands", multiple=True, metavar="NAME", help=help)


def no_push_option():
    return click.option("--no-push", is_flag=True, help="Commit state/ but do not fetch, rebase or push.")
