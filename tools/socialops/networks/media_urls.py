"""Public addresses of media files, for networks that fetch media themselves (Meta: Facebook, Instagram,
Threads cURL an `image_url` / `video_url` instead of receiving the bytes).

By default the address is the file at the exact commit being published, served by GitHub:

    https://raw.githubusercontent.com/OWNER/REPO/SHA/content/2026/12/media/photo.jpg

built from the `GITHUB_REPOSITORY` and `GITHUB_SHA` variables that every GitHub Actions run sets. That only
works for a public repository: raw.githubusercontent.com answers 404 to anonymous requests for a private one.
A profile can therefore set `media_base_url` (a CDN, a bucket, GitHub Pages…) and the address becomes
`<media_base_url>/<repository-relative path>`.

Validation cannot know offline whether the repository is private, so the workflows pass
`GITHUB_REPOSITORY_VISIBILITY: ${{ github.event.repository.visibility }}` in `env:`; when it says "private"
and a profile that needs public media has no `media_base_url`, `media_url_problem` gives a warning.

Light module: imported by validate, no httpx.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

from socialops.core.problems import WARNING, Problem
from socialops.errors import ConfigError

if TYPE_CHECKING:
    from socialops.repository.profiles import Profile

RAW_BASE = "https://raw.githubusercontent.com"
VISIBILITY_ENV = "GITHUB_REPOSITORY_VISIBILITY"
PROBLEM_CODE = "media-url-private"
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")


def _quote_path(rel: str) -> str:
    rel = rel.replace("\\", "/").lstrip("/")
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") for p in parts):
        raise ConfigError(f"the media path '{rel}' is not a plain path inside the repository")
    return "/".join(quote(p, safe="") for p in parts)


def public_media_url(rel_path: str, *, base_url: str | None = None, env: Mapping[str, str] | None = None,
                     profile_path: str | None = None) -> str:
    """The public address of the repository file `rel_path` (relative to the repository root, forward slashes).

    `base_url` (the profile's `media_base_url`) wins; otherwise GITHUB_REPOSITORY + GITHUB_SHA from `env`
    (default: os.environ). Raises ConfigError saying what to set when neither is available.
    """
    path = _quote_path(rel_path)
    if base_url:
        if not base_url.startswith(("https://", "http://")):
            raise ConfigError(f"'media_base_url: {base_url}' must be an address starting with https://",
                              path=profile_path)
        return f"{base_url.rstrip('/')}/{path}"
    env = os.environ if env is None else env
    repo = (env.get("GITHUB_REPOSITORY") or "").strip()
    sha = (env.get("GITHUB_SHA") or "").strip()
    if not (_REPO.match(repo) and _SHA.match(sha)):
        raise ConfigError(
            "this network fetches media from a public address, and none is known here: set 'media_base_url' "
            "in the profile (an https:// address where the repository's files are served), or run in GitHub "
            "Actions, where GITHUB_REPOSITORY and GITHUB_SHA give https://raw.githubusercontent.com/OWNER/REPO/SHA/…",
            path=profile_path)
    return f"{RAW_BASE}/{repo}/{sha}/{path}"


def profile_media_url(profile: Profile, rel_path: str, env: Mapping[str, str] | None = None) -> str:
    """`public_media_url` with the profile's own `media_base_url`."""
    base = profile.setting("media_base_url")
    return public_media_url(rel_path, base_url=base if isinstance(base, str) else None, env=env,
                            profile_path=profile.path)


def media_url_problem(profile: Profile, env: Mapping[str, str] | None = None) -> Problem | None:
    """A warning for a profile whose network needs public media URLs, in a private repository, without
    `media_base_url` (raw.githubusercontent.com would answer 404 to Meta's crawler)."""
    spec = profile.spec
    if profile.network == "sandbox" or spec is None or not spec.needs_public_media_url:
        return None
    if profile.setting("media_base_url"):
        return None
    env = os.environ if env is None else env
    if (env.get(VISIBILITY_ENV) or "").strip().lower() != "private":
        return None
    return Problem(
        profile.path, profile.line("network"), WARNING, PROBLEM_CODE,
        f"{spec.label} fetches images and videos from a public address, and this repository is private, so "
        "https://raw.githubusercontent.com/… will not work; add 'media_base_url: https://…' pointing at a place "
        "where the repository's media files are served publicly")
