"""The add-in is sealed: UDFs write no files, open no sockets, start no processes and
read no environment; inputs are data, never code."""

import ast
import builtins
import datetime as dt
import io
import os
import socket
import subprocess
from pathlib import Path

import numpy as np
import pytest
import scipy.stats  # noqa: F401  imported here: a library's import reads its environment, not the UDF

from xl_portbeta import udfs

from conftest import BONDS

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
    monkeypatch.setattr(os, "environ", SealedEnviron())
    yield


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


def test_the_blas_thread_limit_works_sealed(sealed, monkeypatch):
    """threadpoolctl finds numpy's BLAS without the environment, processes or writes
    (api catches any failure there, so without this test a sealed failure would go unseen)."""
    from xl_portbeta import api

    monkeypatch.setattr(api, "_blas_controller", None)
    prices = [["A", "B"]] + [list(r) for r in zip(BONDS["bond_a"], BONDS["bond_b"])]
    assert np.isfinite(udfs.portbeta_reg(prices, [BONDS["shares"]], [[v] for v in BONDS["market"]]))
    assert api._blas_controller and api._blas_controller.lib_controllers


def test_the_seal_really_blocks(sealed):
    """The fixture would catch a UDF that wrote, connected or read the environment."""
    with pytest.raises(Blocked):
        open(PACKAGE / "should-not-exist.txt", "w")
    with pytest.raises(Blocked):
        socket.socket()
    with pytest.raises(Blocked):
        subprocess.Popen(["true"])
    with pytest.raises(Blocked):
        os.environ.get("HOME")


FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "input", "breakpoint"}
FORBIDDEN_MODULES = {"pickle", "marshal", "shelve", "dill", "cloudpickle", "socket", "subprocess", "urllib", "requests", "http"}


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
    # pandas' readers can execute nothing, but only the command line may read files at all
    if path.name != "cli.py":
        assert "read_csv" not in path.read_text() or path.name == "datasets.py"
