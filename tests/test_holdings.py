"""Holdings histories from statements on their own dates and from a ledger of trades
(HOLDINGS_ON, HOLDINGS_FROM_TRADES, their API functions and the command line's files),
each against a history built by hand: a loop over the dates that picks the last statement
on or before each, or adds up the trades dated on or before it."""

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import NA_COM, cli

from xl_portbeta import PortbetaError, api, udfs

DATA = Path(__file__).resolve().parent / "data"
DAYS = list(pd.bdate_range("2024-01-01", periods=12))  # Monday 1 January to Tuesday 16 January


def stated_by_hand(days, statements):
    """Each day's holdings: the counts of the last statement dated on or before it, None before the first."""
    rows = []
    for day in days:
        earlier = [d for d in statements if d <= day]
        rows.append(list(statements[max(earlier)]) if earlier else None)
    return rows


def traded_by_hand(days, trades, names, opening):
    """Each day's holdings: the opening positions plus every trade dated on or before it."""
    rows = []
    for day in days:
        held = dict(zip(names, opening))
        for date, ticker, quantity in trades:
            if date <= day:
                held[ticker] += quantity
        rows.append([held[n] for n in names])
    return rows


def as_rows(frame):
    """A history's rows, None for a row without holdings (all NaN)."""
    return [None if np.isnan(row).all() else list(row) for row in frame.to_numpy()]


# --------------------------------------------------------------------- statements


STATEMENTS = {DAYS[2]: (100, 50), DAYS[6]: (120, 0), DAYS[9]: (80, 70)}


def test_statements_hold_from_their_date_until_the_next():
    frame = api.holdings_on(DAYS, list(STATEMENTS), [["A", "B"], *map(list, STATEMENTS.values())])
    assert list(frame.columns) == ["A", "B"] and list(frame.index) == DAYS
    assert as_rows(frame) == stated_by_hand(DAYS, STATEMENTS)
    assert as_rows(frame)[:2] == [None, None]  # before the first statement: no holdings


def test_statements_in_any_order_and_dates_newest_first():
    order = [DAYS[9], DAYS[2], DAYS[6]]
    frame = api.holdings_on(DAYS[::-1], order, [list(STATEMENTS[d]) for d in order])
    assert isinstance(frame.columns, pd.RangeIndex)  # no names: no header
    assert as_rows(frame) == stated_by_hand(DAYS[::-1], STATEMENTS)


def test_statements_outside_the_dates_span():
    """A statement before the first date holds from it (until the next), one after the last
    date on none; the prices may cover part of the statements' years (--start)."""
    later = {**STATEMENTS, pd.Timestamp("2024-03-01"): (1, 1)}
    frame = api.holdings_on(DAYS[4:], list(later), list(later.values()))
    assert as_rows(frame) == stated_by_hand(DAYS[4:], later) and as_rows(frame)[0] == [100, 50]
    saturday = dt.datetime(2024, 1, 6)  # inside the span: refused
    with pytest.raises(PortbetaError, match=r"statement_dates row 1 is 2024-01-06, not one of the prices' dates"):
        api.holdings_on(DAYS[4:], [saturday], [[1, 2]])


def test_a_statement_on_a_day_without_prices_is_refused_with_its_date():
    saturday = dt.datetime(2024, 1, 6)
    with pytest.raises(
        PortbetaError, match=r"^holdings_on: statement_dates row 3 is 2024-01-06, not one of the prices'"
    ):
        api.holdings_on(DAYS, [["Date"], [DAYS[2]], [saturday]], [[1, 2], [3, 4]])
    with pytest.raises(PortbetaError, match=r"statement_dates row 2 is 2024-01-03, as statement_dates row 1 is"):
        api.holdings_on(DAYS, [DAYS[2], DAYS[2]], [[1, 2], [3, 4]])
    with pytest.raises(
        PortbetaError, match=r"statement_dates row 2 is empty or an error: each statement needs its date"
    ):
        api.holdings_on(DAYS, [DAYS[2], None], [[1, 2], [3, 4]])


def test_statements_selected_longer_than_the_data():
    """Rows blank in both ranges at the bottom are no statements."""
    frame = api.holdings_on(DAYS, [[DAYS[2]], [DAYS[6]], [None], [None]], [[1, 2], [3, 4], [None, None], ["", ""]])
    assert as_rows(frame) == stated_by_hand(DAYS, {DAYS[2]: (1, 2), DAYS[6]: (3, 4)})


def test_a_shares_frame_on_its_own_dates_is_statements(rng):
    """From Python, shares indexed by some of the prices' dates read as statements: the same
    figures as the hand-built history, whose first two dates (no statement yet) are dropped."""
    from conftest import random_market

    prices, market = random_market(rng, len(DAYS), 2)
    index = pd.DatetimeIndex(DAYS)
    prices, market = pd.DataFrame(prices, index=index, columns=["A", "B"]), pd.Series(market, index=index)
    statements = pd.DataFrame(list(STATEMENTS.values()), index=list(STATEMENTS), columns=["A", "B"])
    hand = np.array([[math.nan] * 2 if r is None else r for r in stated_by_hand(DAYS, STATEMENTS)], dtype=float)
    result = api.portfolio_beta(prices, statements, market)
    expected = api.portfolio_beta(prices, pd.DataFrame(hand, index=index, columns=["A", "B"]), market)
    assert (result.reg, result.wtd, result.gap) == (expected.reg, expected.wtd, expected.gap)
    assert result.sample.dropped_why == (("blanks in the holdings history", 2),)
    kept = slice(2, None)  # the same as leaving those dates out
    assert result.reg == pytest.approx(api.portfolio_beta(prices[kept], hand[kept], market[kept]).reg, abs=1e-14)
    moved = statements.set_axis([DAYS[2], dt.datetime(2024, 1, 6), DAYS[9]])
    with pytest.raises(PortbetaError, match=r"shares' index \(row 2\) is 2024-01-06, not one of the prices' dates"):
        api.portfolio_beta(prices, moved, market)


# --------------------------------------------------------------------- trades


SATURDAY = dt.datetime(2024, 1, 6)
TRADES = [  # (date, ticker, quantity): one before the first date, one on a Saturday, one after the last date
    (dt.datetime(2023, 12, 29), "B", 10),
    (DAYS[1], "A", 100),
    (DAYS[1], "A", -30),  # two trades of A on one day
    (SATURDAY, "C", 25),
    (DAYS[7], "B", -10),
    (DAYS[7], "A", 5),
    (dt.datetime(2024, 2, 1), "A", 1000),
]


def ledger(trades=TRADES):
    return [[d] for d, _, _ in trades], [[t] for _, t, _ in trades], [[q] for _, _, q in trades]


def test_trades_add_up_from_their_date():
    dates, tickers, quantities = ledger()
    frame = api.holdings_from_trades(DAYS, dates, tickers, quantities, ["C", "A", "B"], [[1, 2, 3]])
    assert list(frame.columns) == ["C", "A", "B"]
    assert as_rows(frame) == traded_by_hand(DAYS, TRADES, ["C", "A", "B"], [1, 2, 3])
    assert frame.loc["2024-01-05", "C"] == 1 and frame.loc["2024-01-08", "C"] == 26  # Saturday's: from Monday


def test_trades_without_names_take_the_order_of_first_appearance():
    dates, tickers, quantities = ledger()
    frame = api.holdings_from_trades(DAYS, dates, tickers, quantities)
    assert list(frame.columns) == ["B", "A", "C"]
    assert as_rows(frame) == traded_by_hand(DAYS, TRADES, ["B", "A", "C"], [0, 0, 0])
    # without opening positions the dates before the first trade hold nothing: missing
    later = TRADES[1:]
    frame = api.holdings_from_trades(DAYS, *ledger(later))
    assert as_rows(frame)[:1] == [None]
    assert as_rows(frame)[1:] == traded_by_hand(DAYS, later, ["A", "C", "B"], [0, 0, 0])[1:]


def test_opening_with_its_own_header_is_matched_by_name():
    dates, tickers, quantities = ledger()
    frame = api.holdings_from_trades(DAYS, dates, tickers, quantities, None, [["C", "D"], [7, 9]])
    assert list(frame.columns) == ["C", "D", "B", "A"]
    assert as_rows(frame) == traded_by_hand(DAYS, TRADES, ["C", "D", "B", "A"], [7, 9, 0, 0])
    named = api.holdings_from_trades(DAYS, dates, tickers, quantities, ["A", "B", "C"], [["C"], [7]])
    assert as_rows(named) == traded_by_hand(DAYS, TRADES, ["A", "B", "C"], [0, 0, 7])


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d, t, q: (d, t, [[None]] + q[1:]), r"quantities row 1 \('B', 2023-12-29\) is empty or an error: a trade"),
        (lambda d, t, q: (d, t, [[NA_COM]] + q[1:]), r"quantities row 1 \('B', 2023-12-29\) is empty or an error"),
        (lambda d, t, q: (d, [[None]] + t[1:], q), r"tickers row 1 is empty or an error: trade 1 needs its ticker"),
        (lambda d, t, q: ([[None]] + d[1:], t, q), r"trade_dates row 1 is empty or an error: trade 1 needs its date"),
        (lambda d, t, q: (d, [[True]] + t[1:], q), r"tickers row 1 holds True, not a ticker: give it as text"),
        (lambda d, t, q: (d, [[1.5]] + t[1:], q), r"tickers row 1 holds 1.5, not a ticker: give it as text"),
        (lambda d, t, q: (d, t, q[:-2]), r"quantities has 5 rows but"),
    ],
)  # fmt: skip
def test_a_trade_missing_a_part_is_refused_naming_its_row(change, message):
    with pytest.raises(PortbetaError, match=message):
        api.holdings_from_trades(DAYS, *change(*ledger()))


def test_names_and_opening_must_fit_the_trades():
    dates, tickers, quantities = ledger()
    with pytest.raises(PortbetaError, match=r"tickers holds 'C', not one of names \(A, B\)"):
        api.holdings_from_trades(DAYS, dates, tickers, quantities, [["A", "B"]])
    with pytest.raises(PortbetaError, match=r"opening has no names: give names"):
        api.holdings_from_trades(DAYS, dates, tickers, quantities, None, [[1, 2, 3]])
    with pytest.raises(PortbetaError, match=r"opening has 2 counts for 3 names"):
        api.holdings_from_trades(DAYS, dates, tickers, quantities, ["A", "B", "C"], [[1, 2]])
    with pytest.raises(PortbetaError, match=r"opening item 2 is empty or an error: enter 0"):
        api.holdings_from_trades(DAYS, dates, tickers, quantities, ["A", "B", "C"], [[1, None, 3]])
    with pytest.raises(PortbetaError, match=r"names names 'A' twice"):
        api.holdings_from_trades(DAYS, dates, tickers, quantities, ["A", "B", "A"])


# --------------------------------------------------------------------- Excel: COM and Office.js


def test_com_ranges_with_headers_and_a_longer_selection():
    """Classic COM: tuples of rows, datetimes, None for blanks; header rows on every range,
    and the ledger selected longer than its rows."""
    dates = (("Date",), *((d.to_pydatetime(),) for d in DAYS))
    trade_rows = [(d, t, q) for d, t, q in TRADES]
    trade_dates = (("Trade date",), *((d,) for d, _, _ in trade_rows), (None,), (None,))
    tickers = (("Ticker",), *((t,) for _, t, _ in trade_rows), (None,), (None,))
    quantities = (("Qty",), *((q,) for _, _, q in trade_rows), (None,), (None,))
    got = udfs.holdings_from_trades(dates, trade_dates, tickers, quantities, (("A", "B", "C"),))
    assert got[0] == ["A", "B", "C"]
    assert got[1:] == traded_by_hand(DAYS, TRADES, ["A", "B", "C"], [0, 0, 0])
    got = udfs.holdings_on(dates, (("Statement",), *((d,) for d in STATEMENTS)), (("A", "B"), *STATEMENTS.values()))
    assert got[0] == ["A", "B"]
    assert got[1:] == [r if r is not None else [None, None] for r in stated_by_hand(DAYS, STATEMENTS)]


def test_the_spilled_history_is_the_shares_of_portbeta_reg(rng):
    """HOLDINGS_ON's spill, header row included, passed to PORTBETA_REG as shares: the
    same beta as the hand-built history, whose rows before the first statement are blank."""
    from conftest import random_market

    prices, market = random_market(rng, len(DAYS), 2)
    dates = [[d.to_pydatetime()] for d in DAYS]
    price_rows = [["A", "B"], *prices.tolist()]
    spill = udfs.holdings_on(dates, [[d] for d in STATEMENTS], [["B", "A"], *[[b, a] for a, b in STATEMENTS.values()]])
    assert spill[0] == ["B", "A"]
    reg = udfs.portbeta_reg(price_rows, spill, [[m] for m in market], dates)
    hand = stated_by_hand(DAYS, STATEMENTS)
    keep = [k for k, row in enumerate(hand) if row is not None]
    expected = api.portfolio_beta(prices[keep], np.array([hand[k] for k in keep]), market[keep])
    assert reg == pytest.approx(expected.reg, abs=1e-14)


def test_errors_are_named_after_the_excel_function():
    with pytest.raises(PortbetaError, match=r"^HOLDINGS_ON: statement_dates row 1 is 2024-01-06, not one of"):
        udfs.holdings_on([[d] for d in DAYS], [[SATURDAY]], [[1, 2]])
    with pytest.raises(PortbetaError, match=r"^HOLDINGS_FROM_TRADES: tickers holds 'C', not one of names"):
        udfs.holdings_from_trades([[d] for d in DAYS], *ledger(), [["A", "B"]])


# --------------------------------------------------------------------- the command line


def frame_of(name):
    return pd.read_csv(DATA / name, parse_dates=[0])


def wide_prices():
    return pd.read_csv(DATA / "wide.csv", index_col="Date", parse_dates=True)


def figures_of_history(history):
    """The API's figures of wide.csv's prices with a hand-built history (NaN: no holdings)."""
    wide = wide_prices()
    return api.portfolio_beta(wide[["AAPL", "KO", "XOM"]], history, wide["SPX"])


def run_json(*args):
    run = cli("analyze", DATA / "wide.csv", "--market", "SPX", *args, "--json")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize("name", ["statements.csv", "statements_long.csv"])
def test_statement_files_equal_the_hand_built_history(name):
    wide = wide_prices()
    statements = frame_of("statements.csv").set_index("Date")
    by_date = {d: tuple(row) for d, row in zip(statements.index, statements.to_numpy().tolist())}
    hand = stated_by_hand(list(wide.index), by_date)
    history = np.array([[math.nan] * 3 if r is None else r for r in hand], dtype=float)
    expected = figures_of_history(history)
    out = run_json("--shares", DATA / name)
    assert (out["reg"], out["wtd"]) == (pytest.approx(expected.reg, abs=1e-12), pytest.approx(expected.wtd, abs=1e-12))
    assert (
        "the 2 prices dates before the first (2019-03-29): no holdings, outside the sample"
        in (out["assumptions"]["holdings"])
    )


def test_trades_file_equals_the_hand_built_history():
    wide = wide_prices()
    trades = frame_of("trades.csv")
    rows = [(d, t.upper(), q) for d, t, q in trades.itertuples(index=False)]
    days = list(wide.index)
    hand = traded_by_hand(days, rows, ["AAPL", "KO", "XOM"], [0, 0, 0])
    history = np.array(hand, dtype=float)
    history[np.array(days) < min(d for d, _, _ in rows)] = math.nan  # before the first trade: nothing held
    expected = figures_of_history(history)
    out = run_json("--trades", DATA / "trades.csv")
    assert (out["reg"], out["wtd"]) == (pytest.approx(expected.reg, abs=1e-12), pytest.approx(expected.wtd, abs=1e-12))
    assert "6 trades from trades.csv" in out["assumptions"]["holdings"]
    opening = traded_by_hand(days, rows, ["AAPL", "KO", "XOM"], [100, 0, 250])  # holdings.csv: AAPL 100, XOM 250
    expected = figures_of_history(np.array(opening, dtype=float))
    out = run_json("--trades", DATA / "trades.csv", "--shares", DATA / "holdings.csv")
    assert out["reg"] == pytest.approx(expected.reg, abs=1e-12)


def test_command_line_refuses_a_statement_on_a_day_without_prices(tmp_path):
    (tmp_path / "s.csv").write_text("Date,AAPL,KO,XOM\n2019-03-29,1,2,3\n2019-03-30,1,2,3\n")
    run = cli("analyze", DATA / "wide.csv", "--market", "SPX", "--shares", tmp_path / "s.csv")
    assert run.returncode == 2
    assert run.stderr == (
        "xl-portbeta analyze: s.csv row 3, column A is 2019-03-30, not one of the prices' dates: date each statement "
        "on a date of the prices (a statement on a day without prices: the last date before it)\n"
    )
    (tmp_path / "t.csv").write_text("date,ticker,quantity\n2019-03-29,AAPL,\n")
    run = cli("analyze", DATA / "wide.csv", "--market", "SPX", "--trades", tmp_path / "t.csv")
    assert run.returncode == 2 and "AAPL quantity on 2019-03-29 (t.csv row 2, column C) is empty" in run.stderr
    (tmp_path / "u.csv").write_text("date,ticker,quantity\n2019-03-29,TSLA,5\n")
    run = cli("analyze", DATA / "wide.csv", "--market", "SPX", "--trades", tmp_path / "u.csv")
    assert run.returncode == 2 and "tickers that are not assets of the prices: TSLA" in run.stderr


def test_tickers_typed_as_numbers_and_a_ledger_of_no_trades():
    """A ticker typed as a number (600519, as Excel keeps it) is the name '600519'; pandas
    Series are read by their values (a Series' name is its header); with no trades the
    opening positions are held on every date."""
    frame = api.holdings_from_trades(
        pd.Series(DAYS), pd.Series([DAYS[1], DAYS[3]]), pd.Series([600519, "0700"], name="Ticker"), [3, 4]
    )
    assert list(frame.columns) == ["600519", "0700"]
    assert as_rows(frame) == [None] + traded_by_hand(DAYS[1:], [(DAYS[1], "600519", 3), (DAYS[3], "0700", 4)],
                                                     ["600519", "0700"], [0, 0])  # fmt: skip
    held = api.holdings_from_trades(DAYS, [[None]], [[None]], [[None]], ["A", "B"], [[5, 6]])
    assert as_rows(held) == [[5, 6]] * len(DAYS)
    with pytest.raises(PortbetaError, match="hold no trade"):
        api.holdings_from_trades(DAYS, [[None]], [[None]], [[None]])


def test_trades_outside_the_prices_dates_are_said(tmp_path):
    """A trade before the first prices date is held from it; one after the last is in no
    row; the assumptions block counts both (figures: the hand-built history's)."""
    rows = [(pd.Timestamp("2018-12-14"), "AAPL", 100), (pd.Timestamp("2019-05-31"), "KO", 50),
            (pd.Timestamp("2022-01-07"), "KO", 999)]  # fmt: skip
    (tmp_path / "t.csv").write_text("date,ticker,quantity\n" + "".join(f"{d:%Y-%m-%d},{t},{q}\n" for d, t, q in rows))
    out = run_json("--trades", tmp_path / "t.csv")
    assert out["assumptions"]["holdings"].endswith(
        "3 trades from t.csv, 2018-12-14 to 2022-01-07; 1 trade before the first prices date, held from it; "
        "1 trade after the last prices date, in no row"
    )
    days = list(wide_prices().index)
    expected = figures_of_history(np.array(traded_by_hand(days, rows, ["AAPL", "KO", "XOM"], [0, 0, 0]), dtype=float))
    assert out["reg"] == pytest.approx(expected.reg, abs=1e-12)


def test_command_line_refuses_a_blank_or_repeated_count_in_long_statements(tmp_path):
    (tmp_path / "s.csv").write_text("date,ticker,shares\n2019-03-29,AAPL,100\n2019-03-29,ko,\n")
    run = cli("analyze", DATA / "wide.csv", "--market", "SPX", "--shares", tmp_path / "s.csv")
    assert run.returncode == 2
    assert run.stderr == (
        "xl-portbeta analyze: KO shares on 2019-03-29 (s.csv row 3, column C) is empty or an error: enter 0 for an "
        "asset not held\n"
    )
    (tmp_path / "t.csv").write_text("date,ticker,shares\n2019-03-29,AAPL,100\n2019-03-29,aapl,5\n")
    run = cli("analyze", DATA / "wide.csv", "--market", "SPX", "--shares", tmp_path / "t.csv")
    assert run.stderr == "xl-portbeta analyze: t.csv row 3, column B: AAPL on 2019-03-29 is there twice\n"


# --------------------------------------------------------------------- a book of accounts with trades


def test_a_book_of_histories_equals_the_book_of_fixed_counts(rng):
    """book_betas with each account's holdings as a history (a dict) gives what the book's
    own vectorized figures give for fixed counts (a history that never changes), with holes
    in the prices that put accounts on different dates."""
    from conftest import random_market

    prices, market = random_market(rng, 120, 4)
    prices[[10, 50], 1] = np.nan
    prices[70, 3] = np.nan
    counts = np.array([[10, 0, 5, 0], [0, 7, 1, 0], [3, 3, 3, 3], [0, 0, 0, 0], [1, -1, 4, 0]], dtype=float)
    accounts = [f"client {k}" for k in range(len(counts))]
    fixed = api.book_betas(prices, pd.DataFrame(counts, index=accounts), market, cap=1.0)
    histories = {a: np.tile(row, (len(prices), 1)) for a, row in zip(accounts, counts)}
    traded = api.book_betas(prices, histories, market, cap=1.0)
    assert traded.accounts == fixed.accounts and list(traded.observations) == list(fixed.observations)
    assert (traded.first_date, traded.last_date, traded.as_of) == (fixed.first_date, fixed.last_date, fixed.as_of)
    assert traded.cap_breach == fixed.cap_breach
    for field in ("value", "reg", "wtd", "gap", "gap_se", "gap_t", "r_squared", "reg_p_above_cap", "wtd_p_above_cap"):
        np.testing.assert_allclose(getattr(traded, field), getattr(fixed, field), rtol=0, atol=1e-12, err_msg=field)
    assert [bool(n) for n in traded.notes] == [bool(n) for n in fixed.notes] == [False, False, False, True, False]


def test_book_trades_file_gives_each_account_its_own_history():
    """book --trades: each account's row equals analyze's on its own hand-built history
    (fund A: trades.csv's trades; with --holdings, accounts.csv's counts as opening positions)."""
    wide = wide_prices()
    days = list(wide.index)
    ledger = pd.read_csv(DATA / "account_trades.csv", parse_dates=["date"])
    for opening_file, opening in (
        (None, {}),
        (DATA / "accounts.csv", {"fund A": [100, 0, 250], "fund B": [0, 400, 0]}),
    ):
        extra = ("--holdings", opening_file) if opening_file else ()
        run = cli(
            "book", DATA / "wide.csv", "--market", "SPX", "--trades", DATA / "account_trades.csv", *extra, "--json"
        )
        assert run.returncode == 0, run.stderr
        rows = {r["account"]: r for r in json.loads(run.stdout)["accounts"]}
        assert list(rows) == ["fund A", "fund B"]
        for account, mine in ledger.groupby("account"):
            trades = [(d, t.upper(), q) for d, t, q in mine[["date", "ticker", "quantity"]].itertuples(index=False)]
            start = opening.get(account, [0, 0, 0])
            history = np.array(traded_by_hand(days, trades, ["AAPL", "KO", "XOM"], start), dtype=float)
            if not any(start):
                history[np.array(days) < min(d for d, _, _ in trades)] = math.nan
            expected = figures_of_history(history)
            assert rows[account]["reg"] == pytest.approx(expected.reg, abs=1e-12), account
            assert rows[account]["wtd"] == pytest.approx(expected.wtd, abs=1e-12), account
            assert rows[account]["observations"] == expected.sample.n_returns
    run = cli("book", DATA / "wide.csv", "--market", "SPX", "--trades", DATA / "trades.csv")
    assert run.returncode == 2 and "book --trades needs an account column" in run.stderr


def test_a_logical_among_tickers_typed_as_numbers_is_no_ticker():
    """Tickers are read once per distinct cell: TRUE (equal to 1 in Python) is still no ticker."""
    with pytest.raises(PortbetaError, match=r"tickers row 2 holds True, not a ticker"):
        api.holdings_from_trades(DAYS, [DAYS[1], DAYS[2]], [1, True], [5, 5])
    assert list(api.holdings_from_trades(DAYS, [DAYS[1], DAYS[2]], [1, 1.0], [5, 5]).columns) == ["1"]


def test_a_book_of_histories_with_two_benchmarks_is_a_book_per_benchmark(rng):
    from conftest import random_market

    prices, market = random_market(rng, 60, 3)
    second = market * np.exp(np.cumsum(rng.normal(0, 0.004, len(market))))
    histories = {"a": np.tile([5.0, 0, 2], (60, 1)), "b": np.vstack([np.tile([1.0, 1, 1], (30, 1)),
                                                                     np.tile([0.0, 4, 1], (30, 1))])}  # fmt: skip
    markets = pd.DataFrame({"SPX": market, "AGG": second})
    both = api.book_betas(prices, histories, markets)
    assert isinstance(both, api.ByBenchmark) and both.benchmarks == ("SPX", "AGG")
    for name, alone in (("SPX", market), ("AGG", second)):
        single = api.book_betas(prices, histories, alone)
        np.testing.assert_allclose(both[name].reg, single.reg, rtol=0, atol=1e-12)
        np.testing.assert_allclose(both[name].gap_se, single.gap_se, rtol=0, atol=1e-12)
        expected = [api.portfolio_beta(prices, h, alone).reg for h in histories.values()]
        np.testing.assert_allclose(single.reg, expected, rtol=0, atol=1e-12)


def test_report_from_trades_states_them(tmp_path):
    """xl-portbeta report --trades: analyze's figures of the same history, and the page
    says where the history came from."""
    out = tmp_path / "r.html"
    run = cli("report", DATA / "wide.csv", "--market", "SPX", "--trades", DATA / "trades.csv", "-o", out, "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["reg"] == run_json("--trades", DATA / "trades.csv")["reg"]
    assert "6 trades from trades.csv, 2019-02-28 to 2021-02-27" in out.read_text(encoding="utf-8")
    run = cli("report", "--demo", "--trades", DATA / "trades.csv", "-o", out)
    assert run.returncode == 2 and "--demo takes no prices file, no --shares and no --trades" in run.stderr


HOSTILE = [None, "", "x", " ", float("nan"), 1e400, -1, 0, True, [], [[]], [[None]], [[1, 2], [3]], {"a": 1},
           {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}, NA_COM, [["#N/A"]], object(),
           np.array([]), pd.Series(dtype=float), pd.DataFrame()]  # fmt: skip


@pytest.mark.parametrize("function, arguments", [
    (api.holdings_on, dict(dates=DAYS, statement_dates=[DAYS[2]], statements=[[1, 2]])),
    (api.holdings_from_trades, dict(dates=DAYS, trade_dates=[DAYS[2]], tickers=["A"], quantities=[1], names=["A"],
                                    opening=[[1]])),
])  # fmt: skip
def test_hostile_values_give_a_result_or_a_named_error(function, arguments):
    """Each argument replaced by odd values: a history, or a PortbetaError naming the
    function, never another exception."""
    for name in arguments:
        for value in HOSTILE:
            try:
                frame = function(**{**arguments, name: value})
            except PortbetaError as error:
                assert str(error).startswith(f"{function.__name__}: "), (name, value, error)
            else:
                assert isinstance(frame, pd.DataFrame), (name, value)
                assert name == "dates" or len(frame) == len(DAYS), (name, value)
