"""The add-in's one error, and where its function's name is put on it.

Code below the boundaries raises ``PortbetaError("what is wrong, and where")``; each
boundary (a public Python function, an Excel function, a command) puts its own name in
front with :class:`named`. The outermost boundary names the message, so the same
problem reads ``PORTBETA_REG: ...`` on a cell, ``portfolio_beta: ...`` from Python and
``xl-portbeta analyze: ...`` on the command line.
"""

from __future__ import annotations

from contextlib import ContextDecorator
from types import TracebackType

from xlwings import XlwingsError

__all__ = ["PortbetaError", "named"]


class PortbetaError(XlwingsError):
    """Bad input. The message starts with the function's name and says where.

    A subclass of ``xlwings.XlwingsError``, so that xlwings Lite and Server show the
    message on the cell instead of a generic error text.

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

    def named(self, function: str) -> PortbetaError:
        """The same problem, named after ``function``."""
        return PortbetaError(self.problem, function)


class named(ContextDecorator):
    """Name every :class:`PortbetaError` leaving the block (or the decorated function)
    after ``function``: used as ``@named("portfolio_beta")`` or ``with named(...)``."""

    def __init__(self, function: str):
        self.function = function

    def __enter__(self) -> named:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if isinstance(error, PortbetaError):
            raise error.named(self.function) from None
