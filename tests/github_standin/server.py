"""The GitHub REST API stand-in: a ThreadingHTTPServer in a thread with in-memory state.

Implemented (paths under an optional prefix such as ``/api/v3`` for the GitHub Enterprise
layout), each tagged with GitHub's operationId:

    GET   /user                                        users/get-authenticated
    GET   /rate_limit                                  rate-limit/get
    GET   /repos/{o}/{r}/issues                        issues/list-for-repo  (state, labels, sort,
                                                       direction, per_page, page; Link header)
    POST  /repos/{o}/{r}/issues                        issues/create  (assignees: 422 for a login that cannot be
                                                       assigned, i.e. not given triage or more in ``permissions``)
    GET   /repos/{o}/{r}/issues/{n}                    issues/get
    PATCH /repos/{o}/{r}/issues/{n}                    issues/update
    GET   /repos/{o}/{r}/issues/{n}/comments           issues/list-comments  (paginated)
    POST  /repos/{o}/{r}/issues/{n}/comments           issues/create-comment
    GET   /repos/{o}/{r}/issues/comments/{id}          issues/get-comment
    PATCH /repos/{o}/{r}/issues/comments/{id}          issues/update-comment
    GET   /repos/{o}/{r}/pulls/{n}                     pulls/get  (number, state, head.sha only)
    GET   /repos/{o}/{r}/pulls                         pulls/list  (state, head=owner:branch, base)
    POST  /repos/{o}/{r}/pulls                         pulls/create  (422 when head already has an open one)
    PATCH /repos/{o}/{r}/pulls/{n}                     pulls/update  (title, body)
    GET   /repos/{o}/{r}/commits/{sha}/pulls           repos/list-pull-requests-associated-with-commit
    GET   /repos/{o}/{r}/git/ref/heads/{branch}        git/get-ref
    POST  /repos/{o}/{r}/git/refs                      git/create-ref  (422 when it exists)
    PATCH /repos/{o}/{r}/git/refs/heads/{branch}       git/update-ref
    GET   /repos/{o}/{r}/contents/{path}?ref=          repos/get-content  (a file: base64 content, blob sha)
    PUT   /repos/{o}/{r}/contents/{path}               repos/create-or-update-file-contents  (409 on a stale sha)
    GET   /repos/{o}/{r}/collaborators/{u}/permission  repos/get-collaborator-permission-level
    GET   /repos/{o}/{r}/labels                        issues/list-labels-for-repo (paginated)
    GET   /repos/{o}/{r}/labels/{name}                 issues/get-label
    POST  /repos/{o}/{r}/labels                        issues/create-label
    POST  /repos/{o}/{r}/issues/{n}/labels             issues/add-labels

Every answer carries GitHub's rate-limit headers (X-RateLimit-Limit/Remaining/Reset/Used/
Resource). Requests need ``Authorization: token|Bearer <token>`` (401 "Bad credentials"
otherwise). As on GitHub, pull requests are issues too (``add_pull_request``), creating an
issue or adding labels creates missing labels (colour ``ededed``), label names match
case-insensitively, and a duplicate label is a 422 ``already_exists``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

DOCS = "https://docs.github.com/rest"
ASSIGNABLE = ("admin", "maintain", "write", "triage")  # who an issue can be assigned to (a collaborator)
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. "
    "If you reach out to GitHub Support for help, please include the request ID 0000:0000:0000."
)


@dataclass
class Fault:
    """An injected failure for the next ``times`` requests matching method and path regex.

    kind: "drop" closes the connection without any response; "status" answers ``status`` with
    ``headers`` and ``body`` (JSON, or text for a str). ``after``: carry the request out first
    (the response is lost or wrong, but the change happened), else refuse it untouched.
    """

    method: str
    path: str
    kind: str = "status"
    status: int = 502
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    after: bool = False
    times: int = 1
    hits: int = 0


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    request_body: Any
    op_id: str | None
    status: int | None  # None: connection dropped
    response_body: Any


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        self.server.standin._handle(self, "GET")

    def do_POST(self) -> None:
        self.server.standin._handle(self, "POST")

    def do_PATCH(self) -> None:
        self.server.standin._handle(self, "PATCH")

    def do_PUT(self) -> None:
        self.server.standin._handle(self, "PUT")

    def do_DELETE(self) -> None:
        self.server.standin._handle(self, "DELETE")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: GitHubStandin


class _Reply(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None):
        self.status = status
        self.body = body
        self.headers = headers or {}


class GitHubStandin:
    def __init__(
        self,
        *,
        owner: str = "acme",
        repo: str = "social",
        token: str = "ghs_standin_token_0123456789",
        login: str = "socialops-bot",
        integration: bool = False,
        prefix: str = "",
        rate_limit: int = 5000,
    ):
        """integration=True behaves like GITHUB_TOKEN in Actions: GET /user is refused (403) and
        the acting user is ``github-actions[bot]`` (type Bot)."""
        self.owner, self.repo, self.token = owner, repo, token
        self.integration = integration
        self.login = "github-actions[bot]" if integration else login
        self.prefix = prefix.rstrip("/")
        self.rate_limit = rate_limit
        self.rate_used = 0
        self.rate_reset = int(time.time()) + 3600
        self.lock = threading.RLock()
        self.issues: dict[int, dict] = {}
        self.comments: dict[int, dict] = {}
        self.labels: dict[str, dict] = {}  # lower-case name -> label
        self.faults: list[Fault] = []
        self.log: list[Recorded] = []
        self._next_issue = 1
        self._next_id = 1000
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._users: dict[str, dict] = {}
        self.permissions: dict[str, tuple[str, str]] = {}  # login -> (permission, role_name); others: 404
        self.commits: dict[str, dict[str, str]] = {"0" * 40: {}}  # commit sha -> {path: text}
        self.trees: dict[str, dict[str, str]] = {}  # tree sha -> {path: text} (the Git Data API's trees)
        self.refs: dict[str, str] = {"main": "0" * 40}  # branch -> commit sha

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> GitHubStandin:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.standin = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="github-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GitHubStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return self._server.server_address[1]

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root + self.prefix

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    # -- test helpers ------------------------------------------------------------------------

    def inject(self, fault: Fault) -> Fault:
        with self.lock:
            self.faults.append(fault)
        return fault

    def drop_response(self, method: str, path: str, times: int = 1) -> Fault:
        """Carry the request out, then close the connection without answering."""
        return self.inject(Fault(method, path, kind="drop", after=True, times=times))

    def fail(self, method: str, path: str, status: int = 502, *, after: bool = False, times: int = 1) -> Fault:
        body: Any = "<html><body><h1>502 Bad Gateway</h1></body></html>" if status == 502 else {
            "message": "Server Error", "documentation_url": DOCS, "status": str(status)}
        return self.inject(Fault(method, path, status=status, body=body, after=after, times=times))

    def secondary_rate_limit(self, method: str, path: str, retry_after: int = 1, times: int = 1) -> Fault:
        body = {"message": SECONDARY_MESSAGE, "documentation_url": DOCS + "/overview/rate-limits-for-the-rest-api"
                "#about-secondary-rate-limits", "status": "403"}
        return self.inject(Fault(method, path, status=403, headers={"Retry-After": str(retry_after)}, body=body,
                                 times=times))

    def requests(self, method: str | None = None, op_id: str | None = None) -> list[Recorded]:
        with self.lock:
            return [r for r in self.log if (method is None or r.method == method)
                    and (op_id is None or r.op_id == op_id)]

    def add_issue(self, title: str, body: str = "", labels: list[str] = (), *, login: str = "someone",
                  state: str = "open") -> dict:
        with self.lock:
            issue = self._create_issue({"title": title, "body": body, "labels": list(labels)}, login)
            if state == "closed":
                self._update_issue(issue, {"state": "closed"}, login)
            return issue

    def add_pull_request(self, title: str = "A pull request", *, login: str = "contributor",
                         head_sha: str = "0" * 40) -> dict:
        with self.lock:
            issue = self._create_issue({"title": title, "body": ""}, login)
            issue["_head_sha"] = head_sha
            n = issue["number"]
            html = f"https://github.com/{self.full_name}/pull/{n}"
            issue["pull_request"] = {
                "url": f"{self._api()}/repos/{self.full_name}/pulls/{n}",
                "html_url": html, "diff_url": html + ".diff", "patch_url": html + ".patch", "merged_at": None,
            }
            issue["html_url"] = html
            return issue

    def add_file(self, path: str, text: str, *, branch: str = "main") -> str:
        """Commit ``text`` as ``path`` on ``branch``; returns the new commit's sha."""
        with self.lock:
            return self._commit(branch, path, text)

    def file(self, path: str, *, branch: str = "main") -> str | None:
        with self.lock:
            return self.commits[self.refs[branch]].get(path) if branch in self.refs else None

    def add_merged_pull_request(self, title: str, merge_commit: str, *, login: str = "contributor") -> dict:
        """A closed, merged pull request whose merge commit is ``merge_commit``."""
        with self.lock:
            issue = self.add_pull_request(title, login=login)
            issue.update(state="closed", _merge_commit=merge_commit)
            issue["pull_request"]["merged_at"] = _now()
            return issue

    def pulls(self) -> list[dict]:
        with self.lock:
            return [i for i in self.issues.values() if "_head_ref" in i]

    def _commit(self, branch: str, path: str, text: str) -> str:
        files = dict(self.commits[self.refs.get(branch, self.refs["main"])])
        files[path] = text
        sha = hashlib.sha1(f"{branch}|{len(self.commits)}|{path}|{text}".encode()).hexdigest()
        self.commits[sha] = files
        self.refs[branch] = sha
        return sha

    def add_comment(self, number: int, body: str, *, login: str = "someone", user_type: str = "User") -> dict:
        with self.lock:
            return self._create_comment(self.issues[number], body, login, user_type)

    def issues_with_marker(self, text: str) -> list[dict]:
        with self.lock:
            return [i for i in self.issues.values() if text in (i.get("body") or "")]

    # -- JSON shapes -------------------------------------------------------------------------

    def _api(self) -> str:
        return self.base_url

    def _user(self, login: str, user_type: str | None = None) -> dict:
        if login not in self._users:
            uid = self._new_id()
            url = f"{self._api()}/users/{quote(login)}"
            self._users[login] = {
                "login": login, "id": uid, "node_id": f"U_{uid}",
                "avatar_url": f"https://avatars.example/u/{uid}", "gravatar_id": "",
                "url": url, "html_url": f"https://github.com/{quote(login)}",
                "followers_url": url + "/followers", "following_url": url + "/following{/other_user}",
                "gists_url": url + "/gists{/gist_id}", "starred_url": url + "/starred{/owner}{/repo}",
                "subscriptions_url": url + "/subscriptions", "organizations_url": url + "/orgs",
                "repos_url": url + "/repos", "events_url": url + "/events{/privacy}",
                "received_events_url": url + "/received_events",
                "type": user_type or ("Bot" if login.endswith("[bot]") else "User"),
                "site_admin": False, "user_view_type": "public",
            }
        return dict(self._users[login])

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _label(self, name: str, color: str = "ededed", description: str | None = None) -> dict:
        key = name.lower()
        if key not in self.labels:
            lid = self._new_id()
            self.labels[key] = {
                "id": lid, "node_id": f"LA_{lid}",
                "url": f"{self._api()}/repos/{self.full_name}/labels/{quote(name, safe='')}",
                "name": name, "color": color.lower(), "description": description, "default": False,
            }
        return self.labels[key]

    def _create_issue(self, data: dict, login: str) -> dict:
        n = self._next_issue
        self._next_issue += 1
        iid = self._new_id()
        api = f"{self._api()}/repos/{self.full_name}/issues/{n}"
        now = _now()
        issue = {
            "id": iid, "node_id": f"I_{iid}", "number": n, "url": api,
            "repository_url": f"{self._api()}/repos/{self.full_name}",
            "labels_url": api + "/labels{/name}", "comments_url": api + "/comments",
            "events_url": api + "/events", "timeline_url": api + "/timeline",
            "html_url": f"https://github.com/{self.full_name}/issues/{n}",
            "title": str(data["title"]), "body": data.get("body"), "user": self._user(login),
            "labels": [self._label(x if isinstance(x, str) else x["name"]) for x in data.get("labels") or []],
            "state": "open", "state_reason": None, "locked": False, "active_lock_reason": None,
            "assignee": None, "assignees": [self._user(str(a)) for a in data.get("assignees") or []],
            "milestone": None, "comments": 0,
            "created_at": now, "updated_at": now, "closed_at": None, "closed_by": None,
            "author_association": "OWNER" if login == self.login else "NONE",
        }
        issue["assignee"] = issue["assignees"][0] if issue["assignees"] else None
        self.issues[n] = issue
        return issue

    def _update_issue(self, issue: dict, data: dict, login: str) -> dict:
        for k in ("title", "body"):
            if k in data:
                issue[k] = data[k]
        if "labels" in data:
            issue["labels"] = [self._label(x if isinstance(x, str) else x["name"]) for x in data["labels"]]
        if "state" in data and data["state"] != issue["state"]:
            issue["state"] = data["state"]
            if data["state"] == "closed":
                issue["closed_at"] = _now()
                issue["closed_by"] = self._user(login)
                issue["state_reason"] = data.get("state_reason") or "completed"
            else:
                issue["closed_at"] = None
                issue["closed_by"] = None
                issue["state_reason"] = "reopened"
        elif "state_reason" in data and issue["state"] == "closed":
            issue["state_reason"] = data["state_reason"]
        issue["updated_at"] = _now()
        return issue

    def _create_comment(self, issue: dict, body: str, login: str, user_type: str | None = None) -> dict:
        cid = self._new_id()
        now = _now()
        comment = {
            "id": cid, "node_id": f"IC_{cid}",
            "url": f"{self._api()}/repos/{self.full_name}/issues/comments/{cid}",
            "html_url": f"{issue['html_url']}#issuecomment-{cid}",
            "issue_url": issue["url"], "body": body, "user": self._user(login, user_type),
            "created_at": now, "updated_at": now,
            "author_association": "OWNER" if login == self.login else "NONE",
            "_issue": issue["number"],
        }
        self.comments[cid] = comment
        issue["comments"] += 1
        return comment

    @staticmethod
    def _public(obj: dict) -> dict:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    # -- request handling --------------------------------------------------------------------

    ROUTES: list[tuple[str, str, str, str]] = [
        ("GET", r"/user", "users/get-authenticated", "_get_user"),
        ("GET", r"/rate_limit", "rate-limit/get", "_get_rate_limit"),
        ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues", "issues/list-for-repo", "_list_issues"),
        ("POST", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues", "issues/create", "_post_issue"),
        ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/comments/(?P<id>\d+)", "issues/get-comment",
         "_get_comment"),
        ("PATCH", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/comments/(?P<id>\d+)", "issues/update-comment",
         "_patch_comment"),
        ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)", "issues/get", "_get_issue"),
        ("PATCH", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)", "issues/update", "_patch_issue"),
        ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)/comments", "issues/list-comments",
         "_list_comments"),
        ("POST", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)/comments", "issues/create-comment",
         "_post_comment"),
        ("POST", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/issues/(?P<n>\d+)/labels", "issues/add-labels",
         "_post_issue_labels"),
        ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/pulls/(?P<n>\d+)", "pulls/get", "_get_pull"),
        ("PATCH", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/pulls/(?P<n>\d+)", "pulls/update", "_patch_pull"),
        ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/pulls", "pulls/list", "_list_pulls"),
        ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/commits/(?P<sha>[0-9a-f]{7,40})/pulls",
         "repos/list-pull-requests-associated-with-commit", "_list_commit_pulls"),
        ("POST", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/pulls", "pulls/create", "_post_pull"),
        ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/git/ref/heads/(?P<branch>.+)", "git/get-ref", "_get_ref"),
        ("POST", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/git/refs", "git/create-ref", "_post_ref"),
        ("PATCH", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/git/refs/heads/(?P<branch>.+)", "git/update-ref",
         "_patch_ref"),
        ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/git/commits/(?P<sha>[0-9a-f]{40})", "git/get-commit",
         "_get_git_commit"),
        ("POST", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/git/commits", "git/create-commit", "_post_git_commit"),
        ("POST", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/git/trees", "git/create-tree", "_post_tree"),
        ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/contents/(?P<path>.+)", "repos/get-content", "_get_content"),
        ("PUT", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/contents/(?P<path>.+)",
         "repos/create-or-update-file-contents", "_put_content"),
        ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/collaborators/(?P<login>[^/]+)/permission",
         "repos/get-collaborator-permission-level", "_get_permission"),
        ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/labels", "issues/list-labels-for-repo", "_list_labels"),
        ("GET", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/labels/(?P<name>[^/]+)", "issues/get-label", "_get_label"),
        ("POST", r"/repos/(?P<o>[^/]+)/(?P<r>[^/]+)/labels", "issues/create-label", "_post_label"),
    ]

    def _handle(self, h: _Handler, method: str) -> None:
        split = urlsplit(h.path)
        path = split.path
        query = parse_qs(split.query)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        op_id, handler, params = None, None, {}
        if path.startswith(self.prefix):
            rel = path[len(self.prefix):] or "/"
            for m, pattern, oid, name in self.ROUTES:
                match = re.fullmatch(pattern, rel)
                if match and m == method:
                    op_id, handler, params = oid, getattr(self, name), match.groupdict()
                    break
        else:
            rel = path
        rec = Recorded(method, rel, query, body, op_id, None, None)
        with self.lock:
            self.log.append(rec)
            fault = next((f for f in self.faults if f.method == method and f.hits < f.times
                          and re.fullmatch(f.path, rel)), None)
            if fault:
                fault.hits += 1
            try:
                if not self._authorised(h.headers.get("Authorization", "")):
                    raise _Reply(401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"})
                if fault and not fault.after:
                    raise _Reply(fault.status, fault.body, fault.headers)
                if handler is None:
                    raise _Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
                if "o" in params and (params["o"], params["r"]) != (self.owner, self.repo):
                    raise _Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
                status, out, headers = handler(body=body, query=query, **{k: v for k, v in params.items()
                                                                        if k not in ("o", "r")})
                if fault:  # after=True: the change happened, the answer is lost or wrong
                    if fault.kind == "drop":
                        h.close_connection = True
                        return
                    raise _Reply(fault.status, fault.body, fault.headers)
            except _Reply as reply:
                status, out, headers = reply.status, reply.body, reply.headers
            except Exception as exc:  # a bug in the stand-in: answer 500 so the test sees it
                status, out, headers = 500, {"message": f"stand-in error: {exc!r}", "documentation_url": DOCS}, {}
            if fault and fault.kind == "drop":
                h.close_connection = True
                return
            self.rate_used += 1
            rec.status, rec.response_body = status, out
        self._send(h, status, out, headers)

    def _authorised(self, header: str) -> bool:
        scheme, _, value = header.partition(" ")
        return scheme.lower() in ("token", "bearer") and value == self.token

    def _send(self, h: _Handler, status: int, out: Any, headers: dict[str, str]) -> None:
        if isinstance(out, str):
            data, ctype = out.encode(), "text/html; charset=utf-8"
        else:
            data, ctype = json.dumps(out).encode(), "application/json; charset=utf-8"
        out_headers = {
            "Content-Type": ctype,
            "Content-Length": str(len(data)),
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(0, self.rate_limit - self.rate_used)),
            "X-RateLimit-Reset": str(self.rate_reset),
            "X-RateLimit-Used": str(self.rate_used),
            "X-RateLimit-Resource": "core",
        }
        out_headers.update(headers)  # an injected fault's headers win
        h.send_response(status)
        for k, v in out_headers.items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def _paginate(self, items: list, query: dict, path: str) -> tuple[list, dict[str, str]]:
        per_page = min(100, max(1, int(query.get("per_page", ["30"])[0])))
        page = max(1, int(query.get("page", ["1"])[0]))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        links = []
        base = {k: v[0] for k, v in query.items() if k not in ("page", "per_page")}

        def url(p: int) -> str:
            q = "&".join(f"{k}={quote(v, safe=',')}" for k, v in {**base, "per_page": str(per_page),
                                                                  "page": str(p)}.items())
            return f"{self.root}{self.prefix}{path}?{q}"

        if page < last:
            links += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
        if page > 1:
            links += [f'<{url(1)}>; rel="first"', f'<{url(page - 1)}>; rel="prev"']
        return chunk, ({"Link": ", ".join(links)} if links else {})

    @staticmethod
    def _invalid(resource: str, field_: str, code: str = "invalid", message: str | None = None) -> _Reply:
        err = {"resource": resource, "field": field_, "code": code}
        if message:
            err["message"] = message
        return _Reply(422, {"message": "Validation Failed", "errors": [err],
                            "documentation_url": DOCS, "status": "422"})

    def _issue_or_404(self, n: str) -> dict:
        issue = self.issues.get(int(n))
        if issue is None:
            raise _Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
        return issue

    # -- endpoints ---------------------------------------------------------------------------

    def _get_user(self, body: Any, query: dict) -> tuple:
        if self.integration:
            raise _Reply(403, {"message": "Resource not accessible by integration", "documentation_url": DOCS,
                               "status": "403"})
        user = self._user(self.login)
        user.update({
            "name": "socialops bot", "company": None, "blog": "", "location": None, "email": None,
            "hireable": None, "bio": None, "twitter_username": None, "public_repos": 1, "public_gists": 0,
            "followers": 0, "following": 0, "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z", "private_gists": 0, "total_private_repos": 0,
            "owned_private_repos": 0, "disk_usage": 0, "collaborators": 0, "two_factor_authentication": True,
            "user_view_type": "private",
        })
        return 200, user, {}

    def _get_rate_limit(self, body: Any, query: dict) -> tuple:
        core = {"limit": self.rate_limit, "remaining": max(0, self.rate_limit - self.rate_used),
                "reset": self.rate_reset, "used": self.rate_used}
        search = {"limit": 30, "remaining": 30, "reset": self.rate_reset, "used": 0}
        return 200, {"rate": core, "resources": {"core": core, "search": search}}, {}

    def _list_issues(self, body: Any, query: dict) -> tuple:
        state = query.get("state", ["open"])[0]
        if state not in ("open", "closed", "all"):
            raise self._invalid("Issue", "state")
        wanted = [x.strip().lower() for x in query.get("labels", [""])[0].split(",") if x.strip()]
        items = [i for i in self.issues.values()
                 if (state == "all" or i["state"] == state)
                 and all(w in {lab["name"].lower() for lab in i["labels"]} for w in wanted)]
        sort = query.get("sort", ["created"])[0]
        key = {"created": "created_at", "updated": "updated_at", "comments": "comments"}.get(sort, "created_at")
        desc = query.get("direction", ["desc"])[0] == "desc"
        items.sort(key=lambda i: (i[key], i["number"]), reverse=desc)
        chunk, headers = self._paginate(items, query, f"/repos/{self.full_name}/issues")
        return 200, [self._public(i) for i in chunk], headers

    def _post_issue(self, body: Any, query: dict) -> tuple:
        if not isinstance(body, dict) or not isinstance(body.get("title"), (str, int)) or body["title"] == "":
            raise self._invalid("Issue", "title", "missing_field")
        if len(body.get("body") or "") > 65536:
            raise self._invalid("Issue", "body", "custom", "body is too long (maximum is 65536 characters)")
        for login in body.get("assignees") or []:
            if self.permissions.get(str(login), ("none", ""))[0] not in ASSIGNABLE:
                # GitHub: {"resource": "Issue", "field": "assignees", "code": "invalid", "value": login}
                err = self._invalid("Issue", "assignees")
                err.body["errors"][0]["value"] = login
                raise err
        return 201, self._public(self._create_issue(body, self.login)), {}

    def _get_issue(self, body: Any, query: dict, n: str) -> tuple:
        return 200, self._public(self._issue_or_404(n)), {}

    def _patch_issue(self, body: Any, query: dict, n: str) -> tuple:
        issue = self._issue_or_404(n)
        if not isinstance(body, dict):
            raise self._invalid("Issue", "body")
        if "state" in body and body["state"] not in ("open", "closed"):
            raise self._invalid("Issue", "state")
        return 200, self._public(self._update_issue(issue, body, self.login)), {}

    def _list_comments(self, body: Any, query: dict, n: str) -> tuple:
        issue = self._issue_or_404(n)
        items = sorted((c for c in self.comments.values() if c["_issue"] == issue["number"]), key=lambda c: c["id"])
        chunk, headers = self._paginate(items, query, f"/repos/{self.full_name}/issues/{n}/comments")
        return 200, [self._public(c) for c in chunk], headers

    def _post_comment(self, body: Any, query: dict, n: str) -> tuple:
        issue = self._issue_or_404(n)
        if not isinstance(body, dict) or not isinstance(body.get("body"), str) or not body["body"]:
            raise self._invalid("IssueComment", "body", "missing_field")
        return 201, self._public(self._create_comment(issue, body["body"], self.login)), {}

    def _comment_or_404(self, cid: str) -> dict:
        comment = self.comments.get(int(cid))
        if comment is None:
            raise _Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
        return comment

    def _get_comment(self, body: Any, query: dict, id: str) -> tuple:
        return 200, self._public(self._comment_or_404(id)), {}

    def _patch_comment(self, body: Any, query: dict, id: str) -> tuple:
        comment = self._comment_or_404(id)
        if not isinstance(body, dict) or not isinstance(body.get("body"), str):
            raise self._invalid("IssueComment", "body", "missing_field")
        if comment["user"]["login"] != self.login and not self.integration:
            # a personal token of a user without admin rights cannot edit others' comments
            raise _Reply(403, {"message": "Must have admin rights to Repository.", "documentation_url": DOCS,
                               "status": "403"})
        comment["body"] = body["body"]
        comment["updated_at"] = _now()
        return 200, self._public(comment), {}

    def _list_labels(self, body: Any, query: dict) -> tuple:
        items = sorted(self.labels.values(), key=lambda x: x["name"].lower())
        chunk, headers = self._paginate(items, query, f"/repos/{self.full_name}/labels")
        return 200, chunk, headers

    def _get_label(self, body: Any, query: dict, name: str) -> tuple:
        label = self.labels.get(unquote(name).lower())
        if label is None:
            raise _Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
        return 200, label, {}

    def _post_label(self, body: Any, query: dict) -> tuple:
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"].strip():
            raise self._invalid("Label", "name", "missing_field")
        color = body.get("color", "ededed")
        if not re.fullmatch(r"[0-9a-fA-F]{6}", color or ""):
            raise self._invalid("Label", "color")
        if len(body.get("description") or "") > 100:
            raise self._invalid("Label", "description", "custom", "description is too long (maximum is 100 characters)")
        if body["name"].lower() in self.labels:
            raise self._invalid("Label", "name", "already_exists")
        return 201, self._label(body["name"], color, body.get("description")), {}

    def _post_issue_labels(self, body: Any, query: dict, n: str) -> tuple:
        issue = self._issue_or_404(n)
        names = body.get("labels") if isinstance(body, dict) else body
        if not isinstance(names, list):
            raise self._invalid("Label", "labels")
        have = {lab["name"].lower() for lab in issue["labels"]}
        for x in names:
            name = x if isinstance(x, str) else x.get("name", "")
            if name.lower() not in have:
                issue["labels"].append(self._label(name))
                have.add(name.lower())
        issue["updated_at"] = _now()
        return 200, list(issue["labels"]), {}

    def _get_pull(self, body: Any, query: dict, n: str) -> tuple:
        issue = self._issue_or_404(n)
        if "pull_request" not in issue:
            raise _Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
        return 200, self._pull(issue), {}

    def _pull(self, issue: dict) -> dict:
        head = issue.get("_head_ref") or f"branch-{issue['number']}"
        sha = self.refs.get(head, issue.get("_head_sha", "0" * 40)) if "_head_ref" in issue else issue["_head_sha"]
        return {"number": issue["number"], "state": issue["state"], "title": issue["title"], "body": issue["body"],
                "html_url": issue["html_url"], "head": {"sha": sha, "ref": head},
                "base": {"ref": issue.get("_base_ref", "main")}, "merged_at": issue["pull_request"].get("merged_at"),
                "merge_commit_sha": issue.get("_merge_commit")}

    def _list_commit_pulls(self, body: Any, query: dict, sha: str) -> tuple:
        return 200, [self._pull(i) for i in self.issues.values() if i.get("_merge_commit") == sha], {}

    def _not_found(self) -> _Reply:
        return _Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})

    def _list_pulls(self, body: Any, query: dict) -> tuple:
        state = query.get("state", ["open"])[0]
        head = query.get("head", [""])[0]
        base = query.get("base", [""])[0]
        out = [self._pull(i) for i in self.pulls() if state in ("all", i["state"])
               and (not head or head == f"{self.owner}:{i['_head_ref']}") and (not base or base == i["_base_ref"])]
        return 200, out, {}

    def _post_pull(self, body: Any, query: dict) -> tuple:
        head, base = body.get("head", ""), body.get("base", "")
        if head not in self.refs or base not in self.refs:
            raise self._invalid("PullRequest", "head" if head not in self.refs else "base")
        if any(i["_head_ref"] == head and i["state"] == "open" for i in self.pulls()):
            raise self._invalid("PullRequest", "head", "custom", f"A pull request already exists for "
                                f"{self.owner}:{head}.")
        issue = self.add_pull_request(body.get("title", ""), login=self.login)
        issue.update(body=body.get("body") or "", _head_ref=head, _base_ref=base)
        return 201, self._pull(issue), {}

    def _patch_pull(self, body: Any, query: dict, n: str) -> tuple:
        issue = self._issue_or_404(n)
        if "_head_ref" not in issue:
            raise self._not_found()
        issue.update({k: v for k, v in body.items() if k in ("title", "body", "state")})
        return 200, self._pull(issue), {}

    def _ref(self, branch: str) -> dict:
        return {"ref": f"refs/heads/{branch}", "object": {"sha": self.refs[branch], "type": "commit"}}

    def _get_ref(self, body: Any, query: dict, branch: str) -> tuple:
        branch = unquote(branch)
        if branch not in self.refs:
            raise self._not_found()
        return 200, self._ref(branch), {}

    def _post_ref(self, body: Any, query: dict) -> tuple:
        ref, sha = body.get("ref", ""), body.get("sha", "")
        branch = ref.removeprefix("refs/heads/")
        if not ref.startswith("refs/heads/") or sha not in self.commits:
            raise self._invalid("Reference", "ref")
        if branch in self.refs:
            raise self._invalid("Reference", "ref", "custom", "Reference already exists")
        self.refs[branch] = sha
        return 201, self._ref(branch), {}

    def _patch_ref(self, body: Any, query: dict, branch: str) -> tuple:
        branch = unquote(branch)
        if branch not in self.refs or body.get("sha") not in self.commits:
            raise self._invalid("Reference", "sha")
        self.refs[branch] = body["sha"]
        return 200, self._ref(branch), {}

    @staticmethod
    def _blob_sha(text: str) -> str:
        data = text.encode("utf-8")
        return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()

    def _get_content(self, body: Any, query: dict, path: str) -> tuple:
        path, branch = unquote(path), query.get("ref", ["main"])[0]
        text = self.commits[self.refs[branch]].get(path) if branch in self.refs else None
        if text is None:
            raise self._not_found()
        return 200, {"type": "file", "encoding": "base64", "path": path, "name": path.rsplit("/", 1)[-1],
                     "sha": self._blob_sha(text), "content": base64.b64encode(text.encode()).decode()}, {}

    def _put_content(self, body: Any, query: dict, path: str) -> tuple:
        path, branch = unquote(path), body.get("branch", "main")
        if branch not in self.refs:
            raise self._invalid("Commit", "branch")
        old = self.commits[self.refs[branch]].get(path)
        if old is not None and body.get("sha") != self._blob_sha(old):
            raise _Reply(409, {"message": f"{path} does not match {body.get('sha')}", "documentation_url": DOCS,
                               "status": "409"})
        text = base64.b64decode(body.get("content", "")).decode("utf-8")
        sha = self._commit(branch, path, text)
        return (201 if old is None else 200), {"content": {"path": path, "sha": self._blob_sha(text)},
                                               "commit": {"sha": sha, "message": body.get("message", "")}}, {}

    def _tree_of(self, files: dict[str, str]) -> str:
        sha = hashlib.sha1(json.dumps(sorted(files.items())).encode()).hexdigest()
        self.trees[sha] = files
        return sha

    def _get_git_commit(self, body: Any, query: dict, sha: str) -> tuple:
        if sha not in self.commits:
            raise self._not_found()
        return 200, {"sha": sha, "tree": {"sha": self._tree_of(self.commits[sha])}, "message": ""}, {}

    def _post_tree(self, body: Any, query: dict) -> tuple:
        """Entries with inline `content` on top of `base_tree` (the one way socialops makes trees)."""
        base = body.get("base_tree")
        if base is not None and base not in self.trees:
            raise self._invalid("Tree", "base_tree")
        files = dict(self.trees.get(base, {}))
        for entry in body.get("tree") or []:
            if entry.get("mode") != "100644" or entry.get("type") != "blob" or not isinstance(entry.get("content"), str):
                raise self._invalid("Tree", "tree")
            files[entry["path"]] = entry["content"]
        return 201, {"sha": self._tree_of(files), "truncated": False}, {}

    def _post_git_commit(self, body: Any, query: dict) -> tuple:
        tree, parents = body.get("tree"), body.get("parents") or []
        if tree not in self.trees or any(p not in self.commits for p in parents) or not body.get("message"):
            raise self._invalid("Commit", "tree")
        sha = hashlib.sha1(f"{tree}|{parents}|{body['message']}|{len(self.commits)}".encode()).hexdigest()
        self.commits[sha] = dict(self.trees[tree])
        return 201, {"sha": sha, "tree": {"sha": tree}, "message": body["message"]}, {}

    def _get_permission(self, body: Any, query: dict, login: str) -> tuple:
        login = unquote(login)
        if login not in self.permissions:
            raise _Reply(404, {"message": f"{login} is not a user", "documentation_url": DOCS, "status": "404"})
        permission, role = self.permissions[login]
        return 200, {"permission": permission, "role_name": role, "user": self._user(login)}, {}
