"""A cold validate: what it loads before its workers fork (Pillow once, for the workers to share; not OpenSSL:
the configuration's fingerprint is its text; not tempfile: a child's results go to a memfd), that the
fingerprint still changes with everything a post's problems depend on, and that the cache it saves from parts
pickled in the workers holds what a serial run's holds."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import pytest

from socialops.core import workers
from socialops.repository.config import load_config
from socialops.validate import cache as validatecache
from socialops.validate import engine
from tests.helpers import image, make_repo, write

POST = "---\nid: p{n}\nprofiles: [cafe-masto]\npublish_at: 2026-12-01 09:00\npillar: menu\n" \
       "media: [{{path: {media}, alt: a picture}}]\n---\nHei {n}\n"

COLD = """
import json, sys
from pathlib import Path
from socialops.core import workers
workers.PARALLEL_MIN, workers.CHUNK = 1, 2
workers.os.cpu_count = lambda: 2
from socialops.validate.engine import validate_repository
report = validate_repository(Path(sys.argv[1]))
print(json.dumps([sorted(m for m in ("PIL", "hashlib", "tempfile") if m in sys.modules),
                  [(p.path, p.code) for p in report.problems]]))
"""


def test_a_cold_validate_of_jpeg_and_png_media_loads_pillow_but_no_openssl_or_tempfile(tmp_path):
    image(tmp_path / "content/media/a.jpg", (1080, 1080))
    image(tmp_path / "content/media/b.png", (1080, 1350), "PNG")
    image(tmp_path / "content/media/c.png", (100, 1000), "PNG")
    posts = {f"content/2026/12/p{n:02}.md": POST.format(n=n, media=f"../../media/{'abc'[n % 3]}.{'jpg' if n % 3 == 0 else 'png'}")
             for n in range(12)}
    root = make_repo(tmp_path, posts)
    env = {k: v for k, v in os.environ.items() if k != engine.validatecache.VISIBILITY_ENV}
    out = subprocess.run([sys.executable, "-c", COLD, str(root)], capture_output=True, text=True, env=env, check=True)
    loaded, problems = json.loads(out.stdout)
    assert loaded == ["PIL"]  # images are read by Pillow, loaded once before the fork
    expected = engine.validate_repository(root, use_cache=False)  # here, where Pillow is loaded by the tests
    assert problems == [[p.path, p.code] for p in expected.problems]


def test_the_fingerprint_changes_with_each_thing_it_stands_for(tmp_path, monkeypatch):
    monkeypatch.delenv(engine.validatecache.VISIBILITY_ENV, raising=False)
    root = make_repo(tmp_path, {})
    write(root / "snippets/tags.md", "#kahvila\n")

    def fingerprint() -> str:
        return engine.config_fingerprint(load_config(root, []))

    seen = [fingerprint()]
    assert fingerprint() == seen[0]  # the same configuration, the same fingerprint
    schedule = (root / "schedule.yaml").read_text(encoding="utf-8")
    (root / "schedule.yaml").write_text(schedule.replace("Europe/Helsinki", "Europe/Stockholm"), encoding="utf-8")
    seen.append(fingerprint())
    profile = root / "profiles/cafe-bsky.yaml"
    profile.write_text(profile.read_text(encoding="utf-8") + "owners: ['@x']\n", encoding="utf-8")
    seen.append(fingerprint())
    profile.rename(root / "profiles/cafe-bsky2.yaml")  # the same settings under another name
    seen.append(fingerprint())
    write(root / "snippets/tags.md", "#kahvila #kallio\n")
    seen.append(fingerprint())
    monkeypatch.setenv(engine.validatecache.VISIBILITY_ENV, "private")
    seen.append(fingerprint())
    monkeypatch.setattr(engine, "__version__", "0.0.0-other")
    seen.append(fingerprint())
    assert len(set(seen)) == len(seen)


def test_a_childs_results_go_to_a_nameless_file_and_to_a_temporary_one_without_memfd(monkeypatch):
    with workers._spool() as spool:
        spool.write(b"results")
        spool.seek(0)
        assert spool.read() == b"results"
        if hasattr(os, "memfd_create"):
            assert os.readlink(f"/proc/self/fd/{spool.fileno()}").startswith("/memfd:socialops-results")

    def refused(*_args):
        raise OSError("memfd refused")

    monkeypatch.setattr(workers.os, "memfd_create", refused, raising=False)
    with workers._spool() as spool:
        spool.write(b"results")
        spool.seek(0)
        assert spool.read() == b"results"


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_forked_work_without_memfd_gives_the_same_results(monkeypatch):
    monkeypatch.setattr(workers, "PARALLEL_MIN", 1)
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)  # pytest's own threads do not matter
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    monkeypatch.delattr(workers.os, "memfd_create", raising=False)
    results, reports = workers.map_chunks(lambda n: n * 3, list(range(500)), report=lambda: os.getpid())
    assert results == [n * 3 for n in range(500)] and len(reports) == 1 and reports[0] != os.getpid()


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_the_cache_saved_from_parts_made_in_workers_is_a_serial_runs(tmp_path, monkeypatch):
    image(tmp_path / "content/media/a.jpg", (1080, 1080))
    posts = {f"content/2026/12/p{n:02}.md": POST.format(n=n % 30, media="../../media/a.jpg") for n in range(40)}
    posts["content/2026/12/p05.md"] = "no frontmatter\n"
    root = make_repo(tmp_path, posts)  # p30..p39 repeat the ids of p00..p09: their lines are found at the end
    serial = engine.validate_repository(root)
    saved = validatecache.load_entries(root)
    monkeypatch.setattr(workers, "PARALLEL_MIN", 1)
    monkeypatch.setattr(workers, "CHUNK", 3)
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)  # pytest's own threads do not matter
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    for rel in ("validate.pickle", "validate-report.pickle"):
        (root / ".socialops/cache" / rel).unlink()
    parallel = engine.validate_repository(root)
    assert parallel == serial and {p.code for p in serial.problems} >= {"duplicate-id", "unreadable"}
    with open(root / validatecache.CACHE_FILE, "rb") as fh:  # a part for each chunk, and the lines found last
        assert pickle.load(fh)[3] == len(workers.chunk_bounds(40, 3, 2)) + 1
    assert validatecache.load_entries(root) == saved
    assert sorted(rel for rel, entry in saved["posts"].items() if entry[4] is not None) == sorted(
        rel for rel in posts if int(rel[-5:-3]) % 30 < 10 and int(rel[-5:-3]) % 30 != 5)  # the duplicates' lines
    os.utime(root / "content/2026/12/p12.md", ns=(1, 1))  # a warm run after a change reads the cache back
    monkeypatch.setattr(workers, "PARALLEL_MIN", 2)  # its one post checked here, where the list below sees it
    checked = []
    real_check = engine._check_one
    monkeypatch.setattr(engine, "_check_one", lambda *a: checked.append(a[1]) or real_check(*a))
    assert engine.validate_repository(root) == serial and checked == ["content/2026/12/p12.md"]
