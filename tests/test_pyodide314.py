"""Excel's values in xlwings Lite's current Pyodide (314), through xlwings' own Office.js
conversion, then through the add-in's reader.

Lite 1.0.0.103 requires Pyodide 314 (Python 3.14). Here only npm's ``pyodide`` 314.0.8
core runs offline: its numpy and pandas come from a CDN, and no numpy wheel for
``pyemscripten_2026_0_wasm32`` is on PyPI, so xl_portbeta itself cannot be imported there
(README, "Tested in a real Pyodide"). What can run there does:
``tests/pyodide/convert314.mjs`` makes the payloads in JavaScript (JS null for a blank
cell, ``{type: "Error", ...}`` objects, serial-number dates), and two probe functions
declared with xlwings 0.37.8's Office.js decorators (``"raw"``, as every range argument of
the add-in, and xlwings' default converter) report each value they receive, type by type.
Here those values are rebuilt (Pyodide's ``jsnull`` as an object of a stand-in class,
registered where ``xl_portbeta.inputs`` registers ``pyodide.ffi.JsNull``) and go through
the add-in's Excel functions by the same xlwings call in CPython.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "pyodide"))

import fetch  # noqa: E402  (tests/pyodide/fetch.py)
from conftest import BOND_MARKET, BOND_PRICES, BOND_SHARES, NA_OFFICEJS, PYODIDE_OFFICEJS  # noqa: E402
from references import reference  # noqa: E402

pytestmark = PYODIDE_OFFICEJS


class JsNull:
    """Stands in, in CPython, for ``pyodide.ffi.JsNull``, the type of Pyodide 314's blank."""

    def __bool__(self):
        return False

    def __repr__(self):
        return "jsnull"


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    """What the probes received in Pyodide 314: {case name: description}, and the runtime."""
    node = os.environ.get("XL_PORTBETA_NODE") or shutil.which("node")
    why = "no node" if node is None else fetch.core_problem()
    if why:
        if os.environ.get("XL_PORTBETA_REQUIRE_PYODIDE"):
            pytest.fail(f"XL_PORTBETA_REQUIRE_PYODIDE is set but {why}")
        pytest.skip(why)
    out = tmp_path_factory.mktemp("pyodide314") / "out.json"
    script = ROOT / "tests" / "pyodide" / "convert314.mjs"
    command = [node, str(script), str(fetch.core_dir()), str(fetch.xlwings_wheel()), str(out)]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


def rebuilt(found):
    """A value as the probe described it, rebuilt in CPython."""
    if found["type"] in ("list", "tuple"):
        return [rebuilt(v) for v in found["items"]]
    if found["type"] == "JsNull":
        return JsNull()
    if found["type"] in ("int", "float", "str", "bool", "NoneType", "dict"):
        return found["value"]
    raise AssertionError(f"no value of type {found['type']} is expected from Excel: {found}")


def received(seen, case, converter="raw"):
    result = seen["cases"][f"{case} probe_{converter}"]
    assert "ok" in result, result
    return result["ok"]


def cells(found):
    """The descriptions of a range's cells, row by row."""
    return [row["items"] for row in found["items"]]


def test_the_runtime_is_pyodide_314_without_numpy(seen):
    runtime = seen["runtime"]
    assert runtime["pyodide"].startswith("314.") and runtime["python"].startswith("3.14.")
    assert runtime["xlwings"] == "0.37.8"
    assert runtime["numpy"] is False  # why xl_portbeta itself cannot run there


def test_a_blank_cell_in_a_range_is_jsnull_through_the_raw_converter(seen):
    """JS null inside a range arrives as ``pyodide.ffi.JsNull`` (not None, falsy): the class
    xl_portbeta.inputs looks up; xlwings' default converter would make it None."""
    prices = cells(received(seen, "prices"))
    blank = prices[3][0]
    assert (blank["type"], blank["module"], blank["repr"]) == ("JsNull", "pyodide.ffi", "jsnull")
    assert blank["pyodide_ffi_JsNull"] and blank["falsy"] and not blank["is_none"]
    assert [c["type"] for c in prices[1]] == ["int", "int"]  # whole numbers are ints
    assert cells(received(seen, "prices", "default"))[3][0]["type"] == "NoneType"
    row = received(seen, "single row")["items"]  # a single row arrives flat
    assert [c["type"] for c in row] == ["JsNull", "int", "float"]
    # a whole argument that is one empty cell, or left out, is None (xlwings' to_scalar)
    assert received(seen, "one empty cell")["type"] == received(seen, "left out")["type"] == "NoneType"


def test_error_cells_arrive_as_error_objects_and_the_default_converter_blanks_them(seen):
    errors = received(seen, "errors")["items"]  # one row: a flat list
    assert [e["type"] for e in errors] == ["dict"] * 8
    assert [e["value"]["basicValue"] for e in errors] == [
        "#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#BUSY!",
    ]  # fmt: skip
    assert errors[0]["value"] == NA_OFFICEJS
    assert received(seen, "one error cell")["value"] == NA_OFFICEJS
    # xlwings' default converter turns an error into None, a blank: "raw" keeps it apart
    assert {e["type"] for e in received(seen, "errors", "default")["items"]} == {"NoneType"}
    assert received(seen, "one error cell", "default")["type"] == "NoneType"


def test_dates_arrive_as_serial_numbers(seen):
    dates = [row[0] for row in cells(received(seen, "dates"))]
    assert dates[0]["value"] == "Date"
    assert [(d["type"], d["value"]) for d in dates[1:4]] == [("int", 45292), ("int", 45293), ("int", 45294)]
    assert (dates[5]["type"], dates[5]["value"]) == ("float", 45296.75)  # a time of day
    assert received(seen, "one date cell")["value"] == 45292
    assert received(seen, "dates", "default")["items"][1]["value"] == 45292  # no date conversion either
    # a JS Date (Excel never sends one) stays a JsProxy: to_py() leaves it as it is
    assert received(seen, "a JS Date")["type"] == "JsProxy"


@pytest.fixture
def reader(monkeypatch):
    """The add-in's Excel functions through xlwings' Office.js call in CPython, with the
    stand-in JsNull registered as xl_portbeta.inputs registers pyodide.ffi.JsNull."""
    import asyncio

    import xlwings
    import xlwings.server

    from xl_portbeta import inputs, udfs

    monkeypatch.setattr(inputs, "_JSNULL_TYPE", JsNull)
    loop = asyncio.new_event_loop()

    def call(func_name, *args):
        data = {"func_name": func_name, "args": list(args), "version": xlwings.__version__,
                "client": "Office.js", "runtime": "1.4"}  # fmt: skip
        return loop.run_until_complete(xlwings.server.custom_functions_call(data, udfs))

    yield call
    loop.close()


def test_pyodide_314s_values_through_the_reader_are_missing_cells_and_dates(seen, reader):
    """The values Pyodide 314 handed over, rebuilt, give the figures of the same ranges
    with None in the blank and #N/A cells (a blank and an error are missing data, not 0),
    and the dates of their serial numbers."""
    import datetime as dt

    import numpy as np

    import xl_portbeta as pb
    from xl_portbeta import inputs

    prices, market = rebuilt(received(seen, "prices")), rebuilt(received(seen, "market"))
    dates = rebuilt(received(seen, "dates"))
    assert isinstance(prices[3][0], JsNull) and prices[6][1] == NA_OFFICEJS and isinstance(market[8][0], JsNull)
    assert [[v for v in r if not isinstance(v, (JsNull, dict))] for r in prices[1:4]] == [[100, 98], [96, 102], [88]]
    assert [r[0] for k, r in enumerate(market[1:]) if k != 7] == [r[0] for k, r in enumerate(BOND_MARKET) if k != 7]
    known = [[None if isinstance(v, (JsNull, dict)) else v for v in r] for r in prices]  # as COM sends them
    known_market = [[None if isinstance(v, JsNull) else v for v in r] for r in market]
    got = reader("portbeta_reg", prices, BOND_SHARES, market)
    assert got == reader("portbeta_reg", known, BOND_SHARES, known_market)
    result = pb.portfolio_beta(prices, BOND_SHARES, market)
    assert result.sample.dropped == (4, 7, 9)  # the rows (of the range) of the two blanks and #N/A
    assert got == [[pytest.approx(result.reg, abs=1e-15)]]
    kept = [k for k in range(11) if k not in (2, 5, 7)]  # data rows 3, 6 and 8 hold the missing cells
    bonds = np.array(BOND_PRICES[1:], dtype=float)[kept]
    reg = reference(bonds, BOND_SHARES[0], np.array(BOND_MARKET, dtype=float).ravel()[kept])[0]
    assert got[0][0] == pytest.approx(reg, abs=1e-12)  # statsmodels on the rows left

    read, header, _ = inputs.read_dates(dates)
    assert header == ("Date",)
    assert read[0] == np.datetime64(dt.datetime(2024, 1, 1)) and read[4] == np.datetime64(dt.datetime(2024, 1, 5, 18))
    stats = reader("portbeta_stats", prices, BOND_SHARES, market, dates)
    first_date = next(row for row in stats if row[0] == "first date used")
    assert first_date[1] == 45292  # back to Excel as the serial number it came as

    errors = rebuilt(received(seen, "errors"))
    assert all(math.isnan(v) for v in inputs.read_numbers(errors, "x").values.ravel())


def test_pyodide_314s_single_values_through_the_reader(seen, reader):
    """A single row with a blank is named as such; an optional argument on one empty cell
    takes its default; one on an error cell is an error, not the default."""
    import xlwings

    row = rebuilt(received(seen, "single row"))
    prices = [["A", "B", "C"], [10, 20, 30], [11, 19, 33], [12, 21, 31], [13, 22, 35]]
    market = [[100], [101], [99], [103], [104]]
    with pytest.raises(xlwings.XlwingsError, match=r"shares column 1 is empty or an error: enter 0"):
        reader("portbeta_reg", prices, row, market)
    blank, error = rebuilt(received(seen, "one empty cell")), rebuilt(received(seen, "one error cell"))
    default = reader("portbeta_wtd", BOND_PRICES, BOND_SHARES, BOND_MARKET)
    assert reader("portbeta_wtd", BOND_PRICES, BOND_SHARES, BOND_MARKET, None, None, blank) == default
    with pytest.raises(xlwings.XlwingsError, match=r"rf is an error value"):
        reader("portbeta_wtd", BOND_PRICES, BOND_SHARES, BOND_MARKET, None, None, error)
