"""Command line for desk checks: ``xl-portbeta demo``, ``xl-portbeta analyze FILE``,
``xl-portbeta book FILE --holdings ACCOUNTS`` and ``xl-portbeta report FILE -o report.html``.

Exit codes: 0 done, 2 bad input (a one-line error on stderr).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import api, datasets, sheet
from .errors import PortbetaError, named

__all__ = ["main"]


class InputError(Exception):
    """A bad file, column or option: printed on one line, exit code 2."""


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
_SPECS = {sheet.SHARES: ",.0f", sheet.PCT: ".2%", sheet.BETA: ".4f"}


def _dropped(sample: Any) -> str:
    """The sample line's dates dropped, with why when some were."""
    count = f"{len(sample.dropped)} dates dropped for missing data"
    return f"{count} ({sheet.dropped_note(sample)})" if sample.dropped else count


def format_report(stats: api.PortfolioStats, detail: api.GapDetail, title: str) -> str:
    """REG, WTD, GAP, the statistics table and the per-holding attribution, for a terminal."""
    result = stats.result
    sample = result.sample
    lines = [
        title,
        f"sample: {_fmt(sample.labels[0], 0)} to {_fmt(sample.labels[-1], 0)}, {sample.n_returns} "
        f"{sample.frequency} returns ({sheet.periods_note(sample)}), {_dropped(sample)}; "
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
    specs = [_SPECS[c.number_format] for c in sheet.DETAIL_COLUMNS[1:]]
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


def report_dict(stats: api.PortfolioStats, detail: api.GapDetail) -> dict[str, Any]:
    """The same figures for scripts (``--json``)."""
    result = stats.result
    sample = result.sample
    stat_rows = sheet.stats_table(stats)[1:]
    columns = {c.key: c.values(detail) for c in sheet.DETAIL_COLUMNS[1:]}
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
            "dropped_why": dict(sample.dropped_why),
            "as_of": _jsonable(sample.as_of),
        },
        "stats": {
            row[0]: {"actual holdings": _jsonable(row[1]), "current weights": _jsonable(row[2]), "difference": _jsonable(row[3])}
            for row in stat_rows
        },
        "holdings": [
            {"name": name} | {key: _jsonable(values[k]) for key, values in columns.items()}
            for k, name in enumerate(result.names)
        ],
    }


def analyze(prices, shares, market, dates=None, frequency=None, rf=0.0, as_of=None, command="xl-portbeta"):
    """The statistics and the per-holding split of one portfolio, from one computation;
    errors named after ``command``."""
    with named(command):
        result = api.portfolio_beta(prices, shares, market, dates, frequency, rf, as_of)
        return api.stats_of(result), api.gap_detail_of(result)


# --------------------------------------------------------------------------- files


def read_table(path: str) -> pd.DataFrame:
    """A .csv or .xlsx file's first table: numbers as numbers, other text kept as text.

    Unlike pandas' defaults, only empty cells and Excel error texts (#N/A, ...) are
    missing: "n/a" or "-" in a price column is an error that names its row, not a hole.
    """
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: no such file")
    suffix = file.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise InputError(f"{path}: use a .csv or .xlsx file")
    try:
        if suffix == ".csv":
            table = pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""])
        else:
            table = pd.read_excel(file, engine="openpyxl", dtype=object, keep_default_na=False, na_values=[""])
    except ImportError:
        raise InputError(f"{path}: reading .xlsx needs openpyxl (pip install openpyxl)") from None
    except Exception as error:  # any parser's complaint is a bad file, said in one line
        first = (str(error).splitlines() or [type(error).__name__])[0]
        raise InputError(f"{path}: cannot be read as a table ({first})") from None
    return table.apply(_numbers_where_possible)


def _numbers_where_possible(column: pd.Series) -> pd.Series:
    """Numeric text to floats; anything else (text, dates) stays as it is, for the checks."""
    numbers = pd.to_numeric(column, errors="coerce")
    return numbers.astype(object).where(numbers.notna() | column.isna(), column)


def _column(table: pd.DataFrame, name: str, option: str, path: str) -> str:
    for column in table.columns:
        if str(column) == name:
            return column
    for column in table.columns:
        if str(column).strip().lower() == name.strip().lower():
            return column
    raise InputError(f"{path}: no column {name!r} for {option} (columns: {', '.join(map(str, table.columns))})")


@dataclass(frozen=True)
class DateRule:
    """How text dates are read: ISO (2024-06-28) always; others only as the user says."""

    date_format: str | None = None  # --date-format, e.g. %d/%m/%Y
    dayfirst: bool = False  # --dayfirst

    def parse(self, text: pd.Series) -> pd.Series:
        """The dates of ``text``, NaT where a value does not read by this rule: ISO first
        (it reads one way only), then the user's rule for the values that are not ISO."""
        iso = pd.to_datetime(text, errors="coerce", format="ISO8601")
        rest = iso.isna() & text.notna()
        if not rest.any() or not (self.date_format or self.dayfirst):
            return iso
        if self.date_format:
            other = pd.to_datetime(text[rest], errors="coerce", format=self.date_format)
        else:
            other = pd.to_datetime(text[rest], errors="coerce", format="mixed", dayfirst=True)
        return iso.where(~rest, other)


_DATE_OPTIONS = "give --date-format (e.g. --date-format %d/%m/%Y) or --dayfirst"


def parse_dates(column: pd.Series, path: str, rule: DateRule = DateRule(), name: str = "dates") -> np.ndarray:
    """Text dates from a file, each one checked (an unreadable one is an error, never
    dropped). A text date that is not ISO is never guessed: a day-first 01/02/2000 read
    month-first would be a wrong number, so it needs the user's rule."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return pd.to_datetime(column).to_numpy()
    text = column.astype("string")
    parsed = rule.parse(text)
    bad = parsed.isna() & column.notna()
    if bad.any():
        k = int(np.flatnonzero(bad.to_numpy())[0])
        value = column.iloc[k]
        if rule == DateRule() and not pd.isna(pd.to_datetime(str(value), errors="coerce", format="mixed")):
            raise InputError(f"{path}: {name} row {k + 2} holds {value!r}, not an ISO date (2024-06-28): {_DATE_OPTIONS}")
        raise InputError(f"{path}: {name} row {k + 2} holds {value!r}, which is not a date")
    return parsed.to_numpy()


def parse_as_of(text: str, rule: DateRule) -> Any:
    """--as-of by the file's date rule (ISO without one)."""
    parsed = rule.parse(pd.Series([text], dtype="string")).iloc[0]
    if pd.isna(parsed):
        raise InputError(f"--as-of {text!r} is not a date by the file's rule: ISO (2024-06-28), or {_DATE_OPTIONS}")
    return parsed.to_pydatetime()


def parse_shares(text: str, assets: list[str], path: str, dates: np.ndarray | None, rule: DateRule = DateRule()) -> Any:
    """'100,50,20' in column order, 'AAPL=100,MSFT=50' by name (others not held), or a file
    of holdings: one row, or one row per date of the prices file (checked by its dates)."""
    if Path(text).suffix.lower() in (".csv", ".xlsx", ".xlsm"):
        table = read_table(text)
        table.columns = [str(c) for c in table.columns]
        missing = [a for a in assets if a not in table.columns]
        if missing:
            raise InputError(f"{text}: no shares column for {', '.join(missing)}")
        date_column = next((c for c in table.columns if c.strip().lower() == "date"), None)
        if date_column is not None and len(table) > 1:
            held_on = parse_dates(table[date_column], text, rule)
            if dates is None or len(held_on) != len(dates) or (held_on != dates).any():
                raise InputError(f"{text}: its dates are not those of {path}: give one holdings row per prices row")
        return table[assets]
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        if all("=" in p for p in parts):
            named = {k.strip(): float(v) for k, v in (p.split("=", 1) for p in parts)}
            unknown = set(named) - set(assets)
            if unknown:
                raise InputError(f"--shares names {', '.join(sorted(unknown))}, not asset columns of {path}")
            return [[a for a in assets], [named.get(a, 0.0) for a in assets]]
        return [[float(p) for p in parts]]
    except ValueError:
        raise InputError(f"--shares {text!r}: give numbers ('100,50'), NAME=number pairs, or a .csv file") from None


@dataclass(frozen=True)
class PricesFile:
    """A prices file's columns as the options name them."""

    table: pd.DataFrame
    assets: list[Any]
    market: Any
    dates: np.ndarray | None
    rf: Any
    as_of: Any
    rule: DateRule


def read_prices_file(args: argparse.Namespace) -> PricesFile:
    """The assets, market, dates, rate and as_of of ``args.prices`` (analyze and book)."""
    table = read_table(args.prices)
    market_col = _column(table, args.market, "--market", args.prices)
    dates_col = _column(table, args.dates, "--dates", args.prices) if args.dates else None
    if dates_col is None:
        dates_col = next((c for c in table.columns if str(c).strip().lower() == "date"), None)
    rf_col = None
    rf: Any = 0.0
    if args.rf is not None:
        try:
            rf = float(args.rf.rstrip("%")) / (100 if args.rf.endswith("%") else 1)
        except ValueError:
            rf_col = _column(table, args.rf, "--rf", args.prices)
            rf = table[[rf_col]]
    assets = [c for c in table.columns if c not in (market_col, dates_col, rf_col)]
    if not assets:
        raise InputError(f"{args.prices}: no asset columns besides the market and dates")
    rule = DateRule(args.date_format, args.dayfirst)
    dates = parse_dates(table[dates_col], args.prices, rule) if dates_col is not None else None
    as_of: Any = args.as_of
    if as_of is not None and dates is None:
        try:
            as_of = int(as_of)
        except ValueError:
            raise InputError(f"--as-of {as_of!r}: without a dates column, give a row number") from None
    elif as_of is not None:
        as_of = parse_as_of(as_of, rule)
    return PricesFile(table, assets, market_col, dates, rf, as_of, rule)


def run_analyze(args: argparse.Namespace) -> int:
    file = read_prices_file(args)
    shares = parse_shares(args.shares, [str(a) for a in file.assets], args.prices, file.dates, file.rule)
    stats, detail = analyze(
        file.table[file.assets], shares, file.table[[file.market]], file.dates, args.frequency, file.rf, file.as_of,
        command="xl-portbeta analyze",
    )  # fmt: skip
    if args.json:
        print(json.dumps(report_dict(stats, detail), indent=2))
    else:
        print(format_report(stats, detail, f"{args.prices}: {len(file.assets)} assets vs. {file.market}"))
    return 0


def read_accounts_file(path: str, assets: list[str]) -> pd.DataFrame:
    """Accounts x assets share counts from a long file (``account,ticker,shares``, tickers
    matched without regard to case) or a wide one (an account column, one column per
    asset); assets not listed are not held."""
    table = read_table(path)
    table.columns = [str(c).strip() for c in table.columns]
    lower = {c.lower(): c for c in table.columns}
    by_lower = {a.lower(): a for a in assets}
    if {"account", "ticker", "shares"} <= set(lower):
        unknown = sorted({str(t) for t in table[lower["ticker"]] if str(t).strip().lower() not in by_lower})
        if unknown:
            raise InputError(f"{path}: tickers that are not asset columns of the prices file: {', '.join(unknown[:5])}")
        accounts = table[lower["account"]]
        if accounts.isna().any():
            raise InputError(f"{path}: row {int(np.flatnonzero(accounts.isna().to_numpy())[0]) + 2} has no account")
        tickers = table[lower["ticker"]].map(lambda t: by_lower[str(t).strip().lower()])
        long = pd.DataFrame({"account": accounts.astype(str), "ticker": tickers, "shares": table[lower["shares"]], "listed": 1})
        if long.duplicated(["account", "ticker"]).any():
            row = long[long.duplicated(["account", "ticker"])].iloc[0]
            raise InputError(f"{path}: account {row['account']} lists {row['ticker']} twice")
        order = pd.unique(long["account"])
        wide = long.pivot(index="account", columns="ticker", values="shares").reindex(index=order, columns=assets)
        listed = long.pivot(index="account", columns="ticker", values="listed").reindex(index=order, columns=assets)
        # an asset not listed is not held (0); a listed count left blank stays missing (a note)
        return wide.astype(object).where(listed.notna(), 0.0)
    account = lower.get("account")
    if account is None:
        raise InputError(f"{path}: give columns account,ticker,shares, or an account column and one column per asset")
    columns = {c.lower(): c for c in table.columns if c != account}
    unknown = sorted(set(columns) - set(by_lower))
    if unknown:
        raise InputError(f"{path}: columns that are not asset columns of the prices file: {', '.join(unknown[:5])}")
    wide = pd.DataFrame({a: table[columns[a.lower()]] if a.lower() in columns else 0.0 for a in assets})
    wide.index = pd.Index(table[account].astype(str), name="account")
    return wide


def run_book(args: argparse.Namespace) -> int:
    file = read_prices_file(args)
    holdings = read_accounts_file(args.holdings, [str(a) for a in file.assets])
    with named("xl-portbeta book"):
        book = api.book_betas(
            file.table[file.assets], holdings, file.table[[file.market]], file.dates, args.frequency, file.rf,
            file.as_of,
        )  # fmt: skip
    frame = book.to_frame()
    if args.csv:
        frame.to_csv(args.csv)
    if args.json:
        records = [{"account": a} | {k: _jsonable(v) for k, v in row.items()} for a, row in zip(frame.index, frame.to_dict("records"))]
        print(json.dumps({"accounts": records}, indent=2))
    elif not args.csv:
        print(frame.to_string(float_format=lambda v: f"{v:.4f}"))
    return 0


def run_demo(args: argparse.Namespace) -> int:
    prices, shares, market = datasets.demo_portfolio(args.start, args.end)
    stats, detail = analyze(prices, shares, market, prices.index.to_numpy(), args.frequency, command="xl-portbeta demo")
    if args.json:
        print(json.dumps(report_dict(stats, detail), indent=2))
        return 0
    title = (
        f"Demo: equal-weighted portfolio of {prices.shape[1]} S&P 500 stocks "
        "(whole shares, equal weights on the last date) vs. the S&P 500 index"
    )
    print(format_report(stats, detail, title))
    return 0


def _number_option(text: str, option: str) -> float:
    """A rate such as 0.02 or 2%."""
    try:
        return float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise InputError(f"{option} {text!r}: give a rate such as 0.02 or 2%") from None


def run_report(args: argparse.Namespace) -> int:
    """One self-contained HTML report (xl_portbeta.report) of a prices file, or of the demo."""
    from .report import report as write_report  # pb.report, the function, shadows its module's name

    command = "xl-portbeta report"
    if args.demo:
        if args.prices is not None or args.shares is not None:
            raise InputError("report --demo takes no prices file and no --shares")
        prices, shares, market = datasets.demo_portfolio(args.start, args.end)
        stats, detail = analyze(prices, shares, market, prices.index.to_numpy(), args.frequency, command=command)
        title = f"Demo: equal-weighted portfolio of {prices.shape[1]} S&P 500 stocks vs. the S&P 500 index"
    else:
        if args.prices is None or args.market is None or args.shares is None:
            raise InputError("report needs a prices file, --market and --shares (or --demo)")
        file = read_prices_file(args)
        shares = parse_shares(args.shares, [str(a) for a in file.assets], args.prices, file.dates, file.rule)
        stats, detail = analyze(
            file.table[file.assets], shares, file.table[[file.market]], file.dates, args.frequency, file.rf, file.as_of,
            command=command,
        )  # fmt: skip
        title = f"{Path(args.prices).name}: {len(file.assets)} assets vs. {file.market}"
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
    """The options of a command that reads a prices file (analyze, book; report, where
    --demo stands for the file, so the file and --market are checked by run_report)."""
    command.add_argument("prices", nargs=None if required else "?", help="the file (.csv or .xlsx); its first row names the columns")
    command.add_argument("--market", required=required, help="the column of benchmark levels")
    command.add_argument("--dates", help="the column of dates (default: a column named 'date', if any)")
    command.add_argument("--frequency", **frequency)
    command.add_argument("--rf", help="annual risk-free rate (0.02 or 2%%) or a column name")
    command.add_argument("--as-of", help="date (or row number without dates) whose holdings set the weights")
    command.add_argument("--date-format", help="how the file's text dates are written, e.g. %%d/%%m/%%Y (default: ISO only)")
    command.add_argument("--dayfirst", action="store_true", help="text dates are day first (31/01/2000)")
    command.add_argument("--json", action="store_true", help="print JSON for scripts")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    demo.set_defaults(run=run_demo)

    an = commands.add_parser("analyze", help="a prices file (.csv or .xlsx): one column per asset, the market, dates")
    _prices_file_options(an, frequency)
    an.add_argument("--shares", required=True, help="'100,50,..' in asset column order, 'AAPL=100,MSFT=50', or a holdings .csv")
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
    rp.add_argument("--window", type=int, help="returns per rolling window (default: about a year, at most half the sample)")
    rp.add_argument("--rf-valuation", default="0.02", help="risk-free rate of the valuation section (default 2%%)")
    rp.add_argument("--premium", default="0.08", help="market premium of the valuation section (default 8%%)")
    rp.set_defaults(run=run_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (PortbetaError, InputError) as error:
        print(f"xl-portbeta: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
