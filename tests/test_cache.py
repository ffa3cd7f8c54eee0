"""core.cache: a value kept with its key; a large mapping in parts. A miss, never an error."""

import os
import pickle

from socialops.core import cache


def test_a_mapping_in_parts_reads_back_whole_for_its_key_only(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "PART", 3)
    path = tmp_path / "c.pickle"
    entries = {f"content/p{i}.md": (i, ("summary", i)) for i in range(10)}
    assert cache.save_parts(path, ("v", 1), {"head": True}, iter(entries.items()), len(entries))
    assert cache.load_parts(path, ("v", 1)) == ({"head": True}, entries)
    assert cache.load_parts(path, ("v", 2)) is None  # kept for another key
    with open(path, "rb") as fh:  # four parts of at most three, each its own pickle
        pickle.load(fh)
        assert [len(pickle.load(fh)) for _ in range(4)] == [3, 3, 3, 1]
    assert cache.save_parts(path, "k", None, iter([]), 0) and cache.load_parts(path, "k") == (None, {})


def test_a_cut_off_damaged_or_other_file_is_a_miss(tmp_path):
    path = tmp_path / "c.pickle"
    assert cache.load_parts(path, "k") is None  # none
    cache.save_parts(path, "k", None, iter({i: i for i in range(25_000)}.items()), 25_000)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    assert cache.load_parts(path, "k") is None
    path.write_bytes(b"garbage")
    assert cache.load_parts(path, "k") is None
    cache.save(path, "k", {"a": 1})  # a single pickle, as cache.save writes
    assert cache.load_parts(path, "k") is None and cache.load(path, "k") == {"a": 1}


def test_a_files_key_is_its_size_and_mtime_and_changes_with_either(tmp_path):
    from socialops.core.files import file_key, stat_key

    path = tmp_path / "post.md"
    path.write_text("one", encoding="utf-8")
    os.utime(path, ns=(5, 1_000))
    key = stat_key(str(path))
    assert key == file_key(os.stat(path)) and (key >> 64, key & (2**64 - 1)) == (1_000, 3)  # both read back
    path.write_text("two", encoding="utf-8")  # the same size
    os.utime(path, ns=(5, 2_000))
    assert stat_key(str(path)) != key
    path.write_text("three", encoding="utf-8")
    os.utime(path, ns=(5, 1_000))  # the same mtime
    assert stat_key(str(path)) != key
    assert stat_key(str(tmp_path / "missing.md")) is None


def test_a_mapping_packed_part_by_part_reads_back_whole_the_later_part_winning(tmp_path):
    path = tmp_path / "c.pickle"
    parts = [cache.pack_part({"a": 1, "b": 2}), cache.pack_part({}), cache.pack_part({"c": 3}),
             cache.pack_part({"b": 20})]
    assert cache.save_packed(path, "k", {"head": 1}, parts)
    head, entries = cache.load_parts(path, "k")
    assert head == {"head": 1} and entries == {"a": 1, "b": 20, "c": 3} and list(entries) == ["a", "b", "c"]
    assert cache.load_parts(path, "other") is None
    assert cache.save_packed(path, "k", None, []) and cache.load_parts(path, "k") == (None, {})
    assert not cache.save_packed(tmp_path / "c.pickle" / "below-a-file", "k", None, parts)  # cannot be written
