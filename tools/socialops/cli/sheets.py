"""Spreadsheets: import (a content calendar -> post files on a branch with one pull request), export (the plan
-> a CSV file that import reads again)."""

from __future__ import annotations

import sys

import click

from socialops.cli.options import brand_option, format_option, now_option
from socialops.cli.workspace import Workspace, pass_workspace


@click.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row and show what would be written; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and list the invalid ones (default: "
                                                   "nothing is imported while a row is invalid).")
@click.option("--branch", metavar="NAME", help="The branch of the pull request (default: import/<file name>).")
@click.option("--base", default="main", show_default=True, help="The branch the pull request goes into.")
@click.option("--brand", metavar="NAME", help="Every row is this brand's: its folder, and 'instagram' means its "
                                             "profile there (default: each row's profiles say).")
@click.option("--sheet", metavar="NAME", help="The workbook's sheet to read (default: the first).")
@click.option("--encoding", metavar="NAME", help="The CSV file's encoding when it is not UTF-8 (e.g. cp1252).")
@now_option(help="As if the time were T: rows before it are in the past (tests).")
@format_option("text", "json")
@pass_workspace
def import_(ws: Workspace, file, dry_run, skip_invalid, branch, base, brand, sheet, encoding, fmt):
    """Bring a content calendar in from a spreadsheet (.csv or .xlsx): a post file per row, on a branch with one
    pull request. Every invalid row is named with its column; nothing is written while one is invalid."""
    from pathlib import Path

    from socialops.content.import_pr import branch_name, deliver
    from socialops.content.importer import plan_import
    from socialops.content.spreadsheet import read_sheet
    from socialops.repository.index import load_index

    config = ws.config
    table = read_sheet(Path(file), encoding=encoding, sheet=sheet)
    existing = {s.id: s.path for s in load_index(ws.root, config.schedule.zones) if s.id}
    plan = plan_import(ws.root, table, config=config, now=ws.now, existing=existing,
                       brand=ws.brands([brand])[0] if brand else None)
    posts = plan.valid_posts()
    blocked = bool(plan.invalid_rows) and not skip_invalid
    delivery = None
    if posts and not blocked and not dry_run:
        delivery = deliver(ws.root, plan, posts, tracker=ws.tracker, branch=branch or branch_name(table.name),
                           base=base)
    for note in table.notes:
        click.echo(f"note: {note}", err=True)
    if fmt == "json":
        _json_out(plan, posts, delivery, blocked, dry_run)
    else:
        _text_out(plan, posts, delivery, blocked, dry_run)
    sys.exit(1 if blocked else 0)


def _json_out(plan, posts, delivery, blocked, dry_run) -> None:
    import json

    click.echo(json.dumps({
        "file": plan.sheet.name, "rows": len(plan.sheet.rows), "columns": plan.sheet.columns,
        "unknown_columns": plan.sheet.unknown, "notes": plan.sheet.notes,
        "posts": [{"row": p.row, "id": p.id, "path": p.path} for p in posts],
        "problems": [{"row": i.row, "column": i.column, "severity": i.severity, "code": i.code, "message": i.message}
                     for i in plan.issues],
        "invalid_rows": plan.invalid_rows, "left_out": [{"row": r, "why": why} for r, why in plan.left_out],
        "written": delivery is not None, "dry_run": dry_run, "blocked": blocked,
        "delivery": None if delivery is None else {"how": delivery.how, "where": delivery.where,
                                                   "result": delivery.result, "number": delivery.number,
                                                   "commit": delivery.commit},
    }, indent=1, ensure_ascii=False))


def _text_out(plan, posts, delivery, blocked, dry_run) -> None:
    from socialops.core.words import plural

    name = plan.sheet.name
    for issue in plan.issues:
        click.echo(f"{name}: {issue}")
    for row, why in plan.left_out:
        click.echo(f"{name}: row {row}: left out ({why})")
    rows = plan.invalid_rows
    if blocked:
        click.echo(f"{plural(len(rows), 'row')} of {len(plan.sheet.rows)} invalid: nothing imported. Fix them in the "
                   "spreadsheet and import again, or import the valid rows with --skip-invalid", err=True)
        return
    if dry_run:
        for p in posts:
            click.echo(f"would write {p.path} (row {p.row})")
        click.echo(f"dry run: {plural(len(posts), 'post')} would be written; nothing was", err=True)
        return
    skipped = f"; skipped {plural(len(rows), 'invalid row')}: {', '.join(map(str, rows))}" if rows else ""
    if delivery is None:
        click.echo(f"nothing to import{skipped}", err=True)
        return
    for p in posts:
        click.echo(p.path)
    what = plural(len(posts), "post")
    if delivery.how == "pull-request":
        click.echo(f"pull request {delivery.result}: {delivery.where} ({what}){skipped}", err=True)
    elif delivery.how == "branch":
        click.echo(f"no GitHub here (GITHUB_TOKEN is not set): committed {what} to the new local branch "
                   f"{delivery.where}; see them with 'git switch {delivery.where}' and 'socialops preview', then "
                   f"push it and open a pull request{skipped}", err=True)
    else:
        click.echo(f"not a git repository: wrote {what} into content/{skipped}", err=True)


@click.command()
@click.option("--from", "since", metavar="YYYY-MM-DD", help="Only posts planned or published on this day or later.")
@click.option("--to", "until", metavar="YYYY-MM-DD", help="Only posts planned or published on this day or earlier.")
@format_option("csv", "xlsx")
@click.option("--delimiter", type=click.Choice(["comma", "semicolon", "tab"]), default="comma", show_default=True,
              help="What separates the cells: semicolon for Excel where the decimal mark is a comma (Finland).")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False), metavar="FILE",
              help="The file to write (default: standard output).")
@brand_option(help="Only the posts of this brand (repeatable, or a comma list: acme,beta).")
@now_option(help="As if the time were T: the queue is placed from then.")
@pass_workspace
def export(ws: Workspace, since, until, fmt, delimiter, out, brands):
    """Write the plan to a CSV file a spreadsheet opens and `socialops import` reads again: each post with its time,
    profiles, text, media and status.

    --format xlsx writes an Excel workbook instead (dates as dates, every other cell as text)."""
    import datetime as dt
    from pathlib import Path

    from socialops.core.files import atomic_write_bytes
    from socialops.errors import UsageError
    from socialops.plan.export import DELIMITERS, export_rows, to_csv, to_xlsx
    from socialops.plan.published import load_plan_config, published_from_ledger
    from socialops.repository.index import load_index

    if fmt == "xlsx" and not out:
        raise UsageError("--format xlsx writes a workbook: give the file with -o FILE.xlsx")
    days = []
    for option, value in (("--from", since), ("--to", until)):
        try:
            days.append(dt.date.fromisoformat(value) if value else None)
        except ValueError:
            raise UsageError(f"{option} {value}: write the day as YYYY-MM-DD") from None
    if days[0] and days[1] and days[0] > days[1]:
        raise UsageError(f"--from {since} is after --to {until}")
    config = load_plan_config(ws.root)
    published, _ = published_from_ledger(ws.root)
    posts = load_index(ws.root, config.schedule.zones)
    rows = export_rows(ws.root, posts, config, now=ws.now, published=published, since=days[0], until=days[1],
                       brands=ws.brands(brands) if brands else None)
    if fmt == "xlsx":
        atomic_write_bytes(Path(out), to_xlsx(rows))
    elif out:
        text = to_csv(rows, DELIMITERS[delimiter])
        atomic_write_bytes(Path(out), b"\xef\xbb\xbf" + text.encode("utf-8"))  # the mark tells Excel it is UTF-8
    else:
        click.echo(to_csv(rows, DELIMITERS[delimiter]), nl=False)
    if out:
        click.echo(f"wrote {len(rows)} posts to {out}", err=True)
