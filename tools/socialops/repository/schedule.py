"""The content plan: schedule.yaml (timezone, cadence slots per profile, pillars, blackout dates)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from socialops.core import yamlfile
from socialops.errors import ConfigError, ContentError
from socialops.repository.posts import read_text

SCHEDULE_FILE = "schedule.yaml"
SCHEDULE_KEYS = ("timezone", "late_window", "horizon_days", "pillars", "cadence", "blackout", "site")
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

    @property
    def site(self) -> SiteSettings:
        """`site:`, the dashboard's settings; wrong shapes give the defaults (validate reports them)."""
        value = self.raw.get("site")
        value = value if isinstance(value, dict) else {}
        private, media = value.get("private", False), value.get("media")
        return SiteSettings(private=private if isinstance(private, bool) else False,
                            media=media if isinstance(media, bool) else None)


@dataclass(frozen=True)
class SiteSettings:
    private: bool = False  # a Pages site only the organisation sees: drafts and internal posts are shown
    media: bool | None = None  # copy post images into the site; None: yes, unless the repository is private


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
