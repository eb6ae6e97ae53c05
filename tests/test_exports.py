"""Issue 21, item 5: exports as they are. A shares range whose header names only some of the
prices' columns (the others held at 0), a broker's positions export read by naming its two
columns, the column each per-ticker file was read at, and --start/--end on a prices file."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import NA_COM, random_market
from references import ols_slope, reference, value_returns

from xl_portbeta import api, udfs
from xl_portbeta.errors import PortbetaError

DATA = Path(__file__).resolve().parent / "data"


# --------------------------------------------------------------------- Excel: a partial shares header


def test_a_shares_header_naming_some_columns_holds_the_others_at_zero(rng):
    """COM-style ranges (tuples, None for a blank): C and A named, B not held; against REG and WTD
    of statsmodels on the value series built by hand with B at 0."""
    prices, market = random_market(rng, 60, 3)
    header = (("A", "B", "C"),) + tuple(map(tuple, prices.tolist()))
    market_cells = (("Index",),) + tuple((m,) for m in market.tolist())
    reg, wtd, _, _ = reference(prices, [20.0, 0.0, 7.0], market)
    shares = (("C", "A"), (7, 20))
    assert udfs.portbeta_reg(header, shares, market_cells) == pytest.approx(reg, abs=1e-12)
    assert udfs.portbeta_wtd(header, shares, market_cells) == pytest.approx(wtd, abs=1e-12)
    detail = {row[0]: row for row in udfs.beta_gap_detail(header, shares, market_cells)}
    assert detail["B"][1] == 0 and detail["C"][1] == 7 and detail["A"][1] == 20
    # a holdings history naming two of three columns: B at 0 on every date
    history = np.column_stack([np.full(60, 7.0), np.linspace(10, 30, 60)])
    history_cells = (("C", "A"),) + tuple(map(tuple, history.tolist()))
    by_hand = value_returns(prices, np.column_stack([history[:, 1], np.zeros(60), history[:, 0]]))
    expected = ols_slope(by_hand, market[1:] / market[:-1] - 1)
    assert udfs.portbeta_reg(header, history_cells, market_cells) == pytest.approx(expected, abs=1e-12)
    # a blank count under a named column is still missing data, never 0
    with pytest.raises(PortbetaError, match=r"^PORTBETA_REG: shares of C is empty or an error"):
        udfs.portbeta_reg(header, (("C", "A"), (None, 20)), market_cells)
    with pytest.raises(PortbetaError, match=r"^PORTBETA_REG: shares of A is empty or an error"):
        udfs.portbeta_reg(header, (("C", "A"), (7, NA_COM)), market_cells)


@pytest.mark.parametrize(
    "shares, named",
    [
        ((("C", "AA"), (7, 20)), "AA"),  # a misspelt ticker
        ((("C", "a"), (7, 20)), "a: prices has A"),  # names are matched exactly, case too
        ((("C", "A", "D"), (7, 20, 1)), "D"),  # as many names as prices, one not in prices
    ],
)
def test_a_shares_name_prices_does_not_have_is_still_an_error_naming_it(rng, shares, named):
    prices, market = random_market(rng, 20, 3)
    header = [["A", "B", "C"]] + prices.tolist()
    with pytest.raises(PortbetaError, match=rf"^PORTBETA_REG: shares has names that prices does not have \({named}\)"):
        udfs.portbeta_reg(header, shares, market.tolist())


def test_a_partial_header_in_the_api_and_a_book_holds_the_others_at_zero(rng):
    prices, market = random_market(rng, 40, 3)
    header = [["A", "B", "C"]] + prices.tolist()
    reg, _, _, _ = reference(prices, [0.0, 5.0, 3.0], market)
    assert api.portfolio_beta(header, [["B", "C"], [5, 3]], market).reg == pytest.approx(reg, abs=1e-12)
    frame = pd.DataFrame(prices, columns=["A", "B", "C"])
    assert api.portfolio_beta(frame, pd.DataFrame([[3, 5]], columns=["C", "B"]), market).reg == pytest.approx(
        reg, abs=1e-12
    )
    book = api.book_betas(header, [["account", "C", "B"], ["x", 3, 5], ["y", 1, 0]], market)
    assert book.reg[0] == pytest.approx(reg, abs=1e-12)
    assert book.reg[1] == pytest.approx(reference(prices, [0.0, 0.0, 1.0], market)[0], abs=1e-12)


def test_a_title_over_a_column_of_counts_is_read_by_position(rng):
    """A column of N counts under a title ('shares') names no asset: read in the prices' order, as before."""
    prices, market = random_market(rng, 20, 3)
    header = [["A", "B", "C"]] + prices.tolist()
    by_position = udfs.portbeta_reg(header, [[1, 2, 3]], market.tolist())
    assert udfs.portbeta_reg(header, [["shares"], [1], [2], [3]], market.tolist()) == by_position
