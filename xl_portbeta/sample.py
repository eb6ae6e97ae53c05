"""One common sample of dates for every figure, built from the raw arguments.

:func:`build_sample` takes these steps, each a function below:

1. **read** (:func:`read_arguments`): each range may carry a first row of text, a
   header (asset names for ``prices``); cells become floats, NaN where missing.
2. **align rows** (:func:`align_rows`): rows that are blank in *every* row-aligned range
   at the bottom are ignored (ranges selected larger than the data); then all those
   ranges must have the same rows.
3. **check values** (:func:`check_values`): values present but wrong (a price <= 0, a
   rate of 100% or more, an empty holdings column) are errors, never dropped rows; a
   column with a price <= 0 that looks like returns is told to give price levels.
4. **turn around** (:func:`oldest_first`): ``dates``, if given, must be strictly
   ascending or strictly descending; descending rows are turned around.
5. **complete rows** (:func:`complete_rows`): a per-row ``rf`` left blank after a rate
   carries that rate forward in time (:func:`carry_rates`: rates are quoted when they
   change); then a date is dropped where the market or any held asset's price is missing
   (blank or an error cell), or where a holdings-history row or a per-row ``rf`` is
   missing (an error cell, or a blank before the first rate). The next return then spans from the last kept
   date: no fake zero returns. How many dates each reason drops is kept
   (``Sample.dropped_why``) for the statistics' notes.
6. **resample** (:func:`resample`): with ``frequency`` weekly or monthly, the last kept
   row of each calendar week (Monday to Sunday) or month is kept. Without ``frequency``
   the rows are used as given, and their periods per year are read off the dates'
   spacing (:func:`sample_frequency`; without dates, daily is assumed and said so).
7. **resolve as_of** (:func:`resolve_as_of`): the weights of the weighted-average beta
   come from the last complete row on or before ``as_of`` (default: the last complete
   row), whatever the frequency.
8. **assemble** (:func:`assemble`): the kept rows, checked for a positive net value,
   as one immutable :class:`Sample`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from . import core
from .arguments import ARGUMENTS
from .errors import PortbetaError
from .holdings import on_dates, statement_problem
from .inputs import (
    SMALLEST_NORMAL,
    CellError,
    Cells,
    _bad_cell_message,
    _cell_to_date,
    _cell_to_float,
    _show,
    as_rows,
    bad_cell,
    cell_at,
    is_blank,
    omitted,
    read_dates,
    read_frequency,
    read_numbers,
    read_vector,
    single_value,
    whole_number,
)

__all__ = ["MIN_RETURNS", "Sample", "build_sample"]

MIN_RETURNS = 3


@dataclass(frozen=True)
class RowRule:
    """How a row-aligned argument beyond prices, market, dates, shares and rf is read,
    and its rule: a date where its value is missing is dropped, for ``reason``.

    Attributes
    ----------
    read : callable (raw, name) -> Cells
        Its reader, e.g. ``lambda raw, name: read_vector(raw, name, "a price level")``.
    reason : str
        Why a date is dropped where its value is missing (the statistics' note counts it).
    """

    read: Callable[[Any, str], Cells]
    reason: str


#: The readers and rules of the row-aligned arguments declared in
#: :data:`arguments.ARGUMENTS` beyond the five read above. A new one (a currency; several
#: benchmarks are market's columns instead) is its declaration there, its entry here, and
#: its figures. Empty on purpose until such an argument ships; tests/test_sample.py fills
#: it with a second benchmark, as an example of the mechanism.
ROW_RULES: dict[str, RowRule] = {}


@dataclass(frozen=True)
class Sample:
    """The validated, aligned data that every figure is computed from.

    Attributes
    ----------
    names : tuple of str
        Asset names, from the header row of ``prices`` (or ``shares``), else "asset 1"...
    prices : array (K, N)
        Prices on the K kept dates, oldest first, no NaN: the columns of ``price_gaps``
        are flat.
    holdings : array (N,) or (K, N)
        The shares held on every date (constant holdings), or on each kept date (a
        holdings history): the two shapes the core takes.
    market : array (K,)
        Benchmark levels on the kept dates.
    rf : array (K-1,)
        Per-period risk-free rate of each return period (the rate at its start).
    label_values : array (K,)
        The kept dates (``datetime64[ns]``) or, without dates, the prices range's row
        numbers: what :attr:`labels` are made of.
    labels : tuple (a property)
        The kept dates (``pandas.Timestamp``) or row numbers, made on first use: the
        one-number functions never ask for them (bench/NOTES.md).
    dropped : tuple
        Dates (or rows) dropped because some needed value was missing.
    frequency : str
        The return period: "daily", "weekly", "monthly", "quarterly" or "annual".
    frequency_source : str
        Where ``frequency`` comes from: "given" (the argument), "dates" (their spacing)
        or "assumed" (daily: neither was given).
    held : array (N,) of bool
        Assets with non-zero shares on some date.
    as_of : date or int
        The date (or row) whose holdings set ``weights_as_of``.
    weights_as_of : array (N,)
        Market-value weights at ``as_of``; zeros when no shares were given.
    shares_as_of : array (N,)
        The shares held at ``as_of``.
    price_gaps : array (N,) of bool
        Assets (never held) with a missing price on some kept date: their beta is unknown,
        and their column of ``prices`` is flat (1.0: returns 0, and no weight).
    dropped_why : tuple of (str, int)
        Why the dates in ``dropped`` were dropped: each reason of :data:`DROP_REASONS`
        (and of :data:`ROW_RULES`) that dropped some, with how many.
    columns : dict of str to array (K,)
        The row-aligned arguments of :data:`ROW_RULES` given, on the kept dates.
    rf_carried : int
        The return periods whose rate is carried forward from an earlier date: their
        first date's ``rf`` cell is blank (:func:`carry_rates`).
    benchmarks : tuple of str
        The benchmarks' names when ``market`` has several columns (its header row), in
        its column order; the first is the primary. Empty for one benchmark.
    markets : array (K, B), or None
        Every benchmark's levels on the kept dates when there are several (``market``
        is the first's); None for one. A date is kept only where every benchmark has a
        level, so that all benchmarks' figures share one sample (:meth:`by_benchmark`).
    value_as_of : float
        The holdings' net market value at ``as_of`` (NaN for the assets alone).
    """

    names: tuple[str, ...]
    prices: np.ndarray
    holdings: np.ndarray
    market: np.ndarray
    rf: np.ndarray
    label_values: np.ndarray
    dropped: tuple
    frequency: str
    frequency_source: str
    held: np.ndarray
    as_of: Any
    weights_as_of: np.ndarray
    shares_as_of: np.ndarray
    price_gaps: np.ndarray
    dropped_why: tuple = ()
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    rf_carried: int = 0
    benchmarks: tuple[str, ...] = ()
    markets: np.ndarray | None = None
    value_as_of: float = math.nan

    def by_benchmark(self) -> tuple[Sample, ...]:
        """One single-benchmark sample per benchmark, in the market's column order (the
        sample itself when there is one benchmark): the same dates, prices and weights,
        the market's levels those of that benchmark, ``benchmarks`` its name alone."""
        if self.markets is None:
            return (self,)
        return tuple(
            replace(self, market=self.markets[:, b], benchmarks=(name,), markets=None)
            for b, name in enumerate(self.benchmarks)
        )

    @property
    def has_history(self) -> bool:
        """Whether the shares change over time (a holdings history)."""
        return self.holdings.ndim == 2

    @functools.cached_property
    def labels(self) -> tuple:
        """Each kept date (``pandas.Timestamp``) or row number, oldest first."""
        return tuple(labels_of(self.label_values))

    def label(self, k: int) -> Any:
        """The ``k``-th kept date or row (``-1``: the last), without making the others."""
        return label_at(self.label_values, k)

    @property
    def n_returns(self) -> int:
        return len(self.label_values) - 1

    @property
    def periods_per_year(self) -> int:
        return core.PERIODS_PER_YEAR[self.frequency]

    def span(self) -> str:
        """The sample in a few words, for the results' reprs: "251 daily returns 2022-01-03..2022-12-30"."""
        first, last = self.label(0), self.label(-1)
        where = f"rows {first}..{last}" if isinstance(first, (int, np.integer)) else f"{_day(first)}..{_day(last)}"
        if self.frequency_source == "assumed":
            return f"{self.n_returns} returns (daily assumed), {where}"
        return f"{self.n_returns} {self.frequency} returns {where}"

    def __repr__(self) -> str:  # the arrays would print thousands of numbers
        holdings = "a holdings history" if self.has_history else "constant shares"
        benchmarks = f"benchmarks {', '.join(self.benchmarks)}; " if self.markets is not None else ""
        return (
            f"Sample({len(self.names)} assets, {int(self.held.sum())} held, {holdings}; {benchmarks}{self.span()}; "
            f"{len(self.dropped)} dates dropped; as_of {_label(self.as_of)})"
        )


# --------------------------------------------------------------------- 1. read


@dataclass(frozen=True)
class Arguments:
    """The arguments read into cells, before their rows are aligned.

    Attributes
    ----------
    prices, market : Cells
    shares : Cells
        One row of counts (constant holdings) or one row per date (``history``).
    history : bool
    dates : array of datetime64, or None
        NaT where a date cell is missing.
    date_cells : Cells, or None
        The dates' rows as NaN (missing) or 0, for the row bookkeeping of step 2.
    frequency : str or None
        None when left out: the rows as given.
    rf_constant : float, or None
        One annual rate; None when ``rf_cells`` holds one per row.
    rf_cells : Cells, or None
    rf_blank : array of bool, or None
        With ``rf_cells``: the rows whose rate cell is blank (they carry the rate above
        forward); an error cell is missing data, not a blank.
    portfolio : bool
        False for the assets alone (ASSET_BETAS): no shares, every asset needed.
    columns : dict of str to Cells
        The row-aligned arguments of :data:`ROW_RULES` given.
    """

    prices: Cells
    market: Cells
    shares: Cells
    history: bool
    dates: np.ndarray | None
    date_cells: Cells | None
    frequency: str | None
    rf_constant: float | None
    rf_cells: Cells | None
    portfolio: bool
    columns: dict[str, Cells] = field(default_factory=dict)
    rf_blank: np.ndarray | None = None


def read_arguments(
    prices: Any, shares: Any, market: Any, dates: Any, frequency: Any, rf: Any, portfolio: bool, **columns: Any
) -> Arguments:
    """Step 1: every argument read, each range's header split off; a bad cell of a range
    with a row per date is reported with its row's date. ``columns``: the row-aligned
    arguments of :data:`ROW_RULES`, by name."""
    prices, shares, market, dates, rf = map(unmasked, (prices, shares, market, dates, rf))
    columns = {name: unmasked(value) for name, value in columns.items()}
    dates = None if omitted(dates, "dates") else dates
    rf = _dated_rates(rf, prices, dates)
    shares = _dated_holdings(shares, prices, dates)
    dates = _pandas_dates(prices, {"market": market, "shares": shares, "rf": rf, **columns}, dates)
    try:
        args = _read_arguments(prices, shares, market, dates, frequency, rf, portfolio)
        return replace(args, columns=_read_columns(columns)) if columns else args
    except CellError as error:
        raise _dated(error, dates) from None


def _read_columns(columns: dict[str, Any]) -> dict[str, Cells]:
    """The row-aligned arguments of :data:`ROW_RULES` given, each read by its reader."""
    read = {}
    for name, raw in columns.items():
        if name not in ROW_RULES or not ARGUMENTS[name].row_aligned:
            raise TypeError(f"build_sample() got an unexpected keyword argument {name!r}")
        if not omitted(raw, name):
            read[name] = ROW_RULES[name].read(raw, name)
    return read


def _dated(error: CellError, dates: Any) -> CellError:
    """``error`` with the date of its cell's row, when the dates can be read."""
    if dates is None or error.n_rows < 2:  # one row of shares, one rate: no date of theirs
        return error
    try:
        values = read_dates(dates)[0]
    except PortbetaError:  # reported once the bad cell is fixed
        return error
    return error.dated(values[error.data_row]) if error.data_row < len(values) else error


def _read_arguments(
    prices: Any, shares: Any, market: Any, dates: Any, frequency: Any, rf: Any, portfolio: bool
) -> Arguments:
    price_cells = read_numbers(prices, "prices", "a price")
    n_assets = price_cells.shape[1]
    if n_assets == 0:
        raise PortbetaError("prices is empty")
    market_cells = read_market(market)
    date_values = date_cells = None
    if dates is not None:
        date_values, date_header, date_first = read_dates(dates)
        # NaT as NaN so that the row bookkeeping treats all ranges alike
        date_cells = Cells(np.where(np.isnat(date_values), np.nan, 0.0).reshape(-1, 1), date_header, date_first)
    frequency = read_frequency(frequency, dates is not None)
    rf_constant, rf_cells = _read_rf(rf)
    rf_blank = _rf_blanks(rf, rf_cells) if rf_cells is not None else None
    if portfolio:
        share_cells, history = _read_shares(shares, n_assets, price_cells.header)
    else:
        share_cells, history = Cells(np.ones((1, n_assets)), None, 1), False
    return Arguments(
        price_cells, market_cells, share_cells, history, date_values, date_cells, frequency, rf_constant, rf_cells,
        portfolio, rf_blank=rf_blank,
    )  # fmt: skip


def read_market(raw: Any) -> Cells:
    """The market's levels: one column (or row), or B columns of benchmarks named by a
    header row (a DataFrame's columns), kept as (T, B) with the names as the header."""
    cells = read_numbers(raw, "market", "a price level")
    rows, cols = cells.shape
    if cols == 1 or rows == 0 or (rows == 1 and cells.header is None):
        return read_vector(raw, "market", "a price level") if cols > 1 else cells
    header = cells.header
    if header is None:
        raise PortbetaError(
            f"market is {rows} rows x {cols} columns: give one column of levels, or name each benchmark's "
            "column in a header row (SPX, ACWI) to compare several"
        )
    if "" in header:
        raise PortbetaError(f"market's header has a blank name (column {header.index('') + 1}): name each benchmark")
    if len(set(header)) < len(header):
        repeated = next(name for k, name in enumerate(header) if name in header[:k])
        raise PortbetaError(f"market's header names {repeated!r} twice: name each benchmark once")
    return cells


def _pandas_dates(prices: Any, others: dict[str, Any], dates: Any) -> Any:
    """Prices indexed by date give the dates (unless dates are passed), and every other
    pandas argument indexed by date must have the same dates: pandas users expect
    alignment by date, and a positional match of other dates would be a wrong number.
    Dates of any kind count as dates (a DatetimeIndex, a PeriodIndex, dates as ISO text or
    ``datetime.date``): matched as dates, or refused."""
    if isinstance(dates, (pd.Index, pd.Series)) and not isinstance(dates, pd.DatetimeIndex):
        # passed as dates: periods and ISO text are dates, as in an index
        values = pd.Index(dates.array if isinstance(dates, pd.Series) else dates)
        try:
            as_dates = _index_dates(pd.Series(np.zeros(len(values)), index=values), "dates")
        except PortbetaError:  # partly dates (a header cell above them): read as cells are
            as_dates = None
        dates = dates if as_dates is None else as_dates
    index = _index_dates(prices, "prices")
    if index is None:
        return dates
    for arg, value in others.items():
        other = _index_dates(value, arg)
        if other is not None and not other.equals(index):
            raise PortbetaError(
                f"{arg} is indexed by other dates than prices: align them first, e.g. {arg}.reindex(prices.index)"
            )
    return index if dates is None else dates


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]|$)")  # 2024-06-28, with a time or not


def _index_dates(value: Any, arg: str) -> pd.DatetimeIndex | None:
    """The dates a pandas argument is indexed by (periods by their start), or None for an
    index of no dates (positions, names); an index of text partly dates is refused."""
    if not isinstance(value, (pd.DataFrame, pd.Series)):
        return None
    index = value.index
    if isinstance(index, pd.DatetimeIndex):
        return index
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp()
    if index.dtype.kind not in "OUS" and not isinstance(index.dtype, pd.StringDtype):
        return None  # positions or numbers: rows as given
    looks = [isinstance(v, dt.date) or (isinstance(v, str) and _ISO_DATE.match(v) is not None) for v in index]
    if not any(looks):
        return None  # names, not dates
    parsed = pd.to_datetime(pd.Series(index, dtype=object).astype(str), errors="coerce", format="ISO8601")
    if not all(looks) or parsed.isna().any():
        bad = index[int(np.flatnonzero(~np.array(looks) | parsed.isna().to_numpy())[0])]
        raise PortbetaError(
            f"{arg} is indexed by dates and {bad!r}, which is not an ISO date (2024-06-28): index it by dates "
            f"({arg}.index = pd.to_datetime(...)) or by positions"
        )
    return pd.DatetimeIndex(parsed)


def unmasked(value: Any) -> Any:
    """A masked numpy array with its masked cells missing (NaN, NaT), as a blank cell is:
    numpy's own conversion would hand over the values under the mask."""
    if not isinstance(value, np.ma.MaskedArray):
        return value
    if value.dtype.kind in "biuf":
        return np.ma.filled(value.astype(float), np.nan)
    if value.dtype.kind == "M":
        nat: Any = np.array("NaT", dtype=value.dtype)[()]  # NaT in the array's own unit (not numpy's generic one)
        return value.filled(nat)
    cells = np.array(value.data, dtype=object)  # text: a masked cell is a blank (filled() would write '?')
    cells[np.ma.getmaskarray(value)] = None
    return cells


def _read_rf(raw: Any) -> tuple[float | None, Cells | None]:
    """A constant annual rate, or a per-row range of annual rates."""
    if omitted(raw, "rf"):
        return 0.0, None
    if type(raw) is float and math.isfinite(raw):  # one rate, as Python passes it: no range to read
        return raw, None
    rows = as_rows(raw) if isinstance(raw, (str, list, tuple)) else None
    if rows and len(rows) == 1 and len(rows[0]) == 1 and isinstance(rows[0][0], str):
        # one text cell would read as a header row above no rates
        text = rows[0][0]
        number = "a number stored as text: enter 5% as a number (5% or 0.05 in a cell not formatted as text)"
        raise PortbetaError(
            f"rf holds text {_show(text)}, {number if any(ch.isdigit() for ch in text) else 'not a rate'}"
        )
    cells = read_vector(raw, "rf", "a rate")
    if cells.shape == (1, 1):
        value = float(cells.values[0, 0])
        if np.isnan(value):
            raise PortbetaError("rf is an error value: give a rate, or leave rf out")
        return value, None
    return None, cells


def _prices_days(prices: Any, dates: Any) -> np.ndarray | None:
    """The prices' dates as datetime64 when pandas or numpy hold them (the prices' index,
    or ``dates`` as datetimes); None otherwise (Excel's cells: read later)."""
    index = _index_dates(prices, "prices") if dates is None else dates
    if not isinstance(index, (pd.DatetimeIndex, pd.Series, np.ndarray)) or not pd.api.types.is_datetime64_any_dtype(
        index
    ):
        return None
    return np.asarray(pd.DatetimeIndex(index), dtype="datetime64[ns]")


def _same_days(days: np.ndarray, index: pd.DatetimeIndex) -> bool:
    return len(days) == len(index) and bool((days == np.asarray(index, dtype="datetime64[ns]")).all())


def _dated_holdings(shares: Any, prices: Any, dates: Any) -> Any:
    """``shares`` as a DataFrame indexed by its own dates (statements, e.g. month-end), as
    the holdings history on the prices' dates (:func:`holdings.holdings_on`: each date the
    last statement on or before it, blank before the first); anything else as it is."""
    stated = _index_dates(shares, "shares") if isinstance(shares, pd.DataFrame) else None
    days = None if stated is None else _prices_days(prices, dates)
    if stated is None or days is None or _same_days(days, stated):
        return shares
    stated_days = np.asarray(stated, dtype="datetime64[ns]")
    problem = statement_problem(days, stated_days, lambda k: f"shares' index (row {k + 1})")
    if problem is not None:
        raise PortbetaError(f"{problem}; or give shares on exactly the prices' dates")
    values = on_dates(days, stated_days, read_numbers(shares, "shares", "a share count").values)
    index = _index_dates(prices, "prices")
    return pd.DataFrame(values, index=index if index is not None else pd.DatetimeIndex(days), columns=shares.columns)


def _dated_rates(rf: Any, prices: Any, dates: Any) -> Any:
    """``rf`` as a pandas Series indexed by its own dates (rates quoted when they change,
    e.g. monthly; periods by their start), as one rate cell per date of the prices
    (:func:`rates_on_dates`); anything else as it is. The dates are the prices' index, or
    ``dates`` as datetimes."""
    quoted = _index_dates(rf, "rf") if isinstance(rf, pd.Series) else None
    days = None if quoted is None else _prices_days(prices, dates)
    if quoted is None or days is None:
        return rf
    if _same_days(days, quoted):
        return rf  # a rate per date: as it is
    if not quoted.is_unique:
        raise PortbetaError(f"rf is dated {quoted[quoted.duplicated()][0]:%Y-%m-%d} twice: give each rate once")
    quotes = pd.Series(read_vector(rf.to_numpy(), "rf", "a rate").values[:, 0], index=quoted).sort_index()
    return rates_on_dates(days, np.asarray(quotes.index, dtype="datetime64[ns]"), quotes.to_numpy())


def rates_on_dates(dates: np.ndarray, quoted: np.ndarray, rates: np.ndarray) -> list[list[Any]]:
    """Rates quoted on their own dates as one ``rf`` cell per date of ``dates`` (any
    order): each date takes the last rate quoted on or before it. The first date after
    a new quote holds it (NaN for a quote that is missing data), the dates after it are
    blank cells that carry it (:func:`carry_rates` counts them), and the dates before
    the first quote are blanks too, dropped as missing a rate. ``quoted``: ascending."""
    order = np.argsort(dates, kind="stable")  # in time, whatever the rows' order
    last = np.searchsorted(quoted.astype("datetime64[ns]"), dates[order].astype("datetime64[ns]"), side="right") - 1
    new = (last >= 0) & np.append(True, last[1:] != last[:-1])
    cells: list[list[Any]] = [[None] for _ in range(len(dates))]
    for position, quote in zip(order[new].tolist(), last[new].tolist(), strict=True):
        cells[position] = [float(rates[quote])]
    return cells


def _rf_blanks(raw: Any, cells: Cells) -> np.ndarray:
    """Which of the rates' rows are blank cells (:func:`inputs.is_blank`), not error
    cells: only a blank carries the rate above it forward. NaN in a numeric array or a
    pandas object is not a number, as the classifier says: missing data, never carried."""
    missing = np.isnan(cells.values[:, 0])
    if not missing.any() or isinstance(raw, np.ndarray | pd.Series | pd.DataFrame | pd.Index):
        return np.zeros(len(missing), dtype=bool)
    rows = as_rows(raw)
    flat = [cell for row in rows[cells.first_row - 1 :] for cell in row] if rows else []
    if len(flat) != len(missing):  # a shape the reader took otherwise: nothing is carried
        return np.zeros(len(missing), dtype=bool)
    blank = np.zeros(len(missing), dtype=bool)
    for k in np.flatnonzero(missing).tolist():
        blank[k] = is_blank(flat[k])
    return blank


def _read_shares(raw: Any, n_assets: int, names: tuple[str, ...] | None) -> tuple[Cells, bool]:
    """The shares range and whether it is a history (T x N) rather than one row of N.

    When both shares and prices name their assets, each count goes to the asset of its
    name (the columns may come in another order); names that differ are an error.
    """
    if is_blank(raw):
        raise PortbetaError("shares is missing: give one row of share counts, or one row per date")
    # a dict from Python; Office.js sends one cell's error or linked value as a dict with a "type"
    by_name = isinstance(raw, dict) and "type" not in raw
    if by_name or (isinstance(raw, pd.Series) and not isinstance(raw.index, pd.RangeIndex)):
        return Cells(counts_by_name(raw, names).reshape(1, n_assets), names, 1), False
    cells = columns_by_name(read_numbers(raw, "shares", "a share count"), names)
    rows, cols = cells.shape
    if (rows, cols) in ((1, n_assets), (n_assets, 1)):
        values = cells.values.reshape(1, n_assets)
        if np.isnan(values).any():
            k = int(np.flatnonzero(np.isnan(values))[0])
            where = f"column {k + 1}" if rows == 1 else f"row {cells.first_row + k}"
            if cells.header is not None and cells.header == names:  # matched by name: the asset, not a position
                where = f"of {names[k]}"
            raise PortbetaError(f"shares {where} is empty or an error: enter 0 for an asset not held")
        return Cells(values, cells.header, cells.first_row), False
    if cols == n_assets:
        return cells, True
    raise PortbetaError(
        f"shares is {rows} x {cols}: give one row (or column) of {n_assets} share counts, "
        f"or one row per date with {n_assets} columns like prices"
    )


def counts_by_name(raw: dict | pd.Series, names: tuple[str, ...] | None) -> np.ndarray:
    """One share count per price column from counts keyed by asset name (a dict, or a
    Series indexed by ticker): names matched exactly, as a header row's are; an asset
    left out is not held (0); a name prices does not have is an error."""
    kind = "a dict" if isinstance(raw, dict) else "a Series indexed by name"
    if not names or "" in names:
        raise PortbetaError(
            f"shares is {kind}: prices need a name for every column to match it (a header row, or a "
            "DataFrame's columns); or give the counts in the column order of prices"
        )
    if len(set(names)) < len(names):  # a count by name would go to one of the two columns
        repeated = next(name for k, name in enumerate(names) if name in names[:k])
        raise PortbetaError(
            f"shares is {kind}, and prices names {repeated!r} twice: name each column once to match counts by name"
        )
    items = list(raw.items())
    try:
        keys = [str(k) for k, _ in items]
    except Exception:  # noqa: BLE001 - a key whose __str__ raises: no name to match
        raise PortbetaError("shares has a name that cannot be read as text: give tickers as strings") from None
    if len(set(keys)) < len(keys):
        repeated = next(k for i, k in enumerate(keys) if k in keys[:i])
        raise PortbetaError(f"shares names {repeated!r} twice: give each asset's count once")
    position = {name: k for k, name in enumerate(names)}
    unknown = [k for k in keys if k not in position]
    if unknown:
        folded = {name.strip().casefold(): name for name in names}
        shown = [f"{k!r}" + (f" (prices has {folded[k.strip().casefold()]!r})" if k.strip().casefold() in folded else "")
                 for k in unknown[:5]]  # fmt: skip
        raise PortbetaError(
            f"shares has names that prices does not have: {', '.join(shown)}{', ...' if len(unknown) > 5 else ''}; "
            "names are matched exactly (case too), as a header row's, and assets left out are not held"
        )
    counts = np.zeros(len(names))
    for key, (_, value) in zip(keys, items, strict=True):
        count = _cell_to_float(value)
        if count is None:
            raise PortbetaError(f"shares[{key!r}] {_bad_cell_message(value, 'a share count')}")
        if math.isnan(count):  # a blank count is no 0: it says nothing
            raise PortbetaError(f"shares[{key!r}] is {_show(value)}: give a number of shares (0 for an asset not held)")
        counts[position[key]] = count
    return counts


def columns_by_name(cells: Cells, names: tuple[str, ...] | None, arg: str = "shares") -> Cells:
    """``arg``'s columns (share counts) put in the order of the prices' names, when both
    have names. A header naming only some of the prices' columns holds the others at 0
    (as a dict of counts does); a name prices does not have is an error naming it."""
    labels = cells.header
    if not names or not labels or labels == names:
        return cells
    if len(labels) != len(names) and not set(labels) & set(names):
        return cells  # a title over a column of counts ("shares"), not names: read by position
    for owner, header in ((arg, labels), ("prices", names)):
        # names in another order decide which count meets which asset: each must be there, once
        if "" in header:
            raise PortbetaError(
                f"the header of {owner} has a blank name (column {header.index('') + 1}): with names in "
                f"{arg} and prices, name every column, so that each count meets its asset"
            )
        if len(set(header)) < len(header):
            repeated = next(name for k, name in enumerate(header) if name in header[:k])
            raise PortbetaError(
                f"the header of {owner} names {repeated!r} twice: with names in {arg} and prices, each name "
                "once, so that each count meets its asset"
            )
    position = {name: k for k, name in enumerate(names)}  # a dict: 20,000 names in O(N)
    unknown = [name for name in labels if name not in position]
    if unknown:  # a misspelt ticker is never an asset silently not held
        folded = {name.strip().casefold(): name for name in names}
        shown = [name + (f": prices has {folded[name.strip().casefold()]}" if name.strip().casefold() in folded
                         else "") for name in sorted(unknown)[:5]]  # fmt: skip
        raise PortbetaError(
            f"{arg} has names that prices does not have ({', '.join(shown)}{', ...' if len(unknown) > 5 else ''}): "
            "names are matched exactly (case too); the prices' columns it does not name are not held"
        )
    values = np.zeros((cells.values.shape[0], len(names)))
    values[:, [position[name] for name in labels]] = cells.values
    return Cells(values, names, cells.first_row)


# --------------------------------------------------------------------- 2. align rows


@dataclass(frozen=True)
class Rows:
    """The row-aligned data of one call: row t of every array is the same date.

    Attributes
    ----------
    prices : array (T, N)
        NaN where a price is missing.
    market : array (T,)
    holdings : array (N,) or (T, N)
        Constant shares, or the history (NaN where a count is missing).
    rows : array (T,) of int
        Each row's number within the prices range, as the user counts it.
    dates : array (T,) of datetime64, or None
    rf : array (T,), or None
        Annual rates per row, when given per row.
    rf_blank : array (T,) of bool, or None
        With ``rf``: the rows whose rate cell is blank; after :func:`carry_rates`, those
        that took the rate of an earlier date.
    gaps : array (T,) of bool
        Rows with a missing price.
    """

    prices: np.ndarray
    market: np.ndarray
    holdings: np.ndarray
    rows: np.ndarray
    dates: np.ndarray | None
    rf: np.ndarray | None
    gaps: np.ndarray
    names: tuple[str, ...] | None = None  # the prices' header, for messages
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # of ROW_RULES' arguments: (T,), NaN where missing
    rf_blank: np.ndarray | None = None
    markets: np.ndarray | None = None  # (T, B) with several benchmarks; market is the first column

    @property
    def every_market(self) -> np.ndarray:
        """Every benchmark's levels (T, B): one column for one benchmark."""
        return self.markets if self.markets is not None else self.market.reshape(-1, 1)

    @property
    def label_values(self) -> np.ndarray:
        """Each row's date (``datetime64[ns]``), or its row number without dates."""
        return self.dates if self.dates is not None else self.rows

    def labels_at(self, positions: Any) -> list[Any]:
        """The labels of the rows at ``positions`` alone."""
        return labels_of(self.label_values[positions])


def label_at(values: np.ndarray, k: int) -> Any:
    """The label of row ``k`` of ``values`` alone (:func:`labels_of`)."""
    return labels_of(values[[k]])[0]


def labels_of(values: np.ndarray) -> list[Any]:
    """Rows' labels: each date (``datetime64``) as a ``pandas.Timestamp``, or each row number.

    A few dates (a sample's first and last) one by one: a DatetimeIndex costs several
    times more to make than to walk (14 us against 2 us a date in CPython)."""
    if values.dtype.kind != "M":
        return values.tolist()
    return list(map(pd.Timestamp, values)) if len(values) <= 16 else list(pd.DatetimeIndex(values))


def align_rows(args: Arguments) -> Rows:
    """Step 2: bottom rows blank in every range trimmed, then one row count for all."""
    ranges = {
        "prices": args.prices,
        "market": args.market,
        "dates": args.date_cells,
        "shares": args.shares if args.history else None,
        "rf": args.rf_cells,
        **args.columns,
    }
    n_rows = _same_rows(ranges)
    if n_rows == 0:
        raise PortbetaError("prices holds no data rows")
    prices = args.prices.values[:n_rows]
    # One sum per row tells where prices are missing (NaN): the reader has it already.
    row_sums = args.prices.row_sums[:n_rows] if args.prices.row_sums is not None else prices.sum(axis=1)
    return Rows(
        prices=prices,
        market=args.market.values[:n_rows, 0],
        holdings=args.shares.values[:n_rows] if args.history else args.shares.values[0],
        rows=np.arange(n_rows) + args.prices.first_row,
        dates=args.dates[:n_rows] if args.dates is not None else None,
        rf=args.rf_cells.values[:n_rows, 0] if args.rf_cells is not None else None,
        gaps=np.isnan(row_sums),
        names=args.prices.header,
        columns={name: cells.values[:n_rows, 0] for name, cells in args.columns.items()},
        rf_blank=args.rf_blank[:n_rows] if args.rf_blank is not None else None,
        markets=args.market.values[:n_rows] if args.market.shape[1] > 1 else None,
    )


def _same_rows(ranges: dict[str, Cells | None]) -> int:
    """Trim bottom rows blank in every range, then insist on one row count."""
    present = {k: v for k, v in ranges.items() if v is not None}
    filled = max(_last_filled_row(c.values) for c in present.values())
    lengths = {k: len(c.values) for k, c in present.items()}
    short = {k: n for k, n in lengths.items() if n < filled}
    if short:
        longest = max(lengths, key=lambda k: lengths[k])
        name, n = next(iter(short.items()))
        header_note = "" if present[name].header is None else " after its header row"
        raise PortbetaError(
            f"{name} has {n} rows{header_note} but {longest} has {lengths[longest]} "
            f"({lengths[longest] - n} fewer): the ranges must cover the same dates"
        )
    return filled


def _last_filled_row(values: np.ndarray) -> int:
    if len(values) and not np.isnan(values[-1]).all():
        return len(values)  # the common case, without a pass over the whole range
    filled = ~np.isnan(values).all(axis=1)
    return int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0


# --------------------------------------------------------------------- 3. check values


def check_values(rows: Rows, args: Arguments) -> np.ndarray:
    """Step 3: values that are present but wrong are errors, never dropped rows.

    Returns
    -------
    held : array (N,) of bool
        The assets held on some date (every asset for the assets alone).
    """
    prices = rows.prices
    if (prices.min() <= 0) if not rows.gaps.any() else (prices <= 0).any():
        r, c = (int(i) for i in np.argwhere(prices <= 0)[0])
        header = args.prices.header
        name = f" ({header[c]!r})" if header and len(header) == prices.shape[1] and header[c] else ""
        hint = _returns_hint(prices[:, c], f"prices column {c + 1}{name}")
        if hint:
            raise PortbetaError(hint)
        what = f"is {prices[r, c]:g}: prices must be positive"
        raise bad_cell("prices", args.prices.first_row, r, c, prices.shape[1], what, args.prices.header, _date(rows, r))
    markets = rows.every_market
    if (markets <= 0).any():
        r, c = (int(i) for i in np.argwhere(markets <= 0)[0])
        several = markets.shape[1] > 1
        names = args.market.header or ()
        hint = _returns_hint(markets[:, c], f"market column {c + 1} ({names[c]!r})" if several else "market")
        if hint:
            raise PortbetaError(hint)
        what = f"is {markets[r, c]:g}: market levels must be positive"
        raise bad_cell("market", args.market.first_row, r, c if several else None, markets.shape[1], what,
                       args.market.header, _date(rows, r))  # fmt: skip
    if rows.rf is not None and args.rf_cells is not None:  # a rate per row (the two go together)
        bad = np.abs(np.nan_to_num(rows.rf)) >= 1.0
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise bad_cell("rf", args.rf_cells.first_row, r, None, 1, _rate_problem(rows.rf[r]), args.rf_cells.header,
                           _date(rows, r))  # fmt: skip
    elif args.rf_constant is not None and abs(args.rf_constant) >= 1.0:
        raise PortbetaError(f"rf {_rate_problem(args.rf_constant)}")
    return _held(rows.holdings, args.portfolio)


def _returns_hint(column: np.ndarray, where: str) -> str | None:
    """The message for a column with a non-positive value that looks like returns, not
    price levels: a tenth or more of its values negative, or all within (-1, 1) with a
    negative. Asked only once the column is an error anyway: cheap positive prices (a
    penny stock at 0.05) are never refused for looking small."""
    values = column[~np.isnan(column)]
    negative = values < 0
    if not (negative.mean() >= 0.1 or (negative.any() and np.abs(values).max() < 1.0)):
        return None
    return (
        f"{where} looks like returns (values between {values.min():.3g} and {values.max():.3g}): "
        "give price levels, not returns"
    )


def _date(rows: Rows, r: int) -> Any:
    return rows.dates[r] if rows.dates is not None else None


def _rate_problem(rate: float) -> str:
    return f"is {rate:g}, {rate * 100:g}% a year: enter annual rates as decimals (5% or 0.05)"


def annual_rate(rate: float, what: str) -> float:
    """``rate`` as an annual rate, by rf's rule: 100% a year or more is a percent typed as a
    number (5 for 5%), refused. ``what`` names it ("premium", "--rf-valuation")."""
    if abs(rate) >= 1.0:
        raise PortbetaError(f"{what} {_rate_problem(rate)}")
    return rate


def _held(holdings: np.ndarray, portfolio: bool) -> np.ndarray:
    if not portfolio:
        return np.ones(len(holdings), dtype=bool)
    if holdings.ndim == 2:
        empty_columns = np.isnan(holdings).all(axis=0)
        if empty_columns.any():
            c = int(np.flatnonzero(empty_columns)[0])
            raise PortbetaError(f"shares column {c + 1} has no numbers: enter 0 for an asset not held")
        held = ((holdings != 0) & ~np.isnan(holdings)).any(axis=0)
    else:
        held = holdings != 0
    if not held.any():
        raise PortbetaError("shares are all 0: the portfolio holds nothing")
    return held


def asset_names(args: Arguments) -> tuple[str, ...]:
    """The names from the prices' header (or the shares'), "asset k" where there is none."""
    n_assets = args.prices.shape[1]
    header = args.prices.header or args.shares.header
    if header is not None and len(header) == n_assets:
        return tuple([name or f"asset {i + 1}" for i, name in enumerate(header)])
    return _default_names(n_assets)


@functools.lru_cache(maxsize=8)
def _default_names(n_assets: int) -> tuple[str, ...]:
    """ "asset 1", "asset 2", ...: the names of assets without a header (made once per size)."""
    return tuple([f"asset {i + 1}" for i in range(n_assets)])


# --------------------------------------------------------------------- 4. turn around


def oldest_first(rows: Rows, first_date_row: int | None) -> Rows:
    """Step 4: every date present and each once, in order; newest-first rows turned around."""
    if rows.dates is None or first_date_row is None:  # the two go together
        return rows
    if np.isnat(rows.dates).any():
        k = int(np.flatnonzero(np.isnat(rows.dates))[0])
        raise PortbetaError(f"dates row {first_date_row + k} is empty or an error: every row needs its date")
    if not _newest_first(rows.dates, first_date_row):
        return rows
    turned = {k: getattr(rows, k)[::-1] for k in ("prices", "market", "rows", "dates", "gaps")}
    if rows.holdings.ndim == 2:
        turned["holdings"] = rows.holdings[::-1]
    if rows.rf is not None:
        turned["rf"] = rows.rf[::-1]
    if rows.rf_blank is not None:
        turned["rf_blank"] = rows.rf_blank[::-1]
    if rows.markets is not None:
        turned["markets"] = rows.markets[::-1]
    if rows.columns:
        turned["columns"] = {name: values[::-1] for name, values in rows.columns.items()}
    return replace(rows, **turned)


def _newest_first(dates: np.ndarray, first_row: int) -> bool:
    """Check strict order; True when the dates run newest first."""
    steps = np.diff(dates.astype("datetime64[ns]").view("int64"))
    same = np.flatnonzero(steps == 0)
    if len(same):
        k = int(same[0])
        raise PortbetaError(
            f"dates rows {first_row + k} and {first_row + k + 1} are both {_day(dates[k])}: each date once"
        )
    back = steps < 0  # no step is 0 from here on: each is forward or back
    if not back.any():
        return False
    if back.all():
        return True
    # mostly oldest first (or a tie): the first step back is out of order, else the first forward
    k = int(np.flatnonzero(back if 2 * back.sum() <= len(back) else ~back)[0])
    raise PortbetaError(
        f"dates are not in order: row {first_row + k + 1} ({_day(dates[k + 1])}) follows row "
        f"{first_row + k} ({_day(dates[k])}); sort them oldest or newest first"
    )


def _day(value: Any) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")


# --------------------------------------------------------------------- 5. complete rows


#: Why a date is dropped, in the order they are counted: a date missing several values
#: counts once, for the first.
DROP_REASONS = ("missing prices or market", "blanks in the holdings history", "missing rf")


def carry_rates(rows: Rows) -> Rows:
    """Step 5's first part: a blank ``rf`` cell repeats the cell before it in time (rates
    are quoted when they change), so a rate holds until the next rate is given. Only
    blanks carry: an error cell (#N/A) is missing data, its date is dropped, and the blanks
    after it repeat it (a quote that failed says nothing of its dates), as do blanks
    before the first rate. Runs on the rows oldest first, whatever order they came in.
    ``rf_blank`` then marks the rows that took an earlier date's rate."""
    if rows.rf is None or rows.rf_blank is None or not rows.rf_blank.any():
        return rows
    given = ~rows.rf_blank
    # each row's source: the last row at or before it whose cell is not blank (-1: none)
    source = np.maximum.accumulate(np.where(given, np.arange(len(given)), -1))
    rf = np.where(source >= 0, rows.rf[np.maximum(source, 0)], np.nan)
    return replace(rows, rf=rf, rf_blank=rows.rf_blank & ~np.isnan(rf))


def complete_rows(rows: Rows, held: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, tuple]:
    """Step 5: the rows with every needed value, and why the others are dropped.

    Returns
    -------
    complete : array (T,) of bool
    missing : array (T, N) of bool, or None
        Where prices are missing; None when none is.
    why : tuple of (str, int)
        Each reason of :data:`DROP_REASONS` that drops some rows, with how many.
    """
    # several benchmarks: a date missing any one's level is dropped (one sample for all)
    values = ~np.isnan(rows.market) if rows.markets is None else ~np.isnan(rows.markets).any(axis=1)
    # Row sums are NaN exactly on the rows with a missing price (prices are finite and
    # positive by now): only then look at which are held, without copying P[:, held].
    missing = np.isnan(rows.prices) if rows.gaps.any() else None
    if missing is not None:
        values &= ~(missing & held).any(axis=1)
    # arrays, never Python bools: `~True` is -2, not False (and deprecated from Python 3.12)
    everywhere = np.ones_like(values)
    holdings = ~np.isnan(rows.holdings[:, held]).any(axis=1) if rows.holdings.ndim == 2 else everywhere
    rates = everywhere
    before_rf = values & holdings
    if rows.rf is not None and before_rf.any():
        # a row's rate applies to the period that starts on it: the last row's is never used
        used = np.arange(len(before_rf)) < np.flatnonzero(before_rf)[-1]
        rates = ~(np.isnan(rows.rf) & used)
    complete = before_rf & rates
    reasons, counts = list(DROP_REASONS), [(~values).sum(), (values & ~holdings).sum(), (before_rf & ~rates).sum()]
    for name, column in rows.columns.items():  # ROW_RULES' arguments: a missing value drops its date
        present = ~np.isnan(column)
        reasons.append(ROW_RULES[name].reason)
        counts.append((complete & ~present).sum())
        complete = complete & present
    if not complete.any():
        raise PortbetaError(_nothing_complete(rows, held, missing))
    why = tuple((reason, int(n)) for reason, n in zip(reasons, counts, strict=True) if n)
    return complete, missing, why


def _nothing_complete(rows: Rows, held: np.ndarray, missing: np.ndarray | None) -> str:
    """Why no date is complete, naming the column that makes it so where one does."""
    if rows.markets is None and np.isnan(rows.market).all():
        return "market has no level on any date: no date is complete"
    if rows.markets is not None and np.isnan(rows.markets).any(axis=1).all():
        empty = np.flatnonzero(np.isnan(rows.markets).all(axis=0))
        which = (
            f"market column {int(empty[0]) + 1} has no level on any date"
            if len(empty)
            else ("the benchmarks leave no date where every one has a level")
        )
        return f"{which}: no date is complete (a date is used only where every benchmark has a level)"
    if missing is not None:
        empty = np.flatnonzero(missing.all(axis=0) & held)
        if len(empty):
            c = int(empty[0])
            where = cell_at("prices", None, c + 1, name=rows.names[c] if rows.names else None)  # a whole column: no row
            return f"{where} has no price on any date, but is held: no date is complete"
    return (
        "prices, market, shares and rf leave no date with every value: each date misses a price of a held asset, "
        "the market level, a holdings count or a rate (blanks are missing data: enter 0 for an asset not held)"
    )


# --------------------------------------------------------------------- 6. resample


def resample(complete: np.ndarray, dates: np.ndarray | None, frequency: str | None) -> np.ndarray:
    """Step 6: positions of the rows kept: every complete row, or the last complete row
    of each calendar week or month."""
    kept = np.flatnonzero(complete)
    if frequency in (None, "daily"):
        return kept
    assert dates is not None  # read_frequency refuses weekly and monthly without dates
    periods = pd.DatetimeIndex(dates[kept]).to_period({"weekly": "W", "monthly": "M"}[frequency])
    last_of_period = np.append(periods[1:] != periods[:-1], True)
    return kept[np.flatnonzero(last_of_period)]


#: The median spacing of dates, in days, that each frequency's rows have.
SPACINGS = {"daily": (0.5, 4.5), "weekly": (5.5, 8.5), "monthly": (26.0, 35.0), "quarterly": (85.0, 95.0),
            "annual": (350.0, 380.0)}  # fmt: skip


def sample_frequency(frequency: str | None, dates: np.ndarray | None) -> tuple[str, str]:
    """The return period of the kept rows and where it comes from (``Sample.frequency_source``).

    Given, it is the argument. Left out, it is read off the kept dates' median spacing
    (a monthly file annualized with 252 would be a wrong number); without dates, daily
    rows are assumed, and the statistics say so. Spacing that fits no frequency is an
    error that asks for ``frequency``.
    """
    if frequency is not None:
        return frequency, "given"
    if dates is None:
        return "daily", "assumed"
    days = float(np.median(np.diff(dates.astype("datetime64[ns]").view("int64")))) / 86_400e9
    for label, (low, high) in SPACINGS.items():
        if low <= days <= high:
            return label, "dates"
    raise PortbetaError(
        f"the dates are {days:.3g} days apart (the median): that is no daily, weekly, monthly, quarterly or "
        'annual spacing, so the periods per year are unknown: give frequency ("daily", "weekly" or "monthly")'
    )


# --------------------------------------------------------------------- 7. resolve as_of


def resolve_as_of(raw: Any, complete: np.ndarray, rows: Rows) -> int:
    """Step 7: position (in the ordered rows) of the last complete row on or before ``as_of``.

    With dates, ``as_of`` is a calendar day: a date whose rows carry a time of day
    still matches them. Without, it is a row number of the prices range.
    """
    if omitted(raw, "as_of"):
        return int(np.flatnonzero(complete)[-1])
    value = single_value(raw, "as_of")
    if rows.dates is not None:
        when = _as_of_date(value)
        if when is None:
            raise PortbetaError(f"as_of {_show(value)} is not a date")
        days = rows.dates.astype("datetime64[D]")
        day = np.datetime64(when.date(), "D")
        if not days.min() <= day <= days.max():
            raise PortbetaError(
                f"as_of {when:%Y-%m-%d} is outside the dates ({_day(days.min())} to {_day(days.max())})"
            )
        on_or_before = np.flatnonzero(complete & (days <= day))
        if not len(on_or_before):
            raise PortbetaError(f"as_of {when:%Y-%m-%d}: no date with complete data on or before it")
        return int(on_or_before[-1])
    row = whole_number(value, "as_of", ": without dates, as_of is a row of prices")
    first, last = rows.rows.min(), rows.rows.max()
    if not first <= row <= last:
        raise PortbetaError(f"as_of row {row} is outside the data rows {first} to {last} of prices")
    on_or_before = np.flatnonzero(complete & (rows.rows <= row))
    if not len(on_or_before):
        raise PortbetaError(f"as_of row {row}: no row with complete data on or before it")
    return int(on_or_before[-1])


def _as_of_date(value: Any) -> dt.datetime | None:
    """A date from a date cell, a serial number or ISO text ("2024-06-28"); else None."""
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip()).replace(tzinfo=None)
        except ValueError:
            return None
    when = _cell_to_date(value)
    return None if when is None or when is pd.NaT else pd.Timestamp(when).to_pydatetime()


# --------------------------------------------------------------------- 8. assemble


def assemble(
    rows: Rows,
    args: Arguments,
    held: np.ndarray,
    names: tuple[str, ...],
    complete: np.ndarray,
    missing: np.ndarray | None,
    kept: np.ndarray,
    as_of: int,
    why: tuple = (),
) -> Sample:
    """Step 8: the kept rows as a :class:`Sample`, with a positive net value on every
    date used and the weights at ``as_of``."""
    dropped = tuple(rows.labels_at(np.flatnonzero(~complete)))
    n_returns = len(kept) - 1
    if n_returns < MIN_RETURNS:
        reason = f" after dropping {len(dropped)} dates with missing data" if dropped else ""
        raise PortbetaError(
            f"prices and market leave only {max(n_returns, 0)} returns{reason}: need at least {MIN_RETURNS}"
        )

    history = rows.holdings.ndim == 2
    # Missing counts in a history are on rows not used, or of assets never held: 0 held.
    shares = np.where(np.isnan(rows.holdings), 0.0, rows.holdings) if history else rows.holdings
    prices, price_gaps = kept_prices(rows, held, missing, kept)
    holdings = np.ascontiguousarray(shares[kept]) if history else shares
    shares_as_of = (shares[as_of] if history else shares).copy()
    weights_as_of, value_as_of = np.zeros(len(held)), math.nan
    if args.portfolio:
        weights_as_of, value_as_of = _weights_as_of(rows, prices, holdings, shares_as_of, np.append(kept, as_of))

    frequency, source, rf = kept_rates(rows, args, kept)
    sample = Sample(
        names=names,
        prices=prices,
        holdings=holdings,
        market=np.ascontiguousarray(rows.market[kept]),
        rf=rf,
        label_values=rows.label_values[kept],  # a copy: made read-only below
        dropped=dropped,
        frequency=frequency,
        frequency_source=source,
        held=held,
        as_of=label_at(rows.label_values, as_of),
        weights_as_of=weights_as_of,
        shares_as_of=shares_as_of,
        price_gaps=price_gaps,
        dropped_why=why,
        columns={name: np.ascontiguousarray(column[kept]) for name, column in rows.columns.items()},
        rf_carried=int(rows.rf_blank[kept[:-1]].sum()) if rows.rf_blank is not None else 0,
        value_as_of=value_as_of,
        benchmarks=(args.market.header or ()) if rows.markets is not None else (),
        markets=np.ascontiguousarray(rows.markets[kept]) if rows.markets is not None else None,
    )
    for array in (prices, holdings, sample.market, sample.rf, sample.label_values, held, weights_as_of, shares_as_of, price_gaps,
                  *sample.columns.values(), *([] if sample.markets is None else [sample.markets])):  # fmt: skip
        array.setflags(write=False)
    return sample


def kept_rates(rows: Rows, args: Arguments, kept: np.ndarray) -> tuple[str, str, np.ndarray]:
    """The kept rows' return period (:func:`sample_frequency`), where it comes from, and
    each return period's risk-free rate (the annual rate at its start, per period)."""
    frequency, source = sample_frequency(args.frequency, rows.dates[kept] if rows.dates is not None else None)
    annual = np.full(len(kept) - 1, args.rf_constant) if rows.rf is None else rows.rf[kept[:-1]]
    return frequency, source, core.per_period_rate(annual, core.PERIODS_PER_YEAR[frequency])


def kept_prices(
    rows: Rows, held: np.ndarray, missing: np.ndarray | None, kept: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The prices on the kept rows, and which assets (never held) miss a price there.

    All rows kept (the common case): the prices as they are, no copy. An asset never
    held may miss prices on kept dates: its column is made flat (returns 0; it has no
    weight), and the second array says its beta is unknown.
    """
    all_rows = len(kept) == len(rows.prices)
    prices = rows.prices if all_rows and rows.prices.flags.c_contiguous else np.ascontiguousarray(rows.prices[kept])
    price_gaps = np.zeros(len(held), dtype=bool)
    if missing is not None and rows.gaps[kept].any():  # missing is None where no row has a gap
        price_gaps[~held] = missing[kept][:, ~held].any(axis=0)
    if price_gaps.any():
        prices = prices.copy() if prices is rows.prices else prices
        prices[:, price_gaps] = 1.0
    return prices, price_gaps


def _weights_as_of(
    rows: Rows, prices: np.ndarray, holdings: np.ndarray, shares_as_of: np.ndarray, used: np.ndarray
) -> tuple[np.ndarray, float]:
    """The weights at the ``as_of`` row (the last of ``used``), once the net value is
    positive on every row used (``used``: the kept rows, then the as_of row), and the net
    value there."""
    as_of = used[-1]
    # the as_of row is complete but for assets never held: they are worth 0 there
    as_of_prices = np.where(np.isnan(rows.prices[as_of]), 0.0, rows.prices[as_of])
    with np.errstate(over="ignore", invalid="ignore"):
        # net and gross values (prices are positive by now): the gross bounds every
        # partial sum of the net, so long and short positions beyond float range that
        # cancel into a finite net are caught too; an asset not held counts nothing
        if holdings.ndim == 1:  # one pass over the prices for both
            values, gross = (prices @ np.column_stack([holdings, np.abs(holdings)])).T
        else:
            values, gross = core.holdings_values(prices, holdings), core.holdings_values(prices, np.abs(holdings))
        values = np.append(values, as_of_prices @ shares_as_of)
        gross = np.append(gross, as_of_prices @ np.abs(shares_as_of))
    if not np.isfinite(gross).all():
        # beta is scale-free, but values beyond float range would silently give 0 and NaN
        raise PortbetaError(
            "shares x prices are too large to compute with (beyond 1e308): use prices or share counts "
            "in larger units (e.g. thousands)"
        )
    if (gross < SMALLEST_NORMAL).any():  # subnormal values: their digits, and the weights', are lost
        raise PortbetaError("shares x prices are too small to compute with (below 2.2e-308): use smaller units")
    if (values <= 0).any():
        k = int(np.flatnonzero(values <= 0)[0])
        raise PortbetaError(
            f"shares and prices give a net value of {values[k]:g} on {_label(label_at(rows.label_values, used[k]))}: "
            "it must be positive to define returns and weights"
        )
    return core.weights_at(as_of_prices, shares_as_of), float(values[-1])


def _label(value: Any) -> str:
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    return f"row {value}"


# --------------------------------------------------------------------- the steps


def build_sample(
    prices: Any,
    shares: Any,
    market: Any,
    dates: Any = None,
    frequency: Any = None,
    rf: Any = None,
    as_of: Any = None,
    *,
    portfolio: bool = True,
    **columns: Any,
) -> Sample:
    """Validate and align the raw arguments into one :class:`Sample` (steps 1 to 8).

    ``portfolio=False`` (ASSET_BETAS) ignores ``shares`` and ``as_of``: every asset's
    price is needed and the weights are zeros. ``columns``: the row-aligned arguments
    of :data:`ROW_RULES`, by name.
    """
    args = read_arguments(prices, shares, market, dates, frequency, rf, portfolio, **columns)
    rows = align_rows(args)
    held = check_values(rows, args)
    names = asset_names(args)
    rows = oldest_first(rows, args.date_cells.first_row if args.date_cells is not None else None)
    rows = carry_rates(rows)
    complete, missing, why = complete_rows(rows, held)
    position = resolve_as_of(as_of, complete, rows) if portfolio else int(np.flatnonzero(complete)[-1])
    kept = resample(complete, rows.dates, args.frequency)
    return assemble(rows, args, held, names, complete, missing, kept, position, why)
