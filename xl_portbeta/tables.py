"""The tables' rows and columns, declared once: PORTBETA_STATS' rows (:data:`STATS_ROWS`),
BETA_GAP_DETAIL's columns (:data:`DETAIL_COLUMNS`) and PORTBETA_BOOK's (:data:`BOOK_COLUMNS`),
with their labels, keys, notes and Excel number formats.

Below the API: the results' ``to_frame`` (:mod:`xl_portbeta.api`), the cells of the Excel
functions (:mod:`xl_portbeta.sheet`), the workbook's spill areas and number formats, and
the command line's tables and JSON all iterate them. A new statistic is one
:class:`StatRow` here (and its figure in :mod:`xl_portbeta.core`).

The rows read the results through the small protocols below, so that nothing here
imports the API (not even for annotations).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from . import core
from .sample import DROP_REASONS, Sample

__all__ = [
    "ASSET_STATS_ROWS",
    "BETA",
    "BOOK_CAP_COLUMNS",
    "BOOK_COLUMNS",
    "COUNT",
    "DATE",
    "DETAIL_COLUMNS",
    "PCT",
    "SHARES",
    "STATS_CAP_ROWS",
    "STATS_HEADER",
    "STATS_ROWS",
    "AssetStatRow",
    "BookColumn",
    "DetailColumn",
    "StatRow",
    "asset_stats_header",
    "book_columns",
    "carried_note",
    "dropped_note",
    "label",
    "periods_note",
    "stats_rows",
    "stats_values",
]  # fmt: skip

# Excel number formats of the figures.
BETA = "0.0000"
PCT = "0.00%"
DATE = "yyyy-mm-dd"
SHARES = "#,##0"
COUNT = "0"


class Statistics(Protocol):
    """What the rows read of :class:`api.PortfolioStats`."""

    @property
    def actual(self) -> core.BetaStats: ...
    @property
    def current(self) -> core.BetaStats: ...
    @property
    def gap_fit(self) -> core.LineFit: ...
    @property
    def sample(self) -> Sample: ...
    @property
    def cap(self) -> float | None: ...


class Detail(Protocol):
    """What the columns read of :class:`api.GapDetail`: arrays (N,), and the gap."""

    @property
    def shares(self) -> np.ndarray: ...
    @property
    def weights(self) -> np.ndarray: ...
    @property
    def average_weights(self) -> np.ndarray: ...
    @property
    def betas(self) -> np.ndarray: ...
    @property
    def drift(self) -> np.ndarray: ...
    @property
    def interaction(self) -> np.ndarray: ...
    @property
    def contribution(self) -> np.ndarray: ...
    @property
    def gap(self) -> float: ...


def label(value: Any) -> Any:
    """A sample label for a cell: a datetime (Excel shows a date) or a row number."""
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


# --------------------------------------------------------------------- PORTBETA_STATS


def subtract(stats: Statistics, actual: Any, current: Any) -> Any:
    """The difference column as actual holdings minus current weights."""
    return actual - current if actual is not None and current is not None else None


@dataclass(frozen=True)
class StatRow:
    """One row of PORTBETA_STATS.

    Attributes
    ----------
    key : str
        Its name for code (snake_case).
    label : str
        What the row's first cell says; the command line's tables and JSON use it too.
    value : callable (BetaStats, Sample) -> value
        The figure of one column (actual holdings or current weights).
    note : str, or callable (Statistics) -> str
        The last cell: the convention.
    number_format : str
        How Excel shows the figures.
    difference : callable (Statistics, actual, current) -> value, or None
        How the difference column is made; None leaves it empty.
    """

    key: str
    label: str
    value: Callable[[core.BetaStats, Sample], Any]
    note: str | Callable[[Statistics], str]
    number_format: str = BETA
    difference: Callable[[Statistics, Any, Any], Any] | None = subtract


def of_gap(figure: Callable[[core.LineFit], Any]) -> Callable[[Statistics, Any, Any], Any]:
    """The difference column as the gap's own figure: that of the drift portfolio's
    regression (:attr:`api.PortfolioStats.gap_fit`), whose slope is the gap."""
    return lambda stats, actual, current: figure(stats.gap_fit)


_GAP_NOTE = "; difference: the gap's, from the drift portfolio Σ(w_t-1 - w_as_of) r regressed on m"


def periods_note(sample: Sample) -> str:
    """Where the periods per year come from, for the notes of annualized figures."""
    return {
        "given": f"{sample.periods_per_year} {sample.frequency} periods a year",
        "dates": f"{sample.periods_per_year} {sample.frequency} periods a year, from the dates' spacing",
        "assumed": f"{sample.periods_per_year} periods a year: daily rows assumed (no dates given)",
    }[sample.frequency_source]


def dropped_note(sample: Sample) -> str:
    """Why the sample's dates were dropped, and how many for each reason (the statistics'
    note, the command line's sample line and JSON)."""
    if not sample.dropped_why:
        return "blank or error cells" + carried_note(sample)
    parts = ", ".join(f"{n} for {reason}" for reason, n in sample.dropped_why)
    history = any(reason == DROP_REASONS[1] for reason, _ in sample.dropped_why)
    hint = (
        "; a blank in a holdings history is missing data, never 0 (so are the dates before a first statement or "
        "trade: no holdings yet): enter 0 for an asset not held yet"
        if history
        else ""
    )
    return f"blank or error cells: {parts}{hint}{carried_note(sample)}"


def carried_note(sample: Sample) -> str:
    """How many periods take a rate carried forward from an earlier date (a blank ``rf``
    cell after a rate), for the dropped dates' note; empty when none does."""
    n = sample.rf_carried
    if not n:
        return ""
    return (
        f"; rf carried forward on {n} of the {sample.n_returns} periods: a blank rate repeats the last rate before it"
    )


def _alpha_note(stats: Statistics) -> str:
    periods = stats.sample.periods_per_year
    if min(stats.actual.fit.alpha, stats.current.fit.alpha) <= -1.0:
        return f"empty where alpha per period is -100% or less: it compounds to no annual rate; {periods_note(stats.sample)}"
    return f"(1 + alpha)^{periods} - 1; {periods_note(stats.sample)}"


def _regime_note(side: str, key: str, usual: str) -> Callable[[Statistics], str]:
    def note(stats: Statistics) -> str:
        if math.isfinite(getattr(stats.actual, key)):
            return usual
        return f"empty: fewer than {core.MIN_REGIME_RETURNS} {side}-market periods (or no variance among them)"

    return note


class Options(Protocol):
    """The options a table's figures were made with (:class:`core.BetaStats`, :class:`api.AssetStats`)."""

    @property
    def blume_weight(self) -> float: ...
    @property
    def lags(self) -> int: ...


def _blume_note(options: Options) -> str:
    return f"{options.blume_weight:g} × beta + {1 - options.blume_weight:g} (Blume; Bloomberg's adjusted beta: 0.67)"


def _dimson_note(options: Options) -> str:
    if options.lags == 1:
        return "sum of the slopes of one OLS of r_t on m_t-1, m_t, m_t+1, over the returns with both neighbours"
    k = options.lags
    return f"sum of the slopes of one OLS of r_t on m_t-{k} .. m_t .. m_t+{k}, over the returns with all {2 * k} neighbours"


STATS_HEADER = ("statistic", "actual holdings", "current weights", "difference", "note")

STATS_ROWS: tuple[StatRow, ...] = (
    StatRow("beta", "beta", lambda s, _: s.fit.beta,
            "OLS slope with intercept; actual = PORTBETA_REG, current = PORTBETA_WTD"),
    StatRow("standard_error", "standard error of beta", lambda s, _: s.fit.beta_se,
            "sqrt(s² / Σ(m - mean m)²), s² = SSR / (n - 2)" + _GAP_NOTE, difference=of_gap(lambda f: f.beta_se)),
    StatRow("t_statistic", "t statistic", lambda s, _: s.fit.t_stat, "beta / standard error" + _GAP_NOTE, "0.00",
            difference=of_gap(lambda f: f.t_stat)),
    StatRow("ci_low", "95% CI low", lambda s, _: s.fit.conf_int(0.05)[0],
            "beta - t(0.975, n - 2) × standard error" + _GAP_NOTE, difference=of_gap(lambda f: f.conf_int(0.05)[0])),
    StatRow("ci_high", "95% CI high", lambda s, _: s.fit.conf_int(0.05)[1],
            "beta + t(0.975, n - 2) × standard error" + _GAP_NOTE, difference=of_gap(lambda f: f.conf_int(0.05)[1])),
    StatRow("r_squared", "R²", lambda s, _: s.fit.r_squared, "share of variance explained by the market", PCT),
    StatRow("alpha", "alpha per period", lambda s, _: s.fit.alpha,
            lambda st: f"intercept, per {st.sample.frequency} period, over rf", "0.0000%"),
    StatRow("alpha_annualized", "alpha annualized", lambda s, sample: s.fit.annualized(sample.periods_per_year).alpha,
            lambda st: _alpha_note(st), PCT),
    StatRow("residual_volatility_annualized", "residual volatility annualized",
            lambda s, sample: s.fit.annualized(sample.periods_per_year).residual_std,
            lambda st: f"s × sqrt({st.sample.periods_per_year}); {periods_note(st.sample)}", PCT),
    StatRow("observations", "observations", lambda s, _: s.fit.n,
            lambda st: f"{st.sample.frequency} returns", COUNT, difference=None),
    StatRow("first_date", "first date used", lambda _, sample: label(sample.label(0)),
            "start of the first return", DATE, difference=None),
    StatRow("last_date", "last date used", lambda _, sample: label(sample.label(-1)),
            "end of the last return", DATE, difference=None),
    StatRow("dates_dropped", "dates dropped for missing data", lambda _, sample: len(sample.dropped),
            lambda st: dropped_note(st.sample), COUNT, difference=None),
    StatRow("weights_as_of", "weights as of", lambda _, sample: label(sample.as_of),
            "the current weights' date", DATE, difference=None),
    StatRow("up_beta", "up-market beta", lambda s, _: s.up_beta,
            _regime_note("up", "up_beta", "periods with market excess return > 0")),
    StatRow("down_beta", "down-market beta", lambda s, _: s.down_beta,
            _regime_note("down", "down_beta", "periods with market excess return < 0")),
    StatRow("timing_ratio", "timing ratio (up / down)", lambda s, _: s.timing_ratio,
            "up-market beta / down-market beta", difference=None),
    StatRow("downside_beta", "downside beta (Estrada)", lambda s, _: s.downside_beta,
            "E[min(r - mean, 0) min(m - mean, 0)] / E[min(m - mean, 0)²]"),
    StatRow("blume_beta", "Blume-adjusted beta", lambda s, _: s.blume_beta, lambda st: _blume_note(st.actual)),
    StatRow("vasicek_beta", "Vasicek-adjusted beta", lambda s, _: s.vasicek_beta,
            "current weights: Σ w_i b~_i, b~_i = (s² b_i + se_i² b̄) / (s² + se_i²), b̄ and s² the mean and variance "
            "(n - 1) of all assets' betas; actual holdings: empty (one portfolio has no cross-section for a prior)",
            difference=None),
    StatRow("dimson_beta", "Dimson beta", lambda s, _: s.dimson_beta, lambda st: _dimson_note(st.actual)),
    StatRow("scholes_williams_beta", "Scholes-Williams beta", lambda s, _: s.scholes_williams_beta,
            "(b_-1 + b_0 + b_+1) / (1 + 2 ρ): b_k the slope of r_t on m_t+k over the returns with both neighbours, "
            "ρ the correlation of m_t with m_t-1"),
    StatRow("up_capture", "up-market capture", lambda s, _: s.up_capture,
            "annualized return over the market's, on its up periods (empyrical up_capture)", "0.00"),
    StatRow("down_capture", "down-market capture", lambda s, _: s.down_capture,
            "annualized return over the market's, on its down periods (empyrical down_capture)", "0.00"),
    StatRow("up_capture_cumulative", "up-market capture, cumulative (PerformanceAnalytics)",
            lambda s, _: s.up_capture_cumulative,
            "cumulative return prod(1 + r) - 1 over the market's, on its periods > 0 "
            "(PerformanceAnalytics UpDownRatios, its default); plain returns: rf moves no capture", "0.00"),
    StatRow("down_capture_cumulative", "down-market capture, cumulative (PerformanceAnalytics)",
            lambda s, _: s.down_capture_cumulative,
            "cumulative return prod(1 + r) - 1 over the market's, on its periods <= 0 "
            "(PerformanceAnalytics UpDownRatios, its default); plain returns: rf moves no capture", "0.00"),
    StatRow("up_capture_mean", "up-market capture, geometric mean (Morningstar)", lambda s, _: s.up_capture_mean,
            "geometric mean return per period prod(1 + r)^(1/n) - 1 over the market's, on its n periods > 0 "
            "(Morningstar upside capture ratio, on monthly returns there); plain returns", "0.00"),
    StatRow("down_capture_mean", "down-market capture, geometric mean (Morningstar)",
            lambda s, _: s.down_capture_mean,
            "geometric mean return per period prod(1 + r)^(1/n) - 1 over the market's, on its n periods < 0 "
            "(Morningstar downside capture ratio, on monthly returns there); plain returns", "0.00"),
    StatRow("treynor_ratio", "Treynor ratio", lambda s, _: s.treynor_ratio,
            "annualized excess return / beta (PerformanceAnalytics TreynorRatio)", PCT),
    StatRow("tracking_error", "tracking error annualized", lambda s, _: s.tracking_error,
            lambda st: f"sd(r - m) × sqrt({st.sample.periods_per_year}) (PerformanceAnalytics TrackingError)", PCT),
    StatRow("information_ratio", "information ratio", lambda s, _: s.information_ratio,
            "(annualized return - the market's) / tracking error (PerformanceAnalytics InformationRatio)", "0.00"),
    StatRow("correlation", "correlation with the market", lambda s, _: s.correlation,
            "Pearson correlation of the returns with the market's", BETA),
)  # fmt: skip


def _cap_note(stats: Statistics) -> str:
    cap, df = stats.cap, stats.actual.fit.n - 2
    return (
        f"P(T > (beta - {cap:g}) / se), T Student's t, n - 2 = {df} degrees of freedom: the p-value of "
        f"beta <= {cap:g} against beta > {cap:g} (small: above the cap), not the chance that beta exceeds it"
    )


#: PORTBETA_STATS' rows of a beta cap, after :data:`STATS_ROWS`, only when a cap is given.
STATS_CAP_ROWS: tuple[StatRow, ...] = (
    StatRow("beta_cap", "beta cap", lambda s, _: s.cap, "the cap given (cap), e.g. an Investment Policy Statement's",
            difference=None),
    StatRow("p_above_cap", "p-value, beta above the cap", lambda s, _: s.p_above_cap, _cap_note, difference=None),
    StatRow("cap_verdict", "beta vs the cap at 95%", lambda s, _: s.cap_verdict,
            f"{core.CAP_VERDICTS[0]}: p < 0.05; {core.CAP_VERDICTS[1]}: p > 0.95; {core.CAP_VERDICTS[2]}: neither "
            "(one-sided tests at 95%: the 90% CI lies above, below, or across the cap)", "General", difference=None),
)  # fmt: skip


def stats_rows(stats: Statistics) -> tuple[StatRow, ...]:
    """PORTBETA_STATS' rows: :data:`STATS_ROWS`, then :data:`STATS_CAP_ROWS` with a cap."""
    return STATS_ROWS if stats.cap is None else STATS_ROWS + STATS_CAP_ROWS


def stats_values(stats: Statistics) -> list[tuple[StatRow, tuple[Any, Any, Any], str]]:
    """Each :class:`StatRow` (:func:`stats_rows`) with its figures (actual holdings,
    current weights, difference; None where the row has no difference) and its note."""
    sample = stats.sample
    out = []
    for r in stats_rows(stats):
        actual, current = r.value(stats.actual, sample), r.value(stats.current, sample)
        difference = r.difference(stats, actual, current) if r.difference is not None else None
        out.append((r, (actual, current, difference), r.note(stats) if callable(r.note) else r.note))
    return out


# --------------------------------------------------------------------- ASSET_STATS


class AssetStatistics(Protocol):
    """What the rows read of :class:`api.AssetStats`: the arrays (N,) of
    :class:`core.AssetFigures`, the options and the sample."""

    @property
    def n(self) -> int: ...
    @property
    def blume_weight(self) -> float: ...
    @property
    def lags(self) -> int: ...
    @property
    def sample(self) -> Sample: ...


@dataclass(frozen=True)
class AssetStatRow:
    """One row of ASSET_STATS: the key of its array (N,) on :class:`core.AssetFigures`, the
    label of its first cell, the note of its last (the convention) and its number format."""

    key: str
    label: str
    note: str | Callable[[AssetStatistics], str]
    number_format: str = BETA

    def note_of(self, stats: AssetStatistics) -> str:
        return self.note(stats) if callable(self.note) else self.note


ASSET_STATS_ROWS: tuple[AssetStatRow, ...] = (
    AssetStatRow("beta", "beta", lambda st: f"OLS slope with intercept, over {st.n} returns (= ASSET_BETAS)"),
    AssetStatRow("beta_se", "standard error of beta", "sqrt(s² / Σ(m - mean m)²), s² = SSR / (n - 2)"),
    AssetStatRow("t_stat", "t statistic", "beta / standard error", "0.00"),
    AssetStatRow("r_squared", "R²", "share of variance explained by the market", PCT),
    AssetStatRow("alpha", "alpha per period", lambda st: f"intercept, per {st.sample.frequency} period, over rf",
                 "0.0000%"),
    AssetStatRow("blume_beta", "Blume-adjusted beta", _blume_note),
    AssetStatRow("vasicek_beta", "Vasicek-adjusted beta",
                 "(s² b + se² b̄) / (s² + se²), b̄ and s² the mean and variance (n - 1) of these assets' betas"),
    AssetStatRow("dimson_beta", "Dimson beta", _dimson_note),
    AssetStatRow("scholes_williams_beta", "Scholes-Williams beta",
                 "(b_-1 + b_0 + b_+1) / (1 + 2 ρ): b_k the slope of r_t on m_t+k over the returns with both "
                 "neighbours, ρ the correlation of m_t with m_t-1"),
    AssetStatRow("up_beta", "up-market beta",
                 f"periods with market excess return > 0; empty with fewer than {core.MIN_REGIME_RETURNS}"),
    AssetStatRow("down_beta", "down-market beta",
                 f"periods with market excess return < 0; empty with fewer than {core.MIN_REGIME_RETURNS}"),
)  # fmt: skip


def asset_stats_header(stats: AssetStatistics) -> list[str]:
    """ASSET_STATS' header: "statistic", the assets' names, "note"."""
    return ["statistic", *stats.sample.names, "note"]


# --------------------------------------------------------------------- BETA_GAP_DETAIL


@dataclass(frozen=True)
class DetailColumn:
    """One column of BETA_GAP_DETAIL.

    Attributes
    ----------
    key : str
        Its name for code and the command line's JSON (snake_case).
    header : str
    values : callable (Detail) -> array (N,), or None
        One value per holding (None: the column of names).
    total : callable (Detail) -> float, or None
        The total row's cell; None leaves it empty.
    number_format : str or None
    """

    key: str
    header: str
    values: Callable[[Detail], Any] | None
    total: Callable[[Detail], float] | None
    number_format: str | None

    def of(self, detail: Detail) -> Any:
        """This column's values for ``detail`` (the names' column has none: sheet writes the names)."""
        if self.values is None:
            raise TypeError(f"BETA_GAP_DETAIL's {self.key!r} column has no values of its own")
        return self.values(detail)


def _summed(values: Callable[[Detail], Any]) -> Callable[[Detail], float]:
    return lambda detail: float(values(detail).sum())


DETAIL_COLUMNS: tuple[DetailColumn, ...] = (
    DetailColumn("name", "holding", None, None, None),
    DetailColumn("shares", "shares", lambda d: d.shares, None, SHARES),
    DetailColumn("weight", "weight (as_of)", lambda d: d.weights, _summed(lambda d: d.weights), PCT),
    DetailColumn(
        "average_weight", "average weight", lambda d: d.average_weights, _summed(lambda d: d.average_weights), PCT
    ),
    DetailColumn("beta", "beta", lambda d: d.betas, None, BETA),
    DetailColumn("drift", "drift part", lambda d: d.drift, _summed(lambda d: d.drift), BETA),
    DetailColumn("interaction", "interaction part", lambda d: d.interaction, _summed(lambda d: d.interaction), BETA),
    # the total is BETA_GAP itself: the contributions sum to it
    DetailColumn("contribution", "contribution", lambda d: d.contribution, lambda d: float(d.gap), BETA),
)


# --------------------------------------------------------------------- PORTBETA_BOOK


@dataclass(frozen=True)
class BookColumn:
    """One column of PORTBETA_BOOK: its key (the CLI's CSV and JSON name, and the
    BookBetas field it reads unless ``source`` names another), its header and its number
    format."""

    key: str
    header: str
    number_format: str | None
    source: str = ""

    def of(self, book: Any) -> Any:
        """This column's values of ``book`` (an :class:`api.BookBetas`), one per account."""
        return getattr(book, self.source or self.key)


BOOK_COLUMNS: tuple[BookColumn, ...] = (
    BookColumn("accounts", "account", None),
    BookColumn("value", "market value (as_of)", "#,##0.00"),
    BookColumn("reg", "REG", BETA),
    BookColumn("wtd", "WTD", BETA),
    BookColumn("gap", "GAP", BETA),
    BookColumn("gap_se", "GAP standard error", BETA),
    BookColumn("gap_t", "GAP t", "0.00"),
    BookColumn("r_squared", "R² of REG", PCT),
    BookColumn("observations", "observations", COUNT),
    BookColumn("first_date", "first date used", DATE),
    BookColumn("last_date", "last date used", DATE),
    BookColumn("as_of", "weights as of", DATE),
    BookColumn("periods_per_year", "periods per year", COUNT),
    BookColumn("notes", "note", None, source="table_notes"),
)

#: PORTBETA_BOOK's columns of a beta cap, before the note, only when a cap is given.
BOOK_CAP_COLUMNS: tuple[BookColumn, ...] = (
    BookColumn("reg_p_above_cap", "REG p above cap", BETA),
    BookColumn("wtd_p_above_cap", "WTD p above cap", BETA),
    BookColumn("reg_cap_verdict", "REG vs cap at 95%", None),
    BookColumn("wtd_cap_verdict", "WTD vs cap at 95%", None),
    BookColumn("cap_breach", "cap breached by", None),
)


def book_columns(cap: bool) -> tuple[BookColumn, ...]:
    """PORTBETA_BOOK's columns: :data:`BOOK_COLUMNS`, with :data:`BOOK_CAP_COLUMNS` before
    the note when a cap is given."""
    return BOOK_COLUMNS[:-1] + BOOK_CAP_COLUMNS + BOOK_COLUMNS[-1:] if cap else BOOK_COLUMNS
