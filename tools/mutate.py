"""Mutation testing of the math: does the test selection notice each small change?

A hand-written AST mutator (mutmut copies and rewrites the working tree; this one never
touches it). Each mutant is one change to one node of ``xl_portbeta/core.py``,
``sample.py``, ``inputs.py`` or ``files.py``: an arithmetic operator swapped, a comparison flipped, ``and``
for ``or``, a ``not`` removed, a number off by one, a statement deleted (an assignment,
an expression, the body of an ``if``, a return), a slice bound removed. The mutated
module is written into a temporary copy of the package and the tests, and the selection
runs there with ``-x`` in a child process with a timeout. The child is forked from a
parent that has imported the heavy libraries once (numpy, pandas, scipy, statsmodels,
pytest), which saves seconds per mutant; the package itself is imported only in the
child, from the copy.

    python tools/mutate.py --report /tmp/mutants.md
    python tools/mutate.py --files xl_portbeta/core.py --only 200-260 --report r.md
    python tools/mutate.py --sample 100 --seed 1 --report r.md
    python tools/mutate.py --list

A mutant is killed when the selection fails, survives when it passes, times out when it
runs past ``--timeout``; mutants that do not compile are skipped. The report lists every
survivor with file:line, the mutation and the source line. ``tools/MUTANTS.md`` explains
the survivors of the last full run.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parents[1]
# The math and where hostile inputs land: cells (inputs.py) and files (files.py).
FILES = ["xl_portbeta/core.py", "xl_portbeta/sample.py", "xl_portbeta/inputs.py", "xl_portbeta/files.py"]
# Unit and property tests of the math and its inputs; fast ones first, since -x stops at
# the first failure (and each mutant runs only those that reach its lines). No Pyodide,
# browser, LibreOffice or workbook tests.
TESTS = [
    "tests/test_core.py",
    "tests/test_sample.py",
    "tests/test_api.py",
    "tests/test_peers.py",
    "tests/test_inputs.py",
    "tests/test_rates.py",
    "tests/test_edges.py",
    "tests/test_book.py",
    "tests/test_accuracy.py",
    "tests/test_errors.py",  # the messages, each a check of sample or inputs
    "tests/test_udfs.py",
    "tests/test_pandas.py",  # shares by name (dict, Series), the returns hint, the reprs
    "tests/test_officejs.py",  # Excel's payloads through xlwings' Office.js code
    "tests/test_files.py",  # the command line's files (files.py)
    "tests/test_cli.py",
    "tests/test_cli_hostile.py",
    "tests/test_hostile.py",
    # 11 s per run that reaches it, and its oracle disagrees with the frequency rule on some
    # random examples (see tools/MUTANTS.md): the unmutated selection must pass every time
    "--deselect=tests/test_hostile.py::test_messy_ranges_give_the_oracles_number_or_a_named_error",
]
PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider", "-m", "not pyodide", "--no-header"]

BINOP_SWAPS = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
}
CMP_SWAPS = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
SYMBOL = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.And: "and",
    ast.Or: "or",
}


@dataclass(frozen=True)
class Mutant:
    file: str
    line: int
    node_index: int  # position of the node in ast.walk order of a fresh parse
    kind: str  # what apply_mutation does to that node
    arg: int  # which operand / comparator, where a node has several
    description: str
    span: tuple[int, int] = (0, 0)  # the lines whose tests can see the mutant


def _skipped_nodes(tree: ast.AST) -> set[int]:
    """Nodes not worth mutating: docstrings, annotations, error messages, f-strings."""
    skip: set[int] = set()

    def skip_all(node):
        for sub in ast.walk(node):
            skip.add(id(sub))

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module, ast.AsyncFunctionDef)):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                skip_all(body[0])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs:
                if a.annotation is not None:
                    skip_all(a.annotation)
            if node.returns is not None:
                skip_all(node.returns)
        if isinstance(node, ast.AnnAssign):
            skip_all(node.annotation)
        if isinstance(node, (ast.Raise, ast.JoinedStr, ast.Import, ast.ImportFrom)):
            skip_all(node)
    return skip


def _describe_const(value) -> str:
    return repr(value)


def find_mutants(file: str, source: str) -> list[Mutant]:
    tree = ast.parse(source)
    skip = _skipped_nodes(tree)
    found: list[Mutant] = []
    for index, node in enumerate(ast.walk(tree)):
        if id(node) in skip:
            continue
        line = getattr(node, "lineno", 0)

        def add(kind, description, arg=0, node=node, line=line, index=index):  # this node's, bound now
            if kind == "if_body":  # seen only by the tests that run the body
                span = (node.body[0].lineno, node.body[-1].end_lineno)
            else:
                span = (line, getattr(node, "end_lineno", line) or line)
            found.append(Mutant(file, line, index, kind, arg, description, span))

        if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINOP_SWAPS:
            new = BINOP_SWAPS[type(node.op)]
            add("binop", f"{SYMBOL[type(node.op)]} -> {SYMBOL[new]}")
        elif isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                if type(op) in CMP_SWAPS:
                    add("compare", f"{SYMBOL[type(op)]} -> {SYMBOL[CMP_SWAPS[type(op)]]}", k)
        elif isinstance(node, ast.BoolOp):
            other = ast.Or if isinstance(node.op, ast.And) else ast.And
            add("boolop", f"{SYMBOL[type(node.op)]} -> {SYMBOL[other]}")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
            add("unary", "not removed" if isinstance(node.op, ast.Not) else "unary minus removed")
        elif isinstance(node, ast.Constant) and type(node.value) in (int, float, bool):
            if isinstance(node.value, bool):
                add("const", f"{node.value} -> {not node.value}")
            elif node.value == 1:
                add("const", "1 -> 0")
                add("const", "1 -> 2", 1)
            else:
                add("const", f"{_describe_const(node.value)} -> {_describe_const(node.value + 1)}")
        elif isinstance(node, ast.Slice):
            if node.lower is not None:
                add("slice", "slice lower bound removed", 0)
            if node.upper is not None:
                add("slice", "slice upper bound removed", 1)
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and node.value is not None:
            add("delete", "assignment deleted")
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            add("delete", "call deleted")
        elif isinstance(node, ast.Return) and node.value is not None:
            add("delete", "return deleted")
        elif isinstance(node, ast.If):
            add("if_body", "if body deleted")
    return found


def apply_mutation(source: str, mutant: Mutant) -> str:
    """The mutated module's source (unparsed from the changed tree; comments are lost)."""
    tree = ast.parse(source)
    node = list(ast.walk(tree))[mutant.node_index]
    if mutant.kind == "binop":
        node.op = BINOP_SWAPS[type(node.op)]()
    elif mutant.kind == "compare":
        node.ops[mutant.arg] = CMP_SWAPS[type(node.ops[mutant.arg])]()
    elif mutant.kind == "boolop":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif mutant.kind == "unary":
        _replace(tree, node, node.operand)
    elif mutant.kind == "const":
        if isinstance(node.value, bool):
            node.value = not node.value
        elif node.value == 1:
            node.value = 0 if mutant.arg == 0 else 2
        else:
            node.value = node.value + 1
    elif mutant.kind == "slice":
        if mutant.arg == 0:
            node.lower = None
        else:
            node.upper = None
    elif mutant.kind == "delete":
        _replace(tree, node, ast.Pass())
    elif mutant.kind == "if_body":
        node.body = [ast.Pass()]
    tree = ast.fix_missing_locations(tree)
    return ast.unparse(tree)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list):
                for k, item in enumerate(value):
                    if item is old:
                        value[k] = new
                        return
    raise ValueError("node not found")


def _keys(mutants: list[Mutant], sources: dict[str, str]) -> dict[Mutant, tuple[str, str, str, int]]:
    """Each mutant as (file, mutation, source line, k): the k-th mutant like it in its file."""
    lines = {f: text.splitlines() for f, text in sources.items()}
    keys, seen = {}, {}
    for m in sorted(mutants, key=lambda m: (m.file, m.line, m.node_index, m.arg)):
        like = (m.file, m.description, lines[m.file][m.line - 1].strip() if m.line else "")
        keys[m] = like + (seen.get(like, 0),)
        seen[like] = seen.get(like, 0) + 1
    return keys


def _parse_range(text: str | None):
    if not text:
        return None
    low, _, high = text.partition("-")
    return int(low), int(high or low)


def _make_copy(work: Path) -> Path:
    """A copy of the package and the tests: the working tree is never written."""
    for name in ("xl_portbeta", "tests"):
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
    for name in ("pyproject.toml", "README.md"):  # tests/conftest.py reads the function list from README
        shutil.copy2(ROOT / name, work / name)
    cache = ROOT / ".cache"
    if cache.exists():
        os.symlink(cache.resolve(), work / ".cache")
    return work


def _line_recorder(work: Path, files: list[str]):
    """A pytest plugin: the lines of the mutated files that each test runs (setup, call,
    teardown), so that a mutant runs only the tests that reach it."""
    import threading

    import pytest

    names = {str(work / f): f for f in files}

    class LineRecorder:
        lines: ClassVar[dict[str, list[tuple[str, int]]]] = {}

        @pytest.hookimpl(hookwrapper=True)
        def pytest_runtest_protocol(self, item, nextitem):
            hits: set = set()
            # a cached function runs its lines for the first test that calls it only
            for module in list(sys.modules.values()):
                if getattr(module, "__file__", None) in names:
                    for value in vars(module).values():
                        if callable(getattr(value, "cache_clear", None)):
                            value.cache_clear()

            def trace(frame, event, arg):
                name = names.get(frame.f_code.co_filename)
                if name is None:
                    return None

                def local(frame, event, arg):
                    if event == "line":
                        hits.add((name, frame.f_lineno))
                    return local

                hits.add((name, frame.f_lineno))
                return local

            sys.settrace(trace)
            threading.settrace(trace)
            try:
                yield
            finally:
                sys.settrace(None)
                threading.settrace(None)
                self.lines[item.nodeid] = sorted(hits)

    return LineRecorder()


def _run_selection(work: Path, tests: list[str], timeout: float, record: list[str] | None = None) -> tuple[str, float]:
    """Run pytest in a forked child inside the copy: 'passed', 'failed' or 'timeout'.
    With ``record`` (the mutated files), each test's lines go to ``work/lines.json``."""
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.setpgid(0, 0)
            os.chdir(work)
            sys.path.insert(0, str(work))
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            import pytest

            plugins = [_line_recorder(work, record)] if record else []
            code = pytest.main(PYTEST_ARGS + tests, plugins=plugins)
            if record:
                import json

                (work / "lines.json").write_text(json.dumps(plugins[0].lines))
            os._exit(0 if code == 0 else 1)
        except BaseException:
            os._exit(2)
    deadline = start + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return ("passed" if code == 0 else "failed"), time.monotonic() - start
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - start
        time.sleep(0.05)


def _preload() -> None:
    """Import the heavy libraries once, before forking (never xl_portbeta itself)."""
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    os.environ.setdefault("XLWINGS_ON_SERVER", "true")
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    sys.dont_write_bytecode = True
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pytest  # noqa: F401
    import scipy.stats  # noqa: F401

    for optional in ("statsmodels.api", "hypothesis", "threadpoolctl", "xlwings"):
        with contextlib.suppress(ImportError):
            __import__(optional)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", nargs="+", default=FILES, help="modules to mutate")
    parser.add_argument(
        "--tests", nargs="+", default=TESTS, help="test files or node ids (pytest arguments) run per mutant"
    )
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument("--only", help="line range LOW-HIGH (or one line) of the files")
    parser.add_argument("--sample", type=int, help="run a random sample of this many mutants")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sample")
    parser.add_argument("--timeout", type=float, help="seconds per mutant (default: 3 x the unmutated run + 10)")
    parser.add_argument("--report", type=Path, help="file the report is written to")
    parser.add_argument(
        "--survivors-of", type=Path, metavar="REPORT", help="run only the survivors listed in an earlier report"
    )
    parser.add_argument(
        "--all-tests",
        action="store_true",
        help="run the whole selection for every mutant (default: only the tests "
        "that run the mutant's lines, recorded in the unmutated run)",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    args = parser.parse_args(argv)

    span = _parse_range(args.only)
    sources = {f: (ROOT / f).read_text() for f in args.files}
    every = [m for f in args.files for m in find_mutants(f, sources[f])]
    keys = _keys(every, sources)
    mutants = [m for m in every if span is None or span[0] <= m.line <= span[1]]
    mutants.sort(key=lambda m: (m.file, m.line, m.node_index, m.arg))
    if args.survivors_of is not None:
        # matched by file, mutation and source line (and which of its like), not by line
        # number: new code moves lines
        found = re.findall(r"^- (\S+):\d+: ([^|]+?) \| `(.*)`(?: #(\d+))?$", args.survivors_of.read_text(), re.M)
        wanted = {(f, d, t, int(k or 0)) for f, d, t, k in found}
        mutants = [m for m in mutants if keys[m] in wanted]
    if args.sample is not None and args.sample < len(mutants):
        mutants = sorted(random.Random(args.seed).sample(mutants, args.sample), key=mutants.index)
    if args.list:
        for m in mutants:
            print(f"{m.file}:{m.line}: {m.description}")
        print(f"{len(mutants)} mutants")
        return 0
    if args.report is None:
        parser.error("--report FILE is required (or --list)")

    _preload()
    jobs = max(1, args.jobs)
    with tempfile.TemporaryDirectory(prefix="portbeta-mutants-") as tmp:
        works = [_make_copy(Path(tmp) / f"w{k}") for k in range(jobs)]
        status, base_time = _run_selection(works[0], args.tests, timeout=3600)
        if status != "passed":
            print("the unmutated selection does not pass: nothing to measure", file=sys.stderr)
            return 2
        timeout = args.timeout or 3 * base_time + 10
        tests_of = _tests_by_line(works[0], args)
        print(f"unmutated selection: {base_time:.1f} s; {len(mutants)} mutants, timeout {timeout:.0f} s", flush=True)
        # In a random order (seeded), so that a run stopped early is a random sample;
        # the report, rewritten after each mutant, lists them in file order.
        order = sorted(mutants, key=lambda m: random.Random(f"{args.seed}{m}").random())
        results = _run_all(
            order,
            sources,
            works,
            tests_of,
            timeout,
            lambda done: _write_report(args.report, done, base_time, args, mutants, keys),
        )
    _write_report(args.report, results, base_time, args, mutants, keys)
    counts = _counts(results)
    print(" ".join(f"{k} {v}" for k, v in counts.items()), flush=True)
    return 0


def _run_all(mutants, sources, works, tests_of, timeout, on_result):
    """Run each mutant in a free copy; up to len(works) children at once."""
    results: list[tuple[Mutant, str, float]] = []
    pending = list(mutants)
    started = time.monotonic()
    if len(works) == 1:
        for k, m in enumerate(pending, 1):
            results.append(_run_one(m, sources, works[0], tests_of, timeout))
            _progress(k, len(pending), results[-1], started)
            on_result(results)
        return results
    import queue
    from concurrent.futures import ThreadPoolExecutor

    free: queue.Queue = queue.Queue()
    for w in works:
        free.put(w)

    def task(m):
        work = free.get()
        try:
            return _run_one(m, sources, work, tests_of, timeout)
        finally:
            free.put(work)

    with ThreadPoolExecutor(len(works)) as pool:
        for k, r in enumerate(pool.map(task, pending), 1):
            results.append(r)
            _progress(k, len(pending), r, started)
            on_result(results)
    return results


def _tests_by_line(work: Path, args) -> Callable[[Mutant], list[str]]:
    """For each mutant, the tests of the selection that run its lines, in their order.

    A mutant on lines that no test runs (module level, run at import) gets the whole
    selection; ``--all-tests`` gives every mutant the whole selection."""
    if args.all_tests:
        return lambda m: args.tests
    import json

    status, _ = _run_selection(work, args.tests, timeout=3600, record=args.files)
    lines = json.loads((work / "lines.json").read_text()) if status == "passed" else None
    if not lines:
        print("could not record which tests run which lines: the whole selection per mutant", file=sys.stderr)
        return lambda m: args.tests
    order = list(lines)
    by_line: dict[tuple[str, int], set[int]] = {}
    for k, nodeid in enumerate(order):
        for file, line in lines[nodeid]:
            by_line.setdefault((file, line), set()).add(k)

    def tests(m: Mutant) -> list[str]:
        hit = set().union(*(by_line.get((m.file, n), set()) for n in range(m.span[0], m.span[1] + 1)))
        return [order[k] for k in sorted(hit)] if hit else args.tests

    return tests


def _run_one(m: Mutant, sources, work: Path, tests_of, timeout):
    tests = tests_of(m)
    try:
        mutated = apply_mutation(sources[m.file], m)
        compile(mutated, m.file, "exec")
    except (SyntaxError, ValueError):
        return m, "skipped", 0.0
    target = work / m.file
    target.write_text(mutated)
    try:
        status, seconds = _run_selection(work, tests, timeout)
    finally:
        target.write_text(sources[m.file])
    return m, {"failed": "killed", "passed": "survived", "timeout": "timeout"}[status], seconds


def _progress(k, total, result, started):
    m, status, seconds = result
    print(
        f"[{k}/{total} {time.monotonic() - started:.0f}s] {status:8s} {seconds:5.1f}s "
        f"{m.file}:{m.line} {m.description}",
        flush=True,
    )


def _counts(results):
    counts = {"killed": 0, "survived": 0, "timeout": 0, "skipped": 0}
    for _, status, _ in results:
        counts[status] += 1
    return counts


def _write_report(path: Path, results, base_time, args, mutants, keys) -> None:
    position = {m: k for k, m in enumerate(mutants)}
    results = sorted(results, key=lambda r: position[r[0]])
    counts = _counts(results)
    run = counts["killed"] + counts["survived"] + counts["timeout"]
    rate = (counts["killed"] + counts["timeout"]) / run if run else float("nan")
    seconds = sum(s for _, _, s in results)
    lines = [
        "# Mutation testing report",
        "",
        f"files: {' '.join(args.files)}",
        f"tests: {' '.join(args.tests)}",
        f"only: {args.only or 'all lines'}; sample: {args.sample or 'all'} (seed {args.seed})",
        f"unmutated selection: {base_time:.1f} s; mutants run in {seconds:.0f} s",
        f"run {len(results)} of {len(mutants)} mutants"
        + ("" if len(results) == len(mutants) else " (stopped early: a random sample)"),
        "",
        f"killed {counts['killed']}, survived {counts['survived']}, timeout {counts['timeout']}, "
        f"skipped (does not compile) {counts['skipped']}: {rate:.1%} killed (timeouts count as killed)",
        "",
        "## Survivors",
        "",
    ]
    for m, status, _ in results:
        if status == "survived":
            text, like = keys[m][2], keys[m][3]
            lines.append(f"- {m.file}:{m.line}: {m.description} | `{text}`" + (f" #{like}" if like else ""))
    timeouts = [m for m, status, _ in results if status == "timeout"]
    if timeouts:
        lines += ["", "## Timeouts", ""]
        lines += [f"- {m.file}:{m.line}: {m.description}" for m in timeouts]
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
