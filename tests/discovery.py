"""Google's discovery documents (shipped by google-api-python-client) as a contract: a request an adapter sends
and a payload it parses are checked against the method and the schemas the document describes.

``request_errors(api, request)`` finds the method whose HTTP verb and path template match the request, then
checks its query parameters (known, enum values, repeated only where the method says) and its JSON body
against the method's request schema; ``schema_errors(api, name, value)`` checks a value against a named
schema: types, enums, unknown properties (discovery schemas allow them, these tests do not, so a typo fails)
and read-only properties in requests.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import googleapiclient

DOCUMENTS = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
INFORMATION = "mybusinessbusinessinformation.v1"
PERFORMANCE = "businessprofileperformance.v1"


@functools.cache
def document(api: str) -> dict[str, Any]:
    return json.loads((DOCUMENTS / f"{api}.json").read_text(encoding="utf-8"))


def _methods(resources: dict[str, Any]):
    for resource in resources.values():
        yield from resource.get("methods", {}).values()
        yield from _methods(resource.get("resources", {}))


def _template(flat_path: str) -> re.Pattern:
    parts = re.split(r"(\{[^}]+\})", flat_path)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


def find_method(api: str, verb: str, url: str) -> dict[str, Any] | None:
    doc = document(api)
    path = urlsplit(url).path.lstrip("/")
    root = urlsplit(doc["rootUrl"]).netloc
    if urlsplit(url).netloc != root:
        return None
    matches = [m for m in _methods(doc["resources"]) if m["httpMethod"] == verb
               and _template(m.get("flatPath", m["path"])).match(path)]
    # "locations/{id}" and "locations/{id}/attributes" both match "[^/]+"-wise only once; prefer the longest
    return max(matches, key=lambda m: len(m.get("flatPath", m["path"])), default=None)


def _param_errors(spec: dict[str, Any], value: str, where: str) -> list[str]:
    if "enum" in spec and value not in spec["enum"]:
        return [f"{where}: {value!r} is not one of {spec['enum']}"]
    if spec.get("type") == "integer" and not re.fullmatch(r"-?\d+", value):
        return [f"{where}: {value!r} is not an integer"]
    return []


def request_errors(api: str, request: Any) -> list[str]:
    """What is wrong with an httpx.Request as a call of ``api`` (empty: it is a documented call)."""
    method = find_method(api, request.method, str(request.url))
    if method is None:
        return [f"{request.method} {request.url.path}: no such method in {api}"]
    errors: list[str] = []
    params = method.get("parameters", {})
    seen: dict[str, int] = {}
    for name, value in parse_qsl(request.url.query.decode(), keep_blank_values=True):
        spec = params.get(name)
        if spec is None or spec.get("location") != "query":
            errors.append(f"query parameter {name!r} is not a parameter of {method['id']}")
            continue
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1 and not spec.get("repeated"):
            errors.append(f"query parameter {name!r} is given twice but is not repeated")
        errors += _param_errors(spec, value, f"{method['id']} {name}")
    ref = method.get("request", {}).get("$ref")
    if ref:
        body = json.loads(request.content or b"null")
        errors += schema_errors(api, ref, body, request=True)
    elif request.content:
        errors.append(f"{method['id']} takes no body")
    return errors


def response_schema(api: str, verb: str, url: str) -> str:
    method = find_method(api, verb, url)
    assert method is not None, f"{verb} {url} is not a method of {api}"
    return method.get("response", {}).get("$ref", "Empty")


def schema_errors(api: str, name: str, value: Any, *, request: bool = False) -> list[str]:
    """What is wrong with ``value`` as the schema ``name`` of ``api`` (``request``: as sent by a client)."""
    return _check(document(api)["schemas"], {"$ref": name}, value, name, request)


def _check(schemas: dict[str, Any], spec: dict[str, Any], value: Any, where: str, request: bool) -> list[str]:
    if "$ref" in spec:
        spec = schemas[spec["$ref"]]
    if request and spec.get("readOnly"):
        return [f"{where}: is read only (output only) and must not be sent"]
    kind = spec.get("type")
    if kind == "any" or not kind:
        return []
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        props = spec.get("properties")
        extra = spec.get("additionalProperties")
        errors: list[str] = []
        for key, item in value.items():
            if props and key in props:
                errors += _check(schemas, props[key], item, f"{where}.{key}", request)
            elif extra:
                errors += _check(schemas, extra, item, f"{where}.{key}", request)
            else:
                errors.append(f"{where}: unknown property {key!r}")
        return errors
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        return [e for i, item in enumerate(value) for e in _check(schemas, spec["items"], item, f"{where}[{i}]", request)]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{where}: expected a string, got {value!r}"]
        if "enum" in spec and value not in spec["enum"]:
            return [f"{where}: {value!r} is not one of {spec['enum']}"]
        if spec.get("format") in ("int64", "uint64") and not re.fullmatch(r"-?\d+", value):
            return [f"{where}: {value!r} is not an int64 string"]
        return []
    if kind == "integer":
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{where}: expected an integer"]
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return [] if ok else [f"{where}: expected a number"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{where}: expected true or false"]
    return [f"{where}: unknown schema type {kind}"]
