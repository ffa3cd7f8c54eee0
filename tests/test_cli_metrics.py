"""`socialops metrics`: the command over a sandbox repository -- summary, JSON, exit codes, shards and merge."""

from __future__ import annotations

import datetime as dt
import json
import socket

from click.testing import CliRunner

from socialops.cli import main
from socialops.repository.profiles import load_profile
from tests.helpers import PROFILES
from tests.helpers import make_repo as sandbox_repo
from tests.metrics_support import UTC, publish_to_sandbox, read_csv

WHEN = dt.datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


def repo(tmp_path, profiles=PROFILES):
    root = sandbox_repo(tmp_path / "repo", profiles=profiles)
    env = {"SOCIALOPS_SANDBOX": str(tmp_path / "sandbox.sqlite")}
    for pid in profiles:
        profile = load_profile(root, f"profiles/{pid}.yaml")
        if profile.network == "sandbox":
            publish_to_sandbox(root, profile, env, f"{pid}-post", WHEN)
    return root, env


def run(root, env, *args):
    return CliRunner().invoke(main, ["--repo", str(root), "metrics", *args], env=env, catch_exceptions=False)


def test_metrics_writes_the_csvs_and_a_summary(tmp_path):
    root, env = repo(tmp_path)
    result = run(root, env, "--now", "2026-12-02 08:00")
    assert result.exit_code == 0, result.output
    assert "Metrics for 2026-12-02" in result.stdout
    assert "- cafe-insta (sandbox): ok: 1 of 1 posts" in result.stdout
    assert "Changed: audience.csv, followers.csv, posts.csv" in result.stdout
    rows = read_csv(root / "metrics/posts.csv")
    assert sorted(r["profile"] for r in rows) == sorted(PROFILES)
    again = run(root, env, "--now", "2026-12-02 08:00", "--no-resume")  # the same data again
    assert again.exit_code == 0 and "Nothing changed in metrics/." in again.stdout


def test_json_output_only_json_on_stdout(tmp_path):
    root, env = repo(tmp_path)
    result = run(root, env, "--now", "2026-12-02 08:00", "--profile", "cafe-fb", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["failed"] is False and data["day"] == "2026-12-02"
    (entry,) = data["profiles"]
    assert entry["profile"] == "cafe-fb" and entry["publications"] == 1 and entry["posts_with_figures"] == 1
    assert entry["followers"] > 0


def test_partial_failure_exits_1_and_keeps_the_rest(tmp_path):
    with socket.socket() as s:  # a port nobody listens on: the Mastodon profile's server is down
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    profiles = dict(PROFILES, **{"down-masto": f"network: mastodon\naccount: '@x@y'\ntoken_env: DOWN_TOKEN\n"
                                               f"instance: http://127.0.0.1:{port}\n"})
    root, env = repo(tmp_path, profiles)
    from socialops.state.publications import Event, Ledger

    Ledger(root).append([Event(time=WHEN, post_id="m1", profile="down-masto", event="published", key="k",
                               remote_id="1135", url="http://x/1135", detail="posted")])
    env["DOWN_TOKEN"] = "down-secret-token"
    result = CliRunner().invoke(main, ["--repo", str(root), "metrics", "--now", "2026-12-02 08:00"],
                                env=env, catch_exceptions=False)
    assert result.exit_code == 1
    assert "down-masto (mastodon): FAILED in part" in result.stdout and "could not connect" not in result.stdout
    assert "no answer (ConnectError)" in result.stderr
    assert "down-secret-token" not in result.output
    assert {r["profile"] for r in read_csv(root / "metrics/posts.csv")} == set(PROFILES)


def test_shards_then_merge(tmp_path):
    root, env = repo(tmp_path)
    parts = []
    for i in (1, 2):
        part = tmp_path / f"part{i}"
        result = run(root, env, "--now", "2026-12-02 08:00", "--shard", f"{i}/2", "--out", str(part))
        assert result.exit_code == 0, result.output
        parts.append(part)
    assert not (root / "metrics").exists()
    fetched = [{r["profile"] for r in read_csv(p / "posts.csv")} for p in parts]
    assert fetched[0].isdisjoint(fetched[1]) and fetched[0] | fetched[1] == set(PROFILES)
    merged = run(root, env, "--merge", str(parts[0]), "--merge", str(parts[1]))
    assert merged.exit_code == 0 and "merged 2 folder(s)" in merged.stdout
    assert {r["profile"] for r in read_csv(root / "metrics/posts.csv")} == set(PROFILES)


def test_usage_errors_exit_2(tmp_path):
    root, env = repo(tmp_path)
    for args, words in ((["--shard", "3/2"], "--shard 3/2"), (["--profile", "nobody"], "nobody"),
                        (["--rate", "mastodon=fast"], "--rate"), (["--merge", str(tmp_path), "--shard", "1/2"],
                                                                   "--merge only merges"),
                        (["--merge", str(tmp_path / "missing")], "no such folder")):
        result = run(root, env, *args)
        assert result.exit_code == 2, (args, result.output)
        assert words in result.stderr
