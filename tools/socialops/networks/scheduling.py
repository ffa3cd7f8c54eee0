"""Native scheduling: a post handed over to the network ahead of its time, so that it goes out on the minute
whatever the workflow's cron does (GitHub's schedules run late and sometimes not at all).

An adapter whose network schedules natively mixes in :class:`NativeScheduling` and sets ``handover_window``
(the shortest and longest lead the network takes). A profile turns it off with ``handover: false``, or sets
its lead with a duration (``handover: 3h``); on by default with :data:`DEFAULT_LEAD`.

The publisher (``socialops.publish.handover``) claims the pair as for publishing, then calls
:meth:`NativeScheduling.hand_over`; the ledger records ``scheduled`` (the network's id of the scheduled item,
the time, a digest of what was handed over). Before the time, an edited post's item is moved
(:meth:`~NativeScheduling.reschedule`) or cancelled and handed over again, a withdrawn one cancelled
(:meth:`~NativeScheduling.cancel_handover`); after it, :meth:`~NativeScheduling.handover_outcome` tells whether
the network published it. After a crash mid-hand-over, :meth:`~NativeScheduling.find_handover` looks for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from socialops.networks.types import Claim, PublishRequest, PublishResult

DEFAULT_LEAD = dt.timedelta(hours=2)  # handed over up to two hours ahead: edits before then are plain commits


@dataclass(frozen=True)
class Scheduled:
    """An item the network holds to publish at ``at``. ``remote_id``: the post's own id, where the network
    gives it in advance (Facebook's scheduled post keeps its id)."""

    id: str
    at: dt.datetime
    remote_id: str = ""
    url: str = ""


class NativeScheduling:
    """The hand-over capability (see the module text). Methods raise ``socialops.errors`` only."""

    handover_window: ClassVar[tuple[dt.timedelta, dt.timedelta]]

    def can_hand_over(self, item: PublishRequest) -> bool:
        """Whether the network's scheduling takes this post (its type); the others are published at their time."""
        return True

    def hand_over(self, item: PublishRequest, at: dt.datetime) -> Scheduled | PublishResult:
        """Give the network ``item`` to publish at ``at`` (uploading its media first, recording progress). A
        PublishResult when the network published it at once instead."""
        raise NotImplementedError

    def reschedule(self, scheduled: Scheduled, at: dt.datetime) -> Scheduled:
        raise NotImplementedError

    def cancel_handover(self, scheduled: Scheduled) -> None:
        """Withdraw the scheduled item; one already gone is fine."""
        raise NotImplementedError

    def handover_outcome(self, scheduled: Scheduled, request: PublishRequest | None) -> Scheduled | PublishResult | None:
        """After its time: the publication (PublishResult), still waiting (Scheduled), or None when the item is
        gone without a publication (cancelled on the network)."""
        raise NotImplementedError

    def find_handover(self, claim: Claim, at: dt.datetime) -> Scheduled | PublishResult | None:
        """A hand-over whose answer was never recorded (crash): the scheduled item, its publication, or None
        when the network has neither (handing over again cannot duplicate)."""
        raise NotImplementedError
