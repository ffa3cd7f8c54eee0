"""Loading the configuration (repository.config) only loads: rules run where a command asks for them."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from socialops.cli import main
from socialops.errors import ConfigError
from socialops.repository.config import load_config
from socialops.validate.engine import config_problems, validate_repository
from tests.publish_support import git_init, make_repo, write_image, write_post, write_profile

# Imitates Bluesky, whose rules check the profile picture's pixels: validating this profile loads Pillow.
PICTURED = {"imitates": "bluesky", "avatar": "media/a.png"}


def test_a_configuration_with_rule_problems_loads_and_validation_reports_them(tmp_path):
    root = make_repo(tmp_path / "repo", profiles=(), schedule={"timezone": "Mars/Olympus", "pillars": "menu"})
    write_profile(root, "cafe", bio="x" * 1000, **PICTURED)  # too long a bio; no picture file
    config = load_config(root)
    assert list(config.profiles) == ["cafe"] and config.profiles["cafe"].raw["bio"] == "x" * 1000
    assert config.schedule.raw["timezone"] == "Mars/Olympus"
    codes = {(p.path, p.code) for p in config_problems(config)}
    assert {("schedule.yaml", "schedule-timezone"), ("schedule.yaml", "wrong-type"),
            ("profiles/cafe.yaml", "profile-text-too-long"), ("profiles/cafe.yaml", "media-missing")} <= codes
    assert codes <= {(p.path, p.code) for p in validate_repository(root, use_cache=False).problems}


@pytest.mark.parametrize("rel", ["schedule.yaml", "profiles/cafe.yaml"])
def test_a_file_that_cannot_be_read_is_a_config_error_or_a_problem_when_collected(tmp_path, rel):
    root = make_repo(tmp_path / "repo", profiles=("cafe", "bar"))
    (root / rel).write_text("key: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_config(root)
    assert raised.value.path == rel and raised.value.line
    unreadable: list = []
    config = load_config(root, unreadable)
    assert [(p.path, p.code) for p in unreadable] == [(rel, "unreadable")]
    assert set(config.profiles) == {"cafe", "bar"}  # the others load; a broken profile stands in as empty
    assert (rel, "unreadable") in {(p.path, p.code) for p in validate_repository(root, use_cache=False).problems}


# Runs the CLI in a fresh interpreter and prints which of these libraries the run imported.
_IMPORTED = """
import sys
from socialops.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    print("exit", exc.code, file=sys.stderr)
print(sorted(m for m in ("PIL", "webvtt", "socialops.validate.engine") if m in sys.modules))
"""


def test_publish_comments_and_metrics_runs_do_not_import_pillow(tmp_path):
    root = make_repo(tmp_path / "repo", profiles=("sandbox-a",))
    write_profile(root, "sandbox-a", **PICTURED)
    write_image(root, "profiles/media/a.png")
    write_post(root, "hello", profiles=["sandbox-a"], at="2026-12-01 09:00")
    git_init(root)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SOCIALOPS_SANDBOX": str(tmp_path / "box.sqlite")}
    runs = [("publish", "--now", "2026-12-01 09:30", "--no-push"), ("comments", "--now", "2026-12-01 12:00",
            "--no-push"), ("metrics", "--now", "2026-12-02 08:00")]
    for args in runs:
        proc = subprocess.run([sys.executable, "-c", _IMPORTED, "--repo", str(root), *args], capture_output=True,
                              text=True, env=env, timeout=120)
        assert "exit 0" in proc.stderr, (args, proc.stderr[-2000:])
        assert proc.stdout.strip().splitlines()[-1] == "[]", (args, proc.stdout)
    assert "published" in (root / "state" / "publications.csv").read_text(encoding="utf-8")
    # validation, by contrast, checks the profile picture
    proc = subprocess.run([sys.executable, "-c", _IMPORTED, "--repo", str(root), "validate", "--no-cache"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert "PIL" in proc.stdout


@pytest.mark.parametrize("command", ["publish", "comments", "metrics"])
def test_a_run_stops_with_exit_2_naming_a_file_that_cannot_be_read(tmp_path, monkeypatch, command):
    root = make_repo(tmp_path / "repo", profiles=("sandbox-a",))
    (root / "profiles" / "sandbox-a.yaml").write_text("network: sandbox\naccount: [unclosed\n", encoding="utf-8")
    monkeypatch.setenv("SOCIALOPS_SANDBOX", str(tmp_path / "box.sqlite"))
    result = CliRunner().invoke(main, ["--repo", str(root), command, "--now", "2026-12-01 09:30"])
    assert result.exit_code == 2, result.output
    assert "profiles/sandbox-a.yaml" in result.stderr
