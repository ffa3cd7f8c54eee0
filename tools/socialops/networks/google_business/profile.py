"""The location's basics through the Business Information API v1 (discovery document
``mybusinessbusinessinformation.v1``) and the token check.

- read: ``GET locations/{l}?readMask=...`` (Location: title, profile.description, phoneNumbers.primaryPhone,
  websiteUri, regularHours, specialHours, categories, storefrontAddress, metadata) and, when the file names
  attributes, ``GET locations/{l}/attributes`` (Attributes);
- write: ``PATCH locations/{l}?updateMask=<the fields that differ>`` with a Location holding just them, and
  ``PATCH locations/{l}/attributes?attributeMask=attributes/<id>,...`` with an Attributes;
- the title and the address go through Google's review of edits: read only (a drift issue says where to
  change them by hand). Logo and cover photos (the v4 media API) are not handled: manual.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from socialops.errors import NetworkError
from socialops.networks.contract import ProfileBasics
from socialops.networks.forms import normalise_phone, normalise_text
from socialops.networks.google_business import basics as local
from socialops.networks.google_business.client import INFORMATION, GoogleBusinessClient
from socialops.networks.profile import scope_capabilities
from socialops.networks.types import AccessReport, LiveProfile

READ_MASK = ("name,title,profile,phoneNumbers,websiteUri,regularHours,specialHours,categories,storefrontAddress,"
             "metadata")
SCOPE = "https://www.googleapis.com/auth/business.manage"
TOKENINFO = "https://oauth2.googleapis.com/tokeninfo"
# basic -> (updateMask path, the Location body holding the wanted value)
UPDATES = {
    "bio": ("profile.description", lambda v: {"profile": {"description": v}}),
    "website": ("websiteUri", lambda v: {"websiteUri": v}),
    "contact.phone": ("phoneNumbers.primaryPhone", lambda v: {"phoneNumbers": {"primaryPhone": v}}),
    "hours": ("regularHours", lambda v: {"regularHours": local.hours_body(v)}),
    "special_hours": ("specialHours", lambda v: {"specialHours": local.special_body(v)}),
    "categories": ("categories", lambda v: {"categories": local.categories_body(v)}),
}


def address_text(address: Any) -> str:
    """A PostalAddress in the form ``profiles.basics.format_address`` gives the file's address."""
    if not isinstance(address, Mapping):
        return ""
    street = " ".join(str(x).strip() for x in address.get("addressLines") or [])
    city = " ".join(str(address.get(k) or "").strip() for k in ("postalCode", "locality")).strip()
    parts = [street, city, str(address.get("administrativeArea") or "").strip(),
             str(address.get("regionCode") or "").strip()]
    return ", ".join(p for p in parts if p)


class GoogleBusinessProfile(GoogleBusinessClient, ProfileBasics):
    """Reads and writes the location's basics; checks the token."""

    def read_profile(self) -> LiveProfile:
        location = self.call("GET", f"{INFORMATION}/{self.location}", params={"readMask": READ_MASK}) or {}
        phones = location.get("phoneNumbers") if isinstance(location.get("phoneNumbers"), dict) else {}
        profile = location.get("profile") if isinstance(location.get("profile"), dict) else {}
        values: dict[str, Any] = {
            "display_name": str(location.get("title") or "").strip(),
            "bio": normalise_text(str(profile.get("description") or "")),
            "website": str(location.get("websiteUri") or "").strip(),
            "contact.phone": normalise_phone(str(phones.get("primaryPhone") or "")),
            "contact.address": address_text(location.get("storefrontAddress")),
            "hours": local.live_hours_text(location.get("regularHours")),
            "special_hours": local.live_special_text(location.get("specialHours")),
            "categories": local.live_categories_text(location.get("categories")),
        }
        raw = {"location": location}
        names = self.profile.raw.get("attributes")
        if isinstance(names, Mapping):
            attributes = self.call("GET", f"{INFORMATION}/{self.location}/attributes") or {}
            values["attributes"] = local.live_attributes_text(attributes, names)
            raw["attributes"] = attributes
        metadata = location.get("metadata") if isinstance(location.get("metadata"), dict) else {}
        return LiveProfile(account=values["display_name"], account_id=str(location.get("name") or self.location),
                           url=metadata.get("mapsUri"), values=values, raw=raw)

    def update_profile(self, changes: Mapping[str, Any], live: LiveProfile) -> None:
        mask, body = [], {}
        for basic, (path, part) in UPDATES.items():
            if basic in changes:
                mask.append(path)
                body.update(part(changes[basic]))
        if mask:  # the same values again give the same location: safe to repeat after a lost answer
            self.call("PATCH", f"{INFORMATION}/{self.location}", safe=True, params={"updateMask": ",".join(mask)},
                      json=body)
        if "attributes" in changes:
            types = {str(a.get("name", "")).removeprefix("attributes/"): str(a.get("valueType", ""))
                     for a in (live.raw.get("attributes") or {}).get("attributes") or [] if isinstance(a, dict)}
            wanted = local.attributes_body(changes["attributes"], types, self.location)
            self.call("PATCH", f"{INFORMATION}/{self.location}/attributes", safe=True,
                      params={"attributeMask": ",".join(a["name"] for a in wanted["attributes"])}, json=wanted)

    def check_access(self) -> AccessReport:
        report = AccessReport()
        location = self.call("GET", f"{INFORMATION}/{self.location}", params={"readMask": "name,title,metadata"}) or {}
        report.token_ok = True
        report.account_seen = str(location.get("title") or location.get("name") or "")
        wanted = " ".join(str(self.profile.account or "").lower().split())
        report.account_ok = not wanted or wanted == " ".join(report.account_seen.lower().split())
        if not report.account_ok:
            report.problems.append(f"location {self.location} is \"{report.account_seen}\", but the profile names "
                                   f"'{self.profile.account}': correct 'location_id:' or 'account:'")
        metadata = location.get("metadata") if isinstance(location.get("metadata"), dict) else {}
        if metadata.get("canOperateLocalPost") is False:
            report.problems.append("Google does not let this location have posts (metadata.canOperateLocalPost is "
                                   "false): verify the business first")
        granted: set[str] | None = None
        try:
            info = self.http().json("GET", TOKENINFO, params={"access_token": self.access_token()})
            granted = set(str(info.get("scope") or "").split()) if isinstance(info, dict) else None
        except NetworkError:  # the scopes are a courtesy: unknown when they cannot be read
            granted = None
        needs = {cap: (SCOPE,) for cap in ("publishing", "metrics", "moderation", "profile")}
        report.capabilities = scope_capabilities(
            granted, needs, lambda have, scope: scope in have,
            fix=lambda cap, missing: f"authorise the OAuth client again with the scope {SCOPE} and store the new "
                                     f"refresh token in {self.profile.token_env}",
            unknown="Google did not say which scopes the token has; it needs " + SCOPE)
        return report
