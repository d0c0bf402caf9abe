"""What the commands print: reports, batch summaries, progress, tables and interruptions.

Everything here writes to the terminal; what it prints comes from plain results.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from reportgen.errors import Report, Severity, display_path

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from rich.console import Console

    from reportgen.batching import BatchResult, Progress, TaskResult
    from reportgen.workspace import Options


def stderr() -> Console:
    """The console of messages on standard error (Rich markup for colours)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def tables() -> Console:
    """The console of the tables on a terminal: what they show (file names, failures,
    names from the manifest) is text, never Rich markup, emoji codes or highlighting."""
    from rich.console import Console

    return Console(soft_wrap=True, markup=False, highlight=False, emoji=False)


def print_report(report: Report, *, strict: bool = False) -> None:
    """Every error, then every warning, one per line, on standard error."""
    if not report.issues:
        return
    from rich.markup import escape

    console = stderr()
    for issue in report:
        style = "red" if issue.severity is Severity.ERROR or strict else "yellow"
        console.print(f"[{style}]{escape(str(issue))}[/]")


def print_office_note(written: Iterable[Path], options: Options, unnumbered: str = "") -> None:
    """One line when Word files were written without LibreOffice to number their contents,
    or when it failed to (``unnumbered``: what it said)."""
    if not options.page_numbers or not any(path.suffix == ".docx" for path in written):
        return
    from reportgen.renderers.docx import office

    if office.soffice() is None:
        click.echo(office.NOT_INSTALLED, err=True)
    elif unnumbered:
        click.echo(unnumbered, err=True)


def print_batch(result: BatchResult, *, strict: bool = False, quiet: bool = False) -> None:
    """Every failure with its messages, the warnings of what was built, then the summary
    (with ``quiet``, only when something failed) and what stopped the run or kept it out of
    the history (a full disk: the file it could not write)."""
    from rich.markup import escape

    console = stderr()
    for job, message in result.problems:
        console.print(f"[red]failed:[/] job {escape(job)}")
        console.print(f"  {escape(message)}")
    for item in result.results:
        if item.status == "failed" and not (result.lost and item.error == result.lost):
            console.print(f"[red]failed:[/] {escape(display_path(item.path))}")
            for line in item.error.splitlines():
                console.print(f"  {escape(line)}")
    if result.lost:  # one line, not one per document it left unbuilt
        console.print(f"[red]failed:[/] {escape(result.lost)}")
    for warning in result.warnings:
        console.print(f"[{'red' if strict else 'yellow'}]{escape(warning)}[/]")
    for name in result.recovered:
        console.print(f"[green]schedule {escape(name)}: recovered: its failed outputs are built[/]")
    if quiet and result.ok:
        return
    colour = "green" if result.ok else "red"
    console.print(f"[{colour}]{result.summary()}[/]")
    if result.stopped:
        console.print(f"[red]error:[/] the run stopped: {escape(result.stopped)}")
    if result.unrecorded:
        kept = f"; kept in {display_path(result.kept)}" if result.kept else ""
        console.print(
            f"[red]error:[/] this run is not in the history: {escape(result.unrecorded)}"
            f"{escape(kept)}"
        )


@contextlib.contextmanager
def progress(*, quiet: bool = False) -> Iterator[Progress]:
    """A progress bar on a terminal; a plain line per finished task otherwise; nothing
    with ``quiet``."""
    console = stderr()
    if quiet:

        def nothing(item: TaskResult, done: int, total: int) -> None:
            pass

        yield nothing
        return
    if not console.is_terminal:

        def line(item: TaskResult, done: int, total: int) -> None:
            if item.status != "fresh":
                seconds = f" ({item.seconds:.1f} s)" if item.seconds else ""
                click.echo(
                    f"[{done}/{total}] {item.status} {display_path(item.path)}{seconds}",
                    err=True,
                )

        yield line
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        handle = bar.add_task("building", total=None)

        def update(item: TaskResult, done: int, total: int) -> None:
            bar.update(
                handle,
                completed=done,
                total=total,
                description=display_path(item.path)[-40:],
            )

        yield update


def print_columns(header: tuple[str, ...], lines: list[tuple[str, ...]]) -> None:
    """A table on a terminal; aligned plain columns in a pipe or a file (nothing cut)."""
    from rich.table import Table

    console = tables()
    numeric = [
        all(c[i].rstrip("%").replace(".", "").isdigit() for c in lines) for i in range(len(header))
    ]
    if not console.is_terminal:
        widths = [
            max(len(x) for x in (name, *(c[i] for c in lines))) for i, name in enumerate(header)
        ]
        for cells in (header, *lines):
            parts = [
                cell.rjust(width) if numeric[i] else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
            ]
            click.echo("  ".join(parts).rstrip())
        return
    table = Table()
    for name, right in zip(header, numeric, strict=True):
        table.add_column(name, justify="right" if right else "left", overflow="fold")
    for cells in lines:
        table.add_row(*cells, end_section=cells[1] == "all files")
    console.print(table)


def local_time(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    """A moment in the schedules' time zone, to the minute; ``-`` for none."""
    if moment is None:
        return "-"
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


INTERRUPTED = 130
"""The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells expect."""


def interrupted() -> NoReturn:
    """Ctrl-C: one line and exit 130; writes are atomic, so nothing is left half-done."""
    click.echo("interrupted: nothing half-written was left", err=True)
    sys.exit(INTERRUPTED)
