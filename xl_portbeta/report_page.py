"""A printable report for a client: one self-contained HTML file (``report``).

The figures come from the API's ``*_of`` functions on one :class:`api.PortfolioBeta`;
the charts are matplotlib PNGs (Agg backend) embedded as base64, so the file needs no
network, fonts, CSS or scripts from elsewhere. matplotlib is the optional ``report``
extra (``pip install "xl_portbeta[report]"``).
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from . import api, core, tables
from .errors import PortbetaError, named
from .sample import annual_rate

__all__ = ["Inputs", "assumptions", "default_title", "default_window", "holdings_changes", "report"]

PERPETUITY = 10.0  # dollars a year, forever: its value is PERPETUITY / K
TOP_WEIGHTS = 8  # holdings drawn in the weights chart
TABLE_ROWS = 30  # holdings listed one by one in the gap table; the rest in one row
HOLDINGS_ROWS = 10  # holdings listed one by one in the holdings table (the largest); the rest in one row
MIN_ROLLING = 12  # fewer returns than this: no rolling chart


def default_window(sample: Any) -> int | None:
    """About a year of returns, at most half the sample: ``min(P, n // 2)`` (P the periods
    per year); None when the sample is too short for a rolling chart."""
    window = min(sample.periods_per_year, sample.n_returns // 2)
    return window if sample.n_returns >= MIN_ROLLING and window >= 3 else None


# --------------------------------------------------------------------- what the figures assume


@dataclass(frozen=True)
class Inputs:
    """How the inputs were read, which a result does not keep: its caller says (the
    command line, from its files and options). An empty field is not stated.

    Attributes
    ----------
    prices : str
        Which column of which file holds the prices ("'Adj Close' of 9 files; 'Close' of MSFT.csv").
    benchmark : str
        The benchmark and where it came from ("SP500 (column of prices.csv)").
    rf : str
        Where per-date rates came from ("column RF of prices.csv"); "" for one rate.
    holdings : str
        Where a holdings history came from, when it was built from statements or trades
        ("statements on 12 dates from statements.csv, ...").
    price_columns : dict of str to str
        Each asset's price column, by asset ({"MSFT": "Close", ...}): the JSON's ``price_columns``.
    benchmarks : tuple of str
        With several benchmarks, each one's words as ``benchmark``'s, in the market's order.
    """

    prices: str = ""
    benchmark: str = ""
    rf: str = ""
    holdings: str = ""
    price_columns: dict[str, str] = field(default_factory=dict)
    benchmarks: tuple[str, ...] = ()


def benchmark_inputs(inputs: Inputs, names: tuple[str, ...], k: int) -> Inputs:
    """The inputs of benchmark ``k`` of several (``names``): its own words (the files'
    ``Inputs.benchmarks``, else its name), and the sample they share."""
    words = inputs.benchmarks[k] if len(inputs.benchmarks) == len(names) else names[k]
    role = "the primary" if k == 0 else "one"
    shared = f"{role} of {len(names)} benchmarks ({', '.join(names)}), on the dates where every one has a level"
    return replace(inputs, benchmark=f"{words}; {shared}", benchmarks=())


def _day(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if hasattr(value, "strftime") else f"row {value}"


def holdings_changes(sample: Any) -> list[Any]:
    """The kept dates on which the holdings differ from the date before (empty for fixed
    share counts): the trades the sample sees, after any resampling."""
    if not sample.has_history:
        return []
    changed = (np.diff(sample.holdings, axis=0) != 0).any(axis=1)
    return [sample.labels[k + 1] for k in np.flatnonzero(changed).tolist()]


def _rf_words(sample: Any, inputs: Inputs) -> str:
    """The risk-free rate behind the betas: one rate or one per date, and the dates a
    missing rate dropped."""
    periods = sample.periods_per_year
    annual = (1.0 + np.asarray(sample.rf)) ** periods - 1.0  # back from core.per_period_rate
    low, high = (float(annual.min()), float(annual.max())) if len(annual) else (0.0, 0.0)
    if not inputs.rf and high - low < 5e-7:
        if not np.any(sample.rf):
            return "none (0%): the betas are of plain returns, not of excess returns"
        return f"{low:.2%} a year on every date, {float(sample.rf[0]):.4%} a period ({periods} periods a year)"
    dropped = dict(sample.dropped_why).get("missing rf", 0)
    spread = (
        f"{low:.2%} on every date" if high - low < 5e-7 else f"{low:.2%} to {high:.2%} a year, mean {annual.mean():.2%}"
    )
    missing = (
        f"{dropped} date{'' if dropped == 1 else 's'} dropped for a missing rate (an error cell, or a blank before "
        "the first rate)"
        if dropped
        else "no date missing a rate"
    )
    carried = sample.rf_carried
    source = f", from {inputs.rf}" if inputs.rf else ""
    return (
        f"one per date{source}: {spread}; each period earns the annual rate of its first date, compounded "
        f"over {periods} periods a year; {missing}; {carried} of the {sample.n_returns} periods carry a rate "
        "forward (a blank rate repeats the last rate before it)"
    )


def _holdings_words(sample: Any) -> str:
    held = int(sample.held.sum())
    at_as_of = int(np.count_nonzero(sample.shares_as_of))
    if not sample.has_history:
        return (
            f"fixed share counts of {held} asset{'' if held == 1 else 's'}, held on every date: the weights drift "
            "with prices, never by trading"
        )
    changes = holdings_changes(sample)
    if not changes:
        return f"a holdings history that never changes on the sample's dates: {held} assets held throughout"
    n = sample.n_returns
    when = f"first {_day(changes[0])}, last {_day(changes[-1])}" if len(changes) > 1 else f"on {_day(changes[0])}"
    return (
        f"a holdings history: the shares change on {len(changes)} of the {n} dates after the first "
        f"({len(changes) / n:.0%}; {when}); {held} assets held on some date, {at_as_of} at as_of"
    )


def assumptions(result: Any, inputs: Inputs | None = None) -> list[tuple[str, str]]:
    """What the figures of ``result`` (a :class:`api.PortfolioBeta`) stand on, as
    (what, assumed) pairs of plain text: the report's block and the command line's."""
    inputs = inputs or Inputs()
    sample = result.sample
    dropped = len(sample.dropped)
    first = ", ".join(_day(d) for d in sample.dropped[:5]) + (", ..." if dropped > 5 else "")
    why = f" ({tables.dropped_note(sample)}; {'the first: ' if dropped > 5 else ''}{first})" if dropped else ""
    return [
        (
            "sample",
            f"{_day(sample.labels[0])} to {_day(sample.labels[-1])}: {sample.n_returns} {sample.frequency} returns "
            f"from {len(sample.labels)} dates; {dropped} date{'' if dropped == 1 else 's'} dropped for missing data{why}",
        ),
        ("periods per year", tables.periods_note(sample)),
        ("risk-free rate", _rf_words(sample, inputs)),
        ("as_of", f"{_day(sample.as_of)}: the holdings and prices that give WTD's weights"),
        ("holdings", _holdings_words(sample) + (f"; {inputs.holdings}" if inputs.holdings else "")),
        (
            "prices",
            inputs.prices or "as given (a return is the change in price: dividends only if the prices hold them)",
        ),
        ("benchmark", inputs.benchmark or "as given"),
    ]


# --------------------------------------------------------------------- formatting


def _num(value: Any, spec: str = ".4f") -> str:
    if value is None:
        return "&mdash;"
    value = float(value)
    if not math.isfinite(value):
        return "&mdash;"
    text = f"{value:{spec}}"
    if text.startswith("-") and not any(c in "123456789" for c in text):
        text = text[1:]  # -0.0000: a value that rounds to zero has no sign
    return text.replace("-", "&minus;")


def _dollars(value: float) -> str:
    """$1,234.56 or &minus;$0.99."""
    if not math.isfinite(value):
        return "&mdash;"
    text = f"{abs(value):,.2f}"
    return ("&minus;" if value < 0 and text != "0.00" else "") + "$" + text


def _date(value: Any) -> str:
    return html.escape(f"{value:%Y-%m-%d}" if hasattr(value, "strftime") else f"row {value}")


def _esc(text: Any) -> str:
    return html.escape(str(text))


# --------------------------------------------------------------------- charts


def _figure(width: float, height: float) -> tuple[Any, Any]:
    """A matplotlib Figure and its axes, drawn by the Agg canvas: no pyplot, so the
    caller's backend and open figures are left alone."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise PortbetaError('report needs matplotlib: pip install "xl_portbeta[report]"') from None
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig, fig.subplots()


# tab10, matplotlib's default cycle
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img class="chart" alt="" src="data:image/png;base64,{data}">'


def _x(labels: Any) -> Any:
    """Dates as datetimes for matplotlib, row numbers as they are."""
    labels = list(labels)
    if labels and hasattr(labels[0], "to_pydatetime"):
        return [d.to_pydatetime() for d in labels]
    return labels


def _style(ax: Any) -> None:
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)


def _rolling_chart(rolling: api.RollingBeta) -> str:
    fig, ax = _figure(7.2, 2.3)
    x = _x(rolling.labels)
    ax.plot(x, rolling.reg, color="#1f4e79", linewidth=1.4, label="REG (actual holdings)")
    ax.plot(x, rolling.wtd, color="#c55a11", linewidth=1.4, label="WTD (weights at window end)")
    ax.fill_between(x, rolling.reg, rolling.wtd, color="#7f7f7f", alpha=0.25, linewidth=0, label="gap")
    ax.set_ylabel("beta", fontsize=8)
    _style(ax)
    ax.legend(fontsize=7, frameon=False, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3)
    fig.autofmt_xdate()
    return _png(fig)


def weight_paths(sample: Any) -> np.ndarray:
    """(K, N) market-value weights on every kept date (the sample's net values are positive)."""
    return core.weights_at(sample.prices, sample.holdings)


def _top_holdings(detail: api.GapDetail, count: int) -> np.ndarray:
    """The ``count`` largest holdings by |weight as_of|, ties by the larger drift; with
    short positions, half of them the largest shorts (so that both sides are drawn)."""
    drift = np.nan_to_num(np.abs(detail.average_weights - detail.weights))
    ranked = np.lexsort((-drift, -np.abs(detail.weights)))
    order = [k for k in ranked if detail.weights[k] != 0 or detail.average_weights[k] != 0]
    shorts = [k for k in order if detail.weights[k] < 0]
    longs = [k for k in order if detail.weights[k] >= 0]
    if not shorts or not longs:
        return np.array(order[:count], dtype=int)
    n_short = min(len(shorts), count // 2)
    chosen = set(longs[: count - n_short] + shorts[:n_short])
    return np.array([k for k in order if k in chosen], dtype=int)


def _as_of_line(ax: Any, sample: Any) -> None:
    as_of = sample.as_of.to_pydatetime() if hasattr(sample.as_of, "to_pydatetime") else sample.as_of
    ax.axvline(as_of, color="#333333", linewidth=0.8, linestyle="--")
    ax.annotate("as_of", (as_of, 1.0), xycoords=("data", "axes fraction"), fontsize=7, ha="right", va="top")


def chart_label(name: str) -> str:
    """A name as a chart's legend shows it, verbatim: matplotlib reads text between two ``$``
    as mathematics (``$\\foo$`` stops the report) and leaves out labels starting with ``_``."""
    label = name.replace("$", r"\$")
    return " " + label if label.startswith("_") else label


def _weights_chart(detail: api.GapDetail) -> str:
    sample = detail.result.sample
    if sample.has_history:
        return _traded_weights_chart(detail)
    paths = weight_paths(sample)
    fig, ax = _figure(7.2, 2.4)
    x = _x(sample.labels)
    for i, k in enumerate(_top_holdings(detail, TOP_WEIGHTS)):
        ax.plot(x, paths[:, k] * 100, color=COLORS[i % len(COLORS)], linewidth=1.1, label=chart_label(sample.names[k]))
    return _weights_chart_png(fig, ax, sample)


def _weights_chart_png(fig: Any, ax: Any, sample: Any) -> str:
    """A weights chart finished (as_of marked, axis, legend beside it) as a PNG."""
    _as_of_line(ax, sample)
    ax.set_ylabel("weight, %", fontsize=8)
    _style(ax)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.autofmt_xdate()
    return _png(fig)


def resampled_rows(labels: Any) -> tuple[np.ndarray, str]:
    """Rows a reader can tell apart on a page-wide chart: the last date of each month
    (over two years of dates) or week (over half a year), else every row; and the
    period's name."""
    if len(labels) < 2 or not hasattr(labels[0], "isocalendar"):
        return np.arange(len(labels)), "date"
    days = (labels[-1] - labels[0]).days
    if days > 730:
        keys, name = [(d.year, d.month) for d in labels], "month"
    elif days > 180:
        keys, name = [tuple(d.isocalendar())[:2] for d in labels], "week"
    else:
        return np.arange(len(labels)), "date"
    last = [k for k in range(len(keys)) if k == len(keys) - 1 or keys[k + 1] != keys[k]]
    return np.array(last, dtype=int), name


def traded_top(sample: Any, count: int) -> np.ndarray:
    """The ``count`` holdings of a history with the largest average |weight|."""
    size = np.abs(weight_paths(sample)).mean(axis=0)
    order = np.argsort(-size, kind="stable")
    return np.array([k for k in order if size[k] > 0][:count], dtype=int)


def _traded_weights_chart(detail: api.GapDetail) -> str:
    """Long weights stacked above 0 and short ones below, the largest holdings by name and
    the rest as one area, on the last date of each week or month."""
    sample = detail.result.sample
    rows, _ = resampled_rows(sample.labels)
    paths = weight_paths(sample)[rows] * 100
    top = traded_top(sample, TOP_WEIGHTS)
    rest = np.setdiff1d(np.arange(paths.shape[1]), top)
    layers = [paths[:, k] for k in top] + ([paths[:, rest].sum(axis=1)] if len(rest) else [])
    # the others' long and short parts are summed separately (a net would hide both)
    longs = [np.clip(y, 0, None) for y in layers]
    shorts = [np.clip(y, None, 0) for y in layers]
    if len(rest):
        longs[-1] = np.clip(paths[:, rest], 0, None).sum(axis=1)
        shorts[-1] = np.clip(paths[:, rest], None, 0).sum(axis=1)
    labels = [chart_label(sample.names[k]) for k in top] + ([f"{len(rest)} others"] if len(rest) else [])
    colors = [COLORS[i % len(COLORS)] for i in range(len(top))] + ["#c7c7c7"] * bool(len(rest))
    fig, ax = _figure(7.2, 2.4)
    x = _x([sample.labels[k] for k in rows])
    ax.stackplot(x, *longs, colors=colors, labels=labels, linewidth=0)
    if any(s.any() for s in shorts):
        ax.stackplot(x, *shorts, colors=colors, linewidth=0, alpha=0.6)
        ax.axhline(0, color="#333333", linewidth=0.6)
    return _weights_chart_png(fig, ax, sample)


# --------------------------------------------------------------------- sections


def _headline(stats: api.PortfolioStats) -> str:
    result = stats.result
    actual, current, gap = stats.actual.fit, stats.current.fit, stats.gap_fit
    low, high = gap.conf_int(0.05)
    real = (
        "The 95% confidence interval excludes 0: the gap is more than estimation noise."
        if math.isfinite(low) and (low > 0 or high < 0)
        else "The 95% confidence interval includes 0: the gap may be estimation noise."
    )
    return f"""
<section class="headline">
  <div class="box"><div class="label">REG &mdash; regression beta of the actual holdings</div>
    <div class="big">{_num(result.reg)}</div><div class="se">standard error {_num(actual.beta_se)}</div></div>
  <div class="box"><div class="label">WTD &mdash; weighted average of the holdings' betas</div>
    <div class="big">{_num(result.wtd)}</div><div class="se">standard error {_num(current.beta_se)}</div></div>
  <div class="box gap"><div class="label">GAP = REG &minus; WTD (weight drift)</div>
    <div class="big">{_num(result.gap)}</div>
    <div class="se">standard error {_num(stats.gap_se)}, t {_num(gap.t_stat, ".2f")},
      95% CI {_num(low)} to {_num(high)}</div></div>
</section>
<p>{real}</p>
{_cap_words(stats)}
<p class="use"><b>Which to use.</b> Use <b>REG</b> for what the portfolio <i>did</i>: its actual
holdings' value history regressed on the market, the beta to report as the portfolio's or a fund's
risk. Use <b>WTD</b> looking forward from today's weights (as of {_date(result.sample.as_of)}), or to
compare with an index fund holding those weights.</p>"""


def _cap_words(stats: api.PortfolioStats) -> str:
    """The betas against a beta cap (nothing without one): each one's p-value and verdict."""
    cap = stats.cap
    if cap is None:
        return ""
    words = {"above": "above the cap at 95%", "below": "below the cap at 95%",
             "within noise": "not distinguishable from the cap (within estimation noise)"}  # fmt: skip
    rows = "".join(
        f"<tr><th>{name}</th><td>{_num(s.fit.beta)}</td><td>{_num(s.p_above_cap)}</td>"
        f"<td>{words.get(s.cap_verdict or '', '&mdash;')}</td></tr>"
        for name, s in (("REG", stats.actual), ("WTD", stats.current))
    )
    decided = (stats.actual.fit.beta > cap) != (stats.current.fit.beta > cap)
    method = (
        f"<p><b>The method decides the breach:</b> one beta is above the cap of {_num(cap, 'g')} and the other "
        "is not.</p>"
        if decided
        else ""
    )
    return f"""
<h2>Against the beta cap of {_num(cap, "g")}</h2>
<p class="caption">p = P(T &gt; (beta &minus; cap) / se), T Student's t with n &minus; 2 degrees of freedom: the
one-sided p-value of &ldquo;beta &le; cap&rdquo; against &ldquo;beta &gt; cap&rdquo;. Below 0.05: above the cap
at 95%; above 0.95: below it at 95%; between: not distinguishable from it. It is not the chance that the
true beta exceeds the cap.</p>
<table class="value">
<thead><tr><th></th><th>beta</th><th>p above the cap</th><th>verdict</th></tr></thead>
<tbody>{rows}</tbody></table>
{method}"""


def _benchmarks_section(benchmarks: api.ByBenchmark[api.PortfolioStats] | None) -> str:
    """Several benchmarks: each one's REG, WTD and GAP (with its standard error) on the
    sample they share; the page's other figures are the primary's."""
    if benchmarks is None:
        return ""
    rows = "".join(
        f"<tr><td>{_esc(name)}{' (primary)' if k == 0 else ''}</td><td>{_num(s.result.reg)}</td>"
        f"<td>{_num(s.result.wtd)}</td><td>{_num(s.result.gap)}</td><td>{_num(s.gap_se)}</td></tr>"
        for k, (name, s) in enumerate(benchmarks.items())
    )
    return f"""<div class="block"><h2>Benchmarks</h2>
<p>The figures of this report are against the primary benchmark, {_esc(benchmarks.benchmarks[0])} (the first
given). Against each benchmark, on the same dates (a date is used only where every benchmark has a level):</p>
<table><thead><tr><th>benchmark</th><th>REG</th><th>WTD</th><th>GAP</th><th>GAP standard error</th></tr></thead>
<tbody>{rows}</tbody></table></div>"""


def _rolling_section(rolling: api.RollingBeta | None, sample: Any) -> str:
    traded = (
        " The holdings change during the sample: each window's WTD uses the shares held on its last date, so "
        "WTD moves when the holdings do; REG uses the holdings of every date in the window."
        if holdings_changes(sample)
        else ""
    )
    if rolling is None:
        return (
            f"<h2>Rolling betas</h2><p>The sample's {sample.n_returns} returns are too few for a rolling "
            f"chart (it needs at least {MIN_ROLLING}).</p>"
        )
    return f"""
<h2>Rolling betas</h2>
<p class="caption">REG and WTD over every window of {rolling.window} {sample.frequency} returns
(about {rolling.window / sample.periods_per_year:.1f} years), WTD with the weights on each window's
last date; the shaded band between them is the gap.{traded}</p>
{_rolling_chart(rolling)}"""


def _weights_section(detail: api.GapDetail) -> str:
    sample = detail.result.sample
    changes = holdings_changes(sample)
    if sample.has_history:
        rows, period = resampled_rows(sample.labels)
        shown = len(traded_top(sample, TOP_WEIGHTS))
        shorts = "; short positions stacked below 0" if (np.asarray(sample.holdings) < 0).any() else ""
        when = f"on the last date of each {period}" if period != "date" else "on every date"
        trades = (
            f"The holdings change on {len(changes)} of the sample's {sample.n_returns + 1} dates"
            if changes
            else "The holdings history never changes on the sample's dates"
        )
        return f"""
<h2>How the weights moved</h2>
<p class="caption">Market-value weights, {when} ({len(rows)} points), of the {shown} holdings with the largest
average weight, stacked; the other holdings as one grey area{shorts}. {trades}: the
weights move with trades and with prices. The regression sees the weights of every date, WTD only those at as_of
({_date(sample.as_of)}).</p>
{_weights_chart(detail)}"""
    shown = len(_top_holdings(detail, TOP_WEIGHTS))
    return f"""
<h2>How the weights drifted</h2>
<p class="caption">Market-value weights of the {shown} largest holdings at as_of
({_date(sample.as_of)}), from the first date of the sample, {_date(sample.labels[0])}. Fixed share
counts drift with prices: the regression sees the weights along the way, WTD only those at as_of.</p>
{_weights_chart(detail)}"""


def as_of_prices(sample: Any) -> np.ndarray | None:
    """The prices on the as_of date, when it is one of the sample's dates (None when
    resampling left it out)."""
    for k, label in enumerate(sample.labels):
        if label == sample.as_of:
            return np.asarray(sample.prices[k])
    return None


def _holdings_table(detail: api.GapDetail) -> str:
    sample = detail.result.sample
    shares = np.asarray(sample.shares_as_of)
    prices = as_of_prices(sample)
    held = np.flatnonzero(shares != 0).tolist()
    if prices is None:
        values = None
        note = " (as_of is not one of the resampled dates: its prices are not kept, so only the weights are shown)"
    else:
        values = shares * np.where(shares != 0, prices, 0.0)
        note = ""
    size = np.abs(values) if values is not None else np.abs(np.asarray(detail.weights))
    held.sort(key=lambda k: -size[k])
    longs, short_side = [k for k in held if shares[k] > 0], [k for k in held if shares[k] < 0]
    n_short = min(len(short_side), HOLDINGS_ROWS // 2) if longs else len(short_side)
    listed = longs[: HOLDINGS_ROWS - n_short] + short_side[:n_short]  # longs, then shorts: both sides shown
    rest = [k for k in held if k not in set(listed)]
    rows = []
    for k in listed:
        price = _num(prices[k], ",.2f") if prices is not None else "&mdash;"
        value = _dollars(values[k]) if values is not None else "&mdash;"
        rows.append(
            f"<tr><th>{_esc(sample.names[k])}</th><td>{_num(shares[k], ',.0f')}</td><td>{price}</td>"
            f"<td>{value}</td><td>{_num(detail.weights[k], '.2%')}</td></tr>"
        )
    weights = np.asarray(detail.weights)
    for side, in_side in (("long", lambda k: shares[k] > 0), ("short", lambda k: shares[k] < 0)):
        others = [k for k in rest if in_side(k)]
        if others:
            r = np.array(others)
            value = _dollars(float(values[r].sum())) if values is not None else "&mdash;"
            rows.append(
                f"<tr><th>{len(others)} other {side} holding{'' if len(others) == 1 else 's'}</th><td></td><td></td>"
                f"<td>{value}</td><td>{_num(weights[r].sum(), '.2%')}</td></tr>"
            )
    shorts = int((shares < 0).sum())
    if shorts and values is not None:  # the two sides, then the net
        for side, mask in (("long", shares > 0), ("short", shares < 0)):
            rows.append(
                f'<tr class="total"><th>{side} ({int(mask.sum())})</th><td></td><td></td>'
                f"<td>{_dollars(float(values[mask].sum()))}</td><td>{_num(weights[mask].sum(), '.2%')}</td></tr>"
            )
    total = _dollars(float(values.sum())) if values is not None else "&mdash;"
    short_words = f"; {shorts} short (negative shares and values)" if shorts else ""
    rows.append(
        f'<tr class="total"><th>net value</th><td></td><td></td><td>{total}</td>'
        f"<td>{_num(np.sum(weights), '.2%')}</td></tr>"
    )
    return f"""
<h2>Holdings at as_of ({_date(sample.as_of)})</h2>
<p class="caption">{len(held)} holdings with shares at as_of, the largest market values first (longs, then
shorts){short_words}{note}
(every holding's weight is in the next table).
Market value = shares &times; price; weight = market value / net value.</p>
<table class="holdings">
<thead><tr><th>holding</th><th>shares</th><th>price</th><th>market value</th><th>weight</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>"""


def _gap_table(detail: api.GapDetail) -> str:
    result = detail.result
    ranked = np.argsort(-np.nan_to_num(np.abs(detail.contribution), nan=-1.0), kind="stable")
    order = [
        k for k in ranked if detail.weights[k] != 0 or detail.average_weights[k] != 0 or detail.contribution[k] != 0
    ]
    rows = []

    def row(name: str, k: Any, css: str = "") -> str:
        cells = [
            _num(detail.weights[k], ".2%") if k is not None else "",
            _num(detail.average_weights[k], ".2%") if k is not None else "",
            _num(detail.betas[k]) if k is not None else "",
            _num(detail.drift[k]) if k is not None else "",
            _num(detail.interaction[k]) if k is not None else "",
            _num(detail.contribution[k]) if k is not None else "",
        ]
        return f'<tr class="{css}"><th>{name}</th>' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"

    for k in order[:TABLE_ROWS]:
        rows.append(row(_esc(result.names[k]), k))
    rest = order[TABLE_ROWS:]
    if rest:
        r = np.array(rest)
        rows.append(
            f"<tr><th>{len(rest)} other holdings</th><td>{_num(detail.weights[r].sum(), '.2%')}</td>"
            f"<td>{_num(detail.average_weights[r].sum(), '.2%')}</td><td></td><td>{_num(np.nansum(detail.drift[r]))}</td>"
            f"<td>{_num(np.nansum(detail.interaction[r]))}</td><td>{_num(np.nansum(detail.contribution[r]))}</td></tr>"
        )
    rows.append(
        f'<tr class="total"><th>total = GAP</th><td>{_num(np.nansum(detail.weights), ".2%")}</td>'
        f"<td>{_num(np.nansum(detail.average_weights), '.2%')}</td><td>{_num(result.wtd)}<span class='note'> (WTD)</span></td>"
        f"<td>{_num(np.nansum(detail.drift))}</td><td>{_num(np.nansum(detail.interaction))}</td><td>{_num(result.gap)}</td></tr>"
    )
    return f"""
<h2>Which holdings make the gap</h2>
<p class="caption">Largest absolute contributions first. Drift part = (average weight &minus; weight
as_of) &times; beta; interaction part = cov((w<sub>t&minus;1</sub> &minus; average weight) &times;
r<sub>t</sub>, m) / var(m); contribution = their sum, and the contributions add up to the gap.</p>
<table class="detail">
<thead><tr><th>holding</th><th>weight as_of</th><th>average weight</th><th>beta</th><th>drift part</th>
<th>interaction part</th><th>contribution</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>"""


def _valuation(result: api.PortfolioBeta, rf: float, premium: float, betas_rf: str) -> str:
    def value(beta: float) -> tuple[float, float]:
        k = rf + beta * premium
        return k, (PERPETUITY / k if k > 0 else math.nan)

    k_reg, v_reg = value(result.reg)
    k_wtd, v_wtd = value(result.wtd)
    diff = v_reg - v_wtd
    if math.isfinite(diff):
        words = (
            f"Valued with REG instead of WTD, the perpetuity is worth ${abs(diff):,.2f} "
            f"{'less' if diff < 0 else 'more'} ({_num(diff / v_wtd, '+.1%')} of its value under WTD)."
        )
    else:
        words = "A rate K of 0 or less gives the perpetuity no finite value: see the rates above."
    return f"""
<h2>What the gap is worth</h2>
<p class="caption">The CAPM rate K = rf + beta &times; premium under each beta, and the value of
${PERPETUITY:,.0f} a year forever, ${PERPETUITY:,.0f} / K. This section's own rates: rf {_num(rf, ".2%")} and
market premium {_num(premium, ".2%")}, chosen for the valuation (the betas' risk-free rate is another input:
{_esc(betas_rf)}).</p>
<table class="value">
<thead><tr><th></th><th>beta</th><th>K</th><th>value of ${PERPETUITY:,.0f} a year</th></tr></thead>
<tbody>
<tr><th>REG</th><td>{_num(result.reg)}</td><td>{_num(k_reg, ".2%")}</td><td>{_dollars(v_reg)}</td></tr>
<tr><th>WTD</th><td>{_num(result.wtd)}</td><td>{_num(k_wtd, ".2%")}</td><td>{_dollars(v_wtd)}</td></tr>
<tr class="total"><th>REG &minus; WTD</th><td>{_num(result.gap)}</td><td>{_num(k_reg - k_wtd, ".2%")}</td>
<td>{_dollars(diff)}</td></tr>
</tbody></table>
<p>{words}</p>"""


def _assumptions_section(result: api.PortfolioBeta, inputs: Inputs) -> str:
    rows = "\n".join(
        f"<tr><th>{_esc(what)}</th><td>{_esc(assumed)}</td></tr>" for what, assumed in assumptions(result, inputs)
    )
    return f"""
<h2>What the figures assume</h2>
<table class="facts">
{rows}
<tr><th>conventions</th><td>Each beta: the OLS slope, with intercept, of excess returns on the market's,
both betas on this one sample. A period's portfolio return: the value change of the holdings held at its
start over their value then (trades are never returns). The gap's standard error: that of the drift
portfolio's (actual minus as_of weights) slope on the market.</td></tr>
</table>"""


def default_title(result: api.PortfolioBeta, inputs: Inputs | None = None) -> str:
    """ "Portfolio of 10 holdings vs. SP500": the portfolio, not a file."""
    held = int(result.sample.held.sum())
    inputs = inputs or Inputs()
    benchmark = inputs.benchmark.split(" (")[0] if inputs.benchmark else "the market"
    kind = "Traded portfolio" if holdings_changes(result.sample) else "Portfolio"
    return f"{kind} of {held} holding{'' if held == 1 else 's'} vs. {benchmark}: beta two ways"


_CSS = """
@page { margin: 14mm 13mm 15mm 13mm; }  /* the printer's paper: A4 or Letter */
* { box-sizing: border-box; }
body { font-family: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", sans-serif; color: #222;
  font-size: 10pt; line-height: 1.35; margin: 0 auto; max-width: 186mm; padding: 8mm 0; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
h2 { font-size: 12pt; margin: 6mm 0 1.5mm; border-bottom: 1px solid #bbb; padding-bottom: 1mm;
  break-after: avoid; page-break-after: avoid; }
.sub { color: #555; margin: 0 0 4mm; }
.headline { display: flex; gap: 3mm; }
.box { flex: 1; border: 1px solid #bbb; border-radius: 2mm; padding: 2.5mm 3mm; }
.box.gap { background: #f3f3f3; }
.label { font-size: 8pt; color: #555; }
.big { font-size: 20pt; font-weight: bold; }
.se { font-size: 8.5pt; }
.caption { color: #444; font-size: 9pt; margin: 0 0 1mm; }
img.chart { width: 100%; display: block; break-inside: avoid; page-break-inside: avoid; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; break-inside: auto; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { padding: 0.8mm 1.5mm; border-bottom: 1px solid #e3e3e3; }
td { text-align: right; font-variant-numeric: tabular-nums; }
thead th { text-align: right; border-bottom: 1px solid #888; font-weight: 600; }
thead th:first-child, tbody th { text-align: left; font-weight: normal; }
tr.total th, tr.total td { border-top: 1px solid #888; font-weight: bold; }
table.facts th { text-align: left; font-weight: normal; color: #555; width: 32%; vertical-align: top; }
table.facts td { text-align: left; }
table.value { width: 70%; }
table.holdings { width: 80%; }
.note { font-weight: normal; color: #666; }
.block { break-inside: avoid; page-break-inside: avoid; }
footer { margin-top: 5mm; color: #777; font-size: 8pt; }
@media print { body { padding: 0; max-width: none; } }
"""


def render(
    stats: api.PortfolioStats,
    detail: api.GapDetail,
    rolling: api.RollingBeta | None,
    *,
    rf: float = 0.02,
    premium: float = 0.08,
    title: str | None = None,
    inputs: Inputs | None = None,
    benchmarks: api.ByBenchmark[api.PortfolioStats] | None = None,
) -> str:
    """The report's HTML, from figures already computed; ``benchmarks``: with several,
    each one's statistics (``stats`` are the primary's, the first)."""
    result = stats.result
    sample = result.sample
    inputs = inputs or Inputs()
    title = title or default_title(result, inputs)
    held = int(sample.held.sum())
    changes = holdings_changes(sample)
    holdings = f"{held} holding{'' if held == 1 else 's'}" + (
        f", traded on {len(changes)} dates" if changes else ", fixed share counts"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{_esc(title)}</title>
<style>{_CSS}</style></head>
<body>
<h1>{_esc(title)}</h1>
<p class="sub">{holdings}; {sample.n_returns} {_esc(sample.frequency)} returns from
{_date(sample.labels[0])} to {_date(sample.labels[-1])}; weights as of {_date(sample.as_of)}.</p>
{_headline(stats)}
{_benchmarks_section(benchmarks)}
<div class="block">{_assumptions_section(result, inputs)}</div>
<div class="block">{_valuation(result, rf, premium, _rf_words(sample, inputs))}</div>
<div class="block">{_rolling_section(rolling, sample)}</div>
<div class="block">{_weights_section(detail)}</div>
{_holdings_table(detail)}
{_gap_table(detail)}
<footer>Made with xl_portbeta: PORTBETA_REG, PORTBETA_WTD, BETA_GAP, PORTBETA_STATS,
BETA_GAP_DETAIL and PORTBETA_ROLLING of this portfolio.</footer>
</body></html>
"""


def _number(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PortbetaError(f"{name} {value!r} is not a number") from None
    if not math.isfinite(number):
        raise PortbetaError(f"{name} must be a finite number, not {value!r}")
    return number


@named("report")
def report(
    result: api.PortfolioBeta | api.ByBenchmark[api.PortfolioBeta],
    path: Any,
    *,
    window: int | None = None,
    rf: float = 0.02,
    premium: float = 0.08,
    title: str | None = None,
    inputs: Inputs | None = None,
    cap: float | None = None,
) -> Path:
    """Write the client report of ``result`` (a :class:`api.PortfolioBeta`) to ``path``
    as one self-contained HTML file, printable on A4 or Letter; returns the path.

    ``window``: returns per rolling window (default :func:`default_window`, about a
    year); ``rf`` and ``premium``: the annual risk-free rate and market premium of the
    valuation section (CAPM K = rf + beta x premium), not of the betas; ``title``: the
    page's (default :func:`default_title`, from the portfolio); ``inputs``: how the inputs
    were read (:class:`Inputs`), stated with what the figures assume; ``cap``: a beta cap,
    each beta tested against it under the headline (:func:`api.stats_of`). Several benchmarks
    (a :class:`api.ByBenchmark`): the report of the primary (the first), with a table
    of each benchmark's REG, WTD and GAP.
    """
    benchmarks = None
    if isinstance(result, api.ByBenchmark):
        benchmarks = api.ByBenchmark(result.benchmarks, tuple(r.stats for r in result.results))
        inputs = benchmark_inputs(inputs or Inputs(), result.benchmarks, 0)
        result = result.primary
    stats, detail = api.stats_of(result, cap=cap), api.gap_detail_of(result)
    assert isinstance(stats, api.PortfolioStats) and isinstance(detail, api.GapDetail)  # one benchmark's, for mypy
    rf, premium = annual_rate(_number(rf, "rf"), "rf"), annual_rate(_number(premium, "premium"), "premium")
    sample = result.sample
    if window is None:
        window = default_window(sample)
    rolling = result.rolling(window) if window is not None else None
    text = render(stats, detail, rolling, rf=rf, premium=premium, title=title, inputs=inputs, benchmarks=benchmarks)
    target = Path(path)
    target.write_text(text, encoding="utf-8")
    return target
