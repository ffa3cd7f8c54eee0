"""`socialops report`: writes reports/YYYY-MM.md and its charts; month from --month or --now; usage errors."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from socialops.cli import main
from socialops.metrics import fetch as lib
from socialops.repository.profiles import load_profile
from tests.helpers import PROFILES
from tests.helpers import make_repo as sandbox_repo
from tests.metrics_support import UTC, publish_to_sandbox


def repo(tmp_path):
    root = sandbox_repo(tmp_path / "repo", profiles=PROFILES)
    env = {"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}
    for n, pid in enumerate(sorted(PROFILES)):
        publish_to_sandbox(root, load_profile(root, f"profiles/{pid}.yaml"), env, f"{pid}-post",
                           dt.datetime(2026, 12, 1 + n, 7, 0, tzinfo=UTC))
    for day in range(3, 9):
        lib.fetch_metrics(root, now=dt.datetime(2026, 12, day, 5, 0, tzinfo=UTC), env=env)
    return root, env


def run(root, *args):
    return CliRunner().invoke(main, ["--repo", str(root), "report", *args], catch_exceptions=False)


def test_report_for_a_month(tmp_path):
    root, _ = repo(tmp_path)
    result = run(root, "--month", "2026-12")
    assert result.exit_code == 0, result.output
    assert "wrote reports/2026-12.md and 6 chart(s)" in result.stdout
    text = (root / "reports/2026-12.md").read_text()
    assert text.startswith("# Social media report 2026-12") and "5 publications on 5 profiles" in text
    assert (root / "reports/2026-12-heatmap.png").is_file()
    again = run(root, "--month", "2026-12", "--print")
    assert again.exit_code == 0 and "(unchanged)" in again.stderr
    assert again.stdout == text


def test_default_month_comes_from_now_in_the_plans_timezone(tmp_path):
    root, _ = repo(tmp_path)
    # 22:30 UTC on 30 November is already December in Helsinki
    result = run(root, "--now", "2026-11-30T22:30:00+00:00")
    assert result.exit_code == 0 and "wrote reports/2026-12.md" in result.stdout


def test_a_month_without_data_says_so(tmp_path):
    root, _ = repo(tmp_path)
    result = run(root, "--month", "2027-02", "--print")
    assert result.exit_code == 0
    assert "No posts with figures were published this month." in result.stdout


def test_bad_month_is_a_usage_error(tmp_path):
    root, _ = repo(tmp_path)
    result = run(root, "--month", "12/2026")
    assert result.exit_code == 2 and "YYYY-MM" in result.stderr
