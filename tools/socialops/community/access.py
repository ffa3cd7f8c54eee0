"""Who may act on a flagged comment: people listed as moderators of the profile (``roles.moderators`` and
``roles.admins``, read by the one roles parser) and people with write access to the
repository (asked through the tracker).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from socialops.community.settings import ProfileRules, account_key

WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


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

