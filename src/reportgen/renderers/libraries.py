"""Loading WeasyPrint's system libraries (GObject, Pango, HarfBuzz, fontconfig) quickly.

WeasyPrint tries several names for each library, and cffi hands every name that the
dynamic loader does not know at once to ``ctypes.util.find_library``, which on Linux
runs ``ldconfig``, ``gcc`` and ``ld`` for it: about 70 processes and 0.1 s for each
``import weasyprint``. Every library's list also holds its soname
(``libpango-1.0.so.0``), which the dynamic loader finds by itself, in the same
places and in the same order as it would the path that the search returns. So the
import is first tried with that search answering "not found" at once; if a library
cannot be loaded that way, the import is done again with the full search.

An import cut short (a build's time or memory limit stopping the first ``import
weasyprint`` of a process) leaves behind the modules that were finished, some holding
the half-made ones that were not: the next import would find ``weasyprint.html``
without its functions. So every module of the package is forgotten then, and the next
import starts anew.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import importlib
import io
import sys
import threading
from collections.abc import Iterator
from types import ModuleType

_lock = threading.Lock()


@contextlib.contextmanager
def _no_library_search() -> Iterator[None]:
    original = ctypes.util.find_library

    def not_found(name: str) -> None:
        return None

    ctypes.util.find_library = not_found
    try:
        yield
    finally:
        ctypes.util.find_library = original


def import_with_sonames(name: str) -> ModuleType:
    """Import the module ``name``, its C libraries found by the dynamic loader alone when
    it can (Linux); else as usual. An import that fails the usual way raises as usual,
    and one cut short leaves none of the package's modules behind."""
    if name in sys.modules:
        return importlib.import_module(name)
    try:
        return _import(name)
    except BaseException:
        _forget(name)
        raise


def _forget(name: str) -> None:
    """Drop the package ``name`` and all its modules from ``sys.modules``."""
    for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        sys.modules.pop(module, None)


def _import(name: str) -> ModuleType:
    if not sys.platform.startswith("linux"):
        return importlib.import_module(name)
    with _lock:
        try:
            # WeasyPrint prints advice before it gives up on a library: not this time
            with _no_library_search(), contextlib.redirect_stdout(io.StringIO()):
                return importlib.import_module(name)
        except OSError:
            _forget(name)  # a library known only to the search: the import starts anew
    return importlib.import_module(name)
