"""What a person does by hand where a network's API cannot hide, delete or block a comment."""

from __future__ import annotations

MANUAL: dict[tuple[str, str], str] = {
    ("linkedin", "hide"): "LinkedIn's API cannot hide comments. As a page admin, open the post on LinkedIn, click "
                          "··· on the comment and choose Delete (pages may remove comments on their own posts "
                          "in the app), or turn comments off for the post; report abuse with ··· > Report.",
    ("linkedin", "delete"): "LinkedIn's API deletes only the page's own comments. As a page admin, open the post on "
                            "LinkedIn, click ··· on the comment and choose Delete.",
    ("linkedin", "block"): "LinkedIn pages cannot block members. Report the comment (··· > Report) and remove it "
                           "from the post in the app.",
    ("instagram", "block"): "Instagram's API has no block. In the Instagram app open the commenter's profile, tap "
                            "··· and choose Block (or Restrict, so their comments need your approval).",
    ("mastodon", "hide"): "Mastodon cannot hide someone else's reply. Use /block (their posts disappear from the "
                          "account's view), mute the conversation in the app, or report the reply to your "
                          "instance's moderators (··· > Report).",
    ("mastodon", "delete"): "Mastodon lets you delete only your own posts. Report the reply to the moderators of "
                            "your instance (··· > Report) and /block the author.",
    ("bluesky", "delete"): "Bluesky cannot delete someone else's reply: /hide puts it behind the thread's hidden "
                           "replies (threadgate), /block blocks the author; report it in the app (··· > Report post).",
    ("threads", "delete"): "Threads' API cannot delete others' replies. /hide it, or in the Threads app tap ··· on "
                           "the reply and choose Delete.",
    ("threads", "block"): "Threads' API has no block. In the Threads app open the profile, tap ··· and choose Block.",
    ("facebook", "hide"): "Open the comment on Facebook, click ··· and choose Hide comment.",
}


def manual_steps(network: str, action: str) -> str:
    """What a person does by hand when ``network``'s API cannot do ``action`` (hide, unhide, delete, block)."""
    action = "hide" if action == "unhide" else action
    return MANUAL.get((network, action)) or (
        f"Open the comment in the {network} app or website and use its own menu (···) to {action} it, or report it.")

