"""``socialops profiles check``: can socialops work with each profile's account, and with which rights?

For each profile (``Network.check_access``): the token in the secret named by ``token_env`` works, the account
exists and is the one the file names, and the token holds what publishing, metrics, moderation and profile
sync need -- each reported on its own, with what to do when it is missing.

A profile whose check fails gets an "Open this profile" issue with the network's checklist (create the
account, connect the app, create the token, add the secret under the exact name, run check), the steps
already done ticked. The issue stays open until check passes, then it is closed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from socialops.errors import AuthError, ConfigError, NetworkError, SocialOpsError
from socialops.networks import NETWORKS
from socialops.networks.types import MISSING, OK, AccessReport
from socialops.tracker.interface import sync_status_issue

OPEN_LABEL = "profile-open"

@dataclass
class CheckResult:
    profile_id: str
    network: str
    label: str
    report: AccessReport | None = None
    error: str | None = None  # the token was refused, the account was not found, the settings are wrong
    secret_missing: bool = False  # the secret named by token_env is not set
    token_refused: bool = False  # it is set, but the network refused it
    issue: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.error is None and self.report is not None and self.report.passed

    def problems(self) -> list[str]:
        out = [self.error] if self.error else []
        if self.report is not None:
            out += self.report.problems
            out += [f"{c.name}: {c.detail}; {c.fix}" for c in self.report.capabilities if c.status == MISSING]
        return out

    def to_dict(self) -> dict[str, Any]:
        report = self.report
        return {
            "profile": self.profile_id, "network": self.network, "passed": self.passed, "error": self.error,
            "token_ok": bool(report and report.token_ok), "account_ok": bool(report and report.account_ok),
            "account": report.account_seen if report else None,
            "problems": report.problems if report else [],
            "capabilities": [{"name": c.name, "status": c.status, "detail": c.detail, "fix": c.fix}
                             for c in (report.capabilities if report else [])],
            "notes": (report.notes if report else []) + self.notes, "issue": self.issue,
        }


def check_profile(profile: Any, open_network: Callable[[Any], Any]) -> CheckResult:
    spec = profile.spec
    label = spec.label if spec else profile.network
    result = CheckResult(profile.id, profile.network, label)
    try:
        with open_network(profile) as network:
            result.report = network.check_access()
    except AuthError as exc:
        result.error = str(exc)
        result.secret_missing = bool(profile.token_env) and "is not set" in exc.message
        result.token_refused = not result.secret_missing
    except (NetworkError, ConfigError) as exc:
        result.error = str(exc)
    except NotImplementedError:
        result.error = f"{label}: checking the account is not available in this version of socialops"
    except SocialOpsError as exc:
        result.error = str(exc)
    return result


def open_issue_key(profile_id: str) -> str:
    return f"profile-open:{profile_id}"


def checklist_body(profile: Any, result: CheckResult, *, now: dt.datetime) -> str:
    """The "Open this profile" issue: the network's checklist with the steps already done ticked."""
    report = result.report
    token_works = bool(report and report.token_ok)
    done = {
        "account": bool(report and report.account_ok),
        "app": token_works,
        "token": token_works,
        "secret": token_works or result.token_refused,
    }
    values = {
        "secret": profile.token_env or "SOCIALOPS_" + profile.id.upper().replace("-", "_") + "_TOKEN",
        "account": profile.account, "id": profile.id,
        "instance": str(profile.setting("instance") or "your Mastodon server"),
        "service": str(profile.setting("service") or "https://bsky.social"),
    }
    spec = NETWORKS.get(profile.network)
    steps = spec.checklist if spec else ()
    lines = [f"`{profile.path}` describes a {result.label} account that socialops cannot use yet. Work through "
             "the list; the issue closes itself when `socialops profiles check` passes.", ""]
    for key, text in steps:
        lines.append(f"- [{'x' if done.get(key) else ' '}] {text.format(**values)}")
    capabilities = report.capabilities if report else []
    all_ok = bool(capabilities) and all(c.status == OK for c in capabilities)
    lines.append(f"- [{'x' if all_ok else ' '}] Give the token what publishing, metrics, moderation and profile "
                 "sync need (see below).")
    lines.append(f"- [ ] Run check: Actions > profiles > Run workflow (action `check`), or "
                 f"`socialops profiles check {profile.id}` with the secret exported.")
    lines += ["", f"### What check saw ({now.astimezone(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')})", ""]
    for problem in result.problems():
        lines.append(f"- {problem}")
    for cap in capabilities:
        mark = {"ok": "ok", "missing": "MISSING", "unknown": "unknown"}[cap.status]
        lines.append(f"- {cap.name}: {mark} ({cap.detail})" + (f" -- {cap.fix}" if cap.status != OK and cap.fix
                                                                 else ""))
    if not result.problems() and not capabilities:
        lines.append("- nothing was checked yet")
    return "\n".join(lines)


def update_open_issue(tracker: Any, profile: Any, result: CheckResult, *, now: dt.datetime) -> str | None:
    """Open (or keep current) the "Open this profile" issue while check fails; close it when it passes."""
    seen = result.report.account_seen if result.report else profile.account
    return sync_status_issue(
        tracker, open_issue_key(profile.id), needed=not result.passed,
        title=f"Open this profile: {profile.id} ({result.label})",
        body="" if result.passed else checklist_body(profile, result, now=now),
        labels=[OPEN_LABEL, f"profile:{profile.id}", f"network:{profile.network}"],
        close_comment=f"`socialops profiles check` passed: the token works, the account is {seen}, and "
                      "publishing, metrics, moderation and profile sync have what they need.",
        same=lambda old, new: _without_time(old) == _without_time(new))


def _without_time(body: str) -> str:
    return re.sub(r"### What check saw \([^)]*\)", "### What check saw", body or "").strip()


def check_profiles(profiles: Iterable[Any], open_network: Callable[[Any], Any], *, tracker: Any | None = None,
                   now: dt.datetime) -> list[CheckResult]:
    out = []
    for profile in profiles:
        result = check_profile(profile, open_network)
        if tracker is not None:
            result.issue = update_open_issue(tracker, profile, result, now=now)
        out.append(result)
    return out


def format_results(results: list[CheckResult]) -> str:
    lines = []
    for result in results:
        report = result.report
        state = "ok" if result.passed else "FAILED"
        seen = f" -- {report.account_seen}" if report and report.account_seen else ""
        lines.append(f"{result.profile_id} ({result.label}): {state}{seen}")
        if result.error:
            lines.append(f"  ! {result.error}")
        if report is not None:
            lines += [f"  ! {problem}" for problem in report.problems]
            for cap in report.capabilities:
                line = f"  {cap.name:<11} {cap.status:<8} {cap.detail}"
                if cap.status != OK and cap.fix:
                    line += f"\n  {'':<11} {'':<8} what to do: {cap.fix}"
                lines.append(line)
            lines += [f"  note: {note}" for note in report.notes]
        if result.issue:
            lines.append(f"  issue 'Open this profile: {result.profile_id}': {result.issue}")
    return "\n".join(lines)
