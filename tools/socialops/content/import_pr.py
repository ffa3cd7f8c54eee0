"""Where an import's posts go: one pull request on GitHub (a branch reset to the base, as `tune` proposes the
plan), else a new local branch committed beside the one checked out, else (no git at all) the files themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialops.content.importer import NewPost, Plan
from socialops.content.new import slugify
from socialops.core.files import atomic_write_text
from socialops.core.safetext import escape_untrusted_markdown
from socialops.core.words import plural
from socialops.repository.git import commit_to_new_branch, is_work_tree
from socialops.tracker.outbox import OutboxTracker
from socialops.tracker.proposals import propose

MAX_LISTED = 200  # rows listed in the pull request's text; the files are all there anyway


@dataclass
class Delivery:
    how: str  # pull-request | branch | files
    where: str  # the pull request's address, the branch, or the content folder
    result: str = "created"  # created | updated | unchanged (a pull request)
    number: int | None = None
    commit: str | None = None


def branch_name(sheet_name: str) -> str:
    """import/<the file's name>: importing the same file again brings its pull request up to date."""
    return f"import/{slugify(Path(sheet_name).stem)}"


def describe(plan: Plan, posts: list[NewPost]) -> tuple[str, str]:
    """The pull request's (and commit's) title and body. Cell text is escaped: the sheet is untrusted."""
    name = escape_untrusted_markdown(plan.sheet.name, max_chars=120)
    title = f"Import {plural(len(posts), 'post')} from {plan.sheet.name}"[:200]
    lines = [f"Posts from the spreadsheet **{name}**, one file a row, checked by `socialops validate`'s rules "
             "before they were written. Each goes out at its time once this is merged; review the preview.", "",
             "| row | file |", "|---|---|"]
    lines += [f"| {p.row} | `{p.path}` |" for p in posts[:MAX_LISTED]]
    if len(posts) > MAX_LISTED:
        lines.append(f"| … | and {len(posts) - MAX_LISTED} more |")
    skipped = sorted(set(plan.invalid_rows))
    if skipped:
        lines += ["", f"Left out because they are invalid (`--skip-invalid`): rows {_rows(skipped)}."]
    if plan.left_out:
        lines += ["", f"Left out as already published: rows {_rows([r for r, _ in plan.left_out])}."]
    lines += ["", "Written by `socialops import`."]
    return title, "\n".join(lines) + "\n"


def _rows(rows: list[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:50])
    return shown + (f" and {len(rows) - 50} more" if len(rows) > 50 else "")


def deliver(root: Path, plan: Plan, posts: list[NewPost], *, tracker: Any, branch: str, base: str) -> Delivery:
    """Put the posts where people review them (see the module's text)."""
    files = {p.path: p.text for p in posts}
    title, body = describe(plan, posts)
    if not isinstance(tracker, OutboxTracker):
        found = propose(tracker, branch=branch, base=base, title=title, body=body, files=files, message=title,
                        one_commit=True)
        return Delivery("pull-request", found.where, found.result, found.number)
    if is_work_tree(root):
        commit = commit_to_new_branch(root, branch, files, f"{title}\n\n{body}")
        return Delivery("branch", branch, commit=commit)
    for p in posts:
        (root / p.path).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(root / p.path, p.text)
    return Delivery("files", "content/")
