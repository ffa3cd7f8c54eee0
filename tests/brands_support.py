"""An agency's repository for the brands' tests: two brands (acme plans in Stockholm, beta in the plan's
Helsinki) and one profile of no brand."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import make_repo

SCHEDULE = """\
timezone: Europe/Helsinki
pillars:
  menu: {share: 60}
  events: {share: 40}
cadence:
  house-masto:
    - {days: [mon], times: ["09:00"]}
brands:
  acme:
    timezone: Europe/Stockholm
    pillars:
      launches: {share: 100}
    cadence:
      acme-masto:
        - {days: [tue], times: ["10:00"]}
  beta:
    cadence:
      beta-bsky:
        - {days: [wed], times: ["11:00"]}
"""

PROFILES = {
    "acme-masto": "network: sandbox\nimitates: mastodon\naccount: acme\nbrand: acme\nowners: ['@acme-team']\n",
    "acme-bsky": "network: sandbox\nimitates: bluesky\naccount: acme.example\nbrand: acme\n",
    "beta-bsky": "network: sandbox\nimitates: bluesky\naccount: beta.example\nbrand: beta\nowners: ['@beta-team']\n",
    "house-masto": "network: sandbox\nimitates: mastodon\naccount: house\nowners: ['@house']\n",
}


def post(pid: str | list[str], *, id: str, at: str | None = "2026-12-01 09:00", pillar: str | None = None) -> str:
    profiles = pid if isinstance(pid, list) else [pid]
    lines = ["---", f"id: {id}", f"profiles: [{', '.join(profiles)}]", "status: ready"]
    if at:
        lines.append(f"publish_at: {at}")
    if pillar:
        lines.append(f"pillar: {pillar}")
    return "\n".join([*lines, "---", f"Hello from {id}", ""])


def agency_repo(root: Path, posts: dict[str, str] | None = None, *, schedule: str = SCHEDULE) -> Path:
    default = {
        "content/acme/launch.md": post("acme-masto", id="acme-launch", pillar="launches"),
        "content/beta/2026/hello.md": post("beta-bsky", id="beta-hello", pillar="menu"),
        "content/2026/house.md": post("house-masto", id="house-news", pillar="events"),
    }
    return make_repo(root, default if posts is None else posts, profiles=PROFILES, schedule=schedule)
