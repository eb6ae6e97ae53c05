"""Shared fixtures.

xlwings picks its decorators when it is first imported: with ``XLWINGS_ON_SERVER=true``
it uses the Office.js ones of xlwings Lite and Server, which need a license key (the
free ``noncommercial`` key is accepted; see README, "Licensing"). When the key is set,
this test process switches to those decorators here, before anything imports xlwings,
so that ``tests/test_officejs.py`` can call the UDFs through xlwings' own Office.js code.
Without the key those tests skip and the UDFs are plain functions.
"""

import os

if os.environ.get("XLWINGS_LICENSE_KEY"):
    os.environ.setdefault("XLWINGS_ON_SERVER", "true")

import contextlib
import datetime as dt
import io
import subprocess
from fnmatch import fnmatch

import numpy as np
import pytest

BONDS = {
    "bond_a": [100, 96, 102, 88, 96, 101, 120, 110, 105, 107, 106],
    "bond_b": [98, 102, 88, 95, 105, 100, 101, 99, 104, 108, 112],
    "market": [1000, 1004, 1000, 1010, 1020, 1000, 990, 995, 1005, 1025, 1035],
    "shares": [25000, 65000],
}


# The bond example as the ranges of a sheet (lists of rows, a header row of names).
BOND_PRICES = [["Bond A", "Bond B"]] + [list(r) for r in zip(BONDS["bond_a"], BONDS["bond_b"])]
BOND_MARKET = [[v] for v in BONDS["market"]]
BOND_SHARES = [BONDS["shares"]]
BOND_DATES = [[dt.datetime(2024, 1, 1) + dt.timedelta(days=k)] for k in range(11)]

# #N/A as each runtime hands it over: COM's error code, Office.js' error object.
NA_COM = -2146826246
NA_OFFICEJS = {"type": "Error", "errorType": "NotAvailable", "basicValue": "#N/A"}


def documented_signatures() -> dict[str, list[str]]:
    """The Excel functions and their arguments, in order, as README documents them for
    users (``=PORTBETA_REG(prices, shares, market, [dates], ...)``): read from README, not
    from xl_portbeta.arguments, so that a change there is seen."""
    import re
    from pathlib import Path

    found = re.findall(
        r"^`=([A-Z_]+)\(([^)]*)\)`",
        (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    return {name: [a.strip(" []") for a in args.split(",")] for name, args in found}


#: The Excel functions and their arguments, in order: what xlwings lists for Excel and
#: what VBA declares (from FIRST_OPTIONALS[name] on, README's bracketed ones, optional).
SIGNATURES = documented_signatures()


def first_optionals() -> dict[str, int]:
    """Each Excel function's first optional argument (README writes it in brackets: ``[dates]``),
    as its position; the argument count for a function without one."""
    import re
    from pathlib import Path

    found = re.findall(
        r"^`=([A-Z_]+)\(([^)]*)\)`",
        (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    args = {name: [a.strip() for a in text.split(",")] for name, text in found}
    return {
        name: next((k for k, a in enumerate(given) if a.startswith("[")), len(given)) for name, given in args.items()
    }


#: The position of each Excel function's first optional argument (``dates`` for the betas, ``base`` for PRICES_IN).
FIRST_OPTIONALS = first_optionals()

#: The marks of a test module that runs the add-in in a real Pyodide through xlwings' Office.js code.
PYODIDE_OFFICEJS = [
    pytest.mark.pyodide,
    pytest.mark.officejs,
    pytest.mark.skipif(
        os.environ.get("XLWINGS_ON_SERVER") != "true",
        reason="xlwings' Office.js path needs XLWINGS_LICENSE_KEY (e.g. 'noncommercial', PolyForm Noncommercial)",
    ),
]


def with_cell(rows, r, c, value):
    """A copy of a list-of-lists range with one cell replaced (r, c 0-based)."""
    rows = [list(row) for row in rows]
    rows[r][c] = value
    return rows


def cli(*args, cwd=None) -> subprocess.CompletedProcess:
    """``xl-portbeta`` run in this process (a subprocess costs a second of imports each):
    its exit code, stdout and stderr, as :func:`subprocess.run` would give them. Tests of
    what only a real process shows (the entry point, a closed pipe) run one themselves."""
    from xl_portbeta import cli as command_line

    argv = [str(a) for a in args]
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = command_line.main(argv)
            except SystemExit as stop:  # argparse's --help and usage errors
                code = stop.code if isinstance(stop.code, int) else 2
    finally:
        os.chdir(old)
    return subprocess.CompletedProcess(["xl-portbeta", *argv], code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def prices_csv(tmp_path_factory):
    """Five bundled stocks and the index in 2021, as a user's CSV: Date, tickers, SP500."""
    from xl_portbeta.datasets import load_sp500

    prices, index = load_sp500()
    frame = prices.loc["2021", ["AAPL", "JPM", "KO", "XOM", "MSFT"]].assign(SP500=index.loc["2021"])
    frame.index.name = "Date"
    path = tmp_path_factory.mktemp("cli") / "prices.csv"
    frame.to_csv(path, date_format="%Y-%m-%d")
    return path, frame


@pytest.fixture
def bonds():
    """The two-bond worked example of the README and the workbook."""
    return dict(BONDS)


def random_market(rng: np.random.Generator, n_rows: int, n_assets: int, noise: float = 0.02):
    """Prices of n_assets with betas in [-0.5, 2] on a random market, oldest first."""
    market_returns = rng.normal(0.0004, 0.011, n_rows - 1)
    true_betas = rng.uniform(-0.5, 2.0, n_assets)
    asset_returns = market_returns[:, None] * true_betas + rng.normal(0, noise, (n_rows - 1, n_assets))
    prices = 50 * np.vstack([np.ones(n_assets), np.cumprod(1 + asset_returns, axis=0)])
    market = 1000 * np.concatenate([[1.0], np.cumprod(1 + market_returns)])
    return prices, market


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)


#: Test files that need programs beyond Python (LibreOffice, Chromium, node and its Pyodide) or
#: build the demo workbooks: marked ``integration``. .ci/run runs them on one Python and the rest,
#: the unit tests (``-m "not integration"``), on every Python; a new file is a unit test unless listed.
INTEGRATION_FILES = ("test_workbook*.py", "test_pyodide*.py", "test_report.py", "test_bench_smoke.py")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("pyodide") or any(fnmatch(item.path.name, f) for f in INTEGRATION_FILES):
            item.add_marker(pytest.mark.integration)
