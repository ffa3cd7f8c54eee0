import pytest

from tests.helpers import OPEN_CLIENTS

pytest_plugins = ["tests.servers.fixtures", "tests.contract.plugin"]


@pytest.fixture(autouse=True)
def close_tracked_clients():
    yield
    while OPEN_CLIENTS:
        OPEN_CLIENTS.pop().close()
