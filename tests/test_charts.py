"""The report's charts read well at GitHub's width, proven with matplotlib's own renderer: for realistic and for
crowded data (31 days, 24 hours, 12 long pillar names, long country names) no two tick labels overlap, every
text is at least 12 px high as shown, nothing is cut off at the edges, the PNG is 800 px wide, and the title and
axis labels name their units; every chart has a one-sentence alt text."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from matplotlib.text import Text
from PIL import Image

from socialops.metrics import charts

START = dt.date(2026, 12, 1)
TYPES = ["image", "video", "carousel", "text", "link", "reel", "story"]
LONG_PILLARS = [f"Behind the scenes at the roastery, part {i} of the long series" for i in range(12)]
COUNTRIES = ["United Kingdom of Great Britain and Northern Ireland", "United States of America", "Germany",
             "France", "Netherlands", "Switzerland", "Finland", "Sweden", "Norway", "Denmark", "Austria"]
AGES = ["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
UNIT = re.compile(r" \((%|count|years|UTC|[A-Za-z]+(/[A-Za-z_+-]+)+)\)$")  # a unit, or the timezone of times


def followers(profiles: int, days: int):
    return {f"cafe-{i}": [(START + dt.timedelta(days=d), 1000 * (i + 1) + 7 * d) for d in range(days)]
            for i in range(profiles)}


def groups(names, scale=0.01):
    return [(name, i % 4 + 1, 30.0 * i, scale * (i + 1)) for i, name in enumerate(names)]


def audience(countries, genders="FMU"):
    return {"age_gender": {f"{g}:{a}": 5.0 + i for i, (g, a) in enumerate(itertools.product(genders, AGES))},
            "country": {c: 200.0 - 3 * i for i, c in enumerate(countries)}}


CASES = {
    "followers, 2 profiles, 10 days": (lambda: charts.followers_chart(followers(2, 10), "Europe/Helsinki"),
                                       ["followers (count)", "day (Europe/Helsinki)"]),
    "followers, 8 profiles, 31 days": (lambda: charts.followers_chart(followers(8, 32), "Europe/Helsinki"),
                                       ["followers (count)", "day (Europe/Helsinki)"]),
    "engagement, 3 types, 2 pillars": (lambda: charts.groups_chart(groups(TYPES[:3]), groups(["menu", "events"]),
                                                                   "2026-12"),
                                       ["mean engagement rate (%)"]),
    "engagement, 7 types, 12 long pillars, with the month before": (
        lambda: charts.groups_chart(groups(TYPES), groups(LONG_PILLARS), "2026-12",
                                    ("2026-11", groups(TYPES[:4], 0.02), groups(LONG_PILLARS[3:], 0.015))),
        ["mean engagement rate (%)"]),
    "heatmap, a few hours": (lambda: charts.heatmap_chart({(1, 9): [0.02], (4, 18): [0.03, 0.05]}, "Europe/Helsinki"),
                             ["hour of the day (Europe/Helsinki)", "mean engagement rate (%)"]),
    "heatmap, all 24 hours of every day": (
        lambda: charts.heatmap_chart({(d, h): [0.01 + 0.001 * h] for d in range(7) for h in range(24)},
                                     "America/Argentina/Buenos_Aires"),
        ["hour of the day (America/Argentina/Buenos_Aires)", "mean engagement rate (%)"]),
    "audience, age and country": (lambda: charts.audience_chart("cafe-insta", audience(["FI", "SE", "DE"], "FM")),
                                  ["share of followers (%)", "age (years)"]),
    "audience, long country names": (lambda: charts.audience_chart("a-rather-long-profile-name", audience(COUNTRIES)),
                                     ["share of followers (%)", "age (years)"]),
    "audience, cities only": (lambda: charts.audience_chart("cafe-fb", {"city": {f"{c}, Some Region": 10.0 + i
                                                                                 for i, c in enumerate(COUNTRIES)}}),
                              ["share of followers (%)"]),
}


def shown(text: Text) -> bool:
    return text.get_visible() and bool(text.get_text().strip())


def tick_labels(axis) -> tuple[list[Text], list[Text]]:
    """The tick labels drawn on an axis, and those matplotlib keeps but does not draw (beyond the limits)."""
    low, high = sorted(axis.get_view_interval())
    slack = (high - low) * 1e-9
    drawn, hidden = [], []
    for tick in axis.get_major_ticks() + axis.get_minor_ticks():
        inside = low - slack <= tick.get_loc() <= high + slack
        for label in (tick.label1, tick.label2):
            if shown(label):
                (drawn if inside else hidden).append(label)
    return drawn, hidden


def visible_texts(fig) -> list[Text]:
    hidden = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for t in tick_labels(axis)[1]}
    return [t for t in fig.findobj(Text) if shown(t) and id(t) not in hidden]


def overlapping_tick_labels(fig, renderer) -> list[tuple[str, str]]:
    out = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            out += [(a.get_text(), b.get_text()) for a, b in itertools.combinations(tick_labels(axis)[0], 2)
                    if a.get_window_extent(renderer).overlaps(b.get_window_extent(renderer))]
    return out


@pytest.mark.parametrize("case", CASES)
def test_every_chart_reads_well_at_githubs_width(case, tmp_path):
    make, units = CASES[case]
    fig, alt = make()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert overlapping_tick_labels(fig, renderer) == []
    frame = fig.bbox
    for text in visible_texts(fig):
        pixels = text.get_fontsize() * fig.dpi / 72
        assert pixels >= charts.MIN_TEXT_PX, (text.get_text(), pixels)
        box = text.get_window_extent(renderer)
        if text.get_rotation() == 0:  # a line of text is at least as high as its letters
            assert box.height >= charts.MIN_TEXT_PX, (text.get_text(), box.height)
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1 and frame.y0 - 1 <= box.y0 \
            and box.y1 <= frame.y1 + 1, f"{text.get_text()!r} is cut off"
    # a title on every panel (or above them all), and the axis labels that name units
    titles = [ax.get_title(loc) for ax in fig.axes for loc in ("left", "center")] + \
        [fig.get_suptitle()]
    assert any(titles)
    plotted = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert all(ax.get_title("left") or ax.get_title() or fig.get_suptitle() for ax in plotted)
    labels = {ax.get_xlabel() for ax in fig.axes} | {ax.get_ylabel() for ax in fig.axes}
    assert set(units) <= labels and all(UNIT.search(u) for u in units)
    # one sentence of alt text that says what the chart shows
    assert alt.endswith(".") and alt.count(". ") == 0 and len(alt) > 40 and "\n" not in alt
    # the PNG is GitHub's width, shown at its own size
    path = tmp_path / "chart.png"
    assert charts.save_chart(fig, path) is True
    with Image.open(path) as image:
        assert image.format == "PNG" and image.width == charts.WIDTH_PX == 800


def test_a_crowded_chart_grows_taller_not_smaller():
    few, _ = charts.groups_chart(groups(TYPES[:2]), groups(["menu"]), "2026-12")
    many, _ = charts.groups_chart(groups(TYPES), groups(LONG_PILLARS), "2026-12")
    assert few.get_figwidth() == many.get_figwidth() == 8
    assert many.get_figheight() > 2 * few.get_figheight()


def test_long_names_are_wrapped_and_shortened():
    assert charts.short_name("menu") == "menu"
    wrapped = charts.short_name(LONG_PILLARS[0])
    assert wrapped.count("\n") == 1 and wrapped.endswith("…")
    assert all(len(line) <= charts.NAME_CHARS for line in wrapped.split("\n"))


def test_the_same_data_gives_the_same_bytes_and_no_write(tmp_path):
    path = tmp_path / "heat.png"
    cells = {(0, 9): [0.02]}
    assert charts.save_chart(charts.heatmap_chart(cells, "UTC").figure, path) is True
    before = path.stat().st_mtime_ns
    assert charts.save_chart(charts.heatmap_chart(cells, "UTC").figure, path) is False
    assert path.stat().st_mtime_ns == before
    assert charts.save_chart(charts.heatmap_chart({(0, 10): [0.02]}, "UTC").figure, path) is True


def test_colours_are_okabe_ito():
    fig, _ = charts.groups_chart(groups(TYPES[:2]), groups(["menu"]), "2026-12", ("2026-11", groups(TYPES[:2]), []))
    colours = {patch.get_facecolor()[:3] for ax in fig.axes for patch in ax.patches}
    from matplotlib.colors import to_rgb

    assert colours == {to_rgb(charts.OKABE_ITO[0]), to_rgb(charts.PREVIOUS)}
    assert charts.PREVIOUS in charts.OKABE_ITO


def test_alt_texts_name_what_stands_out():
    _, alt = charts.heatmap_chart({(1, 9): [0.02], (4, 18): [0.03, 0.05]}, "Europe/Helsinki")
    assert alt == ("Heatmap of the mean engagement rate of 3 posts by weekday and hour (Europe/Helsinki); the "
                   "highest is Fri 18:00 (4.00 %).")
    _, alt = charts.groups_chart(groups(["image", "reel"]), groups(["menu", "events"]), "2026-12",
                                 ("2026-11", groups(["image"]), []))
    assert "in 2026-12 beside 2026-11" in alt and "highest post type reel (2.00 %)" in alt
    _, alt = charts.followers_chart(followers(5, 3))
    assert "cafe-0 1\u202f000 to 1\u202f014" in alt and "2 more" in alt
    _, alt = charts.audience_chart("cafe-insta", audience(["FI", "SE"], "FM"))
    assert "largest age group is men 65+" in alt and "country FI" in alt


def test_the_measure_finds_overlaps_and_small_text_where_there_are():
    """The check above can fail: upright bars named by 12 long pillars in 7 pt text, as the charts once were."""
    fig = charts._figure(360)
    ax = fig.subplots()
    ax.bar(LONG_PILLARS, range(12))
    ax.tick_params(axis="x", labelsize=7)
    fig.canvas.draw()
    assert len(overlapping_tick_labels(fig, fig.canvas.get_renderer())) > 10
    assert min(t.get_fontsize() * fig.dpi / 72 for t in visible_texts(fig)) < charts.MIN_TEXT_PX
