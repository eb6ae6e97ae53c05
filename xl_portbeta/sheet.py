"""Results as cell values: never NaN (Office.js would show #NUM!), None for an empty cell.

This module turns the API's results into the cells of the Excel functions and nothing
else: the tables' rows and columns are declared in :mod:`xl_portbeta.tables` (below the
API), and read from there here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import tables  # the tables' rows and columns, read at call time (one place to change them)
from .api import ByBenchmark
from .errors import PortbetaError

if TYPE_CHECKING:  # annotations only; sheet is above the API (api imports nothing from here)
    from .api import AssetStats, BookBetas, GapDetail, PortfolioStats, RollingAssetBetas, RollingBeta
    from .currencies import ConvertedPrices

__all__ = [
    "LabelledTable",
    "asset_rolling_table",
    "asset_stats_table",
    "betas_rows",
    "blocks",
    "book_table",
    "cell",
    "detail_table",
    "figure",
    "history",
    "label_cells",
    "labelled_rows",
    "number",
    "officejs_cells",
    "prices_table",
    "rolling_table",
    "row",
    "stats_table",
]  # fmt: skip


def number(value: float) -> float:
    """A finite float for one cell; a non-finite one is a bug, reported as an error."""
    value = float(value)
    if not math.isfinite(value):
        raise PortbetaError("the result is not a finite number; please report this input")
    return value


def cell(value: Any) -> Any:
    """A value for one cell of a table: NaN and None become an empty cell."""
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def row(values: Iterable[float]) -> list[list[float]]:
    """One spilled row of finite floats."""
    return [[number(v) for v in values]]


def prices_table(converted: ConvertedPrices) -> list[list[Any]]:
    """PRICES_IN: the prices' header row (when they had one), then each row of converted
    prices, an empty cell where a price or its rate is missing: what PORTBETA_* read."""
    rows: list[list[Any]] = [list(converted.names)] if converted.names is not None else []
    cells = converted.values.tolist()  # floats at C speed; the few missing ones (NaN) become empty cells
    for r, c in np.argwhere(np.isnan(converted.values)).tolist():
        cells[r][c] = None
    return rows + cells


def figure(result: Any, field: str) -> float | list[list[float]]:
    """One figure of a result (``field``: "reg", "wtd", "gap"): a number; with several
    benchmarks (a :class:`~xl_portbeta.api.ByBenchmark`), a row of one per benchmark in
    the market's column order."""
    if isinstance(result, ByBenchmark):
        return row(getattr(r, field) for r in result.results)
    return number(getattr(result, field))


def betas_rows(betas: np.ndarray) -> list[list[float]]:
    """ASSET_BETAS: one row of the assets' betas, one per benchmark with several."""
    return [[number(v) for v in r] for r in np.atleast_2d(betas)]


def blocks(result: Any, table: Callable[[Any], list[list[Any]]]) -> list[list[Any]]:
    """A table of ``result``; with several benchmarks, one block per benchmark stacked in
    the market's column order, each a heading row ("benchmark", its name) above the
    single-benchmark table. Rows are padded with empty cells to the widest."""
    if not isinstance(result, ByBenchmark):
        return table(result)
    parts = [table(r) for r in result.results]
    width = max(len(r) for part in parts for r in part)
    rows: list[list[Any]] = []
    for name, part in zip(result.benchmarks, parts, strict=True):
        rows.append(["benchmark", name, *[None] * (width - 2)])
        rows.extend(r + [None] * (width - len(r)) for r in part)
    return rows


def history(frame: pd.DataFrame) -> list[list[Any]]:
    """HOLDINGS_ON, HOLDINGS_FROM_TRADES: a header row of names (when the history has
    names), then one row per date, an empty cell where no holdings are known (before the
    first statement), so that PORTBETA_* read it as ``shares`` and drop those dates."""
    values = frame.to_numpy(dtype=float)
    rows: list[list[Any]] = [] if isinstance(frame.columns, pd.RangeIndex) else [[str(c) for c in frame.columns]]
    return rows + [[cell(v) for v in row] for row in values.tolist()]


def stats_table(stats: PortfolioStats) -> list[list[Any]]:
    """PORTBETA_STATS: a header, then one row per :class:`tables.StatRow`: label, actual
    holdings, current weights, difference, note."""
    table: list[list[Any]] = [list(tables.STATS_HEADER)]
    for r, values, note in tables.stats_values(stats):
        table.append([r.label, *(cell(v) for v in values), note])
    return table


def asset_stats_table(stats: AssetStats) -> list[list[Any]]:
    """ASSET_STATS: a header of the assets' names, then one row per
    :class:`tables.AssetStatRow`: its label, each asset's figure, the note."""
    table: list[list[Any]] = [tables.asset_stats_header(stats)]
    for r in tables.ASSET_STATS_ROWS:
        values = getattr(stats, r.key).tolist()
        table.append([r.label, *(cell(v) for v in values), r.note_of(stats)])
    return table


def detail_table(detail: GapDetail) -> list[list[Any]]:
    """BETA_GAP_DETAIL: one row per holding, then a total whose contribution is BETA_GAP."""
    columns = tables.DETAIL_COLUMNS[1:]
    values = [c.of(detail) for c in columns]
    rows: list[list[Any]] = [[c.header for c in tables.DETAIL_COLUMNS]]
    for k, name in enumerate(detail.result.names):
        rows.append([name] + [cell(float(v[k])) for v in values])
    rows.append(["total"] + [cell(c.total(detail)) if c.total is not None else None for c in columns])
    return rows


def book_table(book: BookBetas) -> list[list[Any]]:
    """PORTBETA_BOOK: a header, then one row per account: its name, its figures and
    sample (:func:`tables.book_columns`), a note (an account without figures has empty
    figures and says why; one on other dates than most accounts' says which)."""
    columns = tables.book_columns(book.cap is not None)
    rows: list[list[Any]] = [[c.header for c in columns]]
    values = [c.of(book) for c in columns[1:-1]]
    for k, (account, note) in enumerate(zip(book.accounts, columns[-1].of(book), strict=True)):
        figures = [None] * len(values) if book.notes[k] else [_book_cell(v[k]) for v in values]
        rows.append([account, *figures, note or None])
    return rows


def _book_cell(value: Any) -> Any:
    """One cell of the book: a numpy number as Python's (empty where not finite), a date as a datetime."""
    if isinstance(value, np.generic):
        return cell(value.item())
    return tables.label(value) if value is not None else None


# --------------------------------------------------------------------- PORTBETA_ROLLING


def label_cells(label_values: np.ndarray) -> list[Any]:
    """:func:`tables.label` of every sample label, from their values (dates as
    ``datetime64``, or row numbers).

    The dates (naive, as the sample keeps them) become datetimes all at once through
    datetime64[us], in C: much faster in Pyodide than ``to_pydatetime`` one by one
    (bench/NOTES.md), and the same microseconds."""
    if label_values.dtype.kind == "M":
        return label_values.astype("datetime64[us]").tolist()
    return label_values.tolist()


def labelled_rows(label_values: np.ndarray, figures: np.ndarray) -> list[list[Any]]:
    """One row per label: the label (:func:`label_cells`), then that row of ``figures``
    (2-D) as numpy floats, None where not finite.

    numpy floats, not Python floats: xlwings' per-cell return converter
    (``prepare_xl_data_element``) makes the same float of both in every runtime, but
    in Office.js takes a shorter branch for numpy numbers (bench/NOTES.md)."""
    n = figures.shape[1]
    flat = list(figures.ravel())  # one pass over a 1-D array: its numpy floats
    ends = label_cells(label_values)
    rows = [[end, *flat[k : k + n]] for end, k in zip(ends, range(0, len(flat), n), strict=True)]
    missing = ~np.isfinite(figures)
    if missing.any():
        for r, c in np.argwhere(missing).tolist():
            rows[r][c + 1] = None
    return rows


class LabelledTable(list):
    """A table of one row per label (a window's end): the list of its rows, a header then
    :func:`labelled_rows`, as every caller sees it, which also keeps what it was made of
    (``header``, ``label_values``, ``figures``), so that a runtime can be handed all its cells
    at once (:func:`officejs_cells`) instead of through a converter called cell by cell."""

    def __init__(self, header: list[Any], label_values: np.ndarray, figures: np.ndarray) -> None:
        super().__init__([header, *labelled_rows(label_values, figures)])
        self.header, self.label_values, self.figures = header, label_values, figures


def officejs_cells(table: LabelledTable, date_format: str | None, runtime: str, header_cell: Any) -> list[list[Any]]:
    """The cells xlwings' Office.js return converter would send for ``table``, made at once.

    xlwings 0.37's ``prepare_xl_data_element`` (called per cell) sends a numpy float as
    ``float(x)``, None as "", and a datetime as its Excel serial ``timestamp() / 86400 + 25569``
    (UTC), or with ``runtime`` >= 1.4 and a ``date_format`` as ``{"type": "FormattedNumber",
    "basicValue": serial, "numberFormat": date_format}``. Here the figures become floats by one
    ``tolist()``, the serials come from the dates' microseconds in one array operation (the
    same float operations, so the same bits), and the header goes through ``header_cell``
    (xlwings' own per-cell function). Tested equal to xlwings' converter (tests/test_officejs.py)."""
    n = table.figures.shape[1]
    flat: list[Any] = table.figures.ravel().tolist()  # Python floats, as float(numpy float)
    missing = np.flatnonzero(~np.isfinite(table.figures.ravel())).tolist()
    for k in missing:
        flat[k] = ""  # a blank cell (None), as xlwings sends it
    rows = [flat[k : k + n] for k in range(0, len(flat), n)]
    labels: list[Any]
    if table.label_values.dtype.kind == "M":
        micros = table.label_values.astype("datetime64[us]")
        serials = (micros.astype(np.int64).astype(float) / 1e6 / 86400 + 25569).tolist()
        if float(runtime) >= 1.4 and date_format is not None:
            labels = [{"type": "FormattedNumber", "basicValue": v, "numberFormat": date_format} for v in serials]
        else:
            labels = serials
    else:
        labels = table.label_values.tolist()  # row numbers: Python ints, sent as they are
    return [[header_cell(h) for h in table.header], *([end, *row] for end, row in zip(labels, rows, strict=True))]


def _first_header(label_values: np.ndarray) -> str:
    return "date" if label_values.dtype.kind == "M" else "row"


def rolling_table(rolling: RollingBeta) -> LabelledTable:
    """PORTBETA_ROLLING: a header, then one row per window end: date, REG, WTD, GAP."""
    figures = np.column_stack([rolling.reg, rolling.wtd, rolling.gap])
    ends = rolling.label_values
    return LabelledTable([_first_header(ends), "REG", "WTD", "GAP"], ends, figures)


def asset_rolling_table(rolling: RollingAssetBetas) -> LabelledTable:
    """ASSET_BETAS_ROLLING: a header of asset names, then one row per window end: the
    date (or row), each asset's beta."""
    ends = rolling.label_values
    return LabelledTable([_first_header(ends), *rolling.sample.names], ends, rolling.betas)
