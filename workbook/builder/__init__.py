"""The demo workbooks' builder: one layout, one workbook per xlwings runtime.

- :mod:`.layout`: cell addressing, styles, the :class:`~.layout.Sheet` wrapper.
- :mod:`.blocks`: the blocks two sheets share (data, returns, key figures, the common mistake).
- one module per sheet: :mod:`.start`, :mod:`.bonds`, :mod:`.portfolio`, :mod:`.book`, :mod:`.rolling`,
  :mod:`.valuation`, :mod:`.conf`.
- :mod:`.runtime`: what differs between classic xlwings and xlwings Lite.
- :mod:`.lite_parts`: the web-extension parts that attach xlwings Lite and carry its code.
- :mod:`.build`: writing, reproducibility, cells.json.
"""

from .build import build, build_book, main  # noqa: F401
from .runtime import CLASSIC, LITE, RUNTIMES  # noqa: F401
