"""The reference document a Word file starts from: the bundled one or a user's, checked.

A user's ``--reference-docx`` is refused before python-docx parses it unless it is a
plain file of sane size whose zip directory promises a Word package of sane size: no zip
bombs, no thousands of parts, no template or macro document.
"""

from __future__ import annotations

import io
import zipfile
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.errors import ReportgenError, display_path
from reportgen.renderers.docx.ooxml import reason

if TYPE_CHECKING:
    from docx.document import Document as WordDocument

MAX_REFERENCE_BYTES = 20 * 1024 * 1024
"""A reference document larger than this on disk is refused."""
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""Nor one that unpacks to more than this ..."""
MAX_RATIO = 100
"""... or to more than this many times its packed size (a zip bomb) ..."""
MAX_ENTRIES = 2000
"""... or that holds more files than this."""


class ReferenceDocxError(ReportgenError):
    """The reference document (``--reference-docx``) is not one that reportgen can use."""


def open_reference(reference: Path | None) -> WordDocument:
    """The Word document to fill: ``reference`` when given (checked), else the bundled one."""
    import docx

    if reference is None:
        return docx.Document(io.BytesIO(bundled_reference()))
    data = read_reference(reference)
    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds for a broken package
        raise ReferenceDocxError(
            f"{display_path(reference)}: not a usable Word document ({reason(exc)})"
        ) from exc


def read_reference(path: Path) -> bytes:
    """The bytes of a reference document, refused before parsing unless it is a sane .docx."""
    name = display_path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ReferenceDocxError(f"{name}: the reference document is not a file")
        if size > MAX_REFERENCE_BYTES:
            raise ReferenceDocxError(
                f"{name}: the reference document is {size / 2**20:.1f} MB; "
                f"the limit is {MAX_REFERENCE_BYTES // 2**20} MB"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ReferenceDocxError(
            f"{name}: cannot read the reference document: {exc.strerror or exc}"
        ) from exc
    check_package(data, name)
    return data


def check_package(data: bytes, name: str) -> None:
    """Refuse what is not a Word package, or would unpack to far more than its size.

    The sizes come from the zip directory; Python's zipfile never inflates an entry beyond
    its declared size (it fails the CRC check instead), so they bound the work of parsing.
    """
    not_word = f"{name}: not a Word document (.docx)"
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ReferenceDocxError(f"{not_word}: it is not a zip archive") from exc
    with archive:
        entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise ReferenceDocxError(
            f"{name}: the reference document holds {len(entries)} files; the limit is {MAX_ENTRIES}"
        )
    unpacked = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ReferenceDocxError(
            f"{name}: the reference document unpacks to {unpacked / 2**20:.0f} MB; "
            f"the limit is {MAX_UNPACKED_BYTES // 2**20} MB"
        )
    if unpacked > max(packed, 1) * MAX_RATIO:
        raise ReferenceDocxError(
            f"{name}: the reference document unpacks to {unpacked // max(packed, 1)} times "
            f"its size (a zip bomb?); the limit is {MAX_RATIO} times"
        )
    names = {entry.filename for entry in entries}
    for required in ("[Content_Types].xml", "word/document.xml"):
        if required not in names:
            raise ReferenceDocxError(f"{not_word}: it has no {required}")


@cache
def bundled_reference() -> bytes:
    """The bytes of the bundled ``reference.docx``."""
    return files("reportgen.renderers").joinpath("reference.docx").read_bytes()
