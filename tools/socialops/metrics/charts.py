"""The report's charts as PNG files. matplotlib (with the Agg backend: no display needed) is imported inside
these functions only, so that nothing else pays for loading it.

Each chart function draws into ``path`` and returns True when the file changed: the same data gives the
same bytes, and an unchanged picture is not written again (nothing to commit).
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from socialops.core.files import atomic_write_bytes

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _save(fig: Any, path: Path) -> bool:
    """Save as PNG only when the bytes differ from the file there (same data, same picture, no commit)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    data = buf.getvalue()
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write_bytes(path, data)
    return True


def followers_chart(path: Path, series: Mapping[str, list[tuple[dt.date, float]]]) -> bool:
    fig = _figure(8, 4)
    ax = fig.subplots()
    for profile, points in sorted(series.items()):
        if points:
            ax.plot([d for d, _ in points], [v for _, v in points], marker="o", markersize=3, label=profile)
    ax.set_title("Followers")
    ax.set_ylabel("followers")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    return _save(fig, path)


def groups_chart(path: Path, by_type: list, by_pillar: list) -> bool:
    fig = _figure(9, 3.6)
    axes = fig.subplots(1, 2)
    for ax, groups, title in ((axes[0], by_type, "by post type"), (axes[1], by_pillar, "by pillar")):
        names = [g[0] for g in groups]
        rates = [(g[3] or 0) * 100 for g in groups]
        ax.bar(names, rates, color="#4c78a8")
        for i, g in enumerate(groups):
            ax.annotate(f"n={g[1]}", (i, rates[i]), ha="center", va="bottom", fontsize=7)
        ax.set_title(f"Mean engagement rate {title}")
        ax.set_ylabel("%")
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    return _save(fig, path)


def heatmap_chart(path: Path, cells: Mapping[tuple[int, int], list[float]], zone: str) -> bool:
    import numpy as np

    grid = np.full((7, 24), np.nan)
    for (day, hour), values in cells.items():
        grid[day, hour] = statistics.fmean(values) * 100
    fig = _figure(10, 3.4)
    ax = fig.subplots()
    masked = np.ma.masked_invalid(grid)
    image = ax.imshow(masked, aspect="auto", cmap="viridis")
    ax.set_yticks(range(7), WEEKDAYS)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel(f"hour ({zone})")
    ax.set_title("Mean engagement rate (%) by weekday and hour; empty = no posts")
    fig.colorbar(image, ax=ax, shrink=0.8)
    return _save(fig, path)


def audience_chart(path: Path, profile: str, dims: Mapping[str, Mapping[str, float]]) -> bool:
    panels = []
    if dims.get("age_gender"):
        panels.append("age_gender")
    elif dims.get("age"):
        panels.append("age")
    for name in ("country", "city", "industry"):
        if dims.get(name) and len(panels) < 2:
            panels.append(name)
    fig = _figure(4.5 * len(panels), 3.4)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, name in zip(axes, panels, strict=True):
        buckets = dims[name]
        if name == "age_gender":
            ages = sorted({b.split(":", 1)[1] for b in buckets if ":" in b})
            genders = sorted({b.split(":", 1)[0] for b in buckets if ":" in b})
            bottom = [0.0] * len(ages)
            for gender in genders:
                values = [buckets.get(f"{gender}:{a}", 0) for a in ages]
                ax.bar(ages, values, bottom=bottom, label=gender)
                bottom = [b + v for b, v in zip(bottom, values, strict=True)]
            ax.legend(fontsize=7, title="gender", title_fontsize=7)
            ax.set_title("age and gender")
        else:
            items = sorted(buckets.items()) if name == "age" else sorted(buckets.items(),
                                                                         key=lambda kv: (-kv[1], kv[0]))[:8]
            ax.bar([k for k, _ in items], [v for _, v in items], color="#72b7b2")
            ax.set_title(name)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
    fig.suptitle(f"Audience of {profile}", fontsize=10)
    return _save(fig, path)
