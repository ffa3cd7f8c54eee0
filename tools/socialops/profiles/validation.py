"""The checks of a profile file's basics and roles (run by ``validate``): text limits, addresses, images
against the network's rules (its spec's ``image_rules``), fields and roles."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from socialops.content.render import count_length
from socialops.core.problems import ERROR, WARNING, Problem
from socialops.networks import NETWORKS
from socialops.networks.forms import normalise_phone, normalise_text
from socialops.networks.google_business.basics import LOCAL_BASICS, BasicsProblem, local_desired
from socialops.profiles.basics import (
    ADDRESS_KEYS,
    CONTACT_KEYS,
    IMAGES,
    LABELS,
    image_path,
    image_rel,
    inside,
    support_for,
)
from socialops.repository.profiles import parse_roles

if TYPE_CHECKING:
    from socialops.repository.profiles import Profile

FIELD_TEXT_LIMIT = 255  # Mastodon field name and value [V]
ASPECT_TOLERANCE = 0.05  # 5 %: a shape within this of the network's is not cropped noticeably
EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
PHONE_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")  # E.164: + country code, at most 15 digits in all


# --- validation -------------------------------------------------------------------------------------------


def basics_problems(profile: Profile, root: Path | None) -> list[Problem]:
    """Problems of the basics in one profile file (added to validate's profile checks)."""
    raw, path, out = profile.raw, profile.path, []
    network = profile.rules_network
    support = support_for(network)

    def add(key: tuple, severity: str, code: str, message: str) -> None:
        out.append(Problem(path, profile.line(*key), severity, code, message))

    def text(key: str) -> str | None:
        value = raw.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            add((key,), ERROR, "wrong-type", f"'{key}' must be text")
            return None
        return value

    label = _label(network)
    spec = NETWORKS.get(network)
    limits = spec.text_limits if spec else {}
    for key in ("display_name", "bio"):
        value = text(key)
        if value is not None and key in limits:
            _check_length(add, (key,), normalise_text(value), limits[key], f"the {LABELS[key]}", label)
    website = text("website")
    if website is not None:
        if not _is_url(website.strip()):
            add(("website",), ERROR, "profile-url", f"'website' must be an http(s) address like https://example.com, "
                                                    f"not {website!r}")
        _not_applicable(add, support, "website", ("website",), label)
    contact = raw.get("contact")
    if contact is not None:
        _check_contact(add, contact, support, label)
    for key in IMAGES:
        if key in raw:
            _check_image(add, raw[key], key, profile, root, network, label)
            _not_applicable(add, support, key, (key,), label)
    if "fields" in raw:
        _check_fields(add, raw["fields"], network, support, label)
    if "services" in raw:
        services = raw["services"]
        if not (isinstance(services, str) or (isinstance(services, list) and all(
                isinstance(s, str) or (isinstance(s, Mapping) and isinstance(s.get("name"), str)
                                       and set(s) <= {"name", "description"}) for s in services))):
            add(("services",), ERROR, "profile-basics", "'services' must be a text, or a list of texts or of "
                                                        "{name, description}")
        _not_applicable(add, support, "services", ("services",), label)
    if "roles" in raw:
        _check_roles(add, raw["roles"])
    for key in LOCAL_BASICS:  # opening hours, categories, attributes: written so Google can take them
        if key in raw:
            try:
                local_desired({key: raw[key]}, None)
            except BasicsProblem as exc:
                add(exc.key, ERROR, "profile-basics", str(exc))
            _not_applicable(add, support, key, (key,), label)
    return out


def _label(network: str) -> str:
    spec = NETWORKS.get(network)
    return spec.label if spec else network


def _check_length(add: Callable, key: tuple, value: str, limit: tuple[int, str], what: str, label: str) -> None:
    size, counting = limit
    length = count_length(value, counting)
    if length > size:
        unit = "graphemes" if counting == "graphemes" else "characters"
        add(key, ERROR, "profile-text-too-long", f"{what} is {length} {unit}; {label} takes at most {size}")


def _not_applicable(add: Callable, support: Mapping[str, str | None], basic: str, key: tuple, label: str) -> None:
    if basic in support and support[basic] is None:
        hint = " (put it in 'fields' instead)" if "fields" in support and support["fields"] is not None else ""
        add(key, WARNING, "profile-basics", f"{label} profiles have no {LABELS[basic]}: socialops leaves it "
                                            f"out{hint}")


def _is_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "." in (parts.hostname or "") \
        and not any(c.isspace() for c in value)


def _check_contact(add: Callable, contact: Any, support: Mapping[str, str | None], label: str) -> None:
    if not isinstance(contact, Mapping):
        add(("contact",), ERROR, "wrong-type", "'contact' must be keys like 'email:', 'phone:' and 'address:'")
        return
    for key in contact:
        if key not in CONTACT_KEYS:
            add(("contact", key), ERROR, "unknown-key", f"'{key}' is not a key of contact (use email, phone, address)")
    email = contact.get("email")
    if email is not None:
        if not isinstance(email, str) or not EMAIL_RE.match(email.strip()):
            add(("contact", "email"), ERROR, "profile-email", f"'{email}' is not an e-mail address like "
                                                              "hei@example.com")
        _not_applicable(add, support, "contact.email", ("contact", "email"), label)
    phone = contact.get("phone")
    if phone is not None:
        if isinstance(phone, int) and not isinstance(phone, bool):
            add(("contact", "phone"), ERROR, "profile-phone", "write the phone number in quotes with its country "
                                                              "code, like \"+358 40 123 4567\"")
        elif not isinstance(phone, str) or not PHONE_RE.match(normalise_phone(phone)):
            add(("contact", "phone"), ERROR, "profile-phone",
                f"'{phone}' is not an international phone number: start with + and the country code, like "
                "\"+358 40 123 4567\" (spaces and dashes are fine, at most 15 digits)")
        _not_applicable(add, support, "contact.phone", ("contact", "phone"), label)
    address = contact.get("address")
    if address is not None:
        if isinstance(address, Mapping):
            for key in address:
                if key not in ADDRESS_KEYS:
                    add(("contact", "address", key), ERROR, "unknown-key",
                        f"'{key}' is not a key of an address (use {', '.join(ADDRESS_KEYS)})")
            for key, value in address.items():
                if key in ADDRESS_KEYS and not isinstance(value, str | int):
                    add(("contact", "address", key), ERROR, "wrong-type", f"'{key}' of the address must be text")
        elif not isinstance(address, str):
            add(("contact", "address"), ERROR, "wrong-type", "'address' must be text or keys like street, city")
        _not_applicable(add, support, "contact.address", ("contact", "address"), label)


def _check_image(add: Callable, value: Any, key: str, profile: Profile, root: Path | None, network: str,
                 label: str) -> None:
    if not isinstance(value, str) or not value.strip():
        add((key,), ERROR, "wrong-type", f"'{key}' must be the path of an image, like media/{key}.png")
        return
    value = value.strip()
    rel = image_rel(value)
    if value.startswith("/") or ".." in PurePosixPath(value).parts:
        add((key,), ERROR, "media-outside-repo", f"'{key}: {value}' must be a path inside the repository, like "
                                                 f"media/{key}.png (relative to profiles/)")
        return
    if root is None:
        return
    path = image_path(root, value)
    if not inside(root, path):
        add((key,), ERROR, "media-outside-repo", f"{rel} leads outside the repository (a symbolic link?)")
        return
    if not path.is_file():
        add((key,), ERROR, "media-missing", f"the {LABELS[key]} {rel} does not exist; add the file or fix '{key}:'")
        return
    info = read_image_header(path)
    if info is None:
        add((key,), ERROR, "profile-image", f"{rel} is not a readable image (PNG or JPEG)")
        return
    fmt, width, height = info
    spec = NETWORKS.get(network)
    rule = spec.image_rules.get(key) if spec else None
    if rule is None:
        return
    size = path.stat().st_size
    if fmt not in rule.formats:
        add((key,), ERROR, "profile-image", f"{rel} is {fmt}; {label} takes {', '.join(sorted(rule.formats))} for "
                                            f"the {LABELS[key]} ({rule.source})")
    if rule.max_bytes is not None and size > rule.max_bytes:
        add((key,), ERROR, "profile-image", f"{rel} is {size:,} bytes; {label} takes at most {rule.max_bytes:,} "
                                            f"for the {LABELS[key]}: make it smaller ({rule.source})")
    if width < rule.min_width or height < rule.min_height:
        add((key,), ERROR, "profile-image", f"{rel} is {width}x{height} pixels; {label} needs at least "
                                            f"{rule.min_width}x{rule.min_height} ({rule.source})")
    if rule.aspect is not None and height > 0:
        shape = width / height
        if abs(shape - rule.aspect) / rule.aspect > ASPECT_TOLERANCE:
            add((key,), WARNING, "profile-image-aspect",
                f"{rel} is {width}x{height} ({shape:.2f}:1); {label} shows the {LABELS[key]} at "
                f"{rule.aspect:.2f}:1 and crops the rest ({rule.source})")


def read_image_header(path: Path) -> tuple[str, int, int] | None:
    """(format, width, height) from the image header (Pillow reads no pixels), EXIF rotation applied."""
    try:
        from PIL import Image

        with Image.open(path) as image:
            width, height = image.size
            fmt = image.format or ""
            try:
                orientation = image.getexif().get(0x0112, 1)
            except Exception:  # noqa: BLE001 - broken EXIF: take the stored size
                orientation = 1
    except Exception:  # noqa: BLE001 - anything unreadable is "not an image"
        return None
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    return fmt, width, height


def _check_fields(add: Callable, fields: Any, network: str, support: Mapping[str, str | None], label: str) -> None:
    if not isinstance(fields, list):
        add(("fields",), ERROR, "wrong-type", "'fields' must be a list of {name, value}, like "
                                              "[{name: Verkkosivu, value: https://example.com}]")
        return
    for i, item in enumerate(fields):
        if not isinstance(item, Mapping) or set(item) != {"name", "value"}:
            add(("fields", i), ERROR, "profile-basics", "each field must be {name: ..., value: ...}")
            continue
        for part in ("name", "value"):
            if not isinstance(item[part], str | int) or isinstance(item[part], bool) or not str(item[part]).strip():
                add(("fields", i, part), ERROR, "wrong-type", f"the field's {part} must be text")
            elif len(str(item[part])) > FIELD_TEXT_LIMIT:
                add(("fields", i, part), ERROR, "profile-text-too-long",
                    f"the field's {part} is {len(str(item[part]))} characters; at most {FIELD_TEXT_LIMIT}")
    spec = NETWORKS.get(network)
    limit = spec.max_fields if spec else None
    if limit is not None and len(fields) > limit:
        add(("fields",), ERROR, "profile-basics", f"{len(fields)} fields; {label} shows at most {limit}")
    _not_applicable(add, support, "fields", ("fields",), label)


def _check_roles(add: Callable, roles: Any) -> None:
    for problem in parse_roles(roles).problems:
        add(problem.keys, ERROR, problem.code, problem.message)
