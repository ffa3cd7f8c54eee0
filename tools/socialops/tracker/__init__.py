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

from socialops.errors import TrackerError
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
    if not token:
        return OutboxTracker(Path(repo_root))
    if not repo:
        raise TrackerError("GITHUB_TOKEN is set but GITHUB_REPOSITORY is not: set it to owner/name "
                           "(GitHub Actions sets it for you).")
    gh = make_github(token, env.get("GITHUB_API_URL") or DEFAULT_API_URL)
    bot = env.get("SOCIALOPS_BOT_LOGIN") or None
    return GitHubTracker(gh, repo, secrets=[token], bot_login=bot, **github_options)
