"""What every renderer is told (``RenderContext``), and what a format's pass together is
(``Together``, ``Renderer.together``). It imports nothing of the project's, so that a
format's own modules can use it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, Protocol, TypeVar

K = TypeVar("K")


@dataclass(frozen=True)
class RenderContext:
    """What a renderer needs besides the document."""

    paper: str = "a4"
    pdf_variant: str | None = None
    reference_docx: Path | None = None
    page_numbers: bool = True
    """Word contents with page numbers, when LibreOffice is installed to lay them out."""
    embed_fonts: bool = True
    """Word files with the subsets of the fonts they use."""
    templates: Path | None = None
    """The project's templates folder (overrides the built-in templates by name)."""
    attachments: tuple[Path, ...] = ()
    """Profile files to attach to an archival PDF (PDF/A-3b)."""


@dataclass
class Passed(Generic[K]):
    """What a pass together (``Together.run``) gave: each file it changed, and why not all."""

    files: dict[K, bytes] = field(default_factory=dict)
    """The new bytes of each file it changed (the others stay as they were built)."""
    failure: str = ""
    """The note for the user when its engine failed or took too long, with what it said
    (the files it left stay as they were built)."""


class Together(Protocol):
    """A pass over all of one run's files of a format at once, after they are built
    (``Renderer.together``): builds it applies to leave its part undone (the format's
    ``deferred`` options off) and it does that part for them all, in one go."""

    @property
    def chunk(self) -> int:
        """The most files one ``run`` is given by a batch, which records each run's files
        before the next."""

    def applies(self, context: RenderContext) -> bool:
        """Whether builds with ``context`` (the options as asked) leave it work now."""

    def waits(self, data: bytes) -> bool:
        """Whether a file built with the ``deferred`` options off awaits it."""

    def run(self, files: Mapping[K, bytes]) -> Passed[K]:
        """Do its part for all of ``files`` (by any key) at once."""
