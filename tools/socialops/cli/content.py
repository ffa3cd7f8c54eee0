"""Commands about posts: validate, new, preview."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from socialops.cli.options import brand_option, format_option, now_option, profile_option
from socialops.cli.workspace import Workspace, pass_workspace
from socialops.errors import UsageError

POST_TYPES = ["text", "image", "carousel", "video", "story", "reel", "live", "link"]  # click needs them at import


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--changed-since", "changed_since", metavar="REF", help="Check only files changed since this git ref.")
@format_option("text", "json", "github")
@click.option("--strict", is_flag=True, help="Warnings fail too.")
@click.option("--no-cache", is_flag=True, help="Check everything again, ignoring .socialops/cache.")
@brand_option(help="Only this brand's posts (content/<brand>/) and profiles, and the plan (repeatable, or "
                   "acme,beta).")
@pass_workspace
def validate(ws: Workspace, paths, changed_since, fmt, strict, no_cache, brands):
    """Check posts, profiles and schedule.yaml; every problem with file, line and what to do."""
    from socialops.core import problems as fmt_problems
    from socialops.validate.cache import cached_report

    root = ws.root
    missing = [p for p in paths if not (Path(p) if Path(p).is_absolute() else Path.cwd() / p).exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    names = ws.brands(brands) if brands else []
    selected = None
    if paths or changed_since or names:  # only then: the warm path with nothing changed reads no YAML at all
        from socialops.validate.changed import files_to_check

        given = [ws.relative(p) for p in paths] + [f"content/{n}" for n in names]
        selected = files_to_check(root, given or None, changed_since)
    report = None if no_cache else cached_report(root, selected)  # nothing changed: no YAML is read at all
    if report is None:
        from socialops.validate.engine import validate_repository

        report = validate_repository(root, selected, use_cache=not no_cache)
    if names:
        report = _of_brands(ws, report, names)
    if fmt == "json":
        click.echo(fmt_problems.format_json(report.checked, report.problems))
    else:
        if report.problems:
            click.echo((fmt_problems.format_github if fmt == "github" else fmt_problems.format_text)(report.problems))
        # after the problems, on the same stream; --format github keeps standard output to annotations
        click.echo(_summary(report), err=fmt == "github")
    sys.exit(1 if report.errors or (strict and report.warnings) else 0)


def _of_brands(ws: Workspace, report, names: list[str]):
    """The report without the problems of other brands' profile files."""
    from socialops.core.problems import Report
    from socialops.repository.brands import profiles_of

    own = {ws.config.profiles[pid].path for pid in profiles_of(ws.config.profiles, names)}
    others = {p.path for p in ws.config.profiles.values()} - own
    return Report(checked=report.checked - len(others), problems=[p for p in report.problems if p.path not in others])


def _summary(report) -> str:
    from socialops.core.words import plural

    if not report.problems:
        return f"checked {plural(report.checked, 'file')}: all good"
    return f"checked {plural(report.checked, 'file')}: {plural(report.errors, 'error')}, " \
           f"{plural(report.warnings, 'warning')}"


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--changed-since", "changed_since", metavar="REF", help="Preview only posts changed since this git ref.")
@format_option("text", "markdown", "json")
@now_option()
@click.option("--head-sha", envvar="SOCIALOPS_HEAD_SHA", metavar="SHA",
              help="Link media to this commit on GitHub (the pull request's head; default $GITHUB_SHA).")
@click.option("--data", "data_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also write the preview as data (JSON) to FILE: the artifact `socialops pr-comment` renders.")
@pass_workspace
def preview(ws: Workspace, paths, changed_since, fmt, head_sha, data_path):
    """What each profile will receive and when: text, length, media, time. Exit 1 if a post is invalid."""
    import json
    from pathlib import Path

    from socialops.content import preview as previews
    from socialops.core.files import atomic_write_text
    from socialops.validate.changed import posts_to_preview

    selected = posts_to_preview(ws.root, [ws.relative(p) for p in paths] or None, changed_since)
    items = previews.build(ws.root, selected, now=ws.now)
    env = ws.env
    links = previews.Links(server=env.get("GITHUB_SERVER_URL", "https://github.com"),
                           repository=env.get("SOCIALOPS_HEAD_REPOSITORY") or env.get("GITHUB_REPOSITORY"),
                           sha=head_sha or env.get("GITHUB_SHA"))
    if fmt == "json" or data_path:
        data = json.dumps(previews.to_data(items, now=ws.now, tz=ws.tz, links=links), ensure_ascii=False, indent=1)
        if data_path:
            atomic_write_text(Path(data_path), data + "\n")
    if fmt == "json":
        click.echo(data)
    elif fmt == "markdown":
        click.echo(previews.format_markdown(items, now=ws.now, tz=ws.tz, links=links), nl=False)
    else:
        click.echo(previews.format_text(items, now=ws.now, tz=ws.tz), nl=False)
    sys.exit(1 if any(q.severity == "error" for p in items for q in p.problems) else 0)


@click.command()
@click.argument("title")
@profile_option(required=True, help="Profile id (repeatable).")
@click.option("--type", "post_type", type=click.Choice(POST_TYPES), help="Post type (default: inferred).")
@click.option("--at", "when", metavar="WHEN", help="Publish time, 'YYYY-MM-DD HH:MM' in the plan's timezone.")
@now_option(help="Pretend the time is this (tests).", hidden=True)
@pass_workspace
def new(ws: Workspace, title, profiles, post_type, when):
    """Write a new post file with a fresh, unique id."""
    from socialops.content.new import create_post

    rel = create_post(ws.root, title, ws.profile_ids(profiles), post_type=post_type, when=when, now=ws.now,
                      tz=ws.tz)
    click.echo(rel)
    click.echo(f"wrote {rel} as a draft (status: draft): it is not published until you write the text"
               f"{' and media' if post_type in ('image', 'carousel', 'video', 'story', 'reel') else ''}"
               f"{' and link' if post_type == 'link' else ''} and set 'status: ready'. "
               f"See what each profile will receive: socialops preview {rel}", err=True)
