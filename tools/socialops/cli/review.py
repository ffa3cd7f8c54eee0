"""Commands the GitHub workflows run around pull requests and issue forms: pr-comment, issue-post."""

from __future__ import annotations

import click

from socialops.cli.options import now_option
from socialops.cli.workspace import Workspace, pass_workspace

FORM = ".github/ISSUE_TEMPLATE/new-post.yml"


@click.command("pr-comment")
@click.argument("artifact", type=click.Path(file_okay=False, exists=True))
@click.option("--head-sha", required=True, metavar="SHA", help="The commit the review ran on.")
@click.option("--run-url", required=True, metavar="URL", help="The review run, linked in the comment's footer.")
@click.option("--conclusion", default="success", show_default=True, help="The review run's conclusion.")
@pass_workspace
def pr_comment(ws: Workspace, artifact, head_sha, run_url, conclusion):
    """Post the preview of a review run (its artifact folder: pr-number.txt, preview.json) as the one sticky
    comment on its pull request. Nothing is posted when the pull request has moved on (exit 0)."""
    from pathlib import Path

    from socialops.tracker.pulls import (
        DATA_FILE,
        post_preview,
        preview_comment,
        read_pr_number,
        read_preview_data,
    )

    folder = Path(artifact)
    number = read_pr_number(folder / "pr-number.txt")
    body = preview_comment(read_preview_data(folder / DATA_FILE), head_sha=head_sha, run_url=run_url,
                           passed=conclusion == "success")
    done = post_preview(ws.tracker, number, head_sha, body)
    if done == "stale":
        click.echo(f"pr-comment: pull request #{number} is closed or has newer commits; this preview is stale "
                   "and is not posted", err=True)
    else:
        click.echo(f"pr-comment: pull request #{number}: preview comment {done}", err=True)


@click.command("issue-post")
@click.option("--event", "event_path", type=click.Path(dir_okay=False), envvar="GITHUB_EVENT_PATH", required=True,
              help="The issues event JSON (default: $GITHUB_EVENT_PATH, set by GitHub Actions).")
@click.option("--error-comment", type=click.Path(dir_okay=False), default=None,
              help="When no post can be made, write the issue comment that says why to this file.")
@now_option(hidden=True)
@pass_workspace
def issue_post(ws: Workspace, event_path, error_comment):
    """Write a draft post file from an issue made with the 'Propose a post' form; print {path, title,
    unknown, commit_message, pr_title, pr_body} as JSON (unknown: profiles left out because no such profile
    exists; the texts are safe to use as they are)."""
    import json
    from pathlib import Path

    from socialops.community.commands import read_event
    from socialops.content import issue_form
    from socialops.errors import SocialOpsError

    issue = read_event(event_path).get("issue")
    issue = issue if isinstance(issue, dict) else {}
    body = issue.get("body")
    try:
        fields = issue_form.parse_issue_form(body if isinstance(body, str) else "",
                                             issue_form.form_labels(ws.root / FORM))
        post = issue_form.write_proposed_post(ws.root, fields, now=ws.now.astimezone(ws.tz), tz=ws.tz)
    except SocialOpsError as exc:
        if error_comment:
            Path(error_comment).write_text(issue_form.error_comment(str(exc)), encoding="utf-8")
        raise
    user = issue.get("user")
    texts = issue_form.proposal_texts(post, issue_number=issue.get("number"),
                                      author=user.get("login") if isinstance(user, dict) else None)
    click.echo(json.dumps({"path": post.path, "title": post.title, "unknown": post.unknown_profiles, **texts},
                          ensure_ascii=False))
