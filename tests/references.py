"""Independent references the tests check against: statsmodels OLS on returns built by
hand from first principles (portfolio value series, explicit excess returns), or exact
fractions; never xl_portbeta's own intermediate arrays."""

import numpy as np
import statsmodels.api as sm


def ols_slope(y, x):
    """statsmodels OLS slope of y on x, with intercept."""
    return sm.OLS(np.asarray(y, float), sm.add_constant(np.asarray(x, float))).fit().params[1]


def value_returns(prices, holdings):
    """Returns of the holdings held at each period's start: a value series, by hand."""
    prices, holdings = np.asarray(prices, float), np.asarray(holdings, float)
    if holdings.ndim == 1:
        holdings = np.broadcast_to(holdings, prices.shape)
    start_value = (holdings[:-1] * prices[:-1]).sum(axis=1)
    end_value = (holdings[:-1] * prices[1:]).sum(axis=1)
    return end_value / start_value - 1


def reference(prices, holdings, market, as_of=-1, rf_period=0.0):
    """(REG, WTD, asset betas, weights) from statsmodels on hand-built returns."""
    prices, market = np.asarray(prices, float), np.asarray(market, float)
    holdings = np.broadcast_to(np.asarray(holdings, float), prices.shape)
    m = market[1:] / market[:-1] - 1 - rf_period
    betas = np.array([ols_slope(prices[1:, i] / prices[:-1, i] - 1 - rf_period, m) for i in range(prices.shape[1])])
    value = holdings[as_of] * prices[as_of]
    weights = value / value.sum()
    reg = ols_slope(value_returns(prices, holdings) - rf_period, m)
    return reg, float(weights @ betas), betas, weights


def exact_slope(y, x):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)


def excess(prices_or_values, rf_period=0.0):
    x = np.asarray(prices_or_values, float)
    return x[1:] / x[:-1] - 1 - rf_period


def statsmodels_fit(y, m):
    return sm.OLS(y, sm.add_constant(m)).fit()


def per_window_reference(prices, holdings, market, window):
    """One statsmodels OLS per window; weights at each window's end date."""
    r, m = excess(prices), excess(market)
    y = excess((holdings * prices).sum(axis=1)) if holdings.ndim == 1 else None
    reg, wtd = [], []
    for end in range(window, len(m) + 1):
        sl = slice(end - window, end)
        reg.append(statsmodels_fit(y[sl], m[sl]).params[1])
        value = holdings * prices[end]
        betas = [statsmodels_fit(r[sl, i], m[sl]).params[1] for i in range(prices.shape[1])]
        wtd.append(float(value / value.sum() @ betas))
    return np.array(reg), np.array(wtd)
