"""What the networks' metrics modules share: batching, one-answer parsers, and a post the network no longer has.

Each network's ``metrics.py`` builds :class:`~socialops.networks.types.MetricsCall` objects (a GET with its
parser); ``socialops.metrics.fetch`` sends them concurrently with ``httpx.AsyncClient`` within the network's rate
limit (its spec's ``metrics``) and merges the parsed :class:`~socialops.networks.types.Figures`. Parsing is pure,
so the contract tests feed documented payloads straight to it. This module stays importable without httpx.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from socialops.errors import NetworkError
from socialops.networks.types import Figures


def chunks(items: list, size: int) -> Iterable[list]:
    """``items`` in batches of ``size`` (the posts one call may ask about)."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def filled(fill: Callable[[Figures], None]) -> Figures:
    """New Figures, filled in by ``fill`` (a parser of one answer)."""
    figures = Figures()
    fill(figures)
    return figures


def post_gone(status: int | None, body: Any) -> bool:
    """The answer says the post is no longer on the network: 404 (Mastodon, LinkedIn, Meta), Meta's 400 code
    100 "does not exist", atproto's 400 NotFound / RecordNotFound (getPostThread, getRecord)."""
    if status == 404:
        return True
    if status != 400 or not isinstance(body, Mapping):
        return False
    return body.get("error") in ("NotFound", "RecordNotFound") or (
        _meta_code(body) == 100 and "does not exist" in _meta_message(body))


_GONE_NAMES = re.compile(r'"error"\s*:\s*"(?:NotFound|RecordNotFound)"')


def error_says_gone(exc: NetworkError) -> bool:
    """A refused call (its status, and the excerpt of the answer its message carries) says the post is gone."""
    if exc.status == 404:
        return True
    return exc.status == 400 and (bool(_GONE_NAMES.search(exc.message)) or "does not exist" in exc.message)


def gone_on_404(remote_id: str) -> Callable[[int, Any], Figures | None]:
    """A post the network no longer has (deleted by someone): noted, not a failure."""

    def on_error(status: int, body: Any) -> Figures | None:
        if post_gone(status, body):
            figures = Figures(missing=[f"post {remote_id} is no longer on the network"])
            figures.gone.add(remote_id)
            return figures
        return None

    return on_error


def _meta_code(body: Any) -> int | None:
    err = body.get("error") if isinstance(body, Mapping) else None
    code = err.get("code") if isinstance(err, Mapping) else None
    return int(code) if isinstance(code, int) and not isinstance(code, bool) else None


def _meta_message(body: Any) -> str:
    err = body.get("error") if isinstance(body, Mapping) else None
    return str(err.get("message") or "") if isinstance(err, Mapping) else ""
