"""What Facebook, Instagram and Threads share: the Graph API version (pinned here, and only here), the error envelope
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
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from socialops.errors import (
    AuthError,
    ConfigError,
    NetworkError,
    OutcomeUnknown,
    PermanentNetworkError,
    RateLimited,
    TransientNetworkError,
)
from socialops.networks.contract import Comments, Metrics
from socialops.networks.http import redacted_excerpt
from socialops.networks.media_urls import profile_media_url
from socialops.networks.profile import account_name, scope_capabilities
from socialops.networks.types import AccessReport, MediaFile

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


def _json_header(headers: Mapping[str, str], name: str) -> Any:
    raw = headers.get(name)
    if raw is None:  # a plain dict: look the name up case-insensitively, as HTTP does
        raw = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
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
                what: str, secrets: Iterable[str] = ()) -> NetworkError | None:
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
    text = redacted_excerpt(str(err.get("error_user_msg") or err.get("message") or f"HTTP {status}"), secrets)
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


# --- the Graph client shared by the Facebook and Instagram adapters ---------------------------------------------


class Graph:
    """Graph API calls for one adapter: the token as an `Authorization: Bearer` header (never in a URL), Meta's
    error envelope mapped to the error tree, and pauses asked for by the usage headers.

    A response whose usage headers say a counter reached 100 % (or a BUC entry has
    `estimated_time_to_regain_access`) makes the *next* call wait: sleep when the wait is short, otherwise raise
    RateLimited with the wait, so the run moves on and a later run resumes from the recorded progress."""

    def __init__(self, network: Any, *, max_wait: float = 120.0, base: str = GRAPH_BASE):
        self.network = network
        self.max_wait = max_wait
        self.base = base  # Threads answers at its own host (graph.threads.net) with the same envelope
        self.pause_until: float | None = None  # epoch seconds
        self._http = None

    @property
    def http(self) -> Any:
        if self._http is None:
            token = self.network.token()
            self._http = self.network.http(classify=self._classify, max_wait=self.max_wait,
                                           headers={"Authorization": f"Bearer {token}"})
        return self._http

    def _now(self) -> float:
        return self.network.now().timestamp()

    def _classify(self, response: Any, where: str, safe: bool) -> tuple[NetworkError | None, float | None] | None:
        wait = usage_wait(response.headers)
        if wait:
            self.pause_until = max(self.pause_until or 0.0, self._now() + wait)
        if response.status_code < 400:
            return None
        try:
            body = response.json()
        except ValueError:
            body = None
        exc = graph_error(response.status_code, body, response.headers, network=self.network.name,
                          secret=self.network.profile.token_env, what=where, secrets=self.network.secrets())
        if exc is None:
            return None
        exc.message = self.network.redact(exc.message)
        exc.args = (exc.message,)
        if isinstance(exc, RateLimited):
            return exc, exc.retry_after
        if exc.transient and not safe:

            return OutcomeUnknown(f"{exc.message}; the request was sent, so it may or may not have been carried "
                                  "out", network=self.network.name, status=response.status_code), None
        return exc, None

    def before(self) -> None:
        if self.pause_until is None:
            return
        remaining = self.pause_until - self._now()
        if remaining <= 0:
            self.pause_until = None
            return
        if remaining <= self.max_wait:
            self.network.sleep(remaining)
            self.pause_until = None
            return
        raise RateLimited(f"{self.network.spec.label}'s usage headers say the call budget is used up; wait about "
                          f"{int(remaining // 60) or 1} minutes", retry_after=remaining,
                          network=self.network.name)

    def call(self, method: str, url: str, *, safe: bool | None = None, **kwargs: Any) -> dict[str, Any]:
        """A Graph call returning the JSON object (an empty dict for an empty body)."""
        self.before()
        if not url.startswith("https://"):
            url = f"{self.base}/{url.lstrip('/')}"
        body = self.http.json(method, url, safe=safe, **kwargs)
        if body is None:
            return {}
        if not isinstance(body, dict):

            cls = OutcomeUnknown if safe is False else TransientNetworkError
            raise cls(f"{self.network.name}: {method} {url.split('?')[0]}: the answer was not a JSON object",
                      network=self.network.name)
        return body

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self.call("GET", path, params=params)

    def post(self, path: str, data: Mapping[str, Any], *, create: bool) -> dict[str, Any]:
        """POST form parameters. `create=True` for a call that makes something public (never repeated after
        an answer is lost); False for harmless intermediate objects (unpublished photos, containers)."""
        return self.call("POST", path, safe=not create, data={k: v for k, v in data.items() if v is not None})


class MetaNetwork(Comments, Metrics):
    """What the Facebook, Instagram and Threads adapters share: the Graph client (``graph_base``: where it
    answers), the account id a profile names, public media addresses, metrics errors, and deleting a comment."""

    graph_base: ClassVar[str] = GRAPH_BASE

    poll_interval: ClassVar[float] = 10.0
    max_polls: ClassVar[int] = 30  # Meta suggests polling for up to about five minutes

    def __init__(self, profile, **kwargs: Any) -> None:
        super().__init__(profile, **kwargs)
        self.graph = Graph(self, base=self.graph_base)

    def account_id(self, setting: str, what: str) -> str:
        """The numeric id in the profile's setting `setting`; ConfigError naming `what` it is if missing."""
        value = self.profile.setting(setting)
        if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
            raise ConfigError(f"profile '{self.profile.id}' needs '{setting}' ({what})", path=self.profile.path)
        return str(value).strip()

    def media_url(self, media: MediaFile) -> str:
        return profile_media_url(self.profile, media.rel, self.env)

    def meta_access(self, node_id: str, name_field: str, *, seen: str, wrong: str, label: str,
                    token_problems: Callable[[dict[str, Any]], list[str]] = lambda data: []) -> AccessReport:
        """The access check both Meta networks make: the account answers under the token and is the one the
        profile names (``seen``/``wrong``: texts with {name}, {id} and {account}), the token's own problems
        (``token_problems`` of the debug_token data) and validity, and the permissions each capability needs."""
        report = AccessReport()
        node = self.graph.get(node_id, fields=f"id,{name_field}")
        report.token_ok = True
        name = str(node.get(name_field) or "")
        report.account_seen = seen.format(name=name, id=node.get("id", node_id))
        report.account_ok = account_name(name) == account_name(self.profile.account)
        if not report.account_ok:
            report.problems.append(wrong.format(name=name, id=node_id, account=self.profile.account))
        scopes, data = token_scopes(self.graph, self.token() or "")
        report.problems += token_problems(data)
        if data.get("is_valid") is False:
            report.token_ok = False
            report.problems.append(f"Meta says the token in {self.profile.token_env} is no longer valid: renew it")
        report.capabilities = scope_capabilities(
            scopes, self.PROFILE_PERMISSIONS, lambda granted, scope: scope in granted,
            fix=meta_fix(label, self.profile.token_env),
            unknown="Meta did not show the token's permissions (debug_token); check them in the Access Token "
                    "Debugger (developers.facebook.com/tools/debug/accesstoken)")
        return report

    def metrics_error(self, response: Any) -> Exception | None:
        return self.graph.http.classify(response, safe=True)[0]

    def delete_comment(self, comment):
        self.graph.call("DELETE", comment.id)


def need_id(body: Mapping[str, Any], key: str, *, network: str, what: str, created: bool) -> str:
    """`body[key]` as a string; when missing, the object may exist without us knowing its id."""

    value = body.get(key)
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
        return str(value)
    cls = OutcomeUnknown if created else TransientNetworkError
    raise cls(f"{network}: the answer to {what} had no '{key}'", network=network)


def normalise_text(text: str | None) -> str:
    """Text compared when matching a lost post: whitespace collapsed, case kept."""
    return " ".join((text or "").split())


def text_matches(ours: str | None, theirs: str | None) -> bool:
    """Does a listed post's text belong to ours? Exact after whitespace folding, or one is a prefix of the
    other when the network shortened it (at least 40 characters)."""
    a, b = normalise_text(ours), normalise_text(theirs)
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return len(shorter) >= 40 and longer.startswith(shorter.rstrip("…. "))


LOCALE_RE = r"\.([a-z]{2})(?:[_-]([A-Za-z]{2}))?\.(?:srt|vtt)$"
_COUNTRY = {"en": "US", "fi": "FI", "sv": "SE", "de": "DE", "fr": "FR", "es": "ES", "it": "IT", "nl": "NL",
            "da": "DK", "nb": "NO", "no": "NO", "et": "EE", "pt": "PT", "pl": "PL", "ja": "JP"}


def caption_locale(filename: str, default: str = "en_US") -> str:
    """The xx_XX locale of a subtitle file named like `clip.fi_FI.srt` or `clip.fi.srt` (Meta's captions edge
    wants `filename.locale.srt`); `default` when the name does not say."""

    m = re.search(LOCALE_RE, filename)
    if not m:
        return default
    lang = m.group(1).lower()
    country = (m.group(2) or _COUNTRY.get(lang, lang)).upper()
    return f"{lang}_{country}"


# --- token permissions (socialops profiles check) -------------------------------------------------------------


def token_scopes(graph: Graph, token: str) -> tuple[set[str] | None, dict[str, Any]]:
    """The permissions granted to ``token``: ``GET /debug_token?input_token=<token>`` (the token debugging
    itself) -> ``{"data": {"type", "app_id", "application", "profile_id", "is_valid", "scopes", ...}}`` [V
    endpoint; that a Page token may debug itself: C]. (None, {}) when Meta does not answer it."""
    try:
        body = graph.get("debug_token", input_token=token)
    except NetworkError:
        return None, {}
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    scopes = data.get("scopes")
    if not isinstance(scopes, list):
        return None, data
    return {str(s) for s in scopes}, data


def meta_fix(label: str, secret: str | None) -> Any:
    def fix(capability: str, missing: list[str]) -> str:
        return (f"in the Meta app (developers.facebook.com > your app > Use cases / App Review) add "
                f"{', '.join(missing)}, log in again to grant them, and store the new {label} token in the secret "
                f"{secret or '(token_env)'}")

    return fix
