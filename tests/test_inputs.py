"""The input reader (xl_portbeta.inputs): every fast path gives exactly what the general
path gives, and cells are classified as the runtimes send them."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import xl_portbeta as pb
from xl_portbeta import PortbetaError, udfs
from xl_portbeta.inputs import _cells_one_by_one, read_numbers

from conftest import BONDS, BOND_DATES as DATES, BOND_MARKET as MARKET, BOND_PRICES as PRICES, BOND_SHARES as SHARES, NA_COM, NA_OFFICEJS


NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=False, width=64),
    st.integers(-(10**6), 10**6),
    # COM error codes as ints are error cells; the same value as a float is a number
    st.sampled_from([None, -2146826246, -2146826281, -2146826246.0, 0, 1, 2.5]),
    st.sampled_from([np.float32(1.5), np.int16(7), np.int64(-2146826246), np.float64("nan")]),
)


# Missing cells as the Office.js runtimes send them: blanks as text, error values as
# objects or text. Mixed with numbers they take the reader's second fast path.
OFFICEJS_MISSING = st.sampled_from(
    ["", "  ", "#N/A", np.str_(""), {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}, {"type": "Error"}]
)


def general(rows):
    return _cells_one_by_one(rows, "prices", "a price", 1)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.lists(st.lists(NUMBERS, min_size=n, max_size=n), min_size=1, max_size=8)))
def test_plain_numbers_fast_path_equals_the_general_path(rows):
    fast = read_numbers(rows, "prices").values
    np.testing.assert_array_equal(fast, general(rows))  # NaN where the general path has NaN


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.lists(st.lists(st.one_of(NUMBERS, OFFICEJS_MISSING), min_size=n, max_size=n), min_size=1, max_size=8)
    )
)
def test_numbers_among_officejs_blanks_and_errors_fast_path_equals_the_general_path(rows):
    fast = read_numbers(rows, "prices").values
    np.testing.assert_array_equal(fast, general(rows))


@pytest.mark.parametrize("bad", ["n/a", "12.5", True, np.False_, {"type": "Double"}])
@pytest.mark.parametrize("blank", [None, ""])
def test_a_bad_cell_among_blanks_gets_the_general_paths_message(bad, blank):
    rows = [[1.0, blank, 2.0], [3.0, 4.0, blank], [5.0, bad, 6.0]]
    with pytest.raises(PortbetaError) as fast:
        read_numbers(rows, "prices", "a price")
    with pytest.raises(PortbetaError) as slow:
        general(rows)
    assert str(fast.value) == str(slow.value)
    assert "prices row 3, column 2" in str(fast.value)


@settings(max_examples=300, deadline=None)
@given(hnp.arrays(st.sampled_from([np.float64, np.float32, np.int64, np.int32]), hnp.array_shapes(min_dims=1, max_dims=2),
                  elements=st.integers(-(10**6), 10**6)))  # fmt: skip
def test_numeric_array_fast_path_equals_reading_its_list(array):
    fast = read_numbers(array, "prices").values
    listed = array.tolist()
    rows = [[v] for v in listed] if array.ndim == 1 else listed
    np.testing.assert_array_equal(fast, general(rows))


@pytest.mark.parametrize(
    "rows",
    [
        [[1.0, float("inf")]],
        [[1, float("-inf")]],
    ],
)
def test_infinity_is_an_error_on_every_path(rows):
    with pytest.raises(PortbetaError, match="holds an infinite value"):
        read_numbers(rows, "prices")
    with pytest.raises(PortbetaError, match="holds an infinite value"):
        read_numbers(np.array(rows, dtype=float), "prices")


def test_logical_values_never_take_the_fast_path():
    """np.array([[True, 1.0]], dtype=float) would silently give 1.0."""
    for rows in ([[True, 1.0]], [[1, False]], [[np.True_, 2.0]]):
        with pytest.raises(PortbetaError, match="a logical value"):
            read_numbers(rows, "prices")


def test_pandas_missing_values_are_missing():
    import pandas as pd

    values = read_numbers([[1.0, pd.NA], [pd.NaT, 2]], "prices").values
    assert values[0, 0] == 1.0 and values[1, 1] == 2.0
    assert math.isnan(values[0, 1]) and math.isnan(values[1, 0])


def test_a_float_equal_to_a_com_error_code_is_a_number_beside_text_blanks():
    """Only an int is a COM error code (found in review: the float was taken for #N/A)."""
    rows = [[1.5], [" "], [-2146826246.0], [-2146826246]]
    values = read_numbers(rows, "prices").values.ravel()
    np.testing.assert_array_equal(values, general(rows).ravel())
    assert values[2] == -2146826246.0 and math.isnan(values[3])


def test_an_int_beyond_float_range_is_named_not_an_overflow_error():
    for rows in ([[10**400], [1.0]], [[1.0, ""], [-(10**400), 2.0]]):
        with pytest.raises(PortbetaError, match="too large to compute with"):
            read_numbers(rows, "prices", "a price")


@pytest.mark.parametrize("error", [NA_COM, NA_OFFICEJS, "#N/A"])
@pytest.mark.parametrize("arg", ["dates", "frequency", "rf", "as_of"])
def test_an_error_value_in_an_optional_argument_is_an_error_not_the_default(arg, error):
    """A failed lookup in as_of must not silently become 'the last row'."""
    kwargs = {"dates": DATES, "frequency": "daily", "rf": 0.0, "as_of": None}
    kwargs[arg] = error
    with pytest.raises(PortbetaError, match=rf"^PORTBETA_WTD: {arg} is an error value"):
        udfs.portbeta_wtd(PRICES, SHARES, MARKET, **kwargs)


def test_a_one_cell_rf_range_holding_an_error_is_an_error():
    with pytest.raises(PortbetaError, match=r"^PORTBETA_REG: rf is an error value"):
        udfs.portbeta_reg(PRICES, SHARES, MARKET, None, None, [[NA_COM]])


@pytest.mark.parametrize("as_of", ["2024-01-10 close", "2024-13-01", "soon"])
def test_odd_as_of_text_is_our_error(as_of):
    with pytest.raises(PortbetaError, match=r"^PORTBETA_WTD: as_of .* is not a date"):
        udfs.portbeta_wtd(PRICES, SHARES, MARKET, DATES, None, None, as_of)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_window_or_row_is_our_error(value):
    with pytest.raises(PortbetaError, match=r"^PORTBETA_ROLLING: window"):
        udfs.portbeta_rolling(PRICES, SHARES, MARKET, value)
    with pytest.raises(PortbetaError, match=r"^PORTBETA_WTD: as_of"):
        udfs.portbeta_wtd(PRICES, SHARES, MARKET, None, None, None, value)


def test_pandas_labels_are_headers_never_data():
    values = np.column_stack([BONDS["bond_a"], BONDS["bond_b"]])
    expected = pb.portfolio_beta(values, BONDS["shares"], BONDS["market"])
    unlabelled = pb.portfolio_beta(pd.DataFrame(values), BONDS["shares"], pd.DataFrame(BONDS["market"]))
    numbered = pb.portfolio_beta(pd.DataFrame(values, columns=[1, 2]), BONDS["shares"], pd.DataFrame(BONDS["market"], columns=[3]))
    tickers = pb.portfolio_beta(pd.DataFrame(values, columns=["7203", "6758"]), BONDS["shares"], BONDS["market"])
    for result in (unlabelled, numbered, tickers):
        assert result.reg == pytest.approx(expected.reg, abs=1e-14)
    assert tickers.names == ("7203", "6758")


@given(st.lists(st.integers(1, 132_319), min_size=1, max_size=40))
@settings(max_examples=200, deadline=None)
def test_whole_serial_dates_fast_path_equals_the_cell_by_cell_path(serials):
    from xl_portbeta import inputs

    cells = [float(v) if k % 2 else v for k, v in enumerate(serials)]  # Office.js sends floats; ints too
    fast, _, _ = inputs.read_dates([[v] for v in cells])
    general = np.array([inputs._cell_to_date(v) for v in cells], dtype="datetime64[ns]")
    np.testing.assert_array_equal(fast, general)
    assert inputs._whole_serial_dates(cells) is not None  # the fast path was taken
    assert inputs._whole_serial_dates(cells + [45000.5]) is None  # a time of day: cell by cell
    assert inputs._whole_serial_dates(cells + [-2146826246]) is None  # #N/A through COM


@pytest.mark.parametrize("late", [132_320.0, 200_000.0, dt.datetime(2300, 1, 1)])
def test_a_date_after_2262_is_refused_not_wrapped_around(late):
    """Regression (issue 14): serials above about 132,000 wrapped around in datetime64[ns]
    (weekly betas changed, dates showed as 1726)."""
    from xl_portbeta import inputs

    cells = [[45000.0], [45001.0], [late]]
    with pytest.raises(PortbetaError, match=r"^dates row 3 is 2\d{3}-\d\d-\d\d, after 2262-04-10, the last date"):
        inputs.read_dates(cells)
    assert inputs.read_dates([[45000.0], [132_319.0]])[0][-1] == np.datetime64("2262-04-10")


def test_a_date_before_1677_is_refused_not_wrapped_around():
    """Found in review: datetimes before 1677-09-22 wrapped around into 2262."""
    from xl_portbeta import inputs

    cells = [[dt.datetime(1677, 9, 20)], [dt.datetime(1677, 9, 21)], [dt.datetime(1677, 9, 22)]]
    with pytest.raises(PortbetaError, match=r"^dates row 1 is 1677-09-20, before 1677-09-22, the first date"):
        inputs.read_dates(cells)
    assert inputs.read_dates(cells[2:])[0][0] == np.datetime64("1677-09-22")
