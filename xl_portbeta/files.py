"""The files analysts have, read for the command line: files -> validated columns of floats.

Layouts (README, "Command line"):

- wide: one column per asset, the market and the dates (and an rf column);
- long: ``date,ticker,price`` rows; a file is long when it has a ticker column;
- one file per ticker, as Yahoo Finance and brokers export them (a folder, or two or more
  files): the ticker is the file's stem, one price column is read;
- holdings as rows: ``ticker,shares`` (analyze, report) and ``account,ticker,shares`` (book),
  or a broker's export read at the columns ``--ticker-column`` and ``--shares-column`` name;
- rates on their own dates (``--rf FILE``): ``date,rate`` rows at any frequency;
- currencies (``--currencies``: ``ticker,currency`` rows) and exchange rates (``--fx``: a
  ``Date`` column and one column per currency code), applied before ``--start``/``--end``.

Every used cell is converted to a float here, so the API never receives text from a
file, and a bad cell is named as the analyst sees it: the asset, the date, the file row
and the column letter. Columns that are not used are never looked at. Nothing is
printed; every problem is a one-line :class:`InputError`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import core, currencies
from .holdings import from_trades, on_dates, statement_problem
from .inputs import Cells, is_blank, is_missing
from .sample import rates_on_dates

__all__ = [
    "DateRule",
    "InputError",
    "NumberRule",
    "Options",
    "Prices",
    "Table",
    "column_letter",
    "parse_as_of",
    "parse_dates",
    "read_account_trades",
    "read_holdings_file",
    "read_prices",
    "read_shares",
    "read_table",
    "read_trades",
    "wide_holdings",
]  # fmt: skip

SUFFIXES = (".csv", ".xlsx", ".xlsm")


class InputError(Exception):
    """A bad file, column, cell or option: printed on one line, exit code 2."""


def column_letter(index: int) -> str:
    """A spreadsheet's name of the 0-based column ``index``: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _key(name: Any) -> str:
    """Names compared without regard to case or surrounding spaces."""
    return str(name).strip().lower()


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Table:
    """A file's first table as its cells are: text from a .csv, the cells' values from an
    .xlsx, NaN where empty. Nothing is converted until a column is used."""

    path: str
    frame: pd.DataFrame

    @property
    def name(self) -> str:
        return Path(self.path).name

    def find(self, name: str) -> Any:
        """The column called ``name`` (exactly, else without regard to case), or None."""
        for column in self.frame.columns:
            if str(column) == name:
                return column
        return next((c for c in self.frame.columns if _key(c) == _key(name)), None)

    def column(self, name: str, option: str) -> Any:
        found = self.find(name)
        if found is None:
            columns = ", ".join(map(str, self.frame.columns))
            raise InputError(f"{self.name}: no column {name!r} for {option} (columns: {columns})")
        return found

    def cell(self, column: Any, row: int) -> str:
        """Where a cell is, as a spreadsheet shows it: the header is row 1."""
        return f"{self.name} row {row + 2}, column {column_letter(self.frame.columns.get_loc(column))}"


def read_table(path: str | Path) -> Table:
    """A .csv or .xlsx file's first table, its cells as they are (see :class:`Table`)."""
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: no such file")
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{path}: use a .csv or .xlsx file")
    if suffix != ".csv":
        _bounded_workbook(file)
    try:
        if suffix == ".csv":
            frame = pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""])
        else:
            frame = pd.read_excel(file, engine="openpyxl", dtype=object, keep_default_na=False, na_values=[""])
    except ImportError:
        raise InputError(f"{path}: reading .xlsx needs openpyxl (pip install openpyxl)") from None
    except UnicodeDecodeError as error:
        raise InputError(
            f"{path}: not UTF-8 text (it holds byte 0x{error.object[error.start]:02x}): save it as "
            "'CSV UTF-8' (Excel's Save As) or as .xlsx"
        ) from None
    except Exception as error:  # noqa: BLE001 - any parser's complaint is a bad file, said in one line
        first = (str(error).splitlines() or [type(error).__name__])[0]
        raise InputError(f"{path}: cannot be read as a table ({first})") from None
    _once(_header(file, frame), f"{file.name}: its header names")
    if suffix != ".csv" and frame.isna().to_numpy().any():  # a blank may be a formula never calculated
        _formulas_have_values(file)
    return Table(str(path), frame)


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _first_sheet_part(book: Any) -> str:
    """The zip part of a workbook's first sheet, the one pandas reads."""
    from xml.etree import ElementTree

    rels = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    first = ElementTree.fromstring(book.read("xl/workbook.xml")).find(f"{_MAIN}sheets/{_MAIN}sheet")
    links = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target", "") for r in links if first is not None and r.get("Id") == first.get(rels))
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _has_formulas(book: Any, part: str) -> bool:
    """Whether a sheet's XML holds a formula element, read in chunks (no parse)."""
    with book.open(part) as sheet:
        tail = b""
        while chunk := sheet.read(2**20):
            text = tail + chunk
            if b"<f>" in text or b"<f " in text:
                return True
            tail = text[-2:]
    return False


def _formulas_have_values(file: Path) -> None:
    """Refuse a workbook whose first sheet has a formula without a saved value (written by a
    program that does not calculate, as openpyxl): read as a blank, its date would be dropped."""
    import zipfile
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(file) as book:
            part = _first_sheet_part(book)
            if not _has_formulas(book, part):  # the usual export: no formula, no XML to parse
                return
            with book.open(part) as sheet:
                for _, cell in ElementTree.iterparse(sheet):
                    if cell.tag != f"{_MAIN}c":
                        continue
                    value = cell.find(f"{_MAIN}v")
                    # an empty text result is saved as t="str" with an empty value; a number never is empty
                    unsaved = value is None or (not value.text and cell.get("t") != "str")
                    if cell.find(f"{_MAIN}f") is not None and unsaved:
                        raise InputError(
                            f"{file.name}: cell {cell.get('r')} holds a formula with no saved value (the file was "
                            "written by a program that does not calculate): open and save it in Excel or "
                            "LibreOffice, or export it as .csv"
                        )
                    cell.clear()
    except (KeyError, StopIteration, zipfile.BadZipFile, ElementTree.ParseError):
        return  # a workbook laid out otherwise: its blanks are blanks


def _header(file: Path, frame: pd.DataFrame) -> list[Any]:
    """The header row as the file writes it: pandas renames a second AAPL to AAPL.1, so a file
    with such a name is read again for its first row (only then: the usual file is read once)."""
    names = {str(c) for c in frame.columns}
    renamed = [c for c in map(str, frame.columns) if re.fullmatch(r"(.*)\.[0-9]+", c) and c.rsplit(".", 1)[0] in names]
    if not renamed:
        return list(frame.columns)
    if file.suffix.lower() == ".csv":
        first = pd.read_csv(file, header=None, nrows=1, dtype=str, keep_default_na=False)
    else:
        first = pd.read_excel(file, engine="openpyxl", header=None, nrows=1, dtype=object)
    return [c for c in first.iloc[0].tolist() if not is_missing(c)]


#: The most a workbook may unpack to, and how much more than its size on disk it may unpack to
#: beyond 16 MB: a few hundred KB that unpack to hundreds of MB (a "zip bomb") would be read whole
MAX_UNPACKED, MAX_RATIO = 512 * 2**20, 200


def _size(n: int) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 2**20 else f"{n / 2**10:,.0f} KB"


def _bounded_workbook(file: Path) -> None:
    """Refuse an .xlsx whose parts unpack to more than :data:`MAX_UNPACKED`, or to more than
    :data:`MAX_RATIO` times its size (beyond 16 MB), before any of it is unpacked."""
    import zipfile

    try:
        with zipfile.ZipFile(file) as book:
            unpacked = sum(max(info.file_size, 0) for info in book.infolist())
    except (zipfile.BadZipFile, OSError):
        return  # not a zip: the reader says what it is
    size = max(file.stat().st_size, 1)
    if unpacked > MAX_UNPACKED or (unpacked > 16 * 2**20 and unpacked > MAX_RATIO * size):
        raise InputError(
            f"{file}: unpacks to {_size(unpacked)} from {_size(size)} on disk, more than "
            f"xl-portbeta reads ({MAX_UNPACKED // 2**20} MB, or {MAX_RATIO} times the file): save the prices alone, "
            "or as .csv"
        )


# --------------------------------------------------------------------------- numbers

_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")  # ASCII digits: float() takes others
_CURRENCY = re.compile(r"[\s\u00a0\u202f$€£¥]")


@dataclass(frozen=True)
class NumberRule:
    """How numbers written as text are read: plain (1234.5) always; an exported 1,234.5
    or 1.234,5 (and currency signs) only when the user names the separators, never guessed."""

    thousands: str | None = None  # --thousands
    decimal: str | None = None  # --decimal

    def parse(self, text: str) -> float | None:
        """The number ``text`` writes, or None when it writes none by this rule."""
        text = text.strip()
        if self.thousands or self.decimal:
            text = _CURRENCY.sub("", text)
            sign = text[:1] if text[:1] in "+-" else ""
            whole, point, fraction = text[len(sign) :].partition(self.decimal or ".")
            if self.thousands and self.thousands in whole:
                groups = whole.split(self.thousands)  # 1,234,567: groups of three after the first
                if not (1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])):
                    return None
                whole = "".join(groups)
            if not whole.isdigit() and whole != "":  # 1.5 with a decimal comma: no number
                return None
            text = sign + whole + ("." if point else "") + fraction
        if not _NUMBER.fullmatch(text):  # float() would take 'nan', 'inf' and '1_000'
            return None
        return float(text)


def _number_hint(text: str) -> str:
    """The options that read an exported number such as $1,234.5, if ``text`` is one."""
    if not text.isascii() and _NUMBER.fullmatch(unicodedata.normalize("NFKC", text).strip()):
        return ": a number in digits that are not ASCII (full-width?): retype it with 0-9"
    plain = _CURRENCY.sub("", text.strip())
    if plain != text.strip() and re.fullmatch(r"[+-]?[\d.,]*\d", plain):
        return ": a number with a currency sign? give --thousands , (for 1,234.5) or --thousands . --decimal , (for 1.234,5)"
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", plain):
        return (
            ": a number with thousands separators? give --thousands , (or --decimal , if the comma is a decimal point)"
        )
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})*,\d+", plain):
        return ": a number with a decimal comma? give --decimal , (and --thousands . for 1.234,5)"
    return ""


def _looks_like_date(text: str) -> bool:
    return bool(re.search(r"\d", text)) and not pd.isna(pd.to_datetime(text, errors="coerce", format="mixed"))


def floats(
    table: Table, column: Any, rule: NumberRule, what: Callable[[int], str], hint: Callable[[str], str] | None = None
) -> np.ndarray:
    """The cells of ``column`` as floats: empty and error cells (#N/A) are NaN, missing
    data; anything else that is not a number stops with the cell's place, named by
    ``what(row)`` ("IBM on 2001-06-01"), and ``hint(text)`` appended."""
    column_cells = table.frame[column]
    text = column_cells.astype(str).str.strip()
    plain = text.str.fullmatch(_NUMBER.pattern).to_numpy(dtype=bool) & column_cells.notna().to_numpy()
    if rule.decimal not in (None, ".") or rule.thousands == ".":
        plain[:] = False  # 1.234 is no plain number by this rule
    values = np.full(len(text), math.nan)
    values[plain] = pd.to_numeric(text[plain]).to_numpy(dtype=float)  # the plain numbers, at once
    cells = column_cells.tolist()
    for k in np.flatnonzero(~plain).tolist():  # the rest one by one: blanks, exported numbers, bad cells
        cell = cells[k]
        if is_missing(cell):
            values[k] = math.nan
        elif isinstance(cell, (int, float, np.integer, np.floating)) and not isinstance(cell, (bool, np.bool_)):
            values[k] = float(cell)
        else:
            number = rule.parse(cell) if isinstance(cell, str) else None
            if number is None:
                kind = "text" if isinstance(cell, str) else type(cell).__name__
                shown = cell if isinstance(cell, str) else str(cell)
                extra = _number_hint(shown) if isinstance(cell, str) and not (rule.thousands or rule.decimal) else ""
                if not extra and hint is not None:
                    extra = hint(shown)
                raise InputError(f"{what(k)} ({table.cell(column, k)}) holds {kind} {shown!r}{extra}")
            values[k] = number
    return values


# --------------------------------------------------------------------------- dates


#: A time's UTC offset, as yfinance writes it (2024-02-01 00:00:00-05:00): the date is the
#: exchange's local one, so the offset is dropped (offsets differ across a DST change and
#: naive dates from other files must match)
_UTC_OFFSET = r"^(.*[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)\s*(?:[+-][0-9]{2}:?[0-9]{2}|Z|UTC)$"


@dataclass(frozen=True)
class DateRule:
    """How text dates are read: ISO (2024-06-28) always; others only as the user says."""

    date_format: str | None = None  # --date-format, e.g. %d/%m/%Y
    dayfirst: bool = False  # --dayfirst

    def parse(self, text: pd.Series) -> pd.Series:
        """The dates of ``text``, NaT where a value does not read by this rule: ISO first
        (it reads one way only), then the user's rule for the values that are not ISO."""
        text = text.str.replace(_UTC_OFFSET, r"\1", regex=True)  # the local date, as the file writes it
        iso = pd.to_datetime(text, errors="coerce", format="ISO8601")
        rest = iso.isna() & text.notna()
        if not rest.any() or not (self.date_format or self.dayfirst):
            return iso
        if self.date_format:
            other = pd.to_datetime(text[rest], errors="coerce", format=self.date_format)
        else:
            other = pd.to_datetime(text[rest], errors="coerce", format="mixed", dayfirst=True)
        return iso.where(~rest, other)


_DATE_OPTIONS = "give --date-format (e.g. --date-format %d/%m/%Y) or --dayfirst"


def parse_dates(table: Table, column: Any, rule: DateRule = DateRule()) -> np.ndarray:
    """Text dates from a file, each one checked (an unreadable one is an error, never
    dropped). A text date that is not ISO is never guessed: a day-first 01/02/2000 read
    month-first would be a wrong number, so it needs the user's rule."""
    cells = table.frame[column]
    if pd.api.types.is_datetime64_any_dtype(cells):
        return pd.to_datetime(cells).to_numpy()
    text = cells.astype("string")
    parsed = rule.parse(text)
    bad = parsed.isna() & cells.notna()
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        value = cells.iloc[k]
        where = f"{table.cell(column, k)} ({column})"
        if rule == DateRule() and not pd.isna(pd.to_datetime(str(value), errors="coerce", format="mixed")):
            raise InputError(f"{where} holds {value!r}, not an ISO date (2024-06-28): {_DATE_OPTIONS}")
        raise InputError(f"{where} holds {value!r}, which is not a date")
    return parsed.to_numpy()


def parse_as_of(text: str, rule: DateRule, dates: np.ndarray | None) -> Any:
    """--as-of by the file's date rule (ISO without one), or a row number without dates."""
    if dates is None:
        try:
            return int(text)
        except ValueError:
            raise InputError(f"--as-of {text!r}: without a dates column, give a row number") from None
    parsed = rule.parse(pd.Series([text], dtype="string")).iloc[0]
    if pd.isna(parsed):
        raise InputError(f"--as-of {text!r} is not a date by the file's rule: ISO (2024-06-28), or {_DATE_OPTIONS}")
    return parsed.to_pydatetime()


def parse_day(text: str | None, rule: DateRule, option: str) -> Any:
    """--start or --end by the file's date rule (ISO without one): a Timestamp, or None."""
    if text is None:
        return None
    parsed = rule.parse(pd.Series([text], dtype="string")).iloc[0]
    if pd.isna(parsed):
        raise InputError(f"{option} {text!r} is not a date by the file's rule: ISO (2024-06-28), or {_DATE_OPTIONS}")
    return pd.Timestamp(parsed)


def _date_column(table: Table, option: str | None, required: bool) -> Any:
    """--dates, else a column named 'date'; a file that must have dates and has no such
    column gets the option that names it."""
    if option:
        return table.column(option, "--dates")
    found = table.find("date")
    if found is None and required:
        columns = ", ".join(map(str, table.frame.columns))
        raise InputError(
            f"{table.name}: no column named 'Date' (columns: {columns}): name the dates column with --dates"
        )
    return found


def _day(date: Any) -> str:
    return "" if pd.isna(date) else f" on {pd.Timestamp(date):%Y-%m-%d}"


def _dated_series(table: Table, value_column: Any, name: str, o: Options) -> pd.Series:
    """One asset's prices by date, from a file with a dates column (a per-ticker or market file)."""
    column = _date_column(table, o.dates, required=True)
    dates = parse_dates(table, column, o.date_rule)
    _no_blank_dates(table, column, dates)
    values = floats(table, value_column, o.numbers, lambda k: f"{name}{_day(dates[k])}")
    series = pd.Series(values, index=pd.DatetimeIndex(dates), name=name)
    twice = series.index.duplicated()
    if twice.any():
        k = int(np.flatnonzero(twice)[0])
        raise InputError(f"{table.cell(column, k)}: {name}{_day(dates[k])} is there twice")
    return series


def _iso(date: Any) -> str:
    return f"{pd.Timestamp(date):%Y-%m-%d}"


def _no_blank_dates(table: Table, column: Any, dates: np.ndarray) -> None:
    blank = pd.isna(dates)
    if blank.any():
        raise InputError(f"{table.cell(column, int(np.flatnonzero(blank)[0]))} has no date")


# --------------------------------------------------------------------------- prices


@dataclass(frozen=True)
class Options:
    """What the command line's options say about the prices files (no argparse here)."""

    market: str | None = None  # a column (wide), a ticker (long, per-ticker files) or the market file's column
    market_file: str | None = None
    dates: str | None = None  # the dates column
    ticker_column: str | None = None  # long files (and a --shares or --holdings file); default 'ticker'
    shares_column: str | None = None  # the counts of a --shares or --holdings file; default 'shares'
    price_column: str | None = None  # long: default 'price'; per-ticker files: 'Adj Close', else 'Close'
    assets: tuple[str, ...] = ()  # the assets used; empty: all
    rf: str | None = None  # a rate (0.02, 2%) or a column of a wide file
    date_rule: DateRule = DateRule()
    numbers: NumberRule = NumberRule()
    currencies: str | None = None  # --currencies: NAME=CODE pairs, or a file of ticker,currency rows
    fx: str | None = None  # --fx: a file of dates and one column of rates per currency
    base: str | None = None  # --base: the portfolio's currency (assets in it need no rates)
    start: Any = None  # --start, a Timestamp: the first date used (inclusive)
    end: Any = None  # --end, a Timestamp: the last date used (inclusive, the whole day)

    def window_words(self) -> str:
        """--start and --end in words: "from 2021-01-01 to 2021-06-30", "on or after 2021-01-01"."""
        if self.start is not None and self.end is not None:
            return f"from {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"
        return f"on or after {self.start:%Y-%m-%d}" if self.start is not None else f"on or before {self.end:%Y-%m-%d}"

    def within(self, dates: Any) -> np.ndarray:
        """Which of ``dates`` lie in --start..--end, both days included."""
        days = pd.DatetimeIndex(dates).normalize()
        inside = np.ones(len(days), dtype=bool)
        if self.start is not None:
            inside &= days >= self.start.normalize()
        if self.end is not None:
            inside &= days <= self.end.normalize()
        return inside

    market_files: tuple[str, ...] = ()  # --market-file given more than once: after market_file, one benchmark each
    not_assets: tuple[str, ...] = ()  # the other benchmarks' columns (or tickers): never assets


@dataclass(frozen=True)
class Prices:
    """The used columns of the prices files, as floats (NaN: missing), one row per date."""

    source: str  # what was read, for a title
    assets: pd.DataFrame  # columns: the assets' names
    market: pd.Series | pd.DataFrame  # named; several benchmarks: one named column each
    dates: np.ndarray | None  # None: a wide file without dates (rows as given)
    rf: Any  # a rate, or an array of per-row rates
    # what was read, in words, for the assumptions a report states
    price_columns: str = ""  # which column of which file holds the prices
    benchmark: str = ""  # the benchmark and where it came from
    benchmarks: tuple[str, ...] = ()  # several benchmarks: each one's words, as benchmark's
    rf_column: str = ""  # where per-row rates came from ("" for a rate given as such)
    columns_read: dict[str, str] = field(default_factory=dict)  # each asset's price column, by asset

    @property
    def names(self) -> list[str]:
        return [str(c) for c in self.assets.columns]


def benchmark_options(o: Options) -> list[Options]:
    """The options of each benchmark: ``--market SPX,ACWI`` (columns of a wide file,
    tickers of a long one, or columns of one market file) or ``--market-file`` given more
    than once (with ``--market``, one column name per file); one benchmark: ``[o]``."""
    names = [n.strip() for n in (o.market or "").split(",")] if o.market and "," in o.market else []
    paths = ((o.market_file,) if o.market_file else ()) + o.market_files
    if len(paths) > 1:
        if names and len(names) != len(paths):
            raise InputError(f"--market names {len(names)} benchmarks for {len(paths)} --market-file: one per file")
        if o.market and not names and len(paths) > 1:
            raise InputError(f"--market {o.market!r} with {len(paths)} --market-file: name one column per file")
        columns: list[str | None] = list(names) if names else [None] * len(paths)
        return [replace(o, market=n, market_file=p, market_files=()) for n, p in zip(columns, paths, strict=True)]
    if len(names) > 1:
        if "" in names or len({_key(n) for n in names}) < len(names):
            raise InputError(f"--market {o.market!r}: name each benchmark once, separated by commas (SPX,ACWI)")
        return [replace(o, market=n, not_assets=tuple(m for m in names if m != n)) for n in names]
    return [o]


def read_prices(paths: list[str], o: Options) -> Prices:
    """The prices of any layout: a folder or two or more files are one file per ticker;
    one file is long if it has a ticker column (``--ticker-column``), else wide. Several
    benchmarks (:func:`benchmark_options`): the market is a DataFrame, one column each. Then
    the currencies (--currencies, --fx) and the window of dates (--start, --end)."""
    return windowed(in_base_currency(_read_benchmarks(paths, o), o), o)


def _read_benchmarks(paths: list[str], o: Options) -> Prices:
    """The prices with one benchmark, or with several (one read per benchmark, the markets joined)."""
    each = benchmark_options(o)
    if len(each) == 1:
        return _read_prices(paths, o)
    read = [_read_prices(paths, b) for b in each]
    names = [str(p.market.name) for p in read]
    if len({_key(n) for n in names}) < len(names):
        raise InputError(f"the benchmarks are named {', '.join(names)}: name each once (--market, one per file)")
    market = pd.concat([p.market for p in read], axis=1)
    market.columns = names
    words = tuple(p.benchmark for p in read)
    return replace(read[0], market=market, benchmark="; ".join(words), benchmarks=words)


def _read_prices(paths: list[str], o: Options) -> Prices:
    if len(paths) == 1 and Path(paths[0]).is_dir():
        folder = Path(paths[0])
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
        if not files:
            raise InputError(f"{paths[0]}: a folder with no .csv or .xlsx files")
        return _read_per_ticker(files, o, str(folder))
    if len(paths) > 1:
        return _read_per_ticker([Path(p) for p in paths], o, f"{len(paths)} files")
    table = read_table(paths[0])
    ticker = table.find(o.ticker_column or "ticker")
    if ticker is None and o.ticker_column and o.shares_column:  # --ticker-column names the holdings file's column
        ticker = table.find("ticker")
    elif ticker is None and o.ticker_column:
        table.column(o.ticker_column, "--ticker-column")  # raises, listing the columns
    return _read_long(table, ticker, o) if ticker is not None else _read_wide(table, o)


def windowed(prices: Prices, o: Options) -> Prices:
    """The prices on the dates from --start to --end (both included): every column, the
    market and the rates; a rate carried into the window from a date before it stays
    carried (a rate holds until the next)."""
    if o.start is None and o.end is None:
        return prices
    if prices.dates is None:
        raise InputError(f"--start and --end need the prices' dates: {prices.source} has none (name them with --dates)")
    inside = o.within(prices.dates)
    if not inside.any():
        first, last = (pd.Timestamp(d) for d in (np.min(prices.dates), np.max(prices.dates)))
        raise InputError(f"no prices dates {o.window_words()}: {prices.source} has {first:%Y-%m-%d} to {last:%Y-%m-%d}")
    rows = np.flatnonzero(inside)
    rf = prices.rf
    if isinstance(rf, np.ndarray):
        rf = rf[rows]
    elif isinstance(rf, list):
        rf = _rates_carried_in(rf, np.asarray(prices.dates), inside)
    return replace(
        prices, assets=prices.assets.iloc[rows].reset_index(drop=True),
        market=prices.market.iloc[rows].reset_index(drop=True), dates=np.asarray(prices.dates)[rows], rf=rf,
    )  # fmt: skip


def _rates_carried_in(cells: list[list[Any]], dates: np.ndarray, inside: np.ndarray) -> list[list[Any]]:
    """The rate cells of the window: its first date in time, if blank, takes the last rate
    given before it (an error cell's NaN stays missing); blanks before any rate stay blank."""
    kept = [list(cells[k]) for k in np.flatnonzero(inside).tolist()]
    order = np.argsort(dates, kind="stable")
    position = {k: n for n, k in enumerate(np.flatnonzero(inside).tolist())}
    first = next(k for k in order.tolist() if inside[k])
    if cells[first][0] is None:
        earlier = [k for k in order.tolist() if dates[k] < dates[first] and cells[k][0] is not None]
        if earlier:
            kept[position[first]] = [cells[earlier[-1]][0]]
    return kept


# --------------------------------------------------------------------- currencies


def in_base_currency(prices: Prices, o: Options) -> Prices:
    """--currencies and --fx: the assets' prices (and a benchmark's, when --currencies lists
    it) times their currency's rate on each date (:func:`core.in_base_currency`); a date
    without its rate in the --fx file is a missing price, never the rate of another date."""
    if o.currencies is None and o.fx is None:
        if o.base is not None:
            raise InputError("--base needs --currencies and --fx (the assets' currencies and the rates)")
        return prices
    if o.currencies is None or o.fx is None:
        raise InputError("give --currencies (each asset's currency) and --fx (a file of rates) together")
    if prices.dates is None:
        raise InputError(f"--fx needs the prices' dates: {prices.source} has none (name them with --dates)")
    markets = prices.market.to_frame() if isinstance(prices.market, pd.Series) else prices.market
    benchmarks = [str(c) for c in markets.columns]
    codes = read_currency_codes(o.currencies, prices.names, benchmarks, o)
    table, header, rates = _fx_rates(o.fx, o, prices.dates)
    listed = [n for n in [*prices.names, *benchmarks] if n in codes]
    per_asset = currencies.rates_for([codes[n] for n in listed], currencies.codes_of(header, table.name),
                                     Cells(rates, tuple(header), 2), o.base, arg=f"--fx {table.name}")  # fmt: skip
    levels = np.column_stack([prices.assets[n] if n in prices.names else markets[n] for n in listed])
    converted = dict(zip(listed, core.in_base_currency(levels, per_asset).T, strict=True))
    market = prices.market.copy()
    if isinstance(market, pd.DataFrame):
        for name in benchmarks:
            if name in converted:
                market[name] = converted[name]
    elif benchmarks[0] in converted:
        market[:] = converted[benchmarks[0]]
    words = [_benchmark_words(w, n, codes, o.base, table.name)
             for w, n in zip(prices.benchmarks or (prices.benchmark,), benchmarks, strict=True)]  # fmt: skip
    return replace(
        prices, assets=pd.DataFrame({n: converted[n] for n in prices.names}), market=market,
        price_columns=prices.price_columns + _assets_words(prices.names, codes, o.base, table.name),
        benchmark="; ".join(words), benchmarks=tuple(words) if prices.benchmarks else (),
    )  # fmt: skip


def _assets_words(names: list[str], codes: dict[str, str], base: str | None, fx_name: str) -> str:
    """What the prices assumption adds: the assets converted, from which currency."""
    foreign = [f"{n} from {currencies.matched(codes[n])}" for n in names if not currencies.is_base(codes[n], base)]
    missing = " (a date without its rate is a missing price)" if foreign else ""
    return f"; in {base or 'the base currency'}: {', '.join(foreign) or 'none converted'} at {fx_name}'s rate on each date{missing}"


def _benchmark_words(words: str, name: str, codes: dict[str, str], base: str | None, fx_name: str) -> str:
    """A benchmark's assumption with its currency: its own (not converted), the base, or converted."""
    if name not in codes:
        return f"{words}, in its own currency (not converted: list it in --currencies to convert it)"
    if currencies.is_base(codes[name], base):
        return f"{words}, in {base}"
    return f"{words}, converted from {currencies.matched(codes[name])} at {fx_name}'s rates"


def read_currency_codes(text: str, assets: list[str], markets: list[str], o: Options) -> dict[str, str]:
    """--currencies: ``NAME=CODE`` pairs or a file of ``ticker,currency`` rows, by asset name
    (and the market's, when listed); every asset needs its currency (the base's code for
    assets in it): one left out is an error, never an asset read as in the base currency."""
    if Path(text).suffix.lower() in SUFFIXES:
        table = read_table(text)
        tickers, column = table.find("ticker"), table.find("currency")
        if tickers is None or column is None:
            columns = ", ".join(map(str, table.frame.columns))
            raise InputError(f"{table.name}: give ticker,currency rows for --currencies (columns: {columns})")
        cells = table.frame[[tickers, column]]
        blank = cells.map(is_missing).to_numpy().any(axis=1)
        if blank.any():
            raise InputError(f"{table.name} row {int(np.flatnonzero(blank)[0]) + 2} has no ticker or no currency")
        pairs = [(str(t).strip(), str(c).strip()) for t, c in cells.itertuples(index=False)]
        where = f"{table.name}'s tickers"
    else:
        parts = [p.strip() for p in text.split(",") if p.strip()]
        if not parts or not all("=" in p for p in parts):
            raise InputError(f"--currencies {text!r}: give NAME=CODE pairs (AAPL=USD,SAP=EUR) or a .csv file")
        pairs = [(k.strip(), v.strip()) for k, v in (p.split("=", 1) for p in parts)]
        where = "--currencies names"
    _once([k for k, _ in pairs], where)
    by_key = {_key(n): n for n in [*assets, *markets]}
    unknown = [k for k, _ in pairs if _key(k) not in by_key]
    if unknown:
        raise InputError(
            f"{where}: {', '.join(unknown)}, not assets of the prices (nor the market {', '.join(markets)})"
        )
    codes = {by_key[_key(k)]: code for k, code in pairs}
    missing = [a for a in assets if a not in codes]
    if missing:
        raise InputError(f"no currency for {', '.join(missing)} in --currencies: give each asset's currency "
                         "(the base's code for assets in it)")  # fmt: skip
    return codes


def _fx_rates(path: str, o: Options, dates: np.ndarray) -> tuple[Table, list[str], np.ndarray]:
    """--fx FILE: its currency codes and their rates on each of the prices' dates (NaN on a
    date the file lacks or leaves blank), every rate checked positive where the file has it."""
    table = read_table(path)
    date_col = table.find("date")
    if date_col is None:
        columns = ", ".join(map(str, table.frame.columns))
        raise InputError(f"{table.name}: no column named 'Date' for --fx (columns: {columns})")
    quoted = parse_dates(table, date_col, o.date_rule)
    _no_blank_dates(table, date_col, quoted)
    quoted = pd.DatetimeIndex(quoted).normalize().to_numpy()  # rates by day: prices taken at a close match them
    twice = pd.Index(quoted).duplicated()
    if twice.any():
        k = int(np.flatnonzero(twice)[0])
        raise InputError(f"{table.cell(date_col, k)}: the rates of{_day(quoted[k])} are there twice")
    codes = [c for c in table.frame.columns if c != date_col]
    rates = np.full((len(dates), len(codes)), math.nan)
    where = pd.DatetimeIndex(quoted).get_indexer(pd.DatetimeIndex(dates).normalize())
    for j, code in enumerate(codes):
        values = floats(table, code, o.numbers, _rate_cell(str(code).strip(), quoted))
        bad = np.flatnonzero(values <= 0)
        if len(bad):
            k = int(bad[0])
            raise InputError(f"{table.cell(code, k)}: the {str(code).strip()} rate{_day(quoted[k])} is "
                             f"{values[k]:g}: a rate must be positive")  # fmt: skip
        rates[where >= 0, j] = values[where[where >= 0]]
    return table, [str(c).strip() for c in codes], rates


def _rate_cell(code: str, quoted: np.ndarray) -> Callable[[int], str]:
    """An --fx cell's description: its currency and date."""
    return lambda k: f"{code} rate{_day(quoted[k])}"


def parse_rate(text: str) -> float | None:
    """A rate typed as an option, 0.02 or 2% (None where it is neither)."""
    try:
        return float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        return None


def _rf_rate(o: Options) -> float:
    """--rf as a rate, for layouts without an rf column."""
    if o.rf is None:
        return 0.0
    rate = parse_rate(o.rf)
    if rate is None:
        raise InputError(
            f"--rf {o.rf!r}: a column of rates is read from a wide prices file only; give a rate (0.02 or 2%) "
            "or a file of date,rate rows"
        )
    return rate


def _is_rates_file(o: Options) -> bool:
    """--rf names a file (date,rate rows) rather than a rate or a column."""
    return o.rf is not None and Path(o.rf).suffix.lower() in SUFFIXES


def rates_file(path: str, o: Options, dates: np.ndarray | None) -> tuple[list[list[Any]], str]:
    """--rf FILE: ``date,rate`` rows at any frequency, as one rate cell per prices date,
    and where they came from in words.

    Each prices date takes the last rate dated on or before it: the first prices date
    after a new rate gets it, the dates after that are blank cells (the sample carries
    the rate forward and counts them), and the dates before the first rate are blanks
    too, so the sample drops them as missing a rate. A rate cell that is an error (#N/A)
    is missing data on the dates it would cover, as in a column of the prices file.
    """
    if dates is None:
        raise InputError(f"--rf {path}: a file of dated rates needs the prices' dates")
    table = read_table(path)
    date_col = table.find("date") if table.find("date") is not None else table.find(o.dates or "date")
    columns = ", ".join(map(str, table.frame.columns))
    if date_col is None:
        raise InputError(f"{table.name}: no column named 'date' for --rf (columns: {columns}): give date,rate rows")
    others = [c for c in table.frame.columns if c != date_col]
    column = next((table.find(n) for n in ("rate", "rf") if table.find(n) is not None), None)
    if column is None and len(others) != 1:
        raise InputError(f"{table.name}: give date,rate rows (a column named 'rate' or 'rf'; columns: {columns})")
    column = others[0] if column is None else column
    quoted = parse_dates(table, date_col, o.date_rule)
    _no_blank_dates(table, date_col, quoted)
    values = floats(table, column, o.numbers, lambda k: f"rf{_day(quoted[k])}")
    errors = np.isnan(values) & ~table.frame[column].map(_empty).to_numpy(dtype=bool)
    order = np.argsort(quoted, kind="stable")
    twice = order[1:][quoted[order][1:] == quoted[order][:-1]]
    if len(twice):
        k = int(twice[0])
        raise InputError(f"{table.cell(date_col, k)}: rf{_day(quoted[k])} is there twice")
    kept = order[~(np.isnan(values[order]) & ~errors[order])]  # a blank quote says nothing: the one before holds
    words = _rates_words(table, quoted[kept], np.asarray(dates)[o.within(dates)])  # the dates used
    return rates_on_dates(np.asarray(dates), quoted[kept], values[kept]), words


def _empty(cell: Any) -> bool:
    return (isinstance(cell, float) and math.isnan(cell)) or is_blank(cell)


def _rates_words(table: Table, quoted: np.ndarray, dates: Any) -> str:
    """Where the rates came from, and the prices dates before the first rate (dropped)."""
    if not len(quoted):
        return f"{table.name}: no rates"
    first = quoted.min()
    before = int((np.asarray(dates) < first).sum())
    dropped = f"; {before} prices date{'' if before == 1 else 's'} before its first rate dropped" if before else ""
    return f"{table.name}: {len(quoted)} dated rates from {pd.Timestamp(first):%Y-%m-%d}, each held until the next{dropped}"


def _select(names: list[str], o: Options, source: str) -> list[str]:
    """The assets --assets names (without regard to case), in its order; all without it."""
    if not o.assets:
        return names
    _once(o.assets, "--assets names")
    by_key = {_key(n): n for n in names}
    unknown = [a for a in o.assets if _key(a) not in by_key]
    if unknown:
        raise InputError(f"--assets names {', '.join(unknown)}, not assets of {source} (assets: {', '.join(names)})")
    return [by_key[_key(a)] for a in o.assets]


def _once(names: Any, what: str) -> None:
    """Each name once, without regard to case: a name twice would hold (or count) an asset
    twice, or give its count to one of two columns. ``what`` says where ("--assets names")."""
    first: dict[str, str] = {}
    for name in names:
        shown = str(name).strip()
        if _key(name) in first:
            same = first[_key(name)]
            raise InputError(f"{what} {same if same == shown else f'{same} and {shown}'} twice: give each name once")
        first[_key(name)] = shown


def _rate_cells(table: Table, column: Any, values: np.ndarray) -> list[list[Any]]:
    """A column of rates as cells: a blank stays blank (None: it carries the rate before
    it forward), an error cell (#N/A) is NaN (missing data)."""
    empty = table.frame[column].map(_empty).to_numpy(dtype=bool)
    return [[None] if blank else [value] for blank, value in zip(empty.tolist(), values.tolist(), strict=True)]


def _wide_rf(table: Table, o: Options) -> tuple[Any, float]:
    """--rf on a wide file: (None, the rate) for a rate, (its column, 0) for a column's name."""
    if o.rf is None or _is_rates_file(o):
        return None, 0.0
    rate = parse_rate(o.rf)
    if rate is None:  # not a rate: a column's name
        return table.column(o.rf, "--rf"), 0.0
    return None, rate


def _wide_text_hint(table: Table, o: Options, date_col: Any, column: Any, asset: bool) -> Callable[[str], str]:
    """What a text cell in a wide file's column may mean: the dates, or a column of text that is no asset."""

    def said(text: str) -> str:
        if date_col is None and _looks_like_date(text):
            return ": if this column holds the dates, name it with --dates"
        cells = table.frame[column]
        numbers = any(not is_missing(c) and (not isinstance(c, str) or o.numbers.parse(c) is not None) for c in cells)
        return (
            ""
            if o.assets or numbers or not asset
            else ": if this column is not an asset, name the assets with --assets"
        )

    return said


def _read_wide(table: Table, o: Options) -> Prices:
    date_col = _date_column(table, o.dates, required=o.market_file is not None)
    dates = parse_dates(table, date_col, o.date_rule) if date_col is not None else None
    if o.market_file is None:
        if o.market is None:
            raise InputError(f"{table.name}: give --market COLUMN (the benchmark's levels) or --market-file")
        market_col = table.column(o.market, "--market")
    else:
        market_col = None
    market_words = ""
    rf_col, rate = _wide_rf(table, o)
    rf: float | np.ndarray | list = rate  # a rate, or a column of them
    taken = {date_col, market_col, rf_col, *(table.column(n, "--market") for n in o.not_assets)} - {None}
    columns = [c for c in table.frame.columns if c not in taken]
    if not columns:
        raise InputError(f"{table.name}: no asset columns besides the market and dates")
    by_name = {str(c).strip(): c for c in columns}
    used = _select(list(by_name), o, table.name)

    def at(column: Any) -> Callable[[int], str]:
        return lambda k: f"{str(column).strip()}{_day(dates[k]) if dates is not None else ''}"

    def hint(column: Any, asset: bool = True) -> Callable[[str], str]:
        return _wide_text_hint(table, o, date_col, column, asset)

    assets = pd.DataFrame({n: floats(table, by_name[n], o.numbers, at(by_name[n]), hint(by_name[n])) for n in used})
    if market_col is not None:
        market = pd.Series(
            floats(table, market_col, o.numbers, at(market_col), hint(market_col, asset=False)),
            name=str(market_col).strip(),
        )
    else:
        if dates is None:
            raise InputError(f"{table.name}: --market-file needs the prices' dates")
        _no_blank_dates(table, date_col, dates)
        market, market_words = _read_market_file(o)
        market = market.reindex(pd.DatetimeIndex(dates))
        market.index = assets.index
    rf_words = "" if rf_col is None else f"column {str(rf_col).strip()} of {table.name}"
    if rf_col is not None:
        rf = _rate_cells(table, rf_col, floats(table, rf_col, o.numbers, at(rf_col)))
    elif _is_rates_file(o):
        rf, rf_words = rates_file(str(o.rf), o, dates)
    return Prices(
        table.name, assets, market, dates, rf,
        price_columns=f"{table.name}: one column per asset (its header the asset's name)",
        benchmark=f"{market.name} (column of {table.name})" if market_col is not None else market_words,
        rf_column=rf_words, columns_read={n: str(by_name[n]).strip() for n in used},
    )  # fmt: skip


def _read_long(table: Table, ticker_col: Any, o: Options) -> Prices:
    date_col = _date_column(table, o.dates, required=True)
    price_col = table.column(o.price_column or "price", "--price-column")
    dates = parse_dates(table, date_col, o.date_rule)
    _no_blank_dates(table, date_col, dates)
    tickers = table.frame[ticker_col]
    blank = tickers.map(is_missing).to_numpy()
    if blank.any():
        raise InputError(f"{table.cell(ticker_col, int(np.flatnonzero(blank)[0]))} has no ticker")
    keys = tickers.astype(str).str.strip().str.lower().to_numpy()  # _key, at once
    spelling: dict[str, str] = {}
    for key, ticker in zip(keys, tickers, strict=True):  # each ticker as the file first writes it
        spelling.setdefault(key, str(ticker).strip())
    values = floats(table, price_col, o.numbers, lambda k: f"{spelling[keys[k]]}{_day(dates[k])}")
    frame = pd.DataFrame({"key": keys, "date": dates, "price": values})
    twice = frame.duplicated(["key", "date"])
    if twice.any():
        k = int(np.flatnonzero(twice.to_numpy())[0])
        raise InputError(f"{table.cell(ticker_col, k)}: {spelling[keys[k]]}{_day(dates[k])} is there twice")
    series = {
        spelling[key]: pd.Series(group["price"].to_numpy(), index=pd.DatetimeIndex(group["date"]), name=spelling[key])
        for key, group in frame.groupby("key", sort=False)
    }
    read = {name: str(price_col).strip() for name in series}
    return _joined(
        series, o, table.name, f"tickers of {table.name}", f"{table.name}: column {str(price_col).strip()!r}", read
    )


def _price_column(table: Table, o: Options) -> Any:
    """A per-ticker file's one read column: --price-column, else Adj Close, else Close."""
    if o.price_column:
        return table.column(o.price_column, "--price-column")
    found = table.find("Adj Close")
    if found is None:
        found = table.find("Close")
    if found is None:
        columns = ", ".join(map(str, table.frame.columns))
        raise InputError(
            f"{table.name}: no 'Adj Close' or 'Close' column: choose one with --price-column (columns: {columns})"
        )
    return found


def _read_per_ticker(paths: list[Path], o: Options, source: str) -> Prices:
    series: dict[str, pd.Series] = {}
    read: dict[str, list[str]] = {}  # the column read: the files it was read from
    by_ticker: dict[str, str] = {}  # the column read: by ticker
    for path in paths:
        table = read_table(path)
        name = path.stem.strip()
        if _key(name) in map(_key, series):
            raise InputError(f"{path}: a second file for {name}")
        column = _price_column(table, o)
        series[name] = _dated_series(table, column, name, o)
        read.setdefault(str(column).strip(), []).append(path.name)
        by_ticker[name] = str(column).strip()
    return _joined(series, o, source, f"files of {source}", _columns_read(read), by_ticker)


def _columns_read(read: dict[str, list[str]]) -> str:
    """'Adj Close' of 9 files; 'Close' of MSFT.csv, KO.csv: the column read from each file, most
    files first; the files of every column but the first are named."""
    parts = sorted(read.items(), key=lambda item: -len(item[1]))

    def files(names: list[str], first: bool) -> str:
        return f"{len(names)} files" if first and len(names) > 1 else ", ".join(names)

    return "; ".join(f"{column!r} of {files(names, k == 0)}" for k, (column, names) in enumerate(parts))


def _joined(
    series: dict[str, pd.Series], o: Options, source: str, what: str, columns: str, read: dict[str, str]
) -> Prices:
    """The assets' prices aligned by date (an outer join: a date one lacks is a missing
    price, never a zero or a carried-forward one) and the market on the same dates."""
    names = list(series)
    if o.market_file is not None:
        market, benchmark = _read_market_file(o)
    elif o.market is not None:
        key = next((n for n in names if _key(n) == _key(o.market)), None)
        if key is None:
            raise InputError(f"--market {o.market!r} is none of the {what} ({', '.join(names)}): or give --market-file")
        market = series[key]
        names.remove(key)
        benchmark = f"{market.name} (a ticker of {source})"
        names = [n for n in names if _key(n) not in {_key(m) for m in o.not_assets}]  # the other benchmarks
    else:
        raise InputError(f"{source}: give --market TICKER (one of the {what}) or --market-file")
    used = _select(names, o, source)
    if not used:
        raise InputError(f"{source}: no assets besides the market {market.name}")
    assets = pd.concat([series[n] for n in used], axis=1, join="outer", sort=True)
    assets.columns = used
    market = market.reindex(assets.index)
    rf, rf_words = rates_file(str(o.rf), o, assets.index.to_numpy()) if _is_rates_file(o) else (_rf_rate(o), "")
    return Prices(
        source, assets.reset_index(drop=True), market.reset_index(drop=True), assets.index.to_numpy(), rf,
        price_columns=columns, benchmark=benchmark, rf_column=rf_words, columns_read={n: read[n] for n in used},
    )  # fmt: skip


def _always(what: str) -> Callable[[int], str]:
    """A cell's description that is the same on every row."""
    return lambda k: what


def _of_account(what: str, accounts: pd.Series) -> Callable[[int], str]:
    """A cell's description that names the account of its row."""
    return lambda k: f"{what} of account {accounts.iloc[k]}"


def _read_market_file(o: Options) -> tuple[pd.Series, str]:
    """--market-file: a Yahoo-style file (its price column as for per-ticker files), or a
    two-column file of dates and levels, or the column --market names."""
    if o.market_file is None:
        raise InputError("give --market-file FILE")  # its callers ask only when it is given
    table = read_table(o.market_file)
    date_col = _date_column(table, o.dates, required=True)
    others = [c for c in table.frame.columns if c != date_col]
    if o.market is not None and table.find(o.market) is not None:
        column = table.find(o.market)
    elif len(others) == 1:
        column = others[0]
    else:
        column = _price_column(table, o)
    name = o.market or Path(o.market_file).stem
    return _dated_series(table, column, name, o), f"{name} ({table.name}, column {str(column).strip()!r})"


# --------------------------------------------------------------------------- holdings


def holding_columns(table: Table, o: Options) -> tuple[Any, Any]:
    """A holdings file's columns of tickers and counts: --ticker-column and --shares-column
    (a broker's export: Symbol and Quantity, its other columns unread), else 'ticker' and
    'shares' where the file has them (None, None: one column per asset)."""
    if o.shares_column is None:
        return table.find(o.ticker_column or "ticker"), table.find("shares")
    return table.column(o.ticker_column or "ticker", "--ticker-column"), table.column(
        o.shares_column, "--shares-column"
    )


def _shares_rows(table: Table, tickers: Any, shares: Any, assets: list[str], rule: NumberRule) -> pd.DataFrame:
    """Rows of (ticker, shares) matched to the assets without regard to case; a ticker
    that is not an asset is an error naming it. Returns ticker (the asset's name), shares."""
    by_key = {_key(a): a for a in assets}
    cells = table.frame[tickers]
    blank = cells.map(is_missing).to_numpy()
    if blank.any():
        raise InputError(f"{table.cell(tickers, int(np.flatnonzero(blank)[0]))} has no ticker")
    unknown = sorted({str(t).strip() for t in cells if _key(t) not in by_key})
    if unknown:
        raise InputError(f"{table.name}: tickers that are not assets of the prices: {', '.join(unknown[:5])}")
    names = [by_key[_key(t)] for t in cells]
    counts = floats(table, shares, rule, lambda k: f"{names[k]} shares")
    return pd.DataFrame({"ticker": names, "shares": counts})


def read_shares(text: str, prices: Prices, o: Options) -> dict[str, float] | list[float] | pd.DataFrame:
    """--shares as the API takes shares, never as Excel cells: counts by asset name (a
    dict, in the prices' names: 'AAPL=100,MSFT=50' or ``ticker,shares`` rows; others not
    held), counts in asset order (a list of floats: '100,50,20'), or a holdings history
    (a DataFrame, one column per asset and one row per date of the prices, checked by
    its dates)."""
    assets = prices.names
    by_key = {_key(a): a for a in assets}
    if Path(text).suffix.lower() in SUFFIXES:
        table = read_table(text)
        tickers, shares = holding_columns(table, o)
        # date,ticker,shares rows are statements; a broker's export (--shares-column) is one set of positions
        dated = o.shares_column is None and _holdings_date_column(table, o) is not None
        if tickers is not None and shares is not None and dated:
            return _long_statements(table, tickers, shares, prices, o)
        if tickers is not None and shares is not None:
            rows = _shares_rows(table, tickers, shares, assets, o.numbers)
            blank = rows["shares"].isna().to_numpy()
            if blank.any():  # the file's cell, not the API's column number
                k = int(np.flatnonzero(blank)[0])
                raise InputError(
                    f"{rows['ticker'][k]} shares ({table.cell(shares, k)}) is empty or an error: enter 0 for an asset not held"
                )
            twice = rows.duplicated("ticker")
            if twice.any():
                raise InputError(f"{table.name}: lists {rows['ticker'][twice].iloc[0]} twice")
            held = dict(zip(rows["ticker"], rows["shares"], strict=True))
            return {a: float(held.get(a, 0.0)) for a in assets}
        date_col = _holdings_date_column(table, o)
        columns = {_key(c): c for c in table.frame.columns if c != date_col}
        missing = [a for a in assets if _key(a) not in columns]
        if missing:
            raise InputError(f"{table.name}: no shares column for {', '.join(missing)} (or give ticker,shares rows)")
        counts = pd.DataFrame({a: floats(table, columns[_key(a)], o.numbers, _always(f"{a} shares")) for a in assets})
        if date_col is not None:  # statements on their own dates (or one row per prices date: the same)
            return _on_prices_dates(table, date_col, counts, prices, o)
        return counts
    if o.shares_column is not None:
        raise InputError(f"--shares-column {o.shares_column} names a column of a --shares file: {text!r} is none")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        if parts and all("=" in p for p in parts):
            pairs = [(k.strip(), float(v)) for k, v in (p.split("=", 1) for p in parts)]
            _once([k for k, _ in pairs], "--shares names")
            unknown = [k for k, _ in pairs if _key(k) not in by_key]
            if unknown:
                raise InputError(f"--shares names {', '.join(sorted(unknown))}, not assets of {prices.source}")
            named = {by_key[_key(k)]: v for k, v in pairs}
            return {a: named.get(a, 0.0) for a in assets}
        return [float(p) for p in parts]
    except ValueError:
        raise InputError(f"--shares {text!r}: give numbers ('100,50'), NAME=number pairs, or a .csv file") from None


def _parquet_holdings(path: str, assets: list[str]) -> pd.DataFrame:
    """Long holdings (``account, ticker, shares``) from a Parquet file, read by pandas with
    pyarrow (an optional package: a clear error without it)."""
    try:
        frame = pd.read_parquet(path)
    except ImportError:
        raise InputError(f"{path}: reading .parquet needs pyarrow (pip install pyarrow), or give a .csv") from None
    except Exception as error:  # noqa: BLE001 - any reader's complaint is a bad file, said in one line
        raise InputError(f"{path}: cannot be read as Parquet ({(str(error).splitlines() or [''])[0]})") from None
    columns = {_key(c): c for c in frame.columns}
    if not {"account", "ticker", "shares"} <= set(columns):
        raise InputError(f"{path}: give the columns account, ticker, shares (one row per position)")
    by_key = {_key(a): a for a in assets}
    tickers = frame[columns["ticker"]].astype(str).str.strip().str.lower().map(by_key)
    if tickers.isna().any():
        unknown = sorted(set(frame[columns["ticker"]][tickers.isna()].astype(str)))
        raise InputError(f"{path}: tickers that are not assets of the prices: {', '.join(unknown[:5])}")
    try:
        shares = pd.to_numeric(frame[columns["shares"]], errors="raise")
    except (TypeError, ValueError):
        raise InputError(f"{path}: its shares column holds text that is not a number") from None
    return pd.DataFrame({"account": frame[columns["account"]], "ticker": tickers, "shares": shares})


def _holdings_date_column(table: Table, o: Options) -> Any:
    """A holdings file's dates: the column --dates names, where the file has it, else one
    named 'date'; None for holdings without dates."""
    found = table.find(o.dates) if o.dates else None
    return found if found is not None else table.find("date")


def _holdings_dates(table: Table, column: Any, prices: Prices, o: Options) -> tuple[np.ndarray, np.ndarray]:
    """A holdings file's dates, each given, and the prices' dates they meet (which must be there)."""
    if prices.dates is None:
        raise InputError(f"{table.name}: holdings on dates need the prices' dates (a Date column, or --dates COLUMN)")
    dates = parse_dates(table, column, o.date_rule)
    _no_blank_dates(table, column, dates)
    return dates, prices.dates


def _on_prices_dates(table: Table, date_col: Any, counts: pd.DataFrame, prices: Prices, o: Options) -> pd.DataFrame:
    """Statements (one row per statement date) as the holdings on every prices date: each
    date the last statement on or before it, blank (missing) before the first. Every
    statement date must be a prices date, each once."""
    stated, days = _holdings_dates(table, date_col, prices, o)
    problem = statement_problem(days, stated, lambda k: table.cell(date_col, k))
    if problem is not None:
        raise InputError(problem)
    return pd.DataFrame(on_dates(days, stated, counts.to_numpy(dtype=float)), columns=counts.columns)


def _every_count(rows: pd.DataFrame, table: Table, column: Any, dates: np.ndarray, what: str, fix: str) -> None:
    """Dated rows of (ticker, count) with every count given: a blank one is never 0."""
    blank = rows["shares"].isna().to_numpy()
    if blank.any():
        k = int(np.flatnonzero(blank)[0])
        raise InputError(
            f"{rows['ticker'][k]} {what}{_day(dates[k])} ({table.cell(column, k)}) is empty or an error: {fix}"
        )


def _long_statements(table: Table, tickers: Any, shares: Any, prices: Prices, o: Options) -> pd.DataFrame:
    """``date,ticker,shares`` rows: each date's rows are a statement (assets it does not
    list are not held then), held until the next statement's date."""
    date_col = _holdings_date_column(table, o)
    stated, days = _holdings_dates(table, date_col, prices, o)
    rows = _shares_rows(table, tickers, shares, prices.names, o.numbers).assign(date=stated)
    _every_count(rows, table, shares, stated, "shares", "enter 0 for an asset not held")
    twice = rows.duplicated(["date", "ticker"])
    if twice.any():
        k = int(np.flatnonzero(twice.to_numpy())[0])
        raise InputError(f"{table.cell(tickers, k)}: {rows['ticker'][k]}{_day(stated[k])} is there twice")
    order = pd.unique(rows["date"])
    statements = rows.pivot(index="date", columns="ticker", values="shares").reindex(columns=prices.names)
    first = [int(np.flatnonzero(rows["date"].to_numpy() == day)[0]) for day in order]  # each date's first row
    statements = statements.reindex(pd.DatetimeIndex(order)).fillna(0.0)  # listed on none of a date's rows: 0
    problem = statement_problem(
        days, np.asarray(order, dtype="datetime64[ns]"), lambda k: table.cell(date_col, first[k])
    )
    if problem is not None:
        raise InputError(problem)
    held = on_dates(days, np.asarray(order, dtype="datetime64[ns]"), statements.to_numpy(dtype=float))
    return pd.DataFrame(held, columns=prices.names)


@dataclass(frozen=True)
class Ledger:
    """A trades file's rows: each trade's date, its asset's column in the prices, its quantity."""

    table: Table
    traded: np.ndarray
    columns: np.ndarray
    quantities: np.ndarray
    days: np.ndarray  # the prices' dates
    names: list[str]  # the prices' assets

    def holdings(self, start: np.ndarray, mine: np.ndarray | None = None) -> pd.DataFrame:
        """The holdings on every prices date of the trades ``mine`` (all by default) on top
        of the opening positions ``start`` (:func:`holdings.from_trades`)."""
        mine = np.ones(len(self.traded), dtype=bool) if mine is None else mine
        held = from_trades(self.days, self.traded[mine], self.columns[mine], self.quantities[mine], start)
        return pd.DataFrame(held, columns=self.names)


def _read_ledger(path: str, prices: Prices, o: Options, first: str = "") -> Ledger:
    """``[account,]date,ticker,quantity`` rows (tickers matched without regard to case,
    quantities signed, each given)."""
    table = read_table(path)
    date_col, tickers = _holdings_date_column(table, o), table.find("ticker")
    quantity = table.find("quantity")
    if date_col is None or tickers is None or quantity is None:
        columns = ", ".join(map(str, table.frame.columns))
        raise InputError(
            f"{table.name}: give columns {first}date,ticker,quantity, one row per trade (columns: {columns})"
        )
    traded, days = _holdings_dates(table, date_col, prices, o)
    rows = _shares_rows(table, tickers, quantity, prices.names, o.numbers)
    _every_count(rows, table, quantity, traded, "quantity", "a trade needs its quantity")
    position = {a: k for k, a in enumerate(prices.names)}
    where = np.array([position[t] for t in rows["ticker"]], dtype=int)
    return Ledger(table, traded, where, rows["shares"].to_numpy(dtype=float), days, list(prices.names))


def read_trades(path: str, opening: Any, prices: Prices, o: Options) -> pd.DataFrame:
    """--trades: ``date,ticker,quantity`` rows (tickers matched without regard to case,
    quantities signed), on top of the opening positions ``opening`` (counts by asset name,
    as :func:`read_shares` gives them, or None): the holdings on every prices date, each
    the opening positions plus every trade dated on or before it (a trade on a day
    without prices counts from the next prices date)."""
    ledger = _read_ledger(path, prices, o)
    if opening is None:
        start = np.zeros(len(prices.names))
    elif isinstance(opening, dict):
        start = np.array([opening[a] for a in prices.names], dtype=float)
    elif isinstance(opening, list) and len(opening) == len(prices.names):
        start = np.array(opening, dtype=float)
    else:
        raise InputError(
            f"--shares with --trades: the opening positions, one count per asset ({len(prices.names)}), or "
            "NAME=count pairs, or ticker,shares rows"
        )
    return ledger.holdings(start)


def read_account_trades(path: str, opening: pd.DataFrame | None, prices: Prices, o: Options) -> dict[str, pd.DataFrame]:
    """book --trades: ``account,date,ticker,quantity`` rows, each account's trades on top of
    its opening positions (``opening``: --holdings' accounts x assets, or None): each
    account's holdings history, the accounts of ``opening`` first, then those of the
    trades in the order they first appear."""
    ledger = _read_ledger(path, prices, o, "account,")
    table = ledger.table
    account = table.find("account")
    if account is None:
        raise InputError(f"{table.name}: book --trades needs an account column: account,date,ticker,quantity rows")
    cells = table.frame[account]
    blank = cells.map(is_missing).to_numpy()
    if blank.any():
        raise InputError(f"{table.cell(account, int(np.flatnonzero(blank)[0]))} has no account")
    accounts = cells.astype(str).str.strip().to_numpy()
    listed = [] if opening is None else [str(a) for a in opening.index]
    order = list(dict.fromkeys(listed + list(pd.unique(accounts))))
    starts = {} if opening is None else {str(a): row.to_numpy(dtype=float) for a, row in opening.iterrows()}
    none = np.zeros(len(prices.names))
    return {a: ledger.holdings(starts.get(a, none), accounts == a) for a in order}


def _dates_count(n: int) -> str:
    return "the 1 prices date" if n == 1 else f"the {n} prices dates"


def _trades(n: int) -> str:
    return "trade" if n == 1 else "trades"


def trades_words(path: str, prices: Prices, o: Options, opening: bool) -> str:
    """The trades as the assumptions block states them: how many, from when to when, the
    dates before the first trade without ``opening`` positions (they hold nothing), and
    the trades dated outside the prices' dates."""
    table = read_table(path)
    traded = parse_dates(table, _holdings_date_column(table, o), o.date_rule)
    days = prices.dates if prices.dates is not None else traded
    first, last = days.min(), days.max()
    after = int((traded > last).sum())
    before = int((traded < first).sum())
    words = f"{len(traded)} {_trades(len(traded))} from {table.name}, {_iso(traded.min())} to {_iso(traded.max())}"
    empty = int((days < traded.min()).sum())
    if empty and not opening:
        words += f"; {_dates_count(empty)} before the first trade: no holdings, outside the sample"
    if before:
        words += f"; {before} {_trades(before)} before the first prices date, held from it"
    if after:
        words += f"; {after} {_trades(after)} after the last prices date, in no row"
    return words


def statements_words(text: str, prices: Prices, o: Options) -> str:
    """A dated holdings file as the assumptions block states it (empty for undated ones)."""
    if Path(text).suffix.lower() not in SUFFIXES:
        return ""
    table = read_table(text)
    date_col = _holdings_date_column(table, o)
    if date_col is None or prices.dates is None:
        return ""
    stated = np.unique(parse_dates(table, date_col, o.date_rule))
    before = int((prices.dates < stated.min()).sum())
    words = f"statements on {len(stated)} dates from {table.name}, each held until the next"
    if before:
        words += f"; {_dates_count(before)} before the first ({_iso(stated.min())}): no holdings, outside the sample"
    return words


def wide_holdings(holdings: pd.DataFrame, assets: list[str]) -> pd.DataFrame:
    """:func:`read_holdings_file`'s accounts as accounts x assets (long rows pivoted: an asset
    not listed is not held, a listed count left blank stays missing), for the opening
    positions of book --trades."""
    if list(holdings.columns) != ["account", "ticker", "shares"]:
        return holdings
    order = pd.unique(holdings["account"])
    wide = holdings.pivot(index="account", columns="ticker", values="shares").reindex(index=order, columns=assets)
    listed = holdings.assign(listed=1.0).pivot(index="account", columns="ticker", values="listed")
    return wide.where(listed.reindex(index=order, columns=assets).notna(), 0.0)


def read_holdings_file(path: str, assets: list[str], o: Options) -> pd.DataFrame:
    """The accounts' share counts from a long file (``account,ticker,shares``, tickers
    matched without regard to case; also .parquet, with pyarrow) as those long rows, which
    the book keeps sparse, or from a wide one (an account column, one column per asset)
    as accounts x assets; assets not listed are not held."""
    if Path(path).suffix.lower() == ".parquet" and Path(path).is_file():
        return _parquet_holdings(path, assets)
    table = read_table(path)
    account = table.find("account")
    tickers, shares = holding_columns(table, o)
    if account is None:
        raise InputError(
            f"{table.name}: give columns account,ticker,shares, or an account column and one column per asset"
        )
    accounts = table.frame[account]
    blank = accounts.map(is_missing).to_numpy()
    if blank.any():
        raise InputError(f"{table.name}: row {int(np.flatnonzero(blank)[0]) + 2} has no account")
    if tickers is not None and shares is not None:
        long = _shares_rows(table, tickers, shares, assets, o.numbers).assign(
            account=accounts.astype(str).str.strip().to_numpy()
        )
        twice = long.duplicated(["account", "ticker"])
        if twice.any():
            row = long[twice].iloc[0]
            raise InputError(f"{table.name}: account {row['account']} lists {row['ticker']} twice")
        # long rows stay long: the book keeps them sparse (an asset not listed is not held, a
        # listed count left blank is missing: a note)
        return long[["account", "ticker", "shares"]]
    columns = {_key(c): c for c in table.frame.columns if c != account}
    by_key = {_key(a): a for a in assets}
    unknown = sorted(str(columns[k]) for k in set(columns) - set(by_key))
    if unknown:
        raise InputError(f"{table.name}: columns that are not assets of the prices: {', '.join(unknown[:5])}")
    wide = pd.DataFrame(
        {a: floats(table, columns[_key(a)], o.numbers, _of_account(f"{a} shares", accounts))
         if _key(a) in columns else np.zeros(len(accounts)) for a in assets}
    )  # fmt: skip
    wide.index = pd.Index(accounts.astype(str).str.strip(), name="account")
    return wide
