"""Habits of a kept library: the version written once, type information shipped."""

import importlib.metadata
import re
from pathlib import Path

import xl_portbeta

try:
    import tomllib
except ImportError:  # Python 3.10: pytest's own dependency
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_the_version_is_written_once():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert importlib.metadata.version("xl_portbeta") == xl_portbeta.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", xl_portbeta.__version__)


def test_the_changelog_names_this_version():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{xl_portbeta.__version__}]" in changelog


def test_type_information_ships_with_the_package():
    assert (Path(xl_portbeta.__file__).parent / "py.typed").is_file()
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "py.typed" in package_data["xl_portbeta"]


def test_no_function_is_longer_than_sixty_lines():
    """A function a newcomer reads in one screen (decorators and docstring included)."""
    import ast

    long = []
    for path in sorted((ROOT / "xl_portbeta").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                if node.end_lineno - first + 1 > 60:
                    long.append(f"{path.name}:{node.name} ({node.end_lineno - first + 1} lines)")
    assert not long, long
