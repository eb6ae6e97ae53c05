"""The files analysts have (tests/data, written by tests/data/make_data.py from the bundled
data): each layout, option and message of the command line's file reading."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import cli
from openpyxl.utils import get_column_letter

from xl_portbeta import files

DATA = Path(__file__).resolve().parent / "data"
SHARES = {"AAPL": 100.0, "KO": 400.0, "XOM": 250.0}
SHARES_OPTION = "AAPL=100,KO=400,XOM=250"


def run(*args, cwd=DATA):
    """``xl-portbeta`` in this process (fast): exit code, stdout, stderr."""
    done = cli(*args, cwd=cwd)
    return done.returncode, done.stdout, done.stderr


def figures(*args):
    code, out, err = run("analyze", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def error(*args, command="analyze"):
    code, out, err = run(command, *args)
    assert code == 2 and out == "", (code, out, err)
    assert err.count("\n") == 1, err
    return err.strip()


def hand_betas(shares: dict) -> tuple[float, float]:
    """REG and WTD by hand from wide.csv read by pandas: drop the dates with a blank price of
    a held asset (an asset never held does not drop dates), value the fixed shares, OLS
    slopes as cov / var; WTD with the last date's value weights."""
    frame = pd.read_csv(DATA / "wide.csv", index_col="Date", parse_dates=True).dropna(subset=[*shares, "SPX"])
    assets = frame[list(shares)]
    r = assets.pct_change().dropna()
    m = frame["SPX"].pct_change().dropna()
    value = assets @ pd.Series(shares)
    p = value.pct_change().dropna()

    def slope(y):
        return np.cov(y, m)[0, 1] / np.var(m, ddof=1)

    weights = assets.iloc[-1] * pd.Series(shares) / value.iloc[-1]
    return slope(p), sum(weights[a] * slope(r[a]) for a in shares)


@pytest.mark.parametrize("index,letter", [(0, "A"), (3, "D"), (25, "Z"), (26, "AA"), (27, "AB"), (51, "AZ"), (52, "BA"),
                                          (701, "ZZ"), (702, "AAA"), (16383, "XFD")])  # fmt: skip
def test_column_letter(index, letter):
    assert files.column_letter(index) == letter


def test_column_letter_agrees_with_openpyxl():
    assert all(files.column_letter(k) == get_column_letter(k + 1) for k in range(18278))  # openpyxl stops at ZZZ


# --------------------------------------------------------------------- layouts

LAYOUTS = {
    "wide": ["wide.csv", "--market", "SPX"],
    "wide, market in its own file": ["wide.csv", "--market-file", "spx.csv", "--assets", "AAPL,KO,XOM"],
    "long, market a ticker": ["long.csv", "--market", "spx"],
    "long, market in a wide file": ["long.csv", "--market-file", "spx.csv", "--assets", "aapl,ko,xom"],
    "long, market in a Yahoo file": ["long.csv", "--market-file", "market/SPX.csv", "--assets", "AAPL,KO,XOM"],
    "Yahoo folder": ["yahoo", "--market-file", "market/SPX.csv"],
    "Yahoo files, market one of them": [
        "yahoo/AAPL.csv",
        "yahoo/KO.csv",
        "yahoo/XOM.csv",
        "market/SPX.csv",
        "--market",
        "SPX",
    ],
    "wide, numbers exported with $ and 1,234.5": ["exported.csv", "--market", "SPX", "--thousands", ","],
    "wide, numbers exported as 1.234,5": ["exported_eu.csv", "--market", "SPX", "--thousands", ".", "--decimal", ","],
}


@pytest.fixture(scope="module")
def wide():
    return figures(*LAYOUTS["wide"], "--shares", SHARES_OPTION)


def test_the_wide_file_gives_the_hand_derived_betas(wide):
    reg, wtd = hand_betas(SHARES)
    assert wide["reg"] == pytest.approx(reg, abs=1e-12)
    assert wide["wtd"] == pytest.approx(wtd, abs=1e-12)
    assert wide["sample"]["returns"] == 34 and wide["sample"]["dropped"] == ["2020-06-30"]
    assert wide["sample"]["frequency"] == "monthly"


@pytest.mark.parametrize("layout", [k for k in LAYOUTS if k != "wide"])
def test_every_layout_gives_the_wide_files_betas(wide, layout):
    """Long rows, Yahoo files (KO has no row for 2020-06-30: an outer join makes it missing
    and the date is dropped, as the wide file's blank cell is) and exported numbers."""
    out = figures(*LAYOUTS[layout], "--shares", SHARES_OPTION)
    for key in ("reg", "wtd", "gap", "gap_standard_error"):
        assert out[key] == pytest.approx(wide[key], abs=1e-12), key
    assert out["sample"] == wide["sample"]
    assert [h["name"] for h in out["holdings"]] == ["AAPL", "KO", "XOM"]


def test_a_missing_date_is_never_a_zero_or_a_carried_price():
    prices = files.read_prices([str(DATA / "yahoo")], files.Options(market_file=str(DATA / "market" / "SPX.csv")))
    ko = prices.assets["KO"]
    gap = np.flatnonzero(prices.dates == np.datetime64("2020-06-30"))
    assert len(gap) == 1 and np.isnan(ko.iloc[gap[0]])
    assert np.isfinite(prices.assets["AAPL"].iloc[gap[0]]) and len(prices.dates) == 36


def test_long_columns_named_by_options_in_any_case(tmp_path, wide):
    text = (DATA / "long.csv").read_text().replace("date,ticker,price", "Day,SYMBOL,Last", 1)
    (tmp_path / "quotes.csv").write_text(text)
    out = figures(tmp_path / "quotes.csv", "--dates", "day", "--ticker-column", "symbol", "--price-column", "LAST",
                  "--market", "SPX", "--shares", SHARES_OPTION)  # fmt: skip
    assert out["reg"] == pytest.approx(wide["reg"], abs=1e-12)
    message = error(tmp_path / "quotes.csv", "--ticker-column", "symbol", "--market", "SPX", "--shares", "1")
    assert message == (
        "xl-portbeta analyze: quotes.csv: no column named 'Date' (columns: Day, SYMBOL, Last): name the dates column with --dates"
    )


def test_long_dates_follow_the_date_rule_and_as_of(tmp_path, wide):
    long = pd.read_csv(DATA / "long.csv", parse_dates=["date"])
    long["date"] = long["date"].dt.strftime("%d/%m/%Y")
    long.to_csv(tmp_path / "dayfirst.csv", index=False)
    message = error(tmp_path / "dayfirst.csv", "--market", "SPX", "--shares", "1")
    assert message.startswith(
        "xl-portbeta analyze: dayfirst.csv row 2, column A (date) holds '31/01/2019', not an ISO date"
    )
    as_of = figures("wide.csv", "--market", "SPX", "--shares", SHARES_OPTION, "--as-of", "2020-12-31")
    assert as_of["wtd"] != wide["wtd"] and as_of["sample"]["as_of"] == "2020-12-31"
    for rule in (["--dayfirst"], ["--date-format", "%d/%m/%Y"]):
        out = figures(
            tmp_path / "dayfirst.csv", "--market", "SPX", "--shares", SHARES_OPTION, "--as-of", "31/12/2020", *rule
        )
        assert out["reg"] == pytest.approx(as_of["reg"], abs=1e-12) and out["wtd"] == pytest.approx(
            as_of["wtd"], abs=1e-12
        )
        assert out["sample"] == as_of["sample"]


def test_long_file_problems_name_the_row(tmp_path):
    lines = (DATA / "long.csv").read_text().splitlines()
    (tmp_path / "twice.csv").write_text("\n".join(lines + [lines[5]]) + "\n")
    assert error(tmp_path / "twice.csv", "--market", "SPX", "--shares", "1") == (
        "xl-portbeta analyze: twice.csv row 145, column B: AAPL on 2019-05-31 is there twice"
    )
    lines[20] = lines[20].rsplit(",", 1)[0] + ",n/a"
    (tmp_path / "text.csv").write_text("\n".join(lines) + "\n")
    assert error(tmp_path / "text.csv", "--market", "SPX", "--shares", "1") == (
        "xl-portbeta analyze: AAPL on 2020-08-31 (text.csv row 21, column C) holds text 'n/a'"
    )
    assert error("long.csv", "--market", "QQQ", "--shares", "1") == (
        "xl-portbeta analyze: --market 'QQQ' is none of the tickers of long.csv (AAPL, KO, SPX, XOM): or give --market-file"
    )
    assert "give --market TICKER" in error("long.csv", "--shares", "1")


def test_yahoo_files_read_adj_close_and_only_the_column_chosen(tmp_path):
    """Volume holds 0 and one 'n/a': unused, it stops nothing; chosen, it is a bad cell."""
    reg, _ = hand_betas({"AAPL": 1.0})
    out = figures("yahoo", "--market-file", "market/SPX.csv", "--shares", "AAPL=1")
    assert out["reg"] == pytest.approx(reg, abs=1e-12)  # Adj Close, which wide.csv holds
    close = pd.read_csv(DATA / "yahoo" / "AAPL.csv", index_col="Date", parse_dates=True)["Close"]
    assert not np.allclose(close, pd.read_csv(DATA / "wide.csv", index_col="Date", parse_dates=True)["AAPL"])
    market = pd.read_csv(DATA / "market" / "SPX.csv", index_col="Date", parse_dates=True)["Close"]
    r, m = close.pct_change().dropna(), market.pct_change().dropna()
    by_close = figures("yahoo", "--market-file", "market/SPX.csv", "--shares", "AAPL=1", "--price-column", "close")
    assert by_close["reg"] == pytest.approx(np.cov(r, m)[0, 1] / np.var(m, ddof=1), abs=1e-12)
    assert error("yahoo", "--market-file", "market/SPX.csv", "--shares", "AAPL=1", "--price-column", "Volume") == (
        "xl-portbeta analyze: AAPL on 2019-04-30 (AAPL.csv row 5, column G) holds text 'n/a'"
    )
    # no Adj Close: Close; neither: the option that chooses
    folder = tmp_path / "closes"
    folder.mkdir()
    for name in ("AAPL", "KO"):
        pd.read_csv(DATA / "yahoo" / f"{name}.csv").drop(columns="Adj Close").to_csv(
            folder / f"{name}.csv", index=False
        )
    shutil.copy(DATA / "market" / "SPX.csv", folder / "SPX.csv")
    assert figures(folder, "--market", "spx", "--shares", "AAPL=1")["reg"] == pytest.approx(by_close["reg"], abs=1e-12)
    pd.read_csv(DATA / "yahoo" / "KO.csv")[["Date", "Open"]].to_csv(folder / "KO.csv", index=False)
    assert error(folder, "--market", "SPX", "--shares", "AAPL=1") == (
        "xl-portbeta analyze: KO.csv: no 'Adj Close' or 'Close' column: choose one with --price-column (columns: Date, Open)"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    assert error(empty, "--market", "SPX", "--shares", "1").endswith("a folder with no .csv or .xlsx files")


# --------------------------------------------------------------------- holdings


def test_holdings_rows_match_tickers_without_regard_to_case(tmp_path):
    by_rows = figures("wide.csv", "--market", "SPX", "--shares", "holdings.csv")
    by_option = figures("wide.csv", "--market", "spx", "--shares", "aapl=100,XOM=250")
    assert by_rows["reg"] == by_option["reg"] and by_rows["wtd"] == by_option["wtd"]
    reg, wtd = hand_betas({"AAPL": 100.0, "XOM": 250.0})
    assert by_rows["reg"] == pytest.approx(reg, abs=1e-12) and by_rows["wtd"] == pytest.approx(wtd, abs=1e-12)
    assert [h["shares"] for h in by_rows["holdings"]] == [100, 0, 250]  # KO not listed: not held
    (tmp_path / "bad.csv").write_text("ticker,shares\nAAPL,100\nTSLA,5\n")
    assert error("wide.csv", "--market", "SPX", "--shares", tmp_path / "bad.csv") == (
        "xl-portbeta analyze: bad.csv: tickers that are not assets of the prices: TSLA"
    )
    (tmp_path / "twice.csv").write_text("ticker,shares\nAAPL,100\naapl,5\n")
    assert error("wide.csv", "--market", "SPX", "--shares", tmp_path / "twice.csv").endswith(
        "twice.csv: lists AAPL twice"
    )
    (tmp_path / "blank.csv").write_text("ticker,shares\nAAPL,100\nko,\n")
    assert error("wide.csv", "--market", "SPX", "--shares", tmp_path / "blank.csv") == (
        "xl-portbeta analyze: KO shares (blank.csv row 3, column B) is empty or an error: enter 0 for an asset not held"
    )
    (tmp_path / "text.csv").write_text("ticker,shares\nAAPL,lots\n")
    assert error("wide.csv", "--market", "SPX", "--shares", tmp_path / "text.csv") == (
        "xl-portbeta analyze: AAPL shares (text.csv row 2, column B) holds text 'lots'"
    )


def test_accounts_rows_in_a_book(tmp_path):
    code, out, err = run("book", "long.csv", "--market", "SPX", "--holdings", "accounts.csv", "--json")
    assert code == 0, err
    rows = {r["account"]: r for r in json.loads(out)["accounts"]}
    for account, shares in {"fund A": {"AAPL": 100.0, "XOM": 250.0}, "fund B": {"KO": 400.0}}.items():
        reg, wtd = hand_betas(shares)
        assert rows[account]["reg"] == pytest.approx(reg, abs=1e-12)
        assert rows[account]["wtd"] == pytest.approx(wtd, abs=1e-12)


# --------------------------------------------------------------------- numbers and used columns


def test_number_rule():
    plain, us, eu = files.NumberRule(), files.NumberRule(","), files.NumberRule(".", ",")
    assert plain.parse(" 1234.5 ") == 1234.5 and plain.parse("1e3") == 1000.0
    for text in ("1,234.5", "$12", "nan", "inf", "1_000", "12%"):
        assert plain.parse(text) is None, text
    assert us.parse("$1,234.50") == 1234.5 and us.parse("-1,234,567") == -1234567.0 and us.parse("12") == 12.0
    for text in ("1,23", "12,34.5", "1,2345"):  # not groups of three: not a number, never 123
        assert us.parse(text) is None, text
    assert eu.parse("1.234,5 €") == 1234.5 and eu.parse("0,5") == 0.5
    assert eu.parse("1.5") is None  # with a decimal comma, 1.5 is no thousands grouping


def test_a_column_by_the_rule_cell_by_cell_or_at_once():
    """floats reads plain numbers at once and the rest one by one: the same rule either way."""
    frame = pd.DataFrame({"p": ["1.234", "12", " 7 ", None, "#N/A", "1.234,5"]})
    table = files.Table("t.csv", frame)
    eu = files.floats(table, "p", files.NumberRule(".", ","), str)
    np.testing.assert_array_equal(eu, [1234.0, 12.0, 7.0, np.nan, np.nan, 1234.5])
    with pytest.raises(files.InputError, match=r"^5 \(t.csv row 7, column A\) holds text '1.234,5'"):
        files.floats(table, "p", files.NumberRule(), str)
    comma = files.floats(files.Table("t.csv", frame.iloc[:5]), "p", files.NumberRule(","), str)
    np.testing.assert_array_equal(comma, [1.234, 12.0, 7.0, np.nan, np.nan])
    with pytest.raises(files.InputError, match=r"holds text '1.234'$"):
        files.floats(table, "p", files.NumberRule(None, ","), str)


def test_exported_numbers_are_read_only_when_said(tmp_path):
    assert error("exported.csv", "--market", "SPX", "--shares", "1,1,1") == (
        "xl-portbeta analyze: AAPL on 2019-01-31 (exported.csv row 2, column B) holds text '$40.044': a number with a "
        "currency sign? give --thousands , (for 1,234.5) or --thousands . --decimal , (for 1.234,5)"
    )
    (tmp_path / "thousands.csv").write_text(
        'Date,AAPL,SPX\n2019-01-31,40.044,"2,704.1"\n2019-02-28,41.837,"2,784.49"\n'
    )
    assert error(tmp_path / "thousands.csv", "--market", "SPX", "--shares", "1") == (
        "xl-portbeta analyze: SPX on 2019-01-31 (thousands.csv row 2, column C) holds text '2,704.1': a number with "
        "thousands separators? give --thousands , (or --decimal , if the comma is a decimal point)"
    )
    assert error("exported_eu.csv", "--market", "SPX", "--shares", "1,1,1").endswith(
        "holds text '40,044': a number with thousands separators? give --thousands , (or --decimal , if the comma is a decimal point)"
    )
    assert error("exported_eu.csv", "--market", "SPX", "--shares", "1,1,1", "--thousands", ",") == (
        "xl-portbeta analyze: SPX on 2019-01-31 (exported_eu.csv row 2, column E) holds text '2.704,100'"
    )


def test_a_thousands_separator_that_is_the_decimal_sign_is_refused():
    assert error("exported_eu.csv", "--market", "SPX", "--shares", "1,1,1", "--thousands", ".") == (
        "xl-portbeta analyze: --thousands . is the decimal sign too: give --decimal (e.g. --thousands . --decimal ,)"
    )


def test_only_the_used_columns_of_a_wide_file_are_checked(wide):
    """notes.csv: a Notes column of text (column B) and 'n/a' in XOM on 2020-09-30."""
    out = figures("notes.csv", "--market", "SPX", "--assets", "aapl,KO", "--shares", "AAPL=100,KO=400")
    reg, wtd = hand_betas({"AAPL": 100.0, "KO": 400.0})
    assert out["reg"] == pytest.approx(reg, abs=1e-12) and out["wtd"] == pytest.approx(wtd, abs=1e-12)
    assert [h["name"] for h in out["holdings"]] == ["AAPL", "KO"]
    assert error("notes.csv", "--market", "SPX", "--shares", "AAPL=1") == (
        "xl-portbeta analyze: Notes on 2019-01-31 (notes.csv row 2, column B) holds text 'rebalanced': "
        "if this column is not an asset, name the assets with --assets"
    )
    assert error("notes.csv", "--market", "SPX", "--assets", "AAPL,KO,XOM", "--shares", "AAPL=1") == (
        "xl-portbeta analyze: XOM on 2020-09-30 (notes.csv row 22, column E) holds text 'n/a'"
    )
    assert error("notes.csv", "--market", "SPX", "--assets", "AAPL,IBM", "--shares", "1").startswith(
        "xl-portbeta analyze: --assets names IBM, not assets of notes.csv"
    )


def test_a_dates_column_not_named_date_gets_the_option(wide):
    assert error("day.csv", "--market", "SPX", "--shares", "1,1,1,1") == (
        "xl-portbeta analyze: Day (day.csv row 2, column A) holds text '2019-01-31': if this column holds the dates, "
        "name it with --dates"
    )
    out = figures("day.csv", "--market", "SPX", "--dates", "DAY", "--shares", SHARES_OPTION)
    assert out["reg"] == pytest.approx(wide["reg"], abs=1e-12) and out["sample"] == wide["sample"]


def test_an_xlsx_names_its_cells_as_excel_does(tmp_path):
    table = pd.read_csv(DATA / "notes.csv", keep_default_na=False)
    table.to_excel(tmp_path / "notes.xlsx", index=False)
    assert error(tmp_path / "notes.xlsx", "--market", "SPX", "--assets", "XOM", "--shares", "1") == (
        "xl-portbeta analyze: XOM on 2020-09-30 (notes.xlsx row 22, column E) holds text 'n/a'"
    )


def test_rf_column_in_any_case(tmp_path, wide):
    frame = pd.read_csv(DATA / "wide.csv").assign(Rate="0.0")
    frame.to_csv(tmp_path / "rates.csv", index=False)
    out = figures(tmp_path / "rates.csv", "--market", "SPX", "--rf", "rate", "--shares", SHARES_OPTION)
    assert out["reg"] == pytest.approx(wide["reg"], abs=1e-12)
    assert "a column of rates is read from a wide prices file only" in error(
        "long.csv", "--market", "SPX", "--rf", "rate", "--shares", "1"
    )


# --------------------------------------------------------------------- the command line itself


def sh(command: str) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=180, cwd=DATA)


PY = f"{sys.executable} -m xl_portbeta.cli"


def test_argparse_errors_are_one_line_and_exit_2():
    done = sh(f"{PY} report --demo")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        "xl-portbeta report: the following arguments are required: -o/--output (see xl-portbeta report --help)\n"
    )
    done = sh(f"{PY} analyze wide.csv --market SPX")  # --shares or --trades: asked for by the command
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "xl-portbeta analyze: give --shares (share counts, or a file of them) or --trades FILE\n"
    done = sh(f"{PY} book wide.csv --market SPX")  # --holdings or --trades
    assert done.returncode == 2 and done.stderr == (
        "xl-portbeta book: give --holdings (the accounts' share counts) or --trades FILE (account,date,ticker,quantity)\n"
    )
    done = sh(f"{PY} demo --frequency hourly")
    assert (
        done.returncode == 2
        and done.stderr.count("\n") == 1
        and done.stderr.startswith("xl-portbeta demo: argument --frequency")
    )


def test_a_closed_pipe_ends_quietly():
    done = sh(f"{PY} demo | head -1; {PY} demo --json | head -1")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.splitlines() == [done.stdout.splitlines()[0], "{"] and done.stdout.startswith("Demo:")


def test_the_command_is_named_once():
    """The API's errors were printed as 'xl-portbeta: xl-portbeta analyze: ...'."""
    message = error("wide.csv", "--market", "SPX", "--shares", "1,2")
    assert message.startswith("xl-portbeta analyze: shares is 1 x 2") and message.count("xl-portbeta") == 1
    message = error("missing.csv", "--market", "SPX", "--shares", "1")
    assert message == "xl-portbeta analyze: missing.csv: no such file"


#: The JSON's maps keyed by data (asset names), not by field names: their keys are as the files write them
KEYED_BY_NAME = ("price_columns",)


def snake_keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            if key not in KEYED_BY_NAME:
                yield from snake_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from snake_keys(inner)


def test_json_keys_are_snake_case_and_percentages_fractions(wide):
    _code, out, _err = run("book", "wide.csv", "--market", "SPX", "--holdings", "accounts.csv", "--json")
    book = json.loads(out)
    for document in (wide, book):
        assert document["price_columns"] == {"AAPL": "AAPL", "KO": "KO", "XOM": "XOM"}  # ticker -> column
        keys = set(snake_keys(document))
        assert keys and all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in keys), sorted(keys)
    assert wide["stats"]["beta"]["actual_holdings"] == pytest.approx(wide["reg"], abs=1e-15)
    assert wide["stats"]["beta"]["current_weights"] == pytest.approx(wide["wtd"], abs=1e-15)
    assert wide["stats"]["beta"]["difference"] == pytest.approx(wide["gap"], abs=1e-15)
    # percentages as the workbook's cells hold them: fractions (the R² of a slope with intercept is corr²)
    frame = pd.read_csv(DATA / "wide.csv", index_col="Date").dropna()
    value = frame[list(SHARES)] @ pd.Series(SHARES)
    corr = np.corrcoef(value.pct_change().dropna(), frame["SPX"].pct_change().dropna())[0, 1]
    assert wide["stats"]["r_squared"]["actual_holdings"] == pytest.approx(corr**2, abs=1e-12)
    assert sum(h["weight"] for h in wide["holdings"]) == pytest.approx(1.0, abs=1e-12)


# --------------------------------------------------------------------- README


def readme_examples():
    """README's command-line section: each example file (a block after "`FILE`:") and each
    command shown on a line of its own."""
    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = text[text.index("## Command line (desk checks)") : text.index("## Python API")]
    shown = re.findall(r"`([\w/.]+\.csv)`(?: \([^)]*\))?:\n\n```\n(.+?)\n```", section, re.S)
    commands = re.findall(r"^`xl-portbeta (.+?)`$", section, re.M)
    return shown, commands


def test_readmes_example_files_are_the_test_files():
    shown, _ = readme_examples()
    assert len(shown) >= 7
    for name, lines in shown:
        assert lines.splitlines() == (DATA / name).read_text().splitlines()[:3], name


def test_readmes_example_commands_run_on_the_test_files():
    _, commands = readme_examples()
    assert len(commands) >= 7
    for command in commands:
        code, out, err = run(*command.split())
        assert code == 0 and err == "", (command, err)
        assert ("fund A" if command.startswith("book") else "PORTBETA_REG") in out, command


@pytest.mark.parametrize(
    "layout, prices, benchmark",
    [
        ("wide", "wide.csv: one column per asset (its header the asset's name)", "SPX (column of wide.csv)"),
        ("wide, market in its own file", "wide.csv: one column per asset (its header the asset's name)",
         "spx (spx.csv, column 'SPX')"),
        ("long, market a ticker", "long.csv: column 'price'", "SPX (a ticker of long.csv)"),
        ("long, market in a Yahoo file", "long.csv: column 'price'", "SPX (SPX.csv, column 'Adj Close')"),
        ("Yahoo folder", "'Adj Close' of 3 files", "SPX (SPX.csv, column 'Adj Close')"),
        ("Yahoo files, market one of them", "'Adj Close' of 4 files", "SPX (a ticker of 4 files)"),
    ],
)  # fmt: skip
def test_each_layout_says_which_columns_it_read(layout, prices, benchmark):
    """What the assumptions block states: the price column of each file, the benchmark's source."""
    said = figures(*LAYOUTS[layout], "--shares", SHARES_OPTION)["assumptions"]
    assert (said["prices"], said["benchmark"]) == (prices, benchmark)


def test_a_per_ticker_file_read_at_another_column_is_named(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for path in (DATA / "yahoo").iterdir():
        text = path.read_text()
        if path.stem == "KO":  # no Adj Close: its Close is read
            text = text.replace("Adj Close", "Adjusted")
        (folder / path.name).write_text(text)
    said = figures(str(folder), "--market-file", str(DATA / "market" / "SPX.csv"), "--shares", SHARES_OPTION)
    assert said["assumptions"]["prices"] == "'Adj Close' of 2 files; 'Close' of KO.csv"


def test_a_market_file_is_matched_to_the_prices_by_date_not_by_row(tmp_path):
    """A market file newest first, with a date the prices lack: each price row gets the
    market's level on its own date."""
    spx = pd.read_csv(DATA / "spx.csv")
    extra = pd.DataFrame({"Date": ["2018-12-31"], "SPX": [2506.85]})
    pd.concat([extra, spx]).iloc[::-1].to_csv(tmp_path / "spx_reversed.csv", index=False)
    shares = ("--assets", "AAPL,KO,XOM", "--shares", "1,2,3")
    same = figures("wide.csv", "--market-file", "spx.csv", *shares)
    reversed_ = figures("wide.csv", "--market-file", str(tmp_path / "spx_reversed.csv"), *shares)
    assert (reversed_["reg"], reversed_["wtd"]) == (same["reg"], same["wtd"])


def test_sizes_in_messages_are_in_mb_from_1_mb():
    from xl_portbeta import files

    assert [files._size(n) for n in (2**20 - 1, 2**20, 3 * 2**19)] == ["1,024 KB", "1 MB", "2 MB"]


def test_thousands_groups_are_of_three_after_a_first_of_one_to_three():
    from xl_portbeta import files

    rule = files.NumberRule(thousands=",")
    assert rule.parse("1,234,567") == 1234567.0 and rule.parse("-12,345.5") == -12345.5
    assert [rule.parse(t) for t in ("1234,567", "12,34", ",123")] == [None, None, None]


def test_a_market_ticker_without_a_date_the_assets_have_misses_that_date(tmp_path):
    """Long file, market a ticker with no row on 2020-06-30: that date has no market level
    (dropped, as a blank SPX cell of the wide file), never the next month's level."""
    rows = (DATA / "long.csv").read_text().splitlines()
    (tmp_path / "long.csv").write_text(
        "\n".join(r for r in rows if r != next(x for x in rows if x.startswith("2020-06-30,SPX"))) + "\n"
    )
    wide = pd.read_csv(DATA / "wide.csv")
    wide.loc[wide["Date"] == "2020-06-30", "SPX"] = None
    wide.to_csv(tmp_path / "wide.csv", index=False)
    shares = ("--shares", "AAPL=1,KO=2,XOM=3")
    long_figures, wide_figures = (
        figures(str(tmp_path / name), "--market", "SPX", *shares) for name in ("long.csv", "wide.csv")
    )
    assert long_figures["sample"]["returns"] == wide_figures["sample"]["returns"]
    assert long_figures["reg"] == pytest.approx(wide_figures["reg"], rel=1e-13)


def test_two_files_on_the_command_line_are_one_per_ticker():
    """AAPL.csv KO.csv: two assets, as the folder's files are; never the first file alone."""
    out = figures("yahoo/AAPL.csv", "yahoo/KO.csv", "--market-file", "market/SPX.csv", "--shares", "AAPL=1,KO=2")
    assert [h["name"] for h in out["holdings"]] == ["AAPL", "KO"]


def test_a_ticker_column_option_that_names_no_column_is_refused_with_the_columns():
    message = error("long.csv", "--ticker-column", "symbol", "--market", "SPX", "--shares", "1")
    assert (
        message
        == "xl-portbeta analyze: long.csv: no column 'symbol' for --ticker-column (columns: date, ticker, price)"
    )
