"""core.frontmatter: the fast reader gives what the safe loader gives, on every document it accepts, and
accepts the common shape of posts (else it would save nothing)."""

import datetime as dt
import random
import re

import pytest
import yaml

from socialops.core import frontmatter, yamlfile

# Scalars that YAML 1.1 types in surprising ways, and text with the characters that end or start things.
TRICKY = [
    "yes", "no", "on", "off", "Yes", "NO", "On", "OFF", "y", "n", "true", "False", "TRUE", "null", "Null", "~",
    "", "0", "-1", "+5", "007", "0777", "08", "0x1F", "0b101", "1_000", "1:30", "09:00", "190:20:30", "1.5", ".5",
    "1e3", "1.0e+3", "-.inf", ".NaN", ".nan", "2026-12-01", "2026-12-01 09:00", "2026-12-01 09:00:00",
    "2026-12-01T09:00:00Z", "2026-12-01 09:00:00+02:00", "2026-02-30", "2026-1-5", "12:00", "=", "<<",
    "a#b", "a #b", "C#", "#tag", "a: b", "a:b", "http://x.example/a?b=c#d", "key:", "-", "- x", "-x", "?x",
    ":x", "[x]", "{x}", "x]", "x}", "a, b", "&a", "*a", "!x", "|", ">", "%x", "@x", "`x", "'x", '"x', "x'",
    'x"', "it's", 'say "hi"', "back\\slash", "tab\there", "ä ö å", "emoji 🎉", "  spaced  ", "trailing ",
    "Joulukalenteri, luukku 1", "x" * 200, "1 2", "0.", "-0", "+.5", "True story", "NULL island",
]
KEYS = ["id", "title", "profiles", "publish_at", "type", "media", "link", "pillar", "tags", "status", "created",
        "overrides", "x_y", "a-b", "yes", "on", "null", "no_", "On2", "path", "alt", "body"]


def scalar_text(rng: random.Random, flow: bool = False) -> str:
    value = rng.choice(TRICKY)
    style = rng.random()
    if style < 0.5:
        return value
    if style < 0.75:
        return '"' + value + '"'
    return "'" + value.replace("'", "''") + "'"


def flow_text(rng: random.Random) -> str:
    items = [scalar_text(rng, flow=True) for _ in range(rng.randint(0, 4))]
    if rng.random() < 0.5:
        return "[" + ", ".join(items) + "]"
    keys = rng.sample(KEYS, k=min(len(items), len(KEYS)))
    return "{" + ", ".join(f"{k}: {v}" for k, v in zip(keys, items, strict=False)) + "}"


def block(rng: random.Random, indent: int, depth: int) -> list[str]:
    lines = []
    pad = " " * indent
    for key in rng.sample(KEYS, k=rng.randint(1, 5)):
        kind = rng.random()
        comment = rng.choice(["", "", "", "  # note", " #x", "#y"])
        if kind < 0.5 or depth > 2:
            lines.append(f"{pad}{key}: {scalar_text(rng)}{comment}")
        elif kind < 0.65:
            lines.append(f"{pad}{key}: {flow_text(rng)}{comment}")
        elif kind < 0.8:
            lines.append(f"{pad}{key}:{comment}")
            step = rng.choice([0, 2, 4])
            for _ in range(rng.randint(1, 3)):
                item = rng.random()
                if item < 0.4:
                    lines.append(f"{pad}{' ' * step}- {scalar_text(rng)}")
                elif item < 0.7:
                    lines.append(f"{pad}{' ' * step}- {flow_text(rng)}")
                else:
                    inner = block(rng, indent + step + 2, depth + 1)
                    inner[0] = f"{pad}{' ' * step}- " + inner[0].lstrip(" ")
                    lines += inner
        elif kind < 0.95:
            lines.append(f"{pad}{key}:{comment}")
            lines += block(rng, indent + rng.choice([1, 2, 4]), depth + 1)
        else:
            lines.append(f"{pad}{key}:")
        if rng.random() < 0.1:
            lines.append(rng.choice(["", "# a comment", "   ", f"{pad}  # indented comment"]))
    return lines


def same(a, b) -> bool:
    """Equal values of equal types (1 == True == 1.0 in Python; NaN is not equal to itself)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and a != a:
        return b != b
    if isinstance(a, dt.datetime):
        return a == b and a.tzinfo == b.tzinfo
    return a == b


LEFT_TO_IT = object()


def read_as_the_safe_loader(text: str):
    """What the fast reader gives for `text`, checked to be what the safe loader gives; LEFT_TO_IT when the fast
    reader leaves the text to the safe loader."""
    fast = frontmatter.read(text)
    if fast is None:
        return LEFT_TO_IT
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:
        pytest.fail(f"the fast reader accepted what the safe loader refuses:\n{text}")
    assert same(fast, expected), text
    return expected


def test_every_document_the_fast_reader_accepts_reads_the_same_as_the_safe_loader():
    rng = random.Random(16)
    accepted = 0
    for n in range(6000):
        text = "\n".join(block(rng, 0, 0)) + "\n"
        if n % 7 == 0:  # damage some: a tab, a wrong indentation, an anchor, a repeated key
            pos = rng.randrange(len(text))
            text = text[:pos] + rng.choice(["\t", "\n ", " &a ", "\nid: 1\nid: 2\n", "*", ": ", "\n- x\n"]) + text[pos:]
        expected = read_as_the_safe_loader(text)
        if expected is not LEFT_TO_IT:
            accepted += 1
            assert same(yamlfile.load(text).data, expected), text  # the C loader, as the slow path uses
    assert accepted > 800  # many generated shapes take the fast path, so the comparison means something


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",  # anchors and aliases
    "a: !!str 1\n",  # tags
    "a: |\n  text\n",  # block scalars
    "a: 'two\n  lines'\n",  # a quoted string over lines
    'a: "esc\\n"\n',  # escapes
    "a: plain\n  continued\n",  # a plain value over lines
    "a: [x, [y]]\n",  # nested flow
    "a: {u: http://x}\n",  # ':' inside a flow scalar
    "a: 1\na: 2\n",  # a repeated key (the safe loader's own error names it)
    "<<: {a: 1}\n",  # merge keys
    "on: 1\n",  # a key that is not text
    "a:\n- x\n",  # a list at the key's indentation
    "a:\tb\n",  # a tab
    "  a: 1\n",  # an indented document
    "a: b: c\n",  # an error
    "- x\n",  # not a mapping
    "a: =\n",  # the value tag
])
def test_other_shapes_are_left_to_the_safe_loader(text):
    assert frontmatter.read(text) is None


# Lines as a key's line at the top of a document may look, and what may come before and after them: the
# reader splits such lines by hand (not with its regular expression), which must read them alike.
TOP_LINES = [
    "key: value", "key:value", "key:  value  ", "key:", "key:   ", "key: # c", "key:#c", "key: a # c", "key: a#c",
    "a b: c", "on: x", "yes:", "null: 1", "True: x", "~: x", "_k-1: v", "k-: v", "k:: v", "k: v:", "k: :v",
    "k: v: w", "Key: v", "k : v", "k:\u00a0v", "é: v", "k: 'q'", 'k: "q"', "k: [a, b]", "k: {a: b}", "k: - x",
    "k: 2026-12-01", "k: 09:00", "k: -", "k", "k:- x", "1: x", "_: x", "k: &a x", "k: |", "k: >", "key: v  ",
    "id: x", "id:", "media:", "title: a, b", "k: [a", "k: x]", "k: 'it''s'", "k: @x",
]
CONTEXTS = ["", "a: 1\n", "m:\n", "m:\n  - x\n", "m:\n  - {p: q}\n  - r: s\n    t: u\n", "m:\n  n:\n    o: 1\n",
            "m:\n  n: 1\n  # c\n", "# c\n\n", "key: first\n", "m:\n  - \n"]


def test_the_characters_left_to_the_safe_loader_are_all_but_those_yaml_takes_in_a_plain_line():
    taken = "\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff"
    every = "".join(map(chr, range(0x110000)))
    assert frontmatter._UNUSUAL.findall(every) == re.findall(f"[^{taken}]", every)


def test_a_time_to_the_minute_is_text_as_the_safe_loader_reads_it():
    rng = random.Random(5)
    digits = [str(n) for n in range(10)]
    for _ in range(3000):
        d = [rng.choice(digits) if rng.random() < 0.7 else rng.choice(["0", "1", "2", "9"]) for _ in range(12)]
        value = f"{''.join(d[:4])}-{''.join(d[4:6])}-{''.join(d[6:8])}{rng.choice(' T')}{''.join(d[8:10])}:{''.join(d[10:])}"
        for text in (f"publish_at: {value}\n", f"media:\n  - {value}\n"):
            assert frontmatter.read(text) == yaml.safe_load(text), text
            assert frontmatter._MINUTES.fullmatch(value)  # the quick way was taken
    for value in ("2026-12-01 09:00:00", "2026-12-01 9:00", "2026-12-1 09:00", "2026-12-01  09:00", "2026-12-01t09:00",
                  "2026-12-01 09:00 # c", "2026-12-01 09:00+02:00", "12026-12-01 09:00"):
        read_as_the_safe_loader(f"publish_at: {value}\n")


def test_a_key_line_at_the_top_reads_as_the_safe_loader_reads_it():
    accepted = 0
    for before in CONTEXTS:
        for line in TOP_LINES:
            for after in ("", "z: 2\n", "  y: 3\n", "- w\n"):
                accepted += read_as_the_safe_loader(before + line + "\n" + after) is not LEFT_TO_IT
    assert accepted > 400  # many take the fast path, so the comparison means something


def test_a_post_of_the_common_shape_takes_the_fast_path_and_keeps_its_lines():
    text = ('id: luukku-1   # stable\ntitle: "Joulukalenteri, luukku 1"\nprofiles: [acme-instagram, acme-facebook]\n'
            "publish_at: 2026-12-01 09:00\nmedia:\n  - {path: media/a.jpg, alt: \"Piparkakkutalo\"}\n"
            "  - path: media/b.jpg\n    alt: 'Lähikuva'\nfirst_comment: \"#joulu #acme\"\nstatus: ready\n"
            "overrides:\n  linkedin:\n    body: Longer text\ncreated: 2026-11-02\n")
    doc = frontmatter.load(text, line_offset=1)
    assert isinstance(doc, frontmatter.FastDoc)
    assert doc.data == yaml.safe_load(text)
    assert doc.data["created"] == dt.date(2026, 11, 2) and doc.data["publish_at"] == "2026-12-01 09:00"
    assert doc.line("media", 1, "alt") == 9 and doc.line("overrides", "linkedin", "body") == 14


def test_the_quick_reading_of_flow_collections_gives_what_the_general_one_gives():
    rng = random.Random(7)
    quick = 0
    for _ in range(20000):
        text = flow_text(rng) + rng.choice(["", "", " # note", " x", "]", ","])
        if rng.random() < 0.2:  # damage some: spaces, commas and brackets where they do not belong
            pos = rng.randrange(len(text))
            text = text[:pos] + rng.choice([" ", ",", ", ", "]", "}", "[", ": ", '"', "'"]) + text[pos:]
        close = "]" if text[0] == "[" else "}"
        try:
            got = frontmatter._flow_items(text, close)
        except frontmatter._Other:  # a scalar it will not build (2026-02-30, '='): the general reading neither
            with pytest.raises(frontmatter._Other):
                frontmatter._flow_general(text, close)
            continue
        if got is None:
            continue
        quick += 1
        try:
            expected = frontmatter._flow_general(text, close)
        except frontmatter._Other:
            pytest.fail(f"the quick reading accepted what the general one refuses: {text}")
        assert same(got[0], expected[0]) and got[1] == expected[1], text
    assert quick > 2000  # many take the quick reading, so the comparison means something


def test_a_flow_collection_read_before_is_each_documents_own():
    text = "profiles: [a, b]\nmedia:\n  - {path: x.jpg, alt: y}\n"
    first, second = frontmatter.read(text), frontmatter.read(text)
    assert first == second == {"profiles": ["a", "b"], "media": [{"path": "x.jpg", "alt": "y"}]}
    first["profiles"].append("c")
    first["media"][0]["alt"] = "changed"
    assert frontmatter.read(text) == second == {"profiles": ["a", "b"], "media": [{"path": "x.jpg", "alt": "y"}]}
