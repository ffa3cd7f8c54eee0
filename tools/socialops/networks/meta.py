"""What Facebook and Instagram share: the Graph API version (pinned here, and only here), the error envelope
and its codes, the usage headers, and the public media addresses Meta's crawler fetches.

Reference: ../shared/reference/platform-api.md sections 1.6 and 2.6.

- Error envelope [V]: {"error": {"message", "type", "code", "error_subcode", "error_user_title",
  "error_user_msg", "fbtrace_id", "is_transient"}}, usually HTTP 400, throttling not necessarily 429.
- Throttling codes: 4 (app), 17 (user), 32 (page), 613 (custom), 80001 (Pages BUC) [U], 80002 (Instagram BUC) [U].
- 190 = the token is invalid or expired (subcodes 458/459/460/463/464/467) -> AuthError naming the secret.
- Usage headers [V/C]: X-App-Usage {"call_count", "total_cputime", "total_time"} (percent) and
  X-Business-Use-Case-Usage {"<id>": [{"type", "call_count", "total_cputime", "total_time",
  "estimated_time_to_regain_access" (minutes)}]}. Meta throttles when a counter reaches 100.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..errors import (
    AuthError,
    NetworkError,
    PermanentNetworkError,
    RateLimited,
    TransientNetworkError,
)

# The one place the Graph API version is pinned. Meta retires a version about two years after release and then
# silently answers from the nearest live one, so move this forward deliberately (and rerun the contract tests).
GRAPH_VERSION = "v26.0"
GRAPH_HOST = "https://graph.facebook.com"
GRAPH_BASE = f"{GRAPH_HOST}/{GRAPH_VERSION}"
# Reels / video stories: the binary goes to rupload with the same version in the path [V reels guide].
RUPLOAD_BASE = f"https://rupload.facebook.com/video-upload/{GRAPH_VERSION}"

THROTTLE_CODES = frozenset({4, 17, 32, 613, 80001, 80002})
TRANSIENT_CODES = frozenset({1, 2, -1, -2})
AUTH_CODES = frozenset({102, 190})
PERMISSION_CODES = frozenset({10, *range(200, 300)})
QUOTA_CODE, QUOTA_SUBCODE = 9, 2207042  # Instagram: daily publishing limit reached [C]
DUPLICATE_CODE = 506
# Without any hint from Meta, wait this long after a throttling answer (Platform limits roll over an hour).
DEFAULT_THROTTLE_WAIT = 15 * 60.0
USAGE_LIMIT = 100  # percent at which Meta starts refusing


def graph_url(path: str) -> str:
    """The address of a Graph path (`/{id}/feed`) at the pinned version."""
    return f"{GRAPH_BASE}/{path.lstrip('/')}"


def _json_header(headers: Mapping[str, str], name: str) -> Any:
    raw = headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _num(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def usage_wait(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait before the next call according to the usage headers, or None when there is room.

    A Business Use Case entry with `estimated_time_to_regain_access` > 0 (minutes) is being throttled; a counter
    at 100 % in either header means the next call would be refused."""
    wait: float | None = None
    buc = _json_header(headers, "x-business-use-case-usage")
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else [entries]:
                if not isinstance(entry, dict):
                    continue
                minutes = _num(entry.get("estimated_time_to_regain_access"))
                full = any(_num(entry.get(k)) >= USAGE_LIMIT for k in ("call_count", "total_cputime", "total_time"))
                if minutes > 0 or full:
                    seconds = minutes * 60 if minutes > 0 else DEFAULT_THROTTLE_WAIT
                    wait = max(wait or 0.0, seconds)
    app = _json_header(headers, "x-app-usage")
    if isinstance(app, dict) and any(_num(app.get(k)) >= USAGE_LIMIT
                                     for k in ("call_count", "total_cputime", "total_time")):
        wait = max(wait or 0.0, DEFAULT_THROTTLE_WAIT)
    return wait


def graph_error_body(body: Any) -> dict[str, Any] | None:
    """The `error` object of a Graph answer, or None."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    return None


def graph_error(status: int, body: Any, headers: Mapping[str, str], *, network: str, secret: str | None,
                what: str) -> NetworkError | None:
    """The exception for a failed Graph answer (None when the answer is a success).

    `secret` is the name of the environment variable holding the token (never the token itself); `what` says
    what was being done, for the message ("publishing the photo")."""
    err = graph_error_body(body)
    if err is None and status < 400:
        return None
    err = err or {}
    code = err.get("code")
    code = int(code) if isinstance(code, int | float) or (isinstance(code, str) and code.lstrip("-").isdigit()) else None
    sub = err.get("error_subcode")
    sub = int(sub) if isinstance(sub, int | float) or (isinstance(sub, str) and sub.isdigit()) else None
    text = str(err.get("error_user_msg") or err.get("message") or f"HTTP {status}")[:300]
    label = {"facebook": "Facebook", "instagram": "Instagram", "threads": "Threads"}.get(network, network)
    ref = f" (code {code}{'/' + str(sub) if sub else ''})" if code is not None else f" (HTTP {status})"
    kw = {"network": network, "status": status}
    if code in AUTH_CODES or (code is None and status == 401):
        return AuthError(
            f"{label} refused the access token while {what}: {text}{ref}. The token in the secret "
            f"{secret or '(token_env not set)'} is expired or revoked; create a new one and store it in that "
            "repository secret", secret=secret, **kw)
    if code in PERMISSION_CODES or (code is None and status == 403):
        return AuthError(
            f"{label} says the token lacks a permission for {what}: {text}{ref}. Give the app the missing "
            f"permission, then renew the token in the secret {secret or '(token_env not set)'}", secret=secret, **kw)
    if code in THROTTLE_CODES or (code is None and status == 429):
        wait = usage_wait(headers) or DEFAULT_THROTTLE_WAIT
        return RateLimited(f"{label} asks to slow down while {what}: {text}{ref}; wait about "
                           f"{int(wait // 60) or 1} minutes", retry_after=wait, **kw)
    if code == QUOTA_CODE and sub == QUOTA_SUBCODE:
        return RateLimited(f"{label}'s daily publishing limit is used up ({what}): {text}{ref}; it frees up "
                           "within 24 hours", retry_after=None, **kw)
    if code in TRANSIENT_CODES or err.get("is_transient") is True or status >= 500:
        return TransientNetworkError(f"{label} had a temporary problem while {what}: {text}{ref}", **kw)
    if code == DUPLICATE_CODE:
        return PermanentNetworkError(f"{label} refused a duplicate of the last post while {what}: {text}{ref}",
                                     **kw)
    return PermanentNetworkError(f"{label} refused {what}: {text}{ref}", **kw)
