"""What a spreadsheet's cells say, read strictly: the date and time of a post, lists of profiles and tags, and
media file names (plain names only: never a path)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from socialops.content.spreadsheet import cell_text
from socialops.core import yamlfile
from socialops.core.times import localize

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# the post type in other words people use (English and Finnish)
TYPE_WORDS = {"photo": "image", "picture": "image", "kuva": "image", "kuvapostaus": "image", "teksti": "text",
              "linkki": "link", "karuselli": "carousel", "album": "carousel", "gallery": "carousel",
              "tarina": "story", "stories": "story", "reels": "reel", "lähetys": "live", "livelähetys": "live"}
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%Y/%m/%d")
_TIME = re.compile(r"^(?:klo\s*)?(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2}))?$", re.IGNORECASE)
_FORMULA = ("=", "+", "@")


class CellError(Exception):
    def __init__(self, fld: str, message: str):
        super().__init__(message)
        self.field = fld
        self.message = message


def split_list(text: str) -> list[str]:
    """'a, b; c' or one a line -> ['a', 'b', 'c']."""
    return [w for w in re.split(r"[,;\s]+", text) if w]


def media_names(text: str) -> list[str]:
    """The media cell's file names (split by comma, semicolon or line), each a plain name: no folder, no
    '..', no drive, nothing hidden."""
    names = [n.strip() for n in re.split(r"[,;\n]", text) if n.strip()]
    for name in names:
        if any(ch in name for ch in "/\\:\0") or name.startswith(".") or any(ord(ch) < 32 for ch in name):
            raise CellError("media", f"'{name[:100]}' is not a plain file name; give only the name of a file in the "
                                     "media folder, like joulutori.jpg (no folders, no ..)")
    return names


def _date(value: Any) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime):
        return value if (value.hour, value.minute, value.second) != (0, 0, 0) else value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value).strip()
    if text.startswith(_FORMULA):
        raise CellError("date", f"'{text[:60]}' is a formula; socialops never runs formulas: write the date itself "
                                "(in Excel: copy the column, Paste Special → Values)")
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    try:
        return dt.datetime.fromisoformat(text.replace("T", " ", 1).replace("Z", "+00:00"))
    except ValueError:
        pass
    parts = text.split()
    if len(parts) == 2:
        day = _date(parts[0])
        if not isinstance(day, dt.datetime):
            return dt.datetime.combine(day, _time(parts[1]))
    raise CellError("date", f"'{text[:60]}' is not a date; write it as YYYY-MM-DD (2026-12-01) or D.M.YYYY "
                            "(1.12.2026)")


def _time(value: Any) -> dt.time:
    if isinstance(value, dt.datetime):  # Excel keeps a time of day as a time on 1899-12-30
        return value.time()
    if isinstance(value, dt.time):
        return value
    if isinstance(value, float) and 0 <= value < 1:  # a time Excel did not format: a fraction of a day
        minutes = round(value * 24 * 60)
        return dt.time(minutes // 60, minutes % 60)
    text = cell_text(value).strip()
    if text.startswith(_FORMULA):
        raise CellError("time", f"'{text[:60]}' is a formula; socialops never runs formulas: write the time itself")
    found = _TIME.match(text)
    if found and int(found.group(1)) < 24 and int(found.group(2) or 0) < 60:
        return dt.time(int(found.group(1)), int(found.group(2) or 0))
    raise CellError("time", f"'{text[:60]}' is not a time of day; write it as HH:MM (09:30), 24-hour")


def publish_at(cells: dict[str, Any], tz: ZoneInfo) -> tuple[str, dt.datetime] | None:
    """The row's time as written into the post ('YYYY-MM-DD HH:MM', naive = the plan's timezone, or with the
    offset the cell gave) and as an aware time; None when the row has no date (it takes the plan's next free
    slot). Raises CellError for what cannot be read, naming the column."""
    if "date" not in cells:
        if "time" in cells:
            raise CellError("date", "a time without a date; give the date too, or leave both empty to take the "
                                    "next free slot of the plan")
        return None
    day = _date(cells["date"])
    if isinstance(day, dt.datetime):
        moment = day if "time" not in cells else dt.datetime.combine(day.date(), _time(cells["time"]), day.tzinfo)
    elif "time" in cells:
        moment = dt.datetime.combine(day, _time(cells["time"]))
    else:
        raise CellError("date", f"{day:%Y-%m-%d} has no time of day; add a time column (HH:MM), or write "
                                "'YYYY-MM-DD HH:MM'")
    text = f"{moment:%Y-%m-%d %H:%M}"
    if moment.tzinfo is not None:
        offset = moment.strftime("%z")
        text += f"{offset[:3]}:{offset[3:]}"
        return text, moment
    try:
        return text, localize(moment, tz)
    except ValueError as exc:
        raise CellError("time" if "time" in cells else "date", str(exc)) from None



_YES = {"yes": True, "y": True, "x": True, "true": True, "1": True, "kyllä": True, "k": True,
        "no": False, "n": False, "false": False, "0": False, "ei": False, "e": False}


def yes_no(fld: str, value: Any) -> bool:
    word = cell_text(value).strip().lower()
    if word not in _YES:
        raise CellError(fld, f"'{word[:40]}' is not yes or no")
    return _YES[word]


def rule(fld: str, value: Any) -> dict[str, Any]:
    """A repeat or evergreen cell: as in a post file ('{every: week, on: friday, at: "16:00"}'), or short:
    '60 days' for evergreen, an RFC 5545 rule ('FREQ=MONTHLY;BYDAY=1MO') for repeat."""
    text = cell_text(value).strip()
    if text.startswith("{"):
        try:
            data = yamlfile.load(text).data
        except yamlfile.YamlProblem as exc:
            raise CellError(fld, f"'{text[:80]}' cannot be read: {exc.message}") from None
        if isinstance(data, dict):
            data = {("on" if k is True else k): v for k, v in data.items()}  # YAML 1.1 reads `on:` as true
            if all(isinstance(k, str) for k in data):
                return data
    elif fld == "evergreen":
        return {"every": text}
    elif text.upper().startswith(("FREQ=", "RRULE:")):
        return {"rrule": text}
    example = "{every: 60 days}, or 60 days" if fld == "evergreen" else \
        '{every: week, on: friday, at: "16:00"}, or FREQ=MONTHLY;BYDAY=1MO'
    raise CellError(fld, f"'{text[:80]}' is not a rule; write it as in a post file: {example}")
