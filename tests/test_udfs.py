"""The Excel functions (xl_portbeta.udfs): exactly the declared ones, each with the
signature Excel shows, all of them brought in by xlwings Lite's ``import *``."""

import ast
import inspect
import os
from pathlib import Path

import pytest
from conftest import SIGNATURES

from xl_portbeta import udfs

SOURCE = Path(udfs.__file__).read_text(encoding="utf-8")


def declared_in_source():
    """The functions decorated with ``@xw.func`` in udfs.py, read from its source."""
    tree = ast.parse(SOURCE)
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and any(ast.unparse(d) == "xw.func" for d in node.decorator_list)
    }


def test_all_lists_exactly_the_declared_excel_functions():
    assert set(udfs.__all__) == declared_in_source()
    assert len(udfs.__all__) == len(set(udfs.__all__))


def test_the_declared_functions_are_the_signatures_table():
    assert {name.upper() for name in declared_in_source()} == set(SIGNATURES)
    for name, params in SIGNATURES.items():
        assert list(inspect.signature(getattr(udfs, name.lower())).parameters) == params, name


def test_lite_import_star_brings_every_function():
    namespace = {}
    exec("from xl_portbeta.udfs import *", namespace)  # what xlwings Lite's main.py does
    assert {name.upper() for name in namespace if not name.startswith("__")} == set(SIGNATURES)


@pytest.mark.officejs
@pytest.mark.skipif(
    os.environ.get("XLWINGS_ON_SERVER") != "true", reason="xlwings' Office.js decorators need XLWINGS_LICENSE_KEY"
)
def test_all_lists_exactly_the_functions_xlwings_registered():
    registered = {name for name, value in vars(udfs).items() if hasattr(value, "__xlfunc__")}
    assert set(udfs.__all__) == registered


def test_every_declared_argument_list_has_its_excel_function():
    """arguments.EXCEL lists the Excel functions' arguments: none without a function in udfs."""
    from xl_portbeta.arguments import EXCEL

    assert set(EXCEL) == {name.upper() for name in udfs.__all__}
    for name, params in EXCEL.items():
        assert tuple(inspect.signature(getattr(udfs, name.lower())).parameters) == params, name
