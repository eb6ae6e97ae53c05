"""Build the demo workbooks ``workbook/xl_portbeta_classic.xlsx`` and
``workbook/xl_portbeta_lite.xlsx`` (and ``workbook/cells.json``).

Run from anywhere::

    python workbook/build_workbook.py

The builder is the package ``workbook/builder`` (one module per sheet, one layout for both
runtimes); this file only puts it and xl_portbeta on the path and runs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the package builder/
# This checkout's xl_portbeta, before any installed one: the Lite workbook carries this checkout's
# source (builder/lite_code.py), so the saved figures must be computed by the same code.
sys.path.insert(1, str(HERE.parent))

from builder import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
