"""Command line: ``xl-portbeta demo`` on the bundled real data."""

from __future__ import annotations

import argparse
import sys

from . import api, datasets
from .inputs import PortbetaError

__all__ = ["main"]


def format_report(result: api.PortfolioBeta, title: str) -> str:
    """REG, WTD, GAP and a per-holding table, for a terminal."""
    sample = result.sample
    first, last = sample.labels[0], sample.labels[-1]
    span = (
        f"{first:%Y-%m-%d} to {last:%Y-%m-%d}" if hasattr(first, "strftime") else f"rows {first} to {last}"
    )
    lines = [
        title,
        f"sample: {span}, {sample.n_returns} {sample.frequency} returns, "
        f"{len(sample.dropped)} dates dropped for missing data",
        f"weights as of: {sample.as_of:%Y-%m-%d}" if hasattr(sample.as_of, "strftime") else f"weights as of: row {sample.as_of}",
        "",
        f"  PORTBETA_REG  regression beta of the actual holdings  {result.reg:10.4f}",
        f"  PORTBETA_WTD  weighted average of the holdings' betas  {result.wtd:10.4f}",
        f"  BETA_GAP      REG - WTD (weight drift)                {result.gap:10.4f}",
        "",
        f"  {'holding':<10} {'weight':>9} {'beta':>9} {'gap part':>10}",
    ]
    for name, w, b, g in zip(result.names, result.weights, result.asset_betas, result.gap_by_holding):
        lines.append(f"  {name:<10} {w:9.2%} {b:9.4f} {g:10.4f}")
    lines.append(f"  {'total':<10} {result.weights.sum():9.2%} {result.wtd:9.4f} {result.gap_by_holding.sum():10.4f}")
    return "\n".join(lines)


def run_demo(args: argparse.Namespace) -> int:
    prices, shares, market = datasets.demo_portfolio(args.start, args.end)
    result = api.portfolio_beta(prices, shares, market, prices.index.to_numpy(), args.frequency)
    title = (
        f"Demo: equal-weighted portfolio of {prices.shape[1]} S&P 500 stocks "
        "(whole shares, equal weights on the last date) vs. the S&P 500 index"
    )
    print(format_report(result, title))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xl-portbeta", description="A portfolio's beta two ways: regression of the actual holdings vs. weighted average."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="the bundled real portfolio (S&P 500 data shipped with the package)")
    demo.add_argument("--start", default="2022-01-01", help="first date (default 2022-01-01)")
    demo.add_argument("--end", default="2022-12-31", help="last date (default 2022-12-31)")
    demo.add_argument("--frequency", default="daily", choices=["daily", "weekly", "monthly"])
    demo.set_defaults(run=run_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except PortbetaError as error:
        print(f"xl-portbeta: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
