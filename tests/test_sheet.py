"""Results as cells (xl_portbeta.sheet): labelled tables, never NaN, and the one
declaration of PORTBETA_STATS' rows that every table reads."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from conftest import random_market

from xl_portbeta import api, udfs
from xl_portbeta.datasets import demo_portfolio


def test_stats_table_is_labelled_and_never_holds_nan():
    prices, shares, market = demo_portfolio()
    table = udfs.portbeta_stats(prices, shares, market, prices.index.to_numpy())
    assert table[0] == ["statistic", "actual holdings", "current weights", "difference", "note"]
    labels = [r[0] for r in table[1:]]
    for needed in ("beta", "standard error of beta", "t statistic", "95% CI low", "95% CI high", "R²",
                   "alpha per period", "alpha annualized", "residual volatility annualized", "observations",
                   "first date used", "last date used", "dates dropped for missing data", "up-market beta",
                   "down-market beta", "timing ratio (up / down)", "downside beta (Estrada)", "Blume-adjusted beta"):  # fmt: skip
        assert needed in labels
    assert all(len(r) == 5 for r in table)
    for r in table:
        for v in r:
            assert not (isinstance(v, float) and not math.isfinite(v))
    rows = {r[0]: r for r in table}
    assert rows["beta"][3] == pytest.approx(rows["beta"][1] - rows["beta"][2], abs=1e-15)
    assert rows["first date used"][1] == pd.Timestamp("2022-01-03").to_pydatetime()
    assert rows["observations"][1] == len(prices) - 1


def test_a_regime_with_fewer_than_3_periods_is_an_empty_cell_with_a_note(rng):
    prices, _ = random_market(rng, 8, 2)
    market = np.array([100, 101, 102, 101.5, 103, 104, 105, 106.5])  # one down period
    table = udfs.portbeta_stats(prices, [1, 1], market)
    rows = {r[0]: r for r in table}
    assert rows["down-market beta"][1:4] == [None, None, None]
    assert "fewer than 3 down-market periods" in rows["down-market beta"][4]
    assert rows["timing ratio (up / down)"][1] is None
    assert isinstance(rows["up-market beta"][1], float)


def test_a_row_added_to_the_declaration_shows_in_the_cells_the_cli_and_the_json(monkeypatch):
    """STATS_ROWS is the one place: a new row reaches every table that shows the statistics."""
    from xl_portbeta import cli, tables

    extra = tables.StatRow("twice_beta", "twice the beta", lambda s, _: 2 * s.fit.beta, "2 × beta", "0.00")
    monkeypatch.setattr(tables, "STATS_ROWS", tables.STATS_ROWS + (extra,))
    prices, shares, market = demo_portfolio()
    dates = prices.index.to_numpy()
    table = udfs.portbeta_stats(prices, shares, market, dates)
    rows = {r[0]: r for r in table}
    result = api.portfolio_beta(prices, shares, market, dates)
    assert len(table) == len(tables.STATS_ROWS) + 1
    assert rows["twice the beta"][1] == pytest.approx(2 * result.reg, abs=1e-12)
    assert rows["twice the beta"][3] == pytest.approx(2 * result.gap, abs=1e-12)
    assert rows["twice the beta"][4] == "2 × beta"
    stats, detail = cli.analyze(prices=prices, shares=shares, market=market, dates=dates)
    assert "twice the beta" in cli.format_report(stats, detail, "title")
    assert cli.report_dict(stats, detail)["stats"]["twice_beta"]["actual_holdings"] == pytest.approx(2 * result.reg)


def test_every_declared_row_is_in_the_table_once_with_its_number_format():
    from xl_portbeta import tables

    keys = [r.key for r in tables.STATS_ROWS]
    labels = [r.label for r in tables.STATS_ROWS]
    assert len(set(keys)) == len(keys) and len(set(labels)) == len(labels)
    assert all(key.isidentifier() and key == key.lower() for key in keys)  # snake_case
    assert all(r.number_format for r in tables.STATS_ROWS)
    prices, shares, market = demo_portfolio()
    table = udfs.portbeta_stats(prices, shares, market, prices.index.to_numpy())
    assert [r[0] for r in table[1:]] == labels


def test_label_cells_are_pandas_own_datetimes_of_the_sample_dates(rng):
    """The dates a rolling table starts its rows with, made all at once, are what
    pandas' Timestamp.to_pydatetime gives one by one (tables.label): before 1970 too,
    with fractions of a day, and with nanoseconds cut to microseconds."""
    import warnings

    from xl_portbeta import sheet

    nanoseconds = rng.integers(-2_208_988_800 * 10**9, 4_102_444_800 * 10**9, 500)  # 1900 to 2100
    nanoseconds[:3] = [0, -1, 1_500]  # the epoch, 1 ns before it, 1.5 us after it
    values = nanoseconds.astype("datetime64[ns]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Discarding nonzero nanoseconds"
        expected = [end.to_pydatetime() for end in pd.DatetimeIndex(values)]
    got = sheet.label_cells(values)
    assert got == expected and {type(d) for d in got} == {dt.datetime}
    assert got[1] == dt.datetime(1969, 12, 31, 23, 59, 59, 999999)
    rows = sheet.label_cells(np.array([3, 4, 5]))  # row numbers stay as they are, Python ints
    assert rows == [3, 4, 5] and {type(r) for r in rows} == {int}
