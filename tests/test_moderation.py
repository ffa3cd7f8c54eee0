"""Profile moderation settings, /command parsing and authorization (classification: tests/test_classify.py)."""

from __future__ import annotations

import json
from pathlib import Path

from socialops.community.access import authorize, refusal
from socialops.community.classify import classify
from socialops.community.commands import parse_command
from socialops.community.manual import manual_steps
from socialops.community.replies import fill_reply
from socialops.community.settings import ProfileRules, profile_rules, settings_problems

# --- profile settings ----------------------------------------------------------------------------------------


def test_profile_rules_extend_the_lexicons():
    rules = profile_rules({
        "moderation": {"watch_words": ["allergi*", "lawyer"], "abusive_words": ["tollo*"],
                       "trusted": ["@aino.k", "did:plc:abc"], "hide": ["spam", {"category": "abusive",
                                                                                "kinds": ["threat"]}],
                       "window_days": 7},
        "roles": {"moderators": ["@Maija"], "admins": ["@aino-virtanen"]},
    })
    assert rules.window_days == 7 and rules.moderators == ("maija", "aino-virtanen")
    extra = classify("Te tollot", rules=rules)
    assert extra.category == "abusive" and "extra" in extra.kinds
    watch = classify("Lapsella on allergia, kiitos tiedosta", rules=rules)
    assert watch.flagged and watch.watch and "watch word" in watch.reason
    trusted = classify("Olette idiootteja", rules=rules, author="aino.k")
    assert trusted.trusted and not trusted.flagged
    threat = classify("Tiedän missä asut", rules=rules)
    insult = classify("Olette idiootteja", rules=rules)
    assert rules.hide_rule(threat, "Tiedän missä asut") is not None
    assert rules.hide_rule(insult, "Olette idiootteja") is None  # only threats are hidden for this profile
    assert rules.hide_rule(classify("Dm me for collab"), "Dm me for collab").category == "spam"
    medium = classify("Sä oot niin tyhmä")
    assert ProfileRules(hide=profile_rules({"moderation": {"hide": ["abusive"]}}).hide).hide_rule(
        medium, "Sä oot niin tyhmä") is None  # high confidence only, unless a rule says otherwise


def test_settings_problems_name_the_key():
    assert settings_problems({"moderation": {"watch_words": ["ok"], "hide": ["abusive"]}}) == []
    problems = dict(settings_problems({
        "moderation": {"watch_words": "sana", "hide": ["question", {"category": "abusive", "kinds": ["x"],
                                                                   "oops": 1}],
                       "window_days": 0, "typo": 1},
        "roles": {"moderators": ["maija", "@org/team"]},
    }))
    assert ("moderation", "watch_words") in problems
    assert ("moderation", "hide", 0) in problems
    assert ("moderation", "hide", 1, "kinds") in problems and ("moderation", "hide", 1, "oops") in problems
    assert ("moderation", "window_days") in problems and ("moderation", "typo") in problems
    assert ("roles", "moderators", 0) in problems and ("roles", "moderators", 1) in problems
    assert settings_problems({"moderation": "hide everything"})[0][0] == ("moderation",)


# --- commands ------------------------------------------------------------------------------------------------


def test_parse_command():
    assert parse_command("/hide").verb == "hide"
    assert parse_command("  /dismiss please") == parse_command("/dismiss")
    reply = parse_command("/reply Kiitos!\nTervetuloa uudelleen.")
    assert reply.verb == "reply" and reply.text == "Kiitos!\nTervetuloa uudelleen."
    assert parse_command("/reply @kiitos").saved_reply == "kiitos"
    assert parse_command("/reply @../../etc/passwd").saved_reply is None
    assert parse_command("/hide 2", comments_in_issue=3).target == 2
    assert parse_command("/hide 2", comments_in_issue=1).target is None
    assert parse_command("/reply 2 cups please", comments_in_issue=1).text == "2 cups please"
    assert parse_command("/reply 2 Kiitos", comments_in_issue=2) .target == 2
    for text in ("hide", "please /hide", "/hidee", "/HIDE", "", "/approve"):
        assert parse_command(text) is None, text


def test_fill_reply_puts_the_name_in_once():
    assert fill_reply("Kiitos {name}!", "Aino K.") == "Kiitos Aino K.!"
    assert fill_reply("Thanks {name} {other}", "x\n::error::y") == "Thanks x ::error::y {other}"


def test_manual_steps_for_what_networks_cannot_do():
    assert "Block" in manual_steps("instagram", "block")
    assert "threadgate" in manual_steps("bluesky", "delete")
    assert manual_steps("linkedin", "unhide") == manual_steps("linkedin", "hide")
    assert "menu" in manual_steps("somewhere", "block")


def test_authorization():
    rules = profile_rules({"roles": {"moderators": ["@liisa"]}})
    assert authorize("Liisa", rules, lambda u: "none").allowed
    assert authorize("maija", rules, lambda u: "write").allowed
    assert authorize("maija", rules, lambda u: "admin").how == "admin access to the repository"
    for level in ("read", "triage", "none", None):
        assert not authorize("maija", rules, lambda u, level=level: level).allowed
    rejected = profile_rules({"roles": {"moderators": ["liisa", "@aino"]}})  # the one roles parser
    assert rejected.moderators == ("aino",)
    assert not authorize("liisa", rejected, lambda u: None).allowed and authorize("Aino", rejected, None).allowed
    assert dict(settings_problems({"roles": {"moderators": ["liisa", "@aino"]}})).keys() == {("roles", "moderators", 0)}
    text = refusal("maija", "kahvila-facebook", "profiles/kahvila-facebook.yaml")
    assert "nothing was done" in text and "roles.moderators" in text


def test_the_readme_example_is_valid_for_the_loader_and_the_schema():
    import yaml
    from jsonschema import Draft202012Validator

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("## The inbox", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    data = yaml.safe_load(block)
    assert settings_problems(data) == []
    schema = json.loads((root / "schemas" / "profile.schema.json").read_text(encoding="utf-8"))
    doc = {"id": "x", "network": "sandbox", "imitates": "facebook", **data}
    assert list(Draft202012Validator(schema).iter_errors(doc)) == []
    bad = {**doc, "moderation": {"hide": ["question"]}}
    assert list(Draft202012Validator(schema).iter_errors(bad))


def test_validate_reports_moderation_problems_with_their_line(tmp_path):
    from socialops.repository.profiles import parse_profile
    from socialops.validate.profiles import profile_problems

    text = ("id: p\nnetwork: sandbox\nmoderation:\n  watch_words: [ok]\n  hide:\n    - abusive\n"
            "    - {category: question}\n")
    problems = [p for p in profile_problems(parse_profile(text, "profiles/p.yaml")) if p.code == "profile-moderation"]
    assert len(problems) == 1 and problems[0].line == 7 and "'category' must be" in problems[0].message


def test_names_go_into_saved_replies_as_plain_words_only():
    """Issue 15, finding 3: the commenter's display name is theirs to choose; the reply is the brand's."""
    from socialops.community.replies import plain_name

    assert plain_name("Aino K.") == "Aino K." and plain_name("Matti Mäkelä") == "Matti Mäkelä"
    assert plain_name("GrowFast 🚀") == "GrowFast" and plain_name("O'Brien-Smith") == "O'Brien-Smith"
    for hostile, plain in [("Visit http://scam.example now @everyone", "Visit now"),
                           ("bob.bsky.social", ""), ("see www.x.fi", "see"), ("#ad #win big", "big"),
                           ("＠everyone", ""), ("ｓｃａｍ．ｅｘａｍｐｌｅ", ""), ("*bold* _x_ `code`", "bold x code"),
                           ("<img src=x onerror=1>Liisa", "Liisa"), ("Li\u202eisa\u200b", "Liisa"),
                           ("mail me: a@b.fi", "mail me:"), ("x" * 70, "")]:
        assert plain_name(hostile) == plain, hostile
    assert len(plain_name("Aino " * 30)) <= 60
    assert fill_reply("Kiitos {name}, tervetuloa!", "@everyone http://x.example") == "Kiitos, tervetuloa!"
    assert fill_reply("Hei {name}!", "") == "Hei!"


def test_flood_cap_and_retention_settings():
    rules = profile_rules({"moderation": {"issue_cap": 5, "retention_days": 40}})
    assert (rules.issue_cap, rules.retention_days) == (5, 40)
    assert (profile_rules({}).issue_cap, profile_rules({}).retention_days) == (20, 90)
    assert settings_problems({"moderation": {"issue_cap": 20, "retention_days": 90}}) == []
    bad = dict(settings_problems({"moderation": {"issue_cap": 0, "retention_days": 10, "window_days": 14}}))
    assert set(bad) == {("moderation", "issue_cap"), ("moderation", "retention_days")}
    assert "window (14)" in bad[("moderation", "retention_days")]
    assert settings_problems({"moderation": {"issue_cap": True}})
