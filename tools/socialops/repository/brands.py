"""Brands: several clients (or sub-brands) in one repository.

A profile belongs to a brand by its `brand:` key; a post belongs to the brand whose folder it is in,
content/<brand>/...; schedule.yaml may hold a plan per brand under `brands:` (repository.schedule). A
repository without brands works as before: every profile and post belongs to no brand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from socialops.core.shards import shard_of

BRAND_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")  # one folder name under content/


def valid_name(name: Any) -> bool:
    return isinstance(name, str) and bool(BRAND_RE.match(name)) and name not in (".", "..")


def brand_names(profiles: Mapping[str, Any], schedule: Any = None) -> list[str]:
    """Every brand the repository knows: named by a profile's `brand:` or by a section of the plan."""
    names = {p.brand for p in profiles.values() if valid_name(getattr(p, "brand", None))}
    if schedule is not None:
        names |= {n for n in schedule.brands if valid_name(n)}
    return sorted(names, key=str.lower)


def post_brand(rel: str, names: Iterable[str]) -> str | None:
    """The brand whose folder holds the post at `rel` (content/<brand>/...), or None."""
    parts = rel.split("/")
    if len(parts) >= 3 and parts[0] == "content" and parts[1] in names:
        return parts[1]
    return None


def profiles_of(profiles: Mapping[str, Any], brands: Iterable[str]) -> list[str]:
    """The ids of the profiles of these brands, in id order."""
    wanted = set(brands)
    return sorted(pid for pid, p in profiles.items() if getattr(p, "brand", None) in wanted)


def shard_profiles(profiles: Mapping[str, Any], shard: tuple[int, int], among: Iterable[str] | None = None) -> list[str]:
    """The profile ids of shard ``(i, n)``: a brand's profiles stay together (one job publishes a brand, and
    a brand's failures are in one job's log); a profile of no brand goes by its own id."""
    index, count = shard
    pool = sorted(profiles) if among is None else sorted(among)
    return [pid for pid in pool
            if shard_of(_brand_or_id(pid, profiles.get(pid)), count) == index]


def _brand_or_id(pid: str, profile: Any) -> str:
    brand = getattr(profile, "brand", None)
    return f"brand:{brand}" if valid_name(brand) else f"profile:{pid}"
