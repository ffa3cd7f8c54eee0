"""The address of a network's server: a real network is reached over https, since the token travels with
every request; plain http only to this machine (the local test servers). Light: imported by validate."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cleartext_problem(url: str, key: str) -> str | None:
    """Why ``url`` (the profile's ``key``) may not be used, or None: http:// to anything but this machine."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "http" or is_loopback(parts.hostname or ""):
        return None
    return (f"'{key}: {url}' is plain http: the token would travel in clear to {parts.hostname}; use https:// "
            "(plain http is taken only for this machine: localhost, 127.0.0.1, ::1)")
