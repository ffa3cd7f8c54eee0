"""The rules of schedule.yaml: its keys, timezone, windows and pillars here; slots and blackouts by the plan."""

from __future__ import annotations

from socialops.core.problems import ERROR, WARNING, Problem
from socialops.plan.cadence import cadence_problems
from socialops.repository.config import Config
from socialops.repository.schedule import SCHEDULE_FILE, SCHEDULE_KEYS, Schedule, parse_duration
from socialops.validate.common import timezone_advice, unknown_keys, unknown_profile_message, valid_timezone


def schedule_problems(config: Config) -> list[Problem]:
    sched, path, out = config.schedule, SCHEDULE_FILE, []
    raw = sched.raw
    if not raw:
        return out
    out += unknown_keys(raw, SCHEDULE_KEYS, path, sched.line, "schedule.yaml")
    if "timezone" in raw and not valid_timezone(raw["timezone"]):
        out.append(Problem(path, sched.line("timezone"), ERROR, "schedule-timezone",
                           f"'{raw['timezone']}' is not a timezone; {timezone_advice(raw['timezone'])}"))
    for key in ("late_window", "task_reminder"):
        if key in raw:
            try:
                parse_duration(raw[key])
            except ValueError as exc:
                out.append(Problem(path, sched.line(key), ERROR, "schedule-invalid", str(exc)))
    horizon = raw.get("horizon_days")
    if horizon is not None and (not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1):
        out.append(Problem(path, sched.line("horizon_days"), ERROR, "schedule-invalid",
                           "'horizon_days' must be a whole number of days, like 14"))
    site = raw.get("site")
    if site is not None and (not isinstance(site, dict) or set(site) - {"private", "media"}
                             or any(not isinstance(v, bool) for v in site.values())):
        out.append(Problem(path, sched.line("site"), ERROR, "schedule-invalid",
                           "'site' takes 'private: true' or 'false' and 'media: true' or 'false'"))
    out += pillar_problems(sched, ("pillars",))
    cadence = raw.get("cadence")
    if cadence is not None and not isinstance(cadence, dict):
        out.append(Problem(path, sched.line("cadence"), ERROR, "wrong-type",
                           "'cadence' must list profile ids, each with its slots"))
    elif isinstance(cadence, dict):
        for pid in cadence:
            if pid not in config.profiles:
                out.append(Problem(path, sched.line("cadence", pid), ERROR, "unknown-profile",
                                   unknown_profile_message(str(pid), config)))
    out += cadence_problems(sched)  # slot syntax, blackouts: owned by the plan (the top level's; brands' apart)
    return out


def pillar_problems(sched: Schedule, keys: tuple) -> list[Problem]:
    """The pillars of the plan (or of a brand's plan: `sched` its view, `keys` where they are in the file)."""
    path, out = SCHEDULE_FILE, []
    pillars = sched.raw.get("pillars")
    if pillars is None:
        return out
    if not isinstance(pillars, dict):
        return [Problem(path, sched.line(*keys), ERROR, "wrong-type",
                        "'pillars' must be names with a share, like 'menu: {share: 40}'")]
    total = 0.0
    for name, spec in pillars.items():
        share = spec.get("share") if isinstance(spec, dict) else None
        if not isinstance(share, int | float) or isinstance(share, bool) or share < 0:
            out.append(Problem(path, sched.line(*keys, name), ERROR, "schedule-invalid",
                               f"the pillar '{name}' needs a share in percent, like 'share: 30'"))
        else:
            total += share
    if pillars and abs(total - 100) > 0.5:
        out.append(Problem(path, sched.line(*keys), WARNING, "schedule-pillars",
                           f"the pillar shares add up to {total:g}, not 100"))
    return out
