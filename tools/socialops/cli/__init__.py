"""The `socialops` command line. Thin: parse options, call the library, print, map errors to exit codes.

Exit codes: 0 fine, 1 problems found or a run failed (any SocialOpsError), 2 usage or configuration error.
With `--format json` only JSON goes to stdout; messages and progress go to stderr.

One module per group of commands (content, plan, run, accounts, review, sheets), loaded when one of its commands
runs; shared options in options.py, and the workspace each command works in (root, timezone, --now,
configuration, tracker) in workspace.py. The library is imported inside the commands, so `socialops --help`
starts fast.
"""

from __future__ import annotations

import importlib
import keyword

import click

from socialops.errors import ConfigError, SocialOpsError, UsageError

# Each command's module and the first paragraph of its help. A command's module is imported only when that
# command runs, so `socialops --help` loads none of them and `socialops validate` one (tests/test_cli_main.py
# checks that this table says what the commands themselves say).
COMMANDS: dict[str, tuple[str, str]] = {
    "calendar": ("plan", "An iCalendar file of planned and published posts and live sessions, with stable UIDs."),
    "codeowners": ("accounts", "Write .github/CODEOWNERS from the profiles' owners, and the token secrets each "
                               "workflow passes."),
    "comments": ("run", "Fetch new comments, classify them, hide per the profiles' rules and open issues for people."),
    "demo": ("run", "The whole loop on the sandbox network, in a scratch copy: validate, plan, publish, issues."),
    "export": ("sheets", "Write the plan to a CSV file a spreadsheet opens and `socialops import` reads again: each "
                         "post with its time, profiles, text, media and status."),
    "import": ("sheets", "Bring a content calendar in from a spreadsheet (.csv or .xlsx): a post file per row, on a "
                         "branch with one pull request. Every invalid row is named with its column; nothing is "
                         "written while one is invalid."),
    "init": ("template", "Make this template your brand's repository, or add a profile to it."),
    "issue-post": ("review", "Write a draft post file from an issue made with the 'Propose a post' form; print {path, "
                             "title, unknown, commit_message, pr_title, pr_body} as JSON (unknown: profiles left out "
                             "because no such profile exists; the texts are safe to use as they are)."),
    "metrics": ("run", "Fetch post figures, followers and audience into metrics/*.csv. Exit 1 when some could not be "
                       "fetched."),
    "moderate": ("run", "Carry out a /command written in a comment's issue or digest (/reply, /hide, /unhide, /delete, "
                        "/block, /dismiss, /flag) or in a manual task's issue (/done URL, /skip)."),
    "new": ("content", "Write a new post file with a fresh, unique id."),
    "plan": ("plan", "The calendar of slots per profile and week: filled, empty, the pillar mix, blackouts and "
                     "collisions."),
    "post-figures": ("loop", "Comment each post's figures (per profile, against the profile's median) on the pull "
                             "request that added it, after 24 hours and after 7 days: one comment per post, kept up "
                             "to date."),
    "pr-comment": ("review", "Post the preview of a review run (its artifact folder: pr-number.txt, preview.json) as "
                             "the one sticky comment on its pull request. Nothing is posted when the pull request has "
                             "moved on (exit 0)."),
    "preview": ("content", "What each profile will receive and when: text, length, media, time. Exit 1 if a post is "
                           "invalid."),
    "profiles": ("accounts", "Profile basics as code: check access, compare with the live accounts, apply what the API "
                             "allows."),
    "publish": ("run", "Publish the due posts exactly once, recording each outcome in state/publications.csv."),
    "report": ("run", "Write reports/YYYY-MM.md with charts: growth, engagement, best hours, top posts, audience, "
                      "suggestions."),
    "site": ("plan", "A static dashboard for GitHub Pages: the month calendar, each post as it will look, the plan, "
                     "charts."),
    "tune": ("loop", "Propose changes to schedule.yaml from the metrics (cadence hours and weekdays, pillar shares) as "
                     "a pull request with the evidence; the plan changes only when it is merged."),
    "validate": ("content", "Check posts, profiles and schedule.yaml; every problem with file, line and what to do."),
}


class _Main(click.Group):
    """Loads a command's module when the command runs, and turns the library's errors into a clean message and
    an exit code; anything else is a bug."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module = importlib.import_module(f"socialops.cli.{COMMANDS[name][0]}")
        attr = name.replace("-", "_")
        return getattr(module, f"{attr}_" if keyword.iskeyword(attr) else attr)  # `import` is import_

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)  # as click.Group lays it out
        with formatter.section("Commands"):
            formatter.write_dl([(name, click.Command(name, help=text).get_short_help_str(limit))
                                for name, (_, text) in sorted(COMMANDS.items())])

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SocialOpsError as exc:
            click.echo(f"socialops: {exc}", err=True)
            ctx.exit(2 if isinstance(exc, UsageError | ConfigError) else 1)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--repo", type=click.Path(file_okay=False), help="The repository (default: found upwards from here).")
@click.version_option(package_name="socialops")
@click.pass_context
def main(ctx: click.Context, repo: str | None) -> None:
    """Social media maintenance as code: posts, profiles and the plan live in this repository."""
    ctx.ensure_object(dict)
    ctx.obj["repo"] = repo

