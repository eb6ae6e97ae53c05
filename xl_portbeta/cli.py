"""Command line for desk checks: ``xl-portbeta demo``, ``xl-portbeta analyze FILE``,
``xl-portbeta book FILE --holdings ACCOUNTS`` and ``xl-portbeta report FILE -o report.html``.

Exit codes: 0 done, 2 bad input (a one-line error on stderr).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from typing import Any, NoReturn

import numpy as np

from . import api, datasets, files, sheet, tables
from .errors import PortbetaError, named
from .files import InputError

__all__ = ["main"]


# --------------------------------------------------------------------------- report


def _fmt(value: Any, width: int = 14, spec: str = ".4f") -> str:
    if value is None:
        return " " * width
    if isinstance(value, float):
        return f"{value:{width}{spec}}" if math.isfinite(value) else f"{'':{width}}"
    if hasattr(value, "strftime"):
        return f"{value:%Y-%m-%d}".rjust(width)
    return str(value).rjust(width)


# Python format specs of the Excel number formats the tables' columns declare
_SPECS = {tables.SHARES: ",.0f", tables.PCT: ".2%", tables.BETA: ".4f"}


def _dropped(sample: Any) -> str:
    """The sample line's dates dropped, with why when some were."""
    count = f"{len(sample.dropped)} dates dropped for missing data"
    return f"{count} ({tables.dropped_note(sample)})" if sample.dropped else count


def format_report(stats: api.PortfolioStats, detail: api.GapDetail, title: str) -> str:
    """REG, WTD, GAP, the statistics table and the per-holding attribution, for a terminal."""
    result = stats.result
    sample = result.sample
    lines = [
        title,
        f"sample: {_fmt(sample.labels[0], 0)} to {_fmt(sample.labels[-1], 0)}, {sample.n_returns} "
        f"{sample.frequency} returns ({tables.periods_note(sample)}), {_dropped(sample)}; "
        f"weights as of {_fmt(sample.as_of, 0)}",
        "",
        f"  PORTBETA_REG  regression beta of the actual holdings   {result.reg:10.4f}",
        f"  PORTBETA_WTD  weighted average of the holdings' betas  {result.wtd:10.4f}",
        f"  BETA_GAP      REG - WTD (weight drift)                 {result.gap:10.4f}",
        f"                the gap's standard error {_fmt(stats.gap_se, 0)}, t {_fmt(stats.gap_fit.t_stat, 0, '.2f')}",
        "",
        "PORTBETA_STATS",
    ]
    table = sheet.stats_table(stats)
    lines.append(f"  {table[0][0]:<32}" + "".join(f"{h:>16}" for h in table[0][1:4]))
    for row in table[1:]:
        lines.append(f"  {row[0]:<32}" + "".join(f"  {_fmt(v)}" for v in row[1:4]))
    lines += ["", "BETA_GAP_DETAIL"]
    table = sheet.detail_table(detail)
    specs = [_SPECS[c.number_format] for c in tables.DETAIL_COLUMNS[1:]]
    lines.append(f"  {table[0][0]:<10}" + "".join(f"{h:>17}" for h in table[0][1:]))
    for row in table[1:]:
        lines.append(f"  {row[0]:<10}" + "".join(f"   {_fmt(v, 14, spec)}" for v, spec in zip(row[1:], specs)))
    return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (np.floating, np.integer)):
        return _jsonable(value.item())
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return value


# the JSON keys of PORTBETA_STATS' figure columns: its headers in snake_case
STATS_COLUMN_KEYS = tuple(h.replace(" ", "_") for h in tables.STATS_HEADER[1:4])


def report_dict(stats: api.PortfolioStats, detail: api.GapDetail) -> dict[str, Any]:
    """The same figures for scripts (``--json``): snake_case keys, numbers as the workbook's
    cells hold them (percentages as fractions: 0.0523 is 5.23%), dates as ISO text."""
    result = stats.result
    sample = result.sample
    stat_rows = sheet.stats_table(stats)[1:]
    columns = {c.key: c.values(detail) for c in tables.DETAIL_COLUMNS[1:]}
    return {
        "reg": result.reg,
        "wtd": result.wtd,
        "gap": result.gap,
        "gap_standard_error": _jsonable(stats.gap_fit.beta_se),
        "gap_t": _jsonable(stats.gap_fit.t_stat),
        "sample": {
            "first": _jsonable(sample.labels[0]),
            "last": _jsonable(sample.labels[-1]),
            "returns": sample.n_returns,
            "frequency": sample.frequency,
            "periods_per_year": sample.periods_per_year,
            "periods_per_year_from": sample.frequency_source,
            "dropped": [_jsonable(d) for d in sample.dropped],
            # reasons keyed in snake_case, as every other key ("blanks_in_the_holdings_history")
            "dropped_why": {reason.replace(" ", "_"): n for reason, n in sample.dropped_why},
            "as_of": _jsonable(sample.as_of),
        },
        "stats": {
            declared.key: {column: _jsonable(value) for column, value in zip(STATS_COLUMN_KEYS, row[1:4])}
            for declared, row in zip(tables.STATS_ROWS, stat_rows)
        },
        "holdings": [
            {"name": name} | {key: _jsonable(values[k]) for key, values in columns.items()}
            for k, name in enumerate(result.names)
        ],
    }


def analyze(
    command: str = "xl-portbeta", options: dict[str, Any] | None = None, **arguments: Any
) -> tuple[api.PortfolioStats, api.GapDetail]:
    """The statistics and the per-holding split of one portfolio (the arguments of
    :func:`api.portfolio_beta`, by name), from one computation; errors named after ``command``.
    ``options``: those of :func:`api.stats_of` (``blume_weight``, ``lags``)."""
    with named(command):
        result = api.portfolio_beta(**arguments)
        return api.stats_of(result, **(options or {})), result.gap_detail


def stats_options(args: argparse.Namespace) -> dict[str, Any]:
    """``--blume-weight`` and ``--lags``, for :func:`api.stats_of`."""
    return {"blume_weight": args.blume_weight, "lags": args.lags}


def _stats_option_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--blume-weight",
        type=float,
        default=0.67,
        help="Blume's adjusted beta: WEIGHT x beta + 1 - WEIGHT (default 0.67, Bloomberg's)",
    )
    command.add_argument(
        "--lags", type=int, default=1, help="lags and leads of the market in Dimson's beta (default 1)"
    )


# --------------------------------------------------------------------------- files


def file_options(args: argparse.Namespace) -> files.Options:
    """What the options say about the prices files, for :func:`files.read_prices`."""
    assets = tuple(a.strip() for a in (args.assets or "").split(",") if a.strip())
    if args.thousands is not None and args.thousands == (args.decimal or "."):
        raise InputError(
            f"--thousands {args.thousands} is the decimal sign too: give --decimal (e.g. --thousands . --decimal ,)"
        )
    return files.Options(
        market=args.market, market_file=args.market_file, dates=args.dates, ticker_column=args.ticker_column,
        price_column=args.price_column, assets=assets, rf=args.rf,
        date_rule=files.DateRule(args.date_format, args.dayfirst), numbers=files.NumberRule(args.thousands, args.decimal),
    )  # fmt: skip


def read_inputs(args: argparse.Namespace) -> tuple[files.Prices, files.Options, dict[str, Any]]:
    """The prices of ``args.prices`` (any layout), the options read, and the API's
    arguments but the shares: clean columns (names and floats), never Excel cells."""
    options = file_options(args)
    prices = files.read_prices(args.prices, options)
    as_of = None if args.as_of is None else files.parse_as_of(args.as_of, options.date_rule, prices.dates)
    columns = dict(prices=prices.assets, market=prices.market, dates=prices.dates, frequency=args.frequency,
                   rf=prices.rf, as_of=as_of)  # fmt: skip
    return prices, options, columns


def _title(prices: files.Prices) -> str:
    return f"{prices.source}: {len(prices.names)} assets vs. {prices.market.name}"


def _demo_arguments(args: argparse.Namespace) -> tuple[dict[str, Any], int]:
    """The bundled demo portfolio as the API's arguments, and its number of stocks."""
    prices, shares, market = datasets.demo_portfolio(args.start, args.end)
    arguments = dict(
        prices=prices, shares=shares, market=market, dates=prices.index.to_numpy(), frequency=args.frequency
    )
    return arguments, prices.shape[1]


def run_analyze(args: argparse.Namespace) -> int:
    prices, options, columns = read_inputs(args)
    shares = files.read_shares(args.shares, prices, options)
    stats, detail = analyze("xl-portbeta analyze", stats_options(args), shares=shares, **columns)
    if args.json:
        print(json.dumps(report_dict(stats, detail), indent=2))
    else:
        print(format_report(stats, detail, _title(prices)))
    return 0


def run_book(args: argparse.Namespace) -> int:
    prices, options, columns = read_inputs(args)
    holdings = files.read_holdings_file(args.holdings, prices.names, options)
    with named("xl-portbeta book"):
        book = api.book_betas(holdings=holdings, **columns)
    frame = book.to_frame()
    if args.csv:
        frame.to_csv(args.csv)
    if args.json:
        records = [
            {"account": a} | {k: _jsonable(v) for k, v in row.items()}
            for a, row in zip(frame.index, frame.to_dict("records"))
        ]
        print(json.dumps({"accounts": records}, indent=2))
    elif not args.csv:
        print(frame.to_string(float_format=lambda v: f"{v:.4f}"))
    return 0


def run_demo(args: argparse.Namespace) -> int:
    arguments, stocks = _demo_arguments(args)
    stats, detail = analyze("xl-portbeta demo", stats_options(args), **arguments)
    if args.json:
        print(json.dumps(report_dict(stats, detail), indent=2))
        return 0
    title = (
        f"Demo: equal-weighted portfolio of {stocks} S&P 500 stocks "
        "(whole shares, equal weights on the last date) vs. the S&P 500 index"
    )
    print(format_report(stats, detail, title))
    return 0


def _number_option(text: str, option: str) -> float:
    """A rate such as 0.02 or 2%."""
    rate = files.parse_rate(text)
    if rate is None:
        raise InputError(f"{option} {text!r}: give a rate such as 0.02 or 2%")
    return rate


def _report_figures(args: argparse.Namespace, command: str) -> tuple[api.PortfolioStats, api.GapDetail, str]:
    """The figures of ``xl-portbeta report`` (of the prices files, or of the demo) and its title."""
    if args.demo:
        if args.prices or args.shares is not None:
            raise InputError("--demo takes no prices file and no --shares")
        arguments, stocks = _demo_arguments(args)
        title = f"Demo: equal-weighted portfolio of {stocks} S&P 500 stocks vs. the S&P 500 index"
        return (*analyze(command, **arguments), title)
    if not args.prices or (args.market is None and args.market_file is None) or args.shares is None:
        raise InputError("give a prices file, --market (or --market-file) and --shares, or --demo")
    prices, options, columns = read_inputs(args)
    shares = files.read_shares(args.shares, prices, options)
    return (*analyze(command, shares=shares, **columns), _title(prices))


def run_report(args: argparse.Namespace) -> int:
    """One self-contained HTML report (xl_portbeta.report) of a prices file, or of the demo."""
    from .report import report as write_report  # pb.report, the function, shadows its module's name

    command = "xl-portbeta report"
    stats, detail, title = _report_figures(args, command)
    rf = _number_option(args.rf_valuation, "--rf-valuation")
    premium = _number_option(args.premium, "--premium")
    try:
        with named(command):
            path = write_report(stats.result, args.output, window=args.window, rf=rf, premium=premium, title=title)
    except OSError as error:
        raise InputError(f"{args.output}: cannot be written ({error.strerror or error})") from None
    if args.json:
        print(json.dumps(report_dict(stats, detail), indent=2))
    else:
        print(f"wrote {path}")
    return 0


def _prices_file_options(command: argparse.ArgumentParser, frequency: dict[str, Any], required: bool = True) -> None:
    """The options of a command that reads prices files (analyze, book; report, where
    --demo stands for the files, so the files and --market are checked by run_report)."""
    command.add_argument(
        "prices", nargs="+" if required else "*",
        help="a wide or long .csv/.xlsx, or one file per ticker (a folder, or two or more files)",
    )  # fmt: skip
    command.add_argument(
        "--market", help="the benchmark: a column (wide file) or a ticker (long file, one file per ticker)"
    )
    command.add_argument("--market-file", help="the benchmark in its own file: dates and levels, or a Yahoo-style file")
    command.add_argument("--dates", help="the column of dates (default: a column named 'date')")
    command.add_argument(
        "--ticker-column", help="long files: the column of tickers (default 'ticker'; a file with one is long)"
    )
    command.add_argument(
        "--price-column",
        help="long files: the column of prices (default 'price'); one file per ticker: the column read "
        "(default 'Adj Close' where present, else 'Close')",
    )  # fmt: skip
    command.add_argument("--assets", help="the assets used, e.g. AAPL,MSFT (default: every other column or ticker)")
    command.add_argument(
        "--thousands", help="the thousands separator of numbers written as text, e.g. , (default: none)"
    )
    command.add_argument("--decimal", help="the decimal sign of numbers written as text, e.g. , (default: .)")
    command.add_argument("--frequency", **frequency)
    command.add_argument("--rf", help="annual risk-free rate (0.02 or 2%%) or a column name (wide file)")
    command.add_argument("--as-of", help="date (or row number without dates) whose holdings set the weights")
    command.add_argument(
        "--date-format", help="how the file's text dates are written, e.g. %%d/%%m/%%Y (default: ISO only)"
    )
    command.add_argument("--dayfirst", action="store_true", help="text dates are day first (31/01/2000)")
    command.add_argument("--json", action="store_true", help="print JSON for scripts")


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors read like the others: one line, ``xl-portbeta ...: ``, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="xl-portbeta",
        description="A portfolio's beta two ways: regression of the actual holdings vs. weighted average.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    frequency = dict(
        default=None, choices=["daily", "weekly", "monthly"],
        help="returns frequency (default: the rows as given, periods per year from the dates' spacing)",
    )  # fmt: skip
    demo = commands.add_parser("demo", help="the bundled real portfolio (S&P 500 data shipped with the package)")
    demo.add_argument("--start", default="2022-01-01", help="first date (default 2022-01-01)")
    demo.add_argument("--end", default="2022-12-31", help="last date (default 2022-12-31)")
    demo.add_argument("--frequency", **frequency)
    demo.add_argument("--json", action="store_true", help="print JSON for scripts")
    _stats_option_arguments(demo)
    demo.set_defaults(run=run_demo)

    an = commands.add_parser("analyze", help="a prices file (.csv or .xlsx): one column per asset, the market, dates")
    _prices_file_options(an, frequency)
    an.add_argument(
        "--shares",
        required=True,
        help="'100,50,..' in asset order, 'AAPL=100,MSFT=50', or a .csv: ticker,shares rows or one column per asset",
    )
    _stats_option_arguments(an)
    an.set_defaults(run=run_analyze)

    bk = commands.add_parser("book", help="many accounts holding the prices file's assets: both betas of each account")
    _prices_file_options(bk, frequency)
    bk.add_argument("--holdings", required=True, help="a .csv/.xlsx of accounts: long (account,ticker,shares) or wide")
    bk.add_argument("--csv", metavar="FILE", help="write the table to FILE as CSV")
    bk.set_defaults(run=run_book)

    rp = commands.add_parser("report", help="a printable HTML report for a client (the inputs of analyze, or --demo)")
    _prices_file_options(rp, frequency, required=False)
    rp.add_argument("--shares", help="as for analyze")
    rp.add_argument("-o", "--output", required=True, help="the HTML file to write")
    rp.add_argument("--demo", action="store_true", help="the bundled demo portfolio instead of a prices file")
    rp.add_argument("--start", default="2022-01-01", help="with --demo: first date (default 2022-01-01)")
    rp.add_argument("--end", default="2022-12-31", help="with --demo: last date (default 2022-12-31)")
    rp.add_argument(
        "--window", type=int, help="returns per rolling window (default: about a year, at most half the sample)"
    )
    rp.add_argument("--rf-valuation", default="0.02", help="risk-free rate of the valuation section (default 2%%)")
    rp.add_argument("--premium", default="0.08", help="market premium of the valuation section (default 8%%)")
    rp.set_defaults(run=run_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.run(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except (PortbetaError, InputError) as error:
        # a PortbetaError is named after the command already (named(...)); a file's error is not
        named_already = isinstance(error, PortbetaError) and error.function is not None
        print(str(error) if named_already else f"xl-portbeta {args.command}: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader left (xl-portbeta demo | head -1): as Python's docs advise, point stdout
        # at devnull so that the flush at exit raises nothing, and exit quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
