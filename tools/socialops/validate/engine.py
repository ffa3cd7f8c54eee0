"""Validation rules: posts, profiles and the plan -> list[Problem], every problem at once, with lines.

A post's own problems depend only on its file, its media files and the configuration (profiles and
schedule.yaml), so they are cached under .socialops/ keyed by size and mtime of each of those, and by a
fingerprint of the configuration. Repository-wide rules (duplicate ids) run on every call.
"""

from __future__ import annotations

import difflib
import functools
import gc
import hashlib
import os
import pickle
import posixpath
import re
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from socialops import __version__
from socialops.content.render import hashtags, render
from socialops.core.problems import ERROR, WARNING, Problem, Report, sort_problems
from socialops.errors import ConfigError, ContentError
from socialops.networks import NETWORKS
from socialops.plan.schedule import SCHEDULE_FILE, SCHEDULE_KEYS, Schedule, load_schedule, parse_duration
from socialops.repository.git import find_posts
from socialops.repository.posts import (
    CAPTION_SUFFIXES,
    LIVE_KEYS,
    MEDIA_KEYS,
    OVERRIDE_KEYS,
    POST_KEYS,
    POST_TYPES,
    STATUSES,
    Media,
    Post,
    load_post,
    media_list,
    parse_when,
)
from socialops.repository.profiles import PROFILE_KEYS, Profile, find_profiles, load_profile
from socialops.validate import cache as validatecache
from socialops.validate.cache import config_stamp, duplicate_problems, fresh, stat_key

_TOKEN_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_OWNER = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?$")


@dataclass
class Config:
    """Profiles and plan: what every post is checked against."""

    root: Path
    schedule: Schedule
    profiles: dict[str, Profile]
    problems: list[Problem] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return self.schedule.tz


def _unknown_keys(keys, allowed, path: str, line_of, what: str) -> list[Problem]:
    out = []
    for key in keys:
        if key in allowed:
            continue
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else f" Known keys: {', '.join(allowed)}."
        out.append(Problem(path, line_of(key), ERROR, "unknown-key", f"'{key}' is not a key of {what}.{hint}"))
    return out


# --- configuration -------------------------------------------------------------------------------------


def load_config(root: Path) -> Config:
    """Load schedule.yaml and every profile. Files that cannot be read become problems, not exceptions."""
    problems: list[Problem] = []
    digest = hashlib.sha256(__version__.encode())
    digest.update(os.environ.get(validatecache.VISIBILITY_ENV, "").encode())
    try:
        schedule = load_schedule(root)
    except ConfigError as exc:
        problems.append(Problem(exc.path or SCHEDULE_FILE, exc.line or 1, ERROR, "unreadable", exc.message))
        schedule = Schedule(path=SCHEDULE_FILE, raw={})
    digest.update(repr(sorted(schedule.raw.items(), key=str)).encode())
    profiles: dict[str, Profile] = {}
    for rel in find_profiles(root):
        try:
            profile = load_profile(root, rel)
        except ConfigError as exc:
            problems.append(Problem(rel, exc.line or 1, ERROR, "unreadable", exc.message))
            profiles[Path(rel).stem] = Profile(id=Path(rel).stem, path=rel, raw={})
            continue
        profiles[profile.id] = profile
        digest.update(rel.encode() + repr(sorted(profile.raw.items(), key=str)).encode())
    config = Config(root=root, schedule=schedule, profiles=profiles, fingerprint=digest.hexdigest())
    config.problems = problems + schedule_problems(config) + [p for pr in profiles.values()
                                                               for p in profile_problems(pr, root)]
    return config


def profile_problems(profile: Profile, root: Path | None = None) -> list[Problem]:
    raw, path, out = profile.raw, profile.path, []
    if not raw:
        return out
    from socialops.profiles.validation import (
        basics_problems,  # bio, website, contact, images, fields, services, roles
    )

    out += basics_problems(profile, root)
    out += _unknown_keys(raw, PROFILE_KEYS, path, profile.line, "a profile")
    stem = PurePosixPath(path).stem
    if "id" in raw and str(raw["id"]) != stem:
        out.append(Problem(path, profile.line("id"), ERROR, "profile-id",
                           f"the id '{raw['id']}' differs from the file name; rename the file to {raw['id']}.yaml "
                           f"or set 'id: {stem}'"))
    network = raw.get("network")
    known = ", ".join(n for n in NETWORKS)
    if not isinstance(network, str) or network not in NETWORKS:
        what = "no 'network'" if network is None else f"the network '{network}', which socialops does not know"
        out.append(Problem(path, profile.line("network"), ERROR, "profile-network", f"the profile has {what}; "
                           f"use one of: {known}"))
        return out
    if network == "sandbox":
        imitates = raw.get("imitates")
        if imitates is not None and (imitates not in NETWORKS or imitates == "sandbox"):
            out.append(Problem(path, profile.line("imitates"), ERROR, "profile-network",
                               f"'imitates: {imitates}' is not a network; use one of: "
                               f"{', '.join(n for n in NETWORKS if n != 'sandbox')}"))
    else:
        token_env = raw.get("token_env")
        if not isinstance(token_env, str) or not _TOKEN_ENV.match(token_env):
            hint = f"SOCIALOPS_{stem.upper().replace('-', '_')}_TOKEN"
            what = "has no 'token_env'" if token_env is None else f"has 'token_env: {token_env}', not a secret name"
            out.append(Problem(path, profile.line("token_env"), ERROR, "profile-token",
                               f"the profile {what}; add 'token_env: {hint}' and a repository secret of that name "
                               "holding the account's access token (capital letters, digits and _ only)"))
        spec = NETWORKS[network]
        for key in spec.required_settings:
            if not raw.get(key):
                out.append(Problem(path, profile.line(), ERROR, "profile-setting",
                                   f"a {spec.label} profile needs '{key}'; see the README's profile settings"))
    for key in ("instance", "service", "media_base_url"):
        value = raw.get(key)
        if value is not None and not (isinstance(value, str) and value.startswith(("https://", "http://"))):
            out.append(Problem(path, profile.line(key), ERROR, "profile-setting",
                               f"'{key}' must be an address starting with https://"))
    timezone = raw.get("timezone")
    if timezone is not None and not _valid_timezone(timezone):
        out.append(Problem(path, profile.line("timezone"), ERROR, "schedule-timezone",
                           f"'{timezone}' is not a timezone; use a name like Europe/Helsinki"))
    from socialops.networks.media_urls import media_url_problem  # private repository without media_base_url

    media_url = media_url_problem(profile)
    if media_url is not None:
        out.append(media_url)
    owners = raw.get("owners")
    if owners is not None:
        if not isinstance(owners, list):
            out.append(Problem(path, profile.line("owners"), ERROR, "wrong-type",
                               "'owners' must be a list, like [\"@maija\", \"@acme/social\"]"))
        else:
            for i, owner in enumerate(owners):
                if not isinstance(owner, str) or not _OWNER.match(owner):
                    out.append(Problem(path, profile.line("owners", i), ERROR, "profile-owner",
                                       f"'{owner}' is not a GitHub user (@name) or team (@org/team)"))
    if "moderation" in raw:  # comment moderation settings (roles are checked with the profile basics)
        from socialops.community.moderation import settings_problems

        for keys, message in settings_problems({"moderation": raw["moderation"]}):
            out.append(Problem(path, profile.line(*keys), ERROR, "profile-moderation", message))
    return out


def _valid_timezone(name: Any) -> bool:
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def schedule_problems(config: Config) -> list[Problem]:
    sched, path, out = config.schedule, SCHEDULE_FILE, []
    raw = sched.raw
    if not raw:
        return out
    out += _unknown_keys(raw, SCHEDULE_KEYS, path, sched.line, "schedule.yaml")
    if "timezone" in raw and not _valid_timezone(raw["timezone"]):
        out.append(Problem(path, sched.line("timezone"), ERROR, "schedule-timezone",
                           f"'{raw['timezone']}' is not a timezone; use a name like Europe/Helsinki"))
    if "late_window" in raw:
        try:
            parse_duration(raw["late_window"])
        except ValueError as exc:
            out.append(Problem(path, sched.line("late_window"), ERROR, "schedule-invalid", str(exc)))
    horizon = raw.get("horizon_days")
    if horizon is not None and (not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1):
        out.append(Problem(path, sched.line("horizon_days"), ERROR, "schedule-invalid",
                           "'horizon_days' must be a whole number of days, like 14"))
    pillars = raw.get("pillars")
    if pillars is not None:
        if not isinstance(pillars, dict):
            out.append(Problem(path, sched.line("pillars"), ERROR, "wrong-type",
                               "'pillars' must be names with a share, like 'menu: {share: 40}'"))
        else:
            total = 0.0
            for name, spec in pillars.items():
                share = spec.get("share") if isinstance(spec, dict) else None
                if not isinstance(share, int | float) or isinstance(share, bool) or share < 0:
                    out.append(Problem(path, sched.line("pillars", name), ERROR, "schedule-invalid",
                                       f"the pillar '{name}' needs a share in percent, like 'share: 30'"))
                else:
                    total += share
            if pillars and abs(total - 100) > 0.5:
                out.append(Problem(path, sched.line("pillars"), WARNING, "schedule-pillars",
                                   f"the pillar shares add up to {total:g}, not 100"))
    cadence = raw.get("cadence")
    if cadence is not None and not isinstance(cadence, dict):
        out.append(Problem(path, sched.line("cadence"), ERROR, "wrong-type",
                           "'cadence' must list profile ids, each with its slots"))
    elif isinstance(cadence, dict):
        for pid in cadence:
            if pid not in config.profiles:
                out.append(Problem(path, sched.line("cadence", pid), ERROR, "unknown-profile",
                                   _unknown_profile_message(str(pid), config)))
    from socialops.plan import schedule as plan

    if hasattr(plan, "cadence_problems"):  # slot syntax, blackouts: owned by the plan
        out += plan.cadence_problems(sched)
    return out


def _unknown_profile_message(pid: str, config: Config) -> str:
    close = difflib.get_close_matches(pid, list(config.profiles), n=1, cutoff=0.6)
    hint = f"Did you mean '{close[0]}'?" if close else f"Known profiles: {', '.join(sorted(config.profiles)) or 'none'}."
    return f"there is no profile '{pid}' (no file profiles/{pid}.yaml). {hint}"


# --- posts ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def resolve_media_path(post_path: str, media_path: str) -> str | None:
    """The repository-relative path of a media file, or None when it leads outside the repository."""
    if (not media_path or media_path[0] in "/\\" or "\\" in media_path or media_path[1:2] == ":"
            or "\0" in media_path):
        return None
    base = "" if media_path.startswith("content/") else posixpath.dirname(post_path)
    joined = posixpath.normpath(posixpath.join(base, media_path))
    if joined in (".", "..") or joined.startswith("../"):
        return None
    return joined


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
}
_POST_KEY_SET, _MEDIA_KEY_SET = frozenset(POST_KEYS), frozenset(MEDIA_KEYS)
_LINK = re.compile(r"^https?://[^\s/]+\.[^\s]*$")


def post_problems(post: Post, config: Config, media_stats: dict[str, Any] | None = None) -> list[Problem]:
    """Everything wrong with one post on its own (not the repository-wide rules)."""
    raw, path, out = post.raw, post.path, []
    # A valid post passes each check with one comparison: this runs for every post of a cold run.
    if not _POST_KEY_SET.issuperset(raw):
        out += _unknown_keys(raw, POST_KEYS, path, post.line, "a post")
    for key, value in raw.items():
        expected = _POST_KEY_TYPES.get(key)
        if expected and value is not None and not isinstance(value, expected[0]):
            out.append(Problem(path, post.line(key), ERROR, "wrong-type", f"'{key}' must be {expected[1]}"))
    if isinstance(raw.get("id"), bool) or not post.id or not str(post.id).strip():
        out.append(Problem(path, post.line("id") if "id" in raw else 1, ERROR, "missing-id",
                           "the post has no 'id'; add a line like 'id: "
                           f"{PurePosixPath(path).stem}' (a unique name that never changes)"))
    status = raw.get("status")
    if isinstance(status, str) and status not in STATUSES:
        out.append(Problem(path, post.line("status"), ERROR, "bad-status",
                           f"status '{status}' is not draft or ready"))
    ptype = raw.get("type")
    if isinstance(ptype, str) and ptype not in POST_TYPES:
        close = difflib.get_close_matches(ptype, POST_TYPES, n=1)
        hint = f"Did you mean '{close[0]}'? " if close else ""
        out.append(Problem(path, post.line("type"), ERROR, "bad-type",
                           f"type '{ptype}' is not known. {hint}Use one of: {', '.join(POST_TYPES)}"))
    _check_time(post, "publish_at", raw.get("publish_at"), config, out)
    link = raw.get("link")
    if isinstance(link, str) and not _LINK.match(link):
        out.append(Problem(path, post.line("link"), ERROR, "link-invalid",
                           f"the link '{link}' is not a web address; write it as https://…"))
    tags = raw.get("tags")
    if isinstance(tags, list):
        for i, tag in enumerate(tags):
            if not isinstance(tag, (str, int)) or isinstance(tag, bool):
                out.append(Problem(path, post.line("tags", i), ERROR, "wrong-type", "each tag must be a word"))

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
            out.append(Problem(path, line, ERROR, "unknown-profile", _unknown_profile_message(pid, config)))
    if not post.profiles and not any(p.code == "wrong-type" and p.message.startswith("'profiles'") for p in out):
        out.append(Problem(path, post.line("profiles") if "profiles" in raw else 1, ERROR, "no-profiles",
                           "the post names no profiles; add e.g. 'profiles: [kahvila-instagram]'"))
    pillar = raw.get("pillar")
    if isinstance(pillar, str) and config.schedule.pillars and pillar not in config.schedule.pillars:
        close = difflib.get_close_matches(pillar, list(config.schedule.pillars), n=1)
        hint = f"Did you mean '{close[0]}'? " if close else ""
        out.append(Problem(path, post.line("pillar"), ERROR, "unknown-pillar",
                           f"the pillar '{pillar}' is not in schedule.yaml. {hint}"
                           f"Pillars: {', '.join(config.schedule.pillars)}"))

    media_raw = raw.get("media")
    if isinstance(media_raw, list):
        for i, item in enumerate(media_raw):
            if isinstance(item, dict):
                if not _MEDIA_KEY_SET.issuperset(item):
                    out += _unknown_keys(item, MEDIA_KEYS, path, lambda k, i=i: post.line("media", i, k),
                                         "a media item")
                if not isinstance(item.get("path"), str):
                    out.append(Problem(path, post.line("media", i), ERROR, "wrong-type",
                                       "each media item needs 'path: file name'"))
            elif not isinstance(item, str):
                out.append(Problem(path, post.line("media", i), ERROR, "wrong-type",
                                   "each media item must be a file name or '{path: ..., alt: ...}'"))
    if post.type == "live":
        live = raw.get("live")
        if not isinstance(live, dict) or "starts_at" not in live:
            out.append(Problem(path, post.line("live") if "live" in raw else post.line("type"), ERROR, "live-invalid",
                               "a live post needs 'live: {starts_at: YYYY-MM-DD HH:MM, duration_minutes: 60}'"))
        else:
            out += _unknown_keys(live, LIVE_KEYS, path, lambda k: post.line("live", k), "'live'")
            _check_time(post, ("live", "starts_at"), live.get("starts_at"), config, out)
            url = live.get("url")
            if url is not None and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
                out.append(Problem(path, post.line("live", "url"), ERROR, "link-invalid",
                                   "'live.url' must be a web address starting with https://"))
    if post.type == "link" and not post.link:
        out.append(Problem(path, post.line("type"), ERROR, "type-media-mismatch",
                           "a link post needs 'link: https://…'"))

    overrides = raw.get("overrides")
    if isinstance(overrides, dict):
        target_names = {p.id for p in targets} | {p.rules_network for p in targets} | {p.network for p in targets}
        for name, values in overrides.items():
            if not isinstance(values, dict):
                out.append(Problem(path, post.line("overrides", name), ERROR, "wrong-type",
                                   f"the override for '{name}' must be keys like 'body: ...'"))
                continue
            out += _unknown_keys(values, OVERRIDE_KEYS, path, lambda k, n=name: post.line("overrides", n, k),
                                 "an override")
            if targets and name not in target_names:
                out.append(Problem(path, post.line("overrides", name), WARNING, "override-unknown",
                                   f"the override '{name}' matches none of the post's profiles or their networks; "
                                   f"use one of: {', '.join(sorted(target_names))}"))

    _check_media_files(post, post.media, ("media",), targets, config, out, media_stats)
    for profile in targets:
        _check_for_profile(post, profile, config, out, media_stats)
    return out


def _check_time(post: Post, key, value, config: Config, out: list[Problem]) -> None:
    keys = key if isinstance(key, tuple) else (key,)
    try:
        parse_when(value, config.tz)
    except ValueError as exc:
        text = str(exc)
        code = "time-in-dst-gap" if "does not exist" in text else "time-ambiguous" if "twice" in text else "bad-time"
        out.append(Problem(post.path, post.line(*keys), ERROR, code, f"'{'.'.join(keys)}': {text}"))


def _type_line(post: Post) -> int:
    return post.line("type") if "type" in post.raw else post.line("profiles")


def _body_line(post: Post, profile: Profile) -> int:
    """The line of the text a profile gets: its body override, or the post's body."""
    for name in (profile.id, profile.spec.name, profile.network):
        if "body" in post.overrides.get(name, {}):
            return post.line("overrides", name, "body")
    return post.body_line


def _check_for_profile(post: Post, profile: Profile, config: Config, out: list[Problem], media_stats) -> None:
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
        out.append(Problem(path, _type_line(post), ERROR, "type-unsupported",
                           f"{spec.label} cannot publish a {ptype} post, so {profile.id} cannot take it; remove the "
                           f"profile or change the type ({ptype} works on: {', '.join(able)})"))
        return
    rendered = render(post, profile, spec)
    media = rendered.media
    if spec.needs_media and not media:
        out.append(Problem(path, post.line("profiles"), ERROR, "needs-media",
                           f"{spec.label} needs an image or a video; add 'media:' or remove {profile.id}"))
    if rendered.too_long:
        how = {"graphemes": "characters (as Bluesky counts them)", "urls23": "characters (each link counts as 23)",
               "utf8_emoji": "characters (each emoji counts as several)"}.get(spec.counting, "characters")
        out.append(Problem(path, _body_line(post, profile), ERROR, "text-too-long",
                           f"the text for {profile.id} ({spec.label}) is {rendered.length} {how}; {spec.label} "
                           f"allows {spec.text_limit}. Shorten it by {rendered.length - spec.text_limit}, or add a "
                           f"shorter 'overrides: {{{spec.name}: {{body: ...}}}}'"))
    if spec.max_hashtags is not None and "#" in rendered.text:
        count = len(hashtags(rendered.text))
        if count > spec.max_hashtags:
            out.append(Problem(path, _body_line(post, profile), ERROR, "too-many-hashtags",
                               f"the text for {profile.id} ({spec.label}) has {count} hashtags; {spec.label} allows "
                               f"{spec.max_hashtags}"))
    if len(media) > spec.max_media:
        out.append(Problem(path, post.line("media"), ERROR, "too-many-media",
                           f"{spec.label} takes at most {spec.max_media} media items in one post; this post has "
                           f"{len(media)}"))
    kinds = [m.kind for m in media]
    images, videos = kinds.count("image"), kinds.count("video")
    mismatch = None
    if ptype == "carousel" and len(media) < spec.min_carousel:
        mismatch = f"a carousel needs at least {spec.min_carousel} images or videos"
    elif ptype == "image" and (images != 1 or videos):
        mismatch = "an image post needs exactly one image (use type carousel for several)"
    elif ptype in ("video", "reel") and videos != 1:
        mismatch = f"a {ptype} post needs exactly one video file (.mp4 or .mov)"
    elif ptype == "story" and len(media) != 1:
        mismatch = "a story needs exactly one image or video"
    elif ptype in ("text", "link") and media:
        mismatch = f"a {ptype} post has no media; remove 'media' or remove 'type' to let it be inferred"
    if mismatch:
        problem = Problem(path, _type_line(post), ERROR, "type-media-mismatch", mismatch)
        if problem not in out:
            out.append(problem)
    for m in media:
        rel = resolve_media_path(path, m.path)
        if rel is None:
            continue  # reported once as media-outside-repo
        if m.kind == "other":
            problem = Problem(path, post.line("media", m.index), ERROR, "media-type",
                              f"{m.path} is not an image or video file (.jpg, .png, .mp4, …)")
            if problem not in out:
                out.append(problem)
        elif m.suffix not in spec.image_types and m.suffix not in spec.video_types:
            takes = ", ".join(sorted(spec.image_types | spec.video_types))
            out.append(Problem(path, post.line("media", m.index), ERROR, "media-type",
                               f"{spec.label} does not take {m.suffix} files ({m.path}); it takes {takes}"))
        if spec.alt_limit and m.alt and len(m.alt) > spec.alt_limit:
            out.append(Problem(path, post.line("media", m.index, "alt"), ERROR, "alt-too-long",
                               f"the alt text is {len(m.alt)} characters; {spec.label} allows {spec.alt_limit}"))
        info = media_stats.get(rel) if media_stats else None
        if m.kind == "image" and info and not info.get("error"):
            _check_image(post, m, info, spec, out)
    if ptype in ("video", "reel") and videos and spec.captions:
        video = media[kinds.index("video")]
        if not video.captions:
            out.append(Problem(path, post.line("media", video.index), WARNING, "captions-missing",
                               f"the video has no subtitles for {spec.label}; add 'captions: file.vtt' (many watch "
                               "without sound)"))


def _check_image(post: Post, m: Media, info: dict, spec, out: list[Problem]) -> None:
    """An image's size and shape against what the network takes."""
    width, height, size = info.get("width"), info.get("height"), info.get("size")
    path = post.path
    if spec.image_max_bytes and size and size > spec.image_max_bytes:
        out.append(Problem(path, post.line("media", m.index), ERROR, "image-size",
                           f"{m.path} is {size / 1e6:.1f} MB; {spec.label} takes images up to "
                           f"{spec.image_max_bytes / 1e6:g} MB"))
    if width and height:
        if spec.image_min_width and width < spec.image_min_width:
            out.append(Problem(path, post.line("media", m.index), ERROR, "image-size",
                               f"{m.path} is {width} px wide; {spec.label} needs at least {spec.image_min_width} px"))
        ratio = width / height
        if (spec.aspect_min and ratio < spec.aspect_min - 0.005) or (
                spec.aspect_max and ratio > spec.aspect_max + 0.005):
            out.append(Problem(path, post.line("media", m.index), ERROR, "image-aspect",
                               f"{m.path} is {width}×{height} (shape {ratio:.2f}:1); {spec.label} takes shapes from "
                               f"{spec.aspect_min:g}:1 (4:5 portrait) to {spec.aspect_max:g}:1 (landscape); crop it"))


def _check_media_files(post: Post, media: list[Media], key: tuple, targets, config: Config, out: list[Problem],
                       media_stats) -> None:
    path = post.path
    for m in media:
        rel = resolve_media_path(path, m.path)
        if rel is None:
            out.append(Problem(path, post.line(*key, m.index), ERROR, "media-outside-repo",
                               f"the media path '{m.path}' leads outside the repository; put the file under content/ "
                               "and give its path relative to the post"))
            continue
        info = media_stats.get(rel) if media_stats else None
        if info is None or info.get("missing"):
            out.append(Problem(path, post.line(*key, m.index), ERROR, "media-missing",
                               f"the file {m.path} does not exist (looked for {rel}); check the name and upload it"))
            continue
        if info.get("outside"):
            out.append(Problem(path, post.line(*key, m.index), ERROR, "media-outside-repo",
                               f"{m.path} is a link to a file outside the repository; copy the file in instead"))
            continue
        if info.get("error"):
            out.append(Problem(path, post.line(*key, m.index), ERROR, "image-unreadable", f"{m.path}: {info['error']}"))
        if m.kind == "image" and not (m.alt and m.alt.strip()):
            out.append(Problem(path, post.line(*key, m.index), WARNING, "alt-missing",
                               f"the image {m.path} has no alt text; add 'alt: \"what the image shows\"'"))
        if m.captions is not None:
            crel = resolve_media_path(path, m.captions)
            cinfo = media_stats.get(crel or "") if media_stats else None
            if crel is None:
                out.append(Problem(path, post.line(*key, m.index, "captions"), ERROR, "media-outside-repo",
                                   f"the subtitle path '{m.captions}' leads outside the repository"))
            elif cinfo is None or cinfo.get("missing"):
                out.append(Problem(path, post.line(*key, m.index, "captions"), ERROR, "media-missing",
                                   f"the subtitle file {m.captions} does not exist (looked for {crel})"))
            elif cinfo.get("outside"):
                out.append(Problem(path, post.line(*key, m.index, "captions"), ERROR, "media-outside-repo",
                                   f"{m.captions} is a link to a file outside the repository"))
            elif cinfo.get("error"):
                out.append(Problem(path, post.line(*key, m.index, "captions"), ERROR, "captions-invalid",
                                   f"{m.captions}: {cinfo['error']}"))


# --- media files ---------------------------------------------------------------------------------------


def media_paths(post: Post) -> set[str]:
    found = set()
    all_media = list(post.media)
    for values in post.overrides.values():
        if "media" in values:
            all_media += media_list(values["media"])
    for m in all_media:
        for candidate in (m.path, m.captions):
            if candidate:
                rel = resolve_media_path(post.path, candidate)
                if rel:
                    found.add(rel)
    return found


def inspect_media(root: Path, rel: str) -> dict[str, Any]:
    """Facts about one media file: exists, inside the repository, size, and for images the pixel size
    (Pillow reads the header only); subtitle files are parsed."""
    path = root / rel
    if not path.exists() and not path.is_symlink():
        return {"missing": True}
    real = path.resolve()
    if not real.is_relative_to(root.resolve()) or not real.exists():
        return {"outside": True} if real.exists() or path.is_symlink() else {"missing": True}
    if not real.is_file():
        return {"missing": True}
    info: dict[str, Any] = {"size": real.stat().st_size}
    suffix = real.suffix.lower()
    if suffix in {".jpg", ".jpeg", ".png", ".gif", ".webp"}:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(real) as image:
                info["width"], info["height"] = image.size
                info["format"] = image.format
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            info["error"] = "this is not a readable image; export it again as JPEG or PNG"
    elif suffix in CAPTION_SUFFIXES:
        info.update(_inspect_captions(real, suffix))
    return info


def _inspect_captions(real: Path, suffix: str) -> dict[str, Any]:
    import webvtt

    if real.stat().st_size > 1_000_000:
        return {"error": "the subtitle file is larger than 1 MB"}
    try:
        text = real.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError):
        return {"error": "the subtitle file is not UTF-8 text"}
    try:
        from io import StringIO

        if suffix == ".srt":
            captions = webvtt.from_buffer(StringIO(text), format="srt")
        else:
            captions = webvtt.from_buffer(StringIO(text), format="vtt")
    except Exception as exc:  # webvtt raises several unrelated types for malformed files
        kind = "SRT" if suffix == ".srt" else "WebVTT"
        return {"error": f"this is not a valid {kind} subtitle file ({str(exc).strip() or type(exc).__name__})"}
    if not captions.captions:
        return {"error": "the subtitle file has no captions"}
    return {"cues": len(captions.captions)}


# --- the whole repository ------------------------------------------------------------------------------


def _check_one(root: Path, rel: str, config: Config, media_cache: dict,
               stat_memo: dict | None = None) -> validatecache.Entry:
    """The cache entry of one post file: (its stat key, post id, problems, media dependencies {rel: stat key},
    None for the line of the id, which is looked up only for a duplicate).
    `stat_memo` keeps the stat of each media file for the rest of a run (posts often share media)."""
    try:
        post = load_post(root, rel)
    except ContentError as exc:
        return stat_key(root, rel), None, [Problem(rel, exc.line or 1, ERROR, "unreadable", exc.message)], {}, None
    deps: dict[str, tuple | None] = {}
    stats: dict[str, Any] = {}
    memo = {} if stat_memo is None else stat_memo
    for media_rel in media_paths(post):
        if media_rel not in memo:
            memo[media_rel] = stat_key(root, media_rel)
        key = memo[media_rel]
        deps[media_rel] = key
        cached = media_cache.get(media_rel)
        if key is not None and cached is not None and cached[0] == key:
            stats[media_rel] = cached[1]
        else:
            info = inspect_media(root, media_rel)
            stats[media_rel] = info
            if key is not None:
                media_cache[media_rel] = (key, info)
    return post.file_key, post.id, post_problems(post, config, stats), deps, None


PARALLEL_MIN = 1500  # below this many files to parse, a second process costs more than it saves
_CHUNK = 100  # posts claimed at a time: small enough that the processes finish together


def _check_many(root: Path, rels: list[str], config: Config, media_cache: dict) -> dict:
    """Check posts; when there are many (a cold run over a large repository), in forked processes and this
    one together, each claiming the next chunk of posts until none are left."""
    workers = min(os.cpu_count() or 1, 8)
    stat_memo: dict = {}
    # Forking a process that runs other threads can deadlock the child (a lock held by a thread that is
    # not copied): the CLI runs none, a program embedding socialops might. On macOS, system libraries are
    # not safe to use in a forked child (why Python stopped forking there by default).
    if (len(rels) < PARALLEL_MIN or workers < 2 or not hasattr(os, "fork") or sys.platform == "darwin"
            or threading.active_count() > 1):
        return {rel: _check_one(root, rel, config, media_cache, stat_memo) for rel in rels}
    # At most 1,000 chunks: their numbers (4,000 bytes) fit in one page, the least buffer a pipe has, so
    # writing them all never waits for a reader.
    size = max(_CHUNK, -(-len(rels) // 1000))
    chunks = [rels[i:i + size] for i in range(0, len(rels), size)]
    # The chunks' numbers wait in a pipe, 4 bytes each; a process claims a chunk by reading 4 bytes (a read
    # this small from a pipe is never split between readers). os.fork and pipes, not multiprocessing: its
    # imports alone cost more than a tenth of the time this saves.
    claims, filler = os.pipe()
    os.write(filler, b"".join(i.to_bytes(4, "little") for i in range(len(chunks))))
    os.close(filler)

    def check_claimed() -> tuple[dict, dict]:
        known = set(media_cache)
        results = {}
        while claim := os.read(claims, 4):
            for rel in chunks[int.from_bytes(claim, "little")]:
                results[rel] = _check_one(root, rel, config, media_cache, stat_memo)
        return results, {k: v for k, v in media_cache.items() if k not in known}

    children = [_fork_worker(check_claimed) for _ in range(workers - 1)]
    try:
        results, _ = check_claimed()
        for pid, reader in children:
            part, new_media = _collect(pid, reader)
            results.update(part)
            media_cache.update(new_media)
        children = []
    finally:
        os.close(claims)
        for pid, reader in children:  # only when this process is interrupted
            os.kill(pid, signal.SIGTERM)
            _collect(pid, reader)
    for rel in rels:  # what a child that died had claimed
        if rel not in results:
            results[rel] = _check_one(root, rel, config, media_cache, stat_memo)
    return results


def _fork_worker(work) -> tuple[int, int]:
    """Run `work()` in a forked child that sends its pickled result back: (pid, the pipe to read it from)."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: send the result, and leave without running the parent's exit handlers
        status = 1
        try:
            os.close(reader)
            with os.fdopen(writer, "wb") as out:
                pickle.dump(work(), out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    return pid, reader


def _collect(pid: int, reader: int) -> tuple[dict, dict]:
    """A child's result, or nothing when it died before sending all of it."""
    with os.fdopen(reader, "rb") as source:
        data = source.read()
    os.waitpid(pid, 0)
    try:
        return pickle.loads(data)
    except Exception:  # a child that died leaves a cut-off pickle: its posts are checked again
        return {}, {}


def validate_repository(root: Path, paths: list[str] | None = None, *, use_cache: bool = True) -> Report:
    """Check the repository. `paths` limits the per-file rules to those files (repository-relative);
    profiles, the plan and duplicate ids are always checked."""
    # The cache holds an entry per post: no cyclic GC while it is loaded and walked (nothing here makes cycles).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _validate_repository(root, paths, use_cache)
    finally:
        if was_enabled:
            # Everything made meanwhile is in the collector's youngest generation: its first pass (and the
            # one at exit) would walk all of it. None of it is cyclic, so it is set aside (frozen) instead.
            gc.freeze()
            gc.enable()


def _validate_repository(root: Path, paths: list[str] | None, use_cache: bool) -> Report:
    stamp = config_stamp(root)
    config = load_config(root)
    all_posts = find_posts(root)
    cache = validatecache.load(root) if use_cache else {}
    same_config = cache.get("fingerprint") == config.fingerprint
    entries: dict = cache.get("posts", {}) if same_config else {}
    media_cache: dict = cache.get("media", {})
    dep_stats: dict = {}
    stale = [rel for rel in all_posts if not fresh(root, entries.get(rel), stat_key(root, rel), dep_stats)] \
        if entries else all_posts
    checked_now = _check_many(root, stale, config, media_cache)
    new_entries: dict = {}
    ids: dict[str, list[str]] = {}
    problems = list(config.problems)  # of every post: the snapshot keeps them all
    for rel in all_posts:
        entry = checked_now[rel] if rel in checked_now else entries[rel]
        new_entries[rel] = entry
        if entry[1] is not None:
            ids.setdefault(entry[1], []).append(rel)
        problems.extend(entry[2])
    lines_found = False

    def id_line(rel: str) -> int:
        nonlocal lines_found
        entry = new_entries[rel]
        if entry[4] is None:
            new_entries[rel] = (*entry[:4], _id_line(root, rel))
            lines_found = True
        return new_entries[rel][4]

    problems = sort_problems(problems + duplicate_problems(ids, set(all_posts), id_line))
    config_files = len(find_profiles(root)) + (1 if (root / SCHEDULE_FILE).exists() else 0)
    if use_cache:
        if checked_now or lines_found or len(new_entries) != len(entries) or not same_config:
            validatecache.save(root, {"fingerprint": config.fingerprint, "posts": new_entries, "media": media_cache})
        media_keys = dict(sorted({dep: key for entry in new_entries.values() for dep, key in entry[3].items()}.items()))
        state = validatecache.snapshot_state(stamp, {rel: entry[0] for rel, entry in new_entries.items()}, media_keys)
        validatecache.save_snapshot(root, state, list(media_keys), problems, config_files)
    if paths is None:
        return Report(checked=len(all_posts) + config_files, problems=problems)
    wanted = set(paths) & set(all_posts)
    return Report(checked=len(wanted) + config_files,
                  problems=[p for p in problems if p.path in wanted or p.path not in new_entries])


def _id_line(root: Path, rel: str) -> int:
    try:
        return load_post(root, rel).line("id")
    except ContentError:
        return 1
