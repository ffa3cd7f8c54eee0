"""Bluesky rich-text facets: UTF-8 byte offsets for links, mentions and hashtags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from socialops.networks.bluesky import facets as F

FIXTURES = Path(__file__).parent / "fixtures" / "bluesky"


def _reference_cases():
    data = json.loads((FIXTURES / "facets_reference.json").read_text(encoding="utf-8"))
    assert data["generator"].startswith("@atproto/api")
    return data["cases"]


@pytest.mark.parametrize("case", _reference_cases(), ids=lambda c: c["text"][:30])
def test_same_byte_ranges_as_the_official_client(case):
    """facets_reference.json was made by Bluesky's own library (@atproto/api) from the same texts."""
    text = case["text"]
    expected = []
    for facet in case["facets"]:
        feature = facet["features"][0]
        kind = feature["$type"].split("#")[1]
        value = feature.get("uri") or feature.get("tag") or feature.get("did").lower()
        expected.append((facet["index"]["byteStart"], facet["index"]["byteEnd"], kind, value))
    found = [(s.byte_start, s.byte_end, s.kind, s.value) for s in F.detect(text)]
    assert sorted(found) == sorted(expected)


def test_documented_example_offsets():
    # The example of Bluesky's "creating a post" guide: mention at bytes 23..35, link at 74..108.
    text = "✨ example mentioning @atproto.com to share the URL 👨‍❤️‍👨 https://en.wikipedia.org/wiki/CBOR."
    facets = F.build_facets(text, resolve=lambda handle: "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
    assert [f["index"] for f in facets] == [
        {"byteStart": 23, "byteEnd": 35},
        {"byteStart": 74, "byteEnd": 108},
    ]
    assert facets[0]["features"] == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:ewvi7nxzyoun6zhxrhs64oiz"}
    ]
    assert facets[1]["features"] == [
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://en.wikipedia.org/wiki/CBOR"}
    ]
    assert F.facet_text(text, facets[0]) == "@atproto.com"
    assert F.facet_text(text, facets[1]) == "https://en.wikipedia.org/wiki/CBOR"


def test_offsets_are_bytes_not_characters():
    text = "Ääkköset ☕ #kahvi"
    (tag,) = F.build_facets(text)
    # "Ääkköset ☕ " is 11 characters but 16 bytes (Ä ä ö: 2 bytes each, ☕: 3 bytes).
    assert tag["index"] == {"byteStart": 16, "byteEnd": 22}
    assert F.facet_text(text, tag) == "#kahvi"
    assert tag["features"] == [{"$type": "app.bsky.richtext.facet#tag", "tag": "kahvi"}]


def test_unresolved_mention_stays_plain_text():
    text = "Kiitos @fan.test ja @ghost.test!"
    facets = F.build_facets(text, resolve={"fan.test": "did:plc:fan"}.get)
    assert len(facets) == 1
    assert F.facet_text(text, facets[0]) == "@fan.test"
    assert facets[0]["features"][0]["did"] == "did:plc:fan"
    assert F.build_facets(text) == []  # no resolver: no mention facets at all


def test_resolver_gets_lowercase_handle_without_at_sign():
    asked = []
    F.build_facets("Hei @Brand.Test", resolve=lambda h: asked.append(h) or None)
    assert asked == ["brand.test"]


def test_facets_are_sorted_and_do_not_overlap():
    text = "#a https://example.com/#b @x.test #c"
    spans = F.detect(text)
    assert [s.kind for s in spans] == ["tag", "link", "mention", "tag"]
    starts = [s.byte_start for s in spans]
    assert starts == sorted(starts)
    for left, right in zip(spans, spans[1:], strict=False):
        assert left.byte_end <= right.byte_start


def test_no_facets_in_plain_text():
    assert F.build_facets("Pelkkää tekstiä, ei linkkejä eikä tunnisteita.") == []


@pytest.mark.parametrize("value,ok", [("brand.test", True), ("a.b.c", True), ("localhost", False),
                                      ("-bad.test", False), ("x.1com", False), ("kahvila-aurinko.fi", True)])
def test_handle_syntax(value, ok):
    assert F.is_handle(value) is ok
