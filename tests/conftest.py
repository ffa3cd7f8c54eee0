import pytest  # noqa: F401

pytest_plugins = ["tests.servers.fixtures"]
