"""The rules of brands: a profile's `brand:`, the brand sections of schedule.yaml, and which brand's folder
a post is in (a brand's posts live under content/<brand>/, where its owners review them)."""

from __future__ import annotations

from socialops.core.problems import ERROR, WARNING, Problem
from socialops.plan.cadence import cadence_problems
from socialops.repository.brands import brand_names, valid_name
from socialops.repository.config import Config
from socialops.repository.posts import Post
from socialops.repository.profiles import Profile
from socialops.repository.schedule import BRAND_PLAN_KEYS, SCHEDULE_FILE, Schedule
from socialops.validate.common import timezone_advice, unknown_keys, unknown_profile_message, valid_timezone
from socialops.validate.schedule import pillar_problems


def profile_brand_problems(profile: Profile) -> list[Problem]:
    value = profile.raw.get("brand")
    if value is None or valid_name(value):
        return []
    return [Problem(profile.path, profile.line("brand"), ERROR, "profile-brand",
                    f"'brand: {value}' cannot be a folder name; a brand is one word of letters, digits, '.', '-' "
                    "or '_', like 'acme', and its posts go under content/acme/")]


def post_brand_problems(post: Post, config: Config, targets: list[Profile], folder: str | None) -> list[Problem]:
    """Each profile the post publishes to must be of the brand whose folder holds the post (`folder`), and a
    post outside every brand folder must publish to no brand's profile."""
    out = []
    listed = post.raw.get("profiles")
    for profile in targets:
        brand = profile.brand if valid_name(profile.brand) else None
        if brand == folder:
            continue
        line = post.line("profiles", listed.index(profile.id)) if isinstance(listed, list) and \
            profile.id in listed else post.line("profiles")
        if folder is None:
            message = (f"{profile.id} belongs to the brand {brand}, whose posts live under content/{brand}/ "
                       f"(where its owners review them); move this file there")
        elif brand is None:
            message = (f"{profile.id} belongs to no brand, but this post is in the folder of the brand {folder}; "
                       f"remove {profile.id}, or give it 'brand: {folder}' if it is {folder}'s")
        else:
            message = (f"{profile.id} belongs to the brand {brand}, but this post is in the folder of {folder}; "
                       f"one post publishes for one brand: remove {profile.id} or move the post to content/{brand}/")
        out.append(Problem(post.path, line, ERROR, "brand-folder", message))
    return out


def brand_plan_problems(config: Config) -> list[Problem]:
    """The `brands:` sections of schedule.yaml: shape, names, keys, timezone, pillars and slots."""
    sched, path = config.schedule, SCHEDULE_FILE
    raw = sched.raw.get("brands")
    if raw is None:
        return []
    if not isinstance(raw, dict):
        return [Problem(path, sched.line("brands"), ERROR, "brand-plan",
                        "'brands' must name each brand with its plan, like 'acme: {timezone: Europe/Stockholm}'")]
    out: list[Problem] = []
    of_profiles = set(brand_names(config.profiles))
    seen: dict[str, str] = {str(pid): "the top level" for pid in (sched.raw.get("cadence") or {})} \
        if isinstance(sched.raw.get("cadence"), dict) else {}
    for name, section in raw.items():
        line = sched.line("brands", name)
        if not valid_name(name):
            out.append(Problem(path, line, ERROR, "brand-plan",
                               f"'{name}' cannot be a brand's folder name; use one word like 'acme'"))
            continue
        if not isinstance(section, dict):
            out.append(Problem(path, line, ERROR, "brand-plan",
                               f"the plan of {name} must be keys like 'timezone:', 'pillars:' and 'cadence:'"))
            continue
        if name not in of_profiles:
            out.append(Problem(path, line, WARNING, "brand-plan",
                               f"no profile has 'brand: {name}', so this plan is used by nothing; add the brand to "
                               "its profiles or remove the section"))
        out += unknown_keys(section, BRAND_PLAN_KEYS, path, lambda k, n=name: sched.line("brands", n, k),
                            "a brand's plan (the rest is shared by all brands)")
        view = sched.for_brand(name)
        if "timezone" in section and not valid_timezone(section["timezone"]):
            out.append(Problem(path, sched.line("brands", name, "timezone"), ERROR, "schedule-timezone",
                               f"'{section['timezone']}' is not a timezone; {timezone_advice(section['timezone'])}"))
        if "pillars" in section:
            out += pillar_problems(view, ("brands", name, "pillars"))
        out += _cadence_problems(config, name, section, view, seen)
    return out


def _cadence_problems(config: Config, name: str, section: dict, view: Schedule, seen: dict[str, str]) -> list:
    cadence, path, sched = section.get("cadence"), SCHEDULE_FILE, config.schedule
    if cadence is None:
        return []
    if not isinstance(cadence, dict):
        return [Problem(path, sched.line("brands", name, "cadence"), ERROR, "wrong-type",
                        "'cadence' must list profile ids, each with its slots")]
    out = []
    for pid in cadence:
        line = sched.line("brands", name, "cadence", pid)
        profile = config.profiles.get(str(pid))
        if profile is None:
            out.append(Problem(path, line, ERROR, "unknown-profile", unknown_profile_message(str(pid), config)))
        elif profile.brand != name:
            whose = f"the brand {profile.brand}" if profile.brand else "no brand"
            out.append(Problem(path, line, ERROR, "brand-plan",
                               f"{pid} belongs to {whose}, not to {name}; give its slots in its own brand's plan"))
        if str(pid) in seen:
            out.append(Problem(path, line, ERROR, "brand-plan",
                               f"{pid} has slots in {seen[str(pid)]} already; give each profile's slots once"))
        seen[str(pid)] = f"the plan of {name}"
    # the slots themselves, with the lines of the section (the top level's blackouts are checked once)
    slots = Schedule(path=path, raw={"cadence": cadence}, lines=view.lines)
    return out + cadence_problems(slots)
