"""The one registry of networks is built from the network folders: each network's spec lives in its own folder
and declares every table the rest of socialops asks it for."""

import importlib
from pathlib import Path

import pytest

from socialops.networks import NETWORKS
from socialops.networks.contract import Comments, Metrics, ProfileBasics, Publishing
from socialops.networks.spec import ALL_TYPES, BASICS, CHECK, MANUAL, SYNC, MetricsCapability, NetworkSpec
from socialops.networks.types import POST_FIGURES

FOLDER = Path(__file__).resolve().parents[1] / "tools" / "socialops" / "networks"
COUNTINGS = {"chars", "graphemes", "urls23", "utf8_emoji"}


def test_every_network_folder_with_a_spec_is_registered_under_its_name():
    folders = {p.parent.name for p in FOLDER.glob("*/spec.py")}
    assert folders == set(NETWORKS)
    for name, spec in NETWORKS.items():
        module = importlib.import_module(f"socialops.networks.{name}.spec")
        assert module.SPEC is spec and spec.name == name and isinstance(spec, NetworkSpec)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_the_spec_declares_what_publishing_and_validation_ask(name):
    spec = NETWORKS[name]
    assert spec.label and spec.types and spec.types <= ALL_TYPES
    assert spec.counting in COUNTINGS and spec.text_limit > 0 and spec.max_media >= 1
    assert spec.idempotency in {"key", "rkey", "none"}
    assert set(spec.required_settings) <= set(spec.settings)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_the_spec_declares_what_profiles_moderation_and_metrics_ask(name):
    spec = NETWORKS[name]
    assert set(spec.basics) == set(BASICS)
    assert set(spec.basics.values()) <= {SYNC, CHECK, MANUAL, None}
    assert set(spec.text_limits) <= {"display_name", "bio"}
    assert all(size > 0 and counting in COUNTINGS for size, counting in spec.text_limits.values())
    assert set(spec.image_rules) <= {"avatar", "cover"}
    assert set(spec.profile_steps) <= {basic for basic, mode in spec.basics.items() if mode is not None}
    assert set(spec.moderation_steps) <= {"hide", "delete", "block"}
    if name != "sandbox":  # the sandbox needs no account, app or token
        assert [step for step, _ in spec.checklist] == ["account", "app", "token", "secret"]
    if spec.metrics is not None:
        assert isinstance(spec.metrics, MetricsCapability)
        assert spec.metrics.post <= set(POST_FIGURES) and spec.metrics.requests > 0


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_an_adapter_lives_in_its_network_folder_and_combines_the_families(name):
    spec = NETWORKS[name]
    cls = spec.load_adapter()  # every network has one (Threads since issue 20)
    assert cls.__module__ == f"socialops.networks.{name}.adapter"
    assert cls.spec is spec
    assert all(issubclass(cls, family) for family in (Publishing, Comments, Metrics, ProfileBasics))
    assert spec.metrics is not None  # a network with an adapter says what its metrics are
    metrics = importlib.import_module(f"socialops.networks.{name}.metrics")
    assert metrics.__file__.startswith(str(FOLDER / name))
