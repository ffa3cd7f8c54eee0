"""Google reviews of the location (My Business API v4, which has no discovery document; the shapes are the
documented ones [C], developers.google.com/my-business/reference/rest/v4/accounts.locations.reviews):

- ``GET accounts/{a}/locations/{l}/reviews?pageSize=50&orderBy=updateTime desc&pageToken=...`` answers
  ``{"reviews": [Review], "averageRating": 4.2, "totalReviewCount": 31, "nextPageToken": "..."}``;
- a ``Review`` is ``{"name", "reviewId", "reviewer": {"displayName", "profilePhotoUrl", "isAnonymous"},
  "starRating": "ONE".."FIVE", "comment", "createTime", "updateTime", "reviewReply": {"comment",
  "updateTime"}}``; a review with stars only has no ``comment``;
- ``PUT {review name}/reply`` with ``{"comment": text}`` answers the ReviewReply: it creates the reply or
  replaces the one there (so a second /reply updates it; a repeat after a lost answer does no harm);
- ``DELETE {review name}/reply`` removes the owner's reply.

A review becomes a :class:`~socialops.networks.types.Comment` whose id is the review's name and the time it was
last written (``<name>@<updateTime>``): an edited review is new to the inbox, its first version is not
handled twice, and its thread is the review (an edit joins the review's issue). ``ref`` keeps the review's name, its stars and whether it is answered.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from socialops.core.times import parse_utc
from socialops.errors import NetworkError
from socialops.networks.contract import Comments
from socialops.networks.google_business.client import INFORMATION, MY_BUSINESS, GoogleBusinessClient
from socialops.networks.types import Comment

STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
REVIEW_PAGE = 50  # the documented largest pageSize
MAX_REVIEW_PAGES = 20
REPLY_LIMIT = 4_096  # [U] the reply's length in the app


def review_comment(review: Any, location: str, maps_url: str = "") -> Comment | None:
    """A documented Review as a Comment (None for an answer that is not a review)."""
    if not isinstance(review, dict) or not isinstance(review.get("name"), str):
        return None
    reviewer = review.get("reviewer") if isinstance(review.get("reviewer"), dict) else {}
    written = parse_utc(str(review.get("updateTime") or review.get("createTime") or ""))
    stars = STARS.get(str(review.get("starRating")), 0)
    reply = review.get("reviewReply") if isinstance(review.get("reviewReply"), dict) else None
    anonymous = bool(reviewer.get("isAnonymous"))
    name = "" if anonymous else str(reviewer.get("displayName") or "")
    version = str(review.get("updateTime") or review.get("createTime") or "")
    return Comment(
        id=f"{review['name']}@{version}" if version else review["name"], post_remote_id=location,
        text=str(review.get("comment") or ""), author_name=name or "A Google user",
        created_at=written, url=maps_url or None, thread_id=review["name"],
        ref={"kind": "review", "review": review["name"], "stars": str(stars),
             "answered": "yes" if reply and reply.get("comment") else "",
             "created": str(review.get("createTime") or "")})


class GoogleReviews(GoogleBusinessClient, Comments):
    """Reading the location's reviews, and answering them (reply, update the reply, remove it)."""

    review_stats: dict[str, float]

    def can(self, action: str) -> bool:
        return action in ("reply", "unreply")

    def list_reviews(self, *, since: dt.datetime | None = None) -> list[Comment]:
        """Reviews written or edited since ``since``, oldest first (the list is read newest first and stops at
        the first older one). Also keeps the location's average rating and count in ``review_stats``."""
        url = f"{MY_BUSINESS}/{self.v4_location}/reviews"
        maps_url = self.maps_url()
        found: list[Comment] = []
        token = ""
        self.review_stats = {}
        for _ in range(MAX_REVIEW_PAGES):
            params = {"pageSize": str(REVIEW_PAGE), "orderBy": "updateTime desc"}
            if token:
                params["pageToken"] = token
            page = self.call("GET", url, params=params) or {}
            if not self.review_stats and isinstance(page, dict):
                self.review_stats = {k: float(page[k]) for k in ("averageRating", "totalReviewCount")
                                     if isinstance(page.get(k), int | float)}
            older = False
            for review in page.get("reviews") or [] if isinstance(page, dict) else []:
                comment = review_comment(review, self.location, maps_url)
                if comment is None:
                    continue
                if since is not None and comment.created_at is not None and comment.created_at < since:
                    older = True
                    break
                found.append(comment)
            token = str(page.get("nextPageToken") or "") if isinstance(page, dict) else ""
            if older or not token:
                break
        return sorted(found, key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))

    def maps_url(self) -> str:
        """The location on Google Maps (``metadata.mapsUri``): where a person reads the reviews; "" if unknown."""
        try:
            location = self.call("GET", f"{INFORMATION}/{self.location}", params={"readMask": "metadata"}) or {}
        except NetworkError:
            return ""
        metadata = location.get("metadata") if isinstance(location.get("metadata"), dict) else {}
        return str(metadata.get("mapsUri") or "")

    def reply_to_comment(self, comment: Comment, text: str, *, key: str) -> str:
        """Answer (or change the answer to) a review: PUT is create-or-replace, so sending it again is safe."""
        name = self._review_name(comment)
        self.call("PUT", f"{MY_BUSINESS}/{name}/reply", safe=True, json={"comment": text[:REPLY_LIMIT]})
        return f"{name}/reply"

    def delete_reply(self, comment: Comment) -> None:
        """Remove the profile's answer to a review (the review itself stays: only Google removes reviews)."""
        self.call("DELETE", f"{MY_BUSINESS}/{self._review_name(comment)}/reply", safe=True)

    def _review_name(self, comment: Comment) -> str:
        name = comment.ref.get("review") or comment.id.split("@", 1)[0]
        if not name.startswith(f"{self.v4_location}/reviews/"):
            raise self.unsupported("answer")  # not a review of this profile's location
        return name
