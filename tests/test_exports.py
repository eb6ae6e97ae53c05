"""Issue 21, item 5: exports as they are. A shares range whose header names only some of the
prices' columns (the others held at 0), a broker's positions export read by naming its two
columns, the column each per-ticker file was read at, and --start/--end on a prices file."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import NA_COM, cli, random_market
from references import ols_slope, reference, value_returns

from xl_portbeta import api, udfs
from xl_portbeta.errors import PortbetaError

DATA = Path(__file__).resolve().parent / "data"


# --------------------------------------------------------------------- Excel: a partial shares header


def test_a_shares_header_naming_some_columns_holds_the_others_at_zero(rng):
    """COM-style ranges (tuples, None for a blank): C and A named, B not held; against REG and WTD
    of statsmodels on the value series built by hand with B at 0."""
    prices, market = random_market(rng, 60, 3)
    header = (("A", "B", "C"),) + tuple(map(tuple, prices.tolist()))
    market_cells = (("Index",),) + tuple((m,) for m in market.tolist())
    reg, wtd, _, _ = reference(prices, [20.0, 0.0, 7.0], market)
    shares = (("C", "A"), (7, 20))
    assert udfs.portbeta_reg(header, shares, market_cells) == pytest.approx(reg, abs=1e-12)
    assert udfs.portbeta_wtd(header, shares, market_cells) == pytest.approx(wtd, abs=1e-12)
    detail = {row[0]: row for row in udfs.beta_gap_detail(header, shares, market_cells)}
    assert detail["B"][1] == 0 and detail["C"][1] == 7 and detail["A"][1] == 20
    # a holdings history naming two of three columns: B at 0 on every date
    history = np.column_stack([np.full(60, 7.0), np.linspace(10, 30, 60)])
    history_cells = (("C", "A"),) + tuple(map(tuple, history.tolist()))
    by_hand = value_returns(prices, np.column_stack([history[:, 1], np.zeros(60), history[:, 0]]))
    expected = ols_slope(by_hand, market[1:] / market[:-1] - 1)
    assert udfs.portbeta_reg(header, history_cells, market_cells) == pytest.approx(expected, abs=1e-12)
    # a blank count under a named column is still missing data, never 0
    with pytest.raises(PortbetaError, match=r"^PORTBETA_REG: shares of C is empty or an error"):
        udfs.portbeta_reg(header, (("C", "A"), (None, 20)), market_cells)
    with pytest.raises(PortbetaError, match=r"^PORTBETA_REG: shares of A is empty or an error"):
        udfs.portbeta_reg(header, (("C", "A"), (7, NA_COM)), market_cells)


@pytest.mark.parametrize(
    "shares, named",
    [
        ((("C", "AA"), (7, 20)), "AA"),  # a misspelt ticker
        ((("C", "a"), (7, 20)), "a: prices has A"),  # names are matched exactly, case too
        ((("C", "A", "D"), (7, 20, 1)), "D"),  # as many names as prices, one not in prices
    ],
)
def test_a_shares_name_prices_does_not_have_is_still_an_error_naming_it(rng, shares, named):
    prices, market = random_market(rng, 20, 3)
    header = [["A", "B", "C"]] + prices.tolist()
    with pytest.raises(PortbetaError, match=rf"^PORTBETA_REG: shares has names that prices does not have \({named}\)"):
        udfs.portbeta_reg(header, shares, market.tolist())


def test_a_partial_header_in_the_api_and_a_book_holds_the_others_at_zero(rng):
    prices, market = random_market(rng, 40, 3)
    header = [["A", "B", "C"]] + prices.tolist()
    reg, _, _, _ = reference(prices, [0.0, 5.0, 3.0], market)
    assert api.portfolio_beta(header, [["B", "C"], [5, 3]], market).reg == pytest.approx(reg, abs=1e-12)
    frame = pd.DataFrame(prices, columns=["A", "B", "C"])
    assert api.portfolio_beta(frame, pd.DataFrame([[3, 5]], columns=["C", "B"]), market).reg == pytest.approx(
        reg, abs=1e-12
    )
    book = api.book_betas(header, [["account", "C", "B"], ["x", 3, 5], ["y", 1, 0]], market)
    assert book.reg[0] == pytest.approx(reg, abs=1e-12)
    assert book.reg[1] == pytest.approx(reference(prices, [0.0, 0.0, 1.0], market)[0], abs=1e-12)


def test_a_title_over_a_column_of_counts_is_read_by_position(rng):
    """A column of N counts under a title ('shares') names no asset: read in the prices' order, as before."""
    prices, market = random_market(rng, 20, 3)
    header = [["A", "B", "C"]] + prices.tolist()
    by_position = udfs.portbeta_reg(header, [[1, 2, 3]], market.tolist())
    assert udfs.portbeta_reg(header, [["shares"], [1], [2], [3]], market.tolist()) == by_position


# --------------------------------------------------------------------- --start and --end on a prices file

SHARES = {"AAPL": 100.0, "KO": 400.0, "XOM": 250.0}
SHARES_OPTION = "AAPL=100,KO=400,XOM=250"


def run_json(command, *args, cwd=DATA):
    done = cli(command, *args, "--json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def window_by_hand(start, end):
    """wide.csv's rows from start to end (both included), the dates with a missing price dropped,
    and REG, WTD of statsmodels on the value series built from them."""
    frame = pd.read_csv(DATA / "wide.csv", parse_dates=["Date"]).set_index("Date")
    frame = frame.loc[start:end].dropna()
    reg, wtd, _, _ = reference(frame[list(SHARES)].to_numpy(), list(SHARES.values()), frame["SPX"].to_numpy())
    return frame, reg, wtd


@pytest.mark.parametrize(
    "layout",
    [
        ["wide.csv", "--market", "SPX"],
        ["long.csv", "--market", "SPX"],
        ["yahoo", "--market-file", "market/SPX.csv"],
    ],
)
def test_start_and_end_choose_a_files_dates_in_every_layout(layout):
    frame, reg, wtd = window_by_hand("2019-06-30", "2020-12-31")
    said = run_json("analyze", *layout, "--shares", SHARES_OPTION, "--start", "2019-06-30", "--end", "2020-12-31")
    assert (said["reg"], said["wtd"]) == (pytest.approx(reg, abs=1e-12), pytest.approx(wtd, abs=1e-12))
    assert (said["sample"]["first"], said["sample"]["last"]) == ("2019-07-31", "2020-12-31")
    assert said["sample"]["returns"] == len(frame) - 1


def test_start_and_end_in_book_and_report(tmp_path):
    _, reg, _ = window_by_hand("2020-01-01", "2021-06-30")
    (tmp_path / "accounts.csv").write_text("account,ticker,shares\nfund A,AAPL,100\nfund A,KO,400\nfund A,XOM,250\n")
    book = run_json("book", DATA / "wide.csv", "--market", "SPX", "--holdings", tmp_path / "accounts.csv",
                    "--start", "2020-01-01", "--end", "2021-06-30")  # fmt: skip
    assert book["accounts"][0]["reg"] == pytest.approx(reg, abs=1e-12)
    assert (book["accounts"][0]["first_date"], book["accounts"][0]["last_date"]) == ("2020-01-31", "2021-06-30")
    out = tmp_path / "report.html"
    report = run_json("report", "wide.csv", "--market", "SPX", "--shares", SHARES_OPTION, "-o", out,
                      "--start", "2020-01-01", "--end", "2021-06-30")  # fmt: skip
    assert report["reg"] == pytest.approx(reg, abs=1e-12) and out.exists()
    assert "2020-01-31" in out.read_text(encoding="utf-8")


def test_a_rate_given_before_the_window_is_carried_into_it(tmp_path):
    """A wide file's rf column quoted when it changes: the window's first date, blank, keeps the
    rate given before the window (a rate holds until the next), as the whole file's run does."""
    frame = pd.read_csv(DATA / "wide.csv")
    rates = [0.03 if k == 0 else (0.01 if k == 20 else None) for k in range(len(frame))]
    frame.assign(RF=rates).to_csv(tmp_path / "rf.csv", index=False)
    args = ("rf.csv", "--market", "SPX", "--rf", "RF", "--shares", SHARES_OPTION)
    window = run_json("analyze", *args, "--start", "2019-06-01", "--end", "2020-06-01", cwd=tmp_path)
    frame.assign(RF=[0.03] * len(frame)).to_csv(tmp_path / "flat.csv", index=False)
    flat = run_json("analyze", "flat.csv", *args[1:], "--start", "2019-06-01", "--end", "2020-06-01", cwd=tmp_path)
    assert window["sample"]["dropped"] == [] and window["stats"]["alpha"] == flat["stats"]["alpha"]
    # with a file of dated rates, the rates before the window count no dates dropped
    said = run_json("analyze", "wide.csv", "--market", "SPX", "--rf", "rates.csv", "--shares", SHARES_OPTION,
                    "--start", "2020-02-01")  # fmt: skip
    assert said["assumptions"]["risk_free_rate"].count("dropped") == 0
    assert said["sample"]["first"] == "2020-02-28"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--start", "2030-01-01"], "no prices dates on or after 2030-01-01: wide.csv has 2019-01-31 to 2021-12-31"),
        (["--start", "2021-01-01", "--end", "2020-01-01"], "no prices dates from 2021-01-01 to 2020-01-01"),
        (["--end", "31/12/2020"], "--end '31/12/2020' is not a date by the file's rule"),
    ],
)
def test_an_empty_window_or_a_bad_date_is_refused(args, message):
    done = cli("analyze", "wide.csv", "--market", "SPX", "--shares", SHARES_OPTION, *args, cwd=DATA)
    assert done.returncode == 2 and done.stderr.startswith(f"xl-portbeta analyze: {message}"), done.stderr


def test_a_window_needs_the_files_dates(tmp_path):
    pd.read_csv(DATA / "wide.csv").drop(columns="Date").to_csv(tmp_path / "rows.csv", index=False)
    done = cli("analyze", "rows.csv", "--market", "SPX", "--shares", "1,2,3", "--start", "2020-01-01", cwd=tmp_path)
    assert done.returncode == 2
    assert (
        done.stderr
        == "xl-portbeta analyze: --start and --end need the prices' dates: rows.csv has none (name them with --dates)\n"
    )


# --------------------------------------------------------------------- a broker's positions export


def test_a_brokers_positions_export_is_read_by_naming_its_two_columns():
    """positions.csv as a broker exports it (Symbol, Description, Quantity, Price, Market Value with
    thousands separators that are never read): the same figures as the counts by hand."""
    _, reg, wtd = window_by_hand(None, None)
    for layout in (["wide.csv", "--market", "SPX"], ["long.csv", "--market", "SPX"]):
        said = run_json("analyze", *layout, "--shares", "positions.csv", "--ticker-column", "Symbol",
                        "--shares-column", "Quantity")  # fmt: skip
        assert (said["reg"], said["wtd"]) == (pytest.approx(reg, abs=1e-12), pytest.approx(wtd, abs=1e-12))
        assert {h["name"]: h["shares"] for h in said["holdings"]} == SHARES


def test_a_book_of_broker_exports_names_its_columns_too(tmp_path):
    _, reg, _ = window_by_hand(None, None)
    (tmp_path / "book.csv").write_text(
        "Account,Symbol,Description,Quantity\nfund A,AAPL,APPLE INC,100\nfund A,KO,COCA-COLA,400\n"
        "fund A,XOM,EXXON,250\nfund B,KO,COCA-COLA,10\n"
    )
    book = run_json("book", "wide.csv", "--market", "SPX", "--holdings", tmp_path / "book.csv",
                    "--ticker-column", "Symbol", "--shares-column", "Quantity")  # fmt: skip
    assert book["accounts"][0]["reg"] == pytest.approx(reg, abs=1e-12)
    frame = pd.read_csv(DATA / "wide.csv").dropna()
    ko = reference(frame[["KO"]].to_numpy(), [10.0], frame["SPX"].to_numpy())[0]
    assert book["accounts"][1]["reg"] == pytest.approx(ko, abs=1e-12)


@pytest.mark.parametrize(
    "rows, args, message",
    [
        ("AAPL,x,100\nCash & Sweep,x,5\n", [], "positions.csv: tickers that are not assets of the prices: Cash & Sweep"),
        ("APPL,x,100\n", [], "positions.csv: tickers that are not assets of the prices: APPL"),
        ("AAPL,x,\n", [], "AAPL shares (positions.csv row 2, column C) is empty or an error"),
        ("AAPL,x,100\n", ["--shares-column", "Qty"], "positions.csv: no column 'Qty' for --shares-column (columns: "
                                                     "Symbol, Description, Quantity)"),
    ],
)  # fmt: skip
def test_a_brokers_export_never_holds_a_row_it_cannot_match(tmp_path, rows, args, message):
    """A row that is no asset (a cash line, a misspelt symbol) or a blank quantity stops the run with
    its name: never an asset silently not held."""
    (tmp_path / "positions.csv").write_text("Symbol,Description,Quantity\n" + rows)
    options = args or ["--shares-column", "Quantity"]
    done = cli("analyze", DATA / "wide.csv", "--market", "SPX", "--shares", "positions.csv", "--ticker-column",
               "Symbol", *options, cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2 and done.stderr.startswith(f"xl-portbeta analyze: {message}"), done.stderr


def test_the_shares_column_names_a_files_column_only():
    done = cli("analyze", "wide.csv", "--market", "SPX", "--shares", "1,2,3", "--shares-column", "Quantity", cwd=DATA)
    assert (
        done.stderr
        == "xl-portbeta analyze: --shares-column Quantity names a column of a --shares file: '1,2,3' is none\n"
    )
    # without --shares-column, --ticker-column names the prices' column, as before: a typo is an error
    done = cli("analyze", "long.csv", "--market", "SPX", "--shares", "1,2,3", "--ticker-column", "Tickr", cwd=DATA)
    assert done.stderr.startswith("xl-portbeta analyze: long.csv: no column 'Tickr' for --ticker-column")


# --------------------------------------------------------------------- the column each file was read at


def test_the_json_and_the_text_say_which_column_each_file_used(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for path in (DATA / "yahoo").iterdir():
        text = path.read_text()
        if path.stem in ("KO", "XOM"):  # no Adj Close: their Close is read
            text = text.replace("Adj Close", "Adjusted")
        (folder / path.name).write_text(text)
    args = (folder, "--market-file", DATA / "market" / "SPX.csv", "--shares", SHARES_OPTION)
    said = run_json("analyze", *args)
    assert said["price_columns"] == {"AAPL": "Adj Close", "KO": "Close", "XOM": "Close"}
    assert said["assumptions"]["prices"] == "'Close' of 2 files; 'Adj Close' of AAPL.csv"
    assert "'Close' of 2 files; 'Adj Close' of AAPL.csv" in cli("analyze", *args).stdout
    book = run_json("book", *args[:3], "--holdings", DATA / "accounts.csv")
    assert book["price_columns"] == said["price_columns"]
    out = tmp_path / "report.html"
    assert run_json("report", *args, "-o", out)["price_columns"] == said["price_columns"]
    assert run_json("analyze", "long.csv", "--market", "SPX", "--shares", SHARES_OPTION)["price_columns"] == {
        "AAPL": "price", "KO": "price", "XOM": "price"
    }  # fmt: skip
