"""JSON Schemas under schemas/ and the example content they describe.

Documents are read the way the YAML language server sees them: YAML dates and timestamps
stay strings (so `2026-12-24` is a date string and `2026-13-01` a string the schema rejects),
while an unquoted `15:30` stays what PyYAML makes of it (the integer 930) and must be rejected.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from frontmatter.default_handlers import YAMLHandler

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
PROFILES = sorted((ROOT / "profiles").glob("*.yaml"))
POSTS = sorted((ROOT / "content").glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/*.md"))
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"

NETWORKS = {"mastodon", "bluesky", "facebook", "instagram", "linkedin", "threads"}


class EditorLoader(yaml.CSafeLoader):
    """The C safe loader, with timestamps left as the text the author wrote."""


EditorLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def load_yaml(text: str):
    return yaml.load(text, Loader=EditorLoader)


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(name: str, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator(name).iter_errors(doc)]


@pytest.fixture(scope="module")
def schedule() -> dict:
    return load_yaml((ROOT / "schedule.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def profiles() -> dict[str, dict]:
    return {p.stem: load_yaml(p.read_text(encoding="utf-8")) for p in PROFILES}


# --------------------------------------------------------------------------- the schemas themselves


@pytest.mark.parametrize("name", ["profile.schema.json", "schedule.schema.json", "post.schema.json"])
def test_schema_is_valid_draft_2020_12(name):
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize(
    ("name", "module", "attr"),
    [
        ("profile.schema.json", "socialops.repository.profiles", "PROFILE_KEYS"),
        ("schedule.schema.json", "socialops.repository.schedule", "SCHEDULE_KEYS"),
        ("post.schema.json", "socialops.repository.posts", "POST_KEYS"),
    ],
)
def test_schema_keys_match_what_the_loader_accepts(name, module, attr):
    """Editors must not flag keys that `socialops validate` accepts, nor suggest ones it rejects."""
    import importlib

    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    assert set(schema["properties"]) == set(getattr(importlib.import_module(module), attr))


def test_post_schema_nested_keys_match_the_loader():
    from socialops.repository import posts as content

    schema = json.loads((SCHEMAS / "post.schema.json").read_text(encoding="utf-8"))
    assert set(schema["$defs"]["media"]["items"]["properties"]) == set(content.MEDIA_KEYS)
    assert set(schema["properties"]["overrides"]["additionalProperties"]["properties"]) == set(content.OVERRIDE_KEYS)
    assert set(schema["properties"]["live"]["properties"]) == set(content.LIVE_KEYS)
    assert set(schema["properties"]["type"]["enum"]) == set(content.POST_TYPES)


def test_profile_schema_networks_match_the_registry():
    from socialops.networks import NETWORKS as SPECS

    schema = json.loads((SCHEMAS / "profile.schema.json").read_text(encoding="utf-8"))
    assert set(schema["properties"]["network"]["enum"]) == set(SPECS)
    assert set(schema["properties"]["imitates"]["enum"]) == set(SPECS) - {"sandbox"}


# --------------------------------------------------------------------------- example profiles


def test_there_is_one_example_profile_per_network(profiles):
    assert set(profiles) == {f"kahvila-{n}" for n in ("facebook", "instagram", "linkedin", "mastodon", "bluesky")}
    assert {p["imitates"] for p in profiles.values()} == {"facebook", "instagram", "linkedin", "mastodon", "bluesky"}


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.name)
def test_example_profile_validates(path):
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schemas/profile.schema.json"
    doc = load_yaml(text)
    assert errors("profile.schema.json", doc) == []
    assert doc["id"] == path.stem
    assert doc["network"] == "sandbox"
    assert re.fullmatch(r"SOCIALOPS_KAHVILA_[A-Z]+_TOKEN", doc["token_env"])


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.name)
def test_commented_go_live_settings_validate_when_uncommented(path):
    """The commented-out real-network settings in each example are themselves valid."""
    text = path.read_text(encoding="utf-8")
    doc = load_yaml(text)
    network = doc["imitates"]
    live_keys = {}
    for line in text.splitlines():
        m = re.match(r"^# (instance|service|page_id|ig_user_id|organization_id|media_base_url): (\S+)", line)
        if m:
            live_keys.update(yaml.safe_load(f"{m[1]}: {m[2]}"))
    assert live_keys, f"{path.name} shows no settings for going live"
    live = {k: v for k, v in doc.items() if k != "imitates"} | {"network": network} | live_keys
    assert errors("profile.schema.json", live) == []


GOOD_PROFILE = {
    "id": "acme-mastodon",
    "network": "mastodon",
    "account": "@acme@mastodon.example",
    "token_env": "ACME_MASTODON_TOKEN",
    "instance": "https://mastodon.example",
    "owners": ["@acme/social", "@alice"],
}


def test_good_real_network_profile_validates():
    assert errors("profile.schema.json", GOOD_PROFILE) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"network": "myspace"}, "is not one of"),
        ({"tokn_env": "X"}, "Additional properties are not allowed ('tokn_env' was unexpected)"),
        ({"token_env": None}, "'token_env' is a required property"),
        ({"token_env": "ghp_0123456789abcdef"}, "does not match"),
        ({"imitates": "facebook"}, "should not be valid"),
        ({"instance": None}, "'instance' is a required property"),
        ({"instance": "http://mastodon.example"}, "does not match"),
        ({"owners": ["alice"]}, "does not match"),
        ({"owners": "@alice"}, "is not of type 'array'"),
        ({"id": "Acme Mastodon"}, "does not match"),
        ({"timezone": "Helsinki time"}, "does not match"),
    ],
)
def test_wrong_profile_is_rejected(change, expected):
    doc = {k: v for k, v in (GOOD_PROFILE | change).items() if v is not None}
    found = errors("profile.schema.json", doc)
    assert any(expected in e for e in found), found


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"id": "a-sandbox", "network": "sandbox"}, "'imitates' is a required property"),
        ({"id": "a-sandbox", "network": "sandbox", "imitates": "sandbox"}, "is not one of"),
        ({"id": "fb", "network": "facebook", "token_env": "FB"}, "'page_id' is a required property"),
        ({"id": "fb", "network": "facebook", "token_env": "FB", "page_id": "12ab"}, "is not valid under any"),
        ({"id": "ig", "network": "instagram", "token_env": "IG", "ig_user_id": "1"}, "'media_base_url' is a required"),
        ({"id": "li", "network": "linkedin", "token_env": "LI"}, "'organization_id' is a required property"),
    ],
)
def test_network_specific_profile_rules(doc, expected):
    found = errors("profile.schema.json", doc)
    assert any(expected in e for e in found), found


def test_linkedin_accepts_organization_urn():
    doc = {"id": "li", "network": "linkedin", "token_env": "LI", "organization_id": "urn:li:organization:98765432"}
    assert errors("profile.schema.json", doc) == []


# --------------------------------------------------------------------------- schedule.yaml


def test_example_schedule_validates(schedule, profiles):
    text = (ROOT / "schedule.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "# yaml-language-server: $schema=schemas/schedule.schema.json"
    assert errors("schedule.schema.json", schedule) == []
    assert schedule["timezone"] == "Europe/Helsinki"
    assert sum(p["share"] for p in schedule["pillars"].values()) == 100
    assert set(schedule["cadence"]) == set(profiles)
    styles = {next(iter(set(slot) & {"days", "per_week", "per_day"})) for slots in schedule["cadence"].values() for slot in slots}
    assert {"days", "per_week"} <= styles


def test_example_schedule_blacks_out_christmas_and_midsummer(schedule):
    ranges = {(b["from"], b["to"]) for b in schedule["blackout"] if isinstance(b, dict)}
    assert ("2026-12-24", "2026-12-26") in ranges
    assert ("2027-06-25", "2027-06-26") in ranges  # juhannusaatto and juhannuspäivä 2027
    assert dt.date(2027, 6, 25).weekday() == 4  # midsummer eve is a Friday


GOOD_SCHEDULE = """
timezone: Europe/Helsinki
late_window: 90 min
horizon_days: 14
pillars: {menu: {share: 60, goal: food}, events: {share: 40}}
cadence:
  acme-instagram:
    - {days: [mon, wed, fri], times: ["09:00", "15:30"]}
    - {per_week: 3, hours: [9, 12, 17]}
    - {per_day: 2, hours: [8, 18]}
blackout:
  - 2026-12-24
  - {from: 2026-12-24, to: 2026-12-26, reason: Joulu}
"""


def test_good_schedule_with_every_cadence_style_validates():
    assert errors("schedule.schema.json", load_yaml(GOOD_SCHEDULE)) == []


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        # YAML 1.1 reads unquoted 15:30 as the sexagesimal integer 930.
        ("timezone: UTC\ncadence: {a: [{days: [mon], times: [15:30]}]}", "is not valid under any"),
        ('timezone: UTC\ncadence: {a: [{days: [mon], times: ["9:00"]}]}', "is not valid under any"),
        ('timezone: UTC\ncadence: {a: [{days: [mon], times: ["24:00"]}]}', "is not valid under any"),
        ('timezone: UTC\ncadence: {a: [{days: [monday], times: ["09:00"]}]}', "is not valid under any"),
        ("timezone: UTC\ncadence: {a: [{per_week: 3, days: [mon], hours: [9]}]}", "is not valid under any"),
        ("timezone: UTC\ncadence: {a: [{per_day: 2, hours: [25]}]}", "is not valid under any"),
        ("timezone: UTC\ncadence: {a: []}", "should be non-empty"),
        ("timezone: UTC\nlate_window: 24 hours", "does not match"),
        ("timezone: UTC\nlate_window: 1.5h", "does not match"),
        ("timezone: UTC\nlate_window: 24", "is not of type 'string'"),
        ("timezone: UTC\nhorizon_days: 0", "is less than the minimum"),
        ("timezone: UTC\npillars: {menu: {share: 120}}", "is greater than the maximum"),
        ("timezone: UTC\npillars: {menu: {goal: x}}", "'share' is a required property"),
        ("timezone: UTC\nblackout: [2026-13-01]", "is not valid under any"),
        ("timezone: UTC\nblackout: [{from: 2026-12-24}]", "is not valid under any"),
        ("timezone: UTC\ncadense: {}", "('cadense' was unexpected)"),
        ("late_window: 24h", "'timezone' is a required property"),
    ],
)
def test_wrong_schedule_is_rejected(yaml_text, expected):
    found = errors("schedule.schema.json", load_yaml(yaml_text))
    assert any(expected in e for e in found), found


# --------------------------------------------------------------------------- example posts


def split_post(text: str) -> tuple[dict, str]:
    fm, content = YAMLHandler().split(text)
    return load_yaml(fm), content


def load_post(path: Path):
    return split_post(path.read_text(encoding="utf-8"))


def media_file(post_path: Path, ref: str) -> Path:
    return ROOT / ref if ref.startswith("content/") else post_path.parent / ref


@pytest.mark.parametrize("path", POSTS, ids=lambda p: str(p.relative_to(ROOT / "content")))
def test_example_post_matches_post_schema_and_plan(path, schedule, profiles):
    meta, body = load_post(path)
    assert errors("post.schema.json", meta) == []
    assert set(meta["profiles"]) <= set(profiles)
    assert meta["pillar"] in schedule["pillars"]
    assert body.strip()
    for override in meta.get("overrides", {}):
        assert override in profiles or override in NETWORKS, override
    media = meta.get("media", []) + [m for o in meta.get("overrides", {}).values() for m in o.get("media", [])]
    for item in media:
        assert media_file(path, item["path"]).is_file(), item["path"]
        assert item.get("alt"), f"{item['path']} has no alt text"
        if "captions" in item:
            assert media_file(path, item["captions"]).is_file(), item["captions"]


def test_example_posts_cover_every_feature(profiles):
    posts = [load_post(p)[0] for p in POSTS]
    assert 12 <= len(posts) <= 16
    assert len({p["id"] for p in posts}) == len(posts)
    assert {p["type"] for p in posts} == {"text", "image", "carousel", "video", "story", "reel", "live", "link"}
    assert sum("publish_at" not in p for p in posts) >= 2  # queue
    assert [p["id"] for p in posts if p.get("status") == "draft"]
    assert any("first_comment" in p for p in posts)
    overrides = [k for p in posts for k in p.get("overrides", {})]
    assert any(k in NETWORKS for k in overrides) and any(k in profiles for k in overrides)
    captions = {Path(m["captions"]).suffix for p in posts for m in p.get("media", []) if "captions" in m}
    assert captions == {".vtt", ".srt"}
    months = {p["publish_at"][:7] for p in posts if "publish_at" in p}
    assert months == {"2026-11", "2026-12"}


def test_stories_and_reels_only_target_facebook_and_instagram(profiles):
    for path in POSTS:
        meta, _ = load_post(path)
        if meta["type"] in {"story", "reel", "live"}:
            networks = {profiles[p]["imitates"] for p in meta["profiles"]}
            allowed = {"facebook"} if meta["type"] == "live" else {"facebook", "instagram"}
            assert networks <= allowed, path.name


def test_example_media_is_small_and_fits_instagram():
    from PIL import Image

    media = ROOT / "content" / "media"
    for path in media.iterdir():
        limit = 100_000 if path.suffix == ".mp4" else 30_000
        assert path.stat().st_size <= limit, path.name
        if path.suffix in {".jpg", ".png"}:
            with Image.open(path) as im:
                w, h = im.size
                assert im.format == ("JPEG" if path.suffix == ".jpg" else "PNG")
            assert 320 <= w <= 1440 and 4 * h <= 5 * w and 100 * w <= 191 * h, (path.name, w, h)
        if path.suffix == ".mp4":
            assert path.read_bytes()[4:8] == b"ftyp", path.name
    vtt = (media / "leipomo-aamulla.fi.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n") and "-->" in vtt
    srt = (media / "maitovaahto-reel.fi.srt").read_text(encoding="utf-8")
    assert re.search(r"^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n", srt)


# --------------------------------------------------------------------------- hostile corpus


def test_hostile_corpus_files_are_what_their_names_say():
    listed = set(re.findall(r"^\| `([a-z0-9-]+\.md)` \|", (HOSTILE / "README.md").read_text(encoding="utf-8"), re.M))
    present = {p.name for p in HOSTILE.glob("*.md")} - {"README.md"}
    assert present == listed - {"huge.md"}
    for path in HOSTILE.glob("*.md"):
        assert path.stat().st_size < 64_000, path.name
    raw = {p.name: p.read_bytes() for p in HOSTILE.glob("*.md")}
    with pytest.raises(UnicodeDecodeError):
        raw["invalid-utf8.md"].decode("utf-8")
    assert b"\x00" in raw["binary.md"]
    assert raw["bom.md"].startswith(b"\xef\xbb\xbf---\n")
    assert b"\r\n" in raw["crlf.md"] and b"\n" not in raw["crlf.md"].replace(b"\r\n", b"")
    assert raw["deep-nesting.md"].count(b"[") == 10_001  # 10000 nested plus the profiles list
    assert b"\n\t- " in raw["tab-indent.md"]
    assert raw["unterminated.md"].count(b"---") == 1
    assert b"!!python/object/apply:os.system" in raw["python-tag.md"]
    assert raw["yaml-bomb.md"].count(b"*h") == 9


@pytest.mark.parametrize("name", ["bom.md", "crlf.md"])
def test_benign_hostile_variants_are_valid_posts(name, profiles):
    text = (HOSTILE / name).read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    meta, _ = split_post(text)
    assert errors("post.schema.json", meta) == []
    assert set(meta["profiles"]) <= set(profiles)
