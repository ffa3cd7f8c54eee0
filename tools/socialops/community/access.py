"""Who may act on a flagged comment: people listed as moderators of the profile (``roles.moderators`` and
``roles.admins``, read by the one roles parser) and people with write access to the repository (asked from
GitHub's REST API).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from socialops.community.settings import ProfileRules, account_key

WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


def github_permission(login: str, env: Mapping[str, str], client: Any = None) -> str | None:
    """The person's permission on the repository (admin, maintain, write, triage, read, none) from
    ``GET /repos/{repo}/collaborators/{login}/permission``; None when it cannot be asked (no token)."""
    import httpx

    token = env.get("GITHUB_TOKEN", "")
    repo = env.get("GITHUB_REPOSITORY", "")
    if not token or not repo or not re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?", login or ""):
        return None
    api = (env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
    own = client is None
    client = client or httpx.Client(timeout=15.0)
    try:
        response = client.get(f"{api}/repos/{repo}/collaborators/{login}/permission",
                              headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                                       "X-GitHub-Api-Version": "2022-11-28"})
    except httpx.HTTPError:
        return None
    finally:
        if own:
            client.close()
    if response.status_code == 404:
        return "none"  # not a collaborator
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    role = body.get("role_name") if isinstance(body, dict) else None
    permission = body.get("permission") if isinstance(body, dict) else None
    for value in (role, permission):
        if isinstance(value, str) and value in WRITE_PERMISSIONS:
            return value
    return str(permission or role or "none")


@dataclass(frozen=True)
class Authorization:
    allowed: bool
    how: str  # "write access", "listed moderator", or why not


def authorize(login: str, rules: ProfileRules,
              permission: Callable[[str], str | None] | None) -> Authorization:
    """May ``login`` act on this profile's comments? Listed moderators (roles.moderators, roles.admins) may;
    so may people with write access to the repository (``permission(login)`` answers from GitHub)."""
    key = account_key(login)
    if key and key in rules.moderators:
        return Authorization(True, "listed moderator")
    level = permission(login) if permission is not None else None
    if level in WRITE_PERMISSIONS:
        return Authorization(True, f"{level} access to the repository")
    if level is None:
        return Authorization(False, "not a listed moderator, and the repository permission could not be checked")
    return Authorization(False, f"{level} access to the repository and not a listed moderator")


def refusal(login: str, profile_id: str, profile_path: str) -> str:
    return (f"Thank you for looking after this, @{login}. Only people with write access to this repository, or "
            f"listed as moderators of `{profile_id}` (`roles.moderators` in `{profile_path}`), can act on "
            "comments, so nothing was done. A maintainer will take it from here — or ask one to add you as a "
            "moderator.")

