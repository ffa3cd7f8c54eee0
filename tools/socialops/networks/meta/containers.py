"""The container model Instagram and Threads share: make a container (recorded), poll its status until FINISHED,
publish it, and after a crash ask the container whether it went out.

Both document the same status values (EXPIRED | ERROR | FINISHED | IN_PROGRESS | PUBLISHED) and the same gap:
no edge leads from a published container to its post, so a PUBLISHED container is matched to the account's
recent posts by text (Instagram: platform-api.md 2.2 [V]; Threads: developers.facebook.com/docs/threads/
troubleshooting [V]). Each network says how it reads a status, makes its container and lists its recent posts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from socialops.core.times import parse_utc
from socialops.errors import OutcomeUnknown, PermanentNetworkError, RateLimited, TransientNetworkError
from socialops.networks.meta.graph import MetaNetwork, need_id, text_matches
from socialops.networks.types import Claim, PublishRequest, PublishResult

RECONCILE_SLACK = dt.timedelta(minutes=10)


class ContainerFlow(MetaNetwork):
    """Containers made, polled, published and reconciled. Subclasses name their edges and give ``owner_id``,
    ``status``, ``make_container`` and ``recent_posts`` (entries with id, ``text_field``, timestamp, permalink)."""

    container_edge: ClassVar[str]  # POST /{owner}/<edge> makes a container
    publish_edge: ClassVar[str]  # POST /{owner}/<edge> creation_id=<container> publishes it
    limit_edge: ClassVar[str]  # GET /{owner}/<edge> -> data[0] = {quota_usage, config: {quota_total, ...}, ...}
    limit_fields: ClassVar[str] = "config,quota_usage"
    permalink_fields: ClassVar[str] = "permalink"
    text_field: ClassVar[str] = "text"  # the post's text in ``recent_posts`` entries (Instagram: caption)

    @property
    def owner_id(self) -> str:
        raise NotImplementedError

    def status(self, container_id: str) -> tuple[str, str]:
        """(status code, reason) of a container."""
        raise NotImplementedError

    def create_container(self, data: dict[str, Any], what: str) -> str:
        body = self.graph.post(f"{self.owner_id}/{self.container_edge}", data, create=False)
        return need_id(body, "id", network=self.name, what=what, created=False)

    def publish_container(self, container_id: str, what: str) -> str:
        body = self.graph.post(f"{self.owner_id}/{self.publish_edge}", {"creation_id": container_id}, create=True)
        return need_id(body, "id", network=self.name, what=what, created=True)

    def quota_left(self, usage_key: str = "quota_usage", config_key: str = "config") -> tuple[int, int | None]:
        """(used, total) of a 24-hour publishing quota, read from the network's limit edge."""
        body = self.graph.get(f"{self.owner_id}/{self.limit_edge}", fields=self.limit_fields)
        data = body.get("data")
        limit = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        used = limit.get(usage_key)
        config = limit.get(config_key) if isinstance(limit.get(config_key), dict) else {}
        total = config.get("quota_total")
        return (int(used) if isinstance(used, int | float) else 0,
                int(total) if isinstance(total, int | float) else None)

    def check_quota(self) -> None:
        used, total = self.quota_left()
        if total is not None and used >= total:
            raise RateLimited(f"{self.spec.label}'s publishing limit for '{self.profile.account}' is used up ({used} "
                              f"of {total} posts in the last 24 hours); the post waits for the next run",
                              retry_after=None, network=self.name)

    def publish_ready(self, item: PublishRequest, container_id: str) -> PublishResult:
        """Publish a FINISHED container once: the quota is read right before (a used-up quota keeps the container
        for the next run), "final" is recorded before the call that makes the post public, "post" after it."""
        self.check_quota()
        self.progress(item, "final", {"sent": 1, "container": container_id})
        media_id = self.publish_container(container_id, "publishing the post")
        url = self.permalink(media_id)
        self.progress(item, "post", {"id": media_id, "url": url or ""})
        return PublishResult(remote_id=media_id, url=url, published_at=self.now(), extra={"container": container_id})

    def permalink(self, media_id: str) -> str | None:
        try:
            body = self.graph.get(media_id, fields=self.permalink_fields)
        except (TransientNetworkError, PermanentNetworkError):
            return None  # published all the same; the link is a nicety
        link = body.get("permalink")
        return str(link) if isinstance(link, str) else None

    def make_container(self, item: PublishRequest) -> str:
        raise NotImplementedError

    def recent_posts(self, since: dt.datetime) -> list[Any]:
        raise NotImplementedError

    def wait_finished(self, container_id: str) -> str:
        """Poll until the container leaves IN_PROGRESS; returns FINISHED, PUBLISHED or EXPIRED. ERROR is refused
        with the network's reason; still in progress after ``max_polls`` -> TransientNetworkError (the container
        id is kept for the next run)."""
        label = self.spec.label
        for attempt in range(self.max_polls):
            code, reason = self.status(container_id)
            if code in ("FINISHED", "PUBLISHED", "EXPIRED"):
                return code
            if code == "ERROR":
                raise PermanentNetworkError(f"{label} could not process the media: {reason or 'no reason given'}",
                                            network=self.name)
            if attempt + 1 < self.max_polls:
                self.sleep(self.poll_interval)
        raise TransientNetworkError(f"{label} is still processing the media (container {container_id}); the next "
                                    "run continues from here", network=self.name)

    def ready_container(self, item: PublishRequest) -> str:
        """The container to publish, made (or taken from an earlier attempt) and FINISHED. A container that is
        already PUBLISHED raises AlreadyPublished."""
        for _ in range(2):
            done = self.resumed(item, "container")
            if done:
                container_id = str(done["id"])
            else:
                container_id = self.make_container(item)
                self.progress(item, "container", {"id": container_id})
            state = self.wait_finished(container_id)
            if state == "FINISHED":
                return container_id
            if state == "PUBLISHED":
                raise AlreadyPublished(container_id)
            # EXPIRED (containers live 24 hours): forget it and its children, make new ones.
            for step in [s for s in item.resume if s == "container" or s.startswith("child:")]:
                item.resume.pop(step)
        raise PermanentNetworkError(f"{self.spec.label} let the new container expire at once", network=self.name)

    def find_published(self, text: str | None, since: dt.datetime) -> PublishResult | None:
        for entry in self.recent_posts(since):
            if not isinstance(entry, dict):
                continue
            when = parse_utc(entry.get("timestamp"))
            if when is not None and when < since:
                continue
            theirs = entry.get(self.text_field)
            if text_matches(text, theirs) or (not text and not theirs):
                return PublishResult(remote_id=str(entry.get("id")), url=entry.get("permalink"), published_at=when)
        return None

    def already_published(self, item: PublishRequest, container_id: str) -> PublishResult:
        """A resumed container turned out PUBLISHED: find its post (recorded), never publish again."""
        found = self.find_published(item.text, self.now() - dt.timedelta(days=1))
        if found is None:
            raise OutcomeUnknown(f"the container {container_id} is already published, but the post was not found "
                                 "among the recent posts", network=self.name)
        self.progress(item, "post", {"id": found.remote_id, "url": found.url or ""})
        return found

    def reconcile(self, claim: Claim) -> PublishResult | None:
        progress = claim.progress
        post = progress.get("post")
        if post:
            return PublishResult(remote_id=str(post["id"]), url=post.get("url") or None)
        container = progress.get("container")
        if "final" not in progress or not container:
            return None  # the publish call was never made: nothing can be public
        container_id = str(container["id"])
        code, _reason = self.status(container_id)
        if code in ("FINISHED", "IN_PROGRESS", "EXPIRED", "ERROR"):
            return None  # not published; a retry reuses (or remakes) the container
        if code != "PUBLISHED":
            raise OutcomeUnknown(f"{self.spec.label} says the container {container_id} is '{code}'",
                                 network=self.name)
        text = claim.request.text if claim.request is not None else None
        found = self.find_published(text, claim.claimed_at - RECONCILE_SLACK)
        if found is None:
            # The container proves publication; no edge leads from a container to its post.
            raise OutcomeUnknown(f"{self.spec.label} published the container {container_id}, but the post was "
                                 "not found among the recent posts to record its id", network=self.name)
        return found


class AlreadyPublished(Exception):
    def __init__(self, container_id: str):
        super().__init__(container_id)
        self.container_id = container_id
