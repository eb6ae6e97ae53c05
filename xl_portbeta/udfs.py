"""Excel functions: thin xlwings declarations over :mod:`xl_portbeta.api`.

One module for every xlwings runtime: ``import xlwings as xw`` hands out the classic
(COM) decorators on Windows and the Office.js ones in xlwings Lite and Server.
Every range arrives ``"raw"`` (unconverted) and is read by :mod:`xl_portbeta.inputs`,
which knows both runtimes' blanks, error cells and dates, and is faster than
xlwings' converters on large ranges.

The Python names are the Excel names in lower case: Office.js shows them upper-cased,
and VBA (classic) matches names without regard to case. Each function's arguments,
their order, defaults and Excel help are declared in :mod:`xl_portbeta.arguments`.
"""

from collections.abc import Callable
from typing import Any

import xlwings as xw

from . import api, sheet
from .arguments import EXCEL, declared, help_in
from .errors import PortbetaError, named

# what ``from xl_portbeta.udfs import *`` (xlwings Lite's main.py) brings in
__all__ = [  # noqa: RUF022  (the Excel functions in the order of arguments.EXCEL)
    "portbeta_reg", "portbeta_wtd", "beta_gap", "asset_betas",
    "portbeta_stats", "beta_gap_detail", "portbeta_rolling", "portbeta_book", "asset_betas_rolling",
    "asset_stats", "prices_in", "holdings_on", "holdings_from_trades",
]  # fmt: skip


class ExcelError(PortbetaError, xw.XlwingsError):
    """The add-in's error as the Excel functions raise it: an ``xlwings.XlwingsError``, whose
    message xlwings Lite and Server show on the cell (other errors show a generic text)."""


class WholeTable(xw.conversion.Converter):
    """The rolling tables' return converter. In an Office.js runtime (xlwings Lite, Server:
    the options carry its ``runtime``) the cells are made at once (:func:`sheet.officejs_cells`)
    and handed on raw, instead of through xlwings' converter called once per cell (most of
    a rolling call's time in Pyodide: bench/NOTES.md); Excel receives the same values.
    Elsewhere (classic COM) xlwings' own conversion runs, as for every other function."""

    @classmethod
    def writer(cls, options: Any) -> Any:
        from xlwings.conversion.standard import RawValueAccessor, ValueAccessor

        base = RawValueAccessor if "runtime" in options else ValueAccessor
        return base.writer(options).prepend_stage(cls.ToValueStage(cls.write_value, options))

    @staticmethod
    def write_value(table: Any, options: Any) -> Any:
        if "runtime" not in options:
            return table
        prepare = xw.engines["officejs"].impl.prepare_xl_data_element
        if not isinstance(table, sheet.LabelledTable):  # any other table: xlwings' cells, one by one
            return [[prepare(value, options) for value in row] for row in table]
        return sheet.officejs_cells(
            table, options.get("date_format"), options["runtime"], lambda value: prepare(value, options)
        )


def excel(function: Callable[..., Any]) -> Callable[..., Any]:
    """An Excel function of ``**arguments``: the declared arguments (:data:`arguments.EXCEL`
    under the upper-cased name), each ``"raw"`` (unconverted: inputs.py reads both
    runtimes' cells) with its Excel help, and every error named after the Excel function
    and raised as an :class:`ExcelError`."""
    name = function.__name__.upper()
    function = named(name, raise_as=ExcelError)(declared(EXCEL[name])(function))
    for argument in EXCEL[name]:
        function = xw.arg(argument, "raw", doc=help_in(EXCEL[name], argument))(function)
    return function


@xw.func
@excel
def portbeta_reg(**arguments):
    """Beta of the actual holdings: OLS slope (with intercept) of the portfolio's returns on the market's (a row of one per benchmark when market has several)."""
    return sheet.figure(api.portfolio_beta(**arguments), "reg")


@xw.func
@excel
def portbeta_wtd(**arguments):
    """Weighted-average beta: sum of each holding's market-value weight at as_of times its own OLS beta (a row of one per benchmark when market has several)."""
    return sheet.figure(api.portfolio_beta(**arguments), "wtd")


@xw.func
@excel
def beta_gap(**arguments):
    """PORTBETA_REG minus PORTBETA_WTD on the same dates: the part of beta made by weight drift (a row of one per benchmark when market has several)."""
    return sheet.figure(api.portfolio_beta(**arguments), "gap")


@xw.func
@excel
def asset_betas(**arguments):
    """Each asset's OLS beta on the market, as one row in the column order of prices; one row per benchmark when market has several (spills)."""
    return sheet.betas_rows(api.asset_betas(**arguments)[0])


@xw.func
@excel
def portbeta_stats(**arguments):
    """Labelled table: beta, its standard error, t, 95% CI, R², alpha, up/down, downside and Blume betas, for the actual holdings and the current weights; with a cap, each beta's p-value above it and verdict (spills)."""
    return sheet.blocks(api.portfolio_stats(**arguments), sheet.stats_table)


@xw.func
@excel
def beta_gap_detail(**arguments):
    """One row per holding: weights, beta, and its part of BETA_GAP (drift + interaction); a total row equals BETA_GAP (spills)."""
    return sheet.blocks(api.gap_detail(**arguments), sheet.detail_table)


@xw.func
@xw.ret(WholeTable)
@excel
def portbeta_rolling(**arguments):
    """One row per window end: date, REG, WTD (weights at that window's end) and GAP (spills)."""
    return sheet.blocks(api.rolling_portfolio_beta(**arguments), sheet.rolling_table)


@xw.func
@excel
def portbeta_book(**arguments):
    """One row per account: market value, REG, WTD, GAP, the gap's standard error and t, R² of REG, observations, its sample's dates; with a cap, each beta's p-value above it, verdicts and breach (spills)."""
    # one thread: Excel's recalculation has the other cores
    return sheet.blocks(api.book_betas(**arguments, threads=1), sheet.book_table)


@xw.func
@xw.ret(WholeTable)
@excel
def asset_betas_rolling(**arguments):
    """One row per window end: date, then each asset's OLS beta over that window (spills)."""
    return sheet.blocks(api.rolling_asset_betas(**arguments), sheet.asset_rolling_table)


@xw.func
@excel
def asset_stats(**arguments):
    """Labelled table, one column per asset: beta, its standard error, t, R², alpha, Blume, Vasicek, Dimson, Scholes-Williams, up- and down-market betas (spills)."""
    return sheet.blocks(api.asset_stats(**arguments), sheet.asset_stats_table)


@xw.func
@excel
def prices_in(**arguments):
    """Prices in the portfolio's currency: each asset's price times its currency's rate on its row; the prices' header kept, for PORTBETA_* (spills)."""
    return sheet.prices_table(api.prices_in(**arguments))


@xw.func
@excel
def holdings_on(**arguments):
    """Holdings history from statements on their own dates: one row per date (header: the statements' names), each date holding the last statement on or before it; blank before the first (spills; PORTBETA_* take it as shares)."""
    return sheet.history(api.holdings_on(**arguments))


@xw.func
@excel
def holdings_from_trades(**arguments):
    """Holdings history from a ledger of trades: one row per date (header: the names), the opening positions plus every trade dated on or before it (spills; PORTBETA_* take it as shares)."""
    return sheet.history(api.holdings_from_trades(**arguments))
