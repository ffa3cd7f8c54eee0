"""The plan view: weeks of slots per profile (filled, empty, passed), the pillar mix, blackouts and collisions,
as plain data (the JSON output) and as text or Markdown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from socialops.plan.cadence import DAY_ABBR, CadenceSlot, blackout_reason
from socialops.plan.queue import Occurrence, QueueState, queue_state
from socialops.repository.recurrence import base_id
from socialops.repository.schedule import Schedule

FILLED, EMPTY, PASSED, EXTRA = "filled", "empty", "passed", "extra"
SOURCE_WORDS = {"queue": "queued", "timed": "timed", "published": "published",
                "missed": "MISSED, not posted: give it a new publish_at",
                "waiting": "waiting for a person: a task to do by hand (its issue)", "skipped": "skipped by a person"}


def week_start(moment: dt.datetime, tz: ZoneInfo) -> dt.date:
    day = moment.astimezone(tz).date()
    return day - dt.timedelta(days=day.weekday())


def build_plan(posts: list, profiles: Mapping[str, Any], schedule: Schedule, *, now: dt.datetime, weeks: int = 2,
               published: Mapping[tuple[str, str], dt.datetime] | None = None,
               best_hours: Mapping[str, Any] | None = None,
               missed: Mapping[tuple[str, str], dt.datetime | None] | None = None,
               tasks: Mapping[tuple[str, str], str] | None = None) -> dict[str, Any]:
    """The plan from the Monday of this week for `weeks` weeks, as plain data (the JSON output). ``missed``:
    the pairs the ledger shows missed, with the time they were due (None: not recorded); a post still at
    that time is shown as missed in its slot. ``tasks``: manual tasks handed to a person, "waiting" or
    "skipped" (they keep their slot through ``published``).

    Per profile and week: every slot (filled, empty, or passed when empty and already past) with the post in
    it, and posts outside any slot (extra). Also: the empty slots within the horizon (`gaps`), the pillar mix
    of the posts in these weeks against the targets, timed posts on blackout days, posts of one profile at
    the same minute (`collisions`), queued posts that found no slot, and how many posts are ready or draft.
    """
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    published = published or {}
    tz = schedule.tz
    first = week_start(now, tz)
    stop = dt.datetime.combine(first + dt.timedelta(weeks=weeks), dt.time(), tz)
    horizon_end = now + dt.timedelta(days=schedule.horizon_days)
    state = queue_state(posts, profiles, schedule, now=now, published=published,
                        until=max(stop, horizon_end), best_hours=best_hours)
    by_id: dict[str, Any] = {}
    for post in sorted(posts, key=lambda p: p.path):
        if post.id and not post.error and post.id not in by_id:
            by_id[post.id] = post
    expanded = {p.id: p for p in sorted(state.posts, key=lambda p: p.path) if p.id and not p.error}  # and <id>@...
    lookup = {**by_id, **expanded}

    gaps: list[dict[str, Any]] = []
    profile_views = []
    in_range_posts: set[str] = set()
    weeks_shown = [first + dt.timedelta(weeks=w) for w in range(weeks)]
    for pid in sorted(set(state.rules) | set(profiles)):
        slot_list = state.slots.get(pid, [])
        week_views = [_week_view(monday, tz, now, slot_list, state.occurrences.get(pid, []), lookup, in_range_posts,
                                 missed or {}, tasks or {})
                      for monday in weeks_shown]
        for s in slot_list:
            if s.occupant is None and now <= s.at < horizon_end:
                gaps.append({"profile": pid, "at": _iso(s.at)})
        profile = profiles.get(pid)
        profile_views.append({
            "id": pid, "network": getattr(profile, "network", None) or None,
            "has_cadence": bool(state.rules.get(pid)),
            "queued": len({s.occupant for s in slot_list if s.how == "queue"}), "weeks": week_views,
        })
    gaps.sort(key=lambda g: (g["at"], g["profile"]))

    unplaced = []
    for post_id, pid in state.unplaced:
        why = (f"{pid} has no cadence in schedule.yaml" if not state.rules.get(pid)
               else f"no free slot of {pid} until {state.end.astimezone(tz):%Y-%m-%d}")
        unplaced.append({"post": post_id, "profile": pid, "why": why, "title": lookup[post_id].title})

    notes = []
    for pid, rules in sorted(state.rules.items()):
        if any(r.uses_best for r in rules) and not (best_hours or {}).get(pid):
            notes.append(f"{pid}: 'best' hours use the first preferred hour (09:00 when none is listed) "
                         "until the metrics suggest better ones")

    ready = [p for p in by_id.values() if p.status == "ready"]
    summary = {
        "posts": len(posts), "ready": len(ready), "timed": sum(1 for p in ready if p.publish_ts is not None),
        "queued": sum(1 for p in ready if p.publish_ts is None),
        "draft": sum(1 for p in by_id.values() if p.status != "ready"),
        "unreadable": sum(1 for p in posts if p.error or not p.id),
        "published_pairs": len(published),
    }
    return {
        "now": _iso(now.astimezone(tz)), "timezone": tz.key, "from": first.isoformat(),
        "to": (first + dt.timedelta(weeks=weeks, days=-1)).isoformat(), "weeks": weeks,
        "horizon_days": schedule.horizon_days, "late_window_minutes": int(schedule.late_window.total_seconds() // 60),
        "counts": summary, "profiles": profile_views, "gaps": gaps,
        "pillars": _pillar_mix(in_range_posts, lookup, schedule.pillars),
        "blackout_posts": _blackout_posts(state, expanded, tz), "collisions": _collisions(state),
        "unplaced": unplaced, "queue_order": state.order, "notes": notes,
    }


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="minutes")


def _describe(key: tuple[str, str], by_id: Mapping[str, Any]) -> dict[str, Any]:
    post = by_id.get(key[0]) or by_id.get(base_id(key[0]))
    return {"post": key[0], "title": post.title if post else key[0], "path": post.path if post else None,
            "pillar": post.pillar if post else None}


def _source(how: str, key: tuple[str, str], at: dt.datetime, missed: Mapping[tuple[str, str], Any],
            tasks: Mapping[tuple[str, str], str]) -> str:
    """How a post is in its place: "missed" when the ledger shows it missed at this very time; a manual task
    "waiting" for a person or "skipped"."""
    if key in tasks:
        return tasks[key]
    if how != "published" and key in missed and missed[key] in (None, at):
        return "missed"
    return how


def _week_view(monday: dt.date, tz: ZoneInfo, now: dt.datetime, slot_list: list[CadenceSlot],
               occurrences: list[Occurrence], by_id: Mapping[str, Any], in_range_posts: set[str],
               missed: Mapping[tuple[str, str], dt.datetime | None],
               tasks: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    """One week of one profile: its slots and the posts outside any slot. Adds the posts shown to
    `in_range_posts`."""
    w_begin = dt.datetime.combine(monday, dt.time(), tz)
    w_end = dt.datetime.combine(monday + dt.timedelta(weeks=1), dt.time(), tz)
    fixed_at = {id(o.slot): o.at for o in occurrences if o.slot is not None}
    entries = []
    for s in slot_list:
        at = fixed_at.get(id(s), s.at)  # a timed or published post is shown at its own time
        if not w_begin <= at < w_end:
            continue
        entry: dict[str, Any] = {"at": _iso(at)}
        if at != s.at:
            entry["slot"] = _iso(s.at)
        if s.occupant is not None:
            entry.update(state=FILLED, source=_source(s.how, s.occupant, at, missed, tasks), **_describe(s.occupant, by_id))
            in_range_posts.add(s.occupant[0])
        else:
            entry["state"] = PASSED if s.at < now else EMPTY
        if s.rule.uses_best:
            entry["best"] = True
        entries.append(entry)
    for occ in occurrences:
        if occ.slot is None and w_begin <= occ.at < w_end:
            source = _source("published" if occ.published else "timed", occ.key, occ.at, missed, tasks)
            entries.append({"at": _iso(occ.at), "state": EXTRA, "source": source, **_describe(occ.key, by_id)})
            in_range_posts.add(occ.key[0])
    entries.sort(key=lambda e: (e["at"], e.get("post") or ""))
    in_slots = [e for e in entries if e["state"] != EXTRA]
    iso_week = monday.isocalendar()
    return {
        "week": f"{iso_week.year}-W{iso_week.week:02d}", "start": monday.isoformat(),
        "slots": len(in_slots), "filled": sum(1 for e in in_slots if e["state"] == FILLED),
        "empty": sum(1 for e in in_slots if e["state"] == EMPTY), "entries": entries,
    }


def _pillar_mix(post_ids: set[str], by_id: Mapping[str, Any],
                pillars: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The pillar mix of the posts in these weeks (each post once, whatever its number of profiles)."""
    counts: dict[str, int] = {}
    for post_id in post_ids:
        post = by_id.get(post_id) or by_id.get(base_id(post_id))
        name = (post.pillar if post else None) or "(none)"
        counts[name] = counts.get(name, 0) + 1
    total = sum(counts.values())
    rows = []
    for name in [*pillars, *sorted(n for n in counts if n not in pillars)]:
        target = pillars.get(name, {}).get("share")
        n = counts.get(name, 0)
        rows.append({"pillar": name, "target": target if isinstance(target, int | float) else None,
                     "posts": n, "share": round(100 * n / total, 1) if total else 0.0})
    return rows


def _blackout_posts(state: QueueState, by_id: Mapping[str, Any], tz: ZoneInfo) -> list[dict[str, Any]]:
    """Timed posts on blackout days, from the late window on (drafts too: they will be a problem once ready)."""
    out = []
    if not state.blackouts:
        return out
    start_ts = state.start.timestamp()
    for post in by_id.values():
        if post.publish_ts is None or post.publish_ts < start_ts:
            continue
        at = dt.datetime.fromtimestamp(post.publish_ts, tz)
        reason = blackout_reason(at.date(), state.blackouts)
        if reason is not None:
            out.append({"post": post.id, "title": post.title, "path": post.path, "at": _iso(at),
                        "status": post.status, "reason": reason or None})
    out.sort(key=lambda b: (b["at"], b["post"]))
    return out


def _collisions(state: QueueState) -> list[dict[str, Any]]:
    """Two posts of one profile at the same minute."""
    out = []
    for pid, occs in sorted(state.occurrences.items()):
        by_minute: dict[dt.datetime, list[str]] = {}
        for occ in occs:
            if occ.at >= state.start:
                by_minute.setdefault(occ.at.replace(second=0, microsecond=0), []).append(occ.key[0])
        for minute, ids in sorted(by_minute.items()):
            if len(ids) > 1:
                out.append({"profile": pid, "at": _iso(minute), "posts": sorted(ids)})
    return out


def check_findings(plan: dict[str, Any]) -> bool:
    """True when `plan --check` should fail: empty slots within the horizon, two posts of a profile at the same
    minute, or a timed post on a blackout day."""
    return bool(plan["gaps"] or plan["collisions"] or plan["blackout_posts"])


def when_text(iso_text: str) -> str:
    moment = dt.datetime.fromisoformat(iso_text)
    return f"{DAY_ABBR[moment.weekday()].capitalize()} {moment:%Y-%m-%d %H:%M}"


def _entry_text(entry: dict[str, Any]) -> str:
    state = entry["state"]
    best = " (best)" if entry.get("best") else ""
    if state in (EMPTY, PASSED):
        return f"{when_text(entry['at'])}{best}  {'EMPTY' if state == EMPTY else 'passed, empty'}"
    label = SOURCE_WORDS[entry["source"]]
    extra = ", not in a slot" if state == EXTRA else ""
    if "slot" in entry:
        slot = dt.datetime.fromisoformat(entry["slot"])
        same_day = slot.date() == dt.datetime.fromisoformat(entry["at"]).date()
        extra = f", fills the {'' if same_day else DAY_ABBR[slot.weekday()].capitalize() + ' '}{slot:%H:%M} slot"
    pillar = f" [{entry['pillar']}]" if entry.get("pillar") else ""
    return f"{when_text(entry['at'])}{best}  {entry['post']}{pillar} ({label}{extra}): {entry['title']}"


def format_plan_text(plan: dict[str, Any]) -> str:
    c = plan["counts"]
    out = [f"Content plan {plan['from']} to {plan['to']} ({plan['weeks']} weeks, {plan['timezone']}), "
           f"now {plan['now'].replace('T', ' ')}",
           f"Posts: {c['posts']}: {c['ready']} ready ({c['timed']} timed, {c['queued']} queued), {c['draft']} draft"
           + (f", {c['unreadable']} unreadable" if c["unreadable"] else ""), ""]
    for prof in plan["profiles"]:
        network = f" ({prof['network']})" if prof["network"] else ""
        out.append(f"{prof['id']}{network}" + ("" if prof["has_cadence"] else ": no cadence in schedule.yaml"))
        for week in prof["weeks"]:
            out.append(f"  {week['week']} from {week['start']}: {week['filled']}/{week['slots']} slots filled"
                       + (f", {week['empty']} empty" if week["empty"] else ""))
            for entry in week["entries"]:
                out.append(f"    {_entry_text(entry)}")
        out.append("")
    out.append(f"Empty slots in the next {plan['horizon_days']} days: {len(plan['gaps']) or 'none'}")
    for gap in plan["gaps"]:
        out.append(f"  {gap['profile']}: {when_text(gap['at'])}")
    if plan["pillars"]:
        out.append("Pillar mix of the posts in these weeks (share / target):")
        for row in plan["pillars"]:
            target = f"{row['target']:g} %" if row["target"] is not None else "no target"
            out.append(f"  {row['pillar']}: {row['posts']} post{'' if row['posts'] == 1 else 's'}, "
                       f"{row['share']:g} % / {target}")
    for b in plan["blackout_posts"]:
        why = f" ({b['reason']})" if b["reason"] else ""
        out.append(f"Blackout: {b['post']} ({b['path']}) is timed on {when_text(b['at'])}, a blackout day{why}")
    for col in plan["collisions"]:
        out.append(f"Collision: {col['profile']} has {', '.join(col['posts'])} at the same time, {when_text(col['at'])}")
    for u in plan["unplaced"]:
        out.append(f"No slot: {u['post']} for {u['profile']}: {u['why']}")
    for note in plan["notes"]:
        out.append(f"Note: {note}")
    return "\n".join(out).rstrip() + "\n"


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def format_plan_markdown(plan: dict[str, Any]) -> str:
    c = plan["counts"]
    out = [f"# Content plan {plan['from']} – {plan['to']}", "",
           f"{plan['weeks']} weeks in {plan['timezone']}, made {plan['now'].replace('T', ' ')}. "
           f"Posts: {c['posts']}: {c['ready']} ready ({c['timed']} timed, {c['queued']} queued), {c['draft']} draft"
           + (f", {c['unreadable']} unreadable" if c["unreadable"] else "") + ".", ""]
    gaps = plan["gaps"]
    out.append(f"**Empty slots in the next {plan['horizon_days']} days: {len(gaps) or 'none'}**")
    out.append("")
    for gap in gaps:
        out.append(f"- `{gap['profile']}` {when_text(gap['at'])}")
    if gaps:
        out.append("")
    for prof in plan["profiles"]:
        out.append(f"## {prof['id']}" + (f" ({prof['network']})" if prof["network"] else ""))
        out.append("")
        if not prof["has_cadence"]:
            out += ["No cadence in schedule.yaml.", ""]
        for week in prof["weeks"]:
            out.append(f"### {week['week']} from {week['start']}: {week['filled']}/{week['slots']} slots filled")
            out.append("")
            if not week["entries"]:
                out += ["No slots and no posts.", ""]
                continue
            out += ["| when | slot | post | pillar | how |", "|---|---|---|---|---|"]
            for e in week["entries"]:
                slot = {FILLED: "filled", EMPTY: "**empty**", PASSED: "passed", EXTRA: "not a slot"}[e["state"]]
                if "slot" in e:
                    slot += f" ({when_text(e['slot'])})"
                post = f"`{_md(e['post'])}` {_md(e['title'])}" if "post" in e else ""
                how = SOURCE_WORDS.get(e.get("source", ""), "")
                out.append(f"| {when_text(e['at'])} | {slot} | {post} | {_md(e.get('pillar') or '')} | {how} |")
            out.append("")
    if plan["pillars"]:
        out += ["## Pillar mix", "", "| pillar | posts | share | target |", "|---|---|---|---|"]
        for row in plan["pillars"]:
            target = f"{row['target']:g} %" if row["target"] is not None else ""
            out.append(f"| {_md(row['pillar'])} | {row['posts']} | {row['share']:g} % | {target} |")
        out.append("")
    if plan["blackout_posts"] or plan["collisions"] or plan["unplaced"] or plan["notes"]:
        out += ["## To look at", ""]
        for b in plan["blackout_posts"]:
            why = f" ({_md(b['reason'])})" if b["reason"] else ""
            out.append(f"- Blackout: `{b['post']}` is timed on {when_text(b['at'])}, a blackout day{why}")
        for col in plan["collisions"]:
            out.append(f"- Collision: `{col['profile']}` has {', '.join(f'`{p}`' for p in col['posts'])} "
                       f"at {when_text(col['at'])}")
        for u in plan["unplaced"]:
            out.append(f"- No slot: `{u['post']}` for `{u['profile']}`: {u['why']}")
        for note in plan["notes"]:
            out.append(f"- Note: {note}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
