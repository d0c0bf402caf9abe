"""The output-folder lock: one build of a folder at a time, batches and schedules alike."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reportgen.errors import ReportgenError, display_link, display_path, os_reason

LOCK_NAME = ".reportgen.lock"


class BatchError(ReportgenError):
    """The batch cannot start: bad manifest, clashing targets, a busy output folder."""


class OutputBusy(BatchError):
    """Another build holds the output folder."""


class OutputLock:
    """The lock of one output folder, while a run holds it."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd

    def held(self) -> bool:
        """Whether the lock file is still the one this run locked: if it was removed or
        replaced, another run may hold the folder now, and this one must not write."""
        try:
            mine, there = os.fstat(self._fd), os.lstat(self.path)
        except OSError:
            return False
        return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


@contextmanager
def output_lock(folder: Path, mode: int | None = None) -> Iterator[OutputLock]:
    """Hold the output folder for one build at a time (batches and schedules alike).

    The lock file is never followed through a symbolic link: a link planted in its
    place is refused, so no file elsewhere is emptied. With ``mode`` (``file_mode``), the
    lock file and the folders made for it get that mode.
    """
    from reportgen.output import apply_mode, make_folder

    where = display_link(folder / LOCK_NAME)
    if (folder / LOCK_NAME).is_symlink():  # refused before anything opens it
        raise BatchError(f"{where} is a symbolic link: remove it and try again")
    try:
        make_folder(folder, mode)
        fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        apply_mode(folder / LOCK_NAME, mode)
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", 40) or (folder / LOCK_NAME).is_symlink():
            raise BatchError(f"{where} is a symbolic link: remove it and try again") from None
        raise BatchError(f"cannot lock {where}: {os_reason(exc)}") from None
    with os.fdopen(fd, "r+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise OutputBusy(
                f"{display_path(folder)} is being built by {holder}; try again when it is done"
            ) from None
        # who holds it, for the message of a run that finds it busy; a full disk may leave
        # no room for these few bytes, and the lock holds without them
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"process {os.getpid()}".encode(), 0)
        try:
            yield OutputLock(folder / LOCK_NAME, fd)
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(handle, fcntl.LOCK_UN)
