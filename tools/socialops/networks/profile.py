"""What the adapters share for profile basics: live images fetched by address, account names, and the token's
capabilities read from its scopes (the normalised forms values are compared in: networks.forms)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from socialops.networks.types import CAPABILITIES, MISSING, OK, UNKNOWN, Capability, LiveImage


def scope_capabilities(granted: set[str] | None, needs: Mapping[str, tuple[str, ...]],
                       covers: Callable[[set[str], str], bool], *, fix: Callable[[str, list[str]], str],
                       unknown: str) -> list[Capability]:
    """Capabilities from a token's scopes: each capability needs all of its scopes.

    ``granted`` None = the scopes could not be read (every capability is then ``unknown`` with ``unknown`` as
    the fix); ``covers(granted, scope)`` decides whether a granted set holds a scope (``write`` covers
    ``write:statuses`` on Mastodon); ``fix(capability, missing)`` says what to do."""
    out = []
    for name in CAPABILITIES:
        wanted = needs.get(name)
        if wanted is None:
            continue
        if granted is None:
            out.append(Capability(name, UNKNOWN, f"needs {', '.join(wanted)}", unknown))
            continue
        missing = [scope for scope in wanted if not covers(granted, scope)]
        if missing:
            out.append(Capability(name, MISSING, f"missing {', '.join(missing)}", fix(name, missing)))
        else:
            out.append(Capability(name, OK, f"has {', '.join(wanted)}"))
    return out


MAX_IMAGE_FETCH = 20_000_000


def fetch_image(client: Any, url: str | None, *, headers: Mapping[str, str] | None = None) -> LiveImage | None:
    """A live image by its address with the plain client (no token is sent unless ``headers`` carry one):
    its bytes, or a LiveImage without data when it cannot be fetched. None when there is no address."""
    if not url:
        return None
    import httpx

    try:
        with client.stream("GET", url, headers=dict(headers or {}), follow_redirects=True, timeout=30.0) as response:
            if response.status_code != 200:
                return LiveImage(url, None)
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_IMAGE_FETCH:
                    return LiveImage(url, None)
                chunks.append(chunk)
    except (httpx.HTTPError, ValueError):
        return LiveImage(url, None)
    return LiveImage(url, b"".join(chunks))


def account_name(value: str | None) -> str:
    """An account as compared: no leading @, lower case, white space folded."""
    return " ".join((value or "").strip().lstrip("@").lower().split())
