"""The server's memory: each page's builds per format, their versions, and who listens.

A page's version goes up when something it read changes; its builds of older versions
are dropped (the PDF and Word files are kept only until then). The open preview pages
listen: when their page changes it is rebuilt at once and they are sent its new state.
The project is surveyed on a thread of its own (the planner's SQLite store stays on
it); builds run in worker processes under the limits of ``build`` (``builds``), several
at once, so a long document never holds up another page.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from reportgen.pipeline import Input
from reportgen.serve.builds import Builds
from reportgen.serve.site import Page, Result, Site, Survey

log = logging.getLogger("reportgen")

T = TypeVar("T")

PageMessage = dict[str, Any]
"""A page's state as the preview page is sent it (JSON)."""


class Worker:
    """One daemon thread that runs calls in order; a call still running when the server
    stops does not hold it up."""

    def __init__(self, name: str) -> None:
        self._calls: queue.SimpleQueue[
            tuple[Callable[..., Any], tuple[Any, ...], concurrent.futures.Future[Any]] | None
        ] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, function: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._calls.put((function, args, future))
        return future

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.wrap_future(self.submit(function, *args))

    def stop(self) -> None:
        self._calls.put(None)

    def _loop(self) -> None:
        while (call := self._calls.get()) is not None:
            function, args, future = call
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function(*args))
            except BaseException as exc:
                future.set_exception(exc)


@dataclass
class PageState:
    """One page in memory: its builds for the current version, and its listeners."""

    page: Page
    current: bool = True
    """Still in the project (a page whose target went away is kept for its listeners)."""
    version: int = 1
    builds: int = 0
    """HTML builds of this page so far (the state tells, so a rebuild can be seen)."""
    results: dict[str, Result] = field(default_factory=dict)
    tasks: dict[str, asyncio.Future[Result]] = field(default_factory=dict)
    listeners: set[asyncio.Queue[PageMessage | None]] = field(default_factory=set)

    def invalidate(self) -> list[str]:
        """A new version: its builds are dropped, and those still running are stopped
        (their worker is freed at once); returns the formats stopped."""
        stopped = [fmt for fmt, task in self.tasks.items() if not task.done()]
        for fmt in stopped:
            self.tasks[fmt].cancel()
        self.version += 1
        self.results.clear()
        self.tasks.clear()
        return stopped

    def inputs(self) -> tuple[Input, ...] | None:
        """What its builds read (None when one failed or is still running)."""
        if self.tasks or any(not result.ok for result in self.results.values()):
            return None
        found: dict[tuple[str, tuple[str, ...] | None], Input] = {}
        for result in self.results.values():
            for item in result.inputs or ():
                found[(item.path, item.fields)] = item
        return tuple(found.values())


class Preview:
    """Pages, builds and listeners; every method runs on the server's event loop."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.survey = Survey()
        self.pages: dict[str, PageState] = {}
        self.index_version = 0
        self.index_listeners: set[asyncio.Queue[PageMessage | None]] = set()
        self.builder = Worker("reportgen-preview")
        self.builds = Builds()
        self.stopping = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pushes: set[asyncio.Task[None]] = set()
        self.on_ready: Callable[[], Awaitable[None]] | None = None
        """Called once the project has been surveyed and its files are watched."""

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._install(await self.builder.run(self.site.survey))
        languages = sorted({page.lang for page in self.survey.pages})
        await self.builds.start(languages, self.site.workspace.templates)

    def stop(self) -> None:
        """Stop the listeners and the watcher; safe to call from a signal handler."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._stop)

    def _stop(self) -> None:
        self.stopping.set()
        for listeners in (self.index_listeners, *(p.listeners for p in self.pages.values())):
            for listener in listeners:
                listener.put_nowait(None)

    async def close(self) -> None:
        """Stop the workers and the worker processes (a build still running ends with its
        process)."""
        self._stop()
        self.builds.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.builder.run(self.site.close), 2)
        self.builder.stop()

    # --- pages --------------------------------------------------------------------------------

    def page(self, key: str) -> PageState | None:
        """A page of the project as it is now (None: no such page)."""
        found = self.pages.get(key)
        return found if found is not None and found.current else None

    def listed(self, key: str) -> PageState | None:
        """A page that was in the project at some time (its listeners may wait for it)."""
        return self.pages.get(key)

    async def result(self, state: PageState, fmt: str) -> Result:
        """The page built in ``fmt`` as its inputs are now (built once per version)."""
        while True:
            version = state.version
            found = state.results.get(fmt)
            if found is not None:
                return found
            task = state.tasks.get(fmt)
            if task is None:
                site = self.site
                build = self.builds.run(site.context, state.page, fmt, site.cache)
                task = asyncio.ensure_future(build)
                state.tasks[fmt] = task
            try:
                result = await asyncio.shield(task)
            except asyncio.CancelledError:
                if task.cancelled() and state.version != version:
                    continue  # stopped because an input changed: build again
                raise
            if state.version != version:
                continue  # an input changed meanwhile: build again
            if state.tasks.get(fmt) is task:
                del state.tasks[fmt]
                state.results[fmt] = result
                if fmt == "html":
                    state.builds += 1
                self._log(state, fmt, result)
            return result

    @staticmethod
    def _log(state: PageState, fmt: str, result: Result) -> None:
        what = state.page.key if fmt == "html" else f"{state.page.key}.{fmt}"
        if result.ok:
            log.info("built %s in %.2f s", what, result.seconds)
        else:
            count = len(result.errors)
            log.info("%s: %d problem%s", what, count, "s" * (count != 1))

    def state(self, state: PageState) -> PageMessage:
        """What the preview page is told: ok (with warnings), error (the problem lines),
        building, or gone."""
        result = state.results.get("html")
        status = "gone" if not state.current else "building"
        if state.current and result is not None:
            status = "ok" if result.ok else "error"
        return {
            "key": state.page.key,
            "version": state.version,
            "builds": state.builds,
            "status": status,
            "errors": list(result.errors) if result is not None else [],
            "warnings": list(result.warnings) if result is not None else [],
            "seconds": round(result.seconds, 3) if result is not None else None,
        }

    # --- listeners -------------------------------------------------------------------------

    def listen(self, state: PageState | None) -> asyncio.Queue[PageMessage | None]:
        """A queue of the page's states (of the index's versions when ``state`` is None)."""
        listener: asyncio.Queue[PageMessage | None] = asyncio.Queue()
        (self.index_listeners if state is None else state.listeners).add(listener)
        if self.stopping.is_set():
            listener.put_nowait(None)
        return listener

    def unlisten(
        self, state: PageState | None, listener: asyncio.Queue[PageMessage | None]
    ) -> None:
        (self.index_listeners if state is None else state.listeners).discard(listener)

    def _tell(self, state: PageState) -> None:
        message = self.state(state)
        for listener in state.listeners:
            listener.put_nowait(message)

    def _push(self, state: PageState) -> None:
        """Rebuild a page that is open, then send its listeners the new state."""

        async def push() -> None:
            if state.current:
                await self.result(state, "html")
            self._tell(state)

        task = asyncio.get_running_loop().create_task(push())
        self._pushes.add(task)
        task.add_done_callback(self._pushes.discard)

    # --- changes ---------------------------------------------------------------------------

    async def changed(self, paths: set[Path]) -> None:
        """Files changed: survey the project again, and rebuild the pages they touch."""
        built = {
            key: state.inputs() for key, state in self.pages.items() if state.results or state.tasks
        }
        reload = any(self.site.is_global(path) for path in paths)
        self.builds.changed(paths, reload=reload)
        survey, affected = await self.builder.run(self.site.refresh, paths, built)
        touched = self._install(survey)
        for key in affected:
            state = self.pages[key]
            if key not in touched:
                self._invalidate(state)
                touched.add(key)
        if touched:
            log.info("changed: %s", ", ".join(sorted(touched)))
        for key in touched:
            state = self.pages[key]
            if state.listeners:
                self._push(state)

    @staticmethod
    def _invalidate(state: PageState) -> None:
        for fmt in state.invalidate():
            what = state.page.key if fmt == "html" else f"{state.page.key}.{fmt}"
            log.info("stopped building %s: it changed meanwhile", what)

    def _install(self, survey: Survey) -> set[str]:
        """Take a new survey; returns the keys of pages that came, went or changed."""
        touched = set()
        now = {page.key: page for page in survey.pages}
        for key, state in self.pages.items():
            if key not in now and state.current:
                state.current = False
                self._invalidate(state)
                touched.add(key)
        for key, page in now.items():
            known = self.pages.get(key)
            if known is None:
                self.pages[key] = PageState(page)
                continue
            if not known.current or known.page.what != page.what:
                self._invalidate(known)
                touched.add(key)
            known.page = page
            known.current = True
        if survey != self.survey or touched:
            self.survey = survey
            self.index_version += 1
            for listener in self.index_listeners:
                listener.put_nowait({"index": self.index_version})
        return touched
