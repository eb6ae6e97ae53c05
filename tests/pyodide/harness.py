"""Python side of the real-Pyodide runner (tests/pyodide/run.mjs runs this inside Pyodide).

Arguments arrive from JavaScript as JsProxy objects and are turned into Python values
with ``JsProxy.to_py()``, the conversion xlwings Lite's Office.js values go through
(Pyodide 0.27: JS null -> None; 0.28+: JsNull), then go through xlwings' own
``xlwings.server.custom_functions_call``, as in Lite. Results go back as JSON text.
"""

import json
import os
import sys
import time

os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"

import xlwings
import xlwings.server


def data_for(func_name, args):
    return {"func_name": func_name, "args": args, "version": xlwings.__version__,
            "client": "Office.js", "runtime": "1.4"}  # fmt: skip


def run(coro):
    """Run one xlwings call to its end, here and now, without Pyodide's event loop.

    ``custom_functions_call`` of a plain (not streaming) function never suspends, so one
    ``send`` runs it through; a call that did suspend is an error here. Handing each call
    to Pyodide's webloop instead (a Python future awaited from JS) crashed this Pyodide
    now and then with "memory access out of bounds" when the loop started the task, in
    one call out of a few hundred; the synchronous run never did."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise RuntimeError("the call suspended: it needs an event loop")


def call(module, func_name, args_js):
    """One custom-function call: {"ok": result} or {"error": type, "message": text}, as JSON.
    The JS arguments become Python values through ``JsProxy.to_py()``."""
    args = args_js.to_py()
    try:
        result = run(xlwings.server.custom_functions_call(data_for(func_name, args), module))
    except Exception as e:  # noqa: BLE001 - the message Excel would show on the cell
        return json.dumps({"error": type(e).__name__, "message": str(e)})
    return json.dumps({"ok": result})


def call_all(module, cases_js):
    """Every case in one synchronous call from JS (a JSON list of call results): no JS
    code, and so no JS garbage collection of Pyodide proxies, runs between the calls.
    Each case's arguments still become Python values by their own ``JsProxy.to_py()``."""
    results = []
    for k in range(cases_js.length):
        case = cases_js[k]
        results.append(call(module, case.func, case.args))
    return "[" + ",".join(results) + "]"


def meta(module):
    return json.dumps(xlwings.server.custom_functions_meta(module))


def runtime_info(sample_js):
    """What this runtime is, and what JS values become in Python here."""
    import numpy
    import pandas
    import pyodide
    import scipy

    sample = sample_js.to_py()
    return json.dumps({
        "pyodide": pyodide.__version__, "python": sys.version.split()[0], "xlwings": xlwings.__version__,
        "numpy": numpy.__version__, "pandas": pandas.__version__, "scipy": scipy.__version__,
        "js_null_in_range": repr(sample[0][1]), "js_error_object": repr(sample[1][0]),
        "js_integer": type(sample[1][1]).__name__, "js_float": type(sample[0][0]).__name__,
    })  # fmt: skip


def load_main_py(path):
    """Import a generated Lite main.py as the module ``main`` (what Lite does with it)."""
    import importlib.util

    before = importlib.util.find_spec("xl_portbeta")
    spec = importlib.util.spec_from_file_location("main", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["main"] = module
    spec.loader.exec_module(module)
    loaders = {name: type(m.__spec__.loader).__module__ + "." + type(m.__spec__.loader).__qualname__
               for name, m in sys.modules.items() if name == "xl_portbeta" or name.startswith("xl_portbeta.")}  # fmt: skip
    files = {name: getattr(m, "__file__", None) for name, m in sys.modules.items()
             if name == "xl_portbeta" or name.startswith("xl_portbeta.")}  # fmt: skip
    return module, json.dumps({"importable_before": before is not None, "loaders": loaders, "files": files})


def forget_main_py():
    """Drop main.py's modules and its finder, so that the wheel's xl_portbeta comes next."""
    import importlib

    for name in [n for n in sys.modules if n == "main" or n.split(".")[0] == "xl_portbeta"]:
        del sys.modules[name]
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "_SourceFinder"]
    importlib.invalidate_caches()


def bench(module, name, func_name, args_js, repeat, warmup=1):
    """Timings of one function on one payload (JSON), after ``warmup`` calls."""
    t0 = time.perf_counter()
    args = args_js.to_py()  # what the JS values cost to become Python lists (not in either time)
    to_py = time.perf_counter() - t0
    return _bench(module, name, func_name, args, to_py, repeat, warmup)


def _bench(module, name, func_name, args, to_py, repeat, warmup):
    """Median seconds of one call and of its floor, np.array(body, dtype=float) of the price
    rows without their header, on the same Python payload, after ``warmup`` calls (V8
    compiles Pyodide's WebAssembly at a baseline tier first and optimises the code a call
    keeps running only later: at 300 x 50 the first ten calls of PORTBETA_REG went from
    14 ms to 4 ms); and, apart,
    of xlwings' return converter (part of the call) on the function's own result and on
    that result with Python floats for its numbers (see _returned)."""
    import statistics

    import numpy as np
    from xlwings.pro import udfs_officejs

    body = args[0][1:]
    data = data_for(func_name, args)
    for _ in range(warmup):
        run(xlwings.server.custom_functions_call(data, module))
        np.array(body, dtype=float)
    returned = _returned(module, func_name, data)
    # the same cells, numpy floats made Python floats (np.float64 is a float)
    plain = (
        [[float(v) if isinstance(v, float) else v for v in row] for row in returned]
        if isinstance(returned, list)
        else returned
    )
    ret_info = getattr(module, func_name).__xlfunc__["ret"]
    ours, floor, converter, converter_plain = [], [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run(xlwings.server.custom_functions_call(data, module))
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        np.array(body, dtype=float)
        floor.append(time.perf_counter() - t0)
    for _ in range(repeat):  # apart: the two timings above are taken as they always were
        for table, times in ((returned, converter), (plain, converter_plain)):
            t0 = time.perf_counter()
            run(udfs_officejs.convert(table, ret_info, data))
            times.append(time.perf_counter() - t0)
    cells = sum(map(len, returned)) if isinstance(returned, list) else 1
    return json.dumps({"name": name, "func": func_name, "ours": statistics.median(ours),
                       "floor": statistics.median(floor), "to_py": to_py, "ours_all": ours, "floor_all": floor,
                       "converter": statistics.median(converter), "converter_plain": statistics.median(converter_plain),
                       "cells": cells})  # fmt: skip


def _returned(module, func_name, data):
    """What the function itself returns to custom_functions_call for this payload, before
    xlwings' return converter: the call runs once more through a wrapper that keeps it."""
    import functools
    import types

    func = getattr(module, func_name)
    kept = []

    @functools.wraps(func)  # keeps __xlfunc__ and the signature xlwings reads
    def keep(*args, **kwargs):
        kept.append(func(*args, **kwargs))
        return kept[-1]

    run(xlwings.server.custom_functions_call(data, types.SimpleNamespace(**{func_name: keep})))
    return kept[-1]


def profile(module, func_name, args_js, top=30):
    """A cProfile of one call inside Pyodide (after a warm-up)."""
    return _profile(module, data_for(func_name, args_js.to_py()), top)


def _profile(module, data, top):
    import cProfile
    import io
    import pstats

    run(xlwings.server.custom_functions_call(data, module))
    prof = cProfile.Profile()
    prof.enable()
    run(xlwings.server.custom_functions_call(data, module))
    prof.disable()
    out = {}
    for key in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats(key).print_stats(top)
        out[key] = text.getvalue()
    return json.dumps(out)
