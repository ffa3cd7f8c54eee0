"""Bluesky profile basics and the token check.

platform-api.md 6.5 [V]: the app.bsky.actor.profile record, rkey "self": displayName, description,
website, avatar and banner blobs (PNG/JPEG, at most 1,000,000 bytes). Read with getRecord, write with
putRecord + swapRecord (the cid read), keeping every field socialops does not manage (pronouns,
pinnedPost, labels, joinedViaStarterPack, createdAt, ...). Images are compared by their bytes, fetched with
com.atproto.sync.getBlob, never by blob reference.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from socialops.errors import NetworkError, PermanentNetworkError
from socialops.networks.bluesky.client import BlueskyClient, error_name
from socialops.networks.contract import ProfileBasics
from socialops.networks.forms import normalise_text
from socialops.networks.profile import account_name
from socialops.networks.types import OK, AccessReport, Capability, LiveImage, LiveProfile


class BlueskyProfile(BlueskyClient, ProfileBasics):
    """Reads and writes the profile record; checks that the app password works for the named account."""

    PROFILE = "app.bsky.actor.profile"
    PROFILE_FIELDS = {"display_name": "displayName", "bio": "description", "website": "website"}

    def _profile_record(self) -> tuple[dict[str, Any] | None, str | None]:
        try:
            response = self._xrpc("GET", "com.atproto.repo.getRecord",
                                  params={"repo": self.did, "collection": self.PROFILE, "rkey": "self"})
        except PermanentNetworkError as exc:
            if exc.status in (400, 404) and error_name(exc) == "RecordNotFound":
                return None, None
            raise
        body = self._body(response)
        value = body.get("value")
        return (dict(value) if isinstance(value, dict) else {}), (str(body["cid"]) if body.get("cid") else None)

    def _blob_bytes(self, blob: Any):
        if not isinstance(blob, dict):
            return None
        ref = blob.get("ref")
        cid = ref.get("$link") if isinstance(ref, dict) else blob.get("cid")
        if not isinstance(cid, str) or not cid:
            return None
        url = f"{self.service}/xrpc/com.atproto.sync.getBlob"
        try:
            response = self._xrpc("GET", "com.atproto.sync.getBlob", auth=False, params={"did": self.did, "cid": cid})
        except NetworkError:
            return LiveImage(f"{url}?did={self.did}&cid={cid}", None)
        return LiveImage(f"{url}?did={self.did}&cid={cid}", response.content)

    def read_profile(self):
        record, cid = self._profile_record()
        record = record or {}
        values: dict[str, Any] = {
            "display_name": str(record.get("displayName") or "").strip(),
            "bio": normalise_text(str(record.get("description") or "")),
            "website": str(record.get("website") or "").strip(),
            "avatar": self._blob_bytes(record.get("avatar")),
            "cover": self._blob_bytes(record.get("banner")),
        }
        return LiveProfile(account=(self._session or {}).get("handle") or self.handle, account_id=self.did,
                           url=f"https://bsky.app/profile/{self.handle}", values=values, version=cid,
                           raw={"record": record, "exists": cid is not None})

    def update_profile(self, changes, live) -> None:
        """putRecord of the profile record with ``changes`` applied; on InvalidSwap (someone edited the profile
        meanwhile) the record is read again and the changes applied to that once more."""
        exists = bool(live.raw.get("exists")) if live is not None else False
        record = dict(live.raw.get("record") or {}) if live is not None else {}
        cid = live.version if live is not None else None
        blobs: dict[str, dict[str, Any]] = {}
        for basic, key in (("avatar", "avatar"), ("cover", "banner")):
            image = changes.get(basic)
            if image is not None:
                blobs[key] = self.upload_blob(image.data, image.mime)
        for attempt in range(2):
            new = dict(record)
            new["$type"] = self.PROFILE
            for basic, key in self.PROFILE_FIELDS.items():
                if basic in changes:
                    if changes[basic]:
                        new[key] = changes[basic]
                    else:
                        new.pop(key, None)
            new.update(blobs)
            if not exists and "createdAt" not in new:
                new["createdAt"] = self.record_time()
            payload = {"repo": self.did, "collection": self.PROFILE, "rkey": "self", "record": new,
                       "swapRecord": cid if exists else None}
            try:
                # putRecord with swapRecord only succeeds against the record we read: safe to repeat.
                self._xrpc("POST", "com.atproto.repo.putRecord", safe=True, json=payload)
                return
            except PermanentNetworkError as exc:
                if attempt == 0 and error_name(exc) == "InvalidSwap":
                    fresh, cid = self._profile_record()
                    exists = cid is not None
                    record = fresh or {}
                    continue
                raise

    def check_access(self):
        report = AccessReport()
        self._access()  # createSession with the app password: the token works
        report.token_ok = True
        session = self._session or {}
        handle = str(session.get("handle") or "")
        report.account_seen = f"@{handle} ({session.get('did', '')})"
        report.account_ok = account_name(handle) == account_name(self.profile.account)
        if not report.account_ok:
            report.problems.append(
                f"the session is for @{handle}, but the profile names '{self.profile.account}': correct 'account:' "
                f"or store the app password of the right account in {self.profile.token_env}")
        status = self._body(self._xrpc("GET", "com.atproto.server.getSession"))
        if status.get("active") is False:
            report.account_ok = False
            report.problems.append(f"the account is not active ({status.get('status') or 'deactivated'}): "
                                   "reactivate it in the Bluesky app")
        scope = jwt_scope(self._session["accessJwt"]) if self._session else None
        if scope == "com.atproto.access":
            report.problems.append(
                f"the secret {self.profile.token_env} holds the account's main password: create an app password "
                "(Settings > Privacy and security > App passwords) and store that instead, so it can be revoked "
                "on its own")
        elif scope and scope.startswith("com.atproto.appPass"):
            report.notes.append("an app password" + (" with access to direct messages"
                                                     if scope == "com.atproto.appPassPrivileged" else ""))
        detail = "an app password may write records (posts, threadgates, blocks, the profile) and read"
        report.capabilities = [Capability(name, OK, detail) for name in ("publishing", "metrics", "moderation",
                                                                         "profile")]
        return report


def jwt_scope(token: str) -> str | None:
    """The ``scope`` claim of a session's access JWT (read, not verified: it only says what kind of password
    made the session -- com.atproto.appPass, com.atproto.appPassPrivileged or com.atproto.access)."""

    try:
        part = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        return None
    scope = claims.get("scope") if isinstance(claims, dict) else None
    return scope if isinstance(scope, str) else None
