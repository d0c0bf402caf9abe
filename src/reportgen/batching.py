"""``reportgen batch``: every document of a manifest, in parallel, rebuilding only what changed.

manifest -> tasks (one per file x format x language) -> skip fresh -> worker processes
-> results -> one summary line

A task is fresh when its output exists and the fingerprint of everything that went
into it (each profile file read, templates, options, tool versions) is unchanged, and
no fact in it has turned stale since. Worker processes load WeasyPrint once and build
many documents; one that crashes, runs out of memory or overruns its time limit fails
its task and is replaced, and the batch goes on.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import multiprocessing
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.errors import ReportgenError, UsageError, display_path
from reportgen.limits import (
    DEFAULT_MEMORY_MB,
    DEFAULT_STALE_MONTHS,
    DEFAULT_TIMEOUT,
    set_memory_limit,
)
from reportgen.project import LISTING_PREFIX, listing_digest, load_manifest, resolve_manifest
from reportgen.state import State

if TYPE_CHECKING:
    from reportgen.models import Manifest

LOCK_NAME = ".reportgen.lock"
STARTUP_LIMIT = 120.0
"""Seconds a worker may take to start (imports, fonts) before its first document."""
STARTED = "started"
"""What a worker says when it begins a unit; the time limit counts from then."""


class BatchError(ReportgenError):
    """The batch cannot start: bad manifest, clashing targets, a busy output folder."""


class OutputBusy(BatchError):
    """Another build holds the output folder."""


@dataclass(frozen=True)
class Task:
    """One output file: a source built as a document in one format and language."""

    job: str
    source: Path
    document: str
    fmt: str
    lang: str
    audience: str
    target: Path


@dataclass
class TaskResult:
    """What became of a task; ``status`` is built, fresh or failed."""

    task: Task
    status: str
    seconds: float = 0.0
    error: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "target": display_path(self.task.target),
            "job": self.task.job,
            "source": display_path(self.task.source),
            "format": self.task.fmt,
            "language": self.task.lang,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


@dataclass
class BatchResult:
    """Every task's result, and the counts of the summary line."""

    results: list[TaskResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0

    def summary(self) -> str:
        return (
            f"built {self.count('built')}, fresh {self.count('fresh')}, "
            f"failed {self.count('failed')} in {self.seconds:.1f} s"
        )


@dataclass(frozen=True)
class Settings:
    """How a batch runs."""

    jobs: int = 0
    """Worker processes; 0 means one per CPU."""
    force: bool = False
    only: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    memory_mb: int = DEFAULT_MEMORY_MB
    stale_after: int = DEFAULT_STALE_MONTHS
    today: dt.date | None = None
    trigger: str = "manual"
    """What started the run, for the history: manual, or a schedule's name."""


# --- planning ---------------------------------------------------------------------------


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _source_id(path: Path, state: State) -> str:
    """The profile's id, from the state when the file is unchanged, else from the file."""
    from reportgen import yamlio
    from reportgen.errors import InvalidInput
    from reportgen.models.types import ID_PATTERN

    digest = _digest(path) or ""
    known = state.source(str(path), digest)
    if known is not None and known[1]:
        return known[1]
    kind = ident = None
    try:
        data = yamlio.load(path).data
    except InvalidInput:
        data = None
    if isinstance(data, dict):
        kind = data.get("kind") if isinstance(data.get("kind"), str) else None
        ident = data.get("id") if isinstance(data.get("id"), str) else None
    if ident is not None and not re.fullmatch(ID_PATTERN, ident):
        ident = None  # names no target: '../x' or '/tmp/x' would lead out of the output folder
    state.record_source(str(path), digest, kind, ident)
    return ident or path.stem


def plan(
    manifest_path: Path, manifest: Manifest, state: State, only: Sequence[str] = ()
) -> list[Task]:
    """Every task of the jobs asked for; two tasks writing one file are refused."""
    from reportgen.pipeline import target_name

    root = manifest_path.parent
    output = root / manifest.output
    names = [job.name for job in manifest.jobs]
    for name in only:
        if name not in names:
            raise UsageError(f"no job named '{name}' (jobs: {', '.join(names) or 'none'})")
    tasks: list[Task] = []
    owners: dict[Path, Task] = {}
    for job in manifest.jobs:
        if only and job.name not in only:
            continue
        files = sorted({p for pattern in job.sources for p in root.glob(pattern) if p.is_file()})
        if not files:
            patterns = ", ".join(job.sources)
            raise BatchError(f"job '{job.name}': no file matches {patterns}")
        formats = job.formats or manifest.defaults.formats
        languages = job.languages or manifest.defaults.languages
        audience = job.audience or manifest.defaults.audience
        for source in files:
            ident = _source_id(source, state)
            for lang in languages:
                for fmt in formats:
                    target = output / target_name(ident, job.document, lang, fmt, audience)
                    task = Task(job.name, source, job.document, fmt, lang, audience, target)
                    other = owners.get(target)
                    if other is not None:
                        raise BatchError(
                            f"jobs '{other.job}' ({display_path(other.source)}) and "
                            f"'{job.name}' ({display_path(source)}) would both write "
                            f"{display_path(target)}"
                        )
                    owners[target] = task
                    tasks.append(task)
    return tasks


# --- freshness -------------------------------------------------------------------------------


def environment_digest(project_root: Path) -> str:
    """Templates, stylesheets, the reference document and tool versions, as one digest."""
    import importlib.metadata
    from importlib.resources import files

    from reportgen._version import __version__

    digest = hashlib.sha256(f"reportgen {__version__}".encode())
    for name in ("weasyprint", "python-docx", "cairosvg", "jinja2", "pydantic", "babel"):
        try:
            digest.update(f"{name} {importlib.metadata.version(name)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{name} none".encode())
    package = Path(str(files("reportgen")))
    folders = [package / "templates", package / "renderers", project_root / "templates"]
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and path.suffix not in (".py", ".pyc"):
                    digest.update(str(path.relative_to(folder)).encode())
                    digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(
    task: Task, environment: str, inputs: Sequence[tuple[str, str]], stale_after: int
) -> str:
    """One digest of everything a task's output depends on."""
    record = {
        "environment": environment,
        "task": [task.document, task.fmt, task.lang, task.audience, stale_after],
        "inputs": sorted(inputs),
    }
    return hashlib.sha256(json.dumps(record).encode()).hexdigest()


class Freshness:
    """Decides whether tasks are fresh, reading each input file at most once."""

    def __init__(self, state: State, environment: str, settings: Settings, today: dt.date) -> None:
        self.state = state
        self.environment = environment
        self.settings = settings
        self.today = today
        self._digests: dict[str, str | None] = {}

    def digest(self, path: str) -> str | None:
        if path not in self._digests:
            if path.startswith(LISTING_PREFIX):
                self._digests[path] = listing_digest(Path(path.removeprefix(LISTING_PREFIX)))
            else:
                self._digests[path] = _digest(Path(path))
        return self._digests[path]

    def is_fresh(self, task: Task) -> bool:
        if self.settings.force or not task.target.is_file():
            return False
        record = self.state.target(str(task.target))
        if record is None:
            return False
        if record.valid_until and self.today.isoformat() >= record.valid_until:
            return False
        inputs = []
        for path in record.inputs:
            digest = self.digest(path)
            if digest is None:
                return False
            inputs.append((path, digest))
        if str(task.source) not in record.inputs:
            return False
        current = fingerprint(task, self.environment, inputs, self.settings.stale_after)
        return current == record.fingerprint


# --- work units and workers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """Tasks that share one document build: same source, document, language and audience."""

    tasks: tuple[Task, ...]
    profiles: Path
    output: Path
    templates: Path | None
    stale_after: int
    today: dt.date


@dataclass
class UnitOutcome:
    ok: bool
    error: str = ""
    inputs: list[tuple[str, str]] = field(default_factory=list)
    valid_until: str | None = None
    seconds: float = 0.0


def group(
    tasks: Sequence[Task], root: Path, manifest: Manifest, stale_after: int, today: dt.date
) -> list[Unit]:
    """Tasks that share a source, document, language and audience: one build each."""
    from reportgen.pipeline import project_templates

    units: dict[tuple[Any, ...], list[Task]] = {}
    for task in tasks:
        key = (task.source, task.document, task.lang, task.audience)
        units.setdefault(key, []).append(task)
    templates = project_templates(root)
    profiles, output = root / manifest.profiles, root / manifest.output
    return [
        Unit(tuple(group), profiles, output, templates, stale_after, today)
        for group in units.values()
    ]


def run_unit(unit: Unit) -> UnitOutcome:
    """Build one unit (in a worker); every failure becomes a message."""
    from reportgen.errors import InvalidInput
    from reportgen.pipeline import BuildRequest, build

    first = unit.tasks[0]
    started = time.perf_counter()
    request = BuildRequest(
        source=first.source,
        document=first.document,
        formats=tuple(t.fmt for t in unit.tasks),
        languages=(first.lang,),
        audience=first.audience,
        output=unit.output,
        templates=unit.templates,
        profiles=unit.profiles,
        stale_after=unit.stale_after,
        today=unit.today,
    )
    try:
        result = build(request)
    except InvalidInput as exc:
        lines = [str(issue) for issue in exc.report.errors] or [str(exc)]
        return UnitOutcome(False, "\n".join(lines), seconds=time.perf_counter() - started)
    except ReportgenError as exc:
        return UnitOutcome(False, str(exc), seconds=time.perf_counter() - started)
    except MemoryError:
        return UnitOutcome(False, "out of memory", seconds=time.perf_counter() - started)
    except Exception as exc:  # a bug must fail one task, not the batch
        message = f"internal error: {type(exc).__name__}: {exc}"
        return UnitOutcome(False, message, seconds=time.perf_counter() - started)
    written = {path.resolve() for path in result.written}
    missing = [t for t in unit.tasks if t.target.resolve() not in written]
    if missing:
        names = ", ".join(display_path(t.target) for t in missing)
        return UnitOutcome(False, f"not written: {names} (did the profile's id change?)")
    return UnitOutcome(
        True,
        inputs=[(str(path), digest) for path, digest in result.inputs],
        valid_until=result.valid_until.isoformat() if result.valid_until else None,
        seconds=time.perf_counter() - started,
    )


def _worker_main(connection: Connection, memory_mb: int, warm: bool) -> None:
    """A worker: load the engines once, then build units until told to stop."""
    if memory_mb > 0:
        set_memory_limit(memory_mb)
    if warm:
        try:
            from reportgen.renderers import pdf
            from reportgen.renderers.html import stylesheet

            pdf.warm_up(stylesheet())
        except Exception:  # a unit will report the real problem
            pass
    while True:
        try:
            unit = connection.recv()
        except (EOFError, OSError):
            return
        if unit is None:
            return
        try:
            connection.send(STARTED)
            outcome = run_unit(unit)
        except MemoryError:
            outcome = UnitOutcome(False, "out of memory")
        try:
            connection.send(outcome)
        except (OSError, ValueError):
            return


class _Worker:
    def __init__(self, context: Any, memory_mb: int, warm: bool) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main,
            args=(child, memory_mb, warm),
            daemon=True,
            name="reportgen-worker",
        )
        self.process.start()
        child.close()
        self.unit: Unit | None = None
        self.given = 0.0
        self.started = 0.0
        self.running = False
        """The worker has begun the unit: its start-up does not count against the limit."""

    def give(self, unit: Unit) -> bool:
        self.unit = unit
        self.given = self.started = time.monotonic()
        self.running = False
        try:
            self.connection.send(unit)
        except (OSError, ValueError):
            return False
        return True

    def stop(self, *, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.connection.send(None)
            except (OSError, ValueError):
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


def _death_reason(process: Any) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        import signal

        name = signal.Signals(-code).name
        if name == "SIGKILL":
            return "the worker was killed (SIGKILL; out of memory?)"
        return f"the worker crashed ({name})"
    return f"the worker stopped unexpectedly (exit code {code})"


def run_units(
    units: Sequence[Unit],
    *,
    jobs: int,
    timeout: float,
    memory_mb: int,
    done: Callable[[Unit, UnitOutcome], None],
    should_stop: Callable[[], bool] = lambda: False,
) -> None:
    """Build ``units`` on ``jobs`` worker processes, calling ``done`` as each finishes.

    When ``should_stop`` turns true, running workers are stopped (their outputs are
    written atomically, so nothing half-written remains) and every unit not finished
    fails as interrupted.
    """
    context = multiprocessing.get_context("spawn")
    pending = list(reversed(units))
    warm = any(task.fmt == "pdf" for unit in units for task in unit.tasks)

    def start() -> _Worker:
        return _Worker(context, memory_mb, warm)

    workers = [start() for _ in range(max(1, min(jobs, len(units))))]
    try:
        while pending or any(w.unit for w in workers):
            if should_stop():
                stopped = [w.unit for w in workers if w.unit is not None] + pending[::-1]
                for left in stopped:
                    done(left, UnitOutcome(False, "interrupted"))
                return
            for index, worker in enumerate(workers):
                if worker.unit is not None or not pending:
                    continue
                if not worker.process.is_alive():
                    worker.stop(kill=True)
                    worker = workers[index] = start()
                given = pending.pop()
                if not worker.give(given):  # it died just now: one fresh worker, one more try
                    worker.stop(kill=True)
                    worker = workers[index] = start()
                    if not worker.give(given):
                        worker.unit = None
                        done(given, UnitOutcome(False, "no worker process could be started"))
            busy = [w for w in workers if w.unit is not None]
            ready = wait(
                [w.connection for w in busy] + [w.process.sentinel for w in busy], timeout=0.2
            )
            now = time.monotonic()
            for index, worker in enumerate(workers):
                unit = worker.unit
                if unit is None:
                    continue
                outcome: UnitOutcome | None = None
                replace = True  # the worker is dead or is being stopped
                if worker.connection in ready:
                    try:
                        message = worker.connection.recv()
                    except (EOFError, OSError):
                        outcome = UnitOutcome(False, _death_reason(worker.process))
                    else:
                        if message == STARTED:
                            worker.running, worker.started = True, now
                            continue
                        outcome, replace = message, False
                elif worker.process.sentinel in ready:
                    worker.process.join(timeout=1)
                    outcome = UnitOutcome(False, _death_reason(worker.process))
                elif worker.running and now - worker.started > timeout:
                    outcome = UnitOutcome(False, f"took longer than {timeout:g} s; stopped")
                elif not worker.running and now - worker.given > STARTUP_LIMIT:
                    message = f"the worker did not start within {STARTUP_LIMIT:g} s"
                    outcome = UnitOutcome(False, message)
                if outcome is None:
                    continue
                if not outcome.seconds:
                    outcome.seconds = now - worker.started
                worker.unit = None
                if replace:
                    worker.stop(kill=True)
                    if pending:
                        workers[index] = start()
                done(unit, outcome)
    finally:
        for worker in workers:
            worker.stop(kill=worker.unit is not None)


# --- the batch ------------------------------------------------------------------------------


@contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """Hold the output folder for one build at a time (batches and schedules alike)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise OutputBusy(
                f"{display_path(folder)} is being built by {holder}; try again when it is done"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


Progress = Callable[[TaskResult, int, int], None]


def run(
    manifest_path: Path | None = None,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> BatchResult:
    """Run a manifest's jobs; the Python API of ``reportgen batch``."""
    from reportgen.output import remove_stale_temporaries

    settings = settings or Settings()
    manifest_path = resolve_manifest(manifest_path)
    manifest = load_manifest(manifest_path)
    root = manifest_path.parent
    output = root / manifest.output
    from reportgen.checks import today as checked_today

    today = settings.today or checked_today()
    started_wall, started = time.time(), time.perf_counter()
    with output_lock(output):
        remove_stale_temporaries(output)
        state = State.open(output)
        try:
            result = _run(manifest_path, manifest, state, settings, today, progress, should_stop)
            result.seconds = time.perf_counter() - started
            failures = [r.as_json() for r in result.results if r.status == "failed"]
            state.record_run(
                settings.trigger,
                started_wall,
                result.seconds,
                (result.count("built"), result.count("fresh"), result.count("failed")),
                failures,
            )
        finally:
            state.close()
    return result


def _run(
    manifest_path: Path,
    manifest: Manifest,
    state: State,
    settings: Settings,
    today: dt.date,
    progress: Progress | None,
    should_stop: Callable[[], bool],
) -> BatchResult:
    root = manifest_path.parent
    tasks = plan(manifest_path, manifest, state, settings.only)
    environment = environment_digest(root)
    freshness = Freshness(state, environment, settings, today)
    result = BatchResult()
    total = len(tasks)

    def report(item: TaskResult) -> None:
        result.results.append(item)
        if progress is not None:
            progress(item, len(result.results), total)

    stale = []
    for task in tasks:
        if freshness.is_fresh(task):
            report(TaskResult(task, "fresh"))
        else:
            stale.append(task)
    units = group(stale, root, manifest, settings.stale_after, today)

    def done(unit: Unit, outcome: UnitOutcome) -> None:
        share = outcome.seconds / len(unit.tasks)
        for task in unit.tasks:
            if outcome.ok:
                digest = fingerprint(task, environment, outcome.inputs, settings.stale_after)
                state.record_target(
                    str(task.target),
                    digest,
                    [path for path, _ in outcome.inputs],
                    outcome.valid_until,
                )
                report(TaskResult(task, "built", share))
            else:
                state.forget_target(str(task.target))
                report(TaskResult(task, "failed", share, outcome.error))

    if units:
        jobs = settings.jobs or os.cpu_count() or 1
        run_units(
            units,
            jobs=jobs,
            timeout=settings.timeout,
            memory_mb=settings.memory_mb,
            done=done,
            should_stop=should_stop,
        )
    order = {task: index for index, task in enumerate(tasks)}
    result.results.sort(key=lambda r: order[r.task])
    return result


def write_report(path: Path, result: BatchResult) -> None:
    """The ``--report`` file: one JSON record per task, and the counts."""
    from reportgen.output import write_atomic

    record = {
        "summary": {
            "built": result.count("built"),
            "fresh": result.count("fresh"),
            "failed": result.count("failed"),
            "seconds": round(result.seconds, 3),
        },
        "tasks": [r.as_json() for r in result.results],
    }
    write_atomic(path, (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


__all__ = ["BatchResult", "Settings", "Task", "TaskResult", "asdict", "run", "write_report"]
