"""Run xlwings' CLASSIC (Windows COM) UDF code path on Linux, for tests.

xlwings only picks its classic decorators (``xlwings.udfs.xlfunc`` & co.) when
``sys.platform.startswith("win") and has_pywin32``.  This module fakes just enough
of pywin32 so that xlwings' own, unmodified Windows modules import and run on
Linux, in a process of their own.

**Use it in a fresh subprocess only**: :func:`install_pywin32_stubs` must run before
the first ``import xlwings`` of the process, and it leaves fake ``pythoncom``,
``pywintypes``, ``win32api``, ``win32com`` ... modules in ``sys.modules`` for the
rest of the process.  Importing *this* module has no side effects, so the pytest
process may import it (e.g. for :data:`VBA_RESERVED_WORDS` or
:func:`run_classic_script`).

Public API
----------
``install_pywin32_stubs() -> module``
    Install the fake pywin32 modules, import xlwings with ``sys.platform`` set to
    ``"win32"`` (restored right after), check that the classic decorators were
    picked, and return the ``xlwings`` module.
``vba_for(module, *, workbook_name="Book1.xlsm") -> str``
    The VBA module text that "Import Functions" would import into the workbook.
``import_functions(module, *, workbook_name="Book1.xlsm") -> ImportResult``
    Same run, also returning the ``Application.MacroOptions`` calls (function
    description, category, argument descriptions) that Import Functions makes.
``call_classic(module, func_name, *args, vba_values=None) -> Any``
    Call a UDF the way the VBA wrapper does, and return what Python hands back to
    VBA.
``com_range(value, *, row=1, column=1, sheet="Sheet1", book="Book1.xlsm")``
    A fake COM ``Range`` to pass to :func:`call_classic` when you want to exercise
    the "argument is a cell reference" path instead of the "argument is a value /
    array" path (see below).
``run_classic_script(code, *, cwd=None, extra_sys_path=(), timeout=60)``
    For the pytest process: run ``code`` in a fresh interpreter in which
    :func:`install_pywin32_stubs` has already run (``xw``, ``xlwings``,
    ``classic_com`` and the helpers above are pre-imported).
``VBA_RESERVED_WORDS``, ``is_vba_reserved(name)``
    VBA keywords that can't be used as parameter names in the generated VBA.
``MISSING``, ``XL_ERRORS``, ``XL_NA``, ``XL_DIV0`` ...
    COM values: omitted optional argument, and cell-error ints.

What runs unmodified (xlwings 0.37.8)
-------------------------------------
* ``xlwings/__init__.py`` including its platform branch, so ``xw.func``,
  ``xw.arg``, ``xw.ret``, ``xw.script`` are ``xlwings.udfs.xlfunc``/``xlarg``/
  ``xlret``/``xlsub``; ``xlwings._xlwindows`` (the real ``Engine`` with its
  ``clean_value_data`` / ``prepare_xl_data_element`` used by the converters, the
  real ``Range``/``Sheet``/``Book``/``App`` wrappers and ``is_range_instance``);
  ``xlwings.com_server`` and ``xlwings.udfs`` as shipped.
* :func:`vba_for` runs ``xlwings.udfs.import_udfs`` (-> ``get_udf_module``,
  ``generate_vba_wrapper``, ``utils.VBAWriter``) against a fake workbook whose
  ``VBProject.VBComponents.Import(path)`` captures the file xlwings wrote.
* :func:`call_classic` runs ``xlwings.com_server.XLPython().CallUDF`` - the very
  method VBA's ``XLPy.CallUDF`` invokes - which runs ``FromVariant`` on each
  argument, ``xlwings.udfs.call_udf`` (missing-argument handling,
  ``conversion.read`` with each argument's ``__xlfunc__`` options, the function
  call, ``conversion.write`` with the ``ret`` options) and CallUDF's own squeezing
  of the 2-D result (``[[x]] -> x``, ``[[a, b]] -> [a, b]``).

What is stubbed / differs from Excel
------------------------------------
* pywin32 itself (``pythoncom``, ``pywintypes``, ``win32api``, ``win32con``,
  ``win32event``, ``win32gui``, ``win32process``, ``win32timezone``,
  ``win32com``, ``win32com.client`` (+``gencache``), ``win32com.server``
  (+``dispatcher``, ``policy``, ``util``, ``exception``)): minimal fakes.
  Anything not needed raises ``NotImplementedError`` when called.
  ``win32com.client.Dispatch(obj)`` returns ``obj`` unchanged;
  ``win32timezone.TimeZoneInfo.utc()`` is ``datetime.timezone.utc``;
  ``win32com.server.util.unwrap`` raises, so ``FromVariant`` passes arguments
  through as is (as for real values).
* During the ``import xlwings``: ``sys.platform`` is ``"win32"``; ``ctypes``
  gets fake ``windll``/``oledll`` and a fake ``PyDLL`` (only what
  ``_xlwindows`` touches at import time); ``XLWINGS_ON_SERVER`` is unset.  All
  three are restored afterwards, so at call time ``sys.platform`` is ``linux``
  again (xlwings' runtime ``sys.platform`` checks are not on the UDF path).
  Platform-sensitive modules xlwings pulls in (asyncio, numpy, pandas, ...) are
  imported *before* the patch; any other module first imported while it was
  active is listed in :data:`IMPORTED_UNDER_FAKE_WIN32`.
* No COM marshalling: the arguments you pass are what pywin32 would have
  produced from VBA's Variants, and the return value is the Python object pywin32
  would then convert to a Variant (e.g. ``None`` and tz-aware datetimes are not
  converted further here).
* ``this_workbook`` and ``caller`` are passed as ``None``, as in the wrapper's
  ``#Else`` (non-Excel host) branch; in Excel they would be ``ThisWorkbook`` /
  ``ActiveWorkbook`` and ``Application.Caller``.  So: no
  embedded-code scan on first module load, ``xw.Book.caller()`` isn't set,
  and functions with a ``caller`` parameter, ``@xw.ret(expand=...)`` (legacy
  dynamic arrays) or ``async_mode`` are rejected with ``NotImplementedError``.
  ``async def`` UDFs work: ``com_server.loop`` is started in a daemon thread with
  xlwings' own ``_start_background_loop``, as ``serve()`` does.
* Modules are loaded with the real ``udfs.get_udf_module(name, None)`` (cached in
  ``udfs.udf_modules``, reloaded when the file's mtime changes - note that it
  lower-cases the path first, so files under a path with upper-case letters are
  never reloaded on Linux).
* An exception raised by the UDF propagates to the test unchanged; in Excel the
  VBA wrapper's ``On Error GoTo failed`` would put ``Err.Description`` in the
  cell.
* VBA text is what xlwings writes on Linux: ``\\n`` line ends and the locale's
  encoding (on Windows the same text-mode write gives ``\\r\\n`` and the ANSI
  code page).

Values from cells vs. values from formulas
------------------------------------------
When a formula passes a cell reference (``=total(A1:B2)``), VBA hands xlwings a
COM ``Range``; ``call_udf`` recognises it (``_xlwindows.is_range_instance``) and
reads it through ``xw.Range`` (``ReadValueFromRangeStage`` -> ``Range.Value``).
Use ``com_range(value)`` for that.  A plain Python value is what arrives for
literals, array constants and results of nested formulas
(``=total({1,2;3,4})``, ``=total(A1:A2*2)``): ``conversion.read(None, value,
options)``.  Both end in the same converter pipeline; only ``com_range`` supports
converters that need the range itself (``xw.arg("x", "range")``).

COM value shapes (what pywin32 gives for ``Range.Value`` / VBA arrays): a scalar
for one cell, a tuple of row tuples otherwise, ``None`` for an empty cell, an
``int`` such as ``-2146826246`` for ``#N/A`` (see :data:`XL_ERRORS`), a
``datetime`` for a date cell, ``float`` for numbers, ``bool``, ``str``.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as _dt
import importlib
import inspect
import io
import os
import subprocess
import sys
import textwrap
import threading
import time
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "IMPORTED_UNDER_FAKE_WIN32",
    "MISSING",
    "VBA_RESERVED_WORDS",
    "XL_DIV0",
    "XL_ERRORS",
    "XL_NA",
    "XL_NAME",
    "XL_NULL",
    "XL_NUM",
    "XL_REF",
    "XL_VALUE",
    "ImportResult",
    "call_classic",
    "com_range",
    "import_functions",
    "install_pywin32_stubs",
    "is_vba_reserved",
    "run_classic_script",
    "vba_for",
]

# --------------------------------------------------------------------------- values

#: What pywin32 delivers for an omitted ``Optional`` VBA argument (VT_ERROR with
#: scode DISP_E_PARAMNOTFOUND). ``call_udf`` replaces it with the Python default.
MISSING = -2147352572

XL_DIV0 = -2146826281
XL_NA = -2146826246
XL_NAME = -2146826259
XL_NULL = -2146826288
XL_NUM = -2146826252
XL_REF = -2146826265
XL_VALUE = -2146826273
#: Cell-error ints as pywin32 returns them, same table as ``_xlwindows.cell_errors``.
XL_ERRORS = {
    XL_DIV0: "#DIV/0!",
    XL_NA: "#N/A",
    XL_NAME: "#NAME?",
    XL_NULL: "#NULL!",
    XL_NUM: "#NUM!",
    XL_REF: "#REF!",
    XL_VALUE: "#VALUE!",
}

_RANGE_IID = "{00020846-0000-0000-C000-000000000046}"
_IDISPATCH_IID = "{00020400-0000-0000-C000-000000000046}"
_IENUMVARIANT_IID = "{00020404-0000-0000-C000-000000000046}"

# ------------------------------------------------------------ VBA reserved words
# [MS-VBAL] VBA Language Specification, 3.3.5.2 "Reserved Identifiers and
# IDENTIFIER": a <reserved-identifier> can never be an <IDENTIFIER> (so never a
# parameter name).  Case-insensitive.
_VBAL_STATEMENT_KEYWORDS = {
    "Call", "Case", "Close", "Const", "Declare", "DefBool", "DefByte", "DefCur",
    "DefDate", "DefDbl", "DefInt", "DefLng", "DefLngLng", "DefLngPtr", "DefObj",
    "DefSng", "DefStr", "DefVar", "Dim", "Do", "Else", "ElseIf", "End", "EndIf",
    "Enum", "Erase", "Event", "Exit", "For", "Friend", "Function", "Get", "Global",
    "GoSub", "GoTo", "If", "Implements", "Input", "Let", "Lock", "Loop", "LSet",
    "Next", "On", "Open", "Option", "Print", "Private", "Public", "Put",
    "RaiseEvent", "ReDim", "Resume", "Return", "RSet", "Seek", "Select", "Set",
    "Static", "Stop", "Sub", "Type", "Unlock", "Wend", "While", "With", "Write",
}  # fmt: skip
_VBAL_MARKER_KEYWORDS = {
    "Any", "As", "ByRef", "ByVal", "Case", "Each", "Else", "In", "New", "Shared",
    "Until", "WithEvents", "Write", "Optional", "ParamArray", "Preserve", "Spc",
    "Tab", "Then", "To",
}  # fmt: skip
_VBAL_OPERATOR_IDENTIFIERS = {
    "AddressOf", "And", "Eqv", "Imp", "Is", "Like", "New", "Mod", "Not", "Or",
    "TypeOf", "Xor",
}  # fmt: skip
_VBAL_RESERVED_NAMES = {
    "Abs", "CBool", "CByte", "CCur", "CDate", "CDbl", "CDec", "CInt", "CLng",
    "CLngLng", "CLngPtr", "CSng", "CStr", "CVar", "CVErr", "Date", "Debug",
    "DoEvents", "Fix", "Int", "Len", "LenB", "Me", "PSet", "Scale", "Sgn", "String",
}  # fmt: skip
_VBAL_SPECIAL_FORMS = {"Array", "Circle", "Input", "InputB", "LBound", "Scale", "UBound"}
_VBAL_RESERVED_TYPES = {
    "Boolean", "Byte", "Currency", "Date", "Double", "Integer", "Long", "LongLong",
    "LongPtr", "Single", "String", "Variant",
}  # fmt: skip
_VBAL_LITERALS = {"True", "False", "Nothing", "Empty", "Null"}
_VBAL_OTHER = {
    "Rem",  # rem-keyword
    # reserved-for-implementation-use
    "Attribute", "LineInput", "VB_Base", "VB_Control", "VB_Creatable",
    "VB_Customizable", "VB_Description", "VB_Exposed", "VB_Ext_KEY",
    "VB_GlobalNameSpace", "VB_HelpID", "VB_Invoke_Func", "VB_Invoke_Property",
    "VB_Invoke_PropertyPut", "VB_Invoke_PropertyPutRef", "VB_MemberFlags",
    "VB_Name", "VB_PredeclaredId", "VB_ProcData", "VB_TemplateDerived",
    "VB_UserMemId", "VB_VarDescription", "VB_VarHelpID", "VB_VarMemberFlags",
    "VB_VarProcData", "VB_VarUserMemId",
    # future-reserved
    "CDecl", "Decimal", "DefDec",
}  # fmt: skip
# Microsoft's "Keywords (Visual Basic for Applications)" page lists some words that
# are keywords only in some contexts (Name ... As, Option Compare Binary, Property
# Get, Mid statement, For ... Step, Declare ... Lib/Alias, PtrSafe ...).  VBA
# accepts a few of them as identifiers, but they are treated as reserved here (a
# false alarm costs a rename; a miss costs a VBA compile error that no Linux test
# can see).
_MS_DOC_KEYWORDS = {
    "As", "Binary", "ByRef", "ByVal", "Date", "Else", "Empty", "Error", "False",
    "For", "Friend", "Get", "Input", "Is", "Len", "Let", "Lock", "Me", "Mid",
    "New", "Next", "Nothing", "Null", "On", "Option", "Optional", "ParamArray",
    "Print", "Private", "Property", "Public", "Resume", "Seek", "Set", "Static",
    "Step", "String", "Then", "Time", "To", "True", "WithEvents",
    # statement / declaration keywords from the same reference
    "Name", "Alias", "Lib", "PtrSafe",
}  # fmt: skip

#: VBA keywords (canonical spelling). VBA is case-insensitive: use
#: :func:`is_vba_reserved` to test a name. Union of [MS-VBAL] 3.3.5.2 reserved
#: identifiers and the keywords listed in Microsoft's VBA language reference.
VBA_RESERVED_WORDS = frozenset(
    _VBAL_STATEMENT_KEYWORDS
    | _VBAL_MARKER_KEYWORDS
    | _VBAL_OPERATOR_IDENTIFIERS
    | _VBAL_RESERVED_NAMES
    | _VBAL_SPECIAL_FORMS
    | _VBAL_RESERVED_TYPES
    | _VBAL_LITERALS
    | _VBAL_OTHER
    | _MS_DOC_KEYWORDS
)
_VBA_RESERVED_CASEFOLDED = frozenset(w.casefold() for w in VBA_RESERVED_WORDS)


def is_vba_reserved(name: str) -> bool:
    """True if ``name`` is in :data:`VBA_RESERVED_WORDS`, compared case-insensitively."""
    return name.casefold() in _VBA_RESERVED_CASEFOLDED


# ------------------------------------------------------------------ pywin32 stubs
class _Unavailable:
    """Placeholder for any pywin32 attribute the harness doesn't fake."""

    def __init__(self, qualname: str):
        self._qualname = qualname

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{self._qualname} is not available: pywin32 is stubbed by tests/classic_com.py (no COM on Linux)"
        )

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Unavailable(f"{self._qualname}.{name}")

    def __repr__(self) -> str:
        return f"<classic_com stub {self._qualname}>"


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _Unavailable(f"{self.__name__}.{name}")


class _IID(str):
    """pywintypes.IID stand-in: a canonical (upper-case) GUID string."""

    def __new__(cls, iid: Any, is_bytes: bool = False) -> _IID:
        return super().__new__(cls, str(iid).upper())


class _com_error(Exception):
    """pywintypes.com_error stand-in: (hresult, strerror, excepinfo, argerror)."""

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.hresult = args[0] if args else None
        self.strerror = args[1] if len(args) > 1 else None
        self.excepinfo = args[2] if len(args) > 2 else None
        self.argerror = args[3] if len(args) > 3 else None


class _pywintypes_error(Exception):
    """pywintypes.error stand-in: (winerror, funcname, strerror)."""


class _TimeType(_dt.datetime):
    """pywintypes.TimeType stand-in (pywin32's is a datetime subclass too)."""


class _PyIDispatch:
    """Type of raw IDispatch pointers; nothing in the harness is one."""


class _CDispatch:
    """win32com.client.CDispatch stand-in (only used in isinstance checks)."""


class _DispatchBaseClass:
    """win32com.client.DispatchBaseClass stand-in (isinstance checks only)."""


class _CoClassBaseClass:
    """Replaced by xlwings._win32patch.CoClassBaseClass on import."""


def _dispatch(obj: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(obj, str):
        raise _com_error(-2147221005, "Invalid class string (classic_com stub)", None, None)
    return obj


def _unwrap(obj: Any) -> Any:
    # Real pywin32 raises for anything that isn't a wrapped Python COM object.
    raise ValueError("classic_com stub: not a wrapped Python COM object")


def _wrap(obj: Any, *args: Any, **kwargs: Any) -> Any:
    return obj


class _TimeZoneInfo(_dt.tzinfo):
    @staticmethod
    def utc() -> _dt.tzinfo:
        return _dt.timezone.utc


class _DefaultPolicy:
    pass


class _COMException(Exception):
    def __init__(self, description: Any = None, scode: Any = None, **kwargs: Any):
        super().__init__(description, scode)
        self.description = description
        self.scode = scode


def _noop(*args: Any, **kwargs: Any) -> None:
    return None


def _new_module(name: str, attrs: Mapping[str, Any], package: bool = False):
    mod = _StubModule(name, f"classic_com stub for pywin32's {name}")
    mod.__file__ = f"<classic_com stub {name}>"
    mod.__classic_com_stub__ = True
    if package:
        mod.__path__ = []
    for key, value in attrs.items():
        setattr(mod, key, value)
    return mod


def _build_stub_modules() -> dict[str, types.ModuleType]:
    iid_dispatch = _IID(_IDISPATCH_IID)
    iid_enum = _IID(_IENUMVARIANT_IID)
    pywintypes = _new_module(
        "pywintypes",
        {
            "com_error": _com_error,
            "error": _pywintypes_error,
            "TimeType": _TimeType,
            "Time": _TimeType,
            "IID": _IID,
        },
    )
    pythoncom = _new_module(
        "pythoncom",
        {
            "com_error": _com_error,
            "ole_error": _com_error,
            "error": _pywintypes_error,
            "IID_IDispatch": iid_dispatch,
            "IID_IEnumVARIANT": iid_enum,
            "TypeIIDs": {iid_dispatch: _PyIDispatch},
            "CoInitialize": _noop,
            "CoInitializeEx": _noop,
            "CoUninitialize": _noop,
            "PumpWaitingMessages": lambda *a, **k: 0,
            "DISPATCH_METHOD": 1,
            "DISPATCH_PROPERTYGET": 2,
            "DISPATCH_PROPERTYPUT": 4,
            "CLSCTX_LOCAL_SERVER": 4,
            "REGCLS_MULTIPLEUSE": 1,
            "REGCLS_SUSPENDED": 4,
        },
    )
    win32process = _new_module(
        "win32process",
        # The fake Application's Hwnd doubles as its "pid".
        {"GetWindowThreadProcessId": lambda hwnd: (0, hwnd)},
    )
    win32timezone = _new_module("win32timezone", {"TimeZoneInfo": _TimeZoneInfo})
    gencache = _new_module("win32com.client.gencache", {"EnsureModule": lambda *a, **k: None})
    client = _new_module(
        "win32com.client",
        {
            "Dispatch": _dispatch,
            "DispatchEx": _Unavailable("win32com.client.DispatchEx"),
            "CDispatch": _CDispatch,
            "CoClassBaseClass": _CoClassBaseClass,
            "DispatchBaseClass": _DispatchBaseClass,
            "gencache": gencache,
        },
        package=True,
    )
    server_util = _new_module("win32com.server.util", {"wrap": _wrap, "unwrap": _unwrap})
    server_policy = _new_module("win32com.server.policy", {"DefaultPolicy": _DefaultPolicy})
    server_dispatcher = _new_module("win32com.server.dispatcher", {})
    server_exception = _new_module("win32com.server.exception", {"COMException": _COMException})
    server = _new_module(
        "win32com.server",
        {
            "util": server_util,
            "policy": server_policy,
            "dispatcher": server_dispatcher,
            "exception": server_exception,
        },
        package=True,
    )
    win32com = _new_module("win32com", {"client": client, "server": server}, package=True)
    mods = {
        "pywintypes": pywintypes,
        "pythoncom": pythoncom,
        "win32api": _new_module("win32api", {}),
        "win32con": _new_module("win32con", {}),
        "win32event": _new_module("win32event", {}),
        "win32gui": _new_module("win32gui", {}),
        "win32process": win32process,
        "win32timezone": win32timezone,
        "win32com": win32com,
        "win32com.client": client,
        "win32com.client.gencache": gencache,
        "win32com.server": server,
        "win32com.server.util": server_util,
        "win32com.server.policy": server_policy,
        "win32com.server.dispatcher": server_dispatcher,
        "win32com.server.exception": server_exception,
    }
    return mods


class _FakeDllFunction:
    def __init__(self, name: str):
        self.__name__ = name
        self.restype = None
        self.argtypes = None

    def __call__(self, *args: Any) -> int:
        return 0  # S_OK


class _FakeDll:
    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, name: str) -> _FakeDllFunction:
        if name.startswith("__"):
            raise AttributeError(name)
        return _FakeDllFunction(f"{self._name}.{name}")


class _FakeDllLoader:
    def __getattr__(self, name: str) -> _FakeDll:
        if name.startswith("__"):
            raise AttributeError(name)
        return _FakeDll(name)


# Modules xlwings (classic) imports that branch on sys.platform at import time or
# are simply big: imported for real before sys.platform is patched.
_PREIMPORT = (
    # stdlib (asyncio picks its Windows event loop at import time)
    "asyncio", "concurrent.futures", "ctypes", "shlex", "subprocess", "tempfile",
    "shutil", "locale", "uuid", "json", "logging", "inspect", "threading",
    "random", "hashlib", "hmac", "base64", "binascii", "glob", "dataclasses",
    "decimal", "zoneinfo", "platform", "csv", "pickle", "calendar", "secrets",
    "tarfile", "gzip", "mmap",
    # Python 3.10's asyncio leaves these to xlwings 0.37.0's import (3.11+ imports them earlier)
    "queue", "concurrent.futures.thread",
    # optional third-party packages xlwings imports when present
    "numpy", "pandas", "polars", "matplotlib", "matplotlib.figure",
    "matplotlib.pyplot", "matplotlib.backends.backend_agg", "plotly.graph_objects", "PIL",
    "PIL.ImageGrab", "PIL.features",
    "dateutil", "cryptography", "cryptography.fernet",
    # xlwings.pro (imported when a license key is set: reports, embedded code)
    "jinja2", "markupsafe",
)  # fmt: skip

#: Modules (outside xlwings and the stubs) first imported while ``sys.platform``
#: was ``"win32"``; filled by :func:`install_pywin32_stubs`. If one of them
#: branches on the platform at import time, add it to ``_PREIMPORT``.
IMPORTED_UNDER_FAKE_WIN32: tuple[str, ...] = ()

_STATE: dict[str, Any] = {"installed": False}


def install_pywin32_stubs() -> types.ModuleType:
    """Fake pywin32, import xlwings with the classic (COM) decorators, return it.

    Must be called before the first ``import xlwings`` in the process (raises
    ``RuntimeError`` otherwise); calling it again is a no-op. Raises
    ``RuntimeError`` with the underlying import error if xlwings didn't end up
    on its classic path.
    """
    global IMPORTED_UNDER_FAKE_WIN32
    if _STATE["installed"]:
        return sys.modules["xlwings"]
    if "xlwings" in sys.modules:
        raise RuntimeError(
            "xlwings was imported before install_pywin32_stubs(); run the classic "
            "harness in a fresh subprocess (see run_classic_script)."
        )
    real = [n for n in ("pythoncom", "pywintypes", "win32com") if n in sys.modules]
    if real:
        raise RuntimeError(f"pywin32 modules already imported: {real}")

    for name in _PREIMPORT:
        with contextlib.suppress(Exception):  # an optional dependency missing or broken
            importlib.import_module(name)

    stubs = _build_stub_modules()
    sys.modules.update(stubs)

    saved_platform = sys.platform
    saved_on_server = os.environ.pop("XLWINGS_ON_SERVER", None)
    saved_ctypes = {n: getattr(ctypes, n, _ABSENT) for n in ("windll", "oledll")}
    saved_pydll = ctypes.PyDLL
    before = set(sys.modules)
    try:
        ctypes.windll = _FakeDllLoader()
        ctypes.oledll = _FakeDllLoader()
        ctypes.PyDLL = lambda name, *a, **k: _FakeDll(f"PyDLL({name})")
        sys.platform = "win32"
        import xlwings
        import xlwings._xlwindows
        import xlwings.com_server
        import xlwings.udfs
    finally:
        sys.platform = saved_platform
        ctypes.PyDLL = saved_pydll
        for n, v in saved_ctypes.items():
            if v is _ABSENT:
                if hasattr(ctypes, n):
                    delattr(ctypes, n)
            else:
                setattr(ctypes, n, v)
        if saved_on_server is not None:
            os.environ["XLWINGS_ON_SERVER"] = saved_on_server

    IMPORTED_UNDER_FAKE_WIN32 = tuple(
        sorted(m for m in set(sys.modules) - before if m.split(".")[0] != "xlwings" and m not in stubs)
    )

    import xlwings

    problems = []
    if not getattr(xlwings, "has_pywin32", False):
        problems.append("xlwings.has_pywin32 is False (_xlwindows failed to import)")
    if getattr(xlwings, "func", None) is not getattr(xlwings.udfs, "xlfunc", object()):
        problems.append("xw.func is not xlwings.udfs.xlfunc")
    if "excel" not in [e.name for e in xlwings.engines]:
        problems.append("the 'excel' (COM) engine isn't registered")
    if problems:
        raise RuntimeError("classic xlwings path not active: " + "; ".join(problems))
    _STATE["installed"] = True
    return xlwings


_ABSENT = object()


def _require_installed():
    if not _STATE["installed"]:
        raise RuntimeError("call install_pywin32_stubs() first (in a subprocess)")
    import xlwings

    return xlwings


def _module_names(module: Any) -> list[str]:
    if isinstance(module, types.ModuleType):
        return [module.__name__]
    if isinstance(module, str):
        return [m for m in module.split(";") if m]
    names: list[str] = []
    for m in module:
        names.extend(_module_names(m))
    return names


# ------------------------------------------------------------- fake COM objects
class _Count:
    def __init__(self, n: int):
        self.Count = n


class _FakeOleObj:
    """``_oleobj_`` of a fake dispatch: enough for ``_xlwindows.is_range_instance``."""

    def __init__(self, iid: str):
        self._iid = iid

    def GetTypeInfo(self):
        return self

    def GetTypeAttr(self):
        return self

    @property
    def iid(self):
        return sys.modules["pywintypes"].IID(self._iid)


class _FakeApplication:
    def __init__(self):
        self.Hwnd = 4242  # also the "pid", see the win32process stub
        self.Version = "16.0"
        self.Name = "Microsoft Excel"
        self.macro_options: list[dict[str, Any]] = []
        self.runs: list[tuple[Any, ...]] = []

    def MacroOptions(self, Macro=None, **kwargs):
        self.macro_options.append({"Macro": Macro, **kwargs})

    def Run(self, macro, *args):
        self.runs.append((macro, *args))


class _FakeWorkbook:
    def __init__(self, name: str, app: _FakeApplication | None = None):
        self.Name = name
        self.FullName = name
        self.Application = app or _FakeApplication()
        self.Parent = self.Application
        self.VBProject = _FakeVBProject()


class _FakeSheet:
    def __init__(self, name: str, book: _FakeWorkbook):
        self.Name = name
        self.Parent = book
        self.Application = book.Application


class _FakeVBComponents:
    def __init__(self):
        self.imported: list[str] = []
        self.removed: list[Any] = []

    def __call__(self, name):
        # No "xlwings_udfs" module yet: what Excel does on the first import.
        raise sys.modules["pywintypes"].com_error(-2147352565, "Subscript out of range (fake VBProject)", None, None)

    def Remove(self, component):
        self.removed.append(component)

    def Import(self, path):
        with open(path) as f:  # same default encoding xlwings wrote it with
            self.imported.append(f.read())


class _FakeVBProject:
    def __init__(self):
        self.VBComponents = _FakeVBComponents()


def _col_name(col: int) -> str:
    name = ""
    while col:
        col, rem = divmod(col - 1, 26)
        name = chr(65 + rem) + name
    return name


class FakeComRange:
    """Duck-typed pywin32 ``Range`` dispatch holding ``Value`` (COM shape).

    Enough for xlwings' read path: ``is_range_instance``, ``Value``, ``Row``,
    ``Column``, ``Rows.Count``, ``Columns.Count``, ``Address``, ``Worksheet`` ->
    ``Parent`` (workbook) -> ``Application``. Writing or navigating (``expand``,
    ``offset``, ``resize``, formats ...) is not supported.
    """

    def __init__(self, value, *, row=1, column=1, sheet="Sheet1", book="Book1.xlsm"):
        self.Value = value
        if isinstance(value, (tuple, list)):
            nrows = len(value)
            ncols = len(value[0]) if nrows else 0
        else:
            nrows = ncols = 1
        self.Row, self.Column = row, column
        self.Rows, self.Columns = _Count(nrows), _Count(ncols)
        self.Count = nrows * ncols
        first = f"${_col_name(column)}${row}"
        last = f"${_col_name(column + ncols - 1)}${row + nrows - 1}"
        self.Address = first if (nrows, ncols) == (1, 1) else f"{first}:{last}"
        self.Worksheet = _FakeSheet(sheet, _FakeWorkbook(book))
        self.Parent = self.Worksheet
        self.Application = self.Worksheet.Application
        self._oleobj_ = _FakeOleObj(_RANGE_IID)

    def __repr__(self) -> str:
        return f"<FakeComRange {self.Address} {self.Value!r}>"


def com_range(value, *, row=1, column=1, sheet="Sheet1", book="Book1.xlsm"):
    """A fake COM Range for :func:`call_classic`: the "cell reference" argument path.

    ``value`` is what ``Range.Value`` returns in pywin32: a scalar for one cell,
    a tuple of row tuples for more.
    """
    return FakeComRange(value, row=row, column=column, sheet=sheet, book=book)


# ------------------------------------------------------------------ public calls
@dataclass
class ImportResult:
    """Outcome of a fake "Import Functions" run."""

    vba: str
    """Text of the ``xlwings_udfs`` VBA module xlwings wrote and imported."""
    macro_options: list[dict[str, Any]] = field(default_factory=list)
    """``Application.MacroOptions`` keyword arguments, one dict per function
    (``Macro``, ``Description``, ``Category``, ``ArgumentDescriptions`` ...)."""
    printed: str = ""
    """What ``import_udfs`` printed (its "Imported functions from ..." line)."""


def import_functions(module: Any, *, workbook_name: str = "Book1.xlsm") -> ImportResult:
    """Run ``xlwings.udfs.import_udfs`` against a fake workbook.

    ``module``: a module object, a dotted module name, a ``;``-separated list of
    names (like the UDF_MODULES setting) or an iterable of those. The modules
    must be importable by name. ``workbook_name`` ending in ``.xlam`` makes
    xlwings write ``ActiveWorkbook`` instead of ``ThisWorkbook``.
    """
    xlwings = _require_installed()
    from xlwings import udfs

    names = _module_names(module)
    for name in names:
        # Load (and cache in udfs.udf_modules) without a workbook, which skips the
        # embedded-code scan of the workbook's sheets.
        udfs.get_udf_module(name, None)
    wb = _FakeWorkbook(workbook_name)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        xlwings.udfs.import_udfs(";".join(names), wb)
    imported = wb.VBProject.VBComponents.imported
    if len(imported) != 1:
        raise AssertionError(f"expected one VBA import, got {len(imported)}")
    return ImportResult(
        vba=imported[0],
        macro_options=list(wb.Application.macro_options),
        printed=out.getvalue(),
    )


def vba_for(module: Any, *, workbook_name: str = "Book1.xlsm") -> str:
    """The VBA module text that "Import Functions" would write for ``module``."""
    return import_functions(module, workbook_name=workbook_name).vba


def _vba_argument_array(func_info, args, vba_values):
    """Build what the VBA wrapper passes as ``Array(...)`` / ``argsArray``."""
    name = func_info["name"]
    vba_values = dict(vba_values or {})
    xlargs = func_info["args"]
    visible = [a for a in xlargs if not a["vba"] and not a["vararg"]]
    vararg = next((a for a in xlargs if a["vararg"]), None)
    if len(args) > len(visible) and vararg is None:
        raise TypeError(f"{name}() takes {len(visible)} worksheet arguments, got {len(args)}")
    supplied = dict(zip((a["name"] for a in visible), args))
    extra = list(args[len(visible) :])
    array = []
    for a in xlargs:
        if a["vararg"]:
            array.extend(extra)  # ParamArray elements are appended one by one
        elif a["vba"]:
            if a["name"] not in vba_values:
                raise NotImplementedError(
                    f"{name}(): argument {a['name']!r} is the VBA expression "
                    f"{a['vba']!r}; pass its value via vba_values={{...}}"
                )
            array.append(vba_values.pop(a["name"]))
        elif a["name"] in supplied:
            array.append(supplied[a["name"]])
        elif "optional" in a:
            array.append(MISSING)  # omitted Optional Variant in VBA
        else:
            raise TypeError(f"{name}(): required argument {a['name']!r} missing")
    if vba_values:
        raise TypeError(f"{name}(): unknown vba_values {sorted(vba_values)}")
    return tuple(array)


def call_classic(
    module: Any,
    func_name: str,
    *args: Any,
    vba_values: Mapping[str, Any] | None = None,
) -> Any:
    """Call a UDF like the generated VBA does; return what Python hands to VBA.

    ``args`` are the worksheet arguments in signature order, already in COM shape
    (see the module docstring) or wrapped with :func:`com_range`. Omitted trailing
    ``Optional`` arguments are sent as :data:`MISSING`, as VBA does; extra args
    go to a ``*args`` parameter (VBA ``ParamArray``). ``vba_values`` supplies
    arguments declared with ``xw.arg(..., vba="...")``.

    Runs ``xlwings.com_server.XLPython().CallUDF(module_name, func_name, args,
    None, None)`` unmodified; the result is CallUDF's return value (squeezed:
    ``[[x]] -> x``, one row -> flat list, otherwise list of row lists).
    ``async def`` UDFs run on ``com_server.loop``, started on first use the way
    ``com_server.serve()`` starts it.
    """
    _require_installed()
    from xlwings import com_server, udfs

    names = _module_names(module)
    if len(names) != 1:
        raise TypeError("call_classic takes exactly one module")
    module_name = names[0]
    mod = udfs.get_udf_module(module_name, None)
    func = getattr(mod, func_name)
    info = getattr(func, "__xlfunc__", None)
    if info is None:
        raise TypeError(f"{module_name}.{func_name} is not decorated with @xw.func")
    if any(a["name"] == "caller" for a in info["args"]):
        raise NotImplementedError("UDFs with a 'caller' argument need a live Excel")
    if info["ret"]["options"].get("expand") or info.get("async_mode"):
        raise NotImplementedError("expand=/async_mode UDFs need Application.Caller")
    vba_args = _vba_argument_array(info, args, vba_values)
    if inspect.iscoroutinefunction(func):
        _ensure_com_server_loop(com_server)
    return com_server.XLPython().CallUDF(module_name, func_name, vba_args, None, None)


def _ensure_com_server_loop(com_server) -> None:
    """Start ``com_server.loop`` like ``com_server.serve()`` does (``async def`` UDFs
    are run on it via ``run_coroutine_threadsafe``; without it they'd hang)."""
    if com_server.loop.is_running():
        return
    threading.Thread(target=com_server._start_background_loop, daemon=True).start()
    deadline = time.monotonic() + 5
    while not com_server.loop.is_running():
        if time.monotonic() > deadline:
            raise RuntimeError("xlwings.com_server.loop did not start")
        time.sleep(0.001)


# ------------------------------------------------------------ subprocess runner
_HERE = os.path.dirname(os.path.abspath(__file__))


def run_classic_script(
    code: str,
    *,
    cwd: str | os.PathLike | None = None,
    extra_sys_path: Iterable[str | os.PathLike] = (),
    timeout: float = 60,
    check: bool = True,
) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with the classic harness installed.

    The prelude puts this directory and ``extra_sys_path`` (e.g. the tmp dir
    holding a toy UDF module) at the front of ``sys.path``, calls
    :func:`install_pywin32_stubs` and binds ``classic_com``, ``xlwings``, ``xw``,
    ``call_classic``, ``vba_for``, ``import_functions``, ``com_range``,
    ``MISSING`` and ``XL_ERRORS``/``XL_*``. ``code`` is dedented. Output is
    captured as text; with ``check=True`` a non-zero exit raises
    ``AssertionError`` showing stdout and stderr.
    """
    paths = [_HERE, *(os.fspath(p) for p in extra_sys_path)]
    prelude = (
        "import sys\n"
        f"sys.path[:0] = {paths!r}\n"
        "import classic_com\n"
        "xlwings = xw = classic_com.install_pywin32_stubs()\n"
        "from classic_com import *\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=os.fspath(cwd) if cwd is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"classic subprocess failed (rc={proc.returncode})\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )
    return proc
