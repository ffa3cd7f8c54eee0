"""Is an address a post of this profile? For ``/done URL`` in a manual task's issue: the patterns are each
network's ``post_addresses`` (its spec), with ``{user}`` and ``{host}`` filled from the profile's account.
Light: no HTTP (nothing is fetched), so a URL is only ever matched, never visited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from socialops.networks import NETWORKS


@dataclass(frozen=True)
class PostAddress:
    ok: bool
    remote_id: str = ""  # the post's id when the address holds it
    problem: str = ""  # why it is not an address of the profile's posts


def account_parts(account: str, instance: str | None = None) -> tuple[str, str]:
    """(user, host) of an account written as ``@name``, ``name``, ``@name@host`` or a Bluesky handle."""
    name = account.strip().lstrip("@")
    user, _, host = name.partition("@")
    if instance:
        host = urlsplit(instance).hostname or host
    return user, host


def patterns(profile: Any) -> list[tuple[str, re.Pattern[str]]]:
    """(network, compiled pattern) of the addresses of the profile's posts: those of its network, and for a
    sandbox profile also those of the network it imitates."""
    names = [profile.network] + ([profile.rules_network] if profile.rules_network != profile.network else [])
    user, host = account_parts(profile.account, profile.setting("instance"))
    out = []
    for name in names:
        spec = NETWORKS.get(name)
        for template in spec.post_addresses if spec else ():
            text = template.replace("{user}", re.escape(user) if user else r"[^/\s]+")
            text = text.replace("{host}", re.escape(host) if host else r"[^/\s]+")
            out.append((name, re.compile(text, re.IGNORECASE)))
    return out


def check_post_address(profile: Any, url: str) -> PostAddress:
    """Is ``url`` the address of a post of ``profile`` (network, and account where the address shows it)?"""
    url = url.strip().strip("<>")
    if not url.lower().startswith("https://"):
        return PostAddress(False, problem="that is not a web address: paste the post's address, starting with https://")
    found = patterns(profile)
    for name, pattern in found:
        m = pattern.fullmatch(url)
        if m:  # the id is the API's only on the profile's own network (a sandbox imitating one knows no such post)
            return PostAddress(True, remote_id=(m.groupdict().get("id") or "") if name == profile.network else "")
    spec = NETWORKS.get(profile.rules_network)
    label = spec.label if spec else profile.network
    if not found:
        return PostAddress(True)  # a network that declares no addresses: any https address
    return PostAddress(False, problem=f"that is not the address of a {label} post of {profile.account}")
