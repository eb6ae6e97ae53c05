"""The bundled real data: 20 S&P 500 stocks and the S&P 500 index, daily, 1990-2022.

Copied from skfolio 1.12.2 (``skfolio/datasets/data``), BSD-3-Clause: see
``data/LICENSE.skfolio``. Prices are adjusted closes; the index is the price level.
Read from the installed package, never from the network.
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from .errors import PortbetaError

__all__ = ["demo_portfolio", "load_sp500"]


def _read(name: str) -> pd.DataFrame:
    with resources.files("xl_portbeta").joinpath(f"data/{name}").open("rb") as f:
        return pd.read_csv(f, compression="gzip", index_col=0, parse_dates=True)


def load_sp500() -> tuple[pd.DataFrame, pd.Series]:
    """Daily prices of 20 S&P 500 stocks (columns) and the S&P 500 index level.

    Returns
    -------
    prices : DataFrame (8313, 20), indexed by date, 1990-01-02 to 2022-12-28
    index : Series (8313,), the same dates
    """
    prices = _read("sp500_dataset.csv.gz")
    index = _read("sp500_index.csv.gz").iloc[:, 0]
    return prices, index


def demo_portfolio(
    start: str = "2022-01-01", end: str = "2022-12-31", capital: float = 1_000_000.0
) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """An equal-weighted portfolio of the 20 stocks, in whole shares, as of the last date.

    ``capital / 20`` dollars in each stock at the last date's price, rounded down to whole
    shares, then held unchanged over the whole window: its weights drift back in time.

    Returns
    -------
    prices : DataFrame (T, 20), indexed by date
    shares : array (20,)
    market : Series (T,), the S&P 500 level
    """
    prices, index = load_sp500()
    window = slice(start, end)
    every = prices.index
    prices, index = prices.loc[window], index.loc[window]
    if prices.empty:
        raise PortbetaError(
            f"no demo data from {start} to {end}: the bundled prices run from {every[0]:%Y-%m-%d} to {every[-1]:%Y-%m-%d}"
        )
    shares = np.floor(capital / prices.shape[1] / prices.iloc[-1].to_numpy())
    return prices, shares, index
