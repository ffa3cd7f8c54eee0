"""Metrics: fetch each network's figures concurrently and keep them in committed CSV files.

``fetch_metrics`` (the ``socialops metrics`` command):

1. finds the published (post, profile) pairs in the ledger (``state/publications.csv``) of the last
   ``since_days`` days, for the profiles selected (``--profile``, ``--shard I/N``);
2. asks each profile's adapter for its requests (``Network.metrics_calls``; endpoints and parsing in
   each network's ``metrics.py``: as few requests as its API allows, batches where it takes them) and sends them
   concurrently (``socialops.metrics.fetcher``), per host never over the budget its server announces in every
   answer, and until the first answer announces one never more than ``requests`` per ``per_seconds`` (a sliding
   window) nor more than ``concurrency`` at once (``specs.METRICS``; ``limits=`` / ``--rate`` hold throughout:
   ``socialops.metrics.budget``). Transient failures are retried with backoff, Retry-After and the networks'
   rate-limit signals are honoured (the whole host pauses), a refused token stops that profile only;
3. turns the answers into rows and upserts them into ``metrics/posts.csv``, ``metrics/followers.csv`` and
   ``metrics/audience.csv`` (``socialops.metrics.tables``) -- also when some requests failed: what was
   fetched is kept, the rows of what failed keep their earlier values, and the run reports the failures
   (exit 1). A journal (``.socialops/metrics-journal.json``) remembers what was fetched today, so running
   again the same day fetches only what failed (``resume=False`` fetches everything).

Sharding: ``--shard I/N`` takes every N-th profile (sorted by id), ``out=`` writes only the rows fetched (a
*fragment*, same columns) to a folder instead of updating ``metrics/``, and ``tables.merge_fragments`` upserts
the fragments of all shards -- what the workflow's final job does before it commits.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.errors import SocialOpsError, UsageError
from socialops.metrics.budget import JOURNAL, Limit, load_journal, save_journal
from socialops.metrics.fetcher import Fetcher, ProfileRun, redact_for
from socialops.metrics.labels import label_rows
from socialops.metrics.tables import (
    LOCAL_FIGURES,
    METRICS_DIR,
    PARTITION_BYTES,
    Fragment,
    csv_time,
    deleted_pairs,
    fmt_number,
    upsert,
)
from socialops.networks.contract import open_network
from socialops.networks.types import POST_FIGURES, MetricsCall, Publication, post_item
from socialops.repository.config import load_config
from socialops.repository.index import load_index
from socialops.repository.profiles import Profile
from socialops.repository.recurrence import base_id
from socialops.state.publications import PUBLISHED, Ledger

DEFAULT_SINCE_DAYS = 90


@dataclass
class MetricsResult:
    now: dt.datetime
    day: dt.date
    runs: list[ProfileRun] = field(default_factory=list)
    changed: list[Path] = field(default_factory=list)
    requests: int = 0
    refused: int = 0  # answers 429: a budget was exceeded after all
    seconds: float = 0.0
    out: Path | None = None
    starts: dict[str, list[float]] = field(default_factory=dict)  # "network host" -> when each request went

    @property
    def failed(self) -> bool:
        return any(r.failures for r in self.runs)

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(), "day": self.day.isoformat(), "failed": self.failed,
            "requests": self.requests, "refused": self.refused, "seconds": round(self.seconds, 3),
            "changed": [p.as_posix() for p in self.changed], "out": self.out.as_posix() if self.out else None,
            "profiles": [{
                "profile": r.id, "network": r.profile.network, "publications": len(r.publications),
                "posts_with_figures": len(set(r.figures.posts) & {p.remote_id for p in r.publications}),
                "followers": r.figures.profile.get("followers"), "requests": r.requests,
                "skipped": r.skipped or None, "failures": r.failures, "missing": r.figures.missing,
            } for r in self.runs],
        }


def select_profiles(profiles: Mapping[str, Profile], only: Iterable[str] | None = None,
                    shard: tuple[int, int] | None = None) -> list[Profile]:
    """The profiles to fetch: ``only`` (ids), then shard ``(i, n)``: every n-th of them by id, from the i-th."""
    ids = sorted(profiles)
    if only:
        wanted = list(dict.fromkeys(only))
        unknown = [p for p in wanted if p not in profiles]
        if unknown:
            raise UsageError(f"--profile: no profile file for {', '.join(unknown)} under profiles/")
        ids = [i for i in ids if i in wanted]
    if shard:
        index, count = shard
        ids = [pid for n, pid in enumerate(ids) if n % count == index - 1]
    return [profiles[i] for i in ids]


def publications(root: Path, profiles: Iterable[Profile], tz: Any, *, now: dt.datetime,
                 since_days: int | None = DEFAULT_SINCE_DAYS) -> dict[str, list[Publication]]:
    """Published pairs per profile id from the ledger, with the post's type and pillar from the content."""
    wanted = {p.id for p in profiles}
    summaries = {}
    for s in load_index(root, tz):
        if s.id is not None and s.error is None:
            summaries.setdefault(str(s.id), s)
    oldest = now - dt.timedelta(days=since_days) if since_days else None
    out: dict[str, list[Publication]] = {pid: [] for pid in wanted}
    deleted = deleted_pairs(root)  # gone from the network: nothing more to fetch
    for (post_id, profile), state in sorted(Ledger(root).state().items()):
        if profile not in wanted or state.status != PUBLISHED or not state.remote_id or (profile, post_id) in deleted:
            continue
        at = state.published_at
        if at is not None and (at > now or (oldest is not None and at < oldest)):
            continue
        summary = summaries.get(post_id) or summaries.get(base_id(post_id))  # an occurrence: its post
        out[profile].append(Publication(
            post_id=post_id, profile=profile, remote_id=state.remote_id, url=state.url,
            type=summary.type if summary else "", pillar=(summary.pillar or "") if summary else "",
            published_at=at))
    return out



def _today(now: dt.datetime, tz: Any) -> dt.date:
    return now.astimezone(tz).date()


def build_fragment(runs: Iterable[ProfileRun], *, day: dt.date) -> Fragment:
    """The rows of what was fetched."""
    frag = Fragment()
    stamp = day.isoformat()
    for run in runs:
        profile = run.profile
        network = profile.network
        figures = run.figures
        for pub in run.publications:
            values = figures.posts.get(pub.remote_id)
            gone = pub.remote_id in figures.gone
            if values is None and not gone:
                continue
            row = {"profile": profile.id, "post_id": pub.post_id, "network": network, "type": pub.type,
                   "pillar": pub.pillar, "published_at": csv_time(pub.published_at), "url": pub.url,
                   "remote_id": pub.remote_id, "status": "deleted" if gone else "live", "updated": stamp}
            for column in POST_FIGURES:
                row[column] = fmt_number((values or {}).get(column))
            frag.posts.append(row)
        if figures.profile:
            row = {"date": stamp, "profile": profile.id, "network": network}
            row.update({c: fmt_number(figures.profile.get(c)) for c in ("followers", "follows", "posts")})
            frag.followers.append(row)
        for date, values in sorted(figures.daily.items()):
            row = {"date": date, "profile": profile.id, "network": network}
            if any(c in values for c in LOCAL_FIGURES):  # a local business's views, calls, ... of the day
                frag.local.append({**row, **{c: fmt_number(values.get(c)) for c in LOCAL_FIGURES}})
                continue
            row.update({c: fmt_number(values.get(c)) for c in ("gained", "lost")})
            frag.followers.append(row)
        for dimension, buckets in sorted(figures.audience.items()):
            for bucket, value in sorted(buckets.items()):
                frag.audience.append({"date": stamp, "profile": profile.id, "network": network,
                                      "dimension": dimension, "bucket": bucket, "value": fmt_number(value)})
    return frag


def fetch_metrics(
    root: Path,
    *,
    now: dt.datetime,
    profiles: Iterable[str] | None = None,
    shard: tuple[int, int] | None = None,
    env: Mapping[str, str] | None = None,
    out: Path | None = None,
    limits: Mapping[str, Limit] | None = None,
    since_days: int | None = DEFAULT_SINCE_DAYS,
    resume: bool = True,
    transport: Any = None,
    sync_client: Any = None,
    retries: int = 3,
    backoff: float = 0.5,
    max_wait: float = 60.0,
    partition_bytes: int = PARTITION_BYTES,
    say: Callable[[str], None] | None = None,
) -> MetricsResult:
    """Fetch and store the metrics (see the module text). ``transport``: an httpx async transport for the
    requests (tests); ``sync_client``: an ``httpx.Client`` for the adapters' own set-up calls (Bluesky's
    session)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    say = say or (lambda text: None)
    root = Path(root)
    config = load_config(root)
    tz = config.tz
    day = _today(now, tz)
    chosen = select_profiles(config.profiles, profiles, shard)
    env = dict(os.environ if env is None else env)
    pubs = publications(root, chosen, tz, now=now, since_days=since_days)
    journal = load_journal(root, day) if resume else {}
    result = MetricsResult(now=now, day=day, out=out)
    started = time.monotonic()
    try:
        jobs = []
        for profile in chosen:
            run = ProfileRun(profile, pubs.get(profile.id, []))
            result.runs.append(run)
            calls = _prepare(run, journal.get(profile.id, set()), now=now, env=env, root=root,
                             sync_client=sync_client, say=say)
            if calls is not None:
                jobs.append((run, calls))
        fetcher = Fetcher(limits=limits, transport=transport, retries=retries, backoff=backoff, max_wait=max_wait)
        if jobs:
            asyncio.run(fetcher.run(jobs))
        result.refused = fetcher.refused
        result.starts = {f"{network} {host}": limiter.starts for (network, host), limiter in fetcher.limiters.items()}
    finally:
        for run in result.runs:
            if run.network is not None:
                try:
                    run.network.close()
                except Exception:  # noqa: BLE001 - closing must not hide the run's outcome
                    pass
    result.seconds = time.monotonic() - started
    result.requests = sum(r.requests for r in result.runs)
    fragment = build_fragment(result.runs, day=day)
    label_rows(root, fragment.posts, tz)  # tags and campaign, from the posts
    if out is not None:
        fragment.write(Path(out))
    else:
        result.changed = upsert(root, fragment, partition_bytes=partition_bytes)
    if resume:
        _remember_done(root, result, journal)
    for run in result.runs:
        for message in run.failures:
            say(f"failed: {message}")
    return result


def _prepare(run: ProfileRun, done: set[str], *, now: dt.datetime, env: Mapping[str, str], root: Path,
             sync_client: Any, say: Callable[[str], None]) -> list[MetricsCall] | None:
    """Open the profile's network and ask it for the calls of what is not `done` yet today; None when the
    profile is skipped (no metrics on its network) or could not be opened (a failure of the run)."""
    profile = run.profile
    try:
        run.network = open_network(profile, env=env, root=root, client=sync_client)
        todo = [p for p in run.publications if post_item(p.remote_id) not in done]
        run.network.metrics_prepare()
        calls = run.network.metrics_calls(todo, now=now)
    except NotImplementedError as exc:
        run.skipped = str(exc)
        say(f"{profile.id}: skipped: {exc}")
        return None
    except SocialOpsError as exc:
        run.failures.append(f"{profile.id}: {redact_for(run, str(exc))}")
        return None
    run.tried_items.update(done)
    return [c for c in calls if not c.items or any(i not in done for i in c.items)]


def _remember_done(root: Path, result: MetricsResult, journal: Mapping[str, set[str]]) -> None:
    """After a partial failure, remember what was fetched today: the next run today fetches only the rest.
    After a complete run there is nothing to resume, and the next run fetches everything again."""
    if result.failed:
        done_now = dict(journal)
        for run in result.runs:
            done_now[run.id] = set(journal.get(run.id, set())) | run.done_items
        save_journal(root, result.day, done_now)
    else:
        (root / JOURNAL).unlink(missing_ok=True)


def format_result(result: MetricsResult) -> str:
    """The per-profile summary for people."""
    lines = [f"Metrics for {result.day.isoformat()} ({result.requests} requests in {result.seconds:.1f} s)"]
    for run in result.runs:
        if run.skipped:
            lines.append(f"- {run.id}: skipped ({run.skipped})")
            continue
        fetched = len(set(run.figures.posts) & {p.remote_id for p in run.publications})
        followers = run.figures.profile.get("followers")
        part = f"{fetched} of {len(run.publications)} posts"
        if followers is not None:
            part += f", {fmt_number(followers)} followers"
        if run.figures.audience:
            part += f", audience by {', '.join(sorted(run.figures.audience))}"
        state = "FAILED in part" if run.failures else "ok"
        lines.append(f"- {run.id} ({run.profile.network}): {state}: {part}")
        for message in run.figures.missing[:10]:
            lines.append(f"    note: {message}")
        if len(run.figures.missing) > 10:
            lines.append(f"    note: ... and {len(run.figures.missing) - 10} more")
        for message in run.failures:
            lines.append(f"    failed: {message}")
    if result.out is not None:
        lines.append(f"Wrote the fetched rows to {result.out} (merge them with 'socialops metrics --merge').")
    elif result.changed:
        lines.append("Changed: " + ", ".join(sorted({p.name if p.parent.name == METRICS_DIR else
                                                     f"{p.parent.name}/{p.name}" for p in result.changed})))
    else:
        lines.append("Nothing changed in metrics/.")
    if result.failed:
        lines.append("Some figures could not be fetched: what was fetched is saved; run again to fetch the rest.")
    return "\n".join(lines) + "\n"
