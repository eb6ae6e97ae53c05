"""Prices in several currencies as prices in one, the portfolio's (PRICES_IN, ``--fx``).

Each asset's currency is a code (USD, EUR); a table of exchange rates has one column per
currency code and one row per row of the prices (the same dates: its rows are aligned
with the prices' as every row-aligned argument is, so it takes no dates of its own). A
rate is the price of one unit of its currency in the base currency. The base currency's
own code needs no column: it is said with ``base``, and an asset in it is not converted.
Any other code without a column is an error, never read as the base (a misspelt code
would leave an asset unconverted). Codes are matched without regard to case, but a code
in mixed case (GBp, ZAc: pence and cents, as exchanges write them) only as it is written:
a pound's rate on a price in pence would make it 100 times too large.

The rule itself is :func:`core.in_base_currency`: a missing rate (a blank or an error
cell) is a missing price on that date, never the rate of another date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import core
from .errors import PortbetaError
from .inputs import Cells, _show, as_rows, bad_cell, is_missing, omitted, read_numbers, single_value
from .sample import _index_dates

__all__ = ["ConvertedPrices", "base_code", "codes_of", "is_base", "matched", "prices_in", "rates_for", "read_codes"]


@dataclass(frozen=True)
class ConvertedPrices:
    """Prices converted to the base currency (what PRICES_IN spills).

    Attributes
    ----------
    values : array (T, N)
        The converted prices, NaN where the price or its rate is missing.
    names : tuple of str, or None
        The prices' header (asset names), kept as it was.
    currencies : tuple of str
        Each asset's currency code, as given.
    base : str or None
        The base currency's code, if given.
    index : pandas.Index or None
        The prices' index, when they came as a pandas object.
    """

    values: np.ndarray
    names: tuple[str, ...] | None
    currencies: tuple[str, ...]
    base: str | None
    index: Any = None

    def __repr__(self) -> str:
        rows, columns = self.values.shape
        converted = sorted({c for c in self.currencies if not is_base(c, self.base)})
        return f"ConvertedPrices({rows} rows x {columns} assets, from {', '.join(converted) or 'none'} to {self.base or 'the base'})"

    def to_frame(self) -> pd.DataFrame:
        """The converted prices as a DataFrame: the prices' names (or "asset 1", ...) and index."""
        names = self.names or tuple(f"asset {k + 1}" for k in range(self.values.shape[1]))
        index = self.index if self.index is not None and len(self.index) == len(self.values) else None
        return pd.DataFrame(self.values, columns=list(names), index=index)


def matched(code: str) -> str:
    """A code as matched: without regard to case, but a mixed-case code (GBp) as written."""
    code = code.strip()
    return code if code != code.upper() and code != code.lower() else code.upper()


def is_base(code: str, base: str | None) -> bool:
    return base is not None and matched(code) == matched(base)


def read_codes(raw: Any, names: tuple[str, ...] | None, n_assets: int, arg: str = "currencies") -> tuple[str, ...]:
    """One currency code per asset (a row or a column of ``n_assets`` texts, in the prices'
    order), or one code for all; or two rows, the prices' names over their codes, in any order."""
    if isinstance(raw, pd.Series) and not isinstance(raw.index, pd.RangeIndex):
        raw = [list(map(str, raw.index)), list(raw)]  # codes by name
    elif isinstance(raw, (pd.DataFrame, pd.Series, pd.Index)):
        raw = np.asarray(raw, dtype=object)
    rows = as_rows(raw)
    if rows and len(rows) == 2 and len(rows[0]) > 1:
        return _codes_by_name(rows, names, arg)
    cells = [cell for row in rows for cell in row] if rows else []
    if len(cells) not in (1, n_assets):
        raise PortbetaError(
            f"{arg} has {len(cells)} cells: give one currency code per column of prices ({n_assets}), in their "
            "order, or one code for all"
        )
    for k, cell in enumerate(cells):
        if not isinstance(cell, str) or not cell.strip():
            where = f"{arg} cell {k + 1}" if len(cells) > 1 else arg
            kind = "empty" if is_missing(cell) else f"{_show(cell)}, not a code"
            raise PortbetaError(f"{where} is {kind}: give each asset's currency code (USD, EUR; the base's for "
                                "assets in it)")  # fmt: skip
    codes = tuple(str(c).strip() for c in cells)
    return codes * n_assets if len(codes) == 1 else codes


def _codes_by_name(rows: list[Sequence[Any]], names: tuple[str, ...] | None, arg: str) -> tuple[str, ...]:
    """Codes under a header row of the prices' names (matched exactly, as shares' are): every
    asset needs its code, none named twice, no name prices does not have."""
    header = [str(h).strip() if isinstance(h, str) else h for h in rows[0]]
    if not names:
        raise PortbetaError(f"{arg} has two rows: prices need a header of names to match its names (or give one "
                            "row of codes in the order of prices)")  # fmt: skip
    unknown = [str(h) for h in header if h not in names]
    twice = [h for k, h in enumerate(header) if h in header[:k]]
    missing = [n for n in names if n not in header]
    if unknown or twice or missing:
        problem = (f"names {', '.join(unknown)}, which prices does not have" if unknown else
                   f"names {twice[0]} twice" if twice else f"has no code for {', '.join(missing)}")  # fmt: skip
        raise PortbetaError(f"{arg} {problem}: give each asset's code under its name (the base's for assets in it)")
    codes = read_codes([rows[1]], None, len(names), arg)
    by_name = dict(zip(header, codes, strict=True))
    return tuple(by_name[n] for n in names)


def base_code(raw: Any, arg: str = "base") -> str | None:
    """The base currency's code, or None when left out."""
    if omitted(raw, arg):
        return None
    value = single_value(raw, arg)
    if not isinstance(value, str) or not value.strip():
        raise PortbetaError(f"{arg} {_show(value)} is not a currency code: give the portfolio's currency (USD)")
    return value.strip()


def codes_of(header: Sequence[str] | None, arg: str = "fx_rates") -> dict[str, int]:
    """The column of each currency code of a rates table's header, each code once."""
    if not header:
        raise PortbetaError(f"{arg} needs a header row of currency codes (USD, EUR) above its rates")
    columns: dict[str, int] = {}
    for k, code in enumerate(header):
        if not str(code).strip():
            raise PortbetaError(f"the header of {arg} has no currency code in column {k + 1}")
        if matched(code) in columns:
            raise PortbetaError(f"the header of {arg} names {str(code).strip()!r} twice: give each currency once")
        columns[matched(code)] = k
    return columns


def rates_for(
    codes: Sequence[str], columns: dict[str, int], rates: Cells, base: str | None, arg: str = "fx_rates"
) -> np.ndarray:
    """Each asset's rate on each row (T, N): its currency's column of ``rates`` (a positive
    number, NaN where missing), 1 for an asset in the base currency."""
    position = [-1 if is_base(code, base) else _column(code, columns, rates, base, arg) for code in codes]
    used = sorted(set(position) - {-1})
    with np.errstate(invalid="ignore"):
        bad = np.argwhere(rates.values[:, used] <= 0)  # NaN is missing, not bad
    if len(bad):
        r, c = (int(i) for i in bad[0])
        value = rates.values[r, used[c]]
        raise bad_cell(arg, rates.first_row, r, used[c], rates.shape[1],
                       f"holds {value:g}: an exchange rate must be positive", rates.header, n_rows=len(rates.values))  # fmt: skip
    with_base = np.column_stack([rates.values, np.ones(len(rates.values))])  # column -1: the base's 1
    return with_base[:, position]


def _column(code: str, columns: dict[str, int], rates: Cells, base: str | None, arg: str) -> int:
    """The column of ``code``'s rates; a code without one is an error naming it."""
    if matched(code) in columns:
        return columns[matched(code)]
    known = ", ".join(rates.header or ())
    hint = (
        f"; give base (the portfolio's currency) if {code} is it" if base is None else
        f": pence or cents? {code} is matched only as written (a {code.upper()} rate would make its prices 100 times too large)"
        if matched(code) != code.upper() else ""
    )  # fmt: skip
    raise PortbetaError(f"{code}, a currency of prices, has no column in {arg} (its codes: {known}){hint}")


def _aligned(prices: Cells, rates: Cells) -> int:
    """The rows the prices and the rates share: the same count, or a longer range's extra rows blank."""
    n = min(len(prices.values), len(rates.values))
    for cells in (prices, rates):
        if len(cells.values) > n and not np.isnan(cells.values[n:]).all():
            raise PortbetaError(
                f"fx_rates has {len(rates.values)} rows of rates and prices {len(prices.values)} rows: give one row "
                "of rates per row of prices (the same dates)"
            )
    return n


def _same_dates(prices: Any, fx_rates: Any) -> Any:
    """The prices' index when they are a pandas object; rates indexed by other dates are refused."""
    index = _index_dates(prices, "prices")
    other = _index_dates(fx_rates, "fx_rates")
    if index is not None and other is not None and not other.equals(index):
        raise PortbetaError("fx_rates is indexed by other dates than prices: align them first, "
                            "e.g. fx_rates.reindex(prices.index) (a date without rates is a missing price)")  # fmt: skip
    return prices.index if isinstance(prices, (pd.DataFrame, pd.Series)) else None


def prices_in(prices: Any, currencies: Any, fx_rates: Any, base: Any = None) -> ConvertedPrices:
    """``prices`` in the base currency: each asset's price times its currency's rate on its row
    (:func:`core.in_base_currency`); the prices' header and rows kept."""
    index = _same_dates(prices, fx_rates)
    price_cells = read_numbers(prices, "prices", "a price")
    codes = read_codes(currencies, price_cells.header, price_cells.shape[1])
    base = base_code(base)
    rates = read_numbers(fx_rates, "fx_rates", "an exchange rate")
    columns = codes_of(rates.header)
    n = _aligned(price_cells, rates)
    per_asset = np.full(price_cells.shape, np.nan)
    per_asset[:n] = rates_for(codes, columns, Cells(rates.values[:n], rates.header, rates.first_row), base)
    values = core.in_base_currency(price_cells.values, per_asset)
    values.setflags(write=False)
    return ConvertedPrices(values, price_cells.header, codes, base, index)
