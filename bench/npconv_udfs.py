"""Baseline for bench/run.py: PORTBETA_REG declared with xlwings' ``np.array`` converter.

The same function as :func:`xl_portbeta.udfs.portbeta_reg`, except that the ranges go
through xlwings' converter (which cleans every cell in Python: on CPython the
Office.js path costs ~30 us per cell) instead of arriving ``"raw"``.

``dtype=object`` keeps the header row of names (a float dtype would fail on it, and a
default dtype would turn every number into text); blanks arrive as NaN (the converter's
``empty=np.nan`` default). Import this module only after xlwings picked a real
decorator set (bench/run.py sets XLWINGS_ON_SERVER first), or the decorators are no-ops.
"""

import numpy as np
import xlwings as xw

from xl_portbeta import api, sheet


@xw.func
@xw.arg("prices", np.array, ndim=2, dtype=object)
@xw.arg("shares", np.array, ndim=2, dtype=object)
@xw.arg("market", np.array, ndim=2, dtype=object)
def portbeta_reg_nparray(prices, shares, market, dates=None, frequency="daily", rf=0.0):
    """PORTBETA_REG with np.array-converted ranges (benchmark baseline only)."""
    result = api.portfolio_beta(prices, shares, market, dates, frequency, rf)
    return sheet.number(result.reg)
