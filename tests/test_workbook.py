"""The demo workbooks (workbook/xl_portbeta_classic.xlsx and workbook/xl_portbeta_lite.xlsx,
one per xlwings runtime, from one layout), each checked four ways, plus what differs.

(a) LibreOffice Calc recalculates it headless and every native cross-check cell
    (SLOPE, SUMPRODUCT, returns columns, the valuation) agrees with the Python core to
    1e-9; the two-bond figures also agree with a hand derivation by statsmodels OLS.
    The workbook is saved with its figures, as Excel saves a calculated workbook: every
    formula's saved value equals LibreOffice's recalculation of it and the core's figure,
    every add-in cell and spilled cell holds what the package computes on its ranges, and
    nothing asks for a full recalculation on load.
(b) Every add-in formula refers to the ranges that hold the data it names: the ranges
    are found independently (by the sheet's own "Date" header, tickers and "Shares
    held" label), their contents equal the bundled data, and the formula's arguments
    evaluated by the UDF module itself give the Python core's figures.
(c) Building twice gives the same workbook.
(d) The committed workbook (and cells.json) equal a fresh build.
(e) The runtimes: the Lite workbook stores every add-in formula as Excel stores an Office
    add-in's custom function (_xldudf_NAME) and carries main.py and requirements.txt in its
    web-extension part; the classic one has plain names and the xlwings.conf sheet.
(f) Printing: LibreOffice's PDF of each workbook has a sane number of pages.
(g) The Book sheet: its accounts' holdings table (found by its own header), PORTBETA_BOOK
    on the Portfolio sheet's data and that table, and the first account in native formulas.

How LibreOffice recalculates: the test copies the workbook to a temporary directory with
its saved values removed (formulas only) and runs::

    soffice -env:UserInstallation=file:///<tmp>/lo-profile --headless \
        --convert-to xlsx:"Calc MS Excel 2007 XML" --outdir <tmp>/out <tmp>/xl_portbeta_<runtime>.xlsx

with a fresh user profile (one per run, so parallel runs don't clash) whose
registrymodifications.xcu sets Calc > Formula > Load > OOXMLRecalcMode = 0 ("always
recalculate" on loading an Excel file; the default, 1, keeps cached values as they are).
The output's cells are read with openpyxl ``data_only=True``: numbers there can only
come from LibreOffice's own calculation.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.cell import absolute_coordinate
from openpyxl.worksheet.formula import ArrayFormula

import xl_portbeta
from xl_portbeta import api, core, datasets, udfs

ROOT = Path(__file__).resolve().parents[1]
WORKBOOK_DIR = ROOT / "workbook"
COMMITTED_CELLS = WORKBOOK_DIR / "cells.json"
#: runtime -> the committed workbook, and what Excel stores before an add-in function's name
WORKBOOKS = {"classic": WORKBOOK_DIR / "xl_portbeta_classic.xlsx", "lite": WORKBOOK_DIR / "xl_portbeta_lite.xlsx"}
PREFIX = {"classic": "", "lite": "_xldudf_"}

TOL = 1e-9

# --- the data, written out again here (not taken from the builder) -----------------------

BOND_A = [100, 96, 102, 88, 96, 101, 120, 110, 105, 107, 106]
BOND_B = [98, 102, 88, 95, 105, 100, 101, 99, 104, 108, 112]
BOND_MARKET = [1000, 1004, 1000, 1010, 1020, 1000, 990, 995, 1005, 1025, 1035]
BOND_SHARES = [25000, 65000]
BOND_DATES = pd.bdate_range("2024-01-02", periods=11)
ROLLING_WINDOW = 252
RF, MRP, CASH_FLOW = 0.02, 0.08, 10.0

#: Excel argument order of each function (the Python parameter names of xl_portbeta.udfs).
SIGNATURES = {
    "PORTBETA_REG": ["prices", "shares", "market", "dates", "frequency", "rf"],
    "PORTBETA_WTD": ["prices", "shares", "market", "dates", "frequency", "rf", "as_of"],
    "BETA_GAP": ["prices", "shares", "market", "dates", "frequency", "rf", "as_of"],
    "ASSET_BETAS": ["prices", "market", "dates", "frequency", "rf"],
    # Being written alongside the workbook: the order the workbook assumes.
    "PORTBETA_STATS": ["prices", "shares", "market", "dates"],
    "BETA_GAP_DETAIL": ["prices", "shares", "market", "dates"],
    "PORTBETA_ROLLING": ["prices", "shares", "market", "window", "dates"],
    "PORTBETA_BOOK": ["prices", "holdings", "market", "dates"],
    "ASSET_STATS": ["prices", "market", "dates"],
}
ROW_ALIGNED = ("prices", "market", "dates")


def load_builder():
    """The package workbook/builder (workbook/build_workbook.py runs it)."""
    if str(WORKBOOK_DIR) not in sys.path:
        sys.path.insert(0, str(WORKBOOK_DIR))
    import builder

    return builder


def bond_data():
    prices = pd.DataFrame({"Bond A": BOND_A, "Bond B": BOND_B}, index=BOND_DATES, dtype=float)
    market = pd.Series(BOND_MARKET, index=BOND_DATES, dtype=float, name="Market")
    return prices, np.array(BOND_SHARES, dtype=float), market


def sheet_data(sheet: str):
    """(prices DataFrame, shares, market Series) that a data sheet must hold."""
    if sheet == "Bonds":
        return bond_data()
    if sheet in ("Portfolio", "Book"):  # the Book sheet's accounts hold the Portfolio sheet's stocks
        return datasets.demo_portfolio()
    if sheet == "Rolling":
        _, shares, _ = datasets.demo_portfolio()
        prices, _, market = datasets.demo_portfolio("2015-01-01", "2022-12-28")
        return prices, shares, market
    raise KeyError(sheet)


# --- what the Python core says each native cell must hold --------------------------------


def core_figures(prices: pd.DataFrame, shares: np.ndarray, market: pd.Series) -> dict[str, np.ndarray]:
    result = xl_portbeta.portfolio_beta(prices, shares, market, prices.index.to_numpy())
    returns = api.excess_returns(result.sample)  # rf = 0: plain simple returns
    own_betas, _ = xl_portbeta.asset_betas(prices, market, prices.index.to_numpy())
    np.testing.assert_allclose(own_betas, result.asset_betas, rtol=0, atol=1e-14)
    values = core.market_values(result.sample.prices, result.sample.holdings).sum(axis=1)
    return {
        "reg": np.array(result.reg),
        "wtd": np.array(result.wtd),
        "gap": np.array(result.gap),
        "reg_mistake": np.array(core.beta(returns.market, returns.portfolio)),
        "asset_betas": result.asset_betas,
        "asset_betas_mistake": np.array([core.beta(returns.market, a) for a in returns.assets.T]),
        "weights": result.weights,
        "asset_returns": returns.assets,
        "market_returns": returns.market,
        "portfolio_value": values,
        "portfolio_returns": returns.portfolio,
    }


def expected_native() -> dict[str, dict[str, np.ndarray]]:
    bonds = core_figures(*bond_data())
    portfolio = core_figures(*sheet_data("Portfolio"))
    del portfolio["asset_betas_mistake"]  # shown for the two bonds only
    prices, shares, market = sheet_data("Rolling")
    P, M = prices.to_numpy(), market.to_numpy()
    n = len(P) - 1 - ROLLING_WINDOW + 1
    rolling_reg = np.array(
        [
            xl_portbeta.portfolio_beta(P[k : k + ROLLING_WINDOW + 1], shares, M[k : k + ROLLING_WINDOW + 1]).reg
            for k in range(n)
        ]
    )
    full = core_figures(prices, shares, market)
    rolling = {
        "rolling_dates": np.array(prices.index[ROLLING_WINDOW:].to_pydatetime()),
        "rolling_reg": rolling_reg,
        "market_returns": full["market_returns"],
        "portfolio_value": full["portfolio_value"],
        "portfolio_returns": full["portfolio_returns"],
    }
    reg, wtd = float(bonds["reg"]), float(bonds["wtd"])
    k_reg, k_wtd = RF + reg * MRP, RF + wtd * MRP
    pv_reg, pv_wtd = CASH_FLOW / k_reg, CASH_FLOW / k_wtd
    valuation = {
        "beta_reg": reg,
        "beta_wtd": wtd,
        "beta_diff": reg - wtd,
        "k_reg": k_reg,
        "k_wtd": k_wtd,
        "k_diff": k_reg - k_wtd,
        "pv_reg": pv_reg,
        "pv_wtd": pv_wtd,
        "pv_diff": pv_reg - pv_wtd,
        "pv_diff_pct": (pv_reg - pv_wtd) / pv_wtd,
    }
    valuation = {k: np.array(v) for k, v in valuation.items()}
    return {"Bonds": bonds, "Portfolio": portfolio, "Book": expected_book(), "Rolling": rolling, "Valuation": valuation}


def expected_book() -> dict[str, np.ndarray]:
    """The Book sheet's native cross-check: the first account of its holdings table (read
    from the workbook, found by its header) as one portfolio of the Portfolio sheet's data."""
    prices, _, market = datasets.demo_portfolio()
    holdings = find_holdings(openpyxl.load_workbook(WORKBOOKS["classic"])["Book"], list(prices.columns))
    figures = core_figures(prices, holdings["shares"][0], market)
    keys = {
        "reg": "reg",
        "wtd": "wtd",
        "gap": "gap",
        "reg_mistake": "reg_mistake",
        "asset_betas": "asset_betas",
        "weights": "weights",
        "account_value": "portfolio_value",
        "account_returns": "portfolio_returns",
    }
    out = {key: figures[source] for key, source in keys.items()}
    result = api.portfolio_beta(prices, holdings["shares"][0], market, prices.index.to_numpy())
    np.testing.assert_allclose([out["reg"], out["wtd"], out["gap"]], [result.reg, result.wtd, result.gap], atol=0)
    return out


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builder():
    return load_builder()


@pytest.fixture(scope="module", params=sorted(WORKBOOKS))
def runtime(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def committed(runtime) -> Path:
    return WORKBOOKS[runtime]


@pytest.fixture(scope="module")
def all_cells() -> dict:
    return json.loads(COMMITTED_CELLS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cells(all_cells, runtime) -> dict:
    return all_cells["workbooks"][runtime]


@pytest.fixture(scope="module")
def committed_book(committed):
    return openpyxl.load_workbook(committed)


@pytest.fixture(scope="module")
def fresh_build(builder, tmp_path_factory):
    """Both workbooks and cells.json, built into a temporary folder."""
    out = tmp_path_factory.mktemp("build1")
    record = builder.build(out, out / COMMITTED_CELLS.name)
    return out, record


@pytest.fixture(scope="module")
def expected():
    return expected_native()


def recalc_profile(directory: Path) -> Path:
    """A LibreOffice user profile that recalculates every Excel file it loads."""
    user = directory / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
        '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>\n'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
        '<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>\n'
        "</oor:items>\n",
        encoding="utf-8",
    )
    return directory


def libreoffice_convert(tmp_path_factory, workbook: Path, target: str, suffix: str) -> Path:
    """The workbook converted by LibreOffice headless (``target``: --convert-to's argument)
    with a fresh profile that recalculates on load; returns the converted file."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip(
            "LibreOffice is not installed (no 'soffice' on PATH): the workbook's native formulas "
            "cannot be recalculated here. CI installs it (Debian package libreoffice-calc)."
        )
    work = tmp_path_factory.mktemp("lo")
    source = work / workbook.name
    if target.startswith("xlsx"):  # recalculated: LibreOffice's numbers can only be its own
        without_saved_values(workbook, source)
    else:
        shutil.copyfile(workbook, source)
    profile = recalc_profile(work / f"profile-{uuid.uuid4().hex}")
    out = work / "out"
    command = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        target,
        "--outdir",
        str(out),
        str(source),
    ]
    env = dict(os.environ, HOME=str(work))  # nothing of the real user's LibreOffice is touched
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env)
    result = out / (source.stem + suffix)
    assert done.returncode == 0 and result.exists(), (
        f"LibreOffice failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    )
    return result


SAVED_VALUE = re.compile(rb"(<f[^>]*/>|<f[^>]*>[^<]*</f>)<v>[^<]*</v>")


def without_saved_values(workbook: Path, target: Path) -> None:
    """A copy of the workbook whose formulas have no saved values."""
    with zipfile.ZipFile(workbook) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", info.filename):
                data, n = SAVED_VALUE.subn(rb"\1", data)
                assert b"<f" not in data or n, info.filename
            dst.writestr(info, data)


@pytest.fixture(scope="module")
def saved(committed):
    """The committed workbook's saved values (what a viewer shows without calculating)."""
    return openpyxl.load_workbook(committed, data_only=True)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory, committed):
    """The committed workbook after LibreOffice Calc has recalculated it (values only)."""
    result = libreoffice_convert(tmp_path_factory, committed, "xlsx:Calc MS Excel 2007 XML", ".xlsx")
    return openpyxl.load_workbook(result, data_only=True)


# --- helpers ---------------------------------------------------------------------------------


def read_block(ws, ref: str) -> list[list]:
    min_col, min_row, max_col, max_row = range_boundaries(ref.replace("$", ""))
    return [[ws.cell(row=r, column=c).value for c in range(min_col, max_col + 1)] for r in range(min_row, max_row + 1)]


def as_numbers(block: list[list], where: str) -> np.ndarray:
    bad = [
        (i, j, v)
        for i, row in enumerate(block)
        for j, v in enumerate(row)
        if not isinstance(v, (int, float)) or isinstance(v, bool)
    ]
    assert not bad, f"{where}: not numbers after recalculation (first: {bad[:3]})"
    return np.array(block, dtype=float)


def split_args(formula: str, prefix: str = "") -> tuple[str, list[str]]:
    """The function's Excel name and its arguments; the formula must store the name with
    the runtime's prefix (Lite: _xldudf_NAME) and nothing else before it."""
    assert formula.startswith("=" + prefix), f"{formula!r} does not start with ={prefix}"
    m = re.fullmatch(r"=([A-Z][A-Z0-9_.]*)\((.*)\)", "=" + formula[1 + len(prefix) :])
    assert m, f"not a single function call: {formula!r}"
    body = m.group(2)
    assert "(" not in body and '"' not in body, f"unexpected nesting in {formula!r}"
    return m.group(1), [a.strip() for a in body.split(",")] if body else []


def find_data_layout(ws) -> dict:
    """Where the sheet's data are, found from its own labels (not from cells.json)."""
    hits = [c for row in ws.iter_rows(min_row=1, max_row=30) for c in row if c.value == "Date"]
    assert len(hits) == 1, f"{ws.title}: expected one 'Date' header, found {[c.coordinate for c in hits]}"
    header, date_col = hits[0].row, hits[0].column
    names, c = [], date_col + 1
    while ws.cell(row=header, column=c).value not in ("Market", "S&P 500"):
        value = ws.cell(row=header, column=c).value
        assert isinstance(value, str) and value, f"{ws.title}: header ends before the market column"
        names.append(value)
        c += 1
    market_col = c
    last = header
    while isinstance(ws.cell(row=last + 1, column=date_col).value, dt.datetime):
        last += 1
    assert ws.cell(row=header - 1, column=date_col - 1 if date_col > 1 else 1).value == "Shares held"
    return {
        "header": header,
        "first": header + 1,
        "last": last,
        "date_col": date_col,
        "asset_cols": (date_col + 1, date_col + len(names)),
        "market_col": market_col,
        "shares_row": header - 1,
        "names": names,
    }


def find_holdings(ws, tickers: list[str]) -> dict:
    """The Book sheet's holdings table, found from its own labels (not from cells.json): a
    header row of the tickers, "Account" to their left, one row per account below it down
    to the first row without a name."""
    hits = [c for row in ws.iter_rows(min_row=1, max_row=30) for c in row if c.value == "Account"]
    assert len(hits) == 1, f"{ws.title}: expected one 'Account' header, found {[c.coordinate for c in hits]}"
    header, name_col = hits[0].row, hits[0].column
    got = [ws.cell(row=header, column=name_col + 1 + j).value for j in range(len(tickers) + 1)]
    assert got == [*tickers, None], f"{ws.title}: the holdings' header is {got}"
    last = header
    while isinstance(ws.cell(row=last + 1, column=name_col).value, str):
        last += 1
    names = [ws.cell(row=r, column=name_col).value for r in range(header + 1, last + 1)]
    shares = np.array(
        [
            [ws.cell(row=r, column=name_col + 1 + j).value for j in range(len(tickers))]
            for r in range(header + 1, last + 1)
        ],
        dtype=float,
    )
    return {
        "header": header,
        "first_col": name_col,
        "last_col": name_col + len(tickers),
        "last": last,
        "names": names,
        "shares": shares,
    }


def resolve(book, sheet: str, ref: str):
    """The worksheet and the plain range of a formula's argument (``Portfolio!$L$8:$AE$257``
    is on the Portfolio sheet; a range without a sheet name is on the formula's own)."""
    if "!" in ref:
        sheet, ref = ref.split("!")
        sheet = sheet.strip("'")
    return book[sheet], ref.replace("$", "")


def snapshot(path: Path) -> dict:
    """Everything a person sees in the workbook's cells, sheet by sheet."""
    wb = openpyxl.load_workbook(path)
    out = {"sheets": wb.sheetnames}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if isinstance(v, ArrayFormula):
                    v = ("array", v.ref, v.text)
                if v is None and c.number_format == "General":
                    continue
                cells[c.coordinate] = (v, c.number_format, c.font.b, c.fill.fgColor.rgb)
        out[ws.title] = {
            "cells": cells,
            "freeze": ws.freeze_panes,
            "widths": {k: d.width for k, d in sorted(ws.column_dimensions.items()) if d.width},
            "charts": [
                [(s.val.numRef.f, s.cat.numRef.f if s.cat and s.cat.numRef else None) for s in ch.series]
                for ch in ws._charts
            ],
        }
    out["properties"] = (wb.properties.created, wb.properties.modified, wb.properties.creator)
    return out


def udf_entries(cells: dict):
    """The add-in cells whose data are in the file (the Live sheet's are fetched by Excel 365:
    test_live_sheet_* check them)."""
    for sheet, rec in cells["sheets"].items():
        if rec["layout"].get("fetched"):
            continue
        for entry in rec["udfs"]:
            yield sheet, entry


# --- (a) LibreOffice recalculates the native cross-checks --------------------------------------


def test_no_full_recalculation_on_load(committed):
    """Excel shows the saved figures (a calculated workbook has no fullCalcOnLoad)."""
    with zipfile.ZipFile(committed) as z:
        calc = re.search(rb"<calcPr[^>]*>", z.read("xl/workbook.xml")).group()
    assert b"fullCalcOnLoad" not in calc, calc


def test_native_cells_are_saved_with_the_core_figures(saved, cells, expected):
    """Before any calculation, every native cross-check shows the Python core's figure."""
    assert check_figures(saved, cells, expected) > 10_000


def test_saved_values_are_libreoffices_recalculation(saved, recalculated, committed_book):
    """Every formula that plain Excel computes (all but the add-in's and those that read them)
    is saved with the value LibreOffice computes from the formulas alone."""
    checked = 0
    for ws in committed_book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if not isinstance(cell.value, str) or not cell.value.startswith("="):
                    continue
                got = recalculated[ws.title][cell.coordinate].value
                if isinstance(got, str) and got.startswith(("#NAME", "#VALUE", "Err:")):
                    continue  # reads an add-in cell: LibreOffice does not know the function
                want = saved[ws.title][cell.coordinate].value
                where = f"{ws.title}!{cell.coordinate} {cell.value}"
                if isinstance(got, (int, float)) and not isinstance(got, bool):
                    assert isinstance(want, (int, float)), f"{where}: saved {want!r}"
                    assert want == pytest.approx(got, rel=1e-12, abs=1e-12), where
                else:
                    assert want == got, where
                checked += 1
    assert checked > 10_000


def test_every_native_cell_has_a_check(cells, expected):
    for sheet, rec in cells["sheets"].items():
        assert set(rec["native"]) == set(expected.get(sheet, {})), sheet


def test_libreoffice_recalculation_matches_python_core(recalculated, cells, expected):
    assert check_figures(recalculated, cells, expected) > 10_000


def check_figures(book, cells, expected) -> int:
    """Every native cross-check cell of ``book`` holds the core's figure; returns how many."""
    checked = 0
    for sheet, figures in expected.items():
        ws = book[sheet]
        for key, want in figures.items():
            ref = cells["sheets"][sheet]["native"][key]
            block = read_block(ws, ref)
            where = f"{sheet}!{ref} ({key})"
            if key == "rolling_dates":
                got = [row[0] for row in block]
                assert got == list(want), where
                checked += len(got)
                continue
            got = as_numbers(block, where)
            want = np.asarray(want, dtype=float)
            got = got.reshape(want.shape) if got.size == want.size else got
            assert got.shape == want.shape, f"{where}: shape {got.shape} != {want.shape}"
            # LibreOffice stores 15 significant digits: money values get a relative check.
            rtol = 1e-12 if key in ("portfolio_value", "account_value") else 0.0
            np.testing.assert_allclose(got, want, rtol=rtol, atol=TOL if not rtol else 0, err_msg=where)
            checked += got.size
    return checked


def test_bonds_native_cells_match_hand_derivation(recalculated, cells):
    """OLS by statsmodels, weights by hand: the two-bond figures without xl_portbeta."""
    sm = pytest.importorskip("statsmodels.api")
    prices = np.array([BOND_A, BOND_B], dtype=float).T
    market = np.array(BOND_MARKET, dtype=float)
    shares = np.array(BOND_SHARES, dtype=float)
    value = prices @ shares
    r_port = value[1:] / value[:-1] - 1
    r_mkt = market[1:] / market[:-1] - 1
    r_bonds = prices[1:] / prices[:-1] - 1
    X = sm.add_constant(r_mkt)
    reg = sm.OLS(r_port, X).fit().params[1]
    slopes = np.array([sm.OLS(r_bonds[:, j], X).fit().params[1] for j in range(2)])
    weights = shares * prices[-1] / value[-1]
    wtd = weights @ slopes
    swapped = np.array([sm.OLS(r_mkt, sm.add_constant(r_bonds[:, j])).fit().params[1] for j in range(2)])

    ws, native = recalculated["Bonds"], cells["sheets"]["Bonds"]["native"]
    get = lambda key: as_numbers(read_block(ws, native[key]), key).ravel()  # noqa: E731
    np.testing.assert_allclose(get("reg"), [reg], rtol=0, atol=TOL)
    np.testing.assert_allclose(get("asset_betas"), slopes, rtol=0, atol=TOL)
    np.testing.assert_allclose(get("weights"), weights, rtol=0, atol=TOL)
    np.testing.assert_allclose(get("wtd"), [wtd], rtol=0, atol=TOL)
    np.testing.assert_allclose(get("gap"), [reg - wtd], rtol=0, atol=TOL)
    np.testing.assert_allclose(get("asset_betas_mistake"), swapped, rtol=0, atol=TOL)
    # The point of the example: the two betas differ, and the mistake is far from the truth.
    assert abs(reg - wtd) > 0.05
    assert np.all(np.abs(swapped - slopes) > 1)
    # And the valuation sheet moves with the inputs as CAPM says.
    v = recalculated["Valuation"]
    assert (v["B4"].value, v["B5"].value, v["B6"].value) == (RF, MRP, CASH_FLOW)
    assert abs(v["B11"].value - CASH_FLOW / (RF + reg * MRP)) < TOL


# --- (b) the add-in's formulas point at the data they name ----------------------------------------


def test_udf_formulas_refer_to_their_data(committed_book, cells, runtime):
    seen = set()
    for sheet, entry in udf_entries(cells):
        ws = committed_book[sheet]
        cell = ws[entry["cell"]]
        where = f"{sheet}!{entry['cell']}"
        assert isinstance(cell.value, ArrayFormula), f"{where} is not a dynamic-array formula"
        assert cell.value.ref == entry["spill"], where
        function, args = split_args(cell.value.text, PREFIX[runtime])
        assert function == entry["function"], where
        seen.add(function)
        names = SIGNATURES[function][: len(args)]
        python = getattr(udfs, function.lower(), None)
        if python is not None:  # the real signature wins where the function exists already
            params = list(inspect.signature(python).parameters)
            assert params[: len(args)] == names, f"{function}: the workbook assumes {names}, udfs has {params}"
        first_rows, data_sheets = {}, set()
        for name, text in zip(names, args):
            if name == "window":
                assert text == str(ROLLING_WINDOW), where
                continue
            assert name in ("prices", "shares", "holdings", "market", "dates"), f"{where}: unexpected argument {name}"
            data_ws, ref = resolve(committed_book, sheet, text)
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            if name == "holdings":  # the accounts' table on the formula's own sheet, names and header included
                assert data_ws is ws, f"{where}: holdings {text} are on another sheet"
                tickers = find_data_layout(committed_book[next(iter(data_sheets))])["names"] if data_sheets else None
                held = find_holdings(ws, tickers or sheet_data(sheet)[0].columns.tolist())
                assert (min_row, max_row) == (held["header"], held["last"]), f"{where}: holdings {text} rows"
                assert (min_col, max_col) == (held["first_col"], held["last_col"]), f"{where}: holdings {text} columns"
                continue
            layout = find_data_layout(data_ws)
            data_sheets.add(data_ws.title)
            a0, a1 = layout["asset_cols"]
            if name == "shares":
                assert (min_row, max_row) == (layout["shares_row"],) * 2, f"{where}: shares {text}"
                assert (min_col, max_col) == (a0, a1), f"{where}: shares {text} are not the asset columns"
                continue
            want_cols = {"prices": (a0, a1), "market": (layout["market_col"],) * 2, "dates": (layout["date_col"],) * 2}[
                name
            ]
            assert (min_col, max_col) == want_cols, f"{where}: {name} {text} columns"
            assert min_row in (layout["header"], layout["first"]), f"{where}: {name} {text} starts on row {min_row}"
            assert max_row == layout["last"], f"{where}: {name} {text} ends on row {max_row}, data on {layout['last']}"
            first_rows[name] = min_row
        assert len(set(first_rows.values())) == 1, f"{where}: ranges start on different rows {first_rows}"
        assert len(data_sheets) == 1, f"{where}: data from several sheets {data_sheets}"
        assert entry["args"] == dict(
            zip([n for n in names if n != "window"], [a for n, a in zip(names, args) if n != "window"])
        ), where
        ranges = cells["sheets"][sheet]["ranges"]  # the ranges whose contents the next test checks
        assert all(ranges[k] == v for k, v in entry["args"].items()), where
    assert seen == set(SIGNATURES)


@pytest.mark.parametrize("sheet", ["Bonds", "Portfolio", "Book", "Rolling"])
def test_data_ranges_hold_the_data(committed_book, cells, sheet):
    """The named ranges (and so the formulas' arguments) hold exactly the source data
    (the Book sheet's are the Portfolio sheet's; its holdings have their own test)."""
    prices, shares, market = sheet_data(sheet)
    ranges = cells["sheets"][sheet]["ranges"]
    block = lambda key: read_block(*resolve(committed_book, sheet, ranges[key]))  # noqa: E731
    assert block("prices")[0] == list(prices.columns)
    np.testing.assert_array_equal(np.array(block("prices")[1:], dtype=float), prices.to_numpy())
    if sheet != "Book":
        np.testing.assert_array_equal(np.array(block("shares"), dtype=float).ravel(), shares)
    column = [row[0] for row in block("market")]
    assert isinstance(column[0], str)
    np.testing.assert_array_equal(np.array(column[1:], dtype=float), market.to_numpy())
    dates = [row[0] for row in block("dates")]
    assert dates[0] == "Date" and dates[1:] == list(prices.index.to_pydatetime())
    ws, ref = resolve(committed_book, sheet, ranges["dates"])
    min_col, min_row, _, max_row = range_boundaries(ref)
    assert {ws.cell(row=r, column=min_col).number_format for r in range(min_row + 1, max_row + 1)} == {"yyyy-mm-dd"}


def test_udfs_evaluated_on_their_ranges_give_the_core_figures(committed_book, cells, expected):
    """Call each formula's function from xl_portbeta.udfs with the cells its arguments name,
    as Excel would: the figures are the Python core's on the source data."""
    for sheet, entry in udf_entries(cells):
        python = getattr(udfs, entry["function"].lower(), None)
        if python is None:
            continue  # not written yet: its ranges are still checked above
        kwargs = {k: read_block(*resolve(committed_book, sheet, ref)) for k, ref in entry["args"].items()}
        kwargs.update(entry["literals"])
        got = python(**kwargs)
        prices, shares, market = sheet_data(sheet)
        where = f"{sheet}!{entry['cell']} {entry['formula']}"
        if entry["function"] in ("PORTBETA_REG", "PORTBETA_WTD", "BETA_GAP", "ASSET_BETAS"):
            result = xl_portbeta.portfolio_beta(prices, shares, market, prices.index.to_numpy())
            want = {
                "PORTBETA_REG": result.reg,
                "PORTBETA_WTD": result.wtd,
                "BETA_GAP": result.gap,
                "ASSET_BETAS": [list(result.asset_betas)],
            }[entry["function"]]
            np.testing.assert_allclose(
                np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=0, atol=1e-12, err_msg=where
            )
        else:  # a table: it must fit the room left for its spill
            table = got.values.tolist() if hasattr(got, "values") else got
            rows, cols = len(table), max(len(r) for r in table)
            min_col, min_row, max_col, max_row = range_boundaries(entry["spill"])
            if entry["function"] in (
                "PORTBETA_ROLLING",
                "PORTBETA_BOOK",
            ):  # spilled exactly: one row per window/account
                assert (rows, cols) == (max_row - min_row + 1, max_col - min_col + 1), where
            if entry["function"] == "PORTBETA_ROLLING":
                # date and REG of each window: the window argument is where the function reads it
                assert [r[0] for r in table[1:]] == list(expected["Rolling"]["rolling_dates"]), where
                np.testing.assert_allclose(
                    [r[1] for r in table[1:]], expected["Rolling"]["rolling_reg"], rtol=0, atol=1e-12, err_msg=where
                )
            elif entry["function"] == "PORTBETA_BOOK":
                # each account's row: the single-portfolio figures of that account's shares
                holdings = find_holdings(committed_book[sheet], list(prices.columns))
                assert [r[0] for r in table[1:]] == holdings["names"], where
                assert all(r[-1] is None for r in table[1:]), f"{where}: an account has a note"
                for k, account in enumerate(holdings["shares"]):
                    result = xl_portbeta.portfolio_beta(prices, account, market, prices.index.to_numpy())
                    np.testing.assert_allclose(
                        table[1 + k][2:5],
                        [result.reg, result.wtd, result.gap],
                        rtol=0,
                        atol=1e-12,
                        err_msg=f"{where} row {k + 1}",
                    )
                    assert table[1 + k][1] == pytest.approx(account @ prices.to_numpy()[-1], rel=1e-13), where
            else:
                reserved = cells["sheets"][sheet]["layout"]["spill_reserved"][entry["what"]]
                rc0, rr0, rc1, rr1 = range_boundaries(reserved)
                assert rows <= rr1 - rr0 + 1 and cols <= rc1 - rc0 + 1, f"{where}: {rows} x {cols} overflows"


def test_addin_cells_are_saved_with_the_packages_result(committed_book, saved, cells):
    """Each add-in formula and the cells it spills into are saved with what xl_portbeta.udfs
    computes from the cells its arguments name (as Excel saves a calculated spill)."""
    checked = 0
    for sheet, entry in udf_entries(cells):
        kwargs = {k: read_block(*resolve(committed_book, sheet, ref)) for k, ref in entry["args"].items()}
        kwargs.update(entry["literals"])
        got = getattr(udfs, entry["function"].lower())(**kwargs)
        table = got if isinstance(got, list) else [[got]]
        block = read_block(saved[sheet], entry["spill"])
        where = f"{sheet}!{entry['spill']} {entry['formula']}"
        assert (len(block), len(block[0])) == (len(table), max(len(r) for r in table)), where
        for i, row in enumerate(table):
            for j, want in enumerate(row):
                value = block[i][j]
                if hasattr(want, "to_pydatetime"):
                    want = want.to_pydatetime()
                if isinstance(want, float):  # to 1e-12: the file may be built with another numpy's LAPACK
                    assert value == pytest.approx(want, rel=1e-12, abs=1e-13), f"{where} [{i}][{j}]"
                else:
                    assert value == want, f"{where} [{i}][{j}]: {value!r} != {want!r}"
                checked += 1
    assert checked > 5_000


def test_spill_areas_hold_values_and_nothing_blocks_them(committed_book, cells):
    """A spilled cell holds a value, never a formula (Excel keeps the formula at the anchor
    only); the room left around a table is empty (Excel would show #SPILL!)."""
    for sheet, entry in udf_entries(cells):
        ws = committed_book[sheet]
        anchor = (ws[entry["cell"]].row, ws[entry["cell"]].column)
        assert isinstance(ws.cell(*anchor).value, ArrayFormula), f"{sheet}!{entry['cell']}"
        c0, r0, c1, r1 = range_boundaries(entry["spill"])
        spill = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r, c in spill - {anchor}:
            value = ws.cell(row=r, column=c).value
            assert not (isinstance(value, str) and value.startswith("=")) and not isinstance(value, ArrayFormula), (
                f"{sheet}!{get_column_letter(c)}{r} holds a formula in {entry['spill']}"
            )
        reserved = cells["sheets"][sheet]["layout"].get("spill_reserved", {}).get(entry["what"])
        if reserved:
            min_col, min_row, max_col, max_row = range_boundaries(reserved)
            for r in range(min_row, max_row + 1):
                for c in range(min_col, max_col + 1):
                    if (r, c) not in spill:
                        assert ws.cell(row=r, column=c).value is None, (
                            f"{sheet}!{get_column_letter(c)}{r} blocks {reserved}"
                        )


def test_rolling_chart_plots_the_spill(committed_book, cells):
    ws = committed_book["Rolling"]
    (entry,) = cells["sheets"]["Rolling"]["udfs"]
    min_col, min_row, max_col, max_row = range_boundaries(entry["spill"])
    n_returns = len(sheet_data("Rolling")[0]) - 1
    assert max_row - min_row == n_returns - ROLLING_WINDOW + 1  # header + one row per window
    (chart,) = ws._charts
    assert [s.tx.v for s in chart.series] == ["REG", "WTD", "GAP", "REG, native"]

    def column(c: int) -> str:  # the spill's data rows in column c, under its header row
        letter = get_column_letter(c)
        return f"'Rolling'!${letter}${min_row + 1}:${letter}${max_row}"

    for j, s in enumerate(chart.series[:3]):
        assert s.val.numRef.f == column(min_col + 1 + j)
    # The dates on the x-axis: the native "Window end" column beside the spill (LibreOffice,
    # and Excel before the add-in runs, would label the spill's own dates #NAME?), each
    # cell a reference to the data's date at its window's last return.
    (native,) = [c for c in range(max_col + 1, max_col + 10) if ws.cell(row=min_row, column=c).value == "Window end"]
    assert (
        cells["sheets"]["Rolling"]["native"]["rolling_dates"] == f"{get_column_letter(native)}{min_row + 1}:"
        f"{get_column_letter(native)}{max_row}"
    )
    for s in chart.series:
        assert s.cat.numRef.f == column(native)
    layout = find_data_layout(ws)
    window_ends = []
    for r in range(min_row + 1, max_row + 1):
        formula = ws.cell(row=r, column=native).value
        m = re.fullmatch(r"=\$?([A-Z]+)\$?(\d+)", formula)
        assert m and m.group(1) == get_column_letter(layout["date_col"]), f"Rolling row {r}: {formula!r}"
        window_ends.append(ws[f"{m.group(1)}{m.group(2)}"].value)
    assert window_ends == list(sheet_data("Rolling")[0].index[ROLLING_WINDOW:].to_pydatetime())


def test_rolling_chart_shows_the_native_reg(committed_book, cells):
    """A series over the native REG column: the chart is not empty before the add-in runs."""
    ws = committed_book["Rolling"]
    (chart,) = ws._charts
    ref = cells["sheets"]["Rolling"]["native"]["rolling_reg"]
    min_col, min_row, _, max_row = range_boundaries(ref)
    letter = get_column_letter(min_col)
    assert ws.cell(row=min_row - 1, column=min_col).value == "REG, native"
    (native,) = [s for s in chart.series if s.tx.v == "REG, native"]
    assert native.val.numRef.f == f"'Rolling'!${letter}${min_row}:${letter}${max_row}"
    assert all(str(ws.cell(row=r, column=min_col).value).startswith("=SLOPE(") for r in (min_row, max_row))


def test_workbook_config_for_classic_xlwings(committed_book, runtime):
    """The keys xlwings' VBA reads (GetConfigFromSheet: column A from A1 down, values in B).
    xlwings Lite reads no such sheet: its workbook has none."""
    if runtime == "lite":
        assert "xlwings.conf" not in committed_book.sheetnames
        return
    ws = committed_book["xlwings.conf"]
    keys = {}
    r = 1
    while ws.cell(row=r, column=1).value not in (None, ""):
        keys[str(ws.cell(row=r, column=1).value).upper()] = ws.cell(row=r, column=2).value
        r += 1
    assert keys == {"UDF MODULES": "xl_portbeta.udfs"}
    assert importlib.util.find_spec(keys["UDF MODULES"]) is not None
    addin = Path(importlib.util.find_spec("xlwings").origin).parent / "addin" / "Main.bas"
    if addin.exists():
        assert 'GetConfig("UDF MODULES")' in addin.read_text(errors="replace")


def test_formats(committed_book):
    bonds = committed_book["Bonds"]
    assert bonds.freeze_panes == "A5"
    assert committed_book["Portfolio"].freeze_panes and committed_book["Rolling"].freeze_panes
    assert bonds["A5"].number_format == "yyyy-mm-dd" and isinstance(bonds["A5"].value, dt.datetime)
    assert bonds["N5"].number_format == "0.0000"
    assert bonds["M14"].number_format.endswith("%") and bonds["F6"].number_format.endswith("%")
    for ws in committed_book.worksheets:
        assert any(d.width for d in ws.column_dimensions.values()), ws.title


# --- (c) and (d) reproducible, and committed as built ---------------------------------------------


def test_build_is_reproducible(builder, fresh_build, tmp_path):
    out, record = fresh_build
    record2 = builder.build(tmp_path, tmp_path / COMMITTED_CELLS.name)
    assert record2 == record
    for path in WORKBOOKS.values():
        first, second = out / path.name, tmp_path / path.name
        assert snapshot(second) == snapshot(first)
        assert second.read_bytes() == first.read_bytes()  # fixed times: even the bytes agree
    assert (tmp_path / COMMITTED_CELLS.name).read_bytes() == (out / COMMITTED_CELLS.name).read_bytes()


def test_committed_workbook_is_a_fresh_build(fresh_build, all_cells, committed):
    out, record = fresh_build
    assert all_cells == json.loads(json.dumps(record)), "cells.json is stale: run python workbook/build_workbook.py"
    assert not (WORKBOOK_DIR / "xl_portbeta_demo.xlsx").exists(), "the old single demo workbook is gone"
    fresh, committed = snapshot(out / committed.name), snapshot(committed)
    assert fresh["sheets"] == committed["sheets"]
    for name in fresh["sheets"]:
        diff = {
            k
            for k in set(fresh[name]["cells"]) | set(committed[name]["cells"])
            if not same_cell(fresh[name]["cells"].get(k), committed[name]["cells"].get(k))
        }
        assert not diff, f"{name}: committed workbook differs from a fresh build at {sorted(diff)[:10]}"
        assert {k: v for k, v in fresh[name].items() if k != "cells"} == {
            k: v for k, v in committed[name].items() if k != "cells"
        }, name
    assert fresh["properties"] == committed["properties"], "run python workbook/build_workbook.py and commit the result"


def same_cell(a, b) -> bool:
    """Two snapshot cells alike: saved figures to 1e-12 (another numpy or LAPACK build rounds the
    last bits of a least-squares fit otherwise: Python 3.13 with numpy 2.5), all else exactly."""
    if a is None or b is None or len(a) != len(b):
        return a == b
    (va, *rest_a), (vb, *rest_b) = a, b
    if isinstance(va, float) and isinstance(vb, float):
        return va == pytest.approx(vb, rel=1e-12, abs=1e-13) and rest_a == rest_b
    return a == b


def test_spilled_tables_show_dates_as_dates_and_shares_as_whole_numbers(cells, committed_book):
    """Formats are set per row of PORTBETA_STATS and per column of BETA_GAP_DETAIL."""
    from xl_portbeta.sheet import stats_table

    ws = committed_book["Portfolio"]
    anchors = {u["function"]: u["cell"] for u in cells["sheets"]["Portfolio"]["udfs"]}
    prices, shares, market = datasets.demo_portfolio()
    table = stats_table(api.portfolio_stats(prices, shares, market, prices.index.to_numpy()))
    top = ws[anchors["PORTBETA_STATS"]].row
    for k, row in enumerate(table[1:], start=1):
        fmt = ws.cell(row=top + k, column=2).number_format
        if isinstance(row[1], dt.datetime):
            assert fmt == "yyyy-mm-dd", row[0]
        elif row[0] in ("beta", "standard error of beta", "Blume-adjusted beta"):
            assert fmt == "0.0000", row[0]
    detail_top = ws[anchors["BETA_GAP_DETAIL"]].row
    assert ws.cell(row=detail_top + 1, column=2).number_format == "#,##0"  # shares
    assert ws.cell(row=detail_top + 1, column=3).number_format == "0.00%"  # weight


# --- (g) the Book sheet ------------------------------------------------------------------------------


def test_book_holdings_are_model_portfolios_in_whole_shares(committed_book):
    """A few dozen accounts on the Portfolio sheet's stocks, as a wealth manager's book
    looks: a few models, accounts of different sizes, some holding a handful of stocks."""
    prices, _, _ = datasets.demo_portfolio()
    held = find_holdings(committed_book["Book"], list(prices.columns))
    shares, names = held["shares"], held["names"]
    assert 20 <= len(names) <= 60 and len(set(names)) == len(names)
    assert np.all(shares >= 0) and np.all(shares == np.floor(shares))
    assert len({tuple(r) for r in shares}) == len(names), "two accounts hold the same shares"
    models = {name.rsplit(" ", 1)[0] for name in names}
    assert len(models) >= 4, models
    n_held = (shares > 0).sum(axis=1)
    assert n_held.max() == shares.shape[1] and n_held.min() <= 4 and np.all(n_held >= 1)
    values = shares @ prices.to_numpy()[-1]
    assert values.max() / values.min() > 10  # small and large accounts
    for r in range(held["header"] + 1, held["last"] + 1):  # inputs: plain numbers, not formulas
        assert all(
            isinstance(committed_book["Book"].cell(row=r, column=c).value, int)
            for c in range(held["first_col"] + 1, held["last_col"] + 1)
        )


def test_book_cross_check_is_the_first_accounts_row_of_the_table(committed_book, cells):
    """The key figures' add-in column shows the first account's REG, WTD and GAP from the
    spilled table (found by the table's declared headers), the difference column subtracts
    the native figure, and the native WTD uses the Portfolio sheet's native SLOPEs."""
    from xl_portbeta.tables import BOOK_COLUMNS

    ws, rec = committed_book["Book"], cells["sheets"]["Book"]
    (entry,) = rec["udfs"]
    min_col, min_row, max_col, max_row = range_boundaries(entry["spill"])
    assert (max_row - min_row, max_col - min_col + 1) == (len(rec["layout"]["accounts"]), len(BOOK_COLUMNS))
    prices, _, _ = datasets.demo_portfolio()
    held = find_holdings(ws, list(prices.columns))
    assert held["names"] == rec["layout"]["accounts"] and held["header"] == min_row  # level with the table
    headers = [c.header for c in BOOK_COLUMNS]
    anchor = absolute_coordinate(get_column_letter(min_col) + str(min_row))
    for key, header in (("reg", "REG"), ("wtd", "WTD"), ("gap", "GAP")):
        cell = rec["layout"]["addin"][key]
        want = f"{get_column_letter(min_col + headers.index(header))}{min_row + 1}"  # the first account's row
        assert ws[cell].value == f"=IF(ISERROR({anchor}),{anchor},{want})", cell
        native = rec["native"][key]
        diff = ws.cell(row=ws[cell].row, column=ws[cell].column + 2)
        assert diff.value == f"={cell}-{native}"
    assert ws[rec["native"]["reg"]].value.startswith("=SLOPE(")
    betas = rec["native"]["asset_betas"]
    portfolio = cells["sheets"]["Portfolio"]["native"]["asset_betas"]
    p0, pr, p1, _ = range_boundaries(portfolio)
    b0, br, b1, _ = range_boundaries(betas)
    assert [ws.cell(row=br, column=c).value for c in range(b0, b1 + 1)] == [
        f"=Portfolio!${get_column_letter(c)}${pr}" for c in range(p0, p1 + 1)
    ]
    assert ws[rec["native"]["wtd"]].value == f"=SUMPRODUCT({rec['native']['weights']},{betas})"
    # the account's value: its own share row (the first account's) times each date's prices
    value = ws[rec["native"]["account_value"].split(":")[0]].value
    first_row = (
        f"${get_column_letter(held['first_col'] + 1)}${held['header'] + 1}:"
        f"${get_column_letter(held['last_col'])}${held['header'] + 1}"
    )
    assert value.startswith(f"=SUMPRODUCT({first_row},Portfolio!"), value


def test_book_table_is_formatted_from_its_registry(committed_book, cells):
    from xl_portbeta.tables import BOOK_COLUMNS

    ws = committed_book["Book"]
    (entry,) = cells["sheets"]["Book"]["udfs"]
    min_col, min_row, _max_col, max_row = range_boundaries(entry["spill"])
    for j, column in enumerate(BOOK_COLUMNS):
        for r in (min_row + 1, max_row):
            assert ws.cell(row=r, column=min_col + j).number_format == (column.number_format or "General"), column.key


def test_saved_value_evaluator_follows_excel(builder):
    """The builder's evaluator of the native formulas: Excel's SLOPE (statsmodels' OLS slope),
    SUMPRODUCT (text and blanks count 0), errors that propagate, and a circular reference refused."""
    from builder import values

    sm = pytest.importorskip("statsmodels.api")
    ys, xs = [0.01, -0.02, 0.03, 0.005, -0.01], [0.02, -0.01, 0.025, 0.0, -0.015]
    want = sm.OLS(np.array(ys), sm.add_constant(np.array(xs))).fit().params[1]
    assert values.slope(ys, xs) == pytest.approx(want, rel=1e-13)
    assert values.slope(ys + ["text"], xs + [1.0]) == pytest.approx(want, rel=1e-13)  # a pair with text is left out
    assert values.slope([1.0, values.Error("#N/A")], [1.0, 2.0]) == "#N/A"
    assert values.slope([1.0, 2.0], [3.0, 3.0]) == "#DIV/0!"
    assert values.sumproduct([2.0, "a", None], [3.0, 5.0, 7.0]) == 6.0
    assert values.arithmetic("/", 1.0, 0.0) == "#DIV/0!" and isinstance(values.arithmetic("/", 1.0, 0.0), values.Error)
    assert values.arithmetic("-", None, 2.0) == -2.0  # a blank cell is 0 in arithmetic

    class Sheet:
        title_text, arrays = "S", {}
        cells = {  # noqa: RUF012 - a stand-in sheet, read only
            (1, 1): ("=A2+1", {}),
            (2, 1): ("=A1*2", {}),
            (3, 1): ("=IF(ISERROR(A4),A4,A5/2)", {}),
        }
        cells |= {(4, 1): ("=A5/0", {}), (5, 1): (4, {})}

    ev = values.Evaluator([Sheet], "classic")
    with pytest.raises(ValueError, match="circular"):
        ev.cell("S", 1, 1)
    assert ev.cell("S", 3, 1) == "#DIV/0!"
