"""A first result in a blink: fresh processes to a first result, against importing numpy and pandas.

    python bench/cold_start.py [--repeat 7] [--pyodide] [--quick]

CPython: every measurement is a fresh subprocess of this Python, the cases taking turns for
--repeat rounds, medians. The baseline, in the same run: ``import numpy, pandas`` in a fresh
process (timed inside it), and a whole fresh process that does only that (timed from outside).

- "xlwings imported: import the add-in + first STATS": a process imports xlwings (as Excel's
  xlwings or Lite has before it loads the add-in), then times ``import xl_portbeta.udfs`` and a
  first PORTBETA_STATS on the two-bond example. Target: no longer than ``import numpy, pandas``.
- "fresh process to first STATS": the whole process, from its start to that first result
  (xlwings' own import included, and the matplotlib it imports when installed).
- the same where matplotlib is not installed (blocked in ``sys.modules``): xlwings imports it
  whenever it is installed (``xlwings/utils.py`` and ``xlwings/main.py``, at their import).
- the command line: ``xl-portbeta --help`` and ``xl-portbeta demo`` as whole processes.

--pyodide: a real Pyodide 0.27.7 under node (the cache of tests/pyodide/fetch.py), one node
process per round: Pyodide's own start (``loadPyodide``), loading numpy, pandas, scipy and
micropip from the cache, installing the xlwings and xl_portbeta wheels, ``import numpy, pandas``,
``import xlwings``, ``import xl_portbeta.udfs``, a first PORTBETA_REG and a first PORTBETA_STATS
through ``xlwings.server.custom_functions_call`` (as Lite calls them). Start to first REG and
to first STATS as ratios to Pyodide's own start and to the numpy + pandas import.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "pyodide"))

BONDS = """
A = [100, 96, 102, 88, 96, 101, 120, 110, 105, 107, 106]
B = [98, 102, 88, 95, 105, 100, 101, 99, 104, 108, 112]
M = [1000, 1004, 1000, 1010, 1020, 1000, 990, 995, 1005, 1025, 1035]
PRICES, SHARES, MARKET = [list(r) for r in zip(A, B)], [[25000, 65000]], [[m] for m in M]
"""

# Each probe prints one JSON line: the seconds it timed inside the process.
PROBES = {
    "numpy_pandas": "import time\nt = time.perf_counter()\nimport numpy, pandas\n"
    "print(__import__('json').dumps({'import': time.perf_counter() - t}))",
    "addin": "import xlwings\nimport time\n" + BONDS + "t = time.perf_counter()\nfrom xl_portbeta import udfs\n"
    "u = time.perf_counter()\nudfs.portbeta_stats(PRICES, SHARES, MARKET)\nv = time.perf_counter()\n"
    "print(__import__('json').dumps({'import': u - t, 'stats': v - u}))",
    "first_stats": "from xl_portbeta import udfs\n"
    + BONDS
    + "udfs.portbeta_stats(PRICES, SHARES, MARKET)\nprint('{}')",
    # as a Python without matplotlib (xlwings imports it whenever it is installed)
    "first_stats_no_matplotlib": "import sys\nsys.modules['matplotlib'] = None\nfrom xl_portbeta import udfs\n"
    + BONDS
    + "udfs.portbeta_stats(PRICES, SHARES, MARKET)\nprint('{}')",
    "cli_help": "import sys\nfrom xl_portbeta import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
    "print('\\n{}')",
    "cli_demo": "from xl_portbeta import cli\ncli.main(['demo'])\nprint('\\n{}')",
}


def run_probe(name: str) -> dict:
    """One fresh process: its wall time from outside, and what it timed inside."""
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", PROBES[name]], capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if run.returncode:
        raise SystemExit(f"{name} failed:\n{run.stderr}")
    return {"wall": wall, **json.loads(run.stdout.splitlines()[-1])}


def fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.0f} ms" if seconds >= 0.01 else f"{seconds * 1e3:.2g} ms"


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def cpython(repeat: int) -> str:
    for name in PROBES:  # a warm-up round: the files in the OS cache, .pyc written
        run_probe(name)
    runs: dict[str, list[dict]] = {name: [] for name in PROBES}
    for _ in range(repeat):
        for name in PROBES:
            runs[name].append(run_probe(name))

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[name])

    base, base_wall = median("numpy_pandas", "import"), median("numpy_pandas", "wall")
    addin = statistics.median(r["import"] + r["stats"] for r in runs["addin"])
    rows = [("case", "ours", "baseline", "ratio", "target", "met")]
    rows.append(("xlwings imported: import xl_portbeta.udfs + first PORTBETA_STATS "
                 f"(import {fmt(median('addin', 'import'))}, STATS {fmt(median('addin', 'stats'))}) "
                 "vs import numpy, pandas (in a fresh process)",
                 fmt(addin), fmt(base), f"{addin / base:.2f}x", "<= 1x", "yes" if addin <= base else "**NO**"))  # fmt: skip
    for name, what in (("first_stats", "fresh process to first STATS (xlwings' import included)"),
                       ("first_stats_no_matplotlib", "the same where matplotlib is not installed"),
                       ("cli_help", "xl-portbeta --help, whole process"),
                       ("cli_demo", "xl-portbeta demo, whole process")):  # fmt: skip
        ours = median(name, "wall")
        rows.append((f"{what} vs a fresh process importing numpy, pandas", fmt(ours), fmt(base_wall),
                     f"{ours / base_wall:.2f}x", "(info)", "-"))  # fmt: skip
    versions = subprocess.run(
        [sys.executable, "-c", "import numpy, pandas, scipy, xlwings, importlib.util as u; "
         "print(f'numpy {numpy.__version__} | pandas {pandas.__version__} | scipy {scipy.__version__} | "
         "xlwings {xlwings.__version__} | matplotlib installed: {u.find_spec(\"matplotlib\") is not None}')"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return (
        f"CPython {platform.python_version()} | {versions} | {platform.platform()}\n"
        f"fresh subprocesses, medians of {repeat} rounds taking turns after a warm-up\n\n" + table(rows)
    )


def pyodide(repeat: int) -> str:
    import fetch  # tests/pyodide/fetch.py: the Pyodide 0.27.7 cache

    node = shutil.which("node")
    if node is None or fetch.problem():
        return f"Pyodide: skipped ({'node is not installed' if node is None else fetch.problem()})"
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wheel = fetch.build_package_wheel(work)
        shutil.copy(fetch.xlwings_wheel(), work)
        job = {"index_url": str(fetch.pyodide_dir()), "work_dir": str(work),
               "wheels": [fetch.xlwings_wheel().name, wheel.name]}  # fmt: skip
        (work / "job.json").write_text(json.dumps(job))
        for k in range(repeat + 1):  # the first round warms the OS cache
            run = subprocess.run([node, str(ROOT / "bench" / "pyodide_start.mjs"), str(work / "job.json")],
                                 capture_output=True, text=True)  # fmt: skip
            if run.returncode:
                raise SystemExit(f"node failed:\n{run.stderr[-5000:]}")
            if k:
                runs.append(json.loads(run.stdout.splitlines()[-1]))
    info = runs[0]["runtime"]
    phases = [key for key in runs[0] if key != "runtime"]
    med = {key: statistics.median(r[key] for r in runs) for key in phases}
    start, imports = med["pyodide_start"], med["import_numpy_pandas"]
    to_reg = statistics.median(sum(r[key] for key in phases[: phases.index("first_reg") + 1]) for r in runs)
    to_stats = statistics.median(sum(r[key] for key in phases) for r in runs)
    rows = [("from Pyodide's start to", "time", "/ Pyodide's own start", "/ import numpy, pandas")]
    rows.append(("first PORTBETA_REG", fmt(to_reg), f"{to_reg / start:.2f}x", f"{to_reg / imports:.2f}x"))
    rows.append(("first PORTBETA_STATS (after REG)", fmt(to_stats), f"{to_stats / start:.2f}x", f"{to_stats / imports:.2f}x"))  # fmt: skip
    parts = [("phase", "median", "/ Pyodide's own start", "/ import numpy, pandas")]
    parts += [(key.replace("_", " "), fmt(med[key]), f"{med[key] / start:.2f}x", f"{med[key] / imports:.2f}x")
              for key in phases]  # fmt: skip
    node_version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
    return (
        f"Pyodide {info['pyodide']} (Python {info['python']}) | node {node_version} | numpy {info['numpy']} | "
        f"pandas {info['pandas']} | scipy {info['scipy']} | xlwings {info['xlwings']}\n"
        f"one node process per round, medians of {repeat} rounds after a warm-up\n\n"
        + table(rows) + "\n\nits phases, in order:\n\n" + table(parts)
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pyodide", action="store_true", help="also the real Pyodide 0.27.7 under node")
    parser.add_argument("--quick", action="store_true", help="one round, no Pyodide (a smoke run)")
    opts = parser.parse_args(argv)
    repeat = 1 if opts.quick else opts.repeat
    print(cpython(repeat))
    if opts.pyodide and not opts.quick:
        print("\n" + pyodide(repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
