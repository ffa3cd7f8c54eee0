"""Profile basics: what ``profiles/<id>.yaml`` says the live account should show, and who may do what.

The basics of a profile file (all optional)::

    display_name: Kahvila Aurinko
    bio: |                                   # the bio / "about" text
      Kahvila ja leipomo Kalliossa.
    website: https://kahvila-aurinko.example
    contact:
      email: hei@kahvila-aurinko.example
      phone: "+358 40 123 4567"              # international form: + country code, then the number
      address: {street: Fleminginkatu 1, postal_code: "00530", city: Helsinki, country: FI}
    avatar: media/kahvila-avatar.png         # relative to profiles/ (or a path starting with profiles/)
    cover: media/kahvila-cover.jpg
    fields:                                  # extra name/value links (Mastodon's profile fields)
      - {name: Aukioloajat, value: "ma–pe 7–18, la 9–16"}
    services: |                              # the presentation of services and products
      Kahvia, leivonnaisia ja lounas arkisin.
    roles:                                   # GitHub users with rights in the workflows
      admins: ["@aino-virtanen"]
      editors: ["@mikko-editor"]
      moderators: ["@liisa-moderaattori"]    # may /hide, /delete, /block (Roles.moderators)
      analysts: ["@olli-analyst"]

Which basics each network's API can change (``sync``), can only read so that a difference becomes a
"Profile drift" issue with manual steps (``check``), or neither (``manual``) is declared once, in
:data:`SUPPORT`; ``None`` means the network has no such thing. Sources and confidence tags:
../shared/reference/platform-api.md sections x.5.

This module is imported by ``validate``: no httpx, and Pillow only inside the functions that read images.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from socialops.core.problems import ERROR, WARNING, Problem
from socialops.repository.profiles import parse_roles

if TYPE_CHECKING:
    from socialops.repository.profiles import Profile

SYNC, CHECK, MANUAL = "sync", "check", "manual"

# The basics, in the order they are shown. "contact.*" are the keys under `contact:`.
BASICS = ("display_name", "bio", "website", "contact.email", "contact.phone", "contact.address", "avatar", "cover",
          "fields", "services")
IMAGES = ("avatar", "cover")
CONTACT_KEYS = ("email", "phone", "address")
ADDRESS_KEYS = ("street", "postal_code", "city", "region", "country")
CAPABILITIES = ("publishing", "metrics", "moderation", "profile")

LABELS = {
    "display_name": "display name", "bio": "bio", "website": "website", "contact.email": "e-mail",
    "contact.phone": "phone", "contact.address": "address", "avatar": "profile picture", "cover": "cover image",
    "fields": "profile fields", "services": "services and products",
}

# basic -> sync | check | manual | None (the network has no such thing). See the README's table.
SUPPORT: dict[str, dict[str, str | None]] = {
    # PATCH /api/v1/accounts/update_credentials [V]
    "mastodon": {"display_name": SYNC, "bio": SYNC, "website": None, "contact.email": None, "contact.phone": None,
                 "contact.address": None, "avatar": SYNC, "cover": SYNC, "fields": SYNC, "services": None},
    # app.bsky.actor.profile record, rkey self [V]
    "bluesky": {"display_name": SYNC, "bio": SYNC, "website": SYNC, "contact.email": None, "contact.phone": None,
                "contact.address": None, "avatar": SYNC, "cover": SYNC, "fields": None, "services": None},
    # POST /{page-id} about, website, phone, emails, products [C]; name, picture, cover, address writes [U]
    "facebook": {"display_name": CHECK, "bio": SYNC, "website": SYNC, "contact.email": SYNC, "contact.phone": SYNC,
                 "contact.address": CHECK, "avatar": CHECK, "cover": CHECK, "fields": None, "services": SYNC},
    # IG user node: username, name, biography, website, profile_picture_url readable; no write API [U]
    "instagram": {"display_name": CHECK, "bio": CHECK, "website": CHECK, "contact.email": MANUAL,
                  "contact.phone": MANUAL, "contact.address": MANUAL, "avatar": CHECK, "cover": None,
                  "fields": None, "services": MANUAL},
    # GET /rest/organizations/{id}: localizedName, localizedDescription, localizedWebsite [C]; no write API [U]
    "linkedin": {"display_name": CHECK, "bio": CHECK, "website": CHECK, "contact.email": None,
                 "contact.phone": MANUAL, "contact.address": MANUAL, "avatar": MANUAL, "cover": MANUAL,
                 "fields": None, "services": MANUAL},
    # Threads: read-only profile (name, biography, picture) [C]; no adapter reads it yet
    "threads": {"display_name": MANUAL, "bio": MANUAL, "website": None, "contact.email": None,
                "contact.phone": None, "contact.address": None, "avatar": MANUAL, "cover": None, "fields": None,
                "services": None},
    # the embedded sandbox stores every basic (so check, diff and sync work in the demo)
    "sandbox": {key: SYNC for key in BASICS},
}

# Text limits of the live profile: (limit, counting) per basic. platform-api.md x.5 / x.7.
TEXT_LIMITS: dict[str, dict[str, tuple[int, str]]] = {
    "mastodon": {"display_name": (30, "chars"), "bio": (500, "chars")},                        # [V] defaults
    "bluesky": {"display_name": (64, "graphemes"), "bio": (256, "graphemes")},                 # [V] lexicon
    "facebook": {"bio": (255, "chars")},                                                       # about [C]
    "instagram": {"display_name": (30, "chars"), "bio": (150, "chars")},                       # [U]
    "linkedin": {"bio": (2000, "chars")},                                                      # [U]
    "threads": {"bio": (150, "chars")},                                                        # [U]
}
MAX_FIELDS = {"mastodon": 4, "sandbox": 4}
FIELD_TEXT_LIMIT = 255  # Mastodon field name and value [V]


@dataclass(frozen=True)
class ImageRule:
    """What a network takes as a profile picture or cover: file types, bytes, minimum pixels, shape."""

    formats: frozenset[str]  # Pillow format names
    max_bytes: int | None
    min_width: int
    min_height: int
    aspect: float | None  # width / height the network shows (it crops other shapes)
    source: str  # where the numbers come from, with the confidence tag


_JPEG_PNG = frozenset({"JPEG", "PNG"})
_JPEG_PNG_GIF = frozenset({"JPEG", "PNG", "GIF"})
IMAGE_RULES: dict[str, dict[str, ImageRule]] = {
    "mastodon": {
        "avatar": ImageRule(_JPEG_PNG_GIF, 2_000_000, 1, 1, 1.0, "Mastodon: PNG, GIF or JPG, at most 2 MB, cropped "
                            "to 400x400 [C]"),
        "cover": ImageRule(_JPEG_PNG_GIF, 2_000_000, 1, 1, 3.0, "Mastodon: PNG, GIF or JPG, at most 2 MB, cropped "
                           "to 1500x500 [C]"),
    },
    "bluesky": {
        "avatar": ImageRule(_JPEG_PNG, 1_000_000, 1, 1, 1.0, "Bluesky: PNG or JPEG blob of at most 1,000,000 bytes, "
                            "shown round [V lexicon]"),
        "cover": ImageRule(_JPEG_PNG, 1_000_000, 1, 1, 3.0, "Bluesky: PNG or JPEG blob of at most 1,000,000 bytes, "
                           "shown 3:1 [V lexicon; shape C]"),
    },
    "facebook": {
        "avatar": ImageRule(_JPEG_PNG, 10_000_000, 180, 180, 1.0, "Facebook: at least 180x180, shown square [U]"),
        "cover": ImageRule(_JPEG_PNG, 10_000_000, 400, 150, 851 / 315, "Facebook: at least 400x150, shown "
                           "851x315 [U]"),
    },
    "instagram": {
        "avatar": ImageRule(_JPEG_PNG, 8_000_000, 110, 110, 1.0, "Instagram: at least 110x110, shown round "
                            "(320x320 recommended) [U]"),
    },
    "linkedin": {
        "avatar": ImageRule(_JPEG_PNG_GIF, 8_000_000, 268, 268, 1.0, "LinkedIn page logo: at least 268x268, "
                            "square (400x400 recommended) [U]"),
        "cover": ImageRule(_JPEG_PNG, 8_000_000, 1128, 191, 1128 / 191, "LinkedIn page cover: 1128x191 [U]"),
    },
    "threads": {
        "avatar": ImageRule(_JPEG_PNG, 8_000_000, 110, 110, 1.0, "Threads uses the Instagram picture [U]"),
    },
}
ASPECT_TOLERANCE = 0.05  # 5 %: a shape within this of the network's is not cropped noticeably

EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
PHONE_RE = re.compile(r"^\+[1-9][0-9]{6,14}$")  # E.164: + country code, at most 15 digits in all
PHONE_SEPARATORS = re.compile(r"[\s().\-/]")


# --- the repository side -------------------------------------------------------------------------------


def support_for(network: str) -> dict[str, str | None]:
    """basic -> sync | check | manual | None for a network name (unknown networks: nothing)."""
    return dict(SUPPORT.get(network, {key: None for key in BASICS}))


def normalise_text(value: str) -> str:
    """Text as compared with the live profile: Unix line ends, no trailing white space on lines or at the end."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def normalise_phone(value: str) -> str:
    """``+358 40 123 4567`` -> ``+358401234567`` (spaces, dots, dashes, slashes and brackets dropped)."""
    return PHONE_SEPARATORS.sub("", value.strip())


def format_address(value: Any) -> str | None:
    """An address as one line: ``Fleminginkatu 1, 00530 Helsinki, FI`` (text addresses as they are)."""
    if isinstance(value, str):
        return " ".join(value.split()) or None
    if not isinstance(value, Mapping):
        return None
    street = str(value.get("street") or "").strip()
    city = " ".join(str(value.get(k) or "").strip() for k in ("postal_code", "city")).strip()
    parts = [p for p in (street, city, str(value.get("region") or "").strip(), str(value.get("country") or "").strip())
             if p]
    return ", ".join(parts) or None


def format_services(value: Any) -> str | None:
    """Services as presentation text: a text as it is; a list as lines (``name: description`` for items)."""
    if isinstance(value, str):
        return normalise_text(value) or None
    if not isinstance(value, list):
        return None
    lines = []
    for item in value:
        if isinstance(item, str):
            lines.append(item.strip())
        elif isinstance(item, Mapping) and item.get("name"):
            desc = str(item.get("description") or "").strip()
            lines.append(f"{str(item['name']).strip()}: {desc}" if desc else str(item["name"]).strip())
    return "\n".join(line for line in lines if line) or None


def format_fields(value: Any) -> list[tuple[str, str]] | None:
    if not isinstance(value, list):
        return None
    out = []
    for item in value:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str | int) and item.get("value") is not None:
            out.append((str(item["name"]).strip(), str(item["value"]).strip()))
    return out


def image_path(root: Path, value: str) -> Path:
    """Where an avatar/cover path points: under profiles/ unless it starts with ``profiles/``."""
    rel = PurePosixPath(value)
    return (root / rel) if rel.parts and rel.parts[0] == "profiles" else (root / "profiles" / rel)


def image_rel(value: str) -> str:
    rel = PurePosixPath(value)
    return rel.as_posix() if rel.parts and rel.parts[0] == "profiles" else (PurePosixPath("profiles") / rel).as_posix()


@dataclass(frozen=True)
class ImageFile:
    """A profile picture or cover in the repository."""

    rel: str  # repository-relative path
    path: Path
    data: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def mime(self) -> str:
        return image_mime(self.data) or "application/octet-stream"


def image_mime(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def desired(profile: Profile, root: Path) -> dict[str, Any]:
    """The basics the profile file sets, normalised for comparison: basic -> value (str, list of (name, value)
    for fields, :class:`ImageFile` for images). Basics the file leaves out are absent (never managed)."""
    from socialops.errors import ConfigError

    raw = profile.raw
    out: dict[str, Any] = {}
    if isinstance(raw.get("display_name"), str) and raw["display_name"].strip():
        out["display_name"] = raw["display_name"].strip()
    if isinstance(raw.get("bio"), str):
        out["bio"] = normalise_text(raw["bio"])
    if isinstance(raw.get("website"), str) and raw["website"].strip():
        out["website"] = raw["website"].strip()
    contact = raw.get("contact")
    if isinstance(contact, Mapping):
        if isinstance(contact.get("email"), str) and contact["email"].strip():
            out["contact.email"] = contact["email"].strip()
        if isinstance(contact.get("phone"), str | int) and str(contact["phone"]).strip():
            out["contact.phone"] = normalise_phone(str(contact["phone"]))
        address = format_address(contact.get("address"))
        if address:
            out["contact.address"] = address
    for key in IMAGES:
        value = raw.get(key)
        if isinstance(value, str) and value.strip():
            path = image_path(root, value.strip())
            rel = image_rel(value.strip())
            if not _inside(root, path) or not path.is_file():
                raise ConfigError(f"the {LABELS[key]} {rel} does not exist in the repository; add the file or fix "
                                  f"'{key}:'", path=profile.path, line=profile.line(key))
            out[key] = ImageFile(rel=rel, path=path, data=path.read_bytes())
    fields = format_fields(raw.get("fields"))
    if fields is not None:
        out["fields"] = fields
    services = format_services(raw.get("services"))
    if services:
        out["services"] = services
    return out


def _inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True


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
    limits = TEXT_LIMITS.get(network, {})
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
    return out


def _label(network: str) -> str:
    from socialops.networks.specs import NETWORKS

    spec = NETWORKS.get(network)
    return spec.label if spec else network


def _check_length(add: Callable, key: tuple, value: str, limit: tuple[int, str], what: str, label: str) -> None:
    from socialops.content.render import count_length

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
    if not _inside(root, path):
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
    rule = IMAGE_RULES.get(network, {}).get(key)
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
    limit = MAX_FIELDS.get(network)
    if limit is not None and len(fields) > limit:
        add(("fields",), ERROR, "profile-basics", f"{len(fields)} fields; {label} shows at most {limit}")
    _not_applicable(add, support, "fields", ("fields",), label)


def _check_roles(add: Callable, roles: Any) -> None:
    for problem in parse_roles(roles).problems:
        add(problem.keys, ERROR, problem.code, problem.message)


# --- comparing images -------------------------------------------------------------------------------------

THUMB = 24
MAX_MEAN_DIFFERENCE = 10.0  # of 255, per channel: re-encoding and resizing stay well below; another image does not


def same_image(ours: bytes, theirs: bytes | None) -> bool:
    """Does the live image show our file? Equal bytes (content hash), else the same picture after the network
    re-encoded, resized or centre-cropped it (both reduced to a small thumbnail and compared pixel by pixel).
    Never compares blob references or URLs."""
    if theirs is None:
        return False
    if hashlib.sha256(ours).digest() == hashlib.sha256(theirs).digest():
        return True
    try:
        import io

        from PIL import Image, ImageOps

        with Image.open(io.BytesIO(theirs)) as live_image:
            live = ImageOps.exif_transpose(live_image).convert("RGB")
        with Image.open(io.BytesIO(ours)) as our_image:
            mine = ImageOps.exif_transpose(our_image).convert("RGB")
    except Exception:  # noqa: BLE001 - unreadable: not the same picture
        return False
    if not live.width or not live.height or not mine.width or not mine.height:
        return False
    # crop ours to the live shape (networks centre-crop avatars and headers), then compare small thumbnails
    mine = ImageOps.fit(mine, live.size, method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))
    a = mine.resize((THUMB, THUMB), Image.Resampling.BOX).tobytes()
    b = live.resize((THUMB, THUMB), Image.Resampling.BOX).tobytes()
    mean = sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)
    return mean <= MAX_MEAN_DIFFERENCE


# --- what an adapter reports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveImage:
    """A live profile picture or cover: its address and its bytes (None when it could not be fetched)."""

    url: str | None
    data: bytes | None = field(default=None, repr=False)


@dataclass
class LiveProfile:
    """The live account as the network shows it.

    ``values``: basic -> str | list[(name, value)] (fields) | :class:`LiveImage` | None (not set on the network).
    A basic absent from ``values`` could not be read. ``version`` is whatever the adapter needs to avoid
    clobbering a concurrent edit (Bluesky: the profile record's cid)."""

    account: str | None = None
    account_id: str | None = None
    url: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    version: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)  # the network's own record, as read


OK, MISSING, UNKNOWN = "ok", "missing", "unknown"


@dataclass(frozen=True)
class Capability:
    """Whether the token may do one thing: ``status`` ok | missing | unknown, ``detail`` what was seen,
    ``fix`` what to do when it is missing (or cannot be told)."""

    name: str  # publishing | metrics | moderation | profile
    status: str
    detail: str = ""
    fix: str = ""


@dataclass
class AccessReport:
    """What ``profiles check`` found for one profile."""

    token_ok: bool = False
    account_ok: bool = False
    account_seen: str | None = None
    problems: list[str] = field(default_factory=list)  # token/account problems, each saying what to do
    capabilities: list[Capability] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (self.token_ok and self.account_ok and not self.problems
                and not any(c.status == MISSING for c in self.capabilities))


def scope_capabilities(granted: set[str] | None, needs: Mapping[str, tuple[str, ...]],
                       covers: Callable[[set[str], str], bool], *, fix: Callable[[str, list[str]], str],
                       unknown: str) -> list[Capability]:
    """Capabilities from a token's scopes: each capability needs all of its scopes.

    ``granted`` None = the scopes could not be read (every capability is then ``unknown`` with ``unknown`` as
    the fix); ``covers(granted, scope)`` decides whether a granted set holds a scope (``write`` covers
    ``write:statuses`` on Mastodon); ``fix(capability, missing)`` says what to do."""
    out = []
    for name in CAPABILITIES:
        wanted = needs.get(name)
        if wanted is None:
            continue
        if granted is None:
            out.append(Capability(name, UNKNOWN, f"needs {', '.join(wanted)}", unknown))
            continue
        missing = [scope for scope in wanted if not covers(granted, scope)]
        if missing:
            out.append(Capability(name, MISSING, f"missing {', '.join(missing)}", fix(name, missing)))
        else:
            out.append(Capability(name, OK, f"has {', '.join(wanted)}"))
    return out


MAX_IMAGE_FETCH = 20_000_000


def fetch_image(client: Any, url: str | None, *, headers: Mapping[str, str] | None = None) -> LiveImage | None:
    """A live image by its address with the plain client (no token is sent unless ``headers`` carry one):
    its bytes, or a LiveImage without data when it cannot be fetched. None when there is no address."""
    if not url:
        return None
    import httpx

    try:
        with client.stream("GET", url, headers=dict(headers or {}), follow_redirects=True, timeout=30.0) as response:
            if response.status_code != 200:
                return LiveImage(url, None)
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_IMAGE_FETCH:
                    return LiveImage(url, None)
                chunks.append(chunk)
    except (httpx.HTTPError, ValueError):
        return LiveImage(url, None)
    return LiveImage(url, b"".join(chunks))


def account_name(value: str | None) -> str:
    """An account as compared: no leading @, lower case, white space folded."""
    return " ".join((value or "").strip().lstrip("@").lower().split())
