"""Reading a content calendar (content/spreadsheet.py, content/sheet_cells.py) and turning its rows into checked
posts (content/importer.py): headers in English and Finnish, encodings, Excel cells, and hostile files."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from socialops.content.importer import plan_import
from socialops.content.spreadsheet import MAX_CELL_CHARS, MAX_ROWS, header_field, read_sheet
from socialops.errors import ContentError
from socialops.repository.config import load_config
from socialops.repository.posts import parse_post
from tests.helpers import image, make_repo

FIXTURES = Path(__file__).parent / "fixtures" / "import"
NOW = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)
HEAD = "date,time,profiles,text,media,pillar\n"


@pytest.fixture
def repo(tmp_path) -> Path:
    root = make_repo(tmp_path / "repo")
    image(root / "content" / "media" / "tori.jpg")
    image(root / "content" / "media" / "pulla.jpg")
    return root


def plan_of(root: Path, path: Path, **options):
    return plan_import(root, read_sheet(path, **options), config=load_config(root), now=NOW, existing={})


def csv_file(tmp_path: Path, text: str, name: str = "cal.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def errors(plan) -> list[tuple[int, str | None, str]]:
    return [(i.row, i.column, i.message) for i in plan.issues if i.severity == "error"]


def test_the_finnish_calendar_becomes_valid_posts(repo):
    plan = plan_of(repo, FIXTURES / "calendar.csv")
    assert plan.sheet.columns["date"] == "Päivä" and plan.sheet.columns["first_comment"] == "Ensimmäinen kommentti"
    assert plan.sheet.unknown == ["Muistiinpanot"]
    assert [(i.row, i.column, i.severity) for i in plan.issues] == [(1, "Muistiinpanot", "warning")]
    first, second, queued = plan.posts
    assert first.path == "content/2026/12/joulutori.md" and second.path == "content/2026/12/kardemummapullat-uunista.md"
    post = parse_post(first.text, first.path)
    assert post.raw["publish_at"] == "2026-12-01 09:00" and post.profiles == ["cafe-masto", "cafe-bsky"]
    assert post.raw["media"] == [{"path": "content/media/tori.jpg", "alt": "Joulukuusi torilla"}]
    assert post.body == "Joulutori avataan lauantaina!\nTervetuloa.\n" and post.first_comment == "#joulu"
    assert parse_post(second.text, second.path).raw["type"] == "image"  # 'kuva'
    assert "publish_at" not in parse_post(queued.text, queued.path).raw  # no date: the queue
    assert queued.path.startswith("content/2026/11/")


@pytest.mark.parametrize("header, field", [("Date", "date"), ("PUBLISH_AT", "date"), ("Kellonaika", "time"),
                                           ("Networks", "profiles"), ("Caption", "text"), ("first-comment", "first_comment"),
                                           ("Slug", "id"), ("Kuvat", "media"), ("Linkki:", "link"), ("Colour", None)])
def test_headers_are_matched_loosely(header, field):
    assert header_field(header) == field


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_found(tmp_path, repo, delimiter):
    text = HEAD.replace(",", delimiter) + delimiter.join(["2026-12-03", "09:00", "cafe-masto", "Hei", "", "menu"])
    plan = plan_of(repo, csv_file(tmp_path, text + "\n"))
    assert errors(plan) == [] and len(plan.posts) == 1


def test_windows_1252_is_read_and_said(tmp_path, repo):
    path = csv_file(tmp_path, HEAD + "2026-12-03,09:00,cafe-masto,Glögiä ja piparia 5 €,,menu\n", encoding="cp1252")
    sheet = read_sheet(path)
    assert sheet.rows[0].cells["text"] == "Glögiä ja piparia 5 €"
    assert "not UTF-8" in sheet.notes[0] and "Windows-1252" in sheet.notes[0]
    assert read_sheet(csv_file(tmp_path, "\ufeff" + HEAD + "2026-12-03,09:00,x,ä,,\n", "b.csv")).notes == []


def test_utf16_with_a_mark_is_read(tmp_path):
    path = csv_file(tmp_path, "\ufeff" + HEAD.replace(",", "\t") + "2026-12-03\t09:00\tcafe-masto\tHei\t\tmenu\n",
                    encoding="utf-16-le")
    assert read_sheet(path).rows[0].cells["profiles"] == "cafe-masto"


def test_a_bad_encoding_and_nul_bytes_are_clear_errors(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(HEAD.encode() + b"2026-12-03,09:00,x,\x81\x8d,,\n")  # undefined in Windows-1252 too
    with pytest.raises(ContentError) as caught:
        read_sheet(bad)
    assert str(caught.value).startswith("bad.csv:2: the file is neither UTF-8 nor Windows-1252")
    nul = tmp_path / "nul.csv"
    nul.write_bytes(HEAD.encode() + b"2026-12-03,09:00,x,a\x00b,,\n")
    with pytest.raises(ContentError, match="NUL bytes") as caught:
        read_sheet(nul)
    assert caught.value.line == 2
    with pytest.raises(ContentError, match="no such encoding"):
        read_sheet(bad, encoding="klingon")


def test_formulas_are_kept_as_text_never_run(tmp_path, repo):
    text = HEAD + '2026-12-03,09:00,cafe-masto,"=HYPERLINK(""https://evil.example"",""x"")",,menu\n' \
                  "2026-12-04,09:00,cafe-masto,@SUM(A1:A9),,menu\n" \
                  "=TODAY()+1,09:00,cafe-masto,Hei,,menu\n"
    plan = plan_of(repo, csv_file(tmp_path, text))
    bodies = [parse_post(p.text, p.path).body for p in plan.posts[:2]]
    assert bodies == ['=HYPERLINK("https://evil.example","x")\n', "@SUM(A1:A9)\n"]
    assert errors(plan) == [(4, "date", "'=TODAY()+1' is a formula; socialops never runs formulas: write the date "
                                        "itself (in Excel: copy the column, Paste Special → Values)")]


def test_xlsx_dates_times_and_formulas(tmp_path, repo):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Joulukuu"
    sheet.append(["Date", "Time", "Profiles", "Caption", "Image", "Alt text", "Pillar", "Budget"])
    sheet.append([dt.date(2026, 12, 5), dt.time(8, 30), "cafe-masto", "=1+1", "tori.jpg", "Tori", "events", 100])
    sheet.append([dt.datetime(2026, 12, 6, 11, 0), None, "mastodon", "Itsenäisyyspäivä", None, None, "events", None])
    sheet.append([None] * 8)  # a blank row is no post
    sheet.append([dt.datetime(2026, 12, 7), "=B2+1", "cafe-masto", "Hei", None, None, "menu", None])
    book.create_sheet("Notes").append(["whatever"])
    path = tmp_path / "cal.xlsx"
    book.save(path)
    plan = plan_of(repo, path)
    assert "read the sheet 'Joulukuu'" in plan.sheet.notes[0]
    first, second = plan.posts[:2]
    raw = parse_post(first.text, first.path)
    assert raw.raw["publish_at"] == "2026-12-05 08:30" and raw.body == "=1+1\n"  # the formula, not 2
    assert parse_post(second.text, second.path).raw["publish_at"] == "2026-12-06 11:00"
    assert parse_post(second.text, second.path).profiles == ["cafe-masto"]  # the one profile on mastodon
    assert errors(plan) == [(5, "Time", "'=B2+1' is a formula; socialops never runs formulas: write the time itself")]
    assert plan.sheet.unknown == ["Budget"]
    with pytest.raises(ContentError, match="names no column"):
        read_sheet(path, sheet="Notes")
    with pytest.raises(ContentError, match="no sheet 'Mars'"):
        read_sheet(path, sheet="Mars")


def test_every_invalid_row_is_named_with_its_column(tmp_path, repo):
    text = ("Slug,Date,Time,Profiles,Type,Text,Media,Link,Pillar\n"
            "tori,2026-12-03,09:00,cafe-masto,,Hei,../../.git/config,,menu\n"
            "tori,2026-12-03,25:00,cafe-bogus,,Hei,,notalink,menuu\n"
            "bad slug!,2026-12-03,09:00,cafe-insta,image,Hei,puula.jpg,,menu\n"
            ",2027-03-28,03:30,cafe-masto,carousell,Hei,,,menu\n"
            ",2026-11-01,09:00,cafe-masto,,Hei,,,menu\n"
            ",,09:00,cafe-bsky,,Hei,,,menu\n")
    plan = plan_of(repo, csv_file(tmp_path, text))
    found = {(row, column): message for row, column, message in errors(plan)}
    assert "is not a plain file name" in found[(2, "Media")]
    assert found[(3, "Slug")] == "the slug 'tori' is row 2's too; every post needs its own"
    assert "'25:00' is not a time of day" in found[(3, "Time")]
    assert "cafe-bogus" in found[(3, "Profiles")] and "is not a web address" in found[(3, "Link")]
    assert "Did you mean 'menu'" in found[(3, "Pillar")]
    assert "cannot be a slug" in found[(4, "Slug")] and "did you mean pulla.jpg?" in found[(4, "Media")]
    assert "does not exist in Europe/Helsinki" in found[(5, "Time")] and "Did you mean 'carousel'" in found[(5, "Type")]
    assert "is in the past" in found[(6, "Time")]
    assert "a time without a date" in found[(7, "Date")]
    assert plan.invalid_rows == [2, 3, 4, 5, 6, 7] and plan.valid_posts() == []


def test_slugs_never_collide(tmp_path, repo):
    text = HEAD + "".join(f"2026-12-0{d},09:00,cafe-masto,Joulutori,,events\n" for d in (3, 4, 5))
    plan = plan_import(repo, read_sheet(csv_file(tmp_path, text)), config=load_config(repo), now=NOW,
                       existing={"joulutori": "content/2026/11/old.md"})
    assert [p.id for p in plan.posts] == ["joulutori-2", "joulutori-3", "joulutori-4"]
    taken = plan_import(repo, read_sheet(csv_file(tmp_path, "slug,text,profiles\njoulutori,Hei,cafe-masto\n", "b.csv")),
                        config=load_config(repo), now=NOW, existing={"joulutori": "content/2026/11/old.md"})
    assert errors(taken) == [(2, "slug", "a post with the slug 'joulutori' already exists (content/2026/11/old.md); "
                                         "give another")]


def test_hidden_and_drive_names_are_refused(tmp_path, repo):
    (repo / "content" / "media" / ".env").write_text("SECRET=1")
    plan = plan_of(repo, csv_file(tmp_path, HEAD + "2026-12-03,10:00,cafe-masto,Hei,.env,menu\n"
                                                  "2026-12-03,11:00,cafe-masto,Hei,C:tori.jpg,menu\n"
                                                  "2026-12-03,12:00,cafe-masto,Hei,/etc/passwd,menu\n"))
    assert [(r, c) for r, c, _ in errors(plan)] == [(2, "media"), (3, "media"), (4, "media")]
    assert all("not a plain file name" in m for _, _, m in errors(plan))


BRANDS = {"acme-masto": "network: sandbox\nimitates: mastodon\naccount: '@acme@example.social'\nbrand: acme\n",
          "beta-masto": "network: sandbox\nimitates: mastodon\naccount: '@beta@example.social'\nbrand: beta\n",
          "beta-bsky": "network: sandbox\nimitates: bluesky\naccount: beta.example\nbrand: beta\n"}


def test_a_brands_rows_go_to_its_folder_with_its_media_and_timezone(tmp_path):
    schedule = "timezone: Europe/Helsinki\nbrands:\n  acme: {timezone: Europe/Stockholm}\n"
    root = make_repo(tmp_path / "brands", profiles=BRANDS, schedule=schedule)
    for rel in ("content/acme/media/logo.jpg", "content/beta/media/b.jpg", "content/media/tori.jpg",
                "content/beta/media/tori.jpg"):
        image(root / rel)
    text = ("date,time,profiles,text,media\n"
            "2026-12-03,09:00,acme-masto,Hei,\"logo.jpg, tori.jpg\"\n"
            "2026-12-03,09:00,acme-masto,Hei,b.jpg\n"
            "2026-12-03,09:00,\"acme-masto, beta-masto\",Hei,\n"
            "2026-12-03,09:00,mastodon,Hei,tori.jpg\n")
    sheet = read_sheet(csv_file(tmp_path, text))
    plan = plan_import(root, sheet, config=load_config(root), now=NOW, existing={})
    first = parse_post(plan.posts[0].text, plan.posts[0].path)
    assert plan.posts[0].path == "content/acme/2026/12/hei.md"
    assert [m.path for m in first.media] == ["content/acme/media/logo.jpg", "content/media/tori.jpg"]
    found = {(r, c): m for r, c, m in errors(plan)}
    assert "b.jpg is in another brand's folder (content/beta/media/b.jpg)" in found[(3, "media")]
    assert "beta-masto belongs to the brand beta" in found[(4, "profiles")]
    assert "several profiles are on mastodon" in found[(5, "profiles")]
    # with --brand beta: 'mastodon' is beta's one profile there, and the brand's own tori.jpg comes first
    plan = plan_import(root, sheet, config=load_config(root), now=NOW, existing={}, brand="beta")
    last = parse_post(plan.posts[-1].text, plan.posts[-1].path)
    assert last.profiles == ["beta-masto"] and last.media[0].path == "content/beta/media/tori.jpg"
    assert plan.posts[-1].path.startswith("content/beta/2026/12/")
    assert "acme-masto belongs to the brand acme" in {(r, c): m for r, c, m in errors(plan)}[(2, "profiles")]
    # naive times are in the brand's timezone: 02:30 that night exists in Helsinki, not in Stockholm
    gap = read_sheet(csv_file(tmp_path, "date,time,profiles,text\n2027-03-28,02:30,acme-masto,Hei\n", "gap.csv"))
    assert "does not exist in Europe/Stockholm" in errors(plan_import(root, gap, config=load_config(root), now=NOW,
                                                                     existing={}))[0][2]


def test_huge_cells_rows_and_files_are_refused(tmp_path, monkeypatch):
    with pytest.raises(ContentError, match=r"row 2, column 'text': the cell has 70,001 characters") as caught:
        read_sheet(csv_file(tmp_path, HEAD + f"2026-12-03,09:00,x,{'a' * (MAX_CELL_CHARS + 1)},,\n"))
    assert caught.value.line == 2
    with pytest.raises(ContentError, match="cannot be read"):  # beyond the csv module's own limit
        read_sheet(csv_file(tmp_path, HEAD + f"2026-12-03,09:00,x,{'a' * 200_000},,\n"))
    with pytest.raises(ContentError, match="more than 10,000 rows"):
        read_sheet(csv_file(tmp_path, HEAD + "2026-12-03,09:00,x,a,,\n" * (MAX_ROWS + 1)))
    with pytest.raises(ContentError, match="more than the 60 allowed"):
        read_sheet(csv_file(tmp_path, "text" + ",x" * 60 + "\n"))
    monkeypatch.setattr("socialops.content.spreadsheet.MAX_FILE_BYTES", 100)
    with pytest.raises(ContentError, match="split the calendar"):
        read_sheet(csv_file(tmp_path, HEAD * 10))


def test_not_a_workbook_and_a_zip_bomb(tmp_path, monkeypatch):
    fake = tmp_path / "cal.xlsx"
    fake.write_text("date,text\n")
    with pytest.raises(ContentError, match="not an Excel workbook"):
        read_sheet(fake)
    with zipfile.ZipFile(tmp_path / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/big.xml", b"\0" * 1_000_000)
    monkeypatch.setattr("socialops.content.spreadsheet.MAX_UNPACKED_BYTES", 500_000)
    with pytest.raises(ContentError, match="unpacks to 1,000,000 bytes"):
        read_sheet(tmp_path / "bomb.xlsx")
    with pytest.raises(ContentError, match=".xls files cannot be read"):
        read_sheet(shutil.copy(fake, tmp_path / "old.xls"))


def test_a_header_without_known_columns_and_an_empty_file(tmp_path):
    with pytest.raises(ContentError, match="names no column socialops knows"):
        read_sheet(csv_file(tmp_path, "foo,bar\n1,2\n"))
    with pytest.raises(ContentError, match="the file is empty"):
        read_sheet(csv_file(tmp_path, "\n\n"))
    with pytest.raises(ContentError, match="both mean text"):
        read_sheet(csv_file(tmp_path, "text,caption\n"))


def test_a_title_above_the_header_keeps_the_row_numbers(tmp_path, repo):
    text = "Kahvila Aurinko: joulukuu,,,,,\n,,,,,\n" + HEAD + "2026-12-03,25:00,cafe-masto,Hei,,menu\n"
    plan = plan_of(repo, csv_file(tmp_path, text))
    assert plan.sheet.header_row == 3 and errors(plan)[0][:2] == (4, "time")
    book = openpyxl.Workbook()
    book.active.append(["Joulukuun kalenteri"])
    book.active.append(["Päivä", "Aika", "Kanava", "Teksti", "Muuta"])
    book.active.append(["3.12.2026", "9.00", "cafe-masto", "Hei", "x"])
    book.save(tmp_path / "cal.xlsx")
    plan = plan_of(repo, tmp_path / "cal.xlsx")
    assert [(i.row, i.column) for i in plan.issues] == [(2, "Muuta")] and plan.posts[0].row == 3


def test_manual_repeat_and_evergreen_cells(tmp_path, repo):
    text = ("date,time,profiles,text,pillar,käsin,toistuu,ikivihreä\n"
            "2026-11-20,16:00,cafe-masto,Tarjous,menu,kyllä,FREQ=WEEKLY;BYDAY=FR,\n"  # past: the rule goes on
            "2026-12-05,16:00,cafe-masto,Moi,menu,,\"{every: week, on: saturday, at: '16:00'}\",\n"
            ",,cafe-masto,Paahto,menu,no,,60 days\n"
            "2026-12-06,16:00,cafe-masto,Hei,menu,maybe,every friday,\n"
            ",,cafe-masto,Hei,menu,,,{every: 3 fortnights}\n")
    plan = plan_of(repo, csv_file(tmp_path, text))
    raws = [parse_post(p.text, p.path).raw for p in plan.posts]
    assert raws[0]["manual"] is True and raws[0]["repeat"] == {"rrule": "FREQ=WEEKLY;BYDAY=FR"}
    assert raws[1]["repeat"] == {"every": "week", "on": "saturday", "at": "16:00"}
    assert raws[2]["manual"] is False and raws[2]["evergreen"] == {"every": "60 days"}
    found = {(r, c): m for r, c, m in errors(plan)}
    assert found[(5, "käsin")] == "'maybe' is not yes or no" and "is not a rule" in found[(5, "toistuu")]
    assert (6, "ikivihreä") in found  # validation's own rule of the interval, on its column
    assert sorted({r for r, _ in found}) == [5, 6]
