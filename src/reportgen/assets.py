"""Image files that profiles refer to (logos): found safely, checked, read once.

A path must stay inside the profile's folder (symlinks included), name a PNG, JPEG or
SVG file no larger than ``MAX_IMAGE_BYTES``, whose declared size is at most
``MAX_IMAGE_PIXELS`` (decompression bombs) and, for SVG, whose elements nest at most
``MAX_SVG_DEPTH`` levels deep. Nothing is fetched from the network.
"""

from __future__ import annotations

import io
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_SVG_DEPTH = 50


@dataclass(frozen=True)
class Image:
    """An image's bytes and type, ready to embed."""

    data: bytes
    mime: str
    name: str


class ImageError(ValueError):
    """The image cannot be used; the message says why."""


def _png_size(data: bytes) -> tuple[int, int]:
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise ImageError("is a damaged PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg_size(data: bytes) -> tuple[int, int]:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            index += 1
            continue
        marker = data[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        length = int.from_bytes(data[index + 2 : index + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return int(width), int(height)
        index += 2 + length
    raise ImageError("is a damaged JPEG file")


def _kind(data: bytes) -> str:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:1024].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "image/svg+xml"
    raise ImageError("is not a PNG, JPEG or SVG image")


def _check_svg(data: bytes) -> None:
    """Refuse SVG that declares entities, runs scripts or refers to other files."""
    import xml.etree.ElementTree as ET

    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ImageError("is an SVG file with a DOCTYPE or entities, which are not allowed")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ImageError(f"is not well-formed SVG ({exc})") from None
    depths = [(root, 1)]
    while depths:  # renderers draw SVG recursively: deep nesting exhausts their stack
        parent, depth = depths.pop()
        if depth > MAX_SVG_DEPTH:
            raise ImageError(f"is an SVG file nested deeper than {MAX_SVG_DEPTH} levels")
        depths.extend((child, depth + 1) for child in parent)
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] in ("script", "foreignObject"):
            raise ImageError("is an SVG file with scripts or foreign content")
        for name, value in element.attrib.items():
            if name.rsplit("}", 1)[-1] == "href" and not value.startswith(("#", "data:")):
                raise ImageError(f"is an SVG file that refers to another file or address: {value}")


_STRICT = threading.Lock()
"""Held while a picture is decoded with Pillow's ``LOAD_TRUNCATED_IMAGES`` off."""


def _check_pixels(data: bytes) -> None:
    """Decode the picture, as the PDF renderer will: a damaged one fails here, named.

    Also where WeasyPrint is loaded (a preview worker), which lets Pillow load a picture
    whose data stops short. Running out of memory is no damage: it stays a
    ``MemoryError`` (``--memory-limit`` names it), also where a decoder says only that
    the data is broken.
    """
    from PIL import Image as Pillow
    from PIL import ImageFile

    from reportgen.limits import nearly_at_memory_limit

    try:
        with _STRICT, Pillow.open(io.BytesIO(data)) as picture:
            lenient = ImageFile.LOAD_TRUNCATED_IMAGES
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            try:
                picture.load()
            except MemoryError:
                raise
            except Exception:
                # libjpeg, short of memory for a progressive JPEG (it holds every
                # coefficient of the picture at once, beside the pixels), says only that
                # the data is broken: asked while the picture still holds its pixels
                if nearly_at_memory_limit():
                    raise MemoryError from None
                raise
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    except MemoryError:
        raise
    except Exception as exc:  # Pillow has many ways of saying that the data is damaged
        raise ImageError(f"is damaged: {exc}") from None


def load_image(folder: Path, relative: str) -> Image:
    """Read ``relative`` inside ``folder``; raises ``ImageError`` naming the problem."""
    try:
        data, path = _read(folder, relative)
    except RuntimeError:  # pathlib's word for a symlink loop
        raise ImageError("cannot be read: its symlinks form a loop") from None
    except OSError as exc:
        raise ImageError(f"cannot be read: {exc.strerror or exc}") from None
    mime = _kind(data)
    if mime == "image/svg+xml":
        _check_svg(data)
    else:
        width, height = _png_size(data) if mime == "image/png" else _jpeg_size(data)
        if width * height > MAX_IMAGE_PIXELS:
            raise ImageError(
                f"declares {width} x {height} pixels; the limit is {MAX_IMAGE_PIXELS:,}"
            )
        _check_pixels(data)
    return Image(data, mime, path.name)


def _read(folder: Path, relative: str) -> tuple[bytes, Path]:
    """The file's bytes and real path, if it is a file inside ``folder`` and small enough."""
    base = folder.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise ImageError("leads outside the profile's folder")
    if not path.exists():
        raise ImageError("does not exist")
    if not path.is_file():
        raise ImageError("is not a file")
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise ImageError(f"is {size:,} bytes; the limit is {MAX_IMAGE_BYTES:,}")
    return path.read_bytes(), path
