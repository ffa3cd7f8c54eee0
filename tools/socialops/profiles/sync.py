"""``socialops profiles diff`` and ``sync``: the basics in ``profiles/<id>.yaml`` against the live account.

- :func:`diff_profile` reads the live account through the profile's adapter (``Network.read_profile``) and
  compares every basic the file sets, field by field: text after normalising line ends and trailing blanks,
  websites without a trailing slash, phone numbers without separators, images by their content (equal bytes,
  or the same picture after the network re-encoded or cropped it; see ``profiles.basics.same_image``), never
  by blob reference or URL.
- :func:`sync_profile` writes the basics that differ and that the network's API can change
  (``Network.update_profile``; which ones is each network spec's ``basics``), reads the account again to confirm,
  and leaves everything else alone. A second sync finds nothing to write: it changes nothing.
- What the API cannot change (and what it did not take) goes into one "Profile drift" issue per profile, with
  the exact manual steps and values (:func:`drift_issue_body`); the issue is kept up to date and closed when
  the live profile matches the file.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.core.problems import ERROR
from socialops.core.safetext import quote_untrusted
from socialops.errors import SocialOpsError, UsageError
from socialops.networks import NETWORKS
from socialops.networks.forms import normalise_phone, normalise_text
from socialops.networks.spec import BASICS, CHECK, MANUAL, SYNC
from socialops.networks.types import LiveImage, LiveProfile
from socialops.profiles.basics import IMAGES, LABELS, ImageFile, desired, same_image
from socialops.repository.config import load_config
from socialops.tracker.interface import sync_status_issue
from socialops.validate.profiles import profile_problems

SAME, DIFFERS, UNREADABLE, NOT_CHECKED = "same", "differs", "unreadable", "manual"
DRIFT_LABEL = "profile-drift"


# --- comparing ----------------------------------------------------------------------------------------------


def _url_key(value: str) -> str:
    value = value.strip()
    match = re.match(r"(?i)^(https?)://([^/?#]+)(.*)$", value)
    if not match:
        return value.rstrip("/")
    return f"{match.group(1).lower()}://{match.group(2).lower()}{match.group(3)}".rstrip("/")


def _fields(value: Any) -> list[tuple[str, str]]:
    out = []
    for pair in value or []:
        name, text = (str(pair[0]).strip(), str(pair[1]).strip()) if len(pair) == 2 else ("", "")
        if name or text:
            out.append((name, text))
    return out


def matches(basic: str, wanted: Any, live: Any) -> bool:
    """Is the live value what the file wants?"""
    if basic in IMAGES:
        return isinstance(wanted, ImageFile) and isinstance(live, LiveImage) and same_image(wanted.data, live.data)
    if basic == "fields":
        return _fields(wanted) == _fields(live)
    if live is None:
        return not wanted
    if basic == "website":
        return _url_key(str(wanted)) == _url_key(str(live))
    if basic == "contact.phone":
        return normalise_phone(str(wanted)) == normalise_phone(str(live))
    if basic == "contact.email":
        return str(wanted).strip().lower() == str(live).strip().lower()
    if basic == "contact.address":
        return " ".join(str(wanted).lower().split()) == " ".join(str(live).lower().split())
    return normalise_text(str(wanted)) == normalise_text(str(live))


@dataclass
class FieldDiff:
    """One basic: what the file wants, what the network shows, and whether they match."""

    basic: str
    mode: str | None  # sync | check | manual
    wanted: Any
    live: Any = None
    state: str = SAME  # same | differs | unreadable | manual

    @property
    def label(self) -> str:
        return LABELS[self.basic]

    def show(self, value: Any) -> str:
        """A value for people (one line)."""
        if isinstance(value, ImageFile):
            return f"{value.rel} (sha256 {value.sha256[:12]})"
        if isinstance(value, LiveImage):
            if value.data is None:
                return f"an image that could not be fetched ({value.url})" if value.url else "no image"
            return f"an image of {len(value.data):,} bytes (sha256 {hashlib.sha256(value.data).hexdigest()[:12]})"
        if value is None:
            return "(not set)"
        if self.basic == "fields":
            return "; ".join(f"{n}: {v}" for n, v in _fields(value)) or "(none)"
        text = str(value)
        return repr(text if len(text) <= 120 else text[:117] + "...")

    def to_dict(self) -> dict[str, Any]:
        return {"basic": self.basic, "mode": self.mode, "state": self.state, "wanted": self.show(self.wanted),
                "live": self.show(self.live) if self.state != NOT_CHECKED else None}


@dataclass
class ProfileDiff:
    profile_id: str
    network: str
    label: str
    path: str
    account: str
    fields: list[FieldDiff] = field(default_factory=list)
    live_url: str | None = None
    error: str | None = None

    @property
    def drift(self) -> list[FieldDiff]:
        return [f for f in self.fields if f.state == DIFFERS]

    @property
    def syncable(self) -> list[FieldDiff]:
        return [f for f in self.drift if f.mode == SYNC]

    @property
    def manual_drift(self) -> list[FieldDiff]:
        """Differences a person must fix: the API cannot write them (or did not take what was written)."""
        return [f for f in self.drift if f.mode != SYNC]

    @property
    def not_checked(self) -> list[FieldDiff]:
        return [f for f in self.fields if f.state in (NOT_CHECKED, UNREADABLE)]

    def to_dict(self) -> dict[str, Any]:
        return {"profile": self.profile_id, "network": self.network, "account": self.account,
                "url": self.live_url, "error": self.error, "fields": [f.to_dict() for f in self.fields]}


def compare(profile: Any, wanted: Mapping[str, Any], live: LiveProfile, support: Mapping[str, str | None],
            network_name: str, label: str) -> ProfileDiff:
    out = ProfileDiff(profile.id, network_name, label, profile.path, profile.account, live_url=live.url)
    for basic in BASICS:
        if basic not in wanted:
            continue
        mode = support.get(basic)
        if mode is None:
            continue  # the network has no such thing (validate warns)
        item = FieldDiff(basic, mode, wanted[basic])
        if mode == MANUAL:
            item.state = NOT_CHECKED
        elif basic not in live.values:
            item.state = UNREADABLE
        else:
            item.live = live.values[basic]
            item.state = SAME if matches(basic, wanted[basic], item.live) else DIFFERS
        out.fields.append(item)
    return out


def diff_profile(profile: Any, root: Path, network: Any) -> tuple[ProfileDiff, LiveProfile]:
    """The profile file against the live account, field by field (raises SocialOpsError on failure)."""
    wanted = desired(profile, root)
    live = network.read_profile()
    spec = profile.spec
    label = spec.label if spec else profile.network
    return compare(profile, wanted, live, network.profile_support(), network.name, label), live


# --- syncing ------------------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    diff: ProfileDiff  # after the sync (before it with --dry-run)
    planned: list[str] = field(default_factory=list)  # basics to write
    written: list[str] = field(default_factory=list)  # basics written
    not_taken: list[str] = field(default_factory=list)  # written, but the network still shows something else
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {**self.diff.to_dict(), "planned": self.planned, "written": self.written,
                "not_taken": self.not_taken, "dry_run": self.dry_run}


def sync_profile(profile: Any, root: Path, network: Any, *, dry_run: bool = False) -> SyncResult:
    """Write what differs and the API can change, then read the account again. Nothing to write: no call."""
    before, live = diff_profile(profile, root, network)
    planned = [f.basic for f in before.syncable]
    if dry_run or not planned:
        return SyncResult(before, planned=planned, dry_run=dry_run)
    network.update_profile({f.basic: f.wanted for f in before.syncable}, live)
    after, _ = diff_profile(profile, root, network)
    not_taken = [f.basic for f in after.syncable]
    for item in after.fields:
        if item.basic in not_taken:
            item.mode = CHECK  # the API took the call but shows another value: a person must look at it
    return SyncResult(after, planned=planned, written=planned, not_taken=not_taken)


# --- the drift issue ----------------------------------------------------------------------------------------


def drift_key(profile_id: str) -> str:
    return f"profile-drift:{profile_id}"


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _wanted_block(item: FieldDiff) -> str:
    value = item.wanted
    if isinstance(value, ImageFile):
        return (f"Upload the file `{value.rel}` from this repository (sha256 `{value.sha256[:16]}`, "
                f"{len(value.data):,} bytes).")
    if item.basic == "fields":
        text = "\n".join(f"{n}: {v}" for n, v in _fields(value)) or "(no fields)"
    else:
        text = str(value)
    return "Set it to exactly:\n\n" + _fence(text)


def _live_block(item: FieldDiff) -> str:
    value = item.live
    if isinstance(value, LiveImage) or value is None or item.basic in IMAGES:
        return f"Now shown: {item.show(value)}."
    text = "\n".join(f"{n}: {v}" for n, v in _fields(value)) if item.basic == "fields" else str(value)
    return "Now shown:\n\n" + quote_untrusted(text or "(empty)", max_chars=2000)


def drift_items(diff: ProfileDiff, *, include_syncable: bool = False) -> list[FieldDiff]:
    return diff.drift if include_syncable else diff.manual_drift


def drift_issue_body(diff: ProfileDiff, *, include_syncable: bool = False) -> str:
    """The "Profile drift" issue: every basic a person must change, where, and the exact value.

    After a sync only what the API cannot change is listed; after a diff (the weekly check for changes made
    by hand) ``include_syncable`` lists every difference, saying which ones a sync fixes."""
    spec = NETWORKS.get(diff.network)
    steps = spec.profile_steps if spec else {}
    items = drift_items(diff, include_syncable=include_syncable)
    manual = [i for i in items if i.mode != SYNC]
    lines = [
        f"The live {diff.label} account **{diff.account}** differs from `{diff.path}` in "
        f"{len(items)} basic{'s' if len(items) != 1 else ''}"
        + (f"; {len(manual)} of them socialops cannot change through {diff.label}'s API, so someone with access "
           "to the account changes them by hand:" if manual else ":"),
        "",
    ]
    if diff.live_url:
        lines[0] += f" <{diff.live_url}>"
    for n, item in enumerate(items, 1):
        where = steps.get(item.basic) or f"the {item.label} in {diff.label}'s settings"
        lines += [f"### {n}. {item.label.capitalize()}", "", f"- [ ] **Where:** {where}", ""]
        if item.mode == SYNC:
            lines += ["socialops can write this one: run the **profiles** workflow with `sync` (Actions > "
                      "profiles > Run workflow), or `socialops profiles sync " + diff.profile_id + "`.", ""]
        lines += [_wanted_block(item), "", _live_block(item), ""]
    others = [f for f in diff.not_checked]
    if others:
        lines += ["### While you are there", "",
                  f"{diff.label}'s API does not show these, so socialops cannot tell whether they are right:", ""]
        for item in others:
            where = steps.get(item.basic) or f"{diff.label}'s settings"
            lines.append(f"- [ ] {item.label.capitalize()} ({where}): {item.show(item.wanted)}")
        lines.append("")
    lines += [
        "When the changes are made, run the **profiles** workflow (Actions > profiles > Run workflow) or "
        f"`socialops profiles diff {diff.profile_id}`: this issue is closed when the live profile matches. "
        f"If the live value is the right one, change `{diff.path}` instead.",
    ]
    return "\n".join(lines)


def update_drift_issue(tracker: Any, diff: ProfileDiff, *, include_syncable: bool = False) -> str | None:
    """Open, update or close the profile's "Profile drift" issue. Returns what was done (or None)."""
    needed = bool(drift_items(diff, include_syncable=include_syncable))
    return sync_status_issue(
        tracker, drift_key(diff.profile_id), needed=needed, title=f"Profile drift: {diff.profile_id} ({diff.label})",
        body=drift_issue_body(diff, include_syncable=include_syncable) if needed else "",
        labels=[DRIFT_LABEL, f"profile:{diff.profile_id}", f"network:{diff.network}"],
        close_comment=f"The live {diff.label} profile matches `{diff.path}` now.")


# --- running over profiles ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    profile_id: str
    result: SyncResult | None = None
    error: str | None = None
    issue: str | None = None


def run_profiles(root: Path, profiles: Iterable[Any], *, mode: str, open_network: Callable[[Any], Any],
                 tracker: Any | None = None, dry_run: bool = False) -> list[Outcome]:
    """``mode`` "diff" or "sync" over each profile; a failing profile is reported and the others go on.

    ``open_network(profile)`` gives the adapter (closed here). With a ``tracker`` the "Profile drift" issues
    are kept (never with ``dry_run``)."""
    out = []
    for profile in profiles:
        outcome = Outcome(profile.id)
        try:
            with open_network(profile) as network:
                if mode == "sync":
                    outcome.result = sync_profile(profile, root, network, dry_run=dry_run)
                else:
                    diff, _ = diff_profile(profile, root, network)
                    outcome.result = SyncResult(diff, planned=[f.basic for f in diff.syncable], dry_run=True)
        except SocialOpsError as exc:
            outcome.error = str(exc)
        except NotImplementedError:
            label = profile.spec.label if profile.spec else profile.network
            outcome.error = f"{label}: reading the profile is not available in this version of socialops"
        if outcome.result is not None and tracker is not None and not dry_run:
            outcome.issue = update_drift_issue(tracker, outcome.result.diff, include_syncable=mode != "sync")
        out.append(outcome)
    return out


# --- for the command line -------------------------------------------------------------------------------------


def select_profiles(root: Path, ids: Iterable[str]) -> tuple[list[Any], dict[str, str]]:
    """The profiles to work on (all when ``ids`` is empty), and for each profile whose file has errors the
    first of them (those are reported, not synced). Unknown ids are a UsageError."""
    unreadable: list = []  # a profile file that cannot be read is reported below, the others go on
    config = load_config(root, unreadable)
    wanted = list(dict.fromkeys(ids))
    unknown = [i for i in wanted if i not in config.profiles]
    if unknown:
        raise UsageError(f"no profile {', '.join(unknown)} (profiles: {', '.join(sorted(config.profiles)) or 'none'})")
    chosen = [config.profiles[i] for i in (wanted or sorted(config.profiles))]
    broken: dict[str, str] = {}
    for profile in chosen:
        for problem in unreadable + profile_problems(profile, root):
            if problem.path == profile.path and problem.severity == ERROR:
                broken[profile.id] = (f"{problem.path}:{problem.line}: {problem.message} (run `socialops validate` "
                                      "and fix the file first)")
                break
    return chosen, broken


MARKS = {SAME: "=", DIFFERS: "~", UNREADABLE: "?", NOT_CHECKED: "-"}


def format_outcomes(outcomes: list[Outcome], *, mode: str) -> str:
    """What diff / sync found, for people: one block per profile, one line per basic."""
    lines = []
    for outcome in outcomes:
        if outcome.error:
            lines.append(f"{outcome.profile_id}: FAILED: {outcome.error}")
            continue
        assert outcome.result is not None
        result, diff = outcome.result, outcome.result.diff
        head = f"{diff.profile_id} ({diff.label} {diff.account})"
        if mode == "sync" and result.dry_run:
            head += f": would write {', '.join(result.planned) or 'nothing'}"
        elif mode == "sync":
            head += f": wrote {', '.join(result.written) or 'nothing'}"
            if result.not_taken:
                head += f"; not taken by the network: {', '.join(result.not_taken)}"
        else:
            head += f": {len(diff.drift)} difference{'s' if len(diff.drift) != 1 else ''}"
        lines.append(head)
        for item in diff.fields:
            note = {SAME: "same", DIFFERS: "differs", UNREADABLE: "could not be read",
                    NOT_CHECKED: "manual: not readable through the API"}[item.state]
            line = f"  {MARKS[item.state]} {item.basic:<16} {item.mode:<6} {note}"
            if item.state == DIFFERS:
                line += f": file {item.show(item.wanted)}, live {item.show(item.live)}"
            lines.append(line)
        if outcome.issue:
            lines.append(f"  issue 'Profile drift: {diff.profile_id}': {outcome.issue}")
    return "\n".join(lines)


def outcomes_failed(outcomes: list[Outcome], *, mode: str) -> bool:
    """Exit 1: a profile failed, or (diff, dry run) something differs, or (sync) something still differs."""
    for outcome in outcomes:
        if outcome.error or outcome.result is None:
            return True
        if outcome.result.diff.drift:
            return True
    return False
