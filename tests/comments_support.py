"""Shared set-up for the comments and moderate command tests: a scratch copy of the example repository with
profiles of known content, where a few days of publishing happened on the sandbox network."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

from socialops.core.times import format_utc
from socialops.demo import scratch_copy
from socialops.publish.demo import publish_demo
from socialops.repository.git import commit_paths

ROOT = Path(__file__).resolve().parents[1]
START = dt.datetime(2026, 11, 23, 6, 0, tzinfo=dt.UTC)
IMITATES = {"kahvila-facebook": "facebook", "kahvila-instagram": "instagram", "kahvila-linkedin": "linkedin",
            "kahvila-mastodon": "mastodon", "kahvila-bluesky": "bluesky"}


def write_profiles(root: Path, extra: str | dict[str, str] = "") -> None:
    """The five example profiles with known content; ``extra`` YAML for all of them, or per profile id."""
    for pid, network in IMITATES.items():
        more = extra.get(pid, "") if isinstance(extra, dict) else extra
        (root / "profiles" / f"{pid}.yaml").write_text(
            f"id: {pid}\nnetwork: sandbox\nimitates: {network}\naccount: {pid}.example\n"
            f"display_name: Kahvila Aurinko\ntoken_env: SOCIALOPS_{pid.upper().replace('-', '_')}_TOKEN\n"
            f"owners: ['@kahvila-aurinko/social']\n{more}", encoding="utf-8")


def published_repo(tmp_path: Path, *, days: int = 5,
                   extra: str | dict[str, str] = "") -> tuple[Path, dict[str, str], dt.datetime]:
    root = scratch_copy(ROOT, tmp_path / "repo")
    write_profiles(root, extra)
    commit_paths(root, ["profiles"], "test profiles")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["SOCIALOPS_SANDBOX"] = str(root / ".socialops" / "sandbox.sqlite")
    moment = START
    while moment <= START + dt.timedelta(days=days):
        publish_demo(root, now=moment, env=env)
        moment += dt.timedelta(hours=3)
    return root, env, START + dt.timedelta(days=days, hours=6)


def outbox(root: Path) -> list[dict]:
    folder = root / ".socialops" / "outbox" / "issues"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("comments-*.json"))]


def sample_texts() -> list[str]:
    import yaml

    data = yaml.safe_load((ROOT / "tools/socialops/data/sandbox_comments.yaml").read_text(encoding="utf-8"))
    out = []
    for thread in data["threads"]:
        out.append(thread["text"])
        out += [r["text"] for r in thread.get("replies") or []]
    return out


def add_comment(root: Path, profile_id: str, cid: str, text: str, *, at: dt.datetime, name: str = "Commenter",
                author_id: str = "", parent: str | None = None) -> str:
    """A comment written on the network (the sandbox) on the profile's latest post, as anyone could: the
    attacker's and the customer's comments of the security tests. Returns its id."""
    import sqlite3

    from socialops.networks.sandbox.comments import SandboxComments

    conn = sqlite3.connect(root / ".socialops" / "sandbox.sqlite")
    try:
        conn.executescript(SandboxComments.COMMENT_SCHEMA)
        (post_row,) = conn.execute("SELECT id FROM posts WHERE profile = ? ORDER BY id DESC LIMIT 1",
                                   (profile_id,)).fetchone()
        thread = cid
        if parent is not None:
            post_row, thread = conn.execute("SELECT post_row, thread_id FROM audience_comments WHERE id = ?",
                                            (parent,)).fetchone()
        conn.execute("INSERT INTO audience_comments (id, post_row, account, parent_id, thread_id, author_id, "
                     "author_handle, author_name, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (cid, post_row, f"{profile_id}.example", parent, thread, author_id or f"u-{cid}",
                      f"h-{cid}", name, text, format_utc(at)))
        conn.commit()
    finally:
        conn.close()
    return cid
