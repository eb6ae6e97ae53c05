"""The Python API as pandas users expect it: short reprs, results as Series and
DataFrames labelled by asset and date, shares by ticker, and a clear word when returns
are passed where prices belong. Figures are checked against statsmodels on returns
built by hand, never against the API's own arrays alone."""

import numpy as np
import pandas as pd
import pytest
from conftest import BOND_MARKET, BOND_PRICES, BOND_SHARES, NA_OFFICEJS, cli
from references import excess, statsmodels_fit, value_returns

from xl_portbeta import PortbetaError, api, portfolio_beta, sheet, tables, udfs
from xl_portbeta.datasets import demo_portfolio

WINDOW = 126


@pytest.fixture(scope="module")
def demo():
    prices, shares, market = demo_portfolio()
    result = portfolio_beta(prices, shares, market)
    return prices, shares, market, result


# --------------------------------------------------------------------- repr


def test_every_public_result_has_a_short_repr_with_its_headline(demo):
    prices, shares, market, result = demo
    stats = api.stats_of(result)
    book = api.book_betas(prices, [list(shares), list(shares / 2)], market)
    objects = {
        "PortfolioBeta": result,
        "Sample": result.sample,
        "PortfolioStats": stats,
        "BetaStats": stats.actual,
        "LineFit": stats.gap_fit,
        "GapDetail": api.gap_detail_of(result),
        "RollingBeta": api.rolling_of(result.sample, WINDOW),
        "RollingAssetBetas": api.rolling_asset_betas(prices, market, WINDOW),
        "ExcessReturns": api.returns_of(result.sample),
        "BookBetas": book,
        "BookSample": book.sample,
        "BookGroup": book.sample.groups[0],
    }
    for name, obj in objects.items():
        text = repr(obj)
        assert text.startswith(name + "("), text
        assert len(text) < 400 and "\n" not in text, (name, len(text))
    first, last = f"{prices.index[0]:%Y-%m-%d}", f"{prices.index[-1]:%Y-%m-%d}"
    assert repr(result) == (
        f"PortfolioBeta(reg={result.reg:.4f}, wtd={result.wtd:.4f}, gap={result.gap:.4f}, 20 holdings, "
        f"{len(prices) - 1} daily returns {first}..{last})"
    )
    assert f"gap={result.gap:.4f} (se {stats.gap_se:.4f}" in repr(stats)
    top = np.argmax(np.abs(result.gap_by_holding))
    assert f"largest contributions: {prices.columns[top]} {result.gap_by_holding[top]:+.4f}" in repr(
        objects["GapDetail"]
    )


def test_repr_without_dates_says_rows_and_the_assumed_frequency(bonds):
    result = portfolio_beta(np.column_stack([bonds["bond_a"], bonds["bond_b"]]), bonds["shares"], bonds["market"])
    assert "10 returns (daily assumed), rows 1..11" in repr(result)
    assert "as_of row 11" in repr(result.sample)


# --------------------------------------------------------------------- Series and DataFrames


def test_per_asset_series_are_indexed_by_ticker_and_match_statsmodels(demo):
    prices, shares, market, result = demo
    betas = result.to_series("asset_betas")
    assert list(betas.index) == list(prices.columns) and betas.index.name == "asset"
    m = excess(market)
    for ticker in ("AAPL", "XOM"):
        assert betas[ticker] == pytest.approx(statsmodels_fit(excess(prices[ticker]), m).params[1], abs=1e-10)
    values = prices.iloc[-1] * shares
    pd.testing.assert_series_equal(result.to_series("weights"), (values / values.sum()).rename("weights"),
                                   check_names=False, rtol=0, atol=1e-15)  # fmt: skip
    assert result.to_series("gap_by_holding").sum() == pytest.approx(result.gap, abs=1e-12)
    # the fields stay arrays: code that indexes them by position keeps working
    assert isinstance(result.asset_betas, np.ndarray) and result.asset_betas[0] == betas.iloc[0]
    frame = result.to_frame()
    assert list(frame.columns) == ["asset_betas", "weights", "gap_by_holding"]
    assert frame.loc["XOM", "asset_betas"] == betas["XOM"]
    with pytest.raises(PortbetaError, match="to_series: field 'sample' is not one of asset_betas"):
        result.to_series("sample")


def test_stats_frame_has_the_table_rows_by_key_and_statsmodels_figures(demo):
    prices, shares, market, result = demo
    frame = api.stats_of(result).to_frame()
    assert list(frame.index) == [r.key for r in tables.STATS_ROWS] and frame.index.name == "statistic"
    assert list(frame.columns) == ["label", "actual holdings", "current weights", "difference", "note"]
    assert list(frame["label"]) == [r.label for r in tables.STATS_ROWS]
    fit = statsmodels_fit(value_returns(prices, shares), excess(market))
    assert frame.loc["beta", "actual holdings"] == pytest.approx(fit.params[1], abs=1e-10)
    assert frame.loc["standard_error", "actual holdings"] == pytest.approx(fit.bse[1], abs=1e-10)
    assert frame.loc["r_squared", "actual holdings"] == pytest.approx(fit.rsquared, abs=1e-10)
    assert frame.loc["beta", "difference"] == pytest.approx(result.gap, abs=1e-12)
    assert frame.loc["observations", "actual holdings"] == len(prices) - 1
    assert np.isnan(frame.loc["observations", "difference"])  # the table leaves it empty
    assert pd.Timestamp(frame.loc["first_date", "actual holdings"]) == prices.index[0]


def test_detail_frame_has_the_detail_columns_one_row_per_asset(demo):
    prices, shares, market, result = demo
    detail = api.gap_detail_of(result)
    frame = detail.to_frame()
    assert list(frame.columns) == [c.key for c in tables.DETAIL_COLUMNS[1:]]
    assert list(frame.index) == list(prices.columns)
    assert frame.loc["KO", "shares"] == shares[list(prices.columns).index("KO")]
    assert frame.loc["KO", "beta"] == pytest.approx(
        statsmodels_fit(excess(prices["KO"]), excess(market)).params[1], abs=1e-10
    )
    assert frame["contribution"].sum() == pytest.approx(result.gap, abs=1e-12)
    assert frame["weight"].sum() == pytest.approx(1.0, abs=1e-14)
    # the same numbers as the Excel table's rows (its total row left out)
    table = sheet.detail_table(detail)
    assert frame.loc["KO"].tolist() == table[1 + list(prices.columns).index("KO")][1:]
    pd.testing.assert_series_equal(detail.to_series("drift"), frame["drift"], check_names=False)


def test_rolling_frames_are_indexed_by_window_end_date(demo):
    prices, shares, market, result = demo
    frame = api.rolling_of(result.sample, WINDOW).to_frame()
    assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.name == "date"
    assert frame.index.equals(pd.DatetimeIndex(prices.index[WINDOW:], name="date"))
    last = slice(-WINDOW, None)
    m = excess(market)[last]
    assert frame["reg"].iloc[-1] == pytest.approx(
        statsmodels_fit(value_returns(prices, shares)[last], m).params[1], abs=1e-9
    )
    assets = api.rolling_asset_betas(prices, market, WINDOW).to_frame()
    assert list(assets.columns) == list(prices.columns) and assets.index.equals(frame.index)
    assert assets.loc[prices.index[-1], "AMD"] == pytest.approx(
        statsmodels_fit(excess(prices["AMD"])[last], m).params[1], abs=1e-9
    )


def test_rolling_frame_without_dates_is_indexed_by_row(bonds):
    prices = np.column_stack([bonds["bond_a"], bonds["bond_b"]])
    frame = api.rolling_portfolio_beta(prices, bonds["shares"], bonds["market"], 5).to_frame()
    assert frame.index.name == "row" and list(frame.index) == list(range(6, 12))


# --------------------------------------------------------------------- shares by ticker


def test_shares_as_dict_or_series_by_ticker_match_the_column_order_counts(demo):
    prices, shares, market, result = demo
    by_name = dict(zip(prices.columns, shares))
    reversed_order = dict(reversed(list(by_name.items())))
    for given in (by_name, reversed_order, pd.Series(reversed_order)):
        other = portfolio_beta(prices, given, market)
        assert (other.reg, other.wtd) == (result.reg, result.wtd)
    # assets left out are not held
    two = portfolio_beta(prices, {"MSFT": 10, "AAPL": 20}, market)
    counts = np.where(prices.columns == "AAPL", 20.0, np.where(prices.columns == "MSFT", 10.0, 0.0))
    assert two.reg == portfolio_beta(prices, counts, market).reg
    assert two.sample.held.sum() == 2


def test_shares_by_name_with_an_excel_header_row():
    named = portfolio_beta(BOND_PRICES, {"Bond B": BOND_SHARES[0][1], "Bond A": BOND_SHARES[0][0]}, BOND_MARKET)
    assert named.reg == portfolio_beta(BOND_PRICES, BOND_SHARES, BOND_MARKET).reg


@pytest.mark.parametrize(
    "shares,message",
    [
        (
            {"aapl": 1, "ZZZ": 2},
            "shares has names that prices does not have: 'aapl' (prices has 'AAPL'), 'ZZZ'; names are matched exactly",
        ),
        ({"AAPL": "ten"}, "shares['AAPL'] holds text 'ten', not a share count"),
        ({"AAPL": np.nan}, "shares['AAPL'] is nan: give a number of shares (0 for an asset not held)"),
        (pd.Series([1.0, 2.0], index=["AAPL", "AAPL"]), "shares names 'AAPL' twice"),
    ],
)
def test_shares_by_name_errors_name_the_ticker(demo, shares, message):
    prices, _, market, _ = demo
    with pytest.raises(PortbetaError) as error:
        portfolio_beta(prices, shares, market)
    assert str(error.value).startswith("portfolio_beta: " + message)


@pytest.mark.parametrize("shares", [{"AAPL": 1.0, "MSFT": 2.0}, pd.Series({"AAPL": 1.0, "MSFT": 2.0})])
def test_counts_by_name_against_a_column_name_twice_are_refused_with_the_name(demo, shares):
    """A count by name would go to one of the two AAPL columns (issue 20): refused, naming it."""
    prices, _, market, _ = demo
    twice = prices[["AAPL", "MSFT", "KO"]].set_axis(["AAPL", "MSFT", "AAPL"], axis=1)
    with pytest.raises(PortbetaError, match="and prices names 'AAPL' twice: name each column once"):
        portfolio_beta(twice, shares, market)
    # the same counts in column order are a number: the names matter only when matching by name
    assert np.isfinite(portfolio_beta(twice, [1.0, 2.0, 0.0], market).reg)


class _Unprintable:
    def __str__(self):
        raise RuntimeError("no text")


def test_a_ticker_that_cannot_be_text_is_the_add_ins_error(demo):
    prices, _, market, _ = demo
    with pytest.raises(PortbetaError, match="shares has a name that cannot be read as text"):
        portfolio_beta(prices, {_Unprintable(): 1}, market)


def test_shares_by_name_need_prices_with_names(demo):
    prices, _, market, _ = demo
    with pytest.raises(PortbetaError, match="shares is a dict: prices need a name for every column"):
        portfolio_beta(prices.to_numpy(), {"AAPL": 1}, market.to_numpy())


def test_an_officejs_error_cell_as_shares_is_still_an_error_cell():
    with pytest.raises(PortbetaError) as error:
        portfolio_beta(BOND_PRICES, NA_OFFICEJS, BOND_MARKET)
    assert "names" not in str(error.value) and "dict" not in str(error.value)


# --------------------------------------------------------------------- returns for prices


def test_returns_for_prices_ask_for_price_levels(demo):
    prices, shares, market, _ = demo
    returns = prices.pct_change().iloc[1:]
    low, high = returns["AAPL"].min(), returns["AAPL"].max()
    with pytest.raises(PortbetaError) as error:
        portfolio_beta(returns, shares, market.iloc[1:])
    assert str(error.value) == (
        f"portfolio_beta: prices column 1 ('AAPL') looks like returns (values between {low:.3g} and {high:.3g}): "
        "give price levels, not returns"
    )
    with pytest.raises(PortbetaError, match=r"^portfolio_beta: market looks like returns \(values between -0\.0"):
        portfolio_beta(prices.iloc[1:], shares, market.pct_change().iloc[1:])
    in_percent = (returns * 100).to_numpy()  # returns in percent, without a header
    with pytest.raises(PortbetaError, match=r"prices column 1 looks like returns \(values between -5\.87 and 8\.9\)"):
        portfolio_beta(in_percent, shares, market.iloc[1:].to_numpy())


def test_returns_hint_in_excel_and_the_command_line(tmp_path, prices_csv):
    returns = [["Bond A", "Bond B"], [0.01, -0.02], [-0.03, 0.01], [0.02, 0.0], [0.01, 0.03], [-0.01, 0.02]]
    with pytest.raises(Exception, match=r"^PORTBETA_REG: prices column 2 \('Bond B'\) looks like returns "
                                        r"\(values between -0\.02 and 0\.03\): give price levels"):  # fmt: skip
        udfs.portbeta_reg(returns, BOND_SHARES, BOND_MARKET[:5])
    _, frame = prices_csv
    path = tmp_path / "returns.csv"
    frame.pct_change().iloc[1:].to_csv(path, date_format="%Y-%m-%d")
    run = cli("analyze", str(path), "--market", "SP500", "--shares", "1,1,1,1,1")
    assert run.returncode == 2
    assert "prices column 3 ('KO') looks like returns" in run.stderr and "give price levels" in run.stderr


@pytest.mark.parametrize(
    "column",
    [
        [0.05, 0.04, 0.0, 0.06, 0.05, 0.07],  # a penny stock with a zero: no negative, so no returns
        [100.0, 101.0, -100.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0, 108.0, 109.0],  # one sign typo
    ],
)
def test_a_bad_price_that_is_no_return_keeps_its_cell_message(column):
    n = len(column)
    prices = np.column_stack([column, np.linspace(50, 60, n)])
    with pytest.raises(PortbetaError, match=r"prices row 3, column 1 is -?[0-9.]+: prices must be positive$"):
        portfolio_beta(prices, [1, 1], np.linspace(1000, 1100, n) + np.arange(n) % 3)


# --------------------------------------------------------------------- issue 20: other frames, tiny numbers


def _frames(rng):
    from conftest import random_market

    prices, market = random_market(rng, 60, 3)
    dates = pd.date_range("2024-01-01", periods=60, freq="B")
    frame = pd.DataFrame(prices, columns=["A", "B", "C"], index=dates)
    return frame, pd.Series(market, index=dates, name="M"), pd.Series([10.0, 20.0, 30.0], index=["A", "B", "C"])


@pytest.mark.parametrize("dtype", ["Float64", "Int64", "float64[pyarrow]", "int64[pyarrow]"])
def test_pandas_extension_arrays_read_as_their_numbers_and_pd_na_as_missing(rng, dtype):
    """Int64, Float64 (pandas' nullable types) and ArrowDtype columns give the numbers of
    float64 columns, and a pd.NA (or Arrow null) is a missing price, as NaN is."""
    if "pyarrow" in dtype:
        pytest.importorskip("pyarrow")
    frame, market, shares = _frames(rng)
    if dtype.startswith(("Int", "int")):
        frame = frame.round()  # whole prices, as an integer column holds them
    plain = frame.astype(float)
    plain.iloc[7, 1] = np.nan
    typed = frame.astype(dtype)
    typed.iloc[7, 1] = pd.NA
    market_typed = market.astype("Float64" if "pyarrow" not in dtype else "float64[pyarrow]")
    expected = portfolio_beta(plain, shares, market)
    result = portfolio_beta(typed, shares.astype("Int64"), market_typed)
    assert result.reg == expected.reg and result.wtd == expected.wtd
    assert result.sample.dropped == (pd.Timestamp(frame.index[7]),)
    # statsmodels on the rows kept, by hand
    keep = np.arange(60) != 7
    value = (plain.to_numpy()[keep] * [10.0, 20.0, 30.0]).sum(axis=1)
    m = market.to_numpy()[keep]
    assert result.reg == pytest.approx(statsmodels_fit(excess(value), excess(m)).params[1], abs=1e-12)


class _FakePolarsType:
    def __init__(self, numeric=True, temporal=False, text="Float64"):
        self.numeric, self.temporal, self.text = numeric, temporal, text

    def is_numeric(self):
        return self.numeric

    def is_temporal(self):
        return self.temporal

    def __str__(self):
        return self.text


class _FakePolarsSeries:
    """What xl_portbeta uses of a polars Series: its module, name, dtype and to_numpy()."""

    __module__ = "polars.series.series"

    def __init__(self, name, values, dtype=None):
        self.name, self.values, self.dtype = name, np.asarray(values), dtype or _FakePolarsType()

    def to_numpy(self):
        return self.values


class _FakePolarsFrame:
    __module__ = "polars.dataframe.frame"

    def __init__(self, columns):
        self.columns = [c.name for c in columns]
        self._columns = columns

    def get_columns(self):
        return self._columns


def _polars_frames(frame, market):
    try:
        import polars as pl
    except ImportError:  # polars' API as far as xl_portbeta uses it (polars is no test dependency)
        columns = [_FakePolarsSeries(c, frame[c].to_numpy()) for c in frame.columns]
        dated = [_FakePolarsSeries("Date", frame.index.to_numpy(), _FakePolarsType(False, True, "Datetime"))]
        return (_FakePolarsFrame(columns), _FakePolarsSeries("M", market.to_numpy()),
                _FakePolarsFrame(dated + columns), _FakePolarsSeries("Date", frame.index.to_numpy()))  # fmt: skip
    plain = pl.DataFrame({c: frame[c].to_numpy() for c in frame.columns})
    dated = pl.DataFrame({"Date": frame.index.to_numpy(), **{c: frame[c].to_numpy() for c in frame.columns}})
    return plain, pl.Series("M", market.to_numpy()), dated, pl.Series("Date", frame.index.to_numpy())


def test_polars_frames_read_by_their_column_names_and_a_date_column_is_a_clear_error(rng):
    """polars has no index: a frame of numbers reads by its column names (shares by name
    meet them), a Series of dates is the dates argument, and a frame with a date column
    is an error that says how to pass it, never polars' repr in a message."""
    frame, market, shares = _frames(rng)
    expected = portfolio_beta(frame, shares, market)
    plain, polars_market, dated, polars_dates = _polars_frames(frame, market)
    result = portfolio_beta(plain, shares, polars_market, polars_dates)
    assert (result.reg, result.wtd) == (expected.reg, expected.wtd)
    assert result.names == ("A", "B", "C") and result.sample.labels[0] == frame.index[0]
    with pytest.raises(PortbetaError, match=r"prices is a polars DataFrame with a date column 'Date'.*"
                       r"prices.to_pandas\(\).set_index\('Date'\)"):  # fmt: skip
        portfolio_beta(dated, shares, polars_market)
    with pytest.raises(PortbetaError) as caught:
        portfolio_beta(dated, shares, market)
    assert "shape:" not in str(caught.value)  # polars' repr


@pytest.mark.parametrize("where", ["prices", "market", "shares"])
def test_subnormal_magnitudes_are_refused_naming_the_cell(where):
    """Floats below 2.2e-308 are subnormal: 1.234567890123e-318 is kept as 1.2346e-318, its
    other digits lost before any computation (no rescaling could give them back). A
    price, level or count there is refused, naming the cell; so are share counts times
    prices that land there. Prices small but normal (1e-300) keep every figure."""
    prices = [row[:] for row in BOND_PRICES]
    market = [row[:] for row in BOND_MARKET]
    shares = [row[:] for row in BOND_SHARES]
    target = {"prices": (prices, 4, 1), "market": (market, 4, 0), "shares": (shares, 0, 1)}[where]
    rows, r, c = target
    rows[r][c] = 1.234567890123e-318
    column = f", column {c + 1}" if where != "market" else ""
    with pytest.raises(
        PortbetaError, match=rf"^PORTBETA_REG: {where} row {r + 1}{column} .*holds 1.235e-318, too small"
    ):
        udfs.portbeta_reg(prices, shares, market)
    tiny = [BOND_PRICES[0]] + [[v * 1e-300 for v in row] for row in BOND_PRICES[1:]]
    assert udfs.portbeta_reg(tiny, BOND_SHARES, BOND_MARKET) == pytest.approx(
        udfs.portbeta_reg(BOND_PRICES, BOND_SHARES, BOND_MARKET), rel=1e-13
    )
    tiny_shares = [[v * 1e-312 for v in BOND_SHARES[0]]]  # 2.5e-308 and 6.5e-308, x prices near 100: 1e-306
    assert np.isfinite(udfs.portbeta_reg(BOND_PRICES, tiny_shares, BOND_MARKET))
    with pytest.raises(PortbetaError, match=r"shares x prices are too small to compute with"):
        udfs.portbeta_reg(tiny, tiny_shares, BOND_MARKET)


# --------------------------------------------------------------------- dates that are not a DatetimeIndex


@pytest.fixture(scope="module")
def monthly():
    """Three years of month-end prices of two assets and the market, indexed by a DatetimeIndex."""
    rng = np.random.default_rng(20)
    index = pd.date_range("2021-01-31", periods=36, freq="ME")
    prices = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.05, (36, 2)), 0)), index, ["A", "B"])
    market = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.04, 36))), index)
    return prices, market


@pytest.mark.parametrize(
    "relabel",
    [
        lambda index: index.to_period("M"),
        lambda index: pd.Index(index.strftime("%Y-%m-%d")),
        lambda index: pd.Index([d.date() for d in index], dtype=object),
    ],
    ids=["PeriodIndex", "ISO text", "datetime.date"],
)
def test_dates_of_any_kind_are_matched_as_dates(monthly, relabel):
    """A PeriodIndex or dates as text are dates (issue 20): their spacing sets the periods per year
    (not 'daily' assumed), and a market a month off is refused, not matched by position."""
    prices, market = monthly
    index = relabel(prices.index)
    result = portfolio_beta(prices.set_axis(index), [1.0, 2.0], market.set_axis(index))
    assert (result.sample.frequency, result.sample.frequency_source) == ("monthly", "dates")
    value = prices.to_numpy() @ np.array([1.0, 2.0])
    levels = market.to_numpy()
    reference = statsmodels_fit(value[1:] / value[:-1] - 1, levels[1:] / levels[:-1] - 1).params[1]
    assert result.reg == pytest.approx(reference, abs=1e-12)
    late = relabel(prices.index.shift(1, freq="ME"))
    with pytest.raises(PortbetaError, match="market is indexed by other dates than prices"):
        portfolio_beta(prices.set_axis(index), [1.0, 2.0], market.set_axis(late))


@pytest.mark.parametrize(
    "relabel",
    [lambda i: i.to_period("M"), lambda i: pd.Index(i.strftime("%Y-%m-%d")), lambda i: pd.Series(i.to_period("M"))],
    ids=["PeriodIndex", "Index of ISO text", "Series of periods"],
)
def test_dates_passed_as_periods_or_iso_text_are_dates(monthly, relabel):
    prices, market = monthly
    dated = portfolio_beta(prices.to_numpy(), [1.0, 2.0], market.to_numpy(), relabel(prices.index))
    expected = portfolio_beta(prices.to_numpy(), [1.0, 2.0], market.to_numpy(), prices.index)
    assert (dated.sample.frequency, dated.sample.frequency_source) == ("monthly", "dates")
    assert dated.reg == expected.reg and dated.sample.labels[-1].month == 12


def test_an_index_of_text_partly_dates_is_refused(monthly):
    prices, market = monthly
    index = pd.Index([*prices.index[:-1].strftime("%Y-%m-%d"), "31/12/2023"])
    with pytest.raises(PortbetaError, match="prices is indexed by dates and '31/12/2023', which is not an ISO date"):
        portfolio_beta(prices.set_axis(index), [1.0, 2.0], market.set_axis(index))


def test_masked_arrays_honour_their_mask(monthly):
    """A masked cell is missing data, as a blank: never the value under the mask."""
    prices, market = monthly
    under = prices.to_numpy().copy()
    under[5, 0] = 1e6  # what numpy's plain conversion would hand over
    mask = np.zeros(under.shape, dtype=bool)
    mask[5, 0] = True
    blank = prices.to_numpy().copy()
    blank[5, 0] = np.nan
    levels = np.ma.masked_array(market.to_numpy() * 1, mask=np.arange(36) == 9)
    masked = portfolio_beta(np.ma.masked_array(under, mask), [1.0, 2.0], levels, prices.index.to_numpy())
    expected = portfolio_beta(blank, [1.0, 2.0], np.where(np.arange(36) == 9, np.nan, market.to_numpy()),
                              prices.index.to_numpy())  # fmt: skip
    assert masked.reg == expected.reg and masked.wtd == expected.wtd
    cells = np.vstack([["A", "B"], under.astype(object)])  # a header row: text and numbers, as from a sheet
    with_header = np.ma.masked_array(cells, np.vstack([[False, False], mask]))
    assert portfolio_beta(with_header, [1.0, 2.0], levels, prices.index.to_numpy()).reg == expected.reg
    dates = np.ma.masked_array(prices.index.to_numpy(), mask=np.arange(36) == 20)
    with pytest.raises(PortbetaError, match="dates row 21 is empty or an error"):  # as a blank date cell
        portfolio_beta(prices.to_numpy(), [1.0, 2.0], market.to_numpy(), dates)
    assert masked.sample.n_returns == expected.sample.n_returns == 33


def test_a_polars_frame_of_holdings_is_a_book_by_its_column_names(rng):
    """A book's holdings as a polars frame (no index: no account names) read as the same
    counts as a pandas frame, matched to the prices by column name."""
    from xl_portbeta import api

    frame, market, _ = _frames(rng)
    holdings = pd.DataFrame({"C": [3.0, 0.0], "A": [1.0, 5.0], "B": [2.0, 1.0]})
    expected = api.book_betas(prices=frame, holdings=holdings, market=market)
    try:
        import polars as pl

        polars_holdings = pl.DataFrame({c: holdings[c].to_numpy() for c in holdings.columns})
    except ImportError:
        polars_holdings = _FakePolarsFrame([_FakePolarsSeries(c, holdings[c].to_numpy()) for c in holdings.columns])
    book = api.book_betas(prices=frame, holdings=polars_holdings, market=market)
    np.testing.assert_array_equal(book.reg, expected.reg)
    np.testing.assert_array_equal(book.wtd, expected.wtd)
