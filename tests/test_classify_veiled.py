"""Abuse put indirectly (socialops.community.veiled): someone's routine watched without a harm word, praise that
mocks a person, and banter between people who laugh together; what the rules find (deterministic, without the
model) and that nothing of it is ever hidden."""

from __future__ import annotations

import pytest

from socialops.community.classify import ABUSE_BANTER, combine, rule_evidence
from socialops.community.settings import ProfileRules
from tests.helpers import abuse_kinds, never_hidden


@pytest.mark.parametrize("text", [
    "Funny how the manager always parks in the same spot",
    "Hauska miten teidän kokki pysäköi aina samaan paikkaan",
    "Din chef går alltid samma väg hem genom parken, va?",
    "Your waitress walks to the bus stop alone after closing",  # alone: unseen
    "Teidän parturin auto on viimeisenä parkkipaikalla, pimeällä",
    "The barista lives above the bakery, right?",  # a tag question: the writer checks what they know
    "Kiva tietää että omistajan auto on iltaisin viimeisenä pihalla",
    "Bra att veta att kassörskan slutar klockan nio",
])
def test_someones_routine_watched_is_a_veiled_threat_never_hidden(text):
    assert "watching" in abuse_kinds(text)
    assert never_hidden(text)


@pytest.mark.parametrize("text", [
    "Your shop is always busy on Saturdays!",  # a pronoun that owns a place: the business
    "The manager always says hi, lovely man",  # no routine named
    "My kids always love coming here after school",  # the writer's own
    "Your staff parks somewhere, no idea where",  # no habit, time or watching words
    "Mihin aikaan teidän kokki tulee töihin?",
    "Your staff always park in the customer spots",  # a habit alone: a complaint
    "Personalen parkerar alltid på handikapplatsen",
    "Mä tiedän missä sun salonki on! Ihan mun kodin vieressä",  # the business, and the writer's own home
])
def test_a_routine_without_someone_watching_it_is_no_threat(text):
    assert "watching" not in abuse_kinds(text)


@pytest.mark.parametrize("text", [
    "Varsinainen nero tuo teidän tarjoilija 🤡", "what a genius your cashier is 🙄",
    "Vilket snille ni har i kassan 🙄", "Your receptionist is a real \"genius\", lost my booking",
    "The cashier is the sharpest tool in the box. Not.",
    "What a genius your waiter is, the worst service ever",  # emphatic praise and a complaint
])
def test_praise_that_mocks_a_person_is_abuse_for_a_person_never_hidden(text):
    assert "mock_praise" in abuse_kinds(text)
    assert never_hidden(text)


@pytest.mark.parametrize("text", [
    "Your barista is a genius with latte art 😍", "Teidän kokki on ihan nero, paras keitto ikinä",
    "Ni har ett riktigt snille i köket!", "Genius idea, the water bowl for dogs 🙄",  # no person
    "I'm such a genius, forgot my wallet 🙄",  # of oneself
    "Someone said your cashier is a genius 🙄",  # reported
])
def test_sincere_praise_or_praise_of_no_one_is_no_mockery(text):
    assert "mock_praise" not in abuse_kinds(text)


@pytest.mark.parametrize("text", ["@petri sä oot ihan sika 😂", "@jussi you clown, you forgot your jacket 😂",
                                  "@frida din fåne 😅 du beställde fyra kakor"])
def test_a_mock_insult_with_a_laugh_is_banter(text):
    found = rule_evidence(text)
    assert found.banter and "banter" in found.signals()
    assert never_hidden(text)


@pytest.mark.parametrize("text", ["@petri sä oot ihan sika", "@maja you pathetic loser 😂",
                                  "haha the waiter is such a clown 😂", "@tom you absolute idiot 😂"])
def test_no_banter_without_a_laugh_a_person_addressed_or_with_more_than_a_mild_insult(text):
    assert not rule_evidence(text).banter


def test_banter_is_abuse_only_when_the_model_is_sure():
    found = rule_evidence("@petri sä oot ihan sika 😂")
    assert found.abuse.kinds == ["weak_insult"]
    rules = ProfileRules()

    def decide(abusive):
        rest = (1 - abusive) / 8
        probabilities = {c: rest for c in ("question", "negative", "spam", "incident")}
        return combine(found, {**probabilities, "other": 4 * rest, "abusive": abusive}, rules=rules)

    # without the laugh, an aimed insult is abuse from 0.15 (classify.ABUSE_AIMED); with it, from ABUSE_BANTER
    assert decide(ABUSE_BANTER - 0.05).category == "other"
    assert decide(0.3).category == "other"
    assert decide(ABUSE_BANTER + 0.05).category == "abusive"
    plain = rule_evidence("@petri sä oot ihan sika")
    assert not plain.banter
    probabilities = {"question": 0.05, "negative": 0.05, "spam": 0.05, "other": 0.6, "incident": 0.05, "abusive": 0.2}
    assert combine(plain, probabilities, rules=rules).category == "abusive"


@pytest.mark.parametrize("text", ["I know the chef's kids, they go to my daughter's school, lovely family!",
                                  "Tiedän että teidän omistaja asuu tässä lähellä, tosi kiva 😊"])
def test_a_routine_named_with_praise_and_warmth_is_no_threat(text):
    assert "watching" not in abuse_kinds(text)


@pytest.mark.parametrize("text", ["The manager is a smug little man", "Kocken är en sur liten gubbe",
                                  "Tarjoilija on aika tyly pikku prinsessa", "Receptionist was a stuck-up little madam"])
def test_a_person_called_a_little_something_is_belittled_never_hidden(text):
    assert "belittling" in abuse_kinds(text)
    assert never_hidden(text)


@pytest.mark.parametrize("text", ["The owner is a little late today", "Your waiter was a little slow",
                                  "Kokki on pieni mies", "Our barista is a lovely little ray of sunshine",
                                  "The bakery is a cosy little place"])
def test_a_little_said_of_degree_size_or_with_praise_belittles_no_one(text):
    assert "belittling" not in abuse_kinds(text)


@pytest.mark.parametrize("text", ["Lovely big windows you've got on that shop. Glass is expensive to replace.",
                                  "Isot ikkunat teillä, ois kallis korjata", "Fina stora fönster ni har. Dyra att byta ut."])
def test_someone_elses_property_and_its_damage_is_a_veiled_threat_never_hidden(text):
    assert "fragile" in abuse_kinds(text)
    assert never_hidden(text)


@pytest.mark.parametrize("text", ["Our car broke down, expensive to fix!", "Your new windows look great!",
                                  "The glasses are fragile, be careful when washing them",
                                  "The windows aren't fragile, they're safety glass"])
def test_the_writers_own_property_or_no_damage_is_no_threat(text):
    assert "fragile" not in abuse_kinds(text)
