"""The report's charts, drawn to read well at GitHub's width. matplotlib (Agg, no display needed) is imported
inside these functions only, so that nothing else pays for loading it.

Each chart function returns a ``Chart``: the figure and a one-sentence alt text for the report's Markdown.
``save_chart`` writes it as an ``WIDTH_PX`` wide PNG, GitHub's content width, so that it is shown at its own
size: every text is at least ``MIN_TEXT_PX`` pixels high there. Long names are wrapped and shortened, bars run
sideways so that names never collide, colours are Okabe-Ito's (told apart with every kind of colour blindness),
heatmaps use viridis (readable in grey too).
"""

from __future__ import annotations

import datetime as dt
import io
import statistics
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from socialops.core.files import atomic_write_bytes

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DPI = 100
WIDTH_PX = 800
MIN_TEXT_PX = 12
# Okabe & Ito, "Color Universal Design" (2008), in the order that keeps neighbours far apart; yellow last
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000", "#F0E442")
PREVIOUS = "#56B4E9"  # the month before, beside this month's blue
STYLE = {"font.size": 10, "axes.titlesize": 12, "axes.labelsize": 10, "xtick.labelsize": 10,
         "ytick.labelsize": 10, "legend.fontsize": 10, "legend.title_fontsize": 10, "figure.titlesize": 13,
         "axes.spines.top": False, "axes.spines.right": False}
NAME_CHARS = 24  # a category name is wrapped at this width, on two lines at most
GENDERS = {"F": "women", "M": "men", "U": "not given"}


class Chart(NamedTuple):
    figure: Any
    alt: str


def _figure(height_px: float) -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_PX / DPI, max(height_px, 200) / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _style():
    import matplotlib

    return matplotlib.rc_context(STYLE)


def save_chart(figure: Any, path: Path) -> bool:
    """Write the figure as PNG, only when the bytes differ from the file there (same data, same picture, no
    commit); True when it was written."""
    buf = io.BytesIO()
    figure.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    data = buf.getvalue()
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write_bytes(path, data)
    return True


def short_name(name: str, width: int = NAME_CHARS) -> str:
    """A category name on at most two lines of ``width`` characters, shortened with "…" beyond."""
    return "\n".join(textwrap.wrap(name, width, max_lines=2, placeholder="…")) or name


def _count(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def _thousands(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    axis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _: _count(v)))


def _listing(parts: Sequence[str], most: int = 3) -> str:
    shown = list(parts[:most]) + ([f"{len(parts) - most} more"] if len(parts) > most else [])
    return ", ".join(shown[:-1]) + (" and " if len(shown) > 1 else "") + shown[-1] if shown else "nothing"


# --- followers ------------------------------------------------------------------------------------------------


def followers_chart(series: Mapping[str, list[tuple[dt.date, float]]], zone: str = "") -> Chart:
    """Followers per profile, one line each, by day."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    drawn = {p: pts for p, pts in sorted(series.items()) if pts}
    with _style():
        fig = _figure(380 + 22 * ((len(drawn) + 2) // 3))
        ax = fig.subplots()
        for i, (profile, points) in enumerate(drawn.items()):
            ax.plot([d for d, _ in points], [v for _, v in points], marker="o", markersize=3, linewidth=2,
                    color=OKABE_ITO[i % len(OKABE_ITO)], linestyle=("-", "--", ":")[i // len(OKABE_ITO) % 3],
                    label=profile)
        locator = AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        _thousands(ax.yaxis)
        ax.set_title("Followers per profile")
        ax.set_ylabel("followers (count)")
        ax.set_xlabel("day" + (f" ({zone})" if zone else ""))
        ax.grid(alpha=0.3)
        if drawn:
            fig.legend(loc="outside lower center", ncols=min(len(drawn), 3), frameon=False)
    days = sorted({d for pts in drawn.values() for d, _ in pts})
    changes = [f"{p} {_count(pts[0][1])} to {_count(pts[-1][1])}" for p, pts in drawn.items()]
    span = f" from {days[0].isoformat()} to {days[-1].isoformat()}" if days else ""
    return Chart(fig, f"Line chart of followers per profile{span}: {_listing(changes)}.")


# --- engagement by post type and pillar ------------------------------------------------------------------------

Group = tuple[str, int, float, "float | None"]  # name, posts, engagement, mean rate


def groups_chart(by_type: Sequence[Group], by_pillar: Sequence[Group], month: str = "",
                 previous: tuple[str, Sequence[Group], Sequence[Group]] | None = None) -> Chart:
    """The mean engagement rate by post type and by pillar, as sideways bars; with ``previous`` (the month
    before: its name, by type, by pillar) a paler bar of that month under each of this month's."""
    panels = (("post type", by_type, previous[1] if previous else ()),
              ("pillar", by_pillar, previous[2] if previous else ()))
    # each bar (pair) as high as the highest name plus a gap, and the previous month's bar under it
    per_bar = [17 * max((short_name(g[0]).count("\n") + 1 for g in groups), default=1) + (26 if previous else 12)
               for _, groups, _ in panels]
    rows = [len(groups) * px for (_, groups, _), px in zip(panels, per_bar, strict=True)]
    with _style():
        fig = _figure(sum(110 + r for r in rows) + (40 if previous else 0))
        axes = fig.subplots(2, 1, height_ratios=[r + 60 for r in rows])
        for ax, (what, groups, before) in zip(axes, panels, strict=True):
            _bars(ax, what, groups, before, month, previous[0] if previous else "")
        if previous:
            fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=2, frameon=False)
    return Chart(fig, _groups_alt(by_type, by_pillar, month, previous))


def _bars(ax: Any, what: str, groups: Sequence[Group], before: Sequence[Group], month: str, before_month: str):
    import numpy as np

    rates = [(g[3] or 0) * 100 for g in groups]
    earlier = {g[0]: (g[3] or 0) * 100 for g in before}
    y = np.arange(len(groups))
    height = 0.4 if before_month else 0.7
    ax.barh(y, rates, height, color=OKABE_ITO[0], label=month or "this month")
    if before_month:
        ax.barh(y + height, [earlier.get(g[0], 0) for g in groups], height, color=PREVIOUS, label=before_month)
    for i, g in enumerate(groups):
        ax.annotate(f" {rates[i]:.2f} % · {g[1]} post{'s' if g[1] != 1 else ''}", (rates[i], y[i]),
                    va="center", ha="left")
    ax.set_yticks(y + (height / 2 if before_month else 0), [short_name(g[0]) for g in groups])
    ax.invert_yaxis()
    ax.set_xlim(0, max([*rates, *earlier.values(), 0.01]) * 1.45)  # room for the figures at the bars' ends
    ax.set_title(f"Mean engagement rate by {what}" + (f", {month}" if month else ""), loc="left")
    ax.set_xlabel("mean engagement rate (%)")
    ax.grid(axis="x", alpha=0.3)


def _groups_alt(by_type: Sequence[Group], by_pillar: Sequence[Group], month: str,
                previous: tuple[str, Sequence[Group], Sequence[Group]] | None) -> str:
    def top(groups: Sequence[Group], what: str) -> str:
        rated = [g for g in groups if g[3] is not None]
        if not rated:
            return f"no {what} with a rate"
        best = max(rated, key=lambda g: (g[3], g[0]))
        return f"highest {what} {best[0]} ({best[3] * 100:.2f} %)"

    when = f" in {month}" + (f" beside {previous[0]}" if previous else "") if month else ""
    return (f"Bar charts of the mean engagement rate{when} by post type and by pillar: "
            f"{top(by_type, 'post type')}, {top(by_pillar, 'pillar')}.")


# --- weekday x hour --------------------------------------------------------------------------------------------


def heatmap_chart(cells: Mapping[tuple[int, int], list[float]], zone: str) -> Chart:
    """The mean engagement rate of the posts by weekday and hour they went out; grey where none did."""
    import numpy as np

    grid = np.full((7, 24), np.nan)
    for (day, hour), values in cells.items():
        grid[day, hour] = statistics.fmean(values) * 100
    with _style():
        fig = _figure(380)
        ax = fig.subplots()
        ax.set_facecolor("#e6e6e6")
        image = ax.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap="viridis")
        ax.set_yticks(range(7), WEEKDAYS)
        ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
        ax.set_xlabel(f"hour of the day ({zone})")
        ax.set_ylabel("weekday")
        ax.set_title("Mean engagement rate by weekday and hour (grey: no posts)", loc="left")
        fig.colorbar(image, ax=ax, shrink=0.9).set_label("mean engagement rate (%)")
    posts = sum(len(v) for v in cells.values())
    alt = f"Heatmap of the mean engagement rate of {posts} posts by weekday and hour ({zone})"
    if cells:
        rate, (day, hour) = max((statistics.fmean(v), k) for k, v in cells.items())
        alt += f"; the highest is {WEEKDAYS[day]} {hour:02d}:00 ({rate * 100:.2f} %)"
    return Chart(fig, alt + ".")


# --- audience --------------------------------------------------------------------------------------------------


def audience_chart(profile: str, dims: Mapping[str, Mapping[str, float]]) -> Chart:
    """Up to two panels of the audience's shares: age (and gender), and the largest countries, cities or
    industries."""
    panels = ["age_gender"] if dims.get("age_gender") else ["age"] if dims.get("age") else []
    panels += [name for name in ("country", "city", "industry") if dims.get(name)][:2 - len(panels)]
    with _style():
        fig = _figure(190 + 20 * max((_lines(n, dims[n]) for n in panels), default=1))
        axes = fig.subplots(1, max(len(panels), 1), squeeze=False)[0]
        found = []
        for ax, name in zip(axes, panels, strict=False):
            found.append(_age_gender(ax, dims[name]) if name == "age_gender" else _shares(ax, name, dims[name]))
            ax.set_xlabel("share of followers (%)")
            ax.grid(axis="x", alpha=0.3)
        fig.suptitle(f"Audience of {profile}")
    alt = (f"Bar charts of the audience of {profile} by {' and by '.join(n.replace('_', ' and ') for n in panels)}"
           + (": the largest " + ", ".join(found) if found else "") + ".")
    return Chart(fig, alt)


def _age_gender(ax: Any, buckets: Mapping[str, float]) -> str:
    total = sum(buckets.values()) or 1
    ages = sorted({b.split(":", 1)[1] for b in buckets if ":" in b})
    genders = sorted({b.split(":", 1)[0] for b in buckets if ":" in b})
    left = [0.0] * len(ages)
    for i, gender in enumerate(genders):
        values = [buckets.get(f"{gender}:{a}", 0) / total * 100 for a in ages]
        ax.barh(ages, values, left=left, color=OKABE_ITO[i % len(OKABE_ITO)], label=GENDERS.get(gender, gender))
        left = [a + v for a, v in zip(left, values, strict=True)]
    ax.invert_yaxis()
    ax.figure.legend(*ax.get_legend_handles_labels(), title="gender", loc="outside lower center",
                     ncols=len(genders), frameon=False)
    ax.set_title("by age and gender", loc="left")
    ax.set_ylabel("age (years)")
    gender, age = max(buckets, key=lambda b: (buckets[b], b)).split(":", 1) if buckets else ("", "")
    return f"age group is {GENDERS.get(gender, gender)} {age} ({max(buckets.values()) / total * 100:.0f} %)"


def _shares(ax: Any, name: str, buckets: Mapping[str, float]) -> str:
    total = sum(buckets.values()) or 1
    items = _largest(name, buckets)
    ax.barh([short_name(k, 18) for k, _ in items], [v / total * 100 for _, v in items], color=OKABE_ITO[3])
    ax.invert_yaxis()
    ax.set_title(f"by {name}" + (" (largest 8)" if name != "age" and len(buckets) > 8 else ""), loc="left")
    if name == "age":
        ax.set_ylabel("age (years)")
    key, value = max(buckets.items(), key=lambda kv: (kv[1], kv[0]))
    return f"{name} {key} ({value / total * 100:.0f} %)"


def _largest(name: str, buckets: Mapping[str, float]) -> list[tuple[str, float]]:
    """Age groups in order, the other dimensions' 8 largest buckets."""
    if name == "age":
        return sorted(buckets.items())
    return sorted(buckets.items(), key=lambda kv: (-kv[1], kv[0]))[:8]


def _lines(name: str, buckets: Mapping[str, float]) -> int:
    """The lines of text a panel's names take, one above the other (each bar as high as the highest name)."""
    if name == "age_gender":
        return len({b.split(":", 1)[-1] for b in buckets})
    items = _largest(name, buckets)
    return len(items) * max(short_name(k, 18).count("\n") + 1 for k, _ in items)
