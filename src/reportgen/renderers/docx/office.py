"""LibreOffice, an optional engine: lays a Word file out to learn the page of each heading.

Page numbers need a layout, which python-docx cannot make. When ``soffice`` is on the
``PATH``, the finished Word file is converted to PDF with each Word bookmark exported as
a named destination; the page of the destination of a heading's bookmark is the page
number its contents entry prints (``contents.py`` writes it in). Without LibreOffice,
nothing is run and nothing costs. One run converts many files (``lay_out_many``): a
batch, or a build of several Word files, starts LibreOffice once for all of them.

LibreOffice's start-up is most of the pass's cost, and making a new profile folder (its
user settings) a good part of the rest. So profiles are kept in the user's cache
(``usercache``), ``libreoffice/slot-N``, and used again by later builds; each is held
under a lock while one LibreOffice runs on it (two that shared one would hand their
files to each other's office), so that concurrent builds, batches and previews each take
a slot of their own. Where the cache cannot be written, or every slot is taken, a process
uses a profile folder of its own (made on first use, removed at exit). LibreOffice runs
in a process group of its own: one that takes too long is ended whole, and leaves no
office behind on the profile.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from reportgen import usercache

K = TypeVar("K")

LAYOUT_TIMEOUT = 120.0
"""Seconds LibreOffice may take to lay one document out (its start-up included)."""
FURTHER_TIMEOUT = 15.0
"""Seconds more for each further document laid out in the same run."""
LAYOUT_CHUNK = 24
"""The most documents one LibreOffice run lays out (more take a run for each 24)."""
PDF_FILTER = (
    'pdf:writer_pdf_Export:{"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}'
)
NOT_INSTALLED = (
    "note: LibreOffice (soffice) is not installed: the contents of the Word files have no "
    "page numbers; Word adds them when the document's fields are updated (F9)"
)
"""What a build that wrote a Word file with contents says, once, without LibreOffice."""
FAILED = (
    "note: the contents of the Word files have no page numbers: {reason}; Word adds them "
    "when the document's fields are updated (F9)"
)
"""What a build or batch says, once, when LibreOffice failed to lay its Word files out."""


class LayoutError(Exception):
    """LibreOffice failed or took too long; the contents then stay without numbers."""


def soffice() -> str | None:
    """The LibreOffice command on the ``PATH``, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


PROFILE_SLOTS = 8
"""Profile folders kept in the cache: as many LibreOffice runs at once reuse one."""

_profiles: dict[int, Path] = {}


def _own_profile() -> Path:
    """This process's own LibreOffice profile folder (removed at exit)."""
    pid = os.getpid()
    if pid not in _profiles:
        folder = Path(tempfile.mkdtemp(prefix="reportgen-office-"))
        _profiles[pid] = folder
        atexit.register(shutil.rmtree, folder, True)
    return _profiles[pid]


@contextlib.contextmanager
def _profile() -> Iterator[Path]:
    """A LibreOffice profile folder that no other LibreOffice uses meanwhile: a free slot
    of the cache, or this process's own folder."""
    try:
        import fcntl
    except ImportError:  # not on a POSIX system
        yield _own_profile()
        return
    folder = usercache.folder() / "libreoffice"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        yield _own_profile()
        return
    for slot in range(PROFILE_SLOTS):
        try:
            lock = os.open(folder / f"slot-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            break
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(lock)
            continue
        try:
            yield folder / f"slot-{slot}"
        finally:
            os.close(lock)  # the lock goes with it
        return
    yield _own_profile()


def lay_out(docx: bytes, *, timeout: float | None = None) -> bytes:
    """The Word file as LibreOffice lays it out: a PDF whose named destinations are the
    Word file's bookmarks (within ``timeout`` seconds, by default ``LAYOUT_TIMEOUT``)."""
    laid_out = lay_out_many({0: docx}, timeout=timeout)
    if 0 not in laid_out:
        raise LayoutError("LibreOffice wrote no PDF")
    return laid_out[0]


def lay_out_many(documents: Mapping[K, bytes], *, timeout: float | None = None) -> dict[K, bytes]:
    """Each Word file as LibreOffice lays it out (see ``lay_out``), all in one run: its
    start-up, most of the cost, is paid once. A file it wrote no PDF for is left out.

    The run may take ``timeout`` seconds, by default ``LAYOUT_TIMEOUT`` for the first
    file and ``FURTHER_TIMEOUT`` for each further one; ``LayoutError`` when it fails or
    takes longer (none of them is laid out then)."""
    if not documents:
        return {}
    if timeout is None:
        timeout = LAYOUT_TIMEOUT + FURTHER_TIMEOUT * (len(documents) - 1)
    command = soffice()
    if command is None:
        raise LayoutError("LibreOffice is not installed")
    with tempfile.TemporaryDirectory(prefix="reportgen-layout-") as work, _profile() as profile:
        sources, results = Path(work) / "in", Path(work) / "out"
        sources.mkdir()
        keys = list(documents)
        files = [sources / f"{index}.docx" for index in range(len(keys))]  # never two alike
        for key, source in zip(keys, files, strict=True):
            source.write_bytes(documents[key])
        try:
            _run(
                [command, f"-env:UserInstallation={(profile / 'user').as_uri()}",
                 "--headless", "--norestore", "--nolockcheck",
                 "--convert-to", PDF_FILTER, "--outdir", str(results), *map(str, files)],
                timeout,
            )  # fmt: skip
        except LayoutError:
            shutil.rmtree(profile / "user", ignore_errors=True)  # the next run makes it anew
            raise
        laid_out: dict[K, bytes] = {}
        for key, source in zip(keys, files, strict=True):
            result = results / f"{source.stem}.pdf"
            if result.is_file():
                laid_out[key] = result.read_bytes()
        if not laid_out:
            raise LayoutError("LibreOffice wrote no PDF")
        return laid_out


def _run(command: list[str], timeout: float) -> None:
    """Runs LibreOffice in a process group of its own, ended whole if it takes too long
    (``soffice`` is a script that starts the office: ending the script alone would leave
    the office running on the profile)."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise LayoutError(f"LibreOffice failed: {exc}") from None
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _end(process)
        raise LayoutError(f"LibreOffice took more than {timeout:.0f} s") from None
    except BaseException:  # Ctrl-C: the office, in a session of its own, did not get it
        _end(process)
        raise
    if process.returncode != 0:
        said = stderr.decode("utf-8", "replace").strip().splitlines()
        raise LayoutError(
            f"LibreOffice failed (exit {process.returncode})" + (f": {said[-1]}" if said else "")
        )


def _end(process: subprocess.Popen[bytes]) -> None:
    """End LibreOffice's whole process group, and reap it."""
    with contextlib.suppress(OSError):
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    process.communicate()  # reaped, its pipe closed


def _pdf_name(bookmark: str) -> str:
    """The name LibreOffice gives a bookmark's destination: letters and digits as they
    are, any other character as its two hex digits (``_Toc_x`` -> ``5FToc5Fx``)."""
    return "".join(c if c.isascii() and c.isalnum() else f"{ord(c):02X}" for c in bookmark)


def bookmark_pages(pdf: bytes, bookmarks: Iterable[str]) -> dict[str, int]:
    """The page (from 1) of each of ``bookmarks`` found among the PDF's destinations."""
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        numbers = {page.obj.objgen[0]: index for index, page in enumerate(document.pages, 1)}
        destinations: dict[str, int] = {}
        dests = document.Root.get("/Dests")
        for key, value in dests.items() if isinstance(dests, pikepdf.Dictionary) else ():
            target = value.get("/D") if isinstance(value, pikepdf.Dictionary) else value
            if isinstance(target, pikepdf.Array) and len(target):
                page = numbers.get(target[0].objgen[0])
                if page is not None:
                    destinations[str(key)[1:]] = page
    found: dict[str, int] = {}
    for bookmark in bookmarks:
        for name in (_pdf_name(bookmark), bookmark):
            if name in destinations:
                found[bookmark] = destinations[name]
                break
    return found
