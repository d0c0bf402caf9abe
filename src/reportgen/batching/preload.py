"""What the fork server of worker processes loads, once, before it forks the first
worker (see :mod:`reportgen.batching.processes`). Imported there only.

It imports the build pipeline, every profile kind and every format's code, but loads
no fonts and starts no thread, so that a forked worker starts clean. The engines of the
formats (``Renderer.preload``: WeasyPrint for PDF, python-docx for Word) are preloaded
beside it, those of the formats that the run which starts the fork server writes.
Ctrl-C is ignored here: the fork server gives its workers the handlers it found when it
started, so they start with it ignored.
"""

from __future__ import annotations

import importlib
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)


def _preload() -> None:
    from reportgen import pipeline, project, step  # noqa: F401
    from reportgen.registry import KINDS, RENDERERS, load

    for kind in KINDS.values():
        load(kind.model)
        for _, module in kind.documents:
            importlib.import_module(module)
    for renderer in RENDERERS.values():
        load(renderer.entry)


_preload()
