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
"Profile drift" issue with manual steps (``check``), or neither (``manual``) is declared once, in each
network's spec (``basics``); ``None`` means the network has no such thing. Sources and confidence tags:
../shared/reference/platform-api.md sections x.5. The checks of these keys are in ``profiles.validation``.

This module is imported by ``validate``: no httpx, and Pillow only inside the functions that read images.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from socialops.errors import ConfigError
from socialops.networks import NETWORKS
from socialops.networks.forms import normalise_phone, normalise_text
from socialops.networks.google_business.basics import BasicsProblem, local_desired
from socialops.networks.spec import BASICS
from socialops.repository.schedule import load_schedule

if TYPE_CHECKING:
    from socialops.repository.profiles import Profile

IMAGES = ("avatar", "cover")
CONTACT_KEYS = ("email", "phone", "address")
ADDRESS_KEYS = ("street", "postal_code", "city", "region", "country")

LABELS = {
    "display_name": "display name", "bio": "bio", "website": "website", "contact.email": "e-mail",
    "contact.phone": "phone", "contact.address": "address", "avatar": "profile picture", "cover": "cover image",
    "fields": "profile fields", "services": "services and products", "hours": "opening hours",
    "special_hours": "special hours", "categories": "categories", "attributes": "attributes",
}



# --- the repository side -------------------------------------------------------------------------------


def support_for(network: str) -> dict[str, str | None]:
    """basic -> sync | check | manual | None for a network name (its spec's ``basics``; unknown networks: nothing)."""
    spec = NETWORKS.get(network)
    return dict(spec.basics) if spec else dict.fromkeys(BASICS)


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
        import hashlib  # here, as below: it loads OpenSSL, which validate (importing this module) never needs

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
            if not inside(root, path) or not path.is_file():
                raise ConfigError(f"the {LABELS[key]} {rel} does not exist in the repository; add the file or fix "
                                  f"'{key}:'", path=profile.path, line=profile.line(key))
            out[key] = ImageFile(rel=rel, path=path, data=path.read_bytes())
    fields = format_fields(raw.get("fields"))
    if fields is not None:
        out["fields"] = fields
    services = format_services(raw.get("services"))
    if services:
        out["services"] = services
    try:  # opening hours, categories, attributes (a local business's basics)
        out.update(local_desired(raw, load_schedule(root).raw.get("blackout") if "special_hours" in raw else None))
    except BasicsProblem as exc:
        raise ConfigError(f"{exc}", path=profile.path, line=profile.line(*exc.key)) from None
    return out


def inside(root: Path, path: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True


# --- comparing images -------------------------------------------------------------------------------------

THUMB = 24
MAX_MEAN_DIFFERENCE = 10.0  # of 255, per channel: re-encoding and resizing stay well below; another image does not


def same_image(ours: bytes, theirs: bytes | None) -> bool:
    """Does the live image show our file? Equal bytes (content hash), else the same picture after the network
    re-encoded, resized or centre-cropped it (both reduced to a small thumbnail and compared pixel by pixel).
    Never compares blob references or URLs."""
    if theirs is None:
        return False
    import hashlib

    if hashlib.sha256(ours).digest() == hashlib.sha256(theirs).digest():
        return True
    try:
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
