"""``reportgen schedule list|run|due`` and ``reportgen status``: the manifest's schedules,
run in the foreground or once from cron, and their health for monitoring.

"Now" is the schedules' wall clock (``reportgen.scheduler.SystemClock``), the one their
loop runs by; ``SOURCE_DATE_EPOCH`` dates documents, not runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reportgen.cli.options import (
    batch_options,
    debug_option,
    json_option,
    manifest_argument,
    quiet_option,
)
from reportgen.cli.present import interrupted, local_time, tables
from reportgen.errors import ExitStatus, display_path
from reportgen.workspace import Options

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from reportgen.history import RunRecord
    from reportgen.models.manifest import Manifest, Schedule
    from reportgen.schedule import Status
    from reportgen.workspace import Workspace


@click.group()
def schedule() -> None:
    """Scheduled builds: list the schedules, run them in the foreground, or run what is due."""


def manifest_of(workspace: Workspace) -> tuple[Path, Manifest]:
    """The manifest's path and contents of a workspace that requires one."""
    assert workspace.manifest_path is not None
    return workspace.manifest_path, workspace.manifest


def _now() -> dt.datetime:
    from reportgen.scheduler import SystemClock

    return SystemClock().now()


@schedule.command("list")
@manifest_argument
@debug_option
def schedule_list(manifest: Path | None) -> None:
    """Every schedule with its jobs, last run and next run (in the schedules' time zone)."""
    from rich.table import Table

    from reportgen import schedule as schedules
    from reportgen import scheduler
    from reportgen.workspace import Workspace

    workspace = Workspace.resolve(manifest=manifest, require_manifest=True)
    path, loaded = manifest_of(workspace)
    zone = schedules.zone_of(loaded)
    with scheduler.output_history(path, loaded) as state:
        rows = schedules.statuses(loaded, state, _now())
    table = Table(title=f"schedules of {display_path(path)} (time zone {zone.key})")
    for column in ("schedule", "cron", "jobs", "last run", "result", "next run"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.schedule.name,
            row.schedule.cron,
            ", ".join(row.schedule.jobs),
            local_time(row.last_started, zone),
            row.last_result,
            local_time(row.next_run, zone),
        )
    tables().print(table if rows else "no schedules in the manifest")


@contextlib.contextmanager
def _schedule_log(zone: ZoneInfo, *, quiet: bool = False) -> Iterator[None]:
    """The log of ``schedule run`` and ``due`` on standard error: every line starts with an
    ISO time and its UTC offset in the schedules' zone; ``quiet`` keeps only problems and
    recoveries."""
    import logging

    class Stamped(logging.Formatter):
        def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
            return dt.datetime.fromtimestamp(record.created, zone).isoformat(timespec="seconds")

        def format(self, record: logging.LogRecord) -> str:
            lines = super().format(record).splitlines() or [""]
            stamp = self.formatTime(record)
            # a message of several lines: each one dated, so grep and rotation keep them
            return "\n".join([lines[0], *(f"{stamp} {line}" for line in lines[1:])])

    from reportgen.schedule import NOTABLE

    def shown(record: logging.LogRecord) -> bool:
        # quiet: problems, and the news that one is over (a recovery)
        return not quiet or record.levelno >= logging.WARNING or getattr(record, NOTABLE, False)

    logger = logging.getLogger("reportgen")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Stamped("%(asctime)s %(message)s"))
    handler.setLevel(logging.INFO)
    handler.addFilter(shown)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _json_line(summary: dict[str, Any]) -> None:
    import json

    click.echo(json.dumps(summary, ensure_ascii=False))


JOBS_HELP = "Worker processes of each scheduled run (default: CPUs)."


@schedule.command("run")
@manifest_argument
@click.option("-j", "--jobs", type=click.IntRange(min=1), help=JOBS_HELP)
@quiet_option
@json_option
@batch_options
def schedule_run(
    manifest: Path | None, jobs: int | None, quiet: bool, as_json: bool, options: Options
) -> None:
    """Run the schedules in the foreground until stopped (Ctrl-C or SIGTERM).

    A failed run is tried again after 5 minutes, then 10, 20, up to every hour, until it
    succeeds. With --json, each run's summary is one JSON line on standard output.
    """
    import logging
    import signal

    from reportgen import schedule as schedules
    from reportgen import scheduler
    from reportgen.workspace import Workspace

    workspace = Workspace.resolve(manifest=manifest, options=options, require_manifest=True)
    path, loaded = manifest_of(workspace)
    with _schedule_log(schedules.zone_of(loaded), quiet=quiet):
        runner = scheduler.Scheduler(
            path, options=options, reported=_json_line if as_json else None, jobs=jobs or 0
        )
        runner.install_signal_handlers()
        zone = schedules.zone_of(runner.manifest)
        logging.getLogger("reportgen").info(
            "running %d schedules of %s in %s; stop with Ctrl-C",
            len(runner.manifest.schedules),
            display_path(path),
            zone.key,
        )
        runner.run()
        if runner.stopped_by == signal.SIGINT:
            interrupted()
        logging.getLogger("reportgen").info("stopped")


@schedule.command("due")
@manifest_argument
@click.option(
    "--retry-now",
    is_flag=True,
    help="Try every failing schedule now, without waiting for its next try (after a fix).",
)
@click.option("-j", "--jobs", type=click.IntRange(min=1), help=JOBS_HELP)
@quiet_option
@json_option
@batch_options
def schedule_due(
    manifest: Path | None,
    retry_now: bool,
    jobs: int | None,
    quiet: bool,
    as_json: bool,
    options: Options,
) -> None:
    """Run once what is due since the last recorded run, then exit (for cron or systemd).

    A schedule whose last run failed is tried again (after 5 minutes, then 10, 20, up to
    every hour; at once with --retry-now); exit 1 while any schedule is failing or a run
    could not be recorded (a full disk), 0 otherwise.
    """
    import json
    import logging

    from reportgen import schedule as schedules
    from reportgen import scheduler
    from reportgen.workspace import Workspace

    workspace = Workspace.resolve(manifest=manifest, options=options, require_manifest=True)
    path, loaded = manifest_of(workspace)
    zone = schedules.zone_of(loaded)
    log = logging.getLogger("reportgen")
    summaries: list[dict[str, Any]] = []
    with _schedule_log(zone, quiet=quiet):
        now = _now()
        run_batch = scheduler.default_run_batch(lambda: False, options, jobs or 0)
        waited: list[str] = []

        def counted(manifest_path: Path, schedule: Schedule) -> bool | RunRecord:
            ran = run_batch(manifest_path, schedule)
            if ran is False:
                waited.append(schedule.name)
            return ran

        ran = scheduler.run_due(
            path, now, counted, loaded, reported=summaries.append, retry_now=retry_now
        )
        with scheduler.output_history(path, loaded) as history:
            rows = schedules.statuses(loaded, history, now)
        failing = [row.failing for row in rows if row.failing is not None]
        for row in rows:
            if row.failing is not None and row.schedule.name not in ran:
                log.error(
                    "schedule %s: still failing since %s: %s; next try at %s",
                    row.schedule.name,
                    dt.datetime.fromtimestamp(row.failing.since, zone).isoformat(
                        timespec="seconds"
                    ),
                    _failing_targets(row.failing.targets),
                    row.next_try.astimezone(zone).isoformat(timespec="seconds"),
                )
        missing = rows[0].unrecorded if rows else ()
        for item in missing if not ran else ():
            started = dt.datetime.fromtimestamp(item.run.started, zone)
            log.error(
                "not recorded: the run of %s: %s",
                started.isoformat(timespec="seconds"),
                item.reason,
            )
        failed_now = any(summary["event"] == "failure" for summary in summaries)
        if waited:
            log.info("%s due but waiting: tried again on the next call", ", ".join(waited))
        elif not ran and not failing and not missing:
            log.info("nothing due")
    if as_json:
        record = {
            "ran": summaries,
            "failing": [f.schedule for f in failing],
            "waiting": waited,
        }
        click.echo(json.dumps(record, indent=2, ensure_ascii=False))
    if failing or missing or failed_now:
        raise SystemExit(ExitStatus.FAILURE)


def _health(row: Status) -> str:
    if row.ok:
        return "ok"
    if row.unrecorded:
        return "FAILING"
    if row.failing is None and row.last is not None and row.last.result == "interrupted":
        return "INTERRUPTED"
    return "OVERDUE" if row.overdue and row.failing is None else "FAILING"


def _failing_targets(targets: tuple[str, ...]) -> str:
    shown = ", ".join(t for t in targets[:3] if t)
    more = f" and {len(targets) - 3} more" if len(targets) > 3 else ""
    count = f"{len(targets)} output{'s' * (len(targets) != 1)}"
    return f"{count} ({shown}{more})" if shown else count


@click.command()
@manifest_argument
@click.option("--json", "as_json", is_flag=True, help="Print the schedules as a JSON array.")
@debug_option
def status(manifest: Path | None, as_json: bool) -> None:
    """One line per schedule: last run, result, next run; exit 1 unless every one is ok.

    A health check for monitoring: not ok is a last run that failed or was interrupted,
    a schedule still failing, one overdue (it fired over an hour ago and has not run:
    is cron or the timer running?), or a run the history could not take (a full disk).
    """
    import json

    from reportgen import schedule as schedules
    from reportgen import scheduler
    from reportgen.history import unrecorded
    from reportgen.workspace import Workspace

    workspace = Workspace.resolve(manifest=manifest, require_manifest=True)
    path, loaded = manifest_of(workspace)
    zone = schedules.zone_of(loaded)
    with scheduler.output_history(path, loaded) as history:
        rows = schedules.statuses(loaded, history, _now())

    def iso(moment: dt.datetime | None) -> str | None:
        return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None

    if as_json:
        records = [
            {
                "schedule": row.schedule.name,
                "ok": row.ok,
                "last_run": iso(row.last_started),
                "result": row.last_result,
                "failing_since": iso(
                    dt.datetime.fromtimestamp(row.failing.since, dt.UTC) if row.failing else None
                ),
                "overdue": row.overdue,
                "next_run": iso(row.next_run),
                "next_try": iso(row.next_try),
                "not_recorded": [
                    {
                        "trigger": item.run.trigger,
                        "started": iso(dt.datetime.fromtimestamp(item.run.started, dt.UTC)),
                        "failed": item.run.failed,
                        "reason": item.reason,
                    }
                    for item in row.unrecorded
                ],
            }
            for row in rows
        ]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
    elif not rows:
        click.echo("no schedules in the manifest")
    for row in rows if not as_json else []:
        health = _health(row)
        line = (
            f"{row.schedule.name}  {health}  last run {iso(row.last_started) or 'never'}"
            f"  {row.last_result}  next run {iso(row.next_run)}"
        )
        if row.failing is not None:
            line += f"  next try {iso(row.next_try)}"
        if row.unrecorded:
            item = row.unrecorded[-1]
            started = iso(dt.datetime.fromtimestamp(item.run.started, dt.UTC))
            line += f"  not recorded: the run of {started}: {item.reason}"
        click.echo(line)
    if not rows:
        missing = unrecorded(workspace.output)
        for item in missing:
            when = dt.datetime.fromtimestamp(item.run.started, zone).isoformat(timespec="seconds")
            click.echo(f"not recorded: the run of {when}: {item.reason}")
        if missing:
            raise SystemExit(ExitStatus.FAILURE)
    if not all(row.ok for row in rows):
        raise SystemExit(ExitStatus.FAILURE)
