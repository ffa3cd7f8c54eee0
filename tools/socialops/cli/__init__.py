"""The `socialops` command line. Thin: parse options, call the library, print, map errors to exit codes.

Exit codes: 0 fine, 1 problems found or a run failed (any SocialOpsError), 2 usage or configuration error.
With `--format json` only JSON goes to stdout; messages and progress go to stderr.

One module per group of commands (content, plan, run, accounts, review); shared options in options.py, and
the workspace each command works in (root, timezone, --now, configuration, tracker) in workspace.py. The
library is imported inside the commands, so `socialops --help` starts fast.
"""

from __future__ import annotations

import click

from socialops.cli import accounts, content, plan, review, run
from socialops.errors import ConfigError, SocialOpsError, UsageError


class _Main(click.Group):
    """Turns the library's errors into a clean message and an exit code; anything else is a bug."""

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


for _command in (content.validate, content.new, content.preview, plan.plan, plan.calendar, run.publish,
                 run.metrics, run.report, run.comments, run.moderate, run.demo, accounts.codeowners,
                 accounts.profiles, review.pr_comment, review.issue_post):
    main.add_command(_command)
