import gc

import pytest

from socialops.core.heap import no_cyclic_gc


@pytest.fixture
def collector_enabled():
    gc.enable()
    yield
    gc.unfreeze()
    gc.enable()


def test_the_collector_is_paused_within_and_enabled_again_after(collector_enabled):
    with no_cyclic_gc():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_enabled_again_after_an_error(collector_enabled):
    with pytest.raises(ValueError), no_cyclic_gc():
        raise ValueError("a step failed")
    assert gc.isenabled()


def test_a_paused_collector_stays_paused(collector_enabled):
    gc.disable()
    with no_cyclic_gc(freeze=True):
        pass
    assert not gc.isenabled() and gc.get_freeze_count() == 0  # nothing is frozen for a caller who paused it


def test_what_is_made_within_is_frozen_when_asked(collector_enabled):
    gc.unfreeze()
    with no_cyclic_gc(freeze=True):
        made = [[n] for n in range(1000)]
    assert gc.get_freeze_count() >= len(made) and gc.isenabled()
    gc.unfreeze()
    with no_cyclic_gc():
        made = [[n] for n in range(1000)]
    assert gc.get_freeze_count() == 0
