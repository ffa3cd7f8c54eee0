"""The networks: one registry dict of declarations; adapters are imported only when a command needs them."""

from socialops.networks.specs import NETWORKS, NetworkSpec

__all__ = ["NETWORKS", "NetworkSpec"]
