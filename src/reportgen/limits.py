"""Process-level limits of a build: its address space and its wall-clock time.

A pathological layout can only be stopped from outside the layout engine (WeasyPrint's
own advice), so ``reportgen build`` runs under both limits, as each worker of
``reportgen batch`` does; going over either fails the build with a message that names
the limit, and nothing is written.
"""

from __future__ import annotations

import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, TypeVar

from reportgen.errors import ReportgenError

_T = TypeVar("_T")

DEFAULT_STALE_MONTHS = 24
"""Facts older than this many months are flagged (``--stale-after``)."""
DEFAULT_TIMEOUT = 300.0
"""Seconds one document may take."""
DEFAULT_MEMORY_MB = 3072
"""Address space a build may use (WeasyPrint maps fonts; resident memory stays far lower)."""
DEFAULT_REQUEST_TIMEOUT = 10.0
"""Seconds a client of ``serve`` has to send a request's line and headers (a browser
sends them at once)."""


class LimitExceeded(ReportgenError):
    """A build went over its time or memory limit and was stopped."""


class _Expired(BaseException):
    """Raised by the alarm: not an ``Exception``, so that no handler on the way swallows it."""


def set_memory_limit(memory_mb: int) -> None:
    """Limit this process's address space to ``memory_mb`` (never above the hard limit)."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


ROOM = 0.8
"""A process that uses more than this share of its ``--memory-limit`` is nearly full."""


def address_space_mb() -> float | None:
    """This process's address space in MB, what ``--memory-limit`` counts (Linux; else
    None)."""
    import os
    from pathlib import Path

    try:
        pages = int(Path("/proc/self/statm").read_text("ascii").split()[0])
    except (OSError, ValueError, IndexError, MemoryError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def address_space_nearly_full(limit_mb: int) -> bool:
    """Whether this process uses most of its address-space limit (Linux; else False)."""
    used_mb = address_space_mb()
    return used_mb is not None and limit_mb > 0 and used_mb > ROOM * limit_mb


def nearly_at_memory_limit() -> bool:
    """Whether this process uses most of the address-space limit it runs under now (none
    set: False)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return soft != resource.RLIM_INFINITY and address_space_nearly_full(soft // (1024 * 1024))


def _cpu_backstop(timeout: float) -> None:
    """A CPU-time limit a little past the alarm: it ends the process even when the time
    runs out inside C code (a parser that spins after memory ran out), where the alarm
    cannot be heard. Outputs are written atomically, so nothing half-written remains."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime)
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    limit = spent + int(timeout) + 30
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft == resource.RLIM_INFINITY or limit < soft:
        resource.setrlimit(resource.RLIMIT_CPU, (limit, hard))


@contextmanager
def limited(*, timeout: float | None, memory_mb: int | None) -> Iterator[None]:
    """Run the body under a time limit (an alarm) and an address-space limit.

    Both are lifted afterwards. The alarm needs the main thread; elsewhere only the
    memory limit applies.
    """
    saved_memory = resource.getrlimit(resource.RLIMIT_AS)
    saved_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    saved_hook = sys.unraisablehook
    alarm = bool(timeout) and threading.current_thread() is threading.main_thread()
    saved_handler: Any = None

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _Expired

    def quiet(unraisable: Any) -> None:
        # out of memory, even the clean-up of a generator fails: that is the same stop
        if not isinstance(unraisable.exc_value, MemoryError | _Expired):
            saved_hook(unraisable)

    def lift() -> None:
        # memory first: when it ran out, nothing else can be done before
        resource.setrlimit(resource.RLIMIT_AS, saved_memory)
        resource.setrlimit(resource.RLIMIT_CPU, saved_cpu)
        sys.unraisablehook = saved_hook
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, saved_handler)

    if memory_mb:
        set_memory_limit(memory_mb)
    if timeout:
        _cpu_backstop(timeout)
    sys.unraisablehook = quiet
    if alarm:
        saved_handler = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, timeout or 0)
    try:
        try:
            yield
        finally:
            lift()
    except (_Expired, MemoryError) as exc:
        lift()  # again: running out may have cut the first short (the alarm rings once)
        if isinstance(exc, _Expired):
            raise LimitExceeded(
                f"the build took longer than {timeout:g} s: stopped (--timeout)"
            ) from None
        raise LimitExceeded(
            f"the build needed more than {memory_mb} MB of memory: stopped (--memory-limit)"
        ) from None


def released(function: Callable[[], _T]) -> _T:
    """``function()``; when memory runs out in it, the ``MemoryError`` is raised afresh
    once the first one is let go of.

    The first one's traceback holds every frame it passed, and with them all that ran the
    memory out; Python, unwinding it through a ``with`` or ``finally`` further up, needs a
    little memory for each and retries for ever when none is left (the build spun at the
    limit instead of stopping). Let go of here, the memory is free again before any of them.
    """
    try:
        return function()
    except MemoryError:
        pass  # leaving the handler drops the traceback and what its frames held
    raise MemoryError


class Overrun(LimitExceeded):
    """A build outside the main thread went over its time limit.

    ``stopped`` says whether its thread stopped; one stuck in C code cannot be, and
    only the end of its process frees it.
    """

    def __init__(self, message: str, *, stopped: bool) -> None:
        super().__init__(message)
        self.stopped = stopped


STOP_GRACE = 5.0
"""Seconds a build over its time limit is given to stop before it is left behind."""
STOP_AGAIN = 0.1
"""Seconds between two stops raised in a build that goes on (see ``within``)."""


def within(function: Callable[[], _T], timeout: float | None) -> _T:
    """``function()`` in a thread of its own, stopped after ``timeout`` seconds.

    For builds outside the main thread (a Dask worker's), where no alarm can ring: the
    stop is raised inside the build's thread, as the alarm raises it in ``limited``, and
    raised again while the thread goes on (it may land where Python ignores exceptions:
    a garbage-collector callback, a ``__del__``). Raises ``Overrun`` when the time ran out.
    """
    import ctypes

    lock = threading.Lock()
    finished = False
    outcome: list[tuple[bool, Any]] = []

    def body() -> None:
        nonlocal finished
        try:
            try:
                outcome.append((True, function()))
            finally:
                with lock:
                    finished = True
        except _Expired:
            outcome.clear()
        except BaseException as exc:  # handed to the caller's thread, raised there
            outcome.append((False, exc))

    def stop() -> bool:
        """Raise the stop in the thread unless it finished; whether it had not."""
        with lock:
            if not finished and thread.ident is not None:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(thread.ident), ctypes.py_object(_Expired)
                )
            return not finished

    thread = threading.Thread(target=body, name="reportgen-build", daemon=True)
    thread.start()
    thread.join(timeout or None)
    expired = stop()
    if expired:
        deadline = time.monotonic() + STOP_GRACE
        thread.join(min(STOP_AGAIN, STOP_GRACE))
        while thread.is_alive() and time.monotonic() < deadline and stop():
            thread.join(min(STOP_AGAIN, max(0.0, deadline - time.monotonic())))
        thread.join(max(0.0, deadline - time.monotonic()))
        raise Overrun(
            f"the build took longer than {timeout:g} s: stopped (--timeout)",
            stopped=not thread.is_alive(),
        )
    thread.join()
    done, value = outcome[-1]
    if not done:
        raise value
    result: _T = value
    return result
