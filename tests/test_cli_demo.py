import sqlite3
from pathlib import Path

from click.testing import CliRunner

from socialops.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_demo_runs_the_loop_in_a_scratch_copy(tmp_path):
    before = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "state").rglob("*")) if (ROOT / "state").exists() else []
    scratch = tmp_path / "demo"
    site = tmp_path / "site"
    result = CliRunner().invoke(main, ["--repo", str(ROOT), "demo", "--now", "2026-11-26 20:00", "--days", "3",
                                       "--into", str(scratch), "--site", str(site)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "== 1. validate" in out and "0 errors" in out
    assert "== 2. the plan" in out
    assert "== 1b. profiles" in out and "kahvila-mastodon (Mastodon @aurinko@mastodon.example): 0 differences" in out
    assert "published" in out and "missed" in out
    assert "Missed its time: talvikausi-alkaa" in out
    with sqlite3.connect(scratch / ".socialops" / "sandbox.sqlite") as db:
        accounts = {row[0] for row in db.execute("select account from posts")}
    assert len(accounts) >= 3
    assert (scratch / "state" / "publications.csv").exists()
    # the dashboard of the simulated days is built and the demo says where to open it
    assert "== 6. the dashboard" in out and f"open {(site / 'index.html').as_uri()}" in out
    assert "published · kahvila-" in (site / "calendar" / "2026-11.html").read_text()
    after = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "state").rglob("*")) if (ROOT / "state").exists() else []
    assert before == after  # the real repository is untouched


def test_demo_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x").write_text("x")
    result = CliRunner().invoke(main, ["--repo", str(ROOT), "demo", "--into", str(tmp_path)])
    assert result.exit_code == 2
    assert "not empty" in result.stderr


def test_demo_starts_where_the_example_posts_are_and_cleans_up_after_itself(tmp_path, monkeypatch):
    """Issue 14 point 8: on any day the demo publishes the example (fixed dates) instead of reporting it missed,
    says nothing about basics that are the same, removes its scratch copy, and ends with where to look."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    site = ["--site", str(tmp_path / "site")]
    result = CliRunner().invoke(main, ["--repo", str(ROOT), "demo", "--days", "1", *site], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Simulated time: 1 day from Mon 2026-11-16 08:00 (Europe/Helsinki)" in out
    assert "talvikausi-alkaa  kahvila-bluesky   2026-11-16 09:00  published" in out
    assert "missed" not in out and "Missed its time" not in out
    assert "  = " not in out and "sync   same" not in out
    assert "kahvila-mastodon (Mastodon @aurinko@mastodon.example): 0 differences" in out
    assert out.rstrip().splitlines()[-4] == "== Where to look" and "socialops demo --keep" in out
    assert list((tmp_path / "tmp").iterdir()) == []  # the scratch copy is gone

    kept = CliRunner().invoke(main, ["--repo", str(ROOT), "demo", "--days", "0", "--keep", *site],
                              catch_exceptions=False)
    assert kept.exit_code == 0, kept.output
    [scratch] = list((tmp_path / "tmp").iterdir())
    assert f"- {scratch}/state/publications.csv" in kept.stdout and f"rm -r {scratch}" in kept.stdout
