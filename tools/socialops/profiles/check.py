"""``socialops profiles check``: can socialops work with each profile's account, and with which rights?

For each profile (``Network.check_access``): the token in the secret named by ``token_env`` works, the account
exists and is the one the file names, and the token holds what publishing, metrics, moderation and profile
sync need -- each reported on its own, with what to do when it is missing.

A profile whose check fails gets an "Open this profile" issue with the network's checklist (create the
account, connect the app, create the token, add the secret under the exact name, run check), the steps
already done ticked. The issue stays open until check passes, then it is closed.

On GitHub (``GITHUB_TOKEN``, ``GITHUB_REPOSITORY``), check also asks which workflows GitHub has disabled
(``GET /repos/{owner}/{repo}/actions/workflows``: ``state`` ``disabled_inactivity`` after 60 days without
activity in a public repository, or ``disabled_manually``): a disabled ``publish`` workflow publishes nothing,
so check fails and a "Scheduled workflows are disabled" issue says how to turn them on again.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
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


# --- workflows GitHub has disabled ------------------------------------------------------------------------

WORKFLOWS_ISSUE_KEY = "workflows-disabled"
DISABLED_WHY = {
    "disabled_inactivity": "GitHub turned its schedule off after 60 days without activity in the repository",
    "disabled_manually": "someone turned it off",
    "disabled_fork": "workflows are off in a fork until turned on",
}


def disabled_workflows(env: Mapping[str, str], client: Any) -> list[dict[str, str]]:
    """The repository's workflows GitHub has disabled ({name, path, state, why}); empty when not on GitHub.
    ``client``: an httpx.Client. Raises NetworkError when GitHub cannot be asked."""
    repo, token = env.get("GITHUB_REPOSITORY", ""), env.get("GITHUB_TOKEN", "")
    if not repo or not token:
        return []
    api = (env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
    try:
        response = client.get(f"{api}/repos/{repo}/actions/workflows", params={"per_page": 100},
                              headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                                       "X-GitHub-Api-Version": "2022-11-28"})
    except Exception as exc:  # noqa: BLE001 - httpx's errors, loaded lazily
        raise NetworkError(f"GitHub: could not list the workflows: {type(exc).__name__}", network="github") from None
    if response.status_code != 200:
        raise NetworkError(f"GitHub: listing the workflows answered {response.status_code} (the job needs the "
                           "permission 'actions: read')", network="github", status=response.status_code)
    workflows = response.json().get("workflows") or []
    return [{"name": str(w.get("name") or w.get("path")), "path": str(w.get("path") or ""), "state": str(w["state"]),
             "why": DISABLED_WHY.get(str(w["state"]), "it is disabled")}
            for w in workflows if isinstance(w, dict) and str(w.get("state", "")).startswith("disabled")]


def workflows_text(disabled: list[dict[str, str]]) -> str:
    lines = [f"workflow {w['name']} ({w['path']}) is disabled: {w['why']}. Turn it on: Actions > {w['name']} > "
             "Enable workflow" for w in disabled]
    if any(w["path"].endswith("/publish.yml") for w in disabled):
        lines.append("while publish is disabled nothing is published: posts handed over to a network's own "
                     "scheduling still go out, the others are missed")
    return "\n".join(lines)


def update_workflows_issue(tracker: Any, disabled: list[dict[str, str]]) -> str | None:
    """Open the "Scheduled workflows are disabled" issue while any is; close it when none is."""
    return sync_status_issue(
        tracker, WORKFLOWS_ISSUE_KEY, needed=bool(disabled), title="Scheduled workflows are disabled",
        body="\n".join(f"- {line}" for line in workflows_text(disabled).splitlines()),
        labels=["workflows"], close_comment="Every workflow is enabled again.", same=lambda old, new: old == new)
