"""The Start sheet: what the two betas are, which to use, the sheets, and how to enable
the functions in this workbook's runtime (its steps are the runtime's own)."""

from __future__ import annotations

from xl_portbeta import udfs

from .layout import BOLD, CODE, HEADER, TITLE, WRAP, Print, Sheet

FUNCTIONS = [name.upper() for name in udfs.__all__]  # the Excel functions, as main.py registers them

ABOUT = [
    ("title", "xl_portbeta: a portfolio's beta, two ways"),
    ("head", "The two betas"),
    ("text", "REG  =PORTBETA_REG(prices, shares, market, [dates]): the beta of the portfolio you actually held. "
             "The slope of its returns on the market's returns, while its weights drift with prices."),
    ("text", "WTD  =PORTBETA_WTD(...): the weighted average of each holding's own beta, with the "
             "market-value weights of one date (default: the last)."),
    ("text", "GAP  =BETA_GAP(...) = REG - WTD: how much the weights' drift changed the beta. "
             "ASSET_BETAS(prices, market, [dates]) gives each holding's own beta."),
    ("text", "Tables (they spill): PORTBETA_STATS (both betas and their statistics), BETA_GAP_DETAIL (each "
             "holding's part of the gap), PORTBETA_ROLLING(prices, shares, market, window, ...) and "
             "PORTBETA_BOOK(prices, holdings, market, ...), one row per account of a book; ASSET_STATS(prices, "
             "market, [dates]): each holding's beta checked (its standard error, Blume, Vasicek, Dimson and "
             "Scholes-Williams betas), on the Bonds sheet."),
    ("text", "Inputs as desks have them: HOLDINGS_ON(dates, statement_dates, statements) and "
             "HOLDINGS_FROM_TRADES(dates, trade_dates, tickers, quantities) spill a holdings history for shares; "
             "PRICES_IN(prices, currencies, fx_rates) converts prices into one currency. A market range of several "
             "columns under a header of names gives each benchmark's figures."),
    ("head", "Which one to use"),
    ("text", "Funds and reported risk (what the portfolio really did): REG, from the actual holdings."),
    ("text", "Comparing with an index fund, or looking forward from today's weights: WTD, from the current weights."),
    ("head", "The sheets"),
    ("text", "Bonds: two bonds, each function next to the same figure in plain Excel formulas, and the common mistake."),
    ("text", "Portfolio: 20 S&P 500 stocks in 2022, equal weights on the last date, with the statistics and per-holding tables."),
    ("text", "Book: 30 accounts (six model portfolios) holding the Portfolio sheet's stocks, every account's REG, "
             "WTD and GAP in one PORTBETA_BOOK table, and the first account again in plain Excel."),
    ("text", "Rolling: REG, WTD and GAP over 252-day windows, 2015 to 2022, with a chart (its dashed line, the native "
             "REG, and its dates show without the add-in)."),
    ("text", "Valuation: what the gap is worth (CAPM discount rate and the value of a $10 perpetuity under each beta)."),
    ("text", "Live: type tickers, dates and share counts; Excel 365's STOCKHISTORY fetches the closes (online, "
             "Microsoft 365 only) and the add-in computes REG, WTD and GAP from them."),
    ("text", "Blue cells call the add-in (saved with their figures; #NAME? once Excel recalculates them before the "
             "add-in is enabled); green cells compute the same figure in plain Excel; orange cells are inputs you "
             "can change."),
]  # fmt: skip

ARGUMENTS = [
    ("head", "Arguments"),
    ("text", "prices, shares, market, [dates], [frequency], [rf], [as_of]: prices one column per holding (a first row "
             "of names is fine), shares one row, market one column, on the same rows. PORTBETA_REG takes no as_of; "
             "ASSET_BETAS takes no shares; PORTBETA_BOOK takes holdings instead: one row per account, a first "
             "column of account names, a header row of the holdings' names (matched to the prices' names)."),
]  # fmt: skip

STEPS = {
    "classic": [
        ("head", "Enable the functions: classic xlwings (Excel on Windows, with Python installed)"),
        ("text", "This workbook is for classic xlwings. For Excel on macOS or the web, or without a Python "
                 "installation, use xl_portbeta_lite.xlsx (xlwings Lite) instead."),
        ("text", "1. In a command prompt, in a clone of xl_portbeta, install xlwings and xl_portbeta into the Python "
                 "that Excel is to use:"),
        ("code", "       pip install xlwings ."),
        ("text", "2. Close Excel, then install the xlwings add-in (it is copied to Excel's XLSTART folder):"),
        ("code", "       xlwings addin install"),
        ("text", "3. Open Excel: the ribbon has an xlwings tab. If not: File > Options > Add-ins > Manage: Excel "
                 "Add-ins > Go..., tick xlwings."),
        ("text", "4. File > Options > Trust Center > Trust Center Settings > Macro Settings: tick \"Trust access to "
                 "the VBA project object model\" (Import Functions writes VBA into this workbook)."),
        ("text", "5. Open this workbook, press Alt+F11 (the VBA editor), select this workbook's VBAProject, then "
                 "Tools > References...: tick xlwings. Close the VBA editor."),
        ("text", "6. xlwings tab: Interpreter = the python.exe of step 1 (empty: the python on PATH). UDF Modules is "
                 "set by this workbook's xlwings.conf sheet (xl_portbeta.udfs). Click Import Functions."),
        ("text", "7. File > Save As: Excel Macro-Enabled Workbook (*.xlsm); the imported functions are VBA and are "
                 "kept only in an .xlsm. Cells still showing #NAME?: Ctrl+Alt+F9 recalculates everything."),
    ],
    "lite": [
        ("head", "Enable the functions: xlwings Lite (Excel 365 or 2021+ on Windows and macOS, Excel on the web)"),
        ("text", "This workbook is for xlwings Lite: no Python to install, no macros. For classic xlwings (Excel on "
                 "Windows with a local Python) use xl_portbeta_classic.xlsx instead."),
        ("text", "The figures you see were computed by xl_portbeta when this file was built and saved with it. "
                 "Until the add-in has started and registered its functions, a blue cell that Excel recalculates "
                 "(after you change an input, or with Ctrl+Alt+F9) shows #NAME?."),
        ("text", "1. Open the add-in: Home > Add-ins (in older Excel: Insert > Add-ins), search for xlwings, click "
                 "Add on xlwings Lite (once per Excel). Then click the xlwings Lite button at the right end of the "
                 "Home tab: its task pane opens on the right."),
        ("text", "2. Trust this workbook: xlwings Lite runs the code of a workbook you did not write only after you "
                 "confirm that you trust it, on its first run (and again whenever the Office cache is cleared). "
                 "The code is main.py in the task pane: xl_portbeta's own modules, as source, generated by "
                 "workbook/build_workbook.py."),
        ("text", f"3. Wait for the first start: Lite installs requirements.txt (xlwings, numpy, pandas, scipy, all "
                 f"from Pyodide's own package index; the first start takes a while), runs main.py and registers "
                 f"the {len(FUNCTIONS)} functions ({', '.join(FUNCTIONS)}). Then press Ctrl+Alt+F9: every blue "
                 "cell is computed by the add-in, to the same figures."),
        ("text", "4. Start with the file: xlwings Lite menu (the three lines at the top of the task pane) > Settings > "
                 "Workbook > Startup Behavior: choose to start the add-in (and show the task pane) when the "
                 "workbook opens, then save the workbook. A workbook starts by itself only once Lite has saved "
                 "this setting in it."),
        ("text", "5. Save as .xlsx as usual: main.py and requirements.txt stay in the workbook. main.py is generated "
                 "from the package: change the package, not main.py."),
    ],
}  # fmt: skip

WIDTH = 72  # column A, in characters: fits a portrait A4 page unscaled (in LibreOffice's fonts too)


def lines(text: str) -> int:
    """How many lines a wrapped cell of column A needs (an estimate, with some room)."""
    return max(1, -(-len(text) // (WIDTH - 5)))


def build(book) -> Sheet:
    sh = book.sheet("Start")
    row = 1
    for kind, text in ABOUT + STEPS[book.runtime.key] + ARGUMENTS:
        if kind == "title":
            sh.put(row, 1, text, style=TITLE)
            row += 2
            continue
        if kind == "head":
            row += row > 3  # a blank row before each section but the first
            sh.put(row, 1, text, style=HEADER | WRAP)
            sh.ws.set_row(row - 1, 15 * lines(text))
        elif kind == "code":
            sh.put(row, 1, text, style=CODE | BOLD)
        else:
            sh.put(row, 1, text, style=WRAP)
            sh.ws.set_row(row - 1, 15 * lines(text))
        row += 1
    sh.ws.hide_gridlines(2)
    sh.record.layout["steps"] = [text for kind, text in STEPS[book.runtime.key] if kind != "head"]
    sh.finish(widths={"A": WIDTH}, printing=Print((1, 1, row - 1, 1), landscape=False, tall=0))
    return sh
