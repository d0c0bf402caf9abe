"""Fonts that travel with a Word file: subsets of the installed fonts it uses, embedded.

An office PC without the Noto fonts would draw a Word file in other fonts, with other
line breaks and pages. Word's own way to carry fonts is an obfuscated font part per
style (``word/fonts/fontN.odttf``), named in ``fontTable.xml`` with the key that undoes
the obfuscation (ECMA-376 Part 1, 17.8.1): the first 32 bytes of the font are XORed
with the bytes of a GUID, read from its end. Word and LibreOffice both read it.

Only fonts whose licence allows embedding (``OS/2 fsType`` installable, as the Noto
fonts under the SIL Open Font License are) and only the letters the document uses are
embedded, subset with HarfBuzz; the key is derived from the font's bytes, so that the
same document gives the same file.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from reportgen import scripts
from reportgen.renderers.docx.ooxml import el, qn

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.oxml.xmlchemy import BaseOxmlElement

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
FONT_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
OBFUSCATED_FONT = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
STYLES = (("Regular", "embedRegular"), ("Bold", "embedBold"), ("Italic", "embedItalic"))
"""The styles embedded, each with its element in ``fontTable.xml`` (in schema order)."""
ALWAYS = "0123456789 .,:;()-–/•"
"""Letters that fields (page numbers) and list numbers print, whatever the text holds."""
SETTINGS_BEFORE = (
    "w:writeProtection", "w:view", "w:zoom", "w:removePersonalInformation",
    "w:removeDateAndTime", "w:doNotDisplayPageBoundaries", "w:displayBackgroundShape",
    "w:printPostScriptOverText", "w:printFractionalCharacterWidth", "w:printFormsData",
)  # fmt: skip
"""The settings that come before ``w:embedTrueTypeFonts`` in the schema."""
FONT_CHILDREN_AFTER = ("w:embedRegular", "w:embedBold", "w:embedItalic", "w:embedBoldItalic")


@dataclass(frozen=True)
class FontFile:
    """One installed font: its file and, in a collection (``.ttc``), its index."""

    path: str
    index: int


@cache
def installed(family: str, style: str) -> FontFile | None:
    """The file fontconfig has for ``family`` in ``style``, or None when it would
    substitute another family (or has no such style: a bold made up by the renderer)."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return None
    try:
        done = subprocess.run(
            [fc_match, f"{family}:style={style}", "--format",
             "%{family}\n%{style}\n%{file}\n%{index}"],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.split("\n")
    if len(lines) < 4:
        return None
    families = [name.strip() for name in lines[0].split(",")]
    styles = [name.strip() for name in lines[1].split(",")]
    if family not in families or style not in styles:
        return None
    return FontFile(lines[2], int(lines[3] or 0))


def subset(font: FontFile, letters: str) -> bytes | None:
    """The font cut down to ``letters`` (None when it may not be embedded or has none).

    HarfBuzz's subsetter (uharfbuzz) takes some 30 ms for a style of Noto Sans CJK;
    fontTools, used when uharfbuzz is not installed, takes seconds.
    """
    uharfbuzz = _harfbuzz()
    if uharfbuzz is None:  # pragma: no cover - uharfbuzz is a dependency
        return _fonttools_subset(font, letters)
    face = uharfbuzz.Face(uharfbuzz.Blob.from_file_path(font.path), font.index)
    if not _embeddable(face.reference_table("OS/2").data):
        return None
    wanted = {ord(letter) for letter in letters} & set(face.unicodes)
    if not wanted:
        return None
    request = uharfbuzz.SubsetInput()
    for code in sorted(wanted):
        request.unicode_set.add(code)
    for kind in (uharfbuzz.SubsetInputSets.NAME_ID, uharfbuzz.SubsetInputSets.NAME_LANG_ID):
        names = request.sets(kind)  # every name in every language: the family's too
        names.clear()
        names.invert()
    request.flags = uharfbuzz.SubsetFlags.NO_HINTING | uharfbuzz.SubsetFlags.NOTDEF_OUTLINE
    return bytes(uharfbuzz.subset(face, request).blob.data)


@cache
def _coverage(font: FontFile) -> frozenset[int]:
    """The code points a font draws."""
    harfbuzz = _harfbuzz()
    if harfbuzz is None:  # pragma: no cover - uharfbuzz is a dependency
        with _fonttools()[1](font.path, fontNumber=font.index, lazy=True) as whole:
            return frozenset(whole.getBestCmap() or {})
    return frozenset(harfbuzz.Face(harfbuzz.Blob.from_file_path(font.path), font.index).unicodes)


def _harfbuzz() -> Any:
    """uharfbuzz, or None when it is not installed."""
    try:
        import uharfbuzz  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - uharfbuzz is a dependency
        return None
    return uharfbuzz


def _fonttools() -> tuple[Any, Any]:
    """fontTools' subsetter module and its font class (slower than HarfBuzz)."""
    from fontTools import subset  # type: ignore[import-untyped]
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    return subset, TTFont


def _embeddable(os2: bytes) -> bool:
    """Whether the font's licence allows embedding (``OS/2 fsType``, bytes 8-9): not
    restricted (bit 1) and not bitmaps only (bit 9)."""
    fs_type = int.from_bytes(os2[8:10], "big") if len(os2) >= 10 else 0
    return not fs_type & 0x0202


def _fonttools_subset(font: FontFile, letters: str) -> bytes | None:
    fonttools_subset, font_class = _fonttools()
    with font_class(font.path, fontNumber=font.index, lazy=True) as whole:
        if "OS/2" in whole and not _embeddable(whole.getTableData("OS/2")):
            return None
        wanted = sorted({ord(letter) for letter in letters} & set(whole.getBestCmap() or {}))
        if not wanted:
            return None
        options = fonttools_subset.Options()
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.hinting = False
        options.notdef_outline = True
        subsetter = fonttools_subset.Subsetter(options)
        subsetter.populate(unicodes=wanted)
        subsetter.subset(whole)
        out = io.BytesIO()
        whole.save(out)
        return out.getvalue()


def obfuscate(data: bytes, key: str) -> bytes:
    """The font as Word stores it: its first 32 bytes XORed with the GUID ``key``'s
    bytes, last first. The same call undoes it."""
    guid = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(byte ^ guid[index % 16] for index, byte in enumerate(data[:32]))
    return head + data[32:]


def font_key(data: bytes) -> str:
    """A GUID for a font, made from its bytes (the same font, the same key)."""
    return "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"


def used_letters(word: WordDocument) -> dict[str, set[str]]:
    """For each font family the document names, the letters drawn in it.

    A run's letters of each script go to the family its properties name for that script
    (``w:ascii`` for Latin letters, ``w:eastAsia`` for Chinese, Japanese and Korean,
    ``w:cs`` for complex scripts), else to the family of the document's defaults.
    """
    styles = word.styles.element
    defaults = styles.find(
        f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}"
    )
    default_fonts = _fonts_of(defaults, {})
    parts = [word.element]
    for section in word.sections:
        for area in (section.header, section.footer):
            if not area.is_linked_to_previous:
                parts.append(area._element)
    letters: dict[str, set[str]] = {}
    for part in parts:
        for run in part.iter(qn("w:r")):
            fonts = _fonts_of(run.find(f"{qn('w:rPr')}/{qn('w:rFonts')}"), default_fonts)
            for text in run.iter(qn("w:t")):  # a field's instruction is not printed
                for slot, drawn in scripts.letters_by_slot(text.text or "").items():
                    family = fonts.get(slot or "latin")
                    if family:
                        letters.setdefault(family, set()).update(drawn)
    for family in {default_fonts.get("latin"), *letters}:
        if family:
            letters.setdefault(family, set()).update(ALWAYS)
    return letters


def _fonts_of(fonts: BaseOxmlElement | None, inherited: dict[str, str]) -> dict[str, str]:
    found = dict(inherited)
    if fonts is None:
        return found
    for slot, attribute in (
        ("latin", "w:ascii"),
        ("east-asian", "w:eastAsia"),
        ("complex", "w:cs"),
    ):
        value = fonts.get(qn(attribute))
        if value:
            found[slot] = value
    return found


def uses_style(word: WordDocument, style: str) -> bool:
    """Whether any text is bold (``Bold``) or italic (``Italic``): in a style or a run."""
    if style == "Regular":
        return True
    tag = qn("w:b") if style == "Bold" else qn("w:i")
    for root in (word.styles.element, word.element):
        for found in root.iter(tag):
            if found.get(qn("w:val"), "1") not in ("0", "false"):
                return True
    return False


def embed_fonts(word: WordDocument) -> None:
    """Embeds in ``word`` the subsets of the installed fonts its text is drawn in."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml.parser import parse_xml

    document_part = word.part
    try:
        table_part = document_part.part_related_by(RT.FONT_TABLE)
    except KeyError:
        return  # a reference document without a font table: nothing names the fonts
    table = _with_relationships_prefix(parse_xml(table_part.blob))
    styles = [style for style in STYLES if uses_style(word, style[0])]
    used = used_letters(word)
    # a letter that its family lacks (an arrow in Noto Sans) is drawn from another font
    # as the renderer falls back: it goes into every subset whose font has it
    orphans: set[str] = set()
    for family, letters in used.items():
        font = installed(family, "Regular")
        orphans |= {c for c in letters if font is None or ord(c) not in _coverage(font)}
    number = 0
    for family, letters in sorted(used.items()):
        text = "".join(sorted(letters | orphans))
        embedded: list[BaseOxmlElement] = []
        for style, tag in styles:
            font = installed(family, style)
            data = subset(font, text) if font is not None else None
            if data is None:
                continue
            number += 1
            key = font_key(data)
            part = Part(
                PackURI(f"/word/fonts/font{number}.odttf"),
                OBFUSCATED_FONT,
                obfuscate(data, key),
                document_part.package,
            )
            r_id = table_part.relate_to(part, FONT_RELATIONSHIP)
            element = el(f"w:{tag}", {"w:fontKey": key})
            element.set(qn("r:id"), r_id)
            embedded.append(element)
        if embedded:
            _font_entry(table, family).extend(embedded)
    if number:
        from lxml import etree

        table_part._blob = etree.tostring(
            table, xml_declaration=True, encoding="UTF-8", standalone=True
        )
        _mark_settings(word)


def _with_relationships_prefix(table: BaseOxmlElement) -> BaseOxmlElement:
    """The font table with the ``r:`` prefix declared on its root, as Word writes it."""
    if table.nsmap.get("r") == R_NS:
        return table
    from lxml import etree

    root: BaseOxmlElement = etree.Element(table.tag, nsmap={**table.nsmap, "r": R_NS})
    for name, value in table.attrib.items():
        root.set(name, value)
    root.extend(list(table))
    return root


def _font_entry(table: BaseOxmlElement, family: str) -> BaseOxmlElement:
    """The ``w:font`` of ``family`` in the font table, without embedded styles (made if
    missing)."""
    font: BaseOxmlElement
    for font in table.findall(qn("w:font")):
        if font.get(qn("w:name")) == family:
            for child in list(font):
                if child.tag in [qn(tag) for tag in FONT_CHILDREN_AFTER]:
                    font.remove(child)
            return font
    font = el("w:font", {"w:name": family})
    table.append(font)
    return font


def _mark_settings(word: WordDocument) -> None:
    """``embedTrueTypeFonts`` and ``saveSubsetFonts``, so that Word keeps them on saving."""
    settings = word.settings.element
    for tag in ("w:embedTrueTypeFonts", "w:saveSubsetFonts"):
        for found in settings.findall(qn(tag)):
            settings.remove(found)
    before = [qn(tag) for tag in SETTINGS_BEFORE]
    position = 0
    for index, child in enumerate(settings):
        if child.tag in before:
            position = index + 1
    settings.insert(position, el("w:saveSubsetFonts"))
    settings.insert(position, el("w:embedTrueTypeFonts"))
