"""The xlwings.conf sheet (classic xlwings only; xlwings Lite keeps its settings in the
add-in's part of the workbook and reads no sheet)."""

from __future__ import annotations

from .layout import NOTE, Print, Sheet

UDF_MODULES = "xl_portbeta.udfs"
NOTES = (
    "Read by the classic xlwings add-in (Windows): keys in column A from A1 down, values in column B.",
    "UDF Modules tells Import Functions where the Excel functions are. Other keys "
    "(e.g. Interpreter_Win, Conda Path) may be added below A1 without blank rows.",
    "This sheet's settings override the xlwings ribbon's for this workbook.",
)


def build(book) -> Sheet:
    """Classic xlwings reads keys from A1 down (to the first blank) and values from column B."""
    sh = book.sheet("xlwings.conf")
    sh.put(1, 1, "UDF Modules")
    sh.put(1, 2, UDF_MODULES)
    for r, text in enumerate(NOTES, start=1):
        sh.put(r, 4, text, style=NOTE, free=True)
    sh.record.layout["UDF Modules"] = "B1"
    sh.finish(widths={"A": 14, "B": 20, "C": 3}, printing=Print((1, 1, len(NOTES), 12)))
    return sh
