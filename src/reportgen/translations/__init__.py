"""The translators' round trip: texts out as XLIFF or PO, translations back into the YAML.

profiles -> units (every translatable text, its place and field description; scope.py
picks whole files or what documents print) -> XLIFF 1.2 (xliff.py) or PO (po.py) ->
a CAT tool -> import (importer.py: checked, then written with yamledit.py, all or
nothing per file) -> the profiles, comments and layout kept. ``status.py`` counts
what each language lacks; ``catalogs.py`` starts a project catalog of fixed strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.errors import Report
from reportgen.translations.units import Unit
from reportgen.workspace import Workspace

FORMATS = ("xliff", "po")
SUFFIXES = {"xliff": "xlf", "po": "po"}


@dataclass
class Export:
    """What an export holds: its bytes, its units, and the problems found on the way."""

    data: bytes
    units: list[Unit] = field(default_factory=list)
    report: Report = field(default_factory=Report)

    @property
    def files(self) -> int:
        return len({unit.file for unit in self.units})


def export(
    workspace: Workspace,
    paths: Sequence[Path],
    lang: str,
    *,
    fmt: str = "xliff",
    everything: bool = False,
    documents: bool = False,
) -> Export:
    """The texts of ``paths`` that have no ``lang`` form yet (``everything``: all of them).

    Nothing is exported when a profile in scope has errors: they are in the report.
    """
    from reportgen.translations import po, scope, xliff

    covered, project = scope.resolve(workspace, paths, documents=documents)
    found, report = scope.collect(workspace, covered, project, lang)
    chosen = [
        unit for unit in found if unit.source_lang != lang and (everything or not unit.translated)
    ]
    if report.errors:
        return Export(b"", [], report)
    data = po.write(chosen, lang, moment(workspace)) if fmt == "po" else xliff.write(chosen, lang)
    return Export(data, chosen, report)


def moment(workspace: Workspace) -> dt.datetime:
    """The time a file made now carries: ``SOURCE_DATE_EPOCH`` when set."""
    if workspace.clock.epoch is not None:
        return dt.datetime.fromtimestamp(workspace.clock.epoch, dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def default_output(workspace: Workspace, lang: str, fmt: str) -> Path:
    """``translations/<lang>.xlf`` (or ``.po``) in the project folder."""
    return workspace.root / "translations" / f"{lang}.{SUFFIXES[fmt]}"


__all__ = ["FORMATS", "Export", "default_output", "export"]
