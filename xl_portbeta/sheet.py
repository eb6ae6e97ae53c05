"""Results as cell values: never NaN (Office.js would show #NUM!), None for an empty cell."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Iterable

from .inputs import fail

if TYPE_CHECKING:  # only for the annotations: api imports nothing from here
    from .api import GapDetail, PortfolioStats, RollingBeta

__all__ = ["number", "row", "cell", "label", "stats_table", "detail_table", "rolling_table"]


def number(value: float, function: str) -> float:
    """A finite float for one cell; a non-finite one is a bug, reported as an error."""
    value = float(value)
    if not math.isfinite(value):
        raise fail(function, "the result is not a finite number; please report this input")
    return value


def cell(value: Any) -> Any:
    """A value for one cell of a table: NaN and None become an empty cell."""
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def row(values: Iterable[float], function: str) -> list[list[float]]:
    """One spilled row of finite floats."""
    return [[number(v, function) for v in values]]


def label(value: Any) -> Any:
    """A sample label for a cell: a datetime (Excel shows a date) or a row number."""
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value


def _pair(name: str, actual: Any, current: Any, note: str, difference: bool = True) -> list[Any]:
    diff = actual - current if difference and actual is not None and current is not None else None
    return [name, cell(actual), cell(current), cell(diff), note]


def stats_table(stats: "PortfolioStats") -> list[list[Any]]:
    """PORTBETA_STATS: statistics x (actual holdings, current weights, difference, note)."""
    a, c = stats.actual, stats.current
    sample = stats.result.sample
    periods = sample.periods_per_year
    regime_note = {}
    for side, key in (("up", "up_beta"), ("down", "down_beta")):
        if not math.isfinite(getattr(a, key)):
            regime_note[side] = f"empty: fewer than 3 {side}-market periods (or no variance among them)"
    rows = [
        ["statistic", "actual holdings", "current weights", "difference", "note"],
        _pair("beta", a.fit.beta, c.fit.beta, "OLS slope with intercept; actual = PORTBETA_REG, current = PORTBETA_WTD"),
        _pair("standard error of beta", a.fit.beta_se, c.fit.beta_se, "sqrt(s² / Σ(m - mean m)²), s² = SSR / (n - 2)", False),
        _pair("t statistic", a.fit.t_stat, c.fit.t_stat, "beta / standard error", False),
        _pair("95% CI low", a.ci_low, c.ci_low, "beta - t(0.975, n - 2) × standard error", False),
        _pair("95% CI high", a.ci_high, c.ci_high, "beta + t(0.975, n - 2) × standard error", False),
        _pair("R²", a.fit.r_squared, c.fit.r_squared, "share of variance explained by the market"),
        _pair("alpha per period", a.fit.alpha, c.fit.alpha, f"intercept, per {sample.frequency} period, over rf"),
        _pair("alpha annualized", a.alpha_annual, c.alpha_annual, f"(1 + alpha)^{periods} - 1"),
        _pair("residual volatility annualized", a.residual_vol_annual, c.residual_vol_annual, f"s × sqrt({periods})"),
        ["observations", a.fit.n, c.fit.n, None, f"{sample.frequency} returns"],
        ["first date used", label(sample.labels[0]), label(sample.labels[0]), None, "start of the first return"],
        ["last date used", label(sample.labels[-1]), label(sample.labels[-1]), None, "end of the last return"],
        ["dates dropped for missing data", len(sample.dropped), len(sample.dropped), None, "blank or error cells"],
        ["weights as of", label(sample.as_of), label(sample.as_of), None, "the current weights' date"],
        _pair("up-market beta", a.up_beta, c.up_beta, regime_note.get("up", "periods with market excess return > 0")),
        _pair("down-market beta", a.down_beta, c.down_beta, regime_note.get("down", "periods with market excess return < 0")),
        _pair("timing ratio (up / down)", a.timing_ratio, c.timing_ratio, "up-market beta / down-market beta", False),
        _pair("downside beta (Estrada)", a.downside_beta, c.downside_beta, "E[min(r - mean, 0) min(m - mean, 0)] / E[min(m - mean, 0)²]"),
        _pair("Blume-adjusted beta", a.blume_beta, c.blume_beta, "0.67 × beta + 0.33"),
    ]
    return rows


def detail_table(detail: "GapDetail") -> list[list[Any]]:
    """BETA_GAP_DETAIL: one row per holding, then a total whose contribution is BETA_GAP."""
    names = detail.result.names
    rows = [
        ["holding", "shares", "weight (as_of)", "average weight", "beta",
         "drift part", "interaction part", "contribution"],
    ]  # fmt: skip
    for k, name in enumerate(names):
        rows.append(
            [
                name,
                cell(float(detail.shares[k])),
                cell(float(detail.weights[k])),
                cell(float(detail.average_weights[k])),
                cell(float(detail.betas[k])),
                cell(float(detail.drift[k])),
                cell(float(detail.interaction[k])),
                cell(float(detail.contribution[k])),
            ]
        )
    rows.append(
        [
            "total",
            None,
            cell(float(detail.weights.sum())),
            cell(float(detail.average_weights.sum())),
            None,
            cell(float(detail.drift.sum())),
            cell(float(detail.interaction.sum())),
            cell(float(detail.result.gap)),
        ]
    )
    return rows


def rolling_table(rolling: "RollingBeta") -> list[list[Any]]:
    """PORTBETA_ROLLING: a header, then one row per window end: date, REG, WTD, GAP."""
    first = "date" if hasattr(rolling.labels[0], "to_pydatetime") else "row"
    rows = [[first, "REG", "WTD", "GAP"]]
    for k, end in enumerate(rolling.labels):
        rows.append([label(end), cell(float(rolling.reg[k])), cell(float(rolling.wtd[k])), cell(float(rolling.gap[k]))])
    return rows
