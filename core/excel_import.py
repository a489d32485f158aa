"""Generic Excel import engine: read a sheet, map its columns, preview every row, write all or nothing, undo.

The engine knows nothing about members, households or volunteers. A *kind* describes one sort of
file (its columns, its row rules, how to find a record already in the database and how to write);
the engine does everything else the same way for every kind:

- reads .xlsx and .xls with python-calamine (merged cells are filled from their top-left value);
- finds the header row below any title rows, also a two-row header under merged group labels;
- maps file columns to fields by header aliases (姓名/名字, 身份证号/公民身份号码 ...); the mapping is
  editable (`Source.auto_mapping()` gives the proposal, pass your own dict to `build_preview`);
- parses every cell with the column's parser and checks every row with the kind's rules, and lists
  per row create / update / skip / error with every problem by row and column (`build_preview`)
  BEFORE anything is written;
- handles a record already in the database (same key, e.g. ID number) by the mode the user picked:
  'skip', 'update' (non-empty file values replace stored ones) or 'fill' (only empty stored fields);
- writes everything in ONE transaction, or nothing when any row is bad, unless `skip_bad`;
- records the import as an `import_batch` that can be undone while its rows were not edited since;
- writes bad rows to `FILE.errors.xlsx` (the original row plus what is wrong) for fixing and re-import.

Typical use (the CLI and the GUI wizard do exactly this)::

    kind = get_kind("roster")
    source = read_source(path, kind)                # UserError for a malformed file
    mapping = source.auto_mapping()                 # {column index: field key or None}
    preview = build_preview(db, kind, source, mapping, mode="skip")
    # show preview.new_units, preview.rows (action, problems), preview.counts ...
    result = run_import(db, kind, source, mapping, mode="skip", skip_bad=False)
    # result.batch_id -> undo_batch(db, result.batch_id)

How to add a new kind (households, volunteers ...)
--------------------------------------------------
1. Write `core/<area>_io.py` with a subclass of `ImportKind`:

   - `name` ("households", the CLI word), `label` ("住户"), `area` (the data_changed area), `columns`: a tuple of
     `Column(key, label, aliases=(...), parser=..., required=...)`. A parser takes the raw cell
     value (str, float, int, bool, datetime.date / datetime; calamine gives whole numbers as
     float; empty cells are None without calling the parser) and returns the value to store, raises ValidationError with a
     plain Chinese message, or returns `Noted(value, note)` to tell the user what it assumed.
     Ready-made parsers below: `text`, `text_max(n)`, `choice(...)`, `date_cell`, `id_number_cell`,
     `phone_cell`, `int_cell`, `yes_no_cell`; `with_codes(parser, {"1": "男"})` maps codes first.
   - `key_field`: the field that says "this record is already in the database" (e.g. "id_number"),
     or None when every row is new.
   - `prepare(db, records)`: called once with every parsed record (dict field -> value, only
     the mapped fields); bulk-load what the row checks need (existing records by key, the org
     tree, lookups) and return any state object. Never write here.
   - `check_row(state, record)`: cross-field rules for one row; return the cleaned record (it may
     add derived fields); raise ValidationError(message, field) naming the field.
   - `find_existing(state, record)`: an `Existing(id, values)` for a record already stored
     (values in the same form check_row returns), or None.
   - `new_units(state, plans)`: `NewUnit`s the rows to be written (`plans`) name that do not
     exist yet (listed first in the preview); default none.
   - `write(db, state, creates, updates, progress)`: write `RowPlan`s (creates: `.record`,
     updates: `.existing.id` and `.changes`) with core.audit (bulk_insert for volume), inside
     the engine's transaction. Create the new units first.
2. Append your module's dotted name to `KIND_MODULES` below; the module calls `register(YourKind())`
   at import. `python main.py import <name> FILE` and `open_import_wizard(..., kind=<name>)` then
   work without further code.
"""

from __future__ import annotations

import calendar
import datetime as dt
import importlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from core import gcpause, idcard
from core.clock import now_text
from core.dates import parse_date_noted
from core.db import Db
from core.errors import UserError, ValidationError

MODES = ("skip", "update", "fill")
MODE_LABELS = {"skip": "跳过已有记录", "update": "用文件内容更新已有记录", "fill": "只补全已有记录的空白字段"}
ACTION_LABELS = {"create": "新增", "update": "更新", "skip": "跳过", "error": "有错误"}
HEADER_SCAN_ROWS = 30
ERRORS_COLUMN = "错误说明"
ROW_COLUMN = "原文件行号"
# Lines under the data that are not records (totals, signatures, notes).
_FOOTER_PREFIXES = ("合计", "总计", "小计", "填表", "制表", "审核", "负责人", "注：", "注:", "说明：", "说明:", "备注：")

# Modules that register import kinds; areas append theirs.
KIND_MODULES: list[str] = ["core.roster_io", "core.households_io", "core.volunteer_io"]

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


# Values and parsers -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Noted:
    """A parsed value plus a note telling the user what was assumed (shown in the preview, not an error)."""

    value: Any
    note: str


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: object) -> str | None:
    """A cell as text: whole numbers without '.0', dates ISO, blanks None."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if abs(value) >= 1e15:  # as Excel shows it: the digits past the 15th are not real
            return f"{value:.15G}"
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).strip() or None


def text(value: object) -> str | None:
    return cell_text(value)


def text_max(limit: int, label: str = "内容") -> Callable[[object], str | None]:
    def parse(value: object) -> str | None:
        result = (value.strip() or None) if type(value) is str else cell_text(value)
        if result is not None and len(result) > limit:
            raise ValidationError(f"{label}太长（{len(result)} 个字，最多 {limit} 个字）。")
        return result

    def column(cells: list[Any]) -> list[Any] | None:
        values = stripped_texts(cells)
        if values is None or max(map(len, filter(None, values)), default=0) > limit:
            return None
        return values

    parse.column = column
    return parse


# Column forms of parsers ---------------------------------------------------------------------------
#
# A parser may carry `parser.column(cells)`: the parsed values of a whole block of cells from one column
# (None for empty cells), computed with a few C-level passes instead of one Python call per cell, or None
# when some cell needs the parser itself (an error, a note, a cell of another type). It must give exactly
# what calling the parser on each non-empty cell gives; the engine falls back to that otherwise.

_STR_OR_NONE = frozenset({str, type(None)})


def stripped_texts(cells: list[Any]) -> list[str | None] | None:
    """Cells that are all text or empty, stripped, blanks as None; None if any cell is of another type."""
    if not _STR_OR_NONE.issuperset(set(map(type, cells))):
        return None
    if None in cells:
        return [None if v is None else (v.strip() or None) for v in cells]
    values = list(map(str.strip, cells))
    return [v or None for v in values] if "" in values else values


def choice(options: Sequence[str], label: str, synonyms: dict[str, str] | None = None) -> Callable[[object], str | None]:
    """A value from a fixed list; synonyms map what people write to the stored word."""
    synonyms = synonyms or {}

    def parse(value: object) -> str | None:
        result = cell_text(value)
        if result is None:
            return None
        result = synonyms.get(result, result)
        if result not in options:
            raise ValidationError(f"{label}“{result}”不在可选范围内，应为：{'、'.join(options)}。")
        return result

    allowed = frozenset(options) | {None}

    def column(cells: list[Any]) -> list[Any] | None:
        values = stripped_texts(cells)
        if values is None:
            return None
        if synonyms and not synonyms.keys().isdisjoint(values):
            values = [synonyms.get(v, v) for v in values]
        return values if allowed.issuperset(values) else None

    parse.column = column
    return parse


def with_codes(parser: Callable[[object], Any], codes: dict[str, str]) -> Callable[[object], Any]:
    """Translate codes an upper level uses (1 → 男) before parsing; for layouts with value codes."""
    if not codes:
        return parser

    def parse(value: object) -> Any:
        key = cell_text(value)
        return parser(codes[key]) if key in codes else parser(value)

    return parse


def date_cell(label: str) -> Callable[[object], Any]:
    from core.dates import MAX_YEAR, MIN_YEAR

    def parse(value: object) -> Any:
        kind = type(value)
        if (kind is dt.date or kind is dt.datetime) and MIN_YEAR <= value.year <= MAX_YEAR:  # the usual case
            return (value if kind is dt.date else value.date()).isoformat()
        noted = parse_date_noted(value, label)
        iso = noted.date.isoformat() if noted.date else None
        return Noted(iso, noted.note) if noted.note else iso

    def column(cells: list[Any]) -> list[Any] | None:
        kinds = set(map(type, cells))
        kinds.discard(type(None))
        if kinds != {dt.date}:  # all real dates (calamine's date cells); datetimes and text the long way
            return None
        present = list(filter(None, cells)) if None in cells else cells
        if not (MIN_YEAR <= min(present).year and max(present).year <= MAX_YEAR):
            return None
        if present is cells:
            return list(map(dt.date.isoformat, cells))
        return [None if v is None else v.isoformat() for v in cells]

    parse.column = column
    return parse


def id_number_cell(value: object) -> str | None:
    """An ID number cell, normalised and validated; numbers Excel turned into floats are refused."""
    if type(value) is str and len(value) == 18 and value.isascii() and value[:17].isdigit():
        # The usual clean cell, checked quickly; anything doubtful takes idcard.parse for its message.
        if value[17] in "0123456789X" and value[:2] in idcard._PROVINCES and idcard.check_char(value[:17]) == value[17]:
            try:
                birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
            except ValueError:
                birth = None
            if birth is not None and birth.year >= 1900 and birth <= _today():
                return value
    if is_blank(value):
        return None
    if isinstance(value, str) and "*" in value:
        raise ValidationError("身份证号中间几位被隐去了（这是隐私保护导出的文件），不能用于导入。"
                              "请改用导出时选择了“完整信息”的文件。", "id_number")
    return idcard.parse(value).number


# Clean 18-character numbers, all at once: digits, a check character, a province code (then checked per cell).
_ID_BLOCK = re.compile(r"(?:[1-9][0-9]{16}[0-9X]\n)*[1-9][0-9]{16}[0-9X]", re.ASCII)


def _id_numbers_column(cells: list[Any]) -> list[Any] | None:
    present = [v for v in cells if v is not None] if None in cells else cells
    if not _STR_OR_NONE.issuperset(set(map(type, present))):
        return None
    joined = "\n".join(present)
    if len(joined) != 19 * len(present) - 1 or not _ID_BLOCK.fullmatch(joined):  # no cell holds a line break
        return None
    births, provinces, check = _valid_births(), idcard._PROVINCES, idcard.CHECK_CHARS
    for value in present:
        # idcard.check_char, inlined: 2 × (17 digits in base 13) mod 11 is the weighted sum mod 11.
        if value[:2] not in provinces or value[6:14] not in births or check[2 * int(value[:17], 13) % 11] != value[17]:
            return None
    return cells


id_number_cell.column = _id_numbers_column

_BIRTHS: list[tuple[dt.date, frozenset[str]]] = []  # (the day it was made for, the dates), replaced whole


def _valid_births() -> frozenset[str]:
    """Every YYYYMMDD from 1900-01-01 to today (what a clean ID number may hold as its birth date)."""
    today = _today()
    made = _BIRTHS[0] if _BIRTHS else None
    if made is None or made[0] != today:
        leap = [f"{d:%m%d}" for d in (dt.date(2000, 1, 1) + dt.timedelta(days=n) for n in range(366))]
        common = [md for md in leap if md != "0229"]
        last = f"{today:%Y%m%d}"
        made = (today, frozenset(
            ymd for year in range(1900, today.year + 1)
            for ymd in (f"{year:04d}" + md for md in (leap if calendar.isleap(year) else common)) if ymd <= last))
        _BIRTHS[:] = [made]
    return made[1]


def phone_cell(value: object) -> str | None:
    if type(value) is str and len(value) == 11 and value.isascii() and value.isdigit() and value[0] == "1" \
            and value[1] in "3456789":
        return value  # a clean mobile number, as persons.clean_phone would return it
    from core.persons import clean_phone

    return clean_phone(value)


_MOBILE_BLOCK = re.compile(r"(?:1[3-9][0-9]{9}\n)*1[3-9][0-9]{9}", re.ASCII)


def _phones_column(cells: list[Any]) -> list[Any] | None:
    present = [v for v in cells if v is not None] if None in cells else cells
    if not present:
        return cells
    if not _STR_OR_NONE.issuperset(set(map(type, present))):
        return None
    joined = "\n".join(present)
    if len(joined) != 12 * len(present) - 1 or not _MOBILE_BLOCK.fullmatch(joined):  # no cell holds a line break
        return None
    return cells


phone_cell.column = _phones_column


_TODAY: list[Any] = [None, 0.0]


def _today() -> dt.date:
    """Today, looked up at most once a minute (checked once per ID number in a big import)."""
    import time

    if time.monotonic() - _TODAY[1] > 60:
        _TODAY[0], _TODAY[1] = dt.date.today(), time.monotonic()
    return _TODAY[0]


def int_cell(label: str, minimum: int | None = None, maximum: int | None = None) -> Callable[[object], int | None]:
    def parse(value: object) -> int | None:
        if is_blank(value):
            return None
        try:
            number = float(str(value).strip().translate(str.maketrans("０１２３４５６７８９．", "0123456789."))) \
                if not isinstance(value, (int, float)) else float(value)
        except ValueError:
            raise ValidationError(f"{label}“{value}”不是数字。") from None
        if not number.is_integer():
            raise ValidationError(f"{label}应为整数，而不是 {value}。")
        result = int(number)
        if (minimum is not None and result < minimum) or (maximum is not None and result > maximum):
            raise ValidationError(f"{label} {result} 超出范围（{minimum}—{maximum}）。")
        return result

    return parse


def yes_no_cell(label: str) -> Callable[[object], bool | None]:
    yes, no = {"是", "有", "Y", "y", "YES", "yes", "1", "√", "✓", "TRUE", "true"}, {"否", "无", "N", "n", "NO", "no", "0", "×", "FALSE", "false"}

    def parse(value: object) -> bool | None:
        if isinstance(value, bool):
            return value
        key = cell_text(value)
        if key is None:
            return None
        if key in yes:
            return True
        if key in no:
            return False
        raise ValidationError(f"{label}应填“是”或“否”，而不是“{key}”。")

    return parse


# What a kind describes ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    parser: Callable[[object], Any] = text
    required: bool = False


@dataclass(frozen=True)
class Existing:
    """A record already in the database: its id and current values keyed like the parsed record."""

    id: int
    values: dict[str, Any]
    label: str = ""


@dataclass(frozen=True)
class NewUnit:
    """An organisation unit or grid the file names that the import will create."""

    kind_label: str  # 党支部 / 党小组 / 网格 / 社区党委 / 街道党工委
    name: str
    parent: str      # where it will hang, as a path of names ("" for the top)

    def describe(self) -> str:
        return f"{self.kind_label}“{self.name}”" + (f"（在 {self.parent} 下）" if self.parent else "")


@dataclass(frozen=True)
class Problem:
    row: int                 # Excel row number as the user sees it (1-based)
    column: str | None       # header text in the file (or the field label)
    field: str | None
    message: str
    severity: str = "error"  # error | note

    def describe(self) -> str:
        where = f"第 {self.row} 行" + (f"“{self.column}”列" if self.column else "")
        return f"{where}：{self.message}"


@dataclass(frozen=True)
class RowPlan:
    row: int                          # Excel row number
    index: int                        # position among the source's data rows
    action: str                       # create | update | skip | error
    record: dict[str, Any]
    problems: tuple[Problem, ...] = ()
    existing: Existing | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    reason: str = ""                  # why skipped

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")


class ImportKind:
    """One sort of file the engine imports; see the module docstring for what to implement."""

    name = ""
    label = ""
    area = ""  # the data_changed area screens listen to after an import of this kind
    columns: tuple[Column, ...] = ()
    key_field: str | None = None
    summary_field: str = "name"  # shown per row in the preview

    def prepare(self, db: Db, records: list[dict[str, Any]]) -> Any:
        return None

    def check_row(self, state: Any, record: dict[str, Any]) -> dict[str, Any]:
        return record

    def find_existing(self, state: Any, record: dict[str, Any]) -> Existing | None:
        return None

    def new_units(self, state: Any, plans: list[RowPlan]) -> list[NewUnit]:
        """Units/grids the rows to be written (creates and updates in `plans`) need created."""
        return []

    def write(self, db: Db, state: Any, creates: list[RowPlan], updates: list[RowPlan],
              progress: ProgressFn | None = None) -> int:
        """Write the rows; returns how many org units/grids were created."""
        raise UserError(f"“{self.label}”不支持导入。")

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    def field_label(self, key: str | None) -> str | None:
        if key is None:
            return None
        try:
            return self.column(key).label
        except KeyError:
            return key


KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    KINDS[kind.name] = kind
    return kind


def _load_kinds() -> None:
    for module_name in KIND_MODULES:
        importlib.import_module(module_name)


def kind_names() -> list[str]:
    _load_kinds()
    return list(KINDS)


def get_kind(name: str) -> ImportKind:
    _load_kinds()
    if name not in KINDS:
        raise UserError(f"不认识的导入类型“{name}”。可以导入：{'、'.join(KINDS) or '无'}。")
    return KINDS[name]


# Reading the file --------------------------------------------------------------------------------

_HEADER_TRANS = str.maketrans("（）：　＊", "(): *")


def normalize_header(value: object) -> str:
    """Header text as compared with aliases: no spaces, line breaks, asterisks or trailing colon."""
    result = cell_text(value) or ""
    result = result.translate(_HEADER_TRANS)
    result = re.sub(r"[\s*]", "", result).rstrip(":")
    result = re.sub(r"\((必填|选填|必须|可选)\)$", "", result)
    return result


def _header_keys(header: str) -> list[str]:
    keys = [header]
    stripped = re.sub(r"\(.*?\)$", "", header)
    if stripped and stripped != header:
        keys.append(stripped)
    return keys


def alias_index(kind: ImportKind) -> dict[str, str]:
    index: dict[str, str] = {}
    for col in kind.columns:
        for name in (col.label, *col.aliases, col.key):
            index.setdefault(normalize_header(name), col.key)
    return index


def match_header(kind: ImportKind, header: object, index: dict[str, str] | None = None) -> str | None:
    index = index if index is not None else alias_index(kind)
    for key in _header_keys(normalize_header(header)):
        if key in index:
            return index[key]
    return None


@dataclass
class Source:
    """One sheet of an Excel file: its header and data rows (raw cell values, None for empty)."""

    path: Path
    sheet: str
    header_row: int                  # Excel row number of the (last) header row
    headers: list[str]               # header text per column ("" for none)
    rows: list[list[Any]]            # data rows, each padded to len(headers)
    row_numbers: list[int]           # Excel row number of each data row
    kind: ImportKind
    title: str = ""                  # text above the header, if any

    def auto_mapping(self) -> dict[int, str | None]:
        """The proposed mapping, column index → field key (None: not imported)."""
        index = alias_index(self.kind)
        mapping: dict[int, str | None] = {}
        taken: set[str] = set()
        for i, header in enumerate(self.headers):
            key = match_header(self.kind, header, index)
            if key is not None and key not in taken:
                mapping[i] = key
                taken.add(key)
            else:
                mapping[i] = None
        return mapping

    def column_name(self, index: int) -> str:
        return self.headers[index] or f"第 {_column_letter(index)} 列"


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _clean_cell(value: Any) -> Any:
    if isinstance(value, str):
        return value if value.strip() else None
    return value


def _unreadable(path: Path, why: str = "") -> UserError:
    return UserError(
        f"无法读取文件“{path.name}”：它不是有效的 Excel 文件（.xlsx 或 .xls），或者已经损坏{('（' + why + '）') if why else ''}。"
        "请用 Excel 或 WPS 打开它，另存为 .xlsx 格式后再导入。"
    )


def _load_sheets(path: Path) -> list[tuple[str, list[list[Any]], list]]:
    from python_calamine import load_workbook

    if not path.exists():
        raise UserError(f"找不到文件“{path}”。请检查文件路径。")
    if path.is_dir():
        raise UserError(f"“{path}”是一个文件夹，不是 Excel 文件。")
    if path.stat().st_size == 0:
        raise _unreadable(path, "文件是空的")
    with open(path, "rb") as handle:
        magic = handle.read(8)
    if magic[:2] == b"PK":
        from core.file_guard import check_xlsx

        check_xlsx(path)  # truncated, corrupt, zip bombs, billion-cell ranges: refused in bounded time
    elif magic != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # the OLE header of .xls
        raise _unreadable(path)
    try:
        workbook = load_workbook(os.fspath(path))
        sheets = []
        for meta in workbook.sheets_metadata:
            if str(meta.typ) != "SheetTypeEnum.WorkSheet" or str(meta.visible) != "SheetVisibleEnum.Visible":
                continue
            sheet = workbook.get_sheet_by_name(meta.name)
            data = sheet.to_python(skip_empty_area=False)
            try:
                merged = list(sheet.merged_cell_ranges or [])
            except Exception:  # some .xls writers leave no merge records
                merged = []
            sheets.append((meta.name, data, merged))
        return sheets
    except UserError:
        raise
    except Exception as exc:
        raise _unreadable(path, type(exc).__name__) from exc


def _fill_merged(data: list[list[Any]], merged: list) -> None:
    """Give every cell of a merged range the value of its top-left cell (calamine leaves them empty)."""
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(data):
            continue
        top = data[r0][c0] if c0 < len(data[r0]) else None
        for r in range(r0, min(r1, len(data) - 1) + 1):
            row = data[r]
            for c in range(c0, c1 + 1):
                if c < len(row) and (r, c) != (r0, c0):
                    row[c] = top


def _find_header(kind: ImportKind, data: list[list[Any]]) -> tuple[int, int] | None:
    """(header row index, matched field count) of the best header among the first rows."""
    index = alias_index(kind)
    best: tuple[int, int] | None = None
    for r, row in enumerate(data[:HEADER_SCAN_ROWS]):
        keys = {match_header(kind, v, index) for v in row if not is_blank(v)}
        keys.discard(None)
        if len(keys) >= 2 and (best is None or len(keys) > best[1]):
            best = (r, len(keys))
    return best


@gcpause.paused()
def read_source(path: str | os.PathLike, kind: ImportKind) -> Source:
    """Read the first sheet that has a recognisable header; UserError in plain Chinese otherwise."""
    path = Path(path)
    sheets = _load_sheets(path)
    if not sheets or all(not any(not is_blank(v) for row in data for v in row) for _, data, _ in sheets):
        raise UserError(f"文件“{path.name}”是空的：没有任何内容。请确认选对了文件。")
    for name, data, merged in sheets:
        # calamine gives "" for an empty cell; blank-only strings count as empty too.
        data = [[None if type(v) is str and not v.strip() else v for v in row] for row in data]
        # Merged title cells and merged header cells spread their text; merged data cells too.
        _fill_merged(data, merged)
        header_pos = _find_header(kind, data)
        if header_pos is None:
            continue
        h = header_pos[0]
        width = max(len(row) for row in data)
        index = alias_index(kind)
        padded = lambda r: list(data[r]) + [None] * (width - len(data[r]))  # noqa: E731
        headers = [cell_text(v) or "" for v in padded(h)]
        matched = [match_header(kind, v, index) for v in headers]
        # Two-row headers: field names split over the header row and the row above or below it.
        if h > 0:
            above = padded(h - 1)
            for c, v in enumerate(above):
                if not headers[c] and isinstance(v, str) and match_header(kind, v, index):
                    headers[c], matched[c] = v.strip(), match_header(kind, v, index)
        data_start = h + 1
        if data_start < len(data):
            below = padded(data_start)
            hits = [c for c, v in enumerate(below) if isinstance(v, str) and match_header(kind, v, index)]
            if hits and any(matched[c] is None for c in hits) and all(
                is_blank(v) or (isinstance(v, str) and (match_header(kind, v, index) or v.strip() == headers[c]))
                for c, v in enumerate(below)
            ):
                for c in hits:
                    headers[c] = below[c].strip()
                data_start += 1
        title = " ".join(cell_text(v) or "" for row in data[:h] for v in row[:1] if not is_blank(v))
        header_cells = list(data[data_start - 1]) + [None] * (width - len(data[data_start - 1]))
        header_texts = [cell_text(v) or "" for v in header_cells]
        key_column = next((c for c, v in enumerate(header_cells) if not is_blank(v)), None)
        rows, numbers = [], []
        for r in range(data_start, len(data)):
            row = data[r]
            if len(row) < width:
                row = row + [None] * (width - len(row))
            filled = width - row.count(None)
            if filled == 0:
                continue
            if filled <= 3:
                first = next(v for v in row if v is not None)
                if isinstance(first, str) and first.strip().startswith(_FOOTER_PREFIXES):
                    continue
            if key_column is not None and row[key_column] == header_cells[key_column] and \
                    [cell_text(v) or "" for v in row] == header_texts:
                continue  # the header repeated on every printed page
            rows.append(row)
            numbers.append(r + 1)
        if not rows:
            raise UserError(f"文件“{path.name}”的工作表“{name}”只有表头，没有数据行。请确认选对了文件或工作表。")
        return Source(path, name, h + 1, headers, rows, numbers, kind, title)
    wanted = "、".join(c.label for c in kind.columns if c.required) or "、".join(c.label for c in kind.columns[:3])
    raise UserError(
        f"在文件“{path.name}”中没有找到{kind.label}的表头：前 {HEADER_SCAN_ROWS} 行里没有“{wanted}”等列名。"
        "请确认选对了文件，或把表头改成常用的列名后再导入。"
    )


# Mapping -----------------------------------------------------------------------------------------

def check_mapping(kind: ImportKind, source: Source, mapping: dict[int, str | None]) -> None:
    """Refuse a mapping that names a field twice or misses a required one."""
    seen: dict[str, int] = {}
    for col, key in mapping.items():
        if key is None:
            continue
        if key in seen:
            raise UserError(
                f"“{source.column_name(seen[key])}”和“{source.column_name(col)}”两列都对应到了“{kind.field_label(key)}”。"
                "每个字段只能对应一列，请修改列对应。"
            )
        seen[key] = col
    missing = [c.label for c in kind.columns if c.required and c.key not in seen]
    if missing:
        raise UserError(
            f"文件中没有对应到必填的“{'”“'.join(missing)}”列。请在列对应中指定哪一列是{'、'.join(missing)}，"
            "或在文件中补上这一列。"
        )


# Preview -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Preview:
    kind: str
    source_name: str
    sheet: str
    mode: str
    mapping: dict[int, str | None]
    rows: tuple[RowPlan, ...]
    new_units: tuple[NewUnit, ...]
    unmapped_columns: tuple[str, ...]

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        result = {a: 0 for a in ACTION_LABELS}
        for r in self.rows:
            result[r.action] += 1
        return result

    @property
    def problems(self) -> list[Problem]:
        return [p for r in self.rows for p in r.problems]

    @property
    def error_rows(self) -> list[RowPlan]:
        return [r for r in self.rows if r.action == "error"]

    def summary(self) -> str:
        c = self.counts
        text = f"共 {len(self.rows)} 行：新增 {c['create']}，更新 {c['update']}，跳过 {c['skip']}，有错误 {c['error']}"
        if self.new_units:
            text += f"；将新建组织/网格 {len(self.new_units)} 个"
        return text + "。"


def _changes(mode: str, existing: Existing, record: dict[str, Any]) -> dict[str, Any]:
    changes = {}
    for key, value in record.items():
        if is_blank(value) or key not in existing.values:
            continue
        current = existing.values.get(key)
        if mode == "update" and current != value:
            changes[key] = value
        elif mode == "fill" and is_blank(current):
            changes[key] = value
    return changes


_BLOCK_ROWS = 2000  # rows parsed together, column by column; progress and cancel are checked after each block


def _parse_rows(kind: ImportKind, source: Source, mapping: dict[int, str | None],
                progress: ProgressFn | None, cancelled: CancelFn | None
                ) -> tuple[list[dict[str, Any]], list[list[Problem]]]:
    """Every row's record (mapped fields in mapping order) and problems (in column order).

    Blocks of rows are parsed a column at a time (`_parse_column`), which gives exactly what parsing
    each cell in turn gives, at a fraction of the cost for the uniform columns a roster has."""
    required = {c.key for c in kind.columns if c.required}
    columns = [(i, key, kind.column(key).parser, source.column_name(i), key in required)
               for i, key in mapping.items() if key]
    keys = [key for _, key, _, _, _ in columns]
    records: list[dict[str, Any]] = []
    problems: list[list[Problem]] = []
    rows, numbers = source.rows, source.row_numbers
    total = len(rows)
    for start in range(0, total, _BLOCK_ROWS):
        block = rows[start:start + _BLOCK_ROWS]
        found: list[list[Problem]] = [[] for _ in block]
        values = [_parse_column(kind, key, parser, column_name, is_required, [row[i] for row in block],
                                found, numbers, start)
                  for i, key, parser, column_name, is_required in columns]
        records += [dict(zip(keys, row_values)) for row_values in zip(*values)] if values else [{} for _ in block]
        problems += found
        if len(block) == _BLOCK_ROWS:
            if cancelled and cancelled():
                raise ImportCancelled("已取消导入，数据库没有任何改动。")
            if progress:
                progress(start + _BLOCK_ROWS, total)
    return records, problems


def _parse_column(kind: ImportKind, key: str, parser: Callable[[object], Any], column_name: str, required: bool,
                  cells: list[Any], found: list[list[Problem]], numbers: list[int], start: int) -> list[Any]:
    """One column of a block parsed: the parser's column form when it takes the whole block, else one
    pass calling the parser, else cell by cell with problems recorded (what the row-by-row engine did)."""
    if not required or None not in cells:
        column = getattr(parser, "column", None)
        values = column(cells) if column is not None else None
        if values is None:
            try:
                values = [parser(v) for v in cells] if required else \
                    [None if v is None else parser(v) for v in cells]
            except ValidationError:
                values = None
        if values is not None and Noted not in set(map(type, values)) and not (required and None in values):
            return values
    values = []
    for n, raw in enumerate(cells):
        if raw is None and not required:
            values.append(None)
            continue
        try:
            value = parser(raw)
            if value is None and required:
                raise ValidationError(f"{kind.field_label(key)}不能为空。", key)
        except ValidationError as exc:
            found[n].append(Problem(numbers[start + n], column_name, key, str(exc)))
            value = None
        if type(value) is Noted:
            found[n].append(Problem(numbers[start + n], column_name, key, value.note, "note"))
            value = value.value
        values.append(value)
    return values


class ImportCancelled(UserError):
    """The user cancelled a running import; nothing was written."""


@gcpause.paused()
def build_preview(db: Db, kind: ImportKind, source: Source, mapping: dict[int, str | None] | None = None,
                  mode: str = "skip", progress: ProgressFn | None = None, cancelled: CancelFn | None = None
                  ) -> tuple[Preview, Any]:
    """Parse and check every row without writing anything; returns the preview and the kind's state."""
    if mode not in MODES:
        raise UserError(f"不认识的重复处理方式“{mode}”，应为 skip、update 或 fill。")
    mapping = dict(source.auto_mapping() if mapping is None else mapping)
    check_mapping(kind, source, mapping)
    records, problems = _parse_rows(kind, source, mapping, progress, cancelled)
    state = kind.prepare(db, records)
    key_field = kind.key_field
    key_column = next((source.column_name(i) for i, k in mapping.items() if k == key_field), kind.field_label(key_field))
    first_row_of_key: dict[Any, int] = {}
    plans: list[RowPlan] = []
    for n, (record, found) in enumerate(zip(records, problems)):
        number = source.row_numbers[n]
        bad = bool(found) and any(p.severity == "error" for p in found)
        if not bad:
            try:
                record = kind.check_row(state, record)
            except ValidationError as exc:
                column = next((source.column_name(i) for i, k in mapping.items() if k == exc.field), kind.field_label(exc.field))
                found.append(Problem(number, column, exc.field, str(exc)))
                bad = True
        key = record.get(key_field) if key_field else None
        if key_field and not bad and not is_blank(key):
            if key in first_row_of_key:
                found.append(Problem(number, key_column, key_field,
                                     f"与第 {first_row_of_key[key]} 行是同一个{kind.field_label(key_field)}，同一人在文件中出现了两次。"))
                bad = True
            else:
                first_row_of_key[key] = number
        if bad:
            plans.append(RowPlan(number, n, "error", record, tuple(found)))
            continue
        existing = kind.find_existing(state, record)
        if existing is None:
            plans.append(RowPlan(number, n, "create", record, tuple(found)))
        elif mode == "skip":
            plans.append(RowPlan(number, n, "skip", record, tuple(found), existing, reason="已在库中，按“跳过”处理"))
        else:
            changes = _changes(mode, existing, record)
            if changes:
                plans.append(RowPlan(number, n, "update", record, tuple(found), existing, changes))
            else:
                plans.append(RowPlan(number, n, "skip", record, tuple(found), existing, reason="与库中记录一致，无需更改"))
    unmapped = tuple(source.column_name(i) for i, k in mapping.items() if k is None and source.headers[i])
    preview = Preview(kind.name, source.path.name, source.sheet, mode, mapping, tuple(plans),
                      tuple(kind.new_units(state, [p for p in plans if p.action in ("create", "update")])), unmapped)
    return preview, state


# Running the import ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    preview: Preview
    imported: bool                 # False: nothing written (bad rows and not skip_bad)
    batch_id: int | None
    created: int
    updated: int
    skipped: int
    bad: int
    units_created: int
    errors_path: Path | None

    def summary(self) -> str:
        if not self.imported:
            text = f"文件中有 {self.bad} 行有错误，没有导入任何数据。"
        else:
            text = (f"导入完成：新增 {self.created} 条，更新 {self.updated} 条，跳过 {self.skipped} 条"
                    + (f"，新建组织/网格 {self.units_created} 个" if self.units_created else "")
                    + (f"；有错误未导入 {self.bad} 行" if self.bad else "") + "。")
        if self.errors_path:
            text += f"有错误的行已写入“{self.errors_path.name}”，改正后可以直接导入该文件。"
        return text


def errors_path_for(path: str | os.PathLike) -> Path:
    """FILE.xlsx → FILE.errors.xlsx beside it."""
    path = Path(path)
    return path.with_name(f"{path.stem}.errors.xlsx")


def _max_audit_id(db: Db) -> int:
    return db.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]


@gcpause.paused()
def run_import(db: Db, kind: ImportKind, source: Source, mapping: dict[int, str | None] | None = None,
               mode: str = "skip", skip_bad: bool = False, write_errors: bool = True,
               progress: ProgressFn | None = None, cancelled: CancelFn | None = None) -> ImportResult:
    """Plan and write the file in one transaction: every row or none (unless skip_bad).

    The plan is made again inside the write transaction, so what is written matches the database
    as it is now, even if it changed after a preview was shown. A verified copy of the database
    is taken first (core.backups), unless the caller already holds a transaction.
    """
    if not db.conn.in_transaction:
        from core import backups

        backups.auto_backup(db, "import")
    with db.atomic():
        preview, state = build_preview(db, kind, source, mapping, mode, progress, cancelled)
        bad = preview.error_rows
        errors_path = None
        if bad and write_errors:
            errors_path = write_errors_file(source, preview, errors_path_for(source.path))
        if bad and not skip_bad:
            return ImportResult(preview, False, None, 0, 0, preview.count("skip"), len(bad), 0, errors_path)
        creates = [r for r in preview.rows if r.action == "create"]
        updates = [r for r in preview.rows if r.action == "update"]
        audit_from = _max_audit_id(db)
        batch_id = None
        units = 0
        if creates or updates:
            units = kind.write(db, state, creates, updates, progress)
            if cancelled and cancelled():
                raise ImportCancelled("已取消导入，数据库没有任何改动。")
            audit_until = _max_audit_id(db)
            from core import audit

            batch_id = audit.insert(db, "import_batch", {
                "kind": kind.name, "file_name": source.path.name, "sheet": source.sheet, "mode": mode,
                "skip_bad": int(skip_bad), "operator": db.operator or "unknown", "imported_at": now_text(),
                "created": len(creates), "updated": len(updates), "skipped": preview.count("skip"),
                "bad": len(bad), "units_created": units, "audit_from": audit_from, "audit_until": audit_until,
            })
    return ImportResult(preview, True, batch_id, len(creates), len(updates), preview.count("skip"), len(bad),
                        units, errors_path)


def import_file(db: Db, kind_name: str, path: str | os.PathLike, mode: str = "skip", skip_bad: bool = False,
                mapping: dict[int, str | None] | None = None, progress: ProgressFn | None = None,
                cancelled: CancelFn | None = None) -> ImportResult:
    """Read, check and import one file (what `main.py import KIND FILE` does)."""
    kind = get_kind(kind_name)
    source = read_source(path, kind)
    return run_import(db, kind, source, mapping, mode, skip_bad, True, progress, cancelled)


# The errors file ---------------------------------------------------------------------------------

def write_errors_file(source: Source, preview: Preview, out: Path) -> Path:
    """Bad rows as they were in the file, plus the row number and what is wrong; re-importable."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bad = preview.error_rows
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("有错误的行")
    sheet.freeze_panes = "A2"
    headers = [h or f"第{_column_letter(i)}列" for i, h in enumerate(source.headers)]
    for i, header in enumerate(headers):
        sheet.column_dimensions[get_column_letter(i + 1)].width = max(10, min(40, len(header) * 2 + 4))
    sheet.column_dimensions[get_column_letter(len(headers) + 1)].width = 12
    sheet.column_dimensions[get_column_letter(len(headers) + 2)].width = 80
    bold, red = Font(bold=True), PatternFill("solid", fgColor="FFC7CE")
    head_cells = []
    for text_value in [*headers, ROW_COLUMN, ERRORS_COLUMN]:
        cell = WriteOnlyCell(sheet, value=text_value)
        cell.font = bold
        head_cells.append(cell)
    sheet.append(head_cells)
    wrap = Alignment(wrap_text=True, vertical="top")
    for plan in bad:
        raw = source.rows[plan.index]
        wrong_columns = {p.column for p in plan.errors}
        cells = []
        for i, value in enumerate(raw):
            cell = WriteOnlyCell(sheet, value=value)
            if cell.data_type == "f":
                cell.data_type = "s"  # text that starts with "=" stays text: no formula runs when opened
            if isinstance(value, (dt.date, dt.datetime)):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, float) and value > 1e11:
                cell.number_format = "0"  # show a mangled ID number as the digits Excel kept
            if source.column_name(i) in wrong_columns:
                cell.fill = red
            cells.append(cell)
        cells.append(WriteOnlyCell(sheet, value=plan.row))
        message = WriteOnlyCell(sheet, value="；".join(
            (f"“{p.column}”：" if p.column else "") + p.message for p in plan.errors))
        message.alignment = wrap
        cells.append(message)
        sheet.append(cells)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    try:
        workbook.save(tmp)
        os.replace(tmp, out)
    except OSError as exc:
        raise UserError(f"无法写出错误文件“{out}”：{exc}。如果它正在 Excel 中打开，请先关闭。") from exc
    return out


# Batches and undo --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportBatch:
    id: int
    kind: str
    file_name: str
    sheet: str | None
    mode: str
    operator: str
    imported_at: str
    created: int
    updated: int
    skipped: int
    bad: int
    units_created: int
    undone_at: str | None

    @property
    def label(self) -> str:
        return f"{self.imported_at.replace('T', ' ')} {self.file_name}（新增 {self.created}，更新 {self.updated}）"


_BATCH_COLUMNS = "id, kind, file_name, sheet, mode, operator, imported_at, created, updated, skipped, bad, units_created, undone_at"


def get_batch(db: Db, batch_id: int) -> ImportBatch:
    row = db.execute(f"SELECT {_BATCH_COLUMNS} FROM import_batch WHERE id = ?", [batch_id]).fetchone()
    if row is None:
        raise UserError(f"找不到导入批次 #{batch_id}。")
    return ImportBatch(*row)


def list_batches(db: Db, kind: str | None = None, limit: int = 100) -> list[ImportBatch]:
    sql = f"SELECT {_BATCH_COLUMNS} FROM import_batch"
    params: list[Any] = []
    if kind:
        sql += " WHERE kind = ?"
        params.append(kind)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return [ImportBatch(*r) for r in db.execute(sql, params).fetchall()]


def _batch_range(db: Db, batch_id: int) -> tuple[int, int]:
    return db.execute("SELECT audit_from, audit_until FROM import_batch WHERE id = ?", [batch_id]).fetchone()


def edited_since(db: Db, batch_id: int) -> list[tuple[str, int]]:
    """Rows the batch wrote that something changed afterwards (they block undo)."""
    audit_from, audit_until = _batch_range(db, batch_id)
    rows = db.execute(
        """SELECT DISTINCT later.table_name, later.row_id FROM audit_log later
           WHERE later.id > ? AND later.row_id IS NOT NULL AND EXISTS (
               SELECT 1 FROM audit_log mine WHERE mine.table_name = later.table_name AND mine.row_id = later.row_id
               AND mine.id > ? AND mine.id <= ?)""",
        [audit_until, audit_from, audit_until],
    ).fetchall()
    return [(t, r) for t, r in rows if t != "import_batch"]


def can_undo(db: Db, batch_id: int) -> tuple[bool, str]:
    """Whether the batch can be undone now, and if not, why (plain Chinese)."""
    batch = get_batch(db, batch_id)
    if batch.undone_at:
        return False, f"这批导入已在 {batch.undone_at.replace('T', ' ')} 撤销过了。"
    edited = edited_since(db, batch_id)
    if edited:
        return False, (f"这批导入的记录中有 {len(edited)} 条在导入后又被修改过（或被之后的导入更新过），"
                       "为避免丢失这些修改，不能撤销。如需撤销，请先撤销之后的导入批次。")
    return True, ""


def undo_batch(db: Db, batch_id: int) -> int:
    """Take back everything the batch wrote, in one transaction; returns how many records were restored/removed."""
    from core import audit

    ok, why = can_undo(db, batch_id)
    if not ok:
        raise UserError(why)
    audit_from, audit_until = _batch_range(db, batch_id)
    entries = db.execute(
        "SELECT table_name, row_id, action, old FROM audit_log WHERE id > ? AND id <= ? ORDER BY id DESC",
        [audit_from, audit_until],
    ).fetchall()
    import json
    import sqlite3

    count = 0
    try:
        with db.atomic():
            deletes: dict[str, list[int]] = {}
            order: list[str] = []
            for table, row_id, action, old in entries:
                if row_id is None:
                    continue
                if action == "insert":
                    if table not in deletes:
                        deletes[table] = []
                        order.append(table)
                    deletes[table].append(row_id)
                elif action == "update":
                    _flush_deletes(db, deletes, order)
                    audit.update(db, table, row_id, json.loads(old))
                    count += 1
                elif action == "delete":
                    _flush_deletes(db, deletes, order)
                    audit.insert(db, table, json.loads(old))
                    count += 1
            count += sum(len(ids) for ids in deletes.values())
            _flush_deletes(db, deletes, order)
            audit.update(db, "import_batch", batch_id, {"undone_at": now_text(), "undone_by": db.operator or "unknown"})
    except sqlite3.IntegrityError:
        raise UserError("这批导入新建的记录已被之后录入的其他记录引用（例如后来加入这些支部或网格的党员、会议签到、"
                        "走访或志愿活动），撤销会破坏这些记录，所以不能撤销。") from None
    return count


def _flush_deletes(db: Db, deletes: dict[str, list[int]], order: list[str]) -> None:
    """Delete collected inserts, newest table first (members before persons before org units)."""
    from core import audit

    for table in order:
        audit.bulk_delete(db, table, deletes[table])
    deletes.clear()
    order.clear()


def iter_problem_lines(preview: Preview, limit: int | None = None) -> Iterable[str]:
    """Problems as printable lines, errors first; `limit` caps how many."""
    lines = [p.describe() for r in preview.rows for p in r.errors]
    lines += [p.describe() + "（提示）" for r in preview.rows for p in r.problems if p.severity == "note"]
    return lines if limit is None else lines[:limit]
