"""Pictures in Word files: SVG figures and logos drawn as PNG (cairosvg), and their sizes.

Word cannot show SVG everywhere, so each is drawn at ``PICTURE_DPI``; text in East Asian,
Thai or Khmer script is given its own font first, since cairosvg takes the first font of a
``font-family`` list and never falls back.
"""

from __future__ import annotations

import importlib
import math
import re
import unicodedata
from typing import Any, Literal
from xml.etree import ElementTree

from reportgen import scripts
from reportgen.documents.content import Picture
from reportgen.errors import ReportgenError
from reportgen.renderers.docx.ooxml import reason
from reportgen.scripts import Script

PICTURE_DPI = 200
"""Resolution of the PNG made from each SVG figure: sharp in print, small on disk."""
MAX_PICTURE_PX = 8000
"""Longest side of such a PNG (about 1 m at 200 dpi); longer pictures get a lower resolution."""
SVG_NS = "http://www.w3.org/2000/svg"

_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(mm|cm|in|pt|pc|px)?\s*$")
_MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, "pc": 25.4 / 6, "px": 25.4 / 96}


class PictureError(ReportgenError):
    """A picture (a logo) cannot be drawn into the Word document."""


def _svg_length_mm(svg: str, attribute: str) -> float | None:
    """The ``width`` or ``height`` of an SVG document in mm (``170mm``; no unit means px)."""
    match = re.search(rf"<svg\b[^>]*?\s{attribute}\s*=\s*[\"']([^\"']+)[\"']", svg)
    length = _LENGTH.match(match.group(1)) if match else None
    if not length:
        return None
    return float(length.group(1)) * _MM_PER_UNIT[length.group(2) or "px"]


def svg_width_mm(svg: str) -> float | None:
    return _svg_length_mm(svg, "width")


def _svg_size_mm(svg: str) -> tuple[float, float] | None:
    """An SVG document's size in mm from its width and height, else its viewBox."""
    width, height = _svg_length_mm(svg, "width"), _svg_length_mm(svg, "height")
    if width and height:
        return width, height
    box = re.search(r"<svg\b[^>]*?\sviewBox\s*=\s*[\"']([^\"']+)[\"']", svg)
    numbers = re.split(r"[\s,]+", box.group(1).strip()) if box else []
    try:
        box_width, box_height = float(numbers[2]), float(numbers[3])
    except (IndexError, ValueError):
        return None
    return (box_width, box_height) if box_width > 0 and box_height > 0 else None


def picture_size_mm(picture: Picture) -> tuple[float, float]:
    """A picture's natural size in mm (only its proportions matter); square if unknown."""
    if picture.mime == "image/svg+xml":
        size = _svg_size_mm(picture.data.decode("utf-8", "replace"))
        width, height = size or (1.0, 1.0)
    else:
        from docx.image.image import Image

        image = Image.from_blob(picture.data)
        width, height = float(image.px_width), float(image.px_height)
    if not (0 < width < math.inf and 0 < height < math.inf):
        return 1.0, 1.0
    return width, height


def svg_to_png(
    svg: str, width_mm: float, lang: str = "en", height_mm: float | None = None
) -> bytes:
    """The SVG drawn as a PNG ``width_mm`` wide at ``PICTURE_DPI``, fonts chosen per script.

    The height is ``height_mm``, else follows the SVG's proportions; a side longer than
    ``MAX_PICTURE_PX`` lowers the resolution, so that no picture, however tall, exhausts
    memory or cairo's limits. cairosvg uses the first font of a ``font-family`` list and
    no fallback, so text in East Asian or Thai script is given its Noto font here. Nothing
    is fetched: every external reference is refused.
    """
    surface: Any = importlib.import_module("cairosvg.surface")  # untyped

    def refuse(url: str, resource_type: str) -> bytes:
        del url, resource_type
        return b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'

    if height_mm is None:
        width, height = _svg_size_mm(svg) or (1.0, 1.0)
        height_mm = width_mm * height / width
    width_px, height_px = (size / 25.4 * PICTURE_DPI for size in (width_mm, height_mm))
    scale = min(1.0, MAX_PICTURE_PX / max(width_px, height_px, 1.0))
    data = _with_script_fonts(svg, lang)
    try:
        png: bytes = surface.PNGSurface.convert(
            bytestring=data,
            output_width=max(round(width_px * scale), 1),
            output_height=max(round(height_px * scale), 1),
            unsafe=False,
            url_fetcher=refuse,
        )
    except Exception as exc:  # cairosvg on a user's SVG: any failure is the picture's
        raise PictureError(f"cannot draw an SVG picture ({reason(exc)})") from None
    return png


_Kind = Script | Literal["east-asian"] | None


def _kind(char: str) -> _Kind:
    """What draws ``char``: the East Asian font of its piece, a complex script's, or any."""
    slot = scripts.slot_of(char)
    if slot == "east-asian":
        return "east-asian"
    return scripts.script_of(char) if slot == "complex" else None


def _needs_fonts(text: str) -> bool:
    """Whether a letter of ``text`` has a kind (``_kind``): East Asian or a complex script."""
    return scripts.has_slot(text, "east-asian") or scripts.has_slot(text, "complex")


def _segments(text: str) -> list[tuple[_Kind, str]]:
    """``text`` cut where the script changes: (what draws it, piece)."""
    pieces: list[tuple[_Kind, str]] = []
    for char in text:
        script = _kind(char)
        if script is None and pieces and unicodedata.category(char)[0] in "PZ":
            script = pieces[-1][0]  # punctuation and spaces stay with what they follow
        if pieces and pieces[-1][0] == script:
            pieces[-1] = (script, pieces[-1][1] + char)
        else:
            pieces.append((script, char))
    return pieces


def _with_script_fonts(svg: str, lang: str) -> bytes:
    if not _needs_fonts(svg):
        return svg.encode("utf-8")
    root = ElementTree.fromstring(svg)
    text_tags = (f"{{{SVG_NS}}}text", f"{{{SVG_NS}}}tspan")
    for element in list(root.iter()):
        if element.tag not in text_tags:
            continue
        _split_text(element, lang, tail=False)
        for child in list(element):
            _split_text(child, lang, tail=True, parent=element)
    ElementTree.register_namespace("", SVG_NS)  # write <svg>, not <ns0:svg>
    return bytes(ElementTree.tostring(root, encoding="utf-8"))


def _font_for(kind: Script | Literal["east-asian"], piece: str, lang: str) -> str:
    if isinstance(kind, Script):
        return kind.family
    return scripts.east_asian_for(piece, lang).family


def _split_text(
    element: ElementTree.Element,
    lang: str,
    *,
    tail: bool,
    parent: ElementTree.Element | None = None,
) -> None:
    """Wraps the pieces of ``element``'s text (or tail) that need another font in tspans."""
    text = element.tail if tail else element.text
    if not text or not _needs_fonts(text):
        return
    pieces = _segments(text)
    spans: list[ElementTree.Element] = []
    plain = ""
    for script, piece in pieces:
        if script is None:
            if spans:
                spans[-1].tail = (spans[-1].tail or "") + piece
            else:
                plain += piece
            continue
        span = ElementTree.Element(
            f"{{{SVG_NS}}}tspan", {"font-family": _font_for(script, piece, lang)}
        )
        span.text = piece
        spans.append(span)
    if tail:
        assert parent is not None
        element.tail = plain
        index = list(parent).index(element)
        for offset, span in enumerate(spans):
            parent.insert(index + 1 + offset, span)
    else:
        element.text = plain
        for offset, span in enumerate(spans):
            element.insert(offset, span)
