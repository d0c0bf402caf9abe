"""What a Dask worker does for a batch: it lays out the project once, then builds targets.

The coordinator sends a ``Shipment`` once per batch: a snapshot of the files builds read
(by their absolute paths on the coordinator) and what every build shares (workspace,
options, the coordinator's current folder, the build identity it runs). A worker writes
the snapshot into its scratch folder once, updating only the files that changed since
the last batch from the same project, refusing any name that would leave that folder,
and builds each target there; it answers with plain data (``answer``): the bytes and a
record whose paths (inputs, problems) are the coordinator's again, so freshness and
every message read as after a local build. The coordinator removes the snapshot when
the batch ends, unless it is kept warm for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.metadata
import os
import re
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from distributed import get_worker

from reportgen.batching import answer
from reportgen.batching.freshness import tools
from reportgen.context import BuildContext
from reportgen.errors import InvalidInput, Issue, Report
from reportgen.limits import Overrun
from reportgen.pipeline import Built, Input, Record
from reportgen.project import LISTING_PREFIX, Project
from reportgen.registry import format_options
from reportgen.step import Outcome, guarded
from reportgen.targets import Target
from reportgen.workspace import Options, Workspace

Versions = tuple[tuple[str, str], ...]

_LOCK = threading.Lock()


def versions() -> Versions:
    """reportgen's version and build, and the versions of the libraries that shape its
    output (those that freshness counts)."""
    from reportgen import _version  # read now: a worker may have been changed since import

    found = [("reportgen", _version.__version__), ("reportgen build", build_identity())]
    for name in tools():
        try:
            found.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            found.append((name, "none"))
    return tuple(found)


_IDENTITY: dict[str, tuple[tuple[tuple[str, int, int], ...], str]] = {}
"""The build identity of the installed package, with the file stamps it was read at."""


def absolute(path: Path) -> Path:
    """``path`` made absolute and normalised, its symbolic links kept (they travel as such)."""
    return Path(os.path.abspath(path))  # noqa: PTH100 - Path.resolve would follow the links


def build_identity() -> str:
    """A digest of the installed reportgen's files (code, templates, catalogs, fonts):
    two builds of different code differ in it even under one version number."""
    package = Path(__file__).resolve().parent.parent  # the reportgen package
    files = sorted(
        path
        for path in package.rglob("*")
        if "__pycache__" not in path.parts and path.suffix != ".pyc" and path.is_file()
    )
    stamps = []
    for path in files:
        info = path.stat()
        stamps.append((path.relative_to(package).as_posix(), info.st_size, info.st_mtime_ns))
    key = tuple(stamps)
    with _LOCK:
        known = _IDENTITY.get(str(package))
        if known is not None and known[0] == key:
            return known[1]
    digest = hashlib.sha256()
    for (name, _, _), path in zip(stamps, files, strict=True):
        digest.update(f"{name}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    found = digest.hexdigest()[:16]
    with _LOCK:
        _IDENTITY[str(package)] = (key, found)
    return found


@dataclass(frozen=True)
class File:
    """One file of a snapshot: its bytes, or a symbolic link's target."""

    sha: str
    size: int
    mtime_ns: int
    """Kept: a document's date is the newest of its input files (without
    ``SOURCE_DATE_EPOCH``)."""
    link: str | None = None
    data: bytes | None = field(default=None, compare=False, repr=False)
    """None for a link, and for a file larger than any input may be: it is laid out as
    an empty file of the same size, which the build refuses with the same message."""


@dataclass(frozen=True)
class Snapshot:
    """The files of a project that builds read, by absolute path on the coordinator."""

    digest: str
    origin: str
    """The coordinator's machine and project, so that a worker keeps one folder for it."""
    files: dict[str, File]
    folders: tuple[str, ...]


@dataclass(frozen=True)
class Shipment:
    """Everything the builds of one batch share, sent to each worker once."""

    snapshot: Snapshot
    workspace: Workspace
    options: Options
    cwd: str
    """The coordinator's current folder: problems name files relative to it."""
    versions: Versions
    batch: str = ""
    """The batch's id: once the batch has ended on a worker, a build of it that starts late
    (cancelled, but already on its way) lays nothing out there."""


async def warm_up(css: str, entries: Sequence[str]) -> None:
    """Load the engines of the batch's formats (``Renderer.warm_up``: WeasyPrint, the
    fonts) and its stylesheet in this worker process (run on each worker once per
    batch; nothing stays registered on the scheduler)."""
    await asyncio.to_thread(_warm, css, entries)


def _warm(css: str, entries: Sequence[str]) -> None:
    from reportgen.registry import load

    for entry in entries:
        with contextlib.suppress(Exception):  # the first document reports the real problem
            load(entry)(css)


# --- laying out the snapshot --------------------------------------------------------------

_PLACED: dict[Path, tuple[str, dict[str, File]]] = {}
"""Folders laid out in this worker process: the digest and files each holds."""


class Unsafe(ValueError):
    """A snapshot that names a place outside its folder: the worker lays none of it out."""


def snapshot_folder(base: Path, origin: str) -> Path:
    """Where the snapshot of ``origin`` (a coordinator's project) is laid out."""
    if not re.fullmatch(r"[0-9a-f]{16}", origin):
        raise Unsafe(f"the snapshot's origin {origin[:40]!r} is not a folder name")
    return base.resolve() / "reportgen" / origin


def _inside(folder: Path, name: str) -> Path:
    """The place of the snapshot file ``name`` in ``folder``; ``Unsafe`` when it would be
    elsewhere (``..``, a relative name, or a folder that is a link out)."""
    parts = PurePosixPath(name).parts
    if not name.startswith("/") or "\0" in name or ".." in parts or len(parts) < 2:
        raise Unsafe(f"the snapshot names the file {name[:200]!r}: refused")
    path = folder.joinpath(*parts[1:])
    if not path.parent.resolve().is_relative_to(folder):
        raise Unsafe(f"the snapshot's file {name[:200]!r} leads out of its folder: refused")
    return path


_ENDED: set[str] = set()
"""The batches whose snapshot this worker has removed (``remove_snapshot``)."""


class Ended(Exception):
    """The batch of a build ended before the build started: nothing is laid out."""


def place(snapshot: Snapshot, base: Path, batch: str = "") -> Path:
    """Lay ``snapshot`` out under ``base`` (once per digest); returns its folder.

    A later snapshot of the same project rewrites only the files that changed, so the
    profiles a worker has read stay cached. Names are checked before anything is
    written: one that would leave the folder refuses the whole snapshot (``Unsafe``).
    """
    folder = snapshot_folder(base, snapshot.origin)
    for name in (*snapshot.files, *snapshot.folders):
        _inside(folder, name)
    with _LOCK:
        if batch and batch in _ENDED:
            raise Ended(batch)
        digest, placed = _PLACED.get(folder, ("", {}))
        if digest == snapshot.digest:
            return folder
        _PLACED.pop(folder, None)
        for name, old in placed.items():
            if snapshot.files.get(name) != old:
                _remove(_inside(folder, name))
        for name in snapshot.folders:
            _inside(folder, name).mkdir(parents=True, exist_ok=True)
        for name, file in snapshot.files.items():
            if placed.get(name) != file:
                _write(_inside(folder, name), file)
        _PLACED[folder] = (snapshot.digest, dict(snapshot.files))
    return folder


def remove_snapshot(origin: str, batch: str = "", dask_worker: Any = None) -> bool:
    """Remove the snapshot of ``origin`` from this worker (run on each worker as ``batch``
    ends; a build of it that starts later lays nothing out); True when there was one."""
    worker = dask_worker or get_worker()
    folder = snapshot_folder(Path(worker.local_directory), origin)
    with _LOCK:
        if batch:
            _ENDED.add(batch)
        _PLACED.pop(folder, None)
        _PROJECTS.pop(folder, None)
        for root in [key for key in _PROJECTS if key.is_relative_to(folder)]:
            _PROJECTS.pop(root, None)
        found = folder.exists()
        shutil.rmtree(folder, ignore_errors=True)
    return found


_PROJECTS: dict[Path, tuple[str, Project]] = {}
"""The profiles of each laid-out folder, read once per snapshot for all its targets."""


def project_of(workspace: Workspace, digest: str) -> Project:
    """The profiles of a laid-out workspace, read once per snapshot."""
    folder = workspace.root
    with _LOCK:
        known, found = _PROJECTS.get(folder, ("", None))
        if found is None or known != digest:
            found = workspace.project()
            _PROJECTS[folder] = (digest, found)
        return found


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        shutil.rmtree(path, ignore_errors=True)


def _write(path: Path, file: File) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove(path)
    if file.link is not None:
        path.symlink_to(file.link)
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    with temporary.open("wb") as handle:
        if file.data is None:
            handle.truncate(file.size)
        else:
            handle.write(file.data)
    os.utime(temporary, ns=(file.mtime_ns, file.mtime_ns))
    temporary.replace(path)


# --- the coordinator's paths and the worker's ---------------------------------------------


@dataclass(frozen=True)
class View:
    """Maps between the coordinator's paths and the worker's copy of them."""

    folder: Path
    """Where the snapshot is laid out (resolved)."""
    cwd: Path
    """The coordinator's current folder."""

    def here(self, path: Path) -> Path:
        """The worker's copy of a coordinator path."""
        return self.folder / str(absolute(path)).lstrip("/")

    def there(self, path: str) -> str | None:
        """The coordinator path of a worker path (None when it is not in the snapshot)."""
        full = Path.cwd() / path  # a path relative to the worker's folder, as printed
        try:
            inside = full.relative_to(self.folder)
        except ValueError:
            return None
        return "/" + inside.as_posix()

    def shown(self, path: str) -> str:
        """A worker path as the coordinator prints it: relative to its current folder."""
        found = self.there(path)
        if found is None:
            return path
        try:
            return str(Path(found).relative_to(self.cwd))
        except ValueError:
            return found

    def text(self, message: str) -> str:
        """A message with every worker path in it written as the coordinator's."""
        prefixes = [str(self.folder)]
        with contextlib.suppress(ValueError):
            prefixes.append(str(self.folder.relative_to(Path.cwd())))
        for prefix in prefixes:
            pattern = re.escape(prefix) + r"/[^\s:'\",;)]*"
            message = re.sub(pattern, lambda m: self.shown(m.group()), message)
        return message

    def issue(self, issue: Issue) -> Issue:
        return replace(issue, file=self.shown(issue.file), message=self.text(issue.message))

    def report(self, report: Report) -> Report:
        return Report([self.issue(issue) for issue in report.issues])

    def input(self, item: Input) -> Input:
        listing = item.path.startswith(LISTING_PREFIX)
        path = item.path.removeprefix(LISTING_PREFIX) if listing else item.path
        found = self.there(path) or path
        return replace(item, path=f"{LISTING_PREFIX}{found}" if listing else found)

    def workspace(self, workspace: Workspace) -> Workspace:
        def moved(path: Path | None) -> Path | None:
            return None if path is None else self.here(path)

        return replace(
            workspace,
            root=self.here(workspace.root),
            manifest_path=moved(workspace.manifest_path),
            profiles=moved(workspace.profiles),
            templates=moved(workspace.templates),
            locales=moved(workspace.locales),
        )


# --- one task -----------------------------------------------------------------------------


def build(target: Target, shipment: Shipment) -> bytes:
    """Build ``target`` on this worker from the shipped project (a Dask task); the
    answer is plain data (``answer.encode``), whatever happens."""
    worker = get_worker()
    options = shipment.options
    try:
        mine, theirs = versions(), shipment.versions
        if mine != theirs:
            differ = next(
                f"{a[0]} {a[1]} here, {b[1]} on the coordinator"
                for a, b in zip(mine, theirs, strict=True)
                if a != b
            )
            return answer.encode(Outcome(False, error=f"this worker runs {differ}"), worker.address)
        try:
            folder = place(shipment.snapshot, Path(worker.local_directory), shipment.batch)
        except Unsafe as exc:
            message = f"the worker {worker.address} refused the project's snapshot: {exc}"
            return answer.encode(Outcome(False, error=message), worker.address)
        except Ended:
            message = "the batch ended before this document was started"
            return answer.encode(Outcome(False, error=message), worker.address)
        view = View(folder, Path(shipment.cwd))
        digest = shipment.snapshot.digest
        named = {name: getattr(options, name) for name in format_options()}
        files: dict[str, Any] = {
            name: view.here(value) for name, value in named.items() if isinstance(value, Path)
        }
        local = replace(options, **files)
        context = BuildContext(view.workspace(shipment.workspace), local)

        def mapped(context: BuildContext, here: Target, _: Project | None) -> Built:
            from reportgen.pipeline import build_target

            try:
                built = build_target(context, here, project_of(context.workspace, digest))
            except InvalidInput as exc:
                raise InvalidInput(view.report(exc.report)) from None
            record = built.record
            inputs = tuple(view.input(item) for item in record.inputs)
            warnings = tuple(view.issue(issue) for issue in record.warnings)
            return Built(target, built.outputs, Record(inputs, record.valid_until, warnings))

        here = replace(target, source=view.here(target.source))
        outcome = guarded(context, here, guard="thread", build=mapped)
        outcome.error = view.text(outcome.error)
        return answer.encode(outcome, worker.address)
    except Overrun as exc:
        outcome = Outcome(False, error=str(exc), seconds=options.timeout)
        return answer.encode(outcome, worker.address, restart=not exc.stopped)
    except Exception as exc:  # the worker's own trouble (a full disk) fails this target only
        message = f"the worker could not build it: {type(exc).__name__}: {exc}"
        return answer.encode(Outcome(False, error=message), worker.address)


def digest_of(files: dict[str, File], folders: tuple[str, ...]) -> str:
    """One digest of a snapshot's contents."""
    digest = hashlib.sha256()
    for name in sorted(files):
        file = files[name]
        digest.update(f"{name}\0{file.sha}\0{file.size}\0{file.mtime_ns}\0{file.link}\n".encode())
    for name in folders:
        digest.update(f"{name}/\n".encode())
    return digest.hexdigest()
