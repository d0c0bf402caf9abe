"""The guarded build step: one target built under its limits, every failure one message.

``reportgen build``, the workers of a batch's pool, a cluster's workers and the
preview's workers all build through here: ``guarded`` applies the limits of the
options (``--timeout``, ``--memory-limit``; defaults in ``limits``) and turns whatever
goes wrong into the project's one-line messages, so that a document fails with the
same words wherever it is built.

How the limits are held depends on where the build runs (``Guard``):

- ``alarm``: an alarm and an address-space limit around the build, in a process's main
  thread (``reportgen build``, the preview's workers);
- ``process``: the address-space limit of a worker process, set once when it starts
  (``worker_limits``), its time kept by the coordinator, which stops the worker;
- ``thread``: the build in a thread of its own, stopped after its time (a Dask worker,
  where no alarm can ring); ``Overrun`` is raised when it overran.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from reportgen.errors import InvalidInput, Report, ReportgenError
from reportgen.limits import (
    ROOM,
    LimitExceeded,
    address_space_mb,
    address_space_nearly_full,
    limited,
    set_memory_limit,
    within,
)

if TYPE_CHECKING:
    from reportgen.context import BuildContext
    from reportgen.pipeline import Built
    from reportgen.project import Project
    from reportgen.targets import Target
    from reportgen.workspace import Options

Guard = Literal["alarm", "process", "thread"]
Build = Callable[["BuildContext", "Target", "Project | None"], "Built"]
"""What builds a target (``pipeline.build_target``, or a cluster worker's, which maps
paths back)."""


@dataclass
class Outcome:
    """What became of one target: its outputs and record, or why not."""

    ok: bool
    built: Built | None = None
    error: str = ""
    """The one-line message (a line per error of bad input)."""
    seconds: float = 0.0
    report: Report | None = None
    """Every problem, when the input was bad."""


class _NearlyFull(MemoryError):
    """An error of C code near the address-space limit: running out of memory."""


@contextlib.contextmanager
def limits(options: Options) -> Iterator[None]:
    """The time and memory limits of ``options`` around the body (in the main thread);
    going over one raises ``LimitExceeded``, whose message names the limit."""
    with limited(timeout=options.timeout, memory_mb=options.memory_mb):
        yield


def worker_limits(options: Options) -> None:
    """The address-space limit of ``options`` for this whole worker process."""
    if options.memory_mb > 0:
        set_memory_limit(options.memory_mb)


def guarded(
    context: BuildContext,
    target: Target,
    project: Project | None = None,
    *,
    guard: Guard = "alarm",
    build: Build | None = None,
    bug: Callable[[Exception], None] | None = None,
) -> Outcome:
    """Build ``target`` under the limits of ``context.options``, held as ``guard`` says;
    every failure becomes an ``Outcome`` with its message, never an exception (but
    ``Overrun`` with ``guard="thread"``).

    ``bug`` is told of an internal error while it is being handled (to log it)."""
    options = context.options
    if guard == "thread":
        return within(
            lambda: guarded(context, target, project, guard="process", build=build, bug=bug),
            options.timeout,
        )
    started = time.perf_counter()

    def failed(message: str, report: Report | None = None) -> Outcome:
        return Outcome(False, error=message, seconds=time.perf_counter() - started, report=report)

    held = address_space_mb()
    if held is not None and 0 < options.memory_mb <= held:  # no room at all
        return failed(too_low(options.memory_mb, held))
    try:
        with limits(options) if guard == "alarm" else contextlib.nullcontext():
            built = _attempt(context, target, project, build)
    except InvalidInput as exc:
        return failed(invalid_message(exc.report, strict=options.strict), exc.report)
    except LimitExceeded as exc:
        return failed(str(exc))
    except ReportgenError as exc:
        return failed(str(exc))
    except _NearlyFull:
        return failed(f"out of memory (the worker's limit is {options.memory_mb} MB)")
    except MemoryError:
        return failed("out of memory")
    except Exception as exc:  # a bug must fail one target, not the run
        if bug is not None:
            bug(exc)
        return failed(f"internal error: {type(exc).__name__}: {exc}")
    return Outcome(True, built, seconds=time.perf_counter() - started)


def _attempt(
    context: BuildContext, target: Target, project: Project | None, build: Build | None
) -> Built:
    from reportgen.pipeline import build_target

    try:
        return (build or build_target)(context, target, project)
    except (ReportgenError, MemoryError):
        raise
    except Exception:
        if address_space_nearly_full(context.options.memory_mb):
            # C code that cannot allocate raises what it likes (a compile() short of memory
            # reports a malformed tree): near the limit, that is running out of memory
            raise _NearlyFull from None
        raise


def invalid_message(report: Report, *, strict: bool) -> str:
    """The message of a build refused for bad input: a line per error (with
    ``--strict`` and no error, a line per warning)."""
    lines = [str(issue) for issue in report.errors]
    if not lines and strict:
        lines = [f"{issue} (--strict: warnings fail)" for issue in report.warnings]
    return "\n".join(lines or [str(InvalidInput(report))])


def too_low(limit_mb: int, held_mb: float) -> str:
    """The message of a build that cannot start: its process holds all of ``limit_mb``
    before it builds anything (a worker with WeasyPrint and the fonts loaded)."""
    enough = math.ceil(held_mb / ROOM / 128) * 128
    return (
        f"--memory-limit {limit_mb} MB is too low: reportgen holds {held_mb:.0f} MB before it "
        f"builds anything (WeasyPrint and the fonts); give at least {enough} MB"
    )
