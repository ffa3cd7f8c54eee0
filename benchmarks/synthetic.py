"""Synthetic socialops repositories of realistic shape, for benchmarks.

Posts have the frontmatter a team writes (id, title, 1-3 profiles, a time or the queue, a type, media
with alt text, a pillar, tags, sometimes overrides) and a body of a few sentences. Media files come
from a pool of small real JPEGs, as a repository reuses photos across posts.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

PILLARS = ["menu", "behind-the-scenes", "events", "community", "campaign"]
NETWORK_CYCLE = ["mastodon", "bluesky", "facebook", "linkedin", "instagram"]
WORDS = ("kahvi pulla leipomo aamu joulu tori glögi kaneli maito vaahto kakku kahvila asiakas ystävä "
         "coffee bun bakery morning market cinnamon milk cake friend neighbour season sweet warm").split()


def make_repo(root: Path, posts: int, *, profiles: int = 5, media_pool: int = 200, seed: int = 7,
              start: dt.datetime | None = None) -> Path:
    from PIL import Image

    rng = random.Random(seed)
    start = start or dt.datetime(2026, 1, 1, 9, 0)
    root.mkdir(parents=True, exist_ok=True)
    (root / "profiles").mkdir(exist_ok=True)
    profile_ids = []
    for i in range(profiles):
        network = NETWORK_CYCLE[i % len(NETWORK_CYCLE)]
        pid = f"brand{i // len(NETWORK_CYCLE)}-{network}"
        profile_ids.append((pid, network))
        (root / "profiles" / f"{pid}.yaml").write_text(
            f"network: sandbox\nimitates: {network}\naccount: {pid}\nowners: ['@team']\n", encoding="utf-8")
    cadence = "".join(f"  {pid}:\n    - {{days: [mon, wed, fri], times: ['09:00', '15:00']}}\n"
                      for pid, _ in profile_ids)
    pillars = "".join(f"  {p}: {{share: 20, goal: 'Goal {p}'}}\n" for p in PILLARS)
    (root / "schedule.yaml").write_text(
        f"timezone: Europe/Helsinki\nlate_window: 24h\nhorizon_days: 14\npillars:\n{pillars}cadence:\n{cadence}",
        encoding="utf-8")
    media_dir = root / "content" / "media"
    media_dir.mkdir(parents=True, exist_ok=True)
    for i in range(media_pool):
        Image.new("RGB", (1080, 1350), (i % 256, (i * 7) % 256, 90)).save(media_dir / f"m{i}.jpg", quality=20)
    for n in range(posts):
        when = start + dt.timedelta(hours=7 * n + rng.randint(0, 3))
        chosen = rng.sample(profile_ids, k=rng.randint(1, min(3, len(profile_ids))))
        has_ig = any(net == "instagram" for _, net in chosen)
        kind = rng.choice(["image", "image", "carousel", "text", "link"]) if not has_ig else rng.choice(
            ["image", "carousel"])
        lines = [f"id: post-{n:06d}", f"title: \"Post {n} {rng.choice(WORDS)}\"",
                 f"profiles: [{', '.join(pid for pid, _ in chosen)}]"]
        if rng.random() < 0.9:
            lines.append(f"publish_at: {when:%Y-%m-%d %H:%M}")
        lines.append(f"pillar: {rng.choice(PILLARS)}")
        lines.append(f"tags: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]")
        lines.append("status: ready" if rng.random() < 0.95 else "status: draft")
        if kind in ("image", "carousel"):
            lines.append("media:")
            for _ in range(1 if kind == "image" else rng.randint(2, 4)):
                lines.append(f"  - {{path: ../../media/m{rng.randrange(media_pool)}.jpg, alt: \"{rng.choice(WORDS)} "
                             f"{rng.choice(WORDS)} pöydällä\"}}")
        if kind == "link":
            lines.append(f"link: https://brand.example/{n}")
        if rng.random() < 0.5 and any(net == "linkedin" for _, net in chosen):
            lines.append(f"overrides:\n  linkedin:\n    body: \"Longer LinkedIn text {n}\"")
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40))).capitalize() + ". #kahvila\n"
        folder = root / "content" / f"{when:%Y}" / f"{when:%m}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"post-{n:06d}.md").write_text("---\n" + "\n".join(lines) + "\n---\n" + body, encoding="utf-8")
    return root
