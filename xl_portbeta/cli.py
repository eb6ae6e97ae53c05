"""Command line for desk checks: ``xl-portbeta demo``, ``xl-portbeta analyze FILE``,
``xl-portbeta book FILE --holdings ACCOUNTS`` and ``xl-portbeta report FILE -o report.html``.

Exit codes: 0 done, 2 bad input (a one-line error on stderr).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import re
import sys
from pathlib import Path
from typing import Any, NoReturn, cast

import numpy as np

from . import api, datasets, files, sheet, tables
from .errors import PortbetaError, named
from .files import InputError
from .report_page import Inputs, assumptions, benchmark_inputs, default_title
from .sample import annual_rate

__all__ = ["main"]


# --------------------------------------------------------------------------- report


# A terminal acts on control characters (ESC starts a command) and bidirectional overrides
# reorder what it shows: in a name from a file they are written as escapes, never raw.
_CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` for a terminal: each control character (but the line break) as its escape, \\x1b."""
    return _CONTROLS.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


def _fmt(value: Any, width: int = 14, spec: str = ".4f") -> str:
    if value is None:
        return " " * width
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"{'':{width}}"
        text = f"{value:{spec}}"
        if text.startswith("-") and not any(c in "123456789" for c in text):
            text = text[1:]  # -0.0000: a value that rounds to zero has no sign
        return text.rjust(width)
    if hasattr(value, "strftime"):
        return f"{value:%Y-%m-%d}".rjust(width)
    return str(value).rjust(width)


# Python format specs of the Excel number formats the tables' columns declare
_SPECS = {
    tables.SHARES: ",.0f", tables.PCT: ".2%", tables.BETA: ".4f", tables.COUNT: ".0f",
    "0.00": ".2f", "#,##0.00": ",.2f",
}  # fmt: skip


def _dropped(sample: Any) -> str:
    """The sample line's dates dropped, with why when some were."""
    count = f"{len(sample.dropped)} dates dropped for missing data"
    return f"{count} ({tables.dropped_note(sample)})" if sample.dropped else count


def _assumed_lines(result: api.PortfolioBeta, inputs: Inputs | None) -> list[str]:
    """The figures' assumptions (report.assumptions), one per line, long ones wrapped."""
    return _wrapped(assumptions(result, inputs))


def _wrapped(pairs: list[tuple[str, str]]) -> list[str]:
    import textwrap

    lines = ["assumed:"]
    for what, assumed in pairs:
        wrapped = textwrap.wrap(assumed, 96) or [""]
        lines.append(f"  {what:<17} {wrapped[0]}")
        lines += [f"  {'':<17} {more}" for more in wrapped[1:]]
    return lines


def _snake(what: str) -> str:
    """An assumption's label as a JSON key: "risk-free rate" -> "risk_free_rate"."""
    return re.sub(r"[ -]", "_", what)


def _shown(detail: api.GapDetail) -> list[int]:
    """The holdings of the detail table: those with shares at as_of or a weight on some
    date (an asset never held on the sample's dates adds nothing)."""
    return [
        k
        for k in range(len(detail.shares))
        if detail.shares[k] != 0 or detail.average_weights[k] != 0 or detail.contribution[k] != 0
    ]


def format_report(stats: api.PortfolioStats, detail: api.GapDetail, title: str, inputs: Inputs | None = None) -> str:
    """REG, WTD, GAP, what they assume, the statistics table and the per-holding attribution, for a terminal."""
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
        *_assumed_lines(result, inputs),
        "",
        "PORTBETA_STATS",
    ]
    table = sheet.stats_table(stats)
    lines.append(f"  {table[0][0]:<32}" + "".join(f"{h:>16}" for h in table[0][1:4]))
    for row in table[1:]:
        lines.append(f"  {row[0]:<32}" + "".join(f"  {_fmt(v)}" for v in row[1:4]))
    shown = _shown(detail)
    left = len(detail.shares) - len(shown)
    lines += ["", "BETA_GAP_DETAIL" + (f" ({left} assets not held on the sample's dates left out)" if left else "")]
    table = sheet.detail_table(detail)
    specs = [_SPECS[c.number_format or tables.BETA] for c in tables.DETAIL_COLUMNS[1:]]
    lines.append(f"  {table[0][0]:<10}" + "".join(f"{h:>17}" for h in table[0][1:]))
    for row in [table[1 + k] for k in shown] + table[1 + len(detail.shares) :]:
        lines.append(
            f"  {row[0]:<10}" + "".join(f"   {_fmt(v, 14, spec)}" for v, spec in zip(row[1:], specs, strict=True))
        )
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


def report_dict(stats: api.PortfolioStats, detail: api.GapDetail, inputs: Inputs | None = None) -> dict[str, Any]:
    """The same figures for scripts (``--json``): snake_case keys, numbers as the workbook's
    cells hold them (percentages as fractions: 0.0523 is 5.23%), dates as ISO text."""
    result = stats.result
    sample = result.sample
    stat_rows = tables.stats_values(stats)
    columns = {c.key: c.of(detail) for c in tables.DETAIL_COLUMNS[1:]}
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
            "rf_carried": sample.rf_carried,  # periods whose rate a blank carried forward from an earlier date
            "as_of": _jsonable(sample.as_of),
        },
        # what the figures assume, in words: the report's and the text output's block
        "assumptions": {_snake(what): assumed for what, assumed in assumptions(result, inputs)},
        "stats": {
            declared.key: {
                column: _jsonable(sheet.cell(value)) for column, value in zip(STATS_COLUMN_KEYS, values, strict=True)
            }
            for declared, values, _ in stat_rows
        },
        "holdings": [
            {"name": name} | {key: _jsonable(values[k]) for key, values in columns.items()}
            for k, name in enumerate(result.names)
        ],
    } | ({"price_columns": dict(inputs.price_columns)} if inputs is not None and inputs.price_columns else {})


def analyze(command: str = "xl-portbeta", options: dict[str, Any] | None = None, **arguments: Any) -> tuple[Any, Any]:
    """The statistics and the per-holding split of one portfolio (the arguments of
    :func:`api.portfolio_beta`, by name), from one computation; errors named after ``command``.
    ``options``: those of :func:`api.stats_of` (``blume_weight``, ``lags``). Several
    benchmarks: a :class:`api.ByBenchmark` of each."""
    with named(command):
        result = api.portfolio_beta(**arguments)
        return api.stats_of(result, **(options or {})), api.gap_detail_of(result)


def each_benchmark(stats: Any, detail: Any, inputs: Inputs) -> list[tuple[str, Any, Any, Inputs]]:
    """Per benchmark: its name, statistics, gap detail and inputs (its own benchmark's
    words); one benchmark: one entry named ""."""
    if not isinstance(stats, api.ByBenchmark):
        return [("", stats, detail, inputs)]
    names = stats.benchmarks
    return [
        (name, s, d, benchmark_inputs(inputs, names, k))
        for k, (name, s, d) in enumerate(zip(names, stats.results, detail.results, strict=True))
    ]


def title_of(stats: Any, inputs: Inputs) -> str:
    """The default title: of the portfolio, vs. every benchmark."""
    if not isinstance(stats, api.ByBenchmark):
        return default_title(stats.result, inputs)
    return default_title(stats.primary.result, dataclasses.replace(inputs, benchmark=", ".join(stats.benchmarks)))


def _heading(name: str, k: int) -> str:
    return f"benchmark {name}" + (" (primary)" if k == 0 else "")


def stats_options(args: argparse.Namespace) -> dict[str, Any]:
    """``--blume-weight``, ``--lags`` and ``--beta-cap``, for :func:`api.stats_of`."""
    return {"blume_weight": args.blume_weight, "lags": args.lags, "cap": _beta_cap(args)}


def _beta_cap(args: argparse.Namespace) -> float | None:
    """``--beta-cap``: a finite number (1.2), or None when not given."""
    text = getattr(args, "beta_cap", None)
    if text is None:
        return None
    try:
        cap = float(text)
    except ValueError:
        cap = math.nan
    if not math.isfinite(cap):
        raise InputError(f"--beta-cap {text!r}: give the beta cap as a number, e.g. 1.2 (not a percent)")
    return cap


def _cap_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--beta-cap",
        metavar="CAP",
        help="a beta cap (e.g. 1.2, an IPS's): each beta's one-sided p-value above it, P(T > (beta - CAP) / se) "
        "with n - 2 degrees of freedom, and a verdict at 95%%: above, below, or within noise",
    )


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
    _cap_argument(command)


# --------------------------------------------------------------------------- files


def file_options(args: argparse.Namespace) -> files.Options:
    """What the options say about the prices files, for :func:`files.read_prices`."""
    assets = tuple(a.strip() for a in (args.assets or "").split(",") if a.strip())
    if args.thousands is not None and args.thousands == (args.decimal or "."):
        raise InputError(
            f"--thousands {args.thousands} is the decimal sign too: give --decimal (e.g. --thousands . --decimal ,)"
        )
    rule = files.DateRule(args.date_format, args.dayfirst)
    market_files = tuple(args.market_file or ())  # --market-file may be given once per benchmark
    return files.Options(
        market=args.market, market_file=market_files[0] if market_files else None,
        market_files=market_files[1:], dates=args.dates, ticker_column=args.ticker_column,
        shares_column=args.shares_column, price_column=args.price_column, currencies=args.currencies, fx=args.fx,
        base=args.base, assets=assets, rf=args.rf, date_rule=rule,
        numbers=files.NumberRule(args.thousands, args.decimal),
        start=files.parse_day(args.start, rule, "--start"), end=files.parse_day(args.end, rule, "--end"),
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


def inputs_of(prices: files.Prices) -> Inputs:
    """What the files say they were read from, for the assumptions block."""
    return Inputs(
        prices=prices.price_columns,
        benchmark=prices.benchmark,
        rf=prices.rf_column,
        benchmarks=prices.benchmarks,
        price_columns=prices.columns_read,
    )


#: The demo's dates by default (report's --start and --end are None unless given, so that a
#: prices file can refuse them)
DEMO_START, DEMO_END = "2022-01-01", "2022-12-31"

#: The demo's inputs: the bundled data (xl_portbeta.datasets)
DEMO_INPUTS = Inputs(
    prices="the bundled adjusted closes of 20 S&P 500 stocks (xl_portbeta.datasets)",
    benchmark="the S&P 500 index's price level (bundled)",
)


def _iso_date(text: str | None, option: str) -> str | None:
    """An option's ISO date (2022-06-30), checked: the demo's data are sliced by it."""
    if text is not None and pd_timestamp(text) is None:
        raise InputError(f"{option} {text!r} is not a date: give an ISO date (2022-06-30)")
    return text


def pd_timestamp(text: str) -> Any:
    import pandas as pd

    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    return None if pd.isna(parsed) else parsed


def _demo_arguments(args: argparse.Namespace) -> tuple[dict[str, Any], int]:
    """The bundled demo portfolio as the API's arguments, and its number of stocks."""
    start, end = (_iso_date(text, option) for text, option in ((args.start, "--start"), (args.end, "--end")))
    prices, shares, market = datasets.demo_portfolio(start or DEMO_START, end or DEMO_END)
    arguments = dict(
        prices=prices, shares=shares, market=market, dates=prices.index.to_numpy(), frequency=args.frequency
    )
    return arguments, prices.shape[1]


def result_dict(stats: Any, detail: Any, inputs: Inputs, title: str) -> dict[str, Any]:
    """``--json``'s object: :func:`report_dict` and the title; several benchmarks: the
    title, the primary benchmark's name and a list ``benchmarks`` of each one's object
    (its name under "benchmark"), in the market's order."""
    each = each_benchmark(stats, detail, inputs)
    if len(each) == 1:
        return report_dict(stats, detail, inputs) | {"title": title}
    return {
        "title": title,
        "primary_benchmark": each[0][0],
        "benchmarks": [{"benchmark": name} | report_dict(s, d, i) for name, s, d, i in each],
    }


def _print_result(args: argparse.Namespace, stats: Any, detail: Any, inputs: Inputs, title: str) -> None:
    if args.json:
        print(json.dumps(result_dict(stats, detail, inputs, title), indent=2))
        return
    each = each_benchmark(stats, detail, inputs)
    if len(each) == 1:
        print(printable(format_report(stats, detail, title, inputs)))
        return
    blocks = [format_report(s, d, f"{title}\n{_heading(name, k)}", i) for k, (name, s, d, i) in enumerate(each)]
    print(printable("\n\n".join(blocks)))


def read_holdings(args: argparse.Namespace, prices: files.Prices, options: files.Options) -> tuple[Any, str]:
    """The shares of --shares (counts, or a dated file: statements) or of --trades (with
    --shares as the opening positions), and where a history came from, in words."""
    trades = getattr(args, "trades", None)
    if trades is None:
        if args.shares is None:
            raise InputError("give --shares (share counts, or a file of them) or --trades FILE")
        return files.read_shares(args.shares, prices, options), files.statements_words(args.shares, prices, options)
    opening = None if args.shares is None else files.read_shares(args.shares, prices, options)
    return files.read_trades(trades, opening, prices, options), files.trades_words(
        trades, prices, options, opening is not None
    )


def run_analyze(args: argparse.Namespace) -> int:
    prices, options, columns = read_inputs(args)
    shares, held = read_holdings(args, prices, options)
    stats, detail = analyze("xl-portbeta analyze", stats_options(args), shares=shares, **columns)
    inputs = dataclasses.replace(inputs_of(prices), holdings=held)
    _print_result(args, stats, detail, inputs, args.title or title_of(stats, inputs))
    return 0


def run_demo(args: argparse.Namespace) -> int:
    arguments, stocks = _demo_arguments(args)
    stats, detail = analyze("xl-portbeta demo", stats_options(args), **arguments)
    title = args.title or (
        f"Demo: equal-weighted portfolio of {stocks} S&P 500 stocks "
        "(whole shares, equal weights on the last date) vs. the S&P 500 index"
    )
    _print_result(args, stats, detail, DEMO_INPUTS, title)
    return 0


def _book_sample(book: api.BookBetas, prices: files.Prices, benchmark: str, held: str = "") -> dict[str, Any]:
    """The sample most accounts stand on (the largest group with figures), and what it assumes."""
    groups = [g for g in book.sample.groups if g.labels]
    if not groups:
        return {}
    main = max(groups, key=lambda g: sum(not book.notes[a] for a in g.accounts.tolist()))  # as the sample notes
    # periods_note reads only these three of a Sample
    shape = argparse.Namespace(
        periods_per_year=core_periods(main.frequency), frequency=main.frequency, frequency_source=main.frequency_source
    )
    periods = tables.periods_note(cast(Any, shape))
    if prices.rf_column:
        rf = f"one per date, from {prices.rf_column}: a date missing its rate leaves every account's sample"
    elif prices.rf:
        rf = f"{float(prices.rf):.2%} a year on every date"
    else:
        rf = "none (0%): the betas are of plain returns, not of excess returns"
    return {
        "first": _jsonable(main.labels[0]),
        "last": _jsonable(main.labels[-1]),
        "returns": len(main.labels) - 1,
        "frequency": main.frequency,
        "periods_per_year": core_periods(main.frequency),
        "periods_per_year_from": main.frequency_source,
        "as_of": _jsonable(main.as_of),
        # accounts with figures on another group's dates (a price hole of an asset they hold)
        "accounts_on_other_dates": sum(bool(note) for note in book.sample_notes),
        **({"note": "accounts' samples differ: each account's first_date, last_date, as_of and notes say which "
                    "(an account holding an asset with missing prices, such as a late listing, starts later)"}
           if any(book.sample_notes) else {}),
        "assumptions": [
            ("sample", "each account's own: a date is dropped only where the market, the rate or a price of an "
             "asset that account holds is missing"),
            ("periods per year", periods),
            ("risk-free rate", rf),
            ("holdings", held or "fixed share counts per account, held on every date of its sample"),
            ("prices", prices.price_columns or "as given"),
            ("benchmark", benchmark or "as given"),
        ],
    }  # fmt: skip


def core_periods(frequency: str) -> int:
    from .core import PERIODS_PER_YEAR

    return PERIODS_PER_YEAR[frequency]


def format_book(book: api.BookBetas, about: dict[str, Any], title: str) -> str:
    """The book's table for a terminal, as analyze's: a sample line, what it assumes,
    blanks (not NaN) where an account has no figures, and each account's dates where
    they are not the sample line's."""
    lines = [title]
    if about:
        other = about["accounts_on_other_dates"]
        lines.append(
            f"sample: {about['first']} to {about['last']}, {about['returns']} {about['frequency']} returns; "
            f"weights as of {about['as_of']}"
            + (f"; {other} account{'' if other == 1 else 's'} on other dates (see below)" if other else "")
        )
        lines += ["", *_wrapped(about["assumptions"])]
    else:
        lines.append("sample: none, no account has figures (see the notes)")
    lines += ["", *_book_rows(book)]
    differ = [(a, n) for a, n in zip(book.accounts, book.sample_notes, strict=True) if n]
    if differ:
        lines += ["", "accounts on other dates than most accounts':"]
        lines += [f"  {account}: {note}" for account, note in differ]
    if book.cap is not None:
        lines += ["", *_breach_lines(book)]
    return "\n".join(line.rstrip() for line in lines)


#: The text table's sample columns: shown for an account on other dates than the sample line's
_BOOK_DATES = ("first_date", "last_date", "as_of", "periods_per_year")


def _book_rows(book: api.BookBetas) -> list[str]:
    """The book's table for a terminal: the figures (with a cap, its columns), an account's
    own dates where they are not the sample line's, then the note of an account without figures."""
    columns = tables.book_columns(book.cap is not None)
    table = sheet.book_table(book)
    shown = [j for j, c in enumerate(columns[1:-1], 1) if c.key not in _BOOK_DATES or any(book.sample_notes)]
    width = max(12, *(len(str(a)) for a in book.accounts))
    widths = {j: max(len(columns[j].header), 10) + 2 for j in shown}
    head = f"  {table[0][0]:<{width}}" + "".join(f"{table[0][j]:>{widths[j]}}" for j in shown)
    lines = [head + "  " + table[0][-1]]
    for k, row in enumerate(table[1:]):
        cells = []
        for j in shown:
            value, column = row[j], columns[j]
            if value is None or (column.key in _BOOK_DATES and not book.sample_notes[k]):
                cells.append(" " * widths[j])  # empty, or the sample line's dates
            elif isinstance(value, str) or column.number_format == tables.DATE:
                cells.append(_fmt(value, widths[j]))
            else:
                cells.append(_fmt(float(value), widths[j], _SPECS.get(column.number_format or "", ".4f")))
        note = book.notes[k]
        lines.append(f"  {row[0]:<{width}}" + "".join(cells) + (f"  {note}" if note else ""))
    return lines


def _breach_lines(book: api.BookBetas) -> list[str]:
    """The accounts whose cap breach the method decides: above the cap under one beta only."""
    lines = [f"beta cap {book.cap:g}: above it under one beta only (the method decides the breach):"]
    for method, other in (("REG", "WTD"), ("WTD", "REG")):
        accounts = book.breached_by(method)
        listed = ", ".join(accounts) if accounts else "none"
        lines.append(f"  under {method}, not under {other}: {listed}")
    return lines


#: What a spreadsheet reads as a formula at the start of a cell (OWASP, "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> Any:
    """A text cell a spreadsheet opens as text: one starting like a formula gets a single quote
    in front (OWASP's advice), so that ``=HYPERLINK(...)`` as an account's name is not run."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def _csv_safe(frame: Any) -> Any:
    """``frame`` with every text cell, index label and header neutralised by :func:`csv_text`."""
    safe = frame.copy()
    safe.index = safe.index.map(csv_text).rename(csv_text(safe.index.name))
    safe.columns = [csv_text(c) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object:
            safe[column] = safe[column].map(csv_text)
    return safe


def _input_paths(args: argparse.Namespace) -> list[Path]:
    """Every file the command reads: the prices (a folder's files too), the market file, a
    shares file, the holdings."""
    paths = [Path(p) for p in getattr(args, "prices", None) or []]
    paths += [p for folder in paths if folder.is_dir() for p in folder.iterdir()]
    paths += [Path(p) for p in [*(getattr(args, "market_file", None) or ()), getattr(args, "holdings", None),
                                getattr(args, "trades", None), getattr(args, "fx", None)] if p]  # fmt: skip
    for listed in (getattr(args, "shares", None), getattr(args, "currencies", None)):
        if listed and Path(listed).suffix.lower() in files.SUFFIXES:
            paths.append(Path(listed))
    return paths


def _not_an_input(args: argparse.Namespace, output: str | None, option: str) -> None:
    """An output that is one of the inputs would overwrite the data it came from: refused."""
    if output is None or not Path(output).exists():
        return
    for path in _input_paths(args):
        if path.exists() and os.path.samefile(path, output):
            raise InputError(f"{option} {output} is one of the inputs ({path}): write to another file")


def _book_holdings(args: argparse.Namespace, prices: files.Prices, options: files.Options) -> tuple[Any, str]:
    """The accounts' share counts (--holdings), or each account's holdings history from its
    trades (--trades, with --holdings as the opening positions), and the latter in words."""
    if args.trades is None:
        if args.holdings is None:
            raise InputError(
                "give --holdings (the accounts' share counts) or --trades FILE (account,date,ticker,quantity)"
            )
        return files.read_holdings_file(args.holdings, prices.names, options), ""
    opening = (
        None
        if args.holdings is None
        else files.wide_holdings(files.read_holdings_file(args.holdings, prices.names, options), prices.names)
    )
    histories = files.read_account_trades(args.trades, opening, prices, options)
    said = files.trades_words(args.trades, prices, options, opening=True)  # the dates before: each account's own
    source = f" from {Path(args.holdings).name}" if args.holdings else ""
    return histories, (
        f"a holdings history per account: {said}; each account's trades on top of its opening positions{source} "
        "(without any, the dates before its first trade are outside its sample); each account's figures are "
        "those of its own history"
    )


def run_book(args: argparse.Namespace) -> int:
    _not_an_input(args, args.csv, "--csv")
    prices, options, columns = read_inputs(args)
    holdings, held = _book_holdings(args, prices, options)
    with named("xl-portbeta book"):
        found = api.book_betas(holdings=holdings, cap=_beta_cap(args), **columns, threads=args.threads)
    several = isinstance(found, api.ByBenchmark)
    books = list(found.items()) if isinstance(found, api.ByBenchmark) else [("", found)]
    n = len(books[0][1].accounts)
    versus = ", ".join(name for name, _ in books) if several else prices.market.name
    title = args.title or f"Book of {n} account{'' if n == 1 else 's'} vs. {versus}"
    names = tuple(name for name, _ in books)
    inputs = inputs_of(prices)
    words = [benchmark_inputs(inputs, names, k).benchmark for k in range(len(names))] if several else [inputs.benchmark]
    abouts = [_book_sample(book, prices, w, held) for (_, book), w in zip(books, words, strict=True)]
    frames = [_book_frame(book) for _, book in books]
    if args.csv:
        frame = frames[0] if not several else pd_concat(frames, [name for name, _ in books])
        try:
            _csv_safe(frame).to_csv(args.csv)
        except OSError as error:
            raise InputError(f"--csv {args.csv}: cannot be written ({error.strerror or error})") from None
    if args.json:
        objects = [
            _book_json(frame, about, book) for frame, about, (_, book) in zip(frames, abouts, books, strict=True)
        ]
        read = {"price_columns": prices.columns_read}  # ticker -> the column its price was read from
        if not several:
            print(json.dumps({"title": title, **objects[0], **read}, indent=2))
        else:
            each = [{"benchmark": name} | o for (name, _), o in zip(books, objects, strict=True)]
            print(json.dumps({"title": title, "primary_benchmark": books[0][0], "benchmarks": each, **read}, indent=2))
    elif not args.csv:
        texts = [
            format_book(book, about, f"{title}\n{_heading(name, k)}" if several else title)
            for k, ((name, book), about) in enumerate(zip(books, abouts, strict=True))
        ]
        print(printable("\n\n".join(texts)))
    return 0


def _book_frame(book: api.BookBetas) -> Any:
    """The book's table by account (``BookBetas.to_frame``), its dates as ISO text (or row numbers)."""
    frame = book.to_frame()
    for key in _BOOK_DATES[:3]:
        frame[key] = [_jsonable(d) for d in getattr(book, key)]
    return frame


def _book_json(frame: Any, about: dict[str, Any], book: api.BookBetas) -> dict[str, Any]:
    """The book's ``--json`` sample and accounts (of one benchmark), and with a cap the
    accounts whose breach the method decides."""
    records = [
        {"account": a} | {k: _jsonable(v) for k, v in row.items()}
        for a, row in zip(frame.index, frame.to_dict("records"), strict=True)
    ]
    sample = about | {"assumptions": {_snake(what): said for what, said in about.get("assumptions", [])}}
    cap = {} if book.cap is None else {"beta_cap": {
        "cap": book.cap, "breach_reg_not_wtd": list(book.breached_by("REG")),
        "breach_wtd_not_reg": list(book.breached_by("WTD")),
    }}  # fmt: skip
    return {"sample": sample, "accounts": records} | cap


def pd_concat(frames: list[Any], keys: list[str]) -> Any:
    """The CSV of several benchmarks: the frames stacked, indexed by account, a first
    column "benchmark" naming each row's."""
    import pandas as pd

    return pd.concat(frames, keys=keys, names=["benchmark"]).reset_index(level="benchmark")


def _number_option(text: str, option: str) -> float:
    """A rate such as 0.02 or 2%."""
    rate = files.parse_rate(text)
    if rate is None:
        raise InputError(f"{option} {text!r}: give a rate such as 0.02 or 2%")
    with named("xl-portbeta report"):
        return annual_rate(rate, option)  # rf's rule: 5 is 500%, a percent typed as a number


#: The options that describe a prices file (and its rates and as_of): the demo has its own.
_FILE_ONLY = ("market", "market_file", "dates", "ticker_column", "shares_column", "price_column", "assets",
              "thousands", "decimal", "rf", "as_of", "date_format", "dayfirst", "currencies", "fx", "base")  # fmt: skip


def _report_figures(args: argparse.Namespace, command: str) -> tuple[Any, Any, str, Inputs]:
    """The figures of ``xl-portbeta report`` (of the prices files, or of the demo), its
    title and what the inputs were read from."""
    if args.demo:
        if args.prices or args.shares is not None or args.trades is not None:
            raise InputError("--demo takes no prices file, no --shares and no --trades")
        given = [f"--{o.replace('_', '-')}" for o in _FILE_ONLY if getattr(args, o, None) not in (None, False)]
        if given:  # never a demo report that silently ignored an option (--rf 5% read as none)
            raise InputError(f"--demo takes no {', '.join(given)}: they describe a prices file")
        arguments, stocks = _demo_arguments(args)
        title = args.title or f"Demo: equal-weighted portfolio of {stocks} S&P 500 stocks vs. the S&P 500 index"
        return (*analyze(command, {"cap": _beta_cap(args)}, **arguments), title, DEMO_INPUTS)
    if (
        not args.prices
        or (args.market is None and args.market_file is None)
        or (args.shares, args.trades) == (None,) * 2
    ):
        raise InputError("give a prices file, --market (or --market-file) and --shares (or --trades), or --demo")
    prices, options, columns = read_inputs(args)
    shares, held = read_holdings(args, prices, options)
    stats, detail = analyze(command, {"cap": _beta_cap(args)}, shares=shares, **columns)
    inputs = dataclasses.replace(inputs_of(prices), holdings=held)
    return stats, detail, args.title or title_of(stats, inputs), inputs


def run_report(args: argparse.Namespace) -> int:
    """One self-contained HTML report (xl_portbeta.report) of a prices file, or of the demo."""
    from .report_page import report as write_report

    command = "xl-portbeta report"
    _not_an_input(args, args.output, "-o")
    rf = _number_option(args.rf_valuation, "--rf-valuation")  # the options first: no figures for nothing
    premium = _number_option(args.premium, "--premium")
    cap = _beta_cap(args)
    stats, detail, title, inputs = _report_figures(args, command)
    try:
        with named(command):
            result = (
                stats.result
                if not isinstance(stats, api.ByBenchmark)
                else api.ByBenchmark(stats.benchmarks, tuple(s.result for s in stats.results))
            )
            path = write_report(
                result, args.output, window=args.window, rf=rf, premium=premium, title=title, inputs=inputs, cap=cap
            )
    except OSError as error:
        raise InputError(f"{args.output}: cannot be written ({error.strerror or error})") from None
    if args.json:
        print(json.dumps(result_dict(stats, detail, inputs, title), indent=2))
    else:
        print(printable(f"wrote {path}"))
    return 0


def _prices_file_options(command: argparse.ArgumentParser, frequency: dict[str, Any], required: bool = True) -> None:
    """The options of a command that reads prices files (analyze, book; report, where
    --demo stands for the files, so the files and --market are checked by run_report)."""
    command.add_argument(
        "prices", nargs="+" if required else "*",
        help="a wide or long .csv/.xlsx, or one file per ticker (a folder, or two or more files)",
    )  # fmt: skip
    command.add_argument(
        "--market",
        help="the benchmark: a column (wide file) or a ticker (long file, one file per ticker); several, "
        "separated by commas (SPX,ACWI): the first is the primary",
    )
    command.add_argument(
        "--market-file",
        action="append",
        help="the benchmark in its own file: dates and levels, or a Yahoo-style file; once per benchmark for several",
    )
    command.add_argument("--dates", help="the column of dates (default: a column named 'date')")
    command.add_argument(
        "--ticker-column",
        help="long files and a --shares or --holdings file: the column of tickers (default 'ticker'; a prices file "
        "with one is long), e.g. Symbol in a broker's positions export",
    )
    command.add_argument(
        "--shares-column",
        help="a --shares or --holdings file: the column of share counts (default 'shares'), e.g. Quantity in a "
        "broker's positions export (its other columns are not read)",
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
    command.add_argument(
        "--rf",
        help="annual risk-free rate (0.02 or 2%%), a column name (wide file; a blank carries the rate before "
        "it) or a file of date,rate rows (each date takes the last rate on or before it)",
    )
    command.add_argument("--as-of", help="date (or row number without dates) whose holdings set the weights")
    _currency_and_window_options(command, demo=not required)
    command.add_argument(
        "--date-format", help="how the file's text dates are written, e.g. %%d/%%m/%%Y (default: ISO only)"
    )
    command.add_argument("--dayfirst", action="store_true", help="text dates are day first (31/01/2000)")
    command.add_argument("--json", action="store_true", help="print JSON for scripts")
    command.add_argument(
        "--title", help="the heading (default: the portfolio in words, e.g. 'Portfolio of 10 holdings vs. SP500')"
    )


_TRADES_HELP = (
    "a .csv/.xlsx of trades, date,ticker,quantity rows (signed; held from the trade date's close, a trade on a day "
    "without prices from the next prices date), on top of --shares as the opening positions"
)


def _currency_and_window_options(command: argparse.ArgumentParser, demo: bool) -> None:
    """--currencies, --fx and --base (prices in several currencies), --start and --end (a window of dates)."""
    command.add_argument(
        "--currencies",
        help="each asset's currency: AAPL=USD,SAP=EUR or a .csv of ticker,currency rows (with --fx; list the "
        "market too to convert it)",
    )
    command.add_argument(
        "--fx", help="a .csv of rates: a Date column (the prices' dates) and one column per currency code, one unit "
        "of it in the base currency (a missing rate is a missing price)",
    )  # fmt: skip
    command.add_argument("--base", help="the portfolio's currency, e.g. USD: assets in it need no column in --fx")
    with_demo = " (with --demo: default 2022-01-01 and 2022-12-31)" if demo else ""
    command.add_argument("--start", help=f"the first date used (inclusive; default: the file's first){with_demo}")
    command.add_argument("--end", help="the last date used (inclusive; default: the file's last)")


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors read like the others: one line, ``xl-portbeta ...: ``, exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _book_command(commands: Any, frequency: dict[str, Any]) -> None:
    """The book command's options: the prices file's, the accounts' holdings or trades, --csv and --cap."""
    bk = commands.add_parser("book", help="many accounts holding the prices file's assets: both betas of each account")
    _prices_file_options(bk, frequency)
    bk.add_argument(
        "--holdings",
        help="a .csv/.xlsx of accounts: long (account,ticker,shares) or wide, long also .parquet (with pyarrow); "
        "with --trades, the opening positions",
    )
    bk.add_argument(
        "--threads", type=int, default=None, metavar="N",
        help="blocks of accounts computed at once (default: every usable core)",
    )  # fmt: skip
    bk.add_argument(
        "--trades",
        metavar="FILE",
        help="account,date,ticker,quantity rows: each account's holdings history from its trades",
    )
    bk.add_argument("--csv", metavar="FILE", help="write the table to FILE as CSV")
    _cap_argument(bk)
    bk.set_defaults(run=run_book)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="xl-portbeta",
        description="A portfolio's beta two ways: regression of the actual holdings vs. weighted average.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    frequency: dict[str, Any] = dict(
        default=None, choices=["daily", "weekly", "monthly"],
        help="returns frequency (default: the rows as given, periods per year from the dates' spacing)",
    )  # fmt: skip
    demo = commands.add_parser("demo", help="the bundled real portfolio (S&P 500 data shipped with the package)")
    demo.add_argument("--start", default="2022-01-01", help="first date (default 2022-01-01)")
    demo.add_argument("--end", default="2022-12-31", help="last date (default 2022-12-31)")
    demo.add_argument("--frequency", **frequency)
    demo.add_argument("--json", action="store_true", help="print JSON for scripts")
    demo.add_argument("--title", help="the heading (default: the demo portfolio in words)")
    _stats_option_arguments(demo)
    demo.set_defaults(run=run_demo)

    an = commands.add_parser("analyze", help="a prices file (.csv or .xlsx): one column per asset, the market, dates")
    _prices_file_options(an, frequency)
    an.add_argument(
        "--shares",
        help="'100,50,..' in asset order, 'AAPL=100,MSFT=50', or a .csv: ticker,shares rows or one column per asset; "
        "with a date column, statements held until the next (date,ticker,shares rows or one column per asset); "
        "with --trades, the opening positions",
    )
    an.add_argument("--trades", metavar="FILE", help=_TRADES_HELP)
    _stats_option_arguments(an)
    an.set_defaults(run=run_analyze)

    _book_command(commands, frequency)

    rp = commands.add_parser("report", help="a printable HTML report for a client (the inputs of analyze, or --demo)")
    _prices_file_options(rp, frequency, required=False)
    rp.add_argument("--shares", help="as for analyze")
    rp.add_argument("--trades", metavar="FILE", help=_TRADES_HELP)
    rp.add_argument("-o", "--output", required=True, help="the HTML file to write")
    rp.add_argument("--demo", action="store_true", help="the bundled demo portfolio instead of a prices file")
    rp.add_argument(
        "--window", type=int, help="returns per rolling window (default: about a year, at most half the sample)"
    )
    rp.add_argument("--rf-valuation", default="0.02", help="risk-free rate of the valuation section (default 2%%)")
    rp.add_argument("--premium", default="0.08", help="market premium of the valuation section (default 8%%)")
    _cap_argument(rp)
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
        message = str(error) if named_already else f"xl-portbeta {args.command}: {error}"
        print(printable(message), file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader left (xl-portbeta demo | head -1): as Python's docs advise, point stdout
        # at devnull so that the flush at exit raises nothing, and exit quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
