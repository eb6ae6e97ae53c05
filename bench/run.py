"""Benchmark for xl_portbeta (project issue 5): one command, one markdown table.

    python bench/run.py            # full size: 2,520 x 500 prices (rolling: 5,040 x 500)
    python bench/run.py --quick    # small smoke run (a few seconds)

Everything runs in this one process: inputs are built, then for every case a warm-up
call and several timed repetitions back to back (garbage collector off while timing, as
timeit does); the table shows medians. Memory is measured in a separate pass with tracemalloc
(numpy reports its buffers to it): peak during the call minus the traced size before.

Columns: ``ours`` and ``baseline`` are medians (ms) or peak extra memory (MB);
``ratio`` is ours / baseline. A "<= k x" target is met when ratio <= k; a
">= k x faster" target is met when baseline / ours >= k.

Which xl_portbeta is measured: the first one on sys.path. Put a copy first with
``PYTHONPATH=/tmp/xlpb_copy python bench/run.py`` to benchmark a patched package;
without PYTHONPATH the repository's own package (the parent of bench/) is used.

No assertions: the benchmark reports, it never fails on a missed target. Checks
that the different paths agree on the numbers are printed, not asserted.
"""

from __future__ import annotations

import os
import sys

# Before the first `import xlwings` anywhere: the Office.js decorators (xlwings Lite /
# Server), so that the UDFs get __xlfunc__ and can be called through xlwings.server.
os.environ.setdefault("XLWINGS_ON_SERVER", "true")
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")


def _blas_threads_arg(argv: list[str]) -> str | None:
    for k, a in enumerate(argv):
        if a == "--blas-threads" and k + 1 < len(argv):
            return argv[k + 1]
        if a.startswith("--blas-threads="):
            return a.split("=", 1)[1]
    return None


# Before numpy loads its BLAS: on this 2-core machine a multi-threaded OpenBLAS call
# (gemv, lstsq) takes 4-8 ms instead of 0.15 ms as soon as another process keeps the
# other core busy, which swamps every ratio. Default: 1 thread (reproducible); 0 leaves
# the BLAS as installed. An OPENBLAS_NUM_THREADS already set in the environment wins
# over the default, not over an explicit --blas-threads.
_BLAS = _blas_threads_arg(sys.argv[1:])
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    if _BLAS is None:
        os.environ.setdefault(_var, "1")
    elif _BLAS != "0":
        os.environ[_var] = _BLAS
    else:
        os.environ.pop(_var, None)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import dataclasses  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import timeit  # noqa: E402
import tracemalloc  # noqa: E402
from collections.abc import Callable  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Appended, not prepended: a copy on PYTHONPATH wins over the repository's package.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

import npconv_udfs  # noqa: E402  (bench/ is sys.path[0])
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import xlwings  # noqa: E402
import xlwings.conversion  # noqa: E402
import xlwings.server  # noqa: E402

import xl_portbeta  # noqa: E402
from xl_portbeta import api, core, udfs  # noqa: E402

# --------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class Config:
    T: int  # price rows of cases 1-3, 5
    N: int  # assets
    small_T: int  # np.array-converter UDF baseline (timed on small_T x small_N, scaled per cell)
    small_N: int
    sm_assets: int  # statsmodels: OLS timed on this many assets, scaled to N
    roll_T: int  # rolling case
    roll_N: int
    window: int  # returns per rolling window
    roll_windows_timed: int  # OLS-per-window baseline: windows timed, scaled to all
    book_K: int  # accounts of the book case (6)
    book_K_large: int  # the book's memory, reported for this many accounts too
    book_singles_timed: int  # per-account baseline: accounts timed, scaled to book_K
    sparse_K: int  # accounts of the sparse book (7), each holding sparse_held of sparse_N assets
    sparse_N: int
    sparse_T: int
    sparse_held: int
    blank_fraction: float
    min_reps: int
    max_reps: int
    budget_s: float  # keep repeating a case up to this long (after min_reps)


FULL = Config(
    T=2520, N=500, small_T=252, small_N=50, sm_assets=20,
    roll_T=5040, roll_N=500, window=252, roll_windows_timed=40,
    book_K=10_000, book_K_large=100_000, book_singles_timed=100,
    sparse_K=50_000, sparse_N=2_000, sparse_T=756, sparse_held=30,
    blank_fraction=0.01, min_reps=5, max_reps=101, budget_s=1.5,
)  # fmt: skip
QUICK = Config(
    T=252, N=50, small_T=63, small_N=10, sm_assets=5,
    roll_T=504, roll_N=50, window=126, roll_windows_timed=10,
    book_K=200, book_K_large=1_000, book_singles_timed=10,
    sparse_K=3_000, sparse_N=200, sparse_T=126, sparse_held=10,
    blank_fraction=0.01, min_reps=3, max_reps=21, budget_s=0.2,
)  # fmt: skip

TARGET_CORE_VS_RETURNS = 3.0  # <= x the return matrix
TARGET_CORE_VS_STATSMODELS = 50.0  # >= x faster
TARGET_UDF_VS_FLOOR = 2.5  # <= x np.array(payload, dtype=float)
TARGET_DESK_VS_FLOOR = 3.0  # <= x np.array(payload) + REG and WTD in numpy, 252 x 50
TARGET_UDF_VS_NPCONV = 100.0  # >= x faster
TARGET_ROLL_VS_CORE = 10.0  # <= x the single-pass core
TARGET_ROLL_VS_OLS = 100.0  # >= x faster
TARGET_MEMORY = 4.0  # <= x the price matrix as float64
TARGET_BOOK_VS_FLOOR = 3.0  # <= x one P @ H.T and one pass over it
TARGET_BOOK_VS_SINGLES = 100.0  # >= x faster than api.portfolio_beta per account
TARGET_BOOK_MEMORY = 2.0  # <= x the T x K value matrix as float64
TARGET_BOOK_THREADS_VS_FLOOR = 2.0  # on every core: <= x the floor run on the same threads
TARGET_SPARSE_VS_FLOOR = 3.0  # <= x one sparse H @ P.T and one pass over its K x T result
TARGET_SPARSE_MEMORY = 0.5  # <= x the T x K value matrix as float64

# --------------------------------------------------------------------------- timing


@dataclass
class Timing:
    times: list[float] = field(default_factory=list)
    scale: float = 1.0  # the measured call is 1/scale of the work reported

    @property
    def median(self) -> float:
        return statistics.median(self.times) * self.scale


def timed(fn: Callable[[], Any], cfg: Config, scale: float = 1.0, warmup: int = 1) -> Timing:
    """Warm up, then time ``fn`` with ``timeit`` at least cfg.min_reps times (more while
    within budget): the garbage collector off while timing, repetitions back to back, so
    caches are as warm for a baseline as for ours."""
    for _ in range(warmup):
        fn()
    timer = timeit.Timer(fn)
    out = Timing(timer.repeat(repeat=cfg.min_reps, number=1), scale=scale)
    while len(out.times) < cfg.max_reps and sum(out.times) < cfg.budget_s:
        out.times += timer.repeat(repeat=1, number=1)
    return out


def peak_extra_bytes(fn: Callable[[], Any], warmup: bool = True) -> int:
    """Peak traced memory during ``fn()`` minus the traced memory just before (after a warm-up)."""
    if warmup:
        fn()
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak - before


# --------------------------------------------------------------------------- data


@dataclass
class Data:
    prices: np.ndarray  # (T, N) clean
    market: np.ndarray  # (T,)
    shares: np.ndarray  # (N,) integer share counts (0 = not held)
    blanks: np.ndarray  # (T, N) bool: cells left blank in the Excel-shaped payloads
    names: list[str]


def make_data(T: int, N: int, blank_fraction: float, seed: int = 20261122) -> Data:
    """A one-factor market: index random walk, assets with betas 0.3-1.8 plus noise.

    Shares: every 10th asset is not held (0 shares). Blanks (``blank_fraction`` of all
    cells): about a third as whole blank rows (holidays: those dates are dropped), the
    rest scattered over the *unheld* columns only (a held asset with a hole drops its
    date, and 1% random holes in held columns would drop almost every date). So the
    payload paths exercise header detection, None cells, dropped rows and NaN betas.
    """
    rng = np.random.default_rng(seed)
    market_returns = rng.normal(0.0003, 0.011, T - 1)
    market = 3000.0 * np.cumprod(np.r_[1.0, 1.0 + market_returns])
    betas = rng.uniform(0.3, 1.8, N)
    noise = rng.normal(0.0, 0.015, (T - 1, N))
    returns = np.clip(betas * market_returns[:, None] + noise, -0.5, 0.5)
    prices = rng.uniform(5.0, 500.0, N) * np.cumprod(np.vstack([np.ones(N), 1.0 + returns]), axis=0)
    shares = rng.integers(10, 5000, N)
    unheld = np.arange(N) % 10 == 9
    shares[unheld] = 0

    blanks = np.zeros((T, N), dtype=bool)
    n_blank = round(blank_fraction * T * N)
    n_rows = max(1, n_blank // (3 * N))
    blank_rows = rng.choice(np.arange(1, T - 1), n_rows, replace=False)  # keep first/last rows
    blanks[blank_rows] = True
    rest = n_blank - n_rows * N
    cols = np.flatnonzero(unheld)
    if rest > 0 and len(cols):
        cells = rng.choice(T * len(cols), min(rest, T * len(cols)), replace=False)
        blanks[cells // len(cols), cols[cells % len(cols)]] = True  # may overlap a blank row: a bit fewer
    names = [f"TICK{i:03d}" for i in range(N)]
    return Data(np.ascontiguousarray(prices), market, shares, blanks, names)


def excel_payload(d: Data) -> dict[str, Any]:
    """Office.js shapes: lists of lists, header rows, None for a blank cell."""
    body = d.prices.tolist()
    for r, c in np.argwhere(d.blanks):
        body[r][c] = None
    prices = [list(d.names)] + body
    market = [["Market"]] + [[v] for v in d.market.tolist()]
    shares = [[int(s) for s in d.shares]]  # one row; JSON gives ints for whole numbers
    return {"prices": prices, "body": body, "market": market, "shares": shares}


def com_payload(xl: dict[str, Any]) -> dict[str, Any]:
    """Classic COM shapes: tuples of row tuples, None for a blank cell, floats."""
    body = tuple(tuple(row) for row in xl["body"])
    prices = (tuple(xl["prices"][0]),) + body
    market = (("Market",),) + tuple((row[0],) for row in xl["market"][1:])
    shares = (tuple(float(s) for s in xl["shares"][0]),)
    return {"prices": prices, "body": body, "market": market, "shares": shares}


def officejs_blanks(prices: list[list[Any]], every: int) -> list[list[Any]]:
    """``prices`` with each None as "" and, if ``every``, each every-th one as an #N/A error object."""
    na = {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}
    seen = 0
    out = [prices[0]]
    for row in prices[1:]:
        new = list(row)
        for k, v in enumerate(row):
            if v is None:
                seen += 1
                new[k] = dict(na) if every and seen % every == 0 else ""
        out.append(new)
    return out


def floor_reg_wtd(body: list[list[Any]], market: list[list[Any]], shares: Any) -> tuple[float, float]:
    """The floor of a UDF call (issue 23): the payload's prices as floats, then REG and WTD
    in plain numpy on the dates where every held price is present (unheld gaps as 1)."""
    P = np.array(body, dtype=float)
    m = np.array(market[1:], dtype=float)[:, 0]
    h = np.asarray(shares, dtype=float).ravel()
    gaps = np.isnan(P)
    keep = ~gaps[:, h != 0].any(axis=1)
    P = np.where(gaps, 1.0, P)[keep]
    m = m[keep]
    R = P[1:] / P[:-1] - 1
    v = P @ h
    y, x = v[1:] / v[:-1] - 1, m[1:] / m[:-1] - 1
    x = x - x.mean()
    var = x @ x
    betas = x @ R / var
    return float(y @ x / var), float(h * P[-1] / v[-1] @ betas)


def nan_prices(d: Data) -> np.ndarray:
    p = d.prices.copy()
    p[d.blanks] = np.nan
    return p


# --------------------------------------------------------------------------- table


@dataclass
class Row:
    case: str
    ours: str
    baseline: str
    ratio: str
    target: str
    met: str


def ms(t: float) -> str:
    return f"{t * 1e3:.3g} ms" if t < 1 else f"{t:.3g} s"


def mb(b: float) -> str:
    return f"{b / 2**20:.1f} MB"


def at_most(case: str, ours: float, base: float, k: float, fmt=ms) -> Row:
    ratio = ours / base
    return Row(case, fmt(ours), fmt(base), f"{ratio:.2f}x", f"<= {k:g}x", "yes" if ratio <= k else "**NO**")


def faster(case: str, ours: float, base: float, k: float) -> Row:
    ratio = ours / base
    speedup = base / ours
    return Row(
        case, ms(ours), ms(base), f"{ratio:.4f}x ({speedup:.0f}x faster)",
        f">= {k:g}x faster", "yes" if speedup >= k else "**NO**",
    )  # fmt: skip


def markdown(rows: list[Row]) -> str:
    head = ["case", "ours", "baseline", "ratio", "target", "met"]
    cells = [head] + [[r.case, r.ours, r.baseline, r.ratio, r.target, r.met] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
    line = lambda row: "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |"  # noqa: E731
    return "\n".join([line(head), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [line(r) for r in cells[1:]])


def machine_line() -> str:
    model = "unknown CPU"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor() or model
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    import statsmodels

    blas = os.environ.get("OPENBLAS_NUM_THREADS", "as installed")
    return (
        f"machine: {platform.platform()} | CPU: {model} | cores: {os.cpu_count()} (usable {usable}) | "
        f"Python {platform.python_version()} | numpy {np.__version__} | xlwings {xlwings.__version__} | "
        f"pandas {pd.__version__} | statsmodels {statsmodels.__version__} | BLAS threads: {blas}"
    )


def busy_cpu_seconds() -> float | None:
    """CPU time all processes have used so far (Linux /proc/stat), in seconds."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


# --------------------------------------------------------------------------- cases


class Runner:
    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.rows: list[Row] = []
        self.notes: list[str] = []
        self.checks: list[str] = []
        self.loop = asyncio.new_event_loop()

    def check(self, label: str, a: float, b: float, rtol: float = 1e-9) -> None:
        ok = bool(np.isclose(a, b, rtol=rtol, atol=1e-12))
        self.checks.append(f"{label}: {'ok' if ok else f'MISMATCH {a!r} vs {b!r}'}")

    def officejs_call(self, func_name: str, args: list[Any], module: Any) -> Callable[[], Any]:
        data = {
            "func_name": func_name,
            "args": args,
            "version": xlwings.__version__,
            "client": "Office.js",
            "runtime": "1.4",
        }
        call = xlwings.server.custom_functions_call
        return lambda: self.loop.run_until_complete(call(data, module))

    # ----------------------------------------------------------------- 1. core
    def core(self, d: Data) -> None:
        cfg = self.cfg
        P, m, sh = d.prices, d.market, d.shares.astype(float)
        returns = timed(lambda: P[1:] / P[:-1] - 1, cfg, warmup=3)
        api_nd = timed(lambda: api.portfolio_beta(P, sh, m), cfg)
        # 1a is information: the target is the core's (1b); this adds the input layer's
        # checks of the same array (missing, infinite and non-positive prices, values).
        whole = at_most(
            f"1a (info) api.portfolio_beta on float ndarray {cfg.T}x{cfg.N}, incl. input handling, "
            "vs return matrix once",
            api_nd.median,
            returns.median,
            TARGET_CORE_VS_RETURNS,
        )
        whole.target, whole.met = "(no target)", "-"
        self.rows.append(whole)

        # 1b: the figures of a sample built beforehand: api.beta_of, what
        # api.portfolio_beta runs after api.build_sample.
        sample = api.build_sample(P, sh, m)
        core_only = timed(lambda: api.beta_of(sample), cfg)
        result_core = api.beta_of(sample)
        self.rows.append(
            at_most("1b core after input handling (build_sample done beforehand) vs return matrix once",
                    core_only.median, returns.median, TARGET_CORE_VS_RETURNS)
        )  # fmt: skip

        import statsmodels.api as sm

        R = P[1:] / P[:-1] - 1
        X = sm.add_constant(m[1:] / m[:-1] - 1)
        k = min(cfg.sm_assets, cfg.N)
        idx = np.linspace(0, cfg.N - 1, k).astype(int)
        sm_fit = lambda: [sm.OLS(R[:, i], X).fit().params[1] for i in idx]  # noqa: E731
        sm_time = timed(sm_fit, cfg, scale=cfg.N / k)
        sm_label = f"statsmodels OLS per asset (timed on {k} assets, scaled x{cfg.N / k:g} to {cfg.N})"
        self.rows.append(
            faster(f"1c core via api.portfolio_beta on ndarray (as 1a) vs {sm_label}",
                   api_nd.median, sm_time.median, TARGET_CORE_VS_STATSMODELS)
        )  # fmt: skip
        self.rows.append(
            faster(f"1d core after input handling (as 1b) vs {sm_label}",
                   core_only.median, sm_time.median, TARGET_CORE_VS_STATSMODELS)
        )  # fmt: skip
        result = api.portfolio_beta(P, sh, m)
        self.check("core: api asset beta == statsmodels", float(result.asset_betas[idx[0]]), float(sm_fit()[0]), 1e-8)
        self.check("core: 1b (prebuilt sample) REG == api REG", result_core.reg, result.reg)
        self.notes.append(
            "1: the targets are about the core: 1b/1d time `api.beta_of(sample)` on a sample built beforehand "
            "(`api.build_sample`: the input handling); 1a/1c time the whole call, `api.portfolio_beta` "
            "(1c holds the whole call to the core's 50x target)."
        )
        self.notes.append(
            f"1: return matrix = `P[1:] / P[:-1] - 1` on the {cfg.T}x{cfg.N} float64 array; "
            "statsmodels baseline = `sm.OLS(r_i, add_constant(m)).fit()` on precomputed returns "
            f"(return computation not counted; {k} assets timed, scaled to {cfg.N})."
        )
        self.core_sample = (P, sh, m)

    # ----------------------------------------------------------------- 2. Office.js UDF
    def officejs(self, d: Data, xl: dict[str, Any], small_xl: dict[str, Any]) -> None:
        cfg = self.cfg
        body = xl["body"]
        floor = timed(lambda: np.array(body, dtype=float), cfg)
        udf = self.officejs_call("portbeta_reg", [xl["prices"], xl["shares"], xl["market"]], udfs)
        ours = timed(udf, cfg)
        self.rows.append(
            at_most(f"2a UDF PORTBETA_REG via xlwings.server.custom_functions_call (Office.js), {cfg.T}x{cfg.N} "
                    "payload vs np.array(payload, dtype=float)", ours.median, floor.median, TARGET_UDF_VS_FLOOR)
        )  # fmt: skip

        small_cells = cfg.small_T * cfg.small_N
        scale = (cfg.T * cfg.N) / small_cells
        conv = self.officejs_call(
            "portbeta_reg_nparray", [small_xl["prices"], small_xl["shares"], small_xl["market"]], npconv_udfs
        )
        conv_time = timed(conv, cfg, scale=scale)
        self.rows.append(
            faster(f"2b UDF PORTBETA_REG (raw) vs same UDF with xlwings np.array converter "
                   f"(converter timed on {cfg.small_T}x{cfg.small_N}, scaled x{scale:g} per cell)",
                   ours.median, conv_time.median, TARGET_UDF_VS_NPCONV)
        )  # fmt: skip

        reg = udf()
        expected = api.portfolio_beta(nan_prices(d), d.shares.astype(float), d.market).reg
        self.check("Office.js: UDF REG == api on NaN ndarray", reg, expected)
        small_raw = self.officejs_call(
            "portbeta_reg", [small_xl["prices"], small_xl["shares"], small_xl["market"]], udfs
        )
        self.check("Office.js: np.array-converter UDF == raw UDF (small)", conv(), small_raw())

        # The blanks as Office.js runtimes send them: null (2a), "" and #N/A error objects,
        # against a floor that also computes REG and WTD in numpy (issue 23's targets).
        full_floor = timed(lambda: floor_reg_wtd(body, xl["market"], d.shares), cfg)
        for label, variant in (
            ("2c as 2a, blanks as null (None)", xl["prices"]),
            ('2d as 2a, blanks as "" (Office.js runtimes that send empty text)', officejs_blanks(xl["prices"], 0)),
            ("2e as 2a, blanks as #N/A error objects", officejs_blanks(xl["prices"], 1)),
        ):
            call = self.officejs_call("portbeta_reg", [variant, xl["shares"], xl["market"]], udfs)
            self.rows.append(at_most(f"{label} vs np.array(payload) + REG and WTD in numpy", timed(call, cfg).median,
                                     full_floor.median, TARGET_UDF_VS_FLOOR))  # fmt: skip
            self.check(f"Office.js: {label.split()[0]} REG == 2a REG", call(), reg)
        self.desk(small_xl)
        blank = sum(v is None for row in body for v in row) / (cfg.T * cfg.N)
        self.notes.append(
            f"2: payload = list of lists with a header row of names, {blank:.2%} None cells, market as a "
            "column (header 'Market'), shares as one row of ints; one event loop, `loop.run_until_complete`. "
            "Floor = `np.array(body, dtype=float)` of the price rows without the header."
        )
        self.udf_call = udf

    def desk(self, xl: dict[str, Any]) -> None:
        """2f: a desk-sized sheet (issue 23): fixed costs and each read of the prices count."""
        cfg = self.cfg
        shares = np.array(xl["shares"][0], dtype=float)
        floor = timed(lambda: floor_reg_wtd(xl["body"], xl["market"], shares), cfg)
        call = self.officejs_call("portbeta_reg", [xl["prices"], xl["shares"], xl["market"]], udfs)
        size = f"{len(xl['body'])}x{len(xl['body'][0])}"
        through_xlwings = timed(call, cfg)
        self.rows.append(at_most(f"2f UDF PORTBETA_REG (Office.js), a desk-sized sheet {size}, blanks as null, vs "
                                 "np.array(payload) + REG and WTD in numpy", through_xlwings.median, floor.median,
                                 TARGET_DESK_VS_FLOOR))  # fmt: skip
        # What of 2f is xlwings' own: its custom_functions_call passes each argument through
        # js_to_none, which in CPython tries `from pyodide.ffi import JsNull` every time (a
        # failed import, about 45 us an argument); in Pyodide the import succeeds once.
        direct = timed(lambda: udfs.portbeta_reg(xl["prices"], xl["shares"], xl["market"]), cfg)
        self.rows.append(info(at_most("2g (info) 2f without xlwings' custom_functions_call (udfs.portbeta_reg called "
                                      "with the same payload) vs 2f's floor", direct.median, floor.median,
                                      TARGET_DESK_VS_FLOOR)))  # fmt: skip

    # ----------------------------------------------------------------- 3. classic COM
    def classic(self, com: dict[str, Any]) -> None:
        cfg = self.cfg
        func = udfs.portbeta_reg
        options = [a["options"] for a in func.__xlfunc__["args"]]
        # conversion.read(None, ...) looks up the engine "excel", which exists only on
        # Windows; the "raw" pipeline never touches the engine when rng is None.
        engine = None if "excel" in [e.name for e in xlwings.engines] else "officejs"
        read = xlwings.conversion.read
        args = (com["prices"], com["shares"], com["market"])

        def call():
            return func(*[read(None, v, o, engine_name=engine) for v, o in zip(args, options)])

        body = com["body"]
        floor = timed(lambda: np.array(body, dtype=float), cfg)
        ours = timed(call, cfg)
        self.rows.append(
            at_most(f"3 classic COM shape: conversion.read(raw) per arg + udfs.portbeta_reg, {cfg.T}x{cfg.N} "
                    "tuples vs np.array(tuples, dtype=float)", ours.median, floor.median, TARGET_UDF_VS_FLOOR)
        )  # fmt: skip
        self.check("classic: REG == Office.js REG", call(), self.udf_call())
        opts = sorted({o.get("convert") for o in options}, key=str)
        self.notes.append(
            f"3: argument options read from `udfs.portbeta_reg.__xlfunc__` (convert: {opts}); "
            f"`xlwings.conversion.read(None, value, options{', engine_name=' + repr(engine) if engine else ''})` "
            "per argument (no 'excel' engine on Linux; with rng=None the raw pipeline does not use it)."
        )
        self.classic_call = call

    # ----------------------------------------------------------------- 4. rolling
    def rolling(self) -> None:
        cfg = self.cfg
        d = make_data(cfg.roll_T, cfg.roll_N, 0.0, seed=7)
        P, m, sh = d.prices, d.market, d.shares.astype(float)
        W = cfg.window
        single = timed(lambda: api.portfolio_beta(P, sh, m), cfg)

        # Baseline: one numpy OLS (lstsq, intercept + market) per window end, with all the
        # holdings' returns as right-hand sides at once: the portfolio's and every asset's.
        R = P[1:] / P[:-1] - 1
        mr = m[1:] / m[:-1] - 1
        values = P @ sh
        port = values[1:] / values[:-1] - 1
        Y_all = np.column_stack([port, R])
        n_windows = len(mr) - W + 1
        ends = np.linspace(W - 1, len(mr) - 1, min(cfg.roll_windows_timed, n_windows)).astype(int)

        def ols_windows(ends=ends):
            out = []
            for j in ends:
                win = slice(j - W + 1, j + 1)
                X = np.column_stack([np.ones(W), mr[win]])
                coef = np.linalg.lstsq(X, Y_all[win], rcond=None)[0]
                w = sh * P[j + 1] / values[j + 1]  # weights as of the window's last date
                reg = coef[1, 0]
                wtd = w @ coef[1, 1:]
                out.append((reg, wtd, reg - wtd))
            return out

        ols = timed(ols_windows, cfg, scale=n_windows / len(ends))
        reg0 = ols_windows(ends[-1:])[0][0]
        self.check("rolling baseline: last-window REG == api REG on that window",
                   reg0, api.portfolio_beta(P[-W - 1:], sh, m[-W - 1:]).reg, 1e-8)  # fmt: skip

        label_a = f"4a rolling REG/WTD/GAP, T={cfg.roll_T} N={cfg.roll_N} window={W} vs single-pass api.portfolio_beta"
        label_b = (f"4b rolling vs one numpy lstsq per window ({len(ends)} of {n_windows} windows timed, "
                   f"scaled x{n_windows / len(ends):.4g})")  # fmt: skip
        call = lambda: api.rolling_portfolio_beta(P, sh, m, W)  # noqa: E731
        ours = timed(call, cfg)
        self.rows.append(at_most(label_a, ours.median, single.median, TARGET_ROLL_VS_CORE))
        self.rows.append(faster(label_b, ours.median, ols.median, TARGET_ROLL_VS_OLS))
        last, result = ols_windows(ends[-1:])[0], call()
        for k, name in enumerate(("reg", "wtd", "gap")):
            self.check(f"rolling: last-window {name.upper()} == baseline lstsq",
                       float(getattr(result, name)[-1]), float(last[k]), 1e-8)  # fmt: skip
        self.notes.append(
            "4: called as `api.rolling_portfolio_beta(prices, shares, market, W)`; the single pass "
            f"is `api.portfolio_beta` on the same {cfg.roll_T}x{cfg.roll_N} ndarray."
        )
        self.notes.append(
            f"4: window = {W} returns; {n_windows} window ends. Baseline per window: "
            "`np.linalg.lstsq([1, m], [portfolio, assets])` + weights as of the window's last date "
            "(returns and portfolio values precomputed once, not counted)."
        )

    # ----------------------------------------------------------------- 5. memory
    def memory(self) -> None:
        cfg = self.cfg
        matrix = 8 * cfg.T * cfg.N
        P, sh, m = self.core_sample
        api_peak = peak_extra_bytes(lambda: api.portfolio_beta(P, sh, m))
        self.rows.append(at_most("5a peak extra memory: api.portfolio_beta on ndarray vs price matrix (float64)",
                                 api_peak, matrix, TARGET_MEMORY, fmt=mb))  # fmt: skip
        udf_peak = peak_extra_bytes(self.udf_call)
        self.rows.append(at_most("5b peak extra memory: Office.js UDF call (2a) vs price matrix (float64)",
                                 udf_peak, matrix, TARGET_MEMORY, fmt=mb))  # fmt: skip
        com_peak = peak_extra_bytes(self.classic_call)
        r = at_most(
            "5c (info) peak extra memory: classic COM call (3) vs price matrix", com_peak, matrix, TARGET_MEMORY, fmt=mb
        )
        r.target, r.met = "(no target)", "-"
        self.rows.append(r)
        self.notes.append("5: tracemalloc peak during the call minus traced memory before it (after a warm-up call).")


def info(row: Row) -> Row:
    row.target, row.met = "(no target)", "-"
    return row


def on_threads(block: Callable[[int], Any], firsts: range, threads: int) -> list[Any]:
    """``block`` of each first account, on ``threads`` threads (as api.book_betas maps its blocks)."""
    if threads == 1:
        return [block(first) for first in firsts]
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(block, firsts))


def book_case(self: Runner) -> None:
    """6: a book of K accounts x N assets x T days, complete prices (issue 12), on one
    thread and on every core (issue 23)."""
    cfg = self.cfg
    d = make_data(cfg.T, cfg.N, 0.0, seed=12)
    P, m = d.prices, d.market
    rng = np.random.default_rng(12)
    H = rng.integers(0, 200, (cfg.book_K, cfg.N)).astype(float)

    def floor():
        values = P @ H.T
        return values[1:] / values[:-1]

    def floor_block(first: int) -> None:  # the block's result dropped, as ours drops its (T, block) arrays
        values = P @ H[first : first + core._BOOK_BLOCK].T
        values[1:] / values[:-1]

    whole = timed(floor, cfg, warmup=1)
    blocks = timed(lambda: on_threads(floor_block, range(0, len(H), core._BOOK_BLOCK), 1), cfg)
    base = min(whole, blocks, key=lambda f: f.median)
    ours = timed(lambda: api.book_betas(P, H, m, threads=1), cfg, warmup=1)
    k = cfg.book_singles_timed
    singles = timed(lambda: [api.portfolio_beta(P, H[a], m) for a in range(k)], cfg, scale=cfg.book_K / k)
    size = f"K={cfg.book_K} accounts, N={cfg.N}, T={cfg.T}"
    self.rows.append(at_most(f"6a api.book_betas, {size}, one thread, vs one P @ H.T plus one pass over its T x K "
                             "result", ours.median, base.median, TARGET_BOOK_VS_FLOOR))  # fmt: skip
    self.rows.append(faster(f"6b api.book_betas vs api.portfolio_beta per account ({k} timed, scaled x{cfg.book_K // k})",
                            ours.median, singles.median, TARGET_BOOK_VS_SINGLES))  # fmt: skip
    matrix = 8 * cfg.T * cfg.book_K
    self.rows.append(at_most(f"6c peak extra memory: api.book_betas ({size}) vs the T x K value matrix (float64)",
                             peak_extra_bytes(lambda: api.book_betas(P, H, m)), matrix, TARGET_BOOK_MEMORY, fmt=mb))  # fmt: skip
    large = rng.integers(0, 200, (cfg.book_K_large, cfg.N)).astype(float)
    peak = peak_extra_bytes(lambda: api.book_betas(P, large, m, threads=1), warmup=False)
    self.rows.append(info(at_most(f"6d (info) peak extra memory, K={cfg.book_K_large}: vs its T x K value matrix",
                                  peak, 8 * cfg.T * cfg.book_K_large, TARGET_BOOK_MEMORY, fmt=mb)))  # fmt: skip
    self.book_threads(P, H, m, ours.median)
    one = api.portfolio_beta(P, H[0], m)
    book = api.book_betas(P, H[:3], m)
    self.check("book: account 1 REG == api.portfolio_beta", float(book.reg[0]), one.reg, 1e-12)
    self.notes.append(
        "6: holdings are whole share counts 0-199 per asset and account; the floor is `P @ H.T` (BLAS) and "
        f"`V[1:] / V[:-1]`, the faster of the whole product ({ms(whole.median)}) and blocks of {core._BOOK_BLOCK} "
        f"accounts one after another ({ms(blocks.median)}); blocks of accounts keep memory bounded whatever K is."
    )


def book_threads(self: Runner, P: np.ndarray, H: np.ndarray, m: np.ndarray, one_thread: float) -> None:
    """6e, 6f: the book on every core: blocks of accounts on threads, each on one BLAS thread
    (api.book_betas' default), against the faster floor on as many threads; and the other way,
    one block after another with BLAS on every core."""
    from threadpoolctl import threadpool_limits

    cfg, n = self.cfg, api.usable_cores()
    firsts = range(0, len(H), core._BOOK_BLOCK)

    def floor_block(first: int) -> None:  # the block's result dropped, as ours drops its (T, block) arrays
        values = P @ H[first : first + core._BOOK_BLOCK].T
        values[1:] / values[:-1]

    def floor_blas():
        with threadpool_limits(n, user_api="blas"):
            values = P @ H.T
        return values[1:] / values[:-1]

    with threadpool_limits(1, user_api="blas"):
        blocks = timed(lambda: on_threads(floor_block, firsts, n), cfg)
    blas = timed(floor_blas, cfg)
    base, how = min((blocks.median, "blocks on threads"), (blas.median, "BLAS threads"))
    ours = timed(lambda: api.book_betas(P, H, m), cfg)
    self.rows.append(at_most(f"6e api.book_betas on every core ({n} threads: blocks on threads, one BLAS thread "
                             f"each) vs the faster floor on {n} threads ({how})", ours.median, base,
                             TARGET_BOOK_THREADS_VS_FLOOR))  # fmt: skip
    with threadpool_limits(n, user_api="blas"):  # around the core: api.book_betas would pin one BLAS thread
        groups = api.book_betas(P, H[:1], m).sample.groups[0]
        blas_ours = timed(lambda: core.book_figures(P, H, m[1:] / m[:-1] - 1, 0.0, groups.as_of_prices), cfg)
    self.rows.append(info(at_most(f"6f (info) core.book_figures, blocks one after another with BLAS on {n} threads, "
                                  "vs 6e's ours", blas_ours.median, ours.median, TARGET_BOOK_THREADS_VS_FLOOR)))  # fmt: skip
    self.notes.append(
        f"6e: {n} usable cores; 6a's one-thread time is {ms(one_thread)}, so every core made it "
        f"{one_thread / ours.median:.2f}x faster. Floors on {n} threads: blocks of {core._BOOK_BLOCK} accounts mapped "
        f"over threads, one BLAS thread each, {ms(blocks.median)}; one product with BLAS on {n} threads, "
        f"{ms(blas.median)}. 6f times the core without the input layer, so its ratio flatters BLAS threads a little."
    )


def sparse_book(self: Runner, K: int, N: int, T: int, held: int, label: str, reps: Config) -> None:
    """7: a platform's book: K accounts of ``held`` positions among N securities over T days,
    holdings as a scipy.sparse CSR matrix and as long account,ticker,shares rows (issue 23)."""
    from scipy import sparse

    d = make_data(T, N, 0.0, seed=23)
    P, m = d.prices, d.market
    rng = np.random.default_rng(23)
    columns = np.concatenate([  # distinct positions per account, a block of accounts at a time
        np.sort(np.argpartition(rng.random((b, N)), held, axis=1)[:, :held], axis=1)
        for b in np.diff(np.r_[np.arange(0, K, 2_000), K])
    ])  # fmt: skip
    H = sparse.csr_array(
        (rng.integers(1, 5000, K * held).astype(float), columns.ravel(), np.arange(0, K * held + 1, held)), shape=(K, N)
    )
    del columns
    PT = np.ascontiguousarray(P.T)  # the floor's operand as scipy multiplies fastest, made once, not timed
    firsts = range(0, K, core._BOOK_BLOCK)

    def floor_block(first: int) -> None:  # the block's result dropped, as ours drops its (block, T) arrays
        values = H[first : first + core._BOOK_BLOCK] @ PT  # (accounts, T)
        values[:, 1:] / values[:, :-1]

    def floor():
        values = H @ PT
        return values[:, 1:] / values[:, :-1]

    size = f"K={K:,} accounts x {held} of N={N:,} securities x T={T:,} days"
    matrix = 8 * T * K
    blocks = timed(lambda: on_threads(floor_block, firsts, 1), reps)
    whole = timed(floor, reps) if matrix <= 2**31 else None  # the whole K x T result must fit in memory
    base, how = min([(blocks, "in blocks")] + ([(whole, "whole")] if whole else []), key=lambda f: f[0].median)
    ours = timed(lambda: api.book_betas(P, H, m, threads=1), reps)
    self.rows.append(at_most(f"{label}a api.book_betas, sparse (CSR) holdings, {size}, one thread, vs one sparse "
                             f"H @ P.T plus one pass over its K x T result ({how}: the faster)", ours.median,
                             base.median, TARGET_SPARSE_VS_FLOOR))  # fmt: skip
    peak = peak_extra_bytes(lambda: api.book_betas(P, H, m, threads=1), warmup=False)
    self.rows.append(at_most(f"{label}b peak extra memory: {label}a vs the T x K value matrix (float64)", peak, matrix,
                             TARGET_SPARSE_MEMORY, fmt=mb))  # fmt: skip
    n = api.usable_cores()
    floor_n = timed(lambda: on_threads(floor_block, firsts, n), reps)
    ours_n = timed(lambda: api.book_betas(P, H, m), reps)
    self.rows.append(at_most(f"{label}c as {label}a on every core ({n} threads) vs the floor's blocks on {n} threads",
                             ours_n.median, floor_n.median, TARGET_BOOK_THREADS_VS_FLOOR))  # fmt: skip
    if K <= 100_000:  # long rows: the platform's export, read into CSR inside the call
        names = [f"SEC{j:05d}" for j in range(N)]
        rows = np.repeat(np.arange(K), held)
        account = pd.Categorical.from_codes(rows, [f"A{a:07d}" for a in range(K)])
        long = pd.DataFrame({"account": account, "ticker": np.asarray(names)[H.indices], "shares": H.data})
        frame = pd.DataFrame(P, columns=names)
        long_time = timed(lambda: api.book_betas(frame, long, m, threads=1), reps)
        self.rows.append(info(at_most(f"{label}d (info) as {label}a, holdings as {K * held:,} long account,ticker,shares "
                                      "rows (a DataFrame)", long_time.median, base.median, TARGET_SPARSE_VS_FLOOR)))  # fmt: skip
        long_peak = peak_extra_bytes(lambda: api.book_betas(frame, long, m, threads=1), warmup=False)
        self.rows.append(info(at_most(f"{label}e (info) peak extra memory: {label}d vs the T x K value matrix",
                                      long_peak, matrix, TARGET_SPARSE_MEMORY, fmt=mb)))  # fmt: skip
        by_rows = api.book_betas(frame, long, m, threads=1)
        self.check(f"sparse book {label}: long rows REG == CSR REG", float(by_rows.reg[-1]),
                   float(api.book_betas(P, H, m, threads=1).reg[-1]), 1e-12)  # fmt: skip
    dense = np.zeros((3, N))
    dense[np.repeat(np.arange(3), held), H.indices[: 3 * held]] = H.data[: 3 * held]
    self.check(f"sparse book {label}: account 3 REG == dense book's", float(api.book_betas(P, H[:3], m).reg[2]),
               float(api.book_betas(P, dense, m).reg[2]), 1e-12)  # fmt: skip
    self.notes.append(
        f"{label}: each account holds {held} securities drawn at random, 1-4,999 shares each; the floor is "
        "`H @ P.T` (scipy.sparse CSR times P.T made contiguous once, outside the timing) and "
        f"`V[:, 1:] / V[:, :-1]`, the faster of the whole product "
        f"({ms(whole.median) if whole else 'not timed: its K x T result would not fit in memory'}) and blocks of "
        f"{core._BOOK_BLOCK} accounts one after another ({ms(blocks.median)}). On every core the floor is its "
        "blocks mapped over the same threads (scipy's sparse product has no threads of its own)."
    )


Runner.book_threads = book_threads
Runner.sparse_book = sparse_book
Runner.book = book_case


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repetitions (smoke test)")
    parser.add_argument(
        "--blas-threads", default=None, metavar="N",
        help="BLAS threads (default 1; 0 = as installed); read before numpy is imported",
    )  # fmt: skip
    parser.add_argument(
        "--platform", action="store_true",
        help="also a platform's sparse book: 1,000,000 accounts x 30 of 5,000 securities x 2,520 days "
        "(several minutes, a few GB)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    t_start = time.perf_counter()

    print(machine_line())
    print(f"xl_portbeta: {Path(xl_portbeta.__file__).parent} | mode: {'quick' if args.quick else 'full'}")
    busy_start, own_start = busy_cpu_seconds(), own_cpu_seconds()
    if not hasattr(udfs.portbeta_reg, "__xlfunc__"):
        print("xlwings' decorators are no-ops: XLWINGS_ON_SERVER must be 'true' before xlwings is imported")
        return 2

    d = make_data(cfg.T, cfg.N, cfg.blank_fraction)
    xl = excel_payload(d)
    com = com_payload(xl)
    small_xl = excel_payload(make_data(cfg.small_T, cfg.small_N, cfg.blank_fraction, seed=11))

    run = Runner(cfg)
    run.core(d)
    run.officejs(d, xl, small_xl)
    run.classic(com)
    run.rolling()
    run.memory()
    run.book()
    run.sparse_book(cfg.sparse_K, cfg.sparse_N, cfg.sparse_T, cfg.sparse_held, "7", cfg)
    if args.platform:
        once = dataclasses.replace(cfg, min_reps=1, max_reps=1, budget_s=0.0)
        run.sparse_book(1_000_000, 5_000, 2_520, 30, "8", once)
    run.loop.close()

    print()
    print(markdown(run.rows))
    print()
    print("Notes:")
    for n in run.notes:
        print(f"- {n}")
    print("- ratio = ours / baseline; times are medians of >= "
          f"{cfg.min_reps} repetitions after a warm-up; ms = milliseconds.")  # fmt: skip
    print("Checks (not assertions): " + "; ".join(run.checks))
    elapsed = time.perf_counter() - t_start
    busy_end = busy_cpu_seconds()
    others = ""
    if busy_start is not None and busy_end is not None:
        other = max(0.0, (busy_end - busy_start) - (own_cpu_seconds() - own_start))
        others = (
            f" | other processes used {other:.1f} CPU-s meanwhile ({other / elapsed:.0%} of one core"
            f"{'; expect noisy ratios' if other / elapsed > 0.1 else ''})"
        )
    print(f"Total time: {elapsed:.1f} s{others}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
