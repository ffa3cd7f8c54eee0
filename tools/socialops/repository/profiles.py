"""Profiles: one YAML file per account on one network, profiles/<id>.yaml."""

from __future__ import annotations

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
    # basics kept in sync (profiles issue)
    "bio", "website", "contact", "avatar", "cover", "fields", "services", "roles", "moderation",
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
    def token_env(self) -> str | None:
        return self._str("token_env")

    @property
    def owners(self) -> list[str]:
        value = self.raw.get("owners")
        return [str(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []

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


def moderators_of(profile: Profile) -> list[str]:
    """GitHub logins (without @) who may moderate the profile: ``roles.moderators`` and ``roles.admins``.
    Defined in :mod:`socialops.profiles.basics` (the basics and roles of profiles issue)."""
    from socialops.profiles.basics import moderators_of as _moderators_of

    return _moderators_of(profile)
