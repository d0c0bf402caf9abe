"""Watching the project's files: each save becomes one call of ``Preview.changed``.

The folders that hold inputs (profiles, the folders jobs take sources from, templates,
catalogs) are watched with everything in them; the project's own folder is watched
alone, for the manifest and for those folders appearing. Nothing else is watched: a
project folder may hold a virtual environment of many thousand files.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from reportgen.serve.preview import Preview

log = logging.getLogger("reportgen")

STEP_MS = 30
"""A burst of file events ends after this long without one (an editor's save is several)."""


async def watch(preview: Preview, watching: asyncio.Event) -> None:
    """Watch until the server stops; the folders watched follow the project.
    ``watching`` is set once every folder is watched (a save from then on is seen)."""
    from watchfiles import DefaultFilter, awatch

    changes: asyncio.Queue[set[Path]] = asyncio.Queue()
    stopping = preview.stopping

    async def follow(
        paths: tuple[Path, ...], stop: asyncio.Event, recursive: bool, names: tuple[str, ...] = ()
    ) -> None:
        root = preview.site.workspace.root.resolve()

        def wanted(change: object, path: str) -> bool:
            if recursive:
                return bool(base_filter(change, path))  # type: ignore[arg-type]
            found = Path(path)
            return found.parent == root and found.name in names

        base_filter = DefaultFilter()
        try:
            async for batch in awatch(
                *paths,
                watch_filter=wanted,
                step=STEP_MS,
                stop_event=stop,
                recursive=recursive,
                ignore_permission_denied=True,
            ):
                changes.put_nowait({Path(path) for _, path in batch})
        except (OSError, RuntimeError) as exc:  # a folder removed while watched
            log.warning("watching %s stopped: %s", ", ".join(map(str, paths)), exc)

    def start(
        folders: tuple[Path, ...], names: tuple[str, ...]
    ) -> tuple[asyncio.Event, list[asyncio.Task[None]]]:
        stop = asyncio.Event()
        root = preview.site.workspace.root.resolve()
        tasks = [asyncio.ensure_future(follow((root,), stop, False, names))]
        if folders:
            tasks.append(asyncio.ensure_future(follow(folders, stop, True)))
        return stop, tasks

    watched = preview.site.watched()
    stop, tasks = start(*watched)
    for _ in range(3):
        await asyncio.sleep(0)  # each watcher starts (and keeps every event) at its first step
    watching.set()
    waiting_stop = asyncio.ensure_future(stopping.wait())
    try:
        while not stopping.is_set():
            getting = asyncio.ensure_future(changes.get())
            await asyncio.wait({getting, waiting_stop}, return_when=asyncio.FIRST_COMPLETED)
            if not getting.done():
                getting.cancel()
                break
            paths = getting.result()
            while not changes.empty():
                paths |= changes.get_nowait()
            try:
                await preview.changed(paths)
            except Exception:  # the server goes on; the next save tries again
                log.exception("updating after a change failed")
            now = preview.site.watched()
            if now != watched:
                stop.set()
                await asyncio.gather(*tasks)
                added = set(now[0]) - set(watched[0])
                watched = now
                stop, tasks = start(*watched)
                if added:
                    # what was saved in a new folder before it was watched
                    for _ in range(3):
                        await asyncio.sleep(0)
                    await preview.changed(added)
    finally:
        stop.set()
        waiting_stop.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
