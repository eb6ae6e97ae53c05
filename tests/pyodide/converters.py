"""Python side of tests/pyodide/convert314.mjs: what Excel's cell values become in a real
Pyodide 314 after ``JsProxy.to_py()`` and xlwings' own Office.js argument conversion.

This Pyodide is npm's core alone (no numpy, so not xl_portbeta): two probe functions,
declared with xlwings' Office.js decorators as xl_portbeta's are (``"raw"``, as every
range argument of the add-in) and with xlwings' default converter, describe each value
they receive, type by type. ``tests/test_pyodide314.py`` rebuilds those values in CPython
and hands them to the add-in's reader through the same xlwings call.
"""

import datetime as dt
import json
import os
import sys
import types

os.environ["XLWINGS_ON_SERVER"] = "true"
os.environ["XLWINGS_LICENSE_KEY"] = "noncommercial"

import pyodide
import pyodide.ffi
import xlwings as xw
import xlwings.server
from harness import data_for, run  # the payload and the synchronous call of the 0.27 runner


def describe(value):
    """A value as JSON: its exact type, and enough to rebuild it."""
    if isinstance(value, (list, tuple)):
        return {"type": type(value).__name__, "items": [describe(v) for v in value]}
    kind = type(value)
    found = {"type": kind.__name__, "module": kind.__module__, "repr": repr(value)}
    if isinstance(value, pyodide.ffi.JsNull):  # what xl_portbeta.inputs looks for
        found.update(is_none=value is None, falsy=not value, pyodide_ffi_JsNull=True)
    elif isinstance(value, (bool, int, float, str)) or value is None:
        found["value"] = value
    elif isinstance(value, dict):
        found["value"] = {k: v for k, v in value.items() if isinstance(v, (str, int, float, bool))}
    elif isinstance(value, dt.datetime):
        found["iso"] = value.isoformat()
    return found


def probes():
    """The probe functions, in a module of their own (xlwings reads its ``__xlfunc__``s)."""
    module = types.ModuleType("probes")

    @xw.func
    @xw.arg("cells", "raw", doc="as xl_portbeta reads every range")
    def probe_raw(cells):
        return json.dumps(describe(cells))

    @xw.func
    def probe_default(cells):
        return json.dumps(describe(cells))

    module.probe_raw, module.probe_default = probe_raw, probe_default
    return module


def call_all(cases_js):
    """Every case ({name, func, arg}): the argument made a Python value as Lite does
    (``JsProxy.to_py()``; a JS null argument is None), then xlwings' custom-function call."""
    module = probes()
    results = {}
    for k in range(cases_js.length):
        case = cases_js[k]
        arg = case.arg.to_py() if isinstance(case.arg, pyodide.ffi.JsProxy) else case.arg
        try:
            (row,) = run(xlwings.server.custom_functions_call(data_for(case.func, [arg]), module))
            results[case.name] = {"ok": json.loads(row[0])}
        except Exception as e:  # noqa: BLE001  (the message Excel would show)
            results[case.name] = {"error": type(e).__name__, "message": str(e)}
    try:
        import numpy  # noqa: F401

        numpy_found = True
    except ImportError:
        numpy_found = False
    return json.dumps({
        "runtime": {"pyodide": pyodide.__version__, "python": sys.version.split()[0], "xlwings": xlwings.__version__,
                    "numpy": numpy_found},
        "cases": results,
    })  # fmt: skip
