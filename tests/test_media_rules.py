"""Media rules per network and post type (issue 14, point 3), table-driven: each row is a file's facts as
repository.media.inspect_media reports them (bytes, pixels, seconds), the problems validation gives, and the
reference's words behind the row (../shared/reference/platform-api.md, sections x.2 and x.7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialops.core.problems import ERROR, WARNING
from socialops.networks import NETWORKS
from socialops.repository.posts import load_post
from socialops.validate.media import check_media_for_profile

MB = 1_000_000
OK: set = set()

ROWS = [
    # network, type, file, facts, expected {(code, severity)}, the reference
    # Instagram: feed images 4:5..1.91:1 [C]; stories and reels 9:16 [C]; reels 3 s-15 min, <= 1920 wide [C];
    # story video <= 60 s [U]; video size 300 MB or 1 GB [U]
    ("instagram", "story", "s.jpg", {"width": 1080, "height": 1920, "size": 2 * MB}, OK, "a 9:16 story (the bug)"),
    ("instagram", "image", "s.jpg", {"width": 1080, "height": 1920, "size": 2 * MB}, {("image-aspect", ERROR)},
     "feed 4:5..1.91:1"),
    ("instagram", "image", "s.jpg", {"width": 1080, "height": 1350, "size": 2 * MB}, OK, "4:5 feed"),
    ("instagram", "carousel", "s.jpg", {"width": 300, "height": 300, "size": MB}, {("image-size", ERROR)},
     "at least 320 px wide"),
    ("instagram", "image", "s.jpg", {"width": 1080, "height": 1080, "size": 9 * MB}, {("image-size", ERROR)},
     "JPEG up to 8 MB"),
    ("instagram", "story", "s.jpg", {"width": 1080, "height": 1350, "size": MB}, {("image-aspect", WARNING)},
     "a 4:5 story is shown with bars"),
    ("instagram", "reel", "r.mp4", {"width": 1080, "height": 1920, "seconds": 30, "size": 50 * MB}, OK, "9:16 reel"),
    ("instagram", "reel", "r.mp4", {"width": 1920, "height": 1080, "seconds": 30, "size": 50 * MB},
     {("video-aspect", WARNING)}, "a landscape reel"),
    ("instagram", "reel", "r.mp4", {"width": 1080, "height": 1920, "seconds": 2, "size": MB},
     {("video-duration", ERROR)}, "reels from 3 s"),
    ("instagram", "video", "r.mp4", {"width": 1080, "height": 1080, "seconds": 16 * 60, "size": 200 * MB},
     {("video-duration", ERROR)}, "reels up to 15 min"),
    ("instagram", "video", "r.mp4", {"width": 2160, "height": 2160, "seconds": 20, "size": 50 * MB},
     {("video-size", ERROR)}, "at most 1920 px wide"),
    ("instagram", "story", "r.mp4", {"width": 1080, "height": 1920, "seconds": 70, "size": 50 * MB},
     {("video-duration", WARNING)}, "story video up to 60 s [U]"),
    ("instagram", "video", "r.mp4", {"width": 1080, "height": 1350, "seconds": 60, "size": 400 * MB},
     {("video-size", WARNING)}, "300 MB or 1 GB [U]"),
    # Facebook: photos < 10 MB [C]; reels 9:16, >= 540x960, 3-90 s [V]; video stories 9:16, <= 60 s
    ("facebook", "image", "p.jpg", {"width": 1080, "height": 1920, "size": 11 * MB}, {("image-size", ERROR)},
     "photos under 10 MB"),
    ("facebook", "image", "p.jpg", {"width": 1080, "height": 1920, "size": 2 * MB}, OK, "any shape in the feed"),
    ("facebook", "story", "p.jpg", {"width": 1080, "height": 1920, "size": 2 * MB}, OK, "a 9:16 story"),
    ("facebook", "story", "p.jpg", {"width": 1080, "height": 1350, "size": 2 * MB}, {("image-aspect", WARNING)},
     "a 4:5 story"),
    ("facebook", "reel", "r.mp4", {"width": 1080, "height": 1920, "seconds": 45, "size": 80 * MB}, OK, "a reel"),
    ("facebook", "reel", "r.mp4", {"width": 1920, "height": 1080, "seconds": 45, "size": 80 * MB},
     {("video-aspect", ERROR)}, "reels are 9:16 [V]"),
    ("facebook", "reel", "r.mp4", {"width": 1080, "height": 1920, "seconds": 95, "size": 80 * MB},
     {("video-duration", ERROR)}, "reels 3-90 s [V]"),
    ("facebook", "reel", "r.mp4", {"width": 480, "height": 854, "seconds": 20, "size": 10 * MB},
     {("video-size", ERROR)}, "at least 540x960 [V]"),
    ("facebook", "story", "r.mp4", {"width": 1080, "height": 1920, "seconds": 70, "size": 10 * MB},
     {("video-duration", ERROR)}, "video stories up to 60 s"),
    ("facebook", "video", "r.mp4", {"width": 1920, "height": 1080, "seconds": 600, "size": 900 * MB}, OK,
     "feed video: any shape"),
    # LinkedIn: video 3 s-30 min, <= 500 MB, 1:2.4..2.4:1 [C]; images < 36,152,320 px [C]
    ("linkedin", "video", "r.mp4", {"width": 1920, "height": 1080, "seconds": 2, "size": MB},
     {("video-duration", ERROR)}, "from 3 s"),
    ("linkedin", "video", "r.mp4", {"width": 1920, "height": 1080, "seconds": 31 * 60, "size": 400 * MB},
     {("video-duration", ERROR)}, "up to 30 min"),
    ("linkedin", "video", "r.mp4", {"width": 1920, "height": 1080, "seconds": 60, "size": 600 * MB},
     {("video-size", ERROR)}, "up to 500 MB"),
    ("linkedin", "video", "r.mp4", {"width": 3000, "height": 1000, "seconds": 60, "size": 60 * MB},
     {("video-aspect", ERROR)}, "at most 2.4:1"),
    ("linkedin", "image", "p.jpg", {"width": 7000, "height": 7000, "size": 5 * MB}, {("image-size", ERROR)},
     "under 36,152,320 pixels"),
    # Mastodon defaults [V]: images 16 MB, video 103,809,024 bytes and 3840x2160
    ("mastodon", "image", "p.jpg", {"width": 1000, "height": 1000, "size": 17 * MB}, {("image-size", ERROR)},
     "images up to 16 MB"),
    ("mastodon", "video", "r.mp4", {"width": 1920, "height": 1080, "seconds": 60, "size": 104 * MB},
     {("video-size", ERROR)}, "video_size_limit"),
    ("mastodon", "video", "r.mp4", {"width": 4096, "height": 2160, "seconds": 60, "size": 50 * MB},
     {("video-size", ERROR)}, "at most 8,294,400 pixels"),
    # Bluesky lexicon [V]: images 2,000,000 bytes, video 100,000,000 bytes; the app plays 10 min [C]
    ("bluesky", "image", "p.jpg", {"width": 1000, "height": 1000, "size": 2_000_001}, {("image-size", ERROR)},
     "blob maxSize 2,000,000"),
    ("bluesky", "video", "r.mp4", {"width": 1920, "height": 1080, "seconds": 60, "size": 150 * MB},
     {("video-size", ERROR)}, "blob maxSize 100,000,000 (300 MB was allowed before)"),
    ("bluesky", "video", "r.mp4", {"width": 1920, "height": 1080, "seconds": 11 * 60, "size": 90 * MB},
     {("video-duration", WARNING)}, "the app plays 10 min"),
    # Threads [C]: images up to 10:1
    ("threads", "image", "p.jpg", {"width": 100, "height": 1100, "size": MB}, {("image-size", ERROR),
                                                                             ("image-aspect", ERROR)},
     "at least 320 wide, shapes to 10:1"),
]


def _post(tmp_path: Path, ptype: str, name: str, alt: str = "Kuva"):
    path = tmp_path / "content" / "p.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\nid: p\ntype: {ptype}\nprofiles: [x]\nmedia:\n  - {{path: {name}, alt: {alt}}}\n---\n"
                    "Teksti\n", encoding="utf-8")
    return load_post(tmp_path, "content/p.md")


@pytest.mark.parametrize(("network", "ptype", "name", "facts", "expected", "why"), ROWS,
                         ids=[f"{r[0]}-{r[1]}-{r[5]}" for r in ROWS])
def test_media_rules_per_network_and_type(tmp_path, network, ptype, name, facts, expected, why):
    post = _post(tmp_path, ptype, name)
    out: list = []
    check_media_for_profile(post, post.media, NETWORKS[network], out, {f"content/{name}": facts})
    rules = [p for p in out if p.code not in ("captions-missing", "type-media-mismatch")]  # not this test's
    assert {(p.code, p.severity) for p in rules} == expected, [p.message for p in rules]
    for problem in rules:
        assert problem.line == 6 and name in problem.message


def test_every_rule_names_its_source_with_a_confidence_tag():
    for spec in NETWORKS.values():
        for rule in spec.media_rules:
            assert rule.kind in ("image", "video")
            assert any(tag in rule.source for tag in ("[V", "[C", "[U")), (spec.name, rule)


def test_bluesky_video_alt_text_is_counted_in_graphemes_against_the_lexicon(tmp_path):
    spec = NETWORKS["bluesky"]
    ok = _post(tmp_path, "video", "r.mp4", alt="👍🏽" * 1_000)  # 1,000 graphemes, 4,000 code points
    out: list = []
    check_media_for_profile(ok, ok.media, spec, out, {})
    assert not [p for p in out if p.code == "alt-too-long"]
    long = _post(tmp_path, "video", "r.mp4", alt="ä" * 1_300)  # the PDS refused 1,300
    check_media_for_profile(long, long.media, spec, out, {})
    [problem] = [p for p in out if p.code == "alt-too-long"]
    assert problem.severity == ERROR and "1300 characters" in problem.message and "1000" in problem.message
    image = _post(tmp_path, "image", "p.jpg", alt="ä" * 1_300)  # images: no lexicon cap, the app's 2,000
    out = []
    check_media_for_profile(image, image.media, spec, out, {})
    assert not [p for p in out if p.code == "alt-too-long"]
