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

from conftest import BONDS, FIRST_OPTIONAL, SIGNATURES, random_market

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
    return [[v for v in row] for row in values]


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
        required = params.index(FIRST_OPTIONAL)
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
