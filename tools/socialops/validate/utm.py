"""The rules of `utm:` blocks (link tags) in schedule.yaml, profiles, posts and their overrides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialops.content.utm import KEYS, PARAMETERS, PLACEHOLDER_RE, PLACEHOLDERS, site_domain
from socialops.core.problems import ERROR, WARNING, Problem
from socialops.repository.config import Config
from socialops.repository.posts import Post
from socialops.validate.common import unknown_keys

_SHAPE = ("'utm' must be settings like {source: \"{network}\", medium: social, campaign: \"{campaign}\"}, "
          "or false for no tags")


def utm_problems(value: Any, path: str, line: Callable[..., int]) -> list[Problem]:
    """What is wrong with one `utm:` value; `line(*keys)` gives the line of a key inside it."""
    if value is None or isinstance(value, bool):
        return []
    if not isinstance(value, dict):
        return [Problem(path, line(), ERROR, "wrong-type", _SHAPE)]
    out = unknown_keys(value, KEYS, path, lambda k: line(k), "'utm'")
    for key in PARAMETERS:
        item = value.get(key)
        if item is None:
            continue
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            out.append(Problem(path, line(key), ERROR, "wrong-type",
                               f"'utm.{key}' must be text, like {key}: \"{{network}}\""))
            continue
        for name in PLACEHOLDER_RE.findall(str(item)):
            if name.strip() not in PLACEHOLDERS:
                out.append(Problem(path, line(key), ERROR, "utm-invalid",
                                   f"'utm.{key}': {{{name}}} is not a placeholder; use "
                                   f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)}"))
    domains = value.get("domains")
    if domains is not None:
        if not isinstance(domains, list):
            out.append(Problem(path, line("domains"), ERROR, "wrong-type",
                               "'utm.domains' must be a list of the brand's sites, like [kahvila.fi, shop.kahvila.fi]"))
        else:
            for i, site in enumerate(domains):
                if site_domain(site) is None:
                    out.append(Problem(path, line("domains", i), ERROR, "utm-invalid",
                                       f"'{site}' in 'utm.domains' is not a web site; write it like kahvila.fi "
                                       "(\"*\" tags links to every site)"))
    return out


def utm_config_problems(config: Config) -> list[Problem]:
    """The plan's, each brand's and each profile's `utm:`, and a warning for a profile whose links would be
    tagged but that names no site to tag."""
    schedule, kit = config.schedule, config.kit
    out = utm_problems(kit.utm, schedule.path, lambda *k: schedule.line("utm", *k))
    for brand, value in kit.brand_utm.items():
        out += utm_problems(value, schedule.path, lambda *k, b=brand: schedule.line("brands", b, "utm", *k))
    for profile in config.profiles.values():
        own = profile.raw.get("utm")
        out += utm_problems(own, profile.path, lambda *k, p=profile: p.line("utm", *k))
        brand = profile.raw.get("brand")
        settings = [v for v in (kit.utm, kit.brand_utm.get(brand) if isinstance(brand, str) else None, own)
                    if v is not None]
        if not settings or False in settings or not any(v is True or isinstance(v, dict) for v in settings):
            continue
        sites = [d for v in settings if isinstance(v, dict) and isinstance(v.get("domains"), list)
                 for d in v["domains"]] + [profile.raw.get("website")]
        if not any(site_domain(s) for s in sites):
            out.append(Problem(profile.path, profile.line("utm") if "utm" in profile.raw else 1, WARNING,
                               "utm-no-site",
                               f"links of {profile.id} get no tags: there is no site to tag. Add 'website: "
                               "https://…' to the profile, or 'domains: [your-site.example]' under 'utm:'"))
    return out


def post_utm_problems(post: Post) -> list[Problem]:
    """The post's `utm:` and each override's."""
    out = utm_problems(post.raw.get("utm"), post.path, lambda *k: post.line("utm", *k)) \
        if "utm" in post.raw else []
    for name, values in post.overrides.items():
        if "utm" in values:
            out += utm_problems(values["utm"], post.path, lambda *k, n=name: post.line("overrides", n, "utm", *k))
    return out
