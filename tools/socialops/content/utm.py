"""Links that can be measured: UTM parameters added to the links of a post that lead to the brand's own sites.

The settings are `utm:` in schedule.yaml (the plan's defaults), in a brand's section of it, in a profile,
in a post and in a post's override, each on top of the one before; `utm: false` in any of them means no tags. Values may hold
placeholders ({network}, {profile}, {campaign}, {pillar}, {slug}, {id}, {brand}). Only links to the sites
in `domains` and the profile's `website` are tagged (`domains: ["*"]`: every site); a parameter the link
has already is kept as it is, and the rest of the address is left as written.
"""

from __future__ import annotations

import functools
import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

if TYPE_CHECKING:
    from socialops.repository.posts import Post
    from socialops.repository.profiles import Profile
    from socialops.repository.textkit import TextKit

PARAMETERS = ("source", "medium", "campaign", "term", "content")  # utm_<name>
KEYS = (*PARAMETERS, "domains")
PLACEHOLDERS = ("network", "profile", "campaign", "pillar", "slug", "id", "brand")
DEFAULTS = {"source": "{network}", "medium": "social", "campaign": "{campaign}"}
EVERY_SITE = "*"
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
# An address in text, as content.render finds it (trailing punctuation is not part of it).
URL_RE = re.compile(r"https?://[^\s<>\"')\]]+[^\s<>\"')\].,;:!?]", re.IGNORECASE)


@dataclass(frozen=True)
class Tags:
    """What one profile's links get: the parameters in order, and the sites whose links get them."""

    parameters: tuple[tuple[str, str], ...]
    domains: tuple[str, ...]  # lower case, without "www."; "*" for every site

    def applies_to(self, url: str) -> bool:
        if EVERY_SITE in self.domains:
            return True
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            return False
        return any(host == d or host.endswith("." + d) for d in self.domains)


@functools.lru_cache(maxsize=1024)
def site_domain(value: Any) -> str | None:
    """'https://www.Kahvila.fi/menu' or 'kahvila.fi' -> 'kahvila.fi'; None when it names no site."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if value == EVERY_SITE:
        return EVERY_SITE
    try:
        host = urlsplit(value if "://" in value else f"https://{value}").hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return host.lower().removeprefix("www.")


def untagged(kit: TextKit, profile: Profile, post: Post, override: dict[str, Any]) -> bool:
    """No `utm:` anywhere for the profile's links of the post, so tags_for gives None: the common case, at the
    cost of a few lookups."""
    return kit.utm is None and not kit.brand_utm and "utm" not in profile.raw and "utm" not in post.raw \
        and "utm" not in override


def tags_for(kit: TextKit, profile: Profile, post: Post, network: str, override: dict[str, Any]) -> Tags | None:
    """The tags `profile`'s links of `post` get, or None: no `utm:` anywhere, or `utm: false` somewhere. The
    settings, least specific first: the plan's, the profile's brand's, the profile's, the post's, its override's."""
    if untagged(kit, profile, post, override):
        return None
    merged: dict[str, Any] = {}
    enabled = False
    brand = profile.raw.get("brand")
    for value in (kit.utm, kit.brand_utm.get(brand) if isinstance(brand, str) else None, profile.raw.get("utm"),
                  post.raw.get("utm"), override.get("utm")):
        if value is False:
            return None
        if value is True:
            enabled = True
        elif isinstance(value, dict):
            enabled = True
            merged.update(value)
    if not enabled:
        return None
    values = {**DEFAULTS, **{k: v for k, v in merged.items() if k in PARAMETERS}}
    context: dict[str, str] = {}
    parameters = []
    for name in PARAMETERS:
        value = values.get(name)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value)
            if "{" in text:
                context = context or placeholder_values(post, profile, network)
                text = PLACEHOLDER_RE.sub(lambda m, c=context: c.get(m.group(1).strip(), ""), text)
            if text.strip():
                parameters.append((f"utm_{name}", text.strip()))
    listed = merged.get("domains")
    domains = [site_domain(d) if isinstance(d, str) else None for d in listed] if isinstance(listed, list) else []
    domains.append(site_domain(profile.raw.get("website")))
    return Tags(tuple(parameters), tuple(dict.fromkeys(d for d in domains if d)))


def placeholder_values(post: Post, profile: Profile, network: str) -> dict[str, str]:
    def text(value: Any) -> str:
        return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""

    return {"network": network, "profile": profile.id, "campaign": text(post.raw.get("campaign")),
            "pillar": post.pillar or "", "slug": posixpath.splitext(posixpath.basename(post.path))[0], "id": post.id or "",
            "brand": text(profile.raw.get("brand"))}


@functools.lru_cache(maxsize=4096)  # the same links go out on many profiles and are checked again and again
def tag_url(url: str, tags: Tags) -> str:
    """`url` with the parameters it does not have yet, when it leads to one of the brand's sites."""
    if not tags.parameters or not tags.applies_to(url):
        return url
    base, hash_mark, fragment = url.partition("#")
    path, question, query = base.partition("?")
    present = {key.lower() for key, _ in parse_qsl(query, keep_blank_values=True)}
    missing = [(k, v) for k, v in tags.parameters if k not in present]
    if not missing:
        return url
    added = urlencode(missing, quote_via=quote, safe="")
    joined = f"{query}&{added}" if query and not query.endswith("&") else f"{query}{added}"
    return f"{path}?{joined}{hash_mark}{fragment}"


def tag_text(text: str, tags: Tags | None) -> str:
    """Every address in `text` tagged (see tag_url)."""
    if tags is None or "://" not in text:
        return text
    return URL_RE.sub(lambda m: tag_url(m.group(0), tags), text)
