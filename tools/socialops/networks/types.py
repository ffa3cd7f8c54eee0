"""The types every part of socialops shares with the network adapters: what is published (MediaFile,
PublishRequest, PublishResult, Claim), comments (Comment, thread_root), metrics (Publication, Figures,
MetricsCall) and the live profile (LiveProfile, LiveImage, AccessReport, Capability).

Pure data: no httpx, no Pillow (validate and the CLI's start import this).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socialops.core.times import parse_utc
from socialops.errors import PermanentNetworkError

if TYPE_CHECKING:
    from socialops.content.render import Rendered


@dataclass(frozen=True)
class MediaFile:
    """One media item of a post, resolved on disk.

    ``path`` is the absolute file path (exists: the publisher validated the post), ``rel`` the
    repository-relative path (public URLs are ``media_base_url`` + ``rel``, see media_urls.py),
    ``kind`` "image" | "video" | "other", ``captions`` the absolute path of a subtitle file or None.
    """

    path: Path
    rel: str
    kind: str
    alt: str | None = None
    captions: Path | None = None
    captions_rel: str | None = None
    index: int = 0
    burned_from: Path | None = None  # the subtitles are burned into ``path``, made from this file: not at ``rel``

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()


@dataclass
class PublishRequest:
    """Everything an adapter needs to publish one post to one profile.

    ``rendered`` is the text the profile receives (``render.render``: overrides applied, Markdown
    reduced, link appended where the network wants it in the text). ``media`` are resolved files in
    post order. ``resume`` maps step name -> data recorded by ``progress`` in earlier attempts of the
    *same* claim (same idempotency key): reuse those ids instead of creating new objects.
    """

    post_id: str
    profile_id: str
    idempotency_key: str
    rendered: Rendered
    media: list[MediaFile] = field(default_factory=list)
    root: Path = field(default_factory=Path.cwd)
    live: Mapping[str, Any] = field(default_factory=dict)
    scheduled_at: dt.datetime | None = None
    attempt: int = 1
    resume: dict[str, dict[str, Any]] = field(default_factory=dict)
    local: Mapping[str, Any] = field(default_factory=dict)  # the post's `local:` block (Google Business Profile)

    @property
    def text(self) -> str:
        return self.rendered.text

    @property
    def type(self) -> str:
        return self.rendered.type

    @property
    def link(self) -> str | None:
        return self.rendered.link

    @property
    def first_comment(self) -> str | None:
        return self.rendered.first_comment

    @property
    def tags(self) -> list[str]:
        return list(self.rendered.tags)


@dataclass(frozen=True)
class PublishResult:
    """What the network answered: its id for the post, the public URL, when it went out, and anything
    else worth keeping in the ledger (``extra``: short strings, e.g. a first-comment id)."""

    remote_id: str
    url: str | None = None
    published_at: dt.datetime | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Claim:
    """A claim whose outcome is not in the ledger: what reconcile must answer about.

    ``progress`` holds the intermediate ids recorded before the crash (step -> data).
    ``request`` is the post rendered again now (None if the post file is gone), so adapters that
    match by listing recent posts can compare the text.
    """

    post_id: str
    profile_id: str
    idempotency_key: str
    claimed_at: dt.datetime
    attempt: int = 1
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)
    request: PublishRequest | None = None

    def resumed_request(self) -> PublishRequest | None:
        """The claim's post rendered again, carrying the *claim's* idempotency key, attempt and progress (the
        publisher renders it before it knows which of the open claims it is asking about)."""
        if self.request is None:
            return None
        return replace(self.request, idempotency_key=self.idempotency_key, attempt=max(self.attempt, 1),
                       resume=dict(self.progress))


# --- comments and moderation ---------------------------------------------------------------------------------

class UnsupportedAction(PermanentNetworkError):
    """The network's API cannot do this moderation action (``action``); a person does it by hand."""

    def __init__(self, message: str, *, action: str, **kw: Any):
        super().__init__(message, **kw)
        self.action = action


@dataclass(frozen=True)
class Comment:
    """A comment, or a reply to one, on a publication, as the network shows it.

    ``post_remote_id`` is the publication's id on the network (the ledger's ``remote_id``). ``author_id`` is
    what blocking needs (Facebook user id, Mastodon account id, Bluesky DID); ``author_handle`` the visible
    handle, ``author_name`` the display name (both untrusted text). ``parent_id`` is the comment answered
    (None for a comment on the post itself) and ``thread_id`` the top-level comment of its thread. ``own``:
    written by the profile itself. ``ref``: short strings later actions need (Bluesky ``uri``/``cid``)."""

    id: str
    post_remote_id: str
    text: str
    author_id: str = ""
    author_handle: str = ""
    author_name: str = ""
    created_at: dt.datetime | None = None
    url: str | None = None
    parent_id: str | None = None
    thread_id: str = ""
    hidden: bool = False
    own: bool = False
    ref: Mapping[str, str] = field(default_factory=dict)

    @property
    def thread(self) -> str:
        return self.thread_id or self.id

    def record(self) -> dict[str, Any]:
        """Everything but the text, as JSON-ready values (kept in state/comments.csv for later actions)."""
        return {"id": self.id, "post": self.post_remote_id, "author_id": self.author_id,
                "handle": self.author_handle, "name": self.author_name,
                "created_at": self.created_at.astimezone(dt.UTC).isoformat() if self.created_at else "",
                "url": self.url or "", "parent": self.parent_id or "", "thread": self.thread,
                "ref": dict(self.ref)}

    @classmethod
    def from_record(cls, data: Mapping[str, Any], text: str = "") -> Comment:
        created = str(data.get("created_at") or "")
        when = parse_utc(created)
        ref = data.get("ref") if isinstance(data.get("ref"), dict) else {}
        return cls(id=str(data.get("id", "")), post_remote_id=str(data.get("post", "")), text=text,
                   author_id=str(data.get("author_id", "")), author_handle=str(data.get("handle", "")),
                   author_name=str(data.get("name", "")), created_at=when, url=str(data.get("url") or "") or None,
                   parent_id=str(data.get("parent") or "") or None, thread_id=str(data.get("thread", "")),
                   ref={str(k): str(v) for k, v in ref.items()})


def thread_root(comment_id: str, parent_of: Mapping[str, str], post_id: str = "") -> str:
    """The top-level comment of a comment's thread: its parents followed up while they are comments in
    `parent_of` (comment id -> the id it answers), stopping below the post itself."""
    for _ in range(100):  # a bound, should a network ever report a cycle
        up = parent_of.get(comment_id, "")
        if not up or up == post_id or up not in parent_of:
            return comment_id
        comment_id = up
    return comment_id


# --- metrics ---------------------------------------------------------------------------------------------------

POST_FIGURES = ("views", "reach", "likes", "comments", "shares", "quotes", "saves", "video_views", "link_clicks")


@dataclass(frozen=True)
class Publication:
    """One published (post, profile) pair, as the ledger and the content know it."""

    post_id: str
    profile: str
    remote_id: str
    url: str = ""
    type: str = ""
    pillar: str = ""
    published_at: dt.datetime | None = None


@dataclass
class Figures:
    """What one or more answers said. Post figures are keyed by the network's id of the post (``remote_id``);
    ``daily`` by ISO date (the day a figure describes); ``audience`` by dimension, then bucket."""

    posts: dict[str, dict[str, float]] = field(default_factory=dict)
    profile: dict[str, float] = field(default_factory=dict)
    daily: dict[str, dict[str, float]] = field(default_factory=dict)
    audience: dict[str, dict[str, float]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    calls: list[MetricsCall] = field(default_factory=list)

    def post(self, remote_id: str, column: str, value: Any) -> None:
        number = as_number(value)
        if number is None:
            return
        row = self.posts.setdefault(remote_id, {})
        row[column] = max(row.get(column, number), number)

    def account(self, column: str, value: Any) -> None:
        number = as_number(value)
        if number is not None:
            self.profile[column] = max(self.profile.get(column, number), number)

    def day(self, date: dt.date | str, column: str, value: Any) -> None:
        number = as_number(value)
        if number is None:
            return
        key = date if isinstance(date, str) else date.isoformat()
        self.daily.setdefault(key, {})[column] = number

    def merge(self, other: Figures) -> Figures:
        """Fold another answer in. Deterministic whatever the order answers arrive in: two sources of one post
        figure (Facebook's reactions from insights and from the post's fields) keep the larger."""
        for rid, cols in other.posts.items():
            for col, value in cols.items():
                self.post(rid, col, value)
        for col, value in other.profile.items():
            self.account(col, value)
        for date, cols in other.daily.items():
            row = self.daily.setdefault(date, {})
            for col, value in cols.items():
                row[col] = max(row.get(col, value), value)
        for dim, buckets in other.audience.items():
            self.audience[dim] = dict(buckets)
        self.missing.extend(m for m in other.missing if m not in self.missing)
        self.gone |= other.gone
        return self


@dataclass
class MetricsCall:
    """One request for metrics.

    ``parse(body)`` turns the JSON answer into Figures (it may add follow-up ``calls``). ``on_error(status,
    body)`` may handle a refusal itself (Meta's "invalid metric": return Figures with the calls split per
    metric, or with the metric noted as missing); None lets the network's error mapping decide.
    ``items`` names what the call is about ("post:<remote id>", "account"), so a rerun the same day can skip
    what is already fetched. ``local`` is set instead of ``url`` by a network that answers without HTTP (the
    sandbox)."""

    name: str
    url: str = ""
    params: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    parse: Callable[[Any], Figures] | None = None
    on_error: Callable[[int, Any], Figures | None] | None = None
    items: tuple[str, ...] = ()
    local: Callable[[], Figures] | None = None
    method: str = "GET"
    form: dict[str, str] = field(default_factory=dict)  # the body of a POST (Graph's batch requests)


def post_item(remote_id: str) -> str:
    return f"post:{remote_id}"


ACCOUNT_ITEM = "account"


def as_number(value: Any) -> float | None:
    """A count or figure from an answer: ints and floats (not bools); numeric strings; a dict of parts (Meta
    splits some values, e.g. by reaction type or paid/organic) is summed. None for anything else."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    if isinstance(value, Mapping):
        parts = [as_number(v) for v in value.values()]
        parts = [p for p in parts if p is not None]
        return float(sum(parts)) if parts else None
    return None


# --- the live profile (profiles check, diff, sync) -------------------------------------------------------------

CAPABILITIES = ("publishing", "metrics", "moderation", "profile")


@dataclass(frozen=True)
class LiveImage:
    """A live profile picture or cover: its address and its bytes (None when it could not be fetched)."""

    url: str | None
    data: bytes | None = field(default=None, repr=False)


@dataclass
class LiveProfile:
    """The live account as the network shows it.

    ``values``: basic -> str | list[(name, value)] (fields) | :class:`LiveImage` | None (not set on the network).
    A basic absent from ``values`` could not be read. ``version`` is whatever the adapter needs to avoid
    clobbering a concurrent edit (Bluesky: the profile record's cid)."""

    account: str | None = None
    account_id: str | None = None
    url: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    version: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # the network's own record, as read


OK, MISSING, UNKNOWN = "ok", "missing", "unknown"


@dataclass(frozen=True)
class Capability:
    """Whether the token may do one thing: ``status`` ok | missing | unknown, ``detail`` what was seen,
    ``fix`` what to do when it is missing (or cannot be told)."""

    name: str  # publishing | metrics | moderation | profile
    status: str
    detail: str = ""
    fix: str = ""


@dataclass
class AccessReport:
    """What ``profiles check`` found for one profile."""

    token_ok: bool = False
    account_ok: bool = False
    account_seen: str | None = None
    problems: list[str] = field(default_factory=list)  # token/account problems, each saying what to do
    capabilities: list[Capability] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (self.token_ok and self.account_ok and not self.problems
                and not any(c.status == MISSING for c in self.capabilities))
