"""xl_portbeta: a portfolio's beta two ways, live in Excel.

``portfolio_beta`` returns the regression beta of the actual holdings (REG), the
weighted average of the holdings' betas (WTD), their gap and its split by holding,
all on one sample of dates. The Excel functions live in :mod:`xl_portbeta.udfs`.
"""

from .api import PortfolioBeta, asset_betas, portfolio_beta
from .inputs import PortbetaError
from .sample import Sample

__all__ = ["PortfolioBeta", "PortbetaError", "Sample", "asset_betas", "portfolio_beta"]
__version__ = "0.1.0"
