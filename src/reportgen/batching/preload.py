"""What the fork server of worker processes loads, once, before it forks the first
worker (see :mod:`reportgen.batching.processes`). Imported there only.

It imports the build pipeline, every profile kind and every format with its engine
(``Renderer.preload``: WeasyPrint for PDF), but loads no fonts and starts no thread, so
that a forked worker starts clean. An engine that does not load is left for the worker,
whose build then reports it as it always does. Ctrl-C is ignored here: the fork server
gives its workers the handlers it found when it started, so they start with it ignored.
"""

from __future__ import annotations

import contextlib
import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)


def _preload() -> None:
    from reportgen import pipeline, project, step  # noqa: F401
    from reportgen.registry import KINDS, RENDERERS, load

    for kind in KINDS.values():
        load(kind.model)
        for _, module in kind.documents:
            __import__(module)
    for renderer in RENDERERS.values():
        load(renderer.entry)
        if renderer.preload is None:
            continue
        with contextlib.suppress(Exception):  # the worker's build says what is wrong
            load(renderer.preload)()


_preload()
