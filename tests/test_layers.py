"""The package's modules in one direction: each imports only modules below it, at run
time or for annotations (``if TYPE_CHECKING:`` and imports inside functions count), so
that no import cycle can form. A new module takes its place in LAYERS."""

import ast
from pathlib import Path

import pytest

import xl_portbeta

PACKAGE = Path(xl_portbeta.__file__).parent

#: Bottom first: the declarations and the math, the readers, the sample, the tables'
#: declarations, the API, then what shows results (cells, reports) and the entry points.
LAYERS = (
    "errors", "arguments", "core", "inputs", "holdings", "sample", "currencies", "book", "files", "datasets",
    "tables", "api", "sheet", "report_page", "udfs", "cli", "__init__",
)  # fmt: skip


def imported(module: str) -> set[str]:
    """The package modules ``module`` imports anywhere in its source."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module} if node.module else {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("xl_portbeta"):
            found.add(node.module.partition(".")[2] or "__init__")
        elif isinstance(node, ast.Import):  # import xl_portbeta.api (as ...)
            found |= {a.name.partition(".")[2] or "__init__" for a in node.names if a.name.startswith("xl_portbeta")}
    return found


def test_every_module_has_its_layer():
    assert {p.stem for p in PACKAGE.glob("*.py")} == set(LAYERS)


@pytest.mark.parametrize("module", LAYERS)
def test_a_module_imports_only_modules_below_it(module):
    below = set(LAYERS[: LAYERS.index(module)])
    assert imported(module) <= below, f"{module} imports {sorted(imported(module) - below)}, not below it"


def test_the_check_sees_an_annotation_only_import():
    """sheet types against the API under TYPE_CHECKING: the check counts it (sheet is above)."""
    assert "api" in imported("sheet")
