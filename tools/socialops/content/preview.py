"""What each profile will receive, and when: the review of a pull request, without a terminal.

Everything a post's author wrote is untrusted here (a pull request may come from a fork): in Markdown
it is shown in code blocks or escaped, and in text every line of a post is indented, so nothing in a
post can become a workflow command, an @-mention, HTML or a link.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from socialops.content.render import Rendered, render
from socialops.core.problems import ERROR, Problem
from socialops.core.safetext import (
    escape_untrusted_markdown,
    invisible_characters,
    mark_invisible,
    quote_untrusted,
)
from socialops.core.times import parse_when
from socialops.errors import ContentError
from socialops.plan.queue import Slot, resolve_times
from socialops.plan.recurring import next_times
from socialops.repository.config import load_config
from socialops.repository.index import load_index
from socialops.repository.manual import manual_reason
from socialops.repository.media import resolve_media_path
from socialops.repository.posts import load_post
from socialops.state.publications import PUBLISHED, Ledger, PairState, published_times
from socialops.validate.engine import validate_repository

COUNTING_WORDS = {
    "graphemes": "characters as Bluesky counts them (graphemes)",
    "urls23": "characters, each link counted as 23",
    "utf8_emoji": "characters, each emoji counted by its bytes",
    "chars": "characters",
}


@dataclass
class ProfilePreview:
    profile_id: str
    label: str  # the network's name, e.g. "Instagram", with "(sandbox)" when simulated
    supported: bool
    rendered: Rendered | None
    counting: str = "chars"
    slot: Slot | None = None
    state: PairState | None = None
    notes: list[str] = field(default_factory=list)
    subtitles: list[str] = field(default_factory=list)  # how each video's subtitles reach the network
    sends_alt: dict[str, bool] = field(default_factory=dict)  # media kind -> the network receives its alt text
    card: str = ""  # who makes the link's card


@dataclass
class PostPreview:
    path: str
    post_id: str | None
    title: str
    type: str
    status: str
    pillar: str | None
    profiles: list[ProfilePreview] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unreadable: str | None = None
    live: dict = field(default_factory=dict)
    internal: bool = False  # `internal: true`: kept off a public dashboard


@dataclass
class Links:
    """Where the files of the pull request's head commit can be seen (none on a laptop)."""

    server: str = "https://github.com"
    repository: str | None = None
    sha: str | None = None

    def file_url(self, rel: str) -> str | None:
        if not (self.repository and self.sha):
            return None
        return f"{self.server}/{self.repository}/blob/{self.sha}/{quote(rel)}"


def build(root: Path, paths: list[str] | None, *, now: dt.datetime, summaries: list | None = None,
          states: dict | None = None) -> list[PostPreview]:
    """Previews of the posts at `paths` (repository-relative); all posts with something still to publish
    when `paths` is None. `summaries` and `states`: the index and the ledger's states (Ledger.state()), when
    the caller has read them already (a long ledger takes a quarter of a second to read)."""
    config = load_config(root, unreadable=[])  # files that cannot be read: validate_repository reports them
    summaries = load_index(root, config.schedule.zones) if summaries is None else summaries
    states = Ledger(root).state() if states is None else states
    times = resolve_times(summaries, config.profiles, config.schedule, now=now, published=published_times(states))
    upcoming = next_times(times, now - config.schedule.late_window)  # recurring and evergreen posts: their next time
    if paths is None:
        pending = {s.path for s in summaries
                   if any(states.get((s.id, p)) is None or states[(s.id, p)].status != PUBLISHED for p in s.profiles)}
        paths = sorted(pending)
    else:
        known = {s.path for s in summaries}
        paths = [p for p in paths if p in known]
    report = validate_repository(root, paths)
    problems_by_path: dict[str, list[Problem]] = {}
    for problem in report.problems:
        problems_by_path.setdefault(problem.path, []).append(problem)
    # Not in forked processes: sending the previews back costs more than making them.
    return [_preview(root, rel, config, problems_by_path.get(rel, []), (states, times, upcoming)) for rel in paths]


def _preview(root: Path, rel: str, config, problems: list[Problem], plan: tuple) -> PostPreview:
    """One post's preview; `plan`: the ledger's states, the resolved times and the next times of recurring posts."""
    try:
        post = load_post(root, rel)
    except ContentError as exc:
        return PostPreview(rel, None, Path(rel).stem, "?", "?", None, unreadable=exc.message, problems=problems)
    preview = PostPreview(rel, post.id, post.title, post.type, post.status, post.pillar, problems=problems,
                          live=post.live, internal=post.raw.get("internal") is True)
    for pid in post.profiles:
        preview.profiles.append(_profile_preview(post, pid, config, plan))
    return preview


def _profile_preview(post, pid: str, config, plan: tuple) -> ProfilePreview:
    states, times, upcoming = plan
    profile = config.profiles.get(pid)
    spec = profile.spec if profile else None
    if profile is None or spec is None:
        return ProfilePreview(pid, "unknown profile", False, None)
    label = spec.label + (" (sandbox)" if profile.network == "sandbox" else "")
    supported = spec.supports(post.type)
    ledger_id, slot = upcoming.get((post.id, pid)) or (post.id, times.get((post.id, pid)))
    item = ProfilePreview(pid, label, supported, render(post, profile, spec, kit=config.kit) if supported else None,
                          counting=spec.counting, slot=slot or _draft_slot(post, config.schedule.zones.for_path(post.path)),
                          state=states.get((ledger_id, pid)))
    by_hand = manual_reason(post, profile)
    if by_hand:
        item.notes.append(f"Published by hand ({by_hand}): at its time an issue asks the profile's editors "
                          "to do it, with the text, the media and the steps; `/done ADDRESS` records it.")
    elif post.type == "live" and not spec.live_api and spec.notes.get("live"):
        item.notes.append(spec.notes["live"] + ".")
    if post.link and spec.notes.get("link"):
        item.notes.append(spec.notes["link"].capitalize() + ".")
    if item.rendered is not None:
        item.subtitles = _subtitles(item.rendered, spec, post.captions_mode)
        item.sends_alt = {kind: spec.sends_alt(post.type, kind) for kind in ("image", "video")}
        item.card = spec.link_card if item.rendered.link and not spec.notes.get("link") else ""
    found = invisible_characters(item.rendered.text if item.rendered else "")
    if found:
        item.notes.append(f"The text holds {len(found)} invisible character(s), published as they are and "
                          f"shown here as ⟦U+…⟧: {', '.join(dict.fromkeys(found))}.")
    return item


def _draft_slot(post, tz) -> Slot | None:
    """A draft's own publish_at (drafts take no slot), so the preview says when, and that it waits."""
    if post.status != "draft":
        return None
    try:
        at = post.publish_at(tz)
    except ValueError:
        return None
    return Slot(at, "draft") if at else None


def _subtitles(rendered: Rendered, spec, mode: str) -> list[str]:
    """For each video with subtitles: sent as a file, burned into the picture, or refused (and why)."""
    out = []
    for m in rendered.media:
        if m.kind != "video" or not m.captions:
            continue
        handling = spec.subtitle_handling(rendered.type, mode)
        if handling == "file":
            out.append(f"{m.captions}: sent to {spec.label} as a subtitle file")
        elif handling == "burn":
            out.append(f"{m.captions}: burned into the video ({spec.label} takes no subtitle file with a "
                       f"{rendered.type})")
        else:
            out.append(f"{m.captions}: refused ({spec.label} takes no subtitle file with a {rendered.type} and "
                       "'captions: file' forbids burning them in)")
    return out


def _when(slot: Slot | None, now: dt.datetime, tz) -> str:
    if slot is None:
        return "no time: no free slot in the plan's horizon (add publish_at or a cadence for this profile)"
    local = slot.at.astimezone(tz)
    utc = slot.at.astimezone(dt.UTC)
    delta = slot.at - now
    days = delta.total_seconds() / 86400
    if abs(days) < 1:
        hours = round(delta.total_seconds() / 3600)
        rel = "within the hour" if hours == 0 else (f"in {hours} h" if hours > 0 else f"{-hours} h ago")
    else:
        n = round(abs(days))
        rel = f"in {n} day{'s' if n != 1 else ''}" if days > 0 else f"{n} day{'s' if n != 1 else ''} ago"
    source = {"queue": "the next free queue slot", "draft": "publish_at, but a draft: set `status: ready` to publish "
              "it"}.get(slot.source, "publish_at")
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()} ({utc:%H:%M} UTC), {rel} — {source}"


def _published_note(state: PairState | None) -> str | None:
    if state is None or state.status != PUBLISHED:
        return None
    when = f" on {state.published_at:%Y-%m-%d %H:%M} UTC" if state.published_at else ""
    where = f" ({state.url})" if state.url else ""
    return f"Already published{when}{where}. Edits to this file will not reach the network."


def _code(value: str, max_chars: int = 300) -> str:
    """A one-line code span: shown literally, so no Markdown, HTML or @-mention in it works."""
    text = " ".join(str(value).split())[:max_chars]
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _live_start(post_live: dict, tz) -> str | None:
    try:
        start = parse_when(post_live.get("starts_at"), tz)
    except ValueError:
        return None
    if start is None:
        return None
    local = start.astimezone(tz)
    minutes = post_live.get("duration_minutes")
    length = f", {minutes} min" if isinstance(minutes, int) else ""
    url = post_live.get("url")
    where = f", at {url}" if isinstance(url, str) and url else ", no address yet (add 'url:' under 'live:')"
    return f"starts {local:%a %Y-%m-%d %H:%M} {local.tzname()}{length}{where}"


def _where_it_leads(p: PostPreview, item: ProfilePreview, tz) -> list[tuple[str, str]]:
    """The live session (start, length, address), the link and who makes its card: as the network gets them."""
    out = []
    if p.type == "live" and (live := _live_start(p.live, tz)):
        out.append(("live", live))
    if item.rendered is not None and item.rendered.link:
        out.append(("link", item.rendered.link))
    if item.card:
        out.append(("card", item.card))
    return out


def format_markdown(previews: list[PostPreview], *, now: dt.datetime, tz, links: Links | None = None) -> str:
    links = links or Links()
    esc = escape_untrusted_markdown
    parts = ["## socialops preview", ""]
    if not previews:
        parts.append("No posts to preview.")
    errors = sum(1 for p in previews for q in p.problems if q.severity == ERROR)
    if errors:
        parts += [f"**{errors} problem(s) must be fixed before merging** — see the checks' annotations.", ""]
    for p in previews:
        parts.append(f"### {esc(p.title, max_chars=200)}")
        meta = [_code(p.path), f"type **{p.type}**", f"status **{p.status}**"]
        if p.pillar:
            meta.append(f"pillar {esc(p.pillar, max_chars=100)}")
        parts += [" · ".join(meta), ""]
        if p.unreadable:
            parts += [f"❌ The file cannot be read: {esc(p.unreadable)}", ""]
        for q in p.problems:
            icon = "❌" if q.severity == ERROR else "⚠️"
            parts.append(f"- {icon} line {q.line}: {esc(q.message, max_chars=600)} ({_code(q.code)})")
        if p.problems:
            parts.append("")
        for item in p.profiles:
            parts.append(f"#### {esc(item.profile_id, max_chars=100)} — {item.label}")
            if not item.supported:
                what = "this profile does not exist" if item.label == "unknown profile" else \
                    f"{item.label} cannot publish a {p.type} post"
                parts += [f"❌ Not published here: {what}.", ""]
                continue
            r = item.rendered
            assert r is not None
            published = _published_note(item.state)
            lines = [f"- **When:** {_when(item.slot, now, tz)}"]
            ok = "✅" if not r.too_long else "❌ too long"
            lines.append(f"- **Length:** {r.length} / {r.limit} {COUNTING_WORDS.get(item.counting, 'characters')} {ok}")
            for name, value in _where_it_leads(p, item, tz):
                lines.append(f"- **{name.capitalize()}:** {_code(value) if name == 'link' else value}")
            for m in r.media:
                rel = resolve_media_path(p.path, m.path)
                url = links.file_url(rel) if rel else None
                name = esc(m.path, max_chars=200)
                shown = f"[{name}]({url})" if url else _code(m.path)
                alt = f"alt: “{esc(m.alt, max_chars=300)}”" if m.alt else "⚠️ no alt text"
                if m.alt and not item.sends_alt.get(m.kind, True):
                    alt += f" (not sent: {item.label} takes no alt text here)"
                captions = f", subtitles {_code(m.captions)}" if m.captions else ""
                lines.append(f"- **{m.kind.capitalize()}:** {shown} — {alt}{captions}")
            for handling in item.subtitles:
                lines.append(f"- **Subtitles:** {esc(handling, max_chars=300)}")
            for note in item.notes:
                lines.append(f"- ℹ️ {note}")
            if published:
                lines.append(f"- ℹ️ {esc(published, max_chars=400)}")
            parts += lines + ["", quote_untrusted(mark_invisible(r.text) or "(no text)")]
            if r.first_comment:
                parts += ["", "First comment:", "", quote_untrusted(mark_invisible(r.first_comment))]
            parts.append("")
    parts.append(f"<sub>Times in the plan's timezone ({tz.key}) and UTC, as of {now:%Y-%m-%d %H:%M} UTC.</sub>")
    return "\n".join(parts).rstrip() + "\n"


DATA_SCHEMA = "socialops-preview/1"


def to_data(previews: list[PostPreview], *, now: dt.datetime, tz, links: Links | None = None) -> dict:
    """The preview as data (JSON) for the pull request comment, which renders it with trusted code: texts
    stay raw here, the comment decides where each may go."""
    links = links or Links()
    problems = [q for p in previews for q in p.problems]
    errors = sum(1 for q in problems if q.severity == ERROR)
    return {"schema": DATA_SCHEMA, "verdict": "failed" if errors else "passed", "errors": errors,
            "warnings": len(problems) - errors, "timezone": tz.key, "as_of": f"{now:%Y-%m-%d %H:%M} UTC",
            "posts": [_post_data(p, now, tz, links) for p in previews]}


def _post_data(p: PostPreview, now: dt.datetime, tz, links: Links) -> dict:
    return {"path": p.path, "title": p.title, "type": p.type, "status": p.status, "pillar": p.pillar,
            "unreadable": p.unreadable,
            "problems": [{"severity": q.severity, "line": q.line, "code": q.code, "message": q.message}
                         for q in p.problems],
            "profiles": [_profile_data(p, item, now, tz, links) for item in p.profiles]}


def _profile_data(p: PostPreview, item: ProfilePreview, now: dt.datetime, tz, links: Links) -> dict:
    out: dict = {"profile": item.profile_id, "label": item.label, "supported": item.supported}
    r = item.rendered
    if not item.supported or r is None:
        out["refusal"] = "this profile does not exist" if item.label == "unknown profile" else \
            f"{item.label} cannot publish a {p.type} post"
        return out
    published = _published_note(item.state)
    out.update({
        "when": _when(item.slot, now, tz), "length": r.length, "limit": r.limit,
        "counting": COUNTING_WORDS.get(item.counting, "characters"), "too_long": bool(r.too_long),
        "live": _live_start(p.live, tz) if p.type == "live" else None, "link": r.link,
        "media": [{"kind": m.kind, "path": m.path, "alt": m.alt, "captions": m.captions,
                   "url": links.file_url(rel) if (rel := resolve_media_path(p.path, m.path)) else None}
                  for m in r.media],
        "card": item.card or None, "subtitles": item.subtitles,
        "notes": item.notes + ([published] if published else []),
        "text": r.text, "first_comment": r.first_comment})
    return out


def _indent(text: str) -> str:
    # Every line starts with "  │ ", so no line of a post can be read as a workflow command.
    return "\n".join("  │ " + line for line in text.splitlines()) if text else "  │ (no text)"


def format_text(previews: list[PostPreview], *, now: dt.datetime, tz) -> str:
    parts = []
    for p in previews:
        parts.append(f"== {p.path}: {' '.join(p.title.split())[:200]} [{p.type}, {p.status}]")
        if p.unreadable:
            parts.append(f"  cannot be read: {p.unreadable}")
        for q in p.problems:
            parts.append(f"  {q.severity} line {q.line} [{q.code}] {' '.join(q.message.split())}")
        for item in p.profiles:
            parts.append(f"-- {item.profile_id} ({item.label})")
            if not item.supported:
                parts.append(f"  not published here: {item.label} cannot take a {p.type} post")
                continue
            r = item.rendered
            assert r is not None
            parts.append(f"  when: {_when(item.slot, now, tz)}")
            flag = "" if not r.too_long else "  TOO LONG"
            parts.append(f"  length: {r.length}/{r.limit} {COUNTING_WORDS.get(item.counting, 'characters')}{flag}")
            for name, value in _where_it_leads(p, item, tz):
                parts.append(f"  {name}: {value}")
            for m in r.media:
                unsent = " (not sent: no alt text here)" if m.alt and not item.sends_alt.get(m.kind, True) else ""
                parts.append(f"  {m.kind}: {m.path} alt: {' '.join((m.alt or '(none)').split())}{unsent}")
            for handling in item.subtitles:
                parts.append(f"  subtitles: {handling}")
            for note in item.notes:
                parts.append(f"  note: {note}")
            published = _published_note(item.state)
            if published:
                parts.append(f"  note: {published}")
            parts.append(_indent(mark_invisible(r.text)))
            if r.first_comment:
                parts.append("  first comment:")
                parts.append(_indent(mark_invisible(r.first_comment)))
        parts.append("")
    return "\n".join(parts).rstrip() + "\n" if parts else "No posts to preview.\n"
