"""A content calendar from a spreadsheet: a CSV file or an Excel workbook (.xlsx) -> a Sheet of rows, each cell
under the field its column header names (date, time, profiles, text, ...), in English or Finnish.

Nothing in a cell is ever evaluated: a formula (a cell starting with =, +, - or @) is kept as its text, and an
Excel formula is read as the formula, not as the result Excel last saved. The file is untrusted: its size, its
rows, columns and cells are bounded, NUL bytes and text in an unknown encoding are refused with the row to fix.
Row numbers are those a spreadsheet program shows.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialops.core.safetext import from_csv_cell
from socialops.errors import ContentError

MAX_FILE_BYTES = 20_000_000
MAX_UNPACKED_BYTES = 200_000_000  # an .xlsx is a zip: what it holds unpacked (a zip bomb stops here)
MAX_ROWS = 10_000
MAX_COLUMNS = 60
MAX_CELL_CHARS = 70_000  # the longest text a network takes is Facebook's 63,206 characters
MAX_ROW_CHARS = 200_000
HEADER_SEARCH = 10  # the header is looked for in the first rows: a title or notes may come first

# field -> the headers that mean it (compared lower-case, with _ and - read as spaces)
HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "slug", "post id", "tunniste"),
    "title": ("title", "name", "otsikko", "nimi"),
    "date": ("date", "day", "publish date", "publish at", "publish_at", "when", "päivä", "päivämäärä", "pvm",
             "julkaisupäivä"),
    "time": ("time", "hour", "publish time", "kellonaika", "aika", "klo", "julkaisuaika"),
    "profiles": ("profiles", "profile", "networks", "network", "channels", "channel", "accounts", "account",
                 "profiilit", "profiili", "kanavat", "kanava", "verkot", "verkko", "tilit", "tili"),
    "type": ("type", "post type", "format", "tyyppi", "julkaisutyyppi"),
    "text": ("text", "caption", "body", "copy", "message", "post text", "teksti", "kuvateksti", "sisältö",
             "viesti"),
    "media": ("media", "image", "images", "file", "files", "video", "media files", "kuva", "kuvat", "tiedosto",
              "tiedostot"),
    "alt": ("alt", "alt text", "image description", "alt teksti", "vaihtoehtoinen teksti", "kuvaus"),
    "link": ("link", "url", "address", "linkki", "osoite"),
    "pillar": ("pillar", "theme", "topic", "content pillar", "teema", "pilari", "aihe"),
    "first_comment": ("first comment", "comment", "ensimmäinen kommentti", "kommentti"),
    "tags": ("tags", "labels", "tunnisteet"),
    "campaign": ("campaign", "kampanja"),
    "status": ("status", "state", "tila"),
    "manual": ("manual", "manual task", "by hand", "käsin", "manuaalinen"),
    "repeat": ("repeat", "repeats", "recurring", "recurrence", "toistuu", "toisto"),
    "evergreen": ("evergreen", "ikivihreä"),
    "planned": ("planned", "suunniteltu"),  # written by `socialops export`, read by nobody
}
_FIELD_OF = {name: key for key, names in HEADERS.items() for name in names}


@dataclass
class Row:
    number: int  # as the spreadsheet program shows it (the header is row 1)
    cells: dict[str, Any]  # field -> str, int, float, dt.date, dt.datetime or dt.time; blank cells left out


@dataclass
class Sheet:
    name: str  # the file's name, for messages
    columns: dict[str, str]  # field -> its header as written
    unknown: list[str]  # headers that name no field (their cells are not read)
    rows: list[Row]
    notes: list[str] = field(default_factory=list)  # what the reader had to guess (the encoding, the sheet)
    header_row: int = 1  # the row that names the columns (a title above it is skipped)


def header_field(header: str) -> str | None:
    """The field a column header names ('Julkaisupäivä' -> 'date'), or None."""
    key = re.sub(r"[\s_-]+", " ", str(header).strip().lower()).strip(" :*")
    return _FIELD_OF.get(key)


def read_sheet(path: Path, *, encoding: str | None = None, sheet: str | None = None) -> Sheet:
    """Read a .csv (or .tsv/.txt) file or an .xlsx workbook. Raises ContentError naming the file (and the row)
    for what cannot be read at all."""
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ContentError(f"the file cannot be read ({exc.strerror})", path=name) from None
    if size > MAX_FILE_BYTES:
        raise ContentError(f"the file is {size:,} bytes, more than the {MAX_FILE_BYTES:,} allowed; split the "
                           "calendar into several files", path=name)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    if suffix in (".xls", ".ods", ".numbers"):
        raise ContentError(f"{suffix} files cannot be read; save the sheet as .xlsx or as CSV UTF-8", path=name)
    if sheet:
        raise ContentError("--sheet is for Excel workbooks; a CSV file has one sheet", path=name)
    return _read_csv(path, encoding)


# --- CSV -------------------------------------------------------------------------------------------------


def decode(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str | None]:
    """The file's text and a note when it was not UTF-8. UTF-8 (with or without a byte order mark) and UTF-16
    with one are read as they are; other bytes as Windows-1252 (what Excel writes for 'CSV' on a Western
    European Windows), said in the note; anything else is an error naming the line."""
    if encoding:
        try:
            codecs.lookup(encoding)
            return data.decode(encoding), None
        except LookupError:
            raise ContentError(f"--encoding {encoding}: no such encoding (try utf-8 or cp1252)", path=name) from None
        except UnicodeDecodeError as exc:
            raise ContentError(f"this is not {encoding} text (the byte at {exc.start:,} cannot be read); save the "
                               "sheet as CSV UTF-8", path=name, line=_line_of(data, exc.start)) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            raise ContentError("the file says it is UTF-16 text but is not; save the sheet as CSV UTF-8",
                               path=name) from None
    nul = data.find(b"\0")
    if nul != -1:
        raise ContentError("the file holds NUL bytes: it is not a text CSV file (a workbook renamed to .csv?); "
                           "save the sheet as CSV UTF-8 or as .xlsx", path=name, line=_line_of(data, nul))
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise ContentError("the file is neither UTF-8 nor Windows-1252 text; save the sheet as CSV UTF-8, or "
                           "say which encoding it is with --encoding", path=name,
                           line=_line_of(data, first_bad)) from None
    return text, (f"{name} is not UTF-8 (first at line {_line_of(data, first_bad)}): read it as Windows-1252, "
                  "the encoding of Excel's plain CSV; check that letters like ä, ö and € came out right, or save "
                  "the sheet as CSV UTF-8")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _delimiter(text: str) -> str:
    """; , or tab: what the header line and the first rows are split by (Excel writes ; where the decimal
    mark is a comma, as in Finland)."""
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        header = sample.split("\n", 1)[0]
        counts = {d: header.count(d) for d in ";,\t"}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _read_csv(path: Path, encoding: str | None) -> Sheet:
    name = path.name
    text, note = decode(path.read_bytes(), name, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    records: list[list[Any]] = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > MAX_ROWS + HEADER_SEARCH:
                break
    except csv.Error as exc:
        raise ContentError(f"row {len(records) + 1} cannot be read ({exc}); a cell is too long or a quote is "
                           "not closed", path=name, line=len(records) + 1) from None
    # what `socialops export` (or another careful program) made inert for spreadsheets, as it was written
    records = [[from_csv_cell(cell) for cell in record] for record in records]
    return _sheet(name, records, [note] if note else [])


# --- Excel -----------------------------------------------------------------------------------------------


def _read_xlsx(path: Path, sheet: str | None) -> Sheet:
    import warnings
    import zipfile

    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise ContentError("this is not an Excel workbook (.xlsx); save the sheet as .xlsx or as CSV UTF-8",
                           path=name) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ContentError(f"the workbook unpacks to {unpacked:,} bytes, more than the {MAX_UNPACKED_BYTES:,} "
                           "allowed; keep only the calendar in it", path=name)
    import openpyxl

    with warnings.catch_warnings():
        # openpyxl warns of what it skips (styles, data validation, ...): none of it is a cell's value
        warnings.simplefilter("ignore", UserWarning)
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
            raise ContentError(f"the workbook cannot be read ({type(exc).__name__}); open it in Excel and save it "
                               "again as .xlsx", path=name) from None
        try:
            return _read_book(book, name, sheet)
        finally:
            book.close()


def _read_book(book: Any, name: str, sheet: str | None) -> Sheet:
    names = book.sheetnames
    if sheet is not None and sheet not in names:
        raise ContentError(f"the workbook has no sheet '{sheet}' (sheets: {', '.join(names)})", path=name)
    chosen = sheet or names[0]
    notes = [f"{name}: read the sheet '{chosen}' (of {', '.join(names)}); choose another with --sheet"] \
        if sheet is None and len(names) > 1 else []
    records: list[list[Any]] = []
    for values in book[chosen].iter_rows(values_only=True):
        records.append(list(values[:MAX_COLUMNS + 1]))
        if len(records) > MAX_ROWS + HEADER_SEARCH:
            break
    return _sheet(name, records, notes)


# --- both ------------------------------------------------------------------------------------------------


def _header_row(records: list[list[Any]]) -> int | None:
    """Where the header is: the first of the first rows naming two columns socialops knows (a title or notes
    above it are skipped), else the first row that is not blank; None for a file of blank rows."""
    first = None
    for i, record in enumerate(records[:HEADER_SEARCH]):
        if _blank(record):
            continue
        first = i if first is None else first
        if sum(1 for v in record if isinstance(v, str) and header_field(v)) >= 2:
            return i
    return first if first is not None else next((i for i, r in enumerate(records) if not _blank(r)), None)


def _sheet(name: str, records: list[list[Any]], notes: list[str]) -> Sheet:
    """Rows under the fields their headers name; the file's own limits checked."""
    at = _header_row(records)
    if at is None:
        raise ContentError("the file is empty; the first row must name the columns (date, time, profiles, text, "
                           "...)", path=name)
    header, head_number = records[at], at + 1
    if len(header) > MAX_COLUMNS:
        raise ContentError(f"the header has {len(header)} columns, more than the {MAX_COLUMNS} allowed",
                           path=name, line=head_number)
    columns: dict[str, str] = {}
    index: dict[int, str] = {}
    unknown: list[str] = []
    for i, title in enumerate(header):
        title = "" if title is None else str(title).strip()
        if not title:
            continue
        key = header_field(title)
        if key is None:
            unknown.append(title)
        elif key in columns:
            raise ContentError(f"the columns '{columns[key]}' and '{title}' both mean {key}; rename or remove one",
                               path=name, line=head_number)
        else:
            columns[key], index[i] = title, key
    if not columns:
        raise ContentError("the first row names no column socialops knows; name them date, time, profiles, type, "
                           "text, media, link, pillar, first comment (or päivä, aika, profiilit, teksti, ...)",
                           path=name, line=head_number)
    if len(records) > MAX_ROWS + head_number:
        raise ContentError(f"the file has more than {MAX_ROWS:,} rows; split the calendar into several files",
                           path=name, line=head_number + MAX_ROWS + 1)
    rows = []
    for number, record in enumerate(records[head_number:], start=head_number + 1):
        if len(record) > MAX_COLUMNS:
            raise ContentError(f"row {number} has {len(record)} cells, more than the {MAX_COLUMNS} allowed",
                               path=name, line=number)
        cells = {index[i]: _cell(value) for i, value in enumerate(record) if i in index and not _empty(value)}
        if cells:
            _check_size(name, number, cells, columns)
            rows.append(Row(number, cells))
    return Sheet(name, columns, unknown, rows, notes, head_number)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _blank(record: list[Any]) -> bool:
    return all(_empty(v) for v in record)


def _check_size(name: str, number: int, cells: dict[str, Any], columns: dict[str, str]) -> None:
    total = 0
    for key, value in cells.items():
        size = len(value) if isinstance(value, str) else 0
        if size > MAX_CELL_CHARS:
            raise ContentError(f"row {number}, column '{columns[key]}': the cell has {size:,} characters, more "
                               f"than the {MAX_CELL_CHARS:,} allowed", path=name, line=number)
        total += size
    if total > MAX_ROW_CHARS:
        raise ContentError(f"row {number} has {total:,} characters, more than the {MAX_ROW_CHARS:,} allowed",
                           path=name, line=number)


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a needless '.0', dates as YYYY-MM-DD, times as HH:MM."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour, value.minute) != (0, 0) else f"{value:%Y-%m-%d}"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
