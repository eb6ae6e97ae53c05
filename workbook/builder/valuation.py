"""The Valuation sheet: CAPM discount rate and the value of a perpetuity under each beta,
in native formulas on the Bonds sheet's native betas."""

from __future__ import annotations

from .layout import MONEY, NOTE, PCT, Print, Sheet, on

INPUTS = (
    ("rf", "Risk-free rate (rf)", 0.02, PCT),
    ("mrp", "Market risk premium (MRP)", 0.08, PCT),
    ("cash_flow", "Cash flow per year, forever", 10, MONEY),
)
#: label, formula for column B (C is the same on column C), format, record keys (B, C, D)
ROWS = (
    ("Discount rate K = rf + beta x MRP", "=$B$4+{c}9*$B$5", PCT, ("k_reg", "k_wtd", "k_diff")),
    ("Value of the perpetuity = cash flow / K", "=$B$6/{c}10", MONEY, ("pv_reg", "pv_wtd", "pv_diff")),
)


def build(book, bonds: Sheet) -> Sheet:
    sh = book.sheet("Valuation")
    sh.title(
        "What the gap is worth: CAPM discount rate and value under each beta",
        "Betas from the Bonds sheet's native formulas (green cells there), so this sheet computes in any "
        "spreadsheet. Change the orange inputs.",
    )
    for i, (_, label, value, fmt) in enumerate(INPUTS):
        sh.put(4 + i, 1, label)
        sh.input(4 + i, 2, value, fmt)
    for j, text in enumerate(["", "REG: actual holdings", "WTD: current weights", "REG - WTD"]):
        sh.header(8, 1 + j, text)
    reg_cell, wtd_cell = bonds.record.native["reg"], bonds.record.native["wtd"]
    sh.put(9, 1, "Beta (Bonds sheet, native)")
    sh.native(9, 2, "=" + on("Bonds", reg_cell))
    sh.native(9, 3, "=" + on("Bonds", wtd_cell))
    sh.native(9, 4, "=B9-C9")
    native = {"beta_reg": "B9", "beta_wtd": "C9", "beta_diff": "D9"}
    for r, (label, formula, fmt, keys) in enumerate(ROWS, start=10):
        sh.put(r, 1, label)
        sh.native(r, 2, formula.format(c="B"), fmt)
        sh.native(r, 3, formula.format(c="C"), fmt)
        sh.native(r, 4, f"=B{r}-C{r}", fmt)
        native.update(dict(zip(keys, (f"B{r}", f"C{r}", f"D{r}"), strict=True)))
    sh.put(12, 1, "Value difference, % of the WTD value")
    sh.native(12, 4, "=D11/C11", PCT)
    native["pv_diff_pct"] = "D12"
    sh.put(
        14,
        1,
        "A higher beta means a higher discount rate and a lower value: valuing the actual holdings with "
        "WTD instead of REG is off by the amount in D11.",
        style=NOTE,
        free=True,
    )
    sh.record.native.update(native)
    sh.record.layout["inputs"] = {key: f"B{4 + i}" for i, (key, *_) in enumerate(INPUTS)}
    sh.record.layout["betas_from"] = {"reg": f"Bonds!{reg_cell}", "wtd": f"Bonds!{wtd_cell}"}
    sh.finish(widths={"A": 40, "B": 22, "C": 22, "D": 14}, freeze="A9", printing=Print((1, 1, 14, 8)))
    return sh
