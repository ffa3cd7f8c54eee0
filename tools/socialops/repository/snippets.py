"""Snippets: reusable text (hashtag sets, signatures, disclaimers) in snippets/, one file each.

A snippet is a Markdown or text file; its name is its path under snippets/ without the ending
(snippets/hashtags-summer.md is `hashtags-summer`, snippets/kahvila/signature.md is `kahvila/signature`).
The text of the file is what every network gets. Where a network or one profile needs other text, the
file starts with settings, as a post does, one key per network name or profile id:

    ---
    linkedin: "Kahvila Aurinko, Helsinki"
    bluesky: ""            # nothing for Bluesky
    ---
    #kahvila #helsinki #pulla

Posts use a snippet as `{{snippet: hashtags-summer}}`; snippets may use other snippets. Expanding is pure
text work (content.snippets); this module only reads the files.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.core import yamlfile
from socialops.errors import ConfigError, ContentError
from socialops.repository.posts import parse_post, read_text

SNIPPETS_DIR = "snippets"
SNIPPET_SUFFIXES = (".md", ".txt")
MAX_SNIPPET_BYTES = 100_000
REFERENCE_RE = re.compile(r"\{\{\s*snippet\s*:\s*([^{}\s]+)\s*\}\}", re.IGNORECASE)
_SKIPPED = {"readme.md", "readme.txt"}  # the folder's own explanation for people


@dataclass
class Snippet(yamlfile.KeyLines):
    name: str
    path: str  # relative to the repository root
    text: str  # for every network
    variants: dict[str, str] = field(default_factory=dict)  # network name or profile id -> text
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    lines: dict[tuple, int] = field(default_factory=dict, repr=False)
    body_line: int = 1

    def text_for(self, profile_id: str | None, networks: tuple[str, ...] = ()) -> tuple[str, int | None]:
        """The text a profile gets (its own variant, its network's, or the default) and the line where it
        stands (None for the file's text below the settings)."""
        for key in (profile_id, *networks):
            if key and key in self.variants:
                return self.variants[key], self.line(key)
        return self.text, None

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not any(v.strip() for v in self.variants.values())


def find_snippets(root: Path) -> list[str]:
    """The snippet files under snippets/ (repository-relative, sorted); README files are not snippets."""
    folder = root / SNIPPETS_DIR
    if not folder.is_dir():
        return []
    found = []
    for current, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_dir = Path(current).relative_to(root).as_posix()
        found += [f"{rel_dir}/{n}" for n in names if n.lower().endswith(SNIPPET_SUFFIXES)
                  and not n.startswith(".") and n.lower() not in _SKIPPED]
    return sorted(found)


def snippet_name(rel: str) -> str:
    return os.path.splitext(rel)[0][len(SNIPPETS_DIR) + 1:]


def parse_snippet(text: str, rel: str) -> Snippet:
    """A snippet from its file's text. Raises ContentError when its settings cannot be read."""
    name = snippet_name(rel)
    if not text.lstrip("\n").startswith("---"):
        return Snippet(name=name, path=rel, text=text.strip(), body_line=_first_line(text, 1))
    post = parse_post(text, rel)  # the same settings-then-text shape as a post
    # `bluesky:` with nothing after it: nothing for Bluesky
    variants = {str(k): "" if v is None else str(v).strip() for k, v in post.raw.items()
                if v is None or isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    return Snippet(name=name, path=rel, text=post.body.strip(), variants=variants, raw=post.raw, lines=post.lines,
                   body_line=_first_line(post.body, post.body_line))


def _first_line(text: str, line: int) -> int:
    """The line of the first thing written in `text`, which starts at `line`."""
    return line + text[:len(text) - len(text.lstrip())].count("\n")


def load_snippet(root: Path, rel: str) -> Snippet:
    try:
        return parse_snippet(read_text(root / rel, rel, MAX_SNIPPET_BYTES), rel)
    except ContentError as exc:
        raise ConfigError(exc.message, path=rel, line=exc.line) from None


def load_snippets(root: Path, unreadable: list | None = None) -> dict[str, Snippet]:
    """Every snippet by name. A file that cannot be read raises ConfigError, or, when `unreadable` is given,
    is recorded there as (path, line, message) and left out."""
    out: dict[str, Snippet] = {}
    for rel in find_snippets(root):
        try:
            snippet = load_snippet(root, rel)
        except ConfigError as exc:
            if unreadable is None:
                raise
            unreadable.append((rel, exc.line or 1, exc.message))
            continue
        out.setdefault(snippet.name, snippet)  # a.md and a.txt: the first; validate reports the other
    return out


def snippet_stamp(root: Path) -> tuple:
    """The snippet files by size and mtime: what expanded texts depend on."""
    out = []
    for rel in find_snippets(root):
        try:
            st = os.stat(root / rel)
            out.append((rel, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((rel, None, None))
    return tuple(out)
