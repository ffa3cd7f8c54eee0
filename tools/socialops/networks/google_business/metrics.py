"""Insights of the location: Business Profile Performance API v1 (discovery document
``businessprofileperformance.v1``), ``GET locations/{l}:fetchMultiDailyMetricsTimeSeries`` with
``dailyMetrics`` repeated and ``dailyRange.startDate.year`` ... ``dailyRange.endDate.day``. The answer:
``{"multiDailyMetricTimeSeries": [{"dailyMetricTimeSeries": [{"dailyMetric": "CALL_CLICKS", "timeSeries":
{"datedValues": [{"date": {"year", "month", "day"}, "value": "3"}]}}]}]}`` (a day with nothing has no value).

Per day, into ``metrics/local.csv``: ``views`` (the profile shown: the four impressions on Maps and Search, on
desktop and mobile), ``searches`` (the two Search impressions), ``calls``, ``directions`` (direction requests)
and ``website_clicks``. Google's figures settle over a few days, so every run asks for the last
``DAYS`` days again. Local posts have no figures in these APIs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from socialops.networks.google_business.client import PERFORMANCE
from socialops.networks.types import ACCOUNT_ITEM, Figures, MetricsCall, as_number

DAYS = 14
SEARCH = ("BUSINESS_IMPRESSIONS_DESKTOP_SEARCH", "BUSINESS_IMPRESSIONS_MOBILE_SEARCH")
MAPS = ("BUSINESS_IMPRESSIONS_DESKTOP_MAPS", "BUSINESS_IMPRESSIONS_MOBILE_MAPS")
COLUMNS = {"CALL_CLICKS": "calls", "BUSINESS_DIRECTION_REQUESTS": "directions", "WEBSITE_CLICKS": "website_clicks"}
DAILY_METRICS = (*MAPS, *SEARCH, *COLUMNS)


def performance_params(start: dt.date, end: dt.date) -> list[tuple[str, str]]:
    params = [("dailyMetrics", m) for m in DAILY_METRICS]
    for side, day in (("startDate", start), ("endDate", end)):
        params += [(f"dailyRange.{side}.year", str(day.year)), (f"dailyRange.{side}.month", str(day.month)),
                   (f"dailyRange.{side}.day", str(day.day))]
    return params


def parse_performance(body: Any) -> Figures:
    """The daily figures of a FetchMultiDailyMetricsTimeSeriesResponse."""
    figures = Figures()
    sums: dict[str, dict[str, float]] = {}
    for multi in body.get("multiDailyMetricTimeSeries") or [] if isinstance(body, Mapping) else []:
        for series in multi.get("dailyMetricTimeSeries") or [] if isinstance(multi, Mapping) else []:
            if not isinstance(series, Mapping):
                continue
            metric = str(series.get("dailyMetric") or "")
            values = (series.get("timeSeries") or {}).get("datedValues") or []
            for dated in values:
                date = dated.get("date") if isinstance(dated, Mapping) else None
                try:
                    day = dt.date(int(date["year"]), int(date["month"]), int(date["day"])).isoformat()
                except (KeyError, TypeError, ValueError):
                    continue
                value = as_number(dated.get("value", "0")) or 0.0  # proto3 JSON leaves a zero out
                row = sums.setdefault(day, {})
                if metric in MAPS or metric in SEARCH:
                    row["views"] = row.get("views", 0.0) + value
                if metric in SEARCH:
                    row["searches"] = row.get("searches", 0.0) + value
                if metric in COLUMNS:
                    row[COLUMNS[metric]] = value
    for day, row in sums.items():
        for column, value in row.items():
            figures.day(day, column, value)
    return figures


def performance_call(location: str, headers: dict[str, str], *, now: dt.datetime) -> MetricsCall:
    end = now.astimezone(dt.UTC).date() - dt.timedelta(days=1)
    return MetricsCall(name="google_business performance", url=f"{PERFORMANCE}/{location}:fetchMultiDailyMetricsTimeSeries",
                       params=performance_params(end - dt.timedelta(days=DAYS - 1), end), headers=headers,
                       parse=parse_performance, items=(ACCOUNT_ITEM,))
