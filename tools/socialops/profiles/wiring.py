"""The secrets wiring of the workflows: which token secrets each workflow that talks to the networks passes to
socialops, generated from the profiles' ``token_env`` like ``.github/CODEOWNERS`` from their owners.

A GitHub secret reaches a step only when the workflow names it (``NAME: ${{ secrets.NAME }}`` in the step's
``env:``), so a brand with its own profiles needs its own lines there. They sit between two comment markers,
one line per token, so the rest of the file stays as written and zizmor and actionlint read it as any other
``env:`` block:

          # BEGIN socialops tokens: ...
          SOCIALOPS_ACME_BLUESKY_TOKEN: ${{ secrets.SOCIALOPS_ACME_BLUESKY_TOKEN }}
          # END socialops tokens

``socialops init`` and ``socialops codeowners`` write them; validation reads them (``validate/wiring.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialops.core.files import atomic_write_text

WORKFLOWS_DIR = ".github/workflows"
# The workflows whose jobs call a network: each passes every profile's token.
TOKEN_WORKFLOWS = ("publish.yml", "comments.yml", "metrics.yml", "moderate.yml", "profiles.yml")
BEGIN = "# BEGIN socialops tokens: one line per profile's token_env, written by `socialops codeowners`"
END = "# END socialops tokens"
TOKEN_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_WIRED = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*):\s*\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\s*(#.*)?$")


@dataclass(frozen=True)
class Wired:
    """One line between the markers: its line number (1-based), the variable it sets and the secret it reads
    (None when the line is not ``NAME: ${{ secrets.NAME }}``)."""

    line: int
    variable: str | None
    secret: str | None
    text: str


@dataclass(frozen=True)
class Block:
    begin: int  # the line of the BEGIN marker (1-based)
    end: int | None  # the line of the END marker; None when it is missing
    lines: tuple[Wired, ...]


def token_names(profiles: Iterable[Any]) -> list[str]:
    """The secret names the profiles need (their ``token_env``), sorted, each once."""
    names = {getattr(p, "token_env", None) for p in profiles}
    return sorted(n for n in names if isinstance(n, str) and TOKEN_NAME.match(n))


def read_blocks(text: str) -> list[Block]:
    """The token blocks of a workflow's text."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip().startswith("# BEGIN socialops tokens"):
            begin, wired = i + 1, []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(END):
                if lines[i].strip() and not lines[i].strip().startswith("#"):
                    match = _WIRED.match(lines[i])
                    wired.append(Wired(i + 1, match.group(1) if match else None, match.group(2) if match else None,
                                       lines[i].strip()))
                i += 1
            blocks.append(Block(begin, i + 1 if i < len(lines) else None, tuple(wired)))
        i += 1
    return blocks


def wire(text: str, names: list[str]) -> str:
    """The workflow's text with every token block holding exactly these secrets (indented as its marker)."""
    out: list[str] = []
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip().startswith("# BEGIN socialops tokens"):
            indent = line[:len(line) - len(line.lstrip())]
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip().startswith(END)), None)
            if end is None:  # a block without its end marker is left alone; validation reports it
                out.append(line)
                i += 1
                continue
            out.append(f"{indent}{BEGIN}\n")
            out += [f"{indent}{name}: ${{{{ secrets.{name} }}}}\n" for name in names]
            out.append(f"{indent}{END}\n")
            i = end + 1
            continue
        out.append(line)
        i += 1
    return "".join(out)


def write_wiring(repo_root: Path, profiles: Iterable[Any], *, check: bool = False) -> list[str]:
    """Write the token blocks of the workflows; return the workflow files that changed (with ``check``: would
    change, and nothing is written)."""
    names = token_names(profiles)
    changed = []
    for name in TOKEN_WORKFLOWS:
        path = Path(repo_root) / WORKFLOWS_DIR / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        new = wire(text, names)
        if new != text:
            changed.append(f"{WORKFLOWS_DIR}/{name}")
            if not check:
                atomic_write_text(path, new)
    return changed
