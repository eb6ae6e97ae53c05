"""The numbers are right to the last digits that matter (see accuracy_cases.py)."""

import numpy as np
import pytest
from accuracy_cases import (
    NORRIS_CERTIFIED,
    compound,
    decimal_slope,
    digits_kept,
    ill_conditioned_cases,
    norris_paths,
)

from xl_portbeta import PortbetaError, api


def test_nist_norris_certified_values_to_at_least_9_digits():
    asset, market = norris_paths()
    stats = api.portfolio_stats(asset, [1.0], market)
    fit = stats.actual.fit
    assert digits_kept(fit.beta, NORRIS_CERTIFIED["beta"]) >= 9
    assert digits_kept(fit.beta_se, NORRIS_CERTIFIED["beta_se"]) >= 9
    assert digits_kept(fit.r_squared, NORRIS_CERTIFIED["r_squared"]) >= 9
    # the same through REG and ASSET_BETAS
    assert digits_kept(api.portfolio_beta(asset, [3.0], market).reg, NORRIS_CERTIFIED["beta"]) >= 9
    assert digits_kept(float(api.asset_betas(asset, market)[0][0]), NORRIS_CERTIFIED["beta"]) >= 9


def test_norris_paths_are_a_faithful_transform():
    """The scale really is 1e-4 and the paths really compound the data (else the test is moot)."""
    asset, _market = norris_paths()
    r = np.diff(asset) / asset[:-1] * 1e4
    assert r[:3] == pytest.approx([0.1, 338.8, 118.1], rel=1e-12)


@pytest.mark.parametrize("name", list(ill_conditioned_cases()))
def test_ill_conditioned_cases_against_60_digit_decimals(name):
    prices, market = ill_conditioned_cases()[name]
    ours = api.portfolio_beta(prices, [1.0], market).reg
    assert digits_kept(ours, decimal_slope(prices, market)) >= 12


def test_a_portfolio_of_tiny_returns_keeps_its_digits():
    """Two assets at 1e8 moving by cents: REG and WTD both against decimals."""
    cases = ill_conditioned_cases()
    a, market = cases["prices ~1e8 moving by cents"]
    b = a[::-1].copy()
    result = api.portfolio_beta(np.column_stack([a, b]), [1.0, 1.0], market)
    beta_a, beta_b = decimal_slope(a, market), decimal_slope(b, market)
    w = np.array([a[-1], b[-1]]) / (a[-1] + b[-1])
    assert digits_kept(result.wtd, w[0] * beta_a + w[1] * beta_b) >= 12
    assert digits_kept(result.reg, decimal_slope(np.column_stack([a, b]), market, shares=[1, 1])) >= 12


@pytest.mark.parametrize(
    "market",
    [
        np.full(30, 1234.5),  # flat
        compound(np.full(29, 0.001), 1000.0),  # constant return: varies only by rounding
        1e8 + np.concatenate([[0.0], np.cumsum(np.full(29, 0.01))]) * (1 + 1e-17),
    ],
    ids=["flat", "constant return", "constant cents at 1e8"],
)
def test_market_without_resolvable_variance_is_an_error(market):
    prices = compound(np.random.default_rng(1).normal(0, 0.01, 29))
    with pytest.raises(PortbetaError, match="market returns have no variance"):
        api.portfolio_beta(prices, [1.0], market)


def test_tiny_but_real_market_variance_is_not_an_error():
    m = np.random.default_rng(2).normal(0, 1e-11, 60)
    prices = compound(2 * m)
    assert api.portfolio_beta(prices, [1.0], compound(m, 1000.0)).reg == pytest.approx(2.0, rel=1e-4)
