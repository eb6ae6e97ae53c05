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
from pathlib import Path
from typing import Any

import numpy as np

from . import api, core, tables
from .errors import PortbetaError, named

__all__ = ["default_window", "report"]

PERPETUITY = 10.0  # dollars a year, forever: its value is PERPETUITY / K
TOP_WEIGHTS = 8  # holdings drawn in the weights chart
TABLE_ROWS = 30  # holdings listed one by one in the gap table; the rest in one row
MIN_ROLLING = 12  # fewer returns than this: no rolling chart


def default_window(sample: Any) -> int | None:
    """About a year of returns, at most half the sample: ``min(P, n // 2)`` (P the periods
    per year); None when the sample is too short for a rolling chart."""
    window = min(sample.periods_per_year, sample.n_returns // 2)
    return window if sample.n_returns >= MIN_ROLLING and window >= 3 else None


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
    fig, ax = _figure(7.2, 2.7)
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
    """The ``count`` largest holdings by |weight as_of|, ties by the larger drift."""
    drift = np.nan_to_num(np.abs(detail.average_weights - detail.weights))
    order = np.lexsort((-drift, -np.abs(detail.weights)))
    return np.array([k for k in order if detail.weights[k] != 0 or detail.average_weights[k] != 0][:count], dtype=int)


def _weights_chart(detail: api.GapDetail) -> str:
    sample = detail.result.sample
    paths = weight_paths(sample)
    fig, ax = _figure(7.2, 2.9)
    x = _x(sample.labels)
    for i, k in enumerate(_top_holdings(detail, TOP_WEIGHTS)):
        ax.plot(x, paths[:, k] * 100, color=COLORS[i % len(COLORS)], linewidth=1.1, label=sample.names[k])
    as_of = sample.as_of.to_pydatetime() if hasattr(sample.as_of, "to_pydatetime") else sample.as_of
    ax.axvline(as_of, color="#333333", linewidth=0.8, linestyle="--")
    ax.annotate("as_of", (as_of, 1.0), xycoords=("data", "axes fraction"), fontsize=7, ha="right", va="top")
    ax.set_ylabel("weight, %", fontsize=8)
    _style(ax)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.autofmt_xdate()
    return _png(fig)


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
<p class="use"><b>Which to use.</b> Use <b>REG</b> for what the portfolio <i>did</i>: its actual
holdings' value history regressed on the market, the beta to report as the portfolio's or a fund's
risk. Use <b>WTD</b> looking forward from today's weights (as of {_date(result.sample.as_of)}), or to
compare with an index fund holding those weights.</p>"""


def _rolling_section(rolling: api.RollingBeta | None, sample: Any) -> str:
    if rolling is None:
        return (
            f"<h2>Rolling betas</h2><p>The sample's {sample.n_returns} returns are too few for a rolling "
            f"chart (it needs at least {MIN_ROLLING}).</p>"
        )
    return f"""
<h2>Rolling betas</h2>
<p class="caption">REG and WTD over every window of {rolling.window} {sample.frequency} returns
(about {rolling.window / sample.periods_per_year:.1f} years), WTD with the weights on each window's
last date; the shaded band between them is the gap.</p>
{_rolling_chart(rolling)}"""


def _weights_section(detail: api.GapDetail) -> str:
    sample = detail.result.sample
    shown = len(_top_holdings(detail, TOP_WEIGHTS))
    return f"""
<h2>How the weights drifted</h2>
<p class="caption">Market-value weights of the {shown} largest holdings at as_of
({_date(sample.as_of)}), from the first date of the sample, {_date(sample.labels[0])}. Fixed share
counts drift with prices: the regression sees the weights along the way, WTD only those at as_of.</p>
{_weights_chart(detail)}"""


def _gap_table(detail: api.GapDetail) -> str:
    result = detail.result
    by_size = np.argsort(-np.nan_to_num(np.abs(detail.contribution), nan=-1.0), kind="stable")
    order = [
        k for k in by_size if detail.weights[k] != 0 or detail.average_weights[k] != 0 or detail.contribution[k] != 0
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


def _valuation(result: api.PortfolioBeta, rf: float, premium: float) -> str:
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
<p class="caption">The CAPM rate K = rf + beta &times; premium (rf {_num(rf, ".2%")}, market premium
{_num(premium, ".2%")}) under each beta, and the value of ${PERPETUITY:,.0f} a year forever, ${PERPETUITY:,.0f} / K.</p>
<table class="value">
<thead><tr><th></th><th>beta</th><th>K</th><th>value of ${PERPETUITY:,.0f} a year</th></tr></thead>
<tbody>
<tr><th>REG</th><td>{_num(result.reg)}</td><td>{_num(k_reg, ".2%")}</td><td>{_dollars(v_reg)}</td></tr>
<tr><th>WTD</th><td>{_num(result.wtd)}</td><td>{_num(k_wtd, ".2%")}</td><td>{_dollars(v_wtd)}</td></tr>
<tr class="total"><th>REG &minus; WTD</th><td>{_num(result.gap)}</td><td>{_num(k_reg - k_wtd, ".2%")}</td>
<td>{_dollars(diff)}</td></tr>
</tbody></table>
<p>{words}</p>"""


def _sample_section(sample: Any) -> str:
    dropped = sample.dropped
    if dropped:
        first = ", ".join(_date(d) for d in dropped[:5]) + (", &hellip;" if len(dropped) > 5 else "")
        dropped_text = f"{len(dropped)} (first: {first})"
    else:
        dropped_text = "none"
    return f"""
<h2>The sample</h2>
<table class="facts">
<tr><th>first / last date</th><td>{_date(sample.labels[0])} to {_date(sample.labels[-1])}</td></tr>
<tr><th>frequency</th><td>{_esc(sample.frequency)}: {_esc(tables.periods_note(sample))}</td></tr>
<tr><th>observations</th><td>{sample.n_returns} returns ({len(sample.labels)} dates)</td></tr>
<tr><th>dates dropped for missing data</th><td>{dropped_text}</td></tr>
<tr><th>weights as of</th><td>{_date(sample.as_of)}</td></tr>
<tr><th>conventions</th><td>Each beta is the OLS slope, with intercept, of excess returns (over the
risk-free rate) on the market's excess returns, on this one sample of dates for both betas. The
portfolio's return in a period is the value change of the holdings held at its start, divided by
their value then; trades are never returns. The gap's standard error is that of the OLS slope of
the drift portfolio's returns (actual minus current weights') on the market.</td></tr>
</table>"""


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
    title: str = "Portfolio beta: regression vs. weighted average",
) -> str:
    """The report's HTML, from figures already computed."""
    result = stats.result
    sample = result.sample
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{_esc(title)}</title>
<style>{_CSS}</style></head>
<body>
<h1>{_esc(title)}</h1>
<p class="sub">{len(result.names)} assets, {sample.n_returns} {_esc(sample.frequency)} returns from
{_date(sample.labels[0])} to {_date(sample.labels[-1])}; weights as of {_date(sample.as_of)}.</p>
{_headline(stats)}
<div class="block">{_rolling_section(rolling, sample)}</div>
<div class="block">{_weights_section(detail)}</div>
{_gap_table(detail)}
<div class="block">{_valuation(result, rf, premium)}</div>
<div class="block">{_sample_section(sample)}</div>
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
    result: api.PortfolioBeta,
    path: Any,
    *,
    window: int | None = None,
    rf: float = 0.02,
    premium: float = 0.08,
    title: str = "Portfolio beta: regression vs. weighted average",
) -> Path:
    """Write the client report of ``result`` (a :class:`api.PortfolioBeta`) to ``path``
    as one self-contained HTML file, printable on A4 or Letter; returns the path.

    ``window``: returns per rolling window (default :func:`default_window`, about a
    year); ``rf`` and ``premium``: the annual risk-free rate and market premium of the
    valuation section (CAPM K = rf + beta x premium), not of the betas.
    """
    stats, detail = api.stats_of(result), api.gap_detail_of(result)
    rf, premium = _number(rf, "rf"), _number(premium, "premium")
    sample = result.sample
    if window is None:
        window = default_window(sample)
    rolling = result.rolling(window) if window is not None else None
    text = render(stats, detail, rolling, rf=rf, premium=premium, title=title)
    target = Path(path)
    target.write_text(text, encoding="utf-8")
    return target
