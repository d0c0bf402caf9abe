"""LibreOffice, an optional engine: lays a Word file out to learn the page of each heading.

Page numbers need a layout, which python-docx cannot make. When ``soffice`` is on the
``PATH``, the finished Word file is converted to PDF with each Word bookmark exported as
a named destination; the page of the destination of a heading's bookmark is the page
number its contents entry prints. Without LibreOffice, nothing is run and nothing costs.

Each process uses one LibreOffice profile folder of its own (made on first use, removed
at exit): two processes that shared one would hand their files to each other's office.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

LAYOUT_TIMEOUT = 120.0
"""Seconds LibreOffice may take to lay one document out."""
PDF_FILTER = (
    'pdf:writer_pdf_Export:{"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}}'
)
NOT_INSTALLED = (
    "note: LibreOffice (soffice) is not installed: the contents of the Word files have no "
    "page numbers; Word adds them when the document's fields are updated (F9)"
)
"""What a build that wrote a Word file with contents says, once, without LibreOffice."""


class LayoutError(Exception):
    """LibreOffice failed or took too long; the contents then stay without numbers."""


def soffice() -> str | None:
    """The LibreOffice command on the ``PATH``, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


_profiles: dict[int, Path] = {}


def _profile() -> Path:
    """This process's LibreOffice profile folder."""
    pid = os.getpid()
    if pid not in _profiles:
        folder = Path(tempfile.mkdtemp(prefix="reportgen-office-"))
        _profiles[pid] = folder
        atexit.register(shutil.rmtree, folder, True)
    return _profiles[pid]


def lay_out(docx: bytes, *, timeout: float = LAYOUT_TIMEOUT) -> bytes:
    """The Word file as LibreOffice lays it out: a PDF whose named destinations are the
    Word file's bookmarks."""
    command = soffice()
    if command is None:
        raise LayoutError("LibreOffice is not installed")
    profile = _profile()
    with tempfile.TemporaryDirectory(prefix="reportgen-layout-") as work:
        source = Path(work) / "document.docx"
        source.write_bytes(docx)
        try:
            subprocess.run(
                [command, f"-env:UserInstallation={(profile / 'user').as_uri()}",
                 "--headless", "--norestore", "--nolockcheck",
                 "--convert-to", PDF_FILTER, "--outdir", work, str(source)],
                capture_output=True, timeout=timeout, check=True,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise LayoutError(f"LibreOffice took more than {timeout:.0f} s") from None
        except (OSError, subprocess.CalledProcessError) as exc:
            raise LayoutError(f"LibreOffice failed: {exc}") from None
        result = Path(work) / "document.pdf"
        if not result.is_file():
            raise LayoutError("LibreOffice wrote no PDF")
        return result.read_bytes()


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
