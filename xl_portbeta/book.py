"""A book of accounts: one list of assets, K accounts with their own share counts.

Each account gets the sample its single-portfolio figures would have: a date is dropped
only where the market, the rate or a price of an asset *that account* holds is missing.
Accounts that hold the same assets among those with holes need the same dates, so they
form one group and are computed together (complete prices: one group for the book).

A problem of one account (no shares, a blank count, a net value <= 0 on a date used) or
of one group (too few dates left) empties those rows with a note; the others compute.

A platform's book (a few dozen holdings each, of thousands of securities) comes as a
``scipy.sparse`` matrix or as long ``account, ticker, shares`` rows, and stays sparse
(CSR) from here to the figures: no K x N array is made.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from . import core, sample
from .errors import PortbetaError
from .inputs import is_blank, read_accounts

__all__ = ["LONG_COLUMNS", "BookGroup", "BookSample", "build_book_sample", "groups_by_dates"]

#: The columns of holdings given as long rows (a DataFrame), one row per position.
LONG_COLUMNS = ("account", "ticker", "shares")


@dataclass(frozen=True)
class BookGroup:
    """Accounts that need the same dates, and those dates' data.

    Attributes
    ----------
    accounts : array of int
        Positions of the group's accounts in the book.
    prices : array (K, N) or None
        Prices on the kept dates, oldest first; flat (1.0) for assets no account of the
        group holds that miss a price. None when the group has no usable sample.
    market, rf : arrays (K,), (K-1,)
    as_of_prices : array (N,)
        Prices on the weights' date, 0 where an asset no account holds has none.
    note : str
        Why the group has no figures ("" when it has).
    labels : tuple
        The kept dates (or rows), oldest first; empty when the group has no usable sample.
    as_of : date or int
        The date (or row) whose prices weigh the holdings (None without a sample).
    frequency, frequency_source : str
        The return period and where it comes from, as :class:`sample.Sample`'s.
    holes_held : tuple of str
        The assets with missing prices that the group's accounts hold: they decide its dates.
    markets : array (K, B), or None
        With several benchmarks, each one's levels on the kept dates (``market`` is the
        first's): the dates are those where every benchmark has a level.
    """

    accounts: np.ndarray
    prices: np.ndarray | None
    market: np.ndarray | None
    rf: np.ndarray | None
    as_of_prices: np.ndarray | None
    note: str
    labels: tuple = ()
    as_of: Any = None
    frequency: str = ""
    frequency_source: str = ""
    holes_held: tuple[str, ...] = ()
    markets: np.ndarray | None = None

    def __repr__(self) -> str:
        dates = "no sample" if self.market is None else f"{len(self.market)} dates"
        return f"BookGroup({len(self.accounts)} accounts, {dates}{'; ' + self.note if self.note else ''})"


@dataclass(frozen=True)
class BookSample:
    """The book's accounts, their share counts and the groups of accounts by sample.

    Attributes
    ----------
    names : tuple of str
        Asset names.
    accounts : tuple of str
        Account names, from the holdings' first column, else "account 1", ...
    holdings : array (K, N), or a scipy.sparse CSR array (K, N)
        Share counts, in the column order of prices; NaN where a count is missing. CSR
        (sorted, no stored zeros) when the holdings were given sparse or as long rows.
    notes : tuple of str
        Per account: why it has no figures ("" for none yet).
    groups : tuple of BookGroup
    benchmarks : tuple of str
        The benchmarks' names when ``market`` has several columns; empty for one.
    """

    names: tuple[str, ...]
    accounts: tuple[str, ...]
    holdings: np.ndarray
    notes: tuple[str, ...]
    groups: tuple[BookGroup, ...]
    benchmarks: tuple[str, ...] = ()

    def by_benchmark(self) -> tuple[BookSample, ...]:
        """One single-benchmark book per benchmark, in the market's column order (the book
        itself for one benchmark): the same groups and dates, the market that benchmark's."""
        if not self.benchmarks:
            return (self,)
        return tuple(
            replace(
                self,
                groups=tuple(
                    g if g.markets is None else replace(g, market=g.markets[:, b], markets=None) for g in self.groups
                ),
                benchmarks=(name,),
            )
            for b, name in enumerate(self.benchmarks)
        )

    def __repr__(self) -> str:  # the counts and every group's prices would print in full
        groups = f"{len(self.groups)} group{'' if len(self.groups) == 1 else 's'} of accounts by sample"
        return f"BookSample({len(self.accounts)} accounts, {len(self.names)} assets, {groups})"


def _scipy_sparse(raw: Any) -> Any:
    """scipy.sparse when ``raw`` is one of its matrices (then it is imported already), else None."""
    sparse = sys.modules.get("scipy.sparse")
    return sparse if sparse is not None and sparse.issparse(raw) else None


def _is_long(raw: Any) -> bool:
    """Holdings as long rows: a DataFrame of the columns account, ticker, shares."""
    return isinstance(raw, pd.DataFrame) and sorted(str(c).strip().lower() for c in raw.columns) == sorted(LONG_COLUMNS)


def read_holdings(raw: Any, names: tuple[str, ...], named: bool) -> tuple[tuple[str, ...], Any, int]:
    """Account names, the (K, N) counts (matched to the prices' assets by name when both
    have names) and the range's column of the first count (2 after a column of names;
    0 for sparse holdings, whose notes name the asset)."""
    if is_blank(raw):
        raise PortbetaError("holdings is missing: give one row of share counts per account")
    if _is_long(raw):
        return _long_holdings(raw, names, named)
    sparse = _scipy_sparse(raw)
    if sparse is not None:
        if raw.shape[1] != len(names) or not raw.shape[0]:
            raise PortbetaError(
                f"holdings is a {raw.shape[0]} x {raw.shape[1]} sparse matrix: give one row per account with "
                f"{len(names)} share counts, in the column order of prices"
            )
        return tuple(f"account {k + 1}" for k in range(raw.shape[0])), _csr(sparse.csr_array(raw, dtype=float)), 0
    accounts, cells = read_accounts(raw, n_assets=len(names))
    cells = sample.columns_by_name(cells, names if named else None, "holdings")
    n_assets = len(names)
    if cells.shape[1] != n_assets or not len(cells.values):
        ids = (cells.shape[1] == n_assets + 1) * (
            "; account ids that are numbers (1001) need a header row above them: 'account' and the assets' names"
        )
        raise PortbetaError(
            f"holdings is {cells.shape[0]} x {cells.shape[1]} (without names): give one row per account "
            f"with {n_assets} share counts, in the column order of prices{ids}"
        )
    if accounts is None:
        return tuple(f"account {k + 1}" for k in range(len(cells.values))), cells.values, 1
    return accounts, cells.values, 2


def _csr(counts: Any) -> Any:
    """Sparse counts checked (a count beyond float's range is refused) and made canonical:
    sorted, no stored zeros (a 0 would meet an unknown beta as a held asset)."""
    infinite = np.flatnonzero(np.isinf(counts.data))
    if len(infinite):
        at = int(infinite[0])
        account = int(np.searchsorted(counts.indptr, at, side="right")) - 1
        raise PortbetaError(
            f"holdings has an infinite share count (account {account + 1}, column {int(counts.indices[at]) + 1})"
        )
    counts.sum_duplicates()  # sorts the indices; a scipy matrix's repeated entries add up, as scipy means them
    counts.eliminate_zeros()
    return counts


def _long_holdings(frame: pd.DataFrame, names: tuple[str, ...], named: bool) -> tuple[tuple[str, ...], Any, int]:
    """Long rows (account, ticker, shares) as CSR counts, accounts in order of first
    appearance; a ticker must be an asset of prices, listed once per account."""
    from scipy import sparse

    column = {str(c).strip().lower(): c for c in frame.columns}
    account, ticker, shares = (frame[column[c]] for c in LONG_COLUMNS)
    if not named:
        raise PortbetaError("holdings as account, ticker, shares rows need prices with a header row of names")
    for what, cells in (("account", account), ("ticker", ticker)):
        if cells.isna().any():
            raise PortbetaError(f"holdings row {int(np.flatnonzero(cells.isna())[0]) + 1} has no {what}")
    codes, accounts = pd.factorize(account.astype(str).str.strip(), sort=False)
    position = pd.Index(names).get_indexer(ticker.astype(str).str.strip())
    if (position < 0).any():
        unknown = sorted(set(ticker[position < 0].astype(str)))
        raise PortbetaError(f"holdings has tickers that are not assets of prices: {', '.join(unknown[:5])}")
    try:
        counts = shares.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise PortbetaError("holdings' shares column holds text that is not a number: give share counts") from None
    order = np.lexsort((position, codes))
    codes, position, counts = codes[order], position[order], counts[order]
    twice = np.flatnonzero((codes[1:] == codes[:-1]) & (position[1:] == position[:-1]))
    if len(twice):
        k = int(twice[0])
        raise PortbetaError(f"holdings: account {accounts[codes[k]]} lists {names[position[k]]} twice")
    indptr = np.r_[0, np.cumsum(np.bincount(codes, minlength=len(accounts)))]
    counts_csr = sparse.csr_array((counts, position, indptr), shape=(len(accounts), len(names)))
    return tuple(accounts), _csr(counts_csr), 0


def _sparse_notes(holdings: Any, names: tuple[str, ...]) -> list[str]:
    """:func:`_account_notes` of CSR counts: the asset of a blank count is named."""
    rows = np.repeat(np.arange(holdings.shape[0]), np.diff(holdings.indptr))
    notes = [""] * holdings.shape[0]
    for k in np.flatnonzero(np.diff(holdings.indptr) == 0).tolist():
        notes[k] = "holds nothing"
    blank = np.flatnonzero(np.isnan(holdings.data))
    for at in blank[::-1].tolist():  # the account's first blank asset wins
        notes[rows[at]] = (
            f"share count of {names[holdings.indices[at]]} is empty or an error: enter 0 for an asset not held"
        )
    return notes


def _account_notes(holdings: np.ndarray, first_column: int) -> list[str]:
    """Per account: why it cannot have figures, "" when it can (``first_column``: the
    holdings range's column of the first count)."""
    blank = np.isnan(holdings)
    empty = ~np.nan_to_num(holdings).any(axis=1)
    notes = [""] * len(holdings)
    for k in np.flatnonzero(blank.any(axis=1) | empty).tolist():
        if blank[k].any():
            column = int(np.flatnonzero(blank[k])[0]) + first_column
            notes[k] = f"share count in column {column} is empty or an error: enter 0 for an asset not held"
        else:
            notes[k] = "holds nothing"
    return notes


def build_book_sample(
    prices: Any, holdings: Any, market: Any, dates: Any = None, frequency: Any = None, rf: Any = None, as_of: Any = None
) -> BookSample:
    """The sample steps of :mod:`xl_portbeta.sample` for a book: read, align, check and
    turn around once; complete rows, as_of and resampling per group of accounts."""
    args = sample.read_arguments(prices, None, market, dates, frequency, rf, portfolio=False)
    rows = sample.align_rows(args)
    sample.check_values(rows, args)
    names = sample.asset_names(args)
    holdings = sample.unmasked(holdings)  # a masked count is missing, as the other arguments' cells
    accounts, counts, first_column = read_holdings(holdings, names, args.prices.header is not None)
    rows = sample.carry_rates(
        sample.oldest_first(rows, args.date_cells.first_row if args.date_cells is not None else None)
    )
    sample.resolve_as_of(as_of, np.ones(len(rows.rows), dtype=bool), rows)  # a bad as_of is the book's error
    notes = _sparse_notes(counts, names) if core.is_sparse(counts) else _account_notes(counts, first_column)
    positions = np.flatnonzero([not note for note in notes])
    # Accounts holding the same assets among those with a missing price need the same dates.
    with_holes = np.flatnonzero(np.isnan(rows.prices).any(axis=0))
    groups = []
    if len(positions) and not len(with_holes):  # complete prices: one group
        groups.append(_group(rows, args, np.zeros(len(names), dtype=bool), positions, as_of, names))
    elif len(positions):
        for held_with_holes, members in _by_held_holes(counts, positions, with_holes):
            held = np.zeros(len(names), dtype=bool)
            held[held_with_holes] = True
            groups.append(_group(rows, args, held, members, as_of, names))
    benchmarks = (args.market.header or ()) if rows.markets is not None else ()
    return BookSample(names, accounts, counts, tuple(notes), tuple(groups), benchmarks)


def _by_held_holes(counts: Any, positions: np.ndarray, with_holes: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """The accounts at ``positions`` grouped by which assets of ``with_holes`` they hold:
    (those assets, the group's accounts) per group."""
    if not core.is_sparse(counts):
        keys, which = np.unique(counts[positions][:, with_holes] != 0, axis=0, return_inverse=True)
        return [(with_holes[key], positions[np.ravel(which) == g]) for g, key in enumerate(keys)]
    held = counts[positions][:, with_holes].tocsr()  # no stored zeros: each stored entry is held
    held.sort_indices()
    rows = [held.indices[a:b].tobytes() for a, b in itertools.pairwise(held.indptr.tolist())]
    codes, uniques = pd.factorize(pd.Series(rows, dtype=object), sort=True)
    dtype = held.indices.dtype
    return [(with_holes[np.frombuffer(key, dtype=dtype)], positions[codes == g]) for g, key in enumerate(uniques)]


def _group(
    rows: sample.Rows,
    args: sample.Arguments,
    held: np.ndarray,
    accounts: np.ndarray,
    as_of: Any,
    names: tuple[str, ...],
) -> BookGroup:
    """The sample of the accounts whose held assets with holes are ``held``."""
    try:
        complete, missing, _ = sample.complete_rows(rows, held)
        position = sample.resolve_as_of(as_of, complete, rows)
        kept = sample.resample(complete, rows.dates, args.frequency)
        if len(kept) - 1 < sample.MIN_RETURNS:
            raise PortbetaError(
                f"only {max(len(kept) - 1, 0)} returns on the dates these holdings need: need at least {sample.MIN_RETURNS}"
            )
        frequency, source, rf = sample.kept_rates(rows, args, kept)
    except PortbetaError as error:  # these accounts' dates: their rows get the note
        return BookGroup(accounts, None, None, None, None, error.problem)
    prices, _ = sample.kept_prices(rows, held, missing, kept)
    return BookGroup(
        accounts=accounts,
        prices=prices,
        market=rows.market[kept],
        rf=rf,
        as_of_prices=np.where(np.isnan(rows.prices[position]), 0.0, rows.prices[position]),
        note="",
        labels=tuple(rows.labels_at(kept)),
        as_of=sample.label_at(rows.label_values, position),
        frequency=frequency,
        frequency_source=source,
        holes_held=tuple(names[i] for i in np.flatnonzero(held).tolist()),
        markets=rows.markets[kept] if rows.markets is not None else None,
    )


def groups_by_dates(samples: dict[int, sample.Sample]) -> tuple[BookGroup, ...]:
    """Accounts with holdings histories (by position), each with its own sample, grouped
    where their samples stand on the same dates, as_of and frequency: the groups the book's
    table and its sample line read (their prices are not kept: each account's figures are
    computed from its own sample)."""
    by_dates: dict[tuple, list[int]] = {}
    for k, s in samples.items():
        by_dates.setdefault((s.labels, s.as_of, s.frequency, s.frequency_source), []).append(k)
    return tuple(
        BookGroup(np.array(accounts), None, None, None, None, "", labels, as_of, frequency, source)
        for (labels, as_of, frequency, source), accounts in by_dates.items()
    )
