"""First comments that failed when their post went out, sent again by later runs.

The post is out, so its first comment is retried on its own: the publication's claim is handed to the
network's ``reconcile`` with the steps recorded when it was published (the post's id among them), which
finds the post and finishes its first comment by the comment's own key -- Mastodon's Idempotency-Key
``<key>:first_comment`` (and a look at the status's replies once the key may have expired), Bluesky's
record key derived from it, Facebook's list of the post's comments (it takes no key) -- so a comment whose
answer was lost is never made twice. A network whose reconcile cannot finish a comment (LinkedIn, Instagram)
is not retried blindly: the issue asks a person at once. Each try is a
``progress`` line ``first_comment_retry`` of the publication's key; after :data:`MAX_TRIES` tries, or
a late window after the post went out, the comment is given up and an issue asks a person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from socialops.errors import NetworkError, SocialOpsError
from socialops.networks.types import Claim
from socialops.publish.issues import pair_issue
from socialops.publish.request import build_request
from socialops.publish.results import R_COMMENT_FAILED, R_COMMENT_PENDING, R_COMMENT_SENT, PairResult
from socialops.repository.posts import load_post
from socialops.repository.recurrence import base_id
from socialops.state.publications import COMMENT_RETRY, Event, FirstComment

if TYPE_CHECKING:
    from socialops.networks.contract import Network
    from socialops.publish.record import Recorder
    from socialops.repository.profiles import Profile

MAX_TRIES = 4  # the try when the post went out, and three later runs
COMMENT_ISSUE = ("comment", ["publish-failed", "first-comment"])


def retry_first_comments(rec: Recorder, config: Any, pending: dict[tuple[str, str], tuple[FirstComment, str]],
                         published: dict[tuple[str, str], float], paths: dict[str, str],
                         network_for: Callable[[Profile], Network], *, only: set[str] | None) -> None:
    """Try each pending first comment once (rows in ``rec.result``, progress lines in the ledger)."""
    for (post_id, profile_id), (fc, remote_id) in sorted(pending.items()):
        if only is not None and profile_id not in only:
            continue
        profile = config.profiles.get(profile_id)
        path = paths.get(post_id) or paths.get(base_id(post_id))  # a recurring or evergreen post's occurrence
        went_out = dt.datetime.fromtimestamp(published[(post_id, profile_id)], dt.UTC)
        row = PairResult(post_id, profile_id, R_COMMENT_PENDING, went_out, path or "", remote_id=remote_id)
        rec.result.pairs.append(row)
        if profile is None or path is None:
            _tried(rec, row, fc, went_out, "the post file or its profile is gone", final=True)
            continue
        try:
            request = build_request(rec.root, load_post(rec.root, path), profile, post_id=post_id, at=went_out,
                                    key=fc.key, resume=dict(fc.progress))
            claim = Claim(post_id=post_id, profile_id=profile_id, idempotency_key=fc.key, claimed_at=went_out,
                          progress=dict(fc.progress), request=request)
            found = network_for(profile).reconcile(claim)
        except (NetworkError, SocialOpsError) as exc:
            _tried(rec, row, fc, went_out, rec.redact(profile, str(exc)))
            continue
        extra = found.extra if found is not None else {}
        sent = extra.get("first_comment_id") or extra.get("first_comment_uri")
        if sent:
            rec.append([_event(rec, row, fc, {"id": str(sent)})], outcomes=1)
            row.status, row.detail = R_COMMENT_SENT, f"on a later run ({fc.tries + 1}. try)"
            continue
        error = extra.get("first_comment_error") or (
            "the post is no longer on the network" if found is None else
            f"{profile.network} cannot send a first comment again without risking a second one")
        _tried(rec, row, fc, went_out, str(error), final=found is None or "first_comment_error" not in extra)


def _tried(rec: Recorder, row: PairResult, fc: FirstComment, went_out: dt.datetime, error: str, *,
           final: bool = False) -> None:
    """Record a failed try; the last one (or one a late window after the post) opens the issue."""
    final = final or fc.tries + 1 >= MAX_TRIES or rec.clock() - went_out > rec.late_window
    rec.append([_event(rec, row, fc, {"error": error[:300], "final": final} if final else {"error": error[:300]})],
               outcomes=1)
    row.detail = f"the first comment failed again ({fc.tries + 1}. try): {error}"
    if final:
        row.status = R_COMMENT_FAILED
        rec.issues.append(pair_issue("comment", row, COMMENT_ISSUE[1], detail=row.detail, tz=rec.tz))
    else:
        row.detail += "; the next run tries again"


def _event(rec: Recorder, row: PairResult, fc: FirstComment, data: dict[str, Any]) -> Event:
    return Event(time=rec.clock(), post_id=row.post_id, profile=row.profile, event="progress", key=fc.key,
                 detail=COMMENT_RETRY, data=data, run=rec.run_id)
