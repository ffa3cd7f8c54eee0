"""Mastodon's client: the profile's instance, its settings, and requests with the rate-limit bookkeeping
(``X-RateLimit-Remaining`` / ``-Reset``) that publishing, comments and the profile share."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from socialops.errors import ConfigError, OutcomeUnknown, TransientNetworkError
from socialops.networks.addresses import cleartext_problem
from socialops.networks.contract import Network
from socialops.networks.mastodon.spec import SPEC

if TYPE_CHECKING:
    import httpx


class MastodonClient(Network):
    """The instance's address, the profile's language, and JSON requests to the instance's REST API."""

    spec = SPEC
    limit_headers = ("X-RateLimit-Remaining", "X-RateLimit-Reset")

    # --- settings --------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        instance = self.profile.setting("instance")
        if not isinstance(instance, str) or not instance.strip():
            raise ConfigError(
                f"profile '{self.profile.id}' has no instance: add 'instance: https://mastodon.example' "
                "(the address of the Mastodon server the account lives on)",
                path=self.profile.path,
                line=1,
            )
        instance = instance.strip().rstrip("/")
        if not re.match(r"(?i)^https?://", instance):
            instance = "https://" + instance
        refused = cleartext_problem(instance, "instance")
        if refused:
            raise ConfigError(f"profile '{self.profile.id}': {refused}", path=self.profile.path, line=1)
        return instance

    visibility = "public"  # a brand's posts; the first comment too, so that its hashtags are found

    @property
    def language(self) -> str | None:
        value = self.profile.setting("language")
        if isinstance(value, list):
            value = value[0] if value else None
        return str(value).split("-")[0].lower() if isinstance(value, str) and value.strip() else None

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def _headers(self, idempotency_key: str | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token()}", "Accept": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    # --- requests with rate-limit bookkeeping ----------------------------------------------------

    def _call(self, method: str, path: str, *, safe: bool | None = None, idempotency_key: str | None = None,
              **kwargs: Any) -> httpx.Response:
        self.respect_limits(self.http().max_wait)
        http = self.http()
        response = http.request(method, self.url(path), safe=safe, headers=self._headers(idempotency_key), **kwargs)
        self.note_limits(response)
        return response

    def _json(self, response: httpx.Response, *, unsafe: bool = False) -> Any:
        try:
            return response.json()
        except ValueError:
            cls = OutcomeUnknown if unsafe else TransientNetworkError
            raise cls(
                f"mastodon: {response.request.method} {response.request.url.path}: the answer was not readable JSON",
                network=self.name, status=response.status_code,
            ) from None


_BR = re.compile(r"(?i)<br\s*/?>")
_P_BREAK = re.compile(r"(?i)</p>\s*<p[^>]*>")
_TAGS = re.compile(r"<[^>]+>")


def html_to_text(content: str) -> str:
    """A status's HTML ``content`` as plain text (links and hashtags keep their visible text)."""
    text = _P_BREAK.sub("\n\n", content)
    text = _BR.sub("\n", text)
    text = _TAGS.sub("", text)
    return html.unescape(text)
