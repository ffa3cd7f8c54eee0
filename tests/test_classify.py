"""Classification: lexicons and matching, lemmas and compounds, the learned model, the incident category, the
hide rules' safety on every corpus, and the benchmark's metrics."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from socialops.community.categories import CATEGORIES
from socialops.community.classify import classify
from socialops.community.lexicons import builtin_lexicons, normalise, tokenize

CORPUS = Path(__file__).parent / "fixtures" / "comments"


def cat(text: str, **kw) -> str:
    return classify(text, **kw).category


# --- lexicons and matching -----------------------------------------------------------------------------------


def test_every_lexicon_entry_is_a_string_as_written():
    # YAML reads a bare off, no or yes as a boolean: the entry would match the word "false"
    import yaml

    from socialops.community.lexicons import LEXICON_CLASSES

    folder = Path(__file__).resolve().parents[1] / "tools" / "socialops" / "data" / "lexicons"
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name in LEXICON_CLASSES:
            bad = [v for v in data.get(name) or [] if not isinstance(v, str)]
            assert not bad, (path.name, name, bad)


def test_both_languages_ship_and_every_class_has_entries():
    lexicons = {lex.language: lex for lex in builtin_lexicons()}
    assert set(lexicons) == {"fi", "en", "sv"}
    for lex in lexicons.values():
        for name in ("insult", "threat", "directed", "negative_strong", "spam_strong", "second_person"):
            assert lex.get(name), (lex.language, name)


@pytest.mark.parametrize("text", [
    "Olette idiootteja", "idiooteille ei myydä", "Täysidiootti kassalla", "ne idiootit taas",
    "Ääliömäistä", "kusipäät", "ID1OOTIT", "v!tun ääliöt", "idiooooottiii",
])
def test_inflected_compound_and_disguised_finnish_insults_are_abusive(text):
    decision = classify(text)
    assert decision.category == "abusive", decision
    assert decision.confidence == "high"
    assert any(r.startswith("insult") for r in decision.reasons)


@pytest.mark.parametrize("text", ["F*ck off", "fuuuuck you", "Haista vittu", "painukaa vittuun täältä"])
def test_masked_and_stretched_swearing_aimed_at_someone(text):
    assert cat(text) == "abusive"


@pytest.mark.parametrize("text,expected", [
    ("Vitun hyvää kahvia!", "other"),  # swearing as praise
    ("This is so fucking good", "other"),
    ("Tappavan hyvää kakkua", "other"),
    ("That cake is to die for", "other"),
    ("Olin ihan idiootti kun unohdin lompakon", "other"),  # said of oneself
    ("I'm such an idiot, forgot my wallet", "other"),
    ("Sorry if this is a stupid question but do you have oat milk?", "question"),
    ("Ei huono ollenkaan!", "other"),  # negated complaint
    ("Not bad at all", "other"),
    ("Odotan innolla joulumenua!", "other"),
])
def test_what_is_not_abuse_or_complaint(text, expected):
    assert cat(text) == expected


def test_threats_slurs_and_aimed_weak_insults():
    assert classify("Tiedän missä asut").kinds[0] == "threat"
    assert classify("I hope your cafe burns down").category == "abusive"
    assert classify("Retards, all of you.").kinds[0] == "slur"
    aimed = classify("Sä oot niin tyhmä")
    assert aimed.category == "abusive" and aimed.confidence == "medium"  # weak word: not auto-hidden by default
    assert cat("Tyhmä kysymys, mutta onko pullissa munaa?") == "question"


def test_spam_signals_that_need_no_language():
    links = classify("👉👉 www.x-deals.example 👈👈")
    assert links.category == "spam" and "link" in links.kinds
    mentions = classify("@a @b @c @d @e tsekatkaa")
    assert mentions.category == "spam" and "mentions" in mentions.kinds
    assert cat("@liisa tänne mennään!") == "other"  # one friend tagged is fine
    assert cat("Great place", repeats=3) == "spam"
    assert "repeated" in classify("Great place", repeats=3).kinds
    assert cat("Great place", repeats=2) == "other"
    injection = classify("::add-mask::x ::error::boom")
    assert injection.category == "spam" and "injection" in injection.kinds


def test_capitals_strengthen_a_complaint_but_do_not_make_one():
    shouting = classify("TÄMÄ ON JO KOLMAS KERTA KUN TILAUS ON VÄÄRIN!!!")
    assert shouting.category == "negative" and "capitals" in shouting.kinds
    assert cat("MAHTAVAA!!! PARAS KAHVILA!!!") == "other"


def test_questions_in_both_languages():
    for text in ("Onko teillä kauramaitoa", "Hei! Toimitatteko Espooseen?", "Paljonko lahjakortti maksaa?",
                 "Do you have oat milk?", "Hey @kahvila can I bring my own cup?", "how long is the live"):
        assert cat(text) == "question", text
    assert cat("Pakko tulla maistamaan") == "other"  # -ko that is no question


def test_every_decision_says_why():
    for text in ("Olette idiootteja", "Onko auki?", "Kylmää ja pahaa kahvia, pettymys", "Dm me for collab", "Kiva!"):
        decision = classify(text)
        assert decision.reasons and all(isinstance(r, str) and r for r in decision.reasons)
        assert decision.category in CATEGORIES
    assert "'idiootteja' (*idioot*)" in classify("Olette idiootteja").reason


def test_tokens_drop_links_mentions_and_html():
    words = [t.text for t in tokenize(normalise("<b>Hei</b> @pekka katso https://x.example/a?b=c !"))]
    assert words == ["hei", "katso"]


# --- the corpus: the numbers the issue asks for ----------------------------------------------------------------


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _scores(path: Path) -> dict[str, tuple[float, float]]:
    rows = _rows(path)
    out = {}
    for c in CATEGORIES:
        tp = sum(1 for r in rows if r["label"] == c and cat(r["text"]) == c)
        predicted = sum(1 for r in rows if cat(r["text"]) == c)
        actual = sum(1 for r in rows if r["label"] == c)
        out[c] = (tp / predicted if predicted else 0.0, tp / actual if actual else 0.0)
    return out


def test_corpus_is_big_enough_and_in_both_languages():
    rows = _rows(CORPUS / "corpus.csv")
    assert len(rows) >= 200
    assert {r["language"] for r in rows} == {"fi", "en"}
    assert {r["label"] for r in rows} == set(CATEGORIES) - {"incident"}  # the older corpus predates incident
    assert len({r["id"] for r in rows}) == len(rows)


@pytest.mark.parametrize("name", ["corpus.csv", "holdout.csv"])
def test_abusive_precision_above_0_9_and_recall_for_flagging(name):
    scores = _scores(CORPUS / name)
    assert scores["abusive"][0] > 0.9, scores
    for category in ("question", "negative", "abusive", "spam"):
        assert scores[category][1] >= 0.8, (category, scores[category])


def test_high_confidence_abuse_is_never_a_customer_on_the_corpora():
    for name in ("corpus.csv", "holdout.csv"):
        for row in _rows(CORPUS / name):
            decision = classify(row["text"])
            if decision.category == "abusive" and decision.confidence == "high":
                assert row["label"] == "abusive", row


# --- lemmas, Swedish, compounds ---------------------------------------------------------------------------------


def test_lexicon_entries_match_inflected_forms_through_lemmas():
    from socialops.community.lemmas import lemmas

    forms = [f for t in tokenize(normalise("idiootteja ja nötter"), lemmas) for f in t.forms]
    assert "idiootti" in forms and "nöt" in forms
    assert lemmas("ab") == () and lemmas("k0ira") == ()  # too short, or no word: not looked up


def test_watch_words_match_inside_compounds():
    from socialops.community.settings import profile_rules

    rules = profile_rules({"moderation": {"watch_words": ["allergi*"]}})
    for text in ("Lapsella on maitoallergia", "pähkinäallergia, onko tässä pähkinää?", "Allergia!"):
        assert classify(text, rules=rules).watch, text
    assert not classify("Kiva galleria", rules=rules).watch  # 'allergi' is not in 'galleria'


@pytest.mark.parametrize("text,expected", [
    ("Onko teillä gluteenitonta leipää?", "question"),
    ("Do you deliver on Sundays?", "question"),
    ("Har ni öppet på söndag?", "question"),
    ("Olette idiootteja", "abusive"),
    ("You are all idiots", "abusive"),
    ("Ni är idioter allihop", "abusive"),
    ("Kahvi oli kylmää ja palvelu todella hidasta, pettymys.", "negative"),
    ("Worst service ever, cold food and rude staff.", "negative"),
    ("Tjäna pengar snabbt! Skriv DM så berättar jag", "spam"),
    ("Paras kahvila ikinä, kiitos!", "other"),
    ("Lovely staff and great coffee, thank you!", "other"),
])
def test_clear_examples_in_each_language(text, expected):
    assert cat(text) == expected


@pytest.mark.parametrize("text", [
    "Ihana kahvila, mutta lapsi sai allergisen reaktion pähkinästä",  # praise and an allergic reaction
    "Great cake but there was a piece of glass in it",
    "Sain ruokamyrkytyksen teidän sushista, ihan järkyttävää palvelua!!",  # a complaint and food poisoning
    "Hela familjen fick matförgiftning efter lunchen",
])
def test_a_health_or_safety_report_wins_over_praise_and_complaint(text):
    decision = classify(text)
    assert decision.category == "incident" and decision.confidence == "high" and decision.flagged


def test_an_incident_is_flagged_whatever_the_profile_flags_and_who_writes():
    from socialops.community.settings import profile_rules

    rules = profile_rules({"moderation": {"flag": ["abusive"], "trusted": ["@aino.k"]}})
    assert "incident" in rules.flag
    assert classify("Leivässä oli lasinpala", rules=rules, author="aino.k").flagged


# --- the learned model ----------------------------------------------------------------------------------------


def test_the_shipped_model_gives_the_training_scripts_probabilities():
    from socialops.community.classify import rule_evidence
    from socialops.community.model import builtin_model

    model = builtin_model()
    assert set(model.classes) == set(CATEGORIES)
    assert (Path(__file__).parents[1] / "tools" / "socialops" / "data" / "classifier.json").stat().st_size < 3_000_000
    checks = json.loads((CORPUS / "classifier_check.json").read_text(encoding="utf-8"))
    assert len(checks) >= 5
    for check in checks:
        found = rule_evidence(check["text"])
        got = model.probabilities(found.features())
        for category, expected in check["probabilities"].items():
            assert got[category] == pytest.approx(expected, abs=2e-3), check["text"]


def test_feature_hashing_is_stable():
    from socialops.community.model import hashed

    assert hashed(["w:kahvi", "c: ka"], 2 ** 18) == hashed(["c: ka", "w:kahvi", "w:kahvi"], 2 ** 18)
    assert list(hashed(["w:kahvi"], 2 ** 18)) == [zlib_bucket("w:kahvi")]


def zlib_bucket(feature: str) -> int:
    import zlib

    return zlib.crc32(feature.encode("utf-8")) % 2 ** 18


# --- hiding: never a legitimate comment, on any corpus ---------------------------------------------------------


def test_the_example_profiles_hide_no_legitimate_comment_of_any_corpus():
    import yaml

    from socialops.community.settings import profile_rules

    root = Path(__file__).resolve().parents[1]
    profiles = [profile_rules(yaml.safe_load(p.read_text(encoding="utf-8")) or {})
                for p in sorted((root / "profiles").glob("*.yaml"))]
    profiles = [rules for rules in profiles if rules.hide]
    assert profiles
    for name in ("train.csv", "test.csv", "untouched.csv", "unseen.csv", "fresh.csv", "heldout4.csv", "heldout5.csv",
                 "heldout6.csv", "corpus.csv", "holdout.csv"):
        for row in _rows(CORPUS / name):
            if row["label"] in ("abusive", "spam"):
                continue
            for rules in profiles:
                decision = classify(row["text"], rules=rules)
                assert rules.hide_rule(decision, row["text"]) is None, (name, row["id"], row["text"], decision)


def test_the_split_keeps_every_row_once():
    rows = [r for name in ("train.csv", "test.csv", "untouched.csv") for r in _rows(CORPUS / name)]
    split = [r for r in rows if r["id"].startswith("c17-")]
    assert len(split) == len({r["id"] for r in split}) == 1320
    assert {r["language"] for r in rows} == {"fi", "en", "sv", "mixed"}
    assert {r["label"] for r in rows} == set(CATEGORIES)
    assert len(_rows(CORPUS / "test.csv")) == 264
    # comments written later for training (t18-) went to train only; held-out texts appear nowhere else
    added = [r for r in _rows(CORPUS / "train.csv") if not r["id"].startswith("c17-")]
    assert len(added) >= 500 and all(r["id"].startswith(("t18-", "t19-", "t20-", "t21-")) for r in added)
    texts = {r["text"].casefold() for r in _rows(CORPUS / "train.csv")}
    for name in ("test.csv", "untouched.csv", "unseen.csv", "fresh.csv", "heldout4.csv", "heldout5.csv", "heldout6.csv"):
        assert not texts & {r["text"].casefold() for r in _rows(CORPUS / name)}, name


def test_heldout4_is_a_separate_corpus_of_every_kind_and_shares_no_text_with_another():
    rows = _rows(CORPUS / "heldout4.csv")
    assert len(rows) == len({r["id"] for r in rows}) == 250 and all(r["id"].startswith("h4-") for r in rows)
    assert {r["label"] for r in rows} == set(CATEGORIES)
    assert {r["language"] for r in rows} == {"fi", "en", "sv", "mixed"}
    assert sum(r["hard"] == "1" for r in rows) >= len(rows) / 3
    held = {" ".join(r["text"].casefold().split()) for r in rows}
    assert len(held) == len(rows)
    for name in ("train.csv", "test.csv", "untouched.csv", "unseen.csv", "fresh.csv", "corpus.csv", "holdout.csv"):
        assert not held & {" ".join(r["text"].casefold().split()) for r in _rows(CORPUS / name)}, name


def test_heldout5_is_a_separate_corpus_of_every_kind_and_shares_no_text_with_another():
    rows = _rows(CORPUS / "heldout5.csv")
    assert len(rows) == len({r["id"] for r in rows}) == 300 and all(r["id"].startswith("h5-") for r in rows)
    assert {r["label"] for r in rows} == set(CATEGORIES)
    assert {r["language"] for r in rows} == {"fi", "en", "sv", "mixed"}
    assert sum(r["hard"] == "1" for r in rows) >= len(rows) * 0.4
    kinds = {r["kind"] for r in _rows(CORPUS / "train.csv")} | {r["kind"] for r in _rows(CORPUS / "heldout4.csv")}
    assert {r["kind"] for r in rows} <= kinds
    held = {" ".join(r["text"].casefold().split()) for r in rows}
    assert len(held) == len(rows)
    for name in ("train.csv", "test.csv", "untouched.csv", "unseen.csv", "fresh.csv", "heldout4.csv", "corpus.csv",
                 "holdout.csv"):
        assert not held & {" ".join(r["text"].casefold().split()) for r in _rows(CORPUS / name)}, name


def test_heldout6_is_a_separate_corpus_of_every_kind_written_before_this_round_and_never_trained_on():
    path = CORPUS / "heldout6.csv"
    with path.open(encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == ["id", "language", "label", "hard", "kind", "text"]
    rows = _rows(path)
    assert len(rows) == len({r["id"] for r in rows}) == 300
    assert [r["id"] for r in rows] == [f"h6-{i:04d}" for i in range(1, 301)]
    assert {r["label"] for r in rows} == set(CATEGORIES)
    assert {r["language"] for r in rows} == {"fi", "en", "sv", "mixed"}
    assert {r["hard"] for r in rows} == {"0", "1"} and all(r["kind"] and r["text"].strip() for r in rows)
    assert sum(r["hard"] == "1" for r in rows) >= len(rows) * 2 / 3
    held = {" ".join(r["text"].casefold().split()) for r in rows}
    same = {_same_text(r["text"]) for r in rows}
    assert len(held) == len(same) == len(rows)
    others = sorted(p for p in CORPUS.glob("*.csv") if p.name != "heldout6.csv")
    assert {p.name for p in others} >= {"train.csv", "test.csv", "untouched.csv", "unseen.csv", "fresh.csv",
                                        "heldout4.csv", "heldout5.csv", "corpus.csv", "holdout.csv"}
    for other in others:
        texts = [r["text"] for r in _rows(other)]
        assert not held & {" ".join(t.casefold().split()) for t in texts}, other.name
        assert not same & {_same_text(t) for t in texts}, other.name


def _same_text(text: str) -> str:  # case, punctuation and spacing aside (emoji kept)
    import re

    return " ".join(re.sub(r"[^\w\s\U0001F000-\U0001FAFF\u2600-\u27BF]", " ", text.casefold()).split())


def test_the_model_says_what_it_was_trained_on_and_that_is_no_text_of_test_or_untouched():
    # the spent held-out sets (scored once each) are training data; test, untouched and heldout6 never are
    root = Path(__file__).resolve().parents[1]
    about = json.loads((root / "tools" / "socialops" / "data" / "classifier.json").read_text(encoding="utf-8"))["about"]
    trained = about["trained_on"]
    assert set(trained) >= {f"tests/fixtures/comments/{n}.csv" for n in ("train", "unseen", "fresh", "heldout4", "heldout5")}
    assert not set(trained) & {f"tests/fixtures/comments/{n}.csv" for n in ("test", "untouched", "heldout6")}
    assert sum(trained.values()) == about["rows"] >= 2000
    held = {_same_text(r["text"]) for name in ("test.csv", "untouched.csv", "heldout6.csv") for r in _rows(CORPUS / name)}
    seen: set[str] = set()
    for path, count in trained.items():  # each text once, the first time it comes ("Har ni öppet ...(?)")
        texts = [_same_text(r["text"]) for r in _rows(root / path)]
        assert not held & set(texts), path
        assert len(set(texts) - seen) == count > 0, path
        seen.update(texts)


# --- the benchmark's metrics -------------------------------------------------------------------------------------


def test_benchmark_metrics_on_a_known_confusion_matrix():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_classify.py"
    spec = importlib.util.spec_from_file_location("bench_classify", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    # 10 questions: 8 right, 2 called negative; 5 negatives: 4 right, 1 called question
    result = bench.scores({("question", "question"): 8, ("question", "negative"): 2,
                           ("negative", "negative"): 4, ("negative", "question"): 1})
    question, negative = result["per_category"]["question"], result["per_category"]["negative"]
    assert set(result["per_category"]) == {"question", "negative"}
    assert question["precision"] == pytest.approx(8 / 9) and question["recall"] == pytest.approx(0.8)
    assert negative["precision"] == pytest.approx(4 / 6) and negative["recall"] == pytest.approx(0.8)
    assert question["f1"] == pytest.approx(2 * (8 / 9) * 0.8 / (8 / 9 + 0.8))
    assert result["macro_f1"] == pytest.approx((question["f1"] + negative["f1"]) / 2)
    assert result["accuracy"] == pytest.approx(12 / 15) and result["n"] == 15
