"""The Live sheet (issue 21, item 7): Excel 365's STOCKHISTORY fetches the closes on one
calendar, the benchmark's, and the add-in computes both betas from the aligned table.

Nothing here can run STOCKHISTORY (it needs Microsoft 365 online), so the tests check the
formulas' text and the ranges they feed in both committed workbooks, what the file saves,
and, with histories made up to be unequal, that the table the formulas describe gives the
add-in's figures that statsmodels gives on the dates every instrument has a close on."""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.formula import ArrayFormula
from references import reference

from xl_portbeta import udfs

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = {
    "classic": ROOT / "workbook" / "xl_portbeta_classic.xlsx",
    "lite": ROOT / "workbook" / "xl_portbeta_lite.xlsx",
}
PREFIX = {"classic": "", "lite": "_xldudf_"}
TICKER_COLUMNS = "CDEFG"
STAGING = {"benchmark": "U", "C": "W", "D": "Y", "E": "AA", "F": "AC", "G": "AE"}  # each block: date, close
LAST = "INDEX(${c}:${c},ROWS(_xlfn.ANCHORARRAY($A$14))+13)"  # the calendar's last row, in column c


@pytest.fixture(scope="module", params=sorted(WORKBOOKS))
def runtime(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def live(runtime):
    return openpyxl.load_workbook(WORKBOOKS[runtime])["Live"]


def formula(cell) -> str:
    """A cell's formula; the fetched and aligned cells must spill (dynamic arrays)."""
    assert isinstance(cell.value, ArrayFormula), f"{cell.coordinate}: {cell.value!r} is not a spilling formula"
    return cell.value.text


def test_each_ticker_and_the_benchmark_is_fetched_whole_from_the_inputs(live):
    inputs = "$J$5,$J$6,$J$7,0,0,1"  # first date, last date, interval; no header rows; date and close
    assert live["J4"].value == "SPY" and isinstance(live["J5"].value, dt.datetime) and live["J7"].value == 0
    assert formula(live["U14"]) == f"=_xlfn.STOCKHISTORY($J$4,{inputs})"
    for c in TICKER_COLUMNS:
        assert isinstance(live[f"{c}10"].value, str) and live[f"{c}10"].value
        assert formula(live[f"{STAGING[c]}14"]) == f"=_xlfn.STOCKHISTORY(${c}$10,{inputs})"
        assert live[f"{STAGING[c]}13"].value == f"=${c}$10"  # the block is headed by its ticker


def test_every_close_is_looked_up_on_the_benchmarks_dates(live):
    assert formula(live["A14"]) == "=INDEX(_xlfn.ANCHORARRAY($U$14),0,1)"
    assert formula(live["B14"]) == "=INDEX(_xlfn.ANCHORARRAY($U$14),0,2)"
    for c in TICKER_COLUMNS:
        own = f"_xlfn.ANCHORARRAY(${STAGING[c]}$14)"
        # exact date match; a date without a close is "" (the add-in's missing price), never a neighbour's
        expected = f'=_xlfn.XLOOKUP(_xlfn.ANCHORARRAY($A$14),INDEX({own},0,1),INDEX({own},0,2),"")'
        assert formula(live[f"{c}14"]) == expected
        assert live[f"{c}13"].value == f"=${c}$10"
    assert live["A13"].value == "Date" and live["B13"].value == "=$J$4"


def test_the_betas_read_the_aligned_table_down_to_the_calendars_last_date(live, runtime):
    prices = f"$C$13:{LAST.format(c='G')}"
    market, dates = f"$B$13:{LAST.format(c='B')}", f"$A$13:{LAST.format(c='A')}"
    for cell, function in (("J9", "PORTBETA_REG"), ("J10", "PORTBETA_WTD"), ("J11", "BETA_GAP")):
        assert formula(live[cell]) == f"={PREFIX[runtime]}{function}({prices},$C$10:$G$11,{market},{dates})"
    assert live["B10"].value == "Ticker" and live["B11"].value == "Shares held"
    assert all(isinstance(live[f"{c}11"].value, int | float) for c in TICKER_COLUMNS)


def test_cells_json_records_the_ranges_the_formulas_use(runtime):
    record = json.loads((ROOT / "workbook" / "cells.json").read_text())["workbooks"][runtime]["sheets"]["Live"]
    assert record["layout"]["fetched"] is True
    assert record["ranges"]["prices"] == f"$C$13:{LAST.format(c='G')}"
    assert record["ranges"]["shares"] == "$C$10:$G$11"
    assert [u["function"] for u in record["udfs"]] == ["PORTBETA_REG", "PORTBETA_WTD", "BETA_GAP"]


def test_the_file_saves_the_fetched_cells_and_the_betas_as_unknown(runtime):
    """Nothing could fetch at build time: #N/A (never a made-up figure) until Excel 365 recalculates."""
    with zipfile.ZipFile(WORKBOOKS[runtime]) as z:
        names = openpyxl.load_workbook(WORKBOOKS[runtime], read_only=True).sheetnames
        xml = z.read(f"xl/worksheets/sheet{names.index('Live') + 1}.xml").decode()
    for ref in ("A14", "B14", "C14", "G14", "U14", "AE14", "J9", "J10", "J11"):
        cell = re.search(rf'<c r="{ref}"[^>]*>.*?</c>', xml).group()
        assert 't="e"' in cell and "<v>#N/A</v>" in cell, cell
    assert re.search(r'<c r="C13"[^>]*t="str"[^>]*>.*?<v>AAPL</v>', xml)  # a ticker's header shows its name


def aligned_table(calendar: pd.Series, histories: dict[str, pd.Series]) -> list[list]:
    """What the sheet's rows 13 down hold once Excel has fetched: the benchmark's dates and
    closes, then each ticker's close looked up on each date (XLOOKUP, exact match, else "")."""
    rows = [["Date", "SPY", *histories]]
    for day, level in calendar.items():
        rows.append(
            [day.to_pydatetime(), level, *(float(h[day]) if day in h.index else "" for h in histories.values())]
        )
    return rows


def test_unequal_histories_give_the_figures_of_the_dates_every_instrument_has(runtime):
    """A late listing, a date the benchmark lacks and a missing close: the table drops what it
    must and the add-in (classic's tuples, or Office.js' serials and "") equals statsmodels on the
    dates with every close, built by hand."""
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2022-01-03", periods=80)
    calendar = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, 80)), index=days)
    histories = {t: pd.Series(50 * np.cumprod(1 + rng.normal(0, 0.015, 80)), index=days) for t in ("AAA", "BBB", "CCC")}
    histories["AAA"] = histories["AAA"].iloc[10:]  # listed on the 11th day
    histories["BBB"] = pd.concat([histories["BBB"], pd.Series([1.0], index=[pd.Timestamp("2022-01-08")])]).sort_index()
    histories["CCC"] = histories["CCC"].drop(days[40])  # no close on one date
    rows = aligned_table(calendar, histories)
    shares = (("AAA", "BBB", "CCC"), (10, 20, 30))
    if runtime == "lite":  # Office.js sends dates as serial numbers; "" as ""
        rows = [[(r[0] - dt.datetime(1899, 12, 30)).days if isinstance(r[0], dt.datetime) else r[0], *r[1:]]
                for r in rows]  # fmt: skip
    table = tuple(tuple(r) for r in rows)
    prices, market, dates = (tuple(r[2:] for r in table), tuple(r[1:2] for r in table), tuple(r[:1] for r in table))
    got = [udfs.portbeta_reg(prices, shares, market, dates), udfs.portbeta_wtd(prices, shares, market, dates)]

    complete = days[10:].drop(days[40])  # the dates every instrument has a close on
    p = np.column_stack([histories[t][complete] for t in ("AAA", "BBB", "CCC")])
    reg, wtd, _, _ = reference(p, (10, 20, 30), calendar[complete].to_numpy())
    np.testing.assert_allclose(got, [reg, wtd], rtol=1e-12)
