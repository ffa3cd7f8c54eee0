"""Manual tasks: what no API publishes (``repository.manual``: ``manual: true``, an Instagram live, a story with
stickers, a network without an adapter) is handed to a person at its time, in an issue assigned to the profile's
editors, with the text rendered for the network, links to the media and the network's steps (``task_steps``).

Exactly once: the issue's key is the pair's (``manual--<post id>--<profile>``), and the tracker never opens two
issues for one key, so a run that dies between opening the issue and recording ``handed`` finds the same issue
on the next run. Once ``handed`` is in the ledger, runs leave the pair alone but for one reminder (``reminded``)
when it is still open ``task_reminder`` (``schedule.yaml``) later. ``/done URL`` or ``/skip`` in the issue settle it
(:mod:`socialops.community.tasks`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from socialops.content.render import render
from socialops.core.safetext import escape_untrusted_markdown, quote_untrusted
from socialops.core.times import format_utc, parse_utc
from socialops.errors import SocialOpsError, TrackerError
from socialops.networks import NETWORKS
from socialops.networks.post_urls import account_parts
from socialops.publish.results import R_REMINDED, R_TASK, PairResult, local_time
from socialops.repository.media import resolve_media_path
from socialops.state.publications import HANDED, Event
from socialops.tracker import tracker_from_env

if TYPE_CHECKING:
    from socialops.publish.record import Recorder
    from socialops.publish.select import Candidate
    from socialops.repository.posts import Post
    from socialops.repository.profiles import Profile

TASK_LABEL = "manual-task"
KEY_PREFIX = "manual--"
TYPE_WORDS = {"live": "live broadcast", "story": "story", "reel": "reel", "carousel": "carousel", "video": "video",
              "image": "image post", "text": "post", "link": "link post"}


def task_key(post_id: str, profile: str) -> str:
    return f"{KEY_PREFIX}{post_id}--{profile}"


def task_pair(key: str | None) -> tuple[str, str] | None:
    """(post id, profile) of a manual task's issue key, or None for any other key."""
    if not key or not key.startswith(KEY_PREFIX):
        return None
    post_id, sep, profile = key[len(KEY_PREFIX):].rpartition("--")
    return (post_id, profile) if sep and post_id and profile else None


def task_assignees(profile: Profile) -> list[str]:
    """Who does the profile's tasks: its editors and admins (``roles``), else its owners that are people."""
    roles = profile.roles.members
    people = list(dict.fromkeys([*roles["editors"], *roles["admins"]]))
    if not people:
        people = [o.strip().lstrip("@") for o in profile.owners if o.strip().startswith("@") and "/" not in o]
    return people[:10]  # GitHub assigns at most 10 people


def task_title(post: Post, profile: Profile, at: dt.datetime, tz: Any) -> str:
    label = profile.spec.label if profile.spec else profile.network
    what = TYPE_WORDS.get(post.type, "post")
    return f"To do by hand: {label} {what} on {profile.id}, {local_time(at, tz)}"


def media_link(rel: str, env: Mapping[str, str]) -> str:
    """A link to a file of the repository: on GitHub at the commit of this run, else its path."""
    repo, sha = env.get("GITHUB_REPOSITORY", ""), env.get("GITHUB_SHA", "")
    server = (env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    if repo and sha:
        return f"[`{rel}`]({server}/{repo}/blob/{sha}/{rel}?raw=1)"
    return f"`{rel}`"


def task_body(post: Post, profile: Profile, *, at: dt.datetime, tz: Any, reason: str, env: Mapping[str, str],
              assignees: list[str]) -> str:
    """The issue: why by hand, when, the steps, the text to paste, the media to download, and how to report."""
    spec = profile.spec or NETWORKS["sandbox"]
    rendered = render(post, profile, spec)
    _, host = account_parts(profile.account, profile.setting("instance"))
    steps = [s.replace("{account}", f"`{profile.account}`").replace("{host}", host or "the server")
             for s in spec.steps_for(post.type)]
    lines = [f"**{escape_untrusted_markdown(post.title or str(post.id), max_chars=200)}** "
             f"(`{post.path}`, id `{post.id}`) is to be published **by hand** on `{profile.id}` ({spec.label}, "
             f"`{profile.account}`): {reason}.", "",
             f"**When:** {local_time(at, tz)}"]
    live = post.live
    if post.type == "live" and live.get("starts_at"):
        lines.append(f"**Live starts:** {live.get('starts_at')}"
                     + (f", {live.get('duration_minutes')} minutes" if live.get("duration_minutes") else ""))
    lines += ["", "### Steps", *[f"{i}. {step}" for i, step in enumerate(steps, 1)], "", "### Text", "",
              quote_untrusted(rendered.text or "(no text)", max_chars=60_000)]
    if rendered.first_comment:
        lines += ["", "**First comment** (add it under the post):", "",
                  quote_untrusted(rendered.first_comment, max_chars=5_000)]
    if rendered.link:
        lines += ["", f"**Link:** `{rendered.link}`"]
    stickers = post.raw.get("stickers")
    if isinstance(stickers, list) and stickers:
        lines += ["", "**Stickers:**", *[f"- {escape_untrusted_markdown(str(s), max_chars=200)}" for s in stickers]]
    if rendered.media:
        lines += ["", "### Media", ""]
        for m in rendered.media:
            rel = resolve_media_path(post.path, m.path) or m.path
            alt = f" — alt text: {escape_untrusted_markdown(m.alt, max_chars=500)}" if m.alt else ""
            lines.append(f"- {media_link(rel, env)}{alt}")
    lines += ["", "### When it is done",
              "Write `/done ADDRESS` in a comment here, with the address of the published post "
              f"(a {spec.label} post of `{profile.account}`): socialops records it as published, so the plan and "
              "the metrics count it, and closes this issue. Not doing it? Write `/skip`.",
              "", f"For: {', '.join('@' + a for a in assignees) if assignees else 'the editors of the profile'}."]
    return "\n".join(lines)


class Tasks:
    """The manual-task work of one run: hand due pairs to people, remind once about those still waiting."""

    def __init__(self, rec: Recorder, config: Any, summary: Any, *, now: dt.datetime, only: set[str] | None,
                 tracker: Any, env: Mapping[str, str]) -> None:
        self.rec = rec
        self.config = config
        self.now = now
        self.tracker = tracker
        self.env = env
        self.waiting = {pair: st for pair, st in summary.others.items()
                        if st.status == HANDED and (only is None or pair[1] in only)}

    def reminders_due(self) -> dict[tuple[str, str], Any]:
        return {pair: st for pair, st in self.waiting.items()
                if not st.task.get("reminded") and _handed_at(st) is not None
                and self.now - _handed_at(st) >= self.config.schedule.task_reminder}

    def _tracker(self) -> Any:
        if self.tracker is None:
            self.tracker = tracker_from_env(self.rec.root, self.env)
        return self.tracker

    def hand(self, candidates: list[Candidate], reasons: Mapping[tuple[str, str], str]) -> None:
        """Open (or find) each pair's issue and record ``handed``; a tracker failure leaves the pair due."""
        tz = self.config.schedule.tz
        for c in candidates:
            profile = self.config.profiles[c.profile]
            people = task_assignees(profile)
            key = task_key(c.post_id, c.profile)
            try:
                body = task_body(c.post, profile, at=c.at, tz=tz, reason=reasons[(c.post_id, c.profile)],
                                 env=self.env, assignees=people)
                issue = self._tracker().open_issue(key, task_title(c.post, profile, c.at, tz), body,
                                                   [TASK_LABEL, f"profile:{c.profile}"], reopen=True,
                                                   assignees=people)
            except (TrackerError, SocialOpsError) as exc:
                self.rec.result.warnings.append(f"{c.post_id} on {c.profile}: could not open its task issue ({exc});"
                                                " the next run tries again")
                continue
            where = issue.url or (f"#{issue.number}" if issue.number else key)
            self.rec.append([self.rec.event(c, "handed", detail="a person publishes it by hand",
                                            data={"issue": key, "number": issue.number, "url": issue.url or "",
                                                  "for": format_utc(c.at)})], outcomes=1)
            c.result = PairResult(c.post_id, c.profile, R_TASK, c.at, c.path, issue=where,
                                  detail=reasons[(c.post_id, c.profile)])

    def remind(self) -> list[PairResult]:
        """One reminder in each task's issue that is still open ``task_reminder`` after it was handed."""
        rows = []
        for (post_id, profile), st in sorted(self.reminders_due().items()):
            key = st.task.get("issue") or task_key(post_id, profile)
            try:
                issue = self._tracker().find_issue(key)
                if issue is not None and issue.state == "open":
                    people = task_assignees(self.config.profiles[profile]) if profile in self.config.profiles else []
                    who = " ".join(f"@{p}" for p in people) or "Hello"
                    self._tracker().comment(key, f"{who}: a reminder, this is still to be done by hand (it was due "
                                            f"{local_time(_for(st), self.config.schedule.tz)}). Write `/done ADDRESS`"
                                            " when it is published, or `/skip`.")
            except (TrackerError, SocialOpsError) as exc:
                self.rec.result.warnings.append(f"{post_id} on {profile}: could not remind in its issue ({exc})")
                continue
            closed = issue is None or issue.state != "open"
            self.rec.append([Event(time=self.rec.clock(), post_id=post_id, profile=profile, event="reminded",
                                   detail="its issue is closed" if closed else "reminded in its issue",
                                   run=self.rec.run_id)], outcomes=1)
            rows.append(PairResult(post_id, profile, R_REMINDED, _for(st), issue=st.task.get("url") or key,
                                   detail="the issue was closed without /done" if closed else ""))
        return rows


def _handed_at(st: Any) -> dt.datetime | None:
    return parse_utc(st.task.get("at"))


def _for(st: Any) -> dt.datetime | None:
    return parse_utc(st.task.get("for"))


def next_reminder(summary: Any, after: dt.timedelta) -> dt.datetime | None:
    """The earliest reminder still to come (for the run that remembers when something next is due)."""
    times = [at + after for st in summary.others.values()
             if st.status == HANDED and not st.task.get("reminded") and (at := _handed_at(st)) is not None]
    return min(times, default=None)
