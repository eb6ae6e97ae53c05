"""From raw range values to validated, aligned arrays.

Range values arrive in whatever shape the xlwings runtime delivers them:

- classic xlwings (COM): tuples of tuples, ``None`` for an empty cell, an ``int`` such
  as -2146826246 for an error cell (#N/A), ``datetime`` for a date cell;
- xlwings Lite / Server (Office.js): lists of lists, ``""`` or ``None`` for an empty
  cell, ``{"type": "Error", ...}`` objects or "#N/A" strings for error cells, serial
  numbers for dates, a flat list for a single-row range and a scalar for one cell;
- Python callers: numpy arrays, pandas objects, nested lists.

Everything here turns those into float arrays with NaN for *missing* data (blank or
error cells), and raises :class:`PortbetaError` for everything else that is not a
number, naming the argument and the cell (the function's name is put in front where
the user called it: :class:`xl_portbeta.errors.named`).

What counts as a missing cell, in every runtime, is decided in one place:
:func:`missing_kind`, the cell classifier (a blank cell, or an error cell). Every reader
asks it (:func:`is_missing`, :func:`is_blank`, :func:`omitted`), and so do the fast
paths for every cell that is not a plain number: they read floats and ints in bulk by the
classifier's two rules for numbers (a float is missing when NaN, an int when it is a COM
error code) and hand it every other cell.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice, repeat
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from .errors import PortbetaError

__all__ = [
    "Cells",
    "PortbetaError",
    "is_blank",
    "is_missing",
    "missing_kind",
    "omitted",
    "read_accounts",
    "read_cap",
    "read_dates",
    "read_frequency",
    "read_numbers",
    "single_value",
    "whole_number",
]

# Excel's error values as COM hands them to Python (HRESULTs of CVErr).
COM_ERROR_CODES = {
    -2146826288: "#NULL!",
    -2146826281: "#DIV/0!",
    -2146826273: "#VALUE!",
    -2146826265: "#REF!",
    -2146826259: "#NAME?",
    -2146826252: "#NUM!",
    -2146826246: "#N/A",
    -2146826245: "#GETTING_DATA",
}
_COM_ERROR_ARRAY = np.array(sorted(COM_ERROR_CODES), dtype=float)


def _pyodide_jsnull_type() -> type | None:
    """The type of Pyodide's ``jsnull``, if this runs in Pyodide >= 0.28 (xlwings Lite).

    Excel's custom-functions runtime sends the empty cells of a range argument as JS
    ``null``, which Pyodide >= 0.28 hands over as ``jsnull``, not ``None``; xlwings'
    "raw" converter leaves cells as they are (its other converters turn ``jsnull`` into
    ``None``). Looked up once: outside Pyodide the import fails, and there is none.
    """
    try:
        from pyodide.ffi import JsNull
    except ImportError:
        return None
    return JsNull


_JSNULL_TYPE = _pyodide_jsnull_type()


def _pyodide_jsnull() -> tuple[Any, ...]:
    """Pyodide's ``jsnull`` itself (one object, as None is), in a tuple; empty outside
    Pyodide >= 0.28 (or where ``pyodide.ffi`` does not name it)."""
    try:
        from pyodide.ffi import jsnull  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return ()
    return (jsnull,)


#: The objects that are a runtime's blank cells, each one object for every blank (Office.js'
#: empty text, CPython's one empty string; xlwings Lite's ``jsnull``): the fast paths find
#: them by identity, and the classifier still says whether each is missing.
_BLANK_OBJECTS: tuple[Any, ...] = ("", *_pyodide_jsnull())

# Error values as text, as some Office.js runtimes and pasted data deliver them.
EXCEL_ERROR_TEXTS = frozenset(
    {
        "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
        "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!",
        "#BUSY!", "#UNKNOWN!", "#PYTHON!", "#EXTERNAL!",
    }
)  # fmt: skip


def is_number(value: Any) -> bool:
    """A plain number of Python or numpy; logical values are not (TRUE is not 1)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_LAST_EXCEL_SERIAL = 2958465  # 9999-12-31
# The first and last days the dates can be computed with (datetime64[ns] spans
# 1677-09-21 to 2262-04-11): a date outside would wrap around, so it is refused by name.
FIRST_DATE, LAST_DATE = dt.datetime(1677, 9, 22), dt.datetime(2262, 4, 10)
_LAST_SERIAL = (LAST_DATE - EXCEL_EPOCH).days

_FREQUENCY_ALIASES = {
    "d": "daily", "day": "daily", "daily": "daily",
    "w": "weekly", "week": "weekly", "weekly": "weekly",
    "m": "monthly", "month": "monthly", "monthly": "monthly",
}  # fmt: skip


def _show(value: Any) -> str:
    """A value as a message shows it, short; never an exception of its own (an object
    whose ``__str__`` raises, a list nested too deep to print)."""
    try:
        text = repr(value) if isinstance(value, str) else str(value)
    except Exception:  # noqa: BLE001 - RecursionError included
        return f"a {type(value).__name__}"
    return text if len(text) <= 40 else text[:37] + "..."


def _cell(arg: str, row: int | None, col: int | None, n_cols: int = 2) -> str:
    """Where a cell is, as the user sees the range (a one-column range needs no column;
    a whole column has no row)."""
    if row is None:
        return f"{arg} column {col}"
    return f"{arg} row {row}" if col is None or n_cols == 1 else f"{arg} row {row}, column {col}"


def cell_at(
    arg: str, row: int | None, col: int | None, n_cols: int = 2, name: str | None = None, date: Any = None
) -> str:
    """Where a cell is, the one way every message says it: its row and column within the
    range the user selected (a header row is row 1), then its column's header name and
    its row's date when known: ``prices row 19, column 3 ('IBM', 2001-06-01)``."""
    tags = [repr(name)] if name else []
    if date is not None and not pd.isna(date):
        tags.append(pd.Timestamp(date).strftime("%Y-%m-%d"))
    where = _cell(arg, row, col, n_cols)
    return f"{where} ({', '.join(tags)})" if tags else where


class CellError(PortbetaError):
    """A problem with one cell of a range, said where it is (:func:`cell_at`); the
    caller that knows the rows' dates adds them with :meth:`dated`.

    Attributes
    ----------
    arg, row, col, n_cols, name, what :
        The cell (``row`` within the range, 1-based; ``col`` 1-based or None), its
        header name, and the problem (``what``, after the place).
    data_row : int
        The cell's row among the data rows (0-based: the header row not counted).
    n_rows : int
        The range's data rows: a range of one row (shares, one rate) has no dates.
    """

    def __init__(self, arg: str, row: int, col: int | None, n_cols: int, what: str, name: str | None = None,
                 data_row: int = 0, n_rows: int = 1, date: Any = None):  # fmt: skip
        self.arg, self.row, self.col, self.n_cols, self.what, self.name = arg, row, col, n_cols, what, name
        self.data_row, self.n_rows = data_row, n_rows
        super().__init__(f"{cell_at(arg, row, col, n_cols, name, date)} {what}")

    def dated(self, date: Any) -> CellError:
        """The same problem, with the date of the cell's row."""
        return CellError(self.arg, self.row, self.col, self.n_cols, self.what, self.name, self.data_row, self.n_rows,
                         date)  # fmt: skip


def bad_cell(arg: str, cells_first_row: int, r: int, c: int | None, n_cols: int, what: str,
             header: Sequence[str] | None = None, date: Any = None, n_rows: int = 1) -> CellError:  # fmt: skip
    """The :class:`CellError` of data cell (r, c) (0-based, header not counted) of a
    range, with its column's header name."""
    k = 0 if c is None else c
    name = header[k] if header and k < len(header) else None
    col = None if c is None else c + 1
    return CellError(arg, cells_first_row + r, col, n_cols, what, name or None, r, n_rows, date)


#: What :func:`missing_kind` says of a cell that holds no data.
BLANK, ERROR = "blank", "error"


def missing_kind(value: Any) -> str | None:
    """The cell classifier: ``BLANK`` for an empty cell, ``ERROR`` for an error cell or a
    value that is not a number (NaN, pandas' NA and NaT), None for a cell with a value.

    The one place that decides what a missing cell is, in every runtime's encoding:
    ``None`` (COM, xlwings Server, Pyodide 0.27), Pyodide's ``jsnull`` (xlwings Lite on
    Pyodide >= 0.28), text of spaces only; COM's error codes (ints), Office.js' error
    objects (``{"type": "Error", ...}``) and error texts ("#N/A"). A new kind of blank or
    error cell is added here alone (tests/test_inputs.py adds one). Numbers are read in
    bulk by its rules for them: a float is missing only when NaN, an int only when it is
    one of :data:`COM_ERROR_CODES`.
    """
    if value is None:
        return BLANK
    if isinstance(value, str):  # numpy's str_ too; first, as headers' names are most of the cells asked
        text = value.strip()
        if text == "":
            return BLANK
        return ERROR if text.upper() in EXCEL_ERROR_TEXTS else None
    if value is pd.NA or value is pd.NaT:
        return ERROR
    if _JSNULL_TYPE is not None and isinstance(value, _JSNULL_TYPE):  # xlwings Lite's blank
        return BLANK
    if type(value) is dict:
        return ERROR if value.get("type") == OFFICEJS_ERROR_TYPE else None
    if isinstance(value, (float, np.floating)):
        return ERROR if math.isnan(value) else None
    if is_number(value) and isinstance(value, (int, np.integer)) and int(value) in COM_ERROR_CODES:
        return ERROR
    return None


#: The ``type`` of Office.js' error objects (``{"type": "Error", "basicValue": "#N/A", ...}``).
OFFICEJS_ERROR_TYPE = "Error"


def all_error_objects(cells: list[dict[str, Any]]) -> bool:
    """Whether every one of these dict cells is an Office.js error object: the classifier's
    rule for dicts (:func:`missing_kind`), applied to many at once by ``dict.get`` in C
    (a range with #N/A in 1% of 1.26 million cells: bench/NOTES.md)."""
    return set(map(dict.get, cells, repeat("type"))) <= {OFFICEJS_ERROR_TYPE}


def is_missing(value: Any) -> bool:
    """A blank or an error cell (:func:`missing_kind`)."""
    return missing_kind(value) is not None


def is_blank(raw: Any) -> bool:
    """An argument left out or pointing at one empty cell (:func:`missing_kind`); a range
    is never blank, whatever its cells."""
    return not isinstance(raw, _RANGE_TYPES) and missing_kind(raw) == BLANK


_RANGE_TYPES = (list, tuple, np.ndarray, pd.Series, pd.DataFrame, pd.Index)


def omitted(raw: Any, arg: str) -> bool:
    """An optional argument left out, or pointing at one empty cell.

    An error value (#N/A) is not "left out": a failed lookup must not silently turn
    into the default, so it is an error.
    """
    if isinstance(raw, _RANGE_TYPES):
        return False
    kind = missing_kind(raw)
    if kind == ERROR:
        raise PortbetaError(f"{arg} is an error value or NaN ({_show(raw)}): give a value, or leave {arg} out")
    return kind == BLANK


def single_value(raw: Any, arg: str) -> Any:
    """The value of a one-cell argument (a 1 x 1 range is fine); a larger range is an error."""
    rows = as_rows(raw)
    if rows is None or len(rows) != 1 or len(rows[0]) != 1:
        raise PortbetaError(f"{arg} must be one value, not a range")
    return rows[0][0]


def whole_number(raw: Any, arg: str, what: str) -> int:
    """A whole number from one cell (252 or 252.0), else an error naming ``arg``."""
    value = single_value(raw, arg)
    if not is_number(value) or _cell_to_float(value) is None or not math.isfinite(value) or value != int(value):
        raise PortbetaError(f"{arg} {_show(value)} is not a whole number{what}")
    return int(value)


#: The letters no finite number's text holds: float() reads "1e5", and "inf" and "nan" are not finite.
_NON_NUMBER_LETTERS = frozenset(string.ascii_letters) - {"e", "E"}


def _looks_numeric(text: str) -> bool:
    """Text that reads as a finite number (``"101.5"``, ``"5%"``, ``"1,000"``). ``"NAN"``,
    ``"INF"`` and ``"Infinity"`` are not: Excel has no such numbers, so they are names
    (tickers), as Python's float() alone would not say."""
    if not _NON_NUMBER_LETTERS.isdisjoint(text):  # a name (no exception raised for it)
        return False
    try:
        number = float(text.strip().strip("%$€£¥").replace(",", ""))
    except ValueError:
        return False
    return math.isfinite(number)


# --------------------------------------------------------------------------- shapes


def as_rows(raw: Any) -> list[Sequence[Any]]:
    """Any runtime's range value as a list of rows (a scalar is one 1 x 1 row).

    Office.js hands a single-row range over as a flat list: that is one row.
    """
    if isinstance(raw, (pd.DataFrame, pd.Series, pd.Index)):
        return as_rows(pandas_values(raw)[0])
    if isinstance(raw, np.ndarray):
        if raw.dtype.kind == "M":  # datetime64[ns].tolist() would give integers
            raw = raw.astype("datetime64[us]").astype(object)
        if raw.ndim == 0:
            return [[raw.item()]]
        if raw.ndim == 1:
            return [[v] for v in raw.tolist()]
        return raw.tolist()
    if isinstance(raw, (list, tuple)):
        if len(raw) == 0:
            return []
        if set(map(type, raw)) <= {list, tuple} or all(isinstance(row, (list, tuple)) for row in raw):
            return list(raw)  # (the set of types is the fast check of a large range)
        if any(isinstance(row, (list, tuple)) for row in raw):
            return None  # type: ignore[return-value]  # ragged: reported by caller
        return [raw]
    return [[raw]]


def from_polars(raw: Any, arg: str) -> Any:
    """A polars DataFrame or Series as the pandas object of the same names and values,
    anything else as it is (polars is not imported: its objects are known by their module).

    polars has no index: a frame's date or text column cannot be told from its data
    columns, so it is an error that says how to pass it (as pandas' index, or as the
    dates argument); a Series of dates is a column of dates, as the dates argument is.
    """
    if not type(raw).__module__.startswith("polars"):
        return raw
    if hasattr(raw, "get_columns"):  # a DataFrame
        columns = raw.get_columns()
        for column in columns:
            if not column.dtype.is_numeric():
                kind = "date" if column.dtype.is_temporal() else "non-numeric"
                raise PortbetaError(
                    f"{arg} is a polars DataFrame with a {kind} column {_show(column.name)} ({column.dtype}): polars has "
                    f"no index, so pass {arg}.to_pandas().set_index({column.name!r}), or that column as its own argument"
                )
        return pd.DataFrame({column.name: column.to_numpy() for column in columns})
    if hasattr(raw, "to_numpy") and hasattr(raw, "name"):  # a Series
        return pd.Series(raw.to_numpy(), name=raw.name or None)
    raise PortbetaError(f"{arg} is a polars {type(raw).__name__}: pass a DataFrame, a Series or their .to_pandas()")


def pandas_values(raw: Any) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """A pandas object's values (2-D) and its labels as a header, if it has real ones.

    A DataFrame's column labels and a named Series' or Index's name are a header as
    they are (no guessing from the first row); default labels (0, 1, ...) are none.
    """
    if isinstance(raw, pd.DataFrame):
        header = None if isinstance(raw.columns, pd.RangeIndex) else tuple(str(c) for c in raw.columns)
        return raw.to_numpy(), header
    header = None if raw.name is None else (str(raw.name),)
    return raw.to_numpy().reshape(-1, 1), header


def _is_header_row(
    rows: list[Sequence[Any]], kinds: Sequence[str | None], arg: str = "", numbers_may_be_names: bool = False
) -> bool:
    """Whether the first row is a header: its filled cells are all text, and none is a
    number written as text (``"101.5"``, ``"5%"``, ``"1,000"``): that is a data row
    stored as text, reported as such.

    Codes of digits only (``"600519"``, ``"0700"``: Chinese, Hong Kong, Japanese tickers)
    are names, unless every one of them lies within 50% of the number below it: then the
    row reads as prices stored as text and is reported, never dropped as a header.

    With ``numbers_may_be_names`` (prices and market, whose headers are tickers), such
    codes typed as numbers are names too (:func:`_whole_numbers_are_names`).
    ``kinds``: the classifier's word on each cell of the first row.
    """
    row = rows[0]
    filled = [v for v, kind in zip(row, kinds, strict=True) if kind is None]
    if not filled:
        return False
    all_text = set(map(type, filled)) == {str}
    if numbers_may_be_names and not all_text and any(_whole_positive(v) for v in filled):
        return _whole_numbers_are_names(rows, arg)
    if not all_text:
        return False
    texts = [v.strip() for v in filled]
    # only a text without letters can read as a number (filter in C: a header is mostly names)
    if any(_looks_numeric(t) and not t.isdigit() for t in filter(_NON_NUMBER_LETTERS.isdisjoint, texts)):
        return False
    if not all(map(str.isdigit, texts)):
        return True  # a name of letters: a header
    below = rows[1] if len(rows) > 1 else [None] * len(row)
    close = [
        is_number(b) and b > 0 and abs(int(v.strip()) - b) <= 0.5 * b
        for v, b, kind in zip(row, below, kinds, strict=True)  # one width: _split_header refuses ragged rows first
        if kind is None
    ]
    return not all(close)


def _whole_positive(value: Any) -> bool:
    """A positive whole number (600519 or 600519.0), as a ticker typed as a number is."""
    return is_number(value) and 0 < value < 1e15 and float(value) == int(value)


def _column_numbers(rows: list[Sequence[Any]], j: int) -> Iterator[Any]:
    """The positive numbers of column ``j`` below the first row, top down (lazily: most
    questions are answered by the first)."""
    return (v for v in (row[j] for row in islice(rows, 1, None)) if is_number(v) and not is_missing(v) and v > 0)


def _whole_numbers_are_names(rows: list[Sequence[Any]], arg: str) -> bool:
    """Whether a first row holding whole numbers is a header of tickers typed as numbers
    (600519, or 858 for 000858: Excel drops the zeros).

    - text that is a number with a point, a sign or a percent, or a cell that is neither
      text nor a whole positive number: a data row (its bad cells are reported as such);
    - a name of letters says nothing of the numbers beside it;
    - each whole number (or code of digits) is *like* the data when it lies within 50%
      of the first number below it, *unlike* when it lies more than 50% away from every
      number below it in its column (600519 over prices near 1,700), else unclear.

    Every one like the data: a first row of data (a name of letters in it is a bad
    cell, reported); every one unlike: a header; any other mix is ambiguous: an error
    that says how to make it plain. Without a number below any of them, the row is a
    header if it holds a name of letters.
    """
    like, unlike, unclear, named = [], [], [], False
    for j, v in enumerate(rows[0]):
        if is_missing(v):
            continue
        if type(v) is str:
            text = v.strip()
            if not _looks_numeric(text):
                named = True
                continue
            if not text.isdigit():
                return False  # a number stored as text: a data row, reported
            v = int(text)
        elif not _whole_positive(v):
            return False
        numbers = _column_numbers(rows, j)
        first = next(numbers, None)
        if first is None:
            continue
        if abs(v - first) <= 0.5 * first:
            like.append((v, first))
        elif all(abs(v - b) > 0.5 * b for b in numbers):  # the whole column only when the first is unlike
            unlike.append((v, first))
        else:
            unclear.append((v, first))
    if not (like or unlike or unclear):
        return named
    if not (unlike or unclear):
        return False
    if not (like or unclear):
        return True
    shown = [f"{int(v)} over {_show(b)}" for v, b in (unclear[:1] or unlike[:1] + like[:1])]
    raise PortbetaError(
        f"{arg} row 1 holds whole numbers ({', '.join(shown)}): tickers typed as numbers, or a first row of data? "
        f"Type tickers as text ('{(unclear or unlike)[0][0]:.0f}), or put a header row of names above the data"
    )


def _header_name(value: Any) -> str:
    """A header cell's name: its text, or a ticker typed as a number without a decimal point;
    "" for a blank or an error cell."""
    return "" if is_missing(value) else _filled_header_name(value)


def _header_names(row: Sequence[Any], kinds: Sequence[str | None]) -> tuple[str, ...]:
    """:func:`_header_name` of each cell of a header row, given the classifier's word on each."""
    return tuple(["" if kind else _filled_header_name(v) for v, kind in zip(row, kinds, strict=True)])


def _filled_header_name(value: Any) -> str:
    """:func:`_header_name` of a cell the classifier calls filled."""
    if type(value) is str:  # the common case
        return value.strip()
    if _whole_positive(value):
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class Cells:
    """One argument's range, header removed: floats, NaN where a cell is missing.

    Attributes
    ----------
    values : array (rows, cols)
    header : tuple of str, or None
        The header row's texts ("" for a blank header cell), if the range had one.
    first_row : int
        The 1-based row of the range that ``values[0]`` came from (2 after a header),
        so that messages point at the cell the user sees.
    row_sums : array (rows,), optional
        Each row's sum, NaN exactly where a row has a missing cell (the values are
        finite), when the reader has it from its check for infinite values.
    """

    values: np.ndarray
    header: tuple[str, ...] | None
    first_row: int
    row_sums: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        rows, columns = self.values.shape
        return rows, columns


def _split_header(
    raw: Any, arg: str, numbers_may_be_names: bool = False
) -> tuple[list[Sequence[Any]], tuple[str, ...] | None]:
    if isinstance(raw, (pd.DataFrame, pd.Series, pd.Index)):
        values, header = pandas_values(raw)
        return as_rows(values), header
    rows = as_rows(raw)
    if rows is None or (rows and len(set(map(len, rows))) > 1):
        raise PortbetaError(f"{arg} is not a rectangular range")
    if not rows or (not numbers_may_be_names and str not in set(map(type, rows[0]))):
        return rows, None  # no text: no header, whatever the classifier says of each cell (a row of counts)
    kinds = list(map(missing_kind, rows[0]))  # once, for both questions below
    if _is_header_row(rows, kinds, arg, numbers_may_be_names):
        return rows[1:], _header_names(rows[0], kinds)
    return rows, None


#: What prices and market hold: their header cells are tickers, which may be typed as numbers.
_TICKERED = ("a price", "a price level")


def _bad_cell_message(value: Any, what: str) -> str:
    if isinstance(value, (bool, np.bool_)):
        return f"holds {'TRUE' if value else 'FALSE'}, a logical value, not {what}"
    if isinstance(value, (dt.datetime, dt.date, np.datetime64, pd.Timestamp)):
        return f"holds a date, not {what}"
    if isinstance(value, str):
        if _looks_numeric(value):
            return f"holds text {_show(value)}, a number stored as text: enter it as a number, not text"
        hint = _LINKED_HINT if what in _TICKERED else ""
        return f"holds text {_show(value)}, not {what}{hint}"
    if isinstance(value, dict):
        return _data_type_message(value, what)
    if isinstance(value, float) and math.isinf(value):
        return "holds an infinite value"
    if is_number(value):  # a whole number beyond float's range
        return f"holds a number too large to compute with, not {what}"
    shown = _show(value)
    if shown == f"a {type(value).__name__}":  # it could not be shown
        return f"holds {shown}, not {what}"
    return f"holds {shown} ({type(value).__name__}), not {what}"


# Classic COM hands a linked data type cell (Stocks, Geography) over as its text: it
# cannot be told from text there, so the text message says what to do if it is one.
_LINKED_HINT = " (a Stocks data type arrives as its name: use =A2.Price)"


def _data_type_message(value: dict, what: str) -> str:
    """A data type cell as Office.js sends it to an add-in that takes any value (xlwings
    declares ``allowCustomDataForDataTypeAny``): ``{"type": "LinkedEntity", "text": ...,
    "id": {"domainId": ...}}`` for Excel's Stocks and Geography types."""
    kind = value.get("type")
    text = value.get("text") if isinstance(value.get("text"), str) else None
    if kind in ("LinkedEntity", "Entity"):
        ident: dict = value["id"] if isinstance(value.get("id"), dict) else {}
        domain = ident.get("domainId") or ("linked" if kind == "LinkedEntity" else "entity")
        shown = f" {_show(text)}" if text else ""
        field = "=A2.Price" if what in ("a price", "a price level") else "=A2.field"
        return f"holds a linked data type ({domain}){shown}: use a field of it for {what}, e.g. {field}"
    return f"holds a {_show(kind) if kind else 'linked'} value, not {what}"


def _cell_to_float(value: Any) -> float | None:
    """The float of a number cell, NaN for a missing cell, None for anything else.

    A currency-formatted cell reaches Python through COM as a ``decimal.Decimal``
    (Excel's Currency type): a number like any other.
    """
    if missing_kind(value) is not None:  # blanks, error values of both runtimes (COM's are ints), NaN
        return math.nan
    if is_number(value) or isinstance(value, decimal.Decimal):
        try:
            number = float(value)
        except OverflowError:  # an int beyond float's range, e.g. 10**400
            return None
        return None if math.isinf(number) else number
    return None


_NUMERIC_KINDS = frozenset({"floating", "empty", "integer", "mixed-integer-float"})
_NUMBER_TYPES = frozenset({float, int})  # exact types: bool, a subclass of int, is not one


def _plain_numbers(rows: list[Sequence[Any]]) -> np.ndarray | None:
    """The cells as floats, NaN for missing ones, or None if some cell is neither a
    number nor missing (then :func:`_cells_one_by_one` finds it and names it).

    pandas' ``infer_dtype`` checks the types in C, faster than a Python pass over the
    cells (bench/NOTES.md). When some cells are not numbers, only those are handed to the
    classifier: first the cells that are a runtime's one blank object (Office.js' ``""``,
    Lite's ``jsnull``: :data:`_BLANK_OBJECTS`), found by identity, then any others (error
    values, text) by their type. Logical values are never numbers here (TRUE is not 1).
    """
    n_cols = len(rows[0])
    if n_cols == 0 or len(set(map(len, rows))) != 1:
        return None
    # fromiter, unlike np.array(rows), does not look into every cell for a nested list;
    # a cell holding a list is one more cell that is not a number.
    flat = np.fromiter(chain.from_iterable(rows), dtype=object, count=len(rows) * n_cols)
    kind = infer_dtype(flat, skipna=True)
    if kind not in _NUMERIC_KINDS:
        found = [_same_cells_as_nan(flat, blank) for blank in _BLANK_OBJECTS]  # each one, not only the first
        if any(found):
            kind = infer_dtype(flat, skipna=True)
    if kind not in _NUMERIC_KINDS and not _other_cells_as_nan(flat, rows):
        return None
    try:
        values = flat.astype(float).reshape(len(rows), n_cols)
    except (TypeError, ValueError, OverflowError):  # pandas' NA, an int beyond float: cell by cell
        return None
    if kind != "floating":  # ints may be COM error codes
        _com_errors_as_nan(values, flat)
    return values


def _identities(cells: np.ndarray) -> np.ndarray:
    """Each object's identity (``id``) in a flat, contiguous object array, read in C from the array's
    own memory (its pointers; PEP 3118 exports them): no Python call per cell."""
    return np.frombuffer(cells.data, dtype=np.intp)


def _same_cells_as_nan(flat: np.ndarray, cell: Any) -> bool:
    """None, in place, for the cells that are the very object ``cell`` if the classifier
    says it is missing; whether any were. The empty cells Office.js sends as ``""`` are
    CPython's one empty string (json gives no other): found by identity in one
    comparison in C (bench/NOTES.md); an empty text that is another object is left to
    :func:`_other_cells_as_nan`, as right and slower."""
    if not is_missing(cell):
        return False
    same = _identities(flat) == id(cell)
    if not same.any():
        return False
    flat[same] = None
    return True


def _other_cells_as_nan(flat: np.ndarray, rows: list[Sequence[Any]]) -> bool:
    """NaN, in place, for the cells that are not numbers if all of them are missing
    (blanks, error values); False if one is not (text, a logical value, a date).

    The cells' types are listed in C (``map`` over ``rows``, the cells of ``flat`` in the
    same order), and the cells that are not floats or ints found by the types' identities.
    Dicts (Office.js' error objects) are checked together (:func:`all_error_objects`);
    any other cell is asked of the classifier.
    """
    types = np.fromiter(map(type, chain.from_iterable(rows)), dtype=object, count=flat.size)
    ids = _identities(types)
    others = np.flatnonzero((ids != id(float)) & (ids != id(int)))
    is_dict = ids[others] == id(dict)
    dicts, rest = others[is_dict], others[~is_dict]
    if dicts.size and not all_error_objects(flat[dicts].tolist()):
        return False
    converted = [_cell_to_float(v) for v in flat[rest].tolist()]
    if None in converted:
        return False
    flat[dicts] = math.nan
    flat[rest] = converted
    return True


def _com_errors_as_nan(values: np.ndarray, cells: np.ndarray | None = None) -> None:
    """NaN, in place, for the integers that are COM error codes (#N/A and the like).

    They all lie below -2e9: one comparison rules them out in the common case, before
    the search for the exact codes (bench/NOTES.md). With ``cells`` (the
    objects ``values`` came from, flat), only cells that were integers count: a float
    of the same value is a number, as on the cell-by-cell path.
    """
    if not (values <= _COM_ERROR_ARRAY[-1]).any():
        return
    codes = np.flatnonzero(np.isin(values, _COM_ERROR_ARRAY))
    if cells is not None:
        codes = codes[[isinstance(cells[k], (int, np.integer)) for k in codes.tolist()]]
    values.flat[codes] = np.nan


def _row_sums_and_first_infinite(values: np.ndarray) -> tuple[np.ndarray, tuple[int, int] | None]:
    """Each row's sum (NaN where a cell is missing), and where the first infinite value is.

    One pass answers the common case: finite row sums mean no infinite value (and no
    missing cell); only otherwise is each cell looked at.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        row_sums = values @ np.ones(values.shape[1])  # BLAS: faster than sum(axis=1)
    if np.isfinite(row_sums).all():
        return row_sums, None
    infinite = np.isinf(values)
    if not infinite.any():
        return row_sums, None
    r, c = np.argwhere(infinite)[0]
    return row_sums, (int(r), int(c))


def read_numbers(raw: Any, arg: str, what: str = "a number") -> Cells:
    """Read a range of numbers: floats, NaN for blank or error cells.

    Raises
    ------
    PortbetaError
        Text, a logical value, a date or an infinite value in a cell, naming the cell.
    """
    raw = from_polars(raw, arg)
    if isinstance(raw, (pd.DataFrame, pd.Series, pd.Index)):
        raw, header = pandas_values(raw)  # its labels are its header: no guessing
    elif isinstance(raw, np.ndarray) and raw.dtype.kind in "fiu":
        header = None
    else:
        raw, header = _split_header(raw, arg, what in _TICKERED)
    first_row = 2 if header is not None else 1
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "fiu" and raw.size and raw.ndim <= 2:
        return _checked_cells(_numeric_array_values(raw), header, first_row, arg)
    rows = as_rows(raw) if isinstance(raw, np.ndarray) else raw
    if not rows:
        return Cells(np.empty((0, len(header or ()))), header, first_row)
    values = _plain_numbers(rows)
    if values is None:
        values = _cells_one_by_one(rows, arg, what, first_row, header)
    return _checked_cells(values, header, first_row, arg)


#: The smallest magnitude a float holds with all its digits (2.2e-308); below it, down to
#: 5e-324, floats are subnormal: 1.234567890123e-318 is kept as 1.2346e-318.
SMALLEST_NORMAL = float(np.finfo(float).tiny)


def _checked_cells(values: np.ndarray, header: tuple[str, ...] | None, first_row: int, arg: str) -> Cells:
    """:class:`Cells` of ``values``, after the checks that no cell is infinite and none
    is subnormal (its digits are lost already: no rescaling could give them back)."""
    row_sums, infinite = _row_sums_and_first_infinite(values)
    if infinite is not None:
        r, c = infinite
        raise bad_cell(arg, first_row, r, c, values.shape[1], "holds an infinite value", header, n_rows=len(values))
    if values.size and np.fmin.reduce(values, axis=None) >= SMALLEST_NORMAL:  # (NaN skipped) prices: one pass
        return Cells(values, header, first_row, row_sums)
    with np.errstate(invalid="ignore"):
        small = np.abs(values) < SMALLEST_NORMAL  # zeros too, and NaN is never small
    if small.any():
        small &= values != 0
        if small.any():
            r, c = (int(i) for i in np.argwhere(small)[0])
            what = (
                f"holds {values[r, c]:.4g}, too small to keep its digits (floats keep every digit down to 2.2e-308): "
                "enter it in a smaller unit (e.g. x 1e300), the whole range alike"
            )
            raise bad_cell(arg, first_row, r, c, values.shape[1], what, header, n_rows=len(values))
    return Cells(values, header, first_row, row_sums)


def read_accounts(raw: Any, arg: str = "holdings", n_assets: int | None = None) -> tuple[tuple[str, ...] | None, Cells]:
    """A table of share counts, one row per account, with an optional header row of asset
    names and an optional first column of account names: text, or ids that are whole
    numbers (1001; as numbers, under a header row), when the table has one column more
    than the ``n_assets`` counts.

    Returns
    -------
    accounts : tuple of str, or None
        The account names, when the first column holds them.
    cells : Cells
        The counts (the names' column left out), NaN where a cell is missing; messages
        count columns as the user's range does.
    """
    raw = from_polars(raw, arg)
    if isinstance(raw, pd.DataFrame):
        accounts = None if isinstance(raw.index, pd.RangeIndex) else tuple(str(i) for i in raw.index)
        return accounts, read_numbers(raw, arg, "a share count")
    if isinstance(raw, np.ndarray) and raw.dtype.kind in "fiu":  # numbers only: no names
        return None, read_numbers(raw, arg, "a share count")
    rows, header = _split_header(raw, arg)
    while rows and all(is_missing(v) for v in rows[-1]):  # a range selected taller than the book
        rows = rows[:-1]
    named = bool(rows) and len(rows[0]) > 1 and all(_is_account_name(r[0]) for r in rows)
    # ids that are numbers only under a header row, or typed as text: without either, a row of
    # n_assets + 1 numbers may as well be a count too many
    ids = n_assets is not None and bool(rows) and len(rows[0]) == n_assets + 1
    ids = ids and (header is not None or all(isinstance(r[0], str) for r in rows))
    if not named and not (ids and all(_account_id(r[0]) is not None for r in rows)):
        return None, read_numbers(([list(header)] if header else []) + [list(r) for r in rows], arg, "a share count")
    accounts = tuple(str(r[0]).strip() if named else str(_account_id(r[0])) for r in rows)
    # the names' cells read as blanks, so that a bad count's column is the range's own
    blanked = [[None, *r[1:]] for r in rows]
    cells = read_numbers(([list(header)] if header else []) + blanked, arg, "a share count")
    return accounts, Cells(cells.values[:, 1:], cells.header[1:] if cells.header else None, cells.first_row)


def _is_account_name(value: Any) -> bool:
    return isinstance(value, str) and not is_missing(value) and not _looks_numeric(value)


def _account_id(value: Any) -> str | None:
    """An account's id that is a whole number (1001, 1001.0 or the text '1001'), as text; None
    for any other cell."""
    if isinstance(value, str):
        text = value.strip()
        return text if text.isascii() and text.isdigit() else None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        number = float(value)
        return str(int(number)) if math.isfinite(number) and number.is_integer() and number >= 0 else None
    return None


def _cells_one_by_one(
    rows: list[Sequence[Any]], arg: str, what: str, first_row: int, header: tuple[str, ...] | None = None
) -> np.ndarray:
    """The general path of :func:`read_numbers`: each cell classified in Python."""
    n_cols = len(rows[0])
    flat = list(chain.from_iterable(rows))
    converted = [_cell_to_float(v) for v in flat]
    if None in converted:
        k = converted.index(None)
        r, c = divmod(k, n_cols)
        raise bad_cell(arg, first_row, r, c, n_cols, _bad_cell_message(flat[k], what), header, n_rows=len(rows))
    return np.array(converted, dtype=float).reshape(len(rows), n_cols)


def _numeric_array_values(raw: np.ndarray) -> np.ndarray:
    """A numeric ndarray's values, as :func:`read_numbers` would read its ``tolist()``.

    A 1-D array is a column and a 0-D array one cell, as in :func:`as_rows`. The values
    are a read-only view when ``raw`` already is float64 (no copy): nothing downstream
    writes to them, and the caller's array stays writeable.
    """
    values = np.asarray(raw, dtype=float).reshape(raw.shape[0] if raw.ndim else 1, -1)
    if raw.dtype.kind in "iu":  # a new array; ints that are COM error codes are error cells
        _com_errors_as_nan(values)
    elif np.shares_memory(values, raw):
        values = values.view()
        values.flags.writeable = False
    return values


#: Excel's 1900 date system counts 1900 as a leap year (as Lotus 1-2-3 did): serial 60 is
#: 1900-02-29, a day that never was, and serials 1 to 59 (1900-01-01 to 1900-02-28) are a
#: day later than days since EXCEL_EPOCH would say. From 61 (1900-03-01) on they agree.
FAKE_LEAP_DAY = 60


def serial_to_datetime(serial: float) -> dt.datetime:
    """The date Excel's 1900 date system means by ``serial``: serial 1 is 1900-01-01,
    61 is 1900-03-01 (60, Excel's 1900-02-29, has no date: :func:`_cell_to_date`)."""
    early = serial < FAKE_LEAP_DAY  # before Excel's fake leap day: one day more
    return EXCEL_EPOCH + dt.timedelta(days=serial + early)


def _cell_to_date(value: Any) -> Any:
    """A datetime for a date cell, NaT for a missing cell, None for anything else."""
    if missing_kind(value) is not None:  # blanks, error values of both runtimes (COM's are ints), NaN, NaT
        return pd.NaT
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).to_pydatetime()
    if is_number(value) and 1 <= value <= _LAST_EXCEL_SERIAL and not FAKE_LEAP_DAY <= value < FAKE_LEAP_DAY + 1:
        return serial_to_datetime(float(value))
    return None


def read_dates(raw: Any, arg: str = "dates") -> tuple[np.ndarray, tuple[str, ...] | None, int]:
    """Read a column (or row) of dates: datetime cells or Excel serial numbers.

    Returns
    -------
    dates : datetime64[ns] array, NaT where a cell is blank or an error
    header : tuple of str, or None
    first_row : int
    """
    rows, header = _split_header(from_polars(raw, arg), arg)
    first_row = 2 if header is not None else 1
    cells = _as_vector(rows, arg)
    serials = _whole_serial_dates(cells)
    if serials is not None:
        _check_date_system(serials, arg)
        return serials, header, first_row
    out = []
    for k, value in enumerate(cells):
        date = _cell_to_date(value)
        if date is None:
            if isinstance(value, str):
                problem = f"holds text {_show(value)}, not a date: enter it as an Excel date"
            elif is_number(value) and FAKE_LEAP_DAY <= value < FAKE_LEAP_DAY + 1:
                problem = (
                    f"holds {_show(value)}, Excel's 1900-02-29: a day that never was (Excel counts 1900 as a "
                    "leap year): enter the real date"
                )
            elif is_number(value):
                problem = f"holds {_show(value)}, which is not an Excel date serial number"
            else:
                problem = _bad_cell_message(value, "a date")
            raise PortbetaError(f"{_cell(arg, first_row + k, None)} {problem}")
        if date is not pd.NaT and not FIRST_DATE <= date < LAST_DATE + dt.timedelta(days=1):
            side, bound = ("after", LAST_DATE) if date > LAST_DATE else ("before", FIRST_DATE)
            raise PortbetaError(
                f"{_cell(arg, first_row + k, None)} is {date:%Y-%m-%d}, {side} {bound:%Y-%m-%d}, the {'last' if side == 'after' else 'first'} "
                "date this add-in can compute with"
            )
        out.append(date)
    dates = np.array(pd.to_datetime(pd.Series(out, dtype=object)), dtype="datetime64[ns]")
    if all(is_number(v) or is_missing(v) for v in cells):  # serial numbers, as Office.js sends dates
        _check_date_system(dates, arg)
    return dates, header, first_row


#: The fewest serial-number dates whose weekdays may show a workbook on the 1904 date system.
_WEEKDAY_EVIDENCE = 8


def _check_date_system(dates: np.ndarray, arg: str) -> None:
    """Refuse serial-number dates that show a workbook on Excel's 1904 date system.

    Office.js sends a date cell as its serial number in the workbook's date system, and
    a custom function is not told which (Excel's JavaScript API has
    ``Workbook.use1904DateSystem``, but xlwings' call carries no such flag): the serials
    are read in the 1900 system, Excel's default. A 1904 serial is 1,462 days lower, so
    trading days Monday to Friday read as Tuesday to Saturday, four years earlier:
    monthly sampling would take the wrong days (silent wrong numbers), and dates shown
    or matched (as_of as text) would be four years off.
    Dates on four weekdays or more, Saturdays among them, never a Sunday or a Monday,
    are that; without such evidence (weekly or monthly dates) nothing can tell.
    """
    days = dates[~np.isnat(dates)].astype("datetime64[D]").astype("int64")
    if len(days) < _WEEKDAY_EVIDENCE:
        return
    weekdays = set(np.unique((days + 3) % 7).tolist())  # 0 = Monday (1970-01-01 was a Thursday)
    if 5 in weekdays and not weekdays & {0, 6} and len(weekdays) >= 4:
        raise PortbetaError(
            f"{arg} fall on Tuesdays to Saturdays, never on a Monday: the workbook looks to be on the 1904 date "
            "system, whose dates are 1,462 days lower than the 1900 system this add-in reads: give the dates "
            "as =A2:A100+1462 (your range), or check the weekdays of your dates"
        )


def _whole_serial_dates(cells: list[Any]) -> np.ndarray | None:
    """Date cells as Office.js sends them, whole-day serial numbers, read all at once
    (exactly what the cell-by-cell path gives them); None when some cell is anything else."""
    if not cells or not set(map(type, cells)) <= _NUMBER_TYPES:
        return None
    serials = np.array(cells, dtype=float)
    if not ((serials > FAKE_LEAP_DAY) & (serials <= _LAST_SERIAL) & (serials == np.floor(serials))).all():
        return None  # COM error codes, times of day, 1900's first two months, out of range: cell by cell
    return (np.datetime64(EXCEL_EPOCH.date(), "D") + serials.astype("int64")).astype("datetime64[ns]")


def _as_vector(rows: list[Sequence[Any]], arg: str) -> list[Any]:
    """The cells of a one-column (or one-row) range, top to bottom."""
    if not rows:
        return []
    if len(rows[0]) == 1:
        return [r[0] for r in rows]
    if len(rows) == 1:
        return list(rows[0])
    raise PortbetaError(f"{arg} must be one column, got {len(rows)} rows x {len(rows[0])} columns")


def read_vector(raw: Any, arg: str, what: str = "a number") -> Cells:
    """A one-column (or one-row) range of numbers as a column ``Cells`` (rows, 1)."""
    cells = read_numbers(raw, arg, what)
    rows, cols = cells.shape
    if cols == 1 or rows == 0:
        return cells
    if rows == 1:
        return Cells(cells.values.reshape(-1, 1), None, cells.first_row)
    raise PortbetaError(f"{arg} must be one column, got {rows} rows x {cols} columns")


def read_cap(raw: Any) -> float | None:
    """A beta cap (1.2, or 120% typed as a number) from one cell; None when left out.
    Text is never read as a number (``"120%"`` typed as text is an error, as rf's)."""
    if omitted(raw, "cap"):
        return None
    value = single_value(raw, "cap")
    if not isinstance(raw, (float, int)) and omitted(value, "cap"):  # a 1 x 1 range of a blank
        return None
    if isinstance(value, str):
        problem = "a number stored as text: enter 1.2 (or 120%) as a number, in a cell not formatted as text"
        raise PortbetaError(
            f"cap holds text {_show(value)}, {problem if any(c.isdigit() for c in value) else 'not a beta'}"
        )
    if not is_number(value) or not math.isfinite(value):
        raise PortbetaError(f"cap {_show(value)} is not a finite number: give the beta cap as a number, e.g. 1.2")
    return float(value)


def read_frequency(raw: Any, has_dates: bool) -> str | None:
    """'daily', 'weekly' or 'monthly' from what the user typed; None when left out (the
    rows as given, their periods per year read off the dates)."""
    if omitted(raw, "frequency"):
        return None
    key = str(raw).strip().lower() if isinstance(raw, str) else None
    if key not in _FREQUENCY_ALIASES:
        raise PortbetaError(f'frequency {_show(raw)} is unknown: use "daily", "weekly" or "monthly"')
    frequency = _FREQUENCY_ALIASES[key]
    if frequency != "daily" and not has_dates:
        raise PortbetaError(f'frequency "{frequency}" needs dates: pass the dates range')
    return frequency
