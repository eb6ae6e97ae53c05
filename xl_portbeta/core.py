"""The math of portfolio beta: pure numpy, no I/O, no Excel.

Every function takes clean float arrays (no NaN where it matters, positive prices,
rows oldest first) and returns floats or arrays. Validation lives in ``inputs``.

Argument order is the same everywhere, as in empyrical: the returns being explained
first, then ``market_returns``, then weights.

Conventions
-----------
- A *return* is a simple return ``p_t / p_{t-1} - 1``, computed as
  ``(p_t - p_{t-1}) / p_{t-1}``: the difference of two close prices is exact in floating
  point, so a tiny return keeps all its digits (``p_t / p_{t-1} - 1`` would lose them).
- A *beta* is the OLS slope, with intercept, of returns on market returns:
  ``cov(r, m) / var(m)``. Covariances are computed on centred data (two passes),
  which keeps about as many digits as the data carry (NIST StRD Norris to 12+).
- A *holdings portfolio* return for the period (t-1, t] is the value change of the
  holdings held at t-1 divided by their value at t-1, so trades are never returns:
  ``sum_i w_i,t-1 * r_i,t`` with ``w_i,t-1 = h_i,t-1 p_i,t-1 / sum_j h_j,t-1 p_j,t-1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "simple_returns",
    "market_values",
    "start_weights",
    "weights_at",
    "holdings_returns",
    "centred",
    "betas",
    "beta",
    "gap_by_holding",
    "LineFit",
    "line_fit",
    "downside_beta",
    "rolling_betas",
]


def simple_returns(prices: np.ndarray) -> np.ndarray:
    """Simple returns along the first axis.

    Parameters
    ----------
    prices : array (T,) or (T, N)
        Positive price levels, oldest first.

    Returns
    -------
    array (T-1,) or (T-1, N)
    """
    prices = np.asarray(prices, dtype=float)
    return np.diff(prices, axis=0) / prices[:-1]


def market_values(prices: np.ndarray, holdings: np.ndarray) -> np.ndarray:
    """Market value of each position, ``holdings * prices``, with 0 where nothing is held.

    A position of 0 shares is worth 0 even when its price is missing (NaN).

    Parameters
    ----------
    prices : array (T, N) or (N,)
    holdings : array of the same shape
        Share counts; negative means short.
    """
    prices = np.asarray(prices, dtype=float)
    holdings = np.asarray(holdings, dtype=float)
    return np.where(holdings != 0.0, holdings * prices, 0.0)


def weights_at(prices: np.ndarray, holdings: np.ndarray) -> np.ndarray:
    """Market-value weights of one date's holdings (they sum to 1; shorts are negative).

    Parameters
    ----------
    prices : array (N,)
    holdings : array (N,)

    Returns
    -------
    array (N,)
    """
    values = market_values(prices, holdings)
    return values / values.sum()


def start_weights(prices: np.ndarray, holdings: np.ndarray) -> np.ndarray:
    """Weights of the holdings at the start of each period: rows 0 .. T-2.

    Parameters
    ----------
    prices : array (T, N)
    holdings : array (T, N)

    Returns
    -------
    array (T-1, N)
        Row t-1 holds the weights that earn the returns of period (t-1, t].
    """
    values = market_values(prices[:-1], holdings[:-1])
    return values / values.sum(axis=1, keepdims=True)


def holdings_returns(asset_returns: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Returns of a portfolio that holds ``weights`` at the start of each period.

    Parameters
    ----------
    asset_returns : array (T-1, N)
        May hold NaN where the weight is exactly 0 (an asset not held then).
    weights : array (T-1, N)
        Start-of-period weights, e.g. from :func:`start_weights`.

    Returns
    -------
    array (T-1,)
    """
    return np.where(weights != 0.0, weights * asset_returns, 0.0).sum(axis=1)


def centred(x: np.ndarray) -> np.ndarray:
    """``x`` minus its mean along the first axis (the first pass of a two-pass covariance)."""
    x = np.asarray(x, dtype=float)
    return x - x.mean(axis=0)


def betas(returns: np.ndarray, market_returns: np.ndarray) -> np.ndarray | float:
    """OLS slopes, with intercept, of each column of ``returns`` on ``market_returns``.

    Parameters
    ----------
    returns : array (T,) or (T, N)
    market_returns : array (T,)
        Must have variance; the caller checks it.

    Returns
    -------
    float or array (N,)
    """
    m = centred(market_returns)
    return (m @ centred(returns)) / (m @ m)


def beta(returns: np.ndarray, market_returns: np.ndarray) -> float:
    """OLS slope, with intercept, of one return series on ``market_returns``."""
    return float(betas(np.asarray(returns, dtype=float).ravel(), market_returns))


def gap_by_holding(
    asset_returns: np.ndarray,
    market_returns: np.ndarray,
    weights: np.ndarray,
    weights_as_of: np.ndarray,
) -> np.ndarray:
    """Each holding's exact share of the gap between regression and weighted beta.

    ``cov((w_i,t-1 - w_i,as_of) * r_i,t, m_t) / var(m)``; by linearity of covariance the
    terms sum to ``beta(holdings_returns) - weights_as_of @ betas(asset_returns)``
    whenever the start weights sum to 1.

    Parameters
    ----------
    asset_returns : array (T-1, N)
    market_returns : array (T-1,)
    weights : array (T-1, N)
        Start-of-period weights.
    weights_as_of : array (N,)
        The weights of the weighted-average beta.

    Returns
    -------
    array (N,)
    """
    drift = weights - weights_as_of
    # 0 * NaN would be NaN: an asset never held contributes exactly nothing.
    drifted_returns = np.where(drift != 0.0, drift * asset_returns, 0.0)
    return np.asarray(betas(drifted_returns, market_returns))


# --------------------------------------------------------------------- regression statistics


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
        return self.beta / self.beta_se


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
    y = np.asarray(returns, dtype=float)
    m = np.asarray(market_returns, dtype=float)
    mc, yc = centred(m), centred(y)
    sxx = mc @ mc
    slope = (mc @ yc) / sxx
    residuals = yc - slope * mc
    ssr = residuals @ residuals
    sst = yc @ yc
    n = len(y)
    s2 = ssr / (n - 2)
    return LineFit(
        alpha=float(y.mean() - slope * m.mean()),
        beta=float(slope),
        beta_se=float(np.sqrt(s2 / sxx)),
        r_squared=float(1.0 - ssr / sst) if sst > 0 else float("nan"),
        residual_std=float(np.sqrt(s2)),
        n=n,
    )


def downside_beta(returns: np.ndarray, market_returns: np.ndarray) -> float:
    """Estrada's downside beta: semicovariance below the means over the market's semivariance.

    ``E[min(r - mean r, 0) * min(m - mean m, 0)] / E[min(m - mean m, 0)^2]``.
    """
    r_down = np.minimum(centred(returns), 0.0)
    m_down = np.minimum(centred(market_returns), 0.0)
    return float((r_down @ m_down) / (m_down @ m_down))


# --------------------------------------------------------------------- rolling windows


def _window_sums(x: np.ndarray, window: int) -> np.ndarray:
    """Sums over each run of ``window`` consecutive rows (running sums, O(T))."""
    c = np.cumsum(x, axis=0)
    out = c[window - 1 :].copy()
    out[1:] -= c[:-window]
    return out


def rolling_betas(returns: np.ndarray, market_returns: np.ndarray, window: int) -> np.ndarray:
    """OLS slopes of ``returns`` on ``market_returns`` over every window of ``window`` rows.

    Computed from running sums in O(T x N), after centring on the full-sample means so that
    the sums stay small (a window's covariance is unchanged by a constant shift).

    Parameters
    ----------
    returns : array (T,) or (T, N)
    market_returns : array (T,)
    window : int
        Returns per window, 2 <= window <= T.

    Returns
    -------
    array (T - window + 1,) or (T - window + 1, N): row k is the window ending at row
    ``k + window - 1``.
    """
    y = centred(returns)
    m = centred(market_returns)
    mm = m[:, None] if y.ndim == 2 else m
    s_m = _window_sums(m, window)
    s_mm = _window_sums(m * m, window)
    s_y = _window_sums(y, window)
    s_ym = _window_sums(y * mm, window)
    var = s_mm - s_m * s_m / window
    if y.ndim == 2:
        return (s_ym - s_y * s_m[:, None] / window) / var[:, None]
    return (s_ym - s_y * s_m / window) / var
