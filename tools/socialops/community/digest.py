"""The digest issue of a flood: past a profile's ``moderation.issue_cap`` in one comments run, flagged
comments are listed in one issue per profile and day, one line each (category, time, a safe link, the post),
so nothing is dropped and a flood of spam cannot open hundreds of issues. The lines name no commenter and
quote nothing; the comments are acted on at the network (or hidden by the profile's hide rules)."""

from __future__ import annotations

import datetime as dt

from socialops.community.issues import Found
from socialops.core.safetext import escape_untrusted_markdown, safe_link
from socialops.tracker.interface import Tracker
from socialops.tracker.markers import MAX_BODY

CHUNK = MAX_BODY - 2000  # room for the heading of each part


def digest_key(profile_id: str, day: dt.date) -> str:
    return f"comments-{profile_id}-digest-{day:%Y-%m-%d}"


def digest_line(found: Found) -> str:
    c, d = found.comment, found.decision
    when = f"{c.created_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" if c.created_at else "time unknown"
    hidden = " · hidden by the hide rule" if found.hidden == "hidden" else ""
    return (f"- {d.category} ({d.confidence}) · {when} · {safe_link(c.url, 'open on the network')} · post "
            f"{escape_untrusted_markdown(found.post_id, max_chars=80)}{hidden}")


def _chunks(lines: list[str]) -> list[str]:
    out, part = [], ""
    for line in lines:
        if part and len(part) + len(line) + 1 > CHUNK:
            out.append(part)
            part = ""
        part += line + "\n"
    return [*out, part] if part else out


def write_digest(tracker: Tracker, items: list[Found], *, now: dt.datetime, tz, cap: int) -> tuple[str, int | None]:
    """List ``items`` (one profile's comments past its cap) in the profile's digest issue of the day: opened
    with the first lines, later runs and longer lists add comments. Returns the issue's key and number."""
    profile = items[0].profile
    key = digest_key(profile.id, now.astimezone(tz).date())
    categories = sorted({f.decision.category for f in items})
    labels = ["moderation", "digest", f"profile:{profile.id}", f"network:{items[0].network}", *categories]
    parts = _chunks([digest_line(f) for f in items])
    heading = (f"**{len(items)} more flagged comment{'s' if len(items) != 1 else ''}** on `{profile.id}` past "
               f"this run's cap of {cap} issues (`moderation.issue_cap` in `{profile.path}`):\n\n")
    existing = tracker.find_issue(key)
    if existing is None:
        intro = (f"A flood of comments on `{profile.id}`: past the cap, each flagged comment is listed here, "
                 "one line each, instead of an issue of its own. Open a comment to hide, delete or block on the "
                 "network; the profile's hide rules still hide what they match. Close this issue when done.\n\n")
        issue = tracker.open_issue(key, f"Many flagged comments on {profile.id} on {key[-10:]}",
                                   intro + heading + parts[0], labels, reopen=True)
        rest = parts[1:] if issue.created else parts
    else:
        issue = tracker.open_issue(key, existing.title, existing.body, labels, reopen=True)
        rest = parts
    for i, part in enumerate(rest):
        tracker.comment(key, (heading if i == 0 else "(continued)\n\n") + part)
    tracker.add_labels(key, labels)
    return key, issue.number
