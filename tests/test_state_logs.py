"""The comments and moderation logs under state/: one writer (state.log), one fold per log."""

from __future__ import annotations

import datetime as dt

from socialops.state.comments import COMMENT_FIELDS, COMMENTS_LOG, comments_log, seen_comments
from socialops.state.log import CsvLog, cell, json_cell
from socialops.state.moderation import MODERATION_LOG, actions, moderation_log

T0 = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)


def test_a_log_gets_its_header_once_and_skips_torn_and_repeated_header_lines(tmp_path):
    log = CsvLog(tmp_path, "state/x.csv", ("time", "name", "data"))
    log.append([{"time": T0, "name": "a", "data": {"n": 1}}])
    with open(log.path, "a", encoding="utf-8") as fh:
        fh.write("time,name,data\n2026-12-01T07:00:01Z,torn")  # a union merge's header, a killed writer
    log.append([{"time": T0 + dt.timedelta(seconds=2), "name": "b\nwith a newline"}])
    lines = log.path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "time,name,data" and lines[-2] == "2026-12-01T07:00:01Z,torn"
    assert [(r["name"], json_cell(r["data"])) for r in log.rows()] == [("a", {"n": 1}), ("b with a newline", {})]


def test_cells():
    assert cell(T0) == "2026-12-01T07:00:00.000000Z"
    assert cell({"b": 1, "a": [1]}) == '{"a":[1],"b":1}' and cell({}) == "" and cell(None) == ""
    assert json_cell("[1]") == {} and json_cell("{bad") == {}


def test_seen_comments_first_record_wins(tmp_path):
    log = comments_log(tmp_path)
    assert log.rel == COMMENTS_LOG and log.fields == COMMENT_FIELDS
    row = {"profile": "p", "network": "sandbox", "post_id": "post", "comment_id": "c1", "event": "seen",
           "category": "question", "issue": "comments-p-1", "data": {"issue_number": "7"}}
    log.append([{**row, "time": T0}, {**row, "time": T0 + dt.timedelta(hours=1), "category": "spam"},
                {**row, "time": T0, "comment_id": "c2", "event": "other"}])
    seen = seen_comments(tmp_path)
    assert list(seen) == [("p", "c1")]
    assert seen[("p", "c1")].category == "question" and seen[("p", "c1")].time == T0
    assert seen[("p", "c1")].issue_number == 7


def test_moderation_actions(tmp_path):
    log = moderation_log(tmp_path)
    assert log.rel == MODERATION_LOG
    log.append([{"time": T0, "profile": "p", "comment_id": "c1", "issue": "k", "actor": "aino", "action": "hide",
                 "result": "done", "data": {"event": 42, "issue_number": 7}}])
    [action] = actions(tmp_path)
    assert (action.actor, action.action, action.result, action.event, action.time) == ("aino", "hide", "done", "42", T0)
