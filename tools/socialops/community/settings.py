"""A profile's moderation settings: ``moderation:`` in profiles/<id>.yaml (watch words, extra abusive words,
trusted accounts, hide rules, the window, the categories to flag, the flood cap, how long the seen-log
remembers), what they add to the built-in rules, and what is wrong with them (:func:`settings_problems`,
which validation reports with file and line).

Who may moderate (``roles.moderators`` and ``roles.admins``) is read by the one roles parser,
:func:`socialops.repository.profiles.parse_roles`, for validation and authorisation alike.

Validation imports this module, so it stays light: no httpx, no PyGithub.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from socialops.community.categories import CATEGORIES, CONFIDENCE, FLAGGED, Decision
from socialops.community.lexicons import Pattern, Token, normalise, tokenize
from socialops.repository.profiles import parse_roles
from socialops.state.comments import DEFAULT_RETENTION_DAYS

HIDE_CATEGORIES = ("abusive", "spam")
HIDE_KINDS = ("insult", "slur", "threat", "directed", "weak_insult", "extra", "spam", "link", "mentions",
              "repeated", "injection", "emoji")
MODERATION_KEYS = ("watch_words", "abusive_words", "trusted", "hide", "window_days", "flag", "issue_cap",
                   "retention_days")
DEFAULT_ISSUE_CAP = 20  # issues a run opens or adds to per profile; the rest go into the day's digest issue
DEFAULT_WINDOW_DAYS = 30
HIDE_RULE_KEYS = ("category", "kinds", "words", "min_confidence")


@dataclass(frozen=True)
class HideRule:
    """Hide at once a comment of ``category`` when its confidence is at least ``min_confidence``, and (when
    given) the evidence is of one of ``kinds`` and/or the comment has one of ``words``."""

    category: str = "abusive"
    kinds: tuple[str, ...] = ()
    words: tuple[Pattern, ...] = ()
    min_confidence: str = "high"

    def describe(self) -> str:
        bits = [self.category]
        if self.kinds:
            bits.append("kinds " + ", ".join(self.kinds))
        if self.words:
            bits.append("words " + ", ".join(p.source for p in self.words))
        if self.min_confidence != "high":
            bits.append(f"confidence {self.min_confidence}+")
        return "; ".join(bits)

    def matches(self, decision: Decision, tokens: Sequence[Token]) -> bool:
        if decision.category != self.category:
            return False
        if CONFIDENCE.index(decision.confidence) < CONFIDENCE.index(self.min_confidence):
            return False
        if self.kinds and not set(self.kinds) & set(decision.kinds):
            return False
        if self.words and not any(p.find(tokens) for p in self.words):
            return False
        return True


@dataclass(frozen=True)
class ProfileRules:
    """What ``moderation:`` and ``roles:`` in profiles/<id>.yaml add to the built-in rules."""

    watch_words: tuple[Pattern, ...] = ()
    abusive_words: tuple[Pattern, ...] = ()
    trusted: frozenset[str] = frozenset()
    hide: tuple[HideRule, ...] = ()
    window_days: int | None = None
    flag: frozenset[str] = FLAGGED
    moderators: tuple[str, ...] = ()  # case-folded logins of roles.moderators and roles.admins
    issue_cap: int = DEFAULT_ISSUE_CAP
    retention_days: int = DEFAULT_RETENTION_DAYS  # how long state/comments.csv remembers a comment

    def is_trusted(self, *names: str | None) -> bool:
        return any(account_key(n) in self.trusted for n in names if n)

    def hide_rule(self, decision: Decision, text: str) -> HideRule | None:
        tokens = tokenize(normalise(text))
        return next((rule for rule in self.hide if rule.matches(decision, tokens)), None)


def account_key(name: str) -> str:
    """An account or login as compared: without the @, case-folded."""
    return str(name).strip().lstrip("@").casefold()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int) and not isinstance(v, bool) and str(v).strip()]
    return []


def profile_rules(raw: Mapping[str, Any]) -> ProfileRules:
    """The moderation settings of a profile's raw YAML (invalid parts are ignored here; validate reports them)."""
    mod = raw.get("moderation") if isinstance(raw.get("moderation"), dict) else {}
    hide: list[HideRule] = []
    for item in mod.get("hide") or [] if isinstance(mod.get("hide"), list) else []:
        if isinstance(item, str) and item in HIDE_CATEGORIES:
            hide.append(HideRule(category=item))
        elif isinstance(item, dict) and item.get("category", "abusive") in HIDE_CATEGORIES:
            confidence = item.get("min_confidence", "high")
            hide.append(HideRule(
                category=str(item.get("category", "abusive")),
                kinds=tuple(k for k in _strings(item.get("kinds")) if k in HIDE_KINDS),
                words=tuple(Pattern.parse(w) for w in _strings(item.get("words"))),
                min_confidence=confidence if confidence in CONFIDENCE else "high",
            ))
    window = mod.get("window_days")
    cap, retention = mod.get("issue_cap"), mod.get("retention_days")
    # a health or safety report reaches a person whatever the profile flags
    flag = (frozenset(c for c in _strings(mod.get("flag")) if c in CATEGORIES) or FLAGGED) | {"incident"}
    return ProfileRules(
        watch_words=tuple(Pattern.parse(w, compounds=True) for w in _strings(mod.get("watch_words"))),
        abusive_words=tuple(Pattern.parse(w) for w in _strings(mod.get("abusive_words"))),
        trusted=frozenset(account_key(n) for n in _strings(mod.get("trusted"))),
        hide=tuple(hide),
        window_days=window if isinstance(window, int) and not isinstance(window, bool) and window > 0 else None,
        flag=flag,
        moderators=tuple(dict.fromkeys(login.casefold() for login in parse_roles(raw.get("roles")).moderators)),
        issue_cap=cap if _whole(cap) and cap > 0 else DEFAULT_ISSUE_CAP,
        retention_days=retention if _whole(retention) and retention > 0 else DEFAULT_RETENTION_DAYS,
    )


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def settings_problems(raw: Mapping[str, Any]) -> list[tuple[tuple, str]]:
    """What is wrong with ``moderation:`` and ``roles.moderators`` of a profile: [(key path, message)].
    Used by validate.profile_problems (which adds file and line)."""
    out: list[tuple[tuple, str]] = []
    mod = raw.get("moderation")
    if mod is not None:
        if not isinstance(mod, dict):
            return [(("moderation",), "'moderation' must be keys like 'watch_words: [...]' and 'hide: [abusive]'")]
        for key in mod:
            if key not in MODERATION_KEYS:
                out.append((("moderation", key), f"'moderation.{key}' is not a moderation setting; use "
                                                  f"{', '.join(MODERATION_KEYS)}"))
        for key in ("watch_words", "abusive_words", "trusted", "flag"):
            value = mod.get(key)
            if value is None:
                continue
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                out.append((("moderation", key), f"'moderation.{key}' must be a list of words, like [\"sana*\"]"))
        for i, cat in enumerate(mod.get("flag") or [] if isinstance(mod.get("flag"), list) else []):
            if isinstance(cat, str) and cat not in CATEGORIES:
                out.append((("moderation", "flag", i), f"'{cat}' is not a category; use {', '.join(CATEGORIES)}"))
        window = mod.get("window_days")
        if window is not None and (not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 365):
            out.append((("moderation", "window_days"), "'moderation.window_days' must be a number of days, 1 to 365"))
        cap = mod.get("issue_cap")
        if cap is not None and (not _whole(cap) or not 1 <= cap <= 500):
            out.append((("moderation", "issue_cap"), "'moderation.issue_cap' must be a number of issues a run may "
                                                     "open or add to, 1 to 500 (the rest go into one digest issue)"))
        retention = mod.get("retention_days")
        shortest = window if _whole(window) else DEFAULT_WINDOW_DAYS
        if retention is not None and (not _whole(retention) or not shortest <= retention <= 3650):
            out.append((("moderation", "retention_days"),
                        f"'moderation.retention_days' must be a number of days from the window ({shortest}) to "
                        "3650: a comment forgotten while its post is still looked at would be handled again"))
        hide = mod.get("hide")
        if hide is not None:
            if not isinstance(hide, list):
                out.append((("moderation", "hide"), "'moderation.hide' must be a list of rules, like [abusive] or "
                                                    "[{category: abusive, kinds: [threat, slur]}]"))
            else:
                for i, rule in enumerate(hide):
                    out += _hide_rule_problems(rule, i)
    out += [(problem.keys, problem.message) for problem in parse_roles(raw.get("roles")).problems
            if problem.keys[:2] == ("roles", "moderators")]
    return out


def _hide_rule_problems(rule: Any, i: int) -> list[tuple[tuple, str]]:
    where = ("moderation", "hide", i)
    if isinstance(rule, str):
        if rule not in HIDE_CATEGORIES:
            return [(where, f"'{rule}' cannot be hidden automatically; use {' or '.join(HIDE_CATEGORIES)}")]
        return []
    if not isinstance(rule, dict):
        return [(where, "a hide rule is a category (abusive, spam) or keys category/kinds/words/min_confidence")]
    out = []
    for key in rule:
        if key not in HIDE_RULE_KEYS:
            out.append(((*where, key), f"'{key}' is not a hide rule key; use {', '.join(HIDE_RULE_KEYS)}"))
    if rule.get("category", "abusive") not in HIDE_CATEGORIES:
        out.append(((*where, "category"), f"'category' must be {' or '.join(HIDE_CATEGORIES)}"))
    kinds = rule.get("kinds")
    if kinds is not None and (not isinstance(kinds, list) or any(k not in HIDE_KINDS for k in kinds)):
        out.append(((*where, "kinds"), f"'kinds' must be a list of {', '.join(HIDE_KINDS)}"))
    words = rule.get("words")
    if words is not None and (not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words)):
        out.append(((*where, "words"), "'words' must be a list of words"))
    if rule.get("min_confidence", "high") not in CONFIDENCE:
        out.append(((*where, "min_confidence"), f"'min_confidence' must be one of {', '.join(CONFIDENCE)}"))
    return out


