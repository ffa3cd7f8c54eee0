"""Claims without an outcome: ask the network before anything is sent again.

A claim left open by an earlier run (it died mid-call) is found on the network -> published; certainly not
there -> the same claim goes on, resuming its uploads; the network cannot tell -> unconfirmed, and an issue
asks a person. The same question settles an answer lost during this run, and after the claims are pushed,
pairs another run claimed first are released.

Asking may itself fail for a while (a 429, a 5xx, the re-send's answer lost again): then the claim stays
open (a ``progress`` event ``reconcile`` records why) and the next run asks again -- with the same
Idempotency-Key while it is kept, by listing the account afterwards. ``unconfirmed`` is only for what no
API can tell (the adapter raises OutcomeUnknown), or a claim still undecided past the late window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from socialops.errors import NetworkError, OutcomeUnknown, SocialOpsError, TransientNetworkError
from socialops.networks.contract import Network
from socialops.networks.types import Claim
from socialops.publish.record import Recorder
from socialops.publish.request import build_request
from socialops.publish.results import (
    R_DEFERRED,
    R_ELSEWHERE,
    R_UNCONFIRMED,
    R_WOULD_RECONCILE,
    PairResult,
    local_time,
)
from socialops.publish.select import Candidate, claim_clone
from socialops.repository.posts import load_post

if TYPE_CHECKING:
    from socialops.repository.profiles import Profile

UNCONFIRMED_ISSUE = ("unconfirmed", ["unconfirmed"])


def reconcile_open_claims(c: Candidate, rec: Recorder, profile: Profile | None,
                          network_for: Callable[[Profile], Network]) -> None:
    """Settle the open claims of ``c`` (sets ``c.result``), or leave ``c`` to be claimed again: then
    ``c.key`` and ``c.resume`` carry on the latest claim that never reached the network."""
    st = c.state
    assert st is not None
    if rec.dry_run:
        c.result = PairResult(c.post_id, c.profile, R_WOULD_RECONCILE, c.at, c.path,
                              detail=f"{len(st.open_claims)} claim(s) without outcome")
        return
    if profile is None:
        rec.outcome(c, "unconfirmed", R_UNCONFIRMED, key=next(iter(st.open_claims)),
                    detail=f"the profile '{c.profile}' is gone, so the claim cannot be checked",
                    issue=UNCONFIRMED_ISSUE)
        return
    try:
        request = build_request(rec.root, load_post(rec.root, c.path), profile, post_id=c.post_id, at=c.at,
                                key=c.key, resume=c.resume)
    except SocialOpsError:
        request = None
    not_there = []
    for info in sorted(st.open_claims.values(), key=lambda k: k.time):
        claim = Claim(post_id=c.post_id, profile_id=c.profile, idempotency_key=info.key, claimed_at=info.time,
                      attempt=info.attempt, progress=dict(info.progress), request=request)
        try:
            found = network_for(profile).reconcile(claim)
        except OutcomeUnknown as exc:
            label = profile.spec.label if profile.spec else profile.network
            rec.outcome(c, "unconfirmed", R_UNCONFIRMED, key=info.key,
                        detail=f"a claim of {local_time(info.time, rec.tz)} has no recorded outcome and {label} "
                               f"cannot tell whether it was published ({rec.redact(profile, str(exc))})",
                        issue=UNCONFIRMED_ISSUE)
            return
        except TransientNetworkError as exc:
            defer(c, rec, profile, info.key, info.time, exc, what="could not check an earlier claim")
            return
        except (NetworkError, SocialOpsError) as exc:
            c.result = PairResult(c.post_id, c.profile, R_DEFERRED, c.at, c.path,
                                  detail="could not check an earlier claim: "
                                         f"{rec.redact(profile, str(exc))}; the next run tries again")
            return
        if found is not None:
            rec.published(c, info.key, found, how="reconciled")
            return
        not_there.append(info)
    # None of the claims reached the network: go on with the latest one (resuming its uploads).
    keep = not_there[-1]
    rec.append([rec.event(c, "released", key=info.key, detail="reconciled: not on the network")
                for info in not_there[:-1]])
    c.key = keep.key
    c.resume = {step: dict(data) for step, data in keep.progress.items()}


def settle_lost_answer(c: Candidate, rec: Recorder, profile: Profile, network_for: Callable[[Profile], Network],
                       exc: OutcomeUnknown) -> bool:
    """The answer to publishing ``c`` was lost: ask the network. True when the pair is settled (published,
    or unconfirmed when the network cannot tell); False when the post is certainly not there."""
    claim = Claim(post_id=c.post_id, profile_id=c.profile, idempotency_key=c.key, claimed_at=rec.clock(),
                  attempt=c.attempt, progress=dict(c.request.resume), request=c.request)
    try:
        found = network_for(profile).reconcile(claim)
    except TransientNetworkError as rexc:
        # Not answerable right now (429, 5xx): the claim stays open and the next run asks again.
        defer(c, rec, profile, c.key, claim.claimed_at, rexc, what=f"{rec.redact(profile, str(exc))}; checking")
        return True
    except (NetworkError, SocialOpsError) as rexc:
        rec.outcome(c, "unconfirmed", R_UNCONFIRMED, key=c.key,
                    detail=f"{rec.redact(profile, str(exc))}; checking failed too: {rec.redact(profile, str(rexc))}",
                    issue=UNCONFIRMED_ISSUE)
        return True
    if found is not None:
        rec.published(c, c.key, found, how="reconciled")
        return True
    return False


def defer(c: Candidate, rec: Recorder, profile: Profile, key: str, claimed: dt.datetime, error: NetworkError, *,
          what: str) -> None:
    """The network could not be asked now: leave the claim ``key`` open for the next run (recording why), or,
    once the claim is older than the late window, hand it to a person (unconfirmed)."""
    reason = rec.redact(profile, str(error))
    if rec.clock() - claimed > rec.late_window:
        rec.outcome(c, "unconfirmed", R_UNCONFIRMED, key=key,
                    detail=f"{what} failed on every run for more than a late window: {reason}",
                    issue=UNCONFIRMED_ISSUE)
        return
    rec.append([rec.event(c, "progress", key=key, detail="reconcile",
                          data={"deferred": reason[:300], "at": rec.clock().isoformat()})])
    c.result = PairResult(c.post_id, c.profile, R_DEFERRED, c.at, c.path, attempt=c.attempt,
                          detail=f"{what} failed: {reason}; the claim stays open and the next run asks again")


def drop_lost_claims(claims: list[Candidate], rec: Recorder, *, clone: str) -> list[Candidate]:
    """After pushing the claims: pairs another run claimed (or published) first are released."""
    if not (rec.push and rec.result.pushed):
        return claims
    summary = rec.ledger.summary()
    keep = []
    released = []
    for c in claims:
        done = summary.is_published((c.post_id, c.profile))
        st = summary.get((c.post_id, c.profile))
        rivals = [k for k in (st.open_claims.values() if st else []) if k.key != c.key and claim_clone(k.run) != clone]
        if done or rivals:
            released.append(rec.event(c, "released", key=c.key, detail="another run claimed this pair first"))
            c.result = PairResult(c.post_id, c.profile, R_ELSEWHERE, c.at, c.path,
                                  detail="another run published it" if done else "another run claimed it first")
            continue
        keep.append(c)
    rec.append(released, outcomes=len(released))
    return keep
