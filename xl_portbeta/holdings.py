"""Holdings histories as the desk has them: statements on their own dates, or a ledger of trades.

Both give the T x N history that the portfolio functions take as ``shares`` (row t: the
shares held from date t's close on), one row per date of the prices:

- **statements** (:func:`on_dates`): holdings given on some dates (month-end statements)
  hold from each statement's date until the next. Every statement date must be one of the
  dates (a statement on a day without prices is refused, naming it). The dates before the
  first statement have no holdings: blank (missing), so the sample drops them and its
  note counts them among the "blanks in the holdings history".
- **trades** (:func:`from_trades`): a ledger of signed quantities, with optional opening
  positions. Each date holds the opening positions plus every trade dated on or before it:
  a trade on date t is held from t's close, so it counts from the return that starts on t;
  a trade on a day without prices (a weekend, a holiday) counts from the next date, as the
  next close is the first to hold it; trades after the last date are in no row.

The as-of rules are pandas' (``reindex(method="ffill")``); nothing here is math of the
figures. The readers below turn the Excel functions' ranges (and Python's arrays and
pandas objects) into those arrays, each bad cell named as the other arguments' are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import PortbetaError
from .inputs import (
    _header_name,
    _show,
    as_rows,
    from_polars,
    is_missing,
    omitted,
    pandas_values,
    read_dates,
    read_numbers,
    read_vector,
)

__all__ = ["from_trades", "holdings_from_trades", "holdings_on", "on_dates", "statement_problem"]


def _day(value: Any) -> str:
    return f"{pd.Timestamp(value):%Y-%m-%d}"


# --------------------------------------------------------------------- the rules


def on_dates(dates: np.ndarray, stated: np.ndarray, statements: np.ndarray) -> np.ndarray:
    """The (T, N) holdings on ``dates`` (any order, NaT allowed) of statements dated
    ``stated`` (K,) with counts ``statements`` (K, N): each date takes the last statement
    on or before it; NaN before the first statement and on a NaT date. ``stated``: unique."""
    held = np.full((len(dates), statements.shape[1]), np.nan)
    known = ~np.isnat(dates)
    frame = pd.DataFrame(statements, index=pd.DatetimeIndex(stated)).sort_index()
    held[known] = frame.reindex(pd.DatetimeIndex(dates[known]), method="ffill").to_numpy(dtype=float)
    return held


def from_trades(
    dates: np.ndarray, traded: np.ndarray, columns: np.ndarray, quantities: np.ndarray, opening: np.ndarray
) -> np.ndarray:
    """The (T, N) holdings on ``dates`` (any order, NaT allowed: a NaN row) of a ledger:
    trade k of ``quantities[k]`` shares of column ``columns[k]`` on ``traded[k]``, on top of
    the ``opening`` positions (N,). Each date holds every trade dated on or before it.
    Without opening positions the dates before the first trade hold nothing, a portfolio
    of no value and no return: NaN (missing), as before a first statement."""
    n = len(opening)
    held = np.full((len(dates), n), np.nan)
    known = ~np.isnat(dates)
    days, day_of_trade = np.unique(traded.astype("datetime64[ns]"), return_inverse=True)
    daily = np.zeros((len(days), n))  # each trading day's net quantity per column
    np.add.at(daily, (np.ravel(day_of_trade), columns), quantities)
    positions = pd.DataFrame(np.cumsum(daily, axis=0), index=pd.DatetimeIndex(days))  # after each day's trades
    traded_by = positions.reindex(pd.DatetimeIndex(dates[known]), method="ffill").fillna(0.0)
    held[known] = opening + traded_by.to_numpy(dtype=float)
    if not opening.any() and len(traded):
        held[known & (dates < traded.min())] = np.nan
    return held


def statement_problem(dates: np.ndarray, stated: np.ndarray, where: Callable[[int], str]) -> str | None:
    """What is wrong with the first statement date that cannot be used, said at
    ``where(k)``: one within the prices' dates that is none of them (a statement on a day
    without prices is never moved silently), or one given twice. None when every one is
    fine. A statement before the first date holds from it (until the next), one after the
    last holds on no date: the prices may cover only part of the statements' years."""
    days = dates[~np.isnat(dates)].astype("datetime64[ns]")
    stated = stated.astype("datetime64[ns]")
    within = (stated >= days.min()) & (stated <= days.max()) if len(days) else np.zeros(len(stated), dtype=bool)
    for k in np.flatnonzero(within & ~np.isin(stated, days)).tolist()[:1]:
        return (
            f"{where(k)} is {_day(stated[k])}, not one of the prices' dates: date each statement on a date of the "
            "prices (a statement on a day without prices: the last date before it)"
        )
    seen: dict[Any, int] = {}
    for k, day in enumerate(stated.tolist()):
        if day in seen:
            return f"{where(k)} is {_day(stated[k])}, as {where(seen[day])} is: give each statement once"
        seen[day] = k
    return None


# --------------------------------------------------------------------- the Excel functions' readers


def _dates(raw: Any, arg: str) -> tuple[np.ndarray, int]:
    """A column of dates (NaT where blank) and the range's row of the first."""
    if isinstance(raw, (pd.DatetimeIndex, pd.Series, np.ndarray)) and pd.api.types.is_datetime64_dtype(raw):
        return np.asarray(raw, dtype="datetime64[ns]"), 1  # dates already (tz-naive): nothing to read cell by cell
    if omitted(raw, arg):
        raise PortbetaError(f"{arg} is missing: give the dates")
    values, _, first_row = read_dates(raw, arg)
    return values, first_row


def _frame(values: np.ndarray, dates: np.ndarray, names: tuple[str, ...] | None) -> pd.DataFrame:
    """The history as the API returns it: indexed by date, its columns the names (none:
    positions, which read back as no header)."""
    columns = pd.Index(names) if names is not None else pd.RangeIndex(values.shape[1])
    return pd.DataFrame(values, index=pd.DatetimeIndex(dates, name="date"), columns=columns)


def _used_rows(*blank: np.ndarray) -> int:
    """The rows up to the last that is not blank in every one of these columns (ranges
    may be selected larger than the data)."""
    filled = ~np.logical_and.reduce(blank)
    return int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0


def _same_length(lengths: dict[str, int], rows: int) -> None:
    """Every range holds at least the used rows (rows past the shorter ones' end must be
    blank in all)."""
    for arg, n in lengths.items():
        if n < rows:
            longest = max(lengths, key=lambda k: lengths[k])
            raise PortbetaError(
                f"{arg} has {n} rows but {longest} has {lengths[longest]}: give one row per "
                f"{'statement' if 'statement' in arg else 'trade'} in each"
            )


def holdings_on(dates: Any, statement_dates: Any, statements: Any) -> pd.DataFrame:
    """HOLDINGS_ON: the holdings history on ``dates`` of statements on their own dates
    (:func:`on_dates`), as a DataFrame indexed by ``dates``, its columns the statements'
    names (a header row, a DataFrame's columns), else positions."""
    days, _ = _dates(dates, "dates")
    if np.isnat(days).all():
        raise PortbetaError("dates holds no date: give the prices' dates")
    if statement_dates is None and isinstance(statements, pd.DataFrame):  # from Python: the statements' own dates
        statement_dates = statements.index
    arg = "statement_dates"
    stated, first_row = _dates(statement_dates, arg)
    cells = read_numbers(statements, "statements", "a share count")
    if cells.shape[1] == 0:
        raise PortbetaError("statements is empty: give one row of share counts per statement")
    rows = _used_rows(*_padded(np.isnat(stated), np.isnan(cells.values).all(axis=1)))
    if rows == 0:
        raise PortbetaError("statements holds no statement: give one row of share counts per statement date")
    _same_length({arg: len(stated), "statements": len(cells.values)}, rows)
    stated, counts = stated[:rows], cells.values[:rows]
    undated = np.flatnonzero(np.isnat(stated))
    if len(undated):
        k = int(undated[0])
        raise PortbetaError(f"{arg} row {first_row + k} is empty or an error: each statement needs its date")
    problem = statement_problem(days, stated, lambda k: f"{arg} row {first_row + k}")
    if problem is not None:
        raise PortbetaError(problem)
    return _frame(on_dates(days, stated, counts), days, cells.header)


def _tickers(raw: Any, rows: int) -> tuple[list[Any], int]:
    """The tickers' cells, one per trade, and the range's row of the first: a range one row
    longer than the trades has a header on top (a column of text shows no header of its
    own); a Series' name is its header."""
    raw = from_polars(raw, "tickers")
    labelled = isinstance(raw, (pd.Series, pd.Index, pd.DataFrame))  # its name is its header: no guessing
    cells = as_rows(pandas_values(raw)[0]) if labelled else as_rows(raw)
    if cells is None or (cells and len(set(map(len, cells))) > 1):
        raise PortbetaError("tickers is not a rectangular range")
    if not cells:
        return [], 1
    flat = [row[0] for row in cells] if len(cells[0]) == 1 else list(cells[0]) if len(cells) == 1 else None
    if flat is None:
        raise PortbetaError(f"tickers must be one column, got {len(cells)} rows x {len(cells[0])} columns")
    if len(flat) == rows + 1 and not labelled:
        return flat[1:], 2
    return flat, 1


def _ticker(value: Any) -> str | None:
    """A ticker cell's name (text, or a ticker typed as a whole number); None when it is none."""
    if is_missing(value) or isinstance(value, bool):
        return None
    if isinstance(value, str) or (
        isinstance(value, (int, float, np.integer, np.floating)) and float(value).is_integer()
    ):
        return _header_name(value) or None
    return None


def _names(raw: Any, arg: str = "names") -> tuple[str, ...] | None:
    """The optional column names, a row or a column of text, each once."""
    if omitted(raw, arg):
        return None
    raw = from_polars(raw, arg)
    if isinstance(raw, pd.Index | pd.Series):
        raw = list(raw)
    rows = as_rows(raw)
    if rows is None or (rows and len(set(map(len, rows))) > 1):
        raise PortbetaError(f"{arg} is not a rectangular range")
    if len(rows) > 1 and len(rows[0]) > 1:
        raise PortbetaError(f"{arg} must be one row or one column of names, got {len(rows)} rows x {len(rows[0])}")
    cells = [row[0] for row in rows] if len(rows) > 1 else list(rows[0]) if rows else []
    while cells and is_missing(cells[-1]):  # a row selected longer than the names
        cells.pop()
    names = []
    for k, value in enumerate(cells):
        name = _ticker(value)
        if name is None:
            raise PortbetaError(f"{arg} item {k + 1} is {_show(value)}: give each column's name as text")
        if name in names:
            raise PortbetaError(f"{arg} names {name!r} twice: name each column once")
        names.append(name)
    if not names:
        raise PortbetaError(f"{arg} holds no name")
    return tuple(names)


def _opening(raw: Any, names: tuple[str, ...] | None, order: list[str]) -> tuple[list[str], np.ndarray]:
    """The columns (``names``, else ``order``: the tickers as they first appear) and the
    opening positions on them. ``opening`` is one row in the order of ``names``, or with a
    header row of its own names (matched by name; without ``names`` they come first)."""
    if omitted(raw, "opening"):
        columns = list(names) if names is not None else order
        return columns, np.zeros(len(columns))
    cells = read_numbers(raw, "opening", "a share count")
    values = cells.values.reshape(-1) if 1 in cells.shape else None
    if values is None:
        raise PortbetaError(f"opening is {cells.shape[0]} x {cells.shape[1]}: give one row of opening positions")
    blank = np.flatnonzero(np.isnan(values))
    if len(blank):
        raise PortbetaError(f"opening item {int(blank[0]) + 1} is empty or an error: enter 0 for an asset not held")
    if cells.header is None:
        if names is None:
            raise PortbetaError(
                "opening has no names: give names (the order of its counts) or a header row of names above it"
            )
        if len(values) != len(names):
            raise PortbetaError(f"opening has {len(values)} counts for {len(names)} names: give one per name")
        return list(names), values
    own = list(cells.header)
    if "" in own or len(set(own)) < len(own):
        raise PortbetaError("opening's header must name each column once")
    columns = list(names) if names is not None else own + [t for t in order if t not in own]
    unknown = [n for n in own if n not in columns]
    if unknown:
        raise PortbetaError(f"opening names {unknown[0]!r}, not one of names")
    position = {n: k for k, n in enumerate(columns)}
    counts = np.zeros(len(columns))
    counts[[position[n] for n in own]] = values
    return columns, counts


def _ledger(trade_dates: Any, tickers: Any, quantities: Any) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The trades' dates, tickers and quantities, rows blank in all three left out; a
    trade missing any of the three is an error naming its row."""
    traded, date_row = _dates(trade_dates, "trade_dates")
    amounts = read_vector(quantities, "quantities", "a quantity")
    counts = amounts.values[:, 0] if amounts.values.shape[1] else np.zeros(0)  # an empty range: no trade
    cells, ticker_row = _tickers(tickers, len(counts))
    try:  # a ledger names few tickers many times: each read once
        read = {key: _ticker(key[1]) for key in {(type(v), v) for v in cells}}  # by type too: True is no 1
        names = [read[type(v), v] for v in cells]
    except TypeError:  # an unhashable cell (Office.js' error object): one by one
        names = [_ticker(v) for v in cells]
    for k, value in enumerate(cells):
        if names[k] is None and not is_missing(value):
            raise PortbetaError(f"tickers row {ticker_row + k} holds {_show(value)}, not a ticker: give it as text")
    no_ticker = np.array([n is None for n in names], dtype=bool)
    rows = _used_rows(*_padded(np.isnat(traded), no_ticker, np.isnan(counts)))
    _same_length({"trade_dates": len(traded), "tickers": len(names), "quantities": len(counts)}, rows)
    used = ~(np.isnat(traded[:rows]) & no_ticker[:rows] & np.isnan(counts[:rows]))
    for k in np.flatnonzero(used).tolist():
        where = f"trade {k + 1}"
        if np.isnat(traded[k]):
            raise PortbetaError(f"trade_dates row {date_row + k} is empty or an error: {where} needs its date")
        if names[k] is None:
            raise PortbetaError(f"tickers row {ticker_row + k} is empty or an error: {where} needs its ticker")
        if np.isnan(counts[k]):
            raise PortbetaError(
                f"quantities row {amounts.first_row + k} ({names[k]!r}, {_day(traded[k])}) is empty or an error: a "
                "trade needs its quantity (the holdings after it would be unknown)"
            )
    keep = np.flatnonzero(used)
    return traded[keep], [str(names[k]) for k in keep.tolist()], counts[keep]


def _padded(*columns: np.ndarray) -> list[np.ndarray]:
    """Boolean columns of different lengths, padded with True (blank) to the longest."""
    n = max(len(c) for c in columns)
    return [np.concatenate([c, np.ones(n - len(c), dtype=bool)]) for c in columns]


def holdings_from_trades(
    dates: Any, trade_dates: Any, tickers: Any, quantities: Any, names: Any = None, opening: Any = None
) -> pd.DataFrame:
    """HOLDINGS_FROM_TRADES: the holdings history on ``dates`` of a ledger of trades
    (:func:`from_trades`), as a DataFrame indexed by ``dates``, one column per name:
    ``names`` in order, or the tickers in the order they first appear."""
    days, _ = _dates(dates, "dates")
    if np.isnat(days).all():
        raise PortbetaError("dates holds no date: give the prices' dates")
    traded, tickers_read, counts = _ledger(trade_dates, tickers, quantities)
    wanted = _names(names)
    order = list(dict.fromkeys(tickers_read))
    columns, start = _opening(opening, wanted, order)
    position = {name: k for k, name in enumerate(columns)}
    unknown = [t for t in order if t not in position]
    if unknown:
        raise PortbetaError(
            f"tickers holds {unknown[0]!r}, not one of names ({_listed(columns)}): add it to names, or fix the "
            "ticker (names are matched exactly, case too)"
        )
    if not columns:
        raise PortbetaError("trade_dates, tickers and quantities hold no trade: give the trades, one per row")
    where = np.array([position[t] for t in tickers_read], dtype=int)
    return _frame(from_trades(days, traded, where, counts, start), days, tuple(columns))


def _listed(names: Sequence[str]) -> str:
    return ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
