"""The math of portfolio beta: pure numpy, no I/O, no Excel.

Every function takes clean float arrays (no NaN where it matters, positive prices,
rows oldest first) and returns floats, arrays or small immutable results; an argument
documented ``array_like`` may also be a nested list or an int array, read as floats. Validation
lives in ``inputs`` and ``sample``.

Argument order is the same everywhere, as in empyrical: the returns (or prices) being
explained first, then ``market_returns``, then weights or holdings.

Conventions, each written once below
------------------------------------
- A *return* of a period is its change in value over its value at the start,
  :func:`period_returns`: the difference of two close prices is exact in floating
  point, so a tiny return keeps all its digits (``p_t / p_{t-1} - 1`` would lose them).
- An *excess return* is the return over the risk-free rate of its period: the change
  beyond what the start value would have earned at that rate (:func:`excess_changes`),
  over the start value. The per-period rate comes from an annual one by
  :func:`per_period_rate`.
- A *beta* is the OLS slope, with intercept, of returns on market returns:
  ``cov(r, m) / var(m)``. Covariances are computed on centred data (two passes),
  which keeps about as many digits as the data carry (NIST StRD Norris to 12+).
- A *holdings portfolio* return for the period (t-1, t] is the return of the holdings
  held at t-1 (their value change over their value at t-1, so trades are never returns):
  ``sum_i w_i,t-1 * r_i,t`` with ``w_i,t-1 = h_i,t-1 p_i,t-1 / sum_j h_j,t-1 p_j,t-1``.
  A holding's *contribution* to it is its share of the value change
  (:func:`contribution_scale`): ``w_i,t-1 r_i,t``, and the contributions sum to the
  holdings' return whatever :func:`period_returns` says a return is.
- A *weighted beta* is ``sum_i w_i beta_i`` over the holdings with a weight
  (:func:`weighted_terms`): an asset without weight counts nothing, even when its
  beta is unknown.

Holdings are ``(N,)`` share counts held on every date, or a ``(T, N)`` history whose
row t holds the shares held from date t on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "BLUME_WEIGHT",
    "CAP_LEVEL",
    "CAP_VERDICTS",
    "MIN_REGIME_RETURNS",
    "PERIODS_PER_YEAR",
    "Annualized",
    "AssetFigures",
    "BetaStats",
    "BookFigures",
    "HoldingsBetas",
    "LineFit",
    "LineFits",
    "WindowBlock",
    "annualized_return",
    "asset_and_holdings_returns",
    "asset_figures",
    "average_weights",
    "beta",
    "beta_standard_errors",
    "beta_stats",
    "betas",
    "blume_beta",
    "book_figures",
    "cap_verdict",
    "capture_ratio",
    "centred",
    "contribution_scale",
    "cumulative_capture_ratio",
    "dimson_beta",
    "downside_beta",
    "drift_parts",
    "drift_returns",
    "excess_changes",
    "excess_returns",
    "flat_windows",
    "gap_by_holding",
    "holdings_betas",
    "holdings_values",
    "in_base_currency",
    "information_ratio",
    "is_sparse",
    "line_fit",
    "line_fits",
    "market_values",
    "market_varies",
    "mean_capture_ratio",
    "p_above_cap",
    "per_period_rate",
    "period_returns",
    "rate_beta",
    "rebalanced_returns",
    "regime_beta",
    "regime_betas",
    "resolution",
    "rolling_asset_betas",
    "rolling_moments",
    "rolling_weighted_beta",
    "scholes_williams_beta",
    "tracking_error",
    "vasicek_betas",
    "weighted_beta",
    "weighted_terms",
    "weights_at",
    "window_blocks",
]

#: Return periods in a year, by frequency: for annual rates and annualized figures.
PERIODS_PER_YEAR = {"daily": 252, "weekly": 52, "monthly": 12, "quarterly": 4, "annual": 1}

#: A regime (up or down market) needs this many returns for a beta.
MIN_REGIME_RETURNS = 3

#: A beta cap's verdicts are one-sided tests at this level: "above" when the p-value of
#: "beta <= cap" is below it, "below" when that of "beta >= cap" is.
CAP_LEVEL = 0.05

#: :func:`cap_verdict`'s words: above the cap, below it (each at 1 - CAP_LEVEL), or neither.
CAP_VERDICTS = ("above", "below", "within noise")

#: Blume (1971): adjusted beta = 0.67 * beta + 0.33.
BLUME_WEIGHT = 0.67

#: Market returns that vary by no more than this many units of rounding error carry no
#: information a float can resolve: a beta from them would be noise.
RESOLVABLE_ULPS = 64


# --------------------------------------------------------------------- returns


def period_returns(changes: np.ndarray, starts: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """The return of each period: its change in value over its value at the start.

    The one definition of a return here: assets, the market, the holdings, the
    contributions (:func:`contribution_scale`), the book and every window use it.
    Change it here alone and every figure follows (tests/test_core.py swaps it).

    Parameters
    ----------
    changes : array (T,) or (T, N)
        ``value_t - value_t-1`` (or the excess change, :func:`excess_changes`).
    starts : array like ``changes``
        ``value_t-1``, positive.
    out : array, optional
        Where to write the result (``changes`` itself, to reuse its memory).

    Returns
    -------
    array like ``changes``
    """
    return np.divide(changes, starts, out=out)


def excess_changes(
    changes: np.ndarray, starts: np.ndarray, rf: np.ndarray | float, out: np.ndarray | None = None
) -> np.ndarray:
    """The change of each period beyond what its start value earns at the risk-free rate.

    ``change_t - rf_t * value_t-1``; over the start value it is the excess return
    ``r_t - rf_t`` (:func:`period_returns`).

    Parameters
    ----------
    changes : array (T,) or (T, N)
    starts : array like ``changes``
    rf : float or array_like (T,)
        Per-period rate of each period, the same for every column.
    out : array, optional
    """
    rf = np.asarray(rf, dtype=float)
    if rf.ndim == 1 and np.ndim(changes) == 2:
        rf = rf[:, None]  # one rate per period, for every asset
    return np.subtract(changes, rf * starts, out=out)


def per_period_rate(annual: np.ndarray | float, periods_per_year: int) -> np.ndarray:
    """The rate of one period that compounds to ``annual`` over a year: ``(1 + rf)^(1/P) - 1``."""
    return (1.0 + np.asarray(annual, dtype=float)) ** (1.0 / periods_per_year) - 1.0


def excess_returns(prices: np.ndarray, rf: np.ndarray | float = 0.0) -> np.ndarray:
    """Returns over the per-period risk-free rate along the first axis.

    Parameters
    ----------
    prices : array_like (T,) or (T, N)
        Positive price levels, oldest first.
    rf : float or array (T-1,)
        Per-period rate of each return period.

    Returns
    -------
    array (T-1,) or (T-1, N)
    """
    prices = np.asarray(prices, dtype=float)
    changes = np.diff(prices, axis=0)
    if np.any(rf):
        changes = excess_changes(changes, prices[:-1], rf, out=changes)
    return period_returns(changes, prices[:-1], out=changes)


def in_base_currency(prices: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Prices in the base currency: each price times its date's rate of its currency.

    Parameters
    ----------
    prices : array (T, N)
        Prices in each asset's own currency, NaN where missing.
    rates : array (T, N)
        The price of one unit of each asset's currency in the base currency on each date
        (1 for an asset in the base currency), NaN where missing.

    Returns
    -------
    array (T, N)
        NaN where the price or its rate is missing: a missing rate is a missing price,
        never the rate of another date.
    """
    return np.asarray(prices, dtype=float) * np.asarray(rates, dtype=float)


def market_values(prices: np.ndarray, holdings: np.ndarray) -> np.ndarray:
    """Market value of each position, ``holdings * prices``.

    Parameters
    ----------
    prices : array (T, N) or (N,)
    holdings : array (T, N) or (N,)
        Share counts; negative means short.
    """
    return np.asarray(holdings, dtype=float) * np.asarray(prices, dtype=float)


def holdings_values(prices: np.ndarray, holdings: np.ndarray) -> np.ndarray:
    """Value of the holdings on each date, ``sum_i h_i,t p_i,t``, without a T x N temporary.

    Parameters
    ----------
    prices : array (T, N)
    holdings : array (N,) held on every date, or (T, N)

    Returns
    -------
    array (T,)
    """
    if np.ndim(holdings) == 1:
        return prices @ holdings  # BLAS gemv: faster than numpy's einsum loop (bench/NOTES.md)
    return np.einsum("tn,tn->t", prices, holdings)


def weights_at(prices: np.ndarray, holdings: np.ndarray) -> np.ndarray:
    """Market-value weights of one date's holdings (they sum to 1; shorts are negative).

    Parameters
    ----------
    prices : array (N,), or (K, N) for K dates
    holdings : array (N,), or (K, N)

    Returns
    -------
    array like ``prices``: each row sums to 1
    """
    values = market_values(prices, holdings)
    return values / values.sum(axis=-1, keepdims=True)


def _start_holdings(holdings: np.ndarray) -> np.ndarray:
    """The shares held at the start of each period: all of them, or rows 0 .. T-2."""
    return holdings if holdings.ndim == 1 else holdings[:-1]


def _start_values(prices: np.ndarray, holdings: np.ndarray) -> np.ndarray:
    return holdings_values(prices[:-1], _start_holdings(holdings))


def asset_and_holdings_returns(
    prices: np.ndarray, holdings: np.ndarray, rf: np.ndarray | float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Each asset's excess returns and the holdings' excess returns, as T x N arrays.

    The holdings' return for period (t-1, t] is the value change of the holdings held
    at t-1 over their value at t-1, ``sum_i h_i,t-1 (p_i,t - p_i,t-1) / V_t-1``, so trades
    are never returns. One T x N array is made.

    Parameters
    ----------
    prices : array_like (T, N)
        Positive prices, no NaN.
    holdings : array_like (N,) or (T, N)
    rf : float or array (T-1,)
        Per-period risk-free rate.

    Returns
    -------
    asset_returns : array (T-1, N)
        ``r_i,t - rf_t``.
    holdings_returns : array (T-1,)
        ``sum_i w_i,t-1 r_i,t - rf_t``.
    """
    prices = np.asarray(prices, dtype=float)
    holdings = np.asarray(holdings, dtype=float)
    start_holdings = _start_holdings(holdings)
    changes = np.diff(prices, axis=0)
    if np.any(rf):
        changes = excess_changes(changes, prices[:-1], rf, out=changes)
    holdings_returns = period_returns(
        holdings_values(changes, start_holdings), holdings_values(prices[:-1], start_holdings)
    )
    return period_returns(changes, prices[:-1], out=changes), holdings_returns


@dataclass(frozen=True)
class HoldingsBetas:
    """What REG, WTD and the gap need, from one pass over the prices.

    Attributes
    ----------
    asset_betas : array (N,)
        Each asset's beta.
    contribution_betas : array (N,)
        The beta of each holding's contribution series on its own return, not over rf:
        ``w_i,t-1 r_i,t`` (:func:`contribution_scale` of the excess value change, with
        the rate its weight earns, ``w_i,t-1 rf_t``, added back). The weights vary, so
        over rf a constant rate would move each of them; their sum it does not: they sum
        to the holdings' regression beta plus ``rate_beta``.
    portfolio_returns : array (T-1,)
        The holdings' excess returns.
    rate_beta : float
        The beta of the per-period rate ``rf_t`` on the market: 0 for a constant rate.
        An asset's beta on its own return is its beta over rf plus this.
    """

    asset_betas: np.ndarray
    contribution_betas: np.ndarray
    portfolio_returns: np.ndarray
    rate_beta: float = 0.0


_BLOCK_ROWS = 256  # periods per block: 256 x 500 floats is 1 MB, kept in the CPU cache


def holdings_betas(
    prices: np.ndarray,
    holdings: np.ndarray,
    market_returns: np.ndarray,
    rf: np.ndarray | float = 0.0,
) -> HoldingsBetas:
    """Asset betas, contribution betas and the holdings' returns, without T x N arrays.

    The betas of the asset returns of :func:`asset_and_holdings_returns` and of the
    contributions (:func:`contribution_scale`, which sum to the holdings' returns), made
    a block of periods at a time while the block is in the CPU cache. With ``m`` the
    centred market returns, ``d`` the excess price changes, ``V`` the start values and
    ``s`` the contribution scale (1 for simple returns):

    - ``sum_t m_t r_i,t = sum_t m_t d_i,t / p_i,t-1``;
    - ``sum_t m_t c_i,t = h_i sum_t (m_t s_t / V_t-1) d_i,t``: the contributions need no
      array of their own;
    - the holdings' return is :func:`period_returns` of ``sum_i h_i d_i,t`` and ``V_t-1``.

    ``sum_t m_t x_t`` is the covariance sum ``sum_t m_t (x_t - mean x)`` but for
    ``mean x * sum_t m_t``, a term at the level of rounding (``m`` is centred), so the
    returns need no centring.

    Parameters
    ----------
    prices : array_like (T, N)
        Positive prices, no NaN.
    holdings : array_like (N,) or (T, N)
    market_returns : array_like (T-1,)
        Excess returns of the market; must have variance.
    rf : float or array (T-1,)

    Returns
    -------
    HoldingsBetas
    """
    prices = np.asarray(prices, dtype=float)
    holdings = np.asarray(holdings, dtype=float)
    rf = np.broadcast_to(np.asarray(rf, dtype=float), (len(prices) - 1,))
    m = centred(market_returns)
    start_values = _start_values(prices, holdings)
    assets_cross, contributions_cross, portfolio_returns = _cross_sums(prices, holdings, m, start_values, rf)
    variance = m @ m
    return HoldingsBetas(
        asset_betas=assets_cross / variance,
        contribution_betas=contributions_cross / variance,
        portfolio_returns=portfolio_returns,
        rate_beta=rate_beta(rf, market_returns),
    )


def rate_beta(rf: np.ndarray | float, market_returns: np.ndarray) -> float:
    """The beta of the per-period risk-free rate on the market: exactly 0 for a constant
    rate (a return's beta on its own is its beta over rf plus this).

    Parameters
    ----------
    rf : float or array_like (T,)
        Per-period rate of each period.
    market_returns : array_like (T,)
    """
    rf = np.asarray(rf, dtype=float)
    if rf.ndim == 0 or np.ptp(rf) == 0:
        return 0.0
    return beta(rf, market_returns)


def contribution_scale(value_changes: np.ndarray, start_values: np.ndarray, returns: np.ndarray) -> np.ndarray:
    """How much of the holdings' return each unit of their simple return is, per period.

    A holding's contribution to the holdings' return of a period is its share of their
    value change: ``c_i,t = s_t h_i,t-1 d_i,t / V_t-1`` with ``s_t = R_t / (D_t / V_t-1)``,
    ``R_t`` the holdings' return (:func:`period_returns`) and ``D_t`` their value change,
    so the contributions sum to ``R_t`` whatever a return is. For simple returns ``s_t``
    is exactly 1 and ``c_i,t = w_i,t-1 r_i,t``; a period without value change counts its
    holdings' simple returns (its ``s`` is 1, the limit of any return rule).

    Parameters
    ----------
    value_changes : array (T,)
        ``D_t``, the holdings' (excess) value change.
    start_values : array (T,)
        ``V_t-1``.
    returns : array (T,)
        ``R_t``, from ``value_changes`` and ``start_values``.
    """
    simple = value_changes / start_values
    return np.divide(returns, simple, out=np.ones(len(simple)), where=simple != 0)


def _cross_sums(
    prices: np.ndarray, holdings: np.ndarray, m: np.ndarray, start_values: np.ndarray, rf: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sums of :func:`holdings_betas`, a block of periods at a time: ``sum_t m_t r_i,t``,
    ``sum_t m_t (c_i,t + w_i,t-1 rf_t)`` and the holdings' return of each period."""
    history = holdings.ndim == 2
    n, width = len(prices) - 1, prices.shape[1]
    has_rf = bool(rf.any())
    portfolio_returns = np.empty(n)
    assets_cross, contributions_cross = np.zeros(width), np.zeros(width)
    buffer = np.empty((min(_BLOCK_ROWS, n), width))
    for first in range(0, n, _BLOCK_ROWS):
        periods = slice(first, min(first + _BLOCK_ROWS, n))
        start = prices[periods]
        changes = buffer[: periods.stop - first]
        np.subtract(prices[first + 1 : periods.stop + 1], start, out=changes)
        if has_rf:
            changes = excess_changes(changes, start, rf[periods], out=changes)
        h = holdings[periods] if history else holdings
        value_changes = np.einsum("tn,tn->t", changes, h) if history else changes @ h
        values = start_values[periods]
        returns = portfolio_returns[periods] = period_returns(value_changes, values)
        # m_t s_t / V_t-1: m_t / V_t-1 exactly for simple returns (s_t is 1.0)
        m_per_value = m[periods] * contribution_scale(value_changes, values, returns) / values
        if history:
            contributions_cross += np.einsum("t,tn,tn->n", m_per_value, changes, h)
        else:
            contributions_cross += m_per_value @ changes
        if has_rf:  # the rate each holding's weight earns, added back: h p_t-1 rf_t / V_t-1
            m_rate = m[periods] * rf[periods] / values
            contributions_cross += np.einsum("t,tn,tn->n", m_rate, start, h) if history else m_rate @ start
        changes = period_returns(changes, start, out=changes)  # the returns, in place
        assets_cross += m[periods] @ changes
    if not history:
        contributions_cross *= holdings
    return assets_cross, contributions_cross, portfolio_returns


def average_weights(prices: np.ndarray, holdings: np.ndarray) -> np.ndarray:
    """Mean start-of-period weight of each holding over the return periods.

    Parameters
    ----------
    prices : array (T, N)
    holdings : array_like (N,) or (T, N)

    Returns
    -------
    array (N,)
    """
    holdings = np.asarray(holdings, dtype=float)
    start_holdings = _start_holdings(holdings)
    inverse_values = 1.0 / holdings_values(prices[:-1], start_holdings)
    if holdings.ndim == 1:
        return holdings * (inverse_values @ prices[:-1]) / len(inverse_values)
    return np.einsum("t,tn,tn->n", inverse_values, prices[:-1], start_holdings) / len(inverse_values)


# --------------------------------------------------------------------- betas


def centred(x: np.ndarray) -> np.ndarray:
    """``x`` (array_like) minus its mean along the first axis (the first pass of a two-pass covariance)."""
    x = np.asarray(x, dtype=float)
    return x - x.mean(axis=0)


def betas(returns: np.ndarray, market_returns: np.ndarray) -> np.ndarray | float:
    """OLS slopes, with intercept, of each column of ``returns`` on ``market_returns``.

    ``sum_t m_t (x_t - mean x) / sum_t m_t^2`` with ``m`` centred: the market is centred
    (two passes), and the returns' mean enters as ``mean x * sum_t m_t``, which is exactly
    the same sum without a centred copy of the returns.

    Parameters
    ----------
    returns : array (T,) or (T, N)
    market_returns : array (T,)
        Must have variance (:func:`market_varies`).

    Returns
    -------
    float or array (N,)
    """
    m = centred(market_returns)
    x = np.asarray(returns, dtype=float)
    covariances = m @ x - m.sum() * x.mean(axis=0)
    return covariances / (m @ m)


def beta(returns: np.ndarray, market_returns: np.ndarray) -> float:
    """OLS slope, with intercept, of one return series on ``market_returns``."""
    return float(betas(np.asarray(returns, dtype=float).ravel(), market_returns))


def resolution(market_returns: np.ndarray) -> float:
    """The smallest spread of market returns that is signal, not rounding.

    A return ``(p1 - p0) / p0`` carries an absolute rounding error of about
    ``eps * (1 + |r|)``.
    """
    return RESOLVABLE_ULPS * np.finfo(float).eps * (1.0 + np.abs(market_returns).max())


def market_varies(market_returns: np.ndarray) -> bool:
    """Whether the market returns vary by more than rounding: else a beta is undefined."""
    return bool(np.abs(centred(market_returns)).max() > resolution(market_returns))


def weighted_terms(weights: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """Each holding's term ``w_i beta_i`` of a weighted beta; 0 where the weight is 0
    (an asset without weight counts nothing, even when its beta is unknown).

    Parameters
    ----------
    weights : array (N,) or (K, N)
    betas : array like ``weights``
    """
    return np.where(weights != 0, weights * betas, 0.0)


def weighted_beta(weights: np.ndarray, betas: np.ndarray) -> np.ndarray | float:
    """``sum_i w_i beta_i``: the weighted average of the holdings' betas (per row for 2-D)."""
    return weighted_terms(weights, betas).sum(axis=-1)


def gap_by_holding(
    contribution_betas: np.ndarray,
    asset_betas: np.ndarray,
    weights_as_of: np.ndarray,
    rate_beta: float = 0.0,
) -> np.ndarray:
    """Each holding's exact share of the gap between regression and weighted beta.

    ``cov((w_i,t-1 - w_i,as_of) * r_i,t, m_t) / var(m)``, on each holding's own return
    ``r_i,t`` (not over rf: the drift weights ``w_i,t-1 - w_i,as_of`` vary, so a
    constant rate would move each term, though not their sum)
    ``= beta(contribution_i) - w_i,as_of * (beta_i + rate_beta)``; by linearity of
    covariance, and since both sets of weights sum to 1, the terms sum to the regression
    beta of the holdings minus their weighted-average beta, both over rf.

    Parameters
    ----------
    contribution_betas : array (N,)
        Betas of the contributions ``w_i,t-1 r_i,t`` (see :func:`holdings_betas`).
    asset_betas : array (N,)
        Betas over rf.
    weights_as_of : array (N,)
        The weights of the weighted-average beta.
    rate_beta : float
        :func:`rate_beta`: what turns a beta over rf into one on the own return.

    Returns
    -------
    array (N,)
    """
    return contribution_betas - weighted_terms(weights_as_of, asset_betas + rate_beta)


def drift_parts(
    average_weights: np.ndarray, weights_as_of: np.ndarray, asset_betas: np.ndarray, rate_beta: float = 0.0
) -> np.ndarray:
    """The part of each holding's gap made by its average weight differing from its
    ``as_of`` weight: ``(average w_i - w_i,as_of) * beta_i`` (the rest is interaction),
    with ``beta_i`` on the holding's own return, as in :func:`gap_by_holding`.

    Parameters
    ----------
    average_weights : array (N,)
        :func:`average_weights`.
    weights_as_of : array (N,)
    asset_betas : array (N,)
        Betas over rf.
    rate_beta : float
        :func:`rate_beta` (0 for a constant rate).

    Returns
    -------
    array (N,)
    """
    return weighted_terms(average_weights - weights_as_of, asset_betas + rate_beta)


def drift_returns(
    holdings_returns: np.ndarray, current_returns: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """The drift portfolio's returns ``d_t = sum_i (w_i,t-1 - w_i,as_of) r_i,t``.

    The actual holdings' returns minus those of the portfolio rebalanced to the
    ``as_of`` weights (the rf terms cancel: both sets of weights sum to 1). By linearity
    of covariance its beta is the gap, REG - WTD, so its regression gives the gap's
    standard error. A drift that varies by no more than the rounding of the returns it
    is the difference of (one holding, whose weight is always 1) is no drift: 0, so that
    its t statistic is empty instead of a ratio of rounding errors.

    Parameters
    ----------
    holdings_returns : array_like (T,) or (T, K)
        ``sum_i w_i,t-1 r_i,t`` (excess or not, as ``current_returns``).
    current_returns : array_like like ``holdings_returns``
        ``sum_i w_i,as_of r_i,t``.
    out : array, optional
        Where to write the drift (``current_returns`` itself, to reuse its memory).
    """
    holdings_returns = np.asarray(holdings_returns, dtype=float)
    drift = np.subtract(holdings_returns, np.asarray(current_returns, dtype=float), out=out)
    # reductions only (no T x K temporaries): the largest return, the drift's spread
    largest = np.maximum(holdings_returns.max(axis=0), -holdings_returns.min(axis=0))
    mean = drift.mean(axis=0)
    spread = np.maximum(drift.max(axis=0) - mean, mean - drift.min(axis=0))
    flat = spread <= RESOLVABLE_ULPS * np.finfo(float).eps * (1.0 + largest)
    drift[..., flat] = 0.0
    return drift


# --------------------------------------------------------------------- regression statistics


@dataclass(frozen=True)
class Annualized:
    """A fit's per-period figures over a year.

    Attributes
    ----------
    alpha : float
        ``(1 + alpha) ** P - 1``: the per-period alpha compounded over a year; NaN for a
        per-period alpha of -100% or less, which compounds to no rate, and for one that
        compounds beyond float's range (1.8e308): no number to show.
    residual_std : float
        ``residual_std * sqrt(P)``.
    """

    alpha: float
    residual_std: float


@dataclass(frozen=True)
class LineFit:
    """OLS of returns on market returns, with intercept.

    Attributes
    ----------
    alpha : float
        Intercept, per period.
    beta : float
        Slope.
    beta_se : float
        Standard error of the slope, ``sqrt(s^2 / sum (m - mean m)^2)`` with
        ``s^2 = SSR / (n - 2)``.
    r_squared : float
        ``1 - SSR / SST`` (the squared correlation).
    residual_std : float
        ``sqrt(SSR / (n - 2))``, per period.
    n : int
        Number of returns.
    """

    alpha: float
    beta: float
    beta_se: float
    r_squared: float
    residual_std: float
    n: int

    @property
    def t_stat(self) -> float:
        """``beta / beta_se``; NaN for an exact fit (a standard error of 0)."""
        return self.beta / self.beta_se if self.beta_se > 0 else float("nan")

    def conf_int(self, alpha: float = 0.05) -> tuple[float, float]:
        """The ``1 - alpha`` confidence interval of beta, ``beta -+ t_{1 - alpha/2, n-2} * se``
        (Student t, as statsmodels' ``conf_int``)."""
        # scipy.special's quantile is the one scipy.stats.t.ppf calls (tested equal), without the
        # import of scipy.stats (about 0.2 to 0.4 s more); imported when needed (bench/NOTES.md)
        from scipy.special import stdtrit

        half_width = float(stdtrit(self.n - 2, 1.0 - alpha / 2.0)) * self.beta_se
        return self.beta - half_width, self.beta + half_width

    def annualized(self, periods_per_year: int) -> Annualized:
        """Alpha compounded and residual volatility scaled over ``periods_per_year``."""
        # a period's loss of 100% or more compounds to nothing meaningful: no annual alpha
        if self.alpha <= -1.0:
            compounded = float("nan")
        else:
            try:
                compounded = (1.0 + self.alpha) ** periods_per_year - 1.0
            except OverflowError:  # e.g. +2,000% a day over 252 days: beyond float's range
                compounded = float("nan")
        return Annualized(
            alpha=compounded,
            residual_std=self.residual_std * math.sqrt(periods_per_year),
        )

    @property
    def blume_beta(self) -> float:
        """Blume's adjusted beta, ``0.67 * beta + 0.33`` (:func:`blume_beta`)."""
        return float(blume_beta(self.beta))


def line_fit(returns: np.ndarray, market_returns: np.ndarray) -> LineFit:
    """OLS of one return series on ``market_returns`` (at least 3 returns, market varies).

    Parameters
    ----------
    returns : array (T,)
    market_returns : array (T,)

    Returns
    -------
    LineFit
    """
    fits = line_fits(np.asarray(returns, dtype=float)[:, None], market_returns)
    one: dict[str, Any] = {k: v if k == "n" else float(v[0]) for k, v in vars(fits).items()}
    return LineFit(**one)


@dataclass(frozen=True)
class LineFits:
    """:class:`LineFit`'s figures for K return series at once: arrays (K,), ``n`` an int."""

    alpha: np.ndarray
    beta: np.ndarray
    beta_se: np.ndarray
    r_squared: np.ndarray
    residual_std: np.ndarray
    n: int

    @property
    def t_stat(self) -> np.ndarray:
        """``beta / beta_se``; NaN for an exact fit."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.beta_se > 0, self.beta / self.beta_se, np.nan)


_NEAR_PERFECT = 1e-3  # SSR / SST below this: R² above 0.999


def line_fits(returns: np.ndarray, market_returns: np.ndarray) -> LineFits:
    """OLS of each column of ``returns`` (T, K) on ``market_returns`` (T,), with intercept.

    The market is centred. Returns, whose mean is small beside their spread
    (``n mean^2 <= SST``), are not copied: their cross sum with the centred market is
    taken as in :func:`betas` and their SST as ``sum y^2 - n mean^2``, each losing at most
    a bit that way. The other columns (levels far from zero) and the near-perfect fits are
    centred and their residuals written out, so that they keep their standard error's
    digits (``SST - beta^2 Sxx`` alone would lose them). ``returns`` is left as it is.
    """
    y = np.asarray(returns, dtype=float)
    m = np.asarray(market_returns, dtype=float)
    mc, means = centred(m), y.mean(axis=0)
    sxx = mc @ mc
    slope = (mc @ y - mc.sum() * means) / sxx
    n = len(y)
    sst = np.einsum("tk,tk->k", y, y) - n * means * means
    # SSR = SST - slope^2 Sxx keeps its digits unless the fit is near-perfect; there the
    # residuals are written out (relative error of SSR at most ~eps / _NEAR_PERFECT)
    ssr = sst - slope * slope * sxx
    # centred: the columns whose sum y^2 is mostly their mean's, and the near-perfect fits
    # (an exact fit's slope is then exactly its own)
    centre = (n * means * means > sst) | (ssr <= _NEAR_PERFECT * sst)
    if centre.any():
        yc = y[:, centre] - means[centre]
        slope[centre] = (mc @ yc) / sxx
        sst[centre] = np.einsum("tk,tk->k", yc, yc)
        residuals = yc - np.outer(mc, slope[centre])
        ssr[centre] = np.einsum("tk,tk->k", residuals, residuals)
    s2 = ssr / (n - 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_squared = np.where(sst > 0, 1.0 - ssr / sst, np.nan)
    return LineFits(
        alpha=means - slope * m.mean(),
        beta=slope,
        beta_se=np.sqrt(s2 / sxx),
        r_squared=r_squared,
        residual_std=np.sqrt(s2),
        n=n,
    )


def regime_beta(returns: np.ndarray, market_returns: np.ndarray, in_regime: np.ndarray) -> float:
    """OLS beta on the periods of one market regime (e.g. ``market_returns > 0``).

    NaN when the regime has fewer than ``MIN_REGIME_RETURNS`` periods or its market
    returns do not vary.
    """
    return float(regime_betas(np.asarray(returns, dtype=float).ravel(), market_returns, in_regime))


def regime_betas(returns: np.ndarray, market_returns: np.ndarray, in_regime: np.ndarray) -> np.ndarray | float:
    """:func:`regime_beta` of each column of ``returns`` (T,) or (T, N)."""
    market = market_returns[in_regime]
    if len(market) < MIN_REGIME_RETURNS or np.ptp(market) == 0:
        return np.full(np.shape(returns)[1:], np.nan) if np.ndim(returns) == 2 else float("nan")
    return betas(np.asarray(returns, dtype=float)[in_regime], market)


def downside_beta(returns: np.ndarray, market_returns: np.ndarray) -> float:
    """Estrada's downside beta: semicovariance below the means over the market's semivariance.

    ``E[min(r - mean r, 0) * min(m - mean m, 0)] / E[min(m - mean m, 0)^2]``.
    """
    r_down = np.minimum(centred(returns), 0.0)
    m_down = np.minimum(centred(market_returns), 0.0)
    return float((r_down @ m_down) / (m_down @ m_down))


def annualized_return(returns: np.ndarray, periods_per_year: int) -> float:
    """Geometric annual return of ``returns`` (array_like), ``prod(1 + r)^(P / n) - 1``
    (PerformanceAnalytics' ``Return.annualized``, empyrical's ``annual_return``); NaN
    without returns, when the value is wiped out (a return of -100% or less) or when it
    compounds beyond float's range."""
    returns = np.asarray(returns, dtype=float)
    if not len(returns) or (returns <= -1.0).any():
        return float("nan")
    with np.errstate(over="ignore"):
        annual = float(np.expm1(np.log1p(returns).sum() * periods_per_year / len(returns)))
    return annual if math.isfinite(annual) else float("nan")


def capture_ratio(
    returns: np.ndarray, market_returns: np.ndarray, in_regime: np.ndarray, periods_per_year: int
) -> float:
    """empyrical's ``up_capture`` / ``down_capture``: the annualized return on the periods
    of one market regime over the market's annualized return on them (NaN without any).

    The peers' capture ratios differ only in the power the regime's growth is raised to,
    ``prod(1 + r)^(P / n) - 1`` here: :func:`cumulative_capture_ratio` (power 1) and
    :func:`mean_capture_ratio` (power ``1 / n``) call this with another P."""
    market = annualized_return(market_returns[in_regime], periods_per_year)
    if not market or not math.isfinite(market):
        return float("nan")
    return annualized_return(returns[in_regime], periods_per_year) / market


def cumulative_capture_ratio(returns: np.ndarray, market_returns: np.ndarray, in_regime: np.ndarray) -> float:
    """PerformanceAnalytics' ``UpDownRatios(method = "Capture")`` (its default, geometric):
    the cumulative return ``prod(1 + r) - 1`` on the periods of one market regime over the
    market's cumulative return on them (NaN without any)."""
    return capture_ratio(returns, market_returns, in_regime, int(np.count_nonzero(in_regime)))


def mean_capture_ratio(returns: np.ndarray, market_returns: np.ndarray, in_regime: np.ndarray) -> float:
    """Morningstar's upside / downside capture ratio: the geometric average return per
    period ``prod(1 + r)^(1 / n) - 1`` on the periods of one market regime over the
    market's on them (NaN without any)."""
    return capture_ratio(returns, market_returns, in_regime, 1)


def tracking_error(returns: np.ndarray, market_returns: np.ndarray, periods_per_year: int) -> float:
    """PerformanceAnalytics' ``TrackingError``: ``sd(r - m) * sqrt(P)`` (sample standard
    deviation of the active returns, annualized)."""
    return float(np.std(np.asarray(returns) - np.asarray(market_returns), ddof=1) * math.sqrt(periods_per_year))


def information_ratio(returns: np.ndarray, market_returns: np.ndarray, periods_per_year: int) -> float:
    """PerformanceAnalytics' ``InformationRatio``: the active premium (annualized return
    minus the market's) over the tracking error; NaN for no tracking error."""
    error = tracking_error(returns, market_returns, periods_per_year)
    premium = annualized_return(returns, periods_per_year) - annualized_return(market_returns, periods_per_year)
    return premium / error if error > 0 else float("nan")


# --------------------------------------------------------------------- a beta cap


def p_above_cap(beta: np.ndarray | float, beta_se: np.ndarray | float, cap: float, n: int) -> np.ndarray | float:
    """The one-sided p-value of a beta above ``cap``: ``P(T > (beta - cap) / beta_se)``, T
    Student's t with ``n - 2`` degrees of freedom (``n`` returns).

    It tests H0 "the true beta is at most the cap" against H1 "it exceeds the cap": small
    (below :data:`CAP_LEVEL`) says the beta is above the cap with that confidence, large
    (above ``1 - CAP_LEVEL``) that it is below (``1 - p`` is the p-value of H0 "at least the
    cap"). It is not the probability that the true beta exceeds the cap. An exact fit (a
    standard error of 0) gives 0 or 1, or NaN on the cap itself; a NaN beta gives NaN.
    """
    # scipy.special's t distribution, as LineFit.conf_int (no import of scipy.stats); P(T > t)
    # is written P(T < -t) by symmetry, so that a small p keeps its digits
    from scipy.special import stdtr

    with np.errstate(divide="ignore", invalid="ignore"):
        t = (np.asarray(beta, dtype=float) - cap) / np.asarray(beta_se, dtype=float)
    p = stdtr(n - 2, -t)
    return float(p) if np.ndim(p) == 0 else p


def cap_verdict(p: float) -> str | None:
    """A beta against its cap, from :func:`p_above_cap`'s ``p``: "above" the cap at 95%
    (p < 0.05), "below" it at 95% (p > 0.95), or "within noise" (neither: estimation
    noise cannot tell it from the cap); None for NaN (no beta)."""
    if not math.isfinite(p):
        return None
    above, below, neither = CAP_VERDICTS
    return above if p < CAP_LEVEL else below if p > 1.0 - CAP_LEVEL else neither


# --------------------------------------------------------------------- adjusted and thin-trading betas


def blume_beta(beta: np.ndarray | float, weight: float = BLUME_WEIGHT) -> np.ndarray | float:
    """Blume's (1971) adjusted beta, ``weight * beta + (1 - weight)``: pulled toward 1
    (Bloomberg's adjusted beta with the default weight, 0.67)."""
    return weight * beta + (1.0 - weight)


def _neighbours(market_returns: np.ndarray, lags: int) -> np.ndarray:
    """The market returns ``m_{t+k}`` for ``k = -lags .. lags`` of the returns ``r_t`` that
    have every neighbour (``t = lags .. n - 1 - lags``): columns in the order of ``k``."""
    m = np.asarray(market_returns, dtype=float)
    n = len(m)
    return np.column_stack([m[lags + k : n - lags + k] for k in range(-lags, lags + 1)])


def dimson_beta(returns: np.ndarray, market_returns: np.ndarray, lags: int = 1) -> np.ndarray | float:
    """Dimson's (1979) beta for thin trading: the sum of the slopes of one OLS, with
    intercept, of ``r_t`` on ``m_{t-lags} .. m_t .. m_{t+lags}``, over the returns that have
    every neighbour (the first and last ``lags`` returns are regressands of none).

    Parameters
    ----------
    returns : array (T,) or (T, N)
    market_returns : array (T,)
    lags : int, default 1
        Lags and leads of the market (as many of each).

    Returns
    -------
    float or array (N,): NaN where the regression has no residual degree of freedom or
    its market columns are collinear.
    """
    y = np.asarray(returns, dtype=float)
    if lags < 1:
        raise ValueError(f"lags must be a whole number >= 1, not {lags}")
    rows = len(y) - 2 * lags
    if rows <= 2 * lags + 2:  # intercept and 2 lags + 1 slopes, and one residual degree of freedom
        return np.full(y.shape[1:], np.nan) if y.ndim == 2 else float("nan")
    x = centred(_neighbours(market_returns, lags))  # centred: the intercept's part is the means'
    yc = centred(y[lags : len(y) - lags])
    slopes, _, rank, _ = np.linalg.lstsq(x, yc, rcond=None)
    total = slopes.sum(axis=0)
    if rank < x.shape[1]:
        total = np.full_like(total, np.nan)
    return float(total) if y.ndim == 1 else total


def scholes_williams_beta(returns: np.ndarray, market_returns: np.ndarray) -> np.ndarray | float:
    """Scholes and Williams' (1977) beta for non-synchronous trading:
    ``(b_-1 + b_0 + b_+1) / (1 + 2 rho)``, ``b_k`` the OLS slope, with intercept, of ``r_t``
    on ``m_{t+k}`` over the returns that have both neighbours, ``rho`` the Pearson
    correlation of ``m_t`` with ``m_{t-1}`` over all adjacent pairs of the sample.

    Parameters
    ----------
    returns : array (T,) or (T, N)
    market_returns : array (T,)

    Returns
    -------
    float or array (N,): NaN with fewer than 4 returns, or where a shifted market does
    not vary or ``1 + 2 rho`` is 0.
    """
    y = np.asarray(returns, dtype=float)
    m = np.asarray(market_returns, dtype=float)
    if len(m) < 4:
        return np.full(y.shape[1:], np.nan) if y.ndim == 2 else float("nan")
    inner = y[1:-1]
    neighbours = _neighbours(m, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = sum(betas(inner, neighbours[:, k]) for k in range(3))
        rho = np.corrcoef(m[1:], m[:-1])[0, 1]
        out = total / (1.0 + 2.0 * rho) if 1.0 + 2.0 * rho != 0 else total * np.nan
    return float(out) if y.ndim == 1 else np.asarray(out)


def vasicek_betas(asset_betas: np.ndarray, standard_errors: np.ndarray) -> np.ndarray:
    """Vasicek's (1973) Bayesian betas: each asset's OLS beta shrunk toward the mean of the
    cross-section, by the precision of its own estimate.

    ``b~_i = s² / (s² + se_i²) b_i + se_i² / (s² + se_i²) b̄``, with ``b̄`` and ``s²`` the
    mean and sample variance (n - 1) of the betas given (the prior); NaN betas (unknown)
    take no part in the prior and stay NaN.

    Parameters
    ----------
    asset_betas : array (N,)
    standard_errors : array (N,)
        Each beta's OLS standard error.

    Returns
    -------
    array (N,): NaN everywhere with fewer than two known betas (no prior variance).
    """
    b = np.asarray(asset_betas, dtype=float)
    se2 = np.asarray(standard_errors, dtype=float) ** 2
    known = np.isfinite(b) & np.isfinite(se2)
    if known.sum() < 2:
        return np.full(b.shape, np.nan)
    prior_mean, prior_var = b[known].mean(), b[known].var(ddof=1)
    total = prior_var + se2
    with np.errstate(divide="ignore", invalid="ignore"):
        # an exact beta (se 0) among identical betas (s² 0) is its own estimate
        shrunk = np.where(total > 0, (prior_var * b + se2 * prior_mean) / total, b)
    return np.where(known, shrunk, np.nan)


def beta_standard_errors(
    prices: np.ndarray, market_returns: np.ndarray, asset_betas: np.ndarray, rf: np.ndarray | float = 0.0
) -> np.ndarray:
    """Each asset's OLS standard error of beta, ``sqrt(SSR_i / (n - 2) / sum (m - mean m)^2)``,
    from its prices a block of periods at a time (no T x N array).

    One pass over the prices for the sums and sums of squares of the excess returns
    (``SSR = SST - b^2 Sxx``, as :func:`line_fits`); a second, over the assets whose fit is
    near-perfect (where that would cancel) or whose mean is large beside their spread,
    writes their residuals ``(r_i,t - mean r_i) - b_i (m_t - mean m)`` out.

    Parameters
    ----------
    prices : array (T, N)
        Positive prices, no NaN.
    market_returns : array (T-1,)
        The market's excess returns; must vary.
    asset_betas : array (N,)
        Each asset's OLS beta on them (NaN gives NaN).
    rf : float or array (T-1,)
        Per-period rate.

    Returns
    -------
    array (N,)
    """
    prices = np.asarray(prices, dtype=float)
    n = len(prices) - 1
    rf = np.broadcast_to(np.asarray(rf, dtype=float), (n,))
    m = centred(market_returns)
    sxx = m @ m
    blocks = [(first, min(first + _BLOCK_ROWS, n)) for first in range(0, n, _BLOCK_ROWS)]
    sums, squares = np.zeros(prices.shape[1]), np.zeros(prices.shape[1])
    for first, stop in blocks:
        returns = excess_returns(prices[first : stop + 1], rf[first:stop])
        sums += returns.sum(axis=0)
        squares += np.einsum("tn,tn->n", returns, returns)
    means = sums / n
    sst = squares - n * means * means
    ssr = sst - asset_betas * asset_betas * sxx
    redo = np.flatnonzero((n * means * means > sst) | (ssr <= _NEAR_PERFECT * sst))
    if redo.size:
        ssr[redo] = 0.0
        for first, stop in blocks:
            residuals = excess_returns(prices[first : stop + 1, redo], rf[first:stop]) - means[redo]
            residuals -= np.outer(m[first:stop], asset_betas[redo])
            ssr[redo] += np.einsum("tn,tn->n", residuals, residuals)
    return np.sqrt(ssr / (n - 2) / sxx)


@dataclass(frozen=True)
class AssetFigures:
    """Each asset's beta and the checks of it (ASSET_STATS): arrays (N,) in the column
    order of the returns.

    Attributes
    ----------
    beta, beta_se, t_stat, r_squared, alpha : OLS with intercept (:func:`line_fits`);
        alpha per period
    blume_beta : :func:`blume_beta` of beta, with ``blume_weight``
    vasicek_beta : :func:`vasicek_betas`, the prior from these assets' betas
    dimson_beta : :func:`dimson_beta` with ``lags`` lags and leads
    scholes_williams_beta : :func:`scholes_williams_beta`
    up_beta, down_beta : :func:`regime_betas` on market excess returns > 0 (< 0)
    n : int, the number of returns
    blume_weight : float
    lags : int
    """

    beta: np.ndarray
    beta_se: np.ndarray
    t_stat: np.ndarray
    r_squared: np.ndarray
    alpha: np.ndarray
    blume_beta: np.ndarray
    vasicek_beta: np.ndarray
    dimson_beta: np.ndarray
    scholes_williams_beta: np.ndarray
    up_beta: np.ndarray
    down_beta: np.ndarray
    n: int
    blume_weight: float = BLUME_WEIGHT
    lags: int = 1


def asset_figures(
    returns: np.ndarray, market_returns: np.ndarray, blume_weight: float = BLUME_WEIGHT, lags: int = 1
) -> AssetFigures:
    """:class:`AssetFigures` of each column of ``returns`` (T, N) on ``market_returns`` (T,)
    (excess returns; the market varies)."""
    y = np.asarray(returns, dtype=float)
    m = np.asarray(market_returns, dtype=float)
    fits = line_fits(y, m)
    return AssetFigures(
        beta=fits.beta,
        beta_se=fits.beta_se,
        t_stat=fits.t_stat,
        r_squared=fits.r_squared,
        alpha=fits.alpha,
        blume_beta=np.asarray(blume_beta(fits.beta, blume_weight)),
        vasicek_beta=vasicek_betas(fits.beta, fits.beta_se),
        dimson_beta=np.asarray(dimson_beta(y, m, lags)),
        scholes_williams_beta=np.asarray(scholes_williams_beta(y, m)),
        up_beta=np.asarray(regime_betas(y, m, m > 0)),
        down_beta=np.asarray(regime_betas(y, m, m < 0)),
        n=fits.n,
        blume_weight=blume_weight,
        lags=lags,
    )


@dataclass(frozen=True)
class BetaStats:
    """Regression statistics of one excess-return series on the market's.

    Attributes
    ----------
    fit : LineFit
        OLS with intercept: alpha, beta, its standard error, R², residual volatility;
        confidence interval, annualized figures and Blume's beta derived from it.
    up_beta, down_beta : float
        :func:`regime_beta` on the periods with market excess return > 0 (< 0).
        Periods with 0 belong to neither.
    downside_beta : float
        Estrada's downside beta.
    up_capture, down_capture : float
        :func:`capture_ratio` (empyrical's) on the periods with market return > 0 (< 0).
    annual_return : float
        :func:`annualized_return` of the series (over rf).
    tracking_error, information_ratio : float
        :func:`tracking_error`, :func:`information_ratio` against the market.
    up_capture_cumulative, down_capture_cumulative : float
        :func:`cumulative_capture_ratio` (PerformanceAnalytics') on the periods with market
        return > 0 (<= 0, as ``UpDownRatios``).
    up_capture_mean, down_capture_mean : float
        :func:`mean_capture_ratio` (Morningstar's) on the periods with market return > 0 (< 0).

    The capture ratios, tracking error and information ratio compare the series with the
    market on plain returns, as every peer does (an rf moves no comparison with the
    market); the other figures are on returns over rf, as the regression is.
    correlation : float
        Pearson correlation with the market's returns.
    dimson_beta, scholes_williams_beta : float
        :func:`dimson_beta` (one lag and one lead) and :func:`scholes_williams_beta`:
        betas for thin trading.
    vasicek_beta : float
        ``sum_i w_i b~_i`` of :func:`vasicek_betas` for a portfolio of fixed weights; NaN
        where it has none (a single return series has no cross-section for a prior).
    blume_weight : float
        The weight of :attr:`blume_beta`.
    lags : int
        The lags and leads of :attr:`dimson_beta`.
    cap : float or None
        A beta cap (an Investment Policy Statement's), for :attr:`p_above_cap` and
        :attr:`cap_verdict`; None for none.
    """

    fit: LineFit
    up_beta: float
    down_beta: float
    downside_beta: float
    up_capture: float
    down_capture: float
    annual_return: float
    tracking_error: float
    information_ratio: float
    correlation: float
    dimson_beta: float = math.nan
    scholes_williams_beta: float = math.nan
    vasicek_beta: float = math.nan
    up_capture_cumulative: float = math.nan
    down_capture_cumulative: float = math.nan
    up_capture_mean: float = math.nan
    down_capture_mean: float = math.nan
    blume_weight: float = BLUME_WEIGHT
    lags: int = 1
    cap: float | None = None

    def __repr__(self) -> str:  # the fields' full digits run to 470 characters
        f = self.fit
        return (
            f"BetaStats(beta={f.beta:.4f}, beta_se={f.beta_se:.4f}, r_squared={f.r_squared:.4f}, alpha={f.alpha:.4g}, "
            f"up_beta={self.up_beta:.4f}, down_beta={self.down_beta:.4f}, n={f.n})"
        )

    @property
    def blume_beta(self) -> float:
        """:func:`blume_beta` of the fit's beta, with :attr:`blume_weight`."""
        return float(blume_beta(self.fit.beta, self.blume_weight))

    @property
    def p_above_cap(self) -> float:
        """:func:`p_above_cap` of the fit's beta against :attr:`cap`; NaN without a cap."""
        if self.cap is None:
            return float("nan")
        return float(p_above_cap(self.fit.beta, self.fit.beta_se, self.cap, self.fit.n))

    @property
    def cap_verdict(self) -> str | None:
        """:func:`cap_verdict` of :attr:`p_above_cap`; None without a cap."""
        return cap_verdict(self.p_above_cap)

    @property
    def timing_ratio(self) -> float:
        """``up_beta / down_beta``; NaN where the down-market beta is 0 or unknown."""
        return self.up_beta / self.down_beta if self.down_beta != 0 else float("nan")

    @property
    def treynor_ratio(self) -> float:
        """PerformanceAnalytics' ``TreynorRatio``: the annualized excess return over beta."""
        return self.annual_return / self.fit.beta if self.fit.beta != 0 else float("nan")


def beta_stats(
    returns: np.ndarray,
    market_returns: np.ndarray,
    periods_per_year: int,
    blume_weight: float = BLUME_WEIGHT,
    lags: int = 1,
    cap: float | None = None,
    plain_returns: tuple[np.ndarray, np.ndarray] | None = None,
) -> BetaStats:
    """Every statistic of :class:`BetaStats` for one excess-return series (Blume's weight,
    Dimson's lags and the beta cap as given).

    ``plain_returns``, the series' and the market's returns before rf is subtracted, are
    those the comparisons with the market take (default: ``returns`` and
    ``market_returns``, for returns without rf). The market's must be its own returns,
    not its excess returns plus rf: a flat period must stay exactly 0, in no regime.
    """
    r, m = plain_returns if plain_returns is not None else (returns, market_returns)
    up, down = m > 0, m < 0
    return BetaStats(
        fit=line_fit(returns, market_returns),
        up_beta=regime_beta(returns, market_returns, market_returns > 0),
        down_beta=regime_beta(returns, market_returns, market_returns < 0),
        downside_beta=downside_beta(returns, market_returns),
        up_capture=capture_ratio(r, m, up, periods_per_year),
        down_capture=capture_ratio(r, m, down, periods_per_year),
        annual_return=annualized_return(returns, periods_per_year),
        tracking_error=tracking_error(r, m, periods_per_year),
        information_ratio=information_ratio(r, m, periods_per_year),
        correlation=float(np.corrcoef(returns, market_returns)[0, 1]),
        dimson_beta=float(dimson_beta(returns, market_returns, lags)),
        scholes_williams_beta=float(scholes_williams_beta(returns, market_returns)),
        up_capture_cumulative=cumulative_capture_ratio(r, m, up),
        down_capture_cumulative=cumulative_capture_ratio(r, m, m <= 0),
        up_capture_mean=mean_capture_ratio(r, m, up),
        down_capture_mean=mean_capture_ratio(r, m, down),
        blume_weight=blume_weight,
        lags=lags,
        cap=cap,
    )


# --------------------------------------------------------------------- a book of accounts


@dataclass(frozen=True)
class BookFigures:
    """REG, WTD, GAP and the gap's regression for K accounts on one sample: arrays (K,).

    Attributes
    ----------
    value : market value at ``as_of``
    reg, wtd, gap : the single-portfolio figures of each account
    gap_se, gap_t : standard error and t of the drift portfolio's beta (the gap)
    r_squared : R² of REG
    reg_p_above_cap, wtd_p_above_cap : :func:`p_above_cap` of REG (with its standard error)
        and of WTD (with that of the portfolio rebalanced to the as_of weights, whose slope
        WTD is: PORTBETA_STATS' current weights); NaN without a cap
    valid : bool: the net value is positive and finite on every date used (else NaN figures)
    """

    value: np.ndarray
    reg: np.ndarray
    wtd: np.ndarray
    gap: np.ndarray
    gap_se: np.ndarray
    gap_t: np.ndarray
    r_squared: np.ndarray
    reg_p_above_cap: np.ndarray
    wtd_p_above_cap: np.ndarray
    valid: np.ndarray


_BOOK_BLOCK = 1024  # accounts per block: three (T, block) arrays at a time, whatever K is


@dataclass(frozen=True)
class _BookAssets:
    """What every block of a book shares: the assets' returns and betas, and for sparse
    holdings the prices and returns turned around once (``holdings @ prices.T``)."""

    prices: np.ndarray
    returns: np.ndarray
    betas: np.ndarray
    prices_t: np.ndarray | None = None
    returns_t: np.ndarray | None = None


def is_sparse(holdings: Any) -> bool:
    """Whether ``holdings`` is a sparse matrix in CSR form (``data``, ``indices``, ``indptr``)."""
    return not isinstance(holdings, np.ndarray) and hasattr(holdings, "indptr")


def book_figures(
    prices: np.ndarray,
    holdings: Any,
    market_returns: np.ndarray,
    rf: np.ndarray | float,
    as_of_prices: np.ndarray,
    cap: float | None = None,
    threads: int = 1,
) -> BookFigures:
    """The figures of many accounts holding the same assets, a block of accounts at a time.

    Each account's value history is one column of ``prices @ holdings.T`` (one BLAS
    product, or a sparse one); its returns, betas and fits follow the single-portfolio
    rules (:func:`excess_returns`, :func:`betas`, :func:`weighted_beta`, :func:`line_fits`).

    Parameters
    ----------
    prices : array (T, N)
        Positive prices, no NaN (assets no account holds may be flat).
    holdings : array (K, N), or a scipy.sparse CSR matrix (K, N)
        One row of share counts per account, held on every date (sparse: only the
        positions held are stored; no explicit NaN).
    market_returns : array (T-1,)
        The market's excess returns; must vary.
    rf : float or array (T-1,)
        Per-period rate.
    as_of_prices : array (N,)
        Prices on the date of the weights (0 for an asset no account holds and that has
        no price then).
    cap : float, optional
        A beta cap: the p-values of REG and WTD above it (NaN without; WTD's standard
        error costs one more regression per account, made only with a cap).
    threads : int
        Blocks of accounts computed at once, each in its own thread (numpy and the
        sparse products release the GIL); 1 computes them one after the other.

    Returns
    -------
    BookFigures
    """
    returns = excess_returns(prices, rf)
    assets = _BookAssets(prices, returns, np.asarray(betas(returns, market_returns)))
    if is_sparse(holdings):  # rows of holdings times the assets' rows: the transposes once
        assets = _BookAssets(
            prices, returns, assets.betas, np.ascontiguousarray(prices.T), np.ascontiguousarray(returns.T)
        )

    def block(first: int) -> tuple[np.ndarray, ...]:
        return _book_block(holdings[first : first + _BOOK_BLOCK], market_returns, rf, as_of_prices, assets, cap)

    firsts = range(0, holdings.shape[0], _BOOK_BLOCK)
    if threads > 1 and len(firsts) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(threads, len(firsts))) as pool:
            parts = list(pool.map(block, firsts))
    else:
        parts = [block(first) for first in firsts]
    return BookFigures(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def _sparse_weights(holdings: Any, as_of_prices: np.ndarray) -> Any:
    """:func:`weights_at` of CSR holdings, as CSR: each stored count times its price, over
    the row's total."""
    weights = holdings.copy()
    rows = np.repeat(np.arange(holdings.shape[0]), np.diff(holdings.indptr))
    weights.data = holdings.data * as_of_prices[holdings.indices]
    weights.data /= np.bincount(rows, weights=weights.data, minlength=holdings.shape[0])[rows]
    return weights


def _book_block(
    holdings: Any,
    market_returns: np.ndarray,
    rf: np.ndarray | float,
    as_of_prices: np.ndarray,
    assets: _BookAssets,
    cap: float | None,
) -> tuple[np.ndarray, ...]:
    """:func:`book_figures` of one block of accounts, as its fields in order."""
    sparse = assets.prices_t is not None
    with np.errstate(over="ignore"):
        values = (holdings @ assets.prices_t).T if sparse else assets.prices @ holdings.T  # (T, K)
        value_as_of = holdings @ as_of_prices
    # positive on every date, and within float range (beyond it, figures would be 0 or NaN): two
    # reductions, no (T, K) temporaries (a NaN makes the least value NaN, so not > 0)
    valid = (values.min(axis=0) > 0) & np.isfinite(values.max(axis=0)) & (value_as_of > 0) & np.isfinite(value_as_of)
    out = [value_as_of] + [np.full(holdings.shape[0], np.nan) for _ in range(8)] + [valid]
    if valid.any():
        if not valid.all():
            values, holdings = values[:, valid], holdings[np.flatnonzero(valid)]
        portfolio = excess_returns(values, rf)
        reg = line_fits(portfolio, market_returns)
        if sparse:
            weights = _sparse_weights(holdings, as_of_prices)
            wtd, current = weights @ assets.betas, (weights @ assets.returns_t).T
        else:
            weights = weights_at(as_of_prices, holdings)
            wtd, current = weighted_beta(weights, assets.betas), assets.returns @ weights.T
        capped = []
        if cap is not None:  # WTD's standard error: the rebalanced portfolio's, as PORTBETA_STATS'
            rebalanced = line_fits(current, market_returns)
            capped = [p_above_cap(reg.beta, reg.beta_se, cap, reg.n),
                      p_above_cap(rebalanced.beta, rebalanced.beta_se, cap, reg.n)]  # fmt: skip
        gap = line_fits(drift_returns(portfolio, current, out=current), market_returns)  # current's memory reused
        found = [reg.beta, wtd, reg.beta - wtd, gap.beta_se, gap.t_stat, reg.r_squared, *capped]
        for k, figure in enumerate(found, 1):
            out[k][valid] = figure
    return tuple(out)


# --------------------------------------------------------------------- rolling windows

#: A window whose market returns' squared distances from its block's mean (the sums it
#: is made of) exceed its squared deviations this many times would lose digits to
#: cancellation: it is computed again from its own rows.
_CANCELLATION_LIMIT = 1e4


def _running_sums(z: np.ndarray) -> None:
    """Running sums of the rows of ``z``, in place: a row at a time for wide arrays,
    since ``cumsum(axis=0)`` walks columns (bench/NOTES.md)."""
    if z.shape[1] <= 16:
        np.cumsum(z, axis=0, out=z)
    else:
        for t in range(1, len(z)):
            np.add(z[t - 1], z[t], out=z[t])


@dataclass(frozen=True)
class WindowBlock:
    """The sums of the windows that end in one block of ``window`` rows (:func:`window_blocks`).

    A window's co-deviation with the market, per column, is
    ``here_ym - scale here_y + (total_ym - before_ym) + (shift - scale)(total_y - before_y)``:
    ``here`` the running sums of ``y (m - c)`` and ``y`` over the window's rows in this
    block (``c`` its market mean), ``before`` those of the block before up to the row
    before the window starts, ``total`` all of its rows, ``shift`` its market mean less
    this one's. Kept apart so that a weighted sum of the co-deviations needs no (K, N)
    array (:func:`rolling_weighted_beta`).

    Attributes
    ----------
    k : slice
        The windows (window k ends at row ``k + window - 1``).
    squares : array (K,)
        Each window's ``sum (m - mbar)^2``.
    scale : array (K,)
        Each window's mean of ``m - c``.
    here : array (K, 2N)
        ``y (m - c)`` in the first N columns, ``y`` in the last N: valid until the next
        block (its memory is reused, so that it stays in the CPU cache).
    before : array (K, 2N), or None
    total : array (2N,), or None
        None for the first block, whose one window lies within it.
    shift : float, or None
    redone : tuple of (int, array (N,))
        Windows whose sums could cancel, computed again from their rows: their position
        in ``k`` and their co-deviations, which replace the formula's.
    """

    k: slice
    squares: np.ndarray
    scale: np.ndarray
    here: np.ndarray
    before: np.ndarray | None
    total: np.ndarray | None
    shift: float | None
    redone: tuple

    def codeviations(self) -> np.ndarray:
        """Each window's ``sum (y - ybar)(m - mbar)`` per column: (K, N)."""
        width = self.here.shape[1] // 2
        codev = self.here[:, :width] - self.scale[:, None] * self.here[:, width:]
        if self.before is not None:
            rest = self.total - self.before
            codev += rest[:, :width] + (self.shift - self.scale)[:, None] * rest[:, width:]
        for j, row in self.redone:
            codev[j] = row
        return codev


def window_blocks(y: np.ndarray, market_returns: np.ndarray, window: int):
    """The sums of every window of ``window`` rows, a block of ``window`` window ends at
    a time (:class:`WindowBlock`).

    Running sums from row 0 would carry the magnitude of every earlier row into each
    window (a volatile past costs a calm window its digits), so the sums restart in
    every block of ``window`` rows, with the market centred on that block's mean: a
    window is the end of the block before plus the start of its own. The market's sums
    of each part are its own (from the block's first row, and from its last), joined by
    Chan, Golub and LeVeque's pairwise formula, so the squared deviations keep their
    digits; ``y``'s are the block's running sums, as cheap as running sums from row 0.
    A window whose sums could still cancel (its block's rows far from their mean, as
    next to a volatile stretch) is computed again from its own rows. O(T x N) overall.

    Parameters
    ----------
    y : array (T, N)
    market_returns : array (T,)
    window : int

    Yields
    ------
    WindowBlock
    """
    n_rows, width = y.shape
    m = np.asarray(market_returns, dtype=float)
    before = None  # the block before: its market mean, market sums from its end, y sums
    buffers = [np.empty((window, 2 * width)) for _ in range(2)]
    for start in range(0, n_rows, window):
        stop = min(start + window, n_rows)
        centre = float(m[start:stop].mean())
        mc = m[start:stop] - centre
        market = np.column_stack([mc, mc * mc])
        head = np.cumsum(market, axis=0)  # sums of rows ..j of the block (two columns: cheap)
        tail = np.zeros((len(mc) + 1, 2))  # sums of rows j.. of the block
        tail[:-1] = np.cumsum(market[::-1], axis=0)[::-1]
        sums = buffers[(start // window) % 2][: len(mc)]  # y (m - centre) and y, running
        np.multiply(y[start:stop], mc[:, None], out=sums[:, :width])
        sums[:, width:] = y[start:stop]
        _running_sums(sums)
        if before is None:  # the first block holds one window, if it is full
            ends, squares, load, s_m = _first_window(head, window)
            shift = part_before = total = None  # no block before
        else:
            ends, squares, load, s_m, shift = _joined_windows(before, centre, head, window)
            part_before, total = before[2][: len(mc)], before[2][-1]
        first = start - window + 1 + ends.start
        redone = _redone_windows(y, m, first, window, load, squares)
        if len(squares):
            k = slice(first, first + len(squares))
            yield WindowBlock(k, squares, s_m / window, sums[ends], part_before, total, shift, redone)
        before = (centre, tail, sums) if stop - start == window else None


def _first_window(head: np.ndarray, window: int) -> tuple[slice, np.ndarray, np.ndarray, np.ndarray]:
    """The first block's window (if it is full): which row ends it, its squared market
    deviations, their load and its market sum (:func:`window_blocks`)."""
    ends = slice(window - 1, window)
    s_m = head[ends, 0]
    squares = head[ends, 1] - s_m * s_m / window
    return ends, squares, squares, s_m  # about the window's own mean: nothing cancels, never redone


def _joined_windows(
    before: tuple, centre: float, head: np.ndarray, window: int
) -> tuple[slice, np.ndarray, np.ndarray, np.ndarray, float]:
    """The windows that end in a block after the first: the block before's end joined to
    this block's start by Chan, Golub and LeVeque's pairwise formula (:func:`window_blocks`).

    Returns which rows end them, their squared market deviations, the squares their sums
    are made of (``load``), their market sums about this block's mean and ``shift``, the
    block before's mean less this one's.
    """
    rows = len(head)
    ends = slice(0, rows)
    centre_a, tail_a, _ = before
    count_b = np.arange(1.0, rows + 1)
    count_a = window - count_b  # rows from the block before: 0 for the block's last window
    a_m, a_mm = tail_a[1 : rows + 1, 0], tail_a[1 : rows + 1, 1]
    mean_a, mean_b = a_m / np.maximum(count_a, 1), head[:, 0] / count_b
    d_m = centre_a + mean_a - (centre + mean_b)
    squares = (a_mm - a_m * mean_a) + (head[:, 1] - head[:, 0] * mean_b) + d_m * d_m * count_a * count_b / window
    shift = centre_a - centre  # the block before's rows about this block's mean
    s_m = a_m + count_a * shift + head[:, 0]
    # y's sums over the block before are its total less its running sums: each of its
    # rows counts, also those before the window. Their market squares about this block's
    # mean: sum (m - centre_a + shift)^2, whose middle term 2 shift sum (m - centre_a) is
    # rounding (centre_a is that block's mean)
    load = tail_a[0, 1] + window * shift * shift + head[:, 1]
    return ends, squares, load, s_m, shift


def _redone_windows(
    y: np.ndarray, m: np.ndarray, first: int, window: int, load: np.ndarray, squares: np.ndarray
) -> tuple:
    """The windows whose sums could cancel, computed again from their own rows: their
    position and co-deviations (:attr:`WindowBlock.redone`); their ``squares`` replaced
    in place."""
    redone = []
    for j in np.flatnonzero(load > _CANCELLATION_LIMIT * squares).tolist():
        rows = slice(first + j, first + j + window)
        centred_m = centred(m[rows])
        redone.append((j, centred_m @ y[rows] - centred_m.sum() * y[rows].mean(axis=0)))
        squares[j] = centred_m @ centred_m
    return tuple(redone)


def rolling_moments(y: np.ndarray, market_returns: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Every window's co-deviations (W, N) and squared deviations (W,) (:func:`window_blocks`)."""
    n_windows = len(market_returns) - window + 1
    codev, squares = np.empty((n_windows, y.shape[1])), np.empty(n_windows)
    for block in window_blocks(y, market_returns, window):
        codev[block.k], squares[block.k] = block.codeviations(), block.squares
    return codev, squares


def flat_windows(market_returns: np.ndarray, window: int, squares: np.ndarray | None = None) -> np.ndarray:
    """The windows whose market returns vary by no more than rounding (no beta there);
    ``squares``, the windows' squared deviations, when the caller has them."""
    if squares is None:
        _, squares = rolling_moments(np.empty((len(market_returns), 0)), market_returns, window)
    return squares <= resolution(market_returns) ** 2 * window


def rolling_asset_betas(asset_returns: np.ndarray, market_returns: np.ndarray, window: int) -> np.ndarray:
    """Each asset's OLS beta over every window of ``window`` rows, in O(T x N)
    (:func:`window_blocks` for every column at once).

    Parameters
    ----------
    asset_returns : array (T, N)
    market_returns : array (T,)
    window : int

    Returns
    -------
    array (T - window + 1, N): row k is the window ending at row ``k + window - 1``.
    """
    codev, squares = rolling_moments(np.asarray(asset_returns, dtype=float), market_returns, window)
    with np.errstate(divide="ignore", invalid="ignore"):  # a flat window's squares are 0: no beta (flat_windows)
        return codev / squares[:, None]


def rolling_weighted_beta(
    asset_returns: np.ndarray,
    market_returns: np.ndarray,
    end_prices: np.ndarray,
    end_holdings: np.ndarray,
    window: int,
) -> np.ndarray:
    """Weighted-average beta over every window, with the weights of each window's end.

    :func:`weighted_beta` of ``w_i,e = h_i,e p_i,e / V_e`` and each asset's beta over the
    window, fused into one ``einsum`` per block of :func:`window_blocks` (bench/NOTES.md),
    so the working set stays a few (window, 2N) arrays in the CPU cache instead of
    (T, N) matrices. O(T x N) overall.

    Parameters
    ----------
    asset_returns : array (T, N)
    market_returns : array (T,)
    end_prices : array (T - window + 1, N)
        Prices on the date that closes each window's last return.
    end_holdings : array (N,) or (T - window + 1, N)
        Shares held on that date.
    window : int

    Returns
    -------
    array (T - window + 1,)
    """
    weighted = np.empty(len(market_returns) - window + 1)
    squares = np.empty_like(weighted)
    history = np.ndim(end_holdings) == 2
    width = np.shape(asset_returns)[1]
    for block in window_blocks(np.asarray(asset_returns, dtype=float), market_returns, window):
        k = block.k
        # weighted_beta(weights_at(p, h), codeviations / squares) fused: sum_n p h codev,
        # each term of WindowBlock's formula weighted row by row (no (K, N) array written)
        values = end_prices[k] * (end_holdings[k] if history else end_holdings)
        count = len(values)
        # sum_n p h x for x = y (m - c) and y: one pass over each block of sums
        sums = np.einsum("kn,kjn->kj", values, block.here.reshape(count, 2, width))
        total = sums[:, 0] - block.scale * sums[:, 1]
        if block.before is not None:  # the rows of the block before, about this block's mean
            rest = values @ block.total.reshape(2, width).T
            rest -= np.einsum("kn,kjn->kj", values, block.before.reshape(count, 2, width))
            total += rest[:, 0] + (block.shift - block.scale) * rest[:, 1]
        for j, row in block.redone:
            total[j] = values[j] @ row
        weighted[k], squares[k] = total, block.squares
    with np.errstate(divide="ignore", invalid="ignore"):  # a flat window's squares are 0: no beta (flat_windows)
        return weighted / (holdings_values(end_prices, end_holdings) * squares)


def rebalanced_returns(prices: np.ndarray, weights: np.ndarray, rf: np.ndarray | float = 0.0) -> np.ndarray:
    """Excess returns of a portfolio rebalanced to ``weights`` every period,
    ``sum_i w_i (r_i,t - rf_t)``: :func:`excess_returns` a block of periods at a time, each
    block weighted while it is in the CPU cache (no T x N array).

    Parameters
    ----------
    prices : array (T, N)
        Positive prices, no NaN.
    weights : array (N,)
    rf : float or array (T-1,)

    Returns
    -------
    array (T-1,)
    """
    prices = np.asarray(prices, dtype=float)
    n = len(prices) - 1
    rf = np.broadcast_to(np.asarray(rf, dtype=float), (n,))
    out = np.empty(n)
    for first in range(0, n, _BLOCK_ROWS):
        stop = min(first + _BLOCK_ROWS, n)
        out[first:stop] = np.einsum("tn,n->t", excess_returns(prices[first : stop + 1], rf[first:stop]), weights)
    return out
