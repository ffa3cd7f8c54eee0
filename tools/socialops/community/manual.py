"""What a person does by hand where a network's API cannot hide, delete or block a comment (the steps live
in each network's spec: ``moderation_steps``)."""

from __future__ import annotations

from socialops.networks import NETWORKS


def manual_steps(network: str, action: str) -> str:
    """What a person does by hand when ``network``'s API cannot do ``action`` (hide, unhide, delete, block)."""
    action = "hide" if action == "unhide" else action
    spec = NETWORKS.get(network)
    return (spec.moderation_steps.get(action) if spec else None) or (
        f"Open the comment in the {network} app or website and use its own menu (···) to {action} it, or report it.")
