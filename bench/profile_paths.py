"""Where the time goes: cProfile of the benchmark's main code paths (issue 5).

    python bench/profile_paths.py [--quick] [--top 25] [--case api|udf|rolling|all]

Uses bench/run.py's inputs (same sizes, same seed). Each case is warmed up, then
profiled over a few calls; the listing is sorted by own time (tottime).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

import run  # noqa: F401  (sets XLWINGS_ON_SERVER etc. before xlwings is imported)
from run import FULL, QUICK, Runner, api, excel_payload, make_data, udfs


def profile(label: str, fn, calls: int, top: int) -> None:
    fn()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(calls):
        fn()
    prof.disable()
    print(f"\n===== {label} ({calls} calls) =====")
    pstats.Stats(prof).strip_dirs().sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--case", choices=["api", "udf", "rolling", "all"], default="all")
    args = parser.parse_args()
    cfg = QUICK if args.quick else FULL
    d = make_data(cfg.T, cfg.N, cfg.blank_fraction)
    sh = d.shares.astype(float)
    if args.case in ("api", "all"):
        profile("api.portfolio_beta on float ndarray", lambda: api.portfolio_beta(d.prices, sh, d.market), 5, args.top)
    if args.case in ("udf", "all"):
        xl = excel_payload(d)
        runner = Runner(cfg)
        call = runner.officejs_call("portbeta_reg", [xl["prices"], xl["shares"], xl["market"]], udfs)
        profile("Office.js UDF portbeta_reg", call, 5, args.top)
    if args.case in ("rolling", "all") and hasattr(api, "rolling_portfolio_beta"):
        r = make_data(cfg.roll_T, cfg.roll_N, 0.0, seed=7)
        rsh = r.shares.astype(float)
        profile(
            "api.rolling_portfolio_beta",
            lambda: api.rolling_portfolio_beta(r.prices, rsh, r.market, window=cfg.window),
            3,
            args.top,
        )


if __name__ == "__main__":
    main()
