"""The digest: nothing a comments run reads is dropped. Every comment that gets no issue of its own -- one
that is not flagged (praise, chatter, a category the profile does not flag), and, past the profile's
``moderation.issue_cap`` in one run, a flagged one -- is listed in one issue per profile and day, one line
each (category, confidence, time, a safe link, the post), the most severe first.

Each line is numbered, and the body's hidden data line (``<!-- socialops:digest=... -->``, compressed; a
different marker from a thread issue's, so the digest is never taken for one) names what acting on the
comment needs. So the commands of a thread issue work here too: ``/reply N`` (thanking for praise),
``/hide N``, ``/unhide N``, ``/delete N``, ``/block N``, ``/dismiss``, and ``/flag N``, which opens the
comment's thread issue (quote, reasons and commands) for a closer look. Later runs of the same day add
lines with the next numbers. The lines name no commenter and quote nothing (a flood of spam stays inert);
past what one issue body holds, further lines go into comments of the issue without numbers (open them on
the network to act).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
import zlib

from socialops.community.categories import CUSTOMER_SERVICE, MODERATION, SEVERITY, Decision
from socialops.community.issues import (
    Found,
    IssueComment,
    issue_comments,
    issue_key,
    issue_labels,
    render_issue,
)
from socialops.core.safetext import escape_untrusted_markdown, safe_link
from socialops.networks.contract import Network
from socialops.repository.profiles import Profile
from socialops.tracker.interface import Tracker
from socialops.tracker.markers import MAX_BODY

CHUNK = MAX_BODY - 2000  # room for the heading of each part
ROOM = MAX_BODY - 1000  # the body's limit, with room for the tracker's hidden marker
_DATA_RE = re.compile(r"<!-- socialops:digest=(?P<data>[A-Za-z0-9_=-]*) -->")
LIST_HEADING = "\n### Comments\n"
COMMANDS_HEADING = "\n### Commands\n"
ACTIONS = ("hide", "unhide", "delete", "block")


def digest_key(profile_id: str, day: dt.date) -> str:
    return f"comments-{profile_id}-digest-{day:%Y-%m-%d}"


def rank(found: Found) -> tuple[int, int, str]:
    """Where a comment stands in the digest: flagged before not flagged, then by severity, then by time."""
    c = found.comment
    return (0 if found.decision.flagged else 1, SEVERITY.index(found.decision.category),
            c.created_at.astimezone(dt.UTC).isoformat() if c.created_at else "")


def digest_line(found: Found, number: int | None = None) -> str:
    c, d = found.comment, found.decision
    when = f"{c.created_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" if c.created_at else "time unknown"
    hidden = " · hidden by the hide rule" if found.hidden == "hidden" else ""
    flagged = " · flagged, past this run's issue cap" if d.flagged and number is not None else ""
    numbered = f" · **comment {number}**" if number is not None else ""
    return (f"- {d.category} ({d.confidence}){numbered} · {when} · {safe_link(c.url, 'open on the network')} · post "
            f"{escape_untrusted_markdown(found.post_id, max_chars=80)}{hidden}{flagged}")


def _entry(number: int, found: Found) -> dict:
    """What the data line keeps of a listed comment: what an action needs, and its post for /flag."""
    return {**IssueComment(number, found.comment, found.network, found.decision.category).as_data(),
            "post_id": found.post_id, "post_title": found.post_title, "post_path": found.post_path,
            "post_url": found.post_url}


def _data_line(entries: list[dict]) -> str:
    packed = zlib.compress(json.dumps(entries, separators=(",", ":"), sort_keys=True).encode("utf-8"), 9)
    return f"<!-- socialops:digest={base64.urlsafe_b64encode(packed).decode('ascii')} -->"


def digest_entries(body: str | None) -> list[dict]:
    """The listed comments of a digest body, as its data line keeps them ([] for any other body)."""
    m = _DATA_RE.search(body or "")
    if not m:
        return []
    try:
        data = json.loads(zlib.decompress(base64.urlsafe_b64decode(m.group("data").encode("ascii"))))
    except (ValueError, binascii.Error, zlib.error):
        return []
    return [d for d in data if isinstance(d, dict)] if isinstance(data, list) else []


def digest_comments(body: str | None) -> list[IssueComment]:
    """The comments a digest names by number (what /commands act on)."""
    items = (IssueComment.from_data(d) for d in digest_entries(body))
    return sorted((c for c in items if c is not None), key=lambda c: c.number)


def _listed(body: str | None) -> str:
    """The lines of a digest body, as written."""
    text = body or ""
    start = text.find(LIST_HEADING)
    end = text.rfind(COMMANDS_HEADING)
    return text[start + len(LIST_HEADING):end].strip("\n") + "\n" if 0 <= start < end else ""


def _commands(profile: Profile, network: Network) -> str:
    label = network.moderation_spec.label
    rows = [("/reply N Your answer", "answers comment N publicly as the profile (a thank-you for praise too); "
                                     "`/reply N @name` sends a saved reply from `replies/`"),
            ("/flag N", "opens an issue of its own for comment N (its text, why it was sorted so, the commands)"),
            ("/hide N", "hides comment N"), ("/unhide N", "shows a hidden comment again"),
            ("/delete N", "deletes comment N"), ("/block N", "blocks its author"),
            ("/dismiss", "nothing (more) to do: closes this digest")]
    table = ["| command | does |", "|---|---|"]
    for cmd, does in rows:
        verb = cmd.split()[0][1:]
        note = "" if verb not in ACTIONS or network.can(verb) else f" — **not possible on {label}**"
        table.append(f"| `{cmd}` | {does}{note} |")
    return "\n".join([COMMANDS_HEADING.strip("\n"), "", "Answer in a comment of this issue, starting with one of:",
                      "", *table, "", "N is the number after **comment** in a line above. Only people with write "
                      f"access to this repository, or listed under `roles.moderators` in `{profile.path}`, may "
                      "use the commands."]) + "\n"


def render_digest(profile: Profile, network: Network, day: dt.date, entries: list[dict], lines: str) -> str:
    intro = (f"**Comments on `{profile.id}` ({network.moderation_spec.label}) on {day:%Y-%m-%d}** that have no "
             "issue of their own: the ones the profile's flags leave out (praise, chatter, categories it does not "
             "flag) and, on a busy day, flagged ones past `moderation.issue_cap`. One line each, the most severe "
             "first; open a comment on the network to read it. Close this issue when done.\n")
    return "\n".join([_data_line(entries), intro, LIST_HEADING.strip("\n"), "", lines.rstrip("\n"), ""]) + \
        _commands(profile, network)


def _chunks(lines: list[str]) -> list[str]:
    out, part = [], ""
    for line in lines:
        if part and len(part) + len(line) + 1 > CHUNK:
            out.append(part)
            part = ""
        part += line + "\n"
    return [*out, part] if part else out


def _labels(items: list[Found]) -> list[str]:
    cats = {f.decision.category for f in items}
    kinds = ["moderation"] * bool(cats & MODERATION) + ["customer-service"] * bool(cats & (CUSTOMER_SERVICE | {"incident"}))
    return ["digest", *kinds, f"profile:{items[0].profile.id}", f"network:{items[0].network}", *sorted(cats)]


def write_digest(tracker: Tracker, items: list[Found], *, now: dt.datetime, tz, network: Network) -> tuple[str, int | None]:
    """List ``items`` (one profile's comments without an issue of their own) in the profile's digest of the
    day, numbered after what it lists already. Returns the issue's key and number."""
    profile = items[0].profile
    day = now.astimezone(tz).date()
    key = digest_key(profile.id, day)
    existing = tracker.find_issue(key)
    entries = digest_entries(existing.body) if existing else []
    lines = _listed(existing.body) if existing else ""
    first = len(entries) + 1
    unnumbered: list[str] = []
    for found in sorted(items, key=rank):
        if unnumbered:
            unnumbered.append(digest_line(found))
            continue
        entry = _entry(len(entries) + 1, found)
        more = lines + digest_line(found, entry["n"]) + "\n"
        if len(render_digest(profile, network, day, [*entries, entry], more)) > ROOM and entries:
            unnumbered.append(digest_line(found))
            continue
        entries.append(entry)
        lines = more
    body = render_digest(profile, network, day, entries, lines)
    labels = _labels(items)
    title = f"Comments on {profile.id} on {day:%Y-%m-%d}"
    issue = tracker.open_issue(key, title, body, labels, reopen=True)
    if not issue.created:
        tracker.update_issue(key, body=body)
        tracker.add_labels(key, labels)
        if existing is not None and len(entries) >= first:
            tracker.comment(key, f"**{len(entries) - first + 1} more comments**: comments {first} to "
                                 f"{len(entries)} in the list above.")
    heading = (f"**{len(unnumbered)} more comment{'s' if len(unnumbered) != 1 else ''}** past what the issue text "
               "can hold (open each on the network to act):\n\n")
    for i, part in enumerate(_chunks(unnumbered)):
        tracker.comment(key, (heading if i == 0 else "(continued)\n\n") + part)
    return key, issue.number


def flag_from_digest(tracker: Tracker, entry: dict, *, profile: Profile, network: Network, state_key: bytes,
                     tz, replies: list[str], who: str) -> tuple[str, int | None] | None:
    """``/flag N``: the comment of a digest entry in its thread's issue (opened, or added to with the next
    number), its text read again from the network (the digest keeps none). Returns the issue's key and
    number, or None when the comment is no longer on the network."""
    record = IssueComment.from_data(entry)
    if record is None:
        return None
    comment = next((c for c in network.list_comments(record.comment.post_remote_id) if c.id == record.comment.id),
                   None)
    if comment is None:
        return None
    decision = Decision(category=record.category, confidence="medium",
                        reasons=(f"sorted as {record.category} and listed in the digest; flagged by {who}",))
    found = Found(profile, record.network, str(entry.get("post_id", "")), str(entry.get("post_title", "")),
                  str(entry.get("post_path", "")), str(entry.get("post_url", "")), comment, decision)
    key = issue_key(profile.id, comment.thread, state_key)
    existing = tracker.find_issue(key)
    if existing is not None and comment.id in {c.comment.id for c in issue_comments(existing.body)}:
        tracker.open_issue(key, existing.title, existing.body, reopen=True)
        return key, existing.number
    body, _ = render_issue([found], tz=tz, replies=replies, network=network,
                           previous_body=existing.body if existing else None)
    title = f"Flagged from the digest on {profile.id}: {' '.join(found.post_title.split())[:60]}"[:250]
    issue = tracker.open_issue(key, existing.title if existing else title, body, issue_labels([found]), reopen=True)
    if not issue.created:
        tracker.update_issue(key, body=body)
        tracker.add_labels(key, issue_labels([found]))
    return key, issue.number
