"""`socialops init`: the template made into one brand's repository, or a profile added to it later.

The first run removes the example café (its posts, profiles, saved replies, snippets, metrics, ledgers, reports and the
local sandbox), then writes the brand's profiles (on the sandbox network, imitating each real network, until
the team goes live), schedule.yaml with a starting cadence, saved replies in the brand's languages, example snippets, the issue
form's example profiles, CODEOWNERS and the workflows' token secrets. A later run with only `--profile` adds
profiles: their files, a cadence each, and the generated files again. Nothing of the brand's own is removed
then, and a repository that has published (state/publications.csv) is never made again.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from socialops.content.new import slugify
from socialops.core.files import atomic_write_text
from socialops.errors import UsageError
from socialops.networks import NETWORKS
from socialops.profiles.codeowners import OWNER_RE, write_generated
from socialops.repository.config import load_config
from socialops.repository.profiles import find_profiles
from socialops.repository.schedule import SCHEDULE_FILE
from socialops.template import texts
from socialops.validate.common import timezone_advice, valid_timezone

EXAMPLE_PATHS = ("content", "profiles", "replies", "snippets", "metrics", "state", "reports", ".socialops")
LEDGER = "state/publications.csv"
ISSUE_FORM = ".github/ISSUE_TEMPLATE/new-post.yml"
_LOGIN = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")


@dataclass(frozen=True)
class Account:
    network: str
    account: str


@dataclass
class InitResult:
    brand: str
    made: bool  # True: the template was made into the brand; False: profiles were added
    added: list[str] = field(default_factory=list)  # profile ids
    existing: list[str] = field(default_factory=list)  # accounts that already had a profile
    tokens: list[str] = field(default_factory=list)  # the secrets to add, one per profile (all of them)
    written: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def parse_account(text: str) -> Account:
    """'instagram:@bakery' -> Account('instagram', '@bakery'); the network must be one socialops publishes to."""
    network, sep, account = text.partition(":")
    network, account = network.strip().lower(), account.strip()
    real = sorted(n for n, spec in NETWORKS.items() if n != "sandbox" and _has_adapter(spec))
    if not sep or not account:
        raise UsageError(f"--profile {text!r}: write it as network:account, e.g. instagram:@bakery "
                         f"(networks: {', '.join(real)})")
    if network not in real:
        raise UsageError(f"--profile {text!r}: '{network}' is not a network socialops publishes to; use one of: "
                         f"{', '.join(real)}")
    return Account(network, account)


def _has_adapter(spec) -> bool:
    """Whether socialops can publish to the network yet (Threads has its spec before its adapter)."""
    return importlib.util.find_spec(f"socialops.networks.{spec.adapter.partition(':')[0]}.adapter") is not None


def brand_of(root: Path) -> str | None:
    """The brand's name when `socialops init` made this repository (schedule.yaml's second line says so)."""
    path = root / SCHEDULE_FILE
    head = path.read_text(encoding="utf-8", errors="replace").splitlines()[:3] if path.is_file() else []
    for line in head:
        found = re.match(r"^# The content plan of (.+) " + re.escape(texts.MARKER), line)
        if found:
            return found.group(1)
    return None


def init_brand(root: Path, *, accounts: list[Account], name: str | None = None, timezone: str | None = None,
               languages: list[str] | None = None, owners: list[str] | None = None,
               admins: list[str] | None = None) -> InitResult:
    """Make the template into the brand `name` (first run), or add `accounts` to the brand made before."""
    owners, admins = list(owners or []), list(admins or [])
    for who in owners:
        if not OWNER_RE.match(who):
            raise UsageError(f"--owner {who}: not a GitHub user (@name) or team (@org/team)")
    for who in admins:
        if not _LOGIN.match(who):
            raise UsageError(f"--admin {who}: not a GitHub user (@name; teams go in --owner)")
    made_before = brand_of(root)
    if made_before is None:
        return _make(root, accounts=accounts, name=name, timezone=timezone, languages=languages or [],
                     owners=owners, admins=admins)
    if timezone or languages or (name and name != made_before):
        raise UsageError(f"this repository is already {made_before}'s (schedule.yaml): to add a profile give only "
                         "--profile network:account; change the timezone in schedule.yaml and write replies in "
                         "replies/ by hand")
    if not accounts:
        raise UsageError("nothing to add: give --profile network:account (repeatable)")
    return _add(root, made_before, accounts, owners=owners, admins=admins, made=False)


def _make(root: Path, *, accounts, name, timezone, languages, owners, admins) -> InitResult:
    if not name or not name.strip():
        raise UsageError("give the brand's name: socialops init --name \"Your Brand\" --timezone Europe/London "
                         "--profile instagram:@yourbrand ...")
    if not timezone or not valid_timezone(timezone):
        raise UsageError(f"--timezone {timezone or '(none)'}: not a timezone; "
                         f"{timezone_advice(timezone or '')}")
    if not accounts:
        raise UsageError("give at least one --profile network:account, e.g. --profile instagram:@yourbrand")
    if (root / LEDGER).exists():
        raise UsageError(f"{LEDGER} exists: this repository has published already, and making it a new brand "
                         "would delete its history; add a profile with --profile only, or start from the template")
    languages = list(dict.fromkeys(lang.strip().lower() for item in languages or ["en"] for lang in item.split(",")
                                   if lang.strip()))
    for rel in EXAMPLE_PATHS:
        path = root / rel
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
    (root / "content").mkdir()
    (root / "content" / ".gitkeep").write_text("", encoding="utf-8")
    atomic_write_text(root / SCHEDULE_FILE, texts.schedule_text(brand=name.strip(), timezone=timezone, cadence={}))
    result = _add(root, name.strip(), accounts, owners=owners, admins=admins, made=True)
    result.written[:0] = [SCHEDULE_FILE] + _write_replies(root, name.strip(), languages, result.notes) \
        + _write_snippets(root, name.strip())
    return result


def _write_snippets(root: Path, brand: str) -> list[str]:
    """Two example snippets (a hashtag set, a signature with a text per network) and how to write them."""
    folder = root / "snippets"
    folder.mkdir(exist_ok=True)
    for file_name, text in texts.snippets_texts(brand).items():
        atomic_write_text(folder / file_name, text)
    return [f"snippets/{name}" for name in texts.snippets_texts(brand)]


def _write_replies(root: Path, brand: str, languages: list[str], notes: list[str]) -> list[str]:
    folder = root / "replies"
    folder.mkdir(exist_ok=True)
    written = []
    unknown = [lang for lang in languages if lang not in texts.REPLIES]
    if unknown:
        notes.append(f"no saved replies come with socialops in {', '.join(unknown)} (it has "
                     f"{', '.join(texts.REPLIES)}): write yours in replies/")
    for lang in languages:
        for file_name, text in texts.REPLIES.get(lang, {}).items():
            atomic_write_text(folder / f"{file_name}.md", text.replace("{brand}", brand) + "\n")
            written.append(f"replies/{file_name}.md")
    atomic_write_text(folder / "README.md", texts.replies_readme(languages))
    return written + ["replies/README.md"]


def _profile_id(brand: str, account: Account, taken: set[str]) -> str:
    base = f"{slugify(brand)}-{account.network}"
    candidate = base if base not in taken else f"{base}-{slugify(account.account)}"
    n = 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _add(root: Path, brand: str, accounts: list[Account], *, owners, admins, made: bool) -> InitResult:
    result = InitResult(brand=brand, made=made)
    config = load_config(root)
    timezone = config.schedule.raw.get("timezone") or "UTC"
    have = {(p.rules_network, p.account.lower()): p.id for p in config.profiles.values()}
    taken = {Path(rel).stem for rel in find_profiles(root)}
    cadence: dict[str, str] = {}
    for account in dict.fromkeys(accounts):
        if (account.network, account.account.lower()) in have:
            result.existing.append(f"{account.network}:{account.account} "
                                   f"(profiles/{have[account.network, account.account.lower()]}.yaml)")
            continue
        profile_id = _profile_id(brand, account, taken)
        taken.add(profile_id)
        token_env = f"SOCIALOPS_{profile_id.upper().replace('-', '_')}_TOKEN"
        text = texts.profile_text(profile_id=profile_id, brand=brand, network=account.network,
                                  spec=NETWORKS[account.network], account=account.account, timezone=str(timezone),
                                  token_env=token_env, owners=owners, admins=admins)
        (root / "profiles").mkdir(exist_ok=True)
        atomic_write_text(root / "profiles" / f"{profile_id}.yaml", text)
        result.added.append(profile_id)
        result.written.append(f"profiles/{profile_id}.yaml")
        cadence[profile_id] = account.network
    if cadence:
        _add_cadence(root, cadence, result.notes)
        if not made:
            result.written.append(SCHEDULE_FILE)
    config = load_config(root)
    if _set_form_profiles(root, sorted(config.profiles)):
        result.written.append(ISSUE_FORM)
    result.written += write_generated(root, config.profiles.values())
    result.tokens = sorted({p.token_env for p in config.profiles.values() if p.token_env})
    return result


def _add_cadence(root: Path, cadence: dict[str, str], notes: list[str]) -> None:
    """A starting cadence for each new profile, inserted under schedule.yaml's `cadence:` (the rest of the file,
    comments too, stays as it is)."""
    path = root / SCHEDULE_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    entries = "".join(texts.cadence_entry(pid, network) + "\n" for pid, network in cadence.items())
    at = next((i for i, line in enumerate(lines) if re.match(r"^cadence:\s*(#.*)?$", line)), None)
    if at is None:
        if any(line.startswith("cadence:") for line in lines):
            notes.append(f"schedule.yaml writes its cadence on one line: add slots for {', '.join(cadence)} by hand")
            return
        lines.append(f"\ncadence:\n{entries}")
    else:
        lines.insert(at + 1, entries)
    atomic_write_text(path, "".join(lines))


def _set_form_profiles(root: Path, profile_ids: list[str]) -> bool:
    """The 'Propose a post' form's example of the profiles field: this brand's ids."""
    path = root / ISSUE_FORM
    if not path.is_file():
        return False
    text = path.read_text(encoding="utf-8")
    new = re.sub(r"(\n\s+id: profiles\n(?:.*\n)*?\s+placeholder: ).*\n", lambda m: m.group(1) + ", ".join(
        profile_ids[:2]) + "\n", text, count=1)
    if new == text:
        return False
    atomic_write_text(path, new)
    return True
