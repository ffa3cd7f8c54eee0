"""What a post's text is finished with before a network gets it: the repository's snippets and the plan's
link tags (`utm:` in schedule.yaml). Loaded once per state of the files."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.repository.schedule import SCHEDULE_FILE, Schedule, load_schedule
from socialops.repository.snippets import Snippet, load_snippets, snippet_stamp


@dataclass(frozen=True)
class TextKit:
    snippets: Mapping[str, Snippet] = field(default_factory=dict)
    utm: Any = None  # schedule.yaml's `utm:` as written (the plan's defaults)
    brand_utm: Mapping[str, Any] = field(default_factory=dict)  # brand -> its section's `utm:` (on top of those)

    @staticmethod
    def of(snippets: Mapping[str, Snippet], schedule: Schedule) -> TextKit:
        return TextKit(snippets=snippets, utm=schedule.raw.get("utm"),
                       brand_utm={name: section["utm"] for name, section in schedule.brands.items() if "utm" in section})


EMPTY_KIT = TextKit()
_LOADED: dict[str, tuple[tuple, TextKit]] = {}


def load_kit(root: Path | str) -> TextKit:
    """The kit of the repository at `root`, loaded again only when its snippets or schedule.yaml changed."""
    root = Path(root)
    try:
        st = os.stat(root / SCHEDULE_FILE)
        schedule_key: tuple = (st.st_size, st.st_mtime_ns)
    except OSError:
        schedule_key = ()
    stamp = (snippet_stamp(root), schedule_key)
    known = _LOADED.get(str(root))
    if known is not None and known[0] == stamp:
        return known[1]
    schedule = load_schedule(root) if schedule_key else Schedule(path=SCHEDULE_FILE, raw={})
    kit = TextKit.of(load_snippets(root), schedule)
    _LOADED[str(root)] = (stamp, kit)
    return kit
