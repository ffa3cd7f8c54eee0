"""Threads posts over Meta's Threads API (graph.threads.net): the two-step container flow, every type Threads
takes, reconciliation after a crash, and the metrics calls.

Flow (https://developers.facebook.com/docs/threads/posts, .../troubleshooting, .../overview; request and answer
shapes also in Meta's Postman collection, fbsamples/threads_api postman/threads-api.postman_collection.json):

1. ``POST /{threads-user-id}/threads`` -> ``{"id": container}``, recorded. ``media_type`` TEXT | IMAGE | VIDEO
   (``text``, ``image_url`` | ``video_url``, ``alt_text``), ``reply_control`` (the profile's ``reply_control:``),
   ``quote_post_id`` (``overrides: {threads: {quote_post_id: ...}}``), ``link_attachment`` (TEXT only: a link
   post's link). Carousel: each item ``is_carousel_item=true`` (recorded one by one), then ``media_type=CAROUSEL``
   with ``children`` (2 to 20 ids) and ``text``.                                                          [V]
2. ``GET /{container-id}?fields=status,error_message`` once a minute for at most 5 minutes (injected sleep)
   until FINISHED; ERROR -> refused with Threads' reason; EXPIRED (24 h) -> a new container.               [V]
3. ``GET /{threads-user-id}/threads_publishing_limit`` right before publishing: used up -> RateLimited, the
   container is kept for the next run (250 posts a day).                                                  [V]
4. ``POST /{threads-user-id}/threads_publish creation_id=<container>`` -> ``{"id": media}`` ("final" recorded
   just before), then ``GET /{media-id}?fields=permalink``.                                               [V]
5. First comment: a reply (a TEXT container with ``reply_to_id`` = the post, published the same way).    [V]

Reconcile: a claim whose ``threads_publish`` may have been sent asks its container: PUBLISHED -> the post is
found among ``GET /{threads-user-id}/threads?fields=id,text,timestamp,permalink`` by its text (Threads has no
edge from a container to its post); FINISHED / IN_PROGRESS / EXPIRED / ERROR -> not published.
Live: Threads has no broadcasts; a ``live`` post publishes its announcement and says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from socialops.errors import PermanentNetworkError, TransientNetworkError
from socialops.networks.contract import Publishing
from socialops.networks.meta.containers import AlreadyPublished
from socialops.networks.threads.account import THREADS_BASE, ThreadsAccount
from socialops.networks.threads.metrics import threads_calls
from socialops.networks.types import MediaFile, PublishRequest, PublishResult

RECENT_POSTS_LIMIT = 25
LIVE_NOTE = "Threads has no live broadcasts: the announcement was published"


class ThreadsNetwork(ThreadsAccount, Publishing):
    """Posts of every type Threads takes, their reconciliation, and the profile's metrics."""

    # --- containers ----------------------------------------------------------------------------------------

    def _item_fields(self, media: MediaFile) -> dict[str, Any]:
        url = self.media_url(media)
        data: dict[str, Any] = ({"media_type": "VIDEO", "video_url": url} if media.kind == "video"
                                else {"media_type": "IMAGE", "image_url": url})
        if media.alt:
            data["alt_text"] = media.alt
        return data

    def _post_fields(self, item: PublishRequest) -> dict[str, Any]:
        return {"text": item.text or None, "reply_control": self.reply_control(),
                "quote_post_id": item.rendered.quote_post_id}

    def make_container(self, item: PublishRequest) -> str:
        if item.type == "carousel":
            if not 2 <= len(item.media) <= self.spec.max_media:
                raise PermanentNetworkError(f"a Threads carousel takes 2 to {self.spec.max_media} images or videos",
                                            network=self.name)
            children = [self._carousel_item(item, media) for media in item.media]
            for child in children:
                if self.wait_finished(child) != "FINISHED":
                    raise TransientNetworkError(f"carousel item {child} is not ready", network=self.name)
            return self.create_container({"media_type": "CAROUSEL", "children": ",".join(children),
                                          **self._post_fields(item)}, "creating the carousel")
        if item.media:
            return self.create_container({**self._item_fields(item.media[0]), **self._post_fields(item)},
                                         "creating the media container")
        if not item.text and not item.link:
            raise PermanentNetworkError("a Threads text post needs text or a link", network=self.name)
        return self.create_container({"media_type": "TEXT", "link_attachment": item.link or None,
                                      **self._post_fields(item)}, "creating the text container")

    def _carousel_item(self, item: PublishRequest, media: MediaFile) -> str:
        step = f"child:{media.index}"
        done = self.resumed(item, step)
        if done:
            return str(done["id"])
        child = self.create_container({**self._item_fields(media), "is_carousel_item": "true"},
                                      "creating a carousel item")
        self.progress(item, step, {"id": child})
        return child

    # --- publish -------------------------------------------------------------------------------------------

    def publish(self, item: PublishRequest) -> PublishResult:
        done = self.resumed(item, "post")
        if done:
            return self._first_comment(item, PublishResult(remote_id=str(done["id"]), url=done.get("url") or None))
        try:
            container_id = self.ready_container(item)
        except AlreadyPublished as already:
            return self._first_comment(item, self.already_published(item, already.container_id))
        result = self.publish_ready(item, container_id)
        if item.type == "live":
            result = replace(result, extra={**result.extra, "note": LIVE_NOTE})
        return self._first_comment(item, result)

    def _first_comment(self, item: PublishRequest, result: PublishResult) -> PublishResult:
        return self.first_comment_step(item, result, lambda text: self.reply(result.remote_id, text))

    # --- reconcile (meta/containers.py: the container's status, then the recent posts by text) ---------------

    def recent_posts(self, since: dt.datetime) -> list[Any]:
        body = self.graph.get(f"{self.user_id}/threads", fields="id,text,timestamp,permalink",
                              since=str(int(since.timestamp())), limit=RECENT_POSTS_LIMIT)
        return body.get("data") if isinstance(body.get("data"), list) else []

    # --- metrics (threads/metrics.py) ------------------------------------------------------------------------

    def metrics_calls(self, publications: list[Any], *, now: dt.datetime) -> list[Any]:
        return threads_calls(publications, base=THREADS_BASE, user_id=self.user_id,
                             headers={"Authorization": f"Bearer {self.token()}"})
