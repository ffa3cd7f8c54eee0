import pytest

from socialops.core import yamlfile


def test_lines_of_keys_and_items():
    doc = yamlfile.load("a: 1\nb:\n  - x\n  - {c: 2}\n", line_offset=1)
    assert doc.data == {"a": 1, "b": ["x", {"c": 2}]}
    assert doc.lines[("a",)] == 2
    assert doc.lines[("b", 1)] == 5
    assert doc.lines[("b", 1, "c")] == 5
    assert doc.line("b", 0, "missing") == 4


def test_alias_bomb_refused_without_expanding():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for n in "bcdefghij":
        prev = chr(ord(n) - 1)
        bomb += f"{n}: &{n} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    with pytest.raises(yamlfile.YamlProblem, match="YAML bomb"):
        yamlfile.load(bomb)


def test_small_aliases_are_fine():
    doc = yamlfile.load("base: &b {x: 1}\nother: *b\n")
    assert doc.data["other"] == {"x": 1}


def test_python_tags_refused_with_line():
    with pytest.raises(yamlfile.YamlProblem) as info:
        yamlfile.load("a: 1\nb: !!python/object/apply:os.system ['echo hi']\n")
    assert "not allowed" in info.value.message
    assert info.value.line == 2


def test_deep_nesting_refused():
    with pytest.raises(yamlfile.YamlProblem, match="nested"):
        yamlfile.load("a: " + "[" * 200 + "]" * 200)


def test_duplicate_keys_refused():
    with pytest.raises(yamlfile.YamlProblem, match="appears twice") as info:
        yamlfile.load("title: a\nid: x\ntitle: b\n")
    assert info.value.line == 3


def test_syntax_error_has_line():
    with pytest.raises(yamlfile.YamlProblem) as info:
        yamlfile.load("a: 1\nb: [unclosed\nc: 2\n", line_offset=1)
    assert info.value.line is not None and info.value.line >= 3


@pytest.mark.parametrize("text", [
    "a: 1\nb: [x, 2.5, true, null, 2026-12-01, '2026-12-01 09:00']\nc: {d: e}\n",
    "when: 2026-12-01 09:00:00+02:00\nbin: !!binary aGVp\n",
    "base: &b {x: 1}\nother: *b\nlist: &l [1, 2]\nagain: *l\n",
    "merged:\n  <<: {a: 1}\n  b: 2\n",
    "'1': one\n2: two\n",
])
def test_same_values_as_the_safe_loader(text):
    import yaml

    assert yamlfile.load(text).data == yaml.load(text, Loader=yaml.CSafeLoader)


@pytest.mark.parametrize("scalar", ["yes", "No", "off", "~", "", "null", "1", "-1.5", ".inf", "-.Inf", ".nan", "0x1F",
                                    "0o17", "017", "1_000", "1e3", "+.5", "12:30", "190:20:30", "2026-01-01",
                                    "2026-01-01 10:00:00", "2026-11-27 09:00", "=", "-", ".", "<<x", "post-1"])
def test_scalars_get_the_safe_loaders_types(scalar):
    # Tags are resolved by socialops' own cached lookup: the same type and value as the safe loader, plain
    # and quoted, as a value and as a list item (== alone would take True for 1).
    import yaml

    for text in (f"k: {scalar}\n", f"k: [{scalar}]\n", f"k: '{scalar}'\n"):
        try:
            expected = repr(yaml.load(text, Loader=yaml.CSafeLoader))
        except yaml.YAMLError:
            expected = "refused"
        try:
            got = repr(yamlfile.load(text).data)
        except yamlfile.YamlProblem:
            got = "refused"
        assert got == expected, text


def test_aliases_are_the_same_object():
    data = yamlfile.load("a: &x [1]\nb: *x\n").data
    assert data["a"] is data["b"]


def test_unhashable_key_is_a_problem():
    with pytest.raises(yamlfile.YamlProblem, match="unhashable"):
        yamlfile.load("? [a, b]\n: c\n")


def test_unknown_tag_refused_on_the_fast_path():
    with pytest.raises(yamlfile.YamlProblem, match="not allowed"):
        yamlfile.load("a: !!python/name:os.system x\n")
