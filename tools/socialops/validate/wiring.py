"""The rule of the workflows' secrets wiring: every profile's token secret is passed to every workflow that
calls a network, and no secret is passed that belongs to no profile (profiles/wiring.py writes the lines)."""

from __future__ import annotations

from pathlib import Path

from socialops.core.problems import ERROR, Problem
from socialops.profiles.wiring import TOKEN_WORKFLOWS, WORKFLOWS_DIR, read_blocks, token_names
from socialops.repository.config import Config

FIX = "run `socialops codeowners` (it writes these lines from profiles/) and commit the workflow"


def wiring_problems(config: Config) -> list[Problem]:
    """Problems of the token blocks of .github/workflows/{publish,comments,metrics,moderate,profiles}.yml.
    A workflow the repository does not have is not checked (a brand may leave one out)."""
    profiles = list(config.profiles.values())
    needed = {name: [p.path for p in profiles if p.token_env == name] for name in token_names(profiles)}
    out: list[Problem] = []
    for name in TOKEN_WORKFLOWS:
        rel = f"{WORKFLOWS_DIR}/{name}"
        path = Path(config.root) / rel
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            out.append(Problem(rel, 1, ERROR, "unreadable", f"the workflow cannot be read: {exc}"))
            continue
        blocks = read_blocks(text)
        if not blocks:
            out.append(Problem(rel, 1, ERROR, "workflow-secrets",
                               "the workflow has no '# BEGIN socialops tokens' ... '# END socialops tokens' lines in "
                               "the env: of the step that runs socialops, so no profile's token reaches it; add the "
                               f"two marker lines there, then {FIX}"))
            continue
        for block in blocks:
            out += _block_problems(rel, block, needed)
    return out


def _block_problems(rel: str, block, needed: dict[str, list[str]]) -> list[Problem]:
    out = []
    if block.end is None:
        out.append(Problem(rel, block.begin, ERROR, "workflow-secrets",
                           "'# BEGIN socialops tokens' has no '# END socialops tokens' line after it; add it"))
    wired = set()
    for item in block.lines:
        if item.secret is None or item.variable != item.secret:
            out.append(Problem(rel, item.line, ERROR, "workflow-secrets",
                               f"'{item.text}' is not a token line 'NAME: ${{{{ secrets.NAME }}}}'; {FIX}"))
            continue
        wired.add(item.secret)
        if item.secret not in needed:
            out.append(Problem(rel, item.line, ERROR, "workflow-secrets",
                               f"the secret {item.secret} is passed to the workflow, but no profile has "
                               f"'token_env: {item.secret}'; {FIX}"))
    for name, paths in needed.items():
        if name not in wired:
            out.append(Problem(rel, block.begin, ERROR, "workflow-secrets",
                               f"the secret {name} ({', '.join(paths)}) is not passed to this workflow, so its "
                               f"token never reaches socialops; {FIX}"))
    return out
