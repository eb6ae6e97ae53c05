"""A beta cap (issue 22, item 4): each beta's one-sided p-value above the cap, its verdict
at 95% and, in a book, the accounts whose breach the method decides; and a book's
per-account sample (issue 21, item 6). p-values against scipy's t on statsmodels' OLS of
returns built by hand; nothing changes when no cap is given."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import cli, random_market
from references import excess, statsmodels_fit, value_returns
from scipy import stats as scipy_stats

from xl_portbeta import PortbetaError, api, core, tables, udfs


def p_reference(beta, se, cap, n):
    """P(T > (beta - cap) / se), T Student's t with n - 2 degrees of freedom: scipy's t."""
    return scipy_stats.t.sf((beta - cap) / se, df=n - 2)


def fits_by_hand(prices, shares, market, as_of=-1):
    """statsmodels OLS of the actual holdings' and the as_of-rebalanced portfolio's returns."""
    m = excess(market)
    actual = statsmodels_fit(value_returns(prices, shares), m)
    value = np.asarray(shares, float) * prices[as_of]
    current = statsmodels_fit(excess(prices) @ (value / value.sum()), m)
    return actual, current


def verdict_reference(p):
    return "above" if p < 0.05 else "below" if p > 0.95 else "within noise"


# --------------------------------------------------------------------- the p-value


def test_p_above_cap_is_scipys_upper_tail_of_t(rng):
    beta, se = rng.uniform(-1, 2, 50), rng.uniform(0.001, 0.5, 50)
    for n in (5, 30, 252):
        for cap in (0.8, 1.2):
            got = core.p_above_cap(beta, se, cap, n)
            np.testing.assert_allclose(got, scipy_stats.t.sf((beta - cap) / se, df=n - 2), rtol=1e-12, atol=1e-300)
    # far in the tails a small p keeps its digits (1 - cdf would round to 0 or lose them)
    assert core.p_above_cap(2.0, 0.01, 1.2, 252) == pytest.approx(scipy_stats.t.sf(80.0, 250), rel=1e-10)
    assert 0 < core.p_above_cap(2.0, 0.01, 1.2, 252) < 1e-100
    assert core.p_above_cap(1.2, 0.1, 1.2, 30) == 0.5  # on the cap: even odds
    # an exact fit: the beta is known; on the cap itself, no p-value
    assert core.p_above_cap(1.3, 0.0, 1.2, 30) == 0.0 and core.p_above_cap(1.1, 0.0, 1.2, 30) == 1.0
    assert np.isnan(core.p_above_cap(1.2, 0.0, 1.2, 30)) and np.isnan(core.p_above_cap(np.nan, 0.1, 1.2, 30))


def test_the_verdict_is_two_one_sided_tests_at_95_percent():
    assert [core.cap_verdict(p) for p in (0.0, 0.0499, 0.05, 0.5, 0.95, 0.9501, 1.0)] == [
        "above", "above", "within noise", "within noise", "within noise", "below", "below",
    ]  # fmt: skip
    assert core.cap_verdict(float("nan")) is None


# --------------------------------------------------------------------- PORTBETA_STATS


def test_stats_rows_of_the_cap_against_statsmodels_and_scipy(rng):
    prices, market = random_market(rng, 253, 5)
    shares = rng.integers(10, 200, 5).astype(float)
    actual, current = fits_by_hand(prices, shares, market)
    n = len(market) - 1
    for cap in (actual.params[1] - 3 * actual.bse[1], actual.params[1], actual.params[1] + 3 * actual.bse[1], 1.2):
        stats = api.portfolio_stats(prices, shares, market, cap=cap)
        want = [p_reference(f.params[1], f.bse[1], cap, n) for f in (actual, current)]
        assert [stats.actual.p_above_cap, stats.current.p_above_cap] == pytest.approx(want, rel=1e-9, abs=1e-15)
        assert stats.actual.cap_verdict == verdict_reference(want[0])
        assert stats.current.cap_verdict == verdict_reference(want[1])
        table = {row[0]: row for row in udfs.portbeta_stats(prices, shares, market, None, None, None, None, cap)}
        assert table["beta cap"][1:4] == [cap, cap, None]
        assert table["p-value, beta above the cap"][1:3] == pytest.approx(want, rel=1e-9, abs=1e-15)
        assert table["beta vs the cap at 95%"][1:4] == [verdict_reference(want[0]), verdict_reference(want[1]), None]
        assert f"beta - {cap:g}" in table["p-value, beta above the cap"][-1]
    verdicts = {api.portfolio_stats(prices, shares, market, cap=c).actual.cap_verdict for c in (0.0, 5.0)}
    assert verdicts == {"above", "below"}


def test_without_a_cap_nothing_changes(rng):
    prices, market = random_market(rng, 120, 4)
    shares = [10, 20, 30, 40]
    plain = udfs.portbeta_stats(prices, shares, market)
    assert [row[0] for row in plain[1:]] == [r.label for r in tables.STATS_ROWS]
    assert udfs.portbeta_stats(prices, shares, market, None, None, None, None, None) == plain
    assert udfs.portbeta_stats(prices, shares, market, None, None, None, None, "") == plain  # an empty cell
    with_cap = udfs.portbeta_stats(prices, shares, market, None, None, None, None, 1.2)
    assert with_cap[: len(plain)] == plain  # the cap's rows come after every other row, which stay as they were
    assert [row[0] for row in with_cap[len(plain) :]] == [r.label for r in tables.STATS_CAP_ROWS]
    book = udfs.portbeta_book(prices, [shares, [1, 0, 0, 0]], market)
    assert book[0] == [c.header for c in tables.BOOK_COLUMNS]
    assert list(api.book_betas(prices, [shares], market).to_frame().columns) == [c.key for c in tables.BOOK_COLUMNS[1:]]
    result = api.portfolio_beta(prices, shares, market)
    assert api.stats_of(result) is result.stats  # computed once, as before
    assert api.stats_of(result, cap=1.2).actual.fit == result.stats.actual.fit


@pytest.mark.parametrize(
    ("cap", "message"),
    [
        ("120%", r"^PORTBETA_STATS: cap holds text '120%', a number stored as text: enter 1.2 \(or 120%\) as a number"),
        ("1.2", r"^PORTBETA_STATS: cap holds text '1.2', a number stored as text"),
        ("high", r"^PORTBETA_STATS: cap holds text 'high', not a beta"),
        (True, r"^PORTBETA_STATS: cap True is not a finite number: give the beta cap as a number, e.g. 1.2"),
        (float("inf"), r"^PORTBETA_STATS: cap inf is not a finite number"),
        (float("nan"), r"^PORTBETA_STATS: cap is an error value or NaN"),
        ([[1.2, 1.3]], r"^PORTBETA_STATS: cap must be one value, not a range"),
    ],
)
def test_a_bad_cap_is_an_error_naming_the_function_and_the_argument(rng, cap, message):
    prices, market = random_market(rng, 30, 2)
    with pytest.raises(PortbetaError, match=message):
        udfs.portbeta_stats(prices, [1, 1], market, None, None, None, None, cap)
    with pytest.raises(PortbetaError, match=message.replace("PORTBETA_STATS", "PORTBETA_BOOK")):
        udfs.portbeta_book(prices, [[1, 1]], market, None, None, None, None, cap)
    with pytest.raises(PortbetaError, match=message.replace("PORTBETA_STATS", "portfolio_stats")):
        api.portfolio_stats(prices, [1, 1], market, cap=cap)


# --------------------------------------------------------------------- PORTBETA_BOOK


def book_case(rng):
    prices, market = random_market(rng, 200, 5, noise=0.01)
    holdings = rng.integers(0, 300, (30, 5)).astype(float)
    holdings[:, 0] *= 10  # asset 1's weight drifts most: REG and WTD part
    return prices, holdings, market


def test_book_p_values_equal_each_accounts_stats_and_scipy(rng):
    prices, holdings, market = book_case(rng)
    cap = 1.0
    book = api.book_betas(prices, holdings, market, cap=cap, as_of=150)
    n = len(market) - 1
    for k, shares in enumerate(holdings):
        stats = api.portfolio_stats(prices, shares, market, as_of=150, cap=cap)
        assert book.reg_p_above_cap[k] == pytest.approx(stats.actual.p_above_cap, rel=1e-9, abs=1e-15)
        assert book.wtd_p_above_cap[k] == pytest.approx(stats.current.p_above_cap, rel=1e-9, abs=1e-15)
        actual, current = fits_by_hand(prices, shares, market, as_of=149)
        assert book.reg_p_above_cap[k] == pytest.approx(p_reference(actual.params[1], actual.bse[1], cap, n), rel=1e-8)
        assert book.wtd_p_above_cap[k] == pytest.approx(
            p_reference(current.params[1], current.bse[1], cap, n), rel=1e-8
        )
        assert book.reg_cap_verdict[k] == stats.actual.cap_verdict
        assert book.wtd_cap_verdict[k] == stats.current.cap_verdict
    assert np.isnan(api.book_betas(prices, holdings, market).reg_p_above_cap).all()  # no cap, no p-value


def test_the_book_lists_the_accounts_whose_breach_the_method_decides(rng):
    prices, holdings, market = book_case(rng)
    plain = api.book_betas(prices, holdings, market)
    cap = float(np.median((plain.reg + plain.wtd) / 2))  # a cap among the accounts' betas
    book = api.book_betas(prices, holdings, market, cap=cap)
    reg_only = tuple(a for a, r, w in zip(book.accounts, plain.reg, plain.wtd, strict=True) if r > cap >= w)
    wtd_only = tuple(a for a, r, w in zip(book.accounts, plain.reg, plain.wtd, strict=True) if w > cap >= r)
    assert reg_only or wtd_only, "the case must have accounts whose breach the method decides"
    assert book.breached_by("REG") == reg_only and book.breached_by("WTD") == wtd_only
    want = ["REG and WTD" if r > cap and w > cap else "REG only" if r > cap else "WTD only" if w > cap else "neither"
            for r, w in zip(plain.reg, plain.wtd, strict=True)]  # fmt: skip
    assert list(book.cap_breach) == want
    table = udfs.portbeta_book(prices, holdings, market, None, None, None, None, cap)
    assert table[0] == [c.header for c in tables.book_columns(True)] and table[0][-1] == "note"
    column = {h: j for j, h in enumerate(table[0])}
    assert [row[column["cap breached by"]] for row in table[1:]] == want
    assert [row[column["REG p above cap"]] for row in table[1:]] == pytest.approx(list(book.reg_p_above_cap))
    assert [row[column["WTD vs cap at 95%"]] for row in table[1:]] == list(book.wtd_cap_verdict)
    with pytest.raises(PortbetaError, match=r'method \'GAP\' is not "REG" or "WTD"'):
        book.breached_by("GAP")


# --------------------------------------------------------------------- each account's sample (issue 21, item 6)


def test_each_accounts_sample_is_its_single_portfolio_sample(rng):
    prices, market = random_market(rng, 150, 4)
    prices[:30, 0] = np.nan  # asset 1 lists 30 rows late (a late IPO)
    prices[100, 3] = np.nan  # asset 4 misses one price
    holdings = np.array([[10, 20, 0, 0], [0, 20, 30, 0], [0, 5, 5, 9], [3, 0, 0, 9], [0, 7, 0, 0]], dtype=float)
    dates = pd.bdate_range("2023-01-02", periods=150)
    book = api.book_betas(prices, holdings, market, dates.to_numpy(), as_of=dates[120])
    for k, shares in enumerate(holdings):
        sample = api.build_sample(prices, shares, market, dates.to_numpy(), as_of=dates[120])
        got = (book.first_date[k], book.last_date[k], book.as_of[k], book.periods_per_year[k])
        assert got == (sample.labels[0], sample.labels[-1], sample.as_of, sample.periods_per_year)
    # most accounts (2 and 5, no asset with holes) stand on every date; the others say why theirs differ
    assert book.first_date[0] == dates[30] and book.first_date[1] == dates[0]
    assert [bool(n) for n in book.sample_notes] == [True, False, True, True, False]
    late = "it holds asset 1, whose prices are missing on some dates (a late listing: its sample starts later)"
    assert late in book.sample_notes[0]
    assert book.sample_notes[2].endswith("it holds asset 4, whose prices are missing on some dates")  # a gap, not late
    assert f"its own dates: {dates[30]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d}, 119 returns" in book.sample_notes[0]
    assert "it holds asset 1, asset 4" in book.sample_notes[3]
    table = udfs.portbeta_book(prices, holdings, market, dates.to_numpy(), None, None, dates[120])
    column = {h: j for j, h in enumerate(table[0])}
    first = table[1][column["first date used"]]
    assert first == dates[30].to_pydatetime() and table[1][column["periods per year"]] == 252
    assert table[2][column["weights as of"]] == dates[120].to_pydatetime()
    assert table[1][-1] == book.sample_notes[0] and table[2][-1] is None  # the note column: figures kept
    assert table[1][column["REG"]] == pytest.approx(book.reg[0])


def test_no_note_when_every_account_has_the_same_sample(rng):
    prices, market = random_market(rng, 60, 3)
    book = api.book_betas(prices, [[1, 2, 3], [3, 2, 1], [0, 0, 0]], market)
    assert book.sample_notes == ("", "", "")
    assert book.first_date == (1, 1, None) and book.last_date == (60, 60, None)  # rows, without dates
    assert list(book.periods_per_year) == [252, 252, 0]


# --------------------------------------------------------------------- the command line


def test_cli_beta_cap_on_demo_and_analyze(tmp_path):
    run = cli("demo", "--beta-cap", "0.85", "--json")
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    n = data["stats"]["observations"]["actual_holdings"]
    for column in ("actual_holdings", "current_weights"):
        beta, se = data["stats"]["beta"][column], data["stats"]["standard_error"][column]
        p = data["stats"]["p_above_cap"][column]
        assert p == pytest.approx(p_reference(beta, se, 0.85, n), rel=1e-9)
        assert data["stats"]["cap_verdict"][column] == verdict_reference(p)
    assert data["stats"]["beta_cap"] == {"actual_holdings": 0.85, "current_weights": 0.85, "difference": None}
    plain = json.loads(cli("demo", "--json").stdout)
    assert set(data["stats"]) - set(plain["stats"]) == {"beta_cap", "p_above_cap", "cap_verdict"}
    assert {k: v for k, v in data["stats"].items() if k in plain["stats"]} == plain["stats"]
    text = cli("demo", "--beta-cap", "0.85").stdout
    assert "p-value, beta above the cap" in text and "within noise" in text
    bad = cli("demo", "--beta-cap", "120%")
    assert bad.returncode == 2 and "xl-portbeta demo: --beta-cap '120%': give the beta cap as a number" in bad.stderr
    assert cli("demo", "--beta-cap", "nan").returncode == 2


def test_cli_book_lists_the_breaches_the_method_decides(tmp_path, rng):
    prices, holdings, market = book_case(rng)
    dates = pd.bdate_range("2022-01-03", periods=len(market))
    frame = pd.DataFrame(prices, index=pd.Index(dates, name="date"), columns=[f"T{i}" for i in range(5)])
    frame["SP500"] = market
    path = tmp_path / "prices.csv"
    frame.to_csv(path, date_format="%Y-%m-%d")
    accounts = pd.DataFrame(
        holdings, columns=frame.columns[:5], index=pd.Index([f"acct{k}" for k in range(30)], name="account")
    )
    held = tmp_path / "accounts.csv"
    accounts.to_csv(held)
    plain = api.book_betas(prices, holdings, market)
    cap = float(np.median((plain.reg + plain.wtd) / 2))
    book = api.book_betas(prices, holdings, market, cap=cap)
    common = [str(path), "--market", "SP500", "--holdings", str(held), "--beta-cap", repr(cap)]
    data = json.loads(cli("book", *common, "--json").stdout)
    assert data["beta_cap"]["cap"] == cap
    assert data["beta_cap"]["breach_reg_not_wtd"] == [f"acct{book.accounts.index(a)}" for a in book.breached_by("REG")]
    assert data["beta_cap"]["breach_wtd_not_reg"] == [f"acct{book.accounts.index(a)}" for a in book.breached_by("WTD")]
    records = {r["account"]: r for r in data["accounts"]}
    for k in range(30):
        assert records[f"acct{k}"]["reg_p_above_cap"] == pytest.approx(book.reg_p_above_cap[k], rel=1e-12)
        assert records[f"acct{k}"]["cap_breach"] == book.cap_breach[k]
    text = cli("book", *common).stdout
    lines = text.splitlines()
    for method, reg_above in (("REG", True), ("WTD", False)):  # by hand: above the cap under one beta only
        names = [f"acct{k}" for k, (r, w) in enumerate(zip(plain.reg, plain.wtd, strict=True))
                 if (r > cap >= w if reg_above else w > cap >= r)]  # fmt: skip
        line = next(line for line in lines if line.startswith(f"  under {method}, not under "))
        assert line.split(": ", 1)[1] == (", ".join(names) or "none")
    assert "REG p above cap" in text and "cap breached by" in text
    # analyze of one account's shares: the book's p-values, and its verdicts
    shares = ",".join(f"T{i}={int(v)}" for i, v in enumerate(holdings[7]))
    one = json.loads(cli("analyze", *common[:3], "--shares", shares, "--beta-cap", repr(cap), "--json").stdout)
    assert one["stats"]["p_above_cap"]["actual_holdings"] == pytest.approx(book.reg_p_above_cap[7], rel=1e-9)
    assert one["stats"]["p_above_cap"]["current_weights"] == pytest.approx(book.wtd_p_above_cap[7], rel=1e-9)
    assert one["stats"]["cap_verdict"]["actual_holdings"] == book.reg_cap_verdict[7]
    assert "beta_cap" not in json.loads(cli("book", *common[:-2], "--json").stdout)


def test_with_several_benchmarks_the_cap_applies_to_each(rng):
    prices, holdings, market = book_case(rng)
    second = market * np.concatenate([[1.0], np.cumprod(1 + rng.normal(0, 0.003, len(market) - 1))])
    markets = pd.DataFrame({"SPX": market, "ACWI": second})
    by = api.book_betas(prices, holdings, markets, cap=1.0)
    stats = api.portfolio_stats(prices, holdings[0], markets, cap=1.0)
    for name, alone_market in (("SPX", market), ("ACWI", second)):
        alone = api.book_betas(prices, holdings, alone_market, cap=1.0)
        np.testing.assert_allclose(by[name].reg_p_above_cap, alone.reg_p_above_cap, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(by[name].wtd_p_above_cap, alone.wtd_p_above_cap, rtol=1e-9, atol=1e-15)
        assert by[name].cap_breach == alone.cap_breach
        single = api.portfolio_stats(prices, holdings[0], alone_market, cap=1.0)
        assert stats[name].actual.p_above_cap == pytest.approx(single.actual.p_above_cap, rel=1e-9)
    table = udfs.portbeta_book(prices, holdings, markets, None, None, None, None, 1.0)
    assert [row[1] for row in table if row[0] == "benchmark"] == ["SPX", "ACWI"]
    assert table[1] == [c.header for c in tables.book_columns(True)]
