"""What a post's profiles share while validate checks them (render.finished's texts, validate.media's view of
the post's media) gives each profile what it gets when worked out for that profile alone: every post shape here
(overrides, link tags at each level and `utm: false`, snippets, links, media in and out of the repository,
videos with subtitles) against profiles of every network, in several orders."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from socialops.content.render import finished
from socialops.repository.config import load_config
from socialops.repository.media import inspect_media, media_paths
from socialops.repository.posts import load_post
from socialops.validate.media import check_media_for_profile
from tests.helpers import image, make_repo, write

NETWORKS = ["mastodon", "bluesky", "facebook", "instagram", "linkedin", "threads", "google_business"]
PROFILES = {f"p-{net}": f"network: sandbox\nimitates: {net}\naccount: {net}\n" for net in NETWORKS}
PROFILES["p-tagged"] = ("network: sandbox\nimitates: mastodon\naccount: t\nutm: {source: '{network}', medium: x}\n"
                        "website: https://brand.example\n")
PROFILES["p-untagged"] = "network: sandbox\nimitates: bluesky\naccount: u\nutm: false\n"
ALL = list(PROFILES)

POSTS = {
    "plain": "Kahvia ja pullaa **tänään**. #kahvila",
    "link": "type: link\nlink: https://brand.example/a\n---\nKatso https://brand.example/b",
    "link-in-text": "type: link\nlink: https://brand.example/a\n---\nKatso https://brand.example/a nyt",
    "first-comment": "first_comment: \"#eka https://brand.example/c\"\n---\nTeksti",
    "snippet": "first_comment: x\n---\nHei {{snippet: sig}}",
    "snippet-comment": "first_comment: \"{{snippet: sig}}\"\n---\nHei",
    "post-utm": "utm: {campaign: kevät}\nlink: https://brand.example/d\n---\nLue https://brand.example/e",
    "post-no-utm": "utm: false\n---\nLue https://brand.example/e",
    "override-network": "overrides:\n  mastodon: {body: \"Lyhyt\"}\n  bluesky: {first_comment: toinen}\n---\nPitkä",
    "override-profile": "overrides:\n  p-linkedin: {body: \"LinkedIn\", link: \"https://brand.example/l\"}\n"
                        "  p-tagged: {utm: false}\n---\nTeksti",
    "override-empty": "overrides:\n  nowhere: {body: x}\n---\nTeksti",
    "override-media": "media: [{path: a.jpg, alt: A}]\noverrides:\n  instagram: {media: [{path: b.jpg, alt: B}]}\n"
                      "---\nKuva",
    "images": "media: [{path: a.jpg, alt: A}, {path: ../../media/c.png}, {path: missing.jpg, alt: M}, "
              "{path: ../../../../etc/passwd}, {path: tall.jpg, alt: " + "x" * 1600 + "}]\n---\nKuvia",
    "video": "type: reel\nmedia: [{path: v.mp4, captions: v.vtt, alt: V}]\n---\nVideo",
    "video-file": "type: video\ncaptions: file\nmedia: [{path: v.mp4, captions: v.srt}]\n---\nVideo",
    "video-bare": "type: video\nmedia: [v.mp4]\n---\nVideo",
    "carousel": "type: carousel\nmedia: [a.jpg, b.jpg, a.jpg, b.jpg, a.jpg, b.jpg, a.jpg, b.jpg, a.jpg, b.jpg, "
                "a.jpg]\n---\nMonta",
    "text-with-media": "type: text\nmedia: [a.jpg]\n---\nTeksti",
    "other-file": "media: [doc.pdf]\n---\nTiedosto",
}


def _repo(tmp_path: Path, schedule_utm: str = "") -> Path:
    posts = {}
    for name, text in POSTS.items():
        head, _, body = text.rpartition("---\n")
        posts[f"content/2026/05/{name}.md"] = (f"---\nid: {name}\nprofiles: [{', '.join(ALL)}]\n{head}---\n"
                                               f"{body}\n")
    root = make_repo(tmp_path, posts, profiles=PROFILES,
                     schedule=f"timezone: Europe/Helsinki\n{schedule_utm}")
    write(root / "snippets" / "sig.md", "---\nmastodon: \"— kahvila (mastodon)\"\nfacebook: \"— kahvila (facebook)\"\n"
                                        "---\n— kahvila\n")
    folder = root / "content" / "2026" / "05"
    image(folder / "a.jpg")
    image(folder / "b.jpg", size=(600, 600))
    image(folder / "tall.jpg", size=(100, 2000))
    image(root / "content" / "media" / "c.png", size=(4000, 4000), fmt="PNG")
    (folder / "v.mp4").write_bytes(b"\0\0\0\x18ftypmp42" + b"\0" * 100)
    (folder / "v.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHei\n", encoding="utf-8")
    (folder / "v.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHei\n", encoding="utf-8")
    (folder / "doc.pdf").write_bytes(b"%PDF-1.4")
    return root


@pytest.mark.parametrize("schedule_utm", ["", "utm: {source: socialops}\n"], ids=["no-plan-utm", "plan-utm"])
def test_profiles_sharing_a_post_get_what_each_gets_alone(tmp_path, schedule_utm):
    root = _repo(tmp_path, schedule_utm)
    config = load_config(root, [])
    profiles = [config.profiles[pid] for pid in ALL]
    orders = [profiles, profiles[::-1], *itertools.islice(itertools.permutations(profiles), 1, 40, 13)]
    shared_texts = checked = 0
    for name in POSTS:
        post = load_post(root, f"content/2026/05/{name}.md")
        stats = {rel: inspect_media(root, rel) for rel in media_paths(post)}
        for order in orders:
            shared: dict = {}
            for profile in order:
                spec = profile.spec
                alone = finished(post, profile, spec, config.kit)
                together = finished(post, profile, spec, config.kit, shared)
                assert together[:4] == alone[:4] and together[4] == alone[4], (name, profile.id)
                assert (together[2] is post.media) == (alone[2] is post.media)
                out_alone: list = []
                out_together: list = []
                check_media_for_profile(post, alone[2], spec, out_alone, stats)
                check_media_for_profile(post, together[2], spec, out_together, stats, shared)
                assert out_together == out_alone, (name, profile.id)
                checked += 1
            shared_texts += any(isinstance(key, bool) for key in shared)
    assert checked == len(POSTS) * len(orders) * len(profiles)
    # Some profiles found their text in what another had worked out; none where the plan tags every link
    assert bool(shared_texts) is not bool(schedule_utm)


def test_media_problems_found_once_per_post_are_found_for_each_profile(tmp_path):
    """The view of a post's media is shared, not the problems: each profile gets its own."""
    root = _repo(tmp_path)
    config = load_config(root, [])
    post = load_post(root, "content/2026/05/carousel.md")
    shared: dict = {}
    codes = []
    for pid in ("p-mastodon", "p-bluesky"):
        out: list = []
        check_media_for_profile(post, post.media, config.profiles[pid].spec, out, {}, shared)
        codes.append([p.code for p in out])
    assert codes[0] == codes[1] and "too-many-media" in codes[0]


def test_post_keys_are_judged_by_shape_as_one_by_one(tmp_path):
    """_check_keys remembers the shapes (keys in order, their values' types) that had no unknown key and no wrong
    type: a post of a shape met before gets what it gets when checked first, for every shape here."""
    from socialops.validate import posts as rules

    fronts = ["id: a\ntitle: T\ntags: [x]", "id: a\ntitle: 5\ntags: [x]", "id: a\ntitle: [T]\ntags: [x]",
              "title: T\nid: a\ntags: [x]", "id: a\ntitle: T\ntags: x", "id: a\ntitel: T\ntags: [x]",
              "id: 7\ntitle: 1.5", "id: true", "id: a\nmanual: yes", "id: a\nmanual: \"yes\"", "id: a\nmanual: 1",
              "id: a\npublish_at: 2026-12-01 09:00:00", "id: a\npublish_at: 2026-12-01", "id: a\nprofiles: 5",
              "id: a\nlocal: {topic: x}\nlive: {}", "id: a\nlocal: [x]", "id: a\ncolour: red\nstatus: redy"]
    posts = {f"content/{n}/{i}.md": f"---\n{front}\n---\nHei\n" for n in range(2) for i, front in enumerate(fronts)}
    root = make_repo(tmp_path, posts, profiles=PROFILES)
    loaded = [load_post(root, rel) for rel in posts]

    def each_alone() -> list:
        found = []
        for post in loaded:
            rules._FITTING_SHAPES.clear()
            out: list = []
            rules._check_keys(post, out)
            found.append(out)
        return found

    alone = each_alone()
    rules._FITTING_SHAPES.clear()
    in_turn = []
    for post in loaded:
        out: list = []
        rules._check_keys(post, out)
        in_turn.append(out)
    assert in_turn == alone
    assert len(rules._FITTING_SHAPES) < len(fronts)  # shapes with problems are not remembered
    assert any(alone) and not all(alone)
