"""The Google Business Profile APIs' common ground: the location's names, the access token, and the calls.

The secret named in ``token_env`` holds either an OAuth access token (it works for an hour: fine for a try
by hand) or, for the workflows, the OAuth client's JSON ``{"client_id", "client_secret", "refresh_token"}``:
each run then asks Google's token endpoint for a fresh access token (``grant_type=refresh_token`` [C]) and
scrubs it from every message like the secret itself.
"""

from __future__ import annotations

import json
from typing import Any

from socialops.errors import AuthError, ConfigError
from socialops.networks.contract import Network
from socialops.networks.google_business.spec import SPEC

INFORMATION = "https://mybusinessbusinessinformation.googleapis.com/v1"
PERFORMANCE = "https://businessprofileperformance.googleapis.com/v1"
MY_BUSINESS = "https://mybusiness.googleapis.com/v4"
TOKEN_URL = "https://oauth2.googleapis.com/token"


class GoogleBusinessClient(Network):
    """The location (``account_id``, ``location_id``), its token, and JSON calls through the shared Http."""

    spec = SPEC
    _access_token: str | None = None
    _obtained: tuple[str, ...] = ()  # the OAuth JSON's parts and the access token it gave: never shown

    def secrets(self) -> list[str]:
        return [*super().secrets(), *self._obtained]

    def _setting(self, key: str, what: str) -> str:
        value = self.profile.setting(key)
        if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
            raise ConfigError(f"profile '{self.profile.id}' needs '{key}:' ({what})", path=self.profile.path,
                              line=self.profile.line(key))
        return str(value).strip().rsplit("/", 1)[-1]

    @property
    def location(self) -> str:
        """``locations/{l}``: the Business Information and Performance APIs' name of the location."""
        return f"locations/{self._setting('location_id', 'the number N of the location, locations/N')}"

    @property
    def v4_location(self) -> str:
        """``accounts/{a}/locations/{l}``: the v4 API's name (reviews, local posts)."""
        return f"accounts/{self._setting('account_id', 'the number N of the account, accounts/N')}/{self.location}"

    def access_token(self) -> str:
        """The access token: the secret itself, or one obtained with the refresh token the secret holds."""
        if self._access_token is not None:
            return self._access_token
        secret = self.token() or ""
        if not secret.startswith("{"):
            self._access_token = secret
            return secret
        try:
            oauth = json.loads(secret)
        except ValueError:
            oauth = None
        if not isinstance(oauth, dict) or not all(isinstance(oauth.get(k), str) for k in
                                                  ("client_id", "client_secret", "refresh_token")):
            raise AuthError(f"the secret {self.profile.token_env} is not an access token nor the JSON "
                            "{\"client_id\", \"client_secret\", \"refresh_token\"}: store one of them",
                            secret=self.profile.token_env, network=self.name)
        http = self.http()
        self._obtained = (oauth["client_secret"], oauth["refresh_token"])
        for part in self._obtained:
            http.add_secret(part)
        answer = http.json("POST", TOKEN_URL, safe=True, data={
            "grant_type": "refresh_token", "client_id": oauth["client_id"],
            "client_secret": oauth["client_secret"], "refresh_token": oauth["refresh_token"]})
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthError(f"Google gave no access token for the refresh token in {self.profile.token_env}: "
                            "authorise the OAuth client again and store the new refresh token",
                            secret=self.profile.token_env, network=self.name)
        http.add_secret(token)
        self._obtained += (token,)
        self._access_token = token
        return token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token()}"}

    def call(self, method: str, url: str, *, safe: bool | None = None, **kwargs: Any) -> Any:
        """A JSON call with the bearer token; errors mapped by the shared Http (401/403 name the secret)."""
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return self.http().json(method, url, safe=safe, headers=headers, **kwargs)
