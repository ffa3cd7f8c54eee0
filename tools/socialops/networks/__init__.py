"""The networks: the one registry of their specs; adapters are imported only when a command needs them.

Adding a network means adding its folder (spec.py, adapter.py, metrics.py) and its spec to the registry below
(tests/test_networks_registry.py checks that every folder with a spec is registered)."""

from socialops.networks.bluesky.spec import SPEC as BLUESKY
from socialops.networks.facebook.spec import SPEC as FACEBOOK
from socialops.networks.google_business.spec import SPEC as GOOGLE_BUSINESS
from socialops.networks.instagram.spec import SPEC as INSTAGRAM
from socialops.networks.linkedin.spec import SPEC as LINKEDIN
from socialops.networks.mastodon.spec import SPEC as MASTODON
from socialops.networks.sandbox.spec import SPEC as SANDBOX
from socialops.networks.spec import NetworkSpec
from socialops.networks.threads.spec import SPEC as THREADS

NETWORKS: dict[str, NetworkSpec] = {
    spec.name: spec for spec in (SANDBOX, MASTODON, BLUESKY, FACEBOOK, INSTAGRAM, LINKEDIN, THREADS,
                                         GOOGLE_BUSINESS)
}
