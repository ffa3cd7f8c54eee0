"""What the plan tests share: schedules from text, posts, profiles, local times."""

from __future__ import annotations

import datetime as dt
import textwrap
from zoneinfo import ZoneInfo

from socialops.plan import cadence
from socialops.repository.index import PostSummary
from socialops.repository.profiles import parse_profile
from socialops.repository.schedule import parse_schedule

HKI = ZoneInfo("Europe/Helsinki")
EVERY_DAY = "mon, tue, wed, thu, fri, sat, sun"
UTC = dt.UTC
XMAS = "blackout:\n  - 2026-12-06\n  - {from: 2026-12-24, to: 2026-12-26, reason: Joulu}\n"


def schedule_with(cadence: str, extra: str = "", horizon: int = 14, late: str = "1h"):
    body = textwrap.indent(textwrap.dedent(cadence).strip("\n"), "  ")
    return parse_schedule(f"timezone: Europe/Helsinki\nlate_window: {late}\nhorizon_days: {horizon}\n"
                          f"cadence:\n{body}\n{textwrap.dedent(extra)}")


def local(text: str, tz=HKI) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=tz)


def post(pid: str, profiles=("p",), at: str | None = None, *, status="ready", created=None, pillar=None,
         path=None, error=None) -> PostSummary:
    ts = local(at).timestamp() if at else None
    return PostSummary(path=path or f"content/{pid}.md", id=pid, status=status, profiles=tuple(profiles),
                       publish_ts=ts, type="text", pillar=pillar, created=created, title=pid.title(), error=error)


PROFILES = {pid: parse_profile("network: sandbox\nimitates: mastodon\n", f"profiles/{pid}.yaml")
            for pid in ("p", "q")}


def times(result, key) -> str:
    return result[key].at.isoformat(timespec="minutes")


def slots_of(schedule, start: str, end: str, profile="p", tz=HKI):
    rules = cadence.cadence_rules(schedule)[profile]
    found = cadence.generate_slots(rules, tz, dt.date.fromisoformat(start), dt.date.fromisoformat(end),
                                   cadence.blackouts(schedule), schedule.tz)
    return [s.at.isoformat(timespec="minutes") for s in found]
