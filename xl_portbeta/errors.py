"""The add-in's one error, and where its function's name is put on it.

Code below the boundaries raises ``PortbetaError("what is wrong, and where")``; each
boundary (a public Python function, an Excel function, a command) puts its own name in
front with :class:`named`. The outermost boundary names the message, so the same
problem reads ``PORTBETA_REG: ...`` on a cell, ``portfolio_beta: ...`` from Python and
``xl-portbeta analyze: ...`` on the command line.

No xlwings here: the command line and the Python API never import it (nor the matplotlib
that xlwings imports when installed). The Excel functions raise the subclass
``udfs.ExcelError``, an ``xlwings.XlwingsError`` too.
"""

from __future__ import annotations

from contextlib import ContextDecorator
from types import TracebackType

__all__ = ["PortbetaError", "named"]


class PortbetaError(Exception):
    """Bad input. The message starts with the function's name and says where.

    The Excel functions raise it as :class:`xl_portbeta.udfs.ExcelError`, also an
    ``xlwings.XlwingsError``, so that xlwings Lite and Server show the message on the cell
    instead of a generic error text.

    Attributes
    ----------
    problem : str
        What is wrong and where, without the function's name.
    function : str or None
        The name of the function the user called, once a boundary has named it.
    """

    def __init__(self, problem: str, function: str | None = None):
        self.problem = problem
        self.function = function
        super().__init__(problem if function is None else f"{function}: {problem}")


class named(ContextDecorator):
    """Name every :class:`PortbetaError` leaving the block (or the decorated function)
    after ``function``: used as ``@named("portfolio_beta")`` or ``with named(...)``.
    ``raise_as``, PortbetaError or a subclass taking its arguments, is the class the named
    error is raised as."""

    def __init__(self, function: str, raise_as: type[PortbetaError] = PortbetaError):
        self.function = function
        self.raise_as = raise_as

    def __enter__(self) -> named:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if isinstance(error, PortbetaError):
            raise self.raise_as(error.problem, self.function) from None
