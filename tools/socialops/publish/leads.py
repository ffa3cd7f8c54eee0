"""How far ahead a profile's posts are handed over to the network's own scheduling (``handover`` in the
profile: true, false, or a lead such as ``3h``; on by default where the network schedules natively)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from socialops.errors import ConfigError
from socialops.networks import NETWORKS
from socialops.networks.scheduling import DEFAULT_LEAD, NativeScheduling
from socialops.repository.schedule import parse_duration

if TYPE_CHECKING:
    from socialops.repository.profiles import Profile


def adapter_for(profile: Profile | None) -> Any:
    """The adapter class of ``profile``'s network, or None (unknown network, or not available here)."""
    spec = NETWORKS.get(profile.network) if profile is not None else None
    if spec is None:
        return None
    try:
        return spec.load_adapter()
    except (ImportError, AttributeError):
        return None


def handover_lead(profile: Profile | None) -> dt.timedelta | None:
    """How far ahead ``profile``'s timed posts are handed over, or None (its network cannot schedule, or the
    profile says ``handover: false``). Kept within the network's window (shortest and longest lead)."""
    if profile is None or profile.setting("handover") is False:
        return None
    adapter = adapter_for(profile)
    if not (isinstance(adapter, type) and issubclass(adapter, NativeScheduling)):
        return None
    value = profile.setting("handover")
    if value is None or value is True:
        lead = DEFAULT_LEAD
    else:
        try:
            lead = parse_duration(value)
        except ValueError as exc:
            raise ConfigError(f"handover: {exc} (or true / false)", path=profile.path,
                              line=profile.line("handover")) from None
    low, high = adapter.handover_window
    return min(max(lead, low), high)


def handover_min(profile: Profile) -> dt.timedelta:
    """The shortest lead the profile's network takes (0 when it cannot schedule)."""
    adapter = adapter_for(profile)
    return adapter.handover_window[0] if isinstance(adapter, type) and issubclass(adapter, NativeScheduling) \
        else dt.timedelta(0)
