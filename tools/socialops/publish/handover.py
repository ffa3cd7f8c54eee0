"""Hand-overs to the network's own scheduling (``networks.scheduling``): a timed post within its profile's lead
is claimed as for publishing and given to the network to publish at its time, so it goes out on the minute
whatever the workflow's cron does. Each run, for the pairs handed over:

* before their time: an edited post is withdrawn from the network's schedule and handed over again, a new
  time moves the scheduled item (or withdraws it when the new time is too close), a withdrawn post (draft,
  deleted, the profile taken off it) is withdrawn;
* after it: the network is asked whether it published the post (``published``, how = ``scheduled``), is
  still about to (nothing recorded), or dropped it (``unscheduled``: the pair is published the usual way);
* a hand-over claim without an outcome (the run died mid-call) is looked for on the network first: the
  scheduled item (``scheduled``), its publication, or nothing (``released``, and handed over again).

Only timed posts (``publish_at``) are handed over: a queued post's slot may still move.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from socialops.core.times import format_utc, parse_utc
from socialops.errors import NetworkError, OutcomeUnknown, SocialOpsError, TransientNetworkError
from socialops.networks.scheduling import Scheduled
from socialops.networks.types import Claim, PublishResult
from socialops.publish.leads import handover_lead, handover_min
from socialops.publish.reconcile import UNCONFIRMED_ISSUE, drop_lost_claims
from socialops.publish.request import build_request, digest
from socialops.publish.results import (
    R_DEFERRED,
    R_HANDED_OVER,
    R_HANDOVER_CANCELLED,
    R_HANDOVER_MOVED,
    R_HANDOVER_WAITING,
    R_NOT_HANDED_OVER,
    R_UNCONFIRMED,
    PairResult,
)
from socialops.publish.select import Candidate, handover_claims, in_flight, post_file_hash
from socialops.repository.posts import load_post
from socialops.state.publications import FAILED, PENDING, SCHEDULED

if TYPE_CHECKING:
    from socialops.publish.publisher import Publisher
    from socialops.publish.record import Recorder


REFUSED = "handover_refused"  # a progress step: the network refused the hand-over for good


class Handovers:
    """The hand-over work of one run: ``follow`` (scheduled pairs and open hand-over claims), ``new`` (pairs to
    hand over now). ``by_id``: post id -> its index summary."""

    def __init__(self, rec: Recorder, config: Any, summaries: list, summary: Any, *, now: dt.datetime,
                 only: set[str] | None, clone: str, claim_lease: dt.timedelta) -> None:
        self.rec = rec
        self.config = config
        self.now = now
        self.by_id = {str(s.id): s for s in sorted(summaries, key=lambda s: s.path, reverse=True)
                      if s.id and not s.error}
        self.states = {pair: st for pair, st in summary.others.items() if only is None or pair[1] in only}
        self.published = summary.published
        self.only = only
        self.open = {pair: st for pair, st in self.states.items() if handover_claims(st)
                     and not in_flight(st, rec.clock(), clone=clone, claim_lease=claim_lease)}
        self.scheduled = {pair: st for pair, st in self.states.items() if st.status == SCHEDULED and not st.open_claims}
        self.reopened: set[tuple[str, str]] = set()  # withdrawn this run: may be handed over again at once
        # (shortest, longest) lead of each profile that hands over
        self.windows = {pid: (handover_min(profile), lead) for pid, profile in config.profiles.items()
                        if (only is None or pid in only) and (lead := handover_lead(profile)) is not None}

    def any(self) -> bool:
        return bool(self.open or self.scheduled or self.new_pairs())

    def run(self, publisher: Publisher) -> None:
        for pair, st in sorted(self.open.items()):
            self._settle_open(pair, st, publisher)
        for pair, st in sorted(self.scheduled.items()):
            self._follow(pair, st, publisher)
        self._hand_over(publisher)

    # --- which pairs ------------------------------------------------------------------------------------

    def new_pairs(self) -> list[tuple[str, str, dt.datetime]]:
        """(post id, profile, time) of the timed ready posts within their profile's lead, not yet handed over."""
        out: list[tuple[str, str, dt.datetime]] = []
        if not self.windows:
            return out
        latest = (self.now + max(lead for _, lead in self.windows.values())).timestamp()
        for post_id, s in self.by_id.items():
            if s.status != "ready" or s.publish_ts is None or not self.now.timestamp() < s.publish_ts <= latest:
                continue
            at = dt.datetime.fromtimestamp(s.publish_ts, dt.UTC)
            for pid in s.profiles:
                window = self.windows.get(pid)
                if window is None or (post_id, pid) in self.published or not (
                        self.now + window[0] <= at <= self.now + window[1]):
                    continue
                st = self.states.get((post_id, pid))
                if st is not None and any(REFUSED in steps for steps in st.progress.values()):
                    continue  # the network refused to take it: published at its time the usual way
                if st is None or (post_id, pid) in self.reopened or (
                        st.status == PENDING or (st.status == FAILED and not st.permanent)) and not st.open_claims:
                    out.append((post_id, pid, at))
        return sorted(out, key=lambda t: (t[2], t[0], t[1]))

    # --- hand over --------------------------------------------------------------------------------------

    def _hand_over(self, publisher: Publisher) -> None:
        rec = self.rec
        candidates = [Candidate(post_id, pid, self.by_id[post_id].path, at, self.states.get((post_id, pid)))
                      for post_id, pid, at in self.new_pairs()]
        if not candidates:
            return
        ready = [c for c in publisher.prepare(candidates)
                 if publisher.network(self.config.profiles[c.profile]).can_hand_over(c.request)]
        if ready:
            self._claim_and_hand_over(ready, publisher)
        for c in candidates:
            if c.result is not None:
                rec.result.pairs.append(c.result)

    def _claim_and_hand_over(self, ready: list[Candidate], publisher: Publisher) -> None:
        rec = self.rec
        events = []
        for c in ready:
            c.key = c.key or uuid.uuid4().hex
            c.attempt = (c.state.attempts if c.state else 0) + 1
            c.request.idempotency_key, c.request.attempt = c.key, c.attempt
            # One write: the claim and its mark as a hand-over (never re-sent as an immediate post).
            events += [rec.event(c, "claimed", key=c.key), rec.event(c, "progress", key=c.key, detail="handover",
                                                                     data={"for": format_utc(c.at)})]
        rec.append(events)
        rec.commit(f"publish: hand over {len(ready)} post(s)", push=True)
        for c in drop_lost_claims(ready, rec, clone=publisher.clone):
            profile = self.config.profiles[c.profile]
            try:
                done = publisher.network(profile).hand_over(c.request, c.at)
            except OutcomeUnknown as exc:
                self._settle_lost(c, publisher, exc)
            except (NetworkError, SocialOpsError) as exc:
                why = rec.redact(profile, str(exc))
                refused = [] if isinstance(exc, TransientNetworkError) else [  # for good: not tried again
                    rec.event(c, "progress", key=c.key, detail=REFUSED, data={"why": why[:300]})]
                rec.append([*refused, rec.event(c, "released", key=c.key, detail=f"not handed over: {why}")])
                c.result = PairResult(c.post_id, c.profile, R_NOT_HANDED_OVER, c.at, c.path, attempt=c.attempt,
                                      detail=f"{rec.redact(profile, str(exc))}; it is published at its time the usual way")
            else:
                self._record(c, done, how="handed over")

    def _settle_lost(self, c: Candidate, publisher: Publisher, exc: OutcomeUnknown) -> None:
        claim = Claim(c.post_id, c.profile, c.key, self.rec.clock(), c.attempt, dict(c.request.resume), c.request)
        self._ask(c, claim, publisher, self.config.profiles[c.profile], what=str(exc))

    def _record(self, c: Candidate, done: Scheduled | PublishResult, *, how: str) -> None:
        rec = self.rec
        if isinstance(done, PublishResult):  # the network published it at once
            rec.published(c, c.key, done, how="posted")
            return
        data = {"for": format_utc(done.at), "digest": digest(c.request) if c.request else "",
                "file": post_file_hash(rec.root, c.path) or ""}
        rec.append([rec.event(c, "scheduled", key=c.key, remote_id=done.id, url=done.url, detail=how, data=data)],
                   outcomes=1)
        c.result = PairResult(c.post_id, c.profile, R_HANDED_OVER, c.at, c.path, remote_id=done.id, attempt=c.attempt,
                              detail=f"{how}: the network publishes it at its time")

    # --- claims of an interrupted hand-over -----------------------------------------------------------

    def _settle_open(self, pair: tuple[str, str], st: Any, publisher: Publisher) -> None:
        profile = self.config.profiles.get(pair[1])
        s = self.by_id.get(pair[0])
        for info in sorted(handover_claims(st), key=lambda k: k.time):
            at = parse_utc(info.progress["handover"].get("for")) or self.now
            c = Candidate(pair[0], pair[1], s.path if s else "", at, st, key=info.key, attempt=info.attempt)
            request = self._request(c, profile, info.progress) if profile is not None and s is not None else None
            c.request = request
            claim = Claim(pair[0], pair[1], info.key, info.time, info.attempt, dict(info.progress), request)
            if profile is None:
                self.rec.outcome(c, "unconfirmed", R_UNCONFIRMED, key=info.key, issue=UNCONFIRMED_ISSUE,
                                 detail=f"the profile '{pair[1]}' is gone, so the hand-over cannot be checked")
            else:
                self._ask(c, claim, publisher, profile, what="a hand-over without a recorded outcome")
            if c.result is not None:
                self.rec.result.pairs.append(c.result)

    def _ask(self, c: Candidate, claim: Claim, publisher: Publisher, profile: Any, *, what: str) -> None:
        rec = self.rec
        try:
            found = publisher.network(profile).find_handover(claim, c.at)
        except OutcomeUnknown as exc:
            rec.outcome(c, "unconfirmed", R_UNCONFIRMED, key=c.key, issue=UNCONFIRMED_ISSUE,
                        detail=f"{what}; the network cannot tell whether it was handed over: {rec.redact(profile, str(exc))}")
            return
        except (NetworkError, SocialOpsError) as exc:
            c.result = PairResult(c.post_id, c.profile, R_DEFERRED, c.at, c.path, attempt=c.attempt,
                                  detail=f"{what}; asking the network failed: {rec.redact(profile, str(exc))}; "
                                         "the next run asks again")
            return
        if found is None:
            rec.append([rec.event(c, "released", key=c.key, detail="reconciled: never handed over")])
            self.reopened.add((c.post_id, c.profile))
            return
        self._record(c, found, how="found after an interrupted run")

    # --- follow what was handed over -------------------------------------------------------------------

    def _follow(self, pair: tuple[str, str], st: Any, publisher: Publisher) -> None:
        rec = self.rec
        info = st.scheduled
        scheduled = Scheduled(str(info.get("id") or ""), parse_utc(info.get("for")) or self.now)
        s = self.by_id.get(pair[0])
        profile = self.config.profiles.get(pair[1])
        c = Candidate(pair[0], pair[1], s.path if s else "", scheduled.at, st, key=str(info.get("key") or ""),
                      attempt=st.attempts)
        if profile is None:
            return  # no token to ask with; the profile's file may come back
        request = self._request(c, profile, {}) if s is not None else None
        c.request = request
        network = publisher.network(profile)
        try:
            if scheduled.at <= self.now:
                self._outcome(c, network.handover_outcome(scheduled, request))
            else:
                self._before_time(c, s, scheduled, network)
        except (NetworkError, SocialOpsError) as exc:
            c.result = PairResult(c.post_id, c.profile, R_DEFERRED if scheduled.at <= self.now else R_HANDED_OVER,
                                  c.at, c.path, detail=f"could not check the hand-over: {rec.redact(profile, str(exc))}")
        if c.result is not None:
            rec.result.pairs.append(c.result)

    def _outcome(self, c: Candidate, found: Scheduled | PublishResult | None) -> None:
        rec = self.rec
        if isinstance(found, PublishResult):
            rec.published(c, c.key, found, how="scheduled")
        elif isinstance(found, Scheduled):
            c.result = PairResult(c.post_id, c.profile, R_HANDOVER_WAITING, c.at, c.path, remote_id=found.id,
                                  detail="its time has come; the network has not published it yet")
        else:
            rec.append([rec.event(c, "unscheduled", key=c.key, detail="left the network's schedule without a "
                                  "publication; published the usual way")], outcomes=1)
            c.result = PairResult(c.post_id, c.profile, R_HANDOVER_CANCELLED, c.at, c.path,
                                  detail="the network dropped it; the next run publishes it the usual way")

    def _before_time(self, c: Candidate, s: Any, scheduled: Scheduled, network: Any) -> None:
        rec = self.rec
        info = c.state.scheduled
        withdrawn = s is None or s.status != "ready" or c.profile not in s.profiles or s.publish_ts is None
        at = None if withdrawn else dt.datetime.fromtimestamp(s.publish_ts, dt.UTC)
        edited = not withdrawn and (c.request is None or digest(c.request) != info.get("digest"))
        if not withdrawn and not edited and at == scheduled.at:
            return
        if not withdrawn and not edited and at - self.now >= network.handover_window[0]:
            moved = network.reschedule(scheduled, at)
            rec.append([rec.event(c, "scheduled", key=c.key, remote_id=moved.id, detail="moved",
                                  data={**{k: v for k, v in info.items() if k not in ("id", "key")},
                                        "for": format_utc(moved.at)})], outcomes=1)
            c.result = PairResult(c.post_id, c.profile, R_HANDOVER_MOVED, at, c.path, remote_id=moved.id,
                                  detail=f"the post's time changed: the network now publishes it at {format_utc(moved.at)}")
            return
        network.cancel_handover(scheduled)
        why = "withdrawn" if withdrawn else "edited" if edited else "moved too close to hand over"
        rec.append([rec.event(c, "unscheduled", key=c.key, detail=f"{why} before its time")], outcomes=1)
        self.reopened.add((c.post_id, c.profile))
        c.result = PairResult(c.post_id, c.profile, R_HANDOVER_CANCELLED, c.at, c.path,
                              detail=f"{why} before its time" + ("" if withdrawn else "; handed over again when due"))

    def _request(self, c: Candidate, profile: Any, progress: dict) -> Any:
        try:
            return build_request(self.rec.root, load_post(self.rec.root, c.path), profile, post_id=c.post_id, at=c.at,
                                 key=c.key, resume=dict(progress))
        except SocialOpsError:
            return None

