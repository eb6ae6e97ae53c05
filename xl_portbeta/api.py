"""The Python API: one call for every figure, shared by the UDFs and the command line."""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TypeVar

import numpy as np

from . import core
from .inputs import fail, whole_number
from .sample import MIN_RETURNS, Sample, build_sample

__all__ = [
    "PortfolioBeta",
    "portfolio_beta",
    "asset_betas",
    "excess_returns",
    "BetaStats",
    "PortfolioStats",
    "portfolio_stats",
    "stats_of",
    "GapDetail",
    "gap_detail",
    "gap_detail_of",
    "RollingBeta",
    "rolling_portfolio_beta",
]

_Function = TypeVar("_Function", bound=Callable[..., Any])
_blas_controller: Any = None


def _blas_threads() -> Any:
    """threadpoolctl's controller of the BLAS libraries loaded, made once; None without."""
    global _blas_controller
    if _blas_controller is None:
        try:
            from threadpoolctl import ThreadpoolController

            _blas_controller = ThreadpoolController().select(user_api="blas")
        except Exception:  # not installed, or it cannot inspect this platform
            _blas_controller = False
    return _blas_controller if _blas_controller and _blas_controller.lib_controllers else None


_blas_lock = threading.Lock()
_blas_users = 0  # calls inside one_blas_thread now, in any thread
_blas_limiter: Any = None  # threadpoolctl's record of the setting to restore


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS limited to one thread while the ``with`` block runs, then as it was.

    The core's matrix-vector products are memory-bound: a second BLAS thread gains about
    10%, but while other processes keep the cores busy (Excel recalculating, a server's
    other workers) a threaded call waits for them. Measured on 2,520 x 500 with another
    process busy: median 3.6 ms on one thread against 7.5 ms on two (p90 4.6 against
    16 ms). Where threadpoolctl is missing or finds no BLAS it controls (Pyodide in
    xlwings Lite has no BLAS threads), nothing is changed.

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
            except Exception:  # a library that refuses: run as it is
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


def _serial_blas(function: _Function) -> _Function:
    """Run ``function`` with :func:`one_blas_thread`."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with one_blas_thread():
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


# Market returns that vary by no more than this many units of rounding error carry no
# information a float can resolve: a beta from them would be noise, so it is an error.
_RESOLVABLE_ULPS = 64


def _resolution(market_returns: np.ndarray) -> float:
    """The smallest spread of market returns that is signal, not rounding.

    A return (p1 - p0) / p0 carries an absolute rounding error of about eps * (1 + |r|).
    """
    return _RESOLVABLE_ULPS * np.finfo(float).eps * (1.0 + np.abs(market_returns).max())


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


@dataclass(frozen=True)
class PortfolioBeta:
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
    """

    reg: float
    wtd: float
    gap: float
    asset_betas: np.ndarray
    weights: np.ndarray
    gap_by_holding: np.ndarray
    sample: Sample

    @property
    def names(self) -> tuple[str, ...]:
        return self.sample.names


def market_excess_returns(sample: Sample, function: str = "portfolio_beta") -> np.ndarray:
    """The market's returns over rf, checked for variance."""
    market = core.simple_returns(sample.market) - sample.rf
    if np.abs(core.centred(market)).max() <= _resolution(market):
        raise fail(function, "the market returns have no variance on the dates used: a beta is undefined")
    return market


def excess_returns(sample: Sample, function: str = "portfolio_beta") -> ExcessReturns:
    """Returns over the per-period risk-free rate, with the market checked for variance."""
    market = market_excess_returns(sample, function)
    assets, portfolio = core.asset_and_holdings_returns(sample.prices, sample.shares_held, sample.rf)
    return ExcessReturns(assets, market, portfolio)


@_serial_blas
def portfolio_beta(
    prices: Any,
    shares: Any,
    market: Any,
    dates: Any = None,
    frequency: str | None = "daily",
    rf: Any = 0.0,
    as_of: Any = None,
    *,
    function: str = "portfolio_beta",
) -> PortfolioBeta:
    """Regression beta of the actual holdings and weighted-average beta, on one sample.

    Parameters
    ----------
    prices : range values, array (T, N) or DataFrame
        Asset prices, one row per date, oldest first (newest first too with ``dates``).
        A first row of text is a header of asset names. Blank or error cells are missing.
    shares : one row of N share counts, or a (T, N) holdings history
        Negative is short. A history's row t holds the shares held from date t on.
    market : (T,) or (T, 1)
        Benchmark price levels on the same rows.
    dates : (T,) or (T, 1), optional
        Dates of the rows: datetimes or Excel serial numbers.
    frequency : {"daily", "weekly", "monthly"}, default "daily"
        "daily" uses every row; "weekly"/"monthly" keep each calendar week's/month's
        last row with complete data. Needs ``dates``.
    rf : float or (T,), default 0
        Annual risk-free rate (0.05 for 5%), one number or one per row; turned into a
        per-period rate ``(1 + rf) ** (1 / P) - 1`` with P = 252, 52 or 12, and
        subtracted from every return. A constant rate changes no beta, only alpha.
    as_of : date, or row number without dates, optional
        Whose holdings set the weights. Default: the last row with complete data.
    function : str
        The name to start error messages with (the UDFs pass their Excel name).

    Returns
    -------
    PortfolioBeta

    Raises
    ------
    PortbetaError
        Any input that cannot give a right number; the message says what and where.
    """
    sample = build_sample(prices, shares, market, dates, frequency, rf, as_of, function=function)
    market_returns = market_excess_returns(sample, function)
    parts = core.holdings_betas(sample.prices, sample.shares_held, market_returns, sample.rf)
    betas = parts.asset_betas
    reg = core.beta(parts.portfolio_returns, market_returns)
    wtd = float(np.where(sample.weights_as_of != 0, sample.weights_as_of * betas, 0.0).sum())
    terms = core.gap_by_holding(parts.contribution_betas, betas, sample.weights_as_of)
    betas[sample.price_gaps] = np.nan  # assets never held, with holes: their beta is unknown
    for a in (betas, terms):
        a.setflags(write=False)
    return PortfolioBeta(
        reg=reg,
        wtd=wtd,
        gap=reg - wtd,
        asset_betas=betas,
        weights=sample.weights_as_of,
        gap_by_holding=terms,
        sample=sample,
    )


@_serial_blas
def asset_betas(
    prices: Any,
    market: Any,
    dates: Any = None,
    frequency: str | None = "daily",
    rf: Any = 0.0,
    *,
    function: str = "asset_betas",
) -> tuple[np.ndarray, Sample]:
    """Each asset's OLS beta on the market, on the dates where every price is present.

    Parameters are those of :func:`portfolio_beta`, without ``shares`` and ``as_of``.

    Returns
    -------
    betas : array (N,)
    sample : Sample
    """
    sample = build_sample(prices, None, market, dates, frequency, rf, None, function=function, portfolio=False)
    asset_returns = core.simple_returns(sample.prices)
    if sample.rf.any():
        asset_returns -= sample.rf[:, None]
    betas = np.asarray(core.betas(asset_returns, market_excess_returns(sample, function)))
    betas.setflags(write=False)
    return betas, sample


# --------------------------------------------------------------------- statistics

# A regime (up or down market) needs this many returns for a beta.
MIN_REGIME_RETURNS = 3
BLUME_WEIGHT = 0.67  # Blume (1971): adjusted beta = 0.67 * beta + 0.33


@dataclass(frozen=True)
class BetaStats:
    """Regression statistics of one return series on the market, on the sample's dates.

    Attributes
    ----------
    fit : core.LineFit
        OLS with intercept: alpha, beta, its standard error, R², residual volatility.
    ci_low, ci_high : float
        95% confidence interval of beta, ``beta -+ t_{0.975, n-2} * se``.
    alpha_annual : float
        ``(1 + alpha) ** P - 1``: the per-period alpha compounded over a year.
    residual_vol_annual : float
        ``residual_std * sqrt(P)``.
    up_beta, down_beta : float
        OLS beta on the periods with market excess return > 0 (< 0); NaN when the regime
        has fewer than ``MIN_REGIME_RETURNS`` periods. Periods with 0 belong to neither.
    timing_ratio : float
        ``up_beta / down_beta``.
    downside_beta : float
        Estrada's downside beta.
    blume_beta : float
        ``0.67 * beta + 0.33``.
    """

    fit: core.LineFit
    ci_low: float
    ci_high: float
    alpha_annual: float
    residual_vol_annual: float
    up_beta: float
    down_beta: float
    timing_ratio: float
    downside_beta: float
    blume_beta: float


def beta_stats(returns: np.ndarray, market_returns: np.ndarray, periods_per_year: int) -> BetaStats:
    """All the statistics of :class:`BetaStats` for one excess-return series."""
    from scipy.stats import t as student_t  # imported when needed: it is slow to import

    fit = core.line_fit(returns, market_returns)
    half_width = student_t.ppf(0.975, fit.n - 2) * fit.beta_se
    regime = {}
    for name, mask in (("up", market_returns > 0), ("down", market_returns < 0)):
        enough = mask.sum() >= MIN_REGIME_RETURNS and np.ptp(market_returns[mask]) > 0
        regime[name] = core.beta(returns[mask], market_returns[mask]) if enough else np.nan
    timing = regime["up"] / regime["down"] if regime["down"] not in (0.0,) else np.nan
    return BetaStats(
        fit=fit,
        ci_low=fit.beta - half_width,
        ci_high=fit.beta + half_width,
        alpha_annual=(1.0 + fit.alpha) ** periods_per_year - 1.0,
        residual_vol_annual=fit.residual_std * np.sqrt(periods_per_year),
        up_beta=regime["up"],
        down_beta=regime["down"],
        timing_ratio=timing,
        downside_beta=core.downside_beta(returns, market_returns),
        blume_beta=BLUME_WEIGHT * fit.beta + (1.0 - BLUME_WEIGHT),
    )


@dataclass(frozen=True)
class PortfolioStats:
    """Statistics of the actual holdings and of the constant current-weights portfolio.

    Attributes
    ----------
    actual : BetaStats
        The actual holdings (constant shares or the holdings history): beta = REG.
    current : BetaStats
        A portfolio rebalanced every period to the ``as_of`` weights: beta = WTD exactly.
    result : PortfolioBeta
        REG, WTD, GAP and the sample they share.
    """

    actual: BetaStats
    current: BetaStats
    result: PortfolioBeta


def portfolio_stats(
    prices: Any,
    shares: Any,
    market: Any,
    dates: Any = None,
    frequency: str | None = "daily",
    rf: Any = 0.0,
    as_of: Any = None,
    *,
    function: str = "portfolio_stats",
) -> PortfolioStats:
    """Regression statistics of both betas on one sample (arguments of :func:`portfolio_beta`)."""
    return stats_of(portfolio_beta(prices, shares, market, dates, frequency, rf, as_of, function=function))


@_serial_blas
def stats_of(result: PortfolioBeta) -> PortfolioStats:
    """:func:`portfolio_stats` of a :class:`PortfolioBeta` already computed."""
    returns = excess_returns(result.sample)
    periods = result.sample.periods_per_year
    current = np.einsum("tn,n->t", returns.assets, result.weights)  # rebalanced every period
    return PortfolioStats(
        actual=beta_stats(returns.portfolio, returns.market, periods),
        current=beta_stats(current, returns.market, periods),
        result=result,
    )


@dataclass(frozen=True)
class GapDetail:
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


def gap_detail(
    prices: Any,
    shares: Any,
    market: Any,
    dates: Any = None,
    frequency: str | None = "daily",
    rf: Any = 0.0,
    as_of: Any = None,
    *,
    function: str = "gap_detail",
) -> GapDetail:
    """Split the gap by holding (arguments of :func:`portfolio_beta`)."""
    return gap_detail_of(portfolio_beta(prices, shares, market, dates, frequency, rf, as_of, function=function))


@_serial_blas
def gap_detail_of(result: PortfolioBeta) -> GapDetail:
    """:func:`gap_detail` of a :class:`PortfolioBeta` already computed."""
    sample = result.sample
    average = core.average_weights(sample.prices, sample.shares_held)
    held = sample.held | (result.weights != 0)
    betas = np.where(held, result.asset_betas, 0.0)
    drift = np.where(held, (average - result.weights) * betas, 0.0)
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


# --------------------------------------------------------------------- rolling


@dataclass(frozen=True)
class RollingBeta:
    """REG, WTD and GAP over every window of ``window`` returns.

    Attributes
    ----------
    labels : tuple
        The date (or row) that ends each window.
    reg, wtd, gap : array (W,)
        NaN where a window's market returns have no variance.
    window : int
    sample : Sample
    """

    labels: tuple
    reg: np.ndarray
    wtd: np.ndarray
    gap: np.ndarray
    window: int
    sample: Sample


@_serial_blas
def rolling_portfolio_beta(
    prices: Any,
    shares: Any,
    market: Any,
    window: Any,
    dates: Any = None,
    frequency: str | None = "daily",
    rf: Any = 0.0,
    *,
    function: str = "rolling_portfolio_beta",
) -> RollingBeta:
    """REG, WTD (weights at each window's end) and GAP at every window end, in O(T x N).

    Parameters
    ----------
    window : int
        Returns per window: at least 3, at most the number of returns in the sample.
    Other parameters are those of :func:`portfolio_beta`.
    """
    window = whole_number(window, "window", function, " of returns")
    sample = build_sample(prices, shares, market, dates, frequency, rf, None, function=function)
    if not MIN_RETURNS <= window <= sample.n_returns:
        raise fail(
            function,
            f"window {window} must be between {MIN_RETURNS} and the {sample.n_returns} returns in the sample",
        )
    returns = excess_returns(sample, function)
    reg = core.rolling_betas(returns.portfolio, returns.market, window)
    # Weights at each window's end: the holdings on the date that closes its last return.
    end_holdings = sample.shares_held if sample.shares_held.ndim == 1 else sample.shares_held[window:]
    wtd = core.rolling_weighted_beta(returns.assets, returns.market, sample.prices[window:], end_holdings, window)
    _, squares = core.rolling_market_sums(returns.market, window)
    flat = squares <= _resolution(returns.market) ** 2 * window
    reg, wtd = np.where(flat, np.nan, reg), np.where(flat, np.nan, wtd)
    gap = reg - wtd
    for a in (reg, wtd, gap):
        a.setflags(write=False)
    return RollingBeta(sample.labels[window:], reg, wtd, gap, window, sample)


