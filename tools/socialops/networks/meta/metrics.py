"""Metrics from Meta's Graph API (Facebook and Instagram): insights answers and their refusals.

Meta tolerance: when Meta refuses a metric ("invalid metric", error code 100, or code 10 "not enough viewers")
a call asking for several metrics is split into one call per metric, and a single refused metric is noted in
``Figures.missing`` and left empty: the other figures of the post are kept.

Batches: the calls of a profile go to Graph in batch requests of up to 50 (``POST https://graph.facebook.com``
with ``batch=[{"method": "GET", "relative_url": ...}]``; the answer is a list of ``{"code", "body"}`` in the same
order, ``body`` a JSON text, ``null`` for a request Graph did not complete; developers.facebook.com/docs/graph-api/
batch-requests). Each request of a batch still counts against Meta's rate limits, but the round trips are 50 times
fewer. A request of a batch that Graph refused for another reason than its metrics (a throttle, the token) is sent
again on its own, so that the fetcher's error mapping (rate limits, token errors naming the secret) applies.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from socialops.core.times import parse_utc
from socialops.networks.calls import chunks
from socialops.networks.http import redacted_excerpt
from socialops.networks.meta.graph import GRAPH_HOST
from socialops.networks.types import Figures, MetricsCall, as_number


def _day_of_end_time(end_time: Any) -> str | None:
    """The day a Meta ``period=day`` value describes: the day that ends at its ``end_time`` (Meta's days are
    Pacific days: ``2026-11-30T08:00:00+0000`` closes 29 November), named by the date it starts on."""
    moment = parse_utc(end_time)
    if moment is None:
        return None
    return (moment.astimezone(dt.UTC) - dt.timedelta(days=1)).date().isoformat()


META_INVALID_CODES = frozenset({100, 10})


def meta_refusal(status: int, body: Any) -> tuple[int | None, str] | None:
    """(code, message) of a Graph refusal that concerns the metrics asked (code 100 "invalid metric" or a
    parameter the metric does not take, code 10 "not enough viewers"), else None."""
    if status < 400 or not isinstance(body, Mapping) or not isinstance(body.get("error"), Mapping):
        return None
    err = body["error"]
    code = err.get("code")
    code = int(code) if isinstance(code, int | float) and not isinstance(code, bool) else None
    if code not in META_INVALID_CODES:
        return None
    # no token at hand here: credentials are redacted by their shape, before the cut
    return code, redacted_excerpt(str(err.get("error_user_msg") or err.get("message") or ""), max_chars=200)


def insight_values(body: Any) -> dict[str, Any]:
    """``{metric name: latest value}`` of a Graph insights answer: ``data[].values[-1].value``, or (Instagram's
    ``metric_type=total_value``) ``data[].total_value.value``. ``values`` is looked at first: a Page's insights
    (the SDK's InsightsResult) have no ``total_value`` field."""
    out: dict[str, Any] = {}
    data = body.get("data") if isinstance(body, Mapping) else None
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            continue
        values = entry.get("values")
        if isinstance(values, list) and values and isinstance(values[-1], Mapping):
            out[entry["name"]] = values[-1].get("value")
            continue
        total = entry.get("total_value")
        if isinstance(total, Mapping) and "value" in total:
            out[entry["name"]] = total["value"]
    return out


def insight_series(body: Any) -> dict[str, list[tuple[str, Any]]]:
    """``{metric: [(day, value), ...]}`` of a ``period=day`` insights answer (day = the day that ends at
    ``end_time``)."""
    out: dict[str, list[tuple[str, Any]]] = {}
    data = body.get("data") if isinstance(body, Mapping) else None
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            continue
        series = out.setdefault(entry["name"], [])
        for value in entry.get("values") or []:
            if isinstance(value, Mapping):
                day = _day_of_end_time(value.get("end_time"))
                if day:
                    series.append((day, value.get("value")))
    return out


def meta_insights_call(name: str, url: str, metrics: list[str], params: Mapping[str, str], headers: dict[str, str],
                       parse: Callable[[dict[str, Any], Figures], None], items: tuple[str, ...]) -> MetricsCall:
    """An insights call for ``metrics``; ``parse(values, figures)`` gets ``{metric: value}`` (or the whole body
    under the key ``""``). A refused metric list is split into one call per metric; a refused single metric is
    noted as missing, so one removed metric never costs the others."""

    def on_parse(body: Any) -> Figures:
        figures = Figures()
        values = insight_values(body)
        values[""] = body
        parse(values, figures)
        return figures

    def on_error(status: int, body: Any) -> Figures | None:
        refusal = meta_refusal(status, body)
        if refusal is None:
            return None
        code, message = refusal
        if len(metrics) > 1:
            return Figures(calls=[meta_insights_call(f"{name} [{m}]", url, [m], params, headers, parse, items)
                                  for m in metrics])
        why = "not enough viewers yet" if code == 10 else message or "refused"
        return Figures(missing=[f"{name}: {metrics[0]} not available ({why})"])

    query = [("metric", ",".join(metrics)), *sorted(params.items())]
    return MetricsCall(name=name, url=url, params=query, headers=headers, parse=on_parse, on_error=on_error,
                       items=items)


def window(now: dt.datetime, days: int) -> dict[str, str]:
    until = int(now.timestamp())
    return {"since": str(until - days * 86400), "until": str(until)}


def follower_demographics(dimension: str, values: Mapping[str, Any], figures: Figures) -> None:
    """Instagram's and Threads' ``follower_demographics``: ``data[0].total_value.breakdowns[0].results[] =
    {dimension_values: [...], value}``; an age+gender bucket is written ``F:25-34`` (gender first, as Meta's
    codes F, M, U)."""
    body = values.get("")
    data = body.get("data") if isinstance(body, Mapping) else None
    buckets: dict[str, float] = {}
    for entry in data if isinstance(data, list) else []:
        total = entry.get("total_value") if isinstance(entry, Mapping) else None
        for breakdown in (total.get("breakdowns") or []) if isinstance(total, Mapping) else []:
            keys = breakdown.get("dimension_keys") if isinstance(breakdown, Mapping) else None
            for result in breakdown.get("results") or [] if isinstance(breakdown, Mapping) else []:
                labels = result.get("dimension_values") if isinstance(result, Mapping) else None
                number = as_number(result.get("value")) if isinstance(result, Mapping) else None
                if not isinstance(labels, list) or number is None:
                    continue
                named = dict(zip(keys, labels, strict=False)) if isinstance(keys, list) else {}
                if dimension == "age_gender":
                    label = f"{named.get('gender', labels[-1])}:{named.get('age', labels[0])}"
                else:
                    label = str(labels[0])
                buckets[label] = buckets.get(label, 0) + number
    figures.audience[dimension] = buckets


GRAPH_BATCH = 50


def graph_batches(calls: list[MetricsCall], *, host: str, headers: dict[str, str]) -> list[MetricsCall]:
    """``calls`` (GETs under ``host``) packed into batch requests of up to 50 (see the module text)."""
    out = []
    for batch in chunks(calls, GRAPH_BATCH):
        out.append(batch[0] if len(batch) == 1 else _batch_call(batch, host=host, headers=headers))
    return out


def _relative(call: MetricsCall, host: str) -> str:
    path = call.url[len(host):].lstrip("/")
    return f"{path}?{urlencode(call.params)}" if call.params else path


def _batch_call(batch: list[MetricsCall], *, host: str, headers: dict[str, str]) -> MetricsCall:
    requests = [{"method": "GET", "relative_url": _relative(call, host)} for call in batch]

    def parse(body: Any) -> Figures:
        figures = Figures()
        answers = body if isinstance(body, list) else []
        for index, call in enumerate(batch):
            answer = answers[index] if index < len(answers) else None
            part = _batch_part(call, answer)
            figures.merge(part)
            figures.calls.extend(part.calls)
        return figures

    items = tuple(dict.fromkeys(item for call in batch for item in call.items))
    return MetricsCall(name=f"graph batch ({len(batch)} requests)", url=f"{host}/", method="POST",
                       form={"batch": json.dumps(requests, separators=(",", ":")), "include_headers": "false"},
                       headers=headers, parse=parse, items=items)


def _batch_part(call: MetricsCall, answer: Any) -> Figures:
    """The figures of one request of a batch; a request Graph did not complete, or refused for another reason
    than its metrics, goes again on its own (as a follow-up call)."""
    if not isinstance(answer, Mapping) or not isinstance(answer.get("code"), int):
        return Figures(calls=[call])
    try:
        body = json.loads(answer.get("body") or "null")
    except ValueError:
        return Figures(calls=[call])
    code = answer["code"]
    if code < 300 and call.parse is not None and body is not None:
        return call.parse(body)
    handled = call.on_error(code, body) if code >= 300 and call.on_error is not None else None
    return handled if handled is not None else Figures(calls=[call])


def expanded_call(name: str, url: str, fields: str, metrics: list[str], headers: dict[str, str],
                  parse: Callable[[Any, dict[str, Any], Figures], None], separate: list[MetricsCall],
                  on_gone: Callable[[int, Any], Figures | None], items: tuple[str, ...]) -> MetricsCall:
    """One object's fields and its insights in one request, by field expansion (``?fields=<fields>,
    insights.metric(<metrics>)``): ``parse(body, {metric: value}, figures)``. When Graph refuses the metrics
    (a removed one, not enough viewers), the ``separate`` calls go instead, where a refused metric costs only
    itself; a post the network no longer has is ``on_gone``."""

    def on_parse(body: Any) -> Figures:
        figures = Figures()
        parse(body, insight_values(body.get("insights") if isinstance(body, Mapping) else None), figures)
        return figures

    def on_error(status: int, body: Any) -> Figures | None:
        gone = on_gone(status, body)
        if gone is not None:
            return gone
        return Figures(calls=list(separate)) if meta_refusal(status, body) is not None else None

    return MetricsCall(name=name, url=url, params=[("fields", f"{fields},insights.metric({','.join(metrics)})")],
                       headers=headers, parse=on_parse, on_error=on_error, items=items)


def graph_requests(token: str, build: Callable[[dict[str, str]], list[MetricsCall]]) -> list[MetricsCall]:
    """The calls ``build(headers)`` makes (the token as a Bearer header, never in a URL), 50 to a batch."""
    headers = {"Authorization": f"Bearer {token}"}
    return graph_batches(build(headers), host=GRAPH_HOST, headers=headers)
