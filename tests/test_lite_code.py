"""workbook/builder/lite_code.py: the xlwings Lite main.py that carries the package, and Lite's settings.

The generated main.py must hold every module's exact source, and must serve every
functions with their help where xl_portbeta is NOT installed: a fresh CPython run with
``-S`` (no site-packages) and a path holding only links to this environment's packages
minus xl_portbeta. (The same main.py runs in a real Pyodide in tests/test_pyodide.py.)
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "workbook"))

from builder import lite_code  # noqa: E402
from conftest import SIGNATURES  # noqa: E402

officejs = pytest.mark.skipif(
    os.environ.get("XLWINGS_ON_SERVER") != "true",
    reason="xlwings' Office.js path needs XLWINGS_LICENSE_KEY (e.g. 'noncommercial', PolyForm Noncommercial)",
)


def carried(text: str) -> dict[str, str]:
    out = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            out[ast.literal_eval(node.targets[0].slice)] = ast.literal_eval(node.value)
    return out


def test_main_py_carries_every_module_but_the_command_lines_as_its_exact_source():
    text = lite_code.main_py()
    on_disk = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "xl_portbeta").glob("*.py"))}
    expected = {
        k: v
        for k, v in on_disk.items()
        if k not in ("cli", "files", "report_page") and "importlib import resources" not in v
    }
    assert carried(text) == expected
    assert {"__init__", "api", "core", "inputs", "udfs"} <= set(expected)
    # readable: the modules' lines appear as they are, not escaped
    for source in expected.values():
        assert source in text
    assert text.rstrip().endswith(
        "from xl_portbeta.udfs import *  # noqa: E402,F401,F403  registers the Excel functions"
    )


def test_requirements_are_the_packages_own_ranges_on_pyodides_index():
    """Version ranges, as Lite's docs advise (no exact pins), equal to pyproject.toml's; xlwings at
    least 0.36.7 (empty cells arrive as jsnull on Pyodide >= 0.28 from that version on)."""
    import re

    lines = lite_code.requirements_txt().splitlines()
    assert [re.match(r"[a-z]+", line).group() for line in lines] == ["xlwings", "numpy", "pandas", "scipy"]
    block = re.search(r"^dependencies = \[(.*?)^\]", (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M | re.S)
    declared = {d.replace(" ", "") for d in re.findall(r'"([^"]+)"', block.group(1))}
    for line in lines:
        assert "==" not in line and ">=" in line and "<" in line, line
        assert line in declared, f"{line} is not pyproject.toml's range"
    floor = tuple(int(x) for x in re.search(r"xlwings>=([\d.]+)", lines[0]).group(1).split("."))
    assert floor + (0,) * (3 - len(floor)) >= (0, 36, 7)


def test_requirements_follow_pyproject(tmp_path):
    """A range changed in pyproject.toml is the range Lite installs."""
    import re

    text = re.sub(r'"numpy[<>=,.0-9 ]*"', '"numpy>=2.0.1,<3"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    assert "numpy>=2.0.1,<3" in lite_code.requirements(tmp_path / "pyproject.toml")


def test_a_module_that_needs_a_left_out_one_is_refused(tmp_path):
    for path in (ROOT / "xl_portbeta").glob("*.py"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "extra.py").write_text("from .cli import main\n")
    with pytest.raises(RuntimeError, match=r"extra.py imports \['cli'\]"):
        lite_code.main_py(tmp_path)


def test_source_literal_round_trips_awkward_text():
    for text in ['a """ b', "a ''' b \"\"\" c", "ends with a backslash \\", "tab\t\\n raw\n", "'", '"']:
        assert ast.literal_eval(lite_code.source_literal(text)) == text


def site_without_xl_portbeta(tmp_path: Path) -> Path:
    """A folder of links to this environment's site-packages, without xl_portbeta or
    anything that would put it on the path (.pth files, editable-install finders)."""
    farm = tmp_path / "site"
    farm.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        name = entry.name.lower()
        if name.startswith(("xl_portbeta", "__editable__")) or name.endswith(".pth"):
            continue
        (farm / entry.name).symlink_to(entry)
    return farm


CHILD = r"""
import asyncio, importlib.util, json, sys, types
assert importlib.util.find_spec("xl_portbeta") is None, "xl_portbeta is importable without main.py"
import xlwings, xlwings.server
source = open("main.py", encoding="utf-8").read()
main = types.ModuleType("main")
main.__file__ = "main.py"
sys.modules["main"] = main
exec(compile(source, "main.py", "exec"), main.__dict__)
calls = json.loads(sys.stdin.read())
loop = asyncio.new_event_loop()
results = []
for func, args in calls:
    data = {"func_name": func, "args": args, "version": xlwings.__version__, "client": "Office.js", "runtime": "1.4"}
    try:
        results.append({"ok": loop.run_until_complete(xlwings.server.custom_functions_call(data, main))})
    except Exception as e:
        results.append({"error": type(e).__name__, "message": str(e)})
mods = {n: type(m.__spec__.loader).__qualname__ for n, m in sys.modules.items() if n.split(".")[0] == "xl_portbeta"}
print(json.dumps({"meta": xlwings.server.custom_functions_meta(main), "results": results, "loaders": mods,
                  "files": [getattr(m, "__file__", None) for n, m in sys.modules.items() if n.split(".")[0] == "xl_portbeta"]}))
"""

BONDS_P = [["Bond A", "Bond B"]] + [list(r) for r in zip([100, 96, 102, 88, 96, 101, 120, 110, 105, 107, 106],
                                                         [98, 102, 88, 95, 105, 100, 101, 99, 104, 108, 112])]  # fmt: skip
BONDS_S = [["Bond A", "Bond B"], [25000, 65000]]
BONDS_M = [["S&P"]] + [[v] for v in [1000, 1004, 1000, 1010, 1020, 1000, 990, 995, 1005, 1025, 1035]]
BONDS_D = [["Date"]] + [[45292 + k] for k in range(11)]
CALLS = [
    ["portbeta_reg", [BONDS_P, BONDS_S, BONDS_M]],
    ["portbeta_wtd", [BONDS_P, BONDS_S, BONDS_M, None, None, None, None]],
    ["beta_gap", [BONDS_P, BONDS_S, BONDS_M]],
    ["asset_betas", [BONDS_P, BONDS_M]],
    ["portbeta_stats", [BONDS_P, BONDS_S, BONDS_M, BONDS_D]],
    ["beta_gap_detail", [BONDS_P, BONDS_S, BONDS_M]],
    ["portbeta_rolling", [BONDS_P, BONDS_S, BONDS_M, [[4]], BONDS_D]],
    ["portbeta_reg", [[r if k != 3 else ["n/a", r[1]] for k, r in enumerate(BONDS_P)], BONDS_S, BONDS_M]],
]


@officejs
def test_main_py_serves_all_functions_where_the_package_is_not_installed(tmp_path):
    import xlwings
    import xlwings.server

    from xl_portbeta import udfs

    (tmp_path / "main.py").write_text(lite_code.main_py(), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PYTHONPATH=str(site_without_xl_portbeta(tmp_path)), XLWINGS_ON_SERVER="true",
               XLWINGS_LICENSE_KEY=os.environ.get("XLWINGS_LICENSE_KEY", "noncommercial"))  # fmt: skip
    run = subprocess.run([sys.executable, "-S", "-s", "-c", CHILD], input=json.dumps(CALLS), capture_output=True,
                         text=True, cwd=tmp_path, env=env, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr[-4000:]
    child = json.loads(run.stdout)
    assert set(child["loaders"]) >= {"xl_portbeta", "xl_portbeta.udfs", "xl_portbeta.core"}
    assert set(child["loaders"].values()) == {"_SourceFinder"}
    assert child["files"] and all(f is None for f in child["files"])
    assert child["meta"] == json.loads(json.dumps(xlwings.server.custom_functions_meta(udfs)))
    assert {f["name"] for f in child["meta"]["functions"]} == set(SIGNATURES)
    loop = asyncio.new_event_loop()
    for (func, args), got in zip(CALLS, child["results"]):
        data = {
            "func_name": func,
            "args": args,
            "version": xlwings.__version__,
            "client": "Office.js",
            "runtime": "1.4",
        }
        try:
            want = {
                "ok": json.loads(json.dumps(loop.run_until_complete(xlwings.server.custom_functions_call(data, udfs))))
            }
        except Exception as e:  # noqa: BLE001
            want = {"error": type(e).__name__, "message": str(e)}
        assert got == want, func
    loop.close()
    assert child["results"][-1]["message"].startswith(
        "PORTBETA_REG: prices row 4, column 1 ('Bond A') holds text 'n/a'"
    )
