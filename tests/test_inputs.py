"""The input reader (xl_portbeta.inputs): every fast path gives exactly what the general
path gives, and cells are classified as the runtimes send them."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from conftest import (
    BOND_DATES as DATES,
)
from conftest import (
    BOND_MARKET as MARKET,
)
from conftest import (
    BOND_PRICES as PRICES,
)
from conftest import (
    BOND_SHARES as SHARES,
)
from conftest import (
    BONDS,
    NA_COM,
    NA_OFFICEJS,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import xl_portbeta as pb
from xl_portbeta import PortbetaError, api, udfs
from xl_portbeta.inputs import _cells_one_by_one, read_numbers

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
    [
        "",
        "  ",
        "#N/A",
        np.str_(""),
        {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"},
        {"type": "Error"},
    ]
)


def general(rows):
    return _cells_one_by_one(rows, "prices", "a price", 1)


def fast_unless_subnormal(rows, expected):
    """read_numbers' values, or None when a cell is subnormal (issue 20: its digits are
    lost, and read_numbers refuses it, naming the first such cell)."""
    subnormal = (expected != 0) & (np.abs(expected) < np.finfo(float).tiny)
    if not subnormal.any():
        return read_numbers(rows, "prices").values
    r, c = np.argwhere(subnormal)[0]
    where = f"prices row {r + 1}" + (f", column {c + 1}" if len(rows[0]) > 1 else "")
    with pytest.raises(PortbetaError, match=rf"^{where} holds .*too small to keep its digits"):
        read_numbers(rows, "prices")
    return None


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.lists(st.lists(NUMBERS, min_size=n, max_size=n), min_size=1, max_size=8)))
def test_plain_numbers_fast_path_equals_the_general_path(rows):
    expected = general(rows)
    fast = fast_unless_subnormal(rows, expected)
    if fast is not None:
        np.testing.assert_array_equal(fast, expected)  # NaN where the general path has NaN


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.lists(
            st.lists(st.one_of(NUMBERS, OFFICEJS_MISSING), min_size=n, max_size=n), min_size=1, max_size=8
        )
    )
)
def test_numbers_among_officejs_blanks_and_errors_fast_path_equals_the_general_path(rows):
    expected = general(rows)
    fast = fast_unless_subnormal(rows, expected)
    if fast is not None:
        np.testing.assert_array_equal(fast, expected)


@pytest.mark.parametrize("bad", ["n/a", "12.5", True, np.False_, {"type": "Double"}])
@pytest.mark.parametrize("blank", [None, "", {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}])
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
    numbered = pb.portfolio_beta(
        pd.DataFrame(values, columns=[1, 2]), BONDS["shares"], pd.DataFrame(BONDS["market"], columns=[3])
    )
    tickers = pb.portfolio_beta(pd.DataFrame(values, columns=["7203", "6758"]), BONDS["shares"], BONDS["market"])
    for result in (unlabelled, numbered, tickers):
        assert result.reg == pytest.approx(expected.reg, abs=1e-14)
    assert tickers.names == ("7203", "6758")


@given(st.lists(st.integers(61, 132_319), min_size=1, max_size=40))
@settings(max_examples=200, deadline=None)
def test_whole_serial_dates_fast_path_equals_the_cell_by_cell_path(serials):
    """From serial 61 (1900-03-01) on; serials 1 to 60 (Excel's fake 1900-02-29) are read
    cell by cell. read_dates may refuse dates that fall on Tuesdays to Saturdays only (a
    workbook on the 1904 date system): random days do, now and then."""
    from xl_portbeta import inputs

    cells = [float(v) if k % 2 else v for k, v in enumerate(serials)]  # Office.js sends floats; ints too
    fast = inputs._whole_serial_dates(cells)
    assert fast is not None  # the fast path was taken
    general = np.array([inputs._cell_to_date(v) for v in cells], dtype="datetime64[ns]")
    np.testing.assert_array_equal(fast, general)
    try:
        np.testing.assert_array_equal(inputs.read_dates([[v] for v in cells])[0], general)
    except PortbetaError as error:
        assert "1904 date system" in str(error)
        weekdays = {d.weekday() for d in general.astype("datetime64[us]").tolist()}
        assert 5 in weekdays and not weekdays & {0, 6} and len(weekdays) >= 4 and len(cells) >= 8
    assert inputs._whole_serial_dates(cells + [60]) is None  # Excel's 1900-02-29: cell by cell (refused)
    assert inputs._whole_serial_dates(cells + [45000.5]) is None  # a time of day: cell by cell
    assert inputs._whole_serial_dates(cells + [-2146826246]) is None  # #N/A through COM


@pytest.mark.parametrize(
    "late", [132_320.0, 200_000.0, 2_958_465.0, dt.datetime(2300, 1, 1)]
)  # 9999-12-31: Excel's last
def test_a_date_after_2262_is_refused_not_wrapped_around(late):
    """Regression (issue 14): serials above about 132,000 wrapped around in datetime64[ns]
    (weekly betas changed, dates showed as 1726)."""
    from xl_portbeta import inputs

    cells = [[45000.0], [45001.0], [late]]
    with pytest.raises(
        PortbetaError, match=r"^dates row 3 is (2\d{3}|9999)-\d\d-\d\d, after 2262-04-10, the last date"
    ):
        inputs.read_dates(cells)
    assert inputs.read_dates([[45000.0], [132_319.0]])[0][-1] == np.datetime64("2262-04-10")


def test_a_date_before_1677_is_refused_not_wrapped_around():
    """Found in review: datetimes before 1677-09-22 wrapped around into 2262."""
    from xl_portbeta import inputs

    cells = [[dt.datetime(1677, 9, 20)], [dt.datetime(1677, 9, 21)], [dt.datetime(1677, 9, 22)]]
    with pytest.raises(PortbetaError, match=r"^dates row 1 is 1677-09-20, before 1677-09-22, the first date"):
        inputs.read_dates(cells)
    assert inputs.read_dates(cells[2:])[0][0] == np.datetime64("1677-09-22")


# --------------------------------------------------------------------- issue 14: messages that point at the cell


def _raises(call, message):
    with pytest.raises(PortbetaError) as caught:
        call()
    assert message in str(caught.value), str(caught.value)
    return str(caught.value)


def _bonds_with(r, c, value):
    prices = [list(row) for row in PRICES]
    prices[r][c] = value
    return prices


def test_a_bad_cell_is_named_by_its_row_column_header_and_date_in_excel_and_python():
    """Row and column within the selected range (its header row is row 1), the column's
    header name and the row's date: in Office.js, through COM and from Python."""
    prices = _bonds_with(3, 1, "n/a")
    expected = "prices row 4, column 2 ('Bond B', 2024-01-03) holds text 'n/a', not a price"
    _raises(lambda: udfs.portbeta_reg(prices, SHARES, MARKET, DATES), "PORTBETA_REG: " + expected)
    com = tuple(tuple(row) for row in prices)
    _raises(lambda: udfs.portbeta_wtd(com, SHARES, MARKET, DATES), "PORTBETA_WTD: " + expected)
    _raises(lambda: pb.portfolio_beta(prices, SHARES, MARKET, DATES), "portfolio_beta: " + expected)
    # the checks after reading (a price <= 0, a market level <= 0, a rate) say it the same way
    _raises(lambda: udfs.portbeta_reg(_bonds_with(5, 0, -5.0), SHARES, MARKET, DATES),
            "prices row 6, column 1 ('Bond A', 2024-01-05) is -5: prices must be positive")  # fmt: skip
    market = [["Index"]] + [list(r) for r in MARKET]
    market[8] = [0]
    _raises(lambda: udfs.portbeta_reg(PRICES, SHARES, market, [["Date"]] + DATES),
            "market row 9 ('Index', 2024-01-08) is 0: market levels must be positive")  # fmt: skip
    # no dates, no header: the row and column alone
    bare = [list(r) for r in PRICES[1:]]
    bare[2][0] = "x"
    _raises(lambda: pb.portfolio_beta(bare, SHARES, MARKET), "prices row 3, column 1 holds text 'x', not a price")


def test_rf_pointing_at_text_says_it_holds_text_not_row_counts():
    _raises(lambda: udfs.portbeta_reg(PRICES, SHARES, MARKET, None, None, "n/a"), "rf holds text 'n/a', not a rate")
    _raises(lambda: udfs.portbeta_reg(PRICES, SHARES, MARKET, None, None, [["risk free"]]), "rf holds text 'risk free'")
    # "5%" typed as text: not guessed, the message says to enter it as a number
    _raises(lambda: udfs.portbeta_reg(PRICES, SHARES, MARKET, None, None, "5%"), "enter 5% as a number")
    rates = [["5%"]] + [[0.05]] * 10
    _raises(lambda: udfs.portbeta_reg(PRICES, SHARES, MARKET, None, None, rates),
            "rf row 1 holds text '5%', a number stored as text")  # fmt: skip


def test_an_empty_held_column_or_market_is_named():
    prices = [PRICES[0]] + [[r[0], NA_OFFICEJS] for r in PRICES[1:]]
    _raises(lambda: udfs.portbeta_reg(prices, SHARES, MARKET), "prices column 2 ('Bond B') has no price on any date")
    market = [[None]] * len(MARKET)
    _raises(lambda: udfs.portbeta_reg(PRICES, SHARES, market), "market has no level on any date")


def test_numeric_tickers_stored_as_text_are_a_header_and_prices_as_text_are_no_header():
    rows = [["600519", "000858"]] + [[1500.0 + k, 150.0 - k] for k in range(11)]
    market = [[3000.0 + 10 * (k % 3) + k] for k in range(11)]
    result = pb.portfolio_beta(rows, [[1, 1]], market)
    assert result.sample.names == ("600519", "000858")
    assert len(result.sample.labels) == 11  # no data row taken for the header
    # prices stored as text over the same prices: a data row, reported, never dropped
    as_text = [["1501", "149"]] + rows[2:]
    _raises(lambda: pb.portfolio_beta(as_text, [[1, 1]], market[1:]), "prices row 1, column 1 holds text '1501'")
    # a decimal number as text is never a header
    _raises(lambda: pb.portfolio_beta([["1501.5", "149"]] + rows[2:], [[1, 1]], market[1:]),
            "holds text '1501.5', a number stored as text")  # fmt: skip


def test_a_linked_data_type_cell_has_its_own_message():
    """Office.js sends a Stocks cell to an add-in that takes any value (xlwings declares
    allowCustomDataForDataTypeAny) as a LinkedEntity value."""
    stocks = {"type": "LinkedEntity", "text": "Microsoft Corp", "basicType": "Error", "basicValue": "#VALUE!",
              "id": {"entityId": "x", "domainId": "Stocks", "serviceId": 268435456, "culture": "en-US"}}  # fmt: skip
    _raises(lambda: udfs.portbeta_reg(_bonds_with(1, 0, stocks), SHARES, MARKET),
            "prices row 2, column 1 ('Bond A') holds a linked data type (Stocks) 'Microsoft Corp': use a field "
            "of it for a price, e.g. =A2.Price")  # fmt: skip
    # through COM it arrives as its text, which cannot be told from text: the text message says so
    _raises(lambda: udfs.portbeta_reg(_bonds_with(1, 0, "Microsoft Corp"), SHARES, MARKET), "=A2.Price")


class _NoFloat:
    def __float__(self):
        raise ValueError("no float")

    def __str__(self):
        raise ValueError("no str")

    __repr__ = __str__


def _nested(depth):
    value = [1.0]
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: pb.portfolio_beta(_nested(100_000), SHARES, MARKET), "prices"),
        (lambda: pb.portfolio_beta(PRICES, _nested(100_000), MARKET), "shares"),
        (lambda: udfs.portbeta_reg(_nested(100_000), SHARES, MARKET), "prices"),
        (lambda: pb.api.rolling_portfolio_beta(PRICES, SHARES, MARKET, 10**400), "window"),
        (lambda: udfs.portbeta_rolling(PRICES, SHARES, MARKET, 10**400), "window"),
        (lambda: pb.portfolio_beta(PRICES, SHARES, MARKET, as_of=10**400), "as_of"),
        (lambda: udfs.portbeta_wtd(PRICES, SHARES, MARKET, DATES, None, 0.0, 10**400), "as_of"),
        (lambda: pb.portfolio_beta(_bonds_with(2, 0, _NoFloat()), SHARES, MARKET), "prices"),
        (lambda: pb.portfolio_beta(PRICES, [[_NoFloat(), 1]], MARKET), "shares"),
        (lambda: pb.portfolio_beta(PRICES, SHARES, MARKET, rf=_NoFloat()), "rf"),
        (lambda: pb.portfolio_beta(PRICES, SHARES, MARKET, frequency=_NoFloat()), "frequency"),
        (lambda: pb.portfolio_beta(PRICES, SHARES, MARKET, DATES, as_of=_NoFloat()), "as_of"),
        (lambda: pb.api.rolling_portfolio_beta(PRICES, SHARES, MARKET, _NoFloat()), "window"),
    ],
)
def test_python_inputs_that_raised_other_exceptions_are_the_add_ins_error(call, argument):
    """Issue 14: RecursionError, OverflowError and an object's own exception escaped."""
    with pytest.raises(PortbetaError) as caught:
        call()
    assert argument in caught.value.problem.split(" ")[0:2] or caught.value.problem.startswith(argument)
    assert len(str(caught.value)) < 300


# --------------------------------------------------------------------------- one cell classifier

# New kinds of missing cells, each with the kind of cell it should read as: a blank as
# Excel's cell-value API writes one, and Bloomberg's not-available text.
NEW_BLANK = {"type": "Empty", "basicValue": ""}
NEW_ERROR = "#N/A N/A"


def _with_new_kinds(real):
    """inputs.missing_kind that also knows NEW_BLANK and NEW_ERROR: the one change."""
    from xl_portbeta import inputs

    def missing_kind(value):
        if value == NEW_BLANK:
            return inputs.BLANK
        if isinstance(value, str) and value.strip() == NEW_ERROR:
            return inputs.ERROR
        return real(value)

    return missing_kind


def _grid(rows):
    return [list(r) for r in rows]


def _put(rows, r, c, value):
    rows = _grid(rows)
    rows[r][c] = value
    return rows


_HISTORY = [list(SHARES[0]) for _ in range(len(PRICES) - 1)]
_RATES = [[0.02 + 0.001 * k] for k in range(len(PRICES) - 1)]
_BOOK = [["", "Bond A", "Bond B"], ["north", 100, 200], ["south", 300, 50]]
_SERIALS = [[45292 + k] for k in range(len(PRICES) - 1)]

# Every reader, each given one cell (or one whole argument) holding ``v``.
READERS = {
    "prices cell": lambda v: pb.portfolio_beta(_put(PRICES, 3, 0, v), SHARES, MARKET),
    "prices row": lambda v: pb.portfolio_beta(_put(_put(PRICES, 5, 0, v), 5, 1, v), SHARES, MARKET),
    "prices header cell": lambda v: pb.portfolio_beta(_put(PRICES, 0, 1, v), SHARES, MARKET),
    "market cell": lambda v: pb.portfolio_beta(PRICES, SHARES, _put(MARKET, 8, 0, v)),
    "shares": lambda v: pb.portfolio_beta(PRICES, v, MARKET),
    "shares cell": lambda v: pb.portfolio_beta(PRICES, [[100, v]], MARKET),
    "shares history cell": lambda v: pb.portfolio_beta(PRICES, _put(_HISTORY, 4, 1, v), MARKET),
    "rf": lambda v: pb.portfolio_beta(PRICES, SHARES, MARKET, rf=v),
    "rf cell": lambda v: pb.portfolio_beta(PRICES, SHARES, MARKET, rf=_put(_RATES, 6, 0, v)),
    "dates": lambda v: pb.portfolio_beta(PRICES, SHARES, MARKET, v),
    "dates cell": lambda v: pb.portfolio_beta(PRICES, SHARES, MARKET, _put(DATES, 4, 0, v)),
    "serial dates cell": lambda v: pb.portfolio_beta(PRICES, SHARES, MARKET, _put(_SERIALS, 4, 0, v)),
    "frequency": lambda v: pb.portfolio_beta(PRICES, SHARES, MARKET, DATES, v),
    "as_of": lambda v: pb.portfolio_beta(PRICES, SHARES, MARKET, DATES, as_of=v),
    "book holdings": lambda v: api.book_betas(PRICES, v, MARKET),
    "book holdings cell": lambda v: api.book_betas(PRICES, _put(_BOOK, 2, 1, v), MARKET),
    "book's last row": lambda v: api.book_betas(PRICES, _BOOK + [[v, v, v]], MARKET),
    "fast path": lambda v: read_numbers([[1.5, 2.5], [v, 4.0], [5, 6]], "x").values,
    "fast path, all missing": lambda v: read_numbers([[1.5, v], [v, 4.0]], "x").values,
    "cell by cell": lambda v: _cells_one_by_one([[1.5, v], [v, 4.0]], "x", "a number", 1),
}


def _nan_as_none(values):
    return np.where(np.isnan(values), None, values).tolist()


def _outcome(call, v):
    """What a reader made of ``v``: the figures, or the message (with ``v`` shown as <v>)."""
    from xl_portbeta.inputs import _show

    try:
        found = call(v)
    except PortbetaError as error:
        return "error", str(error).replace(_show(v), "<v>")
    if isinstance(found, np.ndarray):
        return "values", _nan_as_none(found)
    if isinstance(found, api.BookBetas):
        return "book", _nan_as_none(found.reg), _nan_as_none(found.wtd), found.notes, found.accounts
    s = found.sample
    return "beta", found.reg, found.wtd, found.gap, s.names, s.labels, s.dropped, s.dropped_why, s.as_of


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("new, known", [(NEW_BLANK, None), (NEW_ERROR, NA_COM)], ids=["blank", "error"])
def test_a_new_kind_of_missing_cell_is_added_in_the_classifier_alone(monkeypatch, reader, new, known):
    """Issue 19: inputs.missing_kind is the one cell classifier. Teach it a new kind of
    blank (or error) cell, and every reader and fast path reads that cell exactly as it
    reads the blank (or #N/A) it knew: same figures, same dropped dates, same messages.
    Without that change the new kind is not missing."""
    from xl_portbeta import inputs

    call = READERS[reader]
    expected = _outcome(call, known)
    assert _outcome(call, new) != expected  # before: the new kind is no missing cell
    monkeypatch.setattr(inputs, "missing_kind", _with_new_kinds(inputs.missing_kind))
    assert _outcome(call, new) == expected


def test_the_classifier_says_what_the_fast_paths_take_as_missing():
    """The fast paths read numbers in bulk: pandas skips its null values (None, NaN, NA,
    NaT) and "" is found by one comparison, so the classifier must call them missing;
    an int is missing when it is a COM error code, a float never but for NaN."""
    from xl_portbeta.inputs import BLANK, COM_ERROR_CODES, ERROR, is_blank, missing_kind

    assert [missing_kind(v) for v in (None, "", "  ", float("nan"), np.float32("nan"), pd.NA, pd.NaT)] == [
        BLANK, BLANK, BLANK, ERROR, ERROR, ERROR, ERROR,
    ]  # fmt: skip
    assert all(missing_kind(code) == ERROR and missing_kind(np.int64(code)) == ERROR for code in COM_ERROR_CODES)
    assert all(missing_kind(float(code)) is None for code in COM_ERROR_CODES)  # a float of the same value: a number
    assert missing_kind(True) is None and missing_kind(0) is None and missing_kind("n/a") is None
    assert missing_kind(NA_OFFICEJS) == ERROR and missing_kind("#n/a") == ERROR
    assert is_blank(None) and is_blank(" ") and not is_blank([[None]]) and not is_blank(NA_OFFICEJS)


def test_empty_text_found_by_identity_and_other_empty_texts_by_type():
    """Office.js' blanks ("") are found as the one empty-string object; an empty text that
    is another object (numpy's str_) still reads as a blank, on the type path."""
    from xl_portbeta.inputs import _identities, _plain_numbers

    cells = np.array([1.5, "", None, np.str_("")], dtype=object)
    assert _identities(cells).tolist() == [id(v) for v in cells]
    values = _plain_numbers([[1.5, "", 2.0], [np.str_(""), 3.0, {"type": "Error", "errorType": "NotAvailable"}]])
    np.testing.assert_array_equal(values, [[1.5, np.nan, 2.0], [np.nan, 3.0, np.nan]])


def _looked_numeric_before(text):
    """inputs._looks_numeric as it was before its shortcut for names (issue 23)."""
    try:
        number = float(text.strip().strip("%$€£¥").replace(",", ""))
    except ValueError:
        return False
    return math.isfinite(number)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet="0123456789.,eE+-_%$ infINFaAnNty", max_size=12)))
def test_looks_numeric_shortcut_for_names_changes_no_answer(text):
    from xl_portbeta.inputs import _looks_numeric

    assert _looks_numeric(text) == _looked_numeric_before(text)


def test_dates_in_one_row_are_read_and_a_block_of_dates_is_refused():
    """A one-row range of dates reads as a column; two columns of dates are no column."""
    from xl_portbeta import inputs

    dates, header, first_row = inputs.read_dates([[45292.0, 45293.0, 45294.0]])
    assert dates.astype("datetime64[D]").tolist() == [dt.date(2024, 1, d) for d in (1, 2, 3)]
    assert (header, first_row) == (None, 1)
    with pytest.raises(PortbetaError, match=r"^dates must be one column, got 2 rows x 2 columns$"):
        inputs.read_dates([[45292.0, 45293.0], [45294.0, 45295.0]])


def test_weekdays_without_a_saturday_are_not_the_1904_date_system():
    """Tuesdays to Fridays only (a market shut on Mondays): no Saturday, so no sign of the
    1904 system; with Saturdays (Tuesday to Saturday) the same count is refused."""
    from xl_portbeta import inputs

    tuesday = 45293  # 2024-01-02
    tue_to_fri = [[float(tuesday + 7 * week + day)] for week in range(4) for day in range(4)]
    assert len(inputs.read_dates(tue_to_fri)[0]) == 16
    tue_to_sat = [[float(tuesday + 7 * week + day)] for week in range(4) for day in range(5)]
    with pytest.raises(PortbetaError, match="1904 date system"):
        inputs.read_dates(tue_to_sat)


def test_a_first_row_of_whole_numbers_that_is_neither_data_nor_tickers_shows_one_of_each():
    """The message shows the first unclear column, else the first unlike and the first like."""
    from xl_portbeta import inputs

    mixed = [[600519, 600036, 100, 102], [1700.0, 35.0, 101.0, 99.0], [1710.0, 36.0, 102.0, 98.0]]
    with pytest.raises(PortbetaError) as caught:
        inputs.read_numbers(mixed, "prices", "a price")
    assert str(caught.value).startswith(
        "prices row 1 holds whole numbers (600519 over 1700.0, 100 over 101.0): tickers typed as numbers, "
        "or a first row of data? Type tickers as text ('600519)"
    )
    # 100: far from 300, near 101; 200: far from 600, near 201 (the first unclear is shown)
    unclear = [[600519, 100, 200, 102], [1700.0, 300.0, 600.0, 99.0], [1710.0, 101.0, 201.0, 98.0]]
    with pytest.raises(PortbetaError, match=r"^prices row 1 holds whole numbers \(100 over 300\.0\): .*\('100\)"):
        inputs.read_numbers(unclear, "prices", "a price")


def test_an_integer_array_holding_a_com_error_code_reads_it_as_missing_as_its_list_does():
    """COM's #N/A is the int -2146826246: missing in an int array as in a list of cells; a
    float of the same value is a number on both paths."""
    from xl_portbeta import inputs

    code = -2146826246
    as_ints = inputs.read_numbers(np.array([[1], [2], [code]]), "market")
    np.testing.assert_array_equal(as_ints.values, inputs.read_numbers([[1], [2], [code]], "market").values)
    assert np.isnan(as_ints.values[2, 0])
    as_floats = inputs.read_numbers(np.array([[1.0], [2.0], [float(code)]]), "market")
    assert as_floats.values[2, 0] == float(code)
    assert inputs.read_numbers([[1.0], [2.0], [float(code)]], "market").values[2, 0] == float(code)


def test_account_ids_are_whole_numbers_from_0_and_a_negative_one_is_a_count():
    """Ids under a header row: 0 is an id as 1001 is; -1 is no id, so the row of three
    numbers is counts, one too many for two assets."""
    from xl_portbeta import inputs

    accounts, cells = inputs.read_accounts([["account", "A", "B"], [0, 5, 1], [1001, 2, 3]], "holdings", 2)
    assert accounts == ("0", "1001")
    assert cells.values.tolist() == [[5.0, 1.0], [2.0, 3.0]] and cells.header == ("A", "B")
    accounts, cells = inputs.read_accounts([["account", "A", "B"], [-1, 5, 1], [1001, 2, 3]], "holdings", 2)
    assert accounts is None and cells.values.shape == (2, 3)


def test_a_header_of_names_and_a_ticker_typed_as_a_number_is_a_header():
    """'AAPL' and 600519 (a ticker Excel turned into a number) over prices: a header row."""
    from xl_portbeta import inputs

    cells = inputs.read_numbers([["AAPL", 600519], [150.0, 1700.0], [151.0, 1710.0]], "prices", "a price")
    assert cells.header == ("AAPL", "600519") and cells.first_row == 2
    as_sent = inputs.read_numbers([["AAPL", 600519.0], [150.0, 1700.0]], "prices", "a price")  # Office.js: floats
    assert as_sent.header == ("AAPL", "600519")
    assert cells.values.tolist() == [[150.0, 1700.0], [151.0, 1710.0]]


def test_a_range_of_only_digit_tickers_is_a_header_without_data():
    """'600519' and '000001' typed as text with no row below: a header, no prices (what
    follows says there are too few returns), never an IndexError."""
    from xl_portbeta import inputs

    cells = inputs.read_numbers([["600519", "000001"]], "prices", "a price")
    assert cells.header == ("600519", "000001") and cells.values.shape == (0, 2)


def test_a_book_of_one_asset_keeps_its_account_names():
    """Two columns, names and one asset's counts: the names are accounts, not a bad count."""
    from xl_portbeta import inputs

    accounts, cells = inputs.read_accounts([["acct1", 5], ["acct2", 3]], "holdings", 1)
    assert accounts == ("acct1", "acct2") and cells.values.tolist() == [[5.0], [3.0]]


def test_digits_typed_as_text_over_close_prices_are_numbers_stored_as_text():
    """'100' and '102' over 101 and 99 (one row of data): a first row of prices stored as
    text, reported as such; not a header of tickers."""
    from xl_portbeta import inputs

    with pytest.raises(PortbetaError, match=r"^prices row 1, column 1 holds text '100', a number stored as text"):
        inputs.read_numbers([["100", "102"], [101.0, 99.0]], "prices", "a price")


def test_a_named_pandas_series_of_dates_has_its_name_as_header():
    """Its name is row 1, as a header cell: a bad date is in row 3, the second value."""
    from xl_portbeta import inputs

    named = pd.Series([dt.datetime(2024, 1, 2), dt.datetime(2024, 1, 3)], name="Date")
    _, header, first_row = inputs.read_dates(named)
    assert (header, first_row) == (("Date",), 2)
    bad = pd.Series([dt.datetime(2024, 1, 2), "abc"], name="Date", dtype=object)
    with pytest.raises(PortbetaError, match=r"^dates row 3 holds text 'abc'"):
        inputs.read_dates(bad)


def test_a_zero_dimensional_array_is_one_cell():
    from xl_portbeta import inputs

    cells = inputs.read_numbers(np.array(0.03), "rf")
    assert cells.values.tolist() == [[0.03]]


def test_a_cell_that_cannot_be_shown_is_named_by_its_type_once():
    from xl_portbeta import inputs

    class Weird:
        def __str__(self):
            raise ValueError("no")

        __repr__ = __str__

    assert inputs._bad_cell_message(Weird(), "a price") == "holds a Weird, not a price"
