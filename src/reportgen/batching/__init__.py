"""``reportgen batch``: every document of a manifest, in parallel, rebuilding only what changed.

manifest -> plan (targets) -> skip fresh (freshness) -> worker processes (pool) build
bytes -> the coordinator writes them and records what they read -> each format's pass
together over all its files (``Renderer.together``: Word contents' page numbers, from
one LibreOffice run) -> one summary line

The output folder is held by a lock for the whole run (``lock``); the build state and
the history live in SQLite inside it (``reportgen.state``).
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.batching.lock import LOCK_NAME, BatchError, OutputBusy, OutputLock, output_lock
from reportgen.context import BuildContext
from reportgen.errors import ReportgenError, display_path
from reportgen.history import (
    FAILED,
    INTERRUPTED,
    OK,
    Failing,
    History,
    RunRecord,
    forget_unrecorded,
    keep_unrecorded,
)
from reportgen.state import BuildState
from reportgen.store import StoreBusy, StoreError
from reportgen.targets import Output, Target
from reportgen.workspace import Options, Workspace

if TYPE_CHECKING:
    from reportgen.renderers import Together


@dataclass(frozen=True)
class Settings:
    """How a batch runs, besides the ``Options`` every command shares."""

    jobs: int = 0
    """Worker processes; 0 means one per CPU."""
    force: bool = False
    """Rebuild everything, fresh or not."""
    only: tuple[str, ...] = ()
    """Run only these jobs."""
    trigger: str = "manual"
    """What started the run, for the history: manual, or a schedule's name."""
    scheduler: str | None = None
    """A Dask scheduler (``tcp://HOST:PORT``, ``tls://HOST:PORT``) or ``local`` to build
    on, instead of worker processes here; default: the manifest's ``scheduler``."""
    keep_warm: bool = False
    """Leave the project's snapshot on the Dask workers for the next batch (by default it
    is removed when the batch ends)."""


@dataclass
class TaskResult:
    """What became of one output file; ``status`` is built, fresh or failed."""

    target: Target
    output: Output
    status: str
    seconds: float = 0.0
    error: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def path(self) -> Path:
        return self.output.path

    def as_json(self) -> dict[str, Any]:
        return {
            "target": display_path(self.output.path),
            "job": self.target.job,
            "source": display_path(self.target.source),
            "format": self.output.format,
            "language": self.target.lang,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "warnings": list(self.warnings),
        }


@dataclass
class BatchResult:
    """Every output's result, and the counts of the summary line."""

    results: list[TaskResult] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    """``(job, message)`` for each job that could not be planned (it counts as failed)."""
    seconds: float = 0.0
    interrupted: bool = False
    """The run was stopped (SIGTERM, Ctrl-C) before every output was done."""
    recovered: list[str] = field(default_factory=list)
    """The failing schedules this run fixed: it built the outputs they failed on."""
    lost: str = ""
    """Why the Dask scheduler was lost, when it was: every output not built then failed
    with this one message."""

    stopped: str = ""
    """Why the run stopped before the end: a file of its own it could not write (the
    build state on a full disk); what was not done failed."""
    unrecorded: str = ""
    """Why the history could not take this run (a full disk); empty when it did."""
    kept: Path | None = None
    """Where the run was kept instead (``reportgen.history.keep_unrecorded``)."""
    started: float = 0.0
    """When it started (seconds since the epoch)."""
    unnumbered: str = ""
    """The note of a pass together (``Renderer.together``) that failed, for the user:
    its files stay as the workers wrote them."""

    def count(self, status: str) -> int:
        found = sum(1 for r in self.results if r.status == status)
        return found + (len(self.problems) if status == "failed" else 0)

    @property
    def ok(self) -> bool:
        """Nothing failed, nothing stopped the run, and the history has it."""
        return self.count("failed") == 0 and not self.stopped and not self.unrecorded

    def failures(self) -> list[dict[str, Any]]:
        """What failed, as the history keeps it."""
        failures = [_problem_json(job, message) for job, message in self.problems]
        return failures + [r.as_json() for r in self.results if r.status == "failed"]

    def as_run(self, trigger: str) -> RunRecord:
        """The run as the history would have it (when it could not take it)."""
        counts = (self.count("built"), self.count("fresh"), self.count("failed"))
        failures = self.failures()
        if self.stopped:
            failures.append({"target": "", "job": "", "error": f"the run stopped: {self.stopped}"})
        failed = counts[2] or self.stopped
        result = INTERRUPTED if self.interrupted else FAILED if failed else OK
        warnings = len(self.warnings)
        return RunRecord(
            0, trigger, self.started, self.seconds, *counts, tuple(failures), result, warnings
        )

    @property
    def warnings(self) -> list[str]:
        """Every warning of the outputs built, once each, in order."""
        return list(dict.fromkeys(w for r in self.results for w in r.warnings))

    def summary(self) -> str:
        return (
            f"built {self.count('built')}, fresh {self.count('fresh')}, "
            f"failed {self.count('failed')} in {self.seconds:.1f} s"
        )


Progress = Callable[[TaskResult, int, int], None]


def run(
    context: BuildContext | Workspace,
    options: Options | None = None,
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> BatchResult:
    """Run a workspace's manifest jobs; the Python API of ``reportgen batch``.

    A file of its own that the run cannot write (the build state or the history on a
    full disk) stops it, not with an exception: ``stopped`` and ``unrecorded`` say what,
    and a run the history could not take is kept in a marker file (``kept``).

    ``context`` is the command's; a bare ``Workspace`` is made into one with
    ``options``.
    """
    from reportgen.output import remove_stale_temporaries

    if isinstance(context, Workspace):
        context = BuildContext(context, options or Options())
    workspace = context.workspace
    settings = settings or Settings()
    started_wall, started = time.time(), time.perf_counter()
    mode = workspace.manifest.file_mode
    result = BatchResult(started=started_wall)
    recoveries: list[dict[str, Any]] = []
    with (
        output_lock(workspace.output, mode) as lock,
        History.opened(workspace.output, mode) as runs,
    ):
        remove_stale_temporaries(workspace.output)
        state = BuildState.open(workspace.output, mode)  # busy, read-only: said before anything
        run_id: int | None = None
        try:
            run_id = runs.start_run(settings.trigger, started_wall)
        except StoreBusy:
            state.close()
            raise
        except StoreError as exc:
            result.unrecorded = str(exc)
        halted: list[str] = []

        def stop() -> bool:
            return bool(halted) or should_stop()

        try:
            try:
                _run(context, settings, state, lock, result, progress, stop, halted)
            except StoreError as exc:  # planning could not write the build state
                if isinstance(exc, StoreBusy):
                    raise
                halted.append(str(exc))
        except BaseException:  # Ctrl-C, a crash, a busy state: the history says so
            if run_id is not None:
                with contextlib.suppress(StoreError):
                    seconds = time.perf_counter() - started
                    runs.finish_run(run_id, seconds, (0, 0, 0), [], result=INTERRUPTED)
            raise
        finally:
            state.close()
        result.seconds = time.perf_counter() - started
        result.interrupted = should_stop()
        result.stopped = halted[0] if halted else ""
        if run_id is not None:
            try:
                runs.finish_run(
                    run_id,
                    result.seconds,
                    (result.count("built"), result.count("fresh"), result.count("failed")),
                    result.failures(),
                    result=INTERRUPTED if result.interrupted else None,
                    warnings=len(result.warnings),
                )
                forget_unrecorded(workspace.output, runs)
                recoveries = _clear_fixed(workspace, settings.trigger, runs, result)
            except StoreError as exc:
                result.unrecorded = str(exc)
        if result.unrecorded:
            run = result.as_run(settings.trigger)
            result.kept = keep_unrecorded(workspace.output, run, result.unrecorded, mode)
    if workspace.manifest_path is not None:
        from reportgen.schedule.summary import send

        for summary in recoveries:
            send(workspace.manifest_path, workspace.manifest, summary)
    return result


def _clear_fixed(
    workspace: Workspace, trigger: str, runs: History, result: BatchResult
) -> list[dict[str, Any]]:
    """Clear the failing schedules whose failed outputs this run built (or found fresh); a
    scheduled run leaves its own schedule to ``reportgen.schedule``."""
    from reportgen.schedule.retry import TRIGGER_PREFIX, clear_fixed

    if workspace.manifest_path is None or not workspace.manifest.schedules:
        return []
    good = [r.path.absolute() for r in result.results if r.status in ("built", "fresh")]
    bad_jobs = {job for job, _ in result.problems}
    bad_jobs |= {r.target.job for r in result.results if r.status == "failed"}
    ran_jobs = {r.target.job for r in result.results} - bad_jobs

    def built(entry: str) -> bool:
        if not entry:
            return False
        place = Path(entry)
        if any(path == place.absolute() or _ends_with(path, place) for path in good):
            return True
        return all(job in ran_jobs for job in entry.split(","))  # a job that failed as a whole

    def fixed(failing: Failing) -> bool:
        own = trigger == TRIGGER_PREFIX + failing.schedule
        return not own and bool(failing.targets) and all(map(built, failing.targets))

    latest = runs.runs(1)
    result.recovered, summaries = clear_fixed(
        workspace.manifest_path, workspace.manifest, runs, latest[0] if latest else None, fixed
    )
    return summaries


def _ends_with(path: Path, tail: Path) -> bool:
    """Whether ``path`` ends with the parts of the relative ``tail`` (``output/x.html``)."""
    parts = tail.parts
    return not tail.is_absolute() and ".." not in parts and path.parts[-len(parts) :] == parts


def _run(
    context: BuildContext,
    settings: Settings,
    state: BuildState,
    lock: OutputLock,
    result: BatchResult,
    progress: Progress | None,
    should_stop: Callable[[], bool],
    halted: list[str],
) -> None:
    """Plan, skip what is fresh, build the rest into ``result``; a file of its own that
    cannot be written (``StoreError``) is put in ``halted``, which stops the run."""
    from reportgen.batching.freshness import (
        Freshness,
        built_fingerprint,
        environment_digest,
        output_digest,
    )
    from reportgen.batching.plan import plan_in
    from reportgen.batching.pool import run_targets
    from reportgen.pipeline import leaving_to, passes_together, write_outputs
    from reportgen.step import Outcome

    workspace, options = context.workspace, context.options
    planned = plan_in(context, state, settings.only)
    targets = planned.targets
    environment = environment_digest(workspace)
    freshness = Freshness(state, environment, options, workspace.today, force=settings.force)
    total = sum(len(t.outputs) for t in targets) + len(planned.problems)

    def report(item: TaskResult, *, shown: bool = True) -> None:
        result.results.append(item)
        if progress is not None and shown:
            progress(item, len(result.results), total)

    result.problems = [(job, str(problem)) for job, problem in planned.problems]

    stale: list[Target] = []
    for target in targets:
        fresh = [freshness.is_fresh(target, output) for output in target.outputs]
        if all(fresh):
            for output in target.outputs:
                record = state.target(str(output.path))
                warnings = record.warnings if record is not None else ()
                report(TaskResult(target, output, "fresh", warnings=warnings))
        else:
            stale.append(target)
    # the workers leave their part to the passes together of the formats that have one;
    # each runs at the end over all of its files, which are recorded then, as they are
    passes = passes_together(context, (fmt for target in stale for fmt in target.formats))
    waiting: list[Waiting] = []

    def done(target: Target, outcome: Outcome) -> None:
        try:
            finish(target, outcome)
        except StoreBusy:
            raise
        except StoreError as exc:  # the build state cannot be written: the run stops
            if not halted:
                halted.append(str(exc))
            share = outcome.seconds / max(1, len(target.outputs))
            for output in target.outputs:
                report(TaskResult(target, output, "failed", share, str(exc)))

    def finish(target: Target, outcome: Outcome) -> None:
        share = outcome.seconds / max(1, len(target.outputs))
        built = outcome.built
        if halted:
            stopped = f"not built: the run stopped: {halted[0]}"
            outcome = Outcome(False, error=stopped, seconds=outcome.seconds)
        elif outcome.ok and built is not None and not lock.held():
            # another run may hold the folder now: what this one built is not written
            lost = f"the lock {display_path(lock.path)} was removed or replaced; not written"
            outcome = Outcome(False, error=lost, seconds=outcome.seconds)
        elif outcome.ok and built is not None:
            try:
                write_outputs(built, mode=workspace.manifest.file_mode)
            except ReportgenError as exc:
                outcome = Outcome(False, error=str(exc), seconds=outcome.seconds)
        if not outcome.ok or built is None:
            try:
                for output in target.outputs:
                    if not halted:
                        state.forget_target(str(output.path))
            except StoreBusy:
                raise
            except StoreError as exc:  # said once, after the summary
                halted.append(str(exc))
            for output in target.outputs:
                report(TaskResult(target, output, "failed", share, outcome.error))
            return
        record = built.record
        warnings = tuple(str(issue) for issue in record.warnings)
        valid_until = record.valid_until.isoformat() if record.valid_until else None
        digests = {path: output_digest(data) for path, data in built.outputs}
        written = dict(built.outputs)
        for output in target.outputs:
            entry = Waiting(
                output.path,
                built_fingerprint(target, output, environment, record.inputs, options),
                tuple((i.path, i.fields) for i in record.inputs),
                valid_until,
                warnings,
                digests.get(output.path, ""),
                output.format,
            )
            together = passes.get(output.format)
            data = written.get(output.path, b"")
            if together is not None and data and together.waits(data):
                waiting.append(entry)
            else:
                entry.record(state)
        for output in target.outputs:
            report(TaskResult(target, output, "built", share, warnings=warnings))

    if stale:
        jobs = settings.jobs or os.cpu_count() or 1
        scheduler = settings.scheduler or workspace.manifest.scheduler
        later = leaving_to(context, passes)  # the pool's workers and a cluster's alike
        if scheduler:
            from reportgen.batching import cluster

            unbuilt = cluster.run_targets(
                stale,
                later,
                jobs=jobs,
                done=done,
                should_stop=should_stop,
                scheduler=scheduler,
                keep_warm=settings.keep_warm,
            )
            if unbuilt is not None:  # one message for them all, not a line each
                result.lost = unbuilt.message
                for target in unbuilt.targets:
                    for output in target.outputs:
                        state.forget_target(str(output.path))
                        report(
                            TaskResult(target, output, "failed", error=unbuilt.message), shown=False
                        )
        else:
            run_targets(stale, later, jobs=jobs, done=done, should_stop=should_stop)
    if waiting and not halted:
        try:
            result.unnumbered = _pass_together(
                waiting, passes, state, lock, workspace.manifest.file_mode, should_stop
            )
        except StoreBusy:
            raise
        except StoreError as exc:
            halted.append(str(exc))
    order = {(t.job, o.path): i for i, t in enumerate(targets) for o in t.outputs}
    result.results.sort(key=lambda r: order.get((r.target.job, r.output.path), -1))


@dataclass(frozen=True)
class Waiting:
    """A file written as it awaits its format's pass together (``Renderer.together``),
    and what the build state is to record of it once the pass is done (its digest then)."""

    path: Path
    fingerprint: str
    inputs: tuple[tuple[str, tuple[str, ...] | None], ...]
    valid_until: str | None
    warnings: tuple[str, ...]
    digest: str
    """Of the bytes written."""
    format: str
    """Whose pass it awaits."""

    def record(self, state: BuildState, digest: str | None = None) -> None:
        state.record_target(
            str(self.path),
            self.fingerprint,
            list(self.inputs),
            self.valid_until,
            self.warnings,
            self.digest if digest is None else digest,
        )


def _pass_together(
    waiting: list[Waiting],
    passes: Mapping[str, Together],
    state: BuildState,
    lock: OutputLock,
    mode: int | None,
    should_stop: Callable[[], bool],
) -> str:
    """Run the pass together of each format over the files of it the workers wrote (one
    run for each ``Together.chunk`` of them), replace each file it changed atomically and
    record it as it is then; returns what the first pass that failed said (the files it
    left are recorded as written, and that pass runs no more). Those of an interrupted
    run, or of one that lost its lock, are forgotten: the next batch builds them again."""
    from reportgen.batching.freshness import output_digest
    from reportgen.output import write_atomic

    first = ""
    for name, together in passes.items():
        mine = [entry for entry in waiting if entry.format == name]
        failure = ""
        for start in range(0, len(mine), together.chunk):
            chunk = mine[start : start + together.chunk]
            if should_stop() or not lock.held():
                for entry in chunk:
                    state.forget_target(str(entry.path))
                continue
            files: dict[Path, bytes] = {}
            for entry in chunk:
                try:
                    data = entry.path.read_bytes()
                except OSError:
                    continue
                if output_digest(data) == entry.digest:  # as written: no one else's file
                    files[entry.path] = data
            passed = together.run(files) if files and not failure else None
            failure = failure or (passed.failure if passed else "")
            if not lock.held():  # another run may hold the folder now: nothing is written
                for entry in chunk:
                    state.forget_target(str(entry.path))
                continue
            for entry in chunk:
                done = passed.files.get(entry.path) if passed else None
                if done is None:
                    entry.record(state)
                    continue
                try:
                    write_atomic(entry.path, done, mode=mode)
                except ReportgenError:  # the file stays as it was written
                    entry.record(state)
                else:
                    entry.record(state, output_digest(done))
        first = first or failure
    return first


def report_json(result: BatchResult) -> dict[str, Any]:
    """The JSON record of a batch (``--report``, ``--json``): every output, and the counts."""
    return {
        "summary": {
            "built": result.count("built"),
            "fresh": result.count("fresh"),
            "failed": result.count("failed"),
            "warnings": len(result.warnings),
            "seconds": round(result.seconds, 3),
            "interrupted": result.interrupted,
            "lost": result.lost,
        },
        "tasks": [r.as_json() for r in result.results],
        "jobs": [_problem_json(job, message) for job, message in result.problems],
    }


def write_report(path: Path, result: BatchResult, mode: int | None = None) -> None:
    """The ``--report`` file: ``report_json`` of the batch (``mode``: ``file_mode``)."""
    from reportgen.output import write_atomic

    text = json.dumps(report_json(result), indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"), mode=mode)


def _problem_json(job: str, message: str) -> dict[str, Any]:
    return {"target": "", "job": job, "status": "failed", "error": message}


__all__ = [
    "LOCK_NAME",
    "BatchError",
    "BatchResult",
    "OutputBusy",
    "Settings",
    "TaskResult",
    "output_lock",
    "report_json",
    "run",
    "write_report",
]
