"""The rules of a post's media: each file exists inside the repository and reads, and each network takes
its kind, count, size and shape. What is in a file comes from `repository.media.inspect_media`."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from socialops.content.render import count_length
from socialops.core.problems import ERROR, WARNING, Problem
from socialops.networks.spec import MediaRule, NetworkSpec
from socialops.repository.media import resolve_media_path
from socialops.repository.posts import Media, Post
from socialops.validate.common import type_line


def check_media_files(post: Post, media: list[Media], key: tuple, out: list[Problem], media_stats) -> None:
    """Each media file and its subtitles: inside the repository, there, readable; images have alt text."""
    path = post.path
    for m in media:
        rel = resolve_media_path(path, m.path)
        if rel is None:
            out.append(Problem(path, post.line(*key, m.index), ERROR, "media-outside-repo",
                               f"the media path '{m.path}' leads outside the repository; put the file under content/ "
                               "and give its path relative to the post"))
            continue
        info = media_stats.get(rel) if media_stats else None
        if info is not None and _TROUBLE.isdisjoint(info):  # nearly every file: there, inside, readable
            pass
        elif info is None or info.get("missing"):
            out.append(Problem(path, post.line(*key, m.index), ERROR, "media-missing",
                               f"the file {m.path} does not exist (looked for {rel}); check the name and upload it"))
            continue
        elif info.get("outside"):
            out.append(Problem(path, post.line(*key, m.index), ERROR, "media-outside-repo",
                               f"{m.path} is a link to a file outside the repository; copy the file in instead"))
            continue
        elif info.get("hidden"):
            out.append(Problem(path, post.line(*key, m.index), ERROR, "media-outside-repo", _hidden(m.path, info)))
            continue
        elif info.get("error"):
            out.append(Problem(path, post.line(*key, m.index), ERROR, "image-unreadable", f"{m.path}: {info['error']}"))
        if m.kind == "image" and not (m.alt and m.alt.strip()):
            out.append(Problem(path, post.line(*key, m.index), WARNING, "alt-missing",
                               f"the image {m.path} has no alt text; add 'alt: \"what the image shows\"'"))
        if m.captions is not None:
            _check_captions_file(post, m, key, out, media_stats)


_TROUBLE = frozenset(("missing", "outside", "hidden", "error"))  # what inspect_media says of a file it cannot use


def _check_captions_file(post: Post, m: Media, key: tuple, out: list[Problem], media_stats) -> None:
    path, line = post.path, post.line(*key, m.index, "captions")
    crel = resolve_media_path(path, m.captions)
    cinfo = media_stats.get(crel or "") if media_stats else None
    if crel is None:
        out.append(Problem(path, line, ERROR, "media-outside-repo",
                           f"the subtitle path '{m.captions}' leads outside the repository"))
    elif cinfo is None or cinfo.get("missing"):
        out.append(Problem(path, line, ERROR, "media-missing",
                           f"the subtitle file {m.captions} does not exist (looked for {crel})"))
    elif cinfo.get("outside"):
        out.append(Problem(path, line, ERROR, "media-outside-repo",
                           f"{m.captions} is a link to a file outside the repository"))
    elif cinfo.get("hidden"):
        out.append(Problem(path, line, ERROR, "media-outside-repo", _hidden(m.captions, cinfo)))
    elif cinfo.get("error"):
        out.append(Problem(path, line, ERROR, "captions-invalid", f"{m.captions}: {cinfo['error']}"))


def _hidden(name: str, info: dict) -> str:
    return (f"{name} leads into {info['hidden']}, which is hidden (a dot-folder such as .git holds the "
            "checkout's credentials): it is never uploaded; put the file itself under content/")


def check_media_for_profile(post: Post, media: list[Media], spec: NetworkSpec, out: list[Problem],
                            media_stats, shared: dict | None = None) -> None:
    """The media a profile gets (after overrides) against what its network takes for the post's type.
    `shared`: kept by the caller for one post, where its profiles find what the first found of the post's own
    media (those of an override are looked at for their profile)."""
    path, ptype = post.path, post.type
    if shared is not None and media is post.media:
        view = shared.get("media")
        if view is None:
            view = shared["media"] = _media_view(post, media, media_stats)
    else:
        view = _media_view(post, media, media_stats)
    count, images, videos, items = view
    if count > spec.max_media:
        out.append(Problem(path, post.line("media"), ERROR, "too-many-media",
                           f"{spec.label} takes at most {spec.max_media} media items in one post; this post has "
                           f"{count}"))
    mismatch = _type_mismatch(ptype, count, images, videos, spec)
    if mismatch:
        problem = Problem(path, type_line(post), ERROR, "type-media-mismatch", mismatch)
        if problem not in out:
            out.append(problem)
    for m, info in items:
        key = (id(spec), ptype, m.suffix, id(info))  # the kind comes from the suffix
        clean = _CLEAN.get(key)
        if clean is not None and clean[0] is spec and clean[1] is info:
            alt_limit = clean[2]  # its kind is taken and its bytes meet the rules: only the alt text is left
            if alt_limit and m.alt and len(m.alt) > alt_limit:  # no way of counting makes a text longer than this
                _check_alt(post, m, spec, alt_limit, clean[3], out)
        else:
            _check_item(post, m, info, key, spec, out)
        if m.kind == "video" and m.captions:
            _check_subtitles(post, m, spec, out)
    if videos and ptype in ("video", "reel") and spec.captions:
        video = next(m for m in media if m.kind == "video")
        if not video.captions:
            out.append(Problem(path, post.line("media", video.index), WARNING, "captions-missing",
                               f"the video has no subtitles for {spec.label}; add 'captions: file.vtt' (many watch "
                               "without sound)"))


def _media_view(post: Post, media: list[Media], media_stats) -> tuple[int, int, int, list[tuple[Media, Any]]]:
    """(how many media, images, videos; each item inside the repository with what inspect_media found in it)."""
    kinds = [m.kind for m in media]
    items = []
    for m in media:
        rel = resolve_media_path(post.path, m.path)
        if rel is not None:  # else reported once as media-outside-repo
            items.append((m, media_stats.get(rel) if media_stats else None))
    return len(media), kinds.count("image"), kinds.count("video"), items


def _check_item(post: Post, m: Media, info: dict | None, key: tuple, spec: NetworkSpec, out: list[Problem]) -> None:
    """One media item against its network's plan for its kind in the post's type; an item that breaks nothing
    but perhaps its alt text's length is remembered under `key` (_CLEAN)."""
    kind_ok, rules, alt_limit, counting = _plan(spec, post.type, m.kind, m.suffix)
    if not kind_ok:
        _check_kind(post, m, spec, out)
    if alt_limit and m.alt and len(m.alt) > alt_limit:  # no way of counting makes a text longer than this
        _check_alt(post, m, spec, alt_limit, counting, out)
    fits = True
    if rules and info and not info.get("error") and not _fits(info, rules):
        fits = False
        for rule in rules:
            _check_rule(post, m, info, rule, spec, out)
    if kind_ok and fits:
        if len(_CLEAN) >= _CLEAN_MAX:
            _CLEAN.clear()
        _CLEAN[key] = (spec, info, alt_limit, counting)


# The media items that break no rule of a network's for their kind in a type of post (their alt texts are
# counted each time): {(id(spec), type, suffix, id(info)): (spec, info, alt limit, counting)}, spec and the
# file's facts (one object per file and run) kept so that their ids stay theirs.
_CLEAN: dict[tuple, tuple] = {}
_CLEAN_MAX = 8192
# What a network takes of one kind of media file in one type of post, worked out once per run of many posts
# rather than for every media item of every post: {(id(spec), type, kind, suffix): (spec, plan)}, the spec kept
# so that its id stays its own.
_PLANS: dict[tuple, tuple] = {}
# The media files that break none of a list of rules: {(id(info), id(rules)): (info, rules)}, both kept (their
# ids stay theirs); a file's facts (`info`, one object per file and run) are checked against each plan once.
_FITTING: dict[tuple, tuple] = {}
_MEMO_MAX = 4096


def _plan(spec: NetworkSpec, ptype: str, kind: str, suffix: str) -> tuple:
    """(the file's kind and suffix are taken, the rules its bytes meet, the alt text's limit, how it is counted)."""
    key = (id(spec), ptype, kind, suffix)
    found = _PLANS.get(key)
    if found is not None and found[0] is spec:
        return found[1]
    kind_ok = kind != "other" and (suffix in spec.image_types or suffix in spec.video_types)
    rules = tuple(spec.media_rules_for(ptype, kind)) if kind in ("image", "video") else ()
    alt_limit = next((rule.alt_limit for rule in rules if rule.alt_limit), spec.alt_limit)
    plan = (kind_ok, rules, alt_limit, "graphemes" if spec.counting == "graphemes" else "chars")
    if len(_PLANS) >= _MEMO_MAX:
        _PLANS.clear()
    _PLANS[key] = (spec, plan)
    return plan


def _fits(info: dict, rules: tuple) -> bool:
    """True when the file (its facts) breaks none of the rules."""
    key = (id(info), id(rules))
    found = _FITTING.get(key)
    if found is not None and found[0] is info and found[1] is rules:
        return True
    if any(_broken_limits(info, rule) for rule in rules):
        return False
    if len(_FITTING) >= _MEMO_MAX:
        _FITTING.clear()
    _FITTING[key] = (info, rules)
    return True


def _check_alt(post: Post, m: Media, spec: NetworkSpec, limit: int, counting: str, out: list[Problem]) -> None:
    length = count_length(m.alt or "", counting)
    if length > limit:
        out.append(Problem(post.path, post.line("media", m.index, "alt"), ERROR, "alt-too-long",
                           f"the alt text of {m.path} is {length} characters; {spec.label} allows {limit} for "
                           f"{'a video' if m.kind == 'video' else 'an image'}: shorten it"))


def _check_subtitles(post: Post, m: Media, spec: NetworkSpec, out: list[Problem]) -> None:
    """Subtitles reach every network: as a file it takes, burned into the picture, or the post is refused."""
    handling = spec.subtitle_handling(post.type, post.captions_mode)
    line = post.line("media", m.index, "captions")
    suffix = PurePosixPath(m.captions or "").suffix.lower()
    if handling == "file" and suffix not in spec.captions:
        out.append(Problem(post.path, line, ERROR, "captions-format",
                           f"{spec.label} takes subtitle files as {', '.join(sorted(spec.captions))}, not {suffix}: "
                           "convert the file"))
    elif handling == "refused":
        out.append(Problem(post.path, post.line("captions"), ERROR, "captions-not-taken",
                           f"{spec.label} takes no subtitle file with a {post.type}, and 'captions: file' forbids "
                           "burning them into the video: remove 'captions: file' (they are then burned in) or the "
                           "profile"))


_RULE_CODES = {"bytes": "size", "pixels": "size", "width": "size", "height": "size", "shape": "aspect",
               "seconds": "duration"}


def _check_rule(post: Post, m: Media, info: dict, rule: MediaRule, spec: NetworkSpec, out: list[Problem]) -> None:
    """One rule of the network for this kind of media in this type of post; each broken limit is one problem."""
    broken = _broken_limits(info, rule)
    severity = ERROR if rule.certain else WARNING
    for what, text in broken:
        advice = "" if rule.certain else " (a warning: the network may still take it)"
        out.append(Problem(post.path, post.line("media", m.index), severity,
                           f"{m.kind}-{_RULE_CODES[what]}",
                           f"{m.path} {text}; {spec.label} takes for a {post.type}: {rule.source}{advice}"))


def _broken_limits(info: dict, rule: MediaRule) -> list[tuple[str, str]]:
    size, width, height, seconds = info.get("size"), info.get("width"), info.get("height"), info.get("seconds")
    out = []
    if rule.max_bytes and size and size > rule.max_bytes:
        out.append(("bytes", f"is {size / 1e6:.1f} MB"))
    if width and height:
        if rule.min_width and width < rule.min_width:
            out.append(("width", f"is {width} px wide"))
        if rule.max_width and width > rule.max_width:
            out.append(("width", f"is {width} px wide"))
        if rule.min_height and height < rule.min_height:
            out.append(("height", f"is {height} px high"))
        if rule.max_pixels and width * height > rule.max_pixels:
            out.append(("pixels", f"is {width}×{height} ({width * height:,} pixels)"))
        ratio = width / height
        if (rule.aspect_min and ratio < rule.aspect_min - 0.005) or (rule.aspect_max and ratio > rule.aspect_max + 0.005):
            out.append(("shape", f"is {width}×{height} (shape {ratio:.2f}:1)"))
    if seconds is not None:
        if rule.min_seconds and seconds < rule.min_seconds:
            out.append(("seconds", f"lasts {seconds:g} s"))
        if rule.max_seconds and seconds > rule.max_seconds:
            out.append(("seconds", f"lasts {seconds:g} s"))
    return out


def _type_mismatch(ptype: str, count: int, images: int, videos: int, spec: NetworkSpec) -> str | None:
    """Why the media do not fit the post's type, or None."""
    if ptype == "carousel" and count < spec.min_carousel:
        return f"a carousel needs at least {spec.min_carousel} images or videos"
    if ptype == "image" and (images != 1 or videos):
        return "an image post needs exactly one image (use type carousel for several)"
    if ptype in ("video", "reel") and videos != 1:
        return f"a {ptype} post needs exactly one video file (.mp4 or .mov)"
    if ptype == "story" and count != 1:
        return "a story needs exactly one image or video"
    if ptype in ("text", "link") and count:
        return f"a {ptype} post has no media; remove 'media' or remove 'type' to let it be inferred"
    return None


def _check_kind(post: Post, m: Media, spec: NetworkSpec, out: list[Problem]) -> None:
    path = post.path
    if m.kind == "other":
        problem = Problem(path, post.line("media", m.index), ERROR, "media-type",
                          f"{m.path} is not an image or video file (.jpg, .png, .mp4, …)")
        if problem not in out:
            out.append(problem)
    elif m.suffix not in spec.image_types and m.suffix not in spec.video_types:
        takes = ", ".join(sorted(spec.image_types | spec.video_types))
        out.append(Problem(path, post.line("media", m.index), ERROR, "media-type",
                           f"{spec.label} does not take {m.suffix} files ({m.path}); it takes {takes}"))
