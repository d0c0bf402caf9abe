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
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from reportgen.errors import ReportgenError

DEFAULT_STALE_MONTHS = 24
"""Facts older than this many months are flagged (``--stale-after``)."""
DEFAULT_TIMEOUT = 300.0
"""Seconds one document may take."""
DEFAULT_MEMORY_MB = 3072
"""Address space a build may use (WeasyPrint maps fonts; resident memory stays far lower)."""


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
