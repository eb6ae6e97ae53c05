"""A warning raised from the package's own code fails the tests (pyproject.toml's
``filterwarnings``); a library's own warnings are only reported, unless they point at our line."""

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np

from xl_portbeta import api

ROOT = Path(__file__).resolve().parent.parent

# Each test runs code whose frame is a module's: the package's (its globals' __name__, as in
# xl_portbeta/sample.py) or a library's. Python attributes a warning to that module.
PROBE = textwrap.dedent(
    """
    import warnings

    import numpy as np

    OURS = {"__name__": "xl_portbeta.sample", "np": np, "warnings": warnings}
    LIBRARY = {"__name__": "pandas.core.frame", "np": np, "warnings": warnings}


    def test_deprecation_in_our_code():
        exec("warnings.warn('~ on bool is deprecated', DeprecationWarning)", dict(OURS))


    def test_numpy_warning_on_our_line():
        exec("np.log(np.array([-1.0]))", dict(OURS))


    def test_library_warning_pointing_at_our_call():
        library = dict(LIBRARY)
        exec("def old(): warnings.warn('old is deprecated', FutureWarning, stacklevel=2)", library)
        exec("old()", dict(OURS, old=library["old"]))


    def test_library_warning_of_its_own():
        exec("warnings.warn('a library deprecates its own internals', DeprecationWarning)", dict(LIBRARY))
        exec("np.log(np.array([-1.0]))", dict(LIBRARY))


    def test_warning_in_a_test():
        warnings.warn("tests may warn", UserWarning)
    """
)


def test_a_warning_from_our_code_fails_the_tests(tmp_path):
    (tmp_path / "test_probe.py").write_text(PROBE)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "-c", str(ROOT / "pyproject.toml")]
        + ["--rootdir", str(tmp_path), str(tmp_path / "test_probe.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    outcome = {}
    for line in run.stdout.splitlines():
        word, _, rest = line.partition(" ")
        if word in ("PASSED", "FAILED") and "::" in rest:
            outcome[rest.split("::")[1].split(" ")[0]] = word
    assert outcome == {
        "test_deprecation_in_our_code": "FAILED",
        "test_numpy_warning_on_our_line": "FAILED",
        "test_library_warning_pointing_at_our_call": "FAILED",
        "test_library_warning_of_its_own": "PASSED",
        "test_warning_in_a_test": "PASSED",
    }, run.stdout + run.stderr
    assert "DeprecationWarning: ~ on bool is deprecated" in run.stdout
    assert "RuntimeWarning: invalid value encountered in log" in run.stdout


def test_the_sample_never_inverts_a_python_bool():
    """Without a holdings history or rf, the rows' checks are arrays: ``~True`` is -2 (and a
    DeprecationWarning from Python 3.12); each reason still counts its own dates."""
    prices = [[1.0, 2.0], [1.1, np.nan], [1.2, 2.2], [1.3, 2.3], [1.2, 2.4], [1.4, 2.2]]
    market = [10.0, 10.5, np.nan, 12.0, 11.0, 11.5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        built = api.build_sample(prices, [1, 1], market)
    assert built.dropped_why == (("missing prices or market", 2),)
