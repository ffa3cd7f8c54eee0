"""The one "Content plan" issue: opened while `plan --check` finds something, updated, closed when the plan
is full again."""

from __future__ import annotations

import re
from typing import Any

from socialops.core.safetext import escape_untrusted_markdown
from socialops.plan.view import check_findings, when_text
from socialops.tracker.interface import sync_status_issue

PLAN_ISSUE_KEY = "content-plan"
PLAN_ISSUE_LABELS = ("plan-gap",)


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
                      f"(checked {plan['now'].replace('T', ' ')})." + (f"\n\n{weekly}" if weekly else ""),
        same=lambda old, new: _without_checked(old) == _without_checked(new))
    return done or ("unchanged" if needed else "none")


def _without_checked(body: str) -> str:
    return re.sub(r"\(checked [^)]*\)", "", body or "").strip()
