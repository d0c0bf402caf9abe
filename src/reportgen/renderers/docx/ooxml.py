"""WordprocessingML pieces: elements, runs, fields, bookmark names and language tags.

Elements are built with python-docx's ``OxmlElement``, which is imported on first use, so
that importing this module costs nothing until a Word file is written.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from reportgen import scripts

if TYPE_CHECKING:
    from docx.oxml.xmlchemy import BaseOxmlElement

WORD_LANGS = {"en": "en-GB", "fr": "fr-FR", "de": "de-DE", "es": "es-ES", "vi": "vi-VN"}
"""The regional tags Word expects for common languages in Latin script; others pass as given."""

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_BOOKMARK_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def clean_text(text: str) -> str:
    """``text`` without what XML 1.0 cannot hold (control characters, lone surrogates)."""
    return _XML_UNSAFE.sub("", text)


def bookmark_name(ident: str, prefix: str = "") -> str:
    """A valid Word bookmark name: letters, digits and ``_``, at most 40 characters."""
    name = prefix + _BOOKMARK_UNSAFE.sub("_", ident)
    if not name[:1].isalpha() and not name.startswith("_"):
        name = "b_" + name
    return name[:40]


def reason(exc: Exception) -> str:
    """What python-docx said, without the name of the in-memory file it was given."""
    text = clean_text(str(exc))
    found = re.search(r"content type is '([^']*)'", text)
    if found:  # a template (.dotx), a macro document (.docm) ...
        return f"its main part is {found.group(1)}; save it as a .docx document"
    return text.splitlines()[0][:200] if text.strip() else type(exc).__name__


def qn(tag: str) -> str:
    """``w:tag`` as Clark notation (``{namespace}tag``)."""
    from docx.oxml.ns import qn as clark

    return clark(tag)


def el(tag: str, attrs: dict[str, str] | None = None, *children: Any) -> BaseOxmlElement:
    """``w:tag`` with ``w:``-prefixed attributes and children, in the order given."""
    from docx.oxml.parser import OxmlElement

    element = OxmlElement(tag, attrs={qn(k): v for k, v in (attrs or {}).items()})
    for child in children:
        if child is not None:
            element.append(child)
    return element


def val(tag: str, value: str | int) -> BaseOxmlElement:
    return el(tag, {"w:val": str(value)})


def run_element(text: str, rpr: BaseOxmlElement | None) -> BaseOxmlElement:
    """One ``w:r`` for ``text``: tabs as ``w:tab``, newlines as ``w:br``."""
    run = el("w:r", None, rpr)
    text = clean_text(text).replace("\r\n", "\n").replace("\r", "\n")
    for index, line in enumerate(text.split("\n")):
        if index:
            run.append(el("w:br"))
        for part_index, part in enumerate(line.split("\t")):
            if part_index:
                run.append(el("w:tab"))
            if part:
                t = el("w:t")
                t.text = part
                if part[0].isspace() or part[-1].isspace() or "  " in part:
                    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                run.append(t)
    return run


def field(instruction: str, result: str, rpr: BaseOxmlElement | None = None) -> list[Any]:
    """The runs of a complex field: begin, instruction, separate, cached result, end."""

    def run(*children: Any) -> BaseOxmlElement:
        return el("w:r", None, copy.deepcopy(rpr) if rpr is not None else None, *children)

    instr = el("w:instrText")
    instr.text = instruction
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return [
        run(el("w:fldChar", {"w:fldCharType": "begin"})),
        run(instr),
        run(el("w:fldChar", {"w:fldCharType": "separate"})),
        run_element(result, copy.deepcopy(rpr) if rpr is not None else None),
        run(el("w:fldChar", {"w:fldCharType": "end"})),
    ]


def word_lang(lang: str) -> str:
    """The language tag Word expects (``en`` -> ``en-GB``, ``zh-Hans`` -> ``zh-CN``)."""
    return scripts.for_lang(lang).word_lang or WORD_LANGS.get(lang, lang)


def latin_lang(lang: str | None, doc_lang: str) -> str:
    """Word's tag for the Latin letters of a run: those of ``lang`` when it is written in
    Latin script, else those of the document's language when it is, else English (the
    language every text falls back to). Latin letters in a Japanese document are English,
    not Japanese: LibreOffice breaks words of a CJK language between any two letters."""
    for tag in (lang, doc_lang):
        if tag and scripts.for_lang(tag).slot == "latin":
            return word_lang(tag)
    return word_lang("en")


def lang_attributes(text: str, lang: str | None, doc_lang: str) -> dict[str, str]:
    """The ``w:lang`` of a run of ``text`` in ``lang`` (None: the document's, or unknown).

    Word and LibreOffice take each letter's language from the slot of its script:
    ``w:val`` for Latin letters, ``w:eastAsia`` for Han, kana and Hangul, ``w:bidi`` for
    complex scripts (Thai, Khmer). Each slot the run uses is set, from ``lang`` when it is
    of that slot, else from the letters themselves and the document's language.
    """
    own = scripts.for_lang(lang) if lang else None
    attributes = {"w:val": latin_lang(lang, doc_lang)}
    if own is not None and own.slot == "east-asian":
        attributes["w:eastAsia"] = own.word_lang
    elif scripts.has_slot(text, "east-asian"):
        attributes["w:eastAsia"] = scripts.east_asian_for(text, doc_lang).word_lang
    if own is not None and own.slot == "complex":
        attributes["w:bidi"] = own.word_lang
    elif (found := scripts.first_complex(text)) is not None:
        attributes["w:bidi"] = found.word_lang
    return attributes


def ensure_child(parent: BaseOxmlElement, tag: str) -> BaseOxmlElement:
    """The child ``tag`` of ``parent``, appended if missing (for rPr: lang last, fonts first)."""
    found: BaseOxmlElement | None = parent.find(qn(tag))
    if found is not None:
        return found
    element = el(tag)
    if tag == "w:rFonts":
        style = parent.find(qn("w:rStyle"))
        if style is not None:
            style.addnext(element)
        else:
            parent.insert(0, element)
    else:
        after = [qn(t) for t in ("w:eastAsianLayout", "w:specVanish", "w:oMath")]
        follower = next((c for c in parent if c.tag in after), None)
        if follower is not None:
            follower.addprevious(element)
        else:
            parent.append(element)
    return element
