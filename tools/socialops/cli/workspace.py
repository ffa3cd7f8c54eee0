"""The workspace a command works in, opened once per command: the repository root, and lazily the plan's
timezone, --now read in it, the configuration and the tracker.

Library imports stay inside the properties: `socialops --help` must not load them.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import click

from socialops.errors import UsageError

NOW_KEY = "socialops.now"  # where the --now option leaves its text in the click context


class Workspace:
    def __init__(self, repo: str | None, now_text: str | None = None, env: Mapping[str, str] | None = None):
        self._repo = repo
        self._now_text = now_text
        self.env: dict[str, str] = dict(os.environ if env is None else env)

    @cached_property
    def root(self) -> Path:
        """--repo when given, else the nearest folder upwards that holds schedule.yaml or profiles/."""
        from socialops.repository.git import find_root

        if not self._repo:
            return find_root()
        path = Path(self._repo)
        if not path.is_dir():
            raise UsageError(f"--repo {path}: no such folder")
        return path.resolve()

    @cached_property
    def tz(self) -> Any:
        """The plan's timezone (schedule.yaml)."""
        from socialops.repository.schedule import load_schedule

        return load_schedule(self.root).tz

    @cached_property
    def now(self) -> dt.datetime:
        """--now: an ISO time (naive means the plan's timezone); the real clock when not given."""
        if not self._now_text:
            return dt.datetime.now(dt.UTC)
        from socialops.core.times import localize, read_when

        try:
            # The plan (schedule.yaml) is read only for a time without an offset: publish with nothing due
            # loads no YAML at all.
            moment = read_when(self._now_text)
            return moment if moment.tzinfo else localize(moment, self.tz)
        except ValueError as exc:
            raise UsageError(f"--now: {exc}") from None

    @cached_property
    def config(self) -> Any:
        """The configuration: profiles, plan, settings."""
        from socialops.repository.config import load_config

        return load_config(self.root)

    @cached_property
    def tracker(self) -> Any:
        """GitHub issues when GITHUB_TOKEN is set, else the local outbox."""
        from socialops.tracker import tracker_from_env

        return tracker_from_env(self.root, self.env)

    def profile_ids(self, ids: Iterable[str]) -> list[str]:
        """The profile ids asked for, each checked to be a profile file (a typo must not silently select
        nothing); the one message for an unknown id."""
        from socialops.repository.profiles import find_profiles

        wanted = list(dict.fromkeys(ids))
        known = {Path(rel).stem for rel in find_profiles(self.root)}
        unknown = [i for i in wanted if i not in known]
        if unknown:
            raise UsageError(f"no profile file for {', '.join(unknown)} under profiles/ "
                             f"(profiles: {', '.join(sorted(known)) or 'none'})")
        return wanted

    def brands(self, given: Iterable[str]) -> list[str]:
        """The brands of --brand (repeatable, or comma lists), each one the repository has: the one message
        for an unknown brand names those that exist."""
        wanted = list(dict.fromkeys(n.strip() for text in given for n in text.split(",") if n.strip()))
        if not wanted:
            return []  # and no configuration loaded: `publish` with nothing due reads no profile
        known = self.config.brands
        unknown = [n for n in wanted if n not in known]
        if unknown:
            have = (f"brands: {', '.join(known)}" if known else
                    "this repository has no brands; a profile names its brand with 'brand: NAME'")
            raise UsageError(f"--brand: no brand {', '.join(unknown)} ({have})")
        return wanted

    def select_profiles(self, ids: Iterable[str], brands: Iterable[str] = ()) -> list[str] | None:
        """The profile ids of --profile and --brand: None when neither is given (every profile); with both,
        the given profiles of those brands. Never an empty list, which a command could read as 'all'."""
        chosen = self.profile_ids(ids) if ids else None
        names = self.brands(brands)
        if not names:
            return chosen
        from socialops.repository.brands import profiles_of

        of_brands = profiles_of(self.config.profiles, names)
        empty = [n for n in names if not profiles_of(self.config.profiles, [n])]
        if empty:
            raise UsageError(f"--brand {', '.join(empty)}: no profile has 'brand: {empty[0]}' yet")
        if chosen is None:
            return of_brands
        both = [i for i in chosen if i in of_brands]
        if not both:
            raise UsageError(f"none of --profile {', '.join(chosen)} belongs to --brand {', '.join(names)}")
        return both

    def relative(self, given: str) -> str:
        """A path given on the command line, relative to the repository root."""
        path = Path(given)
        absolute = (path if path.is_absolute() else Path.cwd() / path).resolve()
        try:
            return absolute.relative_to(self.root).as_posix()
        except ValueError:
            raise UsageError(f"{given} is not inside the repository {self.root}") from None


def pass_workspace(func):
    """Call the command with a Workspace first (for --repo of the main group and --now of the command)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        return func(Workspace((ctx.find_root().obj or {}).get("repo"), ctx.meta.get(NOW_KEY)), *args, **kwargs)

    return wrapper
