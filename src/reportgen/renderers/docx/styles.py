"""Styles and list numbering of the document being written.

Styles are named, never defined, here: a name the reference document lacks is copied in
from the bundled reference (with what it is based on), and a list takes the numbering of
its list style in the reference, else the bundled definition of its kind.
"""

from __future__ import annotations

import copy
import io
import zipfile
from functools import cache
from typing import TYPE_CHECKING, Any

from reportgen.renderers.docx.ooxml import W_NS, el, qn, val
from reportgen.renderers.docx.reference import bundled_reference

if TYPE_CHECKING:
    from docx.oxml.xmlchemy import BaseOxmlElement
    from docx.parts.document import DocumentPart

LIST_STYLES = {"bullet": "List Bullet", "number": "List Number", "source": "Source"}
"""The paragraph style of each kind of list."""


class Styles:
    """Style ids by style name, copying a style from the bundled reference when it is missing."""

    def __init__(self, part: DocumentPart) -> None:
        self.element: BaseOxmlElement = part.styles.element
        self.by_name = _styles_by_name(self.element)
        self.ids = {s.get(qn("w:styleId")) for s in self.element.findall(qn("w:style"))}
        self.cache: dict[str, str] = {}

    def id(self, name: str) -> str:
        key = name.lower()
        if key in self.cache:
            return self.cache[key]
        found = self.by_name.get(key)
        ident = found.get(qn("w:styleId")) if found is not None else self._copy(key)
        self.cache[key] = ident
        return str(ident)

    def element_of(self, name: str) -> BaseOxmlElement | None:
        self.id(name)
        return self.by_name.get(name.lower())

    def _copy(self, key: str) -> str:
        source = _bundled_styles().get(key)
        if source is None:  # not a style reportgen defines: leave the text unstyled
            return "Normal"
        style = copy.deepcopy(source)
        for numbering in style.iter(qn("w:numPr")):  # list numbers belong to the bundled file
            numbering.getparent().remove(numbering)
        for link in ("w:basedOn", "w:next", "w:link"):
            reference = style.find(qn(link))
            if reference is None:
                continue
            target = _bundled_names().get(reference.get(qn("w:val")))
            if target is None or target == key:
                style.remove(reference)
            else:
                reference.set(qn("w:val"), self.id(target))
        ident = str(style.get(qn("w:styleId")))
        while ident in self.ids:
            ident += "Report"
        style.set(qn("w:styleId"), ident)
        self.ids.add(ident)
        self.element.append(style)
        self.by_name[key] = style
        return ident


def _styles_by_name(styles: BaseOxmlElement) -> dict[str, BaseOxmlElement]:
    found: dict[str, BaseOxmlElement] = {}
    for style in styles.findall(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is not None:
            found.setdefault(str(name.get(qn("w:val"), "")).lower(), style)
    return found


@cache
def _bundled_parts() -> tuple[bytes, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundled_reference())) as archive:
        return archive.read("word/styles.xml"), archive.read("word/numbering.xml")


@cache
def _bundled_styles_element() -> BaseOxmlElement:
    from docx.oxml.parser import parse_xml

    return parse_xml(_bundled_parts()[0])


def _bundled_styles() -> dict[str, BaseOxmlElement]:
    return _styles_by_name(_bundled_styles_element())


@cache
def _bundled_names() -> dict[str, str]:
    """Style id -> lower-case name, in the bundled reference."""
    names: dict[str, str] = {}
    for key, style in _bundled_styles().items():
        names[str(style.get(qn("w:styleId")))] = key
    return names


@cache
def _bundled_abstracts() -> dict[str, BaseOxmlElement]:
    """The bundled list definitions by kind (bullet, number, source); copy before use."""
    from docx.oxml.parser import parse_xml

    numbering = parse_xml(_bundled_parts()[1])
    by_id = {a.get(qn("w:abstractNumId")): a for a in numbering.findall(qn("w:abstractNum"))}
    kinds = {"bullet": "0", "number": "1", "source": "2"}
    return {kind: by_id[ident] for kind, ident in kinds.items()}


class Numbering:
    """List numbering: the list styles' own definitions when they have one, else the bundled."""

    def __init__(self, part: DocumentPart, styles: Styles) -> None:
        self.part = part
        self.styles = styles
        self._element: BaseOxmlElement | None = None
        self.abstracts: dict[str, str] = {}

    @property
    def element(self) -> BaseOxmlElement:
        if self._element is None:
            self._element = self._numbering_part().element
        return self._element

    def _numbering_part(self) -> Any:
        from docx.opc.constants import CONTENT_TYPE as CT
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.packuri import PackURI
        from docx.oxml.parser import parse_xml
        from docx.parts.numbering import NumberingPart

        try:
            return self.part.part_related_by(RT.NUMBERING)
        except KeyError:
            xml = f'<w:numbering xmlns:w="{W_NS}"/>'.encode()
            package = self.part.package
            assert package is not None
            numbering = NumberingPart(
                PackURI("/word/numbering.xml"), CT.WML_NUMBERING, parse_xml(xml), package
            )
            self.part.relate_to(numbering, RT.NUMBERING)
            return numbering

    def new(self, kind: str, *, restart: bool = True, start: int = 1) -> int:
        """A new list instance (``w:num``) of ``kind``, numbered from ``start``."""
        abstract = self._abstract(kind)
        numbering = self.element
        ids = [int(n.get(qn("w:numId"), "0")) for n in numbering.findall(qn("w:num"))]
        num_id = max(ids, default=0) + 1
        num = el("w:num", {"w:numId": str(num_id)}, val("w:abstractNumId", abstract))
        if restart or start != 1:
            num.append(el("w:lvlOverride", {"w:ilvl": "0"}, val("w:startOverride", start)))
        cleanup = numbering.find(qn("w:numIdMacAtCleanup"))
        if cleanup is not None:
            cleanup.addprevious(num)
        else:
            numbering.append(num)
        return num_id

    def _abstract(self, kind: str) -> str:
        if kind in self.abstracts:
            return self.abstracts[kind]
        numbering = self.element
        ident = self._style_abstract(kind)
        if ident is None:
            abstract = copy.deepcopy(_bundled_abstracts()[kind])
            ids = [
                int(a.get(qn("w:abstractNumId"), "0"))
                for a in numbering.findall(qn("w:abstractNum"))
            ]
            ident = str(max(ids, default=-1) + 1)
            abstract.set(qn("w:abstractNumId"), ident)
            first_num = numbering.find(qn("w:num"))
            if first_num is not None:
                first_num.addprevious(abstract)
            else:
                numbering.append(abstract)
        self.abstracts[kind] = ident
        return ident

    def _style_abstract(self, kind: str) -> str | None:
        """The abstract numbering that the reference's list style points to, if any."""
        style = self.styles.element_of(LIST_STYLES[kind])
        if style is None:
            return None
        num_id = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}/{qn('w:numId')}")
        if num_id is None:
            return None
        for num in self.element.findall(qn("w:num")):
            if num.get(qn("w:numId")) == num_id.get(qn("w:val")):
                abstract = num.find(qn("w:abstractNumId"))
                if abstract is not None:
                    return str(abstract.get(qn("w:val")))
        return None
