"""Profiles: one YAML file per account on one network, profiles/<id>.yaml."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.core import yamlfile
from socialops.errors import ConfigError, ContentError
from socialops.networks import NETWORKS
from socialops.networks.spec import NetworkSpec
from socialops.repository.posts import read_text

MAX_PROFILE_BYTES = 200_000
PROFILE_KEYS = (
    "id", "network", "imitates", "account", "display_name", "timezone", "token_env", "owners", "brand",
    "instance", "service", "language", "page_id", "ig_user_id", "organization_id", "threads_user_id", "media_base_url",
    "handover",  # hand posts over to the network's own scheduling (publish/leads.py)
    "reply_control",  # Threads: who may reply to the profile's posts
    "account_id", "location_id", "direct_messages",
    # basics kept in sync (profiles issue)
    "bio", "website", "contact", "avatar", "cover", "fields", "services", "roles", "moderation",
    "hours", "special_hours", "categories", "attributes",  # a local business's basics (Google Business Profile)
    "utm",  # link tags for the profile's posts (content.utm)
)


@dataclass
class Profile(yamlfile.KeyLines):
    id: str
    path: str
    raw: dict[str, Any]
    lines: dict[tuple, int] = field(default_factory=dict, repr=False)

    network: str = field(init=False)
    rules_network: str = field(init=False)  # whose limits and text rules apply: the sandbox imitates a network
    spec: NetworkSpec | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.network = self._str("network") or ""
        self.rules_network = (self._str("imitates") or "sandbox") if self.network == "sandbox" else self.network
        self.spec = NETWORKS.get(self.rules_network)

    def _str(self, key: str) -> str | None:
        value = self.raw.get(key)
        return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None

    @property
    def account(self) -> str:
        return self._str("account") or self.id

    @property
    def display_name(self) -> str:
        return self._str("display_name") or self.account

    @property
    def timezone(self) -> str | None:
        return self._str("timezone")

    @property
    def brand(self) -> str | None:
        """The brand (client) the profile belongs to: its posts live under content/<brand>/."""
        return self._str("brand")

    @property
    def token_env(self) -> str | None:
        return self._str("token_env")

    @property
    def owners(self) -> list[str]:
        value = self.raw.get("owners")
        return [str(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []

    @property
    def roles(self) -> Roles:
        return parse_roles(self.raw.get("roles"))

    def setting(self, key: str) -> Any:
        return self.raw.get(key)


def parse_profile(text: str, rel: str) -> Profile:
    try:
        doc = yamlfile.load(text)
    except yamlfile.YamlProblem as exc:
        raise ConfigError(exc.message, path=rel, line=exc.line) from None
    if not isinstance(doc.data, dict):
        raise ConfigError("a profile file must be keys and values like 'network: mastodon'", path=rel, line=1)
    stem = Path(rel).stem
    pid = doc.data.get("id", stem)
    return Profile(id=str(pid), path=rel, raw=doc.data, lines=doc.lines)


def find_profiles(root: Path) -> list[str]:
    folder = root / "profiles"
    if not folder.is_dir():
        return []
    return sorted(
        p.relative_to(root).as_posix() for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()
    )


def load_profile(root: Path, rel: str) -> Profile:
    try:
        text = read_text(root / rel, rel, MAX_PROFILE_BYTES)
    except ContentError as exc:
        raise ConfigError(exc.message, path=rel, line=exc.line) from None
    return parse_profile(text, rel)


# --- roles: the one parser, for validation and for the authorisation of /commands alike ----------------------

ROLES = ("admins", "editors", "moderators", "analysts")
GITHUB_USER = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$")


@dataclass(frozen=True)
class RoleProblem:
    keys: tuple  # the key path in the profile file, e.g. ("roles", "moderators", 0)
    code: str
    message: str


@dataclass(frozen=True)
class Roles:
    """``roles:`` of a profile: role -> GitHub logins (without the @) in file order, case-insensitively
    unique, and what is wrong. An entry that is a problem grants nothing."""

    members: dict[str, tuple[str, ...]]
    problems: tuple[RoleProblem, ...] = ()

    @property
    def moderators(self) -> tuple[str, ...]:
        """Who may moderate the profile's comments: its moderators and its admins (admins hold every right)."""
        return _unique(self.members["moderators"] + self.members["admins"])


def parse_roles(value: Any) -> Roles:
    """The ``roles:`` value of a profile file (None when the file has none)."""
    members: dict[str, tuple[str, ...]] = {role: () for role in ROLES}
    problems: list[RoleProblem] = []
    if value is None:
        return Roles(members)
    if not isinstance(value, Mapping):
        return Roles(members, (RoleProblem(("roles",), "wrong-type", "'roles' must be keys admins, editors, "
                                           "moderators, analysts, each a list of GitHub users like \"@maija\""),))
    for role, entries in value.items():
        if role not in ROLES:
            problems.append(RoleProblem(("roles", role), "profile-role",
                                        f"'{role}' is not a role; use {', '.join(ROLES)}"))
            continue
        if not isinstance(entries, list):
            problems.append(RoleProblem(("roles", role), "wrong-type",
                                        f"'{role}' must be a list of GitHub users like [\"@maija\"]"))
            continue
        logins = []
        for i, entry in enumerate(entries):
            if not isinstance(entry, str) or not GITHUB_USER.match(entry.strip()):
                what = "a team" if isinstance(entry, str) and "/" in entry else "not a GitHub user"
                problems.append(RoleProblem(("roles", role, i), "profile-role",
                                            f"'{entry}' is {what}; roles list GitHub users as \"@name\" "
                                            "(teams go in 'owners')"))
            else:
                logins.append(entry.strip()[1:])
        members[role] = _unique(logins)
    return Roles(members, tuple(problems))


def _unique(logins: Iterable[str]) -> tuple[str, ...]:
    """First spelling wins: GitHub logins are case-insensitive."""
    out: dict[str, str] = {}
    for login in logins:
        out.setdefault(login.casefold(), login)
    return tuple(out.values())
