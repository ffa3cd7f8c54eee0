"""Checks shared by the rules of posts, profiles and schedule.yaml."""

from __future__ import annotations

import difflib
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from socialops.core.problems import ERROR, Problem
from socialops.repository.config import Config
from socialops.repository.posts import Post


def unknown_keys(keys, allowed, path: str, line_of, what: str) -> list[Problem]:
    """A problem for each key that is not in `allowed`, with the closest known key as a hint."""
    out = []
    for key in keys:
        if key in allowed:
            continue
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else f" Known keys: {', '.join(allowed)}."
        out.append(Problem(path, line_of(key), ERROR, "unknown-key", f"'{key}' is not a key of {what}.{hint}"))
    return out


def valid_timezone(name: Any) -> bool:
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def timezone_advice(name: Any) -> str:
    """What to write instead of a timezone that is not one: 'London' -> use Europe/London."""
    text = str(name).strip().replace(" ", "_")
    zones = sorted(available_timezones())  # read from disk: only for a wrong timezone
    by_city = [z for z in zones if z.split("/")[-1].lower() == text.lower() or z.lower() == text.lower()]
    close = by_city or difflib.get_close_matches(text, zones, n=1, cutoff=0.75) or [
        z for z in zones if z.split("/")[-1] in difflib.get_close_matches(text.title(), [z.split("/")[-1] for z in zones],
                                                                          n=1, cutoff=0.8)]
    if close:
        return f"use the tz database name {close[0]}"
    return "use a tz database name like Europe/Helsinki or America/New_York (Area/City)"


def unknown_profile_message(pid: str, config: Config) -> str:
    close = difflib.get_close_matches(pid, list(config.profiles), n=1, cutoff=0.6)
    hint = f"Did you mean '{close[0]}'?" if close else f"Known profiles: {', '.join(sorted(config.profiles)) or 'none'}."
    return f"there is no profile '{pid}' (no file profiles/{pid}.yaml). {hint}"


def type_line(post: Post) -> int:
    """The line a problem with the post's type points to: 'type', or 'profiles' when the type is inferred."""
    return post.line("type") if "type" in post.raw else post.line("profiles")
