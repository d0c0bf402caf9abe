"""XLIFF 1.2 out and back: the version every CAT tool reads (Trados, memoQ, Phrase, OmegaT).

One ``<file>`` per profile file and source language; one ``<trans-unit>`` per text::

    <trans-unit id="profiles/visits/x.yaml#agenda[3].title" resname="agenda[3].title"
                xml:space="preserve" extradata="source:1f2e..." maxwidth="100" size-unit="char">
      <source>Courtesy call on the Mayor</source>
      <note from="reportgen">profiles/visits/x.yaml:88: agenda[3].title: What happens. ...</note>
      <context-group purpose="location">
        <context context-type="sourcefile">profiles/visits/x.yaml</context>
        <context context-type="linenumber">88</context>
      </context-group>
    </trans-unit>

Markdown marks are inline codes that hold their Markdown: ``<bpt>``/``<ept>`` around
emphasis and links, ``<ph>`` for list items, paragraph breaks and code spans. A tool
that shows tags protects them; one that reads text only still sees the Markdown. On
the way back ``<g>``, ``<x/>``, ``<bx/>`` and ``<ex/>`` are read as the source's marks
of the same id. Files are parsed without entities, DTDs or network access.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from reportgen._version import __version__
from reportgen.errors import Issue, Report, display_path
from reportgen.translations import markup
from reportgen.translations.units import Returned, Unit

NS = "urn:oasis:names:tc:xliff:document:1.2"
_READABLE = {NS, "urn:oasis:names:tc:xliff:document:1.1", ""}
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
DIGEST_PREFIX = "source:"
"""``extradata`` of a unit: the digest of the source it was exported with."""
MAX_FILE_BYTES = 64 * 1024 * 1024

MARKDOWN_NOTE = (
    "Markdown: the tags are its marks (emphasis, links, list items, paragraph breaks); "
    "keep each one around the words it marks."
)


def write(units: Iterable[Unit], lang: str) -> bytes:
    """The XLIFF 1.2 document of ``units``, for translation into ``lang``."""
    from lxml import etree

    root = etree.Element(f"{{{NS}}}xliff", nsmap={None: NS})
    root.set("version", "1.2")
    groups: dict[tuple[str, str], list[Unit]] = {}
    for unit in units:
        groups.setdefault((unit.file, unit.source_lang), []).append(unit)
    for (file, source_lang), members in groups.items():
        element = _child(root, "file", 1)
        element.set("original", file)
        element.set("source-language", source_lang)
        element.set("target-language", lang)
        element.set("datatype", "plaintext")
        element.set("tool-id", "reportgen")
        header = _child(element, "header", 2)
        tool = _child(header, "tool", 3)
        tool.set("tool-id", "reportgen")
        tool.set("tool-name", "reportgen")
        tool.set("tool-version", __version__)
        _close(header, 2)
        body = _child(element, "body", 2)
        for unit in members:
            _unit(body, unit)
        _close(body, 2)
        _close(element, 1)
    _close(root, 0)
    data: bytes = etree.tostring(root, xml_declaration=False, encoding="UTF-8")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + data + b"\n"


def _child(parent: Any, name: str, depth: int) -> Any:
    from lxml import etree

    element = etree.SubElement(parent, f"{{{NS}}}{name}")
    previous = parent[-2] if len(parent) > 1 else None
    indent = "\n" + "  " * depth
    if previous is None:
        parent.text = indent
    else:
        previous.tail = indent
    return element


def _close(parent: Any, depth: int) -> None:
    if len(parent):
        parent[-1].tail = "\n" + "  " * depth


def _unit(body: Any, unit: Unit) -> None:
    element = _child(body, "trans-unit", 3)
    element.set("id", unit.id)
    element.set("resname", unit.field)
    element.set(_XML_SPACE, "preserve")
    element.set("extradata", DIGEST_PREFIX + unit.digest)
    if unit.max_chars:
        element.set("maxwidth", str(unit.max_chars))
        element.set("size-unit", "char")
    source_segments = markup.segments(unit.source)
    source = _child(element, "source", 4)
    _fill(source, source_segments if source_segments is not None else [unit.source])
    if unit.target is not None:
        target = _child(element, "target", 4)
        target.set("state", "translated")
        found = markup.segments(unit.target)
        _fill(target, _matched(found, source_segments) if found is not None else [unit.target])
    described = f"{unit.field}: {unit.description}" if unit.description else unit.field
    notes = [f"{unit.where}: {described}"]
    if unit.max_chars:
        notes.append(f"At most {unit.max_chars} characters: {unit.max_reason}.")
    if markup.has_markup(unit.source):
        notes.append(MARKDOWN_NOTE if source_segments is not None else _whole_note())
    for text in notes:
        note = _child(element, "note", 4)
        note.set("from", "reportgen")
        note.text = text
    group = _child(element, "context-group", 4)
    group.set("purpose", "location")
    for kind, value in (("sourcefile", unit.file), ("linenumber", str(unit.line or ""))):
        if value:
            context = _child(group, "context", 5)
            context.set("context-type", kind)
            context.text = value
    _close(group, 4)
    _close(element, 3)


def _whole_note() -> str:
    return "Markdown: keep its marks (*emphasis*, [links](...), list items) as they are."


def _fill(element: Any, segments: list[markup.Segment]) -> None:
    """Words as text, marks as inline codes that hold their Markdown."""
    from lxml import etree

    last: Any = None
    for segment in segments:
        if isinstance(segment, str):
            if last is None:
                element.text = (element.text or "") + segment
            else:
                last.tail = (last.tail or "") + segment
            continue
        tag = {"open": "bpt", "close": "ept", "placeholder": "ph"}[segment.kind]
        code = etree.SubElement(element, f"{{{NS}}}{tag}")
        code.set("id", str(segment.id))
        if segment.kind != "close":
            code.set("ctype", segment.ctype)
        code.text = segment.native
        last = code


def _matched(
    target: list[markup.Segment], source: list[markup.Segment] | None
) -> list[markup.Segment]:
    """A translation's marks numbered as the source's marks of the same kind, in order."""
    pool = [c for c in source or [] if isinstance(c, markup.Code)]
    used: dict[int, int] = {}
    next_id = max((c.id for c in pool), default=0) + 1
    out: list[markup.Segment] = []
    for segment in target:
        if not isinstance(segment, markup.Code):
            out.append(segment)
            continue
        if segment.id not in used:
            match = next(
                (
                    c
                    for c in pool
                    if c.kind == segment.kind
                    and c.ctype == segment.ctype
                    and c.id not in used.values()
                ),
                None,
            )
            if match is None:
                used[segment.id] = next_id
                next_id += 1
            else:
                used[segment.id] = match.id
        out.append(markup.Code(used[segment.id], segment.kind, segment.ctype, segment.native))
    return out


# --- reading back ----------------------------------------------------------------------------


def read(path: Path) -> tuple[list[Returned], Report]:
    """The units of an XLIFF 1.2 file; problems located at their line in it."""
    from lxml import etree

    name = display_path(path)
    report = Report()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            message = f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"
            return [], Report([Issue(name, None, None, "", message)])
        data = path.read_bytes()
    except OSError as exc:
        return [], Report([Issue(name, None, None, "", f"cannot read: {exc.strerror or exc}")])
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, col = exc.position if exc.position else (None, None)
        message = f"not a readable XLIFF file: {exc.msg}"
        return [], Report([Issue(name, line, (col or 0) + 1 if line else None, "", message)])
    namespace, local = _split(root.tag)
    if local != "xliff" or namespace not in _READABLE:
        version = root.get("version", "")
        if local == "xliff" and version.startswith("2"):
            message = f"XLIFF {version} is not read: export XLIFF 1.2 from your tool"
        else:
            message = "not an XLIFF 1.2 file (its root element is not <xliff>)"
        return [], Report([Issue(name, root.sourceline, 1, "", message)])
    found: list[Returned] = []
    for file in root:
        if _split(file.tag)[1] != "file":
            continue
        lang = file.get("target-language", "")
        if not lang:
            report.add(Issue(name, file.sourceline, 1, "", "the <file> names no target-language"))
            continue
        for element in file.iter(f"{{{namespace}}}trans-unit" if namespace else "trans-unit"):
            found.append(_returned(element, lang, name))
    return found, report


def _split(tag: object) -> tuple[str, str]:
    text = str(tag)
    if text.startswith("{"):
        namespace, _, local = text[1:].partition("}")
        return namespace, local
    return "", text


def _returned(element: Any, lang: str, origin: str) -> Returned:
    ident = element.get("id", "")
    extradata = element.get("extradata", "")
    digest = extradata[len(DIGEST_PREFIX) :] if extradata.startswith(DIGEST_PREFIX) else None
    source_element = target_element = None
    for child in element:
        local = _split(child.tag)[1]
        if local == "source" and source_element is None:
            source_element = child
        elif local == "target" and target_element is None:
            target_element = child
    source = None
    if source_element is not None:
        text, problem = markup.resolve(_parts(source_element), None)
        source = text if not problem else None
    parts: tuple[markup.Part, ...] = ()
    skipped = ""
    if target_element is not None:
        parts = tuple(_parts(target_element))
        state = target_element.get("state", "")
        if state in ("new", "needs-translation"):
            skipped = f"its state is {state}"
    return Returned(
        id=ident,
        lang=lang,
        target=None,
        parts=parts,
        digest=digest,
        source=source,
        origin=origin,
        line=element.sourceline,
        skipped=skipped,
    )


def _parts(element: Any) -> list[markup.Part]:
    """The text and inline codes of a ``<source>`` or ``<target>``."""
    out: list[markup.Part] = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):  # a comment or processing instruction
            out.append(child.tail or "")
            continue
        local = _split(child.tag)[1]
        ident = child.get("id", "")
        ctype = child.get("ctype", "")
        if local in ("bpt", "ept", "ph", "it"):
            native = "".join(child.itertext())
            kind: markup.CodeKind = (
                "open" if local == "bpt" else "close" if local == "ept" else "placeholder"
            )
            if local == "it":
                kind = "open" if child.get("pos") == "open" else "close"
            if native:
                out.append(markup.Code(0, kind, ctype, native))
            else:
                out.append(markup.Ref(ident, kind, ctype))
        elif local == "g":
            out.append(markup.Ref(ident, "open", ctype))
            out.extend(_parts(child))
            out.append(markup.Ref(ident, "close", ctype))
        elif local == "x":
            out.append(markup.Ref(ident, "placeholder", ctype))
        elif local in ("bx", "ex"):
            out.append(markup.Ref(child.get("rid", ident), "open" if local == "bx" else "close"))
        else:  # <mrk> and anything else: its words
            out.extend(_parts(child))
        out.append(child.tail or "")
    return [part for part in out if part != ""]
