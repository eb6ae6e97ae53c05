"""The UDFs through classic xlwings (Excel on Windows, COM), in a process of their own.

``tests/classic_com.py`` stubs pywin32 so that ``xlwings`` picks its classic decorators
on Linux; then xlwings' own ``generate_vba_wrapper`` writes the VBA that Import
Functions would write, and xlwings' own ``XLPython.CallUDF`` (what that VBA calls) runs
each function with values shaped as COM delivers them: tuples of tuples, None for
empty cells, error integers such as -2146826246 for #N/A, datetimes for dates.
"""

import datetime as dt
import json
import re

import numpy as np
import pytest
from classic_com import VBA_RESERVED_WORDS, run_classic_script
from conftest import BONDS, FIRST_OPTIONALS, SIGNATURES

from xl_portbeta import api

ROOT = __file__.rsplit("/tests/", 1)[0]

SCRIPT = r"""
import datetime as dt, json, math
import xl_portbeta.udfs as udfs

NA, DIV0 = -2146826246, -2146826281
prices = (("Bond A", "Bond B"),) + tuple(zip(map(float, BONDS["bond_a"]), map(float, BONDS["bond_b"])))
market = (("S&P",),) + tuple((float(v),) for v in BONDS["market"])
shares = ((25000.0, 65000.0),)
dates = (("Date",),) + tuple((dt.datetime(2024, 1, 1) + dt.timedelta(days=k),) for k in range(11))

def run(name, *args, cell=False):
    # cell=True: pass each range as a COM Range object (what VBA hands over for A1:B12)
    if cell:
        args = tuple(com_range(a) if isinstance(a, tuple) else a for a in args)
    try:
        return {"value": call_classic(udfs, name, *args)}
    except Exception as error:
        return {"error": type(error).__name__, "message": str(error)}

out = {"vba": vba_for(udfs), "help": import_functions(udfs).macro_options}
out["reg"] = run("portbeta_reg", prices, shares, market)
out["reg_ranges"] = run("portbeta_reg", prices, shares, market, cell=True)
out["wtd"] = run("portbeta_wtd", prices, shares, market, dates, "daily", 0.03, dt.datetime(2024, 1, 6))
out["gap"] = run("beta_gap", prices, shares, market)
out["betas"] = run("asset_betas", prices, market)
holed = [list(r) for r in prices]
holed[3][0] = None        # an empty cell
holed[6][1] = NA          # #N/A
holed_market = [list(r) for r in market]
holed_market[8][0] = DIV0 # #DIV/0!
out["holes"] = run("portbeta_reg", tuple(map(tuple, holed)), shares, tuple(map(tuple, holed_market)))
out["holes_ranges"] = run("portbeta_reg", tuple(map(tuple, holed)), shares, tuple(map(tuple, holed_market)), cell=True)
out["empty_optional"] = run("portbeta_wtd", prices, shares, market, None, None, None, None)
texted = [list(r) for r in prices]
texted[2][1] = "n/a"
out["text"] = run("portbeta_reg", tuple(map(tuple, texted)), shares, market)
out["stats"] = run("portbeta_stats", prices, shares, market, dates)
out["rolling"] = run("portbeta_rolling", prices, shares, market, 5, dates)
flat = [list(r) for r in market]
flat[2][0] = flat[3][0] = flat[4][0] = flat[1][0]  # no market variance in the first window of 3 returns
rolling = call_classic(udfs, "portbeta_rolling", prices, shares, tuple(map(tuple, flat)), 3, dates)
out["rolling_cells"] = [[type(c).__name__ for c in row] for row in rolling[1:]]
out["rolling_blanks"] = rolling[1]
out["book"] = run("portbeta_book", prices, (("account", "Bond A", "Bond B"), ("a", 25000.0, 65000.0), ("b", 0.0, 0.0)), market, dates)
# a currency-formatted range: COM hands its cells over as decimal.Decimal (Excel's Currency type)
from decimal import Decimal
money = tuple(tuple(Decimal(str(v)) if isinstance(v, float) else v for v in row) for row in prices)
money_market = tuple(tuple(Decimal(str(v)) if isinstance(v, float) else v for v in row) for row in market)
out["currency"] = run("portbeta_reg", money, shares, money_market)
out["currency_shares"] = run("portbeta_wtd", prices, tuple(tuple(Decimal(str(v)) for v in row) for row in shares), market)
print(json.dumps(out, default=str))
"""


@pytest.fixture(scope="module")
def classic():
    code = f"BONDS = {BONDS!r}\n" + SCRIPT
    proc = run_classic_script(code, extra_sys_path=[ROOT], timeout=120)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bonds_result(**kw):
    prices = np.column_stack([BONDS["bond_a"], BONDS["bond_b"]])
    return api.portfolio_beta(prices, BONDS["shares"], BONDS["market"], **kw)


def vba_arguments(params, first):
    """A VBA declaration's argument list: "Optional " before each optional argument (from ``first`` on)."""
    return ", ".join(("Optional " if k >= first else "") + p for k, p in enumerate(params))


def test_import_functions_writes_one_vba_function_per_udf(classic):
    vba = classic["vba"]
    declared = dict(re.findall(r"^Function (\w+)\(([^)]*)\)", vba, re.M))
    assert declared == {
        name.lower(): vba_arguments(params, FIRST_OPTIONALS[name]) for name, params in SIGNATURES.items()
    }
    names = set(declared) | {a.replace("Optional ", "") for args in declared.values() for a in args.split(", ")}
    assert not {n.lower() for n in names} & {w.lower() for w in VBA_RESERVED_WORDS}


def test_import_functions_registers_excel_help_for_every_argument(classic):
    help_by_macro = {h["Macro"].split("!")[-1]: h for h in classic["help"]}
    assert set(help_by_macro) == {name.lower() for name in SIGNATURES}
    for name, options in help_by_macro.items():
        assert len(options["Description"]) > 30, name
        descriptions = options["ArgumentDescriptions"]
        assert descriptions and not any("Positional argument" in d for d in descriptions), name
    assert help_by_macro["portbeta_reg"]["ArgumentDescriptions"][0].startswith("Asset prices")


def test_values_as_com_delivers_them(classic):
    expected = bonds_result()
    assert classic["reg"] == {"value": expected.reg}
    assert classic["reg_ranges"] == {"value": expected.reg}
    assert classic["gap"] == {"value": expected.gap}
    # a single spilled row reaches VBA as a 1-D array
    assert classic["betas"]["value"] == pytest.approx(list(expected.asset_betas), abs=1e-15)


def test_datetimes_rf_and_as_of(classic):
    days = np.datetime64("2024-01-01") + np.arange(11).astype("timedelta64[D]")
    expected = bonds_result(dates=days, rf=0.03, as_of=dt.datetime(2024, 1, 6))
    assert classic["wtd"] == {"value": expected.wtd}


def test_empty_and_error_cells_drop_dates(classic):
    keep = [r for r in range(11) if r not in (2, 5, 7)]
    prices = np.column_stack([BONDS["bond_a"], BONDS["bond_b"]])[keep]
    expected = api.portfolio_beta(prices, BONDS["shares"], np.array(BONDS["market"])[keep])
    assert classic["holes"] == {"value": expected.reg}
    assert classic["holes_ranges"] == {"value": expected.reg}


def test_optional_arguments_pointing_at_empty_cells(classic):
    assert classic["empty_optional"] == {"value": bonds_result().wtd}


def test_error_text_reaches_the_cell(classic):
    assert classic["text"]["error"] == "ExcelError"  # udfs.ExcelError: a PortbetaError and an XlwingsError
    assert classic["text"]["message"].startswith("PORTBETA_REG: prices row 3, column 2 ('Bond B') holds text 'n/a'")


def test_tables_spill_through_the_classic_writer(classic):
    stats = classic["stats"]["value"]
    assert stats[0] == ["statistic", "actual holdings", "current weights", "difference", "note"]
    assert stats[1][0] == "beta" and stats[1][1] == pytest.approx(bonds_result().reg, abs=1e-15)
    rolling = classic["rolling"]["value"]
    assert rolling[0] == ["date", "REG", "WTD", "GAP"]
    assert len(rolling) == 1 + (10 - 5 + 1)


def test_rolling_cells_reach_com_as_dates_floats_and_empty_cells(classic):
    """The rolling table hands numpy floats to xlwings (its Office.js converter's shorter
    branch): COM still gets plain floats, dates as dates, "" (an empty cell) where a
    window has no beta."""
    cells = classic["rolling_cells"]
    assert len(cells) == 10 - 3 + 1
    assert all(row[0] == "datetime" for row in cells)  # COM's date value, not a serial
    assert cells[0][1:] == ["str"] * 3 and classic["rolling_blanks"][1:] == ["", "", ""]
    assert all(row[1:] == ["float"] * 3 for row in cells[1:])


def test_the_book_spills_through_the_classic_writer(classic):
    book = classic["book"]["value"]
    expected = bonds_result()
    assert book[0][0] == "account" and book[1][0] == "a"
    assert book[1][2:5] == pytest.approx([expected.reg, expected.wtd, expected.gap], abs=1e-12)
    assert book[2][-1] == "holds nothing"


def test_currency_formatted_cells_arrive_as_decimal_and_read_as_numbers(classic):
    """Issue 20: COM hands a currency-formatted cell over as decimal.Decimal; its number
    is the cell's number (prices, market levels and share counts alike)."""
    assert classic["currency"] == {"value": bonds_result().reg}
    assert classic["currency_shares"] == {"value": bonds_result().wtd}
