"""The reference document a Word file starts from: the bundled one or a user's, checked.

A user's ``--reference-docx`` is refused before python-docx parses it unless it is a
plain file of sane size whose zip directory promises a Word package of sane size: no zip
bombs, no thousands of parts, no template or macro document.

Then only what a reference is for is taken from it: styles, numbering, fonts, theme,
page set-up, headers and footers. What would fetch or run something when the output is
opened is removed, each with a warning that names it (``clean_reference``): an attached
template, external relationships in any part (linked pictures and objects, UNC paths;
web links stay), fields that include other files (INCLUDEPICTURE, INCLUDETEXT, LINK,
DDE ...), macros, ActiveX controls and embedded objects. Styles based on each other in
a circle are refused: Word and LibreOffice loop on them.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    data = clean_reference(read_reference(reference), display_path(reference)).data
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


R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SAFE_LINKS = ("http://", "https://", "mailto:")
"""External targets a reference may keep: web links in a header or footer fetch nothing."""
FETCHING_FIELD = re.compile(
    r"^\s*(INCLUDEPICTURE|INCLUDETEXT|INCLUDE|LINK|DDEAUTO|DDE|IMPORT|AUTOTEXTLIST)\b", re.I
)
"""Fields that fetch a file or run a program when the document is opened or updated."""
ACTIVE_PART = re.compile(r"(^|/)(vba[^/]*\.(bin|xml)|activeX/[^/]*|embeddings/[^/]*)$", re.I)
"""Macros, ActiveX controls and embedded objects: parts a reference is not for."""


@dataclass(frozen=True)
class CleanReference:
    """A reference document with what it is not for removed, and what was removed."""

    data: bytes
    removed: tuple[str, ...] = ()


def reference_warnings(path: Path) -> tuple[str, ...]:
    """What a build takes out of the reference document ``path``, one line each."""
    return clean_reference(read_reference(path), display_path(path)).removed


@lru_cache(maxsize=4)
def clean_reference(data: bytes, name: str) -> CleanReference:
    """``data`` (a checked package) without what could fetch or run anything; refuses
    styles based on each other in a circle."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {entry.filename: archive.read(entry) for entry in archive.infolist()}

    def parse(part: str) -> Any:
        try:
            return etree.fromstring(parts[part], parser)
        except etree.XMLSyntaxError as exc:
            raise ReferenceDocxError(
                f"{name}: not a usable Word document ({part}: {reason(exc)})"
            ) from None

    removed: list[str] = []
    changed: dict[str, Any] = {}
    dropped = {part for part in parts if ACTIVE_PART.search(part)}
    for part in sorted(dropped):
        removed.append(f"{part} removed (macros, controls and embedded objects are not styles)")
    gone: dict[str, set[str]] = {}
    """Relationship ids removed, by the part they belong to."""
    for rels in sorted(p for p in parts if p.endswith(".rels") and p not in dropped):
        root = parse(rels)
        owner = _owner(rels)
        for relationship in list(root):
            target = relationship.get("Target", "")
            kind = relationship.get("Type", "").rsplit("/", 1)[-1]
            if relationship.get("TargetMode") == "External":
                if kind == "hyperlink" and target.startswith(SAFE_LINKS):
                    continue
                what = f"the external {kind}"
                if kind == "attachedTemplate":
                    what = "the attached template"
                removed.append(f"{owner or 'package'}: {what} {target[:120]} removed")
            elif _part_name(owner, target) not in dropped:
                continue
            root.remove(relationship)
            gone.setdefault(owner, set()).add(relationship.get("Id", ""))
            changed[rels] = root
    for part in sorted(p for p in parts if p.endswith(".xml") and p not in dropped):
        if part.startswith("word/") or part in gone:
            root = changed.get(part)
            if root is None:
                root = parse(part)
            edits = _strip_references(root, gone.get(part, set()))
            fields = _strip_fields(root)
            for instruction in fields:
                removed.append(f"{part}: the field {instruction[:80]} removed (it fetches a file)")
            if edits or fields:
                changed[part] = root
    if "word/styles.xml" in parts:
        _refuse_style_cycles(parse("word/styles.xml"), name)
    if dropped and "[Content_Types].xml" in parts:
        types = parse("[Content_Types].xml")
        for override in list(types):
            if override.get("PartName", "").lstrip("/") in dropped:
                types.remove(override)
        changed["[Content_Types].xml"] = types
    if not changed and not dropped:
        return CleanReference(data)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for part, blob in parts.items():
            if part in dropped:
                continue
            if part in changed:
                blob = etree.tostring(
                    changed[part], xml_declaration=True, encoding="UTF-8", standalone=True
                )
            target.writestr(part, blob)
    return CleanReference(out.getvalue(), tuple(removed))


def _part_name(owner: str, target: str) -> str:
    """The part a relationship of ``owner`` points at (targets are relative to it)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(owner), target))


def _owner(rels: str) -> str:
    """``word/_rels/settings.xml.rels`` -> ``word/settings.xml`` (``_rels/.rels`` -> "")."""
    folder, _, file = rels.rpartition("_rels/")
    return folder + file.removesuffix(".rels")


def _strip_references(root: Any, ids: set[str]) -> int:
    """Remove the elements that point at removed relationships; returns how many."""
    if not ids:
        return 0
    found = [
        element
        for element in root.iter()
        if any(
            key.startswith(f"{{{R_NS}}}") and value in ids for key, value in element.attrib.items()
        )
    ]
    for element in found:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return len(found)


def _strip_fields(root: Any) -> list[str]:
    """Remove fields that fetch (simple ones, and complex ones from begin to end)."""
    w = f"{{{W_NS}}}"
    instructions: list[str] = []
    for simple in list(root.iter(f"{w}fldSimple")):
        instruction = simple.get(f"{w}instr", "")
        if FETCHING_FIELD.search(instruction) and simple.getparent() is not None:
            instructions.append(instruction.strip())
            simple.getparent().remove(simple)
    doomed: list[Any] = []
    open_fields: list[tuple[list[Any], list[str]]] = []
    for run in list(root.iter(f"{w}r")):
        for runs, _ in open_fields:
            runs.append(run)
        char = run.find(f"{w}fldChar")
        kind = char.get(f"{w}fldCharType") if char is not None else None
        if kind == "begin":
            open_fields.append(([run], []))
        for instr in run.iter(f"{w}instrText"):
            if open_fields:
                open_fields[-1][1].append(instr.text or "")
        if kind == "end" and open_fields:
            runs, text = open_fields.pop()
            instruction = "".join(text).strip()
            if FETCHING_FIELD.search(instruction):
                instructions.append(instruction)
                doomed.extend(runs)
    for run in doomed:
        parent = run.getparent()
        if parent is not None:
            parent.remove(run)
    return instructions


def _refuse_style_cycles(styles: Any, name: str) -> None:
    """Refuse styles based on each other in a circle (``A`` on ``B``, ``B`` on ``A``)."""
    w = f"{{{W_NS}}}"
    based: dict[str, str] = {}
    for style in styles.iter(f"{w}style"):
        ident = style.get(f"{w}styleId")
        parent = style.find(f"{w}basedOn")
        if ident is not None and parent is not None and parent.get(f"{w}val"):
            based[ident] = parent.get(f"{w}val")
    for start in based:
        seen = [start]
        current = based.get(start)
        while current is not None:
            if current in seen:
                circle = " -> ".join([*seen[seen.index(current) :], current])
                raise ReferenceDocxError(
                    f"{name}: word/styles.xml: styles are based on each other in a circle "
                    f"({circle}); in Word, base one of them on another style"
                )
            seen.append(current)
            current = based.get(current)
