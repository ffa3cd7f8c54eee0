"""The publications ledger: the CSV format, folding, and logs merged by git's union driver."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from socialops.core.times import format_utc, parse_utc_strict
from socialops.state.publications import (
    CLAIMED,
    FAILED,
    HEADER,
    MISSED,
    PENDING,
    PUBLICATIONS,
    PUBLISHED,
    UNCONFIRMED,
    Event,
    Ledger,
    fold,
    parse_lines,
    published_times,
)
from tests.publish_support import IDENTITY, git, git_init, make_repo

T0 = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def ev(seconds, event, post="p1", profile="a", **kw) -> Event:
    return Event(time=at(seconds), post_id=post, profile=profile, event=event, **kw)


def test_append_writes_header_once_and_round_trips(tmp_path):
    ledger = Ledger(tmp_path)
    ledger.append([ev(0, "claimed", attempt=1, key="k1", run="clone/run")])
    ledger.append([ev(1, "failed", attempt=1, key="k1", detail='refused: "bad", very\nbad, media',
                      data={"permanent": True, "digest": "abc"})])
    text = (tmp_path / PUBLICATIONS).read_text()
    assert text.startswith(HEADER + "\n")
    assert text.count(HEADER) == 1
    assert len(text.splitlines()) == 3  # the newline in the detail is folded into one line
    events = ledger.events()
    assert [e.event for e in events] == ["claimed", "failed"]
    assert events[0].run == "clone/run" and events[0].key == "k1" and events[0].attempt == 1
    assert events[1].detail == 'refused: "bad", very bad, media'
    assert events[1].data == {"permanent": True, "digest": "abc"}
    assert events[1].time == at(1)


def test_claim_then_progress_then_publish():
    events = [
        ev(0, "claimed", attempt=1, key="k1", run="c/r"),
        ev(1, "progress", attempt=1, key="k1", detail="media:0", data={"id": "m-17"}),
    ]
    state = fold(events)[("p1", "a")]
    assert state.status == CLAIMED
    assert list(state.open_claims) == ["k1"]
    assert state.open_claims["k1"].progress == {"media:0": {"id": "m-17"}}
    assert state.open_claims["k1"].run == "c/r"
    events.append(ev(2, "published", attempt=1, key="k1", remote_id="99", url="https://x/99", detail="posted",
                     data={"published_at": "2026-12-01T07:00:01.500000+00:00"}))
    state = fold(events)[("p1", "a")]
    assert state.status == PUBLISHED and not state.open_claims
    assert (state.remote_id, state.url) == ("99", "https://x/99")
    assert state.published_at == at(1.5)  # the network's time when it said one
    assert published_times(fold(events)) == {("p1", "a"): at(1.5)}


@pytest.mark.parametrize("kind, status", [("failed", FAILED), ("unconfirmed", UNCONFIRMED), ("missed", MISSED)])
def test_outcomes_close_the_claim(kind, status):
    state = fold([ev(0, "claimed", attempt=1, key="k1"), ev(1, kind, attempt=1, key="k1", detail="why")])[("p1", "a")]
    assert state.status == status
    assert state.reason == "why"
    assert not state.open_claims
    assert state.outcome_at == at(1)


def test_transient_and_permanent_failures_are_told_apart():
    transient = fold([ev(0, "claimed", key="k1"), ev(1, "failed", key="k1", data={"permanent": False})])
    permanent = fold([ev(0, "claimed", key="k1"), ev(1, "failed", key="k1", data={"permanent": True, "digest": "d"})])
    assert transient[("p1", "a")].permanent is False
    assert permanent[("p1", "a")].permanent is True and permanent[("p1", "a")].digest == "d"


def test_published_is_final_and_attempts_are_counted():
    events = [
        ev(0, "claimed", attempt=1, key="k1"), ev(1, "failed", attempt=1, key="k1", data={"permanent": False}),
        ev(2, "claimed", attempt=2, key="k2"), ev(3, "published", attempt=2, key="k2", remote_id="5"),
        ev(4, "failed", attempt=2, key="k3", detail="a late loser"),  # e.g. a rival run's outcome
        ev(5, "missed", detail="late"),
    ]
    state = fold(events)[("p1", "a")]
    assert state.status == PUBLISHED and state.remote_id == "5"
    assert state.attempts == 2


def test_released_claims_and_retry_lines():
    events = [ev(0, "claimed", attempt=1, key="k1"), ev(1, "released", key="k1")]
    assert fold(events)[("p1", "a")].status == PENDING
    events += [ev(2, "claimed", attempt=2, key="k2"), ev(3, "unconfirmed", key="k2", detail="cannot tell")]
    assert fold(events)[("p1", "a")].status == UNCONFIRMED
    events += [ev(4, "retry")]
    state = fold(events)[("p1", "a")]
    assert state.status == PENDING and state.retry_at == at(4) and state.reason == ""


def test_two_open_claims_are_both_kept():
    state = fold([ev(0, "claimed", key="k1", run="x/1"), ev(0.5, "claimed", key="k2", run="y/1")])[("p1", "a")]
    assert set(state.open_claims) == {"k1", "k2"}
    assert state.status == CLAIMED


def _sample_history(rng: random.Random) -> list[Event]:
    events = []
    t = 0.0
    for post in ("p1", "p2", "p3"):
        for profile in ("a", "b"):
            key = f"{post}-{profile}-1"
            t += 1
            events.append(ev(t, "claimed", post, profile, attempt=1, key=key, run="c/r"))
            t += 1
            events.append(ev(t, "progress", post, profile, attempt=1, key=key, detail="media:0", data={"id": "m"}))
            t += 1
            outcome = rng.choice(["published", "failed", "unconfirmed", None])
            if outcome:
                events.append(ev(t, outcome, post, profile, attempt=1, key=key, remote_id="r" if outcome ==
                                 "published" else ""))
    return events


def _summary(states):
    return {pair: (st.status, tuple(sorted(st.open_claims)), st.remote_id, st.attempts) for pair, st in states.items()}


def test_fold_does_not_depend_on_line_order_or_duplicates():
    rng = random.Random(7)
    for _ in range(50):
        events = _sample_history(rng)
        expected = _summary(fold(events))
        shuffled = events + rng.sample(events, k=len(events) // 3)  # duplicated lines too
        rng.shuffle(shuffled)
        assert _summary(fold(shuffled)) == expected


def test_outcome_before_its_claim_still_closes_it():
    # Clocks of two machines disagree: the outcome's time sorts before the claim.
    state = fold([ev(2, "claimed", key="k1"), ev(1, "published", key="k1", remote_id="9")])[("p1", "a")]
    assert state.status == PUBLISHED and not state.open_claims


def test_reading_skips_repeated_headers_torn_lines_and_garbage(tmp_path):
    ledger = Ledger(tmp_path)
    ledger.append([ev(0, "claimed", attempt=1, key="k1")])
    path = tmp_path / PUBLICATIONS
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(HEADER + "\n")  # a union merge of two files that both started with the header
        fh.write("<<<<<<< HEAD\n")
        fh.write("not-a-time,p1,a,published,1,k1,5,u,,,\n")
        fh.write("2026-12-01T07:00:01Z,p1,a,exploded,1,k1,,,,,\n")
        fh.write("2026-12-01T07:00:02Z,p1,a,published,one,k1,5,https://x/5,posted,,\n")  # attempt not a number
        fh.write("2026-12-01T07:00:02Z,p1,a,published,1,k1,5,https://x/5,posted,not json,\n")
        fh.write("2026-12-01T07:00:03.000000Z,p1,a,publ")  # torn: the writer was killed
    events = ledger.events()
    assert [e.event for e in events] == ["claimed"]
    ledger.append([ev(4, "published", attempt=1, key="k1", remote_id="5")])
    lines = path.read_text().splitlines()
    assert lines[-2] == "2026-12-01T07:00:03.000000Z,p1,a,publ"  # the torn line kept on its own line
    assert ledger.state()[("p1", "a")].status == PUBLISHED


def test_times_naive_and_aware():
    assert parse_utc_strict("2026-12-01T07:00:00Z") == T0
    assert parse_utc_strict("2026-12-01T09:00:00+02:00") == T0
    assert parse_utc_strict("2026-12-01 07:00:00") == T0  # written by hand without zone: UTC
    assert format_utc(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))) == \
        "2026-12-01T07:00:00.000000Z"
    with pytest.raises(ValueError):
        format_utc(dt.datetime(2026, 12, 1, 9, 0))


def test_hand_written_retry_line_is_read():
    text = HEADER + "\n" + "2026-12-01T07:00:00Z,p1,a,missed,,,,,late,,\n2026-12-01T08:00:00Z,p1,a,retry,,,,,,,\n"
    state = fold(parse_lines(text))[("p1", "a")]
    assert state.status == PENDING


def _branch_append(root, branch, events):
    git(root, "checkout", "-q", branch)
    Ledger(root).append(events)
    git(root, "commit", "-q", "-am", f"{branch}: events", env=IDENTITY)


def test_union_merge_of_two_branches_folds_like_all_events(tmp_path):
    root = make_repo(tmp_path / "repo")
    Ledger(root).append([ev(0, "claimed", "p0", "a", attempt=1, key="k0"),
                         ev(1, "published", "p0", "a", attempt=1, key="k0", remote_id="1")])
    git_init(root)
    git(root, "branch", "left")
    git(root, "branch", "right")
    left = [ev(10, "claimed", "p1", "a", attempt=1, key="L1"), ev(12, "published", "p1", "a", attempt=1, key="L1",
                                                                   remote_id="2")]
    right = [ev(11, "claimed", "p2", "b", attempt=1, key="R1"), ev(13, "failed", "p2", "b", attempt=1, key="R1",
                                                                    data={"permanent": True}),
             ev(14, "claimed", "p1", "a", attempt=1, key="R2")]  # a rival claim on the same pair
    _branch_append(root, "left", left)
    _branch_append(root, "right", right)
    git(root, "checkout", "-q", "left")
    git(root, "merge", "-q", "--no-edit", "right", env=IDENTITY)  # no conflict: merge=union
    merged_text = (root / PUBLICATIONS).read_text()
    assert "<<<<<<<" not in merged_text
    merged = fold(Ledger(root).events())
    everything = fold([ev(0, "claimed", "p0", "a", attempt=1, key="k0"),
                       ev(1, "published", "p0", "a", attempt=1, key="k0", remote_id="1"), *left, *right])
    assert _summary(merged) == _summary(everything)
    assert merged[("p1", "a")].status == PUBLISHED
    assert merged[("p2", "b")].status == FAILED

    # Rebasing one branch on the other (what `publish` does when main moved) gives the same state.
    git(root, "checkout", "-q", "-b", "right2", "right")
    git(root, "rebase", "-q", "left~1", env=IDENTITY)
    git(root, "checkout", "-q", "left")
    git(root, "merge", "-q", "--no-edit", "right2", env=IDENTITY)
    assert _summary(fold(Ledger(root).events())) == _summary(everything)


def test_union_merge_where_both_branches_created_the_file(tmp_path):
    root = make_repo(tmp_path / "repo")
    git_init(root)
    git(root, "branch", "left")
    git(root, "branch", "right")
    git(root, "checkout", "-q", "left")
    Ledger(root).append([ev(0, "claimed", "p1", "a", key="L", attempt=1)])
    git(root, "add", PUBLICATIONS)
    git(root, "commit", "-q", "-m", "left", env=IDENTITY)
    git(root, "checkout", "-q", "right")
    Ledger(root).append([ev(1, "claimed", "p2", "a", key="R", attempt=1)])
    git(root, "add", PUBLICATIONS)
    git(root, "commit", "-q", "-m", "right", env=IDENTITY)
    git(root, "checkout", "-q", "left")
    git(root, "merge", "-q", "--no-edit", "right", env=IDENTITY)
    text = (root / PUBLICATIONS).read_text()
    assert text.count(HEADER) in (1, 2)  # union keeps the header once or twice; both fold the same
    states = fold(Ledger(root).events())
    assert set(states) == {("p1", "a"), ("p2", "a")}
