"""Brands in the library: a profile's brand, brand folders, the plan per brand and their problems."""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from socialops.plan.cadence import cadence_rules, profile_tz
from socialops.repository.brands import brand_names, post_brand, profiles_of
from socialops.repository.config import load_config
from socialops.repository.index import load_index
from socialops.validate.engine import validate_repository
from tests.brands_support import SCHEDULE, agency_repo, post
from tests.helpers import make_repo, write


def problems(root, code=None):
    found = validate_repository(root, use_cache=False).problems
    return [p for p in found if code is None or p.code == code]


def test_an_agency_repository_is_clean(tmp_path):
    root = agency_repo(tmp_path)
    assert [p for p in problems(root) if p.severity == "error"] == []
    config = load_config(root)
    assert config.brands == ["acme", "beta"]
    assert config.post_brand("content/acme/launch.md") == "acme"
    assert config.post_brand("content/2026/house.md") is None


def test_brands_come_from_profiles_and_plan_sections(tmp_path):
    config = load_config(agency_repo(tmp_path))
    assert brand_names(config.profiles) == ["acme", "beta"]
    assert profiles_of(config.profiles, ["acme"]) == ["acme-bsky", "acme-masto"]
    assert post_brand("content/acme/x.md", ["acme"]) == "acme"
    assert post_brand("content/acme.md", ["acme"]) is None  # a file, not a folder


def test_a_post_in_one_brands_folder_for_another_brands_profile(tmp_path):
    root = agency_repo(tmp_path, {"content/acme/mix.md": post(["acme-masto", "beta-bsky"], id="mix")})
    found = problems(root, "brand-folder")
    assert len(found) == 1
    assert (found[0].path, found[0].line, found[0].severity) == ("content/acme/mix.md", 3, "error")
    assert "beta-bsky belongs to the brand beta" in found[0].message and "content/beta/" in found[0].message


def test_a_brands_profile_from_outside_its_folder(tmp_path):
    root = agency_repo(tmp_path, {"content/2026/stray.md": post("acme-masto", id="stray")})
    [found] = problems(root, "brand-folder")
    assert found.path == "content/2026/stray.md" and "move this file there" in found.message
    assert "content/acme/" in found.message


def test_a_profile_of_no_brand_from_a_brand_folder(tmp_path):
    root = agency_repo(tmp_path, {"content/beta/house.md": post("house-masto", id="house")})
    [found] = problems(root, "brand-folder")
    assert "house-masto belongs to no brand" in found.message and "brand: beta" in found.message


def test_a_repository_without_brands_has_no_brand_rules(tmp_path):
    root = make_repo(tmp_path, {"content/acme/x.md": post("cafe-masto", id="x")})
    assert load_config(root).brands == []
    assert problems(root, "brand-folder") == []


def test_a_brand_that_cannot_be_a_folder(tmp_path):
    root = agency_repo(tmp_path)
    write(root / "profiles/odd.yaml", "network: sandbox\nimitates: mastodon\naccount: odd\nbrand: ../etc\n")
    [found] = problems(root, "profile-brand")
    assert (found.path, found.line) == ("profiles/odd.yaml", 4)
    assert "cannot be a folder name" in found.message


def test_pillars_per_brand(tmp_path):
    root = agency_repo(tmp_path, {
        "content/acme/a.md": post("acme-masto", id="a", pillar="menu"),  # acme has its own pillars
        "content/beta/b.md": post("beta-bsky", id="b", pillar="menu"),  # beta uses the top level's
    })
    [found] = problems(root, "unknown-pillar")
    assert found.path == "content/acme/a.md" and "launches" in found.message
    config = load_config(root)
    acme = config.pillars_of("acme")
    assert acme == {"launches": {"share": 100}} and config.pillars_of("acme") is acme  # worked out once
    assert config.pillars_of("beta") == config.pillars_of(None) == config.schedule.pillars


def test_the_brand_plans_timezone_reads_naive_times_and_places_slots(tmp_path):
    root = agency_repo(tmp_path)
    config = load_config(root)
    by_path = {s.path: s for s in load_index(root, config.schedule.zones, use_cache=False)}
    stockholm = dt.datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Europe/Stockholm")).timestamp()
    helsinki = dt.datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Europe/Helsinki")).timestamp()
    assert by_path["content/acme/launch.md"].publish_ts == stockholm
    assert by_path["content/beta/2026/hello.md"].publish_ts == helsinki
    assert by_path["content/2026/house.md"].publish_ts == helsinki
    sched = config.schedule
    assert profile_tz(config.profiles["acme-masto"], sched).key == "Europe/Stockholm"
    assert profile_tz(config.profiles["beta-bsky"], sched).key == "Europe/Helsinki"
    assert set(sched.cadence) == {"house-masto", "acme-masto", "beta-bsky"}
    assert [r.pattern for r in cadence_rules(sched)["acme-masto"]] == [((1, dt.time(10, 0)),)]
    assert sched.for_brand("acme").pillars == {"launches": {"share": 100}}
    assert sched.for_brand("beta").pillars == sched.pillars


def test_brand_plan_problems_with_lines(tmp_path):
    schedule = SCHEDULE + """\
  gamma:
    timezon: Europe/Oslo
  delta: 5
  acme2:
    timezone: Mars/Olympus
    cadence:
      beta-bsky:
        - {days: [wed], times: ["11:00"]}
      acme-bsky:
        - {days: [caturday], times: ["11:00"]}
"""
    root = agency_repo(tmp_path, schedule=schedule)
    lines = schedule.splitlines()

    def line_of(text):
        return next(i for i, line in enumerate(lines, 1) if text in line)

    found = {(p.code, p.line) for p in problems(root)}
    assert ("unknown-key", line_of("timezon: Europe/Oslo")) in found
    assert ("brand-plan", line_of("delta: 5")) in found
    assert ("schedule-timezone", line_of("Mars/Olympus")) in found
    assert ("cadence-day", line_of("caturday")) in found
    plan = [p for p in problems(root, "brand-plan")]
    messages = " | ".join(p.message for p in plan)
    assert "beta-bsky belongs to the brand beta, not to acme2" in messages
    assert "beta-bsky has slots in the plan of beta already" in messages
    assert "acme-bsky belongs to the brand acme, not to acme2" in messages
    assert any(p.severity == "warning" and "no profile has 'brand: gamma'" in p.message for p in plan)


def test_brands_must_be_sections(tmp_path):
    root = agency_repo(tmp_path, schedule="timezone: UTC\nbrands: [acme, beta]\n")
    [found] = problems(root, "brand-plan")
    assert found.line == 2 and "'brands' must name each brand" in found.message




def test_the_schema_takes_brand_sections():
    import json
    from pathlib import Path

    import jsonschema
    import yaml

    schema = json.loads((Path(__file__).resolve().parents[1] / "schemas/schedule.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(SCHEDULE), schema)
    bad = yaml.safe_load(SCHEDULE.replace("    timezone: Europe/Stockholm", "    timezon: Europe/Stockholm"))
    assert not jsonschema.Draft202012Validator(schema).is_valid(bad)


def test_shards_keep_a_brands_profiles_together_and_cover_all(tmp_path):
    from socialops.core.shards import shard_of
    from socialops.repository.brands import shard_profiles

    config = load_config(agency_repo(tmp_path))
    parts = [shard_profiles(config.profiles, (i, 3)) for i in (1, 2, 3)]
    assert sorted(p for part in parts for p in part) == sorted(config.profiles)
    assert any({"acme-masto", "acme-bsky"} <= set(part) for part in parts)
    assert shard_profiles(config.profiles, (1, 1)) == sorted(config.profiles)
    assert shard_profiles(config.profiles, (1, 3), among=["house-masto"]) in ([], ["house-masto"])
    # the same on every machine: a hash of the text, not Python's salted hash()
    assert [shard_of(f"brand:b{n}", 4) for n in range(6)] == [shard_of(f"brand:b{n}", 4) for n in range(6)]
    assert shard_of("brand:acme", 7) == int.from_bytes(hashlib.sha256(b"brand:acme").digest()[:8], "big") % 7 + 1


def test_the_sandbox_waits_a_round_trip_per_request(tmp_path):
    """SOCIALOPS_SANDBOX_LATENCY_MS, for the agency benchmark: one wait per media upload and per post."""
    import pytest

    from socialops.errors import ConfigError
    from socialops.networks.sandbox.adapter import SandboxNetwork
    from tests.test_sandbox import NOW, profile, request

    waits: list[float] = []
    env = {"SOCIALOPS_SANDBOX_LATENCY_MS": "100"}
    with SandboxNetwork(profile(), env=env, root=tmp_path, clock=lambda: NOW, sleep=waits.append) as net:
        net.publish(request(tmp_path, type="carousel", media=[("a.jpg", "image"), ("b.jpg", "image")]))
    assert waits == [0.1, 0.1, 0.1]
    with pytest.raises(ConfigError, match="in milliseconds"):
        SandboxNetwork(profile(), env={"SOCIALOPS_SANDBOX_LATENCY_MS": "fast"}, root=tmp_path)


def test_tune_edits_a_slot_in_its_brands_section():
    from socialops.metrics.advice import Advice, SlotChange
    from socialops.plan.tune import apply_advice
    from socialops.repository.schedule import parse_schedule

    change = SlotChange(profile="acme-masto", index=0, field="times", old=("10:00",), new=("11:00",), why="")
    text, applied, skipped = apply_advice(SCHEDULE, Advice(slots=[change]))
    assert applied == [change] and skipped == []
    assert parse_schedule(text).cadence["acme-masto"] == [{"days": ["tue"], "times": ["11:00"]}]
    assert parse_schedule(text).cadence["beta-bsky"] == [{"days": ["wed"], "times": ["11:00"]}]
