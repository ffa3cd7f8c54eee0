"""The rules of snippets: each file on its own (not empty, known variant names, references that lead
somewhere and not round in a loop), and each use of a snippet in a post, with the post's line."""

from __future__ import annotations

from socialops.content.snippets import EMPTY, LOOP, SnippetIssue, describe, expand, references
from socialops.core.problems import ERROR, Problem
from socialops.networks import NETWORKS
from socialops.repository.config import Config
from socialops.repository.posts import Post
from socialops.repository.profiles import Profile
from socialops.repository.snippets import Snippet, find_snippets, snippet_name
from socialops.validate.common import unknown_keys

_CODES = {LOOP: "snippet-loop", EMPTY: "snippet-empty"}


def _code(issue: SnippetIssue) -> str:
    return _CODES.get(issue.kind, "snippet-unknown")


def snippet_problems(config: Config) -> list[Problem]:
    """Everything wrong with the files under snippets/."""
    out: list[Problem] = []
    seen: dict[str, str] = {}
    for rel in find_snippets(config.root):
        name = snippet_name(rel)
        if name in seen:
            out.append(Problem(rel, 1, ERROR, "snippet-invalid",
                               f"the snippet '{name}' is also {seen[name]}; keep one of the two files"))
        seen.setdefault(name, rel)
    for snippet in config.snippets.values():
        out += _file_problems(snippet, config)
    return out


def _file_problems(snippet: Snippet, config: Config) -> list[Problem]:
    out: list[Problem] = []
    path = snippet.path
    if snippet.empty:
        out.append(Problem(path, snippet.body_line, ERROR, "snippet-empty",
                           f"the snippet '{snippet.name}' has no text; write the text below the settings, or "
                           "delete the file"))
    allowed = sorted(set(NETWORKS) | set(config.profiles))
    out += unknown_keys([k for k in snippet.raw if k not in allowed], allowed, path, snippet.line,
                        "a snippet (its settings are network names or profile ids, each with its text)")
    for key, value in snippet.raw.items():
        if value is not None and (isinstance(value, (bool, list, dict))):
            out.append(Problem(path, snippet.line(key), ERROR, "wrong-type",
                               f"'{key}' must be the text for {key}, like {key}: \"#summer #coffee\""))
    texts = [(snippet.text, snippet.body_line, None)]
    texts += [(text, snippet.line(key), key) for key, text in snippet.variants.items()]
    for text, first_line, key in texts:
        for name, line in references(text):
            at = first_line + line - 1 if key is None else first_line
            _, issues = expand("{{snippet: " + name + "}}", config.snippets, key, (key,) if key else (),
                               within=(snippet.name,))
            for issue in issues:
                problem = Problem(path, at, ERROR, _code(issue), describe(issue, config.snippets))
                if problem not in out:
                    out.append(problem)
    return out


def _texts(post: Post) -> list[tuple[str, int, str | None]]:
    """The post's texts that use snippets ('{{'): (text, line of its first line, the override's name or None).
    A line is looked up only for those: in a post read by the fast reader that costs a full YAML parse."""
    out = [(post.body, post.body_line, None)] if "{{" in post.body else []
    comment = post.first_comment
    if comment is not None and "{{" in comment:
        out.append((comment, post.line("first_comment"), None))
    for name, values in post.overrides.items():
        for key in ("body", "first_comment"):
            text = values.get(key)
            if isinstance(text, str) and "{{" in text:
                out.append((text, post.line("overrides", name, key), name))
    return out


def post_snippet_problems(post: Post, config: Config, targets: list[Profile]) -> list[Problem]:
    """A problem for each use of a snippet in the post that cannot be expanded for one of its profiles."""
    texts = _texts(post)
    if not texts:
        return []
    out: list[Problem] = []
    for text, first_line, override in texts:
        for name, line in references(text):
            at = first_line + line - 1 if text is post.body else first_line
            for profile in targets or [None]:
                if profile is not None and override not in (None, profile.id, profile.rules_network, profile.network):
                    continue
                networks = (profile.rules_network, profile.network) if profile else ()
                _, issues = expand("{{snippet: " + name + "}}", config.snippets, profile.id if profile else None,
                                   networks)
                for issue in issues:
                    problem = Problem(post.path, at, ERROR, _code(issue), describe(issue, config.snippets))
                    if problem not in out:
                        out.append(problem)
    return out
