"""The client report (xl_portbeta.report, ``xl-portbeta report``): one self-contained
HTML file holding the figures of ``xl-portbeta demo --json``, rendered in headless
Chromium to a PNG that is not blank and to a PDF of 1-3 pages.

The Chromium tests skip (locally) without a ``chromium`` on PATH; ``.ci/run`` installs
it and sets ``XL_PORTBETA_REQUIRE_CHROMIUM=1``, which turns those skips into failures.
"""

from __future__ import annotations

import html
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from conftest import cli

import xl_portbeta as pb
from xl_portbeta import api
from xl_portbeta.datasets import demo_portfolio
from xl_portbeta.report_page import Inputs, default_window

report_module = importlib.import_module("xl_portbeta.report_page")

pytest.importorskip("matplotlib", reason='the report needs matplotlib: pip install ".[test]"')


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo portfolio's result, its report and ``xl-portbeta demo --json``."""
    prices, shares, market = demo_portfolio()
    result = pb.portfolio_beta(prices, shares, market, prices.index.to_numpy())
    path = pb.report(result, tmp_path_factory.mktemp("report") / "demo.html")
    run = cli("demo", "--json")
    assert run.returncode == 0, run.stderr
    return result, path, path.read_text(encoding="utf-8"), json.loads(run.stdout)


def text_of(page: str) -> str:
    """The page's visible text, one space between words, entities decoded."""
    body = re.sub(r"<style>.*?</style>|<img[^>]*>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_the_report_is_self_contained(demo):
    _, path, page, _ = demo
    assert path.suffix == ".html" and page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page and "@import" not in page and "url(" not in page
    sources = re.findall(r"""src\s*=\s*["']?([^"'\s>]*)""", page)
    assert len(sources) == 2  # the rolling chart and the weights chart
    assert all(s.startswith("data:image/png;base64,") for s in sources)
    assert "@page" in page  # a print layout, on the printer's paper


def test_the_report_holds_the_figures_of_demo_json(demo):
    _, _, page, figures = demo
    text = text_of(page)
    for key in ("reg", "wtd", "gap", "gap_standard_error"):
        assert f"{figures[key]:.4f}" in text, key
    assert f"standard error {figures['gap_standard_error']:.4f}, t {figures['gap_t']:.2f}" in text
    low, high = figures["stats"]["ci_low"]["difference"], figures["stats"]["ci_high"]["difference"]
    assert f"95% CI {low:.4f} to {high:.4f}" in text
    se = figures["stats"]["standard_error"]
    assert f"{se['actual_holdings']:.4f}" in text and f"{se['current_weights']:.4f}" in text
    for holding in figures["holdings"]:
        assert re.search(rf"(^|\s){re.escape(holding['name'])}\s", text), holding["name"]
    sample = figures["sample"]
    assert f"{sample['first']} to {sample['last']}" in text
    assert f"{sample['returns']} {sample['frequency']} returns" in text and "from the dates' spacing" in text
    assert "Use REG for what the portfolio did" in text and "Use WTD looking forward" in text


def test_the_gap_table_is_largest_contribution_first_and_totals_the_gap(demo):
    result, _, page, _ = demo
    table = page[page.index('<table class="detail">') : page.index("</table>", page.index('<table class="detail">'))]
    names = [html.unescape(n) for n in re.findall(r"<tr class=\"\"><th>([^<]+)</th>", table)]
    order = np.argsort(-np.abs(result.gap_by_holding), kind="stable")
    assert names == [result.names[k] for k in order]
    total = text_of(table[table.index('<tr class="total"') :])
    assert total.startswith("total = GAP") and total.endswith(f"{result.gap:.4f}")


def test_what_the_gap_is_worth(demo):
    result, _, page, _ = demo
    text = text_of(page)
    value = {b: 10 / (0.02 + b * 0.08) for b in (result.reg, result.wtd)}
    for beta, v in value.items():
        assert f"{0.02 + beta * 0.08:.2%} ${v:,.2f}" in text
    diff = value[result.reg] - value[result.wtd]
    assert f"−${abs(diff):,.2f}" in text  # REG > WTD on the demo: the higher rate, the lower value


def test_options_and_a_sample_too_short_for_rolling(tmp_path):
    prices, shares, market = demo_portfolio("2022-12-15", "2022-12-31")
    result = pb.portfolio_beta(prices, shares, market, prices.index.to_numpy())
    assert default_window(result.sample) is None
    page = pb.report(result, tmp_path / "short.html", rf=0.03, premium=0.05).read_text()
    assert "too few for a rolling chart" in text_of(page) and page.count("data:image/png") == 1
    assert f"{0.03 + result.reg * 0.05:.2%}" in text_of(page)
    with pytest.raises(pb.PortbetaError, match="PortfolioBeta"):
        pb.report(result.sample, tmp_path / "x.html")
    with pytest.raises(pb.PortbetaError, match="window 2"):
        pb.report(result, tmp_path / "x.html", window=2)


def test_default_window_is_about_a_year_at_most_half_the_sample():
    prices, shares, market = demo_portfolio("2019-01-01", "2022-12-31")
    sample = pb.build_sample(prices, shares, market, prices.index.to_numpy())
    assert default_window(sample) == 252
    monthly = pb.build_sample(prices, shares, market, prices.index.to_numpy(), "monthly")
    assert default_window(monthly) == 12


# --------------------------------------------------------------------- headless Chromium


def chromium() -> str:
    binary = os.environ.get("XL_PORTBETA_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        reason = "no chromium on PATH to render the report (apt-get install chromium)"
        if os.environ.get("XL_PORTBETA_REQUIRE_CHROMIUM"):
            pytest.fail(f"XL_PORTBETA_REQUIRE_CHROMIUM is set but {reason}")
        pytest.skip(reason)
    return binary


def headless(page: Path, *output: str) -> None:
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [
                chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}", *output, page.resolve().as_uri(),
            ],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]


def test_the_report_renders_in_chromium_to_a_page_that_is_not_blank(demo, tmp_path):
    _, path, _, _ = demo
    png = tmp_path / "report.png"
    headless(path, "--window-size=1240,1754", f"--screenshot={png}")
    from PIL import Image  # a dependency of matplotlib

    pixels = np.asarray(Image.open(png).convert("RGB")).astype(int)
    assert pixels.shape[:2] == (1754, 1240)
    ink = (pixels < 230).any(axis=2).mean()
    assert ink > 0.03, f"only {ink:.1%} of the screenshot is not white"
    # the charts' REG line (#1f4e79) and WTD line (#c55a11) are drawn
    for color in ((0x1F, 0x4E, 0x79), (0xC5, 0x5A, 0x11)):
        assert (np.abs(pixels - color).sum(axis=2) < 40).sum() > 200, color


def test_the_report_prints_on_one_to_three_pages(demo, tmp_path):
    _, path, _, _ = demo
    pdf = tmp_path / "report.pdf"
    headless(path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))
    assert 1 <= pages <= 3, pages


# --------------------------------------------------------------------- xl-portbeta report


def test_cli_report_of_a_prices_file_has_the_figures_of_analyze(prices_csv, tmp_path):
    path, _ = prices_csv
    options = [str(path), "--market", "SP500", "--shares", "AAPL=100,KO=300,MSFT=50", "--rf", "2%"]
    out = tmp_path / "client.html"
    run = cli("report", *options, "--as-of", "2021-06-30", "-o", str(out), "--premium", "6%")
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert out.is_file() and str(out) in run.stdout
    analyzed = json.loads(cli("analyze", *options, "--as-of", "2021-06-30", "--json").stdout)
    text = text_of(out.read_text())
    for key in ("reg", "wtd", "gap", "gap_standard_error"):
        assert f"{analyzed[key]:.4f}" in text, key
    assert "weights as of 2021-06-30" in text and "market premium 6.00%" in text


def test_cli_report_of_several_benchmarks_names_the_primary_and_shows_each(prices_csv, tmp_path):
    """JPM stands in for a second benchmark (any second column will do): the page is the
    primary's (SP500, the first), with each benchmark's REG, WTD and GAP as analyze gives them."""
    path, _ = prices_csv
    shares = ["--shares", "AAPL=100,KO=300,MSFT=50"]
    out = tmp_path / "two.html"
    run = cli("report", str(path), "--market", "SP500,JPM", *shares, "-o", str(out), "--json")
    assert run.returncode == 0 and run.stderr == "", run.stderr
    said = json.loads(run.stdout)
    assert said["primary_benchmark"] == "SP500" and [b["benchmark"] for b in said["benchmarks"]] == ["SP500", "JPM"]
    text = text_of(out.read_text())
    assert "against the primary benchmark, SP500 (the first given)" in text
    for k, name in enumerate(("SP500", "JPM")):
        alone = json.loads(
            cli("analyze", str(path), "--market", name, *shares, "--assets", "AAPL,KO,XOM,MSFT", "--json").stdout
        )
        figures = " ".join(f"{alone[key]:.4f}" for key in ("reg", "wtd", "gap", "gap_standard_error"))
        figures = figures.replace("-", "\N{MINUS SIGN}")  # the page's minus
        assert f"{name}{' (primary)' if k == 0 else ''} {figures}" in text, name
        assert said["benchmarks"][k]["reg"] == pytest.approx(alone["reg"], abs=1e-12, rel=0)
        if k == 0:  # the headline is the primary's
            assert f"REG — regression beta of the actual holdings {alone['reg']:.4f}" in text


def test_cli_report_of_the_demo(tmp_path):
    out = tmp_path / "demo.html"
    run = cli("report", "--demo", "-o", str(out))
    assert run.returncode == 0, run.stderr
    figures = json.loads(cli("demo", "--json").stdout)
    assert f"{figures['gap']:.4f}" in text_of(out.read_text())


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.csv", "--market", "SP500", "--shares", "1"], "missing.csv: no such file"),
        (["{csv}", "--market", "NOPE", "--shares", "1,2,3,4,5"], "no column 'NOPE' for --market"),
        (["{csv}", "--market", "SP500", "--shares", "1,2"], "xl-portbeta report: shares is 1 x 2"),
        (
            ["{csv}", "--market", "SP500"],
            "give a prices file, --market (or --market-file) and --shares (or --trades), or --demo",
        ),
        (["--demo", "--premium", "lots"], "--premium 'lots'"),
        (["--demo", "--window", "2"], "window 2 must be between 3"),
        (["--demo", "{csv}"], "--demo takes no prices file"),
    ],
)
def test_cli_report_bad_input_is_one_line_and_exit_2(prices_csv, tmp_path, args, message):
    out = tmp_path / "r.html"
    run = cli("report", *[a.replace("{csv}", str(prices_csv[0])) for a in args], "-o", str(out))
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("xl-portbeta report: ") and message in run.stderr
    assert run.stderr.count("xl-portbeta") == 1  # named once
    assert not out.exists()


def test_cli_report_to_a_folder_that_does_not_exist(tmp_path):
    run = cli("report", "--demo", "-o", str(tmp_path / "no" / "such" / "r.html"))
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "cannot be written" in run.stderr


def test_report_is_exported_and_its_module_never_hides_it():
    """pb.report, the function, imported when first asked for; importing its module (as the
    command line does) leaves it the function, and the Excel functions never import it."""
    import subprocess
    import sys

    code = (
        "import sys, xl_portbeta as pb, xl_portbeta.udfs\n"
        "assert 'xl_portbeta.report_page' not in sys.modules, 'the Excel functions imported the report'\n"
        "from xl_portbeta import report\n"
        "import xl_portbeta.report_page as page\n"
        "assert report is pb.report is page.report and callable(pb.report)\n"
        "print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr
    assert "report" in pb.__all__ and api.stats_of  # computed with the api's *_of functions
    with pytest.raises(AttributeError, match="has no attribute 'reportx'"):
        pb.reportx  # noqa: B018


def test_the_report_leaves_the_callers_matplotlib_alone(tmp_path):
    """No pyplot: the caller's backend and open figures are as they were."""
    code = (
        "import matplotlib; import xl_portbeta as pb; from xl_portbeta.datasets import demo_portfolio\n"
        "matplotlib.use('svg'); p, s, m = demo_portfolio('2022-06-01', '2022-12-31')\n"
        f"pb.report(pb.portfolio_beta(p, s, m, p.index.to_numpy()), {str(tmp_path / 'r.html')!r})\n"
        "import matplotlib.pyplot as plt; print(matplotlib.get_backend(), len(plt.get_fignums()))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["svg", "0"]  # (xlwings itself imports pyplot)


# --------------------------------------------------------------------- what the figures assume


def _assumed(page: str) -> dict[str, str]:
    block = page[page.index("<h2>What the figures assume</h2>") :]
    block = block[: block.index("</table>")]
    return {
        html.unescape(k): " ".join(html.unescape(v).split())
        for k, v in re.findall(r"<tr><th>([^<]+)</th><td>(.*?)</td></tr>", block, flags=re.S)
    }


def test_the_assumptions_block_holds_the_values_passed_in(tmp_path):
    """A per-date rf with two blanks, weekly returns, an as_of before the end, a holdings
    history with three changes, the files' columns and the benchmark: each stated."""
    prices, shares, market = demo_portfolio("2021-01-01", "2022-12-31")
    dates = prices.index
    history = np.tile(np.asarray(shares, dtype=float), (len(dates), 1))
    changed = [dates.get_loc(d) for d in ("2021-03-05", "2021-09-10", "2022-04-08")]  # Fridays: weekly dates
    for k, row in enumerate(changed):
        history[row:, k] += 10.0
    rf = np.linspace(0.01, 0.04, len(dates))
    rf[[dates.get_loc("2021-06-11"), dates.get_loc("2022-02-04")]] = np.nan  # two Fridays: dropped
    result = pb.portfolio_beta(prices, history, market, dates.to_numpy(), "weekly", rf.reshape(-1, 1), "2022-11-25")
    inputs = Inputs(
        prices="'Adj Close' of 19 files; 'Close' of MSFT.csv", benchmark="SPY (spy.csv)", rf="column RF of rates.csv"
    )
    page = pb.report(result, tmp_path / "a.html", inputs=inputs).read_text()
    assumed = _assumed(page)
    sample = result.sample
    assert assumed["sample"].startswith(f"{sample.labels[0]:%Y-%m-%d} to {sample.labels[-1]:%Y-%m-%d}: ")
    assert f"{sample.n_returns} weekly returns" in assumed["sample"]
    assert assumed["sample"].endswith("; 2021-06-11, 2022-02-04)")  # the dates dropped, named
    assert assumed["periods per year"] == "52 weekly periods a year"
    assert "from column RF of rates.csv" in assumed["risk-free rate"]
    assert "2 dates dropped for a missing rate" in assumed["risk-free rate"]
    kept_rates = rf[[dates.get_loc(d) for d in sample.labels[:-1]]]
    assert f"{np.nanmin(kept_rates):.2%} to {np.nanmax(kept_rates):.2%} a year" in assumed["risk-free rate"]
    assert assumed["as_of"].startswith("2022-11-25")
    assert "the shares change on 3 of the" in assumed["holdings"]
    assert "first 2021-03-05, last 2022-04-08" in assumed["holdings"]
    assert assumed["prices"] == inputs.prices and assumed["benchmark"] == inputs.benchmark
    # the valuation's rate is its own, and the betas' rate is named beside it
    text = text_of(page)
    assert "This section's own rates: rf 2.00%" in text and "the betas' risk-free rate is another input" in text
    assert "each window's WTD uses the shares held on its last date" in text


def test_a_constant_rate_and_fixed_shares_are_stated(tmp_path):
    prices, shares, market = demo_portfolio()
    result = pb.portfolio_beta(prices, shares, market, prices.index.to_numpy(), rf=0.05)
    assumed = _assumed(pb.report(result, tmp_path / "c.html").read_text())
    assert assumed["risk-free rate"].startswith("5.00% a year on every date, ")
    assert f"{(1.05) ** (1 / 252) - 1:.4%} a period" in assumed["risk-free rate"]
    held = int(np.count_nonzero(shares))
    assert assumed["holdings"].startswith(f"fixed share counts of {held} assets")
    no_rf = pb.portfolio_beta(prices, shares, market, prices.index.to_numpy())
    assert _assumed(pb.report(no_rf, tmp_path / "n.html").read_text())["risk-free rate"].startswith("none (0%)")


def test_a_traded_portfolio_is_described_as_one(tmp_path):
    """A holdings history trading most days: its weights stacked on month ends (not a line
    per date), its changes counted, and the title and rolling caption say it trades."""
    prices, shares, market = demo_portfolio("2020-01-01", "2022-12-31")
    rng = np.random.default_rng(7)
    history = np.tile(np.asarray(shares, dtype=float), (len(prices), 1))
    trades = np.flatnonzero(rng.random(len(prices)) < 0.6)[1:]
    for t in trades:
        history[t:, rng.integers(0, history.shape[1])] += 5.0
    history[:, :3] *= -0.3  # three short positions
    result = pb.portfolio_beta(prices, history, market, prices.index.to_numpy())
    changes = report_module.holdings_changes(result.sample)
    assert [prices.index.get_loc(d) for d in changes] == sorted(set(trades.tolist()))
    rows, period = report_module.resampled_rows(result.sample.labels)
    assert period == "month" and len(rows) == 36
    month_ends = prices.groupby(prices.index.to_period("M")).tail(1).index
    assert [result.sample.labels[k] for k in rows] == list(month_ends)
    page = pb.report(result, tmp_path / "t.html").read_text()
    text = text_of(page)
    assert text.startswith(f"Traded portfolio of {int(result.sample.held.sum())} holdings")
    assert "on the last date of each month (36 points)" in text and "stacked below 0" in text
    assert f"The holdings change on {len(changes)} of the sample's {len(prices)} dates" in text
    assert "each window's WTD uses the shares held on its last date" in text
    assert _assumed(page)["holdings"].startswith(f"a holdings history: the shares change on {len(changes)} of the")
    weekly, name = report_module.resampled_rows(result.sample.labels[-200:])
    assert name == "week" and len(weekly) < 50


@pytest.mark.parametrize("rates,message", [(dict(rf=2.0), "rf is 2, 200%"), (dict(premium=8), "premium is 8, 800%")])
def test_the_reports_rates_typed_as_percents_are_refused(tmp_path, rates, message):
    """rf's rule for the valuation's rates (issue 20): 8 for 8% is refused, not read as 800%."""
    prices, shares, market = demo_portfolio()
    result = api.portfolio_beta(prices, shares, market)
    with pytest.raises(pb.PortbetaError) as error:
        pb.report(result, tmp_path / "r.html", **rates)
    assert str(error.value) == f"report: {message} a year: enter annual rates as decimals (5% or 0.05)"
    assert not (tmp_path / "r.html").exists()


def test_the_report_tests_both_betas_against_a_beta_cap(tmp_path):
    """--beta-cap: a section with each beta's p-value above the cap (scipy's t on the
    figures of demo --json) and its verdict; the method-decides line when the cap lies
    between REG and WTD; nothing of it without a cap."""
    from scipy import stats as scipy_stats

    figures = json.loads(cli("demo", "--json").stdout)["stats"]
    reg, wtd = figures["beta"]["actual_holdings"], figures["beta"]["current_weights"]
    n = figures["observations"]["actual_holdings"]
    for cap, decided in ((round((reg + wtd) / 2, 4), True), (1.2, False)):
        out = tmp_path / f"cap{cap}.html"
        run = cli("report", "--demo", "--beta-cap", str(cap), "-o", str(out))
        assert run.returncode == 0, run.stderr
        text = text_of(out.read_text())
        assert f"Against the beta cap of {cap:g}" in text
        for column in ("actual_holdings", "current_weights"):
            p = scipy_stats.t.sf((figures["beta"][column] - cap) / figures["standard_error"][column], n - 2)
            assert f"{p:.4f}" in text
        assert ("The method decides the breach" in text) == decided
        assert ("below the cap at 95%" in text) == (not decided)  # both betas are far below 1.2
    plain = tmp_path / "plain.html"
    cli("report", "--demo", "-o", str(plain))
    assert "beta cap" not in text_of(plain.read_text())
