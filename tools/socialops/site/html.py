"""The site's page frame: one layout, one style sheet, no script.

Every text from the repository (titles, captions, alt texts, profile names) goes through `esc`; the pages
load nothing from elsewhere (no CDN, no fonts, no script), so they work from GitHub Pages and from a file.
"""

from __future__ import annotations

from html import escape

NAV = (("index.html", "Overview"), ("calendar/index.html", "Calendar"), ("plan.html", "Plan"),
       ("metrics.html", "Metrics"), ("report.html", "Report"))

STYLE = """\
:root { --fg: #1b1f24; --muted: #4d5561; --bg: #ffffff; --line: #c9d1d9; --accent: #0b57d0;
  --planned: #e8f0fe; --published: #e6f4ea; --missed: #fce8e6; --empty: #fff8e1; --blackout: #eceff1;
  --live: #f3e8fd; --by-hand: #fff0d9; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); }
a { color: var(--accent); }
a:focus-visible, summary:focus-visible { outline: 3px solid #f4b400; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; }
.skip:focus { left: 1rem; top: 1rem; background: #fff; padding: .5rem; z-index: 10; }
header.site { background: #102a43; color: #fff; padding: .75rem 1rem; }
header.site a { color: #fff; margin-right: 1.25rem; }
header.site strong { margin-right: 2rem; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; }
.muted { color: var(--muted); }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
table.month { width: 100%; table-layout: fixed; }
table.month td { height: 7.5rem; }
table.month td.other { background: #f6f8fa; }
table.month td.blackout { background: var(--blackout); }
.day { font-weight: 600; font-size: .9rem; }
ul.entries { list-style: none; margin: .25rem 0 0; padding: 0; font-size: .8rem; }
ul.entries li { margin: 0 0 .25rem; padding: .15rem .3rem; border-radius: 4px; overflow-wrap: anywhere; }
li.planned { background: var(--planned); } li.published { background: var(--published); }
li.missed { background: var(--missed); } li.empty { background: var(--empty); } li.live { background: var(--live); }
li.by-hand { background: var(--by-hand); }
li.draft { background: #f1f3f4; border: 1px dashed var(--muted); }
ul.entries img { width: 2.5rem; height: 2.5rem; object-fit: cover; float: left; margin-right: .3rem; }
.legend span { display: inline-block; padding: .1rem .5rem; margin-right: .5rem; border-radius: 4px; }
.pager a { margin-right: 1rem; }
.mockups { display: flex; flex-wrap: wrap; gap: 1.5rem; }
.mockup { width: 22rem; border: 1px solid var(--line); border-radius: 10px; padding: .75rem; }
.mockup header { display: flex; gap: .5rem; align-items: center; margin-bottom: .5rem; }
.avatar { width: 2.2rem; height: 2.2rem; border-radius: 50%; background: #102a43; color: #fff;
  display: flex; align-items: center; justify-content: center; font-weight: 700; }
.mockup .text { white-space: pre-wrap; overflow-wrap: anywhere; }
.mockup .tag, .mockup .mention { color: var(--accent); }
.mockup figure { margin: .5rem 0; }
.mockup figure img { width: 100%; display: block; border-radius: 6px; }
.mockup figcaption { font-size: .8rem; color: var(--muted); }
.video { background: #102a43; color: #fff; padding: 2rem 1rem; border-radius: 6px; text-align: center; }
.first-comment { border-top: 1px solid var(--line); margin-top: .5rem; padding-top: .5rem; font-size: .9rem; }
.status { font-size: .85rem; }
.chart { max-width: 100%; height: auto; }
.chart text { font: 12px system-ui, sans-serif; fill: var(--fg); }
.bar { fill: #0b57d0; } .bar:hover, .point:hover { fill: #f4b400; }
.line { fill: none; stroke-width: 2; }
details { margin: .5rem 0; }
"""


def esc(value: object) -> str:
    # Half a million calls a site, most of them on a name or a number with nothing to escape: looked for first.
    text = value if type(value) is str else "" if value is None else str(value)
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return escape(text, quote=True)
    return text


def page(title: str, body: str, *, depth: int, brand: str) -> str:
    """A whole HTML page; `depth` is how many folders below the site's root it lives (for relative links)."""
    up = "../" * depth
    links = "".join(f'<a href="{up}{href}">{esc(text)}</a>' for href, text in NAV)
    return (f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{esc(title)} · {esc(brand)}</title>\n'
            f'<link rel="stylesheet" href="{up}assets/site.css">\n</head>\n<body>\n'
            f'<a class="skip" href="#main">Skip to content</a>\n'
            f'<header class="site"><nav aria-label="Site"><strong>{esc(brand)}</strong>{links}</nav></header>\n'
            f'<main id="main">\n<h1>{esc(title)}</h1>\n{body}\n</main>\n</body>\n</html>\n')


def table(header: list[str], rows: list[list[str]], *, caption: str | None = None) -> str:
    """A table of already-escaped cells."""
    head = "".join(f'<th scope="col">{cell}</th>' for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
