"""Google Business Profile: a location's local posts, reviews, basics and insights (see ``spec.py`` for the
APIs and their sources, ``local_posts.py``, ``reviews.py``, ``profile.py`` and ``metrics.py`` for each part).

Publishing one post: ``POST accounts/{a}/locations/{l}/localPosts`` with the LocalPost built from the post
(its photo by public address, ``media_base_url``), recorded as ``progress "post"`` at once. The API has no
idempotency key: a claim whose answer was lost is reconciled by listing the location's local posts (newest
first) and matching the summary among those made since the claim; none found means it was not made.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from socialops.core.times import parse_utc, zone_named
from socialops.errors import OutcomeUnknown, PermanentNetworkError
from socialops.networks.contract import Metrics, Publishing
from socialops.networks.google_business.client import MY_BUSINESS
from socialops.networks.google_business.local_posts import local_post_body, local_problems
from socialops.networks.google_business.metrics import performance_call
from socialops.networks.google_business.profile import GoogleBusinessProfile
from socialops.networks.google_business.reviews import GoogleReviews
from socialops.networks.media_urls import profile_media_url
from socialops.networks.types import Claim, MetricsCall, PublishRequest, PublishResult

RECONCILE_SLACK = dt.timedelta(minutes=10)
RECONCILE_PAGES = 3


class GoogleBusinessNetwork(GoogleReviews, GoogleBusinessProfile, Publishing, Metrics):
    """Local posts exactly once (listing to reconcile), reviews, the location's basics and its insights."""

    # --- publishing ------------------------------------------------------------------------------

    def _tz(self) -> dt.tzinfo | None:
        return zone_named(self.profile.timezone)

    def local_post(self, item: PublishRequest) -> dict[str, Any]:
        """The LocalPost for ``item``; PermanentNetworkError for what Google cannot take."""
        if item.type not in self.spec.types:
            raise PermanentNetworkError(f"Google Business Profile cannot publish a {item.type} post (it takes: "
                                        f"{', '.join(sorted(self.spec.types))})", network=self.name)
        problems = local_problems(item.local, post_type=item.type, link=item.link)
        if problems:
            raise PermanentNetworkError(f"the post's 'local' block: {problems[0][1]}", network=self.name)
        photo = next((m for m in item.media if m.kind == "image"), None)
        language = self.profile.setting("language")
        return local_post_body(
            text=item.text, post_type=item.type, local=item.local, link=item.link, live=item.live,
            photo_url=profile_media_url(self.profile, photo.rel, self.env) if photo else None,
            language=str(language) if isinstance(language, str) else None, tz=self._tz(),
            title=item.text.split("\n", 1)[0])

    def publish(self, item: PublishRequest) -> PublishResult:
        done = self.resumed(item, "post")
        if done:
            return PublishResult(remote_id=str(done["id"]), url=str(done.get("url") or "") or None)
        body = self.local_post(item)
        made = self.call("POST", f"{MY_BUSINESS}/{self.v4_location}/localPosts", safe=False, json=body) or {}
        name = str(made.get("name") or "")
        if not name:
            raise PermanentNetworkError("Google answered the new local post without its name", network=self.name)
        self.progress(item, "post", {"id": name, "url": str(made.get("searchUrl") or "")})
        return self._result(made)

    def _result(self, post: dict[str, Any]) -> PublishResult:
        return PublishResult(remote_id=str(post["name"]), url=str(post.get("searchUrl") or "") or None,
                             published_at=parse_utc(str(post.get("createTime") or "")) or self.now(),
                             extra={"state": str(post.get("state") or "")})

    def reconcile(self, claim: Claim) -> PublishResult | None:
        if claim.progress.get("post"):
            return PublishResult(remote_id=str(claim.progress["post"]["id"]),
                                 url=str(claim.progress["post"].get("url") or "") or None)
        summary = " ".join((claim.request.text if claim.request else "").split())
        if not summary:
            raise OutcomeUnknown("google_business: the post of the claim is gone, so its local post cannot be "
                                 "matched", network=self.name)
        token = ""
        for _ in range(RECONCILE_PAGES):
            params = {"pageSize": "100", **({"pageToken": token} if token else {})}
            page = self.call("GET", f"{MY_BUSINESS}/{self.v4_location}/localPosts", params=params) or {}
            for post in page.get("localPosts") or []:
                made = parse_utc(str(post.get("createTime") or ""))
                if made is not None and made < claim.claimed_at - RECONCILE_SLACK:
                    return None  # newest first: the rest are older than the claim
                if " ".join(str(post.get("summary") or "").split()) == summary and post.get("name"):
                    return self._result(post)
            token = str(page.get("nextPageToken") or "")
            if not token:
                return None
        return None

    # --- metrics -----------------------------------------------------------------------------------

    def metrics_prepare(self) -> None:
        self.access_token()

    def metrics_calls(self, publications: list[Any], *, now: dt.datetime) -> list[MetricsCall]:
        return [performance_call(self.location, self.headers(), now=now)]
