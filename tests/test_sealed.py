"""The add-in is sealed: UDFs write no files, open no sockets, start no processes and
read no environment; inputs are data, never code."""

import ast
import builtins
import datetime as dt
import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.stats  # noqa: F401  imported here: a library's import reads its environment, not the UDF
import threadpoolctl  # noqa: F401  the same (its first import sets KMP_DUPLICATE_LIB_OK; api puts it back)
from conftest import BONDS

from xl_portbeta import udfs

PACKAGE = Path(udfs.__file__).parent


class Blocked(AssertionError):
    pass


class SealedEnviron(dict):
    def __getitem__(self, key):
        raise Blocked(f"read os.environ[{key!r}]")

    def get(self, key, default=None):
        raise Blocked(f"read os.environ.get({key!r})")

    def __contains__(self, key):
        raise Blocked(f"checked {key!r} in os.environ")

    # Writes change the host's environment: a sealed add-in changes nothing outside
    # itself. They are recorded (pytest's own PYTEST_* bookkeeping aside) and the tests
    # assert there were none: raising here would also stop pytest's own writes.
    writes: list

    def _wrote(self, what, key):
        if not str(key).startswith("PYTEST_"):
            self.writes.append(what)

    def __setitem__(self, key, value):
        self._wrote(f"set os.environ[{key!r}]", key)
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self._wrote(f"deleted os.environ[{key!r}]", key)
        super().__delitem__(key)

    def setdefault(self, key, default=None):
        self._wrote(f"os.environ.setdefault({key!r})", key)
        return super().setdefault(key, default)

    def pop(self, key, *default):
        self._wrote(f"os.environ.pop({key!r})", key)
        return super().pop(key, *default)

    def update(self, *args, **kwargs):
        self.writes.append("os.environ.update()")
        super().update(*args, **kwargs)


@pytest.fixture
def sealed(monkeypatch):
    real_open = builtins.open

    def read_only_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            raise Blocked(f"open({file!r}, {mode!r})")
        return real_open(file, mode, *args, **kwargs)

    def refuse(what):
        def refused(*args, **kwargs):
            raise Blocked(what)

        return refused

    monkeypatch.setattr(builtins, "open", read_only_open)
    monkeypatch.setattr(io, "open", read_only_open)
    monkeypatch.setattr(socket, "socket", refuse("socket.socket"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(subprocess, "Popen", refuse("subprocess.Popen"))
    monkeypatch.setattr(os, "system", refuse("os.system"))
    monkeypatch.setattr(os, "popen", refuse("os.popen"))
    monkeypatch.setattr(os, "fork", refuse("os.fork"), raising=False)
    monkeypatch.setattr(os, "getenv", refuse("os.getenv"))
    environ = SealedEnviron()
    environ.writes = []
    monkeypatch.setattr(os, "environ", environ)
    yield environ


def test_every_udf_works_with_files_sockets_processes_and_environment_blocked(sealed):
    prices = [["A", "B"]] + [list(r) for r in zip(BONDS["bond_a"], BONDS["bond_b"])]
    market = [[v] for v in BONDS["market"]]
    shares = [BONDS["shares"]]
    dates = [[dt.datetime(2024, 1, 1) + dt.timedelta(days=k)] for k in range(11)]
    assert np.isfinite(udfs.portbeta_reg(prices, shares, market, dates, "daily", 0.02))
    assert np.isfinite(udfs.portbeta_wtd(prices, shares, market, dates, "daily", 0.02, dates[-3][0]))
    assert np.isfinite(udfs.beta_gap(prices, shares, market))
    assert len(udfs.asset_betas(prices, market)[0]) == 2
    assert udfs.portbeta_stats(prices, shares, market, dates)[1][0] == "beta"
    assert udfs.beta_gap_detail(prices, shares, market)[-1][0] == "total"
    assert len(udfs.portbeta_rolling(prices, shares, market, 5, dates)) == 7
    assert len(udfs.portbeta_book(prices, [["A", "B"], [1, 2], [2, 1]], market)) == 3
    assert sealed.writes == [], "a UDF wrote to the environment"


def test_the_blas_thread_limit_works_sealed(sealed, monkeypatch):
    """threadpoolctl finds numpy's BLAS without the environment, processes or writes
    (api catches any failure there, so without this test a sealed failure would go unseen)."""
    from xl_portbeta import api

    monkeypatch.setattr(api, "_blas_controller", None)
    prices = [["A", "B"]] + [list(r) for r in zip(BONDS["bond_a"], BONDS["bond_b"])]
    assert np.isfinite(udfs.portbeta_reg(prices, [BONDS["shares"]], [[v] for v in BONDS["market"]]))
    assert api._blas_controller and api._blas_controller.lib_controllers
    assert sealed.writes == []


def test_the_seal_really_blocks(sealed):
    """The fixture would catch a UDF that wrote, connected or read the environment."""
    with pytest.raises(Blocked):
        open(PACKAGE / "should-not-exist.txt", "w")  # noqa: SIM115 - the open itself must be refused
    with pytest.raises(Blocked):
        socket.socket()
    with pytest.raises(Blocked):
        subprocess.Popen(["true"])
    with pytest.raises(Blocked):
        os.environ.get("HOME")
    os.environ.setdefault("KMP_DUPLICATE_LIB_OK", "True")
    os.environ["X"] = "1"
    assert sealed.writes == ["os.environ.setdefault('KMP_DUPLICATE_LIB_OK')", "set os.environ['X']"]


def test_a_fresh_process_finds_its_environment_as_it_was():
    """Regression (issue 14): the first call imported threadpoolctl, which sets
    KMP_DUPLICATE_LIB_OK in the host's environment. In a fresh interpreter (nothing
    imported yet), every function runs and the environment is unchanged afterwards."""
    code = """
import os, json
before = dict(os.environ)
os.environ.pop("KMP_DUPLICATE_LIB_OK", None); before.pop("KMP_DUPLICATE_LIB_OK", None)
from xl_portbeta import api
a, b, m = [100, 96, 102, 88, 96, 101], [98, 102, 88, 95, 105, 100], [1000, 1004, 1000, 1010, 1020, 1000]
prices = [[x, y] for x, y in zip(a, b)]
api.portfolio_stats(prices, [1, 2], m); api.rolling_portfolio_beta(prices, [1, 2], m, 3)
api.book_betas(prices, [[1, 2], [2, 1]], m)
assert api._blas_controller, "threadpoolctl was not used"
print(json.dumps(dict(os.environ) == before))
"""
    env = {k: v for k, v in os.environ.items() if k != "KMP_DUPLICATE_LIB_OK"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "true"


FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "input", "breakpoint"}
FORBIDDEN_MODULES = {
    "pickle",
    "marshal",
    "shelve",
    "dill",
    "cloudpickle",
    "socket",
    "subprocess",
    "urllib",
    "requests",
    "http",
}


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_code_from_data(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{path.name}:{node.lineno} calls {node.func.id}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN_MODULES, f"{path.name}:{node.lineno} imports {name}"
    # pandas' readers can execute nothing, but only the command line (its files.py) may read files at all
    if path.name not in ("cli.py", "files.py"):
        assert "read_csv" not in path.read_text() or path.name == "datasets.py"
