"""The files `socialops init` writes for a new brand: a profile, schedule.yaml, saved replies.

Written as text, not dumped from data, so each keeps the comments that tell a newcomer what to change.
Values are quoted as JSON strings, which YAML reads the same (a name like "Bakery: Est. 1920" stays one value).
"""

from __future__ import annotations

import json

from socialops.networks.spec import NetworkSpec

MARKER = "(made by socialops init)"  # on schedule.yaml's second line: this repository is a brand's already

# A starting cadence per network: what a small team can keep up; the monthly report suggests better hours.
STARTING_CADENCE = {
    "linkedin": '{days: [tue, thu], times: ["10:00"]}',
    "instagram": "{per_week: 3, hours: [11, 17, 19]}",
}
DEFAULT_CADENCE = "{per_week: 3, hours: [9, 12, 17]}"

# Saved replies per language: {file name: text}. `{name}` is the commenter's name; `{brand}` the brand's.
REPLIES: dict[str, dict[str, str]] = {
    "en": {
        "thanks": "Thank you {name}, that made our day! See you again at {brand}.",
        "opening-hours": "Hi {name}! Our opening hours are on our profile and our website. Welcome!",
        "sorry": "Hi {name}, we are truly sorry to hear this. We would like to put it right: please send us a "
                 "private message and we will get back to you soon.",
    },
    "fi": {
        "kiitos": "Kiitos {name}, ilahduit meidät! Tervetuloa uudelleen, {brand}.",
        "aukioloajat": "Hei {name}! Aukioloaikamme löydät profiilistamme ja verkkosivuiltamme. Tervetuloa!",
        "pahoittelu": "Hei {name}, olemme todella pahoillamme. Haluamme korjata asian: lähetäthän meille "
                      "yksityisviestin, niin palaamme asiaan pian.",
    },
    "sv": {
        "tack": "Tack {name}, vad glada vi blir! Välkommen tillbaka till {brand}.",
        "oppettider": "Hej {name}! Våra öppettider finns i vår profil och på vår webbplats. Välkommen!",
        "ursakta": "Hej {name}, vi är verkligen ledsna för det här. Vi vill ställa det till rätta: skicka oss "
                   "ett privat meddelande så återkommer vi snart.",
    },
}
# What each language's replies are for, in the order they are written above.
PURPOSES = ("thanks for kind words", "\"when are you open?\"",
            "a complaint: apologise and move the talk to a private channel")


def quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def profile_text(*, profile_id: str, brand: str, network: str, spec: NetworkSpec, account: str, timezone: str,
                 token_env: str, owners: list[str], admins: list[str]) -> str:
    """profiles/<id>.yaml on the sandbox network imitating `network`, with the steps to go live."""
    lines = [
        "# yaml-language-server: $schema=../schemas/profile.schema.json",
        f"# {brand} on {spec.label}. Runs on the built-in sandbox network until you go live (below): what is",
        "# \"published\" stays in .socialops/sandbox.sqlite, so reviews, the plan and the demo work without the account.",
        f"id: {profile_id}",
        "network: sandbox",
        f"imitates: {network}            # the sandbox applies {spec.label}'s limits, post types and text rules",
        f"account: {quoted(account)}",
        f"display_name: {quoted(brand)}",
        f"timezone: {timezone}",
        f"token_env: {token_env}   # the GitHub secret holding the token (never the token itself)",
    ]
    if owners:
        lines.append(f"owners: [{', '.join(quoted(o) for o in owners)}]   # who approves its posts")
    if admins:
        lines += ["roles:", f"  admins: [{', '.join(quoted(a) for a in admins)}]   # approve code, workflows, "
                  "replies/ and state/"]
    lines += ["", f"# Going live on {spec.label}: set `network: {network}` and delete `imitates`, add the token as the",
              f"# secret {token_env} of the socialops-production environment (README, Security)"]
    if spec.required_settings:
        lines.append("# and fill in:")
        lines += [f"# {key}: {_setting_example(key, account)}" for key in spec.required_settings]
    return "\n".join(lines) + "\n"


def _setting_example(key: str, account: str) -> str:
    if key == "instance":  # @name@host: the instance is https://host
        host = account.rsplit("@", 1)[-1] if account.count("@") >= 1 and "." in account else "mastodon.example"
        return f"https://{host}"
    return '"..."   # see the README\'s profile settings'


def schedule_text(*, brand: str, timezone: str, cadence: dict[str, str]) -> str:
    """schedule.yaml with a starting cadence for the given profiles ({id: network})."""
    slots = "".join(cadence_entry(pid, network) + "\n" for pid, network in cadence.items())
    return f"""# yaml-language-server: $schema=schemas/schedule.schema.json
# The content plan of {brand} {MARKER}. Times are local to `timezone`.
# Posts without `publish_at` take the next free slot of their profiles' cadence (the queue).

timezone: {timezone}
late_window: 24h        # a post more than this past its time is reported as missed, not posted late
horizon_days: 14        # how far ahead `socialops plan` looks for empty slots

pillars:                # themes; shares are the intended mix in percent (they add up to 100)
  news:
    share: 40
    goal: "What is new: products, services, offers, opening hours."
  behind-the-scenes:
    share: 30
    goal: "The people and the work behind {brand}."
  community:
    share: 30
    goal: "Customers, neighbours and partners: answer, thank and show them."

cadence:                # slots per profile: fixed days and times, or N a week at the given hours ("best" learns them)
{slots}
# blackout:             # no posts on these days, e.g.
#   - {{from: 2026-12-24, to: 2026-12-26, reason: Christmas}}

# utm:                  # tags on links to your own site, so its web analytics can tell where visits came from
#   source: "{{network}}"
#   medium: social
#   campaign: "{{campaign}}"
#   domains: [your-site.example]
"""


def cadence_entry(profile_id: str, network: str) -> str:
    return f"  {profile_id}:\n    - {STARTING_CADENCE.get(network, DEFAULT_CADENCE)}"


def replies_readme(languages: list[str]) -> str:
    rows = [f"| `{name}.md` | {lang} | {purpose} |" for lang in languages if lang in REPLIES
            for name, purpose in zip(REPLIES[lang], PURPOSES, strict=True)]
    example = next((name for lang in languages if lang in REPLIES for name in REPLIES[lang]), "thanks")
    return ("# Saved replies\n\n"
            "Answer a comment from its GitHub issue with `/reply @<name>`, where `<name>` is a file name\n"
            f"here without `.md` (for example `/reply @{example}`). `{{name}}` is replaced with the commenter's\n"
            "display name. Keep replies short and friendly; add your own files for the questions you get often.\n\n"
            "| file | language | when |\n|---|---|---|\n" + "\n".join(rows) + "\n")


# Example snippets for a new brand: {file name: text}. `{brand}` is the brand's name.
SNIPPETS = {
    "hashtags.md": "#{tag} #smallbusiness #local",
    "signature.md": "---\n# Other text where a network needs it: a network name or a profile id, then its text.\n"
                    "linkedin: \"{brand}: follow us for news and offers.\"\n"
                    "bluesky: \"\"          # nothing for Bluesky (its 300 characters go to the post)\n"
                    "---\n— {brand}\n",
}

SNIPPETS_README = """# Snippets: text you use again and again

Each file here is a piece of text that posts can use: hashtag sets, signatures, disclaimers. Write
`{{snippet: hashtags}}` in a post's text or its `first_comment`, and the text of `hashtags.md` stands
there when the post is checked, previewed and published (lengths and hashtags are counted with it).
Change the file once, and every post that has not been published yet uses the new text.

A file's name is its snippet's name (`signature.md` is `signature`; `legal/disclaimer.md` is
`legal/disclaimer`). Snippets can use other snippets, but not in a circle.

When a network needs other text (or none), start the file with settings, as a post does: a network
name (instagram, facebook, linkedin, mastodon, bluesky, threads, google_business) or a profile id,
then its text in quotes. `""` means nothing for that network. The text below the settings is for
every other network.

```
---
linkedin: "Follow us for news and offers."
bluesky: ""
---
— The team
```
"""


def snippets_texts(brand: str) -> dict[str, str]:
    """The example snippets of a new brand, file name -> text."""
    tag = "".join(word for word in brand.title().split() if word.isalnum()) or "OurBrand"
    out = {name: text.replace("{brand}", brand).replace("{tag}", tag) for name, text in SNIPPETS.items()}
    return {**out, "README.md": SNIPPETS_README}
