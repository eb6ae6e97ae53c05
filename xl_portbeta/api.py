"""The Python API: one call for every figure, shared by the UDFs and the command line.

Two steps, as arch's model-then-fit: :func:`build_sample` validates and aligns the
inputs into a :class:`~xl_portbeta.sample.Sample`, and the figures of a sample follow
from it: :func:`beta_of` and :func:`rolling_of` of the sample, :func:`stats_of` and
:func:`gap_detail_of` of ``beta_of``'s result.
``portfolio_beta(...)`` is ``beta_of(build_sample(...))``, and so on.

Every public function names its errors after itself (``portfolio_beta: ...``); the
Excel functions and the command line rename them after their own names.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
import pandas as pd

from . import book as _book
from . import core, currencies, tables
from . import holdings as _holdings
from . import sample as _sample
from .arguments import API, declared
from .errors import PortbetaError, named
from .inputs import read_cap, whole_number
from .sample import MIN_RETURNS, Sample

__all__ = [
    "AssetStats",
    "BookBetas",
    "ByBenchmark",
    "ExcessReturns",
    "GapDetail",
    "PortfolioBeta",
    "PortfolioStats",
    "RollingAssetBetas",
    "RollingBeta",
    "asset_betas",
    "asset_stats",
    "asset_stats_of",
    "beta_of",
    "book_betas",
    "build_sample",
    "gap_detail",
    "gap_detail_of",
    "holdings_from_trades",
    "holdings_on",
    "portfolio_beta",
    "portfolio_stats",
    "prices_in",
    "returns_of",
    "rolling_asset_betas",
    "rolling_of",
    "rolling_portfolio_beta",
    "stats_of",
]

_Function = TypeVar("_Function", bound=Callable[..., Any])
_Result = TypeVar("_Result")
_blas_controller: Any = None


def _threadpool_controller() -> Any:
    """threadpoolctl's ThreadpoolController class (ImportError where it is missing).

    threadpoolctl's first import sets ``KMP_DUPLICATE_LIB_OK`` in ``os.environ``: the
    environment is the host's (Excel's Python, a server), not the add-in's, so it is put
    back as it was. Once imported, nothing is read or written.
    """
    if "threadpoolctl" in sys.modules:
        from threadpoolctl import ThreadpoolController
    else:
        key = "KMP_DUPLICATE_LIB_OK"
        before = os.environ.get(key)
        try:
            from threadpoolctl import ThreadpoolController
        finally:
            if before is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = before
    return ThreadpoolController


def _blas_threads() -> Any:
    """threadpoolctl's controller of the BLAS libraries loaded, made once; None without."""
    global _blas_controller
    if _blas_controller is None:
        try:
            _blas_controller = _threadpool_controller()().select(user_api="blas")
        except Exception:  # noqa: BLE001 - not installed, or it cannot inspect this platform
            _blas_controller = False
    return _blas_controller if _blas_controller and _blas_controller.lib_controllers else None


_blas_lock = threading.Lock()
_blas_users = 0  # calls inside one_blas_thread now, in any thread
_blas_limiter: Any = None  # threadpoolctl's record of the setting to restore


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS limited to one thread while the ``with`` block runs, then as it was.

    The core's matrix-vector products are memory-bound: a second BLAS thread gains
    little, but while other processes keep the cores busy (Excel recalculating, a
    server's other workers) a threaded call waits for them (measured: bench/NOTES.md).
    Where threadpoolctl is missing or finds no BLAS it controls (Pyodide in xlwings Lite
    has no BLAS threads), nothing is changed.

    The setting is the process's: with calls in several threads at once, the first in
    sets it and the last out restores it (each restoring what it saw on entry would
    leave one thread for good when two calls overlap).
    """
    global _blas_users, _blas_limiter
    controller = _blas_threads()
    if controller is None:
        yield
        return
    with _blas_lock:
        if _blas_users == 0:
            try:
                _blas_limiter = controller.limit(limits=1)
            except Exception:  # noqa: BLE001 - a library that refuses: run as it is
                _blas_limiter = None
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if _blas_users == 0 and _blas_limiter is not None:
                limiter, _blas_limiter = _blas_limiter, None
                limiter.restore_original_limits()


def _public(function: _Function) -> _Function:
    """A public function: its errors named after it, the core on one BLAS thread."""

    @named(function.__name__)
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with one_blas_thread():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# --------------------------------------------------------------------- pandas views


class PerAsset:
    """A result with arrays (N,) in the column order of prices, also as pandas objects
    indexed by asset name: the arrays stay arrays (positional code keeps working), and
    :meth:`to_series` / ``to_frame()`` label them."""

    _per_asset: ClassVar[tuple[str, ...]] = ()

    def _sample(self) -> Sample:
        raise NotImplementedError

    def to_series(self, field: str) -> pd.Series:
        """One per-asset array as a Series indexed by asset name (the prices' header,
        or "asset 1", ... without one)."""
        if field not in self._per_asset:
            raise PortbetaError(f"to_series: field {field!r} is not one of {', '.join(self._per_asset)}")
        return pd.Series(np.array(getattr(self, field)), index=asset_index(self._sample()), name=field)

    def to_frame(self) -> pd.DataFrame:
        """The per-asset arrays as columns (``asset_betas``, ``weights``, ... by field name), one
        row per asset, indexed by name."""
        return pd.DataFrame({f: self.to_series(f) for f in self._per_asset})


def asset_index(sample: Sample) -> pd.Index:
    return pd.Index(sample.names, name="asset")


def label_index(labels: tuple) -> pd.Index:
    """The dates (a DatetimeIndex named "date") or rows (named "row") of a sample's labels."""
    if labels and isinstance(labels[0], pd.Timestamp):
        return pd.DatetimeIndex(labels, name="date")
    return pd.Index(labels, name="row")


def _biggest(values: np.ndarray, names: tuple[str, ...], k: int = 3) -> str:
    """The k largest values by size, with their assets' names (cut to 16 characters)."""
    order = np.argsort(-np.abs(np.nan_to_num(values)), kind="stable")[:k]
    return ", ".join(f"{names[i][:16]} {values[i]:+.4f}" for i in order.tolist())


def _range(values: np.ndarray) -> str:
    finite = values[np.isfinite(values)]
    return f"{finite.min():.4f}..{finite.max():.4f}" if finite.size else "empty"


# --------------------------------------------------------------------- several benchmarks


@dataclass(frozen=True)
class ByBenchmark(Generic[_Result]):
    """One result per benchmark when ``market`` has several columns, in its column order
    (the first is the primary benchmark). Each result is the single-benchmark one, on the
    sample the benchmarks share (a date is used only where every benchmark has a level).

    Attributes
    ----------
    benchmarks : tuple of str
        The benchmarks' names (the market's header row).
    results : tuple
        Each benchmark's result: a :class:`PortfolioBeta`, :class:`PortfolioStats`, ...

    ``by["SPX"]`` (or ``by[0]``) is one benchmark's result; any attribute of the results
    reads as one value per benchmark: ``by.reg`` is an array (B,) of the REGs (numbers
    as an array, other values as a tuple), and a method is called on each result
    (``by.to_series()`` is a ByBenchmark of Series). ``to_frame()`` stacks the results' frames
    under a first index level "benchmark".
    """

    benchmarks: tuple[str, ...]
    results: tuple[_Result, ...]

    @property
    def primary(self) -> _Result:
        """The first benchmark's result (an Investment Policy Statement's primary benchmark)."""
        return self.results[0]

    def __len__(self) -> int:
        return len(self.results)

    def __getitem__(self, benchmark: str | int) -> _Result:
        if isinstance(benchmark, str):
            if benchmark not in self.benchmarks:
                raise KeyError(f"{benchmark!r} is none of the benchmarks {', '.join(self.benchmarks)}")
            return self.results[self.benchmarks.index(benchmark)]
        return self.results[benchmark]

    def items(self) -> Iterator[tuple[str, _Result]]:
        return zip(self.benchmarks, self.results, strict=True)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # copy, pickle and numpy ask for dunders: not the results'
            raise AttributeError(name)
        values = tuple(getattr(r, name) for r in self.results)
        if all(inspect.ismethod(v) for v in values):  # a method: called on each result, as one
            return lambda *args, **kwargs: ByBenchmark(self.benchmarks, tuple(v(*args, **kwargs) for v in values))
        numbers = all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values)
        return np.array(values, dtype=float) if numbers else values

    def to_frame(self) -> pd.DataFrame:
        """Each result's ``to_frame()``, stacked under an index level "benchmark"."""
        frames = [r.to_frame() for r in self.results]  # type: ignore[attr-defined]
        return pd.concat(frames, keys=list(self.benchmarks), names=["benchmark"])

    def __repr__(self) -> str:
        return "ByBenchmark(" + "; ".join(f"{b}: {r!r}" for b, r in self.items()) + ")"


def _each_benchmark(sample: Sample, figures: Callable[[Sample], Any]) -> ByBenchmark[Any]:
    """``figures`` of each benchmark's single-benchmark sample."""
    return ByBenchmark(sample.benchmarks, tuple(figures(s) for s in sample.by_benchmark()))


def _each_result(result: ByBenchmark[Any], figures: Callable[[Any], Any]) -> ByBenchmark[Any]:
    """``figures`` of each benchmark's result."""
    return ByBenchmark(result.benchmarks, tuple(figures(r) for r in result.results))


# --------------------------------------------------------------------- the sample


@_public
@declared(API["build_sample"])
def build_sample(**arguments: Any) -> Sample:
    """The validated, aligned sample of dates that every figure of a portfolio uses.

    Parameters
    ----------
    prices : range values, array (T, N) or DataFrame
        Asset prices, one row per date, oldest first (newest first too with ``dates``).
        A first row of text is a header of asset names. Blank or error cells are missing.
    shares : one row of N share counts, or a (T, N) holdings history
        Negative is short. A history's row t holds the shares held from date t on.
    market : (T,), (T, 1), or (T, B) with a header row
        Benchmark price levels on the same rows. Several benchmarks: one column each,
        named by a header row (a DataFrame's columns); a date is then used only where
        every benchmark has a level, and the figures of :func:`beta_of` and the others
        come as a :class:`ByBenchmark`, one single-benchmark result each.
    dates : (T,) or (T, 1), optional
        Dates of the rows: datetimes or Excel serial numbers.
    frequency : {"daily", "weekly", "monthly"}, optional
        "daily" uses every row; "weekly"/"monthly" keep each calendar week's/month's
        last row with complete data (needs ``dates``). Left out: every row as given,
        with the periods per year read off the dates' spacing (daily 252, weekly 52,
        monthly 12, quarterly 4, annual 1; irregular spacing is an error); without
        dates, daily rows are assumed (``Sample.frequency_source`` says which).
    rf : float or (T,), default 0
        Annual risk-free rate (0.05 for 5%), one number or one per row; turned into a
        per-period rate ``(1 + rf) ** (1 / P) - 1`` with P the periods per year, and
        subtracted from every return. A constant rate changes no beta, only alpha. Per
        row, a rate holds until the next: a blank cell (None) carries the last rate
        forward in time; an error cell and NaN are missing data. A Series indexed by its
        own dates gives each date the last rate on or before it.
    as_of : date, or row number without dates, optional
        Whose holdings set the weights. Default: the last row with complete data.

    Returns
    -------
    Sample

    Raises
    ------
    PortbetaError
        Any input that cannot give a right number; the message says what and where.
    """
    return _sample.build_sample(**arguments)


def market_returns_of(sample: Sample) -> np.ndarray:
    """The market's excess returns on the sample's dates, checked for variance."""
    market = core.excess_returns(sample.market, sample.rf)
    if not core.market_varies(market):
        raise PortbetaError("the market returns have no variance on the dates used: a beta is undefined")
    return market


@dataclass(frozen=True)
class ExcessReturns:
    """Per-period returns over the risk-free rate on the sample's dates.

    Attributes
    ----------
    assets : array (K-1, N)
        Each asset's excess return (0 for an asset never held whose prices have holes).
    market : array (K-1,)
    portfolio : array (K-1,)
        The actual holdings' excess returns.
    """

    assets: np.ndarray
    market: np.ndarray
    portfolio: np.ndarray

    def __repr__(self) -> str:
        return (
            f"ExcessReturns({len(self.market)} returns of {self.assets.shape[1]} assets, the market and the portfolio)"
        )


@_public
def returns_of(sample: Sample) -> ExcessReturns | ByBenchmark[ExcessReturns]:
    """A sample's returns over the per-period risk-free rate (assets, market, holdings),
    with the market checked for variance. A :class:`PortfolioBeta` keeps its own
    (:attr:`PortfolioBeta.returns`); with several benchmarks, of each."""
    return _each_benchmark(sample, _returns) if sample.markets is not None else _returns(sample)


def _returns(sample: Sample) -> ExcessReturns:
    """:func:`returns_of` a single-benchmark sample."""
    market = market_returns_of(sample)
    assets, portfolio = core.asset_and_holdings_returns(sample.prices, sample.holdings, sample.rf)
    return ExcessReturns(assets, market, portfolio)


excess_returns = returns_of  # the name before returns_of; core.excess_returns is the rule for one array


# --------------------------------------------------------------------- REG, WTD, GAP


@dataclass(frozen=True)
class PortfolioBeta(PerAsset):
    """Regression beta and weighted-average beta of one portfolio, on one sample.

    Attributes
    ----------
    reg : float
        OLS slope (with intercept) of the actual holdings' returns on market returns.
    wtd : float
        ``weights @ asset_betas``: the weighted average of the holdings' betas.
    gap : float
        ``reg - wtd``.
    asset_betas : array (N,)
        Each asset's OLS beta on the same sample (NaN for an asset never held whose
        prices have holes on the sample's dates).
    weights : array (N,)
        Market-value weights at ``sample.as_of``.
    gap_by_holding : array (N,)
        ``cov((w_i,t-1 - w_i) r_i,t, m_t) / var(m)``: sums to ``gap``.
    sample : Sample
        The dates kept and dropped, the aligned arrays, the frequency.
    market_returns : array (K-1,)
        The market's excess returns on the sample's dates.
    portfolio_returns : array (K-1,)
        The actual holdings' excess returns (REG's regressand).

    The figures that follow from these are computed on first use and kept
    (:attr:`stats`, :attr:`gap_detail`), or made from them on request
    (:meth:`returns`, :meth:`rolling`).
    """

    reg: float
    wtd: float
    gap: float
    asset_betas: np.ndarray
    weights: np.ndarray
    gap_by_holding: np.ndarray
    sample: Sample
    market_returns: np.ndarray = dataclasses.field(repr=False)
    portfolio_returns: np.ndarray = dataclasses.field(repr=False)

    _per_asset: ClassVar[tuple[str, ...]] = ("asset_betas", "weights", "gap_by_holding")

    @property
    def names(self) -> tuple[str, ...]:
        return self.sample.names

    def _sample(self) -> Sample:
        return self.sample

    def __repr__(self) -> str:
        return (
            f"PortfolioBeta(reg={self.reg:.4f}, wtd={self.wtd:.4f}, gap={self.gap:.4f}, "
            f"{int(self.sample.held.sum())} holdings, {self.sample.span()})"
        )

    def returns(self) -> ExcessReturns:
        """The sample's excess returns: the market's and the holdings' (those REG was
        computed from), and every asset's, made on each call (a (K-1, N) array is not
        kept: with 20,000 assets it would hold hundreds of MB per result)."""
        with one_blas_thread():
            assets = core.excess_returns(self.sample.prices, self.sample.rf)
        return ExcessReturns(assets, self.market_returns, self.portfolio_returns)

    @cached_property
    def stats(self) -> PortfolioStats:
        """PORTBETA_STATS' figures: the regression statistics of both betas and of the gap."""
        with one_blas_thread():
            return _stats(self)

    @cached_property
    def gap_detail(self) -> GapDetail:
        """BETA_GAP_DETAIL's figures: the gap split by holding."""
        with one_blas_thread():
            return _gap_detail(self)

    def rolling(self, window: Any) -> RollingBeta:
        """REG, WTD and GAP over every window of ``window`` returns (:func:`rolling_of`),
        from the returns kept here."""
        with named("rolling"), one_blas_thread():
            return _rolling(self.sample, window, self.returns)


@_public
def beta_of(sample: Sample) -> PortfolioBeta | ByBenchmark[PortfolioBeta]:
    """REG, WTD, GAP and its split by holding, of a sample (one pass over the prices);
    with several benchmarks, of each (:class:`ByBenchmark`)."""
    if sample.markets is not None:
        return _each_benchmark(sample, beta_of)
    market = market_returns_of(sample)
    parts = core.holdings_betas(sample.prices, sample.holdings, market, sample.rf)
    betas = parts.asset_betas
    reg = core.beta(parts.portfolio_returns, market)
    wtd = float(core.weighted_beta(sample.weights_as_of, betas))
    terms = core.gap_by_holding(parts.contribution_betas, betas, sample.weights_as_of, parts.rate_beta)
    betas[sample.price_gaps] = np.nan  # assets never held, with holes: their beta is unknown
    portfolio = parts.portfolio_returns
    for a in (betas, terms, market, portfolio):
        a.setflags(write=False)
    return PortfolioBeta(reg, wtd, reg - wtd, betas, sample.weights_as_of, terms, sample, market, portfolio)


@_public
@declared(API["portfolio_beta"])
def portfolio_beta(**arguments: Any) -> PortfolioBeta | ByBenchmark[PortfolioBeta]:
    """Regression beta of the actual holdings and weighted-average beta, on one sample:
    ``beta_of(build_sample(...))`` (the arguments of :func:`build_sample`)."""
    return beta_of(_sample.build_sample(**arguments))


@_public
@declared(API["asset_betas"])
def asset_betas(**arguments: Any) -> tuple[np.ndarray, Sample]:
    """Each asset's OLS beta on the market, on the dates where every price is present.

    Parameters are those of :func:`build_sample`, without ``shares`` and ``as_of``.

    Returns
    -------
    betas : array (N,), or (B, N) with B benchmarks
        One row per benchmark, in the market's column order (``sample.benchmarks``).
    sample : Sample
    """
    sample = _sample.build_sample(shares=None, **arguments, portfolio=False)
    returns = core.excess_returns(sample.prices, sample.rf)
    rows = [np.asarray(core.betas(returns, market_returns_of(s))) for s in sample.by_benchmark()]
    betas = rows[0] if sample.markets is None else np.vstack(rows)
    betas.setflags(write=False)
    return betas, sample


@dataclass(frozen=True)
class AssetStats(core.AssetFigures, PerAsset):
    """ASSET_STATS' figures: each asset's beta and the checks of it, the fields of
    :class:`core.AssetFigures` (arrays (N,) in the column order of prices), on the sample:

    Attributes
    ----------
    sample : Sample
        The dates where every price is present (as :func:`asset_betas`).
    """

    sample: Sample = dataclasses.field(kw_only=True)

    _per_asset: ClassVar[tuple[str, ...]] = tuple(
        f.name for f in dataclasses.fields(core.AssetFigures) if f.name not in ("n", "blume_weight", "lags")
    )

    def _sample(self) -> Sample:
        return self.sample

    def __repr__(self) -> str:
        return (
            f"AssetStats({len(self.sample.names)} assets, {self.n} returns; beta {_range(self.beta)}, "
            f"Vasicek {_range(self.vasicek_beta)}, Dimson {_range(self.dimson_beta)})"
        )


def _blume_weight(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, np.number)) or not np.isfinite(raw):
        raise PortbetaError(f"blume_weight {raw!r} is not a finite number (Bloomberg's is 0.67)")
    return float(raw)


def _lags(raw: Any) -> int:
    lags = whole_number(raw, "lags", " of market lags and leads")
    if lags < 1:
        raise PortbetaError(f"lags {lags} must be at least 1")
    return lags


@_public
def asset_stats_of(
    sample: Sample, blume_weight: Any = core.BLUME_WEIGHT, lags: Any = 1
) -> AssetStats | ByBenchmark[AssetStats]:
    """Each asset's beta, its standard error, t, R², alpha, Blume, Vasicek, Dimson,
    Scholes-Williams, up- and down-market betas, on a sample.

    Parameters
    ----------
    sample : Sample
        From :func:`build_sample` (an asset never held whose prices have holes there has
        empty figures, and takes no part in the Vasicek prior).
    blume_weight : float, default 0.67
        Blume's adjusted beta is ``blume_weight * beta + (1 - blume_weight)``.
    lags : int, default 1
        Lags and leads of the market in Dimson's regression.
    """
    weight, lags = _blume_weight(blume_weight), _lags(lags)
    if sample.markets is not None:
        return _each_benchmark(sample, lambda s: asset_stats_of(s, weight, lags))
    market = market_returns_of(sample)
    figures = core.asset_figures(core.excess_returns(sample.prices, sample.rf), market, weight, lags)
    values = {f.name: getattr(figures, f.name) for f in dataclasses.fields(figures)}
    gaps = sample.price_gaps
    if gaps.any():  # assets never held, with holes: unknown figures, out of the Vasicek prior
        for name in AssetStats._per_asset:
            values[name][gaps] = np.nan
        values["vasicek_beta"] = core.vasicek_betas(values["beta"], values["beta_se"])
    for name in AssetStats._per_asset:
        values[name].setflags(write=False)
    return AssetStats(**values, sample=sample)


@_public
@declared(API["asset_stats"])
def asset_stats(**arguments: Any) -> AssetStats | ByBenchmark[AssetStats]:
    """:func:`asset_stats_of` on the dates where every price is present (the arguments of
    :func:`asset_betas`; its options at their defaults)."""
    return asset_stats_of(_sample.build_sample(shares=None, **arguments, portfolio=False))


# --------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class PortfolioStats:
    """Statistics of the actual holdings and of the constant current-weights portfolio.

    Attributes
    ----------
    actual : core.BetaStats
        The actual holdings (constant shares or the holdings history): beta = REG.
    current : core.BetaStats
        A portfolio rebalanced every period to the ``as_of`` weights: beta = WTD exactly.
    gap_fit : core.LineFit
        OLS of the drift portfolio ``d_t = sum_i (w_i,t-1 - w_i,as_of) r_i,t`` (the actual
        holdings' returns minus the current weights') on the market: its slope is the
        gap, and its standard error, t and confidence interval say whether the gap is
        more than noise.
    result : PortfolioBeta
        REG, WTD, GAP and the sample they share.
    """

    actual: core.BetaStats
    current: core.BetaStats
    gap_fit: core.LineFit
    result: PortfolioBeta

    @property
    def gap_se(self) -> float:
        """The standard error of the gap (of the drift portfolio's beta)."""
        return self.gap_fit.beta_se

    @property
    def cap(self) -> float | None:
        """The beta cap of the rows "p-value above the cap" and "verdict at 95%" (None: no cap)."""
        return self.actual.cap

    @property
    def sample(self) -> Sample:
        return self.result.sample

    def __repr__(self) -> str:
        gap = self.gap_fit
        return (
            f"PortfolioStats(reg={self.actual.fit.beta:.4f} (se {self.actual.fit.beta_se:.4f}), "
            f"wtd={self.current.fit.beta:.4f} (se {self.current.fit.beta_se:.4f}), "
            f"gap={gap.beta:.4f} (se {gap.beta_se:.4f}, t {gap.t_stat:.2f}), {self.result.sample.span()})"
        )

    def to_frame(self) -> pd.DataFrame:
        """PORTBETA_STATS as a DataFrame: one row per statistic, indexed by its key
        (``tables.STATS_ROWS``: "beta", "standard_error", ...), with the label, the
        actual holdings', current weights' and difference columns, and the note. Empty
        cells are NaN; the date rows hold dates."""
        rows = tables.stats_values(self)
        return pd.DataFrame(
            [[r.label, *(np.nan if v is None else v for v in values), note] for r, values, note in rows],
            index=pd.Index([r.key for r, _, _ in rows], name="statistic"),
            columns=["label", *tables.STATS_HEADER[1:]],
        )


def _check_result(result: Any) -> None:
    if not isinstance(result, PortfolioBeta):
        raise PortbetaError(
            f"give the result of beta_of(sample) (a PortfolioBeta), not {type(result).__name__}: "
            "e.g. stats_of(beta_of(build_sample(...)))"
        )


@_public
def stats_of(
    result: PortfolioBeta | ByBenchmark[PortfolioBeta],
    blume_weight: Any = core.BLUME_WEIGHT,
    lags: Any = 1,
    cap: Any = None,
) -> PortfolioStats | ByBenchmark[PortfolioStats]:
    """Regression statistics of both betas of a :class:`PortfolioBeta` already computed:
    ``result.stats``, computed once; with other options, computed anew.

    Parameters
    ----------
    result : PortfolioBeta, or a ByBenchmark of them (then the statistics of each)
    blume_weight : float, default 0.67
        Blume's adjusted beta is ``blume_weight * beta + (1 - blume_weight)``.
    lags : int, default 1
        Lags and leads of the market in Dimson's regression.
    cap : float, optional
        A beta cap: each beta's one-sided p-value above it, ``P(T > (beta - cap) / se)``
        with n - 2 degrees of freedom, and its verdict at 95% (:func:`core.p_above_cap`).
    """
    if isinstance(result, ByBenchmark):
        return _each_result(result, lambda r: stats_of(r, blume_weight, lags, cap))
    _check_result(result)
    weight, lags, cap = _blume_weight(blume_weight), _lags(lags), read_cap(cap)
    if weight == core.BLUME_WEIGHT and lags == 1:
        stats = result.stats
    else:
        with one_blas_thread():
            stats = _stats(result, weight, lags)
    if cap is None:
        return stats
    actual, current = (dataclasses.replace(s, cap=cap) for s in (stats.actual, stats.current))
    return dataclasses.replace(stats, actual=actual, current=current)


def _stats(result: PortfolioBeta, blume_weight: float = core.BLUME_WEIGHT, lags: int = 1) -> PortfolioStats:
    """The statistics from the returns ``result`` kept, and those of the portfolio
    rebalanced to the as_of weights every period (one pass over the prices, no T x N array)."""
    sample, market, portfolio = result.sample, result.market_returns, result.portfolio_returns
    current = core.rebalanced_returns(sample.prices, result.weights, sample.rf)
    periods = sample.periods_per_year
    rf = sample.rf
    # the comparisons with the market on plain returns, as every peer computes them; the
    # market's from its prices, so that a flat period stays exactly 0
    plain_market = core.excess_returns(sample.market) if np.any(rf) else market
    current_stats = core.beta_stats(
        current, market, periods, blume_weight, lags, plain_returns=(current + rf, plain_market)
    )
    vasicek = float(core.weighted_beta(result.weights, _vasicek_betas(result)))
    return PortfolioStats(
        actual=core.beta_stats(
            portfolio, market, periods, blume_weight, lags, plain_returns=(portfolio + rf, plain_market)
        ),
        current=dataclasses.replace(current_stats, vasicek_beta=vasicek),
        gap_fit=core.line_fit(core.drift_returns(portfolio, current), market),
        result=result,
    )


def _vasicek_betas(result: PortfolioBeta) -> np.ndarray:
    """Each asset's Vasicek beta on the sample of ``result``: its OLS beta shrunk toward
    the cross-section of every asset in the prices range with a known beta."""
    sample = result.sample
    errors = core.beta_standard_errors(sample.prices, result.market_returns, result.asset_betas, sample.rf)
    return core.vasicek_betas(result.asset_betas, errors)  # NaN betas (price gaps): NaN errors, out of the prior


@_public
@declared(API["portfolio_stats"])
def portfolio_stats(cap: Any = None, **arguments: Any) -> PortfolioStats | ByBenchmark[PortfolioStats]:
    """Regression statistics of both betas on one sample (arguments of :func:`build_sample`,
    and ``cap``, a beta cap, as :func:`stats_of`'s)."""
    cap = read_cap(cap)  # a bad cap is reported before the data
    return stats_of(portfolio_beta(**arguments), cap=cap)


@dataclass(frozen=True)
class GapDetail(PerAsset):
    """Each holding's part of the gap (arrays in the column order of prices).

    Attributes
    ----------
    shares : array (N,)
        Shares held at ``as_of``.
    weights : array (N,)
        Market-value weights at ``as_of``.
    average_weights : array (N,)
        Mean start-of-period weight over the sample's return periods.
    betas : array (N,)
    drift : array (N,)
        ``(average_weight - weight) * beta``.
    interaction : array (N,)
        ``contribution - drift``: ``cov((w_t-1 - average_weight) * r_t, m) / var(m)``.
    contribution : array (N,)
        ``cov((w_t-1 - weight) * r_t, m) / var(m)``; sums to the gap.
    result : PortfolioBeta
    """

    shares: np.ndarray
    weights: np.ndarray
    average_weights: np.ndarray
    betas: np.ndarray
    drift: np.ndarray
    interaction: np.ndarray
    contribution: np.ndarray
    result: PortfolioBeta

    _per_asset: ClassVar[tuple[str, ...]] = (
        "shares", "weights", "average_weights", "betas", "drift", "interaction", "contribution",
    )  # fmt: skip

    def _sample(self) -> Sample:
        return self.result.sample

    @property
    def gap(self) -> float:
        """BETA_GAP: the contributions' sum."""
        return self.result.gap

    def __repr__(self) -> str:
        names = self.result.names
        return f"GapDetail(gap={self.result.gap:.4f}; largest contributions: {_biggest(self.contribution, names)})"

    def to_frame(self) -> pd.DataFrame:
        """BETA_GAP_DETAIL as a DataFrame: one row per asset (indexed by name), the
        columns of ``tables.DETAIL_COLUMNS`` by key ("shares", "weight", ...,
        "contribution"); no total row (``frame.sum()`` gives it: the contributions sum
        to the gap)."""
        index = asset_index(self.result.sample)
        return pd.DataFrame({c.key: np.array(c.of(self)) for c in tables.DETAIL_COLUMNS[1:]}, index=index)


@_public
def gap_detail_of(result: PortfolioBeta | ByBenchmark[PortfolioBeta]) -> GapDetail | ByBenchmark[GapDetail]:
    """The gap of a :class:`PortfolioBeta` already computed, split by holding:
    ``result.gap_detail``, computed once (of each benchmark's, for a :class:`ByBenchmark`)."""
    if isinstance(result, ByBenchmark):
        return _each_result(result, gap_detail_of)
    _check_result(result)
    return result.gap_detail


def _gap_detail(result: PortfolioBeta) -> GapDetail:
    sample = result.sample
    average = core.average_weights(sample.prices, sample.holdings)
    drift = core.drift_parts(
        average, result.weights, result.asset_betas, core.rate_beta(sample.rf, result.market_returns)
    )
    return GapDetail(
        shares=sample.shares_as_of,
        weights=result.weights,
        average_weights=average,
        betas=result.asset_betas,
        drift=drift,
        interaction=result.gap_by_holding - drift,
        contribution=result.gap_by_holding,
        result=result,
    )


@_public
@declared(API["gap_detail"])
def gap_detail(**arguments: Any) -> GapDetail | ByBenchmark[GapDetail]:
    """Split the gap by holding (arguments of :func:`build_sample`)."""
    return gap_detail_of(portfolio_beta(**arguments))


# --------------------------------------------------------------------- rolling


class _WindowEnds:
    """The end of each window of a rolling result (its ``window`` and ``sample``)."""

    window: int
    sample: Sample

    @property
    def label_values(self) -> np.ndarray:
        """Each window's last date (``datetime64[ns]``), or its row number without dates."""
        return self.sample.label_values[self.window :]

    @functools.cached_property
    def labels(self) -> tuple:
        """Each window's last date (``pandas.Timestamp``) or row, made on first use."""
        return tuple(_sample.labels_of(self.label_values))


@dataclass(frozen=True)
class RollingBeta(_WindowEnds):
    """REG, WTD and GAP over every window of ``window`` returns.

    Attributes
    ----------
    reg, wtd, gap : array (W,)
        NaN where a window's market returns have no variance.
    window : int
    sample : Sample
    labels : tuple
        The date (or row) that ends each window (made on first use: the Excel table
        makes its cells from :attr:`label_values`).
    """

    reg: np.ndarray
    wtd: np.ndarray
    gap: np.ndarray
    window: int
    sample: Sample

    def __repr__(self) -> str:
        return (
            f"RollingBeta(window={self.window}, {_windows(self.labels)}; reg {_range(self.reg)}, "
            f"wtd {_range(self.wtd)}, gap {_range(self.gap)})"
        )

    def to_frame(self) -> pd.DataFrame:
        """Columns reg, wtd and gap, indexed by each window's last date (or row)."""
        data = {"reg": np.array(self.reg), "wtd": np.array(self.wtd), "gap": np.array(self.gap)}
        return pd.DataFrame(data, index=label_index(self.labels))


def _windows(labels: tuple) -> str:
    first, last = labels[0], labels[-1]
    where = f"{first:%Y-%m-%d}..{last:%Y-%m-%d}" if isinstance(first, pd.Timestamp) else f"rows {first}..{last}"
    return f"{len(labels)} windows ending {where}"


def window_of(raw: Any, sample: Sample) -> int:
    """A rolling window: a whole number of returns, at least 3 and at most the sample's."""
    window = whole_number(raw, "window", " of returns")
    if not MIN_RETURNS <= window <= sample.n_returns:
        raise PortbetaError(
            f"window {window} must be between {MIN_RETURNS} and the {sample.n_returns} returns in the sample"
        )
    return window


@_public
def rolling_of(sample: Sample, window: Any) -> RollingBeta | ByBenchmark[RollingBeta]:
    """REG, WTD (weights at each window's end) and GAP at every window end of a sample,
    in O(T x N).

    Parameters
    ----------
    sample : Sample
    window : int
        Returns per window: at least 3, at most the number of returns in the sample
        (a whole number; 252.0 or a one-cell range are fine).
    """
    if sample.markets is not None:
        return _each_benchmark(sample, lambda s: rolling_of(s, window))
    return _rolling(sample, window, lambda: _returns(sample))


def _rolling(sample: Sample, window: Any, returns_of_sample: Callable[[], ExcessReturns]) -> RollingBeta:
    """:func:`rolling_of`, with the sample's returns from ``returns_of_sample`` once the
    window is checked."""
    window = window_of(window, sample)
    returns = returns_of_sample()
    codev, squares = core.rolling_moments(returns.portfolio.reshape(-1, 1), returns.market, window)
    with np.errstate(divide="ignore", invalid="ignore"):  # flat windows' squares are 0: blanked below
        reg = codev[:, 0] / squares  # the squares are kept for the flat windows
    # Weights at each window's end: the holdings on the date that closes its last return.
    end_holdings = sample.holdings[window:] if sample.has_history else sample.holdings
    wtd = core.rolling_weighted_beta(returns.assets, returns.market, sample.prices[window:], end_holdings, window)
    flat = core.flat_windows(returns.market, window, squares)
    reg, wtd = np.where(flat, np.nan, reg), np.where(flat, np.nan, wtd)
    gap = reg - wtd
    for a in (reg, wtd, gap):
        a.setflags(write=False)
    return RollingBeta(reg, wtd, gap, window, sample)


@_public
@declared(API["rolling_portfolio_beta"])
def rolling_portfolio_beta(window: Any, **arguments: Any) -> RollingBeta | ByBenchmark[RollingBeta]:
    """:func:`rolling_of` the sample of these arguments (those of :func:`build_sample`,
    and ``window``, a whole number of returns)."""
    whole_number(window, "window", " of returns")  # a bad window is reported before the data
    return rolling_of(_sample.build_sample(**arguments), window)


@dataclass(frozen=True)
class RollingAssetBetas(_WindowEnds):
    """Each asset's beta over every window of ``window`` returns.

    Attributes
    ----------
    betas : array (W, N)
        NaN where a window's market returns have no variance.
    window : int
    sample : Sample
    labels : tuple
        The date (or row) that ends each window (made on first use).
    """

    betas: np.ndarray
    window: int
    sample: Sample

    def __repr__(self) -> str:
        return f"RollingAssetBetas({len(self.sample.names)} assets, window={self.window}, {_windows(self.labels)})"

    def to_frame(self) -> pd.DataFrame:
        """One column per asset (by name), indexed by each window's last date (or row)."""
        return pd.DataFrame(np.array(self.betas), index=label_index(self.labels), columns=asset_index(self.sample))


@_public
@declared(API["rolling_asset_betas"])
def rolling_asset_betas(window: Any, **arguments: Any) -> RollingAssetBetas | ByBenchmark[RollingAssetBetas]:
    """Each asset's OLS beta at every window end, in O(T x N), on the dates where every
    price is present (arguments of :func:`asset_betas`, and ``window`` as for
    :func:`rolling_of`)."""
    whole_number(window, "window", " of returns")  # a bad window is reported before the data
    sample = _sample.build_sample(shares=None, **arguments, portfolio=False)
    window = window_of(window, sample)
    if sample.markets is not None:
        return _each_benchmark(sample, lambda s: _rolling_asset_betas(s, window))
    return _rolling_asset_betas(sample, window)


def _rolling_asset_betas(sample: Sample, window: int) -> RollingAssetBetas:
    market_returns = market_returns_of(sample)
    betas = core.rolling_asset_betas(core.excess_returns(sample.prices, sample.rf), market_returns, window)
    betas[core.flat_windows(market_returns, window)] = np.nan
    betas.setflags(write=False)
    return RollingAssetBetas(betas, window, sample)


# --------------------------------------------------------------------- a book of accounts


@dataclass(frozen=True)
class BookBetas(core.BookFigures):
    """Both betas of every account of a book: the fields of :class:`core.BookFigures`
    (arrays (K,) in the order of the accounts, NaN where an account has a note), then:

    Attributes
    ----------
    accounts : tuple of str
    observations : array of int
        Returns in each account's sample (0 where it has none).
    notes : tuple of str
        Why an account's figures are empty ("" where they are not).
    sample : BookSample
        The accounts' share counts and samples.
    first_date, last_date, as_of : tuple
        Each account's first and last date (or row) used and the date of its weights
        (None where it has no figures).
    periods_per_year : array of int
        Each account's return periods a year (0 where it has no figures).
    sample_notes : tuple of str
        For an account with figures on other dates than most accounts' (it holds an asset
        whose prices are missing on some dates: a late IPO starts later): which dates, and
        why; "" elsewhere.
    cap : float or None
        The beta cap of ``reg_p_above_cap`` and ``wtd_p_above_cap`` (None: none given).
    """

    accounts: tuple[str, ...]
    observations: np.ndarray
    notes: tuple[str, ...]
    sample: _book.BookSample
    first_date: tuple
    last_date: tuple
    as_of: tuple
    periods_per_year: np.ndarray
    sample_notes: tuple[str, ...]
    cap: float | None = None

    def __repr__(self) -> str:
        return f"BookBetas({len(self.accounts)} accounts, {len(self.sample.names)} assets)"

    @property
    def table_notes(self) -> tuple[str, ...]:
        """The table's note column: why an account has no figures, else its sample's note."""
        return tuple(n or d for n, d in zip(self.notes, self.sample_notes, strict=True))

    @property
    def reg_cap_verdict(self) -> tuple[str | None, ...]:
        """:func:`core.cap_verdict` of each account's REG (None without a cap or figures)."""
        return tuple(core.cap_verdict(p) for p in self.reg_p_above_cap.tolist())

    @property
    def wtd_cap_verdict(self) -> tuple[str | None, ...]:
        """:func:`core.cap_verdict` of each account's WTD (None without a cap or figures)."""
        return tuple(core.cap_verdict(p) for p in self.wtd_p_above_cap.tolist())

    @property
    def cap_breach(self) -> tuple[str | None, ...]:
        """Which beta is above the cap, per account: "REG and WTD", "REG only", "WTD only"
        or "neither" (the estimates, as an IPS reads its cap; the verdicts say whether
        estimation noise could explain it); None without a cap or figures."""
        if self.cap is None:
            return (None,) * len(self.accounts)
        words = {(True, True): "REG and WTD", (True, False): "REG only", (False, True): "WTD only"}
        return tuple(
            None if not math.isfinite(r + w) else words.get((r > self.cap, w > self.cap), "neither")
            for r, w in zip(self.reg.tolist(), self.wtd.tolist(), strict=True)
        )

    def breached_by(self, method: str) -> tuple[str, ...]:
        """The accounts whose beta is above the cap under ``method`` ("REG" or "WTD") only:
        those for which the method decides the breach."""
        if method not in ("REG", "WTD"):
            raise PortbetaError(f'breached_by: method {method!r} is not "REG" or "WTD"')
        return tuple(a for a, b in zip(self.accounts, self.cap_breach, strict=True) if b == f"{method} only")

    def to_frame(self) -> Any:
        """The table's columns (``tables.book_columns``, by key) as a pandas DataFrame
        indexed by account: the figures, observations, each account's sample, with a cap
        its p-values, verdicts and breach, and the note column."""
        data = {c.key: c.of(self) for c in tables.book_columns(self.cap is not None)[1:]}
        return pd.DataFrame(data, index=pd.Index(self.accounts, name="account"))


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform says)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _book_threads(threads: Any) -> int:
    """``threads`` of :func:`book_betas` as a count: None is every usable core."""
    if threads is None:
        return usable_cores()
    if isinstance(threads, bool) or not isinstance(threads, int | np.integer) or threads < 1:
        raise PortbetaError(f"threads is {threads!r}: give a whole number of threads, 1 or more (None: every core)")
    return int(threads)


def _arguments(**arguments: Any) -> dict[str, Any]:
    return arguments


_arguments.__name__ = "book_betas"  # a call Python would refuse is refused in book_betas' name
_book_arguments = declared(API["book_betas"])(_arguments)


@_public
def book_betas(*args: Any, threads: int | None = None, **kwargs: Any) -> BookBetas | ByBenchmark[BookBetas]:
    """REG, WTD, GAP and the gap's standard error of every account of a book.

    Parameters
    ----------
    holdings : share counts, one row per account
        K rows x N columns, in the column order of ``prices`` or matched by name with a
        header row of asset names, an optional first column of account names (text), a
        DataFrame's index naming the accounts; or a ``scipy.sparse`` matrix (K, N); or a
        DataFrame of long rows with the columns ``account, ticker, shares`` (one row per
        position; tickers are the prices' names; accounts in order of first appearance).
        Sparse and long holdings stay sparse: no K x N array is made. Or a dict of account
        name to that account's holdings history (T x N, as ``shares`` takes it: e.g.
        :func:`holdings_from_trades`): each account's figures are then
        :func:`portfolio_beta`'s of its history.
    cap : float, optional
        A beta cap: each account's p-values of REG and WTD above it, their verdicts at
        95% and which beta breaches it (:attr:`BookBetas.cap_breach`).
    threads : int or None, keyword only
        Blocks of accounts computed at once, each on its own thread and one BLAS thread.
        None (the default): every usable core. The Excel function passes 1, so that a
        recalculation leaves Excel's other work its cores.
    Other parameters are those of :func:`build_sample`; several benchmarks give a
    :class:`ByBenchmark` of books, every account on the dates where all have a level.
    """
    count = _book_threads(threads)
    arguments = _book_arguments(*args, **kwargs)
    cap = read_cap(arguments.pop("cap"))  # a bad cap is reported before the data
    holdings = arguments["holdings"]
    # a dict from Python; Office.js sends one cell's error or linked value as a dict with a "type"
    if isinstance(holdings, dict) and "type" not in holdings:
        return _book_of_histories(cap=cap, **arguments)
    book = _book.build_book_sample(**arguments)
    if book.benchmarks:
        return ByBenchmark(book.benchmarks, tuple(_book_figures(b, cap, count) for b in book.by_benchmark()))
    return _book_figures(book, cap, count)


def _book_figures(book: _book.BookSample, cap: float | None, threads: int = 1) -> BookBetas:
    k = len(book.accounts)
    names = [f.name for f in dataclasses.fields(core.BookFigures)]
    figures = {name: np.full(k, np.nan) for name in names}
    figures["valid"] = np.zeros(k, dtype=bool)
    observations, notes = np.zeros(k, dtype=int), list(book.notes)
    for group in book.groups:
        note, failed = _group_figures(group, book, figures, observations, cap, threads)
        for a in failed.tolist():
            notes[a] = note
    for a in figures.values():
        a.setflags(write=False)
    first, last, as_of, periods, sample_notes = _account_samples(book, notes)
    return BookBetas(
        **figures, accounts=book.accounts, observations=observations, notes=tuple(notes), sample=book,
        first_date=first, last_date=last, as_of=as_of, periods_per_year=periods, sample_notes=sample_notes, cap=cap,
    )  # fmt: skip


def _day(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if hasattr(value, "strftime") else f"row {value}"


def _account_samples(
    book: _book.BookSample, notes: list[str], histories: bool = False
) -> tuple[tuple, tuple, tuple, np.ndarray, tuple[str, ...]]:
    """Each account's first and last date, as_of and periods a year (None and 0 without
    figures), and the note of those whose dates are not most accounts' (``histories``:
    accounts with holdings histories, whose own blank rows leave out dates too)."""
    k = len(book.accounts)
    first, last, as_of, notes_of = [None] * k, [None] * k, [None] * k, [""] * k
    periods = np.zeros(k, dtype=int)
    shown = [(g, [a for a in g.accounts.tolist() if not notes[a]]) for g in book.groups if g.labels]
    shown = [(g, accounts) for g, accounts in shown if accounts]
    if not shown:
        return tuple(first), tuple(last), tuple(as_of), periods, tuple(notes_of)
    main, _ = max(shown, key=lambda pair: len(pair[1]))  # the sample most accounts stand on

    def span(g: _book.BookGroup) -> tuple[Any, ...]:
        return g.labels[0], g.labels[-1], g.as_of, len(g.labels), g.frequency

    for group, accounts in shown:
        differs = span(group) != span(main)
        for a in accounts:
            first[a], last[a], as_of[a] = group.labels[0], group.labels[-1], group.as_of
            periods[a] = core.PERIODS_PER_YEAR[group.frequency]
            notes_of[a] = _other_dates_note(group, main, histories) if differs else ""
    periods.setflags(write=False)
    return tuple(first), tuple(last), tuple(as_of), periods, tuple(notes_of)


def _other_dates_note(group: _book.BookGroup, main: _book.BookGroup, histories: bool = False) -> str:
    """Why an account's dates are not most accounts': the assets with missing prices it holds
    (``histories``: or its holdings history's blank rows, before its first trade or statement)."""

    def words(g: _book.BookGroup) -> str:
        return (
            f"{_day(g.labels[0])} to {_day(g.labels[-1])}, {len(g.labels) - 1} returns, weights as of {_day(g.as_of)}"
        )

    held = group.holes_held
    later = group.labels[0] > main.labels[0]
    why = (
        f"it holds {', '.join(held[:3])}{' and others' if len(held) > 3 else ''}, whose prices are missing on some "
        f"dates{' (a late listing: its sample starts later)' if later else ''}"
        if held
        else "it holds none of the assets whose missing prices leave out dates for most accounts"
    )
    if histories:  # the groups of histories do not know which assets have holes: the two causes
        why = (
            "its holdings history has no holdings on some dates (before its first trade or statement), or it holds "
            "assets whose prices are missing on some dates"
        )
    return f"its own dates: {words(group)}; most accounts': {words(main)}; {why}"


def _book_of_histories(
    holdings: dict[Any, Any], cap: float | None, **arguments: Any
) -> BookBetas | ByBenchmark[BookBetas]:
    """:func:`book_betas` of accounts with holdings histories: each account's sample and
    figures are :func:`portfolio_beta`'s (its own dates, as a book's always are); a problem
    of one account is its note. With several benchmarks, a book per benchmark."""
    accounts = tuple(str(a) for a in holdings)
    samples: dict[int, Sample] = {}
    notes = [""] * len(accounts)
    for k, history in enumerate(holdings.values()):
        try:
            samples[k] = _sample.build_sample(shares=history, **arguments)
        except PortbetaError as error:
            notes[k] = error.problem
    benchmarks = next((s.benchmarks for s in samples.values() if s.markets is not None), ())
    if not benchmarks:
        return _histories_book(accounts, samples, notes, cap)
    books = [_histories_book(accounts, {k: s.by_benchmark()[b] for k, s in samples.items()}, notes, cap)
             for b in range(len(benchmarks))]  # fmt: skip
    return ByBenchmark(benchmarks, tuple(books))


def _history_figures(sample: Sample, cap: float | None) -> dict[str, Any]:
    """One account's :class:`core.BookFigures` fields from its own sample: those of
    :func:`beta_of` and :func:`stats_of` (WTD's p-value: the rebalanced portfolio's, as the book's)."""
    result = beta_of(sample)
    stats = result.stats if cap is None else stats_of(result, cap=cap)
    assert isinstance(result, PortfolioBeta) and isinstance(stats, PortfolioStats)  # one benchmark here
    return dict(
        value=sample.value_as_of, reg=result.reg, wtd=result.wtd, gap=result.gap, gap_se=stats.gap_fit.beta_se,
        gap_t=stats.gap_fit.t_stat, r_squared=stats.actual.fit.r_squared,
        reg_p_above_cap=np.nan if cap is None else stats.actual.p_above_cap,
        wtd_p_above_cap=np.nan if cap is None else stats.current.p_above_cap, valid=True,
    )  # fmt: skip


def _histories_book(
    accounts: tuple[str, ...], samples: dict[int, Sample], notes: list[str], cap: float | None
) -> BookBetas:
    """The book of accounts with their own samples (by position; the others have a note).
    Accounts whose figures stand on the same dates share a group (the book's sample line
    and each account's dates read the groups)."""
    names = [f.name for f in dataclasses.fields(core.BookFigures)]
    figures = {name: np.full(len(accounts), np.nan) for name in names}
    figures["valid"] = np.zeros(len(accounts), dtype=bool)
    observations, notes, used = np.zeros(len(accounts), dtype=int), list(notes), {}
    for k, sample in samples.items():
        try:
            found = _history_figures(sample, cap)
        except PortbetaError as error:
            notes[k] = error.problem
            continue
        for name in names:
            figures[name][k] = found[name]
        observations[k], used[k] = sample.n_returns, sample
    for a in figures.values():
        a.setflags(write=False)
    asset_names = next(iter(samples.values())).names if samples else ()
    nothing = np.full(len(asset_names), np.nan)
    held = [used[k].shares_as_of if k in used else nothing for k in range(len(accounts))]
    book = _book.BookSample(
        names=asset_names,
        accounts=accounts,
        holdings=np.array(held).reshape(len(accounts), len(asset_names)),  # each account's shares at its as_of
        notes=tuple(notes),
        groups=_book.groups_by_dates(used),
    )
    first, last, as_of, periods, sample_notes = _account_samples(book, notes, histories=True)
    return BookBetas(
        **figures, accounts=accounts, observations=observations, notes=tuple(notes), sample=book,
        first_date=first, last_date=last, as_of=as_of, periods_per_year=periods, sample_notes=sample_notes, cap=cap,
    )  # fmt: skip


book_betas.__signature__ = _book_arguments.__signature__.replace(  # type: ignore[attr-defined]
    parameters=[
        *_book_arguments.__signature__.parameters.values(),  # type: ignore[attr-defined]
        inspect.Parameter("threads", inspect.Parameter.KEYWORD_ONLY, default=None),
    ],
    return_annotation="BookBetas | ByBenchmark[BookBetas]",
)


def _group_figures(
    group: _book.BookGroup,
    book: _book.BookSample,
    figures: dict[str, np.ndarray],
    observations: np.ndarray,
    cap: float | None,
    threads: int = 1,
) -> tuple[str, np.ndarray]:
    """One group's figures written into ``figures`` and ``observations``; the note of its
    accounts left without figures, and which they are."""
    if group.note or group.market is None or group.prices is None or group.rf is None or group.as_of_prices is None:
        return group.note or "no sample for these holdings", group.accounts  # never a silent blank row
    market_returns = core.excess_returns(group.market, group.rf)
    if not core.market_varies(market_returns):
        return "the market returns have no variance on the dates these holdings need", group.accounts
    every = len(group.accounts) == len(book.accounts)  # one group of the whole book: its counts as they are
    counts = book.holdings if every else book.holdings[group.accounts]
    found = core.book_figures(group.prices, counts, market_returns, group.rf, group.as_of_prices, cap, threads=threads)
    for name, values in figures.items():
        values[group.accounts] = getattr(found, name)
    observations[group.accounts[found.valid]] = len(market_returns)
    note = "shares and prices give a net value <= 0 (or beyond 1e308) on a date used: it must be positive"
    return note, group.accounts[~found.valid]


# --------------------------------------------------------------------- currencies


@_public
@declared(API["prices_in"])
def prices_in(**arguments: Any) -> currencies.ConvertedPrices:
    """Prices in several currencies as prices in the portfolio's (PRICES_IN).

    Parameters
    ----------
    prices : range values, array (T, N) or DataFrame
        Each asset's prices in its own currency; a first row of text is a header of names
        (kept). Blank or error cells are missing.
    currencies : N codes, or one code for all
        Each asset's currency ("USD", "EUR"), in the column order of ``prices``; or two
        rows (the prices' names over their codes), or a Series of codes indexed by name.
    fx_rates : range with a header row of codes, or DataFrame
        One row per row of ``prices`` (the same dates; a DataFrame indexed by dates must
        have the prices' dates), one column per currency: the price of one unit of it in
        the base currency. Codes are matched without regard to case (a mixed-case code
        such as GBp, pence, only as written).
    base : str, optional
        The portfolio's currency: assets in it are not converted and need no column.
        Left out, every currency needs its column.

    Returns
    -------
    currencies.ConvertedPrices
        ``values`` (T, N): each price times its currency's rate on its row; NaN where the
        price or the rate is missing (never another date's rate). ``to_frame()`` for pandas.
    """
    return currencies.prices_in(**arguments)


# --------------------------------------------------------------------- holdings as the desk has them


@_public
@declared(API["holdings_on"])
def holdings_on(**arguments: Any) -> pd.DataFrame:
    """The holdings history on the prices' dates of statements on their own dates: each
    date holds the last statement dated on or before it (a statement holds until the next).

    Parameters
    ----------
    dates : (T,) or (T, 1)
        The prices' dates (as ``build_sample`` takes them), in any order.
    statement_dates : (K,) or (K, 1)
        Each statement's date, each one of ``dates`` (a statement on a day without prices
        is refused, naming it), each once, in any order. A DataFrame's index is passed
        as ``statements.index`` (or None, with ``statements`` a DataFrame indexed by date).
    statements : (K, N)
        The share counts on each statement date, one column per asset; an optional
        header row of names (a DataFrame's columns). A blank count is missing data.

    Returns
    -------
    DataFrame (T, N)
        Indexed by ``dates`` (a DatetimeIndex named "date"), its columns the statements'
        names (positions without names); NaN on the dates before the first statement
        (blank holdings: ``build_sample`` drops those dates and counts them among the
        "blanks in the holdings history"). Pass it as ``shares``.
    """
    return _holdings.holdings_on(**arguments)


@_public
@declared(API["holdings_from_trades"])
def holdings_from_trades(**arguments: Any) -> pd.DataFrame:
    """The holdings history on the prices' dates of a ledger of trades: each date holds
    the opening positions plus every trade dated on or before it.

    Parameters
    ----------
    dates : (T,) or (T, 1)
        The prices' dates, in any order.
    trade_dates, tickers, quantities : (M,) or (M, 1) each
        One trade per row: its date, its ticker (text, matched exactly) and its signed
        quantity (+ bought, - sold). A trade on date t is held from t's close: it counts
        from the return that starts on t. A trade on a day without prices counts from the
        next date (the first close that holds it); trades before the first date are held
        on it, trades after the last date on none. Rows blank in all three are left out;
        a trade missing one of them is an error naming its row.
    names : optional, a row or column of text
        The columns in order (e.g. the prices' names); every ticker must be one of them.
        Left out: the tickers in the order they first appear.
    opening : optional, one row of N counts
        The positions held before the first trade, in the order of ``names``, or with a
        header row of names of its own (matched by name). Left out: none.

    Returns
    -------
    DataFrame (T, N)
        Indexed by ``dates`` (a DatetimeIndex named "date"), one column per name. Pass it
        as ``shares``.
    """
    return _holdings.holdings_from_trades(**arguments)
