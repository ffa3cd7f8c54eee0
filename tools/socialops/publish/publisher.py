"""Claim -> publish -> record, for the pairs a run found due.

Each pair is claimed (a ``claimed`` event with a fresh idempotency key, committed and pushed before any
network call), published once, and its outcome recorded as it comes. The publisher does not retry: the
HTTP layer (``networks.http``) already retried what was safe to retry, so a transient error here fails
the pair for this run (the next run tries again), a permanent one fails it until the post changes, and a
lost answer is settled by asking the network (:mod:`socialops.publish.reconcile`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from socialops.core.files import atomic_write_text
from socialops.core.safetext import one_line
from socialops.core.times import format_utc
from socialops.errors import (
    AuthError,
    NetworkError,
    OutcomeUnknown,
    PermanentNetworkError,
    RateLimited,
    SocialOpsError,
    TransientNetworkError,
)
from socialops.networks import NETWORKS
from socialops.networks.contract import Network, open_network
from socialops.networks.types import PublishRequest
from socialops.publish.issues import invalid_post_body
from socialops.publish.reconcile import drop_lost_claims, settle_lost_answer
from socialops.publish.record import Recorder
from socialops.publish.request import build_request, checked_post, digest
from socialops.publish.results import (
    R_FAILED,
    R_HELD,
    R_MISSED,
    R_WOULD_FAIL,
    PairResult,
    duration_words,
    local_time,
)
from socialops.publish.select import Candidate, is_late, post_file_hash
from socialops.publish.subtitles import with_subtitles_burned
from socialops.repository.posts import Post
from socialops.repository.profiles import Profile
from socialops.state.publications import FAILED, Event

CLONE_ID_FILE = ".socialops/clone-id"
FAILED_ISSUE = ("failed", ["publish-failed"])


def clone_id(root: Path) -> str:
    """A random id of this clone (kept in .socialops/, never committed)."""
    path = root / CLONE_ID_FILE
    try:
        value = path.read_text().strip()
        if value:
            return value
    except OSError:
        pass
    value = uuid.uuid4().hex[:12]
    atomic_write_text(path, value + "\n")
    return value


class Publisher:
    """Publishes the claimed pairs of one run through one network instance per profile (closed by
    :meth:`close`). ``clients(profile)``: the httpx.Client to inject; ``network_options``: extra adapter
    options per network name."""

    def __init__(self, rec: Recorder, config: Any, *, env: Mapping[str, str], clone: str,
                 clients: Callable[[Profile], Any] | None = None,
                 network_options: Mapping[str, Any] | None = None) -> None:
        self.rec = rec
        self.root = rec.root
        self.config = config
        self.env = env
        self.clone = clone
        self.clients = clients
        self.network_options = dict(network_options or {})
        self.networks: dict[str, Network] = {}
        self._auth_failed: dict[str, str] = {}  # profile id -> why its token was refused this run
        self._limited: set[str] = set()  # profiles whose rate limit this run found used up for longer than it waits

    def close(self) -> None:
        for network in self.networks.values():
            try:
                network.close()
            except Exception:  # noqa: BLE001 - closing must not hide the run's outcome
                pass

    def network(self, profile: Profile) -> Network:
        network = self.networks.get(profile.id)
        if network is None:
            client = self.clients(profile) if self.clients else None
            network = open_network(profile, env=self.env, client=client, progress=self._on_progress,
                                   clock=self.rec.clock, sleep=self.rec.sleep, root=self.root,
                                   **self.network_options.get(profile.network, {}))
            self.networks[profile.id] = network
        return network

    def _on_progress(self, item: PublishRequest, step: str, data: Mapping[str, Any]) -> None:
        self.rec.append([Event(time=self.rec.clock(), post_id=item.post_id, profile=item.profile_id,
                               event="progress", key=item.idempotency_key, attempt=item.attempt, detail=step,
                               data=dict(data), run=self.rec.run_id)])

    # --- before claiming ---------------------------------------------------------------------------

    def prepare(self, candidates: list[Candidate]) -> list[Candidate]:
        """Load each post once, validate it, render it per profile. Returns the candidates that can go."""
        loaded: dict[str, tuple[Post | None, list[str]]] = {}
        ok: list[Candidate] = []
        for c in candidates:
            if c.path not in loaded:
                loaded[c.path] = checked_post(self.root, c.path, self.config)
            post, errors = loaded[c.path]
            profile = self.config.profiles.get(c.profile)
            if profile is None:
                errors = [*errors, f"{c.path}: the profile '{c.profile}' has no file profiles/{c.profile}.yaml"]
            if errors:
                self._fail_invalid(c, errors)
                continue
            c.post = post
            c.request = build_request(self.root, post, profile, post_id=c.post_id, at=c.at, key=c.key,
                                      resume=c.resume)
            if c.state is not None and c.state.status == FAILED and c.state.permanent and not c.key:
                if c.state.digest and c.state.digest == digest(c.request):
                    continue  # failed for good with this very content: the issue asks a person to fix it
            ok.append(c)
        return ok

    def _fail_invalid(self, c: Candidate, errors: list[str]) -> None:
        reason = "the post does not validate: " + "; ".join(errors[:5])
        st = c.state
        if st is not None and st.status == FAILED and st.permanent and st.reason == one_line(reason) and not c.key:
            return  # already failed for this reason; its issue is open
        if self.rec.dry_run:
            c.result = PairResult(c.post_id, c.profile, R_WOULD_FAIL, c.at, c.path, detail=reason)
            return
        self.rec.outcome(c, "failed", R_FAILED, detail=reason, data={"permanent": True, "digest": "invalid"},
                         issue=FAILED_ISSUE, body=invalid_post_body(errors))

    def not_missed(self, candidates: list[Candidate]) -> list[Candidate]:
        """The candidates within the late window; the others are recorded as missed (with an issue)."""
        schedule = self.config.schedule
        out = []
        for c in candidates:
            if is_late(c, now=self.rec.result.now, late_window=schedule.late_window):
                self.rec.outcome(c, "missed", R_MISSED,
                                 detail=f"more than {duration_words(schedule.late_window)} late (due "
                                        f"{local_time(c.at, schedule.tz)}); not posted. Publish it again by giving "
                                        "it a new publish_at, or append a 'retry' line to state/publications.csv",
                                 data={"due": format_utc(c.at), "file": post_file_hash(self.root, c.path) or ""},
                                 issue=("missed", ["missed"]))
                continue
            out.append(c)
        return out

    # --- claim, publish, record --------------------------------------------------------------------

    def claim(self, claims: list[Candidate]) -> list[Candidate]:
        """Record a claim for each pair, commit and push them (before any network call); returns the
        claims this run won."""
        rec = self.rec
        events = []
        for c in claims:
            if not c.key:
                c.key = uuid.uuid4().hex
            c.attempt = (c.state.attempts if c.state else 0) + 1
            c.request.idempotency_key = c.key
            c.request.attempt = c.attempt
            c.request.resume = c.resume
            events.append(rec.event(c, "claimed", key=c.key, attempt=c.attempt, run=rec.run_id,
                                    data={"resumed": True} if c.resume else {}))
        rec.append(events)
        rec.commit(f"publish: claim {len(claims)} post(s)" if claims else "publish: record outcomes",
                   push=bool(claims))
        return drop_lost_claims(claims, rec, clone=self.clone)

    def publish(self, c: Candidate) -> None:
        """Publish one claimed pair, once, and record its outcome."""
        rec = self.rec
        profile = self.config.profiles[c.profile]
        if profile.id in self._auth_failed:
            rec.append([rec.event(c, "released", key=c.key,
                                  detail="not tried: the token was refused for an earlier post")])
            c.result = PairResult(c.post_id, c.profile, R_FAILED, c.at, c.path, attempt=c.attempt,
                                  detail=self._auth_failed[profile.id])
            return
        if profile.id in self._limited and (until := self.network(profile).held_until()) is not None:
            rec.append([rec.event(c, "released", key=c.key, detail="not tried: held back by the rate limit")])
            self._held(c, until)
            return
        try:
            request = with_subtitles_burned(c.request, profile.spec or NETWORKS["sandbox"],
                                            c.post.captions_mode if c.post else "burn")
            found = self.network(profile).publish(request)
        except OutcomeUnknown as exc:
            if not settle_lost_answer(c, rec, profile, self.network, exc):
                self._failed_for_now(c, profile, exc)  # certainly not there: the next run sends it again
        except AuthError as exc:
            reason = rec.redact(profile, str(exc))
            self._auth_failed[profile.id] = reason
            rec.outcome(c, "failed", R_FAILED, key=c.key, detail=reason, data={"permanent": False},
                        issue=FAILED_ISSUE)
        except RateLimited as exc:  # certainly not posted (429): released, due again once the limit resets
            until = self.network(profile).hold_limit(exc.retry_after, str(exc))
            self._limited.add(profile.id)
            rec.append([rec.event(c, "released", key=c.key, detail="held back by the rate limit")])
            self._held(c, until, rec.redact(profile, str(exc)))
        except TransientNetworkError as exc:
            self._failed_for_now(c, profile, exc)
        except (PermanentNetworkError, SocialOpsError) as exc:  # also configuration: a missing setting
            rec.outcome(c, "failed", R_FAILED, key=c.key, detail=rec.redact(profile, str(exc)),
                        data={"permanent": True, "digest": digest(c.request)}, issue=FAILED_ISSUE)
        except Exception as exc:  # noqa: BLE001 - an adapter bug: the outcome is unknown
            what = f"unexpected {type(exc).__name__}"
            if not settle_lost_answer(c, rec, profile, self.network,
                                      OutcomeUnknown(f"{what} in the {profile.network} adapter: {exc}")):
                self._failed_for_now(c, profile, TransientNetworkError(f"{what}: {exc}"))
        else:
            rec.published(c, c.key, found, how="posted")

    def hold_back(self, candidates: list[Candidate]) -> list[Candidate]:
        """The candidates whose profile's rate limit is free; the others stay due, unclaimed (one summary line
        per profile instead of an issue per post)."""
        out = []
        for c in candidates:
            try:
                until = self.network(self.config.profiles[c.profile]).held_until()
            except SocialOpsError:
                until = None  # the publish step reports what is wrong with the profile
            if until is None:
                out.append(c)
            else:
                self._held(c, until)
        return out

    def _held(self, c: Candidate, until: Any, why: str = "") -> None:
        when = local_time(until, self.config.schedule.tz)
        c.result = PairResult(c.post_id, c.profile, R_HELD, c.at, c.path, attempt=c.attempt,
                              detail=f"rate limit used up until {when}" + (f" ({why})" if why else ""))
        start = f"{c.profile}: its rate limit is used up"
        if not any(w.startswith(start) for w in self.rec.result.warnings):
            self.rec.result.warnings.append(f"{start} until {when}; its due posts wait for a later run")

    def _failed_for_now(self, c: Candidate, profile: Profile, error: NetworkError) -> None:
        """A failure that may pass (the HTTP layer has already retried): the next run tries again."""
        self.rec.outcome(c, "failed", R_FAILED, key=c.key,
                         detail=f"{self.rec.redact(profile, str(error))} (the next run tries again)",
                         data={"permanent": False}, issue=FAILED_ISSUE)
