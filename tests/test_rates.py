"""Rates on their own dates (issue 21, item 3): a blank ``rf`` cell after a rate carries
that rate forward in time; an error cell is missing data (its date dropped, and the blanks
after it too); blanks before the first rate drop their dates. The command line's ``--rf
FILE`` of ``date,rate`` rows gives each prices date the last rate on or before it.

Every figure is checked against a hand-built pandas ``ffill`` of the rates and statsmodels
OLS on hand-built returns (tests/references.py), oldest first and newest first."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import cli, random_market
from references import reference

from xl_portbeta import build_sample, portfolio_beta
from xl_portbeta.api import portfolio_stats

ERROR = "err"  # a stand-in for an error cell in the tests' rate lists
T = 60
SHARES = [10.0, 20.0, 5.0]


def rate_cells():
    """Rates in time order: blanks before the first, quotes when they change, an error
    cell followed by blanks, a new quote after it."""
    cells = [None] * T
    cells[3], cells[21], cells[30], cells[41], cells[50] = 0.05, 0.04, ERROR, 0.03, 0.035
    return cells


def carried(cells):
    """The rates each date uses, by hand with pandas: blanks forward-filled, an error
    (a sentinel) carried as unknown."""
    sentinel = -999.0
    series = pd.Series([np.nan if c is None else sentinel if c == ERROR else c for c in cells], dtype=float)
    return series.ffill().replace(sentinel, np.nan).to_numpy()


@pytest.fixture(scope="module")
def data():
    prices, market = random_market(np.random.default_rng(21), T, 3)
    dates = pd.bdate_range("2024-01-01", periods=T)
    return prices, market, dates


def expected(prices, market, cells, periods_per_year=252):
    """REG and WTD by statsmodels on the dates whose rate is known, each period over the
    annual rate of its first date, and the dates dropped and periods carried."""
    annual = carried(cells)
    kept = np.flatnonzero(~np.isnan(annual))
    rf_period = (1 + annual[kept[:-1]]) ** (1 / periods_per_year) - 1
    reg, wtd, _, _ = reference(prices[kept], SHARES, market[kept], rf_period=rf_period)
    blank = np.array([c is None for c in cells])
    return reg, wtd, T - len(kept), int(blank[kept[:-1]].sum())


def as_cells(cells, error="#N/A"):
    return [[error if c == ERROR else c] for c in cells]


@pytest.mark.parametrize("error", ["#N/A", -2146826246, {"type": "Error", "basicValue": "#N/A"}])
def test_blank_rates_carry_forward_and_errors_stay_missing(data, error):
    prices, market, dates = data
    cells = rate_cells()
    reg, wtd, dropped, n_carried = expected(prices, market, cells)
    result = portfolio_beta(prices=prices, shares=SHARES, market=market, dates=dates, rf=as_cells(cells, error))
    assert result.reg == pytest.approx(reg, abs=1e-12)
    assert result.wtd == pytest.approx(wtd, abs=1e-12)
    # 3 blanks before the first rate, the error and its 10 blanks
    assert dropped == 14 and result.sample.dropped_why == (("missing rf", 14),)
    assert n_carried == 41 and result.sample.rf_carried == 41


def test_newest_first_rows_carry_forward_in_time_not_in_row_order(data):
    prices, market, dates = data
    cells = rate_cells()
    reg, wtd, _, n_carried = expected(prices, market, cells)
    result = portfolio_beta(
        prices=prices[::-1], shares=SHARES, market=market[::-1], dates=dates[::-1].to_numpy(), rf=as_cells(cells)[::-1]
    )
    assert result.reg == pytest.approx(reg, abs=1e-12)
    assert result.wtd == pytest.approx(wtd, abs=1e-12)
    assert result.sample.rf_carried == n_carried
    # carried in row order (upwards) the figures would differ: the check can fail
    upward = expected(prices, market, cells[::-1])
    assert abs(upward[0] - reg) > 1e-6


def test_a_rate_on_every_date_carries_nothing_and_errors_drop_only_their_dates(data):
    prices, market, dates = data
    cells = [0.02 + 0.0005 * k for k in range(T)]
    cells[7] = ERROR
    reg, wtd, dropped, n_carried = expected(prices, market, cells)
    result = portfolio_beta(prices=prices, shares=SHARES, market=market, dates=dates, rf=as_cells(cells))
    assert (dropped, n_carried) == (1, 0)
    assert result.reg == pytest.approx(reg, abs=1e-12) and result.wtd == pytest.approx(wtd, abs=1e-12)
    assert result.sample.dropped_why == (("missing rf", 1),) and result.sample.rf_carried == 0


def test_nan_in_an_array_or_pandas_is_missing_data_never_carried(data):
    """NaN is not a number, as the cell classifier says: a pandas user carries with ffill()."""
    prices, market, dates = data
    cells = rate_cells()
    with_nan = np.array([np.nan if c in (None, ERROR) else c for c in cells])
    result = portfolio_beta(prices=prices, shares=SHARES, market=market, dates=dates, frequency="daily", rf=with_nan)
    assert result.sample.rf_carried == 0
    # the quotes' dates and the last date (whose rate starts no period) are kept
    assert result.sample.dropped_why == (("missing rf", T - 5),)
    assert list(result.sample.labels) == list(dates[[3, 21, 41, 50, T - 1]])
    filled = pd.Series(with_nan, index=dates).ffill()  # carried by the user: over the error too
    by_ffill = portfolio_beta(prices=prices, shares=SHARES, market=market, dates=dates, rf=filled)
    reg, wtd, _, _ = expected(prices, market, [None if c == ERROR else c for c in cells])
    assert by_ffill.reg == pytest.approx(reg, abs=1e-12) and by_ffill.wtd == pytest.approx(wtd, abs=1e-12)


def test_the_notes_count_the_periods_carried(data):
    prices, market, dates = data
    stats = portfolio_stats(prices=prices, shares=SHARES, market=market, dates=dates, rf=as_cells(rate_cells()))
    note = stats.to_frame().loc["dates_dropped", "note"]
    assert "14 for missing rf" in note
    assert "rf carried forward on 41 of the 45 periods" in note


def test_a_monthly_rate_on_a_daily_sheet_keeps_the_daily_sample():
    """The issue's case: a rate on each month's first row, blank on the others, used to
    drop 95% of the dates and turn REG into a monthly beta."""
    prices, market = random_market(np.random.default_rng(3), 500, 2)
    dates = pd.bdate_range("2023-01-02", periods=500)
    first_of_month = np.append(True, dates.month[1:] != dates.month[:-1])
    cells = [0.04 + 0.001 * (d.month % 4) if first else None for d, first in zip(dates, first_of_month, strict=True)]
    sample = build_sample(prices=prices, shares=[1, 1], market=market, dates=dates, rf=as_cells(cells))
    assert sample.n_returns == 499 and sample.frequency == "daily" and not sample.dropped
    assert sample.rf_carried == 499 - (first_of_month[:-1].sum())


# --------------------------------------------------------------------- the command line


def prices_file(path, prices, market, dates, rates=None, newest_first=False):
    frame = pd.DataFrame(prices, columns=["A", "B", "C"], index=pd.Index(dates, name="Date")).assign(M=market)
    if rates is not None:
        frame["RF"] = ["" if c is None else "#N/A" if c == ERROR else repr(c) for c in rates]
    frame = frame.iloc[::-1] if newest_first else frame
    frame.to_csv(path, date_format="%Y-%m-%d")
    return path


def analyze(path, *options):
    run = cli("analyze", str(path), "--market", "M", "--shares", "A=10,B=20,C=5", "--json", *options)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize("newest_first", [False, True])
def test_cli_rate_column_carries_blanks_forward(data, tmp_path, newest_first):
    prices, market, dates = data
    cells = rate_cells()
    reg, wtd, dropped, n_carried = expected(prices, market, cells)
    path = prices_file(tmp_path / "prices.csv", prices, market, dates, cells, newest_first)
    out = analyze(path, "--rf", "RF")
    assert out["reg"] == pytest.approx(reg, abs=1e-12) and out["wtd"] == pytest.approx(wtd, abs=1e-12)
    assert out["sample"]["dropped_why"] == {"missing_rf": dropped} and out["sample"]["rf_carried"] == n_carried
    said = out["assumptions"]["risk_free_rate"]
    assert f"{dropped} dates dropped for a missing rate" in said
    assert f"{n_carried} of the {out['sample']['returns']} periods carry a rate forward" in said


def dated_rates(path, rows):
    path.write_text("date,rate\n" + "".join(f"{day},{rate}\n" for day, rate in rows))
    return path


@pytest.mark.parametrize("newest_first", [False, True])
def test_cli_rf_file_gives_each_date_the_last_rate_on_or_before_it(data, tmp_path, newest_first):
    prices, market, dates = data
    # monthly quotes on calendar days (some on weekends, one before the prices begin), a
    # first quote after the first prices dates, and an error quote
    rows = [("2024-01-03", "0.05"), ("2024-02-03", "0.045"), ("2024-02-17", "#N/A"), ("2024-03-01", "0.03"),
            ("2024-03-10", "0.035")]  # fmt: skip
    rates = dated_rates(tmp_path / "rates.csv", rows[::-1] if newest_first else rows)
    path = prices_file(tmp_path / "prices.csv", prices, market, dates, newest_first=newest_first)
    out = analyze(path, "--rf", str(rates))
    # by hand: each prices date's last quote on or before it, an error as unknown
    quotes = pd.Series(
        [-999.0 if r == "#N/A" else float(r) for _, r in rows], index=pd.to_datetime([d for d, _ in rows])
    )
    annual = quotes.reindex(dates, method="ffill").replace(-999.0, np.nan).to_numpy()
    kept = np.flatnonzero(~np.isnan(annual))
    rf_period = (1 + annual[kept[:-1]]) ** (1 / 252) - 1
    reg, wtd, _, _ = reference(prices[kept], SHARES, market[kept], rf_period=rf_period)
    assert out["reg"] == pytest.approx(reg, abs=1e-12) and out["wtd"] == pytest.approx(wtd, abs=1e-12)
    assert out["sample"]["first"] == "2024-01-03" and out["sample"]["dropped_why"] == {"missing_rf": T - len(kept)}
    said = out["assumptions"]["risk_free_rate"]
    assert (
        "rates.csv: 5 dated rates from 2024-01-03, each held until the next; 2 prices dates before its first rate dropped"
        in said
    )


def test_cli_rf_file_with_a_long_prices_file(data, tmp_path):
    prices, market, dates = data
    long = pd.DataFrame(prices, columns=["A", "B", "C"], index=pd.Index(dates, name="date")).assign(M=market)
    long = long.reset_index().melt(id_vars="date", var_name="ticker", value_name="price")
    long.to_csv(tmp_path / "long.csv", index=False, date_format="%Y-%m-%d")
    rates = dated_rates(tmp_path / "rates.csv", [("2023-12-01", "0.05"), ("2024-02-01", "0.04")])
    out = analyze(tmp_path / "long.csv", "--rf", str(rates))
    annual = np.where(dates < pd.Timestamp("2024-02-01"), 0.05, 0.04)
    reg, wtd, _, _ = reference(prices, SHARES, market, rf_period=(1 + annual[:-1]) ** (1 / 252) - 1)
    assert out["reg"] == pytest.approx(reg, abs=1e-12) and out["wtd"] == pytest.approx(wtd, abs=1e-12)
    assert out["sample"]["dropped"] == [] and out["sample"]["rf_carried"] == T - 1 - 2  # two new quotes


def test_cli_rf_file_needs_the_prices_dates(tmp_path):
    rates = dated_rates(tmp_path / "rates.csv", [("2024-01-01", "0.05")])
    path = tmp_path / "nodates.csv"
    path.write_text("A,M\n1,2\n2,3\n3,4\n4,5\n5,6\n")
    run = cli("analyze", str(path), "--market", "M", "--shares", "A=1", "--rf", str(rates))
    assert run.returncode == 2 and "a file of dated rates needs the prices' dates" in run.stderr


def test_readme_rates_file_example():
    """README's --rf FILE example (tests/data/rates.csv, quarterly, for monthly prices)."""
    data = Path(__file__).parent / "data"
    run = cli("analyze", data / "wide.csv", "--market", "SPX", "--shares", data / "holdings.csv", "--json",
              "--rf", data / "rates.csv")  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    wide = pd.read_csv(data / "wide.csv", index_col="Date", parse_dates=True)
    quotes = pd.read_csv(data / "rates.csv", index_col="date", parse_dates=True)["rate"]
    annual = quotes.reindex(wide.index, method="ffill").to_numpy()
    rf_period = (1 + annual[:-1]) ** (1 / 12) - 1
    # KO is not held: its blank price (2020-06-30) drops no date and weighs nothing
    reg, wtd, _, _ = reference(
        wide[["AAPL", "XOM"]].to_numpy(), [100, 250], wide["SPX"].to_numpy(), rf_period=rf_period
    )
    assert out["reg"] == pytest.approx(reg, abs=1e-12) and out["wtd"] == pytest.approx(wtd, abs=1e-12)
    assert out["sample"]["dropped"] == [] and out["sample"]["periods_per_year"] == 12


def test_a_book_carries_rates_as_each_account_alone_would(data):
    """PORTBETA_BOOK's accounts on the same carried rates as the hand-built reference, newest first."""
    from xl_portbeta import api

    prices, market, dates = data
    cells = rate_cells()
    holdings = np.array([SHARES, [0.0, 7.0, 3.0], [4.0, 0.0, 9.0]])
    book = api.book_betas(
        prices=prices[::-1],
        holdings=holdings,
        market=market[::-1],
        dates=dates[::-1].to_numpy(),
        rf=as_cells(cells)[::-1],
    )
    annual = carried(cells)
    kept = np.flatnonzero(~np.isnan(annual))
    rf_period = (1 + annual[kept[:-1]]) ** (1 / 252) - 1
    for k, shares in enumerate(holdings):
        reg, wtd, _, _ = reference(prices[kept], shares, market[kept], rf_period=rf_period)
        assert book.reg[k] == pytest.approx(reg, abs=1e-12) and book.wtd[k] == pytest.approx(wtd, abs=1e-12)


def test_none_in_a_pandas_object_is_missing_too_and_a_constant_rate_carries_nothing(data):
    prices, market, dates = data
    cells = rate_cells()
    as_objects = pd.Series([np.nan if c == ERROR else c for c in cells], index=dates, dtype=object)  # None kept
    result = portfolio_beta(prices=prices, shares=SHARES, market=market, dates=dates, frequency="daily", rf=as_objects)
    assert result.sample.rf_carried == 0 and list(result.sample.labels) == list(dates[[3, 21, 41, 50, T - 1]])
    constant = portfolio_beta(prices=prices, shares=SHARES, market=market, dates=dates, rf=0.02)
    assert constant.sample.rf_carried == 0 and not constant.sample.dropped


def test_a_rates_range_selected_taller_than_the_data(data):
    """Trailing rows blank in every range are ignored: the rates' blanks there carry nothing."""
    prices, market, dates = data
    cells = rate_cells()
    reg, _, dropped, n_carried = expected(prices, market, cells)
    taller = [["RF"], *as_cells(cells), [None], [None]]
    result = portfolio_beta(prices=prices, shares=SHARES, market=market, dates=dates, rf=taller)
    assert result.reg == pytest.approx(reg, abs=1e-12)
    assert (len(result.sample.dropped), result.sample.rf_carried) == (dropped, n_carried)


@pytest.mark.parametrize("newest_first", [False, True])
def test_python_rates_indexed_by_their_own_dates(data, newest_first):
    """From Python, a Series of rates on its own dates (monthly quotes for daily prices)
    is taken as --rf FILE is: each prices date the last rate on or before it."""
    prices, market, dates = data
    quotes = pd.Series(
        [0.05, 0.045, np.nan, 0.03], index=pd.to_datetime(["2024-01-03", "2024-02-03", "2024-02-17", "2024-03-01"])
    )
    frame = pd.DataFrame(prices, index=dates, columns=["A", "B", "C"])
    levels = pd.Series(market, index=dates)
    if newest_first:
        frame, levels, quotes = frame.iloc[::-1], levels.iloc[::-1], quotes.iloc[::-1]
    result = portfolio_beta(prices=frame, shares=SHARES, market=levels, rf=quotes)
    annual = quotes.sort_index().reindex(dates, method="ffill").to_numpy()  # by hand: NaN quotes stay NaN
    kept = np.flatnonzero(~np.isnan(annual))
    rf_period = (1 + annual[kept[:-1]]) ** (1 / 252) - 1
    reg, wtd, _, _ = reference(prices[kept], SHARES, market[kept], rf_period=rf_period)
    assert result.reg == pytest.approx(reg, abs=1e-12) and result.wtd == pytest.approx(wtd, abs=1e-12)
    assert result.sample.dropped_why == (("missing rf", T - len(kept)),)
    assert result.sample.rf_carried == len(kept) - 1 - 3  # every period but those starting on a new quote's date


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("when,rate\n2024-01-01,0.01\n", "rates.csv: no column named 'date' for --rf (columns: when, rate)"),
        ("date,a,b\n2024-01-01,0.1,0.2\n", "rates.csv: give date,rate rows (a column named 'rate' or 'rf'"),
        ("date,rate\n2024-01-01,0.01\n2024-01-01,0.02\n", "rates.csv row 3, column A: rf on 2024-01-01 is there twice"),
        ("date,rate\n2024-01-01,abc\n", "rf on 2024-01-01 (rates.csv row 2, column B) holds text 'abc'"),
    ],
)
def test_cli_rf_file_errors_name_the_file_and_cell(data, tmp_path, text, said):
    prices, market, dates = data
    path = prices_file(tmp_path / "prices.csv", prices, market, dates)
    (tmp_path / "rates.csv").write_text(text)
    run = cli("analyze", str(path), "--market", "M", "--shares", "1,1,1", "--rf", str(tmp_path / "rates.csv"))
    assert run.returncode == 2 and said in run.stderr


def test_python_rates_indexed_by_months(data):
    """Monthly rates indexed by periods (a PeriodIndex: each month from its first day)."""
    prices, market, dates = data
    quotes = pd.Series([0.05, 0.04, 0.03], index=pd.period_range("2024-01", periods=3, freq="M"))
    frame = pd.DataFrame(prices, index=dates, columns=["A", "B", "C"])
    result = portfolio_beta(prices=frame, shares=SHARES, market=pd.Series(market, index=dates), rf=quotes)
    annual = pd.Series(quotes.to_numpy(), index=quotes.index.to_timestamp()).reindex(dates, method="ffill").to_numpy()
    reg, wtd, _, _ = reference(prices, SHARES, market, rf_period=(1 + annual[:-1]) ** (1 / 252) - 1)
    assert result.reg == pytest.approx(reg, abs=1e-12) and result.wtd == pytest.approx(wtd, abs=1e-12)
    assert not result.sample.dropped and result.sample.rf_carried == T - 1 - 3
