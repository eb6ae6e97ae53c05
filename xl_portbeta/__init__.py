"""xl_portbeta: a portfolio's beta two ways, live in Excel.

``portfolio_beta`` returns the regression beta of the actual holdings (REG), the
weighted average of the holdings' betas (WTD), their gap and its split by holding,
all on one sample of dates: ``beta_of(build_sample(...))``. The Excel functions live
in :mod:`xl_portbeta.udfs`.
"""

from .api import PortfolioBeta, asset_betas, beta_of, build_sample, portfolio_beta
from .errors import PortbetaError
from .report import report
from .sample import Sample

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
