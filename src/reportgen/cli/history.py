"""``reportgen history``: past batch and scheduled runs, newest first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reportgen.cli.options import debug_option
from reportgen.cli.present import local_time, tables
from reportgen.cli.schedule import manifest_of
from reportgen.errors import display_path

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from reportgen.history import RunRecord


def _failure_line(failure: dict[str, Any]) -> str:
    lines = str(failure.get("error", "")).splitlines()
    where = failure.get("target") or failure.get("job")
    said = lines[0] if lines else "failed"
    return f"{where}: {said}" if where else said


@click.command()
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option(
    "--manifest",
    type=click.Path(exists=True, path_type=Path),
    help="Manifest whose output folder keeps the history (default: the nearest).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as a JSON array.")
@debug_option
def history(limit: int, manifest: Path | None, as_json: bool) -> None:
    """Past batch and scheduled runs with their results, newest first.

    On a terminal a table; piped into a file or grep, one full line per run.
    """
    import json

    from rich.table import Table

    from reportgen import schedule as schedules
    from reportgen import scheduler
    from reportgen.workspace import Workspace

    workspace = Workspace.resolve(manifest=manifest, require_manifest=True)
    path, loaded = manifest_of(workspace)
    zone = schedules.zone_of(loaded)
    with scheduler.output_history(path, loaded) as state:
        runs = state.runs(limit)
    if as_json:
        records = [_run_json(run, zone) for run in runs]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    if not runs:
        click.echo("no runs recorded yet")
        return
    console = tables()
    if not console.is_terminal:
        for run in runs:
            click.echo(_run_line(run, zone))
        return
    table = Table(title=f"runs of {display_path(path)}")
    for column in ("started", "trigger", "seconds", "built", "fresh", "failed", "failures"):
        table.add_column(column, overflow="fold")
    for run in runs:
        started = dt.datetime.fromtimestamp(run.started, dt.UTC)
        failures = "; ".join(_failure_line(f) for f in run.failures)
        table.add_row(
            local_time(started, zone),
            run.trigger,
            f"{run.seconds:.1f}",
            str(run.built),
            str(run.fresh),
            str(run.failed),
            failures,
        )
    console.print(table)


def _run_line(run: RunRecord, zone: ZoneInfo) -> str:
    """One run on one line, for logs and grep: no column is folded, nothing wraps."""
    started = local_time(dt.datetime.fromtimestamp(run.started, dt.UTC), zone)
    line = (
        f"{started}  {run.trigger}  {run.seconds:.1f} s  "
        f"built {run.built}  fresh {run.fresh}  failed {run.failed}"
    )
    if run.result in ("running", "interrupted"):
        line += f"  {run.result}"
    failures = "; ".join(_failure_line(f) for f in run.failures)
    return f"{line}  {failures}" if failures else line


def _run_json(run: RunRecord, zone: ZoneInfo) -> dict[str, Any]:
    started = dt.datetime.fromtimestamp(run.started, dt.UTC).astimezone(zone)
    return {
        "started": started.isoformat(timespec="seconds"),
        "trigger": run.trigger,
        "seconds": round(run.seconds, 3),
        "built": run.built,
        "fresh": run.fresh,
        "failed": run.failed,
        "result": run.result,
        "warnings": run.warnings,
        "failures": list(run.failures),
    }
