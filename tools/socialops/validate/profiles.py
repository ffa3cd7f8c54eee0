"""The rules of a profile file, profiles/<id>.yaml."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from socialops.core.problems import ERROR, WARNING, Problem
from socialops.networks import NETWORKS
from socialops.networks.addresses import cleartext_problem
from socialops.networks.media_urls import media_url_problem
from socialops.profiles.validation import (
    basics_problems,  # bio, website, contact, images, fields, services, roles
)
from socialops.repository.profiles import PROFILE_KEYS, Profile
from socialops.repository.schedule import parse_duration
from socialops.validate.brands import profile_brand_problems
from socialops.validate.common import timezone_advice, unknown_keys, valid_timezone

_TOKEN_ENV = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_OWNER = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?$")


def _handover_problems(profile: Profile) -> list[Problem]:
    """``handover``: true, false, or how far ahead posts go to the network's own scheduling (publish/leads.py)."""
    value = profile.raw.get("handover")
    if value is None or isinstance(value, bool):
        return []
    try:
        parse_duration(value)
    except ValueError:
        return [Problem(profile.path, profile.line("handover"), ERROR, "profile-setting",
                        f"'handover: {value}' is not true, false or a lead like '2h' or '90m'")]
    return []


def profile_problems(profile: Profile, root: Path | None = None) -> list[Problem]:
    raw, path, out = profile.raw, profile.path, []
    if not raw:
        return out
    out += basics_problems(profile, root)
    out += unknown_keys(raw, PROFILE_KEYS, path, profile.line, "a profile")
    out += profile_brand_problems(profile)
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
    if not NETWORKS[network].has_adapter():  # a network declared before its adapter lands (issue 14)
        out.append(Problem(path, profile.line("network"), WARNING, "profile-network",
                           f"socialops cannot publish to {NETWORKS[network].label} in this version: each post for "
                           "this profile becomes a task for a person (an issue at its time); to try the plan out "
                           f"instead, use 'network: sandbox' with 'imitates: {network}'"))
        return out
    if network == "sandbox":
        imitates = raw.get("imitates")
        if imitates is not None and (imitates not in NETWORKS or imitates == "sandbox"):
            out.append(Problem(path, profile.line("imitates"), ERROR, "profile-network",
                               f"'imitates: {imitates}' is not a network; use one of: "
                               f"{', '.join(n for n in NETWORKS if n != 'sandbox')}"))
    else:
        out += _account_problems(profile, network, stem)
    for key in ("instance", "service", "media_base_url"):
        value = raw.get(key)
        if value is not None and not (isinstance(value, str) and value.startswith(("https://", "http://"))):
            out.append(Problem(path, profile.line(key), ERROR, "profile-setting",
                               f"'{key}' must be an address starting with https://"))
        elif key != "media_base_url" and network != "sandbox" and isinstance(value, str) and \
                (refused := cleartext_problem(value, key)):
            out.append(Problem(path, profile.line(key), ERROR, "profile-cleartext", refused))
    timezone = raw.get("timezone")
    if timezone is not None and not valid_timezone(timezone):
        out.append(Problem(path, profile.line("timezone"), ERROR, "schedule-timezone",
                           f"'{timezone}' is not a timezone; {timezone_advice(timezone)}"))
    out += _handover_problems(profile)
    media_url = media_url_problem(profile)  # a private repository without media_base_url
    if media_url is not None:
        out.append(media_url)
    out += _owner_problems(profile)
    if "moderation" in raw:  # comment moderation settings (roles are checked with the profile basics)
        # Imported here: the comment classifier takes a tenth of a second to import, and only profiles
        # with moderation settings need it.
        from socialops.community.settings import settings_problems  # lazy: see above

        for keys, message in settings_problems({"moderation": raw["moderation"]}):
            out.append(Problem(path, profile.line(*keys), ERROR, "profile-moderation", message))
    return out


def _account_problems(profile: Profile, network: str, stem: str) -> list[Problem]:
    """A real network's account: the secret holding its token and the settings the network needs."""
    raw, path, out = profile.raw, profile.path, []
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
    return out


def _owner_problems(profile: Profile) -> list[Problem]:
    owners, path = profile.raw.get("owners"), profile.path
    if owners is None:
        return []
    if not isinstance(owners, list):
        return [Problem(path, profile.line("owners"), ERROR, "wrong-type",
                        "'owners' must be a list, like [\"@maija\", \"@acme/social\"]")]
    return [Problem(path, profile.line("owners", i), ERROR, "profile-owner",
                    f"'{owner}' is not a GitHub user (@name) or team (@org/team)")
            for i, owner in enumerate(owners) if not isinstance(owner, str) or not _OWNER.match(owner)]
