"""The rules of a post on its own: its keys, times, profiles, and what each of its profiles' networks takes.

These run for every post of a cold run over a large repository: a valid post passes each check with one
comparison or so.
"""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import PurePosixPath
from typing import Any

from socialops.content.render import count_length, finished, hashtags
from socialops.core.problems import ERROR, WARNING, Problem
from socialops.core.safetext import invisible_characters
from socialops.core.times import check_when
from socialops.networks import NETWORKS
from socialops.networks.google_business.local_posts import local_problems
from socialops.repository import recurrence
from socialops.repository.config import Config
from socialops.repository.manual import manual_reason
from socialops.repository.posts import (
    CAPTION_MODES,
    LIVE_KEYS,
    MEDIA_KEYS,
    OVERRIDE_KEYS,
    POST_KEYS,
    POST_TYPES,
    STATUSES,
    Post,
    parse_when,
)
from socialops.repository.profiles import Profile
from socialops.validate.brands import post_brand_problems
from socialops.validate.common import type_line, unknown_keys, unknown_profile_message
from socialops.validate.media import check_media_files, check_media_for_profile
from socialops.validate.placeholders import placeholder_problems
from socialops.validate.snippets import post_snippet_problems
from socialops.validate.utm import post_utm_problems

_POST_KEY_TYPES = {
    "id": ((str, int), "text, like 'joulukalenteri-1'"),
    "title": ((str, int, float), "text"),
    "profiles": ((list, str), "a list of profile ids, like [kahvila-instagram, kahvila-facebook]"),
    "type": ((str,), f"one of: {', '.join(POST_TYPES)}"),
    "media": ((list, str), "a list of files, like '- {path: kuva.jpg, alt: \"...\"}'"),
    "link": ((str,), "an address starting with https://"),
    "first_comment": ((str, int), "text"),
    "pillar": ((str,), "the name of a pillar in schedule.yaml"),
    "tags": ((list,), "a list, like [joulu, leivonta]"),
    "status": ((str,), "draft or ready"),
    "overrides": ((dict,), "profile ids or networks, each with keys like 'body'"),
    "live": ((dict,), "keys starts_at, duration_minutes and url"),
    "captions": ((str,), "burn or file (how subtitles reach a network that takes no subtitle file)"),
    "local": ((dict,), "keys topic, button, event and offer (a Google Business Profile post)"),
    "manual": ((bool,), "true (a person publishes it, reminded in an issue) or false"),
    "stickers": ((list,), "a list of the story's stickers, like [\"poll: Glögi vai kaakao?\", \"link\"]"),
}
_POST_KEY_SET, _MEDIA_KEY_SET = frozenset(POST_KEYS), frozenset(MEDIA_KEYS)
_LINK = re.compile(r"^https?://[^\s/]+\.[^\s]*$")
_FITTING_SHAPES: set[tuple] = set()  # (keys, their values' types) of posts with no unknown key and no wrong type


@functools.lru_cache(maxsize=4096)
def _type_fits(key: str, value_type: type) -> bool:
    """Does a value of this type fit `key` (or the key has no rule)? The answer depends on the type alone."""
    expected = _POST_KEY_TYPES.get(key)
    return not expected or value_type is type(None) or issubclass(value_type, expected[0])


def post_problems(post: Post, config: Config, media_stats: dict[str, Any] | None = None) -> list[Problem]:
    """Everything wrong with one post on its own (not the repository-wide rules). `media_stats` holds what
    `repository.media.inspect_media` found about each media file the post uses."""
    out: list[Problem] = []
    _check_keys(post, out)
    _check_time(post, "publish_at", post.raw.get("publish_at"), config, out)
    _check_link_and_tags(post, out)
    targets = _check_profiles(post, config, out)
    folder = config.post_brand(post.path)
    if config.brands:
        out += post_brand_problems(post, config, targets, folder)
    _check_pillar(post, config.pillars_of(folder), out)
    _check_media_items(post, out)
    if post.type in ("live", "link"):
        _check_live(post, config, out)
    if post.raw.get("repeat") is not None or post.raw.get("evergreen") is not None:
        _check_comes_back(post, config, out)
    if "local" in post.raw:  # what kind of Google Business Profile post it is
        out += [Problem(post.path, post.line(*key), ERROR, "local-invalid", message) for key, message in
                local_problems(post.raw["local"], post_type=post.type, link=post.link)]
    if "overrides" in post.raw:
        _check_overrides(post, targets, out)
    if post.type == "live":
        _check_manual(post, targets, out)
    out += placeholder_problems(post)
    if post.overrides or "{{" in post.body or "{{" in (post.first_comment or ""):  # else none uses a snippet
        out += post_snippet_problems(post, config, targets)
    if "utm" in post.raw or post.overrides:
        out += post_utm_problems(post)
    check_media_files(post, post.media, ("media",), out, media_stats)
    seen: dict = {}  # the invisible characters of each of the post's texts (profiles share them)
    shared: dict = {}  # what the post's profiles share of its text and its media (render.finished, validate.media)
    for profile in targets:
        _check_for_profile(post, profile, out, media_stats, config, seen, shared)
    return out


def _check_keys(post: Post, out: list[Problem]) -> None:
    """Known keys of the right types; the id, status and type."""
    raw, path = post.raw, post.path
    # Whether a post's keys are known and their values of the types they take depends on the keys, in their
    # order, and the values' types alone: posts of a repository come in a few such shapes.
    shape = (tuple(raw), tuple(map(type, raw.values())))
    if shape not in _FITTING_SHAPES:
        found = len(out)
        if not _POST_KEY_SET.issuperset(raw):
            out += unknown_keys(raw, POST_KEYS, path, post.line, "a post")
        for key, value in raw.items():
            if not _type_fits(key, type(value)):
                out.append(Problem(path, post.line(key), ERROR, "wrong-type",
                                   f"'{key}' must be {_POST_KEY_TYPES[key][1]}"))
        if len(out) == found:
            if len(_FITTING_SHAPES) >= 4096:
                _FITTING_SHAPES.clear()
            _FITTING_SHAPES.add(shape)
    pid = post.id
    if isinstance(raw.get("id"), bool) or not pid or not pid.strip():
        out.append(Problem(path, post.line("id") if "id" in raw else 1, ERROR, "missing-id",
                           "the post has no 'id'; add a line like 'id: "
                           f"{PurePosixPath(path).stem}' (a unique name that never changes)"))
    status = raw.get("status")
    if isinstance(status, str) and status not in STATUSES:
        out.append(Problem(path, post.line("status"), ERROR, "bad-status",
                           f"status '{status}' is not draft or ready"))
    captions = raw.get("captions")
    if isinstance(captions, str) and captions not in CAPTION_MODES:
        out.append(Problem(path, post.line("captions"), ERROR, "bad-captions",
                           f"captions '{captions}' is not burn or file: 'burn' burns subtitles into the video where "
                           "a network takes no subtitle file, 'file' refuses such networks"))
    ptype = raw.get("type")
    if isinstance(ptype, str) and ptype not in POST_TYPES:
        close = difflib.get_close_matches(ptype, POST_TYPES, n=1)
        hint = f"Did you mean '{close[0]}'? " if close else ""
        out.append(Problem(path, post.line("type"), ERROR, "bad-type",
                           f"type '{ptype}' is not known. {hint}Use one of: {', '.join(POST_TYPES)}"))


def _check_link_and_tags(post: Post, out: list[Problem]) -> None:
    raw, path = post.raw, post.path
    link = raw.get("link")
    if isinstance(link, str) and not _LINK.match(link):
        out.append(Problem(path, post.line("link"), ERROR, "link-invalid",
                           f"the link '{link}' is not a web address; write it as https://…"))
    tags = raw.get("tags")
    if isinstance(tags, list):
        for i, tag in enumerate(tags):
            if type(tag) is not str and (not isinstance(tag, (str, int)) or isinstance(tag, bool)):
                out.append(Problem(path, post.line("tags", i), ERROR, "wrong-type", "each tag must be a word"))


def _check_profiles(post: Post, config: Config, out: list[Problem]) -> list[Profile]:
    """The post's profiles, each a known one; returns their profiles."""
    raw, path = post.raw, post.path
    profiles = raw.get("profiles")
    if isinstance(profiles, list):
        for i, pid in enumerate(profiles):
            if not isinstance(pid, str):
                out.append(Problem(path, post.line("profiles", i), ERROR, "wrong-type",
                                   "each profile must be a profile id, like kahvila-instagram"))
    targets = []
    for i, pid in enumerate(post.profiles):
        if pid in config.profiles:
            targets.append(config.profiles[pid])
        else:
            line = post.line("profiles", i) if isinstance(profiles, list) else post.line("profiles")
            out.append(Problem(path, line, ERROR, "unknown-profile", unknown_profile_message(pid, config)))
    if not post.profiles and not any(p.code == "wrong-type" and p.message.startswith("'profiles'") for p in out):
        out.append(Problem(path, post.line("profiles") if "profiles" in raw else 1, ERROR, "no-profiles",
                           "the post names no profiles; add e.g. 'profiles: [kahvila-instagram]'"))
    return targets


def _check_pillar(post: Post, pillars: dict, out: list[Problem]) -> None:
    """`pillars`: those of the plan of the post's brand (the top level's unless its section has its own)."""
    pillar = post.raw.get("pillar")
    if isinstance(pillar, str) and pillars and pillar not in pillars:
        close = difflib.get_close_matches(pillar, list(pillars), n=1)
        hint = f"Did you mean '{close[0]}'? " if close else ""
        out.append(Problem(post.path, post.line("pillar"), ERROR, "unknown-pillar",
                           f"the pillar '{pillar}' is not in schedule.yaml. {hint}Pillars: {', '.join(pillars)}"))


def _check_media_items(post: Post, out: list[Problem]) -> None:
    """The shape of each item of 'media' (the files themselves are checked by validate.media)."""
    media_raw, path = post.raw.get("media"), post.path
    if not isinstance(media_raw, list):
        return
    for i, item in enumerate(media_raw):
        if isinstance(item, dict):
            if not _MEDIA_KEY_SET.issuperset(item):
                out += unknown_keys(item, MEDIA_KEYS, path, lambda k, i=i: post.line("media", i, k), "a media item")
            if not isinstance(item.get("path"), str):
                out.append(Problem(path, post.line("media", i), ERROR, "wrong-type",
                                   "each media item needs 'path: file name'"))
        elif not isinstance(item, str):
            out.append(Problem(path, post.line("media", i), ERROR, "wrong-type",
                               "each media item must be a file name or '{path: ..., alt: ...}'"))


def _check_live(post: Post, config: Config, out: list[Problem]) -> None:
    """A live post's start and address; a link post's link."""
    raw, path = post.raw, post.path
    if post.type == "live":
        live = raw.get("live")
        if not isinstance(live, dict) or "starts_at" not in live:
            out.append(Problem(path, post.line("live") if "live" in raw else post.line("type"), ERROR, "live-invalid",
                               "a live post needs 'live: {starts_at: YYYY-MM-DD HH:MM, duration_minutes: 60}'"))
        else:
            out += unknown_keys(live, LIVE_KEYS, path, lambda k: post.line("live", k), "'live'")
            _check_time(post, ("live", "starts_at"), live.get("starts_at"), config, out)
            url = live.get("url")
            if url is not None and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
                out.append(Problem(path, post.line("live", "url"), ERROR, "link-invalid",
                                   "'live.url' must be a web address starting with https://"))
    if post.type == "link" and not post.link:
        out.append(Problem(path, post.line("type"), ERROR, "type-media-mismatch",
                           "a link post needs 'link: https://…'"))


def _check_manual(post: Post, targets: list[Profile], out: list[Problem]) -> None:
    """A live a person does by hand needs its time: the task comes then, not in a queue slot."""
    if post.type != "live" or "publish_at" in post.raw:
        return
    by_hand = [p.id for p in targets if manual_reason(post, p)]
    if by_hand:
        out.append(Problem(post.path, post.line("type"), ERROR, "task-untimed",
                           f"this live is done by hand on {', '.join(by_hand)}, so it needs 'publish_at: "
                           "YYYY-MM-DD HH:MM' (when the person gets the task, e.g. an hour before live.starts_at)"))


def _check_overrides(post: Post, targets: list[Profile], out: list[Problem]) -> None:
    overrides, path = post.raw.get("overrides"), post.path
    if not isinstance(overrides, dict):
        return
    target_names = {p.id for p in targets} | {p.rules_network for p in targets} | {p.network for p in targets}
    for name, values in overrides.items():
        if not isinstance(values, dict):
            out.append(Problem(path, post.line("overrides", name), ERROR, "wrong-type",
                               f"the override for '{name}' must be keys like 'body: ...'"))
            continue
        out += unknown_keys(values, OVERRIDE_KEYS, path, lambda k, n=name: post.line("overrides", n, k),
                            "an override")
        if targets and name not in target_names:
            out.append(Problem(path, post.line("overrides", name), WARNING, "override-unknown",
                               f"the override '{name}' matches none of the post's profiles or their networks; "
                               f"use one of: {', '.join(sorted(target_names))}"))


def _check_time(post: Post, key, value, config: Config, out: list[Problem]) -> None:
    keys = key if isinstance(key, tuple) else (key,)
    try:
        check_when(value, config.schedule.zones.for_path(post.path))
    except ValueError as exc:
        text = str(exc)
        code = "time-in-dst-gap" if "does not exist" in text else "time-ambiguous" if "twice" in text else "bad-time"
        out.append(Problem(post.path, post.line(*keys), ERROR, code, f"'{'.'.join(keys)}': {text}"))


def _check_comes_back(post: Post, config: Config, out: list[Problem]) -> None:
    """A recurring post's rule, an evergreen post's interval."""
    zone = config.schedule.zones.for_path(post.path)
    try:
        start = parse_when(post.raw.get("publish_at"), zone)
    except ValueError:
        return  # reported above; the rule starts there
    try:
        recurrence.post_rules(post.raw, start, zone)
    except recurrence.RuleError as exc:
        code = "evergreen-invalid" if exc.keys[:1] == ("evergreen",) else "repeat-invalid"
        out.append(Problem(post.path, post.line(*exc.keys), ERROR, code, exc.message))


def _body_line(post: Post, profile: Profile) -> int:
    """The line of the text a profile gets: its body override, or the post's body."""
    for name in (profile.id, profile.spec.name, profile.network):
        if "body" in post.overrides.get(name, {}):
            return post.line("overrides", name, "body")
    return post.body_line


def _check_for_profile(post: Post, profile: Profile, out: list[Problem], media_stats, config: Config,
                       seen: dict, shared: dict) -> None:
    """What the profile's network takes: the post's type, its text as rendered for the profile, its media."""
    # Every check below costs one comparison when it passes: this runs for each profile of every post.
    spec = profile.spec
    if spec is None:
        return
    path, ptype = post.path, post.type
    if spec.needs_media and not post.media and ptype in ("text", "link"):
        out.append(Problem(path, post.line("profiles"), ERROR, "needs-media",
                           f"{spec.label} needs an image or a video; add 'media:' or remove {profile.id}"))
        return
    if not spec.supports(ptype):
        able = sorted(n for n, s in NETWORKS.items() if s.supports(ptype) and n != "sandbox")
        out.append(Problem(path, type_line(post), ERROR, "type-unsupported",
                           f"{spec.label} cannot publish a {ptype} post, so {profile.id} cannot take it; remove the "
                           f"profile or change the type ({ptype} works on: {', '.join(able)})"))
        return
    text, first_comment, media, _, _ = finished(post, profile, spec, config.kit, shared)
    if spec.needs_media and not media:
        out.append(Problem(path, post.line("profiles"), ERROR, "needs-media",
                           f"{spec.label} needs an image or a video; add 'media:' or remove {profile.id}"))
    limit, counting = spec.text_limit, spec.counting
    # Counted as the network counts only when it could be too long: no way of counting but these two makes a
    # text longer than its characters (graphemes join them, CR LF is one).
    if len(text) > limit or counting == "urls23" or counting == "utf8_emoji":
        length = count_length(text, counting)
        if length > limit:
            how = {"graphemes": "characters (as Bluesky counts them)", "urls23": "characters (each link counts as 23)",
                   "utf8_emoji": "characters (each emoji counts as several)"}.get(counting, "characters")
            out.append(Problem(path, _body_line(post, profile), ERROR, "text-too-long",
                               f"the text for {profile.id} ({spec.label}) is {length} {how}; {spec.label} "
                               f"allows {limit}. Shorten it by {length - limit}, or add a "
                               f"shorter 'overrides: {{{spec.name}: {{body: ...}}}}'"))
    # Each hashtag has a '#' of its own: a text with no more of them than allowed has no more hashtags either.
    if spec.max_hashtags is not None and text.count("#") > spec.max_hashtags:
        count = len(hashtags(text))
        if count > spec.max_hashtags:
            out.append(Problem(path, _body_line(post, profile), ERROR, "too-many-hashtags",
                               f"the text for {profile.id} ({spec.label}) has {count} hashtags; {spec.label} allows "
                               f"{spec.max_hashtags}"))
    # Profiles mostly get the same texts and the post's own media: those found free of invisible characters once
    # are not looked at again.
    if media is not post.media or (text, first_comment) not in seen:
        _check_invisible(post, profile, text, first_comment, media, out, seen)
    check_media_for_profile(post, media, spec, out, media_stats, shared)


def _check_invisible(post: Post, profile: Profile, text: str, first_comment: str | None, media: list,
                     out: list[Problem], seen: dict) -> None:
    """Zero-width and bidirectional controls are published as they are (they can hide or reverse text) while
    most screens show nothing: a warning, and the preview shows them. `seen`: what each text of the post has
    (profiles share them), and each (text, first comment) found free of them with the post's own media."""
    found: list[str] = []
    for item in (text, first_comment, *[m.alt for m in media]) if media else (text, first_comment):
        if item:
            chars = seen.get(item)
            if chars is None:
                chars = seen[item] = invisible_characters(item)
            if chars:
                found += chars
    if not found:
        if media is post.media:
            seen[text, first_comment] = found
        return
    names = ", ".join(dict.fromkeys(found))
    problem = Problem(post.path, _body_line(post, profile), WARNING, "invisible-characters",
                      f"the text has {len(found)} invisible character{'s' if len(found) != 1 else ''} ({names}) "
                      "that the networks publish as they are: they can hide or reverse text; the preview shows "
                      "them as ⟦U+…⟧. Remove them unless they are meant")
    if problem not in out:
        out.append(problem)
