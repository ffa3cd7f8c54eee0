"""A proposed change as a pull request: files written to a branch reset to the base, and one open pull request
for that branch, opened or brought up to date (never a second one).

On GitHub through the REST API (PyGithub's requester, so the tracker's retry, redaction and error messages
apply): ``GET git/ref/heads/{base}``, ``POST git/refs`` or ``PATCH git/refs/heads/{branch}`` (force, to the
base), per file ``GET`` and ``PUT contents/{path}``, then ``GET pulls?head=owner:branch&state=open`` and
``POST pulls`` or ``PATCH pulls/{n}``; with ``one_commit``, ``GET git/commits/{base}``, ``POST git/trees`` and
``POST git/commits`` instead of the contents calls. The workflow's token needs ``contents: write`` and
``pull-requests: write``. In the outbox: ``pull-requests/<branch>.json`` with the title, body, base and the
files' new texts.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from socialops.core.files import atomic_write_text
from socialops.tracker.interface import Tracker
from socialops.tracker.outbox import OutboxTracker, outbox_name

TREE_CHUNK = 500  # files a tree request carries: a few hundred kB of posts, far from GitHub's request limits


@dataclass(frozen=True)
class Proposal:
    number: int | None
    url: str | None
    result: str  # created, updated or unchanged
    where: str  # the pull request's address, or the outbox file


def propose(tracker: Tracker, *, branch: str, base: str, title: str, body: str, files: dict[str, str],
            message: str, one_commit: bool = False) -> Proposal:
    """Put ``files`` (path -> new text) on ``branch`` (reset to ``base``) and open or update its pull request.
    ``one_commit``: all the files in one commit made through the Git Data API (a tree and a commit, a few
    requests whatever their number), where the contents API makes a commit per file and GitHub limits how many
    such writes a token makes a minute: for the hundreds of files of an import."""
    if isinstance(tracker, OutboxTracker):
        return _to_outbox(tracker, branch=branch, base=base, title=title, body=body, files=files)
    return _to_github(tracker, branch=branch, base=base, title=title, body=body, files=files, message=message,
                      one_commit=one_commit)


def _to_outbox(tracker: OutboxTracker, *, branch: str, base: str, title: str, body: str,
               files: dict[str, str]) -> Proposal:
    path = Path(tracker.root) / "pull-requests" / f"{outbox_name(branch)}.json"
    data = {"branch": branch, "base": base, "title": title, "body": body, "files": dict(sorted(files.items()))}
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    if old != text:
        atomic_write_text(path, text)
    return Proposal(None, None, "unchanged" if old == text else "updated" if old else "created", str(path))


def _to_github(tracker: Any, *, branch: str, base: str, title: str, body: str, files: dict[str, str],
               message: str, one_commit: bool) -> Proposal:
    from github import GithubException

    requester = tracker._gh.requester
    repo = f"/repos/{tracker.repo_name}"

    def call(verb: str, path: str, what: str, data: dict | None = None, *, params: dict | None = None,
             missing_ok: bool = False) -> Any:
        def send() -> Any:
            try:
                return requester.requestJsonAndCheck(verb, f"{repo}/{path}", parameters=params, input=data)[1]
            except GithubException as exc:
                if missing_ok and exc.status == 404:
                    return None
                raise

        return tracker._read(send, what) if verb == "GET" else tracker._write(send, what)

    base_sha = call("GET", f"git/ref/heads/{quote(base)}", f"read the {base} branch")["object"]["sha"]
    head_sha = _one_commit(call, base_sha, files, message) if one_commit else base_sha
    if call("GET", f"git/ref/heads/{quote(branch)}", f"look up the branch {branch}", missing_ok=True) is None:
        call("POST", "git/refs", f"create the branch {branch}", {"ref": f"refs/heads/{branch}", "sha": head_sha})
    else:
        call("PATCH", f"git/refs/heads/{quote(branch)}", f"reset the branch {branch} to {base}",
             {"sha": head_sha, "force": True})
    for path, text in sorted(files.items()) if not one_commit else ():
        current = call("GET", f"contents/{quote(path)}", f"read {path} on {branch}", params={"ref": branch},
                       missing_ok=True)
        data = {"message": message, "branch": branch,
                "content": base64.b64encode(text.encode("utf-8")).decode("ascii")}
        if current and current.get("sha"):
            data["sha"] = current["sha"]
        call("PUT", f"contents/{quote(path)}", f"write {path} on {branch}", data)
    owner = tracker.repo_name.split("/")[0]
    found = call("GET", "pulls", f"look for the open pull request of {branch}",
                 params={"state": "open", "head": f"{owner}:{branch}", "base": base}) or []
    if found:
        pull = found[0]
        if pull.get("title") == title and pull.get("body") == body:
            return Proposal(pull["number"], pull.get("html_url"), "unchanged", pull.get("html_url") or "")
        pull = call("PATCH", f"pulls/{int(pull['number'])}", f"update pull request #{pull['number']}",
                    {"title": title, "body": body})
        return Proposal(pull["number"], pull.get("html_url"), "updated", pull.get("html_url") or "")
    pull = call("POST", "pulls", f"open the pull request of {branch}",
                {"title": title, "head": branch, "base": base, "body": body})
    return Proposal(pull["number"], pull.get("html_url"), "created", pull.get("html_url") or "")


def _one_commit(call: Any, base_sha: str, files: dict[str, str], message: str) -> str:
    """A commit on ``base_sha`` holding ``files``: trees of up to TREE_CHUNK files each on the last, then the
    commit (the branch is pointed at it after)."""
    tree = call("GET", f"git/commits/{base_sha}", "read the base commit")["tree"]["sha"]
    items = sorted(files.items())
    for start in range(0, len(items), TREE_CHUNK):
        entries = [{"path": path, "mode": "100644", "type": "blob", "content": text}
                   for path, text in items[start:start + TREE_CHUNK]]
        tree = call("POST", "git/trees", f"write files {start + 1}-{start + len(entries)}",
                    {"base_tree": tree, "tree": entries})["sha"]
    return call("POST", "git/commits", "commit the files", {"message": message, "tree": tree,
                                                            "parents": [base_sha]})["sha"]


def merged_pull_of_commit(tracker: Tracker, sha: str) -> int | None:
    """The merged pull request that brought commit ``sha`` (``GET commits/{sha}/pulls``); None when there is
    none, or without GitHub (the outbox knows no pull requests)."""
    if isinstance(tracker, OutboxTracker) or not sha:
        return None
    from github import GithubException

    def lookup() -> Any:
        try:
            return tracker._gh.requester.requestJsonAndCheck(
                "GET", f"/repos/{tracker.repo_name}/commits/{quote(sha)}/pulls")[1]
        except GithubException as exc:
            if exc.status in (404, 422):
                return None
            raise

    pulls = tracker._read(lookup, f"look up the pull request of commit {sha[:12]}") or []
    merged = [p for p in pulls if isinstance(p, dict) and p.get("merged_at")]
    return int(merged[0]["number"]) if merged else None
