"""The Python API: one call for every figure, shared by the UDFs and the command line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import core
from .inputs import fail
from .sample import Sample, build_sample

__all__ = ["PortfolioBeta", "portfolio_beta", "asset_betas", "excess_returns"]

# Market returns that vary by no more than this many units of rounding error carry no
# information a float can resolve: a beta from them would be noise, so it is an error.
_RESOLVABLE_ULPS = 64


@dataclass(frozen=True)
class ExcessReturns:
    """Per-period returns over the risk-free rate on the sample's dates.

    Attributes
    ----------
    assets : array (K-1, N)
    market : array (K-1,)
    weights : array (K-1, N)
        Start-of-period weights of the actual holdings.
    portfolio : array (K-1,)
        The actual holdings' returns.
    """

    assets: np.ndarray
    market: np.ndarray
    weights: np.ndarray
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


def excess_returns(sample: Sample, function: str = "portfolio_beta") -> ExcessReturns:
    """Returns over the per-period risk-free rate, with the market checked for variance."""
    rf = sample.rf
    market = core.simple_returns(sample.market) - rf
    # A return p1/p0 - 1 carries an absolute rounding error of about eps * (1 + |r|):
    # market returns that vary by less than a few dozen of those hold no usable signal.
    resolution = _RESOLVABLE_ULPS * np.finfo(float).eps * (1.0 + np.abs(market).max())
    if np.abs(core.centred(market)).max() <= resolution:
        raise fail(function, "the market returns have no variance on the dates used: a beta is undefined")
    assets = core.simple_returns(sample.prices) - rf[:, None]
    weights = core.start_weights(sample.prices, sample.holdings)
    portfolio = core.holdings_returns(assets, weights)
    return ExcessReturns(assets, market, weights, portfolio)


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
    returns = excess_returns(sample, function)
    # Assets never held may have holes on the sample's dates: their beta is unknown.
    complete = ~np.isnan(returns.assets).any(axis=0)
    betas = np.full(len(sample.names), np.nan)
    betas[complete] = core.betas(returns.assets[:, complete], returns.market)
    reg = core.beta(returns.portfolio, returns.market)
    wtd = float(np.where(sample.weights_as_of != 0, sample.weights_as_of * betas, 0.0).sum())
    terms = core.gap_by_holding(returns.assets, returns.market, returns.weights, sample.weights_as_of)
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
    sample = build_sample(prices, None, market, dates, frequency, rf, None, function=function)
    returns = excess_returns(sample, function)
    betas = np.asarray(core.betas(returns.assets, returns.market))
    betas.setflags(write=False)
    return betas, sample
