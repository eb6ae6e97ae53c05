"""Several benchmarks at once (issue 22, item 1): ``market`` of B named columns.

Each benchmark's figures must be the single-benchmark call's (to 1e-12; here they are the
same arithmetic, so exact) on the sample the benchmarks share, and REG, WTD and the gap's
standard error must match statsmodels' OLS computed from the prices by hand.
"""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import cli, random_market

from xl_portbeta import api, sheet
from xl_portbeta.errors import PortbetaError

NAMES = ("SPX", "ACWI", "EEM")
SHARES = [10.0, -3.0, 25.0, 0.0]


@pytest.fixture
def book(rng):
    """60 daily rows of 4 assets, 3 benchmarks (the 2nd and 3rd partly driven by the 1st), dates."""
    prices, spx = random_market(rng, 60, 4)
    first = np.diff(np.log(spx))
    acwi = 500 * np.exp(np.concatenate([[0.0], np.cumsum(0.6 * first + rng.normal(0, 0.008, 59))]))
    eem = 80 * np.exp(np.concatenate([[0.0], np.cumsum(0.3 * first + rng.normal(0, 0.012, 59))]))
    dates = pd.bdate_range("2024-01-01", periods=60)
    market = pd.DataFrame({"SPX": spx, "ACWI": acwi, "EEM": eem}, index=dates)
    return pd.DataFrame(prices, index=dates, columns=["A", "B", "C", "D"]), market


def single(function, prices, market, name, **kwargs):
    return function(prices=prices, market=market[name], **kwargs)


# --------------------------------------------------------------------- the sample


def test_a_header_row_names_the_benchmarks_and_one_column_stays_as_it_was(book):
    prices, market = book
    sample = api.build_sample(prices=prices, shares=SHARES, market=market)
    assert sample.benchmarks == NAMES and sample.markets.shape == (60, 3)
    assert np.array_equal(sample.market, market["SPX"].to_numpy())  # the primary is the first
    parts = sample.by_benchmark()
    assert [p.benchmarks for p in parts] == [(n,) for n in NAMES]
    assert all(np.array_equal(p.market, market[n].to_numpy()) for p, n in zip(parts, NAMES, strict=True))
    one = api.build_sample(prices=prices, shares=SHARES, market=market[["ACWI"]])  # one named column
    assert one.benchmarks == () and one.markets is None and one.by_benchmark() == (one,)
    cells = [["SPX", "ACWI"], *market[["SPX", "ACWI"]].to_numpy().tolist()]  # as Excel's range with a header
    assert api.build_sample(prices=prices.to_numpy(), shares=SHARES, market=cells).benchmarks == ("SPX", "ACWI")


@pytest.mark.parametrize(
    ("market", "message"),
    [
        (lambda m: m.to_numpy(), "market is 60 rows x 3 columns: give one column of levels, or name each benchmark"),
        (lambda m: m.set_axis(["SPX", "SPX", "EEM"], axis=1), "market's header names 'SPX' twice"),
        (lambda m: [["SPX", "", "EEM"], *m.to_numpy().tolist()], "market's header has a blank name (column 2)"),
        (lambda m: m.assign(EEM=-m["EEM"].pct_change().fillna(0.01)), "market column 3 ('EEM') looks like returns"),
        (lambda m: m.assign(EEM=np.nan), "market column 3 has no level on any date"),
        (lambda m: m.assign(SPX=np.nan), "market column 1 has no level on any date"),
        (
            lambda m: m.assign(SPX=m["SPX"].where(np.arange(60) % 2 == 0), EEM=m["EEM"].where(np.arange(60) % 2 == 1)),
            "the benchmarks leave no date where every one has a level",
        ),
    ],
    ids=["no header", "a name twice", "a blank name", "returns", "an empty benchmark", "an empty primary", "no date"],
)
def test_bad_benchmarks_are_named(book, market, message):
    prices, levels = book
    with pytest.raises(PortbetaError, match="portfolio_beta: ") as caught:
        api.portfolio_beta(prices=prices.to_numpy(), shares=SHARES, market=market(levels))
    assert message in str(caught.value)


def test_a_blank_of_one_benchmark_drops_its_date_for_all(book):
    """One sample for every benchmark: each one's figures are the single-benchmark call's
    when that call misses the same dates."""
    prices, market = book
    holed = market.copy()
    holed.iloc[20, 1] = np.nan  # ACWI misses a date
    by = api.portfolio_beta(prices=prices, shares=SHARES, market=holed)
    assert [r.sample.n_returns for r in by.results] == [58, 58, 58]
    assert all(r.sample.dropped == (market.index[20],) for r in by.results)
    for name in NAMES:
        alone = api.portfolio_beta(prices=prices, shares=SHARES, market=holed[name].where(holed["ACWI"].notna()))
        assert (by[name].reg, by[name].wtd, by[name].gap) == (alone.reg, alone.wtd, alone.gap)
    # the SPX alone, with its date: another sample, another figure
    assert api.portfolio_beta(prices=prices, shares=SHARES, market=market["SPX"]).reg != by["SPX"].reg


# --------------------------------------------------------------------- the API


def test_every_figure_of_each_benchmark_is_the_single_benchmark_call(book):
    prices, market = book
    arguments = dict(shares=SHARES, rf=0.03)
    by = api.portfolio_beta(prices=prices, market=market, **arguments)
    assert isinstance(by, api.ByBenchmark) and by.benchmarks == NAMES and len(by) == 3
    assert by.primary is by["SPX"] is by[0]
    for name in NAMES:
        alone = single(api.portfolio_beta, prices, market, name, **arguments)
        for field in ("reg", "wtd", "gap"):
            assert getattr(by[name], field) == pytest.approx(getattr(alone, field), abs=1e-12, rel=0)
        for field in ("asset_betas", "weights", "gap_by_holding"):
            np.testing.assert_allclose(getattr(by[name], field), getattr(alone, field), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(by.reg, [r.reg for r in by.results])  # one value per benchmark
    series = by.to_series("asset_betas")  # a method: called on each benchmark's result
    assert isinstance(series, api.ByBenchmark) and series.benchmarks == NAMES
    pd.testing.assert_series_equal(series["ACWI"], by["ACWI"].to_series("asset_betas"))
    with pytest.raises(KeyError, match="'MSCI' is none of the benchmarks SPX, ACWI, EEM"):
        by["MSCI"]

    frames = {
        "portfolio_stats": lambda **a: api.portfolio_stats(**a).to_frame().drop(columns=["label", "note"]),
        "gap_detail": lambda **a: api.gap_detail(**a).to_frame(),
        "rolling_portfolio_beta": lambda **a: api.rolling_portfolio_beta(window=20, **a).to_frame(),
        "book_betas": lambda **a: (
            api.book_betas(holdings=[a.pop("shares"), [1, 1, 1, 1]], **a).to_frame().drop(columns=["notes"])
        ),
    }
    for what, frame in frames.items():
        stacked = frame(prices=prices, market=market, **arguments)
        assert list(stacked.index.get_level_values("benchmark").unique()) == list(NAMES), what
        for name in NAMES:
            alone = frame(prices=prices, market=market[name], **arguments)
            pd.testing.assert_frame_equal(stacked.loc[name], alone, check_exact=False, rtol=0, atol=1e-12)


def test_the_assets_alone_per_benchmark(book):
    prices, market = book
    betas, sample = api.asset_betas(prices=prices, market=market)
    assert betas.shape == (3, 4) and sample.benchmarks == NAMES
    stats = api.asset_stats(prices=prices, market=market)
    rolling = api.rolling_asset_betas(window=15, prices=prices, market=market)
    for b, name in enumerate(NAMES):
        np.testing.assert_allclose(betas[b], single(api.asset_betas, prices, market, name)[0], rtol=0, atol=1e-12)
        alone = single(api.asset_stats, prices, market, name).to_frame()
        pd.testing.assert_frame_equal(stats[name].to_frame(), alone, check_exact=False, rtol=0, atol=1e-12)
        alone = single(api.rolling_asset_betas, prices, market, name, window=15).to_frame()
        pd.testing.assert_frame_equal(rolling[name].to_frame(), alone, check_exact=False, rtol=0, atol=1e-12)


def test_the_figures_against_statsmodels(book):
    """REG, WTD and the gap's standard error for the second and third benchmark, from the
    prices by hand: value-weighted returns, OLS with an intercept (statsmodels)."""
    prices, market = book
    by = api.portfolio_stats(prices=prices, shares=SHARES, market=market)
    values = prices.to_numpy() @ np.array(SHARES)
    portfolio = values[1:] / values[:-1] - 1
    assets = prices.to_numpy()[1:] / prices.to_numpy()[:-1] - 1
    last = prices.to_numpy()[-1] * np.array(SHARES)
    weights = last / last.sum()
    for name in ("ACWI", "EEM"):
        m = sm.add_constant(market[name].to_numpy()[1:] / market[name].to_numpy()[:-1] - 1)
        reg = sm.OLS(portfolio, m).fit().params[1]
        wtd = weights @ np.array([sm.OLS(assets[:, i], m).fit().params[1] for i in range(4)])
        drift = sm.OLS(portfolio - assets @ weights, m).fit()
        stats = by[name]
        assert stats.result.reg == pytest.approx(reg, abs=1e-12, rel=0)
        assert stats.result.wtd == pytest.approx(wtd, abs=1e-12, rel=0)
        assert stats.gap_se == pytest.approx(drift.bse[1], abs=1e-12, rel=0)
        assert stats.actual.fit.beta_se == pytest.approx(sm.OLS(portfolio, m).fit().bse[1], abs=1e-12, rel=0)


# --------------------------------------------------------------------- cells


def test_the_cells_one_row_of_numbers_and_one_block_per_benchmark(book):
    prices, market = book
    by = api.portfolio_beta(prices=prices, shares=SHARES, market=market)
    assert sheet.figure(by, "reg") == [list(by.reg)]
    assert sheet.figure(by.primary, "reg") == by.primary.reg  # one benchmark: one number, as before
    stats = api.portfolio_stats(prices=prices, shares=SHARES, market=market)
    table = sheet.blocks(stats, sheet.stats_table)
    single_table = sheet.stats_table(stats["ACWI"])
    heads = [k for k, row in enumerate(table) if row[0] == "benchmark"]
    assert [table[k][1] for k in heads] == list(NAMES)
    assert heads == [k * (1 + len(single_table)) for k in range(3)]
    assert table[heads[1] + 1 : heads[2]] == single_table
    assert table[0] == ["benchmark", "SPX", None, None, None]


# --------------------------------------------------------------------- the command line


@pytest.fixture
def files(book, tmp_path):
    """A wide file with the benchmarks as columns, and each benchmark in its own file."""
    prices, market = book
    wide = prices.join(market)
    wide.index.name = "Date"
    wide.to_csv(tmp_path / "wide.csv", date_format="%Y-%m-%d")
    for name in NAMES:
        market[[name]].rename_axis("Date").to_csv(tmp_path / f"{name}.csv", date_format="%Y-%m-%d")
    pd.DataFrame({"ticker": ["A", "B", "C"], "shares": SHARES[:3]}).to_csv(tmp_path / "shares.csv", index=False)
    pd.DataFrame({"account": ["x", "x", "y"], "ticker": ["A", "C", "B"], "shares": [10, 25, 4]}).to_csv(
        tmp_path / "accounts.csv", index=False
    )
    return tmp_path


def run_json(*args):
    done = cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_analyze_with_several_benchmarks_gives_each_ones_json(files):
    wide, shares = files / "wide.csv", files / "shares.csv"
    several = run_json("analyze", wide, "--market", "SPX,ACWI,EEM", "--shares", shares)
    assert several["primary_benchmark"] == "SPX" and "vs. SPX, ACWI, EEM" in several["title"]
    assert [b["benchmark"] for b in several["benchmarks"]] == list(NAMES)
    by_file = run_json("analyze", wide, *[a for n in NAMES for a in ("--market-file", files / f"{n}.csv")],
                       "--market", "SPX,ACWI,EEM", "--shares", shares, "--assets", "A,B,C,D")  # fmt: skip
    for k, name in enumerate(NAMES):
        alone = run_json("analyze", wide, "--market", name, "--shares", shares, "--assets", "A,B,C,D")
        assert "benchmarks" not in alone and "reg" in alone  # one benchmark: the JSON as it was
        for each in (several["benchmarks"][k], by_file["benchmarks"][k]):
            for key in ("reg", "wtd", "gap", "gap_standard_error"):
                assert each[key] == pytest.approx(alone[key], abs=1e-12, rel=0), (name, key)
            assert each["stats"] == alone["stats"] or all(
                each["stats"][s][c] == pytest.approx(v, abs=1e-12, rel=0, nan_ok=True)
                for s, row in alone["stats"].items() for c, v in row.items() if isinstance(v, float)
            )  # fmt: skip
            assert each["sample"] == alone["sample"]
        role = "the primary" if k == 0 else "one"
        assert several["benchmarks"][k]["assumptions"]["benchmark"] == (
            f"{name} (column of wide.csv); {role} of 3 benchmarks (SPX, ACWI, EEM), on the dates where every one "
            "has a level"
        )
    text = cli("analyze", wide, "--market", "SPX,ACWI", "--shares", shares).stdout
    assert "benchmark SPX (primary)" in text and "\nbenchmark ACWI\n" in text
    assert text.count("PORTBETA_REG  regression beta") == 2


def test_market_options_that_do_not_pair_are_refused(files):
    wide, shares = files / "wide.csv", files / "shares.csv"
    two_files = ("--market-file", files / "SPX.csv", "--market-file", files / "ACWI.csv")
    done = cli("analyze", wide, *two_files, "--market", "SPX", "--shares", shares)
    assert done.returncode == 2 and "--market 'SPX' with 2 --market-file: name one column per file" in done.stderr
    done = cli("analyze", wide, "--market", "SPX,spx", "--shares", shares)
    assert done.returncode == 2 and "name each benchmark once" in done.stderr
    done = cli("analyze", wide, "--market", "SPX,MSCI", "--shares", shares)
    assert done.returncode == 2 and "no column 'MSCI' for --market" in done.stderr


def test_book_with_several_benchmarks(files, tmp_path):
    wide, accounts = files / "wide.csv", files / "accounts.csv"
    several = run_json("book", wide, "--market", "SPX,EEM", "--holdings", accounts)
    assert several["primary_benchmark"] == "SPX" and [b["benchmark"] for b in several["benchmarks"]] == ["SPX", "EEM"]
    for k, name in enumerate(("SPX", "EEM")):
        alone = run_json("book", wide, "--market", name, "--holdings", accounts, "--assets", "A,B,C,D")
        assert "benchmarks" not in alone
        got = several["benchmarks"][k]
        said = got["sample"]["assumptions"].pop("benchmark")
        role = "the primary" if k == 0 else "one"
        assert (
            said
            == f"{name} (column of wide.csv); {role} of 2 benchmarks (SPX, EEM), on the dates where every one has a level"
        )
        alone["sample"]["assumptions"].pop("benchmark")
        assert got["sample"] == alone["sample"]
        for mine, theirs in zip(got["accounts"], alone["accounts"], strict=True):
            for key in ("reg", "wtd", "gap", "gap_se"):
                assert mine[key] == pytest.approx(theirs[key], abs=1e-12, rel=0)
    assert cli("book", wide, "--market", "SPX,EEM", "--holdings", accounts, "--csv", tmp_path / "b.csv").returncode == 0
    frame = pd.read_csv(tmp_path / "b.csv")
    assert list(frame.columns[:2]) == ["account", "benchmark"] and list(frame["benchmark"]) == ["SPX"] * 2 + ["EEM"] * 2


def test_the_pandas_market_of_a_dated_frame(book):
    """A DataFrame of benchmarks indexed by other dates than prices is refused, as a Series is."""
    prices, market = book
    shifted = market.set_axis(market.index + dt.timedelta(days=1))
    with pytest.raises(PortbetaError, match="market is indexed by other dates than prices"):
        api.portfolio_beta(prices=prices, shares=SHARES, market=shifted)


def test_newest_first_rows_a_holdings_history_and_rates_per_row(book):
    """The benchmarks turn around with the other ranges, and a history and per-row rates
    meet each benchmark as they meet one."""
    prices, market = book
    history = np.tile(SHARES, (60, 1))
    history[30:, 1] = 5.0  # a trade
    rf = np.linspace(0.01, 0.04, 60)
    arguments = dict(prices=prices.to_numpy(), shares=history, dates=list(prices.index), rf=rf)
    by = api.portfolio_stats(**arguments, market=market)
    flipped = {k: v[::-1] for k, v in arguments.items()}
    turned = api.portfolio_stats(**flipped, market=[list(NAMES), *market.to_numpy()[::-1].tolist()])
    for name in NAMES:
        alone = api.portfolio_stats(**arguments, market=market[name].to_numpy())
        for stats in (by[name], turned[name]):
            assert stats.result.reg == pytest.approx(alone.result.reg, abs=1e-12, rel=0)
            assert stats.result.wtd == pytest.approx(alone.result.wtd, abs=1e-12, rel=0)
            assert stats.gap_se == pytest.approx(alone.gap_se, abs=1e-12, rel=0)
            assert stats.current.vasicek_beta == pytest.approx(alone.current.vasicek_beta, abs=1e-12, rel=0)
