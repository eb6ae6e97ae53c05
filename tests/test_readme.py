"""README's two commands are what a new user runs and what CI runs."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands():
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_readme_opens_with_the_demo_and_the_test_command():
    demo, tests = readme_commands()[:2]
    assert demo.endswith("xl-portbeta demo")
    assert "pytest" in tests


def test_ci_runs_readmes_test_command_verbatim():
    tests = readme_commands()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in ci_lines


def test_demo_command_prints_the_three_betas_and_the_holdings():
    run = subprocess.run(
        [sys.executable, "-m", "xl_portbeta.cli", "demo"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for label in ("PORTBETA_REG", "PORTBETA_WTD", "BETA_GAP", "AAPL", "XOM", "total"):
        assert label in out
    reg = float(re.search(r"PORTBETA_REG .*?(-?\d+\.\d{4})$", out, re.M).group(1))
    wtd = float(re.search(r"PORTBETA_WTD .*?(-?\d+\.\d{4})$", out, re.M).group(1))
    gap = float(re.search(r"BETA_GAP .*?(-?\d+\.\d{4})$", out, re.M).group(1))
    assert abs(reg - wtd - gap) <= 1.5e-4
    assert 0.3 < reg < 1.5 and 0.3 < wtd < 1.5
