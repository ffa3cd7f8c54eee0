"""A page per post: how it will look on each profile's network, where it stands in the ledger, its figures.

The text is what the network receives (`content.render`, the preview's own rendering): links, hashtags and
mentions are marked as the network shows them (Instagram does not make links in a caption clickable), and
every image is cut to the shape the network shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from socialops.content.preview import PostPreview, ProfilePreview
from socialops.repository.media import resolve_media_path
from socialops.site.html import esc, page, table
from socialops.site.media import Thumbnails
from socialops.site.model import SiteData
from socialops.state.publications import PUBLISHED

_TOKENS = re.compile(r"(?P<url>https?://[^\s<>\"']+)|(?P<tag>(?<!\w)#\w+)|(?P<mention>(?<!\w)@[\w.-]+(?:@[\w.-]+)?)")
PLAIN_LINKS = frozenset({"instagram"})  # networks whose captions show links as plain text
FIGURES = ("impressions", "reach", "views", "likes", "comments", "shares", "saves", "engagement_rate")


def network_text(text: str, network: str) -> str:
    """The text as HTML, links, hashtags and mentions marked the way `network` shows them."""
    out, last = [], 0
    for match in _TOKENS.finditer(text):
        out.append(esc(text[last:match.start()]))
        token = match.group(0)
        if match.lastgroup == "url":
            url = token.rstrip(".,;:!?)")
            rest = token[len(url):]
            out.append((esc(url) if network in PLAIN_LINKS else f'<a href="{esc(url)}" rel="nofollow">{esc(url)}</a>')
                       + esc(rest))
        else:
            out.append(f'<span class="{match.lastgroup}">{esc(token)}</span>')
        last = match.end()
    out.append(esc(text[last:]))
    return "".join(out)


def post_page(data: SiteData, post: PostPreview, figures: Mapping[tuple, dict], images: Thumbnails | None) -> str:
    """`images` None: no image goes into the site (a private repository's media, unless allowed)."""
    tz = data.tz
    facts = [f"type {esc(post.type)}", f"status {esc(post.status)}"]
    if post.pillar:
        facts.append(f"pillar {esc(post.pillar)}")
    if data.tags.get(post.post_id or ""):
        facts.append("tags " + esc(", ".join(data.tags[post.post_id])))
    live = data.lives.get(post.post_id or "")
    body = [f'<p class="muted">{" · ".join(facts)} · <code>{esc(post.path)}</code></p>']
    if live:
        url = f' at <a href="{esc(live.url)}">{esc(live.url)}</a>' if live.url else ""
        body.append(f"<p>Live session: {live.starts_at.astimezone(tz):%a %Y-%m-%d %H:%M %Z}, "
                    f"{live.minutes} min{url}.</p>")
    if post.problems:
        body.append("<h2>Problems</h2><ul>" + "".join(
            f"<li>{esc(q.severity)}: line {esc(q.line)}: {esc(q.message)}</li>" for q in post.problems) + "</ul>")
    cards = [_card(data, post, item, images) for item in post.profiles]
    body.append('<h2>On each network</h2><div class="mockups">' + "".join(cards) + "</div>")
    rows = [[esc(item.profile_id)] + [esc(figures.get((item.profile_id, post.post_id), {}).get(f, "") or "–")
                                      for f in FIGURES]
            for item in post.profiles if (item.profile_id, post.post_id) in figures]
    if rows:
        body.append("<h2>Figures</h2>" + table(["profile", *[f.replace("_", " ") for f in FIGURES]], rows))
    return page(post.title, "\n".join(body), depth=1, brand=data.brand)


def _card(data: SiteData, post: PostPreview, item: ProfilePreview, images: Thumbnails | None) -> str:
    profile = data.profiles.get(item.profile_id)
    spec = getattr(profile, "spec", None)
    network = getattr(spec, "name", "") or ""
    head = (f'<header><span class="avatar" aria-hidden="true">{esc(item.profile_id[:1].upper())}</span>'
            f'<span><strong>{esc(item.profile_id)}</strong><br><span class="muted">{esc(item.label)}</span>'
            f"</span></header>")
    r = item.rendered
    if not item.supported or r is None:
        return f'<article class="mockup">{head}<p>{esc(item.label)} cannot publish a {esc(post.type)} post.</p></article>'
    parts = [head, f'<p class="status">{_status(item, data)}</p>', f'<div class="text">{network_text(r.text, network)}</div>']
    for media in r.media:
        parts.append(_figure(images, post, media, spec))
    if r.link:
        parts.append(f'<p class="linkcard">Link card: <a href="{esc(r.link)}" rel="nofollow">{esc(r.link)}</a></p>')
    if r.first_comment:
        parts.append(f'<div class="first-comment"><strong>First comment</strong><div class="text">'
                     f"{network_text(r.first_comment, network)}</div></div>")
    parts += [f'<p class="muted">{esc(note)}</p>' for note in item.notes]
    parts.append(f'<p class="muted">{r.length} / {r.limit} characters</p>')
    return '<article class="mockup" aria-label="' + esc(f"{item.label}: {item.profile_id}") + '">' + "".join(parts) \
        + "</article>"


def _status(item: ProfilePreview, data: SiteData) -> str:
    state, slot, tz = item.state, item.slot, data.tz
    if state is not None and state.status == PUBLISHED:
        when = f" {state.published_at.astimezone(tz):%a %Y-%m-%d %H:%M %Z}" if state.published_at else ""
        link = f' · <a href="{esc(state.url)}">on the network</a>' if state.url else ""
        return f"Published{when}{link}"
    if state is not None and state.status not in ("pending", "claimed"):
        return f"{esc(state.status.capitalize())}: {esc(state.reason or 'see its issue')}"
    if slot is None:
        return "No time yet: no free slot in the plan's horizon"
    return f"Goes out {slot.at.astimezone(tz):%a %Y-%m-%d %H:%M %Z}" + (
        " (the next free queue slot)" if slot.source == "queue" else "")


def _figure(images: Thumbnails | None, post: PostPreview, media, spec) -> str:
    alt = esc(media.alt or "")
    caption = f"<figcaption>Alt text: {alt}</figcaption>" if media.alt else \
        '<figcaption>No alt text</figcaption>'
    rel = resolve_media_path(post.path, media.path)
    if media.kind != "image" or rel is None:
        subtitles = f" · subtitles {esc(media.captions)}" if media.captions else ""
        return f'<figure><div class="video">▶ video {esc(media.path)}{subtitles}</div>{caption}</figure>'
    src = images.shown(rel, spec, post.type) if images is not None else None
    if src is None:
        return f'<figure><div class="video">image {esc(media.path)}</div>{caption}</figure>'
    return f'<figure><img src="../{esc(src)}" alt="{alt}" loading="lazy">{caption}</figure>'

