"""Shared fixtures.

xlwings picks its decorators when it is first imported: with ``XLWINGS_ON_SERVER=true``
it uses the Office.js ones of xlwings Lite and Server, which need a license key (the
free ``noncommercial`` key is accepted; see README, "Licensing"). When the key is set,
this test process switches to those decorators here, before anything imports xlwings,
so that ``tests/test_officejs.py`` can call the UDFs through xlwings' own Office.js code.
Without the key those tests skip and the UDFs are plain functions.
"""

import os

if os.environ.get("XLWINGS_LICENSE_KEY"):
    os.environ.setdefault("XLWINGS_ON_SERVER", "true")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

BONDS = {
    "bond_a": [100, 96, 102, 88, 96, 101, 120, 110, 105, 107, 106],
    "bond_b": [98, 102, 88, 95, 105, 100, 101, 99, 104, 108, 112],
    "market": [1000, 1004, 1000, 1010, 1020, 1000, 990, 995, 1005, 1025, 1035],
    "shares": [25000, 65000],
}


@pytest.fixture
def bonds():
    """The two-bond worked example of the README and the workbook."""
    return dict(BONDS)


def random_market(rng: np.random.Generator, n_rows: int, n_assets: int, noise: float = 0.02):
    """Prices of n_assets with betas in [-0.5, 2] on a random market, oldest first."""
    market_returns = rng.normal(0.0004, 0.011, n_rows - 1)
    true_betas = rng.uniform(-0.5, 2.0, n_assets)
    asset_returns = market_returns[:, None] * true_betas + rng.normal(0, noise, (n_rows - 1, n_assets))
    prices = 50 * np.vstack([np.ones(n_assets), np.cumprod(1 + asset_returns, axis=0)])
    market = 1000 * np.concatenate([[1.0], np.cumprod(1 + market_returns)])
    return prices, market


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)
