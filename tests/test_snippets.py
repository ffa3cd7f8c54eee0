"""Snippets: reusable text expanded per network before counting, in validate, preview and what is sent."""

import datetime as dt
import json

from click.testing import CliRunner

from socialops.cli import main
from socialops.content import preview
from socialops.content.render import render
from socialops.networks.bluesky.facets import build_facets, facet_text
from socialops.publish.request import build_request
from socialops.repository.config import load_config
from socialops.repository.posts import load_post
from socialops.repository.snippets import parse_snippet
from socialops.validate.cache import config_stamp
from socialops.validate.engine import validate_repository
from tests.helpers import make_repo, write

NOW = dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC)
HEAD = "---\nid: {id}\nprofiles: [cafe-masto, cafe-bsky, cafe-li]\npublish_at: 2026-12-01 09:00\n{extra}---\n"
VARIANTS = '---\nlinkedin: "Kahvila, Helsinki"\ncafe-bsky: "#kahvi"\n---\n#kahvi #pulla #helsinki\n'


def post(post_id: str, body: str, extra: str = "") -> str:
    return HEAD.format(id=post_id, extra=extra) + body


def repo_with(tmp_path, posts: dict, snippets: dict):
    root = make_repo(tmp_path, posts)
    for name, text in snippets.items():
        write(root / "snippets" / name, text)
    return root


def rendered(root, rel: str, profile_id: str):
    config = load_config(root)
    profile = config.profiles[profile_id]
    return render(load_post(root, rel), profile, profile.spec, kit=config.kit)


def validate(root) -> list[tuple]:
    return [(p.path, p.line, p.code) for p in validate_repository(root, use_cache=False).problems]


def test_a_snippet_is_expanded_per_network_and_profile(tmp_path):
    root = repo_with(tmp_path, {"content/a.md": post("a", "Pullaa!\n\n{{snippet: tags}}\n")}, {"tags.md": VARIANTS})
    assert rendered(root, "content/a.md", "cafe-masto").text == "Pullaa!\n\n#kahvi #pulla #helsinki"
    assert rendered(root, "content/a.md", "cafe-li").text == "Pullaa!\n\nKahvila, Helsinki"  # the network's
    assert rendered(root, "content/a.md", "cafe-bsky").text == "Pullaa!\n\n#kahvi"  # the profile's own
    assert validate(root) == []


def test_snippets_use_snippets_and_first_comments_and_overrides_expand(tmp_path):
    body = "Hei {{ snippet : sign }}\n"
    extra = "first_comment: '{{snippet: tags}}'\noverrides:\n  mastodon: {body: 'Moi {{snippet: sign}}'}\n"
    root = repo_with(tmp_path, {"content/a.md": post("a", body, extra)},
                     {"tags.md": "#kahvi", "sign.txt": "— Maija, {{snippet: team/place}}", "team/place.md": "Kallio"})
    assert rendered(root, "content/a.md", "cafe-bsky").text == "Hei — Maija, Kallio"
    masto = rendered(root, "content/a.md", "cafe-masto")
    assert (masto.text, masto.first_comment) == ("Moi — Maija, Kallio", "#kahvi")
    assert validate(root) == []
    write(root / "snippets/sign.txt", "— Maija, {{snippet: place}}")
    assert validate(root) == [("content/a.md", 7, "snippet-unknown"), ("content/a.md", 9, "snippet-unknown"),
                              ("snippets/sign.txt", 1, "snippet-unknown")]


def test_nested_folders_give_names_with_slashes(tmp_path):
    root = repo_with(tmp_path, {"content/a.md": post("a", "{{snippet: team/place}}\n")}, {"team/place.md": "Kallio"})
    assert rendered(root, "content/a.md", "cafe-masto").text == "Kallio"
    assert validate(root) == []


def test_length_is_counted_after_expansion(tmp_path):
    root = repo_with(tmp_path, {"content/a.md": post("a", "Lyhyt teksti\n\n{{snippet: long}}\n")},
                     {"long.md": "x" * 295})
    assert rendered(root, "content/a.md", "cafe-bsky").length == len("Lyhyt teksti\n\n") + 295
    problems = validate_repository(root, use_cache=False).problems
    assert [(p.path, p.line, p.code) for p in problems] == [("content/a.md", 6, "text-too-long")]
    assert "cafe-bsky" in problems[0].message


def test_hashtags_are_counted_after_expansion(tmp_path):
    many = " ".join(f"#t{i}" for i in range(31))  # Instagram allows 30
    root = repo_with(tmp_path, {"content/a.md": "---\nid: a\nprofiles: [cafe-insta]\nmedia: [{path: a.jpg, alt: x}]\n"
                                                 "---\nKuva {{snippet: tags}}\n"}, {"tags.md": many})
    assert ("content/a.md", 6, "too-many-hashtags") in validate(root)


def test_unknown_snippet_is_an_error_at_its_line(tmp_path):
    root = repo_with(tmp_path, {"content/a.md": post("a", "Hei\n\nKiitos {{snippet: tagz}}\n")}, {"tags.md": "#kahvi"})
    problems = validate_repository(root, use_cache=False).problems
    assert [(p.path, p.line, p.code) for p in problems] == [("content/a.md", 8, "snippet-unknown")]
    assert "Did you mean 'tags'?" in problems[0].message and "snippets/tagz.md" in problems[0].message


def test_a_loop_is_reported_in_the_post_and_in_each_snippet(tmp_path):
    root = repo_with(tmp_path, {"content/a.md": post("a", "{{snippet: a}}\n")},
                     {"a.md": "A {{snippet: b}}", "b.md": "---\nmastodon: 'M'\n---\n\nB {{snippet: a}}"})
    found = validate(root)
    assert ("content/a.md", 6, "snippet-loop") in found
    assert ("snippets/a.md", 1, "snippet-loop") in found and ("snippets/b.md", 5, "snippet-loop") in found
    message = next(p.message for p in validate_repository(root, use_cache=False).problems if p.path == "content/a.md")
    assert "a → b → a" in message
    assert rendered(root, "content/a.md", "cafe-bsky").text == "A B {{snippet: a}}"  # ends; never published
    assert rendered(root, "content/a.md", "cafe-masto").text == "A M"  # Mastodon's text has no loop


def test_empty_snippet_and_unknown_setting_are_errors(tmp_path):
    root = repo_with(tmp_path, {"content/a.md": post("a", "Hei {{snippet: nothing}}\n")},
                     {"nothing.md": "\n  \n", "odd.md": "---\nblueksy: x\n---\nteksti\n", "README.md": "How to"})
    found = validate(root)
    assert ("snippets/nothing.md", 1, "snippet-empty") in found
    assert ("content/a.md", 6, "snippet-empty") in found
    assert ("snippets/odd.md", 2, "unknown-key") in found
    assert not any(path == "snippets/README.md" for path, _, _ in found)  # the folder's explanation is no snippet


def test_two_files_with_one_name_and_unreadable_settings(tmp_path):
    root = repo_with(tmp_path, {}, {"a.md": "A", "a.txt": "A too", "bad.md": "---\nx: [\n---\ntext\n"})
    found = validate(root)
    assert ("snippets/a.txt", 1, "snippet-invalid") in found
    assert any(path == "snippets/bad.md" and code == "unreadable" for path, _, code in found)


def test_variant_lines_and_variants_left_empty(tmp_path):
    snippet = parse_snippet("---\nbluesky:\nlinkedin: Hei\n---\n\n\nTeksti\n", "snippets/s.md")
    assert snippet.body_line == 7 and snippet.line("linkedin") == 3
    assert snippet.text_for("x", ("bluesky",)) == ("", 2)  # nothing for Bluesky, on purpose
    assert snippet.text_for("x", ("mastodon",)) == ("Teksti", None)


def test_a_changed_snippet_is_seen_by_the_validation_cache(tmp_path):
    root = repo_with(tmp_path, {"content/a.md": post("a", "{{snippet: s}}\n")}, {"s.md": "short"})
    stamp = config_stamp(root)
    assert validate_repository(root).problems == []
    write(root / "snippets/s.md", "y" * 400)
    assert config_stamp(root) != stamp
    assert [p.code for p in validate_repository(root).problems] == ["text-too-long"]


def test_preview_shows_the_expanded_text(tmp_path):
    root = repo_with(tmp_path, {"content/a.md": post("a", "Pullaa! {{snippet: tags}}\n")}, {"tags.md": VARIANTS})
    items = {p.profile_id: p.rendered.text for p in preview.build(root, ["content/a.md"], now=NOW)[0].profiles}
    assert items == {"cafe-masto": "Pullaa! #kahvi #pulla #helsinki", "cafe-bsky": "Pullaa! #kahvi",
                     "cafe-li": "Pullaa! Kahvila, Helsinki"}
    result = CliRunner().invoke(main, ["--repo", str(root), "preview", str(root / "content/a.md")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Pullaa! Kahvila, Helsinki" in result.output and "{{snippet" not in result.output


def test_validate_command_names_the_file_and_line(tmp_path):
    root = repo_with(tmp_path, {"content/a.md": post("a", "Hei {{snippet: missing}}\n")}, {})
    result = CliRunner().invoke(main, ["--repo", str(root), "validate", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["path"], p["line"], p["code"]) for p in problems] == [("content/a.md", 6, "snippet-unknown")]


def test_publishing_sends_the_expanded_text_with_bluesky_facets(tmp_path):
    root = repo_with(tmp_path, {"content/a.md": post("a", "Hyvää huomenta ☕ {{snippet: end}}\n")},
                     {"end.md": "Lue lisää https://cafe.example/ä #pulla"})
    config = load_config(root)
    request = build_request(root, load_post(root, "content/a.md"), config.profiles["cafe-bsky"], post_id="a",
                            at=NOW)
    assert request.text == "Hyvää huomenta ☕ Lue lisää https://cafe.example/ä #pulla"
    facets = build_facets(request.text)
    assert [facet_text(request.text, f) for f in facets] == ["https://cafe.example/ä", "#pulla"]
    link = facets[0]["index"]
    assert link["byteStart"] == len("Hyvää huomenta ☕ Lue lisää ".encode())


def test_a_changed_snippet_previews_the_posts_that_use_it(tmp_path):
    from socialops.validate.changed import files_to_check, posts_to_preview
    from tests.helpers import git_init

    root = repo_with(tmp_path, {"content/a.md": post("a", "{{snippet: outer}}\n"), "content/b.md": post("b", "B\n"),
                                "content/c.md": post("c", "{{snippet: other}}\n")},
                     {"outer.md": "{{snippet: inner}}", "inner.md": "sisä", "other.md": "muu"})
    git_init(root)
    write(root / "snippets/inner.md", "uusi")
    assert posts_to_preview(root, None, "HEAD") == ["content/a.md"]  # through outer
    assert files_to_check(root, None, "HEAD") is None  # every post is checked again
