"""``state/moderation.csv``: every moderation action carried out or tried (hide rules, /commands).

One line per action on one comment, written by :mod:`socialops.state.log`; ``data`` holds the GitHub event
(``event``: the id of the issue comment that asked) and the issue number. The fold (:func:`actions`) reads
the lines as :class:`Action` values, in file order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialops.core.times import parse_utc_strict
from socialops.state.log import CsvLog, json_cell

MODERATION_LOG = "state/moderation.csv"
ACTION_FIELDS = ("time", "profile", "network", "comment_id", "issue", "actor", "action", "result", "detail",
                 "data", "run")


def moderation_log(root: Path) -> CsvLog:
    return CsvLog(root, MODERATION_LOG, ACTION_FIELDS)


@dataclass(frozen=True)
class Action:
    """One line of the moderation log."""

    time: dt.datetime
    profile: str
    network: str
    comment_id: str
    issue: str
    actor: str
    action: str
    result: str
    detail: str
    data: dict[str, Any]
    run: str

    @property
    def event(self) -> str:
        """The id of the issue comment whose /command this was ('' for hide rules)."""
        return str(self.data.get("event") or "")


def actions(root: Path) -> list[Action]:
    """Every action recorded, in file order."""
    return [Action(parse_utc_strict(row["time"]), row["profile"], row["network"], row["comment_id"], row["issue"],
                   row["actor"], row["action"], row["result"], row["detail"], json_cell(row["data"]), row["run"])
            for row in moderation_log(root).rows()]
