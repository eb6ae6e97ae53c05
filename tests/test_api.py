"""The Python API (xl_portbeta.api): REG, WTD, GAP, asset betas, the statistics, the gap's
split and rolling windows against independent references, and its identities."""

import re
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from conftest import BOND_MARKET as MARKET
from conftest import random_market
from references import exact_slope, excess, ols_slope, per_window_reference, reference, statsmodels_fit

from xl_portbeta import PortbetaError, api, asset_betas, portfolio_beta, sheet, udfs
from xl_portbeta.datasets import demo_portfolio

TOL = 1e-10


def test_two_bond_example_matches_exact_rational_arithmetic(bonds):
    """Every figure derived with fractions: no floating point in the reference."""
    a, b, m = ([Fraction(v) for v in bonds[k]] for k in ("bond_a", "bond_b", "market"))
    ha, hb = (Fraction(v) for v in bonds["shares"])
    ret = lambda s: [s[t] / s[t - 1] - 1 for t in range(1, len(s))]  # noqa: E731
    value = [ha * pa + hb * pb for pa, pb in zip(a, b)]
    reg = exact_slope(ret(value), ret(m))
    beta_a, beta_b = exact_slope(ret(a), ret(m)), exact_slope(ret(b), ret(m))
    w_a = ha * a[-1] / value[-1]
    wtd = w_a * beta_a + (1 - w_a) * beta_b

    result = portfolio_beta(np.column_stack([bonds["bond_a"], bonds["bond_b"]]), bonds["shares"], bonds["market"])
    assert result.reg == pytest.approx(float(reg), abs=1e-13)
    assert result.wtd == pytest.approx(float(wtd), abs=1e-13)
    assert result.gap == pytest.approx(float(reg - wtd), abs=1e-13)
    assert result.asset_betas == pytest.approx([float(beta_a), float(beta_b)], abs=1e-13)
    assert result.weights == pytest.approx([float(w_a), float(1 - w_a)], abs=1e-15)
    # The textbook number is off by about 0.09 here: the gap is real, not rounding.
    assert abs(result.gap) > 0.05


@pytest.mark.parametrize("n_rows,n_assets", [(30, 1), (60, 3), (260, 12)])
def test_random_portfolios_match_statsmodels(rng, n_rows, n_assets):
    prices, market = random_market(rng, n_rows, n_assets)
    shares = rng.uniform(-20, 100, n_assets)
    shares[0] = 500  # keep the net value positive with shorts
    result = portfolio_beta(prices, shares, market)
    reg, wtd, betas, weights = reference(prices, shares, market)
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)
    assert result.gap == pytest.approx(reg - wtd, abs=TOL)
    np.testing.assert_allclose(result.asset_betas, betas, rtol=0, atol=TOL)
    np.testing.assert_allclose(result.weights, weights, rtol=0, atol=1e-14)
    only, _ = asset_betas(prices, market)
    np.testing.assert_allclose(only, betas, rtol=0, atol=TOL)


def test_holdings_history_matches_value_reconciliation(rng):
    """Trades are not returns: the period return uses the holdings at its start."""
    prices, market = random_market(rng, 120, 3)
    holdings = np.tile([100.0, 50.0, 0.0], (120, 1))
    holdings[40:, 0] = 300.0  # buy more of asset 1
    holdings[70:, 1] = 0.0  # sell asset 2
    holdings[70:, 2] = 80.0  # buy asset 3
    result = portfolio_beta(prices, holdings, market, as_of=60)
    reg, wtd, _, weights = reference(prices, holdings, market, as_of=59)
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)
    np.testing.assert_allclose(result.weights, weights, atol=1e-14)
    assert result.sample.as_of == 60  # the row number of prices, counted from 1


def test_real_data_matches_statsmodels():
    prices, shares, market = demo_portfolio()
    result = portfolio_beta(prices, shares, market, prices.index.to_numpy())
    reg, wtd, betas, _ = reference(prices.to_numpy(), shares, market.to_numpy())
    assert result.reg == pytest.approx(reg, abs=TOL)
    assert result.wtd == pytest.approx(wtd, abs=TOL)
    np.testing.assert_allclose(result.asset_betas, betas, rtol=0, atol=TOL)
    assert result.names == tuple(prices.columns)
    assert result.sample.n_returns == len(prices) - 1


def test_constant_weight_portfolio_regression_beta_equals_wtd(rng):
    prices, market = random_market(rng, 200, 6)
    result = portfolio_beta(prices, rng.uniform(1, 50, 6), market)
    asset_returns = prices[1:] / prices[:-1] - 1
    rebalanced = asset_returns @ result.weights
    assert ols_slope(rebalanced, market[1:] / market[:-1] - 1) == pytest.approx(result.wtd, abs=TOL)


def test_gap_terms_sum_to_the_gap(rng):
    prices, market = random_market(rng, 150, 5)
    shares = rng.uniform(1, 50, 5)
    result = portfolio_beta(prices, shares, market, as_of=70)
    values = shares * prices
    w = values / values.sum(axis=1, keepdims=True)
    r = prices[1:] / prices[:-1] - 1
    m = market[1:] / market[:-1] - 1
    terms = [np.cov((w[:-1, i] - w[69, i]) * r[:, i], m)[0, 1] / np.var(m, ddof=1) for i in range(5)]
    np.testing.assert_allclose(result.gap_by_holding, terms, atol=1e-12)
    assert sum(terms) == pytest.approx(result.gap, abs=1e-12)


def test_scaling_shares_or_prices_changes_nothing(rng):
    prices, market = random_market(rng, 90, 4)
    shares = rng.uniform(1, 50, 4)
    base = portfolio_beta(prices, shares, market)
    for scaled in (
        portfolio_beta(prices, shares * 1000, market),
        portfolio_beta(prices * 0.01, shares, market),
        portfolio_beta(prices, shares, market * 7),
    ):
        assert scaled.reg == pytest.approx(base.reg, abs=1e-12)
        assert scaled.wtd == pytest.approx(base.wtd, abs=1e-12)
        np.testing.assert_allclose(scaled.weights, base.weights, atol=1e-14)


def test_constant_rf_changes_no_beta(rng):
    prices, market = random_market(rng, 120, 3)
    base = portfolio_beta(prices, [1, 2, 3], market)
    with_rf = portfolio_beta(prices, [1, 2, 3], market, rf=0.05)
    assert with_rf.reg == pytest.approx(base.reg, abs=1e-12)
    assert with_rf.wtd == pytest.approx(base.wtd, abs=1e-12)
    np.testing.assert_allclose(with_rf.asset_betas, base.asset_betas, atol=1e-12)


def test_result_is_immutable(bonds):
    result = portfolio_beta(np.column_stack([bonds["bond_a"], bonds["bond_b"]]), bonds["shares"], bonds["market"])
    with pytest.raises(Exception):
        result.reg = 0.0
    with pytest.raises(ValueError):
        result.weights[0] = 0.5


def check_fit(stats, fit, periods):
    assert stats.fit.beta == pytest.approx(fit.params[1], abs=TOL)
    assert stats.fit.alpha == pytest.approx(fit.params[0], abs=TOL)
    assert stats.fit.beta_se == pytest.approx(fit.bse[1], abs=TOL)
    assert stats.fit.t_stat == pytest.approx(fit.tvalues[1], rel=1e-9)
    low, high = fit.conf_int(alpha=0.05)[1]
    assert stats.fit.conf_int(0.05)[0] == pytest.approx(low, abs=TOL)
    assert stats.fit.conf_int(0.05)[1] == pytest.approx(high, abs=TOL)
    assert stats.fit.r_squared == pytest.approx(fit.rsquared, abs=TOL)
    assert stats.fit.n == fit.nobs
    assert stats.fit.annualized(periods).alpha == pytest.approx((1 + fit.params[0]) ** periods - 1, abs=TOL)
    assert stats.fit.annualized(periods).residual_std == pytest.approx(np.sqrt(fit.scale * periods), abs=TOL)
    assert stats.fit.blume_beta == pytest.approx(0.67 * fit.params[1] + 0.33, abs=TOL)


def by_hand(prices, shares, market, rf, as_of_row):
    """The per-period rf; the daily excess returns of the market, of the actual holdings and of
    the portfolio rebalanced to the as_of weights every period; those weights: in numpy."""
    rf_period = (1 + rf) ** (1 / 252) - 1
    w = prices[as_of_row] * shares / (prices[as_of_row] * shares).sum()
    actual = excess((prices * shares).sum(axis=1), rf_period)
    return rf_period, excess(market, rf_period), actual, excess(prices, rf_period) @ w, w


@pytest.mark.parametrize("rf", [0.0, 0.04])
def test_stats_of_both_columns_match_statsmodels(rng, rf):
    prices, market = random_market(rng, 250, 6)
    shares = rng.uniform(1, 40, 6)
    stats = api.portfolio_stats(prices, shares, market, rf=rf, as_of=120)
    _, m, actual, current, _ = by_hand(prices, shares, market, rf, as_of_row=119)
    check_fit(stats.actual, statsmodels_fit(actual, m), 252)
    check_fit(stats.current, statsmodels_fit(current, m), 252)
    assert stats.current.fit.beta == pytest.approx(stats.result.wtd, abs=1e-12)
    assert stats.actual.fit.beta == pytest.approx(stats.result.reg, abs=1e-12)


def test_gap_detail_rows_add_up_exactly(rng):
    prices, market = random_market(rng, 200, 5)
    shares = rng.uniform(1, 40, 5)
    detail = api.gap_detail(prices, shares, market, as_of=100)
    np.testing.assert_allclose(detail.drift + detail.interaction, detail.contribution, atol=1e-15)
    assert detail.contribution.sum() == pytest.approx(detail.result.gap, abs=1e-12)
    # independent: weights from values, average over period starts, cov/var by numpy
    values = prices * shares
    w = values / values.sum(axis=1, keepdims=True)
    r, m = excess(prices), excess(market)
    average = w[:-1].mean(axis=0)
    np.testing.assert_allclose(detail.average_weights, average, atol=1e-14)
    betas = [statsmodels_fit(r[:, i], m).params[1] for i in range(5)]
    np.testing.assert_allclose(detail.drift, (average - w[99]) * betas, atol=1e-12)
    exact = [np.cov((w[:-1, i] - w[99, i]) * r[:, i], m)[0, 1] / np.var(m, ddof=1) for i in range(5)]
    np.testing.assert_allclose(detail.contribution, exact, atol=1e-12)
    table = udfs.beta_gap_detail(prices, shares, market, None, None, None, 100)
    assert table[0][0] == "holding" and table[-1][0] == "total"
    assert table[-1][7] == pytest.approx(detail.result.gap, abs=1e-12)
    assert sum(row[7] for row in table[1:-1]) == pytest.approx(table[-1][7], abs=1e-12)
    assert [row[1] for row in table[1:-1]] == pytest.approx(list(shares))


def test_trading_portfolio_against_a_value_and_flow_reconciliation(rng):
    """Buys one asset and sells another mid-sample; trades are flows, not returns."""
    prices, market = random_market(rng, 160, 3)
    holdings = np.tile([100.0, 200.0, 0.0], (160, 1))
    holdings[60:, 0] = 250.0  # buy asset 1 at row 60
    holdings[90:, 1] = 50.0  # sell most of asset 2 at row 90
    holdings[90:, 2] = 120.0  # buy asset 3 with it
    dates = pd.bdate_range("2023-01-02", periods=160)
    # Reconciliation: value after trading at t-1, marked to t, minus that value.
    value_before = (holdings[:-1] * prices[1:]).sum(axis=1)  # end of period, before t's trades
    value_after = (holdings[:-1] * prices[:-1]).sum(axis=1)  # start of period, after t-1's trades
    flows = (holdings[1:] - holdings[:-1]) * prices[1:]
    end_value = (holdings[1:] * prices[1:]).sum(axis=1)
    np.testing.assert_allclose(end_value - flows.sum(axis=1), value_before)  # the books balance
    returns = value_before / value_after - 1
    m = excess(market)
    as_of = dates[120]
    stats = api.portfolio_stats(prices, holdings, market, dates.to_numpy(), as_of=as_of.to_pydatetime())
    assert stats.result.reg == pytest.approx(statsmodels_fit(returns, m).params[1], abs=TOL)
    w = holdings[120] * prices[120] / (holdings[120] * prices[120]).sum()
    betas = [statsmodels_fit(excess(prices[:, i]), m).params[1] for i in range(3)]
    assert stats.result.wtd == pytest.approx(float(w @ betas), abs=TOL)
    detail = api.gap_detail(prices, holdings, market, dates.to_numpy(), as_of=as_of.to_pydatetime())
    np.testing.assert_allclose(detail.shares, holdings[120])
    assert detail.contribution.sum() == pytest.approx(detail.result.gap, abs=1e-12)


def test_rolling_equals_per_window_ols_with_holes(rng):
    n, window = 140, 30
    prices, market = random_market(rng, n, 4)
    shares = np.array([10.0, 20, 5, 40])
    holed = prices.copy()
    holes = [7, 33, 34, 90]
    holed[holes, [0, 1, 2, 3]] = np.nan
    dates = pd.bdate_range("2022-01-03", periods=n)
    rolling = api.rolling_portfolio_beta(holed, shares, market, window, dates.to_numpy())
    keep = np.setdiff1d(np.arange(n), holes)
    reg, wtd = per_window_reference(prices[keep], shares, market[keep], window)
    np.testing.assert_allclose(rolling.reg, reg, rtol=0, atol=1e-9)
    np.testing.assert_allclose(rolling.wtd, wtd, rtol=0, atol=1e-9)
    np.testing.assert_allclose(rolling.gap, reg - wtd, rtol=0, atol=1e-9)
    assert list(rolling.labels) == [dates[k] for k in keep[window:]]
    table = udfs.portbeta_rolling(holed, shares, market, window, dates.to_numpy())
    assert table[0] == ["date", "REG", "WTD", "GAP"]
    assert len(table) == 1 + len(keep) - 1 - window + 1
    assert table[1][1] == pytest.approx(reg[0], abs=1e-9)


def test_rolling_window_errors():
    prices = np.array([[1.0], [1.1], [1.2], [1.15], [1.3]])
    market = np.array([10.0, 10.5, 10.4, 10.8, 11.0])

    with pytest.raises(PortbetaError, match=r"^PORTBETA_ROLLING: window 10 must be between 3 and the 4 returns"):
        udfs.portbeta_rolling(prices, [1], market, 10)
    with pytest.raises(PortbetaError, match=r"^PORTBETA_ROLLING: window 'year' is not a whole number"):
        udfs.portbeta_rolling(prices, [1], market, "year")


def test_rolling_with_a_holdings_history_uses_each_window_ends_holdings(rng):
    n, window = 90, 25
    prices, market = random_market(rng, n, 3)
    holdings = np.tile([10.0, 20.0, 0.0], (n, 1))
    holdings[40:, 2] = 15.0
    holdings[60:, 0] = 0.0
    rolling = api.rolling_portfolio_beta(prices, holdings, market, window)
    r, m = excess(prices), excess(market)
    value = (holdings[:-1] * prices[1:]).sum(axis=1) / (holdings[:-1] * prices[:-1]).sum(axis=1) - 1
    for k, end in enumerate(range(window, n)):
        sl = slice(end - window, end)
        assert rolling.reg[k] == pytest.approx(statsmodels_fit(value[sl], m[sl]).params[1], abs=1e-9)
        w = holdings[end] * prices[end] / (holdings[end] * prices[end]).sum()
        betas = [statsmodels_fit(r[sl, i], m[sl]).params[1] for i in range(3)]
        assert rolling.wtd[k] == pytest.approx(float(w @ betas), abs=1e-9)


def test_statistics_of_an_exact_fit_leave_t_empty_instead_of_crashing():
    """An index fund that is the index: standard error 0."""
    table = udfs.portbeta_stats(MARKET, [[1000]], MARKET)
    rows = {r[0]: r for r in table}
    assert rows["beta"][1] == pytest.approx(1.0, abs=1e-12)
    assert rows["t statistic"][1] is None


@pytest.mark.parametrize("rf", [0.0, 0.03])
def test_the_gaps_standard_error_is_that_of_the_drift_portfolio_regression(rng, rf):
    """d_t = sum_i (w_i,t-1 - w_i,as_of) r_i,t, built by hand, regressed by statsmodels."""
    prices, market = random_market(rng, 300, 5)
    shares = rng.uniform(1, 40, 5)
    stats = api.portfolio_stats(prices, shares, market, rf=rf, as_of=150)
    rf_period = (1 + rf) ** (1 / 252) - 1
    values = prices * shares
    w = values / values.sum(axis=1, keepdims=True)
    r = excess(prices, rf_period)
    d = ((w[:-1] - w[149]) * r).sum(axis=1)
    fit = statsmodels_fit(d, excess(market, rf_period))
    assert stats.gap_fit.beta == pytest.approx(fit.params[1], abs=TOL)
    assert stats.gap_fit.beta == pytest.approx(stats.result.gap, abs=1e-12)  # its slope is BETA_GAP
    assert stats.gap_se == pytest.approx(fit.bse[1], abs=TOL)
    assert stats.gap_fit.t_stat == pytest.approx(fit.tvalues[1], rel=1e-9)
    low, high = fit.conf_int(alpha=0.05)[1]
    table = {row[0]: row for row in udfs.portbeta_stats(prices, shares, market, None, None, rf, 150)}
    assert table["standard error of beta"][3] == pytest.approx(fit.bse[1], abs=TOL)
    assert table["t statistic"][3] == pytest.approx(fit.tvalues[1], rel=1e-9)
    assert table["95% CI low"][3] == pytest.approx(low, abs=TOL)
    assert table["95% CI high"][3] == pytest.approx(high, abs=TOL)
    assert "drift portfolio" in table["standard error of beta"][4]


def test_a_single_holdings_gap_has_no_t_statistic(rng):
    """Its weight is 1 on every date: the drift is rounding noise, never a t of noise over noise."""
    prices, market = random_market(rng, 200, 4)
    stats = api.portfolio_stats(prices, [0, 7, 0, 0], market)
    assert stats.result.gap == pytest.approx(0.0, abs=1e-14)
    assert stats.gap_se == 0.0 and np.isnan(stats.gap_fit.t_stat)
    table = {row[0]: row for row in udfs.portbeta_stats(prices, [0, 7, 0, 0], market)}
    assert table["t statistic"][3] is None


@pytest.mark.parametrize("rf", [0.0, 0.03])
def test_peer_figures_match_empyrical_and_performanceanalytics_formulas(rf):
    """Up/down capture against empyrical itself; Treynor, tracking error, information ratio
    from PerformanceAnalytics' published formulas; correlation by pandas; on the bundled data,
    for both columns. Treynor and correlation on the returns over rf, as the regression;
    the comparisons with the market (capture, tracking error, information ratio) on plain
    returns, as the peers compute them."""
    import empyrical

    prices, shares, market = demo_portfolio("2019-01-01", "2022-12-31")
    dates = prices.index.to_numpy()
    stats = api.portfolio_stats(prices, shares, market, dates, rf=rf)
    rf_period = (1 + rf) ** (1 / 252) - 1
    m = pd.Series(excess(market.to_numpy(), rf_period))
    m_plain = pd.Series(excess(market.to_numpy()))
    values = (prices.to_numpy() * shares).sum(axis=1)
    w = stats.result.weights
    for column, y, y_plain in (
        (stats.actual, excess(values, rf_period), excess(values)),
        (stats.current, excess(prices.to_numpy(), rf_period) @ w, excess(prices.to_numpy()) @ w),
    ):
        y, y_plain = pd.Series(y), pd.Series(y_plain)
        assert column.up_capture == pytest.approx(empyrical.up_capture(y_plain, m_plain, period="daily"), rel=1e-10)
        assert column.down_capture == pytest.approx(empyrical.down_capture(y_plain, m_plain, period="daily"), rel=1e-10)
        annual = (1 + y).prod() ** (252 / len(y)) - 1  # Return.annualized, geometric
        assert column.treynor_ratio == pytest.approx(
            annual / statsmodels_fit(y.to_numpy(), m.to_numpy()).params[1], rel=1e-10
        )
        te = (y_plain - m_plain).std(ddof=1) * np.sqrt(252)  # TrackingError
        assert column.tracking_error == pytest.approx(te, rel=1e-10)
        annual_plain = (1 + y_plain).prod() ** (252 / len(y)) - 1
        premium = annual_plain - ((1 + m_plain).prod() ** (252 / len(m)) - 1)  # ActivePremium
        assert column.information_ratio == pytest.approx(premium / te, rel=1e-10)
        assert column.correlation == pytest.approx(y.corr(m), abs=1e-12)
    table = {row[0]: row for row in udfs.portbeta_stats(prices, shares, market, dates, None, rf)}
    assert table["up-market capture"][1] == pytest.approx(stats.actual.up_capture, abs=1e-15)
    assert table["tracking error annualized"][3] == pytest.approx(
        stats.actual.tracking_error - stats.current.tracking_error, abs=1e-15
    )


def test_asset_betas_rolling_equal_one_ols_per_window_and_asset(rng):
    prices, market = random_market(rng, 120, 4)
    prices[30, 2] = np.nan  # a hole: its date is dropped for every asset, as ASSET_BETAS does
    window = 40
    table = udfs.asset_betas_rolling(prices, market, window)
    keep = np.setdiff1d(np.arange(120), [30])
    r, m = excess(prices[keep]), excess(market[keep])
    assert table[0] == ["row", "asset 1", "asset 2", "asset 3", "asset 4"]
    assert len(table) == 1 + len(m) - window + 1
    for k, row in enumerate(table[1:]):
        window_slice = slice(k, k + window)
        expected = [ols_slope(r[window_slice, i], m[window_slice]) for i in range(4)]
        assert row[1:] == pytest.approx(expected, abs=1e-9)
        assert row[0] == int(keep[k + window]) + 1  # the row that ends the window
    last = api.asset_betas(prices[keep][-window - 1 :], market[keep][-window - 1 :])[0]
    assert table[-1][1:] == pytest.approx(list(last), abs=1e-9)
    with pytest.raises(PortbetaError, match=r"^ASSET_BETAS_ROLLING: window 200 must be between 3 and the 118 returns"):
        udfs.asset_betas_rolling(prices, market, 200)


@pytest.mark.parametrize("kind", ["constant", "history"])
def test_each_holdings_contribution_with_a_moving_rf_from_its_definition(rng, kind):
    """Mutation testing: contributions with rf != 0 could be wrong while their total,
    the DETAIL total row, stayed the gap. Each holding against cov((w_t-1 - w) r_t, m) / var(m), r_t its
    own return (README; issue 20: not r_t - rf_t, which a constant rf moves), m the market's over rf."""
    prices, market = random_market(rng, 300, 4)  # more than one block of 256 periods
    holdings = np.array([10.0, 30.0, 5.0, 20.0])
    if kind == "history":
        holdings = np.tile(holdings, (300, 1))
        holdings[100:, 1] = 60.0
        holdings[200:, 3] = 0.0  # sold before as_of: weight 0 there
    annual = np.linspace(0.01, 0.09, 300)
    rf = (1 + annual[:-1]) ** (1 / 252) - 1
    detail = api.gap_detail(prices, holdings, market, rf=annual)
    values = np.broadcast_to(holdings, prices.shape) * prices
    w = values / values.sum(axis=1, keepdims=True)
    r, m = excess(prices), excess(market, rf)
    exact = [np.cov((w[:-1, i] - w[-1, i]) * r[:, i], m)[0, 1] / np.var(m, ddof=1) for i in range(4)]
    np.testing.assert_allclose(detail.contribution, exact, atol=1e-12)
    assert detail.contribution.sum() == pytest.approx(detail.result.gap, abs=1e-12)
    plain = api.gap_detail(prices, holdings, market)  # the rate matters, or this test could not fail
    assert np.abs(plain.contribution - detail.contribution).max() > 1e-6
    over_rf = excess(prices, rf[:, None])  # and so does the definition: the parts on returns over rf differ
    other = [np.cov((w[:-1, i] - w[-1, i]) * over_rf[:, i], m)[0, 1] / np.var(m, ddof=1) for i in range(4)]
    assert np.abs(np.subtract(other, exact)).max() > 1e-6


def test_a_holding_sold_before_as_of_contributes_its_contribution_beta(rng):
    """Weight 0 at as_of: its part of the gap is beta(w_t-1 r_t) - 0 x beta."""
    prices, market = random_market(rng, 120, 3)
    holdings = np.tile([10.0, 20.0, 30.0], (120, 1))
    holdings[80:, 0] = 0.0
    detail = api.gap_detail(prices, holdings, market)
    assert detail.weights[0] == 0.0
    values = holdings * prices
    w = values / values.sum(axis=1, keepdims=True)
    r, m = excess(prices), excess(market)
    assert detail.contribution[0] == pytest.approx(statsmodels_fit(w[:-1, 0] * r[:, 0], m).params[1], abs=1e-12)
    assert abs(detail.contribution[0]) > 1e-3


def test_a_one_asset_portfolio_has_no_gap_in_any_row(rng):
    """Its weight is 1 on every date: every holding's contribution, drift and interaction is 0."""
    prices, market = random_market(rng, 100, 3)
    detail = api.gap_detail(prices, [0, 7, 0], market)
    np.testing.assert_allclose(detail.contribution, 0.0, atol=1e-13)
    np.testing.assert_allclose(detail.drift, 0.0, atol=1e-13)
    np.testing.assert_array_equal(detail.weights, [0.0, 1.0, 0.0])
    np.testing.assert_allclose(detail.average_weights, [0.0, 1.0, 0.0], atol=1e-15)


def test_a_result_keeps_its_statistics_and_detail_and_rolls_from_its_own_returns(rng):
    """statsmodels-style: the figures of a PortfolioBeta are computed once and kept; the
    returns it keeps are those of its sample, and its rolling figures are rolling_of's."""
    prices, market = random_market(rng, 80, 4)
    result = portfolio_beta(prices, [100, 50, 80, 20], market, rf=0.03)
    assert api.stats_of(result) is result.stats is api.stats_of(result)
    assert api.gap_detail_of(result) is result.gap_detail is api.gap_detail_of(result)
    fresh = api.returns_of(result.sample)
    np.testing.assert_allclose(result.market_returns, fresh.market, rtol=0, atol=1e-15)
    np.testing.assert_allclose(result.portfolio_returns, fresh.portfolio, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(result.returns().assets, fresh.assets)
    mine, theirs = result.rolling(20), api.rolling_of(result.sample, 20)
    for field in ("reg", "wtd", "gap"):
        np.testing.assert_allclose(getattr(mine, field), getattr(theirs, field), rtol=0, atol=1e-14)
    assert mine.labels == theirs.labels and mine.window == 20
    with pytest.raises(PortbetaError, match=r"^rolling: window 2 must be between 3 and the 79 returns"):
        result.rolling(2)


def test_the_command_line_report_computes_the_statistics_and_the_detail_once(monkeypatch, tmp_path):
    """``xl-portbeta report`` shows the figures in the terminal and in the HTML file: one
    computation of each (the report reads them from the result the command made)."""
    pytest.importorskip("matplotlib")
    from xl_portbeta import cli

    calls = {"stats": 0, "detail": 0, "returns": 0}
    for name, key in (("_stats", "stats"), ("_gap_detail", "detail"), ("returns_of", "returns")):
        original = getattr(api, name)

        def counted(*args, _original=original, _key=key, **kwargs):
            calls[_key] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(api, name, counted)
    assert cli.main(["report", "--demo", "-o", str(tmp_path / "r.html"), "--json"]) == 0
    assert calls == {"stats": 1, "detail": 1, "returns": 0}


def dimson_reference(y, m, lags=1):
    """statsmodels OLS of y_t on m_t-lags .. m_t+lags (lagged columns built with pandas'
    shift), over the rows that have every neighbour: the sum of the market slopes."""
    frame = pd.DataFrame({f"m{k:+d}": pd.Series(m).shift(-k) for k in range(-lags, lags + 1)})
    frame["y"] = y
    frame = frame.dropna()
    fit = statsmodels_fit(frame["y"].to_numpy(), frame.drop(columns="y").to_numpy())
    return float(fit.params[1:].sum())


def scholes_williams_reference(y, m):
    """Three statsmodels OLS of y_t on m_t-1, m_t and m_t+1 over t = 1 .. n-2, and the
    sample autocorrelation of m by pandas."""
    m = pd.Series(m)
    inner = slice(1, len(m) - 1)
    slopes = [statsmodels_fit(np.asarray(y)[inner], m.shift(-k).to_numpy()[inner]).params[1] for k in (-1, 0, 1)]
    rho = m.corr(m.shift(1))
    return sum(slopes) / (1 + 2 * rho)


def vasicek_reference(betas, errors):
    """Vasicek's formula written out, a term at a time."""
    mean = sum(betas) / len(betas)
    variance = sum((b - mean) ** 2 for b in betas) / (len(betas) - 1)
    return [(variance * b + e * e * mean) / (variance + e * e) for b, e in zip(betas, errors)]


def thin_trading(rng, n, k):
    """Assets that react partly a period late (stale prices): a beta that Dimson and
    Scholes-Williams recover and plain OLS does not."""
    m = rng.normal(0.0004, 0.01, n + 1)
    r = 0.6 * m[1:, None] + 0.5 * m[:-1, None] + rng.normal(0, 0.008, (n, k))
    prices = 50 * np.cumprod(1 + r, axis=0)
    market = 1000 * np.cumprod(1 + m[1:])
    return np.vstack([np.full(k, 50.0), prices]), np.concatenate([[1000.0], market])


@pytest.mark.parametrize("rf", [0.0, 0.05])
def test_thin_trading_and_vasicek_rows_match_statsmodels_and_the_formula(rng, rf):
    prices, market = thin_trading(rng, 300, 5)
    shares = rng.uniform(1, 40, 5)
    stats = api.portfolio_stats(prices, shares, market, rf=rf, as_of=200)
    rf_period, m, actual, current, w = by_hand(prices, shares, market, rf, as_of_row=199)
    for column, y in ((stats.actual, actual), (stats.current, current)):
        assert column.dimson_beta == pytest.approx(dimson_reference(y, m), abs=TOL)
        assert column.scholes_williams_beta == pytest.approx(scholes_williams_reference(y, m), abs=TOL)
    # stale prices: OLS misses the lagged half of the beta of 1.1, the corrections find it
    assert stats.actual.fit.beta < 0.8 and abs(stats.actual.dimson_beta - 1.1) < 0.15
    fits = [statsmodels_fit(excess(prices[:, i], rf_period), m) for i in range(5)]
    shrunk = vasicek_reference([f.params[1] for f in fits], [f.bse[1] for f in fits])
    assert stats.current.vasicek_beta == pytest.approx(float(np.dot(w, shrunk)), abs=TOL)
    assert np.isnan(stats.actual.vasicek_beta)
    table = {row[0]: row for row in udfs.portbeta_stats(prices, shares, market, None, None, rf, 200)}
    assert table["Vasicek-adjusted beta"][1:4] == [None, pytest.approx(stats.current.vasicek_beta, abs=1e-15), None]
    assert "no cross-section" in table["Vasicek-adjusted beta"][4]
    assert table["Dimson beta"][1] == pytest.approx(stats.actual.dimson_beta, abs=1e-15)
    assert table["Scholes-Williams beta"][3] == pytest.approx(
        stats.actual.scholes_williams_beta - stats.current.scholes_williams_beta, abs=1e-15
    )


@pytest.mark.parametrize("lags", [1, 2, 3])
def test_dimson_beta_with_more_lags_matches_statsmodels(rng, lags):
    from xl_portbeta import core

    y, m = rng.normal(size=(80, 3)), rng.normal(size=80)
    np.testing.assert_allclose(
        core.dimson_beta(y, m, lags), [dimson_reference(y[:, i], m, lags) for i in range(3)], rtol=0, atol=1e-12
    )
    assert core.dimson_beta(y[:, 0], m, lags) == pytest.approx(dimson_reference(y[:, 0], m, lags), abs=1e-12)
    assert np.isnan(core.dimson_beta(y[: 4 * lags + 2, 0], m[: 4 * lags + 2], lags))  # no residual degree of freedom


def test_vasicek_betas_leave_unknown_betas_out_of_the_prior():
    from xl_portbeta import core

    betas, errors = [0.8, np.nan, 1.4, 1.1], [0.1, 0.2, 0.3, 0.05]
    expected = vasicek_reference([0.8, 1.4, 1.1], [0.1, 0.3, 0.05])
    np.testing.assert_allclose(core.vasicek_betas(betas, errors), [expected[0], np.nan, *expected[1:]], atol=1e-15)
    assert np.isnan(core.vasicek_betas([1.2], [0.1])).all()  # one beta: no prior variance
    assert core.blume_beta(1.5, 0.5) == pytest.approx(1.25, abs=1e-15)


@pytest.mark.parametrize("rf", [0.0, 0.04])
def test_asset_stats_match_statsmodels_and_the_formulas_by_hand(rng, rf):
    prices, market = thin_trading(rng, 260, 4)
    stats = api.asset_stats(prices, market, rf=rf)
    rf_period = (1 + rf) ** (1 / 252) - 1
    m = excess(market, rf_period)
    fits = [statsmodels_fit(excess(prices[:, i], rf_period), m) for i in range(4)]
    np.testing.assert_allclose(stats.beta, [f.params[1] for f in fits], rtol=0, atol=TOL)
    np.testing.assert_allclose(stats.beta_se, [f.bse[1] for f in fits], rtol=0, atol=TOL)
    np.testing.assert_allclose(stats.t_stat, [f.tvalues[1] for f in fits], rtol=1e-9)
    np.testing.assert_allclose(stats.r_squared, [f.rsquared for f in fits], rtol=0, atol=TOL)
    np.testing.assert_allclose(stats.alpha, [f.params[0] for f in fits], rtol=0, atol=TOL)
    np.testing.assert_allclose(stats.blume_beta, [0.67 * f.params[1] + 0.33 for f in fits], rtol=0, atol=TOL)
    shrunk = vasicek_reference([f.params[1] for f in fits], [f.bse[1] for f in fits])
    np.testing.assert_allclose(stats.vasicek_beta, shrunk, rtol=0, atol=TOL)
    for i in range(4):
        y = excess(prices[:, i], rf_period)
        assert stats.dimson_beta[i] == pytest.approx(dimson_reference(y, m), abs=TOL)
        assert stats.scholes_williams_beta[i] == pytest.approx(scholes_williams_reference(y, m), abs=TOL)
        assert stats.up_beta[i] == pytest.approx(statsmodels_fit(y[m > 0], m[m > 0]).params[1], abs=TOL)
        assert stats.down_beta[i] == pytest.approx(statsmodels_fit(y[m < 0], m[m < 0]).params[1], abs=TOL)
    table = udfs.asset_stats(prices, market, None, None, rf)
    assert table[0] == ["statistic", "asset 1", "asset 2", "asset 3", "asset 4", "note"]
    assert [r[0] for r in table[1:]] == [
        "beta", "standard error of beta", "t statistic", "R²", "alpha per period", "Blume-adjusted beta",
        "Vasicek-adjusted beta", "Dimson beta", "Scholes-Williams beta", "up-market beta",
        "down-market beta",
    ]  # fmt: skip
    rows = {r[0]: r for r in table}
    assert rows["Vasicek-adjusted beta"][1:5] == pytest.approx(shrunk, abs=TOL)
    assert rows["beta"][1:5] == pytest.approx(list(asset_betas(prices, market, rf=rf)[0]), abs=1e-15)
    assert stats.to_frame().loc["asset 2", "dimson_beta"] == stats.dimson_beta[1]


def test_asset_stats_options_lags_and_blume_weight(rng):
    prices, market = thin_trading(rng, 200, 3)
    stats = api.asset_stats_of(api.build_sample(prices, [1, 1, 1], market), blume_weight=0.5, lags=2)
    m = excess(market)
    for i in range(3):
        assert stats.dimson_beta[i] == pytest.approx(dimson_reference(excess(prices[:, i]), m, 2), abs=TOL)
    np.testing.assert_allclose(stats.blume_beta, 0.5 * stats.beta + 0.5, rtol=0, atol=1e-15)
    rows = {r[0]: r for r in sheet.asset_stats_table(stats)}
    assert rows["Dimson beta"][1:4] == pytest.approx(list(stats.dimson_beta), abs=1e-15)
    assert rows["Blume-adjusted beta"][-1].startswith("0.5 × beta + 0.5")
    assert "m_t-2 .. m_t .. m_t+2" in rows["Dimson beta"][-1]
    for bad, message in ((0, "lags 0 must be at least 1"), (1.5, "lags 1.5 is not a whole number")):
        with pytest.raises(PortbetaError, match=rf"^asset_stats_of: {re.escape(message)}"):
            api.asset_stats_of(stats.sample, lags=bad)
    with pytest.raises(PortbetaError, match=r"^asset_stats_of: blume_weight 'x' is not a finite number"):
        api.asset_stats_of(stats.sample, blume_weight="x")


def test_asset_stats_of_a_portfolio_sample_leaves_an_unheld_asset_with_holes_empty(rng):
    prices, market = thin_trading(rng, 120, 4)
    prices[40, 3] = np.nan  # never held, with a hole: its beta is unknown on the portfolio's dates
    stats = api.asset_stats_of(api.build_sample(prices, [3, 2, 1, 0], market))
    assert np.isnan(stats.beta[3]) and np.isnan(stats.vasicek_beta[3]) and np.isnan(stats.dimson_beta[3])
    m = excess(market)
    fits = [statsmodels_fit(excess(prices[:, i]), m) for i in range(3)]
    expected = vasicek_reference([f.params[1] for f in fits], [f.bse[1] for f in fits])
    np.testing.assert_allclose(stats.vasicek_beta[:3], expected, rtol=0, atol=TOL)


def test_stats_of_with_other_options_recomputes_blume_and_dimson_and_keeps_the_cached_default(rng):
    prices, market = thin_trading(rng, 200, 4)
    shares = rng.uniform(1, 40, 4)
    result = api.portfolio_beta(prices, shares, market)
    assert api.stats_of(result) is result.stats  # the defaults: the kept statistics
    other = api.stats_of(result, blume_weight=0.5, lags=2)
    assert other is not result.stats and api.stats_of(result) is result.stats
    m = excess(market)
    actual = excess((prices * shares).sum(axis=1))
    assert other.actual.dimson_beta == pytest.approx(dimson_reference(actual, m, 2), abs=TOL)
    assert other.actual.blume_beta == pytest.approx(0.5 * statsmodels_fit(actual, m).params[1] + 0.5, abs=TOL)
    assert other.current.vasicek_beta == pytest.approx(result.stats.current.vasicek_beta, abs=1e-15)
    frame = other.to_frame()
    assert frame.loc["dimson_beta", "actual holdings"] == other.actual.dimson_beta
    assert frame.loc["blume_beta", "note"].startswith("0.5 × beta + 0.5")
    assert "m_t-2 .. m_t .. m_t+2" in frame.loc["dimson_beta", "note"]
    with pytest.raises(PortbetaError, match=r"^stats_of: lags 0 must be at least 1"):
        api.stats_of(result, lags=0)
