"""Writing the workbooks: one per runtime from the same sheet modules, reproducibly, and
``cells.json``, the map of where everything is in each.

Reproducible: fixed data, a fixed document time, and XlsxWriter's fixed zip entry times,
so building twice gives the same files, byte for byte. The add-in's functions are written
as dynamic-array formulas (XlsxWriter writes the ``cm`` cell-metadata flag and
``xl/metadata.xml`` of Excel 365). Every formula carries its value, computed by :mod:`.values`
(the add-in's functions by the package itself), and the spilled cells theirs, as Excel saves a
calculated workbook; no ``fullCalcOnLoad``: any viewer shows the figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import xlsxwriter

from xl_portbeta import udfs

from . import bonds, conf, lite_code, lite_parts, live, portfolio, rolling, start, valuation, values
from . import book as book_sheet
from .layout import Sheet
from .runtime import RUNTIMES, Runtime

HERE = Path(__file__).resolve().parent.parent  # workbook/
CELLS = HERE / "cells.json"
BUILT_BY = "workbook/build_workbook.py"
#: The one command that rebuilds the generated files (the tests name it when they are stale).
REBUILD = "python workbook/build_workbook.py"
#: Document created/modified time: fixed, so builds are identical.
FIXED_TIME = dt.datetime(2024, 1, 1, 0, 0, 0)


class Book:
    """An XlsxWriter workbook for one runtime, its sheets and its formats (one per style)."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self.buffer, {
            "in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
            "strings_to_urls": False,
        })  # fmt: skip
        self.workbook.set_properties({
            "title": f"xl_portbeta demo: a portfolio's beta, two ways ({runtime.label})",
            "author": f"xl_portbeta {BUILT_BY}", "created": FIXED_TIME,
        })  # fmt: skip
        self.sheets: list[Sheet] = []
        self._formats: dict[tuple, Any] = {}

    def sheet(self, title: str) -> Sheet:
        sh = Sheet(self, title)
        self.sheets.append(sh)
        return sh

    def format(self, spec: dict):
        """The workbook's format for these properties, made once (None: the default)."""
        if not spec:
            return None
        key = tuple(sorted(spec.items()))
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format(dict(spec))
        return self._formats[key]

    def close(self) -> bytes:
        values.cache(self.sheets)  # every formula saved with its value, as Excel saves a calculated book
        self.workbook.calc_on_load = False  # and no fullCalcOnLoad: the saved values are shown
        self.workbook.close()
        return self.buffer.getvalue()


def build_book(runtime: Runtime) -> tuple[bytes, dict[str, Any]]:
    """The workbook's bytes and its record (its part of cells.json)."""
    book = Book(runtime)
    start.build(book)
    bonds_sheet = bonds.build(book)
    portfolio_sheet, shares = portfolio.build(book)
    book_sheet.build(book, portfolio_sheet)
    rolling.build(book, shares)
    valuation.build(book, bonds_sheet)
    live.build(book)
    if runtime.conf_sheet:
        conf.build(book)
    data = errors_saved_as_errors(book.close())
    if runtime.web_extension:
        data = with_lite_parts(data)
    record = {
        "workbook": runtime.workbook,
        "runtime": runtime.key,
        "function_prefix": runtime.prefix,
        "sheet_order": [sh.title_text for sh in book.sheets],
        "sheets": {
            sh.title_text: dataclasses.asdict(sh.record) for sh in book.sheets
        },  # a copy: vars() lost it on 3.13.0
    }
    return data, record


#: An array formula saved with an error value: XlsxWriter types its value as text (t="str").
ARRAY_ERROR = re.compile(
    rb'(<c [^>]*?)t="str"(><f t="array"[^>]*>[^<]*</f><v>#(?:N/A|VALUE!|NUM!|DIV/0!|NAME\?|REF!)</v>)'
)


def rezipped(data: bytes, amend: Callable[[str, bytes], bytes], added: dict[str, str] | None = None) -> bytes:
    """The workbook's zip written again: each part through ``amend(name, part)``, then the
    ``added`` parts (name -> text), with the first entry's time (builds stay identical)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        infos = src.infolist()
        for info in infos:
            dst.writestr(info, amend(info.filename, src.read(info.filename)))
        for name, text in (added or {}).items():
            entry = zipfile.ZipInfo(name, date_time=infos[0].date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, text.encode("utf-8"))
    return out.getvalue()


def errors_saved_as_errors(data: bytes) -> bytes:
    """The workbook with each array formula's saved error typed as an error (t="e"), as Excel
    saves it: a viewer then shows an error value, which ISERROR sees, not the error's text."""

    def typed(name: str, part: bytes) -> bytes:
        return ARRAY_ERROR.sub(rb'\1t="e"\2', part) if name.startswith("xl/worksheets/sheet") else part

    return rezipped(data, typed)


def lite_settings() -> dict[str, str]:
    """Lite's settings (main.py, requirements.txt, versions), generated now from this version's package."""
    return lite_code.settings()


def with_lite_parts(data: bytes) -> bytes:
    """The workbook with the web-extension parts of xlwings Lite added (same entry times)."""
    functions = [name.upper() for name in udfs.__all__]
    return rezipped(data, lite_parts.amend, lite_parts.parts(lite_settings(), functions))


def build(
    out_dir: Path | str = HERE, cells_path: Path | str | None = CELLS, runtimes: tuple[Runtime, ...] = RUNTIMES
) -> dict[str, Any]:
    """Build each runtime's workbook into ``out_dir`` (and the cell record at
    ``cells_path``); return the record."""
    record: dict[str, Any] = {"built_by": BUILT_BY, "workbooks": {}}
    for runtime in runtimes:
        data, book_record = build_book(runtime)
        (Path(out_dir) / runtime.workbook).write_bytes(data)
        record["workbooks"][runtime.key] = book_record
    if cells_path is not None:
        Path(cells_path).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return record


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Build the demo workbooks (one per xlwings runtime) and cells.json.")
    parser.add_argument("--out", default=str(HERE), help=f"folder for the workbooks (default {HERE})")
    parser.add_argument("--cells", default=str(CELLS), help=f"cell record path (default {CELLS})")
    args = parser.parse_args(argv)
    record = build(args.out, args.cells)
    names = ", ".join(r["workbook"] for r in record["workbooks"].values())
    print(f"wrote {names} in {args.out} and {args.cells}")
    return 0
