"""Printing the demo workbooks: every sheet has a print area fitted to one page wide, and
LibreOffice's PDF export of each workbook has a sane number of pages (the old single
workbook printed 376)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from test_workbook import WORKBOOKS, libreoffice_convert

MAX_PAGES = 15


def pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", path.read_bytes()))


@pytest.mark.parametrize("runtime", sorted(WORKBOOKS))
def test_every_sheet_has_a_print_area_one_page_wide(runtime):
    wb = openpyxl.load_workbook(WORKBOOKS[runtime])
    for ws in wb.worksheets:
        assert ws.print_area, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        # fitToWidth is 1 when absent (its schema default; XlsxWriter writes only other values)
        assert ws.page_setup.fitToWidth in (None, 1), ws.title


@pytest.mark.parametrize("runtime", sorted(WORKBOOKS))
def test_pdf_export_has_few_pages(runtime, tmp_path_factory):
    pdf = libreoffice_convert(tmp_path_factory, WORKBOOKS[runtime], "pdf", ".pdf")
    pages = pdf_pages(pdf)
    sheets = len(openpyxl.load_workbook(WORKBOOKS[runtime]).worksheets)
    assert sheets <= pages <= MAX_PAGES, f"{pdf.name}: {pages} pages"
