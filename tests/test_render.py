import pytest

from socialops.content.render import count_length, hashtags, plain_text


def test_plain_text_reduces_markdown():
    md = "# Otsikko\n\n**Lihava** ja _kursiivi_ [linkki](https://a.fi/x)\n\n- yksi\n- kaksi\n<!-- note -->\n"
    assert plain_text(md) == "Otsikko\n\nLihava ja kursiivi linkki https://a.fi/x\n\n• yksi\n• kaksi"


def test_plain_text_keeps_hashtags_and_snake_case():
    assert plain_text("#joulu #acme_cafe snake_case_word") == "#joulu #acme_cafe snake_case_word"


def test_images_removed_and_escapes_resolved():
    assert plain_text("![kuva](a.jpg)Hei \\*ei lihava\\*") == "Hei *ei lihava*"


def test_bluesky_counts_graphemes():
    family = "👨‍👩‍👧‍👦"
    assert count_length(family * 3, "graphemes") == 3
    assert count_length("Hyvää", "graphemes") == 5


def test_mastodon_counts_urls_as_23_and_mentions_locally():
    url = "https://example.com/" + "a" * 100
    assert count_length(f"Look {url}", "urls23") == 5 + 23
    assert count_length("@maija@mastodon.social hi", "urls23") == len("@maija hi")


def test_threads_counts_emoji_as_bytes():
    assert count_length("hi 🎄", "utf8_emoji") == 3 + 4


@pytest.mark.parametrize("text, tags", [("#a #b c#d &#x; #ä", ["a", "b", "ä"])])
def test_hashtags(text, tags):
    assert hashtags(text) == tags


def test_plain_text_without_markup_only_tidies_blank_lines():
    assert plain_text("Hei   \n\n\n\nmaailma #joulu 5 % alennus  \n") == "Hei\n\nmaailma #joulu 5 % alennus"


@pytest.mark.parametrize("text, graphemes", [
    ("Hyvää joulua", 12), ("a\r\nb", 3), ("e\u0301", 1), ("🎄🎄", 2), ("👍🏽", 1), ("🇫🇮", 1), ("", 0),
])
def test_grapheme_count_fast_and_slow_paths_agree_with_unicode(text, graphemes):
    assert count_length(text, "graphemes") == graphemes


def test_mastodon_count_without_links_or_mentions_is_the_length():
    assert count_length("Hei maailma", "urls23") == 11


def test_fast_markup_and_hashtag_scans_agree_with_the_plain_patterns():
    # The plain patterns say what is meant; render's are rewritten to run fast. Random short texts made of
    # the characters that matter must get the same answers from both.
    import random
    import re

    from socialops.content import render

    markup = re.compile(r"[*_`\[\]<>\\]|^[ \t]*(?:#{1,6}[ \t]|[-*+][ \t]|>|[-*_])", re.MULTILINE)
    hashtag = re.compile(r"(?<![\w#&])#(\w[\w-]*)")
    pick = random.Random(7)
    for _ in range(20_000):
        text = "".join(pick.choice("ab #&-_*`[]<>\\\n\t>1+ä") for _ in range(pick.randint(0, 12)))
        assert render._maybe_markup(text) == (markup.search(text) is not None), repr(text)
        assert render.hashtags(text) == hashtag.findall(text), repr(text)
