"""Worker processes that start warm and end with the process that started them.

A worker of a batch or of the preview needs reportgen, WeasyPrint and their libraries
before its first document: about a second of CPU for a fresh interpreter. Where the
system has it (Linux, macOS), workers are forked from a *fork server*: a process of its
own, started once per coordinator, that loaded all of this once (``batching.preload``,
and the engines of the formats written) and froze it for the garbage collector
(``batching.frozen``). A worker that starts, or replaces one that crashed or overran its
limits, then costs a few milliseconds. Elsewhere each worker is a fresh interpreter.
Either way a worker starts clean: the fork server has no threads, no fonts loaded and
none of the coordinator's state.

A worker is called ``reportgen-build`` in ``ps`` and ``top``, takes the coordinator's
environment and working folder as they are when it starts (the fork server was started
earlier), ignores Ctrl-C (its coordinator stops it, so an interrupted run prints one
line, not one per worker), and ends as soon as its coordinator is gone, killed or not:
it holds the reading end of a pipe that only the coordinator holds open, and a thread
of the worker ends it when that pipe closes.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any

from reportgen.registry import preloads

PRELOAD = "reportgen.batching.preload"
"""The module the fork server imports before it forks its first worker."""
FROZEN = "reportgen.batching.frozen"
"""The module the fork server imports last: what it loaded is frozen for the garbage
collector."""
NAME = b"reportgen-build"
"""What ``ps`` and ``top`` call a worker on Linux (15 letters at most)."""
PR_SET_NAME = 15
"""``prctl`` option: the name of the calling thread (Linux)."""


def worker_processes(formats: Iterable[str]) -> Any:
    """The ``multiprocessing`` context that workers start from: where the system has one,
    a fork server preloaded with reportgen and the engines of ``formats``, else fresh
    interpreters.

    A process has one fork server, started with its first worker: the formats of the run
    that starts it are the ones preloaded. A later run that writes another format has
    workers that load its engine themselves, as fresh interpreters do."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([PRELOAD, *preloads(formats), FROZEN])
        return context
    return multiprocessing.get_context("spawn")


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl-C back while a worker starts, so that a fresh interpreter starts with
    Ctrl-C blocked (a signal mask is inherited); one pressed meanwhile arrives right after."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class Worker:
    """A worker process running ``main(connection, *args)``, and the coordinator's ends of
    its two pipes: ``connection`` to talk to it, and its lifeline (closed: it ends)."""

    def __init__(
        self, processes: Any, main: Callable[..., None], args: tuple[Any, ...], name: str
    ) -> None:
        self.connection, child = processes.Pipe()
        their_end, self._lifeline = processes.Pipe(duplex=False)
        self.process = processes.Process(
            target=_begin,
            args=(their_end, dict(os.environ), main, (child, *args)),
            daemon=True,
            name=name,
        )
        with interrupts_held():
            self.process.start()
        child.close()
        their_end.close()

    def close(self) -> None:
        """Close the coordinator's ends: a worker still running ends now."""
        self.connection.close()
        self._lifeline.close()


def _begin(
    lifeline: Connection, environ: dict[str, str], main: Callable[..., None], args: tuple[Any, ...]
) -> None:
    """The start of every worker: Ctrl-C ignored, the coordinator's environment, the
    thread that ends the worker with its coordinator, then ``main``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _name(NAME)
    if dict(os.environ) != environ:
        os.environ.clear()
        os.environ.update(environ)
    threading.Thread(target=_end_with, args=(lifeline,), name="lifeline", daemon=True).start()
    main(*args)


def _name(name: bytes) -> None:
    """Give this process ``name`` in ``ps`` and ``top`` (Linux; elsewhere nothing)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(PR_SET_NAME, name, 0, 0, 0)


def _end_with(lifeline: Connection) -> None:
    """Wait until the coordinator's end of ``lifeline`` closes (it never writes), then
    end this process at once, whatever it is doing."""
    with contextlib.suppress(EOFError, OSError):
        while True:
            lifeline.recv_bytes()
    os._exit(0)
