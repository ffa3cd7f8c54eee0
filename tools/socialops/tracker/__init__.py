"""Issues and pull request comments: GitHub (PyGithub), or a local outbox when there is no token.

One interface (``interface.Tracker``), two implementations:

- ``github.GitHubTracker`` talks to GitHub (or GitHub Enterprise) through PyGithub.
- ``outbox.OutboxTracker`` writes ``.socialops/outbox/issues/<key>.json`` files
  (``{title, body, labels, state, comments}``) so a laptop and the demo work offline.

``tracker_from_env(repo_root, env)`` picks one: GitHub when ``GITHUB_TOKEN`` and
``GITHUB_REPOSITORY`` are set, the outbox otherwise.

Untrusted text (network comments, post text) goes into issues only through
``quote_untrusted`` (a fenced block: no mentions, no HTML, no images, no links) or
``escape_untrusted_markdown`` (inline), from ``socialops.core.safetext``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from socialops.errors import SocialOpsError, TrackerError
from socialops.repository.brands import valid_name
from socialops.repository.profiles import find_profiles, load_profile
from socialops.tracker.github import DEFAULT_API_URL, GitHubTracker, make_github
from socialops.tracker.interface import Tracker
from socialops.tracker.outbox import OutboxTracker


def tracker_from_env(repo_root: Path, env: Mapping[str, str] | None = None, **github_options: Any) -> Tracker:
    """GitHubTracker when GITHUB_TOKEN and GITHUB_REPOSITORY are set, else the local outbox.

    Honours GITHUB_API_URL (GitHub Enterprise) and SOCIALOPS_BOT_LOGIN (whose sticky comments
    are ours; found out from the token when not set)."""
    env = os.environ if env is None else env
    token = env.get("GITHUB_TOKEN", "")
    repo = env.get("GITHUB_REPOSITORY", "")
    tracker: Tracker
    if not token:
        tracker = OutboxTracker(Path(repo_root))
    elif not repo:
        raise TrackerError("GITHUB_TOKEN is set but GITHUB_REPOSITORY is not: set it to owner/name "
                           "(GitHub Actions sets it for you).")
    else:
        gh = make_github(token, env.get("GITHUB_API_URL") or DEFAULT_API_URL)
        bot = env.get("SOCIALOPS_BOT_LOGIN") or None
        tracker = GitHubTracker(gh, repo, secrets=[token], bot_login=bot, **github_options)
    tracker.brand_of = BrandsOfProfiles(Path(repo_root))
    return tracker


class BrandsOfProfiles(Mapping[str, str]):
    """profile id -> brand, read from profiles/ at the first look-up (most runs open no issue). A profile that
    cannot be read has no brand here: validate reports it."""

    def __init__(self, root: Path):
        self.root = root
        self._found: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._found is None:
            found = {}
            for rel in find_profiles(self.root):
                try:
                    profile = load_profile(self.root, rel)
                except SocialOpsError:
                    continue
                if valid_name(profile.brand):
                    found[profile.id] = profile.brand
            self._found = found
        return self._found

    def __getitem__(self, pid: str) -> str:
        return self._all()[pid]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())
