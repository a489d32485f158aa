"""Looking at an .xlsx before any parser does: a broken or hostile zip is refused in words, in bounded time and memory."""

from __future__ import annotations

import re
import zipfile
import zlib
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from core.errors import UserError

# An honest roster of 100,000 members is well under these; a zip bomb or a sheet claiming
# cells in far corners (a billion-cell range the reader would allocate) is far over them.
MAX_UNCOMPRESSED = 400 * 1024 * 1024  # bytes of all parts together, as actually decompressed
MAX_RATIO = 200  # uncompressed / compressed of one large part; honest sheets stay well below
MAX_CELLS = 10_000_000  # rows × columns of the range a sheet spans
MAX_ROWS = 300_000  # a street's whole roster is a few tens of thousands
MAX_MEMBERS = 10_000  # parts in the archive
_CHUNK = 1024 * 1024
# The r attribute of <c> (cell, "AB12") and <row> ("12") elements: one pass in C over a chunk, and only
# the distinct letters and numbers become integers (each row repeats the same few columns).
_REF = re.compile(rb' r="([A-Z]{0,3})([0-9]{1,7})"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _refuse(path: Path, why: str) -> UserError:
    """A file that is too big or too strange to read safely."""
    return UserError(
        f"无法读取文件“{path.name}”：{why}。为保护电脑和数据，本程序不读取这样的文件，数据库没有任何改动。"
        "请用 Excel 或 WPS 打开它，只保留需要导入的表格，另存为新的 .xlsx 文件后再导入。"
    )


def _broken(path: Path, why: str) -> UserError:
    """A file that is not a whole Excel workbook (same wording as the import engine)."""
    return UserError(
        f"无法读取文件“{path.name}”：它不是有效的 Excel 文件（.xlsx 或 .xls），或者已经损坏（{why}）。"
        "数据库没有任何改动。请用 Excel 或 WPS 打开它，另存为 .xlsx 格式后再导入。"
    )


def check_xlsx(path: Path) -> None:
    """Refuse a zip that is truncated, corrupt, not a workbook, a zip bomb, or spans too many cells.

    Every part is decompressed in chunks (never whole) up to MAX_UNCOMPRESSED, so the checks
    themselves stay bounded; worksheet XML is scanned for the cell range it spans.
    """
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise _broken(path, "文件不完整，可能没有下载或复制完整") from None
    except OSError as exc:
        raise _broken(path, f"读取失败：{exc}") from None
    with archive:
        infos = archive.infolist()
        names = {i.filename for i in infos}
        if len(infos) > MAX_MEMBERS:
            raise _refuse(path, "压缩包里的文件数量异常多")
        if "xl/workbook.xml" not in names:
            raise _broken(path, "压缩包里没有 Excel 工作簿")
        if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
            raise _refuse(path, "解压后体积过大（疑似“压缩炸弹”）")
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            is_sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
            try:
                total = _scan_part(path, archive, info, total, is_sheet, exact=False)
            except _NeedExact:
                total = _scan_part(path, archive, info, total, is_sheet, exact=True)


class _NeedExact(Exception):
    """The quick scan met a reference outside the safe box: measure the sheet's span exactly."""


def _greater(bound: str, alphabet: str, longest: int) -> str:
    """A regex for positional numerals over `alphabet` (lowest first) of at most `longest` characters
    that may stand for more than `bound`: longer ones, or as long and greater character by character.
    (A longer numeral with leading zeros is matched too; the quick scan only needs to be conservative.)"""
    any_char = f"[{alphabet[0]}-{alphabet[-1]}]"
    parts = [f"{any_char}{{{len(bound) + 1},{longest}}}"] if longest > len(bound) else []
    for i, ch in enumerate(bound):
        above = alphabet[alphabet.index(ch) + 1:]
        if above:
            rest = len(bound) - i - 1
            parts.append(re.escape(bound[:i]) + f"[{above[0]}-{above[-1]}]" + (f"{any_char}{{{rest}}}" if rest else ""))
    return "(?:" + "|".join(parts) + ")" if parts else "(?!)"


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@lru_cache(maxsize=4)
def _outside_box(max_rows: int, max_cells: int) -> re.Pattern[bytes]:
    """References beyond rows 0..max_rows-1 or columns A..the widest that keeps max_rows × width within
    max_cells. A sheet with none of them passes both span checks whatever its exact span; a sheet with one
    is measured exactly. Exact for every reference _REF reads; it may also flag what _REF skips (more
    letters or digits), which only costs the exact scan. Possessive letters and a look-ahead for enough
    digits: most cells are dismissed after a few characters (0.26 s for a 110 MB sheet, 0.45 s without)."""
    rows, width = max_rows - 1, max(1, max_cells // max_rows)
    pattern = (f' r="(?:{_greater(_letters(width), "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 3)}'
               f'|[A-Z]{{0,3}}+(?=[0-9]{{{len(str(rows))}}}){_greater(str(rows), "0123456789", 7)})')
    return re.compile(pattern.encode())


def _scan_part(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo, total: int, is_sheet: bool,
               exact: bool = True) -> int:
    """Decompress one part in chunks, counting its bytes. A worksheet is either measured exactly (its span
    of rows and columns) or, quicker, searched once for any reference outside a box that is known to pass:
    one regex search per chunk in C, no match objects; a hit raises _NeedExact."""
    rows = (None, None)
    cols = (None, None)
    tail = b""
    read = 0
    outside = None if exact else _outside_box(MAX_ROWS, MAX_CELLS).search
    try:
        with archive.open(info) as part:
            while True:
                chunk = part.read(_CHUNK)
                if not chunk:
                    break
                read += len(chunk)
                total += len(chunk)
                if total > MAX_UNCOMPRESSED:
                    raise _refuse(path, "解压后体积过大（疑似“压缩炸弹”）")
                if read > 50 * _CHUNK and read > MAX_RATIO * max(1, info.compress_size):
                    raise _refuse(path, "压缩比异常（疑似“压缩炸弹”）")
                if is_sheet:
                    text = tail + chunk
                    # Keep the end of the chunk: a cell reference may straddle two chunks.
                    cut = text.rfind(b"<")
                    scan, tail = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
                    if outside is not None:
                        if outside(scan):
                            raise _NeedExact
                    else:
                        rows, cols = _span(scan, rows, cols)
                    if tail and len(tail) > 4096:
                        tail = b""
                    _check_cells(path, rows, cols)
            if is_sheet and tail:
                if outside is not None:
                    if outside(tail):
                        raise _NeedExact
                else:
                    rows, cols = _span(tail, rows, cols)
                _check_cells(path, rows, cols)
    except (zipfile.BadZipFile, zlib.error):
        raise _broken(path, "压缩内容损坏，校验失败") from None
    except (EOFError, OSError, zipfile.LargeZipFile, NotImplementedError, RuntimeError) as exc:
        raise _broken(path, f"压缩内容无法解开：{type(exc).__name__}") from None
    return total


def _span(data: bytes, rows: tuple, cols: tuple) -> tuple[tuple, tuple]:
    found = _REF.findall(data)
    row_numbers = [int(n) for n in set(map(itemgetter(1), found))]
    col_numbers = [_column_number(letters) for letters in set(map(itemgetter(0), found)) if letters]
    return _widen(rows, row_numbers), _widen(cols, col_numbers)


def _widen(span: tuple, values: list[int]) -> tuple:
    if not values:
        return span
    lo, hi = min(values), max(values)
    return (lo if span[0] is None else min(lo, span[0]), hi if span[1] is None else max(hi, span[1]))


def _check_cells(path: Path, rows: tuple, cols: tuple) -> None:
    if rows[0] is None:
        return
    height = rows[1] - rows[0] + 1
    width = (cols[1] - cols[0] + 1) if cols[0] is not None else 1
    if height > MAX_ROWS:
        raise _refuse(path, f"行数过多（约 {height:,} 行，超过 {MAX_ROWS:,} 行）")
    if height * width > MAX_CELLS:
        raise _refuse(path, f"表格范围过大（约 {height:,} 行 × {width:,} 列）")
