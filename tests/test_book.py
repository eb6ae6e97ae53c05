"""A book of accounts (PORTBETA_BOOK, api.book_betas): every account's row equals the
single-portfolio functions on that account's shares, with and without holes in prices."""

import numpy as np
import pandas as pd
import pytest
from conftest import random_market

from xl_portbeta import PortbetaError, api, tables, udfs

TOL = 1e-12


def single(prices, shares, market, **kw):
    """The single-portfolio figures of one account: what the book must equal."""
    stats = api.portfolio_stats(prices, shares, market, **kw)
    return stats.result.reg, stats.result.wtd, stats.result.gap, stats.gap_se, stats.gap_fit.t_stat, stats.actual.fit


def check_rows(book, prices, holdings, market, **kw):
    for k, shares in enumerate(holdings):
        if book.notes[k]:
            continue
        reg, wtd, gap, gap_se, gap_t, fit = single(prices, shares, market, **kw)
        assert book.reg[k] == pytest.approx(reg, abs=TOL)
        assert book.wtd[k] == pytest.approx(wtd, abs=TOL)
        assert book.gap[k] == pytest.approx(gap, abs=TOL)
        assert book.gap_se[k] == pytest.approx(gap_se, rel=1e-10)
        if np.isnan(gap_t):  # no drift (one holding): no t either
            assert np.isnan(book.gap_t[k])
        else:
            assert book.gap_t[k] == pytest.approx(gap_t, rel=1e-9)
        assert book.r_squared[k] == pytest.approx(fit.r_squared, abs=1e-10)
        assert book.observations[k] == fit.n


def test_every_account_equals_its_single_portfolio_figures(rng):
    prices, market = random_market(rng, 260, 6)
    holdings = rng.integers(0, 300, (40, 6)).astype(float)
    holdings[3, :] = holdings[3] * (rng.uniform(size=6) < 0.4)  # some accounts hold a few assets
    book = api.book_betas(prices, holdings, market, rf=0.02, as_of=200)
    assert not any(book.notes)
    check_rows(book, prices, holdings, market, rf=0.02, as_of=200)
    np.testing.assert_allclose(book.value, holdings @ prices[199], rtol=1e-13)


def test_with_holes_an_account_keeps_the_dates_of_assets_it_does_not_hold(rng):
    prices, market = random_market(rng, 200, 4)
    prices[[10, 11, 50], 0] = np.nan  # asset 1 has holes
    prices[[90], 3] = np.nan  # asset 4 too
    market[150] = np.nan  # the market: every account drops this date
    holdings = np.array([[10, 20, 30, 40], [0, 20, 30, 40], [0, 5, 5, 0], [7, 0, 0, 0], [0, 0, 3, 9]], dtype=float)
    dates = pd.bdate_range("2023-01-02", periods=200).to_numpy()
    book = api.book_betas(prices, holdings, market, dates)
    check_rows(book, prices, holdings, market, dates=dates)
    # returns = kept dates - 1; each account drops the market's hole and those of its assets
    expected = [200 - 5 - 1, 200 - 2 - 1, 200 - 1 - 1, 200 - 4 - 1, 200 - 2 - 1]
    assert list(book.observations) == expected
    assert len(book.sample.groups) == 4  # by the held assets among those with holes


def test_one_bad_account_does_not_blank_the_book(rng):
    prices, market = random_market(rng, 100, 3)
    holdings = np.array([[10, 20, 30], [0, 0, 0], [-1e6, 1, 1], [np.nan, 1, 1], [5, 5, 5]], dtype=float)
    table = udfs.portbeta_book(prices, holdings, market)
    notes = [row[-1] for row in table[1:]]
    assert notes[0] is None and notes[4] is None
    assert notes[1] == "holds nothing"
    assert "net value <= 0" in notes[2]
    assert "column 1 is empty or an error" in notes[3]
    named = [["client", "A", "B", "C"], ["x", 1, None, 2], ["y", 1, 1, 1]]  # the names' column is column 1
    assert "column 3 is empty" in udfs.portbeta_book([["A", "B", "C"]] + prices.tolist(), named, market)[1][-1]
    for k in (1, 2, 3):
        assert table[1 + k][1:-1] == [None] * (len(tables.BOOK_COLUMNS) - 2)
    reg, wtd, gap, *_ = single(prices, holdings[4], market)
    assert table[5][2:5] == pytest.approx([reg, wtd, gap], abs=TOL)


def test_names_of_accounts_and_assets_as_a_sheet_holds_them(rng):
    prices, market = random_market(rng, 80, 3)
    header = [["A", "B", "C"]] + prices.tolist()
    holdings = [["account", "C", "A", "B"], ["client x", 3, 1, 2], ["client y", 0, 4, 4]]  # other order, by name
    table = udfs.portbeta_book(header, holdings, market.tolist())
    assert table[0][0] == "account" and [r[0] for r in table[1:]] == ["client x", "client y"]
    reg, wtd, *_ = single(prices, [1, 2, 3], market)
    assert table[1][2:4] == pytest.approx([reg, wtd], abs=TOL)
    frame = api.book_betas(header, holdings, market.tolist()).to_frame()
    assert list(frame.index) == ["client x", "client y"]
    assert frame.loc["client y", "reg"] == pytest.approx(single(prices, [4, 4, 0], market)[0], abs=TOL)


def test_bad_input_is_the_books_error_naming_the_cell(rng):
    prices, market = random_market(rng, 30, 2)
    holdings = [["client", 1, 2], ["other", "n/a", 3]]
    with pytest.raises(
        PortbetaError, match=r"^PORTBETA_BOOK: holdings row 2, column 2 (\('[^']*'\) )?holds text 'n/a'"
    ):
        udfs.portbeta_book(prices, holdings, market)
    with pytest.raises(PortbetaError, match=r"^PORTBETA_BOOK: holdings is 2 x 3 \(without names\)"):
        udfs.portbeta_book(prices, [[1, 2, 3], [1, 2, 3]], market)
    with pytest.raises(PortbetaError, match=r"^book_betas: as_of row 99 is outside"):
        api.book_betas(prices, [[1, 2]], market, as_of=99)


def test_review_findings_taller_ranges_argument_names_and_the_api_steps(rng):
    prices, market = random_market(rng, 40, 3)
    header = [["A", "B", "C"]] + prices.tolist()
    blank = [None] * 4
    named = udfs.portbeta_book(
        header, [["client", "A", "B", "C"], ["x", 1, 2, 3], ["y", 3, 2, 1], blank, blank], market.tolist()
    )
    assert [r[0] for r in named[1:]] == ["x", "y"]  # a range selected taller than the book
    plain = api.book_betas(prices, [[1, 2, 3], [3, 2, 1], [None] * 3, [None] * 3], market)
    assert len(plain.accounts) == 2 and not any(plain.notes)
    with pytest.raises(PortbetaError, match=r"^book_betas: holdings has names that prices does not have \(X\)"):
        api.book_betas(header, [["C", "A", "X"], [3, 1, 2]], market.tolist())
    sample = api.build_sample(prices, [1, 2, 3], market)
    with pytest.raises(PortbetaError, match=r"^rolling_of: window '5' is not a whole number"):
        api.rolling_of(sample, "5")
    assert len(api.rolling_of(sample, 5.0).reg) == 39 - 5 + 1
    with pytest.raises(PortbetaError, match=r"^stats_of: give the result of beta_of\(sample\)"):
        api.stats_of(sample)
    with pytest.raises(PortbetaError, match=r"^gap_detail_of: give the result of beta_of\(sample\)"):
        api.gap_detail_of(sample)


def test_an_account_beyond_float_range_gets_a_note_not_zeros(rng):
    prices, market = random_market(rng, 40, 2)
    book = api.book_betas(prices * 1e306, [[1, 1], [1e4, 1e4]], market)
    assert not book.notes[0] and np.isfinite(book.reg[0])
    assert "beyond 1e308" in book.notes[1] and np.isnan(book.reg[1])


def test_accounts_worth_less_than_1_are_accounts(rng):
    """Mutation testing: 'value > 0' turned 'value > 1' went unseen. Penny prices and
    fractional shares: an account worth 0.3 has the figures of its single portfolio."""
    prices, market = random_market(rng, 80, 3)
    prices = prices * 1e-3  # 0.05 a share
    holdings = np.array([[1.0, 2.0, 3.0], [0.5, 0.0, 2.0], [300.0, 100.0, 0.0]])
    book = api.book_betas(prices, holdings, market)
    assert not any(book.notes) and book.value.min() < 1
    check_rows(book, prices, holdings, market)


def test_an_account_worth_exactly_0_on_a_date_has_a_note_and_no_figures(rng):
    prices, market = random_market(rng, 30, 2)
    prices[4] = [20.0, 10.0]  # long 1 of asset 1, short 2 of asset 2: worth 0 on row 5
    book = api.book_betas(prices, np.array([[1.0, 1.0], [1.0, -2.0]]), market)
    assert book.notes[0] == "" and book.notes[1].startswith("shares and prices give a net value <= 0")
    assert np.isnan(book.reg[1]) and np.isnan(book.wtd[1]) and not book.valid[1]
    check_rows(book, prices, np.array([[1.0, 1.0]]), market)


def test_a_masked_count_is_missing_not_the_value_under_the_mask():
    """Masked numpy arrays honour their mask in a book too (issue 20)."""
    from xl_portbeta.datasets import demo_portfolio

    prices, shares, market = demo_portfolio()
    counts = np.vstack([shares, shares / 2])
    masked = np.ma.masked_array(counts.copy(), np.zeros(counts.shape, dtype=bool))
    masked.data[1, 0], masked.mask[1, 0] = 1e9, True
    book = api.book_betas(prices, masked, market)
    assert book.notes[1] == "share count in column 1 is empty or an error: enter 0 for an asset not held"
    assert book.reg[0] == pytest.approx(api.book_betas(prices, counts, market).reg[0], abs=TOL)
    assert np.isnan(book.reg[1])
