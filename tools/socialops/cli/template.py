"""`socialops init`: the template made into your brand's repository, or a profile added to it."""

from __future__ import annotations

import click

from socialops.cli.workspace import Workspace, pass_workspace


@click.command()
@click.option("--name", help="The brand's name, e.g. \"Bakery Lane\" (profile ids and texts are made from it).")
@click.option("--timezone", metavar="TZ", help="The plan's timezone, a tz database name like Europe/London.")
@click.option("--language", "languages", multiple=True, metavar="LANG",
              help="A language of the brand's saved replies: fi, sv or en (repeatable, or fi,sv; default en).")
@click.option("--profile", "accounts", multiple=True, metavar="NETWORK:ACCOUNT",
              help="One account, e.g. instagram:@bakerylane or bluesky:bakerylane.bsky.social (repeatable).")
@click.option("--owner", "owners", multiple=True, metavar="@WHO",
              help="A GitHub user or team who approves the posts of the new profiles (repeatable).")
@click.option("--admin", "admins", multiple=True, metavar="@LOGIN",
              help="A GitHub user who approves code, workflows, replies/ and state/ (repeatable).")
@pass_workspace
def init(ws: Workspace, name, timezone, languages, accounts, owners, admins):
    """Make this template your brand's repository, or add a profile to it.

    The first run removes the example café (posts, profiles, replies, metrics, state, reports) and writes
    your profiles (on the sandbox network until you go live), schedule.yaml with a starting cadence, saved
    replies in your languages, CODEOWNERS and the token secrets each workflow passes. Run it again with
    only --profile to add an account."""
    from socialops.core.words import plural
    from socialops.template.brand import init_brand, parse_account

    result = init_brand(ws.root, accounts=[parse_account(a) for a in accounts], name=name, timezone=timezone,
                        languages=list(languages), owners=list(owners), admins=list(admins))
    say = click.echo
    say(f"{'Made the repository of' if result.made else 'Added to'} {result.brand}: "
        f"{plural(len(result.added), 'new profile')}"
        + (f" ({', '.join(result.added)})" if result.added else ""))
    for existing in result.existing:
        say(f"  already there: {existing}")
    for rel in result.written:
        say(f"  wrote {rel}")
    for note in result.notes:
        say(f"  note: {note}")
    say("\nNext:\n"
        "  1. Commit and push. On GitHub, create the environment socialops-production (Settings > Environments),\n"
        "     allow only main to use it, and add these secrets there (each account's token; README, Security):")
    for token in result.tokens:
        say(f"       {token}")
    say("  2. Protect main (Settings > Rules): block force pushes and deletion.\n"
        "  3. Write a post: socialops new \"First post\" --profile "
        f"{(result.added or ['ID'])[0]} --at \"YYYY-MM-DD HH:MM\"; check it with socialops preview.\n"
        "  4. Going live: in each profile set the real network (its file says how); until then the sandbox\n"
        "     network publishes locally.")
