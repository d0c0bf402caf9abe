"""What the fork server of worker processes loads, once, before it forks the first
worker (see :mod:`reportgen.batching.processes`). Imported there only.

It imports the build pipeline, every profile kind and every format's code, builds the
validators of the profile kinds (made on first use elsewhere) and imports what the
first document of any format imports on its way (templates, Markdown, dates and
numbers, country codes), but loads no fonts and starts no thread, so that a forked
worker starts clean and does none of this again. The engines of the formats
(``Renderer.preload``: WeasyPrint for PDF, python-docx for Word) are preloaded beside
it, those of the formats that the run which starts the fork server writes. Ctrl-C is
ignored here: the fork server gives its workers the handlers it found when it started,
so they start with it ignored.
"""

from __future__ import annotations

import importlib
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

EVERY_BUILD = (
    "reportgen.renderers.html",
    "reportgen.documents.known",
    "reportgen.documents.redact",
    "reportgen.placeholders",
    "reportgen.assets",
    "reportgen.texts",
    "reportgen.usercache",
    "jinja2.sandbox",
    "markdown_it",
    "babel.dates",
    "babel.lists",
    "babel.numbers",
    "pycountry",
    "confusable_homoglyphs.categories",
)
"""What building a document imports on first use, whatever its format (the modules
of reportgen import these where they are needed, so that a command starts quickly)."""


def _preload() -> None:
    from reportgen import pipeline, project, step  # noqa: F401
    from reportgen.registry import KINDS, RENDERERS, load

    for kind in KINDS.values():
        load(kind.model).model_rebuild()
        for _, module in kind.documents:
            importlib.import_module(module)
    for renderer in RENDERERS.values():
        load(renderer.entry)
    for module in EVERY_BUILD:
        importlib.import_module(module)


_preload()
