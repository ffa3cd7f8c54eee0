import sqlite3
from pathlib import Path

from click.testing import CliRunner

from socialops.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_demo_runs_the_loop_in_a_scratch_copy(tmp_path):
    before = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "state").rglob("*")) if (ROOT / "state").exists() else []
    scratch = tmp_path / "demo"
    result = CliRunner().invoke(main, ["--repo", str(ROOT), "demo", "--now", "2026-11-26 20:00", "--days", "3",
                                       "--into", str(scratch)], catch_exceptions=False)
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
    after = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "state").rglob("*")) if (ROOT / "state").exists() else []
    assert before == after  # the real repository is untouched


def test_demo_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "x").write_text("x")
    result = CliRunner().invoke(main, ["--repo", str(ROOT), "demo", "--into", str(tmp_path)])
    assert result.exit_code == 2
    assert "not empty" in result.stderr
