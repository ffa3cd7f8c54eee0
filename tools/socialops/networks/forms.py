"""The normalised forms profile values are compared in: text and phone numbers.

Apart from networks.profile (which hands them to the adapters too) because validate needs them: networks.profile
brings networks.types with it, 13 dataclasses made at import (about 4 ms of every `socialops validate`)."""

from __future__ import annotations

import re

PHONE_SEPARATORS = re.compile(r"[\s().\-/]")


def normalise_text(value: str) -> str:
    """Text as compared with the live profile: Unix line ends, no trailing white space on lines or at the end."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def normalise_phone(value: str) -> str:
    """``+358 40 123 4567`` -> ``+358401234567`` (spaces, dots, dashes, slashes and brackets dropped)."""
    return PHONE_SEPARATORS.sub("", value.strip())
