"""A local business's basics as the profile file writes them and as Google's Business Information API holds
them: opening hours, special hours (holidays, from ``schedule.yaml``'s blackouts where the profile asks),
categories and attributes. Both sides become one canonical text per basic, so ``profiles diff`` compares
them as text and the drift issue shows them readably::

    hours:                          # a day left out is closed; "closed" says it outright
      mon-fri: "07:00-18:00"
      sat: ["09:00-12:00", "13:00-16:00"]
    special_hours:
      blackouts: closed             # every blackout day of schedule.yaml is a closed day on Google
      dates:
        - {date: 2026-12-31, hours: "10:00-14:00"}
        - {date: 2027-01-02, closed: true}
    categories: {primary: cafe, additional: [bakery]}     # Google's category ids (gcid:cafe)
    attributes: {has_wheelchair_accessible_entrance: true, url_menu: "https://kahvila.example/menu"}

This module is imported by ``validate`` (through ``profiles.basics``): no httpx.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
API_DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
LOCAL_BASICS = ("hours", "special_hours", "categories", "attributes")
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


class BasicsProblem(ValueError):
    """A local basic written so it cannot be understood; the message says how to write it."""

    def __init__(self, key: tuple[Any, ...], message: str):
        super().__init__(message)
        self.key = key


# --- opening hours ------------------------------------------------------------------------------------------


def parse_range(text: Any, where: tuple[Any, ...]) -> tuple[str, str]:
    """'07:00-18:00' -> ('07:00', '18:00'); 24:00 is the end of the day; a close earlier than the open is
    after midnight."""
    m = _RANGE.match(str(text))
    if not m:
        raise BasicsProblem(where, f"'{text}' is not opening hours: write them like \"07:00-18:00\"")
    oh, om, ch, cm = (int(g) for g in m.groups())
    if oh > 23 or om > 59 or ch > 24 or cm > 59 or (ch == 24 and cm) or (oh, om) == (ch, cm):
        raise BasicsProblem(where, f"'{text}' is not a time range of one day: hours 00-23 (24:00 closes at "
                                   "midnight), minutes 00-59")
    return f"{oh:02d}:{om:02d}", f"{ch:02d}:{cm:02d}"


def _days(spec: str, where: tuple[Any, ...]) -> list[str]:
    out: list[str] = []
    for part in str(spec).lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in DAYS or (last and last not in DAYS):
            raise BasicsProblem(where, f"'{spec}' is not a day: use mon, tue, wed, thu, fri, sat, sun, a range "
                                       "like mon-fri, or a list like sat,sun")
        a, b = DAYS.index(first), DAYS.index(last or first)
        out += [DAYS[i % 7] for i in range(a, b + 1 if b >= a else b + 8)]
    return out


def hours_text(value: Any) -> str | None:
    """The file's ``hours:`` as canonical text: ``mon 07:00-18:00; ...`` (closed days left out)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise BasicsProblem(("hours",), "'hours' takes days and times, like 'mon-fri: \"07:00-18:00\"'")
    periods: dict[str, list[tuple[str, str]]] = {}
    for spec, ranges in value.items():
        where = ("hours", str(spec))
        days = _days(str(spec), where)
        if isinstance(ranges, str) and ranges.strip().lower() == "closed" or ranges is False:
            for day in days:
                periods[day] = []
            continue
        items = ranges if isinstance(ranges, list) else [ranges]
        for day in days:
            periods[day] = sorted(parse_range(r, where) for r in items)
    return "; ".join(f"{day} {o}-{c}" for day in DAYS for o, c in periods.get(day, [])) or "closed"


def _time(value: Any) -> str:
    t = value if isinstance(value, Mapping) else {}
    return f"{int(t.get('hours') or 0):02d}:{int(t.get('minutes') or 0):02d}"


def live_hours_text(regular: Any) -> str:
    """``regularHours`` of a Location (BusinessHours: periods of openDay/openTime/closeDay/closeTime)."""
    periods = regular.get("periods") if isinstance(regular, Mapping) else None
    out = []
    for p in periods or []:
        if not isinstance(p, Mapping) or p.get("openDay") not in API_DAYS:
            continue
        day = DAYS[API_DAYS.index(p["openDay"])]
        close = _time(p.get("closeTime"))
        if close == "00:00" and p.get("closeDay") != p.get("openDay"):
            close = "24:00"  # proto3 JSON leaves midnight out: the end of the open day
        out.append((DAYS.index(day), day, _time(p.get("openTime")), close))
    return "; ".join(f"{day} {o}-{c}" for _, day, o, c in sorted(out)) or "closed"


def hours_body(text: str) -> dict[str, Any]:
    """Canonical hours text -> ``regularHours`` (BusinessHours) for the API."""
    periods = []
    for item in [] if text == "closed" else text.split("; "):
        day, _, rng = item.partition(" ")
        opens, closes = rng.split("-")
        overnight = closes <= opens and closes != "24:00"
        close_day = DAYS[(DAYS.index(day) + 1) % 7] if overnight else day
        periods.append({"openDay": API_DAYS[DAYS.index(day)], "openTime": _time_body(opens),
                        "closeDay": API_DAYS[DAYS.index(close_day)], "closeTime": _time_body(closes)})
    return {"periods": periods}


def _time_body(text: str) -> dict[str, int]:
    hours, minutes = (int(x) for x in text.split(":"))
    return {"hours": hours, "minutes": minutes}


# --- special hours ------------------------------------------------------------------------------------------


def blackout_days(blackout: Any) -> list[dt.date]:
    """The days of schedule.yaml's ``blackout:`` (dates, and ranges ``{from, to}``)."""
    days: list[dt.date] = []
    for item in blackout if isinstance(blackout, list) else []:
        if isinstance(item, Mapping):
            start, end = _date(item.get("from") or item.get("date")), _date(item.get("to") or item.get("from")
                                                                            or item.get("date"))
        else:
            start = end = _date(item)
        if start and end:
            days += [start + dt.timedelta(days=i) for i in range(min((end - start).days, 366) + 1)]
    return days


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def special_hours_text(value: Any, blackout: Any) -> str | None:
    """The file's ``special_hours:`` (and the blackouts it takes) as ``2026-12-24 closed; 2026-12-31
    10:00-14:00``, by date."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise BasicsProblem(("special_hours",), "'special_hours' takes 'blackouts: closed' and/or 'dates:', a list "
                                                "like '- {date: 2026-12-31, hours: \"10:00-14:00\"}'")
    days: dict[dt.date, str] = {}
    if value.get("blackouts") is not None:
        if str(value["blackouts"]).lower() != "closed":
            raise BasicsProblem(("special_hours", "blackouts"), "'blackouts' takes 'closed' (every blackout "
                                                                 "day of schedule.yaml is a closed day)")
        days.update(dict.fromkeys(blackout_days(blackout), "closed"))
    dates = value.get("dates") or []
    for i, item in enumerate(dates if isinstance(dates, list) else [dates]):
        where = ("special_hours", "dates", i)
        day = _date(item.get("date")) if isinstance(item, Mapping) else None
        if day is None:
            raise BasicsProblem(where, "each special day is '{date: YYYY-MM-DD, hours: \"10:00-14:00\"}' or "
                                       "'{date: YYYY-MM-DD, closed: true}'")
        hours = item.get("hours")
        if item.get("closed") or hours is None:
            days[day] = "closed"
        else:
            days[day] = ", ".join("-".join(parse_range(r, where)) for r in (hours if isinstance(hours, list)
                                                                           else [hours]))
    return "; ".join(f"{day.isoformat()} {what}" for day, what in sorted(days.items())) or "none"


def live_special_text(special: Any) -> str:
    """``specialHours`` of a Location (SpecialHourPeriod: startDate, endDate, openTime, closeTime, closed)."""
    days: dict[dt.date, list[str]] = {}
    periods = special.get("specialHourPeriods") if isinstance(special, Mapping) else None
    for p in periods or []:
        start = _api_date(p.get("startDate")) if isinstance(p, Mapping) else None
        if start is None:
            continue
        end = _api_date(p.get("endDate")) or start
        for i in range(min(max((end - start).days, 0), 366) + 1):
            day = start + dt.timedelta(days=i)
            if p.get("closed"):
                days[day] = ["closed"]
            else:
                close = _time(p.get("closeTime"))
                days.setdefault(day, []).append(f"{_time(p.get('openTime'))}-{'24:00' if close == '00:00' else close}")
    return "; ".join(f"{day.isoformat()} {', '.join(sorted(v))}" for day, v in sorted(days.items())) or "none"


def _api_date(value: Any) -> dt.date | None:
    if not isinstance(value, Mapping):
        return None
    try:
        return dt.date(int(value["year"]), int(value["month"]), int(value["day"]))
    except (KeyError, TypeError, ValueError):
        return None


def special_body(text: str) -> dict[str, Any]:
    """Canonical special hours text -> ``specialHours`` (one period per day and range)."""
    periods: list[dict[str, Any]] = []
    for item in [] if text == "none" else text.split("; "):
        day_text, _, what = item.partition(" ")
        day = dt.date.fromisoformat(day_text)
        date = {"year": day.year, "month": day.month, "day": day.day}
        if what == "closed":
            periods.append({"startDate": date, "endDate": date, "closed": True})
            continue
        for rng in what.split(", "):
            opens, closes = rng.split("-")
            periods.append({"startDate": date, "endDate": date, "openTime": _time_body(opens),
                            "closeTime": _time_body(closes)})
    return {"specialHourPeriods": periods}


# --- categories and attributes --------------------------------------------------------------------------------


def category_id(value: Any) -> str:
    """'cafe', 'gcid:cafe' or 'categories/gcid:cafe' -> 'gcid:cafe'."""
    text = str(value).strip().removeprefix("categories/")
    return text if text.startswith("gcid:") else f"gcid:{text}"


def categories_text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not value.get("primary"):
        raise BasicsProblem(("categories",), "'categories' takes 'primary:' (one of Google's category ids, like "
                                             "cafe) and optionally 'additional:' (a list)")
    extra = value.get("additional") or []
    extra = extra if isinstance(extra, list) else [extra]
    return _categories(category_id(value["primary"]), [category_id(c) for c in extra])


def _categories(primary: str, additional: Iterable[str]) -> str:
    rest = sorted(set(additional) - {primary})
    return f"{primary} (primary)" + "".join(f"; {c}" for c in rest)


def live_categories_text(categories: Any) -> str:
    cats = categories if isinstance(categories, Mapping) else {}
    primary = cats.get("primaryCategory") if isinstance(cats.get("primaryCategory"), Mapping) else {}
    extra = [c.get("name", "") for c in cats.get("additionalCategories") or [] if isinstance(c, Mapping)]
    return _categories(category_id(primary.get("name", "")), [category_id(c) for c in extra if c])


def categories_body(text: str) -> dict[str, Any]:
    names = [part.removesuffix(" (primary)") for part in text.split("; ")]
    return {"primaryCategory": {"name": f"categories/{names[0]}"},
            "additionalCategories": [{"name": f"categories/{n}"} for n in names[1:]]}


def _attribute_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(sorted(_attribute_value(v) for v in value))
    return str(value).strip()


def attributes_text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise BasicsProblem(("attributes",), "'attributes' takes Google's attribute ids and values, like "
                                             "'has_wheelchair_accessible_entrance: true'")
    return "; ".join(f"{str(k).removeprefix('attributes/')}={_attribute_value(v)}"
                     for k, v in sorted(value.items(), key=lambda kv: str(kv[0])))


def live_attributes_text(attributes: Any, names: Iterable[str]) -> str:
    """The live values of the attributes the file names (the others are not ours to compare)."""
    wanted = {str(n).removeprefix("attributes/") for n in names}
    found: dict[str, str] = {}
    for a in attributes.get("attributes") or [] if isinstance(attributes, Mapping) else []:
        name = str(a.get("name", "")).removeprefix("attributes/") if isinstance(a, Mapping) else ""
        if name not in wanted:
            continue
        if a.get("uriValues"):
            values: list[Any] = [u.get("uri", "") for u in a["uriValues"] if isinstance(u, Mapping)]
        elif isinstance(a.get("repeatedEnumValue"), Mapping):
            values = list(a["repeatedEnumValue"].get("setValues") or [])
        else:
            values = list(a.get("values") or [])
        found[name] = _attribute_value(values[0] if len(values) == 1 and a.get("valueType") != "REPEATED_ENUM"
                                       else values)
    return "; ".join(f"{k}={found[k]}" for k in sorted(found))


def attributes_body(text: str, types: Mapping[str, str], location: str) -> dict[str, Any]:
    """Canonical attributes text -> the ``Attributes`` body; ``types``: attribute id -> valueType as read."""
    attributes = []
    for item in text.split("; ") if text else []:
        name, _, value = item.partition("=")
        kind = types.get(name, "ENUM")
        entry: dict[str, Any] = {"name": f"attributes/{name}"}
        if kind == "BOOL":
            entry["values"] = [value == "true"]
        elif kind == "URL":
            entry["uriValues"] = [{"uri": value}]
        elif kind == "REPEATED_ENUM":
            entry["repeatedEnumValue"] = {"setValues": [v for v in value.split(",") if v]}
        else:
            entry["values"] = [value]
        attributes.append(entry)
    return {"name": f"{location}/attributes", "attributes": attributes}


def local_desired(raw: Mapping[str, Any], blackout: Any) -> dict[str, str]:
    """The local basics a profile file sets, as canonical text (absent ones are not managed)."""
    out = {}
    for key, text in (("hours", hours_text(raw.get("hours"))),
                      ("special_hours", special_hours_text(raw.get("special_hours"), blackout)),
                      ("categories", categories_text(raw.get("categories"))),
                      ("attributes", attributes_text(raw.get("attributes")))):
        if text is not None:
            out[key] = text
    return out
