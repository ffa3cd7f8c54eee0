"""The configuration every command works with: schedule.yaml (the plan) and the profiles.

Loading only loads: no rule runs here (`socialops.validate` checks the configuration, and the commands that
need a clean one call it), so publish, comments and metrics pay for no rule and no image library.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from socialops.core.problems import ERROR, Problem
from socialops.errors import ConfigError
from socialops.repository.brands import brand_names, post_brand
from socialops.repository.profiles import Profile, find_profiles, load_profile
from socialops.repository.schedule import SCHEDULE_FILE, Schedule, load_schedule
from socialops.repository.snippets import Snippet, load_snippets
from socialops.repository.textkit import TextKit


@dataclass
class Config:
    """Profiles and plan: what every post is published and checked against."""

    root: Path
    schedule: Schedule
    profiles: dict[str, Profile]
    snippets: dict[str, Snippet] = field(default_factory=dict)
    _pillars: dict = field(default_factory=dict, init=False, repr=False, compare=False)  # see pillars_of

    @property
    def tz(self) -> ZoneInfo:
        return self.schedule.tz

    @functools.cached_property
    def brands(self) -> list[str]:
        """The brands: named by profiles (`brand:`) or by the plan's `brands:` sections; [] without brands."""
        return brand_names(self.profiles, self.schedule)

    def post_brand(self, rel: str) -> str | None:
        """The brand whose folder (content/<brand>/) holds the post at `rel`."""
        return post_brand(rel, self.brands) if self.brands else None

    def pillars_of(self, brand: str | None) -> dict:
        """The pillars of a brand's plan (its section's own, else the top level's), worked out once per brand:
        validation asks for each post's."""
        found = self._pillars.get(brand)
        if found is None:
            found = self._pillars[brand] = self.schedule.for_brand(brand).pillars
        return found

    @functools.cached_property
    def kit(self) -> TextKit:
        """What posts' texts are finished with: the snippets and the plan's link tags."""
        return TextKit.of(self.snippets, self.schedule)


def load_config(root: Path, unreadable: list[Problem] | None = None) -> Config:
    """Load schedule.yaml, every profile under profiles/ and the snippets under snippets/.

    A file that cannot be read at all (not YAML, not keys and values, too large) raises ConfigError with its
    path and line. When `unreadable` is given, such a file is recorded there as a problem instead and stands in
    as empty, so that validation can report every problem at once."""
    try:
        schedule = load_schedule(root)
    except ConfigError as exc:
        if unreadable is None:
            raise
        unreadable.append(Problem(exc.path or SCHEDULE_FILE, exc.line or 1, ERROR, "unreadable", exc.message))
        schedule = Schedule(path=SCHEDULE_FILE, raw={})
    profiles: dict[str, Profile] = {}
    for rel in find_profiles(root):
        try:
            profile = load_profile(root, rel)
        except ConfigError as exc:
            if unreadable is None:
                raise
            unreadable.append(Problem(rel, exc.line or 1, ERROR, "unreadable", exc.message))
            profile = Profile(id=Path(rel).stem, path=rel, raw={})
        profiles[profile.id] = profile
    broken: list[tuple] = []
    snippets = load_snippets(root, broken if unreadable is not None else None)
    if unreadable is not None:
        unreadable += [Problem(rel, line, ERROR, "unreadable", message) for rel, line, message in broken]
    return Config(root=root, schedule=schedule, profiles=profiles, snippets=snippets)
