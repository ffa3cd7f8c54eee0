"""Meta's own SDK as the judge of the Graph API requests the Facebook and Instagram adapters make.

``facebook-business`` (the official Python Business SDK, a test dependency only) is generated from Meta's API
description: for each object it declares the fields (``Field``, ``_field_types``) and for each edge the HTTP
method, the parameters (``param_types``), their enum values and the class the edge answers with. This module
reads that description once (every edge method is called with ``pending=True``, which builds the request without
sending it) and checks a recorded request against it:

* the edge exists on one of the Page / Instagram object types for that HTTP method;
* every parameter is declared for it (the Graph paging parameters ``fields``, ``limit``, ``after``, ``before``,
  ``since``, ``until`` are Graph's own, on every edge), and every enum value is one the SDK lists;
* every field asked for with ``fields=`` (nested expansions ``a{b,c}`` and edges ``comments.limit(0)`` too) is
  a declared field or edge of that object;
* every key the adapter read from the answer is a declared field of the object the edge answers with.

What the SDK does not declare but Meta's reference documents is in ``DOCUMENTED``, each with its source: those
requests pass, and the closing table of the README lists them as "documented payloads only".
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import re
from dataclasses import dataclass, field

# The object types the two adapters address (Facebook Page and Instagram professional account).
UNIVERSE = ("Page", "PagePost", "Post", "Photo", "AdVideo", "Comment", "LiveVideo", "User",
            "IGUser", "IGMedia", "IGComment", "ShadowIGMediaBuilder")
# Graph's own paging and field selection, valid on every node and edge
# (https://developers.facebook.com/docs/graph-api/results, .../using-graph-api#fields).
GENERIC_PARAMS = frozenset({"fields", "limit", "after", "before", "since", "until"})
INSIGHTS_DOC = "https://developers.facebook.com/docs/instagram-platform/api-reference/instagram-user/insights"
CONVERSATIONS_DOC = "https://developers.facebook.com/docs/messenger-platform/conversations"
# Requests and answers the SDK leaves out, documented by Meta's reference: (kind, where, name, value) -> source.
DOCUMENTED: dict[tuple[str, ...], str] = {
    ("value", "IGUser/insights", "metric", "follower_count"): INSIGHTS_DOC,
    ("value", "IGUser/insights", "metric", "follower_demographics"): INSIGHTS_DOC,
    ("value", "IGUser/insights", "metric", "online_followers"): INSIGHTS_DOC,
    # The Conversations API's examples write the platform in lower case (the SDK's enum in upper case).
    **{("value", "Page/conversations", "platform", p): CONVERSATIONS_DOC for p in ("messenger", "instagram")},
    ("answer", "Page/messages", "message_id"): "https://developers.facebook.com/docs/messenger-platform/reference/send-api",
    ("answer", "Page/messages", "recipient_id"): "https://developers.facebook.com/docs/messenger-platform/reference/send-api",
    **{("value", "IGUser/insights", "breakdown", b): INSIGHTS_DOC for b in ("age", "gender", "country", "city")},
    ("edge", "debug_token"): "https://developers.facebook.com/docs/graph-api/reference/debug_token",
    # What create calls answer: the SDK types them as the object, Meta's reference lists the keys.
    ("answer", "Page/photos", "post_id"): "https://developers.facebook.com/docs/graph-api/reference/page/photos",
    ("answer", "Page/video_reels", "video_id"): "https://developers.facebook.com/docs/video-api/guides/reels-publishing",
    ("answer", "Page/video_reels", "upload_url"): "https://developers.facebook.com/docs/video-api/guides/reels-publishing",
    ("answer", "Page/video_stories", "video_id"): "https://developers.facebook.com/docs/page-stories-api",
    ("answer", "Page/video_stories", "upload_url"): "https://developers.facebook.com/docs/page-stories-api",
    ("answer", "Page/video_stories", "post_id"): "https://developers.facebook.com/docs/page-stories-api",
    ("answer", "Page/photo_stories", "post_id"): "https://developers.facebook.com/docs/page-stories-api",
}
ANSWER_ENVELOPE = frozenset({"id", "success"})  # every Graph write answers with these (or one of them)
LIST_ENVELOPE = frozenset({"data", "paging", "summary"})


@dataclass(frozen=True)
class Edge:
    """One request the SDK can build: ``method /{node}/edge`` ("" = the node itself) on class ``owner``."""

    owner: str
    method: str
    edge: str
    params: dict[str, str]
    enums: dict[str, frozenset[str]]
    target: str | None

    @property
    def where(self) -> str:
        return f"{self.owner}/{self.edge}" if self.edge else self.owner


@dataclass
class SdkClass:
    name: str
    fields: frozenset[str]
    field_types: dict[str, str]
    edges: list[Edge] = field(default_factory=list)

    def get_edge(self, name: str) -> Edge | None:
        return next((e for e in self.edges if e.method == "GET" and e.edge == name), None)


def _module_class(name: str):
    try:
        module = importlib.import_module(f"facebook_business.adobjects.{name.lower()}")
    except ImportError:
        return None
    return getattr(module, name, None)


@functools.cache
def sdk_class(name: str) -> SdkClass | None:
    """The SDK's description of the object type ``name`` (None when the SDK has no such class)."""
    cls = _module_class(name)
    if cls is None or not hasattr(cls, "Field"):
        return None
    fields = frozenset(v for k, v in vars(cls.Field).items() if not k.startswith("_") and isinstance(v, str))
    out = SdkClass(name, fields, dict(getattr(cls, "_field_types", {}) or {}))
    if not hasattr(cls, "api_get") and not any(n.startswith(("get_", "create_")) for n in dir(cls)):
        return out
    for method_name, function in inspect.getmembers(cls, inspect.isfunction):
        if method_name.startswith("_") or "pending" not in inspect.signature(function).parameters:
            continue
        try:
            request = function(cls("0"), pending=True)
        except Exception:  # a method the generator made for another purpose: not a request
            continue
        checker = getattr(request, "_param_checker", None)
        if checker is None:
            continue
        enums = {k: frozenset(v for v in values if isinstance(v, str) and "." not in v)
                 for k, values in checker._enum_data.items()}
        target = request._target_class.__name__ if request._target_class is not None else None
        out.edges.append(Edge(name, request._method, request._endpoint, dict(checker._type_check_info), enums,
                              target))
    return out


def _element_type(type_name: str | None) -> str | None:
    """``list<IGComment>`` -> IGComment; primitives and untyped objects -> None (nothing to check below)."""
    if not type_name:
        return None
    inner = re.fullmatch(r"list<(.+)>", type_name)
    name = inner.group(1) if inner else type_name
    return name if sdk_class(name) is not None else None


# --- the fields= expression ---------------------------------------------------------------------------------


def split_top(text: str) -> list[str]:
    """Split at commas outside braces and parentheses."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "{(":
            depth += 1
        elif ch in "})":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [p.strip() for p in out if p.strip()]


def field_problems(cls: SdkClass, expression: str) -> list[str]:
    """Fields of ``expression`` (``a,b{c},d.limit(0){e}``) that ``cls`` does not declare."""
    problems = []
    for item in split_top(expression):
        match = re.fullmatch(r"([A-Za-z_]+)((?:\.[a-z_]+\([^)]*\))*)(?:\{(.*)\})?", item)
        if not match:
            problems.append(f"'{item}' is not a Graph field expression")
            continue
        name, _modifiers, nested = match.groups()
        sub: SdkClass | None = None
        if name in cls.fields:
            sub = sdk_class(_element_type(cls.field_types.get(name)) or "")
        elif (edge := cls.get_edge(name)) is not None:
            # an edge the SDK types only as AbstractCrudObject says nothing of its fields, as an untyped field
            sub = None if edge.target in (None, "AbstractCrudObject") else sdk_class(edge.target)
        else:
            problems.append(f"{cls.name} has no field or edge '{name}'")
            continue
        if nested and sub is not None:
            problems += field_problems(sub, nested)
    return problems


# --- requests -----------------------------------------------------------------------------------------------


def _param_problems(edge: Edge, params: dict[str, str]) -> list[str]:
    problems = []
    for raw_key, value in params.items():
        key = re.sub(r"\[\d+\]$", "", raw_key)  # attached_media[0]: the list parameter attached_media
        if key in GENERIC_PARAMS and key not in edge.params:
            if key == "fields" and edge.method == "GET":
                target = sdk_class(edge.target or edge.owner)
                problems += field_problems(target, value) if target else []
            continue
        declared = edge.params.get(key)
        if declared is None:
            problems.append(f"{edge.method} {edge.where} has no parameter '{key}'")
            continue
        problems += _value_problems(edge, key, declared, value)
    return problems


def _value_problems(edge: Edge, key: str, declared: str, value: str) -> list[str]:
    inner = re.fullmatch(r"list<(.+)>", declared)
    kind, items = (inner.group(1), [v.strip() for v in value.split(",")]) if inner else (declared, [value])
    problems = []
    for item in items:
        if kind in edge.enums:
            allowed = edge.enums[kind]
            if item not in allowed and ("value", edge.where, key, item) not in DOCUMENTED:
                problems.append(f"{edge.method} {edge.where}: '{key}={item}' is not one of {sorted(allowed)}")
        elif kind == "bool" and item not in ("true", "false"):
            problems.append(f"{edge.method} {edge.where}: '{key}' takes true or false, not '{item}'")
        elif kind in ("int", "unsigned int") and not item.lstrip("-").isdigit():
            problems.append(f"{edge.method} {edge.where}: '{key}' takes a number, not '{item}'")
        elif kind in ("Object", "map") and not inner and not isinstance(_json_or_none(item), dict):
            problems.append(f"{edge.method} {edge.where}: '{key}' takes a JSON object, not '{item}'")
    return problems


def _json_or_none(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return None


REALMS = {"facebook": UNIVERSE[:8], "instagram": UNIVERSE[8:]}


@dataclass
class Verdict:
    """What the check found for one request: the edges that declare it (none: ``problems`` says why)."""

    edges: list[Edge]
    problems: list[str]
    documented: str | None = None  # the source, when only Meta's reference (not the SDK) declares a value

    @property
    def realms(self) -> set[str]:
        return {realm for e in self.edges for realm, names in REALMS.items() if e.owner in names}


def check_request(method: str, path: list[str], params: dict[str, str], universe=UNIVERSE) -> Verdict:
    """``path`` = the segments after the version (``["1789", "media"]``); ``universe`` = the object types the
    node may be (all of them, or one network's when an earlier request showed which)."""
    edge_name = path[1] if len(path) > 1 else ""
    if len(path) == 1 and ("edge", path[0]) in DOCUMENTED:
        return Verdict([], [], DOCUMENTED[("edge", path[0])])
    candidates = [e for name in universe for e in sdk_class(name).edges
                  if e.method == method and e.edge == edge_name]
    if not candidates:
        return Verdict([], [f"no Page or Instagram object has the edge {method} /{{id}}/{edge_name}"
                            if edge_name else f"no Page or Instagram object takes {method} /{{id}}"])
    judged = [(_param_problems(e, params), e) for e in candidates]
    passing = [e for problems, e in judged if not problems]
    if not passing:
        return Verdict([], min((problems for problems, _ in judged), key=len))
    notes = [src for key, src in DOCUMENTED.items() if key[0] == "value" and key[1] in {e.where for e in passing}
             and key[3] in {v.strip() for v in params.get(key[2], "").split(",")}]
    return Verdict(passing, [], notes[0] if notes else None)


# --- what the adapter read from the answer ------------------------------------------------------------------


def read_problems(edge: Edge, reads: set[tuple[str, ...]], status: int) -> list[str]:
    """Keys the adapter read from the answer that the object the edge answers with does not declare.

    ``reads`` are key paths (``("data", "[]", "id")``). Error answers are Meta's error envelope (checked by the
    adapters' tests), and below an untyped field (``Object``, ``map``) the SDK says nothing."""
    if status >= 400 or edge is None:
        return []
    target = sdk_class(edge.target or edge.owner)
    if edge.method != "GET":
        allowed = ANSWER_ENVELOPE | (target.fields if target else frozenset())
        return [f"{edge.method} {edge.where} answers with no '{path[0]}' (the SDK and Meta's reference declare "
                f"{sorted(allowed)})" for path in sorted(reads)
                if path and path[0] not in allowed and ("answer", edge.where, path[0]) not in DOCUMENTED]
    if edge.edge:  # a list: {"data": [target...], "paging": ...}
        out = []
        for path in sorted(reads):
            if not path or path[0] not in LIST_ENVELOPE:
                out.append(f"GET {edge.where} answers with a list: the adapter read '{path[0]}' outside it")
            elif path[0] == "data" and len(path) > 2 and target is not None:
                out += _path_problems(target, path[2:], f"GET {edge.where}")
        return out
    return [p for path in sorted(reads) if target is not None for p in _path_problems(target, path, f"GET {edge.where}")]


def _path_problems(cls: SdkClass, path: tuple[str, ...], where: str) -> list[str]:
    key, rest = path[0], path[1:]
    if key == "[]":
        return _path_problems(cls, rest, where) if rest else []
    if key in cls.fields:
        sub = sdk_class(_element_type(cls.field_types.get(key)) or "")
        return _path_problems(sub, rest, where) if rest and sub is not None else []
    edge = cls.get_edge(key)
    if edge is not None:  # an expanded edge: {"data": [...], "summary": ...}
        sub = None if edge.target in (None, "AbstractCrudObject") else sdk_class(edge.target)
        if len(rest) > 2 and rest[0] == "data" and sub is not None:
            return _path_problems(sub, rest[2:], where)
        return []
    return [f"{where}: the adapter read '{key}' of a {cls.name}, which the SDK does not declare"]
