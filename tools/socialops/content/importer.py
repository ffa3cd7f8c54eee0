"""`socialops import`: the rows of a content calendar (content/spreadsheet.py) -> post files, each checked by the
same rules as `validate` before anything is written, every problem named by its row and column.

A row becomes content/YYYY/MM/<slug>.md (content/<brand>/YYYY/MM/ for a brand's profiles). Its media are plain
file names found in the repository's media folders (the brand's content/<brand>/media/, then content/media/);
a naive time is in the plan's timezone (the brand's, when its plan has one). The rows' posts are
then validated as the files they would be (validate.posts), and each problem's line is mapped back to the
column it came from.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from socialops.content.new import slugify
from socialops.content.sheet_cells import (
    ID_PATTERN,
    TYPE_WORDS,
    CellError,
    media_names,
    publish_at,
    rule,
    split_list,
    yes_no,
)
from socialops.content.spreadsheet import Sheet, cell_text
from socialops.core.problems import ERROR, WARNING
from socialops.errors import ContentError
from socialops.repository.media import inspect_media, media_folders
from socialops.repository.posts import MAX_POST_BYTES, parse_post
from socialops.validate.posts import post_problems

# the post's key -> the field of the column it comes from (publish_at: see _column)
_FIELD_OF_KEY = {"id": "id", "title": "title", "profiles": "profiles", "type": "type", "media": "media",
                 "link": "link", "first_comment": "first_comment", "pillar": "pillar", "tags": "tags",
                 "campaign": "campaign", "status": "status", "live": "date", "publish_at": "date", "manual": "manual",
                 "repeat": "repeat", "evergreen": "evergreen"}
PUBLISHED = "published"
UNKNOWN_COLUMN = ("a column socialops does not know; its cells are not imported (columns: date, time, profiles, type, "
                  "text, media, alt, link, pillar, first comment, title, slug, tags, campaign, status, manual, "
                  "repeat, evergreen)")
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: 2,000 posts in a fraction of the time
_STATUS = {"": "ready", "ready": "ready", "scheduled": "ready", "queued": "ready", "valmis": "ready",
           "ajastettu": "ready", "draft": "draft", "luonnos": "draft", PUBLISHED: PUBLISHED, "julkaistu": PUBLISHED}


@dataclass(frozen=True)
class Issue:
    row: int
    column: str | None  # the column's header as written; None for the row as a whole
    severity: str  # error | warning
    message: str
    code: str = "import"

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column '{self.column}'" if self.column else "")
        return f"{where}: {self.severity}: {self.message}"


@dataclass
class NewPost:
    row: int
    id: str
    path: str  # content/[<brand>/]YYYY/MM/<id>.md
    text: str  # the file's text


@dataclass
class Plan:
    """What an import would do: the posts of the valid rows, the problems of all rows."""

    sheet: Sheet
    posts: list[NewPost] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    left_out: list[tuple[int, str]] = field(default_factory=list)  # (row, why): not imported on purpose

    @property
    def invalid_rows(self) -> list[int]:
        return sorted({i.row for i in self.issues if i.severity == ERROR})

    def valid_posts(self) -> list[NewPost]:
        bad = set(self.invalid_rows)
        return [p for p in self.posts if p.row not in bad]


@dataclass
class _Context:
    root: Path
    config: Any
    now: dt.datetime
    taken: dict[str, str]  # post id -> its file (the repository's and the rows' so far)
    media: dict[str, list[str]]  # file name -> its repository-relative paths
    brand: str | None = None  # --brand: every row is this brand's
    media_stats: dict[str, Any] = field(default_factory=dict)


def _media_index(root: Path) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for folder in media_folders(root):
        for entry in os.scandir(root / folder):
            if entry.is_file() and not entry.name.startswith("."):
                index.setdefault(entry.name, []).append(f"{folder}/{entry.name}")
    return index


def plan_import(root: Path, sheet: Sheet, *, config: Any, now: dt.datetime, existing: dict[str, str],
                brand: str | None = None) -> Plan:
    """Turn every row into a post and check it; `existing`: the repository's post ids -> files; `brand`: the
    brand every row is for (its folder, its profiles)."""
    plan = Plan(sheet)
    for header in sheet.unknown:
        plan.issues.append(Issue(sheet.header_row, header, WARNING, UNKNOWN_COLUMN, "unknown-column"))
    ctx = _Context(root, config, now, dict(existing), _media_index(root), brand)
    explicit: dict[str, int] = {}
    for row in sheet.rows:
        issues: list[Issue] = []
        made = _row_post(ctx, sheet, row, issues, explicit, plan.left_out)
        plan.issues += issues
        if made is not None:
            plan.posts.append(made)
    plan.issues.sort(key=lambda i: (i.row, i.severity != ERROR))
    return plan


def _column(sheet: Sheet, key: str, cells: dict[str, Any]) -> str | None:
    """The header of the column a post key came from."""
    if key in ("publish_at", "live") and "time" in cells and "time" in sheet.columns:
        return sheet.columns["time"]
    name = _FIELD_OF_KEY.get(key)
    if key == "publish_at" and name not in sheet.columns:
        name = "time"
    return sheet.columns.get(name) if name else None


def _row_post(ctx: _Context, sheet: Sheet, row: Any, issues: list[Issue], explicit: dict[str, int],
              left_out: list) -> NewPost | None:
    cells = row.cells

    def problem(fld: str | None, message: str, severity: str = ERROR) -> None:
        issues.append(Issue(row.number, sheet.columns.get(fld) if fld else None, severity, message))

    status = _STATUS.get(cell_text(cells.get("status", "")).strip().lower())
    if status is None:
        problem("status", f"'{cell_text(cells['status'])}' is not a status; write draft or ready (or leave it empty)")
    elif status == PUBLISHED:
        left_out.append((row.number, "already published"))
        return None
    profiles = _profiles(ctx, cells.get("profiles"), problem)
    folder = _folder(ctx, profiles)
    zone = ctx.config.schedule.zones.for_path(f"{folder}/")
    try:
        when = publish_at(cells, zone)
    except CellError as exc:
        problem(exc.field, exc.message)
        when = None
    body = cell_text(cells.get("text", "")).strip()
    post_id = _post_id(ctx, cells, body, row.number, explicit, problem)
    meta = _meta(ctx, cells, post_id, profiles, when, folder, problem)
    meta["status"] = status or "ready"
    # seconds apart, so that rows without a date take the plan's free slots in the sheet's order
    meta["created"] = f"{(ctx.now + dt.timedelta(seconds=row.number)).astimezone(zone):%Y-%m-%d %H:%M:%S}"
    if meta.get("type") == "live" and "publish_at" in meta:
        meta["live"] = {"starts_at": meta["publish_at"], "duration_minutes": 60}
    month = (when[1] if when else ctx.now).astimezone(zone)
    path = f"{folder}/{month:%Y}/{month:%m}/{post_id}.md"
    text = post_text(meta, body)
    if len(text.encode("utf-8")) > MAX_POST_BYTES:
        problem(None, f"the post would be more than {MAX_POST_BYTES:,} bytes; shorten the text")
        return None
    if (ctx.root / path).exists():
        problem("id" if "id" in cells else None, f"the file {path} already exists; give the row another slug")
    ctx.taken[post_id] = path
    _check(ctx, sheet, row, path, text, issues)
    return NewPost(row.number, post_id, path, text)


def _meta(ctx: _Context, cells: dict, post_id: str, profiles: list[str], when, folder: str, problem) -> dict:
    """The post's keys from the row's cells, in the order `socialops new` writes them."""
    meta: dict[str, Any] = {"id": post_id}
    if "title" in cells:
        meta["title"] = cell_text(cells["title"])
    meta["profiles"] = profiles
    if "type" in cells:
        meta["type"] = _post_type(cells["type"])
    if when is not None:
        text, moment = when
        meta["publish_at"] = text
        if moment <= ctx.now and "repeat" not in cells:  # a rule's first time may be past: the rule goes on
            problem("time" if "time" in cells else "date",
                    f"{text} is in the past (now {ctx.now.astimezone(moment.tzinfo):%Y-%m-%d %H:%M}); give a later "
                    "time, or leave the date empty to take the next free slot of the plan")
    media = _media(ctx, cells, folder, problem)
    if media:
        meta["media"] = media
    for key in ("link", "first_comment", "pillar", "campaign"):
        if key in cells:
            meta[key] = cell_text(cells[key])
    if "tags" in cells:
        meta["tags"] = [t.lstrip("#") for t in split_list(cell_text(cells["tags"]))]
    for key, read in (("manual", yes_no), ("repeat", rule), ("evergreen", rule)):
        if key in cells:
            try:
                meta[key] = read(key, cells[key])
            except CellError as exc:
                problem(exc.field, exc.message)
    return meta


def _folder(ctx: _Context, profiles: list[str]) -> str:
    """Where the row's post goes: content/<brand>/ of --brand or of its profiles' brand, else content/.
    Profiles of several brands: the first's (validation says which profile does not belong)."""
    if ctx.brand:
        return f"content/{ctx.brand}"
    for pid in profiles:
        brand = getattr(ctx.config.profiles.get(pid), "brand", None)
        if brand in ctx.config.brands:
            return f"content/{brand}"
    return "content"


def post_text(meta: dict[str, Any], body: str) -> str:
    front = yaml.dump(meta, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
    return f"---\n{front}---\n{body}\n" if body else f"---\n{front}---\n"


def _post_id(ctx: _Context, cells: dict, body: str, number: int, explicit: dict[str, int], problem) -> str:
    """The row's slug: its own (unique, or an error), else one made from the title or the text."""
    if "id" in cells:
        wanted = cell_text(cells["id"]).strip()
        if not ID_PATTERN.match(wanted):
            problem("id", f"'{wanted[:80]}' cannot be a slug; use letters, digits and -, like 'joulutori-2026'")
        elif wanted in explicit:
            problem("id", f"the slug '{wanted}' is row {explicit[wanted]}'s too; every post needs its own")
        elif wanted in ctx.taken:
            problem("id", f"a post with the slug '{wanted}' already exists ({ctx.taken[wanted]}); give another")
        else:
            explicit[wanted] = number
            return wanted
        return f"row-{number}"
    base = slugify(cell_text(cells["title"]) if "title" in cells else " ".join(body.split()[:8]) or "post")
    post_id, n = base, 1
    while post_id in ctx.taken:
        n += 1
        post_id = f"{base}-{n}"
    return post_id


def _profiles(ctx: _Context, value: Any, problem) -> list[str]:
    """Profile ids, or network names that one profile is on ('instagram'; with --brand, one of the brand's)."""
    profiles = ctx.config.profiles
    out = []
    for word in split_list(cell_text(value)) if value is not None else []:
        if word in profiles:
            out.append(word)
            continue
        on = [pid for pid, p in profiles.items() if word.lower() in (p.network, getattr(p, "rules_network", None))
              and (ctx.brand is None or getattr(p, "brand", None) == ctx.brand)]
        if len(on) == 1:
            out.append(on[0])
        elif len(on) > 1:
            problem("profiles", f"several profiles are on {word} ({', '.join(sorted(on))}); name the profile")
        else:
            out.append(word)  # validation says it is unknown, with the nearest names
    return list(dict.fromkeys(out))


def _post_type(value: Any) -> str:
    """The type in the words people use ('kuva' -> image); an unknown one is left for validation to name."""
    word = cell_text(value).strip().lower()
    return TYPE_WORDS.get(word, word)


def _media(ctx: _Context, cells: dict, folder: str, problem) -> list[dict[str, str]]:
    """Each media name found in a media folder, with its alt text."""
    try:
        names = media_names(cell_text(cells["media"])) if "media" in cells else []
    except CellError as exc:
        problem("media", exc.message)
        return []
    alts = _alts(cell_text(cells["alt"]), len(names)) if "alt" in cells else []
    if len(alts) > max(len(names), 1):
        problem("alt", f"{len(alts)} alt texts for {len(names)} media files; give one per file, one a line")
    items = []
    for i, name in enumerate(names):
        found = ctx.media.get(name, [])
        own = [f for f in (f"{folder}/media/{name}", f"content/media/{name}") if f in found]
        if own or folder == "content":
            found = own[:1] or found  # the brand's own file first, then the shared one
        elif found:
            problem("media", f"{name} is in another brand's folder ({', '.join(found)}); copy it to "
                             f"{folder}/media/ or content/media/")
            continue
        if not found:
            close = difflib.get_close_matches(name, list(ctx.media), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            where = ", ".join(f"{f}/" for f in media_folders(ctx.root)) or "content/media/"
            problem("media", f"no file {name} in {where}{hint} Upload it there first")
            continue
        if len(found) > 1:
            problem("media", f"{name} is in several media folders ({', '.join(found)}); rename one of them")
            continue
        item = {"path": found[0]}
        if i < len(alts) and alts[i]:
            item["alt"] = alts[i]
        items.append(item)
    return items


def _alts(text: str, files: int) -> list[str]:
    """The alt texts of the media: the whole cell for one file; for several, one a line (or split by |)."""
    if files <= 1:
        return [text.strip()]
    return [a.strip() for a in (text.split("\n") if "\n" in text else text.split("|"))]


def _check(ctx: _Context, sheet: Sheet, row: Any, path: str, text: str, issues: list[Issue]) -> None:
    """The rules of `validate` on the post the row would be, each problem put back on its column."""
    try:
        post = parse_post(text, path)
    except ContentError as exc:  # cannot happen for YAML made by safe_dump; kept for a clear message if it does
        issues.append(Issue(row.number, None, ERROR, exc.message))
        return
    for item in post.media:
        if item.path not in ctx.media_stats:
            ctx.media_stats[item.path] = inspect_media(ctx.root, item.path)
    key_of_line = {}
    for keys, line in post.lines.items():
        key_of_line.setdefault(line, keys[0])
    # a column whose cell could not be read already has its error: what validation makes of the rest is noise
    unread = {i.column for i in issues if i.severity == ERROR and i.row == row.number}
    for found in post_problems(post, ctx.config, ctx.media_stats):
        if found.line >= post.body_line and post.body:
            column = sheet.columns.get("text")
        else:
            key = key_of_line.get(found.line)
            column = _column(sheet, key, row.cells) if key else None
        if column not in unread:
            issues.append(Issue(row.number, column, found.severity, found.message, found.code))
