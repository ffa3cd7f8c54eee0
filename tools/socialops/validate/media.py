"""The rules of a post's media: each file exists inside the repository and reads, and each network takes
its kind, count, size and shape. What is in a file comes from `repository.media.inspect_media`."""

from __future__ import annotations

from socialops.core.problems import ERROR, WARNING, Problem
from socialops.networks.spec import NetworkSpec
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
        if info is None or info.get("missing"):
            out.append(Problem(path, post.line(*key, m.index), ERROR, "media-missing",
                               f"the file {m.path} does not exist (looked for {rel}); check the name and upload it"))
            continue
        if info.get("outside"):
            out.append(Problem(path, post.line(*key, m.index), ERROR, "media-outside-repo",
                               f"{m.path} is a link to a file outside the repository; copy the file in instead"))
            continue
        if info.get("hidden"):
            out.append(Problem(path, post.line(*key, m.index), ERROR, "media-outside-repo", _hidden(m.path, info)))
            continue
        if info.get("error"):
            out.append(Problem(path, post.line(*key, m.index), ERROR, "image-unreadable", f"{m.path}: {info['error']}"))
        if m.kind == "image" and not (m.alt and m.alt.strip()):
            out.append(Problem(path, post.line(*key, m.index), WARNING, "alt-missing",
                               f"the image {m.path} has no alt text; add 'alt: \"what the image shows\"'"))
        if m.captions is not None:
            _check_captions_file(post, m, key, out, media_stats)


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
                            media_stats) -> None:
    """The media a profile gets (after overrides) against what its network takes."""
    path, ptype = post.path, post.type
    if len(media) > spec.max_media:
        out.append(Problem(path, post.line("media"), ERROR, "too-many-media",
                           f"{spec.label} takes at most {spec.max_media} media items in one post; this post has "
                           f"{len(media)}"))
    kinds = [m.kind for m in media]
    mismatch = _type_mismatch(ptype, len(media), kinds.count("image"), kinds.count("video"), spec)
    if mismatch:
        problem = Problem(path, type_line(post), ERROR, "type-media-mismatch", mismatch)
        if problem not in out:
            out.append(problem)
    for m in media:
        rel = resolve_media_path(path, m.path)
        if rel is None:
            continue  # reported once as media-outside-repo
        _check_kind(post, m, spec, out)
        if spec.alt_limit and m.alt and len(m.alt) > spec.alt_limit:
            out.append(Problem(path, post.line("media", m.index, "alt"), ERROR, "alt-too-long",
                               f"the alt text is {len(m.alt)} characters; {spec.label} allows {spec.alt_limit}"))
        info = media_stats.get(rel) if media_stats else None
        if m.kind == "image" and info and not info.get("error"):
            _check_image(post, m, info, spec, out)
    if ptype in ("video", "reel") and "video" in kinds and spec.captions:
        video = media[kinds.index("video")]
        if not video.captions:
            out.append(Problem(path, post.line("media", video.index), WARNING, "captions-missing",
                               f"the video has no subtitles for {spec.label}; add 'captions: file.vtt' (many watch "
                               "without sound)"))


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


def _check_image(post: Post, m: Media, info: dict, spec: NetworkSpec, out: list[Problem]) -> None:
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
