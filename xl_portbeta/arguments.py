"""The arguments, declared once: their names, order, defaults and Excel help.

Each :class:`Argument` says what Excel shows for it and whether it is *row-aligned*
(one value per row of prices: its rows are trimmed, turned around and dropped with the
prices'). Each argument list is spelled here once, in order; the Excel functions
(:mod:`xl_portbeta.udfs`), the API's one-call functions (:mod:`xl_portbeta.api`), the
command line and the tests take theirs from :data:`EXCEL` and :data:`API`.

A new argument is one :class:`Argument` here, its place in the lists below, and its
reader and rule in :mod:`xl_portbeta.sample` (README, "Development").

This module imports nothing of the package: every other module may use it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["API", "ARGUMENTS", "ASSETS", "ASSETS_ROLLING", "BOOK", "CURRENCIES", "EXCEL", "PORTFOLIO", "REQUIRED",
           "ROLLING", "STATEMENTS", "STATS", "TRADES", "Argument", "declared", "defaults", "help_in", "signature"]  # fmt: skip

REQUIRED = inspect.Parameter.empty

_Result = TypeVar("_Result")


@dataclass(frozen=True)
class Argument:
    """One argument of the Excel functions and the API.

    Attributes
    ----------
    name : str
        The Python and Excel name.
    help : str
        What Excel's function wizard and Office.js show for it (:func:`help_in` puts
        "Optional." in front where the argument may be left out).
    default : object
        Its value when left out; :data:`REQUIRED` when it must be given.
    row_aligned : bool
        One value (or row) per row of prices.
    """

    name: str
    help: str
    default: Any = REQUIRED
    row_aligned: bool = False


ARGUMENTS: dict[str, Argument] = {
    a.name: a
    for a in (
        Argument("prices", "Asset prices, one row per date (oldest first), one column per asset; an optional first "
                 "row of names.", row_aligned=True),
        Argument("shares", "Share counts: one row of N numbers held throughout, or one row per date (a holdings "
                 "history). Negative = short."),
        Argument("holdings", "Share counts of many accounts: one row per account, in the column order of prices (or "
                 "a header row of names); an optional first column of account names."),
        Argument("market", "Benchmark price levels (e.g. the index), one column, same rows as prices; several "
                 "benchmarks: one column each under a header row of their names (the first is the primary).",
                 row_aligned=True),
        Argument("window", "Number of returns in each window, e.g. 252 for a year of daily returns."),
        Argument("dates", "Dates of the rows (ascending or descending).", None, row_aligned=True),
        Argument("frequency", '"daily" (every row), "weekly" or "monthly" (last row of each calendar '
                 "period; needs dates). Left out: the rows as given, periods per year from the dates.", None),
        Argument("rf", "Annual risk-free rate (0.05 for 5%): one number, or one per row (a blank carries "
                 "the last rate forward). A constant rate changes no beta.", 0.0, row_aligned=True),
        Argument("as_of", "Date whose holdings set the weights (without dates: the row number). Default: "
                 "the last row.", None),
        Argument("statement_dates", "Date of each statement, one per row of statements: each one of the dates."),
        Argument("statements", "Share counts on each statement date, one column per asset (an optional header row "
                 "of names): held from each statement's date until the next."),
        Argument("trade_dates", "Date of each trade: held from that date's close (a trade on a day without prices "
                 "counts from the next date)."),
        Argument("tickers", "Ticker of each trade, as the names of prices (matched exactly)."),
        Argument("quantities", "Shares of each trade: positive bought, negative sold."),
        Argument("names", "The columns, in order (e.g. the prices' header row). Left out: the tickers in the order "
                 "they first appear.", None),
        Argument("opening", "Opening positions, held before the first trade: one row in the order of names (or "
                 "with its own header row of names).", None),
        Argument("cap", "A beta cap, e.g. 1.2 (an Investment Policy Statement's): adds each beta's "
                 "one-sided p-value of exceeding it and a verdict at 95% (above, below, within noise).", None),
        Argument("currencies", "Each asset's currency code (USD, EUR): one per column of prices, in their order; or "
                 "two rows, the prices' names over their codes; or one code for all."),
        Argument("fx_rates", "Exchange rates: a header row of currency codes, then one row per row of prices (the "
                 "same dates): one unit of each currency in the base currency. A blank or error = a missing price."),
        Argument("base", "The portfolio's currency code: assets in it are not converted and need no "
                 "column of fx_rates. Left out: every currency needs its column.", None),
    )
}  # fmt: skip

# The argument lists, each once. Optional arguments come last, so that Excel can leave them out.
PORTFOLIO = ("prices", "shares", "market", "dates", "frequency", "rf", "as_of")
ASSETS = ("prices", "market", "dates", "frequency", "rf")
ROLLING = ("prices", "shares", "market", "window", "dates", "frequency", "rf")
ASSETS_ROLLING = ("prices", "market", "window", "dates", "frequency", "rf")
BOOK = ("prices", "holdings", "market", "dates", "frequency", "rf", "as_of", "cap")
STATS = (*PORTFOLIO, "cap")  # PORTBETA_STATS: a portfolio's arguments and a beta cap
CURRENCIES = ("prices", "currencies", "fx_rates", "base")
# the holdings' builders take the prices' dates first: required there (see :func:`defaults`)
STATEMENTS = ("dates", "statement_dates", "statements")
TRADES = ("dates", "trade_dates", "tickers", "quantities", "names", "opening")

#: Each Excel function's arguments, in Excel's order.
EXCEL: dict[str, tuple[str, ...]] = {
    "PORTBETA_REG": PORTFOLIO[:-1],  # REG does not depend on as_of
    "PORTBETA_WTD": PORTFOLIO,
    "BETA_GAP": PORTFOLIO,
    "ASSET_BETAS": ASSETS,
    "PORTBETA_STATS": STATS,
    "BETA_GAP_DETAIL": PORTFOLIO,
    "PORTBETA_ROLLING": ROLLING,
    "PORTBETA_BOOK": BOOK,
    "ASSET_BETAS_ROLLING": ASSETS_ROLLING,
    "ASSET_STATS": ASSETS,
    "PRICES_IN": CURRENCIES,
    "HOLDINGS_ON": STATEMENTS,
    "HOLDINGS_FROM_TRADES": TRADES,
}

#: Each one-call function of the API's arguments.
API: dict[str, tuple[str, ...]] = {
    "build_sample": PORTFOLIO,
    "portfolio_beta": PORTFOLIO,
    "portfolio_stats": STATS,
    "gap_detail": PORTFOLIO,
    "asset_betas": ASSETS,
    "asset_stats": ASSETS,
    "rolling_portfolio_beta": ROLLING,
    "rolling_asset_betas": ASSETS_ROLLING,
    "book_betas": BOOK,
    "prices_in": CURRENCIES,
    "holdings_on": STATEMENTS,
    "holdings_from_trades": TRADES,
}


def defaults(names: tuple[str, ...]) -> dict[str, Any]:
    """Each argument's default in the list ``names``: its declared one, but an argument
    before a required one is required there too (``dates``, optional for the figures, comes
    first and is needed by the holdings' builders)."""
    last_required = max((k for k, n in enumerate(names) if ARGUMENTS[n].default is REQUIRED), default=-1)
    return {n: REQUIRED if k < last_required else ARGUMENTS[n].default for k, n in enumerate(names)}


def help_in(names: tuple[str, ...], name: str) -> str:
    """What Excel shows for argument ``name`` of the list ``names``: its help, after
    "Optional." where it may be left out."""
    return ("" if defaults(names)[name] is REQUIRED else "Optional. ") + ARGUMENTS[name].help


def signature(names: tuple[str, ...], returns: Any = inspect.Signature.empty) -> inspect.Signature:
    """The :class:`inspect.Signature` of an argument list: what ``help()``, IDEs and
    xlwings read."""
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [inspect.Parameter(n, kind, default=d) for n, d in defaults(names).items()]
    return inspect.Signature(parameters, return_annotation=returns)


def declared(names: tuple[str, ...]) -> Callable[[Callable[..., _Result]], Callable[..., _Result]]:
    """A function of ``**arguments`` called with the argument list ``names``: by position
    or by name, left-out arguments at their defaults. Its ``__signature__`` is the list's,
    so ``help()``, IDEs and xlwings show the declared arguments."""

    def decorate(function: Callable[..., _Result]) -> Callable[..., _Result]:
        declared_signature = signature(names, inspect.signature(function).return_annotation)
        left_out = defaults(names)
        known = frozenset(names)

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> _Result:
            # the common calls without Signature.bind, which costs more than a small call's figures
            if len(args) <= len(names) and known.issuperset(kwargs) and kwargs.keys().isdisjoint(names[: len(args)]):
                arguments = {**left_out, **dict(zip(names, args, strict=False)), **kwargs}
                if not any(value is REQUIRED for value in arguments.values()):
                    return function(**arguments)
            try:  # a call Python would refuse: refused as Python says it, with the function's name
                declared_signature.bind(*args, **kwargs)
            except TypeError as error:
                raise TypeError(f"{function.__name__}() {error}") from None
            raise AssertionError("unreachable: bind accepts only what the fast path takes")  # pragma: no cover

        call.__signature__ = declared_signature  # type: ignore[attr-defined]
        return call

    return decorate
