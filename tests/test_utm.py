"""Links that can be measured: UTM tags on the brand's own links only, per network, profile and post."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from socialops.cli import main
from socialops.content import preview
from socialops.content.render import render
from socialops.content.utm import Tags, site_domain, tag_text, tag_url
from socialops.networks.bluesky.facets import build_facets, facet_text
from socialops.publish.request import build_request
from socialops.repository.config import load_config
from socialops.repository.posts import load_post
from socialops.validate.engine import validate_repository
from tests.helpers import SCHEDULE, make_repo, write

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
PLAN = SCHEDULE + ('utm:\n  source: "{network}"\n  medium: social\n  campaign: "{campaign}"\n  content: "{slug}"\n'
                   "  domains: [cafe.example]\n")
SITE = "website: https://www.cafe.example\n"
PROFILES = {
    "cafe-masto": "network: sandbox\nimitates: mastodon\naccount: '@cafe@example.social'\n",  # a site: the plan's
    "cafe-bsky": "network: sandbox\nimitates: bluesky\naccount: cafe.example\n" + SITE,
    "cafe-li": "network: sandbox\nimitates: linkedin\naccount: cafe\n" + SITE + "utm: {medium: paid}\n",
    "cafe-fb": "network: sandbox\nimitates: facebook\naccount: cafe\n" + SITE + "utm: false\n",
}
TAGS = Tags((("utm_source", "bluesky"), ("utm_medium", "social")), ("cafe.example",))


def post(post_id: str, body: str, extra: str = "", profiles: str = "[cafe-masto, cafe-bsky, cafe-li, cafe-fb]") -> str:
    return f"---\nid: {post_id}\nprofiles: {profiles}\npublish_at: 2026-12-01 09:00\n{extra}---\n{body}"


def repo(tmp_path, posts: dict, schedule: str = PLAN, profiles: dict | None = None):
    return make_repo(tmp_path, posts, schedule=schedule, profiles=PROFILES if profiles is None else profiles)


def rendered(root, rel: str, profile_id: str):
    config = load_config(root)
    profile = config.profiles[profile_id]
    return render(load_post(root, rel), profile, profile.spec, kit=config.kit)


def problems(root) -> list[tuple]:
    return [(p.path, p.line, p.severity, p.code) for p in validate_repository(root, use_cache=False).problems]


@pytest.mark.parametrize(("url", "tagged"), [
    ("https://cafe.example/menu", "https://cafe.example/menu?utm_source=bluesky&utm_medium=social"),
    ("https://shop.cafe.example/a?b=1&c=%C3%A4", "https://shop.cafe.example/a?b=1&c=%C3%A4&utm_source=bluesky"
                                                 "&utm_medium=social"),
    ("https://cafe.example/?utm_source=flyer#top", "https://cafe.example/?utm_source=flyer&utm_medium=social#top"),
    ("https://cafe.example/?UTM_MEDIUM=x&utm_source=y", "https://cafe.example/?UTM_MEDIUM=x&utm_source=y"),
    ("https://CAFE.example:8443/x?", "https://CAFE.example:8443/x?utm_source=bluesky&utm_medium=social"),
    ("https://othercafe.example/menu", "https://othercafe.example/menu"),
    ("https://cafe.example.evil.test/x", "https://cafe.example.evil.test/x"),
    ("https://evil.test/?next=https://cafe.example", "https://evil.test/?next=https://cafe.example"),
])
def test_only_the_brands_own_links_get_the_missing_tags(url, tagged):
    assert tag_url(url, TAGS) == tagged


def test_values_are_url_encoded_and_every_site_only_when_asked():
    tags = Tags((("utm_campaign", "joulu & uusi vuosi/ä"),), ("*",))
    assert tag_url("https://elsewhere.example/x", tags) == \
        "https://elsewhere.example/x?utm_campaign=joulu%20%26%20uusi%20vuosi%2F%C3%A4"
    assert [site_domain(s) for s in ("https://www.Cafe.example/x", "cafe.example", "*", "localhost", 3)] == \
        ["cafe.example", "cafe.example", "*", None, None]
    assert tag_text("Katso https://cafe.example/a, ja https://x.example/b.", TAGS) == \
        "Katso https://cafe.example/a?utm_source=bluesky&utm_medium=social, ja https://x.example/b."


def test_links_in_text_link_and_first_comment_are_tagged_per_network(tmp_path):
    body = "Menu: [täällä](https://cafe.example/menu) ja https://partner.example/x\n"
    extra = ("link: https://cafe.example/tori?lang=fi\ncampaign: joulu-2026\n"
             "first_comment: 'Lisää: https://cafe.example/blog'\n")
    root = repo(tmp_path, {"content/2026/tori.md": post("tori", body, extra)})
    bsky = rendered(root, "content/2026/tori.md", "cafe-bsky")
    tags = "utm_source=bluesky&utm_medium=social&utm_campaign=joulu-2026&utm_content=tori"
    assert bsky.text == f"Menu: täällä https://cafe.example/menu?{tags} ja https://partner.example/x"
    assert bsky.link == f"https://cafe.example/tori?lang=fi&{tags}"
    assert bsky.first_comment == f"Lisää: https://cafe.example/blog?{tags}"
    masto = rendered(root, "content/2026/tori.md", "cafe-masto")
    assert masto.text.endswith(f"https://cafe.example/tori?lang=fi&{tags.replace('bluesky', 'mastodon')}")
    assert masto.text.count("https://cafe.example/tori") == 1
    li = rendered(root, "content/2026/tori.md", "cafe-li")
    assert li.link == f"https://cafe.example/tori?lang=fi&{tags.replace('bluesky', 'linkedin').replace('social', 'paid')}"
    assert rendered(root, "content/2026/tori.md", "cafe-fb").link == "https://cafe.example/tori?lang=fi"  # utm: false
    assert problems(root) == []


def test_a_post_and_its_overrides_change_or_turn_off_the_tags(tmp_path):
    extra = ("utm: {campaign: \"{pillar}-{id}\", content: null}\npillar: menu\n"
             "overrides:\n  bluesky: {utm: false}\n  cafe-li: {utm: {term: pulla}}\n")
    root = repo(tmp_path, {"content/a.md": post("a", "https://cafe.example/x\n", extra),
                           "content/none.md": post("none", "https://cafe.example/x\n", "utm: false\n")})
    assert rendered(root, "content/a.md", "cafe-masto").text == \
        "https://cafe.example/x?utm_source=mastodon&utm_medium=social&utm_campaign=menu-a"
    assert rendered(root, "content/a.md", "cafe-bsky").text == "https://cafe.example/x"
    assert rendered(root, "content/a.md", "cafe-li").text == \
        "https://cafe.example/x?utm_source=linkedin&utm_medium=paid&utm_campaign=menu-a&utm_term=pulla"
    assert rendered(root, "content/none.md", "cafe-masto").text == "https://cafe.example/x"
    assert problems(root) == []


def test_no_utm_anywhere_means_links_as_written(tmp_path):
    root = repo(tmp_path, {"content/a.md": post("a", "https://cafe.example/x\n")}, schedule=SCHEDULE)
    assert rendered(root, "content/a.md", "cafe-masto").text == "https://cafe.example/x"
    assert rendered(root, "content/a.md", "cafe-li").text == \
        "https://cafe.example/x?utm_source=linkedin&utm_medium=paid"  # the profile's own utm: turns them on


def test_length_is_counted_with_the_tags_and_bluesky_facets_cover_them(tmp_path):
    body = "Hyvää huomenta ☕ {{snippet: menu}} " + "x" * 200 + "\n"
    root = repo(tmp_path, {"content/a.md": post("a", body, profiles="[cafe-bsky, cafe-masto]")})
    write(root / "snippets/menu.md", "Lue: https://cafe.example/ä #pulla")
    config = load_config(root)
    request = build_request(root, load_post(root, "content/a.md"), config.profiles["cafe-bsky"], post_id="a", at=NOW)
    link = "https://cafe.example/ä?utm_source=bluesky&utm_medium=social&utm_content=a"
    assert request.text == f"Hyvää huomenta ☕ Lue: {link} #pulla " + "x" * 200
    facets = build_facets(request.text)
    assert [facet_text(request.text, f) for f in facets] == [link, "#pulla"]
    assert facets[0]["index"] == {"byteStart": len("Hyvää huomenta ☕ Lue: ".encode()),
                                  "byteEnd": len(f"Hyvää huomenta ☕ Lue: {link}".encode())}
    assert facets[0]["features"][0]["uri"] == link
    # Bluesky counts the tags (over 300 with them), Mastodon counts any link as 23
    assert ("content/a.md", 6, "error", "text-too-long") in problems(root)
    masto = rendered(root, "content/a.md", "cafe-masto")
    assert masto.length == len(masto.text) - len(link.replace("bluesky", "mastodon")) + 23


def test_the_time_of_day_and_dst_do_not_change_the_tags(tmp_path):
    posts = {f"content/{n}.md": f"---\nid: {n}\nprofiles: [cafe-masto]\npublish_at: {when}\n---\nhttps://cafe.example/\n"
             for n, when in (("winter", "2027-03-28 02:30+02:00"), ("summer", "2027-03-28 04:30"))}
    root = repo(tmp_path, posts)
    texts = {n: rendered(root, f"content/{n}.md", "cafe-masto").text.replace(n, "SLUG") for n in ("winter", "summer")}
    assert texts["winter"] == texts["summer"] == \
        "https://cafe.example/?utm_source=mastodon&utm_medium=social&utm_content=SLUG"


def test_bad_utm_blocks_are_reported_with_file_and_line(tmp_path):
    plan = SCHEDULE + "utm:\n  source: \"{netwrok}\"\n  medum: social\n  domains: [cafe.example, 'not a site']\n"
    profiles = {**PROFILES, "cafe-insta": "network: sandbox\nimitates: instagram\naccount: cafe\n"}
    root = repo(tmp_path, {"content/a.md": post("a", "x\n", "utm: yes please\noverrides:\n  bluesky: {utm: [1]}\n")},
                schedule=plan, profiles=profiles)
    found = problems(root)
    assert ("schedule.yaml", 9, "error", "utm-invalid") in found  # {netwrok}
    assert ("schedule.yaml", 10, "error", "unknown-key") in found  # medum
    assert ("schedule.yaml", 11, "error", "utm-invalid") in found  # 'not a site'
    assert ("content/a.md", 5, "error", "wrong-type") in found and ("content/a.md", 7, "error", "wrong-type") in found
    assert not any(code == "utm-no-site" for *_, code in found)  # the plan names cafe.example


def test_a_profile_without_a_site_is_warned_about(tmp_path):
    profiles = {"cafe-masto": "network: sandbox\nimitates: mastodon\naccount: '@cafe@example.social'\n"}
    root = repo(tmp_path, {}, profiles=profiles, schedule=SCHEDULE + "utm: {medium: social}\n")
    assert problems(root) == [("profiles/cafe-masto.yaml", 1, "warning", "utm-no-site")]


def test_preview_and_validate_commands(tmp_path):
    root = repo(tmp_path, {"content/a.md": post("a", "Menu https://cafe.example/menu\n", "campaign: joulu\n")})
    result = CliRunner().invoke(main, ["--repo", str(root), "preview", str(root / "content/a.md")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "https://cafe.example/menu?utm_source=mastodon&utm_medium=social&utm_campaign=joulu&utm_content=a" \
        in result.output
    write(root / "content/b.md", post("b", "x\n", "utm: {source: '{oops}'}\n"))
    result = CliRunner().invoke(main, ["--repo", str(root), "validate", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 1
    assert [(p["path"], p["line"], p["code"]) for p in json.loads(result.stdout)["problems"]] == \
        [("content/b.md", 5, "utm-invalid")]


def test_preview_object_shows_tagged_links(tmp_path):
    root = repo(tmp_path, {"content/a.md": post("a", "x\n", "link: https://cafe.example/a\n", profiles="[cafe-li]")})
    item = preview.build(root, ["content/a.md"], now=NOW)[0].profiles[0]
    assert item.rendered.link == "https://cafe.example/a?utm_source=linkedin&utm_medium=paid&utm_content=a"


@pytest.mark.parametrize(("schema", "good"), [
    ("schedule", {"timezone": "UTC", "utm": {"source": "{network}", "content": None, "domains": ["cafe.example"]}}),
    ("schedule", {"timezone": "UTC", "brands": {"acme": {"utm": {"domains": ["acme.example"]}}}, "utm": True}),
    ("post", {"id": "a", "profiles": ["x"], "utm": False, "overrides": {"x": {"utm": {"term": "pulla"}}}}),
])
def test_the_schemas_know_utm(schema, good):
    from pathlib import Path

    import jsonschema

    path = Path(__file__).resolve().parents[1] / "schemas" / f"{schema}.schema.json"
    validator = jsonschema.Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors({**good, "utm": {"medum": "social"}})) != []


def test_each_brand_has_its_own_site_and_tags(tmp_path):
    plan = SCHEDULE + ("utm: {medium: social, campaign: \"{brand}\"}\nbrands:\n  acme:\n    utm: {domains: [acme.example]}\n"
                       "  bolt:\n    utm: {domains: [bolt.example], medium: organic, sorce: x}\n")
    profiles = {"cafe-masto": "network: sandbox\nimitates: mastodon\naccount: '@c@x.social'\nbrand: acme\n",
                "bolt-bsky": "network: sandbox\nimitates: bluesky\naccount: bolt.example\nbrand: bolt\n"}
    posts = {"content/acme/a.md": post("a", "https://acme.example/ https://bolt.example/\n", profiles="[cafe-masto]"),
             "content/bolt/b.md": post("b", "https://acme.example/ https://bolt.example/\n", profiles="[bolt-bsky]")}
    root = repo(tmp_path, posts, schedule=plan, profiles=profiles)
    assert rendered(root, "content/acme/a.md", "cafe-masto").text == \
        "https://acme.example/?utm_source=mastodon&utm_medium=social&utm_campaign=acme https://bolt.example/"
    assert rendered(root, "content/bolt/b.md", "bolt-bsky").text == \
        "https://acme.example/ https://bolt.example/?utm_source=bluesky&utm_medium=organic&utm_campaign=bolt"
    assert problems(root) == [("schedule.yaml", 13, "error", "unknown-key")]  # sorce, in bolt's section


def test_the_readme_example_is_what_the_example_cafe_would_send(tmp_path):
    """schedule.yaml's commented utm: block, turned on: the gift card post for Facebook gets the README's link."""
    import re
    import shutil
    from pathlib import Path

    here = Path(__file__).resolve().parents[1]
    root = tmp_path / "cafe"
    for name in ("content", "profiles", "snippets"):
        shutil.copytree(here / name, root / name)
    plan = (here / "schedule.yaml").read_text(encoding="utf-8")
    start = plan.index("\n# utm:")
    block = "\n".join(line.removeprefix("# ") for line in plan[start:].splitlines())
    (root / "schedule.yaml").write_text(plan[:start] + block + "\n", encoding="utf-8")
    readme = (here / "README.md").read_text(encoding="utf-8")
    expected = re.search(r"`(https://kahvila-aurinko\.example/lahjakortti\?utm_[^`]+)`", readme).group(1)
    text = rendered(root, "content/2026/12/lahjakortit.md", "kahvila-facebook").text
    assert expected in text
    assert not [p for p in validate_repository(root, use_cache=False).problems if p.code.startswith("utm")]
