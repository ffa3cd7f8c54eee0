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
from typing import Any

from socialops.core.times import parse_utc
from socialops.errors import OutcomeUnknown, PermanentNetworkError, RateLimited, TransientNetworkError
from socialops.networks.contract import Publishing
from socialops.networks.meta.graph import text_matches
from socialops.networks.threads.account import THREADS_BASE, ThreadsAccount
from socialops.networks.threads.metrics import threads_calls
from socialops.networks.types import Claim, MediaFile, PublishRequest, PublishResult

RECENT_POSTS_LIMIT = 25
RECONCILE_SLACK = dt.timedelta(minutes=10)
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

    def _make_container(self, item: PublishRequest) -> str:
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

    def _container(self, item: PublishRequest) -> str:
        """The container to publish, made (or taken from an earlier attempt) and FINISHED."""
        for _ in range(2):
            done = self.resumed(item, "container")
            if done:
                container_id = str(done["id"])
            else:
                container_id = self._make_container(item)
                self.progress(item, "container", {"id": container_id})
            state = self.wait_finished(container_id)
            if state == "FINISHED":
                return container_id
            if state == "PUBLISHED":
                raise _AlreadyPublished(container_id)
            # EXPIRED (containers live 24 hours): forget it and its items, make new ones.
            for step in [s for s in item.resume if s == "container" or s.startswith("child:")]:
                item.resume.pop(step)
        raise PermanentNetworkError("Threads let the new container expire at once", network=self.name)

    def check_quota(self) -> None:
        used, total = self.quota_left("quota_usage", "config")
        if total is not None and used >= total:
            raise RateLimited(f"Threads' publishing limit for '{self.profile.account}' is used up ({used} of "
                              f"{total} posts in the last 24 hours); the post waits for the next run",
                              retry_after=None, network=self.name)

    # --- publish -------------------------------------------------------------------------------------------

    def publish(self, item: PublishRequest) -> PublishResult:
        done = self.resumed(item, "post")
        if done:
            return self._first_comment(item, PublishResult(remote_id=str(done["id"]), url=done.get("url") or None))
        try:
            container_id = self._container(item)
        except _AlreadyPublished as already:
            found = self._find_published(item.text, self.now() - dt.timedelta(days=1))
            if found is None:
                raise OutcomeUnknown(f"the container {already.container_id} is already published, but the post "
                                     "was not found among the recent posts", network=self.name) from None
            self.progress(item, "post", {"id": found.remote_id, "url": found.url or ""})
            return self._first_comment(item, found)
        self.check_quota()  # read right before publishing: the container is kept for the next run
        self.progress(item, "final", {"sent": 1, "container": container_id})
        media_id = self.publish_container(container_id, "publishing the post")
        url = self._permalink(media_id)
        self.progress(item, "post", {"id": media_id, "url": url or ""})
        extra: dict[str, Any] = {"container": container_id}
        if item.type == "live":
            extra["note"] = LIVE_NOTE
        result = PublishResult(remote_id=media_id, url=url, published_at=self.now(), extra=extra)
        return self._first_comment(item, result)

    def _permalink(self, media_id: str) -> str | None:
        try:
            body = self.graph.get(media_id, fields="permalink")
        except (TransientNetworkError, PermanentNetworkError):
            return None  # published all the same; the link is a nicety
        link = body.get("permalink")
        return str(link) if isinstance(link, str) else None

    def _first_comment(self, item: PublishRequest, result: PublishResult) -> PublishResult:
        return self.first_comment_step(item, result, lambda text: self.reply(result.remote_id, text))

    # --- reconcile -----------------------------------------------------------------------------------------

    def _find_published(self, text: str | None, since: dt.datetime) -> PublishResult | None:
        body = self.graph.get(f"{self.user_id}/threads", fields="id,text,timestamp,permalink",
                              since=str(int(since.timestamp())), limit=RECENT_POSTS_LIMIT)
        for entry in body.get("data") if isinstance(body.get("data"), list) else []:
            if not isinstance(entry, dict):
                continue
            when = parse_utc(entry.get("timestamp"))
            if when is not None and when < since:
                continue
            if text_matches(text, entry.get("text")) or (not text and not entry.get("text")):
                return PublishResult(remote_id=str(entry.get("id")), url=entry.get("permalink"), published_at=when)
        return None

    def reconcile(self, claim: Claim) -> PublishResult | None:
        progress = claim.progress
        post = progress.get("post")
        if post:
            return PublishResult(remote_id=str(post["id"]), url=post.get("url") or None)
        container = progress.get("container")
        if "final" not in progress or not container:
            return None  # threads_publish was never called: nothing can be public
        container_id = str(container["id"])
        code, _reason = self.status(container_id)
        if code in ("FINISHED", "IN_PROGRESS", "EXPIRED", "ERROR"):
            return None  # not published; a retry reuses (or remakes) the container
        if code != "PUBLISHED":
            raise OutcomeUnknown(f"Threads says the container {container_id} is '{code}'", network=self.name)
        text = claim.request.text if claim.request is not None else None
        found = self._find_published(text, claim.claimed_at - RECONCILE_SLACK)
        if found is None:
            raise OutcomeUnknown(f"Threads published the container {container_id}, but the post was not found "
                                 "among the recent posts to record its id", network=self.name)
        return found

    # --- metrics (threads/metrics.py) ------------------------------------------------------------------------

    def metrics_calls(self, publications: list[Any], *, now: dt.datetime) -> list[Any]:
        return threads_calls(publications, base=THREADS_BASE, user_id=self.user_id,
                             headers={"Authorization": f"Bearer {self.token()}"})


class _AlreadyPublished(Exception):
    def __init__(self, container_id: str):
        super().__init__(container_id)
        self.container_id = container_id
