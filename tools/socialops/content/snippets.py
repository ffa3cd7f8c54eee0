"""`{{snippet: name}}` in a post's text replaced by the snippet's text for one profile, before anything is
counted. Snippets may use snippets; a loop, an unknown name or an empty snippet is left visible and reported
(validation turns each into a problem, so such a post is never published)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from socialops.repository.snippets import REFERENCE_RE, Snippet

UNKNOWN, LOOP, EMPTY = "unknown", "loop", "empty"


@dataclass(frozen=True)
class SnippetIssue:
    kind: str  # unknown | loop | empty
    name: str  # the snippet that cannot be used
    chain: tuple[str, ...] = ()  # the snippets it was reached through, outermost first


def references(text: str) -> list[tuple[str, int]]:
    """The snippet names used in `text`, each with its line within the text (1-based)."""
    if "{{" not in text:
        return []
    return [(m.group(1), text.count("\n", 0, m.start()) + 1) for m in REFERENCE_RE.finditer(text)]


def expand(text: str, snippets: Mapping[str, Snippet], profile_id: str | None = None,
           networks: tuple[str, ...] = (), *, within: tuple[str, ...] = ()) -> tuple[str, list[SnippetIssue]]:
    """`text` with every snippet reference replaced by the text for `profile_id` (or its `networks`, most
    specific first), and what could not be replaced. `within`: the snippets `text` is part of."""
    if "{{" not in text:  # nearly every text: one C string search
        return text, []
    issues: list[SnippetIssue] = []
    return _expand(text, snippets, profile_id, networks, within, issues), issues


def _expand(text: str, snippets, profile_id, networks, chain: tuple[str, ...], issues: list) -> str:
    def replace(match) -> str:
        name = match.group(1)
        snippet = snippets.get(name)
        if snippet is None:
            issues.append(SnippetIssue(UNKNOWN, name, chain))
            return match.group(0)
        if name in chain:
            issues.append(SnippetIssue(LOOP, name, chain))
            return match.group(0)
        if snippet.empty:
            issues.append(SnippetIssue(EMPTY, name, chain))
            return ""
        inner, _ = snippet.text_for(profile_id, networks)
        return _expand(inner, snippets, profile_id, networks, (*chain, name), issues) if "{{" in inner else inner

    return REFERENCE_RE.sub(replace, text)


def describe(issue: SnippetIssue, known: Mapping[str, Snippet]) -> str:
    """What is wrong, in words, for a problem's message."""
    via = f" (used by {' → '.join(issue.chain)})" if issue.chain else ""
    if issue.kind == LOOP:
        return (f"the snippet '{issue.name}' uses itself again through {' → '.join((*issue.chain, issue.name))}; "
                "remove one of these references")
    if issue.kind == EMPTY:
        return (f"the snippet '{issue.name}'{via} is empty ({known[issue.name].path}); write its text or "
                "remove the reference")
    close = difflib.get_close_matches(issue.name, list(known), n=1)
    hint = f"Did you mean '{close[0]}'? " if close else ""
    names = ", ".join(sorted(known)[:20]) or "none yet"
    return (f"there is no snippet '{issue.name}'{via}: add snippets/{issue.name}.md, or fix the name. {hint}"
            f"Snippets: {names}")
