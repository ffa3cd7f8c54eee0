"""`socialops export` (plan/export.py): the plan as CSV, formulas made inert, filtered by days, and read again by
`socialops import` into the same posts (the round trip, CSV and through Excel)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from socialops.cli import main
from socialops.content.importer import plan_import
from socialops.content.spreadsheet import read_sheet
from socialops.repository.config import load_config
from socialops.repository.posts import parse_post
from socialops.state.publications import Event, Ledger
from tests.helpers import image, make_repo

NOW = "2026-11-26 10:00"
POSTS = {
    "content/2026/12/tori.md": """
        ---
        id: tori
        title: Joulutori
        profiles: [cafe-masto, cafe-bsky]
        publish_at: 2026-12-05 09:00
        media:
          - {path: ../../media/tori.jpg, alt: "Kuusi | ja valot"}
        link: https://kahvila.example/tori
        first_comment: "#joulu"
        pillar: events
        tags: [joulu, tori]
        campaign: joulu-2026
        ---
        Joulutori avataan lauantaina!

        Tervetuloa, "kaikki".
        """,
    "content/2026/12/kaava.md": """
        ---
        id: kaava
        profiles: [cafe-masto]
        publish_at: 2026-12-07 12:00
        pillar: menu
        ---
        =HYPERLINK("https://evil.example","alennus")
        """,
    "content/2026/12/miinus.md": """
        ---
        id: miinus
        profiles: [cafe-masto]
        pillar: menu
        created: 2026-11-20 10:00
        ---
        -20 % pullista tänään
        """,
    "content/2026/12/perjantai.md": """
        ---
        id: perjantai
        profiles: [cafe-masto]
        publish_at: 2026-12-04 16:00
        repeat: {every: week, on: friday, at: "16:00", until: 2027-06-30}
        manual: true
        pillar: menu
        ---
        Perjantain tarjous!
        """,
    "content/2026/12/ikivihrea.md": """
        ---
        id: ikivihrea
        profiles: [cafe-bsky]
        evergreen: {every: 60 days}
        pillar: menu
        created: 2026-11-21 10:00
        ---
        Näin paahdamme.
        """,
    "content/2026/11/vanha.md": """
        ---
        id: vanha
        profiles: [cafe-masto]
        publish_at: 2026-11-20 09:00
        pillar: menu
        ---
        Julkaistu jo.
        """,
    "content/2026/12/luonnos.md": """
        ---
        id: luonnos
        profiles: [cafe-bsky]
        publish_at: 2026-12-20 09:00
        status: draft
        ---
        Kesken.
        """,
}


@pytest.fixture
def repo(tmp_path) -> Path:
    root = make_repo(tmp_path / "repo", POSTS)
    image(root / "content" / "media" / "tori.jpg")
    when = dt.datetime(2026, 11, 20, 7, 0, 5, tzinfo=dt.UTC)
    Ledger(root).append([Event(when, "vanha", "cafe-masto", "published", 1, "k1", "1", "https://x.example/1")])
    return root


def export(root: Path, *args: str):
    return CliRunner().invoke(main, ["--repo", str(root), "export", "--now", NOW, *args], catch_exceptions=False)


def rows_of(text: str, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))


def test_the_plan_as_csv(repo):
    done = export(repo)
    assert done.exit_code == 0
    rows = {r["id"]: r for r in rows_of(done.stdout)}
    # in time order; the evergreen post has no slot (its profile has no cadence here): last
    assert list(rows) == ["vanha", "miinus", "perjantai", "tori", "kaava", "luonnos", "ikivihrea"]
    assert (rows["perjantai"]["manual"], rows["perjantai"]["repeat"]) == (
        "yes", "{every: week, 'on': friday, at: '16:00', until: 2027-06-30}")
    assert rows["ikivihrea"]["evergreen"] == "{every: 60 days}"
    tori = rows["tori"]
    assert (tori["date"], tori["time"], tori["profiles"], tori["type"]) == ("2026-12-05", "09:00",
                                                                         "cafe-masto, cafe-bsky", "image")
    assert tori["media"] == "tori.jpg" and tori["alt"] == "Kuusi | ja valot" and tori["first comment"] == "#joulu"
    assert tori["text"] == 'Joulutori avataan lauantaina!\n\nTervetuloa, "kaikki".' and tori["status"] == "scheduled"
    assert tori["planned"] == "cafe-masto 2026-12-05 09:00; cafe-bsky 2026-12-05 09:00"
    assert rows["vanha"]["status"] == "published" and "(published)" in rows["vanha"]["planned"]
    assert rows["miinus"]["status"] == "queued" and rows["miinus"]["date"] == "" and rows["miinus"]["planned"]
    assert rows["luonnos"]["status"] == "draft"


def test_formulas_are_made_inert(repo):
    rows = {r["id"]: r for r in rows_of(export(repo).stdout)}
    assert rows["kaava"]["text"] == "'=HYPERLINK(\"https://evil.example\",\"alennus\")"
    assert rows["miinus"]["text"] == "'-20 % pullista tänään" and rows["tori"]["first comment"] == "#joulu"


def test_days_delimiter_and_file(repo, tmp_path):
    done = export(repo, "--from", "2026-12-05", "--to", "2026-12-07", "--delimiter", "semicolon", "-o",
                  str(tmp_path / "out.csv"))
    assert done.exit_code == 0 and "wrote 2 posts" in done.stderr
    data = (tmp_path / "out.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid;date;time")  # the mark: Excel reads UTF-8
    assert [r["id"] for r in rows_of(data.decode("utf-8-sig"), ";")] == ["tori", "kaava"]
    bad = export(repo, "--from", "5.12.2026")
    assert bad.exit_code == 2 and "write the day as YYYY-MM-DD" in bad.stderr
    assert export(repo, "--from", "2026-12-07", "--to", "2026-12-05").exit_code == 2


def _same_posts(source: Path, target: Path, exported: Path, now: dt.datetime) -> None:
    """Import ``exported`` into ``target`` and compare each post with its original in ``source``."""
    plan = plan_import(target, read_sheet(exported), config=load_config(target), now=now, existing={})
    assert [i for i in plan.issues if i.severity == "error"] == []
    assert plan.left_out == [(2, "already published")]
    made = {p.id: parse_post(p.text, p.path) for p in plan.posts}
    assert sorted(made) == ["ikivihrea", "kaava", "luonnos", "miinus", "perjantai", "tori"]
    for post_id, post in made.items():
        (rel,) = [r for r in POSTS if f"id: {post_id}\n" in POSTS[r]]
        original = parse_post((source / rel).read_text(encoding="utf-8"), rel)
        assert post.body == original.body and post.profiles == original.profiles
        assert post.raw.get("publish_at") == original.raw.get("publish_at") and post.status == original.status
        for key in ("title", "link", "first_comment", "pillar", "tags", "campaign", "manual", "repeat", "evergreen"):
            wanted = original.raw.get(key)
            if isinstance(wanted, dict):  # YAML 1.1 reads the post file's unquoted `on:` as true
                wanted = {("on" if k is True else k): v for k, v in wanted.items()}
            assert post.raw.get(key) == wanted, key
        assert [(m.alt, Path(m.path).name) for m in post.media] == [(m.alt, Path(m.path).name)
                                                                   for m in original.media]


@pytest.fixture
def target(tmp_path) -> Path:
    root = make_repo(tmp_path / "other")
    image(root / "content" / "media" / "tori.jpg")
    return root


def test_round_trip_through_csv(repo, target, tmp_path):
    out = tmp_path / "plan.csv"
    assert export(repo, "-o", str(out)).exit_code == 0
    _same_posts(repo, target, out, dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC))


def test_round_trip_through_excel(repo, target, tmp_path):
    """The client opens the export in Excel and saves it as a workbook: the same posts come back."""
    book = openpyxl.Workbook()
    sheet = book.active
    for record in csv.reader(io.StringIO(export(repo).stdout)):
        # what Excel does with the apostrophe: it shows the text and keeps it as text, not as a formula
        sheet.append(record)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("'"):
                cell.value = cell.value[1:]
                cell.data_type = "s"
    book.save(tmp_path / "plan.xlsx")
    _same_posts(repo, target, tmp_path / "plan.xlsx", dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC))


def test_a_brands_posts_only_in_its_timezone(tmp_path):
    from tests.test_import import BRANDS

    schedule = "timezone: Europe/Helsinki\nbrands:\n  acme: {timezone: Europe/Stockholm}\n"
    root = make_repo(tmp_path / "brands", {
        "content/acme/2026/12/a.md": "---\nid: a\nprofiles: [acme-masto]\npublish_at: 2026-12-05 09:00\n---\nHei\n",
        "content/beta/2026/12/b.md": "---\nid: b\nprofiles: [beta-masto]\npublish_at: 2026-12-05 09:00\n---\nMoi\n",
    }, profiles=BRANDS, schedule=schedule)
    done = export(root, "--brand", "acme")
    assert [(r["id"], r["time"], r["planned"]) for r in rows_of(done.stdout)] == [
        ("a", "09:00", "acme-masto 2026-12-05 09:00")]  # in Stockholm's time, as the post says it
    assert [r["id"] for r in rows_of(export(root).stdout)] == ["b", "a"]  # 09:00 in Helsinki is earlier
    unknown = export(root, "--brand", "gamma")
    assert unknown.exit_code == 2 and "no brand gamma" in unknown.stderr


def test_round_trip_through_an_exported_workbook(repo, target, tmp_path):
    out = tmp_path / "plan.xlsx"
    done = export(repo, "--format", "xlsx", "-o", str(out))
    assert done.exit_code == 0 and "wrote 7 posts" in done.stderr
    book = openpyxl.load_workbook(out, read_only=True)
    rows = list(book["Plan"].iter_rows(values_only=True))
    book.close()
    kaava = next(r for r in rows if r[0] == "kaava")
    assert kaava[1] == dt.datetime(2026, 12, 7) and kaava[2] == dt.time(12, 0)  # Excel's own date and time
    assert kaava[6] == '=HYPERLINK("https://evil.example","alennus")'  # a text cell, never a formula:
    with zipfile.ZipFile(out) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    _same_posts(repo, target, out, dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC))
    assert export(repo, "--format", "xlsx").exit_code == 2  # a workbook needs a file
