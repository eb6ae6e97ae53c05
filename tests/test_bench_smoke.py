"""The benchmark runs (a small size) and its paths agree; no timing is asserted."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quick(script: str) -> subprocess.CompletedProcess:
    """A bench/ script's --quick run, which must end well."""
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick"], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert run.returncode == 0, run.stderr
    return run


def test_bench_quick_runs_every_case_and_its_checks_agree():
    run = quick("run.py")
    rows = [line for line in run.stdout.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [row.split()[1] for row in rows] == [
        "1a",
        "1b",
        "1c",
        "1d",
        "2a",
        "2b",
        "2c",
        "2d",
        "2e",
        "2f",
        "2g",
        "3",
        "4a",
        "4b",
        "5a",
        "5b",
        "5c",
        "6a",
        "6b",
        "6c",
        "6d",
        "6e",
        "6f",
        "7a",
        "7b",
        "7c",
        "7d",
        "7e",
    ]
    checks = next(line for line in run.stdout.splitlines() if line.startswith("Checks"))
    assert checks.count(": ok") >= 13 and "MISMATCH" not in checks


def test_cold_start_quick_runs_every_cpython_row():
    run = quick("cold_start.py")
    rows = [line.split(" | ")[0][2:] for line in run.stdout.splitlines() if line.startswith("| ") and " ms " in line]
    assert [row.split(" vs ")[0].split(" (")[0] for row in rows] == [
        "xlwings imported: import xl_portbeta.udfs + first PORTBETA_STATS",
        "fresh process to first STATS",
        "the same where matplotlib is not installed",
        "xl-portbeta --help, whole process",
        "xl-portbeta demo, whole process",
    ]
