"""The rule of placeholders: what `socialops new` writes for a person to replace (the caption's sentence, the
example link, the example image and its alt text) must not be published. A draft may hold them; a ready post
may not, so the review check and `publish` refuse it."""

from __future__ import annotations

from socialops.core.problems import ERROR, Problem
from socialops.repository.posts import Post

BODY = "Write the caption here."
LINK = "https://example.com/"
MEDIA = "kuva.jpg"
ALT = "What the image shows"


def placeholder_problems(post: Post) -> list[Problem]:
    if post.status != "ready":
        return []
    path, out = post.path, []
    if BODY in post.body:
        line = post.body_line + post.body[:post.body.index(BODY)].count("\n")
        out.append(Problem(path, line, ERROR, "placeholder",
                           f"the text still says '{BODY}' (from `socialops new`); write the caption"))
    if post.link == LINK:
        out.append(Problem(path, post.line("link"), ERROR, "placeholder",
                           f"'link: {LINK}' is the example from `socialops new`; give the real address"))
    for item in post.media:
        if item.path == MEDIA:
            out.append(Problem(path, post.line("media", item.index), ERROR, "placeholder",
                               f"'{MEDIA}' is the example file name from `socialops new`; put your image or video "
                               "beside the post and give its name"))
        if item.alt == ALT:
            out.append(Problem(path, post.line("media", item.index, "alt"), ERROR, "placeholder",
                               f"the alt text '{ALT}' is the example from `socialops new`; describe what the "
                               "image shows"))
    return out
