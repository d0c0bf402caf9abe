"""The contents of a document, independent of its format.

Each document module builds one ``Document`` (sections of blocks made of runs); the PDF
(HTML) and Word renderers both draw from it, so the two formats cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

Align = Literal["left", "right", "center"]


SHORT_TABLE_ROWS = 8
"""A table of at most this many rows (with its total) is never split across pages."""


@dataclass(frozen=True)
class Run:
    """A piece of text with one style.

    ``style`` names a character style both renderers know: ``em``, ``strong``, ``asof``
    (the date of a fact), ``ref`` (a source reference), ``verify`` (a stale fact), ``muted``.
    ``lang`` marks text in another language than the document's (a name in its own script).
    """

    text: str
    style: str | None = None
    href: str | None = None
    lang: str | None = None


Inline = tuple[Run, ...]


def plain(text: str, style: str | None = None) -> Inline:
    return (Run(text, style),) if text else ()


@dataclass(frozen=True)
class Paragraph:
    runs: Inline
    style: str | None = None
    """``lead`` (a larger first paragraph), ``note`` (small print), ``mark`` (a notice),
    ``label`` (a bold line that introduces what follows, kept on its page)."""

    kind = "paragraph"


@dataclass(frozen=True)
class BulletList:
    items: tuple[Inline, ...]
    ordered: bool = False

    kind = "list"


@dataclass(frozen=True)
class Cell:
    runs: Inline
    align: Align = "left"
    strong: bool = False


@dataclass(frozen=True)
class Table:
    """A table whose header row repeats on every page; rows do not split."""

    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    footer: tuple[tuple[Cell, ...], ...] = ()
    widths: tuple[int, ...] = ()
    """Relative column widths; equal when empty."""
    caption: str | None = None
    style: str = "grid"

    kind = "table"

    @property
    def short(self) -> bool:
        """Few enough rows to be kept on one page (in PDF and in Word)."""
        return len(self.rows) + len(self.footer) <= SHORT_TABLE_ROWS


@dataclass(frozen=True)
class FactList:
    """Label and value pairs, shown as a panel of key figures."""

    items: tuple[tuple[str, Inline], ...]

    kind = "facts"


@dataclass(frozen=True)
class Figure:
    """A picture drawn from the data, as SVG; ``alt`` describes it for every reader."""

    svg: str
    alt: str
    caption: str | None = None

    kind = "figure"


@dataclass(frozen=True)
class Source:
    """One entry of the sources section; ``anchor`` is where ``[n]`` references link to."""

    number: int
    anchor: str
    runs: Inline


@dataclass(frozen=True)
class SourceList:
    """The numbered list of sources that ``[n]`` references point to."""

    sources: tuple[Source, ...]

    kind = "sources"


Block = Paragraph | BulletList | Table | FactList | Figure | SourceList


@dataclass(frozen=True)
class Section:
    """A heading (levels 1 to 3) and the blocks under it, up to the next heading."""

    id: str
    title: str
    level: int
    blocks: tuple[Block, ...]
    lang: str | None = None
    toc: bool = True


@dataclass(frozen=True)
class Picture:
    """An image file from a profile (a logo), embedded as it is."""

    data: bytes
    mime: str
    alt: str


@dataclass(frozen=True)
class Cover:
    """What the cover page carries."""

    kicker: str
    """Small line above the title: the kind of document."""
    title: str
    subtitle: Inline = ()
    lines: tuple[Inline, ...] = ()
    mark: str = ""
    """Handling mark: "Internal" or "Public"."""
    note: str = ""
    logos: tuple[Picture, ...] = ()
    control: tuple[tuple[str, str], ...] = ()
    """Issue control, as label and value: issuing office, date of issue, information as
    of, version."""


@dataclass(frozen=True)
class Meta:
    """Document properties: PDF metadata and Word core properties."""

    title: str
    author: str
    subject: str
    keywords: tuple[str, ...]
    lang: str
    created: dt.datetime
    modified: dt.datetime


@dataclass(frozen=True)
class Document:
    """One document, ready for any renderer."""

    name: str
    """``briefing``, ``city-profile`` or ``proposal``."""
    meta: Meta
    cover: Cover
    sections: tuple[Section, ...]
    sources: tuple[Source, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    """Fixed strings the renderers need: contents, page, of, sources."""
    audience: str = "internal"
    foot: str = ""
    """The issue control in one line, at the foot of every page after the cover."""
    draft: str = ""
    """The word that marks every page while the document is a draft ("DRAFT"); empty
    when it is not one."""
    names: tuple[str, ...] = ()
    """The words of the proper names it prints (cities, people): wherever they stand,
    they are never hyphenated."""

    @property
    def contents(self) -> tuple[Section, ...]:
        """The headings of levels 1 and 2 that the contents lists.

        None for a short document (every city profile): a page of contents would be a
        large part of it, and the PDF bookmarks list its headings all the same.
        """
        entries = tuple(s for s in self.sections if s.toc and s.level <= 2)
        return entries if len(entries) >= CONTENTS_MIN_ENTRIES else ()


CONTENTS_MIN_ENTRIES = 10
"""A document whose contents would list fewer headings than this has no contents page."""


def page_label_parts(template: str) -> list[str]:
    """``"Page {page} of {pages}"`` -> ``["Page ", "{page}", " of ", "{pages}"]``.

    Renderers put the current page and the page count where the fields stand, so each
    language orders them its own way ("{page} / {pages} ページ").
    """
    import re

    return [part for part in re.split(r"(\{page\}|\{pages\})", template) if part]


def map_runs(block: Block, change: Callable[[Run], Run]) -> Block:
    """``block`` with every run replaced by ``change(run)``, visited in reading order."""

    def runs(inline: Inline) -> Inline:
        return tuple(change(run) for run in inline)

    def cells(row: tuple[Cell, ...]) -> tuple[Cell, ...]:
        return tuple(replace(cell, runs=runs(cell.runs)) for cell in row)

    if isinstance(block, Paragraph):
        return replace(block, runs=runs(block.runs))
    if isinstance(block, BulletList):
        return replace(block, items=tuple(runs(item) for item in block.items))
    if isinstance(block, Table):
        return replace(
            block,
            header=cells(block.header),
            rows=tuple(cells(row) for row in block.rows),
            footer=tuple(cells(row) for row in block.footer),
        )
    if isinstance(block, FactList):
        return replace(block, items=tuple((label, runs(value)) for label, value in block.items))
    if isinstance(block, SourceList):
        return replace(block, sources=tuple(replace(s, runs=runs(s.runs)) for s in block.sources))
    return block


def map_cover_runs(cover: Cover, change: Callable[[Run], Run]) -> Cover:
    """``cover`` with every run of its subtitle and lines replaced by ``change(run)``."""
    return replace(
        cover,
        subtitle=tuple(change(run) for run in cover.subtitle),
        lines=tuple(tuple(change(run) for run in line) for line in cover.lines),
    )


def safe_link(href: str | None) -> str | None:
    """A link target a document may carry, or None: web addresses, anchors in the
    document, and e-mail addresses alone (``mailto:`` parameters such as ``?attach=`` or
    ``?bcc=`` are dropped: a mail program would act on them)."""
    if not href:
        return None
    if href.startswith(("#", "http://", "https://")):
        return href
    if href.startswith("mailto:"):
        address = href.removeprefix("mailto:").split("?", 1)[0].split("#", 1)[0]
        return f"mailto:{address}" if address else None
    return None
