"""Output files: every write is atomic, so a target is the old file or the new one, whole.

Where the system allows (Linux ``O_TMPFILE``), the new content is written to a file
without a name, which disappears by itself if the process is killed; it is given a
name only at the end and renamed over the target at once. Elsewhere a named temporary
file is used, and ``remove_stale_temporaries`` clears what a killed run left.

Nothing is written through a symbolic link: a link planted where an output goes is
refused (renaming over it would not follow it, but the user meant another file), and
temporary files are created anew (``O_EXCL``), never opened where a link could lead.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import uuid
from pathlib import Path

from reportgen.errors import OutputError, display_link, display_path, os_reason

TEMP_PREFIX = ".reportgen-tmp-"


def _error(target: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {display_path(target)}: {os_reason(exc)}")


def refuse_link(target: Path) -> None:
    """Refuse to write at ``target`` when a symbolic link is there."""
    if target.is_symlink():
        raise OutputError(
            f"cannot write {display_link(target)}: it is a symbolic link, and reportgen "
            "never writes through one; remove the link and run again"
        )


def linked_on_the_way(root: Path, target: Path) -> Path | None:
    """The first of the folders from ``root`` down to ``target`` (``target`` included)
    that is a symbolic link: writing ``target`` would write through it. ``target`` is
    a path under ``root``."""
    here = root
    for part in target.relative_to(root).parts:
        here = here / part
        if here.is_symlink():
            return here
    return None


def file_mode(mode: int | None = None) -> int:
    """The permission bits of a new output: ``mode`` when given, else what the umask allows
    (0666 less the umask, as any program's new file)."""
    if mode is not None:
        return mode
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    current = os.umask(0o022)  # no /proc: read it by setting it, then put it back
    os.umask(current)
    return 0o666 & ~current


def folder_mode(mode: int) -> int:
    """The permission bits of a folder holding files of ``mode``: who may read its files
    may also open the folder (0640 gives 0750, 0600 gives 0700)."""
    return mode | (mode & 0o444) >> 2


def make_folder(folder: Path, mode: int | None = None) -> None:
    """Make ``folder`` and its missing parents; with ``mode`` (the manifest's ``file_mode``)
    the folders made get ``folder_mode(mode)`` (a setgid bit they inherit is kept), else
    what the umask allows. Folders that were there are left as they are."""
    missing = []
    current = folder
    while not os.path.lexists(current) and current != current.parent:
        missing.append(current)
        current = current.parent
    folder.mkdir(parents=True, exist_ok=True)
    if mode is not None:
        for made in missing:
            with contextlib.suppress(FileNotFoundError):
                inherited = made.stat().st_mode & stat.S_ISGID
                made.chmod(folder_mode(mode) | inherited)


def apply_mode(path: Path, mode: int | None) -> None:
    """Give an existing file of reportgen's own (build state, history, lock) ``mode``; one
    that belongs to another user keeps its mode."""
    if mode is not None:
        with contextlib.suppress(PermissionError, FileNotFoundError):
            if stat.S_IMODE(path.lstat().st_mode) != mode:
                path.chmod(mode)


def write_atomic(target: Path, data: bytes, *, mode: int | None = None) -> None:
    """Replace ``target`` with ``data`` in one step; on failure the target is unchanged.

    The file gets ``mode`` (for example 0o640), or by default what the umask allows;
    folders made for it get ``folder_mode(mode)``."""
    bits = file_mode(mode)
    folder = target.parent
    try:
        make_folder(folder, mode)
    except OSError as exc:
        raise _error(target, exc) from None
    refuse_link(target)
    if hasattr(os, "O_TMPFILE"):
        try:
            fd = os.open(folder, os.O_TMPFILE | os.O_WRONLY, 0o644)
        except OSError as exc:
            if exc.errno in (errno.EROFS, errno.EACCES, errno.ENOSPC, errno.EDQUOT):
                raise _error(target, exc) from None
        else:
            if _write_unnamed(fd, target, data, bits):
                return
    _write_named(target, data, bits)


def _write_all(fd: int, data: bytes, mode: int) -> None:
    os.fchmod(fd, mode)
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
    os.fsync(fd)


def _write_unnamed(fd: int, target: Path, data: bytes, mode: int) -> bool:
    """Write through an unnamed file; False when this file system cannot name it later."""
    temp = target.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}")
    try:
        _write_all(fd, data, mode)
        try:
            os.link(f"/proc/self/fd/{fd}", temp, follow_symlinks=True)
        except OSError as exc:
            if exc.errno in (errno.EXDEV, errno.ENOENT, errno.EPERM, errno.EOPNOTSUPP):
                return False
            raise
    except OSError as exc:
        raise _error(target, exc) from None
    finally:
        os.close(fd)
    _rename(temp, target)
    return True


def _write_named(target: Path, data: bytes, mode: int) -> None:
    try:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=target.parent)
    except OSError as exc:
        raise _error(target, exc) from None
    temp = Path(name)
    try:
        _write_all(fd, data, mode)
    except BaseException as exc:
        os.close(fd)
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise _error(target, exc) from None
        raise
    os.close(fd)
    _rename(temp, target)


def _rename(temp: Path, target: Path) -> None:
    try:
        temp.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise _error(target, exc) from None


def remove_stale_temporaries(folder: Path) -> int:
    """Delete temporary files a killed run left in ``folder``; returns how many."""
    removed = 0
    if folder.is_dir():
        for path in folder.glob(f"{TEMP_PREFIX}*"):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed
