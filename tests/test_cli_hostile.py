"""Issue 20 through the command line (in this process: conftest.cli): names twice, rates typed as
percents, options a file would ignore, outputs that are inputs, formula text in CSV, terminal
escapes in names, oversized workbooks. Each bad input is one line on stderr and exit code 2."""

import importlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import cli

DATA = Path(__file__).resolve().parent / "data"


def error(*args, command="analyze", cwd=DATA):
    done = cli(command, *args, cwd=cwd)
    assert done.returncode == 2 and done.stdout == "", (done.returncode, done.stdout, done.stderr)
    assert done.stderr.count("\n") == 1, done.stderr
    return done.stderr.strip()


# --------------------------------------------------------------------- names twice


@pytest.mark.parametrize(
    "args,message",
    [
        (["wide.csv", "--market", "SPX", "--assets", "AAPL,KO,aapl", "--shares", "1,2,3"],
         "--assets names AAPL and aapl twice"),
        (["long.csv", "--market", "SPX", "--assets", "KO,AAPL,KO", "--shares", "1,2,3"], "--assets names KO twice"),
        (["yahoo", "--market-file", "market/SPX.csv", "--assets", "XOM, xom", "--shares", "1,2"],
         "--assets names XOM and xom twice"),
        (["wide.csv", "--market", "SPX", "--shares", "AAPL=100,KO=5,aapl=200"], "--shares names AAPL and aapl twice"),
        (["wide.csv", "--market", "SPX", "--shares", "KO=5,KO=6"], "--shares names KO twice"),
    ],
)  # fmt: skip
def test_a_name_twice_in_an_option_is_refused_with_the_name(args, message):
    assert error(*args) == f"xl-portbeta analyze: {message}: give each name once"


def test_a_name_twice_in_a_files_header_is_refused_with_the_name(tmp_path):
    (tmp_path / "prices.csv").write_text("Date,AAPL,aapl,SPX\n2024-01-31,1,2,3\n2024-02-29,2,3,4\n2024-03-29,3,3,5\n")
    assert error("prices.csv", "--market", "SPX", "--shares", "aapl=1", cwd=tmp_path) == (
        "xl-portbeta analyze: prices.csv: its header names AAPL and aapl twice: give each name once"
    )
    (tmp_path / "shares.csv").write_text("AAPL,KO,Ko,XOM\n1,2,3,4\n")
    assert error("wide.csv", "--market", "SPX", "--shares", tmp_path / "shares.csv").endswith(
        "shares.csv: its header names KO and Ko twice: give each name once"
    )
    (tmp_path / "book.csv").write_text("account,AAPL,xom,XOM\nfund A,1,2,3\n")
    assert error("wide.csv", "--market", "SPX", "--holdings", tmp_path / "book.csv", command="book").endswith(
        "book.csv: its header names xom and XOM twice: give each name once"
    )


# --------------------------------------------------------------------- rates typed as percents


@pytest.mark.parametrize(
    "option,value,shown",
    [("--rf-valuation", "5", "5, 500%"), ("--premium", "8", "8, 800%"), ("--premium", "-1", "-1, -100%")],
)
def test_the_reports_rates_typed_as_percents_are_refused_as_rf_is(tmp_path, option, value, shown):
    """5 for 5% would be a 500% rate (issue 20): refused by --rf's rule, before any file is written."""
    out = tmp_path / "report.html"
    assert error("wide.csv", "--market", "SPX", "--shares", "1,2,3", "-o", out, option, value, command="report") == (
        f"xl-portbeta report: {option} is {shown} a year: enter annual rates as decimals (5% or 0.05)"
    )
    assert not out.exists()
    rf = error("wide.csv", "--market", "SPX", "--shares", "1,2,3", "--rf", "5")
    assert rf == "xl-portbeta analyze: rf is 5, 500% a year: enter annual rates as decimals (5% or 0.05)"
    done = cli("report", "wide.csv", "--market", "SPX", "--shares", "1,2,3", "-o", out, option, "5%", cwd=DATA)
    assert done.returncode == 0 and "5.00%" in out.read_text(encoding="utf-8"), done.stderr


# --------------------------------------------------------------------- options a file would ignore


@pytest.mark.parametrize(
    "dates, first, last", [(["--start", "2020-01-01"], "2020-01-31", "2021-12-31"),
                           (["--end", "2020-07-31"], "2019-01-31", "2020-07-31")]
)  # fmt: skip
def test_the_reports_start_and_end_with_a_file_are_used_not_ignored(tmp_path, dates, first, last):
    """The report of a file covered the whole file and exited 0 (issue 20); then it was refused; now
    --start and --end choose the file's dates (issue 21, item 5), and the report says which."""
    out = tmp_path / "report.html"
    done = cli("report", "wide.csv", "--market", "SPX", "--shares", "1,2,3", "-o", out, *dates, "--json", cwd=DATA)
    assert done.returncode == 0, done.stderr
    sample = json.loads(done.stdout)["sample"]
    assert (sample["first"], sample["last"]) == (first, last)
    assert f"{first} to {last}" in out.read_text(encoding="utf-8")
    done = cli("report", "--demo", "-o", out, "--start", "2020-01-01", "--end", "2020-06-30", "--json")
    assert done.returncode == 0, done.stderr
    sample = json.loads(done.stdout)["sample"]  # with --demo, they choose its dates
    assert (sample["first"], sample["last"]) == ("2020-01-02", "2020-06-30")


@pytest.mark.parametrize(
    "dates,message",
    [
        (["--start", "June"], "--start 'June' is not a date: give an ISO date (2022-06-30)"),
        (["--start", "2022-06-01", "--end", "2022-01-01"], "no demo data from 2022-06-01 to 2022-01-01"),
    ],
)
def test_the_demos_dates_are_checked(dates, message):
    assert error(*dates, command="demo").startswith(f"xl-portbeta demo: {message}")


# --------------------------------------------------------------------- files the command line writes


def test_book_csv_neutralises_formulas_in_names(tmp_path):
    """Account names that start like a formula were written verbatim (issue 20): a single quote in
    front, as OWASP advises, so that a spreadsheet opens them as text; numbers stay numbers."""
    names = ['=HYPERLINK("http://x?"&A1)', "+1+2", "@SUM(A1)", "-2", "plain"]
    rows = "".join(f'"{n.replace(chr(34), chr(34) * 2)}",{t},{k + 1}\n' for k, (n, t) in
                   enumerate(zip(names, ["AAPL", "KO", "XOM", "KO", "XOM"])))  # fmt: skip
    (tmp_path / "accounts.csv").write_text("account,ticker,shares\n" + rows)
    out = tmp_path / "book.csv"
    done = cli("book", DATA / "wide.csv", "--market", "SPX", "--holdings", tmp_path / "accounts.csv", "--csv", out)
    assert done.returncode == 0, done.stderr
    written = pd.read_csv(out, index_col=0, keep_default_na=False)
    assert list(written.index) == ["'" + n for n in names[:4]] + ["plain"]
    assert not any(
        str(cell).startswith(("=", "+", "-", "@")) for cell in written.to_numpy().ravel() if isinstance(cell, str)
    )
    assert written["reg"].dtype == float and written["value"].dtype == float  # figures stay numbers


@pytest.mark.parametrize(
    "command,args,output",
    [
        ("book", ["wide.csv", "--market", "SPX", "--holdings", "accounts.csv", "--csv"], "accounts.csv"),
        ("book", ["wide.csv", "--market", "SPX", "--holdings", "accounts.csv", "--csv"], "./sub/../wide.csv"),
        ("report", ["wide.csv", "--market", "SPX", "--shares", "holdings.csv", "-o"], "holdings.csv"),
        ("report", ["wide.csv", "--market", "SPX", "--shares", "1,2,3", "-o"], "wide.csv"),
        ("report", ["yahoo", "--market-file", "market/SPX.csv", "--shares", "1,2,3", "-o"], "yahoo/KO.csv"),
        ("report", ["yahoo", "--market-file", "market/SPX.csv", "--shares", "1,2,3", "-o"], "market/SPX.csv"),
    ],
)
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(tmp_path, command, args, output):
    """book --csv holdings.csv and report -o prices.csv overwrote the input (issue 20)."""
    for name in ("wide.csv", "accounts.csv", "holdings.csv", "yahoo", "market"):
        copy = shutil.copytree if (DATA / name).is_dir() else shutil.copy
        copy(DATA / name, tmp_path / name)
    (tmp_path / "sub").mkdir()
    before = (tmp_path / output).read_bytes()
    message = error(*args, output, command=command, cwd=tmp_path)
    option = "--csv" if command == "book" else "-o"
    assert message.startswith(f"xl-portbeta {command}: {option} {output} is one of the inputs")
    assert message.endswith("write to another file")
    assert (tmp_path / output).read_bytes() == before


# --------------------------------------------------------------------- workbooks that unpack to much more


def test_a_workbook_that_unpacks_to_far_more_than_its_size_is_refused_unread(tmp_path):
    """A few hundred KB that unpack to hundreds of MB were read whole (issue 20): the parts'
    sizes are read from the zip's directory and the file refused before any is unpacked."""
    pd.read_csv(DATA / "wide.csv").to_excel(tmp_path / "plain.xlsx", index=False)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as plain, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for info in plain.infolist():
            part = plain.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":  # valid XML: a comment of 40 MB of spaces
                part = part.replace(b"<sheetData>", b"<!--" + b" " * (40 * 2**20) + b"-->" + b"<sheetData>", 1)
            out.writestr(info.filename, part)
    assert bomb.stat().st_size < 2**20
    message = error(bomb, "--market", "SPX", "--shares", "1,2,3")
    assert re.match(
        rf"xl-portbeta analyze: {re.escape(str(bomb))}: unpacks to 40 MB from \d+ KB on disk, more than", message
    )
    assert message.endswith("save the prices alone, or as .csv")
    done = cli("analyze", tmp_path / "plain.xlsx", "--market", "SPX", "--shares", "1,2,3")
    assert done.returncode == 0, done.stderr


def test_a_small_workbook_that_unpacks_far_beyond_its_size_is_read(tmp_path):
    """The ratio limit applies beyond 16 MB only: a workbook of a few KB that unpacks to
    4 MB (a ratio above 1,000, as any sheet of repeated cells) is no bomb."""
    pd.read_csv(DATA / "wide.csv").to_excel(tmp_path / "plain.xlsx", index=False)
    padded = tmp_path / "padded.xlsx"
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as plain, zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as out:
        for info in plain.infolist():
            part = plain.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                part = part.replace(b"<sheetData>", b"<!--" + b" " * (4 * 2**20) + b"-->" + b"<sheetData>", 1)
            out.writestr(info.filename, part)
    assert 200 * padded.stat().st_size < 4 * 2**20  # beyond the ratio, under 16 MB
    done = cli("analyze", padded, "--market", "SPX", "--shares", "1,2,3")
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------- terminal escapes in names

ESCAPE = "\x1b[2J\x1b]0;owned\x07"  # clear the screen, set the window's title
SHOWN = "\\x1b[2J\\x1b]0;owned\\x07"


def test_control_characters_in_names_are_printed_as_escapes(tmp_path):
    """A name from a file was printed raw, so a terminal ran its escapes (issue 20)."""
    wide = (DATA / "wide.csv").read_text().replace("AAPL", f"AA{ESCAPE}PL").replace("KO", "K\u202eO")
    (tmp_path / "wide.csv").write_text(wide)
    (tmp_path / "accounts.csv").write_text(f"account,ticker,shares\nfund{ESCAPE},XOM,5\n")
    runs = [
        cli("analyze", "wide.csv", "--market", "SPX", "--shares", "1,2,3", cwd=tmp_path),
        cli("book", "wide.csv", "--market", "SPX", "--holdings", "accounts.csv", cwd=tmp_path),
        cli("analyze", "wide.csv", "--market", "SPX", "--shares", "1,2,3", "--json", cwd=tmp_path),
        cli(
            "analyze", "wide.csv", "--market", "SPX", "--assets", f"x{ESCAPE},X{ESCAPE}", "--shares", "1", cwd=tmp_path
        ),
    ]
    for done in runs:
        assert not any(c in done.stdout + done.stderr for c in "\x1b\x07\u202e"), done
    assert f"AA{SHOWN}PL" in runs[0].stdout and "K\\u202eO" in runs[0].stdout
    assert f"fund{SHOWN}" in runs[1].stdout
    assert json.loads(runs[2].stdout)["holdings"][0]["name"] == f"AA{ESCAPE}PL"  # JSON keeps the name, escaped
    assert runs[3].stderr == f"xl-portbeta analyze: --assets names x{SHOWN} and X{SHOWN} twice: give each name once\n"


# --------------------------------------------------------------------- foreign exceptions, each one line


def _dated_file(path, dates, column="AAPL"):
    levels = ["100", "101", "99", "102", "104", "103"]
    market = ["10", "10.2", "9.9", "10.1", "10.5", "10.4"]
    rows = "".join(f"{d},{p},{m}\n" for d, p, m in zip(dates, levels, market))
    path.write_text(f"Date,{column},SPX\n{rows}")


def test_dates_with_utc_offsets_are_the_local_dates_across_dst_and_beside_naive_files(tmp_path):
    """yfinance writes 2024-02-01 00:00:00-05:00: a ValueError of pandas (issue 20); read as the
    exchange's local date, so offsets across a DST change and a naive file's dates agree."""
    days = ["2024-02-29", "2024-03-08", "2024-03-15", "2024-03-22", "2024-03-29", "2024-04-05"]
    _dated_file(tmp_path / "naive.csv", days)
    offsets = [f"{d} 00:00:00{'-05:00' if d < '2024-03-10' else '-04:00'}" for d in days]
    _dated_file(tmp_path / "yahoo.csv", offsets)
    _dated_file(tmp_path / "mixed.csv", offsets[:3] + days[3:])
    (tmp_path / "market.csv").write_text("Date,Close\n" + "".join(f"{d},{10 + k}\n" for k, d in enumerate(offsets)))
    figures = {}
    for name in ("naive.csv", "yahoo.csv", "mixed.csv"):
        done = cli("analyze", name, "--market", "SPX", "--shares", "1", "--json", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        figures[name] = json.loads(done.stdout)
        assert figures[name]["sample"]["first"] == "2024-02-29" and figures[name]["sample"]["returns"] == 5
    assert figures["naive.csv"]["reg"] == figures["yahoo.csv"]["reg"] == figures["mixed.csv"]["reg"]
    done = cli("analyze", "naive.csv", "--market-file", "market.csv", "--shares", "1,0", "--json", cwd=tmp_path)
    assert done.returncode == 0 and json.loads(done.stdout)["sample"]["dropped"] == [], done.stderr


def test_full_width_digits_are_a_named_cell_not_a_foreign_exception(tmp_path):
    _dated_file(
        tmp_path / "p.csv", ["2024-01-31", "2024-02-29", "2024-03-29", "2024-04-30", "2024-05-31", "2024-06-28"]
    )
    text = (tmp_path / "p.csv").read_text().replace("2024-03-29,99,", "2024-03-29,９９,")
    (tmp_path / "p.csv").write_text(text)
    assert error("p.csv", "--market", "SPX", "--shares", "1", cwd=tmp_path) == (
        "xl-portbeta analyze: AAPL on 2024-03-29 (p.csv row 4, column B) holds text '９９': a number in digits "
        "that are not ASCII (full-width?): retype it with 0-9"
    )


@pytest.mark.parametrize("target", ["missing/dir/book.csv", "."])
def test_an_unwritable_csv_path_is_one_line(tmp_path, target):
    message = error("wide.csv", "--market", "SPX", "--holdings", "accounts.csv", "--csv", tmp_path / target,
                    command="book")  # fmt: skip
    assert message.startswith(f"xl-portbeta book: --csv {tmp_path / target}: cannot be written (")


# --------------------------------------------------------------------- a corpus of bad files

_DATES = "2024-01-31,1,2\n2024-02-29,2,3\n2024-03-29,3,4\n2024-04-30,4,6\n"

#: Files no command can read, each bad its own way: one line on stderr and exit 2 in every role
BAD_FILES = {
    "empty.csv": b"",
    "binary.csv": bytes(range(256)) * 4,
    "not_a_zip.xlsx": b"this is not a workbook",
    "truncated.xlsx": b"PK\x03\x04" + b"\x00" * 40,
    "header_only.csv": b"Date,AAPL,SPX\n",
    "one_row.csv": b"Date,AAPL,SPX\n2024-01-31,1,2\n",
    "html.csv": b"<html><body><table><tr><td>1</td></tr></table></body></html>",
    "latin1.csv": "Date,Soci\xe9t\xe9,SPX\n".encode("latin-1") + _DATES.encode(),
    "utf16.csv": ("Date,AAPL,SPX\n" + _DATES).encode("utf-16"),
    "full_width.csv": ("Date,AAPL,SPX\n" + _DATES.replace(",3,4", ",３,4")).encode(),
    "nul.csv": b"Date,AAPL,SPX\n2024-01-31,1\x00,2\n",
    "ragged.csv": b"Date,AAPL,SPX\n2024-01-31,1,2,3,4\n2024-02-29\n",
    "dates_twice.csv": ("Date,AAPL,SPX\n" + _DATES.replace("2024-02-29", "2024-01-31")).encode(),
    "zeros.csv": b"Date,AAPL,SPX\n" + b"".join(b"2024-0%d-28,0,0\n" % m for m in range(1, 6)),
    "year_9999.csv": ("Date,AAPL,SPX\n" + _DATES.replace("2024-01-31", "9999-01-31")).encode(),
    "semicolons.csv": b"Date;AAPL;SPX\n2024-01-31;1;2\n2024-02-29;2;3\n",
    "not_iso.csv": ("Date,AAPL,SPX\n" + _DATES.replace("2024-01-31", "31/01/2024")).encode(),
    "escape.csv": ("Date,AA\x1b[2JPL,SPX\n" + _DATES.replace(",3,4", ",x,4")).encode(),
}


def _roles(bad):
    """Each subcommand with ``bad`` in each place a file goes."""
    wide, shares, book = ["wide.csv", "--market", "SPX"], ["--shares", "1,2,3"], ["--holdings", "accounts.csv"]
    return [
        ["analyze", bad, "--market", "SPX", "--shares", "1"],
        ["analyze", *wide, "--shares", bad],
        ["analyze", "wide.csv", "--market-file", bad, *shares],
        ["analyze", "yahoo", "--market-file", bad, *shares],
        ["book", bad, "--market", "SPX", *book],
        ["book", *wide, "--holdings", bad],
        ["report", bad, "--market", "SPX", "--shares", "1", "-o", "out.html"],
        ["report", *wide, "--shares", bad, "-o", "out.html"],
        ["analyze", *wide, *shares, "--currencies", "currencies.csv", "--base", "USD", "--fx", bad],
        ["book", *wide, *book, "--currencies", bad, "--base", "USD", "--fx", "fx.csv"],
    ]


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_every_command_over_a_bad_file_says_one_line_and_exits_2(tmp_path, name):
    """The command line never prints a traceback: every subcommand, the file in every role."""
    for data in ("wide.csv", "accounts.csv", "yahoo", "currencies.csv", "fx.csv"):
        (shutil.copytree if (DATA / data).is_dir() else shutil.copy)(DATA / data, tmp_path / data)
    (tmp_path / name).write_bytes(BAD_FILES[name])
    for args in _roles(name):
        done = cli(*args, cwd=tmp_path)
        where = (args, done.stderr)
        assert done.returncode == 2 and done.stdout == "" and done.stderr.count("\n") == 1, where
        assert done.stderr.startswith(f"xl-portbeta {args[0]}: ") and "Traceback" not in done.stderr, where
        assert "\x1b" not in done.stderr, where
    assert not (tmp_path / "out.html").exists()


def test_every_command_over_a_bad_folder_says_one_line_and_exits_2(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad").mkdir()
    for name, data in BAD_FILES.items():
        (tmp_path / "bad" / name).write_bytes(data)
    for folder in ("empty", "bad"):
        for args in (["analyze", folder, "--market", "SPX", "--shares", "1"],
                     ["book", folder, "--market", "SPX", "--holdings", DATA / "accounts.csv"],
                     ["report", folder, "--market", "SPX", "--shares", "1", "-o", "out.html"]):  # fmt: skip
            done = cli(*args, cwd=tmp_path)
            assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done


@pytest.mark.parametrize(
    "layout", ["account,ticker,shares\n1001,AAPL,5\n1002,KO,3\n", "account,AAPL,KO\n1001,5,0\n1002,0,3\n"]
)
def test_book_with_account_ids_that_are_numbers(tmp_path, layout):
    (tmp_path / "accounts.csv").write_text(layout)
    done = cli("book", DATA / "wide.csv", "--market", "SPX", "--holdings", tmp_path / "accounts.csv", "--json")
    assert done.returncode == 0, done.stderr
    assert [a["account"] for a in json.loads(done.stdout)["accounts"]] == ["1001", "1002"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_name_written_twice_in_a_header_is_refused_though_pandas_renames_it(tmp_path, suffix):
    """pandas reads a second AAPL as AAPL.1: a column no one named, held as another asset."""
    frame = pd.DataFrame([["2024-01-31", 1, 2, 3], ["2024-02-29", 2, 3, 4]], columns=["Date", "AAPL", "AAPL", "SPX"])
    path = tmp_path / f"prices{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_excel(path, index=False)
    assert error(path, "--market", "SPX", "--shares", "1,2") == (
        f"xl-portbeta analyze: prices{suffix}: its header names AAPL twice: give each name once"
    )


# --------------------------------------------------------------------- names on the report's charts


def test_report_charts_show_names_with_dollars_and_underscores_verbatim(tmp_path, monkeypatch):
    """A $ in a ticker was read as mathematics by matplotlib ($\\foo$ stopped the report with a
    ParseFatalException), and a name starting with _ was left out of the legend (issue 20)."""
    report = importlib.import_module("xl_portbeta.report_page")

    legends, drawn = [], report._png

    def png(fig):
        for ax in fig.axes:
            if ax.get_legend() is not None:
                legends.append([t.get_text() for t in ax.get_legend().get_texts()])
        return drawn(fig)  # drawn as the report draws it: mathtext would raise here

    monkeypatch.setattr(report, "_png", png)
    wide = (DATA / "wide.csv").read_text().replace("AAPL", "$\\foo$", 1).replace("KO", "_KO", 1)
    (tmp_path / "wide.csv").write_text(wide.replace("XOM", "X$O$M", 1))
    done = cli("report", "wide.csv", "--market", "SPX", "--shares", "1,2,3", "-o", "r.html", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    weights = next(texts for texts in legends if any("KO" in t for t in texts))
    assert sorted(t.strip() for t in weights) == sorted(["\\$\\foo\\$", "_KO", "X\\$O\\$M"])


# --------------------------------------------------------------------- formulas without saved values


def _with_sheet(source, target, edit):
    """``source`` with its first sheet's XML edited by ``edit`` (bytes -> bytes)."""
    with zipfile.ZipFile(source) as book, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in book.infolist():
            part = book.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":  # an empty value as openpyxl writes it without lxml
                part = edit(part.replace(b"<v></v>", b"<v />").replace(b"<v/>", b"<v />"))
            out.writestr(info.filename, part)


def test_formulas_without_saved_values_are_said_not_dropped_as_blanks(tmp_path):
    """openpyxl and pandas write formulas without values: read as blanks, their dates were
    dropped without a word (issue 20). Saved values, and a formula's saved empty text, read."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Date", "AAPL", "KO", "SPX"])
    for k in range(6):
        sheet.append([f"2024-0{k + 1}-28", 100 + k * (-1) ** k, f"=B{k + 2}*2", 10 + k])
    book.save(tmp_path / "unsaved.xlsx")
    assert error("unsaved.xlsx", "--market", "SPX", "--shares", "1,2", cwd=tmp_path) == (
        "xl-portbeta analyze: unsaved.xlsx: cell C2 holds a formula with no saved value (the file was written by a "
        "program that does not calculate): open and save it in Excel or LibreOffice, or export it as .csv"
    )
    values = iter(str(2 * (100 + k * (-1) ** k)).encode() for k in range(6))
    _with_sheet(tmp_path / "unsaved.xlsx", tmp_path / "saved.xlsx",
                lambda xml: re.sub(rb"<v ?/>", lambda _: b"<v>" + next(values) + b"</v>", xml))  # fmt: skip
    saved = cli("analyze", "saved.xlsx", "--market", "SPX", "--shares", "0,1", "--json", cwd=tmp_path)
    assert saved.returncode == 0, saved.stderr
    assert [h["shares"] for h in json.loads(saved.stdout)["holdings"]] == [0, 1]
    assert json.loads(saved.stdout)["sample"]["returns"] == 5
    # =IF(..., "") saved as empty text is a blank cell, as Excel shows it
    rest = iter([b"7", b"9", b"8", b"11", b"10"])
    _with_sheet(tmp_path / "unsaved.xlsx", tmp_path / "empty_text.xlsx",
                lambda xml: re.sub(rb"<v ?/>", lambda _: b"<v>" + next(rest) + b"</v>",
                                   xml.replace(b'<c r="C2"><f>B2*2</f><v />', b'<c r="C2" t="str"><f>B2*2</f><v></v>')))  # fmt: skip
    blank = cli("analyze", "empty_text.xlsx", "--market", "SPX", "--shares", "0,1", "--json", cwd=tmp_path)
    assert blank.returncode == 0 and json.loads(blank.stdout)["sample"]["dropped"] == ["2024-01-28"], blank.stderr


@pytest.mark.parametrize("name,byte", [("latin1.csv", "e9"), ("utf16.csv", "ff")])
def test_text_that_is_not_utf8_says_how_to_save_it(tmp_path, name, byte):
    (tmp_path / name).write_bytes(BAD_FILES[name])
    assert error(name, "--market", "SPX", "--shares", "1", cwd=tmp_path) == (
        f"xl-portbeta analyze: {name}: not UTF-8 text (it holds byte 0x{byte}): save it as 'CSV UTF-8' "
        "(Excel's Save As) or as .xlsx"
    )


@pytest.mark.parametrize(
    "options,named",
    [
        (["--rf", "5%"], "--rf"),
        (["--as-of", "2022-06-30", "--dayfirst"], "--as-of, --dayfirst"),
        (["--assets", "AAPL"], "--assets"),
    ],
)
def test_report_demo_refuses_the_options_of_a_prices_file(tmp_path, options, named):
    """`report --demo --rf 5%` wrote a report that said "risk-free rate: none" and exited 0."""
    done = cli("report", "--demo", *options, "-o", tmp_path / "r.html")
    assert done.returncode == 2 and done.stdout == "" and not (tmp_path / "r.html").exists()
    assert done.stderr == f"xl-portbeta report: --demo takes no {named}: they describe a prices file\n"


def test_a_bad_count_in_a_shares_file_by_column_is_named_by_its_asset(tmp_path):
    """A shares file with one column per asset: the cell is named by its asset and place."""
    (tmp_path / "shares.csv").write_text("AAPL,KO,XOM\n10,abc,5\n")
    message = error(DATA / "wide.csv", "--market", "SPX", "--shares", "shares.csv", cwd=tmp_path)
    assert message == "xl-portbeta analyze: KO shares (shares.csv row 2, column B) holds text 'abc'"


def test_a_one_row_shares_file_with_a_date_is_a_statement_held_from_its_date(tmp_path):
    """One row of counts by asset, dated: a statement, held from its date on (the dates
    before it have no holdings and are dropped), the same figures as those counts from
    that date."""
    (tmp_path / "shares.csv").write_text("date,AAPL,KO,XOM\n2021-06-30,10,20,5\n")
    dated = cli("analyze", DATA / "wide.csv", "--market", "SPX", "--shares", "shares.csv", "--json", cwd=tmp_path)
    plain = cli("analyze", DATA / "wide.csv", "--market", "SPX", "--shares", "AAPL=10,KO=20,XOM=5",
                "--start", "2021-06-30", "--json")  # fmt: skip
    assert dated.returncode == 0, dated.stderr
    held, given = json.loads(dated.stdout), json.loads(plain.stdout)
    assert held["sample"]["first"] == "2021-06-30" and held["reg"] == given["reg"]


def test_a_rates_file_with_a_blank_date_is_refused_with_its_cell(tmp_path):
    """A rate without a date holds from no date on: refused, naming the cell."""
    (tmp_path / "rates.csv").write_text("date,rate\n2019-01-31,0.02\n,0.03\n2020-06-30,0.01\n")
    message = error(DATA / "wide.csv", "--market", "SPX", "--shares", "1,2,3", "--rf", "rates.csv", cwd=tmp_path)
    assert message == "xl-portbeta analyze: rates.csv row 3, column A has no date"


def test_a_book_with_a_ticker_column_and_no_shares_column_is_read_as_wide_and_refused(tmp_path):
    """account,ticker without shares is no long file: its ticker column is no asset."""
    (tmp_path / "book.csv").write_text("account,ticker\nA1,AAPL\n")
    message = error("wide.csv", "--market", "SPX", "--holdings", tmp_path / "book.csv", command="book")
    assert message == "xl-portbeta book: book.csv: columns that are not assets of the prices: ticker"


def test_a_prices_file_with_a_blank_date_and_a_market_file_is_refused_with_its_cell(tmp_path):
    """The market file is matched by date: a prices row without one matches nothing."""
    rows = (DATA / "wide.csv").read_text().splitlines()
    rows[3] = "," + rows[3].split(",", 1)[1]
    (tmp_path / "wide.csv").write_text("\n".join(rows) + "\n")
    message = error(
        "wide.csv", "--market-file", DATA / "spx.csv", "--assets", "AAPL,KO,XOM", "--shares", "1,2,3", cwd=tmp_path
    )
    assert message == "xl-portbeta analyze: wide.csv row 4, column A has no date"


def test_a_rates_file_whose_one_column_is_not_named_rate_is_read(tmp_path):
    """date,yield: the one column besides the dates is the rate, as with date,rate."""
    rates = (DATA / "rates.csv").read_text()
    (tmp_path / "rates.csv").write_text(rates)
    (tmp_path / "yields.csv").write_text(rates.replace("date,rate", "date,yield", 1))
    runs = [
        cli("analyze", DATA / "wide.csv", "--market", "SPX", "--shares", "1,2,3", "--rf", name, "--json", cwd=tmp_path)
        for name in ("rates.csv", "yields.csv")
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[1].stderr
    assert json.loads(runs[1].stdout)["reg"] == json.loads(runs[0].stdout)["reg"]


def test_an_unreadable_file_says_what_the_parser_said(tmp_path):
    """The parser's first line in the message, not only its exception's name."""
    (tmp_path / "empty.csv").write_text("")
    message = error("empty.csv", "--market", "SPX", "--shares", "1", cwd=tmp_path)
    assert message == "xl-portbeta analyze: empty.csv: cannot be read as a table (No columns to parse from file)"


def test_a_shares_file_with_a_ticker_column_and_no_shares_column_is_by_column(tmp_path):
    """ticker without shares is no ticker,shares file: its columns are assets, and the
    missing ones are named."""
    (tmp_path / "shares.csv").write_text("ticker,AAPL\nx,5\n")
    message = error(DATA / "wide.csv", "--market", "SPX", "--shares", "shares.csv", cwd=tmp_path)
    assert message == "xl-portbeta analyze: shares.csv: no shares column for KO, XOM (or give ticker,shares rows)"
