"""Cadence: the slots of each profile in schedule.yaml, blackout days, and the problems of both.

Every cadence entry compiles to a weekly pattern of (weekday, local time) pairs:
  {days: [mon, wed], times: ["09:00", "15:30"]}   each listed day at each listed time
  {per_day: 2, hours: [8, 12, 18]}                  N times every day, spread over the hours: 8 and 18
  {per_week: 3, hours: [9, 12, 17]}                 N times a week, spread over the week from Monday and
                                                    cycling through the hours: Mon 9, Wed 12, Fri 17
Weekdays: mon..sun, or in Finnish ma, ti, ke, to, pe, la, su. Times "HH:MM" in quotes; hours 0-23.
`best` as an hour is the best hour the metrics suggest (``socialops.metrics.best_times``); until they do,
the first numbered hour of the list (09:00 when there is none).
A slot's *window* is the part of time a post can fill it from: its day for fixed days and per_day slots,
its ISO week for per_week slots.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from socialops.core.problems import ERROR, WARNING, Problem
from socialops.core.times import zone_named
from socialops.repository.schedule import SCHEDULE_FILE, Schedule

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


def _problem(sched: Schedule, keys: tuple, code: str, message: str, severity: str | None = None) -> Problem:
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
    raise ValueError(f"'{value}' is not an hour; write a whole number 0 to 23 like 9, or best (the hours the "
                     "metrics find best); for minutes use {days: [...], times: [\"09:30\"]}")


def _weekday(value: Any) -> int:
    if isinstance(value, str) and value.strip().lower() in WEEKDAY_NAMES:
        return WEEKDAY_NAMES[value.strip().lower()]
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
    for key in entry:
        if key not in CADENCE_KEYS:
            close = difflib.get_close_matches(str(key), CADENCE_KEYS, n=1, cutoff=0.6)
            hint = f" Did you mean '{close[0]}'?" if close else f" Slot keys: {', '.join(CADENCE_KEYS)}."
            problems.append(_problem(sched, (*keys, key), "unknown-key", f"'{key}' is not a key of a slot.{hint}"))
    kind = _rule_kind(entry, sched, keys, problems)
    if kind is None:
        return None, problems
    weekdays = _rule_weekdays(entry, sched, keys, problems)
    times, uses_best = _rule_times(entry, kind, sched, keys, problems, best_hours)
    count = _rule_count(entry, kind, len(times), len(weekdays), sched, keys, problems)
    if any(p.severity == "error" and p.code != "unknown-key" for p in problems) or not times or not weekdays:
        return None, problems
    return CadenceRule(profile, index, kind, _pattern(kind, weekdays, times, count), uses_best), problems


def _rule_kind(entry: dict, sched: Schedule, keys: tuple, problems: list) -> str | None:
    """"days", "per_day" or "per_week"; None (with a problem) when the entry mixes them up."""
    counts = [k for k in ("per_week", "per_day") if k in entry]
    if len(counts) > 1:
        problems.append(_problem(sched, keys, "cadence-invalid",
                                 "a slot has either per_week or per_day, not both; split it into two slots"))
        return None
    kind = counts[0] if counts else "days"
    if kind == "days" and ("times" not in entry or "days" not in entry):
        missing = "times" if "times" not in entry else "days"
        problems.append(_problem(sched, keys, "cadence-invalid",
                                 f"the slot has no {missing}; write {{days: [mon, wed], times: [\"09:00\"]}}, "
                                 "{per_day: 2, hours: [8, 18]} or {per_week: 3, hours: [9, 12, 17]}"))
        return None
    if kind != "days" and "days" in entry:
        problems.append(_problem(sched, (*keys, "days"), "cadence-invalid",
                                 f"a {kind} slot spreads over the whole week and takes no 'days'; for fixed days "
                                 "write {days: [mon, wed], times: [\"09:00\"]}"))
        return None
    if kind != "days" and "times" in entry:
        problems.append(_problem(sched, (*keys, "times"), "cadence-invalid",
                                 f"a {kind} slot takes 'hours' (the preferred hours), not 'times'"))
        return None
    return kind


def _rule_weekdays(entry: dict, sched: Schedule, keys: tuple, problems: list) -> list[int]:
    """The entry's weekdays, sorted (every day when it lists none)."""
    if "days" not in entry:
        return list(range(7))
    weekdays: list[int] = []
    days = entry["days"]
    if not isinstance(days, list | str) or days == []:
        problems.append(_problem(sched, (*keys, "days"), "cadence-day",
                                 "'days' must list weekdays, like [mon, wed, fri] or [ma, ke, pe]"))
        return weekdays
    for j, value in enumerate(_as_list(days)):
        try:
            day = _weekday(value)
        except ValueError as exc:
            problems.append(_problem(sched, (*keys, "days", j), "cadence-day", str(exc)))
            continue
        if day not in weekdays:
            weekdays.append(day)
    return sorted(weekdays)


def _rule_times(entry: dict, kind: str, sched: Schedule, keys: tuple, problems: list,
                best_hours: Any) -> tuple[list[dt.time], bool]:
    """The entry's times (or hours), `best` replaced by the suggested hours, and whether it used `best`."""
    times: list[dt.time] = []
    key = "times" if kind == "days" else "hours"
    raw_times = entry.get(key)
    if raw_times is None or raw_times == [] or not isinstance(raw_times, list | str | int):
        problems.append(_problem(sched, (*keys, key), "cadence-time" if key == "times" else "cadence-invalid",
                                 f"'{key}' must list " + ("times, like [\"09:00\", \"15:30\"]" if key == "times"
                                                          else "hours, like [9, 12, 17]")))
        return times, False
    parsed: list[dt.time | str] = []
    for j, value in enumerate(_as_list(raw_times)):
        try:
            parsed.append(parse_time(value) if key == "times" else _parse_hour(value))
        except ValueError as exc:
            problems.append(_problem(sched, (*keys, key, j), "cadence-time", str(exc)))
    numbered = [item for item in parsed if isinstance(item, dt.time)]
    suggestions = [_parse_hour(h) for h in (best_hours or []) if not isinstance(h, bool)]
    suggestions = [h for h in suggestions if isinstance(h, dt.time)]
    uses_best = False
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
    return times, uses_best


def _rule_count(entry: dict, kind: str, n_times: int, n_weekdays: int, sched: Schedule, keys: tuple,
                problems: list) -> int:
    """per_day or per_week: how many slots (0 for fixed days, or when the number is wrong)."""
    if kind == "days":
        return 0
    value = entry.get(kind)
    limit = 24 if kind == "per_day" else 7 * 24
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
        problems.append(_problem(sched, (*keys, kind), "cadence-invalid",
                                 f"'{kind}' must be a whole number from 1 to {limit}, like '{kind}: 3'"))
        return 0
    capacity = n_times if kind == "per_day" else n_times * n_weekdays
    if n_times and n_weekdays and value > capacity:
        what = f"{n_times} hours" if kind == "per_day" else f"{n_weekdays} days × {n_times} hours"
        problems.append(_problem(sched, (*keys, kind), "cadence-invalid",
                                 f"'{kind}: {value}' needs more slots than the {what} offer; "
                                 "add hours or lower the number"))
    return value


def _pattern(kind: str, weekdays: list[int], times: list[dt.time], count: int) -> tuple[tuple[int, dt.time], ...]:
    """The weekly (weekday, time) pairs of a rule, in week order."""
    if kind == "days":
        return tuple((d, t) for d in weekdays for t in sorted(times))
    if kind == "per_day":
        chosen = sorted(times[i] for i in _spread_ends(count, len(times)))
        return tuple((d, t) for d in weekdays for t in chosen)
    pattern: list[tuple[int, dt.time]] = []
    for i, day_index in enumerate(_spread(count, len(weekdays))):
        pair = (weekdays[day_index], times[i % len(times)])
        if pair not in pattern:
            pattern.append(pair)
    return tuple(sorted(pattern))


def cadence_rules(sched: Schedule, best_hours: Any = None) -> dict[str, list[CadenceRule]]:
    """The usable cadence rules per profile id (entries with errors are left out; validate reports them).

    `best_hours`: optional {profile id: [hours]} suggested by the metrics (``socialops.metrics.best_times``), used where a slot says `best`."""
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


@dataclass
class CadenceSlot:
    """One slot of one profile's cadence, and what fills it."""

    profile: str
    at: dt.datetime  # aware, in the profile's timezone
    rule: CadenceRule
    window: tuple  # ("day", date) or ("week", iso year, iso week), in the profile's timezone
    occupant: tuple[str, str] | None = None  # (post id, profile)
    how: str = ""  # "timed", "published" or "queue"


def profile_tz(profile: Any, sched: Schedule) -> ZoneInfo:
    """The profile's own timezone when it names a valid one, else its brand's plan's, else the plan's."""
    own = zone_named(getattr(profile, "timezone", None)) if profile is not None else None
    if own is not None:
        return own
    brand = getattr(profile, "brand", None) if profile is not None else None
    return sched.for_brand(brand).tz if brand else sched.tz


def local_slot(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    """A wall-clock slot as an aware time. In the spring gap the slot moves forward by the gap (03:30 that does
    not exist becomes 04:30); in the autumn overlap it is the first of the two (summer time)."""
    naive = dt.datetime.combine(day, time)
    return naive.replace(tzinfo=tz, fold=0).astimezone(dt.UTC).astimezone(tz)


def window_of(kind: str, day: dt.date) -> tuple:
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
            out[at] = CadenceSlot(rule.profile, at, rule, window_of(rule.window, day))
        day += one
    return [out[k] for k in sorted(out)]

