"""The command line, run as a user runs it (in this process: conftest.cli), on real data and on bad files."""

import json

import pandas as pd
import pytest
from conftest import cli

from xl_portbeta import api
from xl_portbeta.datasets import demo_portfolio


def test_demo_json_matches_the_api():
    run = cli("demo", "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    prices, shares, market = demo_portfolio()
    expected = api.portfolio_beta(prices, shares, market, prices.index.to_numpy())
    assert out["reg"] == pytest.approx(expected.reg, abs=1e-12)
    assert out["wtd"] == pytest.approx(expected.wtd, abs=1e-12)
    assert sum(h["contribution"] for h in out["holdings"]) == pytest.approx(out["gap"], abs=1e-12)
    assert out["stats"]["beta"]["current_weights"] == pytest.approx(expected.wtd, abs=1e-12)
    assert out["sample"] == {
        "first": "2022-01-03", "last": "2022-12-28", "returns": 248,
        "frequency": "daily", "dropped": [], "dropped_why": {}, "rf_carried": 0, "as_of": "2022-12-28",
        "periods_per_year": 252, "periods_per_year_from": "dates",
    }  # fmt: skip


def test_demo_json_says_whether_the_gap_is_real():
    run = cli("demo", "--json")
    out = json.loads(run.stdout)
    prices, shares, market = demo_portfolio()
    stats = api.portfolio_stats(prices, shares, market, prices.index.to_numpy())
    assert out["gap_standard_error"] == pytest.approx(stats.gap_se, abs=1e-15)
    assert out["gap_t"] == pytest.approx(stats.gap_fit.t_stat, rel=1e-12)
    assert out["stats"]["standard_error"]["difference"] == pytest.approx(stats.gap_se, abs=1e-15)
    assert out["stats"]["beta"]["difference"] == pytest.approx(out["gap"], abs=1e-12)
    assert out["stats"]["observations"]["difference"] is None


def test_demo_text_report_has_stats_and_attribution():
    run = cli("demo")
    assert run.returncode == 0, run.stderr
    for needed in ("PORTBETA_REG", "PORTBETA_WTD", "BETA_GAP", "PORTBETA_STATS", "BETA_GAP_DETAIL",
                   "standard error of beta", "Blume-adjusted beta", "AAPL", "total"):  # fmt: skip
        assert needed in run.stdout


def test_analyze_csv_by_name_with_rf_and_as_of(prices_csv):
    path, frame = prices_csv
    run = cli("analyze", str(path), "--shares", "AAPL=100,JPM=200,XOM=300", "--market", "SP500",
              "--rf", "2%", "--as-of", "2021-06-30", "--frequency", "weekly", "--json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    tickers = ["AAPL", "JPM", "KO", "XOM", "MSFT"]
    expected = api.portfolio_beta(
        frame[tickers].to_numpy(), [100, 200, 0, 300, 0], frame["SP500"].to_numpy(),
        frame.index.to_numpy(), "weekly", 0.02, pd.Timestamp("2021-06-30"),
    )  # fmt: skip
    assert out["reg"] == pytest.approx(expected.reg, abs=1e-12)
    assert out["wtd"] == pytest.approx(expected.wtd, abs=1e-12)
    assert out["sample"]["as_of"] == "2021-06-30" and out["sample"]["frequency"] == "weekly"
    assert [h["shares"] for h in out["holdings"]] == [100, 200, 0, 300, 0]


def test_analyze_xlsx_with_shares_in_column_order(prices_csv, tmp_path):
    _path, frame = prices_csv
    xlsx = tmp_path / "prices.xlsx"
    frame.reset_index().to_excel(xlsx, index=False)
    run = cli("analyze", str(xlsx), "--shares", "1,2,3,4,5", "--market", "SP500", "--json")
    assert run.returncode == 0, run.stderr
    expected = api.portfolio_beta(frame.iloc[:, :5].to_numpy(), [1, 2, 3, 4, 5], frame["SP500"].to_numpy())
    assert json.loads(run.stdout)["reg"] == pytest.approx(expected.reg, abs=1e-12)


@pytest.mark.parametrize(
    "edit,args,message",
    [
        (None, ["--market", "NASDAQ"], "no column 'NASDAQ' for --market"),
        (None, ["--market", "SP500", "--shares", "1,2"], "shares is 1 x 2: give one row (or column) of 5"),
        (None, ["--market", "SP500", "--shares", "TSLA=5"], "--shares names TSLA, not assets of prices.csv"),
        (None, ["--market", "SP500", "--shares", "lots"], "--shares 'lots': give numbers"),
        (
            None,
            ["--market", "SP500", "--frequency", "monthly", "--as-of", "2030-01-01"],
            "as_of 2030-01-01 is outside the dates",
        ),
        (
            ("KO", 17, "n/a"),
            ["--market", "SP500"],
            "xl-portbeta analyze: KO on 2021-01-27 (edited.csv row 18, column D) holds text 'n/a'\n",
        ),
        (
            ("Date", 4, "someday"),
            ["--market", "SP500"],
            "edited.csv row 5, column A (Date) holds 'someday', which is not a date",
        ),
        (
            ("SP500", 9, 0),
            ["--market", "SP500"],
            "market row 10 ('SP500', 2021-01-14) is 0: market levels must be positive",
        ),
    ],
)
def test_analyze_bad_input_is_one_line_and_exit_2(prices_csv, tmp_path, edit, args, message):
    path, frame = prices_csv
    if edit is not None:
        column, row, value = edit
        table = frame.reset_index().astype(object)
        table.loc[row - 1, column] = value
        path = tmp_path / "edited.csv"
        table.to_csv(path, index=False)
    if "--shares" not in args:
        args = args + ["--shares", "1,1,1,1,1"]
    run = cli("analyze", str(path), *args)
    assert run.returncode == 2
    assert run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert message in run.stderr


@pytest.mark.parametrize("name,content,message", [
    ("missing.csv", None, "no such file"),
    ("prices.txt", "a,b\n1,2\n", "use a .csv or .xlsx file"),
    ("broken.xlsx", "not a zip", "cannot be read as a table"),
])  # fmt: skip
def test_unreadable_files(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    run = cli("analyze", str(path), "--shares", "1", "--market", "m")
    assert run.returncode == 2 and message in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_text_in_an_xlsx_is_an_error_as_in_a_csv(prices_csv, tmp_path):
    _path, frame = prices_csv
    table = frame.reset_index().astype(object)
    table.loc[5, "KO"] = "n/a"
    xlsx = tmp_path / "text.xlsx"
    table.to_excel(xlsx, index=False)
    run = cli("analyze", str(xlsx), "--shares", "1,1,1,1,1", "--market", "SP500")
    assert run.returncode == 2 and "KO on 2021-01-11 (text.xlsx row 7, column D) holds text 'n/a'\n" in run.stderr


def test_a_dated_holdings_file_is_matched_to_the_prices_dates(prices_csv, tmp_path):
    path, frame = prices_csv
    holdings = pd.DataFrame(1.0, index=frame.index, columns=["AAPL", "JPM", "KO", "XOM", "MSFT"])
    holdings.iloc[100:, 0] = 3.0
    same = tmp_path / "holdings.csv"
    holdings.to_csv(same, date_format="%Y-%m-%d")
    run = cli("analyze", str(path), "--shares", str(same), "--market", "SP500", "--json")
    assert run.returncode == 0, run.stderr
    expected = api.portfolio_beta(frame.iloc[:, :5].to_numpy(), holdings.to_numpy(), frame["SP500"].to_numpy())
    assert json.loads(run.stdout)["reg"] == pytest.approx(expected.reg, abs=1e-12)
    newest_first = tmp_path / "holdings_desc.csv"  # dated rows are matched by date (statements on every date)
    holdings.iloc[::-1].to_csv(newest_first, date_format="%Y-%m-%d")
    run = cli("analyze", str(path), "--shares", str(newest_first), "--market", "SP500", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["reg"] == pytest.approx(expected.reg, abs=1e-12)
    other = tmp_path / "holdings_other.csv"  # a day later: its first Saturday is no prices date, refused by name
    holdings.set_axis(holdings.index + pd.Timedelta(days=1)).to_csv(other, date_format="%Y-%m-%d")
    run = cli("analyze", str(path), "--shares", str(other), "--market", "SP500")
    assert run.returncode == 2 and "holdings_other.csv row 6, column A is 2021-01-09, not one of the prices' dates" in (
        run.stderr
    )


@pytest.mark.parametrize("layout", ["long", "wide"])
def test_book_of_accounts_from_a_long_or_wide_file(prices_csv, tmp_path, layout):
    path, frame = prices_csv
    if layout == "long":  # tickers in any case; assets not listed are not held
        accounts = pd.DataFrame(
            {"account": ["a", "a", "b", "c"], "ticker": ["aapl", "KO", "JPM", "XOM"], "shares": [10, 20, 30, 5]}
        )
    else:
        accounts = pd.DataFrame(
            {"account": ["a", "b", "c"], "AAPL": [10, 0, 0], "ko": [20, 0, 0], "JPM": [0, 30, 0], "XOM": [0, 0, 5]}
        )
    holdings = tmp_path / "accounts.csv"
    accounts.to_csv(holdings, index=False)
    out_csv = tmp_path / "book.csv"
    run = cli("book", str(path), "--holdings", str(holdings), "--market", "SP500", "--json", "--csv", str(out_csv))
    assert run.returncode == 0, run.stderr
    rows = {r["account"]: r for r in json.loads(run.stdout)["accounts"]}
    assets = frame.drop(columns="SP500")
    for account, shares in {"a": {"AAPL": 10, "KO": 20}, "b": {"JPM": 30}, "c": {"XOM": 5}}.items():
        counts = [shares.get(c, 0) for c in assets.columns]
        expected = api.portfolio_beta(assets, counts, frame["SP500"], frame.index.to_numpy())
        assert rows[account]["reg"] == pytest.approx(expected.reg, abs=1e-12)
        assert rows[account]["wtd"] == pytest.approx(expected.wtd, abs=1e-12)
    written = pd.read_csv(out_csv, index_col="account")
    assert written.loc["a", "reg"] == pytest.approx(rows["a"]["reg"], abs=1e-12)


def test_book_file_with_an_unknown_ticker_is_one_line_and_exit_2(prices_csv, tmp_path):
    path, _ = prices_csv
    holdings = tmp_path / "accounts.csv"
    pd.DataFrame({"account": ["a"], "ticker": ["TSLA"], "shares": [1]}).to_csv(holdings, index=False)
    run = cli("book", str(path), "--holdings", str(holdings), "--market", "SP500")
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "TSLA" in run.stderr


def test_day_first_text_dates_are_never_guessed(prices_csv, tmp_path):
    """Regression (issue 14): 31/01/2000-style dates were read month-first without a word."""
    path, frame = prices_csv
    dayfirst = frame.copy()
    dayfirst.index = dayfirst.index.strftime("%d/%m/%Y")
    dayfirst_csv = tmp_path / "dayfirst.csv"
    dayfirst.to_csv(dayfirst_csv)
    common = ["--market", "SP500", "--shares", "AAPL=10,KO=20", "--json"]
    run = cli("analyze", str(dayfirst_csv), *common)
    assert run.returncode == 2
    assert "not an ISO date" in run.stderr and "--date-format" in run.stderr and "--dayfirst" in run.stderr
    assert run.stderr.count("\n") == 1
    iso = json.loads(cli("analyze", str(path), *common, "--as-of", "2021-06-30").stdout)
    for option in (["--dayfirst"], ["--date-format", "%d/%m/%Y"]):
        out = json.loads(cli("analyze", str(dayfirst_csv), *common, *option, "--as-of", "30/06/2021").stdout)
        assert out["reg"] == pytest.approx(iso["reg"], abs=1e-12)
        assert out["wtd"] == pytest.approx(iso["wtd"], abs=1e-12)
        assert out["sample"]["returns"] == iso["sample"]["returns"] == len(frame) - 1
        assert out["sample"]["as_of"] == "2021-06-30"
    run = cli("analyze", str(path), *common, "--as-of", "30/06/2021")  # --as-of follows the file's rule
    assert run.returncode == 2 and "--as-of '30/06/2021' is not a date" in run.stderr


def test_iso_dates_read_the_same_whatever_date_rule_is_given(prices_csv):
    """Found in review: with --dayfirst, ISO 2021-01-02 was read as 1 February."""
    path, _ = prices_csv
    common = ["--market", "SP500", "--shares", "AAPL=10,KO=20", "--json", "--as-of", "2021-06-04"]
    plain = json.loads(cli("analyze", str(path), *common).stdout)
    for option in (["--dayfirst"], ["--date-format", "%d/%m/%Y"]):
        out = json.loads(cli("analyze", str(path), *common, *option).stdout)
        assert out["sample"] == plain["sample"] and out["reg"] == plain["reg"]
        assert out["sample"]["as_of"] == "2021-06-04"


def test_a_blank_count_in_a_long_holdings_file_is_missing_not_zero(prices_csv, tmp_path):
    """Found in review: a listed ticker with a blank count was read as 0 shares."""
    path, _ = prices_csv
    holdings = tmp_path / "accounts.csv"
    holdings.write_text("account,ticker,shares\na,AAPL,100\na,KO,\nb,KO,50\n")
    run = cli("book", str(path), "--holdings", str(holdings), "--market", "SP500", "--json")
    rows = {r["account"]: r for r in json.loads(run.stdout)["accounts"]}
    assert "is empty or an error" in rows["a"]["notes"] and rows["a"]["reg"] is None
    assert rows["b"]["reg"] is not None and rows["b"]["notes"] == ""
    holdings.write_text("account,ticker,shares\na,AAPL,100\n,KO,5\n")
    run = cli("book", str(path), "--holdings", str(holdings), "--market", "SP500")
    assert run.returncode == 2 and "row 3 has no account" in run.stderr


def test_hong_kong_tickers_that_look_like_numbers_are_names(prices_csv, tmp_path, capsys):
    """Found in review: ``--shares 0700=800,0005=7`` was refused as "a number stored as
    text" (the counts were packed as an Excel range whose header row looked numeric). The
    CLI hands the API the counts by name; a ``ticker,shares`` file too."""
    from xl_portbeta import cli as command_line
    from xl_portbeta import files

    _, frame = prices_csv
    hk = frame[["AAPL", "KO", "SP500"]].rename(columns={"AAPL": "0700", "KO": "0005", "SP500": "HSI"})
    path = tmp_path / "hk.csv"
    hk.to_csv(path, date_format="%Y-%m-%d")
    expected = api.portfolio_beta(hk[["0700", "0005"]].to_numpy(), [800, 7], hk["HSI"].to_numpy())
    holdings = tmp_path / "hk_shares.csv"
    holdings.write_text("ticker,shares\n0005,7\n0700,800\n")
    for shares in ("0700=800,0005=7", str(holdings)):
        assert command_line.main(["analyze", str(path), "--shares", shares, "--market", "HSI", "--json"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["reg"] == pytest.approx(expected.reg, abs=1e-12)
        assert out["wtd"] == pytest.approx(expected.wtd, abs=1e-12)
        assert [(h["name"], h["shares"]) for h in out["holdings"]] == [("0700", 800), ("0005", 7)]
    prices = files.read_prices([str(path)], files.Options(market="HSI"))
    assert files.read_shares("0700=800", prices, files.Options()) == {"0700": 800.0, "0005": 0.0}
    assert files.read_shares("800,7", prices, files.Options()) == [800.0, 7.0]


def test_lags_and_blume_weight_options_reach_the_statistics():
    run = cli("demo", "--json", "--lags", "2", "--blume-weight", "0.5")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    prices, shares, market = demo_portfolio()
    result = api.portfolio_beta(prices, shares, market, prices.index.to_numpy())
    stats = api.stats_of(result, blume_weight=0.5, lags=2)
    assert out["stats"]["dimson_beta"]["actual_holdings"] == pytest.approx(stats.actual.dimson_beta, abs=1e-15)
    assert out["stats"]["blume_beta"]["current_weights"] == pytest.approx(0.5 * result.wtd + 0.5, abs=1e-12)
    assert out["stats"]["dimson_beta"]["actual_holdings"] != pytest.approx(result.stats.actual.dimson_beta, abs=1e-6)
    bad = cli("demo", "--lags", "0")
    assert bad.returncode == 2 and bad.stderr.strip() == "xl-portbeta demo: lags 0 must be at least 1"


# --------------------------------------------------------------------- what the text says it assumed (issue 24)


def test_analyze_states_its_assumptions_title_and_held_assets_only(prices_csv):
    path, _ = prices_csv
    common = [str(path), "--market", "SP500", "--shares", "AAPL=100,KO=300,MSFT=50", "--rf", "2%"]
    run = cli("analyze", *common)
    assert run.returncode == 0, run.stderr
    text = run.stdout
    assert text.splitlines()[0] == "Portfolio of 3 holdings vs. SP500: beta two ways"  # not the file's name
    block = text[text.index("assumed:") : text.index("PORTBETA_STATS")]
    assert "risk-free rate    2.00% a year on every date" in block
    assert "periods per year  252 daily periods a year, from the dates' spacing" in block
    assert "holdings          fixed share counts of 3 assets" in block
    assert "benchmark         SP500 (column of prices.csv)" in block
    assert "prices            prices.csv: one column per asset" in block
    detail = text[text.index("BETA_GAP_DETAIL") :]
    assert "(2 assets not held on the sample's dates left out)" in detail
    assert "JPM" not in detail and "XOM" not in detail and "AAPL" in detail and "KO" in detail
    titled = cli("analyze", *common, "--title", "Client X, growth sleeve")
    assert titled.stdout.splitlines()[0] == "Client X, growth sleeve"
    out = json.loads(cli("analyze", *common, "--json").stdout)
    assert out["title"] == "Portfolio of 3 holdings vs. SP500: beta two ways"
    assert out["assumptions"]["risk_free_rate"].startswith("2.00% a year on every date")
    assert out["assumptions"]["benchmark"] == "SP500 (column of prices.csv)"
    assert out["assumptions"]["as_of"].startswith(out["sample"]["as_of"])


def test_analyze_states_a_rate_column_and_the_dates_it_dropped(prices_csv, tmp_path):
    _, frame = prices_csv
    rates = frame.assign(RF="0.03")
    rates.iloc[[10, 40, 41], rates.columns.get_loc("RF")] = "#N/A"  # error cells: missing data
    rates.iloc[[60, 61], rates.columns.get_loc("RF")] = ""  # blanks: the rate before them carried forward
    path = tmp_path / "rates.csv"
    rates.to_csv(path, date_format="%Y-%m-%d")
    out = json.loads(
        cli("analyze", str(path), "--market", "SP500", "--shares", "AAPL=1", "--rf", "RF", "--json").stdout
    )
    said = out["assumptions"]["risk_free_rate"]
    assert said.startswith("one per date, from column RF of rates.csv: 3.00% on every date")
    assert "3 dates dropped for a missing rate" in said and out["sample"]["dropped_why"] == {"missing_rf": 3}
    assert "; 2 of the 248 periods carry a rate forward" in said and out["sample"]["rf_carried"] == 2


def test_book_prints_a_table_like_analyze_and_its_files_carry_the_dates(prices_csv, tmp_path):
    _, frame = prices_csv
    late = frame.copy()
    late.iloc[:20, late.columns.get_loc("KO")] = float("nan")  # KO's prices start 20 rows late
    path = tmp_path / "late.csv"
    late.to_csv(path, date_format="%Y-%m-%d")
    holdings = tmp_path / "accounts.csv"
    holdings.write_text("account,ticker,shares\na,AAPL,10\nb,KO,30\nc,XOM,5\nempty,JPM,0\n")
    common = [str(path), "--market", "SP500", "--holdings", str(holdings), "--rf", "1%"]
    run = cli("book", *common)
    assert run.returncode == 0, run.stderr
    text = run.stdout
    assert "nan" not in text.lower()
    lines = text.splitlines()
    assert lines[0] == "Book of 4 accounts vs. SP500"
    first, last = f"{frame.index[0]:%Y-%m-%d}", f"{frame.index[-1]:%Y-%m-%d}"
    assert lines[1].startswith(f"sample: {first} to {last}, {len(frame) - 1} daily returns; weights as of {last}")
    assert "1 account on other dates" in lines[1]
    assert "risk-free rate    1.00% a year on every date" in text
    header = next(line for line in lines if line.lstrip().startswith("account"))
    assert header.split()[-13:] == [
        "first",
        "date",
        "used",
        "last",
        "date",
        "used",
        "weights",
        "as",
        "of",
        "periods",
        "per",
        "year",
        "note",
    ]
    rows = {
        line.split()[0]: line for line in lines if line.startswith("  ") and line.split()[0] in ("a", "b", "c", "empty")
    }
    assert f"{frame.index[20]:%Y-%m-%d}" in rows["b"] and last in rows["b"]  # its own dates
    assert rows["b"].split()[-1] == "252"  # and its periods a year
    assert first not in rows["a"]  # the sample line's dates are not repeated
    assert rows["empty"].split()[1:] == ["holds", "nothing"]  # blanks, then the note
    # the note of the account on other dates: which, and why
    (note,) = [line for line in lines if line.startswith("  b: ")]
    assert f"its own dates: {frame.index[20]:%Y-%m-%d} to {last}, {len(frame) - 21} returns" in note
    assert f"most accounts': {first} to {last}, {len(frame) - 1} returns" in note and "it holds KO" in note
    out_csv = tmp_path / "book.csv"
    data = json.loads(cli("book", *common, "--json", "--csv", str(out_csv)).stdout)
    accounts = {r["account"]: r for r in data["accounts"]}
    assert (accounts["b"]["first_date"], accounts["b"]["last_date"]) == (f"{frame.index[20]:%Y-%m-%d}", last)
    assert (accounts["a"]["first_date"], accounts["empty"]["first_date"]) == (first, None)
    assert (accounts["b"]["as_of"], accounts["b"]["periods_per_year"], accounts["empty"]["as_of"]) == (last, 252, None)
    assert "its own dates" in accounts["b"]["notes"] and accounts["a"]["notes"] == ""
    assert data["sample"]["first"] == first and data["sample"]["returns"] == len(frame) - 1
    assert "samples differ" in data["sample"]["note"]
    assert data["sample"]["assumptions"]["risk_free_rate"] == "1.00% a year on every date"
    written = pd.read_csv(out_csv, index_col="account")
    assert written.loc["b", "first_date"] == f"{frame.index[20]:%Y-%m-%d}" and written.loc["a", "last_date"] == last
    assert written.loc["b", "as_of"] == last and written.loc["c", "periods_per_year"] == 252


def test_a_book_without_figures_says_so(prices_csv, tmp_path):
    path, _ = prices_csv
    holdings = tmp_path / "accounts.csv"
    holdings.write_text("account,ticker,shares\nz,AAPL,0\n")
    run = cli("book", str(path), "--market", "SP500", "--holdings", str(holdings))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[:2] == [
        "Book of 1 account vs. SP500",
        "sample: none, no account has figures (see the notes)",
    ]
    assert "nan" not in run.stdout.lower() and run.stdout.rstrip().endswith("holds nothing")
