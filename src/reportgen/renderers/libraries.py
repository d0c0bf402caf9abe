"""Loading WeasyPrint's system libraries (GObject, Pango, HarfBuzz, fontconfig) quickly.

WeasyPrint tries several names for each library, and cffi hands every name that the
dynamic loader does not know at once to ``ctypes.util.find_library``, which on Linux
runs ``ldconfig``, ``gcc`` and ``ld`` for it: about 70 processes and 0.1 s for each
``import weasyprint``. Every library's list also holds its soname
(``libpango-1.0.so.0``), which the dynamic loader finds by itself, in the same
places and in the same order as it would the path that the search returns. So the
import is first tried with that search answering "not found" at once; if a library
cannot be loaded that way, the import is done again with the full search.
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
    it can (Linux); else as usual. An import that fails the usual way raises as usual."""
    if name in sys.modules or not sys.platform.startswith("linux"):
        return importlib.import_module(name)
    with _lock:
        try:
            # WeasyPrint prints advice before it gives up on a library: not this time
            with _no_library_search(), contextlib.redirect_stdout(io.StringIO()):
                return importlib.import_module(name)
        except OSError:
            pass  # a library known only to the search: the modules that failed are gone
    return importlib.import_module(name)
