"""Hostile and messy inputs, as both runtimes deliver them (property-based, hypothesis).

The property: every call either returns finite numbers equal to a statsmodels oracle on
the rows that should be kept, or raises the add-in's own error (an xlwings.XlwingsError)
whose message starts with the function's name and names an argument. Nothing else.

The oracle below decides "error or number, and which rows" from the documented rules
(README, "The functions"), written out independently of xl_portbeta's code.
"""

import asyncio
import datetime as dt
import itertools
import math
import os

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from xl_portbeta import PortbetaError, udfs
from xl_portbeta.arguments import PORTFOLIO

OFFICEJS = os.environ.get("XLWINGS_ON_SERVER") == "true"
EXAMPLES = int(os.environ.get("XL_PORTBETA_HYPOTHESIS_EXAMPLES", "3000"))
ARGUMENTS = PORTFOLIO  # the portfolio functions' arguments, as declared

NA_OBJECT = {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}
MISSING = {
    "officejs": ["", None, NA_OBJECT, "#N/A", "#DIV/0!", float("nan")],
    "com": [None, -2146826246, -2146826281, float("nan")],
}
BAD = ["abc", "1.5", True, 0.0, -3.0, float("inf"), dt.datetime(2024, 1, 5)]
EPOCH = dt.datetime(1899, 12, 30)


# --------------------------------------------------------------------------- the oracle


def is_missing(v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return True
    if isinstance(v, dict):
        return v.get("type") == "Error"
    if isinstance(v, str):
        return v.strip() == "" or v.strip() in ("#N/A", "#DIV/0!")
    return type(v) is int and v in (-2146826246, -2146826281)


def is_number(v):
    return type(v) in (int, float) and not is_missing(v) and math.isfinite(v)


def is_header(row):
    filled = [v for v in row if not is_missing(v)]
    return bool(filled) and all(isinstance(v, str) and not _numeric_text(v) for v in filled)


def is_ticker_header(rows):
    """README's rule for the first row of prices and market when it holds whole numbers
    (tickers typed as numbers): each one like the first number below it (within 50%),
    unlike every number below it (more than 50% away from each) or unclear; all like: data,
    all unlike: a header, else an error. None when the row holds no whole number."""
    whole = lambda v: is_number(v) and v > 0 and v == int(v)  # noqa: E731
    filled = [(j, v) for j, v in enumerate(rows[0]) if not is_missing(v)]
    if not any(whole(v) for _, v in filled):
        return None
    verdicts, named = set(), False
    for j, v in filled:
        if isinstance(v, str) and not _numeric_text(v):
            named = True
        elif not whole(v):
            return False
        else:
            below = [r[j] for r in rows[1:] if is_number(r[j]) and r[j] > 0]
            if below:
                if abs(v - below[0]) <= below[0] / 2:
                    verdicts.add("like")
                elif all(abs(v - b) > b / 2 for b in below):
                    verdicts.add("unlike")
                else:
                    verdicts.add("unclear")
    if not verdicts:
        return named
    if verdicts in ({"like"}, {"unlike"}):
        return verdicts == {"unlike"}
    raise ErrorDue("whole numbers in a first row: tickers or data?")


# The texts the generators below put in cells that are numbers stored as text: not a
# header, a bad cell (README: "text (also numbers stored as text)"). Every other text
# they draw ("abc", "asset 0", "index", "Date", "all", "2024-01-04") is plain text.
NUMBERS_AS_TEXT = {"1.5"}


def _numeric_text(text):
    return text.strip() in NUMBERS_AS_TEXT


class ErrorDue(Exception):
    pass


def expected_sample(prices, market, dates):
    """Kept rows (prices, market) in date order, or raise ErrorDue."""
    ranges = {"prices": prices, "market": market}
    if dates is not None:
        ranges["dates"] = dates
    for name in ranges:
        if not ranges[name]:
            continue
        ticker_header = is_ticker_header(ranges[name]) if name != "dates" else None
        if ticker_header if ticker_header is not None else is_header(ranges[name][0]):
            ranges[name] = ranges[name][1:]
    if not ranges["prices"]:
        raise ErrorDue("no rows")
    last_filled = max(
        max((k + 1 for k, row in enumerate(rows) if not all(is_missing(v) for v in row)), default=0)
        for rows in ranges.values()
    )
    if any(len(rows) < last_filled for rows in ranges.values()) or last_filled == 0:
        raise ErrorDue("row counts")
    rows = {name: r[:last_filled] for name, r in ranges.items()}
    for name in ("prices", "market"):
        for row in rows[name]:
            for v in row:
                if not is_missing(v) and not (is_number(v) and v > 0):
                    raise ErrorDue(f"bad {name} cell {v!r}")
    order = list(range(last_filled))
    if dates is not None:
        days = []
        for (v,) in rows["dates"]:
            if is_missing(v) or isinstance(v, str) or type(v) is bool:
                raise ErrorDue("bad date")
            days.append(v if isinstance(v, dt.datetime) else EPOCH + dt.timedelta(days=v))
        steps = [b - a for a, b in itertools.pairwise(days)]
        if all(s > dt.timedelta(0) for s in steps):
            pass
        elif all(s < dt.timedelta(0) for s in steps):
            order.reverse()
        else:
            raise ErrorDue("dates order")
    keep = [k for k in order if not is_missing(rows["market"][k][0]) and not any(map(is_missing, rows["prices"][k]))]
    if len(keep) < 4:
        raise ErrorDue("too few returns")
    if dates is not None:  # README: periods per year from the kept dates' median spacing, in days
        spacing = float(np.median([abs((days[b] - days[a]).days) for a, b in itertools.pairwise(keep)]))
        if not any(low <= spacing <= high for low, high in ((0.5, 4.5), (5.5, 8.5), (26, 35), (85, 95), (350, 380))):
            raise ErrorDue(f"no frequency has a spacing of {spacing} days")
    p = np.array([[float(v) for v in rows["prices"][k]] for k in keep])
    m = np.array([float(rows["market"][k][0]) for k in keep])
    m_ret = m[1:] / m[:-1] - 1
    if np.ptp(m_ret) <= 1e-12:
        raise ErrorDue("flat market")
    return p, m_ret


def ols(y, x):
    return sm.OLS(y, sm.add_constant(x)).fit().params[1]


# --------------------------------------------------------------------------- generators


@st.composite
def messy_inputs(draw):
    runtime = draw(st.sampled_from(["officejs", "com"]))
    n_rows = draw(st.integers(0, 9))
    n_assets = draw(st.integers(1, 3))
    prices = [[float(draw(st.integers(1, 400))) for _ in range(n_assets)] for _ in range(n_rows)]
    market = [[float(draw(st.integers(500, 520)))] for _ in range(n_rows)]
    corruptions = draw(st.lists(st.tuples(st.sampled_from(["prices", "market"]), st.integers(0, 20), st.integers(0, 2),
                                          st.sampled_from(["missing", "bad"])), max_size=4))  # fmt: skip
    for name, r, c, kind in corruptions:
        target = prices if name == "prices" else market
        if not target:
            continue
        r, c = r % len(target), c % len(target[0])
        target[r][c] = draw(st.sampled_from(MISSING[runtime] if kind == "missing" else BAD))
    if draw(st.booleans()):
        prices.insert(0, [f"asset {i}" for i in range(n_assets)])
        market.insert(0, ["index"])
    shift = draw(st.sampled_from([0, 0, 0, -1, 1]))
    if shift < 0 and market:
        market.pop()
    elif shift > 0:
        market.append([draw(st.sampled_from([None, 510.0]))])
    dates = None
    if draw(st.booleans()):
        start = dt.datetime(2024, 1, 1)
        days = [start + dt.timedelta(days=3 * k) for k in range(len(prices))]
        mess = draw(st.sampled_from(["none", "none", "descending", "duplicate", "swap", "blank", "text"]))
        if mess == "descending":
            days.reverse()
        elif len(days) > 2 and mess == "duplicate":
            days[2] = days[1]
        elif len(days) > 3 and mess == "swap":
            days[1], days[3] = days[3], days[1]
        dates = [[d if runtime == "com" else float((d - EPOCH).days)] for d in days]
        if len(dates) > 1 and mess == "blank":
            dates[1] = [MISSING[runtime][0]]
        if len(dates) > 1 and mess == "text":
            dates[1] = ["2024-01-04"]
        if prices and is_header(prices[0]):
            dates[0] = ["Date"]
    shares = [float(draw(st.integers(1, 1000))) for _ in range(n_assets)]
    if draw(st.integers(0, 9)) == 0:  # a share count that is blank, an error, text or TRUE
        shares[draw(st.integers(0, n_assets - 1))] = draw(st.sampled_from(MISSING[runtime][:3] + ["all", True]))
    return runtime, prices, shares, market, dates


def com_shape(rows):
    """COM: a 1 x 1 range is a scalar, anything else a tuple of tuples."""
    if rows is None:
        return None
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    return tuple(tuple(r) for r in rows)


@pytest.fixture(scope="module")
def officejs_call():
    if not OFFICEJS:  # no key: the Office.js-shaped payloads are called directly
        yield None
        return
    import xlwings
    import xlwings.server

    loop = asyncio.new_event_loop()

    def call(name, *args):
        data = {
            "func_name": name,
            "args": list(args),
            "version": xlwings.__version__,
            "client": "Office.js",
            "runtime": "1.4",
        }
        return loop.run_until_complete(xlwings.server.custom_functions_call(data, udfs))

    yield call
    loop.close()


def call_both(officejs_call, runtime, prices, shares, market, dates):
    """(PORTBETA_REG, ASSET_BETAS) through the runtime's own shapes."""
    if runtime == "officejs" and officejs_call is not None:
        reg = officejs_call("portbeta_reg", prices, [shares], market, dates)
        betas = officejs_call("asset_betas", prices, market, dates)
        return reg[0][0], betas[0]
    shaped = [com_shape(x) for x in (prices, [shares], market, dates)]
    reg = udfs.portbeta_reg(*shaped)
    betas = udfs.asset_betas(shaped[0], shaped[2], shaped[3])
    return reg, betas[0]


def check(officejs_call, runtime, prices, shares, market, dates):
    try:
        p, m = expected_sample(prices, market, dates)
        due = None
    except ErrorDue as reason:
        due = str(reason)
    shares_due = not all(is_number(v) for v in shares)  # PORTBETA_REG only; ASSET_BETAS has none
    if shares_due:
        with pytest.raises(PortbetaError, match=r"^PORTBETA_REG: ") as caught:
            call_both(officejs_call, runtime, prices, shares, market, dates)
        assert any(arg in str(caught.value) for arg in ARGUMENTS), str(caught.value)
        event("error: bad shares")
        return
    try:
        reg, betas = call_both(officejs_call, runtime, prices, shares, market, dates)
    except PortbetaError as error:  # from a UDF: udfs.ExcelError, an xlwings.XlwingsError
        message = str(error)
        assert message.startswith(("PORTBETA_REG: ", "ASSET_BETAS: ")), message
        assert any(arg in message for arg in ARGUMENTS), message
        assert due is not None, f"error {message!r} where the oracle expects a number"
        event(f"error: {due}")
        return
    assert due is None, f"a result where an error was due ({due})"
    event(f"number ({runtime})")
    values = [reg, *betas]
    assert all(isinstance(v, float) and math.isfinite(v) for v in values)
    value = (p * shares).sum(axis=1)
    assert reg == pytest.approx(ols(value[1:] / value[:-1] - 1, m), rel=1e-8, abs=1e-8)
    expected_betas = [ols(p[1:, i] / p[:-1, i] - 1, m) for i in range(p.shape[1])]
    assert betas == pytest.approx(expected_betas, rel=1e-8, abs=1e-8)


@settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(messy_inputs())
# Regression examples kept from earlier runs:
@example(("officejs", [["a"], [1.0], [2.0], [3.0], [4.0]], [1.0], [["m"], [500.0], [501.0], [503.0], [502.0]], None))
@example(("com", [[1.0], [2.0], [3.0], [5.0], [8.0]], [1.0], [[500.0], [501.0], [503.0], [502.0], [None]], None))
@example(("officejs", [[1.0], [3.0], [1.0], [1.0], [1.0], [1.0], [1.0], [1.0]], [1.0], [[500.0]] * 7 + [[501.0]], None))
@example(
    ("com", [[600519.0], [2.0], [3.0], [5.0], [8.0]], [1.0], [[399300.0], [501.0], [503.0], [502.0], [504.0]], None)
)
@example(  # dates 3 days apart, two rows of three missing: the kept dates 9 days apart, no frequency's spacing
    ("com", [[100.0 + k] if k % 3 == 0 else [None] for k in range(13)], [1.0],
     [[500.0 + k * (k % 2)] for k in range(13)], [[dt.datetime(2024, 1, 1) + dt.timedelta(days=3 * k)] for k in range(13)])
)  # fmt: skip
def test_messy_ranges_give_the_oracles_number_or_a_named_error(officejs_call, case):
    check(officejs_call, *case)
