"""The monthly plan pull request: the metrics' advice (``socialops.metrics.advice``) written into
``schedule.yaml`` and proposed for review, with the evidence as its description.

Nothing here changes the plan on main: the edited ``schedule.yaml`` goes to the branch ``socialops/tune``
(reset to the base each month) and a pull request, which people review and merge like any post
(``socialops.tracker.proposals``). Without GitHub the outbox holds the proposal (the demo, a laptop).

The file is edited line by line -- only the value of a ``share:`` line or a cadence entry's flow list
(``hours: [...]``, ``times: [...]``, ``days: [...]``) -- so comments and layout stay; the result is parsed again
and must say exactly what was meant, or that change is left out and named in the description.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.core.safetext import escape_untrusted_markdown
from socialops.metrics.advice import Advice, ShareChange, SlotChange, advise
from socialops.metrics.best_times import SUGGESTED_HOURS, pooled_networks
from socialops.metrics.charts import WEEKDAYS
from socialops.metrics.report import REPORTS_DIR
from socialops.metrics.tables import AUDIENCE, METRICS_DIR, POSTS, read_table
from socialops.repository.schedule import SCHEDULE_FILE, parse_schedule
from socialops.tracker.interface import Tracker
from socialops.tracker.proposals import Proposal, propose

BRANCH = "socialops/tune"
BASE = "main"


@dataclass
class Tuning:
    """The advice, the edited ``schedule.yaml`` (None when nothing changes) and the pull request's texts."""

    advice: Advice
    month: str
    text: str | None
    title: str
    body: str
    applied: list[SlotChange | ShareChange] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _flow_list(values: tuple) -> str:
    return "[" + ", ".join(f'"{v}"' if isinstance(v, str) and ":" in v else str(v) for v in values) + "]"


def _edit_slot(lines: list[str], schedule: Any, change: SlotChange) -> bool:
    number = schedule.line(*schedule.cadence_keys(change.profile), change.index)
    line = lines[number - 1]
    pattern = re.compile(rf"(\b{change.field}\s*:\s*)\[[^\]\n]*\]")
    if not pattern.search(line):
        return False
    lines[number - 1] = pattern.sub(lambda m: m.group(1) + _flow_list(change.new), line, count=1)
    return True


def _edit_share(lines: list[str], schedule: Any, change: ShareChange) -> bool:
    number = schedule.line("pillars", change.pillar, "share")
    line = lines[number - 1]
    pattern = re.compile(r"^(\s*share\s*:\s*)(\d+(?:\.\d+)?)(?=\s*(#.*)?$)")
    if not pattern.match(line):
        return False
    lines[number - 1] = pattern.sub(lambda m: m.group(1) + f"{change.new:g}", line, count=1)
    return True


def _means_it(schedule: Any, change: SlotChange | ShareChange) -> bool:
    if isinstance(change, ShareChange):
        return schedule.pillars.get(change.pillar, {}).get("share") == change.new
    entry = schedule.cadence.get(change.profile, [])[change.index]
    return isinstance(entry, dict) and tuple(entry.get(change.field) or ()) == change.new


def apply_advice(text: str, advice: Advice) -> tuple[str | None, list, list[str]]:
    """``schedule.yaml``'s text with the advice applied: (new text or None, applied changes, skipped notes)."""
    schedule = parse_schedule(text, SCHEDULE_FILE)
    lines = text.split("\n")
    applied: list[SlotChange | ShareChange] = []
    skipped: list[str] = []
    for change in [*advice.slots, *advice.shares]:
        trial = list(lines)
        edit = _edit_share if isinstance(change, ShareChange) else _edit_slot
        what = f"pillar {change.pillar}" if isinstance(change, ShareChange) else (
            f"{change.profile} cadence entry {change.index + 1} ({change.field})")
        if not edit(trial, schedule, change) or not _means_it(parse_schedule("\n".join(trial), SCHEDULE_FILE),
                                                             change):
            skipped.append(f"{what}: not written in a form this command edits (a one-line flow list or a "
                           "`share:` line); change it by hand if you agree")
            continue
        lines = trial
        applied.append(change)
    new = "\n".join(lines)
    return (new if new != text else None), applied, skipped


def _slot_line(c: SlotChange) -> str:
    return f"| {c.profile} | {c.field} | {_flow_list(c.old)} | {_flow_list(c.new)} | {c.why} |"


def describe(tuning: Tuning) -> str:
    """The pull request's description: what changes, why (the evidence), and what is only noted."""
    advice = tuning.advice
    md = [f"The metrics up to {tuning.month} suggest these changes to `schedule.yaml`. Review them like any post: "
          "merge to change the plan, edit the branch to change the proposal, close to leave the plan as it is.", ""]
    slots = [c for c in tuning.applied if isinstance(c, SlotChange)]
    shares = [c for c in tuning.applied if isinstance(c, ShareChange)]
    if slots:
        md += ["### Cadence", "", "| profile | field | now | proposed | why |", "|---|---|---|---|---|"]
        md += [_slot_line(c) for c in slots] + [""]
    if shares:
        md += ["### Pillar shares", "", "Each pillar moves toward what its posts achieve (at most 5 points a month; "
               "the total stays the same).", "", "| pillar | posts | engagement vs average | share now | proposed |",
               "|---|---|---|---|---|"]
        md += [f"| {c.pillar} | {c.posts} | {c.multiplier:.2f}× | {c.old:g} % | {c.new:g} % |" for c in shares] + [""]
    if not tuning.applied:
        md += ["No change to the plan this month: the estimates are not sure enough yet, or the plan already "
               "follows them.", ""]
    if advice.types:
        md += ["### Worth a look (not changed here)", ""]
        md += [f"- Post type **{n.type}** engages {(1 - n.multiplier) * 100:.0f} % below its profiles' average "
               f"({n.posts} posts): fewer of them, or a different format." for n in advice.types] + [""]
    md += ["### When to post: the estimates", ""]
    for pid, found in sorted(advice.best.items()):
        if found.reason:
            md.append(f"- **{pid}**: {found.reason}.")
            continue
        hours = ", ".join(f"{h:02d}:00" for h in found.best_hours[:SUGGESTED_HOURS])
        days = ", ".join(WEEKDAYS[d] for d, _, _ in found.weekdays[:3])
        md.append(f"- **{pid}**: best hours {hours} ({found.level} confidence, {found.confidence * 100:.0f} %); "
                  f"best weekdays {days}; from {found.posts} posts"
                  + (" and when its followers are online" if found.basis == "audience" else "") + ".")
    md.append("")
    if tuning.skipped:
        md += ["### Left for people", ""]
        md += [f"- {escape_untrusted_markdown(s, max_chars=300)}" for s in tuning.skipped] + [""]
    md += [f"The full evidence: `{REPORTS_DIR}/{tuning.month}.md` (the monthly report). Written by "
           "`socialops tune --pull-request`; nothing changes the plan until this is merged."]
    return "\n".join(md).rstrip() + "\n"


def tune(root: Path, *, now: dt.datetime, month: str) -> Tuning:
    """The advice for the plan from the metrics up to ``now``, applied to ``schedule.yaml``'s text."""
    root = Path(root)
    text = (root / SCHEDULE_FILE).read_text(encoding="utf-8")
    schedule = parse_schedule(text, SCHEDULE_FILE)
    advice = advise(schedule, read_table(root / METRICS_DIR, POSTS).values(),
                    read_table(root / METRICS_DIR, AUDIENCE).values(), now=now, networks=pooled_networks(root))
    new, applied, skipped = apply_advice(text, advice)
    tuning = Tuning(advice, month, new, f"Plan: tune the cadence and pillars from the metrics ({month})", "",
                    applied, skipped)
    tuning.body = describe(tuning)
    return tuning


def open_tune_pull_request(tracker: Tracker, tuning: Tuning, *, base: str = BASE) -> Proposal | None:
    """Propose the tuned ``schedule.yaml`` as a pull request; None when the plan needs no change."""
    if tuning.text is None:
        return None
    return propose(tracker, branch=BRANCH, base=base, title=tuning.title, body=tuning.body,
                   files={SCHEDULE_FILE: tuning.text}, message=tuning.title)
