"""Posts that come back: a recurring post's rule (``repeat:``) and an evergreen post's interval (``evergreen:``).

``repeat:`` is an RFC 5545 recurrence rule, written the friendly way (``every: week, on: friday, at: "16:00"``)
or as the rule itself (``rrule: "FREQ=MONTHLY;BYDAY=1MO"``); python-dateutil does the calendar arithmetic. A
rule is kept as its canonical RFC 5545 text (``DTSTART;TZID=Europe/Helsinki:20261204T160000`` and
``RRULE:...``) in wall-clock time of the post's timezone (the plan's, or its brand's), so 16:00 stays 16:00
across a change of daylight saving time.

Each occurrence is its own pair in the publications ledger, under ``<post id>@<UTC minute>`` (a recurring post)
or ``<post id>@<n>`` (an evergreen post's n-th republication); ``base_id`` gives the post back.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any
from zoneinfo import ZoneInfo

FREQS = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
REPEAT_KEYS = ("every", "on", "at", "from", "until", "count", "rrule")
EVERGREEN_KEYS = ("every",)
DAYS = {"monday": "MO", "tuesday": "TU", "wednesday": "WE", "thursday": "TH", "friday": "FR", "saturday": "SA",
        "sunday": "SU"}
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
            "last": -1}
_EVERY = re.compile(r"^\s*(?:(\d+)\s+)?([a-z]+?)s?\s*$")
_AT = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_UNITS = {"day": 1, "week": 7}
FINE_FREQS = ("HOURLY", "MINUTELY", "SECONDLY")
_ID_TIME = "%Y%m%dT%H%MZ"


class RuleError(ValueError):
    """A `repeat:` or `evergreen:` that cannot be used: `keys` lead to the line to fix."""

    def __init__(self, message: str, keys: tuple = ()) -> None:
        super().__init__(message)
        self.message = message
        self.keys = keys


# --- ledger ids ----------------------------------------------------------------------------------------------


def occurrence_id(post_id: str, at: dt.datetime) -> str:
    """The ledger's post id of a recurring post's occurrence: ``<post id>@20261204T1400Z`` (UTC, to the minute)."""
    return f"{post_id}@{at.astimezone(dt.UTC):{_ID_TIME}}"


def evergreen_id(post_id: str, n: int) -> str:
    """The ledger's post id of an evergreen post's n-th republication (the first publication is the post's id)."""
    return f"{post_id}@{n}"


def base_id(ledger_id: str) -> str:
    """The post a ledger id belongs to (itself when it is no occurrence)."""
    return ledger_id.rpartition("@")[0] or ledger_id


def republication(ledger_id: str) -> int | None:
    """n for an evergreen republication's id ``<post>@<n>``, 0 for a plain id, None for a recurring occurrence."""
    head, at, tail = ledger_id.rpartition("@")
    if not at:
        return 0
    return int(tail) if tail.isdigit() else None


def post_rules(raw: dict, start: dt.datetime | None, tz: ZoneInfo) -> tuple[str | None, int | None]:
    """A post's `repeat` rule (canonical text) and `evergreen` interval (days), from its frontmatter and its
    publish_at (`start`). Raises RuleError."""
    if raw.get("repeat") is not None and raw.get("evergreen") is not None:
        raise RuleError("a post either repeats on a rule or comes back as evergreen; remove one", ("evergreen",))
    repeat = repeat_rule(raw["repeat"], start, tz) if raw.get("repeat") is not None else None
    evergreen = evergreen_days(raw["evergreen"]) if raw.get("evergreen") is not None else None
    return repeat, evergreen


# --- repeat: ----------------------------------------------------------------------------------------------------


def repeat_rule(value: Any, start: dt.datetime | None, tz: ZoneInfo) -> str:
    """The canonical rule text of a post's ``repeat:`` (``start``: its publish_at, the first time, or None).

    Raises RuleError saying what to fix."""
    from dateutil.rrule import rrulestr

    if isinstance(value, str):
        value = {"rrule": value}
    if not isinstance(value, dict):
        raise RuleError("'repeat' must be keys like 'every: week', 'on: friday', 'at: \"16:00\"', or a rule like "
                        "'FREQ=MONTHLY;BYDAY=1MO'", ("repeat",))
    # YAML 1.1 reads an unquoted `on:` key as true
    value = {("on" if k is True else k): v for k, v in value.items()}
    unknown = [k for k in value if k not in REPEAT_KEYS]
    if unknown:
        raise RuleError(f"'repeat' has no key '{unknown[0]}'; use {', '.join(REPEAT_KEYS)}", ("repeat", unknown[0]))
    times = _times(value.get("at"))
    first = _start(value.get("from"), start, tz, bool(times))
    if "rrule" in value:
        if "every" in value or "on" in value:
            raise RuleError("write either 'rrule' or 'every'/'on', not both", ("repeat", "rrule"))
        text = value["rrule"]
        if not isinstance(text, str) or not text.strip():
            raise RuleError("'rrule' must be a rule like 'FREQ=MONTHLY;BYDAY=1MO'", ("repeat", "rrule"))
        text = text.strip().removeprefix("RRULE:")
        if re.search(r"(^|;)\s*(DTSTART|TZID)", text, re.I):
            raise RuleError("leave DTSTART out of 'rrule': the first time is 'publish_at' (or 'from')",
                            ("repeat", "rrule"))
        try:
            rule = rrulestr(text, dtstart=first)
        except (ValueError, TypeError) as exc:
            raise RuleError(f"'{text}' is not a recurrence rule ({exc}); write it like 'FREQ=MONTHLY;BYDAY=1MO'",
                            ("repeat", "rrule")) from None
        if str(rule).split("FREQ=", 1)[1].split(";", 1)[0] in FINE_FREQS:
            raise RuleError("a post can come back at most daily; for several times a day list them under 'at'",
                            ("repeat", "rrule"))
    else:
        rule = _friendly(value, first)
    changes: dict[str, Any] = {}
    if times:
        changes.update(byhour=sorted({h for h, _ in times}), byminute=sorted({m for _, m in times}), bysecond=0)
    until, count = value.get("until"), value.get("count")
    if until is not None and count is not None:
        raise RuleError("write 'until' or 'count', not both", ("repeat", "count"))
    if until is not None:
        changes["until"] = _until(until, tz)
        if changes["until"] < first:
            raise RuleError("'until' is before the first time", ("repeat", "until"))
    if count is not None:
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise RuleError("'count' must be a whole number, like 10", ("repeat", "count"))
        changes["count"] = count
    if changes:
        try:
            rule = rule.replace(**changes)
        except (ValueError, TypeError) as exc:
            raise RuleError(f"the rule cannot be used ({exc})", ("repeat",)) from None
    if times and len(times) != len(changes["byhour"]) * len(changes["byminute"]):
        raise RuleError("times under 'at' must share their minutes or their hours (like 09:00 and 16:00, or 09:15 "
                        "and 16:15); for other times write two posts", ("repeat", "at"))
    if rule.after(first, inc=True) is None:
        raise RuleError("the rule gives no time at all; check 'on', 'until' and 'count'", ("repeat",))
    return str(rule).replace("DTSTART:", f"DTSTART;TZID={tz.key}:", 1)


def _friendly(value: dict, first: dt.datetime) -> Any:
    from dateutil.rrule import rrule, weekday

    every = value.get("every")
    match = _EVERY.match(str(every).lower()) if isinstance(every, (str, int)) else None
    freq = FREQS.get(match.group(2)) if match else None
    if freq is None:
        raise RuleError("'every' must be day, week, month or year (or like '2 weeks')", ("repeat", "every"))
    interval = int(match.group(1) or 1)
    if interval < 1:
        raise RuleError("'every' must be at least 1", ("repeat", "every"))
    days: list = []
    month_days: list[int] = []
    on = value.get("on")
    for item in on if isinstance(on, list) else [] if on is None else [on]:
        if isinstance(item, int) and not isinstance(item, bool) and 1 <= abs(item) <= 31:
            month_days.append(item)
            continue
        words = str(item).lower().split()
        code = DAYS.get(words[-1]) if words else None
        nth = ORDINALS.get(words[0]) if len(words) == 2 else None
        if code is None or (len(words) == 2 and nth is None) or len(words) > 2:
            raise RuleError(f"'on: {item}' is not a day; write like 'friday', 'first monday', 'last friday' or 15 "
                            "(a day of the month)", ("repeat", "on"))
        if nth is not None and freq not in ("MONTHLY", "YEARLY"):
            raise RuleError(f"'{item}' needs 'every: month'", ("repeat", "on"))
        days.append(weekday(list(DAYS.values()).index(code), nth))
    if month_days and freq not in ("MONTHLY", "YEARLY"):
        raise RuleError("a day of the month needs 'every: month'", ("repeat", "on"))
    kinds = {"DAILY": 3, "WEEKLY": 2, "MONTHLY": 1, "YEARLY": 0}
    return rrule(kinds[freq], dtstart=first, interval=interval, byweekday=days or None,
                 bymonthday=month_days or None)


def _times(value: Any) -> list[tuple[int, int]]:
    items = value if isinstance(value, list) else [] if value is None else [value]
    out = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < 24 * 60:
            item = f"{item // 60}:{item % 60:02d}"  # YAML 1.1 reads 16:00 unquoted as 960 minutes
        match = _AT.match(str(item).strip())
        if not match:
            raise RuleError(f"'at: {item}' is not a time of day; write it like \"16:00\"", ("repeat", "at"))
        out.append((int(match.group(1)), int(match.group(2))))
    return out


def _start(value: Any, start: dt.datetime | None, tz: ZoneInfo, has_times: bool) -> dt.datetime:
    """The rule's first moment as a wall-clock (naive) time in the plan's timezone."""
    if value is not None:
        if start is not None:
            raise RuleError("write 'publish_at' or 'repeat: from:', not both", ("repeat", "from"))
        day = _wall_date(value, tz, "from", "2026-01-05")
        if isinstance(day, dt.datetime):
            return day
        if not has_times:
            raise RuleError("say when in the day: add 'at: \"16:00\"' under 'repeat'", ("repeat",))
        return dt.datetime.combine(day, dt.time())
    if start is None:
        raise RuleError("a post that repeats needs a first time: add 'publish_at' (or 'from: 2026-01-05' under "
                        "'repeat')", ("repeat",))
    return start.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)


def _wall_date(value: Any, tz: ZoneInfo, key: str, example: str) -> dt.date:
    """A 'from:' or 'until:' value: a date, or a time made wall-clock (naive) in the plan's timezone."""
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value
    try:
        return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise RuleError(f"'{key}: {value}' is not a date; write it like {example}", ("repeat", key)) from None


def _until(value: Any, tz: ZoneInfo) -> dt.datetime:
    day = _wall_date(value, tz, "until", "2027-06-30")
    if isinstance(day, dt.datetime):
        return day
    return dt.datetime.combine(day, dt.time(23, 59, 59))  # the whole last day


@functools.lru_cache(maxsize=1024)
def _parsed(text: str) -> tuple[Any, ZoneInfo]:
    """The rule, over wall-clock (naive) times, and its timezone."""
    from dateutil.rrule import rrulestr

    head, _, rest = text.partition("\n")
    zone, _, start = head.removeprefix("DTSTART;TZID=").partition(":")
    return rrulestr(f"DTSTART:{start}\n{rest}"), ZoneInfo(zone)


def _closer(rule: Any, rule_text: str, start: dt.datetime) -> Any:
    """The rule with its first time moved on by whole periods to just before `start`, where that gives the same
    times from `start` on: dateutil walks every time from the first, and a daily rule started years ago would
    cost a thousand steps per post and run. Only daily and weekly rules without a count (months differ in
    length; a count counts from the first time)."""
    fields = dict(part.split("=", 1) for part in rule_text.rpartition("RRULE:")[2].split(";") if "=" in part)
    days = {"DAILY": 1, "WEEKLY": 7}.get(fields.get("FREQ", ""))
    if days is None or "COUNT" in fields:
        return rule
    period = dt.timedelta(days=days * int(fields.get("INTERVAL", "1")))
    first = rule._dtstart  # noqa: SLF001 - dateutil keeps it there; replace() takes the new one
    steps = (start - first) // period - 1
    return rule.replace(dtstart=first + steps * period) if steps > 0 else rule


def occurrences(rule_text: str, lo: dt.datetime, hi: dt.datetime) -> list[dt.datetime]:
    """The rule's times from `lo` to `hi` (aware), to the minute, in the rule's timezone.

    A wall-clock time in the spring gap (it does not exist that night) goes out as many minutes later as the
    clocks jump (03:30 in Helsinki becomes 04:30); one in the autumn overlap (it happens twice) goes out the
    first time. Either way the post goes out once that day."""
    rule, tz = _parsed(rule_text)
    # Wall-clock bounds a day wider than asked: the offsets differ by hours at most; exact bounds are applied below.
    start = lo.astimezone(tz).replace(tzinfo=None) - dt.timedelta(days=1)
    stop = hi.astimezone(tz).replace(tzinfo=None) + dt.timedelta(days=1)
    rule = _closer(rule, rule_text, start)
    out = []
    for naive in rule.between(start, stop, inc=True):
        moment = naive.replace(tzinfo=tz, fold=0)  # fold=0: the offset before the change, in a gap or an overlap
        moment = moment.astimezone(dt.UTC).astimezone(tz)
        if lo <= moment <= hi:
            out.append(moment)
    return out


# --- evergreen: -------------------------------------------------------------------------------------------------


def evergreen_days(value: Any) -> int:
    """The minimum number of days between two publications of an evergreen post on a profile."""
    if isinstance(value, dict):
        unknown = [k for k in value if k not in EVERGREEN_KEYS]
        if unknown:
            raise RuleError(f"'evergreen' has no key '{unknown[0]}'; write like 'evergreen: {{every: 60 days}}'",
                            ("evergreen", unknown[0]))
        value = value.get("every")
        keys: tuple = ("evergreen", "every")
    else:
        keys = ("evergreen",)
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value} days"
    match = _EVERY.match(value.lower()) if isinstance(value, str) else None
    unit = _UNITS.get(match.group(2)) if match and match.group(1) else None
    if unit is None:
        raise RuleError("write how long before the post comes back, like 'evergreen: {every: 60 days}' (days or "
                        "weeks)", keys)
    days = int(match.group(1)) * unit
    if days < 1:
        raise RuleError("an evergreen post comes back after at least 1 day", keys)
    return days
