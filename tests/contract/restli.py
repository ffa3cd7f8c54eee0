"""LinkedIn's official Python client (``linkedin-api-client``, a test dependency only) as the judge of how the
LinkedIn adapter writes its requests: the Rest.li 2.0 wire format the client settles.

LinkedIn publishes no machine-readable schema of the Posts, Images, Videos or Comments payloads, so the bodies
stay checked against documented payloads (tests/test_linkedin.py; README "What the SDKs settle"). What the client
settles, and is checked here for every request a test sends to ``api.linkedin.com/rest``:

* the headers every versioned call carries (``X-RestLi-Protocol-Version: 2.0.0``, ``LinkedIn-Version``, a
  Bearer token), as its ``get_restli_request_headers`` builds them;
* every path key and query value is what its Rest.li encoder writes for the value its decoder reads back: URNs
  fully percent-encoded, lists ``List(a,b)``, records ``(key:value,...)`` (in any key order);
* a finder is a GET with ``q=``; an action is a POST with ``action=`` (its ``finder`` and ``action`` methods).
"""

from __future__ import annotations

from urllib.parse import unquote

from linkedin_api.clients.restli.utils.api import get_restli_request_headers
from linkedin_api.clients.restli.utils.decoder import decode
from linkedin_api.clients.restli.utils.encoder import encode
from linkedin_api.common.constants import RESTLI_METHODS

REST_PREFIX = "/rest/"
EXPECTED = {k.lower(): v for k, v in get_restli_request_headers(
    restli_method=RESTLI_METHODS.GET, access_token="x", version_string="000000").items()}


def _in_raw_order(value) -> str:
    """The client's encoding of a decoded value, keeping the record keys in the order they came (Rest.li
    records are unordered; the client sorts them, the adapter need not)."""
    if isinstance(value, list):
        return "List(" + ",".join(_in_raw_order(v) for v in value) + ")"
    if isinstance(value, dict):
        return "(" + ",".join(f"{encode(k)}:{_in_raw_order(v)}" for k, v in value.items()) + ")"
    return encode(value)


def value_problem(raw: str, what: str) -> str | None:
    try:
        decoded = decode(raw)
    except Exception:  # the client's decoder refuses it: not Rest.li
        return f"{what} '{raw}' is not Rest.li 2.0 encoded"
    canonical = _in_raw_order(decoded)
    if canonical != raw:
        return f"{what} '{raw}' is written '{canonical}' by LinkedIn's client (Rest.li 2.0)"
    return None


def request_problems(method: str, raw_path: str, raw_query: str, headers: dict[str, str]) -> list[str]:
    """Problems of one request to ``/rest/...`` (``raw_path`` and ``raw_query`` as sent, still encoded)."""
    problems = []
    sent = {k.lower(): v for k, v in headers.items()}
    for name in ("x-restli-protocol-version",):
        if sent.get(name) != EXPECTED[name]:
            problems.append(f"header {name} is {sent.get(name)!r}, LinkedIn's client sends {EXPECTED[name]!r}")
    if not sent.get("linkedin-version", "").isdigit() or not sent.get("authorization", "").startswith("Bearer "):
        problems.append("a versioned call needs LinkedIn-Version: YYYYMM and Authorization: Bearer")
    for segment in raw_path[len(REST_PREFIX):].split("/")[1:]:
        if segment and (problem := value_problem(segment, "the path key")):
            problems.append(problem)
    params = [pair.partition("=") for pair in raw_query.split("&") if pair]
    names = [unquote(name) for name, _, _ in params]
    for name, _, value in params:
        if problem := value_problem(value, f"the query value of {unquote(name)}"):
            problems.append(problem)
    if "q" in names and method != "GET":
        problems.append(f"a finder (q=) is a GET in Rest.li, not {method}")
    if "action" in names and method != "POST":
        problems.append(f"an action (action=) is a POST in Rest.li, not {method}")
    return problems
