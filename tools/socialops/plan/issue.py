"""The one "Content plan" issue: opened while `plan --check` finds something, updated, closed when the plan
is full again. It carries the weekly digest (plan/weekly.py); while it is closed, the digest is an issue of its
own, one a week: "Weekly digest YYYY-Www"."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from socialops.core.safetext import escape_untrusted_markdown
from socialops.plan.view import check_findings, when_text
from socialops.tracker.interface import sync_status_issue

PLAN_ISSUE_KEY = "content-plan"
PLAN_ISSUE_LABELS = ("plan-gap",)
WEEKLY_ISSUE_KEY = "weekly-digest"
WEEKLY_ISSUE_LABEL = "weekly-digest"
WEEKLY_MOVES = "The weekly digest goes on in its own issue, \"Weekly digest\" and the week (label `weekly-digest`)."
PLAN_ISSUE_OPEN = ("opened", "reopened", "updated", "unchanged")


def plan_issue_body(plan: dict[str, Any], escape=lambda s: s, weekly: str = "") -> str:
    """The "Content plan" issue: what --check found, and how to fix it, then the ``weekly`` section (see
    plan/weekly.py). `escape` makes titles safe Markdown."""
    out = [f"`socialops plan --check` found these in the next {plan['horizon_days']} days "
           f"(checked {plan['now'].replace('T', ' ')}, {plan['timezone']}).", ""]
    if plan["gaps"]:
        out += [f"**{len(plan['gaps'])} empty slots.** Fill them with posts without `publish_at` (they take the "
                "next free slot) or with posts timed at these times:", ""]
        by_profile: dict[str, list[str]] = {}
        for gap in plan["gaps"]:
            by_profile.setdefault(gap["profile"], []).append(when_text(gap["at"]))
        for pid, whens in by_profile.items():
            out.append(f"- `{pid}`: {', '.join(whens)}")
        out.append("")
    if plan["collisions"]:
        out += ["**Posts at the same time on one profile** (move one of them):", ""]
        for col in plan["collisions"]:
            out.append(f"- `{col['profile']}` {when_text(col['at'])}: {', '.join(f'`{p}`' for p in col['posts'])}")
        out.append("")
    if plan["blackout_posts"]:
        out += ["**Posts timed on blackout days** (move them or change the blackout in schedule.yaml):", ""]
        for b in plan["blackout_posts"]:
            out.append(f"- `{b['post']}` ({escape(b['title'])}) on {when_text(b['at'])} in `{b['path']}`")
        out.append("")
    if weekly:
        out += [weekly.rstrip(), ""]
    out.append("This issue is updated by the plan workflow and closed when the plan is full again.")
    return "\n".join(out)


def sync_plan_issue(tracker: Any, plan: dict[str, Any], weekly: str = "", brand: str | None = None) -> str:
    """Open, update or close the one "Content plan" issue (one per brand, labelled brand:<name>, for a brand's
    plan), with the ``weekly`` section in its body (or in the closing comment). Returns what was done: opened,
    reopened, updated, unchanged, closed or none."""
    needed = check_findings(plan)
    n = len(plan["gaps"])
    name = f"Content plan of {brand}" if brand else "Content plan"
    title = f"{name}: {n} empty slot{'s' if n != 1 else ''} in the next {plan['horizon_days']} days" if n \
        else f"{name}: posts to move"
    body = plan_issue_body(plan, lambda s: escape_untrusted_markdown(s, max_chars=200), weekly) if needed else ""
    done = sync_status_issue(
        tracker, f"{PLAN_ISSUE_KEY}-{brand}" if brand else PLAN_ISSUE_KEY, needed=needed, title=title, body=body,
        labels=[*PLAN_ISSUE_LABELS, f"brand:{brand}"] if brand else PLAN_ISSUE_LABELS,
        close_comment=f"The plan is full again: no empty slots in the next {plan['horizon_days']} days "
                      f"(checked {plan['now'].replace('T', ' ')})." + (f"\n\n{WEEKLY_MOVES}" if weekly else ""),
        same=lambda old, new: _without_checked(old) == _without_checked(new))
    return done or ("unchanged" if needed else "none")


def _without_checked(body: str) -> str:
    return re.sub(r"\(checked [^)]*\)", "", body or "").strip()


def digest_week(now: dt.datetime, tz: ZoneInfo) -> str:
    """The ISO week of ``now`` in the plan's timezone: 2026-W49."""
    year, week, _ = now.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def sync_weekly_issue(tracker: Any, weekly: str, *, now: dt.datetime, tz: ZoneInfo, plan_issue: str,
                      brand: str | None = None) -> str:
    """The weekly digest as its own issue while no "Content plan" issue is open to carry it (``plan_issue``:
    what ``sync_plan_issue`` did): "Weekly digest YYYY-Www" (of a brand), labelled ``weekly-digest``, one a
    week, edited in place within the week; last week's is closed when this week's opens. When the plan issue
    carries the digest again, or the week has nothing to tell, this week's issue is closed. Returns opened,
    reopened, updated, unchanged, closed or none."""
    of = f"-{brand}" if brand else ""
    week = digest_week(now, tz)
    key, before = (f"{WEEKLY_ISSUE_KEY}-{w}{of}" for w in (week, digest_week(now - dt.timedelta(days=7), tz)))
    if plan_issue in PLAN_ISSUE_OPEN or not weekly:
        why = "The weekly digest is in the \"Content plan\" issue again." if weekly \
            else "Nothing to tell this week: no posts either side, no open customer-service issue."
        _close_if_open(tracker, before, why)
        return "closed" if _close_if_open(tracker, key, why) else "none"
    title = f"Weekly digest {week}" + (f" of {brand}" if brand else "")
    body = (f"{weekly.rstrip()}\n\nThis issue is updated by the plan workflow during the week {week}; the next "
            "week's digest is a new issue, and this one is closed then.")
    done = sync_status_issue(tracker, key, needed=True, title=title, body=body,
                             labels=[WEEKLY_ISSUE_LABEL, *([f"brand:{brand}"] if brand else [])], close_comment="")
    _close_if_open(tracker, before, f"This week's digest: {title}.")
    return done or "unchanged"


def _close_if_open(tracker: Any, key: str, comment: str) -> bool:
    found = tracker.find_issue(key)
    if found is None or found.state != "open":
        return False
    tracker.close(key, comment)
    return True
