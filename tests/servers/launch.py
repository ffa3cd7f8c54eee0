"""Start the real local servers the test suite talks to, as subprocesses on 127.0.0.1 ports.

- Bluesky: a real PDS (with an in-memory PLC) from the npm package ``@atproto/dev-env``, started
  by ``tests/servers/bluesky/start.mjs``; optionally the whole dev network with an AppView, which
  needs PostgreSQL and Redis (started here too, in a scratch folder, on spare ports).
- Mastodon: ``mastodon_mock serve`` (PyPI ``mastodon-mock``, a third-party FastAPI + SQLite
  implementation of the Mastodon REST API) with a generated TOML config.

Each ``run_*`` function is a context manager that yields a plain dict describing the running
server and stops (and cleans up) everything it started when the block ends. ``*_missing()``
functions say what is not installed (``None`` when everything is there); install with
``bash .ci/install-servers.sh``.

Used by ``tests/servers/fixtures.py``; usable by hand too::

    python -m tests.servers.launch bluesky [--appview] | mastodon
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import json
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

SERVERS_DIR = Path(__file__).resolve().parent
BLUESKY_DIR = SERVERS_DIR / "bluesky"
INSTALL_HINT = "run `bash .ci/install-servers.sh` from the repository root"

# Fixed test credentials of the seeded Mastodon accounts (throwaway, local only).
MASTODON_ACCOUNTS = {
    "brand": {"username": "brand", "display_name": "Brand", "token": "socialops-brand-token"},
    "fan": {"username": "fan", "display_name": "Fan", "token": "socialops-fan-token"},
}
BLUESKY_ACCOUNTS = ("brand", "fan")


class ServerError(RuntimeError):
    """A test server could not be started or did not answer."""


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float, proc: subprocess.Popen | None = None, what: str = "") -> None:
    """Wait until something accepts TCP connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ServerError(f"{what or 'server'} exited with code {proc.returncode} before listening on {port}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise ServerError(f"{what or 'server'} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Ask Linux to SIGTERM the child when the test process dies (no orphaned servers)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _tail(path: Path, n: int = 40) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(lines[-n:])


def stop_process(proc: subprocess.Popen, *, timeout: float = 15) -> None:
    """SIGTERM, wait, then SIGKILL; always reap the process and close its pipes."""
    try:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    finally:
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return candidates[-1] if candidates else None


# --------------------------------------------------------------------------- what is installed


def bluesky_missing() -> str | None:
    """Why the Bluesky PDS cannot start here, or None when it can."""
    if shutil.which("node") is None:
        return "Node.js (`node`) is not on PATH"
    if not (BLUESKY_DIR / "node_modules" / "@atproto" / "dev-env" / "package.json").is_file():
        return f"@atproto/dev-env is not installed in {BLUESKY_DIR / 'node_modules'} ({INSTALL_HINT})"
    return None


def appview_missing() -> str | None:
    """Why the full Bluesky network (PDS + AppView) cannot start here, or None when it can."""
    missing = bluesky_missing()
    if missing:
        return missing
    for name in ("initdb", "postgres"):
        if _pg_bin(name) is None:
            return f"PostgreSQL's `{name}` was not found (Debian package postgresql; {INSTALL_HINT})"
    if shutil.which("redis-server") is None:
        return f"`redis-server` was not found (Debian package redis-server; {INSTALL_HINT})"
    return None


def mastodon_missing() -> str | None:
    """Why mastodon_mock cannot start here, or None when it can."""
    if importlib.util.find_spec("mastodon_mock") is None:
        return "the PyPI package mastodon-mock is not installed (pip install -e '.[test]')"
    return None


# --------------------------------------------------------------------------- PostgreSQL + Redis


@contextlib.contextmanager
def run_postgres(*, timeout: float = 60) -> Iterator[str]:
    """A throwaway PostgreSQL cluster on a spare 127.0.0.1 port; yields its URL.

    As root it runs as the ``postgres`` user (PostgreSQL refuses to run as root), in a folder
    of its own under the system temp dir (pytest's temp folders are not readable by that user).
    """
    initdb, postgres = _pg_bin("initdb"), _pg_bin("postgres")
    if not initdb or not postgres:
        raise ServerError(f"PostgreSQL is not installed ({INSTALL_HINT})")
    as_root = os.geteuid() == 0
    base = Path(tempfile.mkdtemp(prefix="socialops-pg-"))
    user_kw: dict[str, Any] = {}
    if as_root:
        shutil.chown(base, "postgres", "postgres")
        user_kw = {"user": "postgres", "group": "postgres", "extra_groups": []}
    data, log = base / "data", base / "postgres.log"
    proc = None
    try:
        init = subprocess.run(
            [initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
            cwd=base,
            capture_output=True,
            text=True,
            timeout=timeout,
            **user_kw,
        )
        if init.returncode != 0:
            raise ServerError(f"initdb failed ({init.returncode}):\n{init.stdout}\n{init.stderr}")
        port = free_port()
        # Stop PostgreSQL (SIGINT = fast shutdown) if the test process dies. A preexec_fn's
        # PR_SET_PDEATHSIG does not survive the switch to the postgres user; setpriv sets it after.
        prefix: list[str] = []
        run_kw: dict[str, Any] = {"preexec_fn": _die_with_parent}
        if as_root and shutil.which("setpriv"):
            prefix = ["setpriv", "--reuid", "postgres", "--regid", "postgres", "--clear-groups",
                      "--pdeathsig", "INT", "--"]
        else:
            run_kw.update(user_kw)
        with open(log, "wb") as log_file:
            proc = subprocess.Popen(
                [
                    *prefix, postgres, "-D", str(data), "-p", str(port), "-k", str(base),
                    "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                    "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                    "-c", "max_connections=200",
                ],
                cwd=base,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                **run_kw,
            )
        try:
            wait_for_port(port, timeout=timeout, proc=proc, what="postgres")
            _wait_pg_accepts(base, port, timeout, user_kw)
        except ServerError as exc:
            raise ServerError(f"{exc}\n--- postgres log ---\n{_tail(log)}") from None
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if proc is not None:
            # SIGINT = PostgreSQL's "fast shutdown".
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)


def _wait_pg_accepts(base: Path, port: int, timeout: float, user_kw: dict[str, Any]) -> None:
    """The port opens before recovery ends; pg_isready says when queries are accepted."""
    pg_isready = _pg_bin("pg_isready")
    if pg_isready is None:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        res = subprocess.run(
            [pg_isready, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-q"],
            cwd=base,
            capture_output=True,
            timeout=10,
            **user_kw,
        )
        if res.returncode == 0:
            return
        time.sleep(0.1)
    raise ServerError(f"postgres on port {port} did not accept connections within {timeout:.0f} s")


@contextlib.contextmanager
def run_redis(*, timeout: float = 30) -> Iterator[str]:
    """A throwaway Redis (no persistence) on a spare 127.0.0.1 port; yields ``host:port``."""
    redis = shutil.which("redis-server")
    if redis is None:
        raise ServerError(f"redis-server is not installed ({INSTALL_HINT})")
    base = Path(tempfile.mkdtemp(prefix="socialops-redis-"))
    port = free_port()
    log = base / "redis.log"
    proc = None
    try:
        with open(log, "wb") as log_file:
            proc = subprocess.Popen(
                [
                    redis, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--dir", str(base), "--daemonize", "no",
                ],
                cwd=base,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        try:
            wait_for_port(port, timeout=timeout, proc=proc, what="redis-server")
        except ServerError as exc:
            raise ServerError(f"{exc}\n--- redis log ---\n{_tail(log)}") from None
        yield f"127.0.0.1:{port}"
    finally:
        if proc is not None:
            stop_process(proc)
        shutil.rmtree(base, ignore_errors=True)


# --------------------------------------------------------------------------- Bluesky


class _LineReader:
    """Drain a child's stdout in a thread (so the pipe never fills) and hand lines over."""

    def __init__(self, stream: Any, sink: Path) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, args=(stream, sink), daemon=True)
        self._thread.start()

    def _run(self, stream: Any, sink: Path) -> None:
        with open(sink, "a", encoding="utf-8") as out:
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", "replace")
                out.write(line)
                out.flush()
                self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, predicate: Callable[[str], Any], timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                raise TimeoutError from None
            if line is None:
                raise EOFError
            found = predicate(line)
            if found is not None:
                return found

    def join(self, timeout: float = 5) -> None:
        self._thread.join(timeout)


def _ready_line(line: str) -> dict[str, Any] | None:
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        data = json.loads(line)
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("socialops_bluesky") == "ready" else None


@contextlib.contextmanager
def run_bluesky(
    scratch: Path,
    *,
    appview: bool = False,
    password: str | None = None,
    accounts: tuple[str, ...] = BLUESKY_ACCOUNTS,
    timeout: float | None = None,
) -> Iterator[dict[str, Any]]:
    """Start the real PDS (``appview=True``: PDS + AppView + PostgreSQL + Redis); yield its description.

    The dict: ``url`` (PDS base URL, ``http://localhost:PORT``), ``port``, ``plc_url``,
    ``appview_url`` (None without AppView), ``appview_did``, ``accounts`` ({name: {handle, did,
    password, email}}), ``startup_seconds`` (measured inside node), ``wall_seconds`` (measured
    here, including PostgreSQL/Redis), ``log`` (path of the server's log file).
    """
    missing = appview_missing() if appview else bluesky_missing()
    if missing:
        raise ServerError(missing)
    scratch = Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    if timeout is None:
        timeout = 180 if appview else 90
    password = password or secrets.token_urlsafe(12)
    t0 = time.monotonic()
    with contextlib.ExitStack() as stack:
        env = dict(os.environ)
        env.update(
            {
                "SOCIALOPS_PDS_PASSWORD": password,
                "TMPDIR": str(scratch),
                "NODE_NO_WARNINGS": "1",
                "LOG_ENABLED": "false",
            }
        )
        args = ["node", str(BLUESKY_DIR / "start.mjs"), "--port", str(free_port()), "--scratch", str(scratch),
                "--accounts", ",".join(accounts), "--watch-stdin"]
        if appview:
            env["DB_POSTGRES_URL"] = stack.enter_context(run_postgres())
            env["REDIS_HOST"] = stack.enter_context(run_redis())
            env["SOCIALOPS_PDS_SCHEMA"] = "socialops"
            args.append("--appview")
        log = scratch / "bluesky.log"
        with open(log, "ab") as err:
            proc = subprocess.Popen(
                args,
                cwd=BLUESKY_DIR,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                preexec_fn=_die_with_parent,
            )
        reader = _LineReader(proc.stdout, log)

        def _stop() -> None:
            stop_process(proc, timeout=30)
            reader.join()

        stack.callback(_stop)
        try:
            ready = reader.wait_for(_ready_line, timeout)
        except TimeoutError:
            raise ServerError(f"the Bluesky PDS was not ready within {timeout:.0f} s\n{_tail(log)}") from None
        except EOFError:
            proc.wait(timeout=10)
            raise ServerError(f"the Bluesky PDS exited with code {proc.returncode}\n{_tail(log)}") from None
        yield {
            "url": ready["pds_url"],
            "port": ready["pds_port"],
            "plc_url": ready["plc_url"],
            "appview_url": ready["appview_url"],
            "appview_did": ready["appview_did"],
            "accounts": ready["accounts"],
            "startup_seconds": ready["startup_seconds"],
            "wall_seconds": round(time.monotonic() - t0, 2),
            "log": str(log),
        }


def new_bluesky_account(server: dict[str, Any], prefix: str = "t") -> dict[str, str]:
    """Create a fresh account on a running PDS over plain HTTP; returns handle, did, password, email,
    access_jwt. Use it when a test needs a repository nobody else writes to."""
    import httpx

    name = f"{prefix}{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(12)
    body = {"handle": f"{name}.test", "email": f"{name}@example.com", "password": password}
    resp = httpx.post(f"{server['url']}/xrpc/com.atproto.server.createAccount", json=body, timeout=30)
    if resp.status_code != 200:
        raise ServerError(f"createAccount failed: {resp.status_code} {resp.text}")
    data = resp.json()
    return {
        "handle": data["handle"],
        "did": data["did"],
        "password": password,
        "email": body["email"],
        "access_jwt": data["accessJwt"],
    }


# --------------------------------------------------------------------------- Mastodon


def mastodon_config_toml(port: int, media_dir: Path, accounts: dict[str, dict[str, str]] = MASTODON_ACCOUNTS) -> str:
    """The TOML config for ``mastodon_mock serve``: in-memory SQLite, seeded accounts with fixed tokens."""
    lines = [
        'domain = "mastodon.local"',
        'url_scheme = "http"',
        f"media_storage_path = {json.dumps(str(media_dir))}",
        "",
        "[database]",
        'path = ":memory:"',
        "",
        "[server]",
        'host = "127.0.0.1"',
        f"port = {port}",
        "",
    ]
    for acct in accounts.values():
        lines += [
            "[[seed.accounts]]",
            f"username = {json.dumps(acct['username'])}",
            f"display_name = {json.dumps(acct['display_name'])}",
            f"access_token = {json.dumps(acct['token'])}",
            "",
        ]
    return "\n".join(lines)


@contextlib.contextmanager
def run_mastodon(scratch: Path, *, timeout: float = 60) -> Iterator[dict[str, Any]]:
    """Start ``mastodon_mock serve`` on a free 127.0.0.1 port; yield its description.

    The dict: ``url`` (``http://127.0.0.1:PORT``), ``port``, ``accounts`` ({name: {username,
    display_name, token, id}}), ``config`` (TOML path), ``startup_seconds``, ``log``.
    """
    import httpx

    missing = mastodon_missing()
    if missing:
        raise ServerError(missing)
    scratch = Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = scratch / "mastodon_mock.toml"
    config.write_text(mastodon_config_toml(port, scratch / "media"), encoding="utf-8")
    log = scratch / "mastodon.log"
    url = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mastodon_mock", "serve", "--config", str(config)],
            cwd=scratch,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    try:
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=url, timeout=5) as client:
            while True:
                if proc.poll() is not None:
                    raise ServerError(f"mastodon_mock exited with code {proc.returncode}\n{_tail(log)}")
                try:
                    if client.get("/api/v1/instance").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise ServerError(f"mastodon_mock did not answer within {timeout:.0f} s\n{_tail(log)}")
                time.sleep(0.05)
            startup = round(time.monotonic() - t0, 2)
            accounts: dict[str, dict[str, str]] = {}
            for name, acct in MASTODON_ACCOUNTS.items():
                resp = client.get(
                    "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {acct['token']}"}
                )
                if resp.status_code != 200:
                    raise ServerError(f"seeded account {name} is not usable: {resp.status_code} {resp.text}")
                accounts[name] = {**acct, "id": resp.json()["id"]}
        yield {
            "url": url,
            "port": port,
            "accounts": accounts,
            "config": str(config),
            "startup_seconds": startup,
            "log": str(log),
        }
    finally:
        stop_process(proc)


# --------------------------------------------------------------------------- by hand


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.servers.launch bluesky [--appview] | mastodon``: start, print JSON, wait for Ctrl-C."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("bluesky", "mastodon"):
        print(main.__doc__, file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix=f"socialops-{argv[0]}-"))
    try:
        cm = run_bluesky(scratch, appview="--appview" in argv) if argv[0] == "bluesky" else run_mastodon(scratch)
        with cm as info:
            print(json.dumps(info), flush=True)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
