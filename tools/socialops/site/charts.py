"""Charts as inline SVG drawn from metrics/*.csv: no script, no library in the browser.

Every mark has a <title> (the browser shows it on hover, a screen reader reads it) and can take the keyboard's
focus; every chart has its figures as a table beside it, for those who would rather read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from statistics import mean

from socialops.metrics.tables import num
from socialops.site.html import esc, table

COLOURS = ("#0b57d0", "#b3261e", "#146c2e", "#7d5260", "#8a4f00", "#5b3e96", "#006a6a", "#404040")
WIDTH, HEIGHT, LEFT, BOTTOM = 720, 260, 56, 40


def _svg(title: str, inner: str, height: int = HEIGHT) -> str:
    return (f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">'
            f"<title>{esc(title)}</title>{inner}</svg>")


def _data_table(title: str, header: list[str], rows: list[list[str]]) -> str:
    return f"<details><summary>{esc(title)} as a table</summary>{table(header, rows)}</details>"


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:.3g}"


def line_chart(title: str, series: Mapping[str, list[tuple[dt.date, float]]], unit: str) -> str:
    """One line per series over dates, with its axis labelled in `unit`."""
    points = [(d, v) for values in series.values() for d, v in values]
    if not points:
        return f"<p>No figures yet for {esc(title.lower())}.</p>"
    first, last = min(d for d, _ in points), max(d for d, _ in points)
    low, high = min(v for _, v in points), max(v for _, v in points)
    high = high if high > low else low + 1
    span = max((last - first).days, 1)

    def x(day: dt.date) -> float:
        return LEFT + (WIDTH - LEFT - 16) * (day - first).days / span

    def y(value: float) -> float:
        return 16 + (HEIGHT - BOTTOM - 16) * (1 - (value - low) / (high - low))

    marks = [_axes(f"{_fmt(low)}", f"{_fmt(high)}", unit, f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}")]
    rows = []
    for i, (name, values) in enumerate(sorted(series.items())):
        colour = COLOURS[i % len(COLOURS)]
        values = sorted(values)
        path = " ".join(f"{'M' if j == 0 else 'L'}{x(d):.1f},{y(v):.1f}" for j, (d, v) in enumerate(values))
        marks.append(f'<path class="line" d="{path}" stroke="{colour}"><title>{esc(name)}</title></path>')
        marks += [f'<circle class="point" tabindex="0" cx="{x(d):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}">'
                  f"<title>{esc(name)}, {d:%Y-%m-%d}: {_fmt(v)} {esc(unit)}</title></circle>" for d, v in values]
        marks.append(f'<text x="{WIDTH - 150}" y="{20 + 16 * i}" fill="{colour}">{esc(name)}</text>')
        rows += [[esc(name), f"{d:%Y-%m-%d}", _fmt(v)] for d, v in values]
    return _svg(title, "".join(marks)) + _data_table(title, ["series", "date", unit], rows)


def bar_chart(title: str, bars: list[tuple[str, float, int]], unit: str) -> str:
    """Horizontal bars: (label, value, how many posts it is the mean of)."""
    if not bars:
        return f"<p>No figures yet for {esc(title.lower())}.</p>"
    top = max(v for _, v, _ in bars) or 1
    row_height, label_width = 26, 190
    height = 16 + row_height * len(bars)
    marks = []
    for i, (label, value, count) in enumerate(bars):
        width = (WIDTH - label_width - 90) * value / top
        y0 = 8 + row_height * i
        marks.append(f'<text x="{label_width - 8}" y="{y0 + 16}" text-anchor="end">{esc(label[:28])}</text>'
                     f'<rect class="bar" tabindex="0" x="{label_width}" y="{y0}" width="{max(width, 1):.1f}" '
                     f'height="{row_height - 8}"><title>{esc(label)}: {_fmt(value)} {esc(unit)} '
                     f"({count} posts)</title></rect>"
                     f'<text x="{label_width + width + 6:.1f}" y="{y0 + 16}">{_fmt(value)}</text>')
    rows = [[esc(label), _fmt(value), str(count)] for label, value, count in bars]
    return _svg(title, "".join(marks), height) + _data_table(title, ["", unit, "posts"], rows)


def heatmap(title: str, cells: Mapping[tuple[int, int], list[float]], unit: str) -> str:
    """Weekday (Monday first) x hour, each cell the mean of its values; darker is higher."""
    if not cells:
        return f"<p>No figures yet for {esc(title.lower())}.</p>"
    means = {key: mean(values) for key, values in cells.items()}
    top = max(means.values()) or 1
    size, left, topm = 26, 48, 24
    marks = [f'<text x="{left + size * h + 4}" y="16">{h:02d}</text>' for h in range(0, 24, 3)]
    for wd, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
        marks.append(f'<text x="4" y="{topm + size * wd + 17}">{name}</text>')
        for hour in range(24):
            value = means.get((wd, hour))
            if value is None:
                fill, tip = "#f1f3f4", "no posts"
            else:
                fill = f"rgba(11, 87, 208, {0.15 + 0.85 * value / top:.2f})"
                tip = f"{_fmt(value)} {unit} ({len(cells[(wd, hour)])} posts)"
            marks.append(f'<rect tabindex="0" x="{left + size * hour}" y="{topm + size * wd}" width="{size - 2}" '
                         f'height="{size - 2}" fill="{fill}"><title>{name} {hour:02d}:00: {esc(tip)}</title></rect>')
    rows = [[("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[wd], f"{hour:02d}:00", _fmt(v), str(len(cells[(wd, hour)]))]
            for (wd, hour), v in sorted(means.items())]
    return _svg(title, "".join(marks), topm + size * 7 + 8) + _data_table(title, ["day", "hour", unit, "posts"], rows)


def _axes(low: str, high: str, unit: str, first: str, last: str) -> str:
    bottom = HEIGHT - BOTTOM
    return (f'<line x1="{LEFT}" y1="16" x2="{LEFT}" y2="{bottom}" stroke="#8c959f"/>'
            f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - 16}" y2="{bottom}" stroke="#8c959f"/>'
            f'<text x="{LEFT - 6}" y="20" text-anchor="end">{esc(high)}</text>'
            f'<text x="{LEFT - 6}" y="{bottom}" text-anchor="end">{esc(low)}</text>'
            f'<text x="{LEFT}" y="{bottom + 18}">{esc(first)}</text>'
            f'<text x="{WIDTH - 16}" y="{bottom + 18}" text-anchor="end">{esc(last)}</text>'
            f'<text x="8" y="{HEIGHT / 2}" transform="rotate(-90 12 {HEIGHT / 2})">{esc(unit)}</text>')


def grouped_means(rows: list[Mapping[str, str]], key, value: str) -> list[tuple[str, float, int]]:
    """(group, mean of `value`, posts) per group that `key(row)` names (a name or a list of names), highest
    first."""
    groups: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        figure = num(row.get(value))
        if figure is None:
            continue
        names = key(row)
        for name in [names] if isinstance(names, str) else names:
            if name:
                groups[name].append(figure)
    return sorted(((name, mean(values), len(values)) for name, values in groups.items()),
                  key=lambda item: (-item[1], item[0]))
