"""The peers' conventions, each against the peer's own test cases: the three capture
ratios users meet (empyrical's, PerformanceAnalytics', Morningstar's), and the rule that
an rf moves no comparison with the market (capture, tracking error, information ratio)
while Treynor stays on returns over rf, as PerformanceAnalytics' TreynorRatio."""

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import cli, random_market
from references import excess, statsmodels_fit

from xl_portbeta import api, core, udfs

DATA = Path(__file__).resolve().parent / "data" / "peers"

#: PerformanceAnalytics' own test suite, tests/testthat/_snaps/all_snapshots.md, "Snapshot
#: for UpDownRatios": ``UpDownRatios(managers[, 1:6], managers[, 8])`` (SP500 TR), printed
#: with the digits after the 4th decimal cut off (the snapshot's transform truncates).
PERFORMANCEANALYTICS_CAPTURE = {"HAM1": (0.3215, 0.3770), "HAM2": (0.3462, 0.1090)}

COMPARISONS = (
    "up_capture",
    "down_capture",
    "up_capture_cumulative",
    "down_capture_cumulative",
    "up_capture_mean",
    "down_capture_mean",
    "tracking_error",
    "information_ratio",
)


def compounded(returns: pd.DataFrame) -> pd.DataFrame:
    """Price levels from returns, starting at 1 the month before the first return."""
    start = pd.DataFrame(
        [[1.0] * returns.shape[1]], columns=returns.columns, index=[returns.index[0] - pd.offsets.MonthEnd(1)]
    )
    return pd.concat([start, (1 + returns).cumprod()])


def manager(name: str) -> tuple[pd.DataFrame, pd.Series]:
    """One manager of PerformanceAnalytics' ``managers`` and the S&P 500 on their common
    months (``na.omit(merge(Ra, Rb))``, as UpDownRatios), as price levels."""
    data = pd.read_csv(DATA / "managers.csv", index_col=0, parse_dates=True)
    levels = compounded(data[[name, "SP500 TR"]].dropna())
    return levels[[name]], levels["SP500 TR"]


def cut(x: float, digits: int = 4) -> float:
    return math.floor(x * 10**digits) / 10**digits


@pytest.mark.parametrize("name", sorted(PERFORMANCEANALYTICS_CAPTURE))
def test_capture_ratios_match_each_peer_on_performanceanalytics_managers(name):
    """HAM1 against the S&P 500: 0.3215 in PerformanceAnalytics, 0.5923 in empyrical, and
    Morningstar's geometric means; each row of PORTBETA_STATS against its own peer."""
    import empyrical

    prices, market = manager(name)
    dates = prices.index.to_numpy()
    stats = api.portfolio_stats(prices.to_numpy(), [1], market.to_numpy(), dates, frequency="monthly").actual
    up, down = PERFORMANCEANALYTICS_CAPTURE[name]
    assert (cut(stats.up_capture_cumulative), cut(stats.down_capture_cumulative)) == (up, down)

    raw = pd.read_csv(DATA / "managers.csv", index_col=0)[[name, "SP500 TR"]].dropna()
    r, m = raw[name], raw["SP500 TR"]
    assert stats.up_capture == pytest.approx(empyrical.up_capture(r, m, period="monthly"), rel=1e-12)
    assert stats.down_capture == pytest.approx(empyrical.down_capture(r, m, period="monthly"), rel=1e-12)
    if name == "HAM1":
        assert round(stats.up_capture, 4) == 0.5923  # issue 20's figure "here"

    def mean(x):  # Morningstar: the geometric average return per period
        return math.prod(1 + v for v in x) ** (1 / len(x)) - 1

    assert stats.up_capture_mean == pytest.approx(mean(r[m > 0]) / mean(m[m > 0]), rel=1e-12)
    assert stats.down_capture_mean == pytest.approx(mean(r[m < 0]) / mean(m[m < 0]), rel=1e-12)

    table = {row[0]: row for row in udfs.portbeta_stats(prices, [1], market, dates, "monthly")}
    assert cut(table["up-market capture, cumulative (PerformanceAnalytics)"][1]) == up
    assert cut(table["down-market capture, cumulative (PerformanceAnalytics)"][1]) == down
    assert table["up-market capture, geometric mean (Morningstar)"][1] == stats.up_capture_mean
    assert "UpDownRatios" in table["up-market capture, cumulative (PerformanceAnalytics)"][4]
    assert "Morningstar" in table["down-market capture, geometric mean (Morningstar)"][4]


def test_cumulative_capture_matches_performanceanalytics_own_test_case():
    """tests/testthat/test-UpDownRatios.R: geometric capture is Return.cumulative of the
    up (Rb > 0) or down (Rb <= 0) periods over the benchmark's; exact fractions here."""
    ra = [Fraction(v) for v in ("0.10", "-0.05", "0.05", "-0.10", "0.02")]
    rb = [Fraction(v) for v in ("0.05", "0.02", "-0.01", "-0.05", "0.05")]

    def cumulative(x):
        return math.prod(1 + v for v in x) - 1

    up = cumulative(a for a, b in zip(ra, rb) if b > 0) / cumulative(b for b in rb if b > 0)
    down = cumulative(a for a, b in zip(ra, rb) if b <= 0) / cumulative(b for b in rb if b <= 0)
    r, m = np.array(ra, dtype=float), np.array(rb, dtype=float)
    assert core.cumulative_capture_ratio(r, m, m > 0) == pytest.approx(float(up), rel=1e-14)
    assert core.cumulative_capture_ratio(r, m, m <= 0) == pytest.approx(float(down), rel=1e-14)
    dates = pd.date_range("2019-12-31", periods=6, freq="ME")
    prices, market = compounded(pd.DataFrame({"A": r, "B": m}, index=dates[1:])).T.to_numpy()
    stats = api.portfolio_stats(prices, [1], market, dates.to_numpy(), frequency="monthly").actual
    assert stats.up_capture_cumulative == pytest.approx(float(up), rel=1e-13)
    assert stats.down_capture_cumulative == pytest.approx(float(down), rel=1e-13)


def test_the_conventions_differ_only_in_the_power_of_the_regimes_growth(rng):
    """prod(1 + r)^k - 1 over the market's: k = P / n (empyrical), 1 (PerformanceAnalytics),
    1 / n (Morningstar); and PerformanceAnalytics' down market takes the flat periods."""
    m = rng.normal(0.001, 0.02, 60)
    m[::9] = 0.0
    r = 0.7 * m + rng.normal(0, 0.01, 60)
    stats = core.beta_stats(r, m, 12)

    def ratio(regime, power):
        return (np.prod(1 + r[regime]) ** power - 1) / (np.prod(1 + m[regime]) ** power - 1)

    up, down, flat_or_down = m > 0, m < 0, m <= 0
    n_up, n_down = up.sum(), down.sum()
    assert stats.up_capture == pytest.approx(ratio(up, 12 / n_up), rel=1e-12)
    assert stats.down_capture == pytest.approx(ratio(down, 12 / n_down), rel=1e-12)
    assert stats.up_capture_cumulative == pytest.approx(ratio(up, 1), rel=1e-12)
    assert stats.down_capture_cumulative == pytest.approx(ratio(flat_or_down, 1), rel=1e-12)
    assert stats.up_capture_mean == pytest.approx(ratio(up, 1 / n_up), rel=1e-12)
    assert stats.down_capture_mean == pytest.approx(ratio(down, 1 / n_down), rel=1e-12)
    assert stats.down_capture_cumulative != pytest.approx(ratio(down, 1), rel=1e-6)  # the flat periods count


def test_no_regime_gives_no_capture():
    m = np.array([0.01, 0.02, 0.03, 0.01])
    stats = core.beta_stats(m * 1.1, m, 12)
    assert math.isnan(stats.down_capture) and math.isnan(stats.down_capture_mean)
    assert math.isnan(stats.down_capture_cumulative)
    assert stats.up_capture_cumulative == pytest.approx((np.prod(1 + 1.1 * m) - 1) / (np.prod(1 + m) - 1))


def rates(rng, n):
    """A per-row annual rate that changes every row."""
    return rng.uniform(0.0, 0.08, n)


def test_an_rf_moves_no_comparison_with_the_market_but_moves_treynor(rng):
    """PORTBETA_STATS with no rf, a constant rf and a per-row rf: the capture ratios, the
    tracking error and the information ratio are the same (the peers compute them on plain
    returns); Treynor is PerformanceAnalytics' on returns over rf, so it moves."""
    prices, market = random_market(rng, 260, 4)
    market[100:104] = market[100]  # flat days: in no regime, with or without an rf
    shares = rng.uniform(1, 40, 4)
    plain = api.portfolio_stats(prices, shares, market, as_of=150)
    per_row = rates(rng, len(prices))
    for rf in (0.03, per_row):
        stats = api.portfolio_stats(prices, shares, market, rf=rf, as_of=150)
        for column, reference in ((stats.actual, plain.actual), (stats.current, plain.current)):
            for key in COMPARISONS:
                assert getattr(column, key) == pytest.approx(getattr(reference, key), rel=1e-12, abs=1e-15), key
            assert column.treynor_ratio != pytest.approx(reference.treynor_ratio, rel=1e-6)
        table = {
            row[0]: row
            for row in udfs.portbeta_stats(
                prices, shares, market, None, None, rf.tolist() if isinstance(rf, np.ndarray) else rf, 150
            )
        }
        for key in COMPARISONS:
            label = next(r.label for r in api.tables.STATS_ROWS if r.key == key)
            assert table[label][1] == pytest.approx(getattr(plain.actual, key), rel=1e-12, abs=1e-15), key
    # Treynor with the constant rate: PerformanceAnalytics' TreynorRatio, by hand
    rf_period = 1.03 ** (1 / 252) - 1
    y, m = excess(prices @ shares, rf_period), excess(market, rf_period)
    treynor = ((1 + y).prod() ** (252 / len(y)) - 1) / statsmodels_fit(y, m).params[1]
    assert api.portfolio_stats(prices, shares, market, rf=0.03).actual.treynor_ratio == pytest.approx(
        treynor, rel=1e-10
    )


def test_a_flat_market_period_stays_out_of_every_regime_with_an_rf(rng):
    """The market's plain return on a flat day is exactly 0 (taken from its prices, not
    from its excess return plus rf, which leaves an ulp): the portfolio's return that day
    counts in no capture, whatever the rf (and in PerformanceAnalytics' down market)."""
    prices, market = random_market(rng, 80, 2)
    rf = 1.05 ** (1 / 252) - 1
    # a level where the excess return of a flat day plus rf is not 0 but an ulp
    market = 100 * market / market[20]
    market[20:30] = next(p for p in np.linspace(100, 101, 2001) if (rf * p) / p != rf)
    assert core.excess_returns(market, rf)[22] + rf != 0.0  # the trap is set
    shares = [3.0, 5.0]
    r, m = excess(prices @ shares), excess(market)
    stats = api.portfolio_stats(prices, shares, market, rf=0.05).actual
    up, down = m > 0, m < 0
    annual = lambda x: np.prod(1 + x) ** (252 / len(x)) - 1  # noqa: E731
    assert stats.up_capture == pytest.approx(annual(r[up]) / annual(m[up]), rel=1e-12)
    assert stats.down_capture == pytest.approx(annual(r[down]) / annual(m[down]), rel=1e-12)
    flat = m <= 0
    cumulative = (np.prod(1 + r[flat]) - 1) / (np.prod(1 + m[flat]) - 1)
    assert stats.down_capture_cumulative == pytest.approx(cumulative, rel=1e-12)


def test_the_command_lines_comparisons_do_not_move_with_rf(prices_csv):
    """The same rule through `analyze --json`, with --rf and without."""
    path, _ = prices_csv
    runs = [
        json.loads(
            cli("analyze", path, "--market", "SP500", "--shares", "AAPL=10,KO=30,XOM=20", *extra, "--json").stdout
        )
        for extra in ((), ("--rf", "4%"))
    ]
    for key in COMPARISONS:
        for column in ("actual_holdings", "current_weights"):
            no_rf, with_rf = (run["stats"][key][column] for run in runs)
            assert with_rf == pytest.approx(no_rf, rel=1e-12, abs=1e-15), key
    assert runs[1]["stats"]["treynor_ratio"]["actual_holdings"] != pytest.approx(
        runs[0]["stats"]["treynor_ratio"]["actual_holdings"]
    )
