"""The hidden markers that make issues and sticky comments findable again, and the labels socialops uses.

Every issue opened for a key starts with ``<!-- socialops:key=KEY -->`` and carries the ``socialops``
label; a sticky pull request comment starts with ``<!-- socialops:sticky=NAME -->``. Keys are
percent-encoded so that no key can end the HTML comment early.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

from socialops.errors import TrackerError

INDEX_LABEL = "socialops"
MAX_KEY_LENGTH = 200
MAX_BODY = 65536  # GitHub's limit for issue and comment bodies

_MARKER_RE = re.compile(r"\A<!-- socialops:key=(?P<key>[^\s<>]+) -->")
_STICKY_RE = re.compile(r"\A<!-- socialops:sticky=(?P<name>[^\s<>]+) -->")

# -- labels -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelSpec:
    color: str  # six hex digits, no '#'
    description: str  # at most 100 characters (GitHub's limit)


LABELS: dict[str, LabelSpec] = {
    INDEX_LABEL: LabelSpec("5319e7", "Opened by socialops automation (keep: the automation finds its issues by it)"),
    "publish-failed": LabelSpec("d73a4a", "A publication failed: the issue says what to fix"),
    "unconfirmed": LabelSpec("fbca04", "Publication outcome unknown: check the network before retrying"),
    "missed": LabelSpec("e99695", "A post passed its late window and was not published"),
    "question": LabelSpec("0075ca", "A comment asks something: answer with /reply"),
    "negative": LabelSpec("f9d0c4", "Negative feedback on a post"),
    "abusive": LabelSpec("b60205", "Abusive comment: /hide, /delete or /block"),
    "spam": LabelSpec("cfd3d7", "Spam comment: /hide or /delete"),
    "hidden": LabelSpec("5a5a5a", "The comment was hidden on the network"),
    "profile-drift": LabelSpec("c5def5", "The live profile differs from its file in profiles/"),
    "plan-gap": LabelSpec("fef2c0", "The content plan has empty slots"),
    "weekly-digest": LabelSpec("c2e0c6", "The week's posts with their figures, next week's, empty slots, open questions"),
    "new-post": LabelSpec("0e8a16", "A post proposed with the issue form"),
    "manual-task": LabelSpec("fbca04", "A post no API can publish: do it by hand, then /done ADDRESS"),
}
LABEL_PREFIXES: dict[str, LabelSpec] = {
    "profile:": LabelSpec("bfdadc", "Concerns the profile {rest}"),
    "network:": LabelSpec("d4c5f9", "Concerns the {rest} network"),
    "category:": LabelSpec("c2e0c6", "Comment category {rest}"),
    "brand:": LabelSpec("fbca04", "Concerns the brand {rest} (its profiles and posts)"),
}


def label_spec(name: str) -> LabelSpec:
    """Colour and description for a label: the registry, then prefixes, then a stable colour."""
    if name in LABELS:
        return LABELS[name]
    for prefix, spec in LABEL_PREFIXES.items():
        if name.startswith(prefix):
            return LabelSpec(spec.color, spec.description.format(rest=name[len(prefix):])[:100])
    return LabelSpec(hashlib.sha256(name.encode()).hexdigest()[:6], "Added by socialops")


def check_labels(labels: Iterable[str]) -> list[str]:
    out: list[str] = []
    for name in labels:
        if not isinstance(name, str) or not name.strip() or len(name) > 50:
            raise TrackerError(f"Label {name!r} is not usable on GitHub: it must be 1 to 50 characters.")
        if name not in out:
            out.append(name)
    return out


# -- keys and markers -------------------------------------------------------------------------


def check_key(key: str) -> str:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise TrackerError(f"Issue key {key!r} must be a string of 1 to {MAX_KEY_LENGTH} characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in key):
        raise TrackerError(f"Issue key {key!r} contains control characters.")
    return key


def encode_key(key: str) -> str:
    # Percent-encode whatever could end the HTML comment or break the marker (spaces, <, >, !).
    return quote(key, safe=":/@+=,;")


def issue_marker(key: str) -> str:
    """The hidden first line of an issue body opened for ``key``."""
    return f"<!-- socialops:key={encode_key(check_key(key))} -->"


def sticky_marker(name: str) -> str:
    """The hidden first line of a sticky pull request comment called ``name``."""
    return f"<!-- socialops:sticky={encode_key(check_key(name))} -->"


def marker_key(body: str | None) -> str | None:
    """The (encoded) key of a body opened by ``open_issue``, or None."""
    m = _MARKER_RE.match(body or "")
    return m.group("key") if m else None


def fit_body(text: str) -> str:
    if len(text) > MAX_BODY:
        cut = "\n\n… (truncated: GitHub allows 65536 characters)"
        text = text[: MAX_BODY - len(cut)] + cut
    return text


def with_marker(marker: str, body: str) -> str:
    return fit_body(f"{marker}\n{body}")


def strip_marker(body: str | None) -> str:
    body = body or ""
    m = _MARKER_RE.match(body) or _STICKY_RE.match(body)
    return body[m.end():].removeprefix("\n") if m else body
