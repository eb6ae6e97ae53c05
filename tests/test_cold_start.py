"""A first result in a blink: each path imports only what it needs (fresh processes).

The command line and the Python API never import xlwings (which imports matplotlib whenever it
is installed); matplotlib only for the report; scipy.special, not scipy.stats, for the t quantile.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from scipy.special import stdtrit

from xl_portbeta import core

HEAVY = ("xlwings", "matplotlib", "scipy.stats", "scipy.special")
TESTS = Path(__file__).resolve().parent


def modules_after(code: str) -> set:
    """Which of HEAVY a fresh Python has imported after running ``code``."""
    probe = f"import sys\n{code}\nprint('\\n' + __import__('json').dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return set(json.loads(run.stdout.splitlines()[-1]))


def test_the_command_line_imports_no_xlwings_matplotlib_or_scipy_stats():
    assert modules_after("import xl_portbeta.cli") == set()
    assert modules_after("import xl_portbeta") == set()
    # --help exits through argparse; demo computes PORTBETA_STATS' table (its CI: scipy.special)
    assert (
        modules_after("from xl_portbeta import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass")
        == set()
    )
    assert modules_after("from xl_portbeta import cli\ncli.main(['demo'])") == {"scipy.special"}


def test_the_excel_functions_first_stats_imports_scipy_special_only():
    loaded = modules_after(
        f"sys.path.insert(0, {str(TESTS)!r})\nimport xlwings\nfrom xl_portbeta import udfs\n"
        "from conftest import BOND_PRICES, BOND_SHARES, BOND_MARKET\n"
        "udfs.portbeta_stats(BOND_PRICES, BOND_SHARES, BOND_MARKET)"
    )
    assert "xlwings" in loaded and "scipy.special" in loaded
    assert "scipy.stats" not in loaded


@pytest.mark.parametrize("alpha", [0.05, 0.01, 0.10, 0.5, 1e-6])
def test_the_t_quantile_is_scipy_stats_t_ppf(alpha):
    """conf_int's quantile (scipy.special.stdtrit) against scipy.stats.t.ppf, to 1e-12."""
    for n in [3, 4, 5, 10, 30, 31, 100, 252, 2520, 10**6]:
        fit = core.LineFit(alpha=0.0, beta=1.25, beta_se=0.1, r_squared=0.5, residual_std=0.01, n=n)
        low, high = fit.conf_int(alpha)
        half_width = stats.t.ppf(1 - alpha / 2, n - 2) * 0.1
        assert low == pytest.approx(1.25 - half_width, rel=1e-12, abs=0)
        assert high == pytest.approx(1.25 + half_width, rel=1e-12, abs=0)
    df = np.arange(1, 400)
    for p in (1 - alpha / 2, alpha / 2):
        np.testing.assert_allclose(stdtrit(df, p), stats.t.ppf(p, df), rtol=1e-12, atol=0)
