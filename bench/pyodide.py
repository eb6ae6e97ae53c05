"""Speed of the Excel functions in a real Pyodide (the runtime of xlwings Lite).

    python bench/pyodide.py [--rows 2500] [--assets 100] [--repeat 7] [--warmup 10] [--profile]

Uses the Pyodide 0.27.7 cache of tests/pyodide/fetch.py (fetched when missing) and the
node runner tests/pyodide/run.mjs. The payload, made in JavaScript, is the largest that
Lite's ~5 MB custom-function payload allows at full precision: 2,500 rows x 100 assets
(250,000 price cells, a header row of names, shares, market and serial dates). Inside
Pyodide each call goes through ``xlwings.server.custom_functions_call`` on the Python
lists (after ``JsProxy.to_py()``, timed apart) and is compared with the floor
``np.array(body, dtype=float)`` of the same price rows: medians of --repeat runs after
--warmup calls (V8 optimises the WebAssembly a call runs only after some calls: at 300 x 50,
PORTBETA_REG's first ten calls went from 14 ms to 4 ms). Apart (info): the return
conversion the function declares, which the call includes (xlwings' per-cell converter;
for the rolling tables ``udfs.WholeTable``, which makes the cells at once), on the
function's own result, and on that result as plain lists with Python floats for its
numbers.
--profile adds a cProfile of each call, made inside Pyodide.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "pyodide"))

import fetch  # noqa: E402

TARGET = 3.0  # <= x np.array(body, dtype=float) in the same Pyodide


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2500)
    parser.add_argument("--assets", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=10, help="untimed calls of each case first")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each call (inside Pyodide)")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    opts = parser.parse_args()
    node = shutil.which("node")
    if node is None:
        raise SystemExit("node is not installed (Debian: apt-get install nodejs)")
    if fetch.problem():
        fetch.fetch()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wheel = fetch.build_package_wheel(work)
        shutil.copy(fetch.xlwings_wheel(), work)
        job = {"mode": "bench", "rows": opts.rows, "assets": opts.assets, "repeat": opts.repeat, "warmup": opts.warmup,
               "profile": opts.profile, "wheels": [wheel.name, fetch.xlwings_wheel().name],
               "index_url": str(fetch.pyodide_dir()), "work_dir": str(work), "out": str(work / "out.json")}  # fmt: skip
        (work / "job.json").write_text(json.dumps(job))
        run = subprocess.run([node, str(ROOT / "tests" / "pyodide" / "run.mjs"), str(work / "job.json")],
                             capture_output=True, text=True)  # fmt: skip
        if run.returncode:
            raise SystemExit(f"node failed:\n{run.stderr[-5000:]}")
        result = json.loads((work / "out.json").read_text())
    if opts.json:
        opts.json.write_text(json.dumps(result, indent=1))
    info = result["runtime"]
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {platform.platform()} | node {node_version} | Pyodide {info['pyodide']} (Python {info['python']}) | "
          f"numpy {info['numpy']} | pandas {info['pandas']} | scipy {info['scipy']} | xlwings {info['xlwings']}")  # fmt: skip
    print(f"payload: {opts.rows} rows x {opts.assets} assets + header, shares, market, dates: "
          f"{result['payload_bytes'] / 1e6:.2f} MB as JSON; median of {opts.repeat} after {opts.warmup} warm-up calls\n")  # fmt: skip
    rows = [("case", "ours", "floor np.array(body, dtype=float)", "ratio", "target", "met", "to_py (info)",
             "return conversion (in ours)", "the same with Python floats (info)", "cells returned")]  # fmt: skip
    for b in result["bench"]:
        ratio = b["ours"] / b["floor"]
        rows.append((f"{b['name']} via custom_functions_call, {opts.rows}x{opts.assets}", fmt(b["ours"]), fmt(b["floor"]),
                     f"{ratio:.2f}x", f"<= {TARGET:g}x", "yes" if ratio <= TARGET else "NO", fmt(b["to_py"]),
                     fmt(b["converter"]), fmt(b["converter_plain"]), f"{b['cells']:,}"))  # fmt: skip
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    for k, row in enumerate(rows):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
        if k == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    if opts.profile:
        for name, prof in result["profile"].items():
            print(f"\n===== {name}: cProfile inside Pyodide, by tottime =====\n{prof['tottime']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
