"""The core runs on one BLAS thread (api.one_blas_thread), and the caller's setting comes back.

threadpoolctl is a dependency, but optional at run time: without it (or where it finds no
BLAS, as in Pyodide) the functions give the same numbers, unlimited.
"""

import sys

import numpy as np
import pytest
from conftest import random_market
from threadpoolctl import threadpool_info, threadpool_limits

from xl_portbeta import api, core


def blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


@pytest.fixture
def fresh_controller(monkeypatch):
    """api's threadpoolctl controller is made again on the next call."""
    monkeypatch.setattr(api, "_blas_controller", None)


def portfolio():
    rng = np.random.default_rng(5)
    prices, market = random_market(rng, 300, 8)
    shares = rng.integers(1, 100, 8).astype(float)
    return prices, shares, market


def test_numpy_has_a_blas_that_threadpoolctl_controls():
    # Otherwise the tests below would pass without testing anything.
    assert blas_threads(), "no BLAS library seen by threadpoolctl"


@pytest.mark.parametrize(
    "call",
    [
        lambda p, s, m: api.portfolio_beta(p, s, m),
        lambda p, s, m: api.asset_betas(p, m),
        lambda p, s, m: api.portfolio_stats(p, s, m),
        lambda p, s, m: api.gap_detail(p, s, m),
        lambda p, s, m: api.rolling_portfolio_beta(p, s, m, 60),
    ],
    ids=["portfolio_beta", "asset_betas", "portfolio_stats", "gap_detail", "rolling"],
)
def test_core_runs_on_one_blas_thread_and_the_setting_comes_back(call, monkeypatch, fresh_controller):
    seen = []
    real_period_returns = core.period_returns  # every function computes returns

    def spy(*args, **kwargs):
        seen.append(blas_threads())
        return real_period_returns(*args, **kwargs)

    monkeypatch.setattr(core, "period_returns", spy)
    with threadpool_limits(limits=2, user_api="blas"):
        call(*portfolio())
        after = blas_threads()
    assert seen and all(threads == [1] * len(threads) for threads in seen)
    assert after == [2] * len(after)


def test_without_threadpoolctl_same_numbers_and_nothing_limited(monkeypatch, fresh_controller):
    prices, shares, market = portfolio()
    expected = api.portfolio_beta(prices, shares, market)
    monkeypatch.setattr(api, "_blas_controller", None)
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails
    seen = []
    real_period_returns = core.period_returns
    monkeypatch.setattr(core, "period_returns", lambda *a, **k: seen.append(1) or real_period_returns(*a, **k))
    result = api.portfolio_beta(prices, shares, market)
    assert seen
    assert api._blas_threads() is None
    assert result.reg == expected.reg and result.wtd == expected.wtd
    np.testing.assert_array_equal(result.asset_betas, expected.asset_betas)


def test_overlapping_calls_keep_one_thread_until_the_last_leaves_then_restore(fresh_controller):
    """Found in review: each call restoring what it saw on entry left BLAS at one thread
    for good when two calls overlapped (A in, B in, A out, B out)."""
    with threadpool_limits(limits=2, user_api="blas"):
        a, b = api.one_blas_thread(), api.one_blas_thread()
        a.__enter__()
        b.__enter__()
        a.__exit__(None, None, None)
        inside_b = blas_threads()
        b.__exit__(None, None, None)
        after = blas_threads()
    assert inside_b == [1] * len(inside_b)  # B still runs on one thread
    assert after == [2] * len(after)


def test_calls_from_many_threads_restore_the_setting(fresh_controller):
    from concurrent.futures import ThreadPoolExecutor

    prices, shares, market = portfolio()
    with threadpool_limits(limits=2, user_api="blas"):
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: api.portfolio_beta(prices, shares, market).reg, range(200)))
        after = blas_threads()
    assert after == [2] * len(after)
    assert len(set(results)) == 1
