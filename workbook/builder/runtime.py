"""What differs between the two workbooks: how a formula names an add-in function, the
Start sheet's steps (in :mod:`.start`), the xlwings.conf sheet and the extra parts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Runtime:
    key: str
    workbook: str  # file name under workbook/
    label: str
    prefix: str  # what Excel stores before an add-in function's name in a formula
    conf_sheet: bool  # classic xlwings reads its settings from an xlwings.conf sheet
    web_extension: bool  # the parts that attach xlwings Lite and carry main.py / requirements.txt

    def call(self, function: str) -> str:
        """The function's name as the formula stores it."""
        return self.prefix + function


#: Classic xlwings: Import Functions writes VBA functions of the same names.
CLASSIC = Runtime("classic", "xl_portbeta_classic.xlsx", "classic xlwings", "", True, False)
#: xlwings Lite: an Office add-in's custom functions, stored as _xldudf_<NAME> (no namespace).
LITE = Runtime("lite", "xl_portbeta_lite.xlsx", "xlwings Lite", "_xldudf_", False, True)
RUNTIMES = (CLASSIC, LITE)
