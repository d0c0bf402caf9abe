"""The workspace of one run, resolved once at the boundary, and the options of every command.

A ``Workspace`` says where everything is (the project's root, its manifest, profiles,
templates, catalogs and output folder) and when "now" is (``SOURCE_DATE_EPOCH`` or
today) and how old a fact may be. ``Options`` is what the user asked for; every
command and the Python API take the same object, so no option can be lost between
``build``, ``batch`` and the schedules.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from reportgen.audience import Audience, is_public
from reportgen.errors import InvalidInput, UsageError
from reportgen.limits import DEFAULT_MEMORY_MB, DEFAULT_STALE_MONTHS, DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from reportgen.checks import Staleness
    from reportgen.models import Manifest
    from reportgen.project import Project

Paper = Literal["a4", "letter"]
PdfVariant = Literal["pdf/a-3b", "pdf/ua-1", "none"]
PAPERS: tuple[Paper, ...] = ("a4", "letter")
PDF_VARIANTS: tuple[PdfVariant, ...] = ("pdf/a-3b", "pdf/ua-1", "none")
__all__ = ["Clock", "Options", "Workspace", "find_manifest"]


@dataclass(frozen=True)
class Options:
    """What the user asked for, shared by ``build``, ``batch``, the schedules and the API.

    ``formats``, ``languages`` and ``audience`` are what ``build`` makes; a batch takes
    them from its manifest's jobs instead. Everything else applies to both.
    """

    strict: bool = False
    """Warnings fail: a stale fact or a missing translation is an error."""
    stale_after: int = DEFAULT_STALE_MONTHS
    """Facts older than this many months are flagged."""
    audience: Audience = "internal"
    languages: tuple[str, ...] = ("en",)
    formats: tuple[str, ...] = ("pdf",)
    paper: Paper = "a4"
    pdf_variant: PdfVariant | None = None
    """``none`` for a plain PDF; when not given, a public edition is accessible (PDF/UA-1)."""
    reference_docx: Path | None = None
    """A Word file whose styles the DOCX uses."""
    page_numbers: bool = True
    """Word contents print the page of each entry, laid out by LibreOffice when installed."""
    embed_fonts: bool = True
    """Word files carry the subsets of the Noto fonts they use."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds one document may take."""
    memory_mb: int = DEFAULT_MEMORY_MB
    """Address space one build (or batch worker) may use."""
    as_of: dt.date | None = None
    """Write the documents as of this day, with only what was known by then (a batch
    job's own ``as_of:`` may be earlier); None: today."""
    allow_untranslated: bool = False
    """Build an edition that has texts in no form of its language: each such text is
    printed in the language it falls back to, marked, and the cover says "partial
    translation". Without it, such an edition is not built (one error per text)."""

    def variant_for(self, audience: str) -> str | None:
        """The PDF variant of an edition for ``audience`` (None: a plain PDF)."""
        if self.pdf_variant is None:
            return "pdf/ua-1" if is_public(audience) else None
        return None if self.pdf_variant == "none" else self.pdf_variant


@dataclass(frozen=True)
class Clock:
    """ "Now" for one run: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else today."""

    today: dt.date
    epoch: int | None = None
    """``SOURCE_DATE_EPOCH``, the date every document of the run carries, when set."""

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, zone: str | None = None
    ) -> Clock:
        """Read ``SOURCE_DATE_EPOCH``; a value that is no usable time is a usage error.

        Today is the day in ``zone`` (the manifest's time zone) when one is given, else
        in the machine's (``SOURCE_DATE_EPOCH``: in UTC).
        """
        from zoneinfo import ZoneInfo

        where = ZoneInfo(zone) if zone else None
        value = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH", "")
        if not value:
            return cls(dt.datetime.now(where).date())
        if not value.isdigit():
            raise UsageError(f"SOURCE_DATE_EPOCH={value[:40]} is not a number of seconds")
        try:
            moment = dt.datetime.fromtimestamp(int(value), where or dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise UsageError(f"SOURCE_DATE_EPOCH={value[:40]} is not a usable time") from None
        return cls(moment.date(), int(value))

    def until(self, day: dt.date | None) -> Clock:
        """This clock stopped at ``day`` (``--as-of``); a day to come is a usage error."""
        if day is None or day == self.today:
            return self
        if day > self.today:
            raise UsageError(
                f"--as-of {day.isoformat()}: that day has not come yet (today is "
                f"{self.today.isoformat()}); a document is written as of today or a past day"
            )
        return dataclasses.replace(self, today=day)

    def created(self, inputs: list[Path]) -> dt.datetime:
        """The date a document carries: the epoch, else the newest of its input files."""
        if self.epoch is not None:
            return dt.datetime.fromtimestamp(self.epoch, dt.UTC)
        stamps = []
        for path in inputs:
            try:
                stamps.append(int(path.stat().st_mtime))
            except OSError:
                continue
        return dt.datetime.fromtimestamp(max(stamps, default=0), dt.UTC)


@dataclass(frozen=True)
class Workspace:
    """Where a run's files are, and its clock: resolved once, then passed everywhere."""

    root: Path
    """The project folder: the manifest's folder, else where the search started."""
    manifest_path: Path | None
    manifest: Manifest = field(repr=False)
    """The manifest (an empty one when the project has none)."""
    profiles: Path | None
    """Where ids are looked up."""
    templates: Path | None
    """The project's ``templates/`` folder, when it has one."""
    locales: Path | None
    """The project's ``locales/`` folder (catalogs that extend the shipped ones)."""
    output: Path
    clock: Clock
    staleness: Staleness

    @property
    def today(self) -> dt.date:
        return self.clock.today

    def project(self) -> Project:
        """A fresh index of the workspace's profiles, with its home city and its root."""
        from reportgen.project import Project

        return Project(
            self.profiles, home=self.manifest.home, root=self.root, office=self.manifest.office
        )

    @classmethod
    def resolve(
        cls,
        start: Path | None = None,
        *,
        manifest: Path | None = None,
        profiles: Path | None = None,
        options: Options | None = None,
        clock: Clock | None = None,
        require_manifest: bool = False,
    ) -> Workspace:
        """The workspace of the path the user gave.

        The manifest is ``manifest`` (a file, or a folder holding one), else the nearest
        ``reportgen.yaml`` from ``start`` (a file's own folder) upwards, else from the
        working directory upwards. ``profiles`` (``--profiles``) overrides the
        manifest's folder; without a manifest ids are looked up in ``./profiles``, else
        beside ``start``.
        """
        from reportgen.manifest_checks import load_manifest
        from reportgen.models import Manifest

        options = options or Options()
        manifest_path = _manifest_path(manifest, start, required=require_manifest)
        if manifest_path is not None:
            loaded = load_manifest(manifest_path, strict=require_manifest)
            root = manifest_path.parent
        else:
            loaded = Manifest()
            root = Path.cwd()
        when = _when(clock or Clock.from_environment(zone=loaded.timezone), options)
        if profiles is not None:
            folder: Path | None = profiles
        elif manifest_path is not None:
            folder = root / loaded.profiles
        elif Path("profiles").is_dir():
            folder = Path("profiles")
        elif start is not None:
            folder = start if start.is_dir() else start.parent
        else:
            folder = None
        from reportgen.errors import Report
        from reportgen.manifest_checks import templates_issue

        problem = templates_issue(root, loaded if manifest_path is not None else None)
        if problem is not None:
            raise InvalidInput(Report([problem]))
        return cls(
            root=root,
            manifest_path=manifest_path,
            manifest=loaded,
            profiles=folder,
            templates=_folder(root / "templates"),
            locales=_folder(root / "locales"),
            output=root / loaded.output,
            **when,
        )

    @classmethod
    def of_folder(
        cls,
        folder: Path,
        *,
        profiles: Path | None = None,
        options: Options | None = None,
        clock: Clock | None = None,
    ) -> Workspace:
        """The workspace of a folder of profiles with no manifest (``reportgen serve
        FOLDER``): its ``profiles/`` folder when it has one, else the folder itself."""
        from reportgen.models import Manifest

        own = folder / "profiles"
        return cls(
            root=folder.resolve(),
            manifest_path=None,
            manifest=Manifest(),
            profiles=profiles or (own if own.is_dir() else folder),
            templates=_folder(folder / "templates"),
            locales=_folder(folder / "locales"),
            output=folder / "output",
            **_when(clock or Clock.from_environment(), options or Options()),
        )


def _when(clock: Clock, options: Options) -> dict[str, Any]:
    """The clock and staleness of a workspace: ``--as-of`` stops the clock, and
    ``--stale-after`` becomes the ``Staleness`` every check and document is judged by."""
    from reportgen.checks import Staleness

    stopped = clock.until(options.as_of)
    return {"clock": stopped, "staleness": Staleness(stopped.today, options.stale_after)}


def _folder(path: Path) -> Path | None:
    return path if path.is_dir() else None


def find_manifest(start: Path | None = None) -> Path | None:
    """The nearest ``reportgen.yaml`` in ``start`` (default: the current folder) or above."""
    from reportgen.models.manifest import MANIFEST_NAME

    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / MANIFEST_NAME
        if candidate.is_file():
            return candidate
    return None


def _manifest_path(named: Path | None, start: Path | None, *, required: bool) -> Path | None:
    from reportgen.models.manifest import MANIFEST_NAME

    if named is not None:
        found = named / MANIFEST_NAME if named.is_dir() else named
        if not found.is_file():
            raise UsageError(f"{found}: no such manifest")
        return found.resolve()
    if start is not None:
        begin = start if start.is_dir() else start.parent
        found_near = find_manifest(begin)
        if found_near is not None:
            return found_near
    found_here = find_manifest()
    if found_here is None and required:
        raise UsageError("no reportgen.yaml here or in any folder above; name the manifest")
    return found_here
