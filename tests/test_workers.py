"""core.workers: how the work is cut into chunks, that forked work gives what the same work here gives, and that\nin_this_process keeps the work here."""

from __future__ import annotations

import os

import pytest

from socialops.core import workers


@pytest.mark.parametrize("count", [1, 7, 99, 100, 101, 399, 1500, 10_000, 90_001, 100_000, 1_000_000])
@pytest.mark.parametrize("chunk", [1, 8, 100])
@pytest.mark.parametrize("processes", [2, 3, 8])
def test_chunks_cover_every_item_once_in_order_and_fit_in_a_pipe_page(count, chunk, processes):
    bounds = workers.chunk_bounds(count, chunk, processes)
    assert bounds[0][0] == 0 and bounds[-1][1] == count
    assert all(end == next_start for (_, end), (next_start, _) in zip(bounds, bounds[1:], strict=False))
    assert all(end > start for start, end in bounds)
    assert len(bounds) <= 1000  # 4 bytes each: one page, the least buffer a pipe has


def test_the_last_chunks_are_smaller_so_that_the_processes_finish_together():
    bounds = workers.chunk_bounds(10_000, 100, 2)
    sizes = [end - start for start, end in bounds]
    assert sizes[0] == 100 and max(sizes) == 100
    assert sizes == sorted(sizes, reverse=True)  # never a larger chunk after a smaller one
    assert sizes[-1] < 100 // 4 and sum(sizes[-4:]) < 100  # what is left at the end: less than one full chunk


def forking(monkeypatch, cpus: int) -> list[int]:
    """map_chunks forks for any number of items as if on `cpus` processors; the list counts the workers forked."""
    forks: list[int] = []
    real_fork_worker = workers._fork_worker
    monkeypatch.setattr(workers, "_fork_worker", lambda *a: forks.append(1) or real_fork_worker(*a))
    monkeypatch.setattr(workers, "PARALLEL_MIN", 1)
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)  # pytest's own threads do not matter
    monkeypatch.setattr(workers.os, "cpu_count", lambda: cpus)
    return forks


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_forked_work_gives_the_results_in_order_with_each_childs_report(monkeypatch):
    forks = forking(monkeypatch, 3)
    monkeypatch.setattr(workers, "CHUNK", 4)  # taken when map_chunks is not given a chunk size
    items = list(range(301))
    results, reports = workers.map_chunks(lambda n: (n * n, os.getpid()), items, report=lambda: os.getpid())
    assert forks == [1, 1] and len(reports) == 2 and os.getpid() not in reports
    assert [value for value, _ in results] == [n * n for n in items]
    assert len(workers.chunk_bounds(301, 4, 3)) > 20  # CHUNK was used: many chunks to share


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_in_this_process_forks_no_worker(monkeypatch):
    forks = forking(monkeypatch, 2)
    items = list(range(250))
    with workers.in_this_process():
        pids = workers.map_chunks(lambda _: os.getpid(), items)
    assert forks == [] and set(pids) == {os.getpid()}
    workers.map_chunks(lambda _: os.getpid(), items)
    assert forks == [1]  # outside it: a worker again


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_work_done_a_chunk_at_a_time_gives_each_chunks_value_in_order_and_says_where_it_ran(monkeypatch):
    forks = forking(monkeypatch, 2)
    items = list(range(250))
    parts, reports = workers.map_parts(lambda part: (part, workers.in_worker(), os.getpid()), items, chunk=10,
                                       report=workers.in_worker)
    assert forks == [1] and reports == [True] and not workers.in_worker()
    assert [n for part, _, _ in parts for n in part] == items  # every item once, in order
    assert [(part[0], part[-1] + 1) for part, _, _ in parts] == workers.chunk_bounds(250, 10, 2)
    for _, child, pid in parts:  # whichever process did a chunk (which one is a race), in_worker says so
        assert child == (pid != os.getpid())


def test_work_a_chunk_at_a_time_without_forking_is_cut_as_for_one_process(monkeypatch):
    monkeypatch.setattr(workers, "PARALLEL_MIN", 10**9)
    items = list(range(1234))
    parts = workers.map_parts(lambda part: part, items, chunk=100)
    assert [len(p) for p in parts] == [end - start for start, end in workers.chunk_bounds(1234, 100, 1)]
    assert [n for part in parts for n in part] == items and not workers.in_worker()
    assert workers.map_parts(lambda part: part, []) == []
