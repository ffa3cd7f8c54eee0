"""Mastodon profile basics and the token check.

platform-api.md 5.5 [V]: PATCH /api/v1/accounts/update_credentials (multipart) with display_name, note,
avatar, header and fields_attributes[i][name|value]; the plain-text bio and fields are in the ``source``
of GET /api/v1/accounts/verify_credentials. Scopes (5.1): what each capability needs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from socialops.errors import NetworkError, TransientNetworkError
from socialops.networks.contract import ProfileBasics
from socialops.networks.forms import normalise_text
from socialops.networks.mastodon.client import MastodonClient, html_to_text
from socialops.networks.profile import account_name, fetch_image, scope_capabilities
from socialops.networks.types import AccessReport, LiveProfile


class MastodonProfile(MastodonClient, ProfileBasics):
    """Reads and writes the account's basics; checks the token's scopes."""

    PROFILE_SCOPES = {
        "publishing": ("write:statuses", "write:media"),
        "metrics": ("read:accounts", "read:statuses"),
        "moderation": ("read:notifications", "read:statuses", "write:blocks"),
        "profile": ("read:accounts", "write:accounts"),
    }
    MAX_PROFILE_FIELDS = 4

    def read_profile(self):
        me = self._json(self._call("GET", "/api/v1/accounts/verify_credentials"))
        if not isinstance(me, dict) or not me.get("id"):
            raise TransientNetworkError("mastodon: verify_credentials answered without an account",
                                        network=self.name)
        source = me.get("source") if isinstance(me.get("source"), dict) else {}
        note = source.get("note") if isinstance(source.get("note"), str) else html_to_text(me.get("note") or "")
        fields = source.get("fields") if isinstance(source.get("fields"), list) else me.get("fields") or []
        pairs = []
        for entry in fields:
            if isinstance(entry, dict):
                name = str(entry.get("name") or "").strip()
                value = html_to_text(str(entry.get("value") or "")).strip()
                if name or value:
                    pairs.append((name, value))
        client = self.http().client
        values = {
            "display_name": str(me.get("display_name") or "").strip(),
            "bio": normalise_text(note),
            "fields": pairs,
            "avatar": None if _default_image(me.get("avatar")) else fetch_image(client, me.get("avatar")),
            "cover": None if _default_image(me.get("header")) else fetch_image(client, me.get("header")),
        }
        return LiveProfile(account=str(me.get("acct") or me.get("username") or ""), account_id=str(me["id"]),
                           url=me.get("url"), values=values, raw=me)

    def update_profile(self, changes, live) -> None:
        data: dict[str, Any] = {}
        files: dict[str, Any] = {}
        if "display_name" in changes:
            data["display_name"] = changes["display_name"]
        if "bio" in changes:
            data["note"] = changes["bio"]
        if "fields" in changes:
            fields = list(changes["fields"])[: self.MAX_PROFILE_FIELDS]
            for i in range(self.MAX_PROFILE_FIELDS):  # empty entries remove fields the file no longer has
                name, value = fields[i] if i < len(fields) else ("", "")
                data[f"fields_attributes[{i}][name]"] = name
                data[f"fields_attributes[{i}][value]"] = value
        for basic, part in (("avatar", "avatar"), ("cover", "header")):
            image = changes.get(basic)
            if image is not None:
                files[part] = (image.path.name, image.data, image.mime)
        if not data and not files:
            return
        # Setting the same values again gives the same profile: safe to repeat after a lost answer.
        self._call("PATCH", "/api/v1/accounts/update_credentials", safe=True, data=data, files=files or None)

    def check_access(self):
        report = AccessReport()
        me = self._json(self._call("GET", "/api/v1/accounts/verify_credentials"))
        report.token_ok = True
        username = str(me.get("username") or "")
        host = urlsplit(self.base_url).hostname or ""
        report.account_seen = f"@{username}@{host}"
        wanted = account_name(self.profile.account)
        wanted_user, _, wanted_host = wanted.partition("@")
        report.account_ok = wanted_user == username.lower() and (not wanted_host or wanted_host == host.lower())
        if not report.account_ok:
            report.problems.append(
                f"the token belongs to {report.account_seen}, but the profile names '{self.profile.account}': "
                f"store a token of the right account in {self.profile.token_env}, or correct 'account:'")
        if me.get("suspended") or me.get("limited"):
            report.problems.append(f"{report.account_seen} is suspended or limited by the server's moderators")
            report.account_ok = False
        scopes: set[str] | None = None
        try:
            app = self._json(self._call("GET", "/api/v1/apps/verify_credentials"))
        except NetworkError:  # a token made without an application, or an old server
            app = None
        if isinstance(app, dict):
            if isinstance(app.get("scopes"), list):
                scopes = {str(s) for s in app["scopes"]}
            if app.get("name"):
                report.notes.append(f"application: {app['name']}")
        report.capabilities = scope_capabilities(
            scopes, self.PROFILE_SCOPES, _mastodon_covers,
            fix=lambda cap, missing: (f"in {host} > Preferences > Development, give the application the scopes "
                                      f"{' '.join(missing)}, then create a new access token and store it in the "
                                      f"secret {self.profile.token_env}"),
            unknown=("this server does not say which scopes the token has (Mastodon shows them from 4.3); make "
                     "sure the application has the scopes listed in the README"),
        )
        return report


def _default_image(url: Any) -> bool:
    """Mastodon shows a placeholder when no avatar/header is set (.../missing.png)."""
    return not isinstance(url, str) or not url or url.rstrip("/").endswith("/missing.png")


_FOLLOW_SCOPES = frozenset({"read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes",
                            "write:mutes"})


def _mastodon_covers(granted: set[str], scope: str) -> bool:
    """``write`` covers ``write:statuses``; the old ``follow`` scope covers blocks, follows and mutes."""
    return scope in granted or scope.split(":")[0] in granted or (scope in _FOLLOW_SCOPES and "follow" in granted)
