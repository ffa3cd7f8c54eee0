"""Lemmas: the dictionary forms of a word in Finnish, Swedish and English (``idiootteja`` -> ``idiootti``,
``nötter`` -> ``nöt``, ``threatened`` -> ``threaten``), so that a lexicon entry matches its inflected forms.

simplemma ships the dictionaries and needs no network; it loads a language's data on first use (about a
second each), so only classification imports this module: ``socialops --help`` and ``validate`` never do.
"""

from __future__ import annotations

import functools

import simplemma

LEMMA_LANGUAGES = ("fi", "sv", "en")


@functools.lru_cache(maxsize=65536)
def lemmas(word: str) -> tuple[str, ...]:
    """The word's lemmas in the languages of the lexicons, the word itself left out."""
    if len(word) < 3 or not word.isalpha():
        return ()
    found = (simplemma.lemmatize(word, lang=language).casefold() for language in LEMMA_LANGUAGES)
    return tuple(lemma for lemma in dict.fromkeys(found) if lemma != word)
