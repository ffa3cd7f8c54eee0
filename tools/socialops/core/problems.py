"""A problem found in the repository's files, and how it is printed for people, machines and GitHub."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"

# Every code validate can give, with what it means. The README's table is made from this.
CODES: dict[str, str] = {
    "unreadable": "the file cannot be read: binary, not UTF-8, too large, or broken YAML",
    "unknown-key": "a key the file does not use (often a typo; the message suggests the right one)",
    "wrong-type": "a value of the wrong kind, e.g. text where a list is needed",
    "missing-id": "a post without an `id`",
    "duplicate-id": "two posts with the same `id`",
    "no-profiles": "a post that names no profile to publish to",
    "unknown-profile": "a post or the plan names a profile that has no file in profiles/",
    "unknown-pillar": "a post's `pillar` is not one of the plan's pillars",
    "bad-status": "`status` is not draft or ready",
    "bad-type": "`type` is not one of text, image, carousel, video, story, reel, live, link",
    "bad-time": "a time that cannot be read",
    "time-in-dst-gap": "a local time that does not exist (the clocks jump forward)",
    "time-ambiguous": "a local time that happens twice (the clocks turn back)",
    "type-unsupported": "a network that cannot publish this type of post",
    "type-media-mismatch": "the media do not fit the type (e.g. a carousel with one image)",
    "needs-media": "a network that needs an image or video (Instagram)",
    "text-too-long": "the text is longer than the network allows, counted the network's way",
    "too-many-hashtags": "more hashtags than the network allows",
    "media-missing": "a media file that does not exist",
    "media-outside-repo": "a media path that leads outside the repository",
    "media-type": "a media file type the network does not take",
    "too-many-media": "more media items than the network allows in one post",
    "image-unreadable": "an image file that is not a readable image",
    "image-size": "an image too small, too large or too heavy for the network",
    "image-aspect": "an image whose shape (width:height) the network does not take for this type of post",
    "video-size": "a video too heavy, too large or too small for the network and type of post",
    "video-aspect": "a video whose shape the network does not take for this type of post",
    "video-duration": "a video too short or too long for the network and type of post",
    "invisible-characters": "zero-width or bidirectional control characters, published as they are (a warning)",
    "alt-missing": "an image without alt text (people using screen readers cannot see it)",
    "alt-too-long": "alt text longer than the network allows",
    "captions-missing": "a video without a subtitle file",
    "captions-invalid": "a subtitle file that is not valid SRT or WebVTT",
    "captions-format": "a subtitle file of a kind the network does not take",
    "captions-not-taken": "`captions: file` on a network that takes no subtitle file with this type of post",
    "bad-captions": "`captions` is not burn or file",
    "link-invalid": "a link that is not an http(s) address",
    "live-invalid": "a live post without a readable `live.starts_at`",
    "task-untimed": "a live that a person does by hand (a manual task) without `publish_at`",
    "repeat-invalid": "a recurring post's `repeat:` rule that cannot be used (every, on, at, from, until, count, rrule)",
    "evergreen-invalid": "an evergreen post's `evergreen:` interval that cannot be used (like `every: 60 days`)",
    "local-invalid": "a Google Business Profile post's `local:` block Google would refuse (topic, button, event, offer)",
    "override-unknown": "an override for a profile or network the post does not target",
    "profile-network": "a profile with a missing or unknown network",
    "profile-token": "a profile without a valid `token_env` (the name of the secret holding its token)",
    "profile-setting": "a profile missing a setting its network needs, or with a wrong one",
    "profile-cleartext": "an `instance` or `service` over plain http (the token would travel in clear)",
    "profile-id": "a profile whose `id` differs from its file name",
    "profile-owner": "an owner that is not a GitHub user (@name) or team (@org/team)",
    "profile-moderation": "a `moderation:` setting of a profile that cannot be used (watch words, hide rules, window)",
    "profile-basics": "a profile basic of the wrong shape, or one the network has no place for",
    "profile-text-too-long": "a display name, bio or profile field longer than the network allows",
    "profile-url": "a profile `website` that is not an http(s) address",
    "profile-email": "a `contact.email` that is not an e-mail address",
    "profile-phone": "a `contact.phone` not in international form (+ country code, at most 15 digits)",
    "profile-image": "a profile picture or cover the network does not take: file type, bytes or pixels",
    "profile-image-aspect": "a profile picture or cover whose shape the network crops (a warning)",
    "profile-role": "a `roles` entry that is not admins/editors/moderators/analysts, or not a GitHub user",
    "media-url-private": "a Facebook/Instagram/Threads profile in a private repository without `media_base_url` "
                         "(Meta fetches media from a public address; set GITHUB_REPOSITORY_VISIBILITY in workflows)",
    "schedule-timezone": "a timezone that is not a tz database name like Europe/Helsinki",
    "schedule-invalid": "a value in schedule.yaml that cannot be used",
    "schedule-pillars": "pillar shares that do not add up to 100",
    "cadence-invalid": "a cadence slot that cannot be used: its shape, per_week/per_day count or hours",
    "cadence-day": "a weekday that is not mon..sun (or ma, ti, ke, to, pe, la, su)",
    "cadence-time": "a slot time that is not \"HH:MM\" (24 h, in quotes) or an hour 0-23",
    "blackout-invalid": "a blackout date or range that cannot be read, or whose `from` is after its `to`",
    "profile-brand": "a profile's `brand:` that cannot be a folder name under content/, like acme",
    "brand-folder": "a post that publishes to a profile of another brand than the one whose folder "
                    "(content/<brand>/) holds it, or a brand's profile from outside the brand's folder",
    "brand-plan": "a section under `brands:` in schedule.yaml that cannot be used: its shape, its name, or "
                  "slots for a profile of another brand",
    "workflow-secrets": "a workflow that does not pass a profile's token secret, or passes one no profile uses "
                        "(`socialops codeowners` writes them)",
    "snippet-unknown": "`{{snippet: name}}` names no file in snippets/",
    "snippet-loop": "snippets that use each other round in a circle (a uses b, b uses a)",
    "snippet-empty": "a snippet file without text",
    "snippet-invalid": "a snippet file that cannot be used: two files with one name, or a setting that is not "
                       "a network or profile",
    "utm-invalid": "a `utm:` block (link tags) with a key, placeholder or site that cannot be used",
    "utm-no-site": "links would get tags but no site is named to tag (add the profile's `website` or `utm.domains`)",
    "placeholder": "text, a link or a file name left from the template of `socialops new` (write the real one)",
}


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    severity: str
    code: str
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    """What a validation run found: how many files it checked, and the problems in a stable order."""

    checked: int
    problems: list[Problem]

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == WARNING)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.severity != ERROR, p.code, p.message))


def format_text(problems: list[Problem]) -> str:
    return "\n".join(f"{p.path}:{p.line}: {p.severity} [{p.code}] {p.message}" for p in problems)


def format_json(checked: int, problems: list[Problem]) -> str:
    import json  # here: the warm `validate` path loads this module, and most runs print text

    return json.dumps({"checked": checked, "problems": [p.to_dict() for p in problems]}, ensure_ascii=False, indent=2)


def _escape_data(value: str) -> str:
    # GitHub's workflow command escaping: the message cannot break out into a new command.
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(problems: list[Problem]) -> str:
    """Workflow annotations: `::error file=...,line=...,title=...::message`, with untrusted text escaped."""
    out = []
    for p in problems:
        level = "error" if p.severity == ERROR else "warning"
        props = f"file={_escape_property(p.path)},line={p.line},title={_escape_property(p.code)}"
        out.append(f"::{level} {props}::{_escape_data(p.message)}")
    return "\n".join(out)
