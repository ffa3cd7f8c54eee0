"""The content plan: schedule.yaml (timezone, cadence slots per profile, pillars, blackout dates)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from socialops.core import yamlfile
from socialops.core.times import zone_named
from socialops.errors import ConfigError, ContentError
from socialops.repository.posts import read_text

SCHEDULE_FILE = "schedule.yaml"
SCHEDULE_KEYS = ("timezone", "late_window", "horizon_days", "pillars", "cadence", "blackout", "site", "brands",
                 "task_reminder", "utm")
BRAND_PLAN_KEYS = ("timezone", "pillars", "cadence", "utm")  # what a brand's section of schedule.yaml overrides
DEFAULT_TIMEZONE = "UTC"
DEFAULT_LATE_WINDOW = dt.timedelta(hours=24)
DEFAULT_HORIZON_DAYS = 14
DEFAULT_TASK_REMINDER = dt.timedelta(hours=24)
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
        return zone_named(self.timezone_name) or ZoneInfo(DEFAULT_TIMEZONE)

    @functools.cached_property
    def brands(self) -> dict[str, dict[str, Any]]:
        """`brands:`, each brand's plan: {name: its section}; sections of the wrong shape are left out."""
        value = self.raw.get("brands")
        if not isinstance(value, dict):
            return {}
        return {str(k): v for k, v in value.items() if isinstance(v, dict)}

    def for_brand(self, brand: str | None, profiles: Collection[str] | None = None) -> Schedule:
        """The plan of one brand: the top level with what its `brands:` section overrides (timezone, pillars),
        with the lines of schedule.yaml; the slots of ``profiles`` (its profiles) or of every profile. The plan
        itself for no brand, or one without a section when no profiles are given."""
        section = self.brands.get(brand, {}) if brand is not None else {}
        if not section and profiles is None:
            return self
        raw = {k: v for k, v in self.raw.items() if k != "brands"}
        raw.update({k: section[k] for k in BRAND_PLAN_KEYS if k in section})
        raw["cadence"] = {pid: v for pid, v in self.cadence.items() if profiles is None or pid in profiles}
        lines = dict(self.lines)
        prefix = ("brands", brand)
        for key, line in self.lines.items():
            if key[:2] == prefix and len(key) > 2:
                lines[key[2:]] = line
        return Schedule(path=self.path, raw=raw, lines=lines)

    def cadence_keys(self, pid: str) -> tuple[str, ...]:
        """Where the slots of a profile are in schedule.yaml: ("cadence", pid), or in its brand's section."""
        for name, section in self.brands.items():
            if isinstance(section.get("cadence"), dict) and pid in section["cadence"]:
                return ("brands", name, "cadence", pid)
        return ("cadence", pid)

    @functools.cached_property
    def zones(self) -> Zones:
        """The plan's timezone and each brand's own, in which naive times of the brand's posts are read."""
        own = ((name, zone_named(section.get("timezone"))) for name, section in sorted(self.brands.items()))
        return Zones(self.tz, tuple((name, zone) for name, zone in own if zone is not None))

    @property
    def late_window(self) -> dt.timedelta:
        try:
            return parse_duration(self.raw.get("late_window"))
        except ValueError:
            return DEFAULT_LATE_WINDOW

    @property
    def task_reminder(self) -> dt.timedelta:
        """How long a manual task may wait for a person before its issue gets its one reminder."""
        try:
            value = self.raw.get("task_reminder")
            return DEFAULT_TASK_REMINDER if value is None else parse_duration(value)
        except ValueError:
            return DEFAULT_TASK_REMINDER

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
        """The slots of every profile: the top level's, and those of each brand's section (profile ids are
        unique across brands; validate reports one listed twice)."""
        out: dict[str, list] = {}
        for value in (self.raw.get("cadence"), *(s.get("cadence") for s in self.brands.values())):
            if isinstance(value, dict):
                out.update({str(k): (v if isinstance(v, list) else [v]) for k, v in value.items() if v is not None})
        return out

    @property
    def site(self) -> SiteSettings:
        """`site:`, the dashboard's settings; wrong shapes give the defaults (validate reports them)."""
        value = self.raw.get("site")
        value = value if isinstance(value, dict) else {}
        private, media = value.get("private", False), value.get("media")
        return SiteSettings(private=private if isinstance(private, bool) else False,
                            media=media if isinstance(media, bool) else None)


@dataclass(frozen=True)
class Zones:
    """The timezones naive post times are read in: a post under content/<brand>/ in its brand's plan's, every
    other post in the plan's."""

    default: ZoneInfo
    brands: tuple[tuple[str, ZoneInfo], ...] = ()

    @property
    def key(self) -> str:
        """Names them all: what a cache of times read in them is valid for."""
        return ";".join([self.default.key, *(f"{name}={zone.key}" for name, zone in self.brands)])

    def for_path(self, rel: str) -> ZoneInfo:
        if self.brands and rel.startswith("content/"):
            folder = rel.split("/", 2)[1]
            for name, zone in self.brands:
                if name == folder:
                    return zone
        return self.default


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
