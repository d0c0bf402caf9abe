"""How much of each language is translated: texts, translated, missing, per file.

``validate --strict`` fails on any fallback; this shows the size of the job. A text
counts as translated in a language when a build finds it there (in the language
itself or a parent: ``zh`` serves ``zh-Hans``), as the fallback warnings count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.errors import Report
from reportgen.workspace import Workspace


@dataclass(frozen=True)
class Coverage:
    """One language in one file."""

    lang: str
    file: str
    texts: int
    translated: int

    @property
    def missing(self) -> int:
        return self.texts - self.translated

    @property
    def percent(self) -> float:
        return round(100 * self.translated / self.texts, 1) if self.texts else 100.0

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "texts": self.texts,
            "translated": self.translated,
            "missing": self.missing,
            "percent": self.percent,
        }


def status(
    workspace: Workspace,
    paths: Sequence[Path],
    languages: Sequence[str] = (),
    *,
    documents: bool = False,
) -> tuple[list[Coverage], Report]:
    """Coverage of each language (default: the manifest's and the texts' own) per file."""
    from reportgen.texts import languages_of
    from reportgen.translations import scope

    covered, project = scope.resolve(workspace, paths, documents=documents)
    chosen = list(dict.fromkeys(languages))
    if not chosen:
        found = set(workspace.manifest.defaults.languages)
        for job in workspace.manifest.jobs:
            found.update(job.languages or ())
        for path in covered.files:
            entry = project.add(path)
            if entry.profile is not None:
                found |= languages_of(entry.profile)
        chosen = sorted(found, key=lambda tag: (tag != "en", tag))
    rows: list[Coverage] = []
    report = Report()
    for lang in chosen:
        units, problems = scope.collect(workspace, covered, project, lang)
        report.extend(problems.issues)
        counts: dict[str, list[int]] = {}
        for path in sorted(covered.files):
            file = _file(workspace, path)
            if file is not None:
                counts.setdefault(file, [0, 0])
        for unit in units:
            count = counts.setdefault(unit.file, [0, 0])
            count[0] += 1
            count[1] += unit.translated
        rows.extend(Coverage(lang, file, n, done) for file, (n, done) in counts.items())
    return rows, report


def _file(workspace: Workspace, path: Path) -> str | None:
    from reportgen.translations.units import project_file

    return project_file(path, workspace.root)


def as_json(rows: Sequence[Coverage]) -> list[dict[str, Any]]:
    """Per language: its totals and its files."""
    out: list[dict[str, Any]] = []
    for lang in dict.fromkeys(row.lang for row in rows):
        mine = [row for row in rows if row.lang == lang]
        total = Coverage(lang, "", sum(r.texts for r in mine), sum(r.translated for r in mine))
        entry = {"language": lang, **total.as_json()}
        del entry["file"]
        entry["files"] = [row.as_json() for row in mine]
        out.append(entry)
    return out
