"""What the live preview shows, apart from the web: a project's documents, their builds,
and which of them a changed file touches.

manifest (or a folder of profiles) -> pages (one per target, named by its file name)
-> build_target in one format -> bytes, or the problem lines -> after a save: the pages
whose recorded inputs now hold something else

Everything here blocks; the server surveys on a thread of its own, builds in worker
processes (``builds``) and keeps the results. The build state that names targets
without parsing YAML lives in the server's cache folder, never in the project's output
folder.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from reportgen.audience import Audience
from reportgen.context import BuildContext
from reportgen.errors import InvalidInput, ReportgenError, display_path
from reportgen.models.manifest import MANIFEST_NAME
from reportgen.pipeline import Input
from reportgen.project import LISTING_PREFIX, Project, forget, listing_digest
from reportgen.registry import KINDS, RENDERERS
from reportgen.state import BuildState
from reportgen.step import guarded
from reportgen.targets import Output, Target, output_name, plan_folder
from reportgen.workspace import Options, Workspace

log = logging.getLogger("reportgen")

PREVIEW = "html"
"""The format of the live preview; a page can be had in every other format of
``registry.RENDERERS`` too, as a file built on demand."""

_GLOB = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Page:
    """One document of the preview: a planned target, named by its output file name
    without the extension (``dalian-to-kitakyushu-2027-05.briefing.en``)."""

    key: str
    target: Target
    """What it is made from (its files are named when it is built, in one format)."""
    jobs: tuple[str, ...]
    """The manifest jobs that ask for it (without a manifest: the document's name)."""

    @property
    def source(self) -> Path:
        return self.target.source

    @property
    def document(self) -> str:
        return self.target.document

    @property
    def lang(self) -> str:
        return self.target.lang

    @property
    def audience(self) -> Audience:
        return self.target.audience

    @property
    def as_of(self) -> dt.date | None:
        return self.target.as_of

    def built_as(self, fmt: str, folder: Path) -> Target:
        """The target that builds this page in ``fmt`` (its file named in ``folder``,
        though ``build_target`` writes nothing)."""
        output = Output(fmt, folder / f"{self.key}.{RENDERERS[fmt].suffix}")
        return replace(self.target, outputs=(output,), job=self.jobs[0] if self.jobs else "")

    @property
    def what(self) -> tuple[Path, str, str, str, dt.date | None]:
        """What the page's bytes are made from (not which jobs list it)."""
        return (self.source.resolve(), self.document, self.lang, self.audience, self.as_of)


@dataclass(frozen=True)
class Survey:
    """What the index shows: every page by job, and every problem of the project."""

    pages: tuple[Page, ...] = ()
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """``(job, keys)`` in the manifest's order."""
    invalid: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """``(file, problem lines)`` for each profile that does not validate."""
    problems: tuple[str, ...] = ()
    """Problems of the manifest and its jobs."""
    refused: tuple[str, ...] = ()
    """Sources that lead outside the project and its profiles folder (a link out of
    them): not served."""

    def page(self, key: str) -> Page | None:
        return next((page for page in self.pages if page.key == key), None)


@dataclass(frozen=True)
class Result:
    """One build of a page in one format: its bytes, or the lines that say why not."""

    data: bytes | None
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    inputs: tuple[Input, ...] | None = None
    """What the build read (None when it failed: then any change may fix it)."""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.data is not None


class Site:
    """A project as the preview sees it. Not thread-safe: the server calls ``survey``
    and ``refresh`` on one thread; builds run in worker processes (``build_page``)."""

    def __init__(
        self,
        path: Path | None,
        options: Options,
        cache: Path,
        *,
        profiles: Path | None = None,
    ) -> None:
        self.path = path
        self.options = options
        self.cache = cache
        self.profiles = profiles
        self.context = BuildContext.of_project(path, options, profiles=profiles)
        self.manifest_problems: tuple[str, ...] = ()
        self._state: BuildState | None = None
        self._known: dict[Path, tuple[str | None, str | None]] = {}
        """Each source's last readable ``(kind, id)``, so that a page keeps its name while
        its file is broken."""

    @property
    def workspace(self) -> Workspace:
        return self.context.workspace

    @property
    def state(self) -> BuildState:
        """The id cache of the planner, opened by the thread that uses it (SQLite)."""
        if self._state is None:
            self._state = BuildState.open(self.cache)
        return self._state

    def close(self) -> None:
        if self._state is not None:
            self._state.close()
            self._state = None

    # --- what to watch ----------------------------------------------------------------------

    def watched(self) -> tuple[tuple[Path, ...], tuple[str, ...]]:
        """The folders whose files are inputs (watched with everything in them), and the
        names in the project's own folder whose appearance or change affects everything."""
        ws = self.workspace
        folders: list[Path] = [f for f in (ws.profiles, ws.templates, ws.locales) if f is not None]
        for job in ws.manifest.jobs:
            for pattern in job.sources:
                folders.append(_base(ws.root, pattern))
        found: list[Path] = []
        for folder in sorted({f.resolve() for f in folders if f.is_dir()}, key=lambda f: f.parts):
            if not any(folder.is_relative_to(other) for other in found):
                found.append(folder)
        names = {MANIFEST_NAME, "templates", "locales"}
        for source in [ws.profiles, *folders]:
            inside = _relative(source, ws.root) if source is not None else None
            if inside is not None and inside.parts:
                names.add(inside.parts[0])
        return tuple(found), tuple(sorted(names))

    def is_global(self, path: Path) -> bool:
        """Whether a change to ``path`` touches every document: the manifest, a template,
        the stylesheet, a catalog, or one of their folders appearing."""
        ws = self.workspace
        resolved = path.resolve()
        root = ws.root.resolve()
        if ws.manifest_path is not None and resolved == ws.manifest_path.resolve():
            return True
        for folder in (ws.templates, ws.locales):
            if folder is not None and resolved.is_relative_to(folder.resolve()):
                return True
        return resolved.parent == root and resolved.name in (MANIFEST_NAME, "templates", "locales")

    # --- pages --------------------------------------------------------------------------------

    def survey(self) -> Survey:
        """Every page of the project, grouped by job, and what does not validate."""
        from reportgen.batching.lock import BatchError
        from reportgen.batching.plan import plan_in

        ws = self.workspace
        project = ws.project()
        problems = list(self.manifest_problems)
        if ws.manifest_path is not None:
            try:
                planned = plan_in(self.context, self.state)
            except (BatchError, ReportgenError) as exc:
                problems.append(str(exc))
                targets: list[Target] = []
            else:
                targets = planned.targets
                problems += [str(issue) for _, issue in planned.problems]
        else:
            targets = plan_folder(self.context, lambda path: self._remembered(path, project)[0])
        pages: dict[str, Page] = {}
        groups: dict[str, list[str]] = {}
        refused: list[str] = []
        inside = [folder.resolve() for folder in (ws.root, ws.profiles) if folder is not None]
        for target in targets:
            if not any(target.source.resolve().is_relative_to(f) for f in inside):
                refused.append(_shown(target.source, ws.root))
                continue
            ident = self._ident(target.source, project)
            name = output_name(
                ident, target.document, target.lang, "html", target.audience, target.as_of
            )
            key = name.removesuffix(".html")
            job = target.job or target.document
            page = pages.get(key)
            if page is None:
                pages[key] = Page(key, replace(target, outputs=(), job=""), (job,))
            elif page.source.resolve() != target.source.resolve():
                problems.append(
                    f"{display_path(target.source)}: {key} is also made from "
                    f"{display_path(page.source)}: only that one is shown"
                )
                continue
            elif job not in page.jobs:
                pages[key] = replace(page, jobs=(*page.jobs, job))
            keys = groups.setdefault(job, [])
            if key not in keys:
                keys.append(key)
        return Survey(
            pages=tuple(pages.values()),
            groups=tuple((job, tuple(keys)) for job, keys in groups.items()),
            invalid=self._invalid(targets),
            problems=tuple(dict.fromkeys(problems)),
            refused=tuple(dict.fromkeys(refused)),
        )

    def _remembered(self, path: Path, project: Project) -> tuple[str | None, str | None]:
        """The file's kind and id now, else as last read (while it is broken)."""
        from reportgen.models.types import ID_PATTERN

        entry = project.add(path)
        kind = entry.kind if entry.kind in KINDS else None
        ident = entry.id if entry.id is not None and re.fullmatch(ID_PATTERN, entry.id) else None
        before = self._known.get(path.resolve(), (None, None))
        now = (kind or before[0], ident or before[1])
        self._known[path.resolve()] = now
        return now

    def _ident(self, source: Path, project: Project) -> str:
        return self._remembered(source, project)[1] or source.stem

    def _invalid(self, targets: Iterable[Target]) -> tuple[tuple[str, tuple[str, ...]], ...]:
        from reportgen.validation import validate

        ws = self.workspace
        paths: list[Path] = []
        if ws.profiles is not None:
            paths.append(ws.profiles)
        inside = ws.profiles.resolve() if ws.profiles is not None else None
        for target in targets:
            if inside is None or not target.source.resolve().is_relative_to(inside):
                paths.append(target.source)
        report = validate(list(dict.fromkeys(paths)), ws)
        files: dict[str, list[str]] = {}
        for issue in report.errors:
            files.setdefault(issue.file, []).append(str(issue))
        return tuple((name, tuple(lines)) for name, lines in files.items())

    # --- after a save -----------------------------------------------------------------------------

    def refresh(
        self, changed: set[Path], pages: Mapping[str, tuple[Input, ...] | None]
    ) -> tuple[Survey, set[str]]:
        """After files changed: the project surveyed again, and the keys of the ``pages``
        (their recorded inputs) that must be built again."""
        forget(changed)
        if any(self.is_global(path) for path in changed):
            self.reload()
            return self.survey(), set(pages)
        survey = self.survey()
        return survey, self.affected(pages, {str(path.resolve()) for path in changed})

    def reload(self) -> None:
        """Templates, catalogs or the manifest changed: resolve the project again, and
        forget the compiled templates and stylesheet. A broken manifest keeps the last
        good one, and its problems are shown."""
        from reportgen.errors import UsageError
        from reportgen.renderers.html import stylesheet
        from reportgen.templating import environment

        environment.cache_clear()
        stylesheet.cache_clear()
        try:
            self.context = BuildContext.of_project(self.path, self.options, profiles=self.profiles)
        except InvalidInput as exc:
            self.manifest_problems = tuple(str(issue) for issue in exc.report.errors)
        except UsageError as exc:
            self.manifest_problems = (str(exc),)
        else:
            self.manifest_problems = ()

    def affected(
        self, pages: Mapping[str, tuple[Input, ...] | None], changed: set[str]
    ) -> set[str]:
        """The pages that read something that now holds another value: a field of a
        changed profile they printed, a changed picture, a folder that gained or lost a
        profile. Pages whose last build failed count as affected by any change."""
        from reportgen.batching.freshness import Freshness

        freshness = Freshness(self.state, "", self.options, self.workspace.today, force=False)
        listings: dict[str, str] = {}

        def now(item: Input) -> str | None:
            if item.path.startswith(LISTING_PREFIX):
                if item.path not in listings:
                    folder = Path(item.path.removeprefix(LISTING_PREFIX))
                    listings[item.path] = listing_digest(folder)
                return listings[item.path]
            return freshness.digest(item.path, item.fields)

        found = set()
        for key, inputs in pages.items():
            if inputs is None or any(
                (item.path in changed or item.path.startswith(LISTING_PREFIX))
                and now(item) != item.digest
                for item in inputs
            ):
                found.add(key)
        return found


def build_page(context: BuildContext, page: Page, fmt: str, cache: Path) -> Result:
    """The page in one format, under the limits of ``context.options`` (the guarded
    build step); bad input gives the problem lines, never an exception."""

    def bug(exc: Exception) -> None:  # a bug in one build must not stop the server
        log.exception("building %s (%s) failed", page.key, fmt)

    outcome = guarded(context, page.built_as(fmt, cache), bug=bug)
    built = outcome.built
    if not outcome.ok or built is None:
        report = outcome.report
        lines = (outcome.error,) if report is None else tuple(str(i) for i in report)
        return Result(None, errors=lines, seconds=outcome.seconds)
    warnings = tuple(str(issue) for issue in built.record.warnings)
    return Result(
        built.outputs[0][1],
        warnings=warnings,
        inputs=built.record.inputs,
        seconds=outcome.seconds,
    )


def _base(root: Path, pattern: str) -> Path:
    """The folder a source pattern looks in: its parts before the first wildcard."""
    parts = Path(pattern).parts
    fixed = []
    for part in parts:
        if _GLOB.search(part):
            break
        fixed.append(part)
    else:
        fixed = fixed[:-1]  # no wildcard: the file's own folder
    return root.joinpath(*fixed) if fixed else root


def _shown(path: Path, root: Path) -> str:
    """A source as the manifest names it (not where a link in it leads)."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _relative(path: Path, root: Path) -> Path | None:
    try:
        return path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
