"""A small brand repository for the dashboard's tests, and a reader for the calendar's cells."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.helpers import SCHEDULE, image, make_repo, write

HKI = ZoneInfo("Europe/Helsinki")
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=HKI)


def site_repo(root: Path, *, schedule: str = SCHEDULE) -> Path:
    make_repo(root, schedule=schedule)
    image(root / "content/media/square.jpg", (1080, 1080))
    image(root / "content/media/story.jpg", (1080, 1920))
    write(root / "content/late-night.md", """\
        ---
        id: late-night
        title: Late night menu
        profiles: [cafe-masto, cafe-insta]
        publish_at: 2026-12-01 23:30
        pillar: menu
        tags: [yö]
        media: [{path: media/square.jpg, alt: A bun on a plate}]
        ---
        Yömenu #joulu @friend@example.social https://cafe.example/menu
        """)
    write(root / "content/story.md", """\
        ---
        id: story
        title: Story of the market
        profiles: [cafe-insta]
        type: story
        publish_at: 2026-12-03 10:00
        media: [{path: media/story.jpg, alt: The market at dusk}]
        ---
        """)
    write(root / "content/secret.md", """\
        ---
        id: secret-plan
        title: The secret campaign
        profiles: [cafe-masto]
        publish_at: 2026-12-04 10:00
        internal: true
        ---
        Not yet.
        """)
    write(root / "content/draft.md", """\
        ---
        id: a-draft
        title: Half-written draft
        profiles: [cafe-masto]
        publish_at: 2026-12-05 10:00
        status: draft
        ---
        Soon.
        """)
    return root


class Cells(HTMLParser):
    """The text of each day cell of a month calendar page: {day number: text}, days of other months left out."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.cells: dict[int, str] = {}
        self._cell: list[str] | None = None
        self._other = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "td":
            self._cell, self._other = [], "other" in (dict(attrs).get("class") or "")

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if not self._other:
                self.cells[int(text.split()[0])] = text
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data + " ")
