"""Accuracy cases: NIST StRD Norris as price paths, and ill-conditioned portfolios.

Each case gives prices and a market; the reference is computed end to end in 60-digit
decimal arithmetic (returns from the exact binary values of the float prices, then the
OLS slope), independent of numpy. ``python tests/accuracy_cases.py`` prints the digits
xl_portbeta keeps on each case (the README's Accuracy table).
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np

# NIST StRD, Norris.dat (y, x): certified slope 1.00211681802045, its standard
# deviation 0.429796848199937E-03, R² 0.999993745883712.
NORRIS_Y = [
    0.1, 338.8, 118.1, 888.0, 9.2, 228.1, 668.5, 998.5, 449.1, 778.9, 559.2, 0.3, 0.1, 778.1,
    668.8, 339.3, 448.9, 10.8, 557.7, 228.3, 998.0, 888.8, 119.6, 0.3, 0.6, 557.6, 339.3, 888.0,
    998.5, 778.9, 10.2, 117.6, 228.9, 668.4, 449.2, 0.2,
]  # fmt: skip
NORRIS_X = [
    0.2, 337.4, 118.2, 884.6, 10.1, 226.5, 666.3, 996.3, 448.6, 777.0, 558.2, 0.4, 0.6, 775.5,
    666.9, 338.0, 447.5, 11.6, 556.0, 228.1, 995.8, 887.6, 120.2, 0.3, 0.3, 556.8, 339.1, 887.2,
    999.0, 779.0, 11.1, 118.3, 229.2, 669.1, 448.9, 0.5,
]  # fmt: skip
NORRIS_CERTIFIED = {"beta": 1.00211681802045, "beta_se": 0.429796848199937e-03, "r_squared": 0.999993745883712}


def compound(returns, start=100.0):
    """A price path whose simple returns are ``returns``."""
    return start * np.concatenate([[1.0], np.cumprod(1.0 + np.asarray(returns))])


def norris_paths(scale=1e-4):
    """Norris' y (asset) and x (market), scaled to returns and compounded into prices."""
    return compound(np.array(NORRIS_Y) * scale), compound(np.array(NORRIS_X) * scale, 1000.0)


def decimal_slope(prices, market, digits=60, shares=None):
    """OLS slope of the asset's returns on the market's, in ``digits``-digit decimals.

    With ``shares``, ``prices`` is (T, N) and the asset is the holdings' value
    ``sum_i shares_i * prices_t,i``, summed in decimals too.
    """
    with localcontext() as ctx:
        ctx.prec = digits
        if shares is None:
            p = [Decimal(float(v)) for v in prices]
        else:
            p = [sum(Decimal(float(h)) * Decimal(float(v)) for h, v in zip(shares, row)) for row in prices]
        m = [Decimal(float(v)) for v in market]
        r = [p[t] / p[t - 1] - 1 for t in range(1, len(p))]
        x = [m[t] / m[t - 1] - 1 for t in range(1, len(m))]
        n = len(r)
        mr, mx = sum(r) / n, sum(x) / n
        return float(sum((a - mx) * (b - mr) for a, b in zip(x, r)) / sum((a - mx) ** 2 for a in x))


def digits_kept(value, reference):
    """Significant digits on which ``value`` agrees with ``reference`` (17 when equal)."""
    if value == reference:
        return 17.0
    return min(17.0, -math.log10(abs(value - reference) / abs(reference)))


def ill_conditioned_cases(rng=None):
    """name -> (prices (T,), market (T,)): the hard cases of issue 6."""
    rng = rng or np.random.default_rng(6)
    cases = {}
    # Prices around 1e8 moving by whole cents: returns of about 1e-10.
    cents = rng.integers(-300, 300, 250) / 100
    market_cents = rng.integers(-300, 300, 250) / 100
    cases["prices ~1e8 moving by cents"] = (
        1e8 + np.concatenate([[0], np.cumsum(0.8 * market_cents + cents)]),
        2e8 + np.concatenate([[0], np.cumsum(market_cents)]),
    )
    # Returns of about 1e-9.
    m = rng.normal(0, 1e-9, 250)
    cases["returns ~1e-9"] = (compound(1.3 * m + rng.normal(0, 3e-10, 250)), compound(m, 1000.0))
    # A market that moves on only 3 dates.
    m = np.zeros(250)
    m[[40, 120, 200]] = [0.01, -0.02, 0.015]
    cases["market moves on 3 dates"] = (compound(0.9 * m + rng.normal(0, 0.01, 250)), compound(m, 1000.0))
    # 10,000 rows.
    m = rng.normal(0.0003, 0.01, 9999)
    cases["10,000 rows"] = (compound(1.1 * m + rng.normal(0, 0.01, 9999)), compound(m, 1000.0))
    return cases


def accuracy_table():
    """(case, ours, reference, digits kept) rows."""
    from xl_portbeta import api

    rows = []
    asset, market = norris_paths()
    stats = api.portfolio_stats(asset, [1.0], market)
    for key, certified in NORRIS_CERTIFIED.items():
        ours = stats.actual.fit.beta if key == "beta" else getattr(stats.actual.fit, key)
        rows.append((f"NIST Norris {key} (certified)", ours, certified, digits_kept(ours, certified)))
    for name, (prices, market) in ill_conditioned_cases().items():
        ours = api.portfolio_beta(prices, [1.0], market).reg
        reference = decimal_slope(prices, market)
        rows.append((name, ours, reference, digits_kept(ours, reference)))
    return rows


if __name__ == "__main__":
    print("| case | xl_portbeta | reference | digits kept |")
    print("|---|---|---|---|")
    for name, ours, reference, digits in accuracy_table():
        print(f"| {name} | {ours:.15g} | {reference:.15g} | {digits:.1f} |")
