"""The content plan: schedule.yaml (timezone, cadence slots per profile, pillars, blackout dates)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from socialops.core import yamlfile
from socialops.errors import ConfigError, ContentError
from socialops.repository.posts import read_text

SCHEDULE_FILE = "schedule.yaml"
SCHEDULE_KEYS = ("timezone", "late_window", "horizon_days", "pillars", "cadence", "blackout")
DEFAULT_TIMEZONE = "UTC"
DEFAULT_LATE_WINDOW = dt.timedelta(hours=24)
DEFAULT_HORIZON_DAYS = 14
_DURATION = re.compile(r"^\s*(\d+)\s*(m|min|h|d)\s*$")


@dataclass
class Schedule(yamlfile.KeyLines):
    path: str
    raw: dict[str, Any]
    lines: dict[tuple, int] = field(default_factory=dict, repr=False)

    @property
    def timezone_name(self) -> str:
        value = self.raw.get("timezone")
        return value if isinstance(value, str) else DEFAULT_TIMEZONE

    @functools.cached_property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone_name)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(DEFAULT_TIMEZONE)

    @property
    def late_window(self) -> dt.timedelta:
        try:
            return parse_duration(self.raw.get("late_window"))
        except ValueError:
            return DEFAULT_LATE_WINDOW

    @property
    def horizon_days(self) -> int:
        value = self.raw.get("horizon_days")
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else DEFAULT_HORIZON_DAYS

    @functools.cached_property
    def pillars(self) -> dict[str, dict[str, Any]]:
        value = self.raw.get("pillars")
        if not isinstance(value, dict):
            return {}
        return {str(k): (v if isinstance(v, dict) else {}) for k, v in value.items()}

    @property
    def cadence(self) -> dict[str, list]:
        value = self.raw.get("cadence")
        if not isinstance(value, dict):
            return {}
        return {str(k): (v if isinstance(v, list) else [v]) for k, v in value.items() if v is not None}


def parse_duration(value: Any) -> dt.timedelta:
    """'24h', '90m', '2d' (or a number of hours) as a timedelta; None gives the default late window."""
    if value is None:
        return DEFAULT_LATE_WINDOW
    if isinstance(value, int) and not isinstance(value, bool):
        return dt.timedelta(hours=value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            amount, unit = int(match.group(1)), match.group(2)
            return {"m": dt.timedelta(minutes=amount), "min": dt.timedelta(minutes=amount),
                    "h": dt.timedelta(hours=amount), "d": dt.timedelta(days=amount)}[unit]
    raise ValueError(f"'{value}' is not a duration; write it like '24h', '90m' or '2d'")


def parse_schedule(text: str, rel: str = SCHEDULE_FILE) -> Schedule:
    try:
        doc = yamlfile.load(text)
    except yamlfile.YamlProblem as exc:
        raise ConfigError(exc.message, path=rel, line=exc.line) from None
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError("schedule.yaml must be keys and values like 'timezone: Europe/Helsinki'", path=rel, line=1)
    return Schedule(path=rel, raw=data, lines=doc.lines)


def load_schedule(root: Path) -> Schedule:
    """The repository's schedule.yaml; an empty plan in UTC when the file does not exist."""
    path = root / SCHEDULE_FILE
    if not path.exists():
        return Schedule(path=SCHEDULE_FILE, raw={})
    try:
        text = read_text(path, SCHEDULE_FILE, 1_000_000)
    except ContentError as exc:
        raise ConfigError(exc.message, path=SCHEDULE_FILE, line=exc.line) from None
    return parse_schedule(text)


# --- cadence: the slots of each profile ------------------------------------------------------------------
#
# Every cadence entry compiles to a weekly pattern of (weekday, local time) pairs:
#   {days: [mon, wed], times: ["09:00", "15:30"]}   each listed day at each listed time
#   {per_day: 2, hours: [8, 12, 18]}                  N times every day, spread over the hours: 8 and 18
#   {per_week: 3, hours: [9, 12, 17]}                 N times a week, spread over the week from Monday and
#                                                     cycling through the hours: Mon 9, Wed 12, Fri 17
# Weekdays: mon..sun, or in Finnish ma, ti, ke, to, pe, la, su. Times "HH:MM" in quotes; hours 0-23.
# `best` as an hour is the best hour a metrics report suggests; until one does, the first numbered hour of
# the list (09:00 when there is none).
# A slot's *window* is the part of time a post can fill it from: its day for fixed days and per_day slots,
# its ISO week for per_week slots.

WEEKDAY_NAMES: dict[str, int] = {}
for _i, _names in enumerate((
    ("mon", "ma"), ("tue", "ti"), ("wed", "ke"), ("thu", "to"), ("fri", "pe"), ("sat", "la"), ("sun", "su"),
)):
    for _name in _names:
        WEEKDAY_NAMES[_name] = _i
DAY_ABBR = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CADENCE_KEYS = ("days", "times", "per_week", "per_day", "hours")
BLACKOUT_KEYS = ("from", "to", "reason")
BEST = "best"
DEFAULT_BEST_HOUR = dt.time(9, 0)
_TIME = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*$")
_SHORT_TIME = re.compile(r"^\s*(\d):([0-5]\d)\s*$")


@dataclass(frozen=True)
class CadenceRule:
    """One cadence entry of one profile, compiled."""

    profile: str
    index: int  # position in the profile's list in schedule.yaml
    kind: str  # "days" | "per_day" | "per_week"
    pattern: tuple[tuple[int, dt.time], ...]  # (weekday 0=Mon, local time), in week order
    uses_best: bool = False

    @property
    def window(self) -> str:
        return "week" if self.kind == "per_week" else "day"


@dataclass(frozen=True)
class Blackout:
    start: dt.date
    end: dt.date  # inclusive
    reason: str | None = None

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def _problem(sched: Schedule, keys: tuple, code: str, message: str, severity: str | None = None):
    from socialops.core.problems import ERROR, Problem

    return Problem(sched.path or SCHEDULE_FILE, sched.line(*keys), severity or ERROR, code, message)


def parse_time(value: Any) -> dt.time:
    """'09:00' as a time; ValueError with a message a person can act on."""
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < 24 * 60:
            raise ValueError(f"{value} is a number, not a time; YAML reads an unquoted "
                             f"{value // 60}:{value % 60:02d} as {value}: write it in quotes, \"{value // 60:02d}:"
                             f"{value % 60:02d}\"")
        raise ValueError(f"{value} is not a time; write it as \"HH:MM\" in quotes, like \"09:00\"")
    if isinstance(value, str):
        match = _TIME.match(value)
        if match:
            return dt.time(int(match.group(1)), int(match.group(2)))
        short = _SHORT_TIME.match(value)
        if short:
            raise ValueError(f"'{value}' needs two digits for the hour: write \"0{short.group(1)}:{short.group(2)}\"")
    raise ValueError(f"'{value}' is not a time; write it as \"HH:MM\" (24 h) in quotes, like \"09:00\" or \"17:30\"")


def _parse_hour(value: Any) -> dt.time | str:
    if isinstance(value, str) and value.strip().lower() == BEST:
        return BEST
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value <= 23:
            return dt.time(value, 0)
        raise ValueError(f"{value} is not an hour; hours are whole numbers 0 to 23 (or the word best)")
    raise ValueError(f"'{value}' is not an hour; write a whole number 0 to 23 like 9, or best (the hours a "
                     "metrics report finds best); for minutes use {days: [...], times: [\"09:30\"]}")


def _weekday(value: Any) -> int:
    if isinstance(value, str) and value.strip().lower() in WEEKDAY_NAMES:
        return WEEKDAY_NAMES[value.strip().lower()]
    import difflib

    close = difflib.get_close_matches(str(value).lower(), list(WEEKDAY_NAMES), n=1, cutoff=0.6)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise ValueError(f"'{value}' is not a weekday.{hint} Use mon, tue, wed, thu, fri, sat, sun "
                     "(or ma, ti, ke, to, pe, la, su)")


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _spread(count: int, size: int) -> list[int]:
    """`count` of the week's `size` days, evenly spread round the week from the first: (3, 7) -> [0, 2, 4]."""
    return [i * size // count for i in range(count)]


def _spread_ends(count: int, size: int) -> list[int]:
    """`count` of `size` hours, evenly spread from the first to the last: (2, 3) -> [0, 2]."""
    if count >= size:
        return list(range(size))
    if count == 1:
        return [0]
    return sorted({round(i * (size - 1) / (count - 1)) for i in range(count)})


def compile_rule(profile: str, index: int, entry: Any, sched: Schedule,
                 best_hours: Any = None) -> tuple[CadenceRule | None, list]:
    """One cadence entry as a CadenceRule (None when it cannot be used) and its problems."""
    keys = ("cadence", profile, index)
    problems: list = []
    if not isinstance(entry, dict):
        problems.append(_problem(sched, keys, "cadence-invalid",
                                 f"the slot '{entry}' of {profile} is not a slot; write it like "
                                 "{days: [mon, wed], times: [\"09:00\"]} or {per_week: 3, hours: [9, 12, 17]}"))
        return None, problems
    import difflib

    for key in entry:
        if key not in CADENCE_KEYS:
            close = difflib.get_close_matches(str(key), CADENCE_KEYS, n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else f" Slot keys: {', '.join(CADENCE_KEYS)}."
            problems.append(_problem(sched, (*keys, key), "unknown-key", f"'{key}' is not a key of a slot.{hint}"))
    counts = [k for k in ("per_week", "per_day") if k in entry]
    if len(counts) > 1:
        problems.append(_problem(sched, keys, "cadence-invalid",
                                 "a slot has either per_week or per_day, not both; split it into two slots"))
        return None, problems
    kind = counts[0] if counts else "days"
    if kind == "days" and ("times" not in entry or "days" not in entry):
        missing = "times" if "times" not in entry else "days"
        problems.append(_problem(sched, keys, "cadence-invalid",
                                 f"the slot has no {missing}; write {{days: [mon, wed], times: [\"09:00\"]}}, "
                                 "{per_day: 2, hours: [8, 18]} or {per_week: 3, hours: [9, 12, 17]}"))
        return None, problems
    if kind != "days" and "days" in entry:
        problems.append(_problem(sched, (*keys, "days"), "cadence-invalid",
                                 f"a {kind} slot spreads over the whole week and takes no 'days'; for fixed days "
                                 "write {days: [mon, wed], times: [\"09:00\"]}"))
        return None, problems
    if kind != "days" and "times" in entry:
        problems.append(_problem(sched, (*keys, "times"), "cadence-invalid",
                                 f"a {kind} slot takes 'hours' (the preferred hours), not 'times'"))
        return None, problems

    weekdays: list[int] = []
    if "days" in entry:
        days = entry["days"]
        if not isinstance(days, list | str) or days == []:
            problems.append(_problem(sched, (*keys, "days"), "cadence-day",
                                     "'days' must list weekdays, like [mon, wed, fri] or [ma, ke, pe]"))
        else:
            for j, value in enumerate(_as_list(days)):
                try:
                    day = _weekday(value)
                except ValueError as exc:
                    problems.append(_problem(sched, (*keys, "days", j), "cadence-day", str(exc)))
                    continue
                if day not in weekdays:
                    weekdays.append(day)
    else:
        weekdays = list(range(7))
    weekdays.sort()

    times: list[dt.time] = []
    uses_best = False
    key = "times" if kind == "days" else "hours"
    raw_times = entry.get(key)
    if raw_times is None or raw_times == [] or not isinstance(raw_times, list | str | int):
        problems.append(_problem(sched, (*keys, key), "cadence-time" if key == "times" else "cadence-invalid",
                                 f"'{key}' must list " + ("times, like [\"09:00\", \"15:30\"]" if key == "times"
                                                          else "hours, like [9, 12, 17]")))
    else:
        numbered: list[dt.time] = []
        parsed: list[dt.time | str] = []
        for j, value in enumerate(_as_list(raw_times)):
            try:
                item = parse_time(value) if key == "times" else _parse_hour(value)
            except ValueError as exc:
                problems.append(_problem(sched, (*keys, key, j), "cadence-time", str(exc)))
                continue
            parsed.append(item)
            if isinstance(item, dt.time):
                numbered.append(item)
        suggestions = [_parse_hour(h) for h in (best_hours or []) if not isinstance(h, bool)]
        suggestions = [h for h in suggestions if isinstance(h, dt.time)]
        n_best = 0
        for item in parsed:
            if item == BEST:
                uses_best = True
                if suggestions:
                    item = suggestions[n_best % len(suggestions)]
                    n_best += 1
                else:
                    item = numbered[0] if numbered else DEFAULT_BEST_HOUR
            if item not in times:
                times.append(item)

    count = 0
    if kind != "days":
        value = entry.get(kind)
        limit = 24 if kind == "per_day" else 7 * 24
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
            problems.append(_problem(sched, (*keys, kind), "cadence-invalid",
                                     f"'{kind}' must be a whole number from 1 to {limit}, like '{kind}: 3'"))
        else:
            count = value
            capacity = len(times) if kind == "per_day" else len(times) * len(weekdays)
            if times and weekdays and count > capacity:
                what = (f"{len(times)} hours" if kind == "per_day"
                        else f"{len(weekdays)} days × {len(times)} hours")
                problems.append(_problem(sched, (*keys, kind), "cadence-invalid",
                                         f"'{kind}: {count}' needs more slots than the {what} offer; "
                                         "add hours or lower the number"))
    if any(p.severity == "error" and p.code != "unknown-key" for p in problems) or not times or not weekdays:
        return None, problems

    if kind == "days":
        pattern = [(d, t) for d in weekdays for t in sorted(times)]
    elif kind == "per_day":
        chosen = sorted(times[i] for i in _spread_ends(count, len(times)))
        pattern = [(d, t) for d in weekdays for t in chosen]
    else:
        pattern = []
        for i, day_index in enumerate(_spread(count, len(weekdays))):
            pair = (weekdays[day_index], times[i % len(times)])
            if pair not in pattern:
                pattern.append(pair)
        pattern.sort()
    return CadenceRule(profile, index, kind, tuple(pattern), uses_best), problems


def cadence_rules(sched: Schedule, best_hours: Any = None) -> dict[str, list[CadenceRule]]:
    """The usable cadence rules per profile id (entries with errors are left out; validate reports them).

    `best_hours`: optional {profile id: [hours]} suggested by a metrics report, used where a slot says `best`."""
    out: dict[str, list[CadenceRule]] = {}
    for pid, entries in sched.cadence.items():
        rules = []
        suggested = (best_hours or {}).get(pid)
        for i, entry in enumerate(entries):
            rule, _ = compile_rule(pid, i, entry, sched, suggested)
            if rule is not None:
                rules.append(rule)
        out[pid] = rules
    return out


def _parse_day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError(f"'{value}' is a time; a blackout is whole days, write the date only, like 2026-12-24")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"'{value}' is not a date; write it as YYYY-MM-DD, like 2026-12-24")


def _blackout_entries(sched: Schedule) -> tuple[list[Blackout], list]:
    raw = sched.raw.get("blackout")
    problems: list = []
    out: list[Blackout] = []
    if raw is None:
        return out, problems
    if not isinstance(raw, list):
        problems.append(_problem(sched, ("blackout",), "blackout-invalid",
                                 "'blackout' must be a list of dates and ranges, like '- 2026-12-06' and "
                                 "'- {from: 2026-12-24, to: 2026-12-26, reason: Joulu}'"))
        return out, problems
    import difflib

    for i, item in enumerate(raw):
        keys = ("blackout", i)
        if isinstance(item, dict):
            for key in item:
                if key not in BLACKOUT_KEYS:
                    close = difflib.get_close_matches(str(key), BLACKOUT_KEYS, n=1, cutoff=0.5)
                    hint = f" Did you mean '{close[0]}'?" if close else " Use from, to and reason."
                    problems.append(_problem(sched, (*keys, key), "unknown-key",
                                             f"'{key}' is not a key of a blackout range.{hint}"))
            missing = [k for k in ("from", "to") if k not in item]
            if missing:
                problems.append(_problem(sched, keys, "blackout-invalid",
                                         f"the blackout range has no '{missing[0]}'; write it like "
                                         "{from: 2026-12-24, to: 2026-12-26, reason: Joulu}"))
                continue
            try:
                start = _parse_day(item["from"])
            except ValueError as exc:
                problems.append(_problem(sched, (*keys, "from"), "blackout-invalid", f"'from': {exc}"))
                continue
            try:
                end = _parse_day(item["to"])
            except ValueError as exc:
                problems.append(_problem(sched, (*keys, "to"), "blackout-invalid", f"'to': {exc}"))
                continue
            if start > end:
                problems.append(_problem(sched, (*keys, "from"), "blackout-invalid",
                                         f"the blackout range starts ({start}) after it ends ({end}); "
                                         "swap 'from' and 'to'"))
                continue
            reason = item.get("reason")
            out.append(Blackout(start, end, str(reason) if reason is not None else None))
        else:
            try:
                day = _parse_day(item)
            except ValueError as exc:
                problems.append(_problem(sched, keys, "blackout-invalid", str(exc)))
                continue
            out.append(Blackout(day, day))
    return out, problems


def blackouts(sched: Schedule) -> list[Blackout]:
    """The blackout days and ranges that can be read (validate reports the rest)."""
    return _blackout_entries(sched)[0]


def blackout_reason(day: dt.date, entries: list[Blackout]) -> str | None:
    """'' or the reason when the day is blacked out, None when it is not."""
    for entry in entries:
        if day in entry:
            return entry.reason or ""
    return None


def cadence_problems(sched: Schedule) -> list:
    """Slot syntax, weekdays, times, counts and blackout dates of schedule.yaml, with lines."""
    from socialops.core.problems import WARNING

    problems: list = []
    raw = sched.raw.get("cadence")
    if isinstance(raw, dict):
        for pid, entries in raw.items():
            if entries is None or entries == []:
                problems.append(_problem(sched, ("cadence", pid), "cadence-invalid",
                                         f"{pid} has no slots, so its queued posts never get a time; add slots like "
                                         "{days: [mon], times: [\"09:00\"]} or remove the profile from cadence",
                                         WARNING))
                continue
            if not isinstance(entries, list | dict):
                problems.append(_problem(sched, ("cadence", pid), "cadence-invalid",
                                         f"the cadence of {pid} must be a list of slots, like "
                                         "'- {days: [mon, wed], times: [\"09:00\"]}'"))
                continue
            for i, entry in enumerate(_as_list(entries)):
                problems += compile_rule(str(pid), i, entry, sched)[1]
    problems += _blackout_entries(sched)[1]
    return problems


# --- the queue -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """When a (post, profile) pair goes out. `source`: "timed" (publish_at) or "queue" (a cadence slot).

    For a pair already published, `published_at` is when it went out and `at` the time it was planned for:
    publish_at, or the cadence slot it filled."""

    at: dt.datetime
    source: str
    published_at: dt.datetime | None = None


@dataclass
class CadenceSlot:
    """One slot of one profile's cadence, and what fills it."""

    profile: str
    at: dt.datetime  # aware, in the profile's timezone
    rule: CadenceRule
    window: tuple  # ("day", date) or ("week", iso year, iso week), in the profile's timezone
    occupant: tuple[str, str] | None = None  # (post id, profile)
    how: str = ""  # "timed", "published" or "queue"


@dataclass
class Occurrence:
    """A post fixed in time for a profile: timed and ready, or already published."""

    key: tuple[str, str]
    at: dt.datetime
    published: bool
    slot: CadenceSlot | None = None


@dataclass
class QueueState:
    """Everything resolve_times works out; the plan reads it to show slots, gaps and collisions."""

    start: dt.datetime
    end: dt.datetime
    result: dict[tuple[str, str], Slot]
    slots: dict[str, list[CadenceSlot]]
    occurrences: dict[str, list[Occurrence]]
    unplaced: list[tuple[str, str]]  # queued pairs with no free slot until `end` (or no cadence)
    order: list[str]  # queued post ids in queue order
    rules: dict[str, list[CadenceRule]]
    blackouts: list[Blackout]


def profile_tz(profile: Any, sched: Schedule) -> ZoneInfo:
    """The profile's own timezone when it names a valid one, else the plan's."""
    name = getattr(profile, "timezone", None) if profile is not None else None
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return sched.tz


def local_slot(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    """A wall-clock slot as an aware time. In the spring gap the slot moves forward by the gap (03:30 that does
    not exist becomes 04:30); in the autumn overlap it is the first of the two (summer time)."""
    naive = dt.datetime.combine(day, time)
    return naive.replace(tzinfo=tz, fold=0).astimezone(dt.UTC).astimezone(tz)


def _window(kind: str, day: dt.date) -> tuple:
    if kind == "week":
        iso = day.isocalendar()
        return ("week", iso.year, iso.week)
    return ("day", day)


def generate_slots(rules: list[CadenceRule], tz: ZoneInfo, first_day: dt.date, last_day: dt.date,
                   blackout_list: list[Blackout], plan_tz: ZoneInfo) -> list[CadenceSlot]:
    """The slots of one profile on the local days first_day..last_day, sorted, without blackout days.

    Two rules giving the same moment give one slot (the first rule's)."""
    by_weekday: dict[int, list[tuple[dt.time, CadenceRule]]] = {}
    for rule in rules:
        for weekday, time in rule.pattern:
            by_weekday.setdefault(weekday, []).append((time, rule))
    out: dict[dt.datetime, CadenceSlot] = {}
    day = first_day
    one = dt.timedelta(days=1)
    while day <= last_day:
        for time, rule in by_weekday.get(day.weekday(), ()):
            at = local_slot(day, time, tz)
            if at in out:
                continue
            if blackout_list and blackout_reason(at.astimezone(plan_tz).date(), blackout_list) is not None:
                continue
            out[at] = CadenceSlot(rule.profile, at, rule, _window(rule.window, day))
        day += one
    return [out[k] for k in sorted(out)]


def created_time(value: Any, tz: ZoneInfo) -> dt.datetime | None:
    """The `created` key of a post ('YYYY-MM-DD HH:MM' in the plan's timezone) as an aware time, or None."""
    if value is None:
        return None
    from socialops.repository.posts import parse_when

    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), tz)
    text = str(value).strip()
    try:
        return parse_when(text, tz)
    except ValueError:
        pass
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tz)
    except ValueError:
        pass
    try:  # a time in the autumn overlap: the first of the two is as good as any for ordering
        return dt.datetime.fromisoformat(text).replace(tzinfo=tz)
    except ValueError:
        return None


def queue_order_key(post: Any, tz: ZoneInfo) -> tuple:
    """Queued posts take slots in this order: by `created` (oldest first; posts without it after those with
    it), then by id."""
    created = created_time(post.created, tz)
    return (created is None, created.timestamp() if created else 0.0, post.id or "")


def _match(occurrences: list[Occurrence], slots: list[CadenceSlot]) -> None:
    """Fill slots with fixed posts. First a post at exactly a slot's time takes it; then each remaining
    post takes the nearest free slot of its window (its day, or its week for per_week slots), nearest
    pairs first. Posts left over are extras; two at the same minute collide."""
    by_time = {s.at: s for s in slots}
    for occ in sorted(occurrences, key=lambda o: (o.at, o.key)):
        slot = by_time.get(occ.at)
        if slot is not None and slot.occupant is None:
            slot.occupant, slot.how, occ.slot = occ.key, "published" if occ.published else "timed", slot
    rest = [o for o in occurrences if o.slot is None]
    if not rest:
        return
    by_window: dict[tuple, list[CadenceSlot]] = {}
    for s in slots:
        if s.occupant is None:
            by_window.setdefault(s.window, []).append(s)
    candidates = []
    for occ in rest:
        day = occ.at.date()  # occurrences and slots are both in the profile's timezone
        for window in (("day", day), _window("week", day)):
            for s in by_window.get(window, ()):
                candidates.append((abs((s.at - occ.at).total_seconds()), occ.at, s.at, occ.key, id(occ), occ, s))
    candidates.sort(key=lambda c: c[:4])
    for *_, occ, s in candidates:
        if occ.slot is None and s.occupant is None:
            s.occupant, s.how, occ.slot = occ.key, "published" if occ.published else "timed", s


def queue_state(posts: list, profiles: Mapping[str, Any], schedule: Schedule, *, now: dt.datetime,
                published: Mapping[tuple[str, str], dt.datetime] | None = None, until: dt.datetime | None = None,
                best_hours: Mapping[str, Any] | None = None) -> QueueState:
    """resolve_times with its working: every slot and what fills it. See resolve_times for the rule."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    published = published or {}
    plan_tz = schedule.tz
    start = now - schedule.late_window
    end = until if until is not None else now + dt.timedelta(days=schedule.horizon_days)
    rules = cadence_rules(schedule, best_hours)
    blackout_list = blackouts(schedule)
    tzs: dict[str, ZoneInfo] = {}

    def tz_of(pid: str) -> ZoneInfo:
        found = tzs.get(pid)
        if found is None:
            found = tzs[pid] = profile_tz(profiles.get(pid), schedule)
        return found

    # Fixed posts matter only near the slots considered: whole weeks around start..end, with a margin of
    # two days for profiles in other timezones. Others get their Slot but are not matched to slots.
    first_week = start.astimezone(plan_tz).date()
    first_week -= dt.timedelta(days=first_week.weekday() + 2)
    lo_ts = dt.datetime.combine(first_week, dt.time(), plan_tz).timestamp()
    hi_ts = (end + dt.timedelta(days=10)).timestamp()

    result: dict[tuple[str, str], Slot] = {}
    occurrences: dict[str, list[Occurrence]] = {}
    queued: list[Any] = []
    timed_ts: dict[str, float | None] = {}
    for post in sorted(posts, key=lambda p: p.path):
        if not post.id or post.error or post.id in timed_ts:
            continue  # unreadable, or a duplicate id (validate reports it): the first file wins
        ts = post.publish_ts
        timed_ts[post.id] = ts
        if post.status != "ready":
            continue
        waiting = []
        near = ts is not None and lo_ts <= ts < hi_ts
        for pid in dict.fromkeys(post.profiles):
            key = (post.id, pid)
            if key in published:
                continue
            if ts is not None:
                at = dt.datetime.fromtimestamp(ts, tz_of(pid))
                result[key] = Slot(at, "timed")
                if near:
                    occurrences.setdefault(pid, []).append(Occurrence(key, at, False))
            else:
                waiting.append(pid)
        if waiting:
            queued.append((post, tuple(waiting)))
    for key, when in sorted(published.items(), key=lambda kv: (kv[1], kv[0])):
        if lo_ts <= when.timestamp() < hi_ts:
            pid = key[1]
            occurrences.setdefault(pid, []).append(Occurrence(key, when.astimezone(tz_of(pid)), True))

    # Slots over whole weeks, so that every window (a day or an ISO week) is complete.
    slots: dict[str, list[CadenceSlot]] = {}
    for pid, profile_rules in rules.items():
        tz = tz_of(pid)
        first = start.astimezone(tz).date()
        first -= dt.timedelta(days=first.weekday())
        last = end.astimezone(tz).date()
        last += dt.timedelta(days=6 - last.weekday())
        profile_slots = generate_slots(profile_rules, tz, first, last, blackout_list, plan_tz)
        lo = dt.datetime.combine(first, dt.time(), tz)
        hi = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz)
        _match([o for o in occurrences.get(pid, ()) if lo <= o.at < hi], profile_slots)
        slots[pid] = profile_slots

    # Published pairs keep the slot they filled (or their publish_at).
    filled = {occ.key: occ.slot.at for occs in occurrences.values() for occ in occs
              if occ.published and occ.slot is not None}
    for key, when in published.items():
        if key[0] not in timed_ts:
            continue  # the post is gone from content/: it still filled its slot above
        ts = timed_ts[key[0]]
        if ts is not None:
            result[key] = Slot(dt.datetime.fromtimestamp(ts, tz_of(key[1])), "timed", published_at=when)
        else:
            result[key] = Slot(filled.get(key, when.astimezone(tz_of(key[1]))), "queue", published_at=when)

    # The queue: in order, each pair takes its profile's next free slot from now - late window to `end`.
    queued.sort(key=lambda item: queue_order_key(item[0], plan_tz))
    free: dict[str, list[CadenceSlot]] = {
        pid: [s for s in profile_slots if s.occupant is None and start <= s.at <= end]
        for pid, profile_slots in slots.items()
    }
    cursor: dict[str, int] = dict.fromkeys(free, 0)
    unplaced: list[tuple[str, str]] = []
    for post, pids in queued:
        for pid in pids:
            key = (post.id, pid)
            options = free.get(pid)
            i = cursor.get(pid, 0)
            if not options or i >= len(options):
                unplaced.append(key)
                continue
            slot = options[i]
            cursor[pid] = i + 1
            slot.occupant, slot.how = key, "queue"
            result[key] = Slot(slot.at, "queue")
    return QueueState(start=start, end=end, result=result, slots=slots, occurrences=occurrences,
                      unplaced=unplaced, order=[p.id for p, _ in queued], rules=rules, blackouts=blackout_list)


def resolve_times(posts: list, profiles: Mapping[str, Any], schedule: Schedule, *, now: dt.datetime,
                  published: Mapping[tuple[str, str], dt.datetime] | None = None,
                  until: dt.datetime | None = None,
                  best_hours: Mapping[str, Any] | None = None) -> dict[tuple[str, str], Slot]:
    """When each ready (post id, profile) pair goes out: the one function behind plan, preview and publish.

    - A ready post with `publish_at` gets it for each of its profiles (source "timed").
    - A pair already published (`published`, from the ledger) keeps its time and is never queued again;
      `published_at` says when it went out.
    - Timed and published posts fill cadence slots: one at exactly a slot's time takes it, the others the
      nearest free slot of their window (the same day; the same week for per_week slots).
    - Ready posts without `publish_at` are queued by `created` (oldest first; posts without it last), then
      by id. In that order, each (post, profile) pair takes that profile's next free slot from
      `now - late_window` to `until` (default: now + horizon_days). Blackout days have no slots.
      Pairs with no free slot get no entry.
    Starting at now - late_window keeps a queued post on its slot after the slot's time until it is
    published (a late publish run still finds it due), so preview and publish agree.
    Drafts, unreadable posts and duplicate ids (all but the first file) get no entry. Pure: no clock, no files.
    """
    return queue_state(posts, profiles, schedule, now=now, published=published, until=until,
                       best_hours=best_hours).result


# --- the plan: weeks, slots filled and empty, pillars, blackouts, collisions ----------------------------

FILLED, EMPTY, PASSED, EXTRA = "filled", "empty", "passed", "extra"


def week_start(moment: dt.datetime, tz: ZoneInfo) -> dt.date:
    day = moment.astimezone(tz).date()
    return day - dt.timedelta(days=day.weekday())


def build_plan(posts: list, profiles: Mapping[str, Any], schedule: Schedule, *, now: dt.datetime, weeks: int = 2,
               published: Mapping[tuple[str, str], dt.datetime] | None = None,
               best_hours: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The plan from the Monday of this week for `weeks` weeks, as plain data (the JSON output).

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
    begin = dt.datetime.combine(first, dt.time(), tz)
    stop = dt.datetime.combine(first + dt.timedelta(weeks=weeks), dt.time(), tz)
    horizon_end = now + dt.timedelta(days=schedule.horizon_days)
    state = queue_state(posts, profiles, schedule, now=now, published=published,
                        until=max(stop, horizon_end), best_hours=best_hours)
    by_id: dict[str, Any] = {}
    for post in sorted(posts, key=lambda p: p.path):
        if post.id and not post.error and post.id not in by_id:
            by_id[post.id] = post

    def describe(key: tuple[str, str]) -> dict[str, Any]:
        post = by_id.get(key[0])
        return {"post": key[0], "title": post.title if post else key[0], "path": post.path if post else None,
                "pillar": post.pillar if post else None}

    def iso(moment: dt.datetime) -> str:
        return moment.isoformat(timespec="minutes")

    shown = sorted(set(state.rules) | set(profiles))
    gaps: list[dict[str, Any]] = []
    profile_views = []
    in_range_posts: set[str] = set()
    for pid in shown:
        slot_list = state.slots.get(pid, [])
        extras = [o for o in state.occurrences.get(pid, []) if o.slot is None]
        queued_keys = {s.occupant for s in slot_list if s.how == "queue"}
        fixed_at = {id(o.slot): o.at for o in state.occurrences.get(pid, []) if o.slot is not None}
        week_views = []
        for w in range(weeks):
            w_start = begin + dt.timedelta(weeks=w)
            w_begin = dt.datetime.combine(first + dt.timedelta(weeks=w), dt.time(), tz)
            w_end = dt.datetime.combine(first + dt.timedelta(weeks=w + 1), dt.time(), tz)
            entries = []
            for s in slot_list:
                at = fixed_at.get(id(s), s.at)  # a timed or published post is shown at its own time
                if not w_begin <= at < w_end:
                    continue
                entry: dict[str, Any] = {"at": iso(at)}
                if at != s.at:
                    entry["slot"] = iso(s.at)
                if s.occupant is not None:
                    entry.update(state=FILLED, source=s.how, **describe(s.occupant))
                    in_range_posts.add(s.occupant[0])
                else:
                    entry["state"] = PASSED if s.at < now else EMPTY
                if s.rule.uses_best:
                    entry["best"] = True
                entries.append(entry)
            for occ in extras:
                if w_begin <= occ.at < w_end:
                    entries.append({"at": iso(occ.at), "state": EXTRA,
                                    "source": "published" if occ.published else "timed", **describe(occ.key)})
                    in_range_posts.add(occ.key[0])
            entries.sort(key=lambda e: (e["at"], e.get("post") or ""))
            in_slots = [e for e in entries if e["state"] != EXTRA]
            iso_week = w_start.date().isocalendar()
            week_views.append({
                "week": f"{iso_week.year}-W{iso_week.week:02d}", "start": w_start.date().isoformat(),
                "slots": len(in_slots), "filled": sum(1 for e in in_slots if e["state"] == FILLED),
                "empty": sum(1 for e in in_slots if e["state"] == EMPTY), "entries": entries,
            })
        for s in slot_list:
            if s.occupant is None and now <= s.at < horizon_end:
                gaps.append({"profile": pid, "at": iso(s.at)})
        profile = profiles.get(pid)
        profile_views.append({
            "id": pid, "network": getattr(profile, "network", None) or None,
            "has_cadence": bool(state.rules.get(pid)), "queued": len(queued_keys), "weeks": week_views,
        })
    gaps.sort(key=lambda g: (g["at"], g["profile"]))

    # Pillar mix of the posts in these weeks (each post once, whatever its number of profiles).
    counts: dict[str, int] = {}
    for post_id in in_range_posts:
        post = by_id.get(post_id)
        name = (post.pillar if post else None) or "(none)"
        counts[name] = counts.get(name, 0) + 1
    total = sum(counts.values())
    pillar_rows = []
    for name in [*schedule.pillars, *sorted(n for n in counts if n not in schedule.pillars)]:
        target = schedule.pillars.get(name, {}).get("share")
        n = counts.get(name, 0)
        pillar_rows.append({"pillar": name, "target": target if isinstance(target, int | float) else None,
                            "posts": n, "share": round(100 * n / total, 1) if total else 0.0})

    # Timed posts on blackout days, from the late window on (drafts too: they will be a problem once ready).
    blackout_posts = []
    if state.blackouts:
        start_ts = state.start.timestamp()
        for post in by_id.values():
            if post.publish_ts is None or post.publish_ts < start_ts:
                continue
            at = dt.datetime.fromtimestamp(post.publish_ts, tz)
            reason = blackout_reason(at.date(), state.blackouts)
            if reason is not None:
                blackout_posts.append({"post": post.id, "title": post.title, "path": post.path, "at": iso(at),
                                       "status": post.status, "reason": reason or None})
    blackout_posts.sort(key=lambda b: (b["at"], b["post"]))

    # Two posts of one profile at the same minute.
    collisions = []
    for pid, occs in sorted(state.occurrences.items()):
        by_minute: dict[dt.datetime, list[str]] = {}
        for occ in occs:
            if occ.at >= state.start:
                by_minute.setdefault(occ.at.replace(second=0, microsecond=0), []).append(occ.key[0])
        for minute, ids in sorted(by_minute.items()):
            if len(ids) > 1:
                collisions.append({"profile": pid, "at": iso(minute), "posts": sorted(ids)})

    unplaced = []
    for post_id, pid in state.unplaced:
        why = (f"{pid} has no cadence in schedule.yaml" if not state.rules.get(pid)
               else f"no free slot of {pid} until {state.end.astimezone(tz):%Y-%m-%d}")
        unplaced.append({"post": post_id, "profile": pid, "why": why, "title": by_id[post_id].title})

    notes = []
    for pid, rules in sorted(state.rules.items()):
        if any(r.uses_best for r in rules) and not (best_hours or {}).get(pid):
            notes.append(f"{pid}: 'best' hours use the first preferred hour (09:00 when none is listed) "
                         "until a metrics report suggests better ones")

    ready = [p for p in by_id.values() if p.status == "ready"]
    summary = {
        "posts": len(posts), "ready": len(ready), "timed": sum(1 for p in ready if p.publish_ts is not None),
        "queued": sum(1 for p in ready if p.publish_ts is None),
        "draft": sum(1 for p in by_id.values() if p.status != "ready"),
        "unreadable": sum(1 for p in posts if p.error or not p.id),
        "published_pairs": len(published),
    }
    return {
        "now": iso(now.astimezone(tz)), "timezone": tz.key, "from": first.isoformat(),
        "to": (first + dt.timedelta(weeks=weeks, days=-1)).isoformat(), "weeks": weeks,
        "horizon_days": schedule.horizon_days, "late_window_minutes": int(schedule.late_window.total_seconds() // 60),
        "counts": summary, "profiles": profile_views, "gaps": gaps, "pillars": pillar_rows,
        "blackout_posts": blackout_posts, "collisions": collisions, "unplaced": unplaced, "queue_order": state.order,
        "notes": notes,
    }


def check_findings(plan: dict[str, Any]) -> bool:
    """True when `plan --check` should fail: empty slots within the horizon, two posts of a profile at the same
    minute, or a timed post on a blackout day."""
    return bool(plan["gaps"] or plan["collisions"] or plan["blackout_posts"])


def _when(iso_text: str) -> str:
    moment = dt.datetime.fromisoformat(iso_text)
    return f"{DAY_ABBR[moment.weekday()].capitalize()} {moment:%Y-%m-%d %H:%M}"


def _entry_text(entry: dict[str, Any]) -> str:
    state = entry["state"]
    best = " (best)" if entry.get("best") else ""
    if state in (EMPTY, PASSED):
        return f"{_when(entry['at'])}{best}  {'EMPTY' if state == EMPTY else 'passed, empty'}"
    label = {"queue": "queued", "timed": "timed", "published": "published"}[entry["source"]]
    extra = ", not in a slot" if state == EXTRA else ""
    if "slot" in entry:
        slot = dt.datetime.fromisoformat(entry["slot"])
        same_day = slot.date() == dt.datetime.fromisoformat(entry["at"]).date()
        extra = f", fills the {'' if same_day else DAY_ABBR[slot.weekday()].capitalize() + ' '}{slot:%H:%M} slot"
    pillar = f" [{entry['pillar']}]" if entry.get("pillar") else ""
    return f"{_when(entry['at'])}{best}  {entry['post']}{pillar} ({label}{extra}): {entry['title']}"


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
        out.append(f"  {gap['profile']}: {_when(gap['at'])}")
    if plan["pillars"]:
        out.append("Pillar mix of the posts in these weeks (share / target):")
        for row in plan["pillars"]:
            target = f"{row['target']:g} %" if row["target"] is not None else "no target"
            out.append(f"  {row['pillar']}: {row['posts']} post{'' if row['posts'] == 1 else 's'}, "
                       f"{row['share']:g} % / {target}")
    for b in plan["blackout_posts"]:
        why = f" ({b['reason']})" if b["reason"] else ""
        out.append(f"Blackout: {b['post']} ({b['path']}) is timed on {_when(b['at'])}, a blackout day{why}")
    for col in plan["collisions"]:
        out.append(f"Collision: {col['profile']} has {', '.join(col['posts'])} at the same time, {_when(col['at'])}")
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
        out.append(f"- `{gap['profile']}` {_when(gap['at'])}")
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
                    slot += f" ({_when(e['slot'])})"
                post = f"`{_md(e['post'])}` {_md(e['title'])}" if "post" in e else ""
                how = {"queue": "queued", "timed": "timed", "published": "published"}.get(e.get("source", ""), "")
                out.append(f"| {_when(e['at'])} | {slot} | {post} | {_md(e.get('pillar') or '')} | {how} |")
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
            out.append(f"- Blackout: `{b['post']}` is timed on {_when(b['at'])}, a blackout day{why}")
        for col in plan["collisions"]:
            out.append(f"- Collision: `{col['profile']}` has {', '.join(f'`{p}`' for p in col['posts'])} "
                       f"at {_when(col['at'])}")
        for u in plan["unplaced"]:
            out.append(f"- No slot: `{u['post']}` for `{u['profile']}`: {u['why']}")
        for note in plan["notes"]:
            out.append(f"- Note: {note}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


PLAN_ISSUE_KEY = "content-plan"
PLAN_ISSUE_LABELS = ("plan-gap",)


def plan_issue_body(plan: dict[str, Any], escape=lambda s: s) -> str:
    """The "Content plan" issue: what --check found, and how to fix it. `escape` makes titles safe Markdown."""
    out = [f"`socialops plan --check` found these in the next {plan['horizon_days']} days "
           f"(checked {plan['now'].replace('T', ' ')}, {plan['timezone']}).", ""]
    if plan["gaps"]:
        out += [f"**{len(plan['gaps'])} empty slots.** Fill them with posts without `publish_at` (they take the "
                "next free slot) or with posts timed at these times:", ""]
        by_profile: dict[str, list[str]] = {}
        for gap in plan["gaps"]:
            by_profile.setdefault(gap["profile"], []).append(_when(gap["at"]))
        for pid, whens in by_profile.items():
            out.append(f"- `{pid}`: {', '.join(whens)}")
        out.append("")
    if plan["collisions"]:
        out += ["**Posts at the same time on one profile** (move one of them):", ""]
        for col in plan["collisions"]:
            out.append(f"- `{col['profile']}` {_when(col['at'])}: {', '.join(f'`{p}`' for p in col['posts'])}")
        out.append("")
    if plan["blackout_posts"]:
        out += ["**Posts timed on blackout days** (move them or change the blackout in schedule.yaml):", ""]
        for b in plan["blackout_posts"]:
            out.append(f"- `{b['post']}` ({escape(b['title'])}) on {_when(b['at'])} in `{b['path']}`")
        out.append("")
    out.append("This issue is updated by the plan workflow and closed when the plan is full again.")
    return "\n".join(out)


def sync_plan_issue(tracker: Any, plan: dict[str, Any]) -> str:
    """Open, update or close the one "Content plan" issue. Returns what was done: opened, reopened, updated,
    unchanged, closed or none."""
    from socialops.core.safetext import escape_untrusted_markdown
    from socialops.tracker.interface import sync_status_issue

    needed = check_findings(plan)
    n = len(plan["gaps"])
    title = f"Content plan: {n} empty slot{'s' if n != 1 else ''} in the next {plan['horizon_days']} days" if n \
        else "Content plan: posts to move"
    body = plan_issue_body(plan, lambda s: escape_untrusted_markdown(s, max_chars=200)) if needed else ""
    done = sync_status_issue(
        tracker, PLAN_ISSUE_KEY, needed=needed, title=title, body=body, labels=PLAN_ISSUE_LABELS,
        close_comment=f"The plan is full again: no empty slots in the next {plan['horizon_days']} days "
                      f"(checked {plan['now'].replace('T', ' ')}).",
        same=lambda old, new: _without_checked(old) == _without_checked(new))
    return done or ("unchanged" if needed else "none")


def _without_checked(body: str) -> str:
    return re.sub(r"\(checked [^)]*\)", "", body or "").strip()
