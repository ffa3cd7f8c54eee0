"""The issues a publish run opens (failed, unconfirmed, missed pairs) and closes (published at last)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialops.core.safetext import escape_untrusted_markdown
from socialops.errors import SocialOpsError, TrackerError
from socialops.publish.results import PairResult, RunResult, local_time
from socialops.tracker import tracker_from_env

TITLES = {"failed": "Publishing failed", "unconfirmed": "Was it published? Please check", "missed": "Missed its time",
          "comment": "First comment failed"}


@dataclass
class Issue:
    """An issue to open about one pair; its link goes into the pair's row."""

    row: PairResult
    key: str
    title: str
    body: str
    labels: list[str]


def issue_key(kind: str, post_id: str, profile: str) -> str:
    return f"publish-{kind}--{post_id}--{profile}"


def pair_issue(kind: str, row: PairResult, labels: list[str], *, detail: str, tz: Any, body: str = "") -> Issue:
    """The issue of kind failed, unconfirmed or missed about the pair of ``row``."""
    return Issue(row, issue_key(kind, row.post_id, row.profile), f"{TITLES[kind]}: {row.post_id} on {row.profile}",
                 body or issue_body(kind, row, detail, tz), [*labels, f"profile:{row.profile}"])


def issue_body(kind: str, row: PairResult, detail: str, tz: Any) -> str:
    lines = [f"**Post:** `{row.path}` (id `{row.post_id}`)", f"**Profile:** `{row.profile}`",
             f"**Due:** {local_time(row.at, tz)}", "", escape_untrusted_markdown(detail, max_chars=2000), ""]
    post_id, profile = row.post_id, row.profile
    if kind == "unconfirmed":
        lines += [
            "socialops cannot tell whether this post reached the network, so it will not post it again "
            "on its own (that could make a duplicate). Please look at the profile:",
            "",
            f"- **It is there:** append `<time>,{post_id},{profile},published,,,<id>,<url>,checked by hand,,` "
            "to `state/publications.csv`, or just close this issue.",
            f"- **It is not there:** append `<time>,{post_id},{profile},retry,,,,,,,` to "
            "`state/publications.csv` (time like 2026-12-01T09:00:00Z); the next run publishes it.",
        ]
    elif kind == "missed":
        lines += ["It was not posted because it is past the late window set in `schedule.yaml` "
                  "(`late_window`). To publish it anyway, give it a new `publish_at`, or append "
                  f"`<time>,{post_id},{profile},retry,,,,,,,` to `state/publications.csv`."]
    elif kind == "comment":
        lines += [f"The post is out{' (' + row.url + ')' if row.url else ''}, but its first comment could not be "
                  "added, on several runs. Add it by hand under the post (socialops will not try again, so it "
                  "cannot make a second one), then close this issue."]
    else:
        lines += ["Other posts were published normally. Fix what the message says; the next run tries again "
                  "(a changed post is retried automatically)."]
    return "\n".join(lines)


def invalid_post_body(errors: list[str]) -> str:
    """The issue text of a post that does not validate."""
    return "The post cannot be published until these problems are fixed:\n\n" + "\n".join(
        f"- `{e}`" for e in errors) + "\n\nFix the file (run `socialops validate` to check); the next publish " \
        "run tries again."


def open_issues(root: Path, env: dict[str, str], tracker: Any, issues: list[Issue], resolved: list[str],
                result: RunResult) -> None:
    """Open (or reopen) ``issues``, close those of ``resolved`` keys; the tracker's failure is a warning."""
    if not issues and not resolved:
        return
    try:
        if tracker is None:
            tracker = tracker_from_env(root, env)
        for issue in issues:
            opened = tracker.open_issue(issue.key, issue.title, issue.body, issue.labels, reopen=True)
            issue.row.issue = opened.url or (f"#{opened.number}" if opened.number else issue.key)
        for key in resolved:
            if tracker.find_issue(key) is not None:
                tracker.close(key, "Published on a later run.")
    except (TrackerError, SocialOpsError) as exc:
        result.warnings.append(f"could not open the issues: {exc}")
