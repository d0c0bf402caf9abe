"""WeasyPrint and its system libraries, loaded on import: the ``preload`` of the PDF
format (``registry``), imported where the workers of a run that writes PDF are forked
from, once for all of them. A WeasyPrint that does not load is left for the workers,
whose builds then say what is wrong."""

from __future__ import annotations

import contextlib

from reportgen.renderers.pdf import load

with contextlib.suppress(Exception):
    load()
