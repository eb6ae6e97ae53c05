"""Issue 21, item 4: prices in several currencies, one portfolio currency. PRICES_IN (COM-style
values here; Office.js in test_officejs.py), api.prices_in and the command line's --currencies
and --fx, each against prices converted by hand: a price times its currency's rate on its date,
and a date without its rate a missing price (never the rate of another date)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import NA_COM, cli, random_market
from references import reference

from xl_portbeta import api, udfs
from xl_portbeta.errors import PortbetaError

DATA = Path(__file__).resolve().parent / "data"
SHARES_OPTION = "AAPL=100,KO=400,XOM=250"


def fx_case(rng, rows=30):
    """Three assets (USD, EUR, GBP), a USD market, EUR and GBP rates with one blank and one #N/A."""
    prices, market = random_market(rng, rows, 3)
    eur, gbp = 1.1 + rng.normal(0, 0.02, rows), 1.3 + rng.normal(0, 0.02, rows)
    return prices, market, eur, gbp


def by_hand(prices, eur, gbp, missing=()):
    """Each column times its rate, row by row; NaN on the rows whose rate is missing."""
    converted = prices * np.column_stack([np.ones(len(prices)), eur, gbp])
    for row, column in missing:
        converted[row, column] = np.nan
    return converted


def test_prices_in_converts_each_price_at_its_rows_rate_com_style(rng):
    prices, market, eur, gbp = fx_case(rng)
    header = (("A", "B", "C"),) + tuple(map(tuple, prices.tolist()))
    rates = [["gbp", "EUR"]] + [[g, e] for g, e in zip(gbp.tolist(), eur.tolist(), strict=True)]
    rates[6][1] = None  # a blank EUR rate: B's price on row 5 is missing
    rates[9][0] = NA_COM  # #N/A as COM sends it: C's price on row 8 is missing
    spilled = udfs.prices_in(header, (("USD", "EUR", "GBP"),), tuple(map(tuple, rates)), "usd")
    assert spilled[0] == ["A", "B", "C"] and len(spilled) == len(prices) + 1  # the header and rows kept
    expected = by_hand(prices, eur, gbp, missing=[(5, 1), (8, 2)])
    got = np.array([[np.nan if v is None else v for v in row] for row in spilled[1:]])
    np.testing.assert_array_equal(got, expected)  # one product each: exact
    # fed to PORTBETA_*: the two dates without a rate are dropped, as the hand-built sample's
    keep = [r for r in range(len(prices)) if r not in (5, 8)]
    reg, wtd, _, _ = reference(expected[keep], [10, 20, 30], market[keep])
    market_cells = [["M"]] + [[m] for m in market.tolist()]
    assert udfs.portbeta_reg(spilled, [[10, 20, 30]], market_cells) == pytest.approx(reg, abs=1e-12)
    assert udfs.portbeta_wtd(spilled, [[10, 20, 30]], market_cells) == pytest.approx(wtd, abs=1e-12)


def test_the_benchmark_is_converted_the_same_way(rng):
    """One code for every column: a EUR index in dollars, as a dollar investor holds it."""
    _, market, eur, _ = fx_case(rng)
    spilled = udfs.prices_in([["Stoxx"]] + [[m] for m in market.tolist()], "EUR", [["EUR"]] + [[e] for e in eur])
    assert [row[0] for row in spilled[1:]] == (market * eur).tolist()


def test_the_api_keeps_a_frames_names_and_dates(rng):
    prices, _, eur, gbp = fx_case(rng)
    days = pd.bdate_range("2024-01-01", periods=len(prices))
    frame = pd.DataFrame(prices, columns=["A", "B", "C"], index=days)
    rates = pd.DataFrame({"EUR": eur, "GBP": gbp}, index=days)
    converted = api.prices_in(frame, ["USD", "EUR", "GBP"], rates, "USD")
    expected = pd.DataFrame(by_hand(prices, eur, gbp), columns=["A", "B", "C"], index=days)
    pd.testing.assert_frame_equal(converted.to_frame(), expected)
    assert repr(converted) == "ConvertedPrices(30 rows x 3 assets, from EUR, GBP to USD)"
    with pytest.raises(PortbetaError, match=r"^prices_in: fx_rates is indexed by other dates than prices"):
        api.prices_in(frame, ["USD", "EUR", "GBP"], rates.shift(1, freq="D"), "USD")


@pytest.mark.parametrize(
    "currencies, rates, base, message",
    [
        (["USD", "EUR", "GBP"], [["EUR", "GBP"]], None,
         "USD, a currency of prices, has no column in fx_rates (its codes: EUR, GBP); give base (the portfolio's "
         "currency) if USD is it"),
        (["USD", "EUR", "EURO"], [["EUR", "GBP"]], "USD", "EURO, a currency of prices, has no column in fx_rates"),
        (["USD", "EUR", "GBp"], [["EUR", "GBP"]], "USD",
         "GBp, a currency of prices, has no column in fx_rates (its codes: EUR, GBP): pence or cents?"),
        (["USD", "EUR"], [["EUR", "GBP"]], "USD", "currencies has 2 cells: give one currency code per column of prices (3)"),
        (["USD", None, "GBP"], [["EUR", "GBP"]], "USD", "currencies cell 2 is empty: give each asset's currency code"),
        (["USD", "EUR", "GBP"], [["EUR", "eur"]], "USD", "the header of fx_rates names 'eur' twice"),
        (["USD", "EUR", "GBP"], [[1.1, 1.3]], "USD", "fx_rates needs a header row of currency codes"),
        (["USD", "EUR", "GBP"], [["EUR", "GBP"], [0, 1.3]], "USD",
         "fx_rates row 2, column 1 ('EUR') holds 0: an exchange rate must be positive"),
        (["USD", "EUR", "GBP"], [["EUR", "GBP"], ["1.1", 1.3]], "USD", "fx_rates row 2, column 1 ('EUR')"),
    ],
)  # fmt: skip
def test_a_currency_without_its_rates_is_an_error_naming_it(currencies, rates, base, message):
    """Never an asset left unconverted because its code is misspelt or has no column: only the base needs none."""
    prices = [["A", "B", "C"], [1.0, 2.0, 3.0], [1.5, 2.5, 3.5], [1.2, 2.2, 3.2]]
    rates = rates + [[1.1, 1.3]] * (4 - len(rates))  # the rows below the header or the bad row
    with pytest.raises(PortbetaError) as caught:
        udfs.prices_in(prices, [currencies], rates, base)
    assert str(caught.value).startswith(f"PRICES_IN: {message}"), str(caught.value)


def test_rates_on_other_rows_than_the_prices_are_refused_unless_blank():
    prices = [["A"], [1.0], [1.5], [1.2], [None], [None]]  # selected two rows longer than the data
    rates = [["EUR"], [1.1], [1.2], [1.3]]
    assert udfs.prices_in(prices, "EUR", rates) == [["A"], [1.1], [1.5 * 1.2], [1.2 * 1.3], [None], [None]]
    with pytest.raises(PortbetaError, match=r"^PRICES_IN: fx_rates has 2 rows of rates and prices 5 rows"):
        udfs.prices_in(prices, "EUR", rates[:3])


# --------------------------------------------------------------------- the command line


def wide_by_hand(convert_market=False):
    """wide.csv with KO in euros and XOM in pounds (currencies.csv), times fx.csv's rate of each date."""
    frame = pd.read_csv(DATA / "wide.csv", parse_dates=["Date"], index_col="Date")
    fx = pd.read_csv(DATA / "fx.csv", parse_dates=["Date"], index_col="Date")
    frame["KO"] *= fx["EUR"]
    frame["XOM"] *= fx["GBP"]
    if convert_market:
        frame["SPX"] *= fx["EUR"]
    return frame.dropna()  # 2020-06-30 (no KO price) and 2021-03-31 (no EUR rate)


@pytest.mark.parametrize("convert_market", [False, True])
def test_currencies_and_fx_on_the_command_line_equal_the_hand_converted_prices(convert_market):
    frame = wide_by_hand(convert_market)
    reg, wtd, _, _ = reference(frame[["AAPL", "KO", "XOM"]].to_numpy(), [100, 400, 250], frame["SPX"].to_numpy())
    currencies = "AAPL=USD,KO=eur,XOM=GBP" + (",SPX=EUR" if convert_market else "")
    done = cli("analyze", "wide.csv", "--market", "SPX", "--shares", SHARES_OPTION, "--currencies", currencies,
               "--fx", "fx.csv", "--base", "USD", "--json", cwd=DATA)  # fmt: skip
    said = json.loads(done.stdout)
    assert (said["reg"], said["wtd"]) == (pytest.approx(reg, abs=1e-12), pytest.approx(wtd, abs=1e-12))
    assert said["sample"]["dropped"] == ["2020-06-30", "2021-03-31"]  # the rate before 2021-03-31 is never used
    assert "in USD: KO from EUR, XOM from GBP at fx.csv's rate on each date" in said["assumptions"]["prices"]
    benchmark = "converted from EUR at fx.csv's rates" if convert_market else "in its own currency (not converted"
    assert benchmark in said["assumptions"]["benchmark"]


def test_a_currencies_file_and_every_layout_give_the_same_figures():
    frame = wide_by_hand()
    reg, _, _, _ = reference(frame[["AAPL", "KO", "XOM"]].to_numpy(), [100, 400, 250], frame["SPX"].to_numpy())
    for layout in (["wide.csv", "--market", "SPX"], ["long.csv", "--market", "SPX"],
                   ["yahoo", "--market-file", "market/SPX.csv"]):  # fmt: skip
        done = cli("analyze", *layout, "--shares", SHARES_OPTION, "--currencies", "currencies.csv", "--fx", "fx.csv",
                   "--base", "USD", "--json", cwd=DATA)  # fmt: skip
        assert json.loads(done.stdout)["reg"] == pytest.approx(reg, abs=1e-12), (layout, done.stderr)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--currencies", "AAPL=USD,KO=EUR", "--fx", "fx.csv", "--base", "USD"], "no currency for XOM in --currencies"),
        (["--currencies", "currencies.csv", "--fx", "fx.csv"],
         "usd, a currency of prices, has no column in --fx fx.csv (its codes: EUR, GBP); give base"),
        (["--currencies", "AAPL=USD,KO=EUR,XOM=GBP,SAP=EUR", "--fx", "fx.csv", "--base", "USD"],
         "--currencies names: SAP, not assets of the prices (nor the market SPX)"),
        (["--currencies", "currencies.csv"], "give --currencies (each asset's currency) and --fx (a file of rates) together"),
        (["--base", "USD"], "--base needs --currencies and --fx"),
        (["--currencies", "AAPL=USD,KO=EUR,XOM=GBP", "--fx", "spx.csv", "--base", "USD"],
         "EUR, a currency of prices, has no column in --fx spx.csv (its codes: SPX)"),
    ],
)  # fmt: skip
def test_the_command_lines_currency_errors(args, message):
    done = cli("analyze", "wide.csv", "--market", "SPX", "--shares", SHARES_OPTION, *args, cwd=DATA)
    assert done.returncode == 2 and done.stderr.startswith(f"xl-portbeta analyze: {message}"), done.stderr


def test_an_fx_file_with_a_bad_rate_or_no_dates_is_refused(tmp_path):
    fx = pd.read_csv(DATA / "fx.csv", dtype=str)
    fx.loc[4, "GBP"] = "-1.2"
    fx.to_csv(tmp_path / "bad.csv", index=False)
    fx.drop(columns="Date").to_csv(tmp_path / "undated.csv", index=False)
    base = ("analyze", DATA / "wide.csv", "--market", "SPX", "--shares", "1,2,3", "--currencies", DATA / "currencies.csv",
            "--base", "USD", "--fx")  # fmt: skip
    assert cli(*base, tmp_path / "bad.csv").stderr == (
        "xl-portbeta analyze: bad.csv row 6, column C: the GBP rate on 2019-05-31 is -1.2: a rate must be positive\n"
    )
    assert cli(*base, tmp_path / "undated.csv").stderr.startswith(
        "xl-portbeta analyze: undated.csv: no column named 'Date' for --fx"
    )


def test_book_and_report_take_the_same_currencies(tmp_path):
    frame = wide_by_hand()
    reg, _, _, _ = reference(frame[["AAPL", "KO", "XOM"]].to_numpy(), [100, 400, 250], frame["SPX"].to_numpy())
    fx = ("--currencies", DATA / "currencies.csv", "--fx", DATA / "fx.csv", "--base", "USD", "--json")
    (tmp_path / "accounts.csv").write_text("account,AAPL,KO,XOM\nfund A,100,400,250\n")
    book = cli("book", DATA / "wide.csv", "--market", "SPX", "--holdings", tmp_path / "accounts.csv", *fx)
    assert json.loads(book.stdout)["accounts"][0]["reg"] == pytest.approx(reg, abs=1e-12), book.stderr
    report = cli("report", DATA / "wide.csv", "--market", "SPX", "--shares", SHARES_OPTION, "-o", tmp_path / "r.html",
                 *fx)  # fmt: skip
    assert json.loads(report.stdout)["reg"] == pytest.approx(reg, abs=1e-12), report.stderr
    assert "KO from EUR, XOM from GBP" in (tmp_path / "r.html").read_text(encoding="utf-8")
    demo = cli("report", "--demo", "-o", tmp_path / "d.html", "--fx", DATA / "fx.csv")
    assert demo.returncode == 2 and "--demo takes no --fx" in demo.stderr


def test_codes_under_the_prices_names_meet_their_assets_in_any_order(rng):
    """A row of codes typed in another order than the prices' would convert the wrong asset:
    under a header of names each code meets its asset; a name missing or unknown is an error."""
    prices, _, eur, gbp = fx_case(rng)
    header = [["A", "B", "C"]] + prices.tolist()
    rates = [["EUR", "GBP"]] + np.column_stack([eur, gbp]).tolist()
    spilled = udfs.prices_in(header, [["C", "A", "B"], ["GBP", "USD", "EUR"]], rates, "USD")
    np.testing.assert_array_equal(np.array(spilled[1:], dtype=float), by_hand(prices, eur, gbp))
    series = pd.Series({"C": "GBP", "B": "EUR", "A": "USD"})
    np.testing.assert_array_equal(api.prices_in(header, series, rates, "USD").values, by_hand(prices, eur, gbp))
    for codes, message in (([["C", "A"], ["GBP", "USD"]], "currencies has no code for B"),
                           ([["C", "A", "b"], ["GBP", "USD", "EUR"]], "currencies names b, which prices does not have")):  # fmt: skip
        with pytest.raises(PortbetaError, match=rf"^PRICES_IN: {message}"):
            udfs.prices_in(header, codes, rates, "USD")
    with pytest.raises(PortbetaError, match=r"^PRICES_IN: currencies has two rows: prices need a header of names"):
        udfs.prices_in(header[1:], [["C", "A", "B"], ["GBP", "USD", "EUR"]], rates, "USD")


def test_rates_dated_by_day_meet_prices_taken_at_a_close(tmp_path):
    """Prices stamped 16:00 and rates at midnight of the same days: matched by day, as the same dates."""
    frame = pd.read_csv(DATA / "wide.csv")
    frame["Date"] = frame["Date"] + " 16:00:00"
    frame.to_csv(tmp_path / "closes.csv", index=False)
    args = ("--market", "SPX", "--shares", SHARES_OPTION, "--currencies", DATA / "currencies.csv", "--fx",
            DATA / "fx.csv", "--base", "USD", "--json")  # fmt: skip
    at_close = json.loads(cli("analyze", tmp_path / "closes.csv", *args).stdout)
    assert at_close["reg"] == json.loads(cli("analyze", DATA / "wide.csv", *args).stdout)["reg"]
    assert at_close["sample"]["dropped"] == ["2020-06-30", "2021-03-31"]


def test_several_benchmarks_each_in_its_own_currency_or_converted():
    """Two benchmarks in their files: eqw converted from euros as listed, spx left in its own
    currency; each one's figures equal statsmodels' on the hand-converted common sample."""
    frame = wide_by_hand()
    fx = pd.read_csv(DATA / "fx.csv", parse_dates=["Date"], index_col="Date")
    eqw = pd.read_csv(DATA / "eqw.csv", parse_dates=["Date"], index_col="Date")["EQW"] * fx["EUR"]
    frame = frame.join(eqw.rename("EQW"), how="inner").dropna()
    done = cli("analyze", "long.csv", "--market-file", "spx.csv", "--market-file", "eqw.csv", "--assets", "AAPL,KO,XOM",
               "--shares", SHARES_OPTION, "--currencies", "AAPL=USD,KO=EUR,XOM=GBP,eqw=EUR", "--fx", "fx.csv",
               "--base", "USD", "--json", cwd=DATA)  # fmt: skip
    said = json.loads(done.stdout)
    for each, market in zip(said["benchmarks"], ("SPX", "EQW"), strict=True):
        reg, wtd, _, _ = reference(frame[["AAPL", "KO", "XOM"]].to_numpy(), [100, 400, 250], frame[market].to_numpy())
        assert (each["reg"], each["wtd"]) == (pytest.approx(reg, abs=1e-12), pytest.approx(wtd, abs=1e-12)), market
    assert "spx.csv" in said["benchmarks"][0]["assumptions"]["benchmark"]
    assert "in its own currency" in said["benchmarks"][0]["assumptions"]["benchmark"]
    assert "converted from EUR" in said["benchmarks"][1]["assumptions"]["benchmark"]
