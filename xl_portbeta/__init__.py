"""xl_portbeta: a portfolio's beta two ways, live in Excel.

``portfolio_beta`` returns the regression beta of the actual holdings (REG), the
weighted average of the holdings' betas (WTD), their gap and its split by holding,
all on one sample of dates: ``beta_of(build_sample(...))``. The Excel functions live
in :mod:`xl_portbeta.udfs`.
"""

from typing import TYPE_CHECKING, Any

from .api import PortfolioBeta, asset_betas, beta_of, build_sample, portfolio_beta
from .errors import PortbetaError
from .sample import Sample

if TYPE_CHECKING:
    from .report_page import report

__all__ = [
    "PortbetaError",
    "PortfolioBeta",
    "Sample",
    "asset_betas",
    "beta_of",
    "build_sample",
    "portfolio_beta",
    "report",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The report is imported when first asked for: the Excel functions never need it, so xlwings
    # Lite's main.py does not carry it (its module has another name than the function, so that
    # importing the module never hides the function).
    if name == "report":
        from .report_page import report

        return report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
