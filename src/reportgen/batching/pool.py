"""Worker processes: each loads the fonts once, then builds many targets.

A worker returns the bytes of a target's outputs and its record; the coordinator
writes the files. A worker that crashes, runs out of memory or overruns the time limit
fails its target and is replaced, and the batch goes on.

Workers start warm (forked from a process that loaded reportgen and WeasyPrint once),
die with their coordinator and ignore Ctrl-C: the coordinator stops them itself, so an
interrupted batch prints one line, not a traceback per worker (``processes``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from reportgen.batching.processes import Worker, worker_processes
from reportgen.pipeline import Built
from reportgen.registry import load, warm_ups
from reportgen.step import Outcome, guarded, worker_limits
from reportgen.targets import Target

if TYPE_CHECKING:
    from reportgen.context import BuildContext

STARTUP_LIMIT = 120.0
"""Seconds a worker may take to start (imports, fonts) before its first document."""
STARTED = "started"
"""What a worker says when it begins a target; the time limit counts from then."""


def _worker_main(connection: Connection, context: BuildContext, warm: tuple[str, ...]) -> None:
    """A worker: load the engines once, then build targets until told to stop."""
    worker_limits(context.options)
    if warm:
        try:
            from reportgen.renderers.html import stylesheet

            css = stylesheet(context.workspace.templates)
            for entry in warm:
                load(entry)(css)
        except Exception:  # a target will report the real problem
            pass
    from reportgen.pipeline import build_target
    from reportgen.project import Project

    project: Project | None = None  # read once, for every target of this worker

    def build(context: BuildContext, target: Target, _: Project | None) -> Built:
        nonlocal project
        project = project or context.project()
        return build_target(context, target, project)

    def handle(target: Target) -> Outcome:
        try:
            return guarded(context, target, guard="process", build=build)
        except MemoryError:
            return Outcome(False, error="out of memory")

    answer_requests(connection, handle)


def answer_requests(connection: Connection, handle: Callable[[Any], Any]) -> None:
    """A worker's loop: each request it receives is acknowledged (``STARTED``: its time
    counts from then) and answered with ``handle(request)``, until ``None`` comes or
    the other side is gone."""
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        try:
            connection.send(STARTED)
            connection.send(handle(request))
        except (OSError, ValueError):
            return  # the coordinator is gone


class _Worker(Worker):
    def __init__(self, processes: Any, context: BuildContext, warm: tuple[str, ...]) -> None:
        super().__init__(processes, _worker_main, (context, warm), "reportgen-worker")
        self.target: Target | None = None
        self.given = 0.0
        self.started = 0.0
        self.running = False
        """The worker has begun the target: its start-up does not count against the limit."""

    def give(self, target: Target) -> bool:
        self.target = target
        self.given = self.started = time.monotonic()
        self.running = False
        try:
            self.connection.send(target)
        except (OSError, ValueError):
            return False
        return True

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.connection.send(None)
            except (OSError, ValueError):
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.close()


def death_reason(process: Any) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        import signal

        name = signal.Signals(-code).name
        if name == "SIGKILL":
            return "the worker was killed (SIGKILL; out of memory?)"
        return f"the worker crashed ({name})"
    return f"the worker stopped unexpectedly (exit code {code})"


def run_targets(
    targets: Sequence[Target],
    context: BuildContext,
    *,
    jobs: int,
    done: Callable[[Target, Outcome], None],
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Build ``targets`` on ``jobs`` worker processes, calling ``done`` as each finishes.

    When ``should_stop`` turns true, running workers are stopped (their outputs are
    written atomically, so nothing half-written remains) and every target not finished
    fails as interrupted.
    """
    formats = tuple(dict.fromkeys(fmt for target in targets for fmt in target.formats))
    processes = worker_processes(formats)
    pending = list(reversed(targets))
    warm = warm_ups(formats)
    timeout = context.options.timeout

    def start() -> _Worker:
        return _Worker(processes, context, warm)

    workers = [start() for _ in range(max(1, min(jobs, len(targets))))]
    try:
        while pending or any(w.target for w in workers):
            if should_stop():
                stopped = [w.target for w in workers if w.target is not None] + pending[::-1]
                for left in stopped:
                    done(left, Outcome(False, error="interrupted"))
                return
            for index, worker in enumerate(workers):
                if worker.target is not None or not pending:
                    continue
                if not worker.process.is_alive():
                    worker.stop(kill=True)
                    worker = workers[index] = start()
                given = pending.pop()
                if not worker.give(given):  # it died just now: one fresh worker, one more try
                    worker.stop(kill=True)
                    worker = workers[index] = start()
                    if not worker.give(given):
                        worker.target = None
                        done(given, Outcome(False, error="no worker process could be started"))
            busy = [w for w in workers if w.target is not None]
            ready = wait(
                [w.connection for w in busy] + [w.process.sentinel for w in busy], timeout=0.2
            )
            now = time.monotonic()
            for index, worker in enumerate(workers):
                target = worker.target
                if target is None:
                    continue
                outcome: Outcome | None = None
                replace = True  # the worker is dead or is being stopped
                if worker.connection in ready:
                    try:
                        message = worker.connection.recv()
                    except (EOFError, OSError):
                        # the pipe closes as the worker dies: wait for its exit status
                        worker.process.join(timeout=1)
                        outcome = Outcome(False, error=death_reason(worker.process))
                    else:
                        if message == STARTED:
                            worker.running, worker.started = True, now
                            continue
                        outcome, replace = message, False
                elif worker.process.sentinel in ready:
                    worker.process.join(timeout=1)
                    outcome = Outcome(False, error=death_reason(worker.process))
                elif worker.running and now - worker.started > timeout:
                    outcome = Outcome(False, error=f"took longer than {timeout:g} s; stopped")
                elif not worker.running and now - worker.given > STARTUP_LIMIT:
                    message = f"the worker did not start within {STARTUP_LIMIT:g} s"
                    outcome = Outcome(False, error=message)
                if outcome is None:
                    continue
                if not outcome.seconds:
                    outcome.seconds = now - worker.started
                worker.target = None
                if replace:
                    worker.stop(kill=True)
                    if pending:
                        workers[index] = start()
                done(target, outcome)
    finally:
        for worker in workers:
            worker.stop(kill=worker.target is not None)
