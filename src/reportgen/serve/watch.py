"""Watching the project's files: each save becomes one call of ``Preview.changed``.

The folders that hold inputs (profiles, the folders jobs take sources from, templates,
catalogs) are watched with every folder in them; the project's own folder is watched
alone, for the manifest and for those folders appearing. Nothing else is watched: a
project folder may hold a virtual environment of many thousand files. Each folder is
watched on its own, found without following symbolic links: a link to ``/usr`` in the
profiles adds no watch, and a folder outside the project is never watched (the
profiles folder aside, when the manifest allows it outside).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path

from reportgen.serve.preview import Preview

log = logging.getLogger("reportgen")

STEP_MS = 30
"""A burst of file events ends after this long without one (an editor's save is several)."""


class Watchers:
    """The watchers of one set of folders; started and stopped together."""

    def __init__(self, preview: Preview, changes: asyncio.Queue[set[Path]]) -> None:
        self.preview = preview
        self.changes = changes
        self.folders, self.names = plan(preview)
        self.root = preview.site.workspace.root.resolve()
        self._stop = asyncio.Event()
        self._tasks = [asyncio.ensure_future(self._follow((self.root,), inputs=False))]
        if self.folders:
            self._tasks.append(asyncio.ensure_future(self._follow(self.folders, inputs=True)))

    async def started(self) -> None:
        """Return once each watcher has taken its first step: from then on it keeps
        every event, even those before it is next asked."""
        for _ in range(3):
            await asyncio.sleep(0)

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _follow(self, paths: tuple[Path, ...], *, inputs: bool) -> None:
        from watchfiles import Change, DefaultFilter, awatch

        ignored = DefaultFilter()

        def wanted(change: Change, path: str) -> bool:
            if inputs:
                return ignored(change, path)
            found = Path(path)
            return found.parent == self.root and found.name in self.names

        try:
            async for batch in awatch(
                *paths,
                watch_filter=wanted,
                step=STEP_MS,
                stop_event=self._stop,
                recursive=False,
                ignore_permission_denied=True,
            ):
                self.changes.put_nowait({Path(path) for _, path in batch})
        except (OSError, RuntimeError) as exc:  # a folder removed while watched
            log.warning("watching %s stopped: %s", ", ".join(map(str, paths)), exc)


def plan(preview: Preview) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """Every folder to watch (each on its own), and the names watched in the project's
    own folder."""
    from watchfiles import DefaultFilter

    roots, names = preview.site.watched()
    workspace = preview.site.workspace
    homes = [f.resolve() for f in (workspace.root, workspace.profiles) if f is not None]
    skipped = set(DefaultFilter.ignore_dirs)
    found: list[Path] = []
    for root in roots:
        if root.is_symlink() or not any(root.resolve().is_relative_to(h) for h in homes):
            continue
        for folder, subfolders, _ in os.walk(root):  # links are listed, never entered
            here = Path(folder)
            subfolders[:] = sorted(
                name
                for name in subfolders
                if name not in skipped and not (here / name).is_symlink()
            )
            found.append(here)
    return tuple(dict.fromkeys(found)), names


async def watch(preview: Preview, watching: asyncio.Event) -> None:
    """Watch until the server stops, following the project's folders as they change.
    ``watching`` is set once every folder is watched (a save from then on is seen)."""
    changes: asyncio.Queue[set[Path]] = asyncio.Queue()
    watchers = Watchers(preview, changes)
    await watchers.started()
    watching.set()
    stopping = asyncio.ensure_future(preview.stopping.wait())
    try:
        while True:
            getting = asyncio.ensure_future(changes.get())
            await asyncio.wait({getting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not getting.done():
                getting.cancel()
                return
            paths = getting.result()
            while not changes.empty():
                paths |= changes.get_nowait()
            await _changed(preview, paths)
            if plan(preview) != (watchers.folders, watchers.names):
                before = set(watchers.folders)
                await watchers.stop()
                watchers = Watchers(preview, changes)
                await watchers.started()
                added = set(watchers.folders) - before
                if added:  # what was saved in a new folder before it was watched
                    await _changed(preview, added)
    finally:
        stopping.cancel()
        await watchers.stop()


async def _changed(preview: Preview, paths: set[Path]) -> None:
    try:
        await preview.changed(paths)
    except Exception:  # the server goes on; the next save tries again
        log.exception("updating after a change failed")
