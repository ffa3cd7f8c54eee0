"""Words for counts in messages: '1 post', '2 posts'."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 file', '3 files'; `many` for a word whose plural is not word + s ('1 reply', '2 replies')."""
    return f"{n} {word if n == 1 else many or word + 's'}"
