"""Bluesky's client: the session on the account's PDS, XRPC calls, record keys and the records of the
account's repository (see adapter.py for publishing).

Session: ``com.atproto.server.createSession {identifier: <account handle>, password: <app password from
the profile's token_env>}`` on the profile's ``service`` (default https://bsky.social), once per run
(createSession is limited to 30 per 5 minutes). An expired access token (HTTP 400 ``ExpiredToken``) is
renewed with ``refreshSession`` (or a new session) and the call repeated once.
Rate limits: ``RateLimit-Limit/-Remaining/-Reset`` (epoch seconds) and 429 with ``RateLimitExceeded``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import regex

from socialops.errors import (
    AuthError,
    ConfigError,
    NetworkError,
    OutcomeUnknown,
    PermanentNetworkError,
    TransientNetworkError,
)
from socialops.networks.addresses import cleartext_problem
from socialops.networks.bluesky import facets as richtext
from socialops.networks.bluesky.spec import SPEC
from socialops.networks.contract import Clock, Network, utc_now

if TYPE_CHECKING:
    import httpx

DEFAULT_SERVICE = "https://bsky.social"
POST = "app.bsky.feed.post"
MAX_GRAPHEMES = 300
MAX_LANGS = 3
TOKEN_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})

_S32 = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable, the TID alphabet
_TID_EPOCH_US = 1_672_531_200_000_000  # 2023-01-01T00:00:00Z in microseconds
_TID_SPAN_US = 1 << 45  # about 407 days


def tid_for(key: str) -> str:
    """The record key (a TID) of the post made for an idempotency key: always the same for one key.

    A TID is 64 bits -- a zero bit, 53 bits of microseconds since 1970 and a 10-bit clock id -- written
    in 13 base32-sortable characters. Both parts come from SHA-256 of the key; the time part lies in
    2023-2024 so it sorts as a plausible past time (readers order posts by ``createdAt``, not by key)."""
    number = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    micros = _TID_EPOCH_US + (number >> 10) % _TID_SPAN_US
    value = (micros << 10) | (number & 0x3FF)
    return "".join(_S32[(value >> (5 * (12 - i))) & 31] for i in range(13))


def is_tid(value: str) -> bool:
    return bool(re.fullmatch(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}", value))


def token_error(response: httpx.Response) -> bool:
    """atproto answers an expired or bad access token with 400 + ExpiredToken / InvalidToken."""
    if response.status_code != 400:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("error") in TOKEN_ERRORS


def error_name(exc: NetworkError) -> str:
    found = re.search(r'"error"\s*:\s*"([A-Za-z]+)"', exc.message)
    return found.group(1) if found else ""


class BlueskyClient(Network):
    """The account's session on its PDS, XRPC calls with their limits and token renewal, and the records of
    its repository: what publishing, comments and the profile share."""

    spec = SPEC
    limit_headers = ("RateLimit-Remaining", "RateLimit-Reset")

    def __init__(self, *args: Any, wall_clock: Clock | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The time written into records (createdAt) is the real time, never the run's simulated --now: Bluesky
        # shows and sorts posts by it. Tests may inject it; everything else keeps the run's clock.
        self._wall_clock = wall_clock or utc_now
        self._session: dict[str, str] | None = None
        self._dids: dict[str, str | None] = {}
        self._resuming = False

    # --- settings --------------------------------------------------------------------------------

    @property
    def service(self) -> str:
        value = self.profile.setting("service")
        service = value.strip().rstrip("/") if isinstance(value, str) and value.strip() else DEFAULT_SERVICE
        if not re.match(r"(?i)^https?://", service):
            service = "https://" + service
        refused = cleartext_problem(service, "service")
        if refused:
            raise ConfigError(f"profile '{self.profile.id}': {refused}", path=self.profile.path, line=1)
        return service

    @property
    def handle(self) -> str:
        handle = self.profile.account.strip().lstrip("@")
        if not handle:
            raise ConfigError(
                f"profile '{self.profile.id}' has no account: add 'account: yourname.bsky.social' (the Bluesky handle)",
                path=self.profile.path, line=1,
            )
        return handle

    @property
    def langs(self) -> list[str]:
        value = self.profile.setting("language")
        values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        return [str(v).strip() for v in values if isinstance(v, str) and v.strip()][:MAX_LANGS]

    def _h(self):
        return self.http(auth_error=token_error)

    # --- XRPC ------------------------------------------------------------------------------------

    def _xrpc(self, method: str, nsid: str, *, auth: bool = True, safe: bool | None = None,
              headers: Mapping[str, str] | None = None, **kwargs: Any) -> httpx.Response:
        url = f"{self.service}/xrpc/{nsid}"
        for attempt in range(2):
            all_headers = dict(headers or {})
            if auth:
                all_headers["Authorization"] = f"Bearer {self._access()}"
            self.respect_limits(self._h().max_wait)
            try:
                response = self._h().request(method, url, safe=safe, headers=all_headers, **kwargs)
            except AuthError as exc:
                if auth and exc.status == 400 and attempt == 0:
                    self._renew()
                    continue
                raise
            self.note_limits(response)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _body(self, response: httpx.Response, *, unsafe: bool = False) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            cls = OutcomeUnknown if unsafe else TransientNetworkError
            raise cls(
                f"bluesky: {response.request.url.path}: the answer was not readable JSON",
                network=self.name, status=response.status_code,
            )
        return body

    # --- session ---------------------------------------------------------------------------------

    def _access(self) -> str:
        if self._session is None:
            self._create_session()
        assert self._session is not None
        return self._session["accessJwt"]

    @property
    def did(self) -> str:
        self._access()
        assert self._session is not None
        return self._session["did"]

    def _remember(self, body: Mapping[str, Any]) -> None:
        if not body.get("accessJwt") or not body.get("did"):
            raise TransientNetworkError("bluesky: the session answer had no accessJwt/did", network=self.name)
        http = self._h()
        http.add_secret(str(body["accessJwt"]))
        http.add_secret(str(body.get("refreshJwt") or ""))
        self._session = {
            "accessJwt": str(body["accessJwt"]),
            "refreshJwt": str(body.get("refreshJwt") or ""),
            "did": str(body["did"]),
            "handle": str(body.get("handle") or self.handle),
        }

    def _create_session(self) -> None:
        password = self.token()
        response = self._xrpc(
            "POST", "com.atproto.server.createSession", auth=False, safe=True,
            json={"identifier": self.handle, "password": password},
        )
        self._remember(self._body(response))

    def _renew(self) -> None:
        """The access token expired: refreshSession with the refresh token, else a new session."""
        refresh = (self._session or {}).get("refreshJwt")
        self._session = None
        if refresh:
            try:
                response = self._h().request(
                    "POST", f"{self.service}/xrpc/com.atproto.server.refreshSession", safe=False,
                    headers={"Authorization": f"Bearer {refresh}"},
                )
                self._remember(self._body(response))
                return
            except NetworkError:
                self._session = None
        self._create_session()

    # --- identity --------------------------------------------------------------------------------

    def resolve_handle(self, handle: str) -> str | None:
        """The DID of a mentioned handle, or None when it does not resolve (the mention stays text)."""
        if handle not in self._dids:
            try:
                response = self._xrpc("GET", "com.atproto.identity.resolveHandle", params={"handle": handle})
                did = self._body(response).get("did")
                self._dids[handle] = did if isinstance(did, str) and did.startswith("did:") else None
            except PermanentNetworkError:
                self._dids[handle] = None
        return self._dids[handle]

    # --- records ---------------------------------------------------------------------------------

    def web_url(self, rkey: str) -> str:
        return f"https://bsky.app/profile/{self.handle}/post/{rkey}"

    def _check_length(self, text: str) -> None:
        length = richtext_length(text)
        if length > MAX_GRAPHEMES:
            raise PermanentNetworkError(
                f"the text is {length} characters (graphemes) long; Bluesky takes at most {MAX_GRAPHEMES}: shorten "
                "the body or add an override for bluesky",
                network=self.name,
            )

    def record_time(self) -> str:
        """createdAt of a record: the real time (see __init__)."""
        return iso(self._wall_clock())

    def _record(self, text: str, *, embed: dict | None = None, reply: dict | None = None) -> dict[str, Any]:
        # The post's `tags:` are for the team's own reports: never written into the public record.
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": self.record_time()}
        found = richtext.build_facets(text, resolve=self.resolve_handle)
        if found:
            record["facets"] = found
        if self.langs:
            record["langs"] = self.langs
        if reply:
            record["reply"] = reply
        if embed:
            record["embed"] = embed
        return record

    def _create(self, rkey: str, record: Mapping[str, Any]) -> dict[str, str]:
        """createRecord with our record key. A lost answer is settled at once with getRecord."""
        payload = {"repo": self.did, "collection": POST, "rkey": rkey, "record": dict(record)}
        try:
            response = self._xrpc("POST", "com.atproto.repo.createRecord", safe=False, json=payload)
            body = self._body(response, unsafe=True)
        except OutcomeUnknown as exc:
            try:
                found = self.get_record(rkey)
            except NetworkError:
                raise exc from None  # still unknown: getRecord settles it later, the record key is fixed
            if found is not None:
                return found
            raise TransientNetworkError(
                f"{exc.message}; getRecord shows record {rkey} does not exist, so nothing was posted",
                network=self.name, status=exc.status,
            ) from None
        if not body.get("uri") or not body.get("cid"):
            found = self.get_record(rkey)
            if found is None:
                raise TransientNetworkError("bluesky: createRecord answered without uri/cid and no record exists",
                                            network=self.name)
            return found
        return {"uri": str(body["uri"]), "cid": str(body["cid"])}

    def get_record(self, rkey: str) -> dict[str, str] | None:
        """com.atproto.repo.getRecord on our repository: {uri, cid} if the post exists, None if certainly not."""
        try:
            response = self._xrpc("GET", "com.atproto.repo.getRecord",
                                  params={"repo": self.did, "collection": POST, "rkey": rkey})
        except PermanentNetworkError as exc:
            if exc.status in (400, 404) and error_name(exc) == "RecordNotFound":
                return None
            raise
        body = self._body(response)
        if not body.get("uri") or not body.get("cid"):
            raise OutcomeUnknown(f"bluesky: getRecord for {rkey} answered without uri/cid", network=self.name)
        return {"uri": str(body["uri"]), "cid": str(body["cid"])}

    @staticmethod
    def _rkey(uri: str) -> str:
        return uri.rstrip("/").rsplit("/", 1)[-1]

    def _get_value(self, collection: str, rkey: str) -> dict[str, Any] | None:
        """getRecord on our repository: {"uri", "cid", "value"}, or None when the record does not exist."""
        try:
            response = self._xrpc("GET", "com.atproto.repo.getRecord",
                                  params={"repo": self.did, "collection": collection, "rkey": rkey})
        except PermanentNetworkError as exc:
            if exc.status in (400, 404) and error_name(exc) == "RecordNotFound":
                return None
            raise
        return self._body(response)

    def _put(self, collection: str, rkey: str, record: Mapping[str, Any], swap: str | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"repo": self.did, "collection": collection, "rkey": rkey, "record": dict(record)}
        if swap:
            payload["swapRecord"] = swap
        # putRecord at a known key is idempotent: the same record again changes nothing.
        return self._body(self._xrpc("POST", "com.atproto.repo.putRecord", safe=True, json=payload))


def richtext_length(text: str) -> int:
    return len(regex.findall(r"\X", text))


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
