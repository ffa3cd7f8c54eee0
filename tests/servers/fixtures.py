"""pytest fixtures for the real local servers (registered in tests/conftest.py).

Session-scoped, each started once on first use and stopped at the end of the session:

- ``bluesky_pds``      a real Bluesky PDS (``@atproto/dev-env``), no AppView.
- ``bluesky_appview``  PDS + AppView (+ PostgreSQL, Redis): ``app.bsky.feed.getPostThread``,
                       ``app.bsky.actor.getProfile`` with like/repost/reply/follower counts.
- ``mastodon_server``  ``mastodon_mock serve`` (third-party Mastodon API implementation).

Function-scoped helpers: ``bluesky_account`` (a fresh account on ``bluesky_pds`` that no other test
writes to). See tests/servers/README.md for the dicts they yield.

When the software is not installed the fixtures skip, with the reason, unless the environment
variable ``CI`` is set: then they FAIL, so that CI can never silently skip real-server tests.
Install everything with ``bash .ci/install-servers.sh``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers import launch


def in_ci() -> bool:
    """True when the environment variable CI is set to anything but an explicit no."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(missing: str | None, what: str) -> None:
    """Skip (developer machine) or fail (CI) when a server's software is missing."""
    if missing is None:
        return
    message = f"{what} is not available: {missing}"
    if in_ci():
        pytest.fail(f"{message}. CI=true: real-server tests must not be skipped.", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def bluesky_pds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A running Bluesky PDS with accounts ``brand`` (brand.test) and ``fan`` (fan.test)."""
    require(launch.bluesky_missing(), "the Bluesky PDS")
    with launch.run_bluesky(tmp_path_factory.mktemp("bluesky-pds")) as server:
        yield server


@pytest.fixture(scope="session")
def bluesky_appview(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A running Bluesky PDS + AppView (PostgreSQL, Redis) with accounts ``brand`` and ``fan``."""
    require(launch.appview_missing(), "the Bluesky AppView network")
    with launch.run_bluesky(tmp_path_factory.mktemp("bluesky-appview"), appview=True) as server:
        yield server


@pytest.fixture
def bluesky_account(bluesky_pds: dict[str, Any]) -> dict[str, str]:
    """A fresh account on ``bluesky_pds``: {handle, did, password, email, access_jwt}."""
    return launch.new_bluesky_account(bluesky_pds)


@pytest.fixture(scope="session")
def mastodon_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A running mastodon_mock with seeded accounts ``brand`` and ``fan`` (fixed tokens)."""
    require(launch.mastodon_missing(), "mastodon_mock")
    with launch.run_mastodon(tmp_path_factory.mktemp("mastodon")) as server:
        yield server
