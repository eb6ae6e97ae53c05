"""A platform's book (issue 23): holdings as a scipy.sparse matrix or as long
account, ticker, shares rows (a DataFrame, a CSV, a Parquet file) give the dense book's
figures, without a K x N array; blocks of accounts on several threads give the one-thread
figures to the bit."""

import json
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from conftest import cli, random_market
from scipy import sparse

from xl_portbeta import PortbetaError, api, core, udfs

TOL = 1e-12
FIGURES = ("value", "reg", "wtd", "gap", "gap_se", "r_squared")


def platform_book(rng, k, n, held=5):
    """K accounts of ``held`` positions each among n assets, as a dense (K, N) array."""
    holdings = np.zeros((k, n))
    for a in range(k):
        holdings[a, rng.choice(n, held, replace=False)] = rng.integers(1, 500, held)
    return holdings


def long_rows(holdings, names, rng):
    """``holdings`` as account, ticker, shares rows in a random order."""
    a, j = np.nonzero(holdings)
    rows = pd.DataFrame({"account": [f"acct {k}" for k in a], "ticker": np.asarray(names)[j], "shares": holdings[a, j]})
    return rows.iloc[rng.permutation(len(rows))].reset_index(drop=True)


def assert_same_figures(book, dense, order=None):
    """``book`` equals ``dense`` (accounts in ``order``) to 1e-12. The t of the gap is compared
    through the gap it is made of (``t * se``): a gap of 1e-3 left from REG and WTD near 1
    keeps about 1e-15 / 1e-3 of t's relative digits in any order of summation."""
    order = np.arange(len(dense.accounts)) if order is None else np.asarray(order)
    assert list(book.notes) == [dense.notes[k] for k in order]
    np.testing.assert_array_equal(book.observations, dense.observations[order])
    for name in FIGURES:
        ours, theirs = getattr(book, name), getattr(dense, name)[order]
        np.testing.assert_allclose(ours, theirs, rtol=TOL, atol=TOL, err_msg=name)
    np.testing.assert_allclose(book.gap_t * book.gap_se, dense.gap_t[order] * dense.gap_se[order], atol=TOL)


@pytest.mark.parametrize("kind", [sparse.csr_array, sparse.csr_matrix, sparse.coo_array, sparse.csc_matrix])
def test_a_sparse_matrix_gives_the_dense_books_figures(rng, kind):
    prices, market = random_market(rng, 260, 40)
    holdings = platform_book(rng, 300, 40)
    dense = api.book_betas(prices, holdings, market, rf=0.02, as_of=200)
    book = api.book_betas(prices, kind(holdings), market, rf=0.02, as_of=200)
    assert core.is_sparse(book.sample.holdings)
    assert_same_figures(book, dense)
    assert book.accounts == dense.accounts


def test_sparse_with_holes_notes_and_bad_accounts_as_the_dense_book(rng):
    prices, market = random_market(rng, 200, 12)
    prices[[10, 11, 50], 0] = np.nan  # assets with holes: accounts grouped by those they hold
    prices[[90], 3] = np.nan
    market[150] = np.nan
    holdings = platform_book(rng, 60, 12, held=4)
    holdings[5] = 0.0  # holds nothing
    holdings[6, 2] = -1e9  # a net value <= 0
    holdings[7, [0, 3]] = 10.0
    dates = pd.bdate_range("2023-01-02", periods=200).to_numpy()
    dense = api.book_betas(prices, holdings, market, dates, rf=np.linspace(0.01, 0.03, 200))
    book = api.book_betas(prices, sparse.csr_array(holdings), market, dates, rf=np.linspace(0.01, 0.03, 200))
    assert_same_figures(book, dense)
    assert book.notes[5] == "holds nothing" and "net value <= 0" in book.notes[6]
    assert len(book.sample.groups) == len(dense.sample.groups) == 4
    held = {tuple(np.flatnonzero(holdings[g.accounts[0]][[0, 3]] != 0)) for g in book.sample.groups}
    assert held == {(), (0,), (1,), (0, 1)}


def test_a_blank_or_infinite_sparse_count(rng):
    prices, market = random_market(rng, 100, 5)
    holdings = np.array([[1.0, 0, 0, 2, 0], [0, 3, 0, 0, 0]])
    blank = sparse.csr_array(holdings)
    blank.data[0] = np.nan
    book = api.book_betas(pd.DataFrame(prices, columns=list("ABCDE")), blank, market)
    assert book.notes[0] == "share count of A is empty or an error: enter 0 for an asset not held"
    assert np.isnan(book.reg[0]) and not book.notes[1]
    blank.data[0] = np.inf
    with pytest.raises(
        PortbetaError, match=r"book_betas: holdings has an infinite share count \(account 1, column 1\)"
    ):
        api.book_betas(prices, blank, market)
    with pytest.raises(PortbetaError, match="book_betas: holdings is a 2 x 4 sparse matrix: give one row per account"):
        api.book_betas(prices, sparse.csr_array(holdings[:, :4]), market)


def test_long_rows_give_the_dense_books_figures_accounts_in_order_of_first_appearance(rng):
    prices, market = random_market(rng, 150, 30)
    names = [f"T{j:02d}" for j in range(30)]
    holdings = platform_book(rng, 80, 30, held=6)
    rows = long_rows(holdings, names, rng)
    rows.loc[0, "shares"] = np.nan  # a listed count left blank: that account's note
    frame = pd.DataFrame(prices, columns=names)
    dense = api.book_betas(frame, holdings, market)
    book = api.book_betas(frame, rows.rename(columns={"ticker": " Ticker"}), market)
    first = list(dict.fromkeys(rows["account"]))
    assert book.accounts == tuple(first)
    order = [int(a.split()[1]) for a in first]
    blank = first.index(rows.loc[0, "account"])
    assert (
        book.notes[blank]
        == f"share count of {rows.loc[0, 'ticker']} is empty or an error: enter 0 for an asset not held"
    )
    keep = np.array([k != blank for k in range(len(first))])
    for name in FIGURES:
        np.testing.assert_allclose(getattr(book, name)[keep], getattr(dense, name)[order][keep], rtol=TOL, atol=TOL)


def test_long_rows_that_cannot_be_read_are_the_books_error(rng):
    prices, market = random_market(rng, 60, 3)
    frame = pd.DataFrame(prices, columns=["A", "B", "C"])
    rows = pd.DataFrame({"account": ["x", "x", "y"], "ticker": ["A", "B", "A"], "shares": [1.0, 2.0, 3.0]})
    for bad, message in (
        (rows.assign(ticker=["A", "Z", "Q"]), "holdings has tickers that are not assets of prices: Q, Z"),
        (rows.assign(ticker=["A", "A", "B"]), "holdings: account x lists A twice"),
        (rows.assign(account=["x", None, "y"]), "holdings row 2 has no account"),
        (rows.assign(shares=["1", "two", "3"]), "holdings' shares column holds text that is not a number"),
    ):
        with pytest.raises(PortbetaError, match=f"^book_betas: {message}"):
            api.book_betas(frame, bad, market)
    with pytest.raises(PortbetaError, match="need prices with a header row of names"):
        api.book_betas(prices, rows, market)
    assert api.book_betas(frame, rows, market).accounts == ("x", "y")


def test_a_sparse_book_makes_no_accounts_by_assets_array(rng):
    """20,000 accounts of 3,000 assets: a dense K x N float array would be 480 MB."""
    prices, market = random_market(rng, 40, 3000)
    k = 20_000
    columns = rng.integers(0, 3000, (k, 3))
    holdings = sparse.csr_array((np.ones(3 * k), columns.ravel(), np.arange(0, 3 * k + 1, 3)), shape=(k, 3000))
    tracemalloc.start()
    try:
        book = api.book_betas(prices, holdings, market, threads=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert book.valid.all()
    assert peak < 0.1 * 8 * k * 3000


@pytest.mark.parametrize("threads", [2, 3, None])
def test_blocks_on_threads_give_the_one_thread_figures_to_the_bit(rng, monkeypatch, threads):
    monkeypatch.setattr(core, "_BOOK_BLOCK", 16)  # many blocks in a small book
    prices, market = random_market(rng, 120, 8)
    holdings = rng.integers(0, 300, (100, 8)).astype(float)
    for given in (holdings, sparse.csr_array(holdings)):
        one = api.book_betas(prices, given, market, threads=1)
        many = api.book_betas(prices, given, market, threads=threads)
        for name in (*FIGURES, "gap_t", "valid"):
            np.testing.assert_array_equal(getattr(many, name), getattr(one, name), err_msg=name)


def test_threads_default_to_every_core_and_excel_keeps_one(rng, monkeypatch):
    seen = []
    figures = core.book_figures

    def spy(*args, threads=1):
        seen.append(threads)
        return figures(*args, threads=threads)

    monkeypatch.setattr(core, "book_figures", spy)
    prices, market = random_market(rng, 60, 3)
    holdings = rng.integers(1, 300, (4, 3)).astype(float)
    api.book_betas(prices, holdings, market)
    udfs.portbeta_book(prices, holdings, market)
    api.book_betas(prices, holdings, market, threads=2)
    assert seen == [api.usable_cores(), 1, 2]
    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(PortbetaError, match=r"^book_betas: threads is .*: give a whole number of threads"):
            api.book_betas(prices, holdings, market, threads=bad)
    with pytest.raises(TypeError, match="book_betas"):
        api.book_betas(prices, holdings, market, thread=2)


def test_cli_book_reads_long_rows_sparse_and_takes_threads(tmp_path, rng):
    prices, market = random_market(rng, 80, 6)
    names = [f"T{j}" for j in range(6)]
    frame = pd.DataFrame(prices, columns=names).assign(SPX=market)
    frame.insert(0, "date", pd.bdate_range("2024-01-01", periods=80).strftime("%Y-%m-%d"))
    frame.to_csv(tmp_path / "prices.csv", index=False)
    holdings = platform_book(rng, 7, 6, held=3)
    long_rows(holdings, names, rng).to_csv(tmp_path / "book.csv", index=False)
    common = ["book", str(tmp_path / "prices.csv"), "--market", "SPX", "--json"]
    one = cli(*common, "--holdings", str(tmp_path / "book.csv"), "--threads", "1")
    two = cli(*common, "--holdings", str(tmp_path / "book.csv"), "--threads", "2")
    assert one.stdout == two.stdout
    dense = api.book_betas(frame[names], holdings, market)
    accounts = {a["account"]: a for a in json.loads(one.stdout)["accounts"]}
    for k in range(7):
        assert accounts[f"acct {k}"]["reg"] == pytest.approx(dense.reg[k], abs=TOL)
    pytest.importorskip("pyarrow")  # an optional reader: not a test dependency
    long_rows(holdings, names, rng).to_parquet(tmp_path / "book.parquet")
    parquet = cli(*common, "--holdings", str(tmp_path / "book.parquet"))
    assert json.loads(parquet.stdout)["accounts"] == json.loads(one.stdout)["accounts"]


def test_a_sparse_book_against_several_benchmarks_is_each_dense_book(rng):
    prices, market = random_market(rng, 120, 8)
    _, other = random_market(rng, 120, 1)
    holdings = platform_book(rng, 20, 8, held=3)
    markets = pd.DataFrame({"SPX": market, "AGG": other})
    dense = api.book_betas(prices, holdings, markets, threads=1)
    book = api.book_betas(prices, sparse.csr_array(holdings), markets)
    assert book.benchmarks == dense.benchmarks == ("SPX", "AGG")
    for name in ("SPX", "AGG"):
        assert_same_figures(book[name], dense[name])
