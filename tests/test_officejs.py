"""The UDFs through xlwings' own Office.js code: what xlwings Lite and Server run.

Payloads are shaped as Excel sends them: lists of lists, "" or None for empty cells,
error objects for #N/A, serial numbers for dates, a flat list for a single-row range
(xlwings' ``to_scalar`` unwraps it) and a scalar for a single cell.

These tests need xlwings' Office.js code, which lives in its PRO folder: free under the
PolyForm Noncommercial license with the key ``noncommercial``. ``.ci/run`` sets
``XLWINGS_LICENSE_KEY=noncommercial``; without a key they skip (see conftest.py).
"""

import asyncio
import datetime as dt
import math
import os

import numpy as np
import pytest
from conftest import BONDS, FIRST_OPTIONALS, SIGNATURES, random_market

pytestmark = [
    pytest.mark.officejs,
    pytest.mark.skipif(
        os.environ.get("XLWINGS_ON_SERVER") != "true",
        reason="xlwings' Office.js path needs XLWINGS_LICENSE_KEY (e.g. 'noncommercial', PolyForm Noncommercial)",
    ),
]

NA = {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}
EXCEL_EPOCH = dt.date(1899, 12, 30)


@pytest.fixture(scope="module")
def server():
    import xlwings
    import xlwings.server

    from xl_portbeta import udfs

    assert hasattr(udfs.portbeta_reg, "__xlfunc__"), "xlwings did not use its Office.js decorators"
    loop = asyncio.new_event_loop()

    def call(func_name, *args):
        data = {
            "func_name": func_name,
            "args": list(args),
            "version": xlwings.__version__,
            "client": "Office.js",
            "runtime": "1.4",
        }
        return loop.run_until_complete(xlwings.server.custom_functions_call(data, udfs))

    call.meta = xlwings.server.custom_functions_meta(udfs)
    yield call
    loop.close()


def excel_range(values):
    """A value or list of rows as Excel's Office.js sends it before xlwings unwraps it."""
    return [list(row) for row in values]


def column(values):
    return [[v] for v in values]


def serial(day):
    return float((day - EXCEL_EPOCH).days)


BOND_PRICES = [["Bond A", "Bond B"]] + [[a, b] for a, b in zip(BONDS["bond_a"], BONDS["bond_b"])]
BOND_MARKET = column(["S&P"] + BONDS["market"])
BOND_SHARES = [["Bond A", "Bond B"], BONDS["shares"]]
BOND_DATES = column(["Date"] + [serial(dt.date(2024, 1, 1) + dt.timedelta(days=k)) for k in range(11)])


def test_meta_lists_every_function_with_its_argument_help(server):
    functions = {f["name"]: f for f in server.meta["functions"]}
    assert set(functions) == set(SIGNATURES)
    expected = SIGNATURES
    for name, params in expected.items():
        function = functions[name]
        assert [p["name"] for p in function["parameters"]] == params
        required = FIRST_OPTIONALS[name]
        assert all(p.get("optional") for p in function["parameters"][required:])
        assert not any(p.get("optional") for p in function["parameters"][:required])
        assert "Positional argument" not in str(function["parameters"]), "every argument has its own help"
        assert len(function["description"]) > 30
    assert "OLS" in functions["PORTBETA_REG"]["description"]
    assert "weight" in functions["PORTBETA_WTD"]["parameters"][6]["description"]


def test_bond_example_through_officejs(server):
    from xl_portbeta import portfolio_beta

    expected = portfolio_beta(np.column_stack([BONDS["bond_a"], BONDS["bond_b"]]), BONDS["shares"], BONDS["market"])
    assert server("portbeta_reg", BOND_PRICES, BOND_SHARES, BOND_MARKET) == [[expected.reg]]
    assert server("portbeta_wtd", BOND_PRICES, BOND_SHARES, BOND_MARKET) == [[expected.wtd]]
    assert server("beta_gap", BOND_PRICES, BOND_SHARES, BOND_MARKET) == [[expected.gap]]
    assert server("asset_betas", BOND_PRICES, BOND_MARKET) == [list(expected.asset_betas)]


def test_single_row_shares_arrive_flat_and_still_work(server):
    """Excel sends [[25000, 65000]]; xlwings unwraps it to [25000, 65000]."""
    flat = server("portbeta_reg", BOND_PRICES, [BONDS["shares"]], BOND_MARKET)
    with_header = server("portbeta_reg", BOND_PRICES, BOND_SHARES, BOND_MARKET)
    assert flat == with_header


def test_omitted_and_empty_optional_arguments_take_the_defaults(server):
    plain = server("portbeta_wtd", BOND_PRICES, BOND_SHARES, BOND_MARKET)
    # Excel sends null for an omitted argument and [[""]] or [[null]] for an empty cell.
    assert server("portbeta_wtd", BOND_PRICES, BOND_SHARES, BOND_MARKET, None, None, None, None) == plain
    assert server("portbeta_wtd", BOND_PRICES, BOND_SHARES, BOND_MARKET, [[""]], [[""]], [[""]], [[""]]) == plain
    assert (
        server("portbeta_wtd", BOND_PRICES, BOND_SHARES, BOND_MARKET, [[None]], [[None]], [[None]], [[None]]) == plain
    )


def test_serial_dates_frequency_rf_and_as_of(server):
    from xl_portbeta import portfolio_beta

    days = [dt.date(2024, 1, 1) + dt.timedelta(days=k) for k in range(11)]
    expected = portfolio_beta(
        np.column_stack([BONDS["bond_a"], BONDS["bond_b"]]), BONDS["shares"], BONDS["market"],
        np.array(days, dtype="datetime64[D]"), rf=0.03, as_of=dt.datetime(2024, 1, 6),
    )  # fmt: skip
    got = server(
        "portbeta_wtd", BOND_PRICES, BOND_SHARES, BOND_MARKET, BOND_DATES, [["daily"]], [[0.03]], [[serial(days[5])]]
    )
    assert got == [[expected.wtd]]
    assert expected.sample.as_of == dt.datetime(2024, 1, 6)


def test_blanks_and_error_cells_drop_dates_in_every_encoding(server):
    from xl_portbeta import portfolio_beta

    keep = [r for r in range(11) if r not in (2, 5, 7)]
    expected = portfolio_beta(
        np.column_stack([BONDS["bond_a"], BONDS["bond_b"]])[keep], BONDS["shares"], np.array(BONDS["market"])[keep]
    )
    prices = [list(r) for r in BOND_PRICES]
    prices[3][0] = ""  # an empty cell (Office.js)
    prices[6][1] = NA  # #N/A as an error object
    market = [list(r) for r in BOND_MARKET]
    market[8][0] = "#DIV/0!"  # an error as text, as older runtimes send it
    assert server("portbeta_reg", prices, BOND_SHARES, market) == [[expected.reg]]
    market[8][0] = None
    assert server("portbeta_reg", prices, BOND_SHARES, market) == [[expected.reg]]


class FakeJsNull:
    """Stands in for Pyodide's ``JsNull`` (Pyodide >= 0.28, xlwings Lite): not None, not ""."""

    def __repr__(self):
        return "jsnull"


def test_pyodide_jsnull_type_is_found_when_pyodide_is_there(monkeypatch):
    import sys
    import types

    from xl_portbeta import inputs

    assert inputs._pyodide_jsnull_type() is None  # CPython: no pyodide
    ffi = types.ModuleType("pyodide.ffi")
    ffi.JsNull = FakeJsNull
    monkeypatch.setitem(sys.modules, "pyodide", types.ModuleType("pyodide"))
    monkeypatch.setitem(sys.modules, "pyodide.ffi", ffi)
    assert inputs._pyodide_jsnull_type() is FakeJsNull


def test_xlwings_lite_blanks_jsnull_inside_ranges_are_missing(server, monkeypatch):
    """Excel sends the empty cells of a range argument as JS null: in Pyodide >= 0.28 a
    JsNull object that xlwings' raw converter passes on as it is (only a whole argument
    that is one empty cell becomes None)."""
    from xl_portbeta import inputs

    monkeypatch.setattr(inputs, "_JSNULL_TYPE", FakeJsNull)
    jsnull = FakeJsNull()
    prices = [list(r) for r in BOND_PRICES]
    prices[3][0] = None
    prices[6][1] = None
    market = [list(r) for r in BOND_MARKET]
    market[8][0] = None
    expected = server("portbeta_reg", prices, BOND_SHARES, market)
    prices[3][0] = prices[6][1] = market[8][0] = jsnull
    assert server("portbeta_reg", prices, BOND_SHARES, market) == expected
    dates = [list(r) for r in BOND_DATES]
    dates[4][0] = jsnull  # a date missing: a clear error, as for None
    with pytest.raises(Exception, match="dates row 5 is empty"):
        server("portbeta_reg", prices, BOND_SHARES, market, dates)


def test_single_asset_and_single_cell_shares(server):
    """One asset: prices a column, shares one cell (arrives as a scalar)."""
    from xl_portbeta import portfolio_beta

    prices = column(BONDS["bond_a"])
    expected = portfolio_beta(np.array(BONDS["bond_a"]), [7], BONDS["market"])
    assert server("portbeta_reg", prices, [[7]], column(BONDS["market"])) == [[expected.reg]]
    assert expected.reg == pytest.approx(expected.wtd, abs=1e-14)  # one asset: no drift


def test_errors_reach_excel_as_xlwings_errors_with_the_excel_name(server):
    import xlwings

    prices = [list(r) for r in BOND_PRICES]
    prices[16 - 14][1] = "n/a"
    with pytest.raises(
        xlwings.XlwingsError, match=r"^PORTBETA_REG: prices row 3, column 2 \('Bond B'\) holds text 'n/a'"
    ):
        server("portbeta_reg", prices, BOND_SHARES, BOND_MARKET)
    with pytest.raises(xlwings.XlwingsError, match=r"^BETA_GAP: as_of row 99 is outside"):
        server("beta_gap", BOND_PRICES, BOND_SHARES, BOND_MARKET, None, None, None, [[99]])
    with pytest.raises(xlwings.XlwingsError, match=r"^ASSET_BETAS: frequency 'hourly' is unknown"):
        server("asset_betas", BOND_PRICES, BOND_MARKET, BOND_DATES, [["hourly"]])


def test_large_range_with_holes_never_returns_nan(server, rng):
    prices, market = random_market(rng, 300, 8)
    payload = [[f"A{i}" for i in range(8)]] + prices.tolist()
    for r, c in rng.integers(1, 300, (15, 2)):
        payload[r][c % 8] = ""
    got = server("asset_betas", payload, column(market.tolist()))
    assert len(got) == 1 and len(got[0]) == 8
    assert all(isinstance(v, float) and math.isfinite(v) for v in got[0])


def no_error_cells(table):
    return all(not isinstance(v, dict) for row in table for v in row)


def test_labelled_tables_spill_with_text_numbers_and_dates(server):
    from xl_portbeta import api

    stats = server("portbeta_stats", BOND_PRICES, BOND_SHARES, BOND_MARKET, BOND_DATES)
    assert stats[0] == ["statistic", "actual holdings", "current weights", "difference", "note"]
    rows = {r[0]: r for r in stats}
    expected = api.portfolio_stats(
        np.column_stack([BONDS["bond_a"], BONDS["bond_b"]]), BONDS["shares"], BONDS["market"]
    )
    assert rows["beta"][1] == expected.actual.fit.beta
    assert rows["beta"][2] == expected.current.fit.beta
    assert rows["first date used"][1] == BOND_DATES[1][0]  # back as a serial date
    assert no_error_cells(stats), "a NaN would reach Excel as #NUM!"
    # fewer than 3 periods in a regime: an empty cell ("" in Office.js), not #NUM!
    short_market = column(["m", 100, 101, 102, 101.5, 103, 104, 105, 106.5, 107, 108, 109])
    short = {r[0]: r for r in server("portbeta_stats", BOND_PRICES, BOND_SHARES, short_market)}
    assert short["down-market beta"][1] == ""
    detail = server("beta_gap_detail", BOND_PRICES, BOND_SHARES, BOND_MARKET)
    assert [r[0] for r in detail] == ["holding", "Bond A", "Bond B", "total"]
    assert detail[-1][7] == pytest.approx(expected.result.gap, abs=1e-15)
    assert detail[-1][1] == "" and no_error_cells(detail)
    rolling = server("portbeta_rolling", BOND_PRICES, BOND_SHARES, BOND_MARKET, [[4]], BOND_DATES)
    assert rolling[0] == ["date", "REG", "WTD", "GAP"] and len(rolling) == 1 + 10 - 4 + 1
    assert rolling[-1][0] == BOND_DATES[-1][0] and no_error_cells(rolling)


def test_book_through_officejs_with_account_names_and_blanks(server):
    """A book as a sheet holds it: header of tickers, a column of account names, null blanks."""
    from xl_portbeta import api

    holed = [list(r) for r in BOND_PRICES]
    holed[4][0] = None  # Bond A misses a price: only the accounts holding it drop the date
    holdings = [["account", "Bond B", "Bond A"], ["both", 65000, 25000], ["only B", 10, 0], ["none", 0, 0]]
    table = server("portbeta_book", holed, holdings, BOND_MARKET, BOND_DATES)
    assert table[0][0] == "account" and [r[0] for r in table[1:]] == ["both", "only B", "none"]
    prices = np.column_stack([BONDS["bond_a"], BONDS["bond_b"]]).astype(float)
    prices[3, 0] = np.nan
    for row, shares in ((table[1], [25000, 65000]), (table[2], [0, 10])):
        expected = api.portfolio_beta(prices, shares, BONDS["market"])
        assert row[2:5] == pytest.approx([expected.reg, expected.wtd, expected.gap], abs=1e-12)
        assert row[8] == expected.sample.n_returns
    assert table[1][8] == 9 and table[2][8] == 10  # "only B" keeps the date Bond A misses
    assert table[3][-1] == "holds nothing" and table[3][2] == ""  # empty cells, never #NUM!
    assert no_error_cells(table)


def test_asset_betas_rolling_through_officejs(server):
    from xl_portbeta import api

    table = server("asset_betas_rolling", BOND_PRICES, BOND_MARKET, [[4]], BOND_DATES)
    assert table[0] == ["date", "Bond A", "Bond B"] and len(table) == 1 + 10 - 4 + 1
    assert table[-1][0] == BOND_DATES[-1][0]  # a serial date, as Excel shows dates
    prices = np.column_stack([BONDS["bond_a"], BONDS["bond_b"]])[-5:]
    last, _ = api.asset_betas(prices, BONDS["market"][-5:])
    assert table[-1][1:] == pytest.approx(list(last), abs=1e-12)
    assert no_error_cells(table)


def officejs_write(table, date_format=None):
    """What xlwings' Office.js return converter (per cell: ``prepare_xl_data_element``)
    makes of a returned table, with or without Excel's date format."""
    from xlwings import conversion

    return conversion.write(table, None, {"date_format": date_format, "runtime": "1.4"}, engine_name="officejs")


def test_rolling_tables_hand_the_return_converter_its_fast_cell_types(rng):
    """Rolling tables are the large ones (every window end): their figures are numpy
    floats, for which xlwings' Office.js converter has a shorter branch than for Python
    floats (bench/NOTES.md), their dates datetimes, their blanks None. Excel receives
    what the plain table of Python floats would give it: serial dates (or xlwings'
    FormattedNumber with a date format), "" for blanks, the same floats."""
    from xl_portbeta import api, sheet

    prices, market = random_market(rng, 40, 3)
    market[10:17] = market[10]  # a flat stretch: windows inside it have no beta (blank cells)
    dates = [dt.datetime(2024, 1, 1) + dt.timedelta(days=k) for k in range(40)]
    shares = [10.0, -5.0, 20.0]
    tables = {
        "portbeta_rolling": sheet.rolling_table(api.rolling_portfolio_beta(prices, shares, market, 5, dates)),
        "asset_betas_rolling": sheet.asset_rolling_table(api.rolling_asset_betas(prices, market, 5, dates)),
        "rolling without dates": sheet.rolling_table(api.rolling_portfolio_beta(prices, shares, market, 5)),
    }
    for name, table in tables.items():
        body = [row[1:] for row in table[1:]]
        assert any(v is None for row in body for v in row), name  # the flat windows
        assert all(v is None or type(v) is np.float64 for row in body for v in row), name
        first = {type(row[0]) for row in table[1:]}
        assert first == ({int} if name == "rolling without dates" else {dt.datetime}), name
        plain = [table[0]] + [[row[0], *[None if v is None else float(v) for v in row[1:]]] for row in table[1:]]
        for date_format in (None, "yyyy-mm-dd"):
            sent = officejs_write(table, date_format)
            assert sent == officejs_write(plain, date_format), name
            assert {type(v) for row in sent[1:] for v in row[1:]} <= {float, str}, name  # "" for blanks
            assert all(type(v) is float for row in sent[1:] for v in row[1:] if v != ""), name
    sent = officejs_write(tables["portbeta_rolling"])
    assert sent[1][0] == serial(dt.date(2024, 1, 6))  # the first window's end, as a serial date
    assert officejs_write(tables["portbeta_rolling"], "yyyy-mm-dd")[1][0] == {
        "type": "FormattedNumber", "basicValue": serial(dt.date(2024, 1, 6)), "numberFormat": "yyyy-mm-dd"}  # fmt: skip


def test_asset_stats_through_officejs(server):
    from xl_portbeta import api

    table = server("asset_stats", BOND_PRICES, BOND_MARKET, BOND_DATES)
    assert table[0] == ["statistic", "Bond A", "Bond B", "note"]
    rows = {r[0]: r for r in table}
    expected = api.asset_stats(np.column_stack([BONDS["bond_a"], BONDS["bond_b"]]), BONDS["market"])
    assert rows["beta"][1:3] == pytest.approx(list(expected.beta), abs=1e-15)
    assert rows["Vasicek-adjusted beta"][1:3] == pytest.approx(list(expected.vasicek_beta), abs=1e-15)
    assert rows["Dimson beta"][1:3] == pytest.approx(list(expected.dimson_beta), abs=1e-15)
    assert rows["Scholes-Williams beta"][1:3] == pytest.approx(list(expected.scholes_williams_beta), abs=1e-15)
    assert no_error_cells(table)
    # a blank price drops its date for every asset, as ASSET_BETAS does
    holed = [list(r) for r in BOND_PRICES]
    holed[4][1] = None
    prices = np.column_stack([BONDS["bond_a"], BONDS["bond_b"]]).astype(float)
    keep = np.arange(len(prices)) != 3
    again = {r[0]: r for r in server("asset_stats", holed, BOND_MARKET, BOND_DATES)}
    assert again["beta"][1:3] == pytest.approx(
        list(api.asset_stats(prices[keep], np.array(BONDS["market"])[keep]).beta), abs=1e-15
    )
    # one asset: Vasicek has no cross-section, an empty cell ("" in Office.js), not #NUM!
    single = {r[0]: r for r in server("asset_stats", [r[:1] for r in BOND_PRICES], BOND_MARKET)}
    assert single["Vasicek-adjusted beta"][1] == ""


# --------------------------------------------------------------------------- issue 20: hostile cells


def test_tickers_typed_as_numbers_are_a_header_of_prices_and_market(server):
    """Tickers typed in Excel as numbers (600519; 858 for 000858, whose zeros Excel drops)
    arrive as numbers in the header rows of prices and market: they are names, unlike every
    price below them, never a first row of prices. A first row of whole-number prices like
    the rows below stays data."""
    named = server("portbeta_reg", BOND_PRICES, BOND_SHARES, BOND_MARKET)
    prices = [[600519, 858]] + BOND_PRICES[1:]
    market = [[399300]] + BOND_MARKET[1:]
    assert server("portbeta_reg", prices, [BONDS["shares"]], market) == named
    detail = server("beta_gap_detail", prices, [BONDS["shares"]], market)
    assert [row[0] for row in detail[1:3]] == ["600519", "858"]
    floats = [[600519.0, 858.0]] + BOND_PRICES[1:]  # as COM and some builds send them
    assert server("portbeta_reg", floats, [BONDS["shares"]], [[399300.0]] + BOND_MARKET[1:]) == named
    # no header: the whole-number prices of the first row (100, 98) are like the rows below
    assert server("portbeta_reg", BOND_PRICES[1:], [BONDS["shares"]], BOND_MARKET[1:]) == named


def test_whole_numbers_that_could_be_tickers_or_prices_are_an_error_that_says_what_to_do(server):
    """600519 is unlike every price below it, 100 like the one below it: either a header
    or a row of data would be a guess. The message names the cell and both fixes."""
    prices = [[600519, 100]] + BOND_PRICES[1:]
    with pytest.raises(Exception, match=r"^PORTBETA_REG: prices row 1 holds whole numbers \(600519 over 100.*"
                       r"Type tickers as text \('600519\), or put a header row of names above the data"):  # fmt: skip
        server("portbeta_reg", prices, [BONDS["shares"]], BOND_MARKET[1:])
    with pytest.raises(Exception, match=r"^PORTBETA_REG: market row 1 holds whole numbers \(1 over 1000"):
        # 1 (000001 typed as a number) is not like the level below it (1000), nor unlike every
        # level of the column (1.2 is within 50% of it): unclear
        server("portbeta_reg", BOND_PRICES, BOND_SHARES, [[1]] + [[1000]] + [[1.2]] + BOND_MARKET[3:])


def test_tickers_spelling_nan_inf_or_infinity_are_names(server):
    """Text "NAN", "INF", "Infinity" reads as a number in Python (float("inf")), never in
    Excel: in a header row they are tickers, and in a data cell text, not a number."""
    named = server("portbeta_reg", BOND_PRICES, BOND_SHARES, BOND_MARKET)
    prices = [["NAN", "INF"]] + BOND_PRICES[1:]
    market = [["Infinity"]] + BOND_MARKET[1:]
    assert server("portbeta_reg", prices, [["NAN", "INF"], BONDS["shares"]], market) == named
    assert [row[0] for row in server("beta_gap_detail", prices, [BONDS["shares"]], market)[1:3]] == ["NAN", "INF"]
    holed = [list(row) for row in BOND_PRICES]
    holed[3][1] = "inf"
    with pytest.raises(
        Exception, match=r"^PORTBETA_REG: prices row 4, column 2 \('Bond B'.*holds text 'inf', not a price"
    ):
        server("portbeta_reg", holed, BOND_SHARES, BOND_MARKET)


def _business_day_serials(n, offset=0):
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=k) for k in range(int(n * 1.5))]
    return [serial(d) - offset for d in days if d.weekday() < 5][:n]


def test_dates_of_a_workbook_on_the_1904_date_system_are_refused_with_the_fix(server, rng):
    """A workbook on the 1904 date system sends its date cells through Office.js as
    serials 1,462 days lower (its day 0 is 1904-01-01, the 1900 system's 1462; xlwings
    passes the number on, and nothing in the call says which system the workbook uses).
    Read in the 1900 system, trading days Monday to Friday fall on Tuesday to Saturday:
    weekly or monthly sampling would take the wrong days. Refused, with the fix, which
    gives the 1900 system's numbers."""
    prices, market = random_market(rng, 60, 2)
    sheet_prices = [["A", "B"]] + prices.tolist()
    sheet_market = column(["M"] + market.tolist())
    dates_1900 = column(["Date"] + _business_day_serials(60))
    dates_1904 = column(["Date"] + _business_day_serials(60, offset=1462))
    expected = server("portbeta_reg", sheet_prices, [[10, 20]], sheet_market, dates_1900, "weekly")
    with pytest.raises(
        Exception, match=r"^PORTBETA_REG: dates fall on Tuesdays to Saturdays.*1904 date system.*\+1462"
    ):
        server("portbeta_reg", sheet_prices, [[10, 20]], sheet_market, dates_1904, "weekly")
    fixed = column(["Date"] + [row[0] + 1462 for row in dates_1904[1:]])  # the advice: =A2:A61+1462
    assert server("portbeta_reg", sheet_prices, [[10, 20]], sheet_market, fixed, "weekly") == expected
    # without evidence in the weekdays (weekly dates on one day) nothing can tell: read as the 1900 system
    weekly = column(["Date"] + [serial(dt.date(2024, 1, 6)) + 7 * k - 1462 for k in range(60)])
    assert np.isfinite(server("portbeta_reg", sheet_prices, [[10, 20]], sheet_market, weekly)[0][0])


def test_excels_fictitious_1900_02_29_is_refused_and_earlier_serials_read_as_excel_means(server):
    """Excel's 1900 date system counts 1900 as a leap year: serial 60 is 1900-02-29, a day
    that never was, and serials 1 to 59 are one day later than days since 1899-12-30."""
    from xl_portbeta import api

    dates = column(["Date"] + [50.0 + k for k in range(11)])  # 1900-02-19 to 1900-03-01, through serial 60
    with pytest.raises(Exception, match=r"^PORTBETA_REG: dates row 12 holds 60.*1900-02-29: a day that never was"):
        server("portbeta_reg", BOND_PRICES, BOND_SHARES, BOND_MARKET, dates)
    early = [50.0 + k for k in range(10)] + [61.0]  # 60 left out: the 10 days to 1900-02-28, then 1900-03-01
    stats = api.portfolio_stats(BOND_PRICES, BOND_SHARES, BOND_MARKET, column(["Date"] + early))
    assert stats.result.sample.labels[0] == dt.datetime(1900, 2, 19)  # Excel's DATE(1900,2,19) is 50
    assert stats.result.sample.labels[-1] == dt.datetime(1900, 3, 1)  # and DATE(1900,3,1) is 61
    assert stats.result.sample.labels[-2] == dt.datetime(1900, 2, 28)  # 59


def test_an_alpha_that_compounds_beyond_float_range_is_an_empty_cell_not_an_overflow(server, rng):
    """PORTBETA_STATS annualizes alpha as (1 + alpha)^252 - 1: a holding gaining 2,000%
    a day overflows Python's float power (OverflowError); the annualized figures beyond
    float range are empty cells (#NUM! has no better meaning), the rest as usual."""
    import statsmodels.api as sm

    steps = 20.0 + rng.normal(0, 0.5, 40)
    prices = np.cumprod(np.r_[1.0, steps])
    market = 100 * np.cumprod(np.r_[1.0, 1 + rng.normal(0, 0.01, 40)])
    table = server("portbeta_stats", column(["A"] + prices.tolist()), [[1]], column(["M"] + market.tolist()))
    rows = {row[0]: row for row in table}
    fit = sm.OLS(prices[1:] / prices[:-1] - 1, sm.add_constant(market[1:] / market[:-1] - 1)).fit()
    assert rows["alpha per period"][1] == pytest.approx(fit.params[0], rel=1e-10)
    assert rows["beta"][1] == pytest.approx(fit.params[1], rel=1e-9, abs=1e-9)
    assert rows["alpha annualized"][1:3] == ["", ""]  # Office.js: None is an empty cell


def test_beta_gap_detail_rows_do_not_move_with_a_constant_rf(server, rng):
    """BETA_GAP_DETAIL through Office.js: with trades (a holdings history) the weights
    drift, and each holding's drift, interaction and contribution are computed on its own
    return, so rf = 5% leaves every row as rf = 0 gives it (issue 20), and the total row's
    contribution is still BETA_GAP."""
    prices, market = random_market(rng, 80, 3)
    holdings = np.tile([10.0, 20.0, 30.0], (80, 1))
    holdings[30:, 0] = 40.0
    holdings[55:, 2] = 5.0
    args = ([["A", "B", "C"]] + prices.tolist(), [["A", "B", "C"]] + holdings.tolist(), column(["M"] + market.tolist()))
    plain = server("beta_gap_detail", *args)
    with_rf = server("beta_gap_detail", *args, None, None, 0.05)
    assert plain[0] == with_rf[0] and [row[0] for row in plain] == [row[0] for row in with_rf]
    header = plain[0]
    for part in ("drift part", "interaction part", "contribution"):
        k = header.index(part)
        np.testing.assert_allclose([row[k] for row in with_rf[1:]], [row[k] for row in plain[1:]], rtol=0, atol=1e-13)
    k = header.index("contribution")
    gap = server("beta_gap", *args, None, None, 0.05)[0][0]
    assert with_rf[-1][k] == pytest.approx(gap, abs=1e-14)
    assert max(abs(row[header.index("drift part")]) for row in plain[1:-1]) > 1e-3  # the weights do drift


@pytest.mark.parametrize("ids", [[1001.0, 1002.0], ["1001", "1002"]], ids=["numbers", "text"])
def test_book_with_account_ids_that_are_numbers(server, ids):
    """Account ids typed as numbers (or numeric text) under a header row are the accounts' names:
    the add-in's advice went in a circle (issue 20: 'without names' for numbers, 'a number stored
    as text' for text)."""
    from xl_portbeta import api

    holdings = [["account", "Bond B", "Bond A"], [ids[0], 65000, 25000], [ids[1], 10, 0]]
    table = server("portbeta_book", BOND_PRICES, holdings, BOND_MARKET, BOND_DATES)
    assert [r[0] for r in table[1:]] == ["1001", "1002"]
    prices = np.column_stack([BONDS["bond_a"], BONDS["bond_b"]]).astype(float)
    expected = api.portfolio_beta(prices, [25000, 65000], BONDS["market"])
    assert table[1][2:5] == pytest.approx([expected.reg, expected.wtd, expected.gap], abs=1e-12)
    no_header = [r[:] for r in holdings[1:]]
    if isinstance(ids[0], str):  # typed as text, they are names without a header too
        assert [r[0] for r in server("portbeta_book", BOND_PRICES, no_header, BOND_MARKET, BOND_DATES)[1:]] == [
            "1001",
            "1002",
        ]
    else:  # numbers without a header may be a count too many: the advice says how to name them
        with pytest.raises(Exception, match=r"account ids that are numbers \(1001\) need a header row above them"):
            server("portbeta_book", BOND_PRICES, no_header, BOND_MARKET, BOND_DATES)


def test_blank_rates_carry_forward_in_time_and_error_cells_stay_missing(server):
    """Issue 21, item 3, as Excel sends it: blanks ("" and None) after a rate carry it
    forward, #N/A is missing data; the rows newest first, so carrying follows the dates."""
    from test_rates import ERROR, SHARES, T, expected, rate_cells

    prices, market = random_market(np.random.default_rng(21), T, 3)
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=k) for k in range(T)]  # every day: daily by spacing
    cells = rate_cells()
    reg, wtd, dropped, _ = expected(prices, market, cells, periods_per_year=252)
    sent = [NA if c == ERROR else ("" if k % 2 else None) if c is None else c for k, c in enumerate(cells)]
    newest = slice(None, None, -1)
    args = (
        [["A", "B", "C"]] + prices[newest].tolist(),
        [["A", "B", "C"], SHARES],
        column(["M"] + market[newest].tolist()),
        column(["Date"] + [serial(d) for d in days[newest]]),
        None,
        column(["RF"] + sent[newest]),
    )
    assert server("portbeta_reg", *args) == [[pytest.approx(reg, abs=1e-12)]]
    assert server("portbeta_wtd", *args) == [[pytest.approx(wtd, abs=1e-12)]]
    notes = {row[0]: row[-1] for row in server("portbeta_stats", *args)}
    note = notes["dates dropped for missing data"]
    assert f"{dropped} for missing rf" in note and "rf carried forward on 41 of the 45 periods" in note


def test_xlwings_lite_jsnull_blanks_found_by_identity(monkeypatch):
    """Lite's blanks (one ``jsnull`` object) are found as that object, like Office.js' "",
    without the per-cell type pass; the classifier still decides that they are blanks."""
    from xl_portbeta import inputs

    jsnull = FakeJsNull()
    monkeypatch.setattr(inputs, "_JSNULL_TYPE", FakeJsNull)
    monkeypatch.setattr(inputs, "_BLANK_OBJECTS", ("", jsnull))
    rows = [[1.5, jsnull, 2.0], [jsnull, 3.0, ""], [4.0, 5.0, 6.0]]
    expected = inputs._cells_one_by_one(rows, "prices", "a price", 1)

    def no_type_pass(flat, rows):
        raise AssertionError("the type pass ran")

    monkeypatch.setattr(inputs, "_other_cells_as_nan", no_type_pass)
    np.testing.assert_array_equal(inputs._plain_numbers(rows), expected)
    monkeypatch.setattr(inputs, "_JSNULL_TYPE", None)  # the classifier no longer calls it a blank
    with pytest.raises(AssertionError, match="type pass"):
        inputs._plain_numbers(rows)


def test_rolling_tables_skip_the_per_cell_converter_and_excel_gets_the_same_cells(rng, monkeypatch):
    """Issue 23: PORTBETA_ROLLING and ASSET_BETAS_ROLLING hand xlwings their cells made at
    once (``udfs.WholeTable``, ``sheet.officejs_cells``), not through its converter called
    per cell. What custom_functions_call returns must be what that converter makes of the
    same table: serial dates or FormattedNumber (runtime 1.4 with a date format; not 1.2),
    dates with a time of day, row numbers, "" for blanks, the header through xlwings' own
    function (a name starting with "#" is looked up as an error text)."""
    import xlwings
    import xlwings.server

    from xl_portbeta import api, sheet, udfs

    made = []
    cells = sheet.officejs_cells
    monkeypatch.setattr(sheet, "officejs_cells", lambda *a: made.append(1) or cells(*a))
    prices, market = random_market(rng, 40, 3)
    market[10:17] = market[10]  # windows with no beta: blank cells
    times = [[dt.datetime(2024, 1, 1, 9, 30, 15, 123456) + dt.timedelta(days=k, hours=k)] for k in range(40)]
    day_serials = [[serial(dt.date(2024, 1, 1) + dt.timedelta(days=k))] for k in range(40)]
    shares = [[10.0, -5.0, 20.0]]
    named = [["Alpha", "#1 Fund", "Gamma"], *prices.tolist()]
    calls = {
        "portbeta_rolling": (named, shares, market[:, None].tolist(), [[5]], day_serials),
        "asset_betas_rolling": (named, market[:, None].tolist(), [[5]], day_serials),
        "rolling without dates": (prices.tolist(), shares, market[:, None].tolist(), [[5]]),
    }
    loop = asyncio.new_event_loop()
    try:
        for runtime, date_format in (("1.4", None), ("1.4", "yyyy-mm-dd"), ("1.2", "yyyy-mm-dd")):
            for name, args in calls.items():
                func = name if name in ("portbeta_rolling", "asset_betas_rolling") else "portbeta_rolling"
                data = {"func_name": func, "args": list(args), "version": xlwings.__version__, "client": "Office.js",
                        "runtime": runtime, "date_format": date_format}  # fmt: skip
                sent = loop.run_until_complete(xlwings.server.custom_functions_call(data, udfs))
                table = getattr(udfs, func)(*args)  # the same table, as a Python call returns it
                expected = xlwings.conversion.write(
                    [list(row) for row in table], None, {"date_format": date_format, "runtime": runtime},
                    engine_name="officejs",
                )  # fmt: skip
                assert sent == expected, (name, runtime, date_format)
                assert any(v == "" for row in sent[1:] for v in row[1:]), name
                if name == "asset_betas_rolling":  # the header of asset names, through xlwings' own cell function
                    assert sent[0][1:] == ["Alpha", "#1 Fund", "Gamma"]
        # dates with a time of day, through the function's table
        rolling = api.rolling_portfolio_beta(prices, shares[0], market, 5, [t[0] for t in times])
        table = sheet.rolling_table(rolling)
        for date_format in (None, "yyyy-mm-dd hh:mm"):
            assert sheet.officejs_cells(
                table, date_format, "1.4", lambda v: xlwings.engines["officejs"].impl.prepare_xl_data_element(v, {})
            ) == officejs_write([list(row) for row in table], date_format)
    finally:
        loop.close()
    assert len(made) == 3 * 3 + 2
    # another table (none is returned today) still gets xlwings' cells, one by one
    assert udfs.WholeTable.write_value([[None, np.float64(1.5), "x"]], {"runtime": "1.4"}) == [["", 1.5, "x"]]
    sent_header = officejs_write([list(r) for r in table])[0]
    assert sent_header == ["date", "REG", "WTD", "GAP"]


def test_holdings_from_statements_and_trades_through_officejs(server):
    """HOLDINGS_ON and HOLDINGS_FROM_TRADES with Excel's payloads: serial dates, header rows,
    a ledger selected longer than its rows (null and "" below it), an error object; each
    spill equals the history built by hand, and the spill fed back as shares gives REG."""
    from test_holdings import DAYS, STATEMENTS, TRADES, stated_by_hand, traded_by_hand

    from xl_portbeta import api

    dates = column(["Date"] + [serial(d.date()) for d in DAYS])
    trade_dates = column(["Date"] + [serial(d.date()) for d, _, _ in TRADES] + [None, ""])
    tickers = column(["Ticker"] + [t for _, t, _ in TRADES] + [None, ""])
    quantities = column(["Qty"] + [q for _, _, q in TRADES] + [None, ""])
    got = server("holdings_from_trades", dates, trade_dates, tickers, quantities, [["A", "B", "C"]], [[1, 2, 3]])
    assert got == [["A", "B", "C"], *traded_by_hand(DAYS, TRADES, ["A", "B", "C"], [1, 2, 3])]
    got = server("holdings_from_trades", dates, trade_dates, tickers, quantities, None, None)
    assert got[0] == ["B", "A", "C"]  # names left out: the tickers as they first appear
    statements = [["A", "B"], *map(list, STATEMENTS.values())]
    spill = server("holdings_on", dates, column(["Date"] + [serial(d.date()) for d in STATEMENTS]), statements)
    hand = stated_by_hand(DAYS, STATEMENTS)
    # xlwings sends an empty cell as "": blank to PORTBETA_* (the dates before the first statement)
    assert spill == [["A", "B"], *(r if r is not None else ["", ""] for r in hand)]
    broken = [quantities[0], [NA], *quantities[2:]]
    with pytest.raises(Exception, match=r"HOLDINGS_FROM_TRADES: quantities row 2 \('B', 2023-12-29\) is empty"):
        server("holdings_from_trades", dates, trade_dates, tickers, broken, None, None)
    prices, market = random_market(np.random.default_rng(21), len(DAYS), 2)
    reg = server("portbeta_reg", [["A", "B"], *prices.tolist()], spill, column(["M", *market]), dates)
    keep = [k for k, row in enumerate(hand) if row is not None]
    expected = api.portfolio_beta(prices[keep], np.array([hand[k] for k in keep]), market[keep])
    assert reg == [[pytest.approx(expected.reg, abs=1e-14)]]


def test_a_beta_cap_through_officejs(server, rng):
    """PORTBETA_STATS' and PORTBETA_BOOK's last argument, cap, as Excel sends it: a number
    cell, an empty cell, a percent typed as text (an error naming the function and cap).
    The p-values against scipy's t on statsmodels' OLS of returns built by hand."""
    import xlwings
    from references import excess, statsmodels_fit, value_returns
    from scipy import stats as scipy_stats

    prices, market = random_market(rng, 120, 3)
    header = [["A", "B", "C"]] + prices.tolist()
    holdings = [["account", "A", "B", "C"], ["x", 100, 50, 10], ["y", 0, 80, 300]]
    dates = column(["Date"] + [serial(dt.date(2024, 1, 1) + dt.timedelta(days=k)) for k in range(120)])
    m, n = excess(market), len(market) - 1
    cap = 0.9
    stats = {r[0]: r for r in server("portbeta_stats", header, [[100, 50, 10]], column(market), None, None, None,
                                     None, [[cap]])}  # fmt: skip
    book = server("portbeta_book", header, holdings, column(market), dates, None, None, None, [[cap]])
    column_of = {h: j for j, h in enumerate(book[0])}
    for shares, row in (([100, 50, 10], book[1]), ([0, 80, 300], book[2])):
        actual = statsmodels_fit(value_returns(prices, shares), m)
        value = np.array(shares, float) * prices[-1]
        current = statsmodels_fit(excess(prices) @ (value / value.sum()), m)
        want = [scipy_stats.t.sf((f.params[1] - cap) / f.bse[1], n - 2) for f in (actual, current)]
        got = [row[column_of["REG p above cap"]], row[column_of["WTD p above cap"]]]
        assert got == pytest.approx(want, rel=1e-8)
        if shares[0] == 100:
            assert stats["p-value, beta above the cap"][1:3] == pytest.approx(want, rel=1e-8)
        assert row[column_of["first date used"]] == dates[1][0] and row[column_of["weights as of"]] == dates[-1][0]
        assert row[column_of["periods per year"]] == 252 and row[-1] == ""
    assert stats["beta cap"][1] == cap and stats["beta vs the cap at 95%"][3] == ""
    assert book[0][-6:] == ["REG p above cap", "WTD p above cap", "REG vs cap at 95%", "WTD vs cap at 95%",
                            "cap breached by", "note"]  # fmt: skip
    assert no_error_cells(book) and no_error_cells(list(stats.values()))
    plain = server("portbeta_stats", header, [[100, 50, 10]], column(market))
    assert server("portbeta_stats", header, [[100, 50, 10]], column(market), None, None, None, None, [[""]]) == plain
    assert server("portbeta_stats", header, [[100, 50, 10]], column(market), None, None, None, None, None) == plain
    for name, args in (("PORTBETA_STATS", (header, [[100, 50, 10]])), ("PORTBETA_BOOK", (header, holdings))):
        with pytest.raises(xlwings.XlwingsError, match=rf"^{name}: cap holds text '120%', a number stored as text"):
            server(name.lower(), *args, column(market), None, None, None, None, [["120%"]])


def test_a_shares_header_naming_some_columns_holds_the_others_at_zero_through_officejs(server):
    """Issue 21 item 5: prices of three bonds, shares naming two of them (in another order):
    the third held at 0, as the hand-built value series of the two says; a misspelt name is an error."""
    from references import reference

    third = [100.0 + k for k in range(11)]
    prices = [["Bond A", "Bond B", "Bond C"]] + [[a, b, c] for a, b, c in
                                                 zip(BONDS["bond_a"], BONDS["bond_b"], third)]  # fmt: skip
    reg, wtd, _, _ = reference(
        np.column_stack([BONDS["bond_a"], BONDS["bond_b"], third]), [*BONDS["shares"], 0.0], BONDS["market"]
    )
    shares = [["Bond B", "Bond A"], [BONDS["shares"][1], BONDS["shares"][0]]]
    assert server("portbeta_reg", prices, shares, BOND_MARKET) == [[pytest.approx(reg, abs=1e-12)]]
    assert server("portbeta_wtd", prices, shares, BOND_MARKET) == [[pytest.approx(wtd, abs=1e-12)]]
    with pytest.raises(Exception, match=r"shares has names that prices does not have \(Bond D\)"):
        server("portbeta_reg", prices, [["Bond B", "Bond D"], [1, 2]], BOND_MARKET)


def test_prices_in_through_officejs_feeds_portbeta(server):
    """Issue 21 item 4: PRICES_IN as Excel's Office.js calls it (codes in a flat row, a blank rate
    as "" and an #N/A object): each price times its row's rate, the header kept, an empty cell
    where the rate is missing; its spill fed to PORTBETA_REG drops those dates, as by hand."""
    from references import reference

    eur = [1.10, 1.11, "", 1.09, 1.12, 1.1, NA, 1.13, 1.12, 1.14, 1.15]
    fx = [["EUR"]] + [[r] for r in eur]
    spilled = server("prices_in", BOND_PRICES, ["USD", "eur"], fx, "USD")
    assert spilled[0] == ["Bond A", "Bond B"] and len(spilled) == 12
    keep = [k for k in range(11) if k not in (2, 6)]
    for k in range(11):
        expected_b = BONDS["bond_b"][k] * eur[k] if k in keep else ""
        assert spilled[1 + k] == [BONDS["bond_a"][k], expected_b], k
    a, b = np.array(BONDS["bond_a"], float)[keep], np.array(BONDS["bond_b"], float)[keep]
    reg, _, _, _ = reference(np.column_stack([a, b * np.array(eur, dtype=object)[keep].astype(float)]),
                             BONDS["shares"], np.array(BONDS["market"], float)[keep])  # fmt: skip
    assert server("portbeta_reg", spilled, BOND_SHARES, BOND_MARKET) == [[pytest.approx(reg, abs=1e-12)]]
    with pytest.raises(Exception, match=r"PRICES_IN: EUR, a currency of prices, has no column in fx_rates"):
        server("prices_in", BOND_PRICES, ["USD", "EUR"], [["GBP"]] + [[1.3]] * 11, "USD")


def test_several_benchmarks_through_officejs(server):
    """market with a header row of two benchmarks: one-number functions spill a row of two
    (the single-benchmark figures), ASSET_BETAS a row per benchmark, tables a block per
    benchmark under a heading row; one benchmark stays one number."""
    from xl_portbeta import api

    second = [100.0]
    for a, b in zip(BONDS["market"][:-1], BONDS["market"][1:]):
        second.append(second[-1] * (1 + 0.5 * (b / a - 1) + 0.001 * (-1) ** len(second)))
    markets = [["S&P", "AGG"]] + [[a, b] for a, b in zip(BONDS["market"], second)]
    prices = np.column_stack([BONDS["bond_a"], BONDS["bond_b"]])
    each = [api.portfolio_beta(prices, BONDS["shares"], m) for m in (BONDS["market"], second)]
    for name, field in (("portbeta_reg", "reg"), ("portbeta_wtd", "wtd"), ("beta_gap", "gap")):
        row = server(name, BOND_PRICES, BOND_SHARES, markets, BOND_DATES)
        assert len(row) == 1 and row[0] == pytest.approx([getattr(r, field) for r in each], abs=1e-12, rel=0)
        assert server(name, BOND_PRICES, BOND_SHARES, BOND_MARKET, BOND_DATES) == [[getattr(each[0], field)]]
    betas = server("asset_betas", BOND_PRICES, markets)
    assert len(betas) == 2 and betas[1] == pytest.approx(list(each[1].asset_betas), abs=1e-12, rel=0)
    stats = server("portbeta_stats", BOND_PRICES, BOND_SHARES, markets, BOND_DATES)
    single = server("portbeta_stats", BOND_PRICES, BOND_SHARES, column(["AGG", *second]), BOND_DATES)
    assert stats[0] == ["benchmark", "S&P", "", "", ""]
    k = 1 + len(single)
    assert stats[k] == ["benchmark", "AGG", "", "", ""] and stats[k + 1 :] == single and len(stats) == 2 * k
    for function, extra in (("beta_gap_detail", ()), ("portbeta_rolling", ([[4]],))):
        table = server(function, BOND_PRICES, BOND_SHARES, markets, *extra, BOND_DATES)
        alone = server(function, BOND_PRICES, BOND_SHARES, column(["AGG", *second]), *extra, BOND_DATES)
        assert [r[1] for r in table if r[0] == "benchmark"] == ["S&P", "AGG"], function
        assert table[len(table) // 2 + 1 :] == alone and no_error_cells(table), function
    holdings = [["account", "Bond A", "Bond B"], ["both", 25000, 65000], ["only B", 0, 10]]
    book = server("portbeta_book", BOND_PRICES, holdings, markets, BOND_DATES)
    assert [r[1] for r in book if r[0] == "benchmark"] == ["S&P", "AGG"]
    assert book[-1][2:5] == pytest.approx([*(lambda r: [r.reg, r.wtd, r.gap])(
        api.portfolio_beta(prices, [0, 10], second))], abs=1e-12, rel=0)  # fmt: skip
    for function, extra in (("asset_stats", ()), ("asset_betas_rolling", ([[4]],))):
        table = server(function, BOND_PRICES, markets, *extra, BOND_DATES)
        alone = server(function, BOND_PRICES, column(["AGG", *second]), *extra, BOND_DATES)
        assert table[len(table) // 2 + 1 :] == alone and table[0][:2] == ["benchmark", "S&P"], function
