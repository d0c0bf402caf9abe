"""The preview's builds, in worker processes that can be stopped by force.

Each build runs in a worker process under the time and memory limits of ``reportgen
build`` (``--timeout``, ``--memory-limit``); one that overruns them fails with the
message ``build`` gives, and a worker that does not answer a few seconds after its
time is killed and replaced. Several workers build at once, so a document that takes
long holds up no other page. Workers start warm and die with the server
(``batching.processes``), load the fonts once, and are told which files changed since
their last build, so that they read those again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from reportgen.batching.pool import STARTED, STARTUP_LIMIT, answer_requests, death_reason
from reportgen.batching.processes import Worker, worker_processes
from reportgen.context import BuildContext
from reportgen.registry import RENDERERS
from reportgen.serve.site import Page, Result, build_page

STOP_GRACE = 5.0
"""Seconds past its time limit a worker has to answer (its own alarm stops the build
first) before it is killed: a build stuck in C code cannot hear the alarm."""
WARM_TEXT = "Aa 1 <b>Aa</b> <i>Aa</i> 日本 中文 한국 ไทย"
"""Drawn once at start in each language of the project: its fonts are loaded then."""


def workers_wanted() -> int:
    """How many builds run at once: one per CPU, at least two (a slow document leaves
    another page its own worker), at most four (each holds WeasyPrint and its fonts)."""
    return max(2, min(4, os.cpu_count() or 1))


@dataclass(frozen=True)
class Job:
    """One build of a page in one format, as a worker receives it."""

    context: BuildContext
    page: Page
    fmt: str
    cache: Path
    forget: tuple[Path, ...] = ()
    """Files changed since this worker's last build: read them again."""
    reload: bool = False
    """Templates, the stylesheet or the manifest changed: compile them again."""


def _warm(languages: Sequence[str], templates: Path | None) -> None:
    """Load WeasyPrint, the stylesheet and the fonts of ``languages`` now, so that the
    first PDF costs one build."""
    from html import escape

    from reportgen.renderers.html import stylesheet
    from reportgen.renderers.pdf import render_pdf, warm_up

    css = stylesheet(templates)
    warm_up(css)
    sample = "".join(f'<p lang="{escape(lang)}">{WARM_TEXT}</p>' for lang in languages)
    render_pdf(f"<html><body>{sample}</body></html>", css)


def _build(job: Job) -> Result:
    """Build ``job`` under its limits (in a worker); every failure is a Result."""
    from reportgen.project import forget

    forget(job.forget)
    if job.reload:
        from reportgen.renderers.html import stylesheet
        from reportgen.templating import environment

        environment.cache_clear()
        stylesheet.cache_clear()
    return build_page(job.context, job.page, job.fmt, job.cache)


def _worker_main(
    connection: Connection, languages: tuple[str, ...], templates: Path | None
) -> None:
    """A worker: load the engines, then build jobs until told to stop."""
    with contextlib.suppress(Exception):  # the PDF links then say what is wrong
        _warm(languages, templates)
    answer_requests(connection, _build)


class _Worker(Worker):
    """One worker process, as the server sees it."""

    def __init__(self, context: Any, languages: tuple[str, ...], templates: Path | None) -> None:
        super().__init__(context, _worker_main, (languages, templates), "reportgen-preview-build")
        self.seen = 0
        """How many of the server's changed files this worker has been told of."""
        self.reloads = 0

    def build(self, job: Job) -> tuple[Result, bool]:
        """Run ``job`` (blocking: on a thread of its own); the result, and whether the
        worker can build again."""
        started = time.monotonic()
        try:
            self.connection.send(job)
        except (OSError, ValueError):
            return self._lost(started), False
        limit = STARTUP_LIMIT
        while True:
            ready = wait([self.connection, self.process.sentinel], timeout=limit)
            if self.connection in ready:
                try:
                    message = self.connection.recv()
                except (EOFError, OSError):
                    return self._lost(started), False
                if message == STARTED:
                    limit = job.context.options.timeout + STOP_GRACE
                    continue
                result: Result = message
                return result, True
            if self.process.sentinel in ready:
                return self._lost(started), False
            self.kill()
            if limit == STARTUP_LIMIT:
                line = f"the build did not start within {STARTUP_LIMIT:g} s"
            else:
                timeout = job.context.options.timeout
                line = f"the build took longer than {timeout:g} s: stopped (--timeout)"
            return Result(None, errors=(line,), seconds=time.monotonic() - started), False

    def _lost(self, started: float) -> Result:
        self.process.join(timeout=1)
        line = death_reason(self.process)
        return Result(None, errors=(line,), seconds=time.monotonic() - started)

    @property
    def alive(self) -> bool:
        return bool(self.process.is_alive())

    def stop(self) -> None:
        """End the process now; the thread waiting for its build then returns."""
        if self.process.is_alive():
            self.process.kill()

    def kill(self) -> None:
        self.stop()
        self.process.join(timeout=5)
        self.close()


class Builds:
    """The worker processes of the preview; ``run`` is called on the server's loop."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size or workers_wanted()
        self._context = worker_processes(RENDERERS)  # the preview builds every format
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._free: asyncio.Semaphore | None = None
        self._changed: list[Path] = []
        self._reloads = 0
        self._languages: tuple[str, ...] = ()
        self._templates: Path | None = None
        self._closed = False

    def changed(self, paths: set[Path], *, reload: bool) -> None:
        """Files changed: every worker reads them again (and compiles the templates again
        when ``reload``) before its next build."""
        self._changed.extend(sorted(paths))
        if reload:
            self._reloads += 1

    async def start(self, languages: Sequence[str], templates: Path | None) -> None:
        """Start one worker now, warmed for the project's languages."""
        self._languages, self._templates = tuple(languages), templates
        self._idle.append(await asyncio.to_thread(self._new))

    def _new(self) -> _Worker:
        worker = _Worker(self._context, self._languages, self._templates)
        worker.seen, worker.reloads = len(self._changed), self._reloads
        return worker

    async def run(self, context: BuildContext, page: Page, fmt: str, cache: Path) -> Result:
        """Build ``page`` in ``fmt`` in a free worker (waiting for one when all are busy).

        Cancelling the call stops the build: its worker is killed and replaced."""
        if self._free is None:
            self._free = asyncio.Semaphore(self.size)
        async with self._free:
            worker = self._idle.pop() if self._idle else None
            if worker is None or not worker.alive:
                if worker is not None:
                    worker.kill()
                worker = await asyncio.to_thread(self._new)
            job = Job(
                context,
                page,
                fmt,
                cache,
                forget=tuple(self._changed[worker.seen :]),
                reload=worker.reloads != self._reloads,
            )
            worker.seen, worker.reloads = len(self._changed), self._reloads
            self._busy.add(worker)
            try:
                result, healthy = await asyncio.to_thread(worker.build, job)
            except asyncio.CancelledError:
                worker.stop()  # no longer wanted (its page changed): its process ends now
                raise
            finally:
                self._busy.discard(worker)
            if healthy and not self._closed:
                self._idle.append(worker)
            else:
                worker.kill()
            return result

    def close(self) -> None:
        """Stop every worker; a build still running ends with its worker."""
        self._closed = True
        for worker in self._idle:
            worker.kill()
        self._idle.clear()
        for worker in self._busy:
            worker.stop()
