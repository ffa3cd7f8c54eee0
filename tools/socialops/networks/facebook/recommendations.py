"""Facebook Page recommendations (the Page's reviews), read where the Graph API still gives them.

``GET /{page-id}/ratings?fields=created_time,recommendation_type,review_text,reviewer{id,name},
open_graph_story{id}`` answers ``{"data": [{"created_time", "recommendation_type": "positive" | "negative",
"review_text", "reviewer": {"id", "name"}, "open_graph_story": {"id"}}], "paging": ...}`` [C] and needs
``pages_read_user_content`` (advanced access: Meta's app review and business verification). Meta replaced
the 1-5 ``rating`` by ``recommendation_type`` in 2018 and deprecated the Recommendation node in Graph API
v22.0: from that version on the edge answers error code 12 [C], so on the version socialops uses the
recommendations are reported as unreadable (a warning in the comments run, the README says it) and a person
reads them in Meta Business Suite. A recommendation that is read is answered like a comment, on its story
(``POST /{open_graph_story-id}/comments`` [U]).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from socialops.core.times import parse_utc
from socialops.errors import PermanentNetworkError
from socialops.networks.facebook.inbox import FacebookInbox
from socialops.networks.types import Comment, UnsupportedAction

RATING_FIELDS = "created_time,recommendation_type,review_text,reviewer{id,name},open_graph_story{id}"
DEPRECATED_CODE = "(code 12)"  # Graph API: "deprecated for versions v22.0 and higher"


def recommendation_comment(row: Any, page_id: str) -> Comment | None:
    """A documented Recommendation as a review Comment (None when it has no story to answer on)."""
    if not isinstance(row, dict):
        return None
    story = row.get("open_graph_story") if isinstance(row.get("open_graph_story"), dict) else {}
    reviewer = row.get("reviewer") if isinstance(row.get("reviewer"), dict) else {}
    if not story.get("id"):
        return None
    kind = str(row.get("recommendation_type") or "")
    return Comment(id=str(story["id"]), post_remote_id=page_id, text=str(row.get("review_text") or ""),
                   author_id=str(reviewer.get("id") or ""), author_name=str(reviewer.get("name") or ""),
                   created_at=parse_utc(str(row.get("created_time") or "")), thread_id=str(story["id"]),
                   ref={"kind": "review", "recommends": {"positive": "yes", "negative": "no"}.get(kind, "")})


class FacebookRecommendations(FacebookInbox):
    """The Page's recommendations, as reviews for the inbox."""

    def list_reviews(self, *, since: dt.datetime | None = None) -> list[Comment]:
        try:
            body = self.graph.get(f"{self.page_id}/ratings", fields=RATING_FIELDS, limit=100)
        except PermanentNetworkError as exc:
            if DEPRECATED_CODE in str(exc):
                raise UnsupportedAction("Facebook Page recommendations cannot be read: Meta deprecated them in "
                                        "Graph API v22.0 (read them in Meta Business Suite > Reviews)",
                                        action="list", network=self.name) from None
            raise
        found = [recommendation_comment(r, self.page_id) for r in body.get("data") or []]
        return sorted((c for c in found if c is not None and (since is None or c.created_at is None
                                                                or c.created_at >= since)),
                      key=lambda c: (c.created_at or dt.datetime.min.replace(tzinfo=dt.UTC), c.id))
