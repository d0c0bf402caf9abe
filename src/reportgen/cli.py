"""The ``reportgen`` command: thin commands over plain functions.

This module is the one place where errors become messages and exit codes. Heavy
modules are imported inside the commands, so ``--help`` and ``validate`` start fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from reportgen._version import __version__
from reportgen.errors import (
    ExitStatus,
    InvalidInput,
    Report,
    ReportgenError,
    Severity,
    display_path,
)
from reportgen.limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from reportgen.registry import DOCUMENTS, RENDERERS, kind_names
from reportgen.workspace import AUDIENCES, Options

F = TypeVar("F", bound=Callable[..., Any])


class DayType(click.ParamType):  # type: ignore[type-arg]
    """A day as profiles write dates: 2024-05-31, or 2024-05 and 2024 for their last day."""

    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from pydantic_core import PydanticCustomError

        from reportgen.models.types import PartialDate

        if isinstance(value, dt.date):
            return value
        try:
            return PartialDate.parse(str(value)).last
        except PydanticCustomError as exc:
            self.fail(exc.message(), param, ctx)


def render_options(func: F) -> F:
    """``--paper``, ``--pdf-variant``, ``--reference-docx``, ``--allow-untranslated`` (how
    outputs are rendered) and ``--as-of`` (the day they are written as of)."""
    from reportgen.workspace import PAPERS, PDF_VARIANTS

    func = click.option(
        "--allow-untranslated",
        is_flag=True,
        help="Build an edition that has untranslated texts anyway: each is printed in "
        "English, marked, and the cover says it is a partial translation.",
    )(func)
    func = click.option(
        "--as-of",
        type=DayType(),
        help="Write as of this day (2024-05-31; a month or year: its last day), "
        "with only what was known by then.",
    )(func)
    func = click.option(
        "--reference-docx",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Word file whose styles the DOCX uses (a city's own template).",
    )(func)
    func = click.option(
        "--pdf-variant",
        type=click.Choice(PDF_VARIANTS),
        help="Archival (sources attached), accessible (tagged) or plain PDF; "
        "public editions are accessible unless 'none'.",
    )(func)
    func = click.option(
        "--no-page-numbers",
        "page_numbers",
        flag_value=False,
        default=None,
        help="Word contents without page numbers (no LibreOffice layout pass).",
    )(func)
    func = click.option(
        "--no-embed-fonts",
        "embed_fonts",
        flag_value=False,
        default=None,
        help="Word files without the subsets of the fonts they use (smaller files).",
    )(func)
    return click.option("--paper", type=click.Choice(PAPERS), default="a4", show_default=True)(func)


_BATCH_FLAGS = (
    "as_of",
    "paper",
    "allow_untranslated",
    "pdf_variant",
    "reference_docx",
    "page_numbers",
    "embed_fonts",
    "timeout",
    "memory_limit",
    "strict",
    "stale_after",
)


def batch_options(func: F) -> F:
    """The flags of every command that runs a batch (``batch``, ``schedule run|due``):
    render options, limits, ``--strict`` and ``--stale-after``, given to the command as
    one ``options`` argument, so that none of them can be lost between the three."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        flags = {name: kwargs.pop(name) for name in _BATCH_FLAGS}
        return func(*args, options=make_options(**flags), **kwargs)

    decorated = render_options(wrapper)
    decorated = limit_options("one document", "a worker process")(decorated)
    return common_options(decorated)  # type: ignore[return-value]


def make_options(**values: Any) -> Options:
    """The one ``Options`` object of a command, from its flags (unset ones keep defaults)."""
    renamed = {"memory_limit": "memory_mb"}
    known = {name for name in Options.__dataclass_fields__}
    chosen = {renamed.get(k, k): v for k, v in values.items() if v not in (None, ())}
    return Options(**{k: v for k, v in chosen.items() if k in known})


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def _tables() -> Any:
    """The console of the tables on a terminal: what they show (file names, failures,
    names from the manifest) is text, never Rich markup, emoji codes or highlighting."""
    from rich.console import Console

    return Console(soft_wrap=True, markup=False, highlight=False, emoji=False)


def print_report(report: Report, *, strict: bool = False) -> None:
    """Every error, then every warning, one per line, on standard error."""
    if not report.issues:
        return
    from rich.markup import escape

    console = _stderr()
    for issue in report:
        style = "red" if issue.severity is Severity.ERROR or strict else "yellow"
        console.print(f"[{style}]{escape(str(issue))}[/]")


def common_options(func: F) -> F:
    """``--strict``, ``--stale-after`` and ``--debug``, which every command takes."""

    @click.option("--strict", is_flag=True, help="Treat warnings as errors.")
    @click.option(
        "--stale-after",
        type=click.IntRange(min=1),
        default=24,
        show_default=True,
        metavar="MONTHS",
        help="Warn about facts older than this.",
    )
    @click.option("--debug", is_flag=True, help="Show tracebacks.")
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def limit_options(timed: str, limited: str) -> Callable[[F], F]:
    """``--timeout`` and ``--memory-limit``, the process-level limits of builds."""

    def decorate(func: F) -> F:
        func = click.option(
            "--memory-limit",
            type=click.IntRange(min=256),
            default=DEFAULT_MEMORY_MB,
            show_default=True,
            metavar="MB",
            help=f"Address-space limit of {limited}.",
        )(func)
        return click.option(
            "--timeout",
            type=click.FloatRange(min=1),
            default=DEFAULT_TIMEOUT,
            show_default=True,
            metavar="SECONDS",
            help=f"Time limit of {timed}.",
        )(func)

    return decorate


quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="Print only problems: failures and warnings."
)
json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON summary of each run on standard output."
)

profiles_option = click.option(
    "--profiles",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder where ids are looked up (default: from reportgen.yaml, else ./profiles).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="reportgen")
def cli() -> None:
    """Turn checked, dated profiles of cities into briefing packs and proposals."""


@cli.command()
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH..."
)
@click.option(
    "--lang",
    "languages",
    multiple=True,
    metavar="LANG",
    help="Also check that the documents of PATHS are complete in LANG: each text they "
    "print that has no LANG translation is an error, as in a build; repeat for several.",
)
@profiles_option
@common_options
def validate(
    paths: tuple[Path, ...],
    languages: tuple[str, ...],
    profiles: Path | None,
    strict: bool,
    stale_after: int,
    debug: bool,
) -> None:
    """Check profile files and folders (recursively): every error, and stale facts."""
    from reportgen import validation
    from reportgen.workspace import Workspace

    options = make_options(strict=strict, stale_after=stale_after)
    workspace = Workspace.resolve(paths[0], profiles=profiles, options=options)
    report = validation.validate(list(paths), workspace)
    if languages and not report.errors:
        from reportgen.targets import check_language
        from reportgen.translations.scope import edition_issues

        chosen = [check_language(lang) for lang in languages]
        report.extend(edition_issues(workspace, list(paths), chosen).issues)
    print_report(report, strict=strict)
    errors, warnings = len(report.errors), len(report.warnings)
    summary = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    if report.failed(strict=strict):
        reason = " (--strict: warnings fail)" if strict and not errors else ""
        _stderr().print(f"[red]invalid:[/] {summary}{reason}")
        raise SystemExit(ExitStatus.FAILURE)
    _stderr().print(f"[green]valid:[/] {summary}")


@cli.command()
@click.argument("kind", required=False, type=click.Choice([*kind_names(), "manifest"]))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file."
)
@common_options
def schema(
    kind: str | None, output: Path | None, strict: bool, stale_after: int, debug: bool
) -> None:
    """Print the JSON Schema of a kind (all profile kinds when none is given).

    Point your editor's YAML extension at it for completion and checks as you type.
    """
    import json

    from reportgen.models import json_schema
    from reportgen.output import write_atomic

    text = json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text.encode("utf-8"))
        click.echo(str(output), err=True)


@cli.command()
@click.argument("kind", type=click.Choice(kind_names()))
@click.argument("ident", metavar="ID")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write (default: profiles/<kind>s/ID.yaml, or ./ID.yaml outside a project).",
)
@click.option(
    "--city", metavar="ID", help="Lead or host city id (default: the home city, else the first)."
)
@click.option("--partner", metavar="ID", help="Partner or guest city id (default: another one).")
@click.option("--name", metavar="NAME", help="A city's name as it is written: Malmö, São Paulo.")
@click.option(
    "--country", metavar="CODE", help="A city's ISO 3166-1 code (default: ZZ, to fill in)."
)
@click.option(
    "--timezone", metavar="ZONE", help="A visit's IANA time zone (default: the host's country's)."
)
@click.option(
    "--currency", metavar="CODE", help="A budget's ISO 4217 code (default: the lead's country's)."
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@profiles_option
@common_options
def new(
    kind: str,
    ident: str,
    output: Path | None,
    force: bool,
    profiles: Path | None,
    strict: bool,
    stale_after: int,
    debug: bool,
    **options: str | None,
) -> None:
    """Write a commented starter profile of KIND with the id ID.

    What the starter cannot know is marked TODO (text), 123456 (figures), ZZ (country)
    or XXX (currency); validate lists each until it is filled in.
    """
    from reportgen import starters
    from reportgen.workspace import Workspace

    workspace = Workspace.resolve(profiles=profiles)
    target = starters.write_new(kind, ident, workspace, output=output, force=force, **options)
    click.echo(display_path(target))


@cli.command()
@click.argument(
    "folder", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)
@click.option("--city", metavar="NAME", help="Your own city, as it is written: Malmö.")
@click.option(
    "--country", metavar="CODE", help="Its ISO 3166-1 code: SE (default: ZZ, to fill in)."
)
@click.option("--timezone", metavar="ZONE", help="Its IANA time zone (default: its country's).")
@click.option("--currency", metavar="CODE", help="Budgets' ISO 4217 code (default: its country's).")
@click.option("--force", is_flag=True, help="Write into a folder that has files already.")
@common_options
def init(
    folder: Path,
    city: str | None,
    country: str | None,
    timezone: str | None,
    currency: str | None,
    force: bool,
    strict: bool,
    stale_after: int,
    debug: bool,
) -> None:
    """Start a project in FOLDER (default: here): manifest, profiles/ and .gitignore."""
    from reportgen import init as starting
    from reportgen.workspace import Clock

    created = starting.init(
        folder,
        city=city,
        country=country,
        timezone=timezone,
        currency=currency,
        force=force,
        today=Clock.from_environment().today,
    )
    click.echo(f"started a reportgen project in {display_path(folder)}:")
    for path in created.files:
        click.echo(f"  {display_path(path)}")
    click.echo("Next:")
    click.echo(starting.next_steps(created))


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--document",
    type=click.Choice(list(DOCUMENTS)),
    help="Document to build (default: from the profile's kind).",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(list(RENDERERS)),
    help="Format; repeat for several (default: pdf).",
)
@click.option(
    "--lang",
    "languages",
    multiple=True,
    metavar="LANG",
    help="Language (BCP 47); repeat for several (default: en).",
)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default="internal",
    show_default=True,
    help="public leaves out everything marked internal.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="The file when one is built, else a folder (default: output/).",
)
@render_options
@limit_options("the build", "the build")
@profiles_option
@common_options
def build(
    file: Path,
    document: str | None,
    formats: tuple[str, ...],
    languages: tuple[str, ...],
    audience: str,
    output: Path | None,
    as_of: dt.date | None,
    paper: str,
    pdf_variant: str | None,
    reference_docx: Path | None,
    page_numbers: bool | None,
    embed_fonts: bool | None,
    allow_untranslated: bool,
    timeout: float,
    memory_limit: int,
    profiles: Path | None,
    strict: bool,
    stale_after: int,
    debug: bool,
) -> None:
    """Build one document from FILE in each format and language asked."""
    from reportgen.context import BuildContext
    from reportgen.limits import limited
    from reportgen.pipeline import build as run_build

    options = make_options(
        formats=formats,
        languages=languages,
        audience=audience,
        as_of=as_of,
        paper=paper,
        pdf_variant=pdf_variant,
        reference_docx=reference_docx,
        page_numbers=page_numbers,
        embed_fonts=embed_fonts,
        allow_untranslated=allow_untranslated,
        timeout=timeout,
        memory_limit=memory_limit,
        strict=strict,
        stale_after=stale_after,
    )
    context = BuildContext.resolve(file, profiles=profiles, options=options)
    with limited(timeout=options.timeout, memory_mb=options.memory_mb):
        result = run_build(context, file, document=document, output=output)
    print_report(result.report)
    for path in result.written:
        click.echo(display_path(path))
    print_office_note(result.written, options)


def print_office_note(written: Iterable[Path], options: Options) -> None:
    """One line when Word files were written without LibreOffice to number their contents."""
    if not options.page_numbers or not any(path.suffix == ".docx" for path in written):
        return
    from reportgen.renderers.docx import office

    if office.soffice() is None:
        click.echo(office.NOT_INSTALLED, err=True)


@cli.command()
@common_options
def doctor(strict: bool, stale_after: int, debug: bool) -> None:
    """Check this machine: engines, system libraries and fonts for each script."""
    import ctypes.util
    import importlib.metadata

    from rich.table import Table

    from reportgen import fonts

    rows: list[tuple[str, str, bool]] = []
    for package, needed_for in (
        ("weasyprint", "PDF"),
        ("python-docx", "Word"),
        ("cairosvg", "pictures in Word"),
        ("uharfbuzz", "fonts in Word"),
    ):
        try:
            version = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            rows.append((f"{package} ({needed_for})", "not installed: run ./run setup", False))
        else:
            rows.append((f"{package} ({needed_for})", version, True))
    from reportgen.renderers.pdf import available

    loads, reason = available()
    rows.append(("WeasyPrint loads", "yes" if loads else reason, loads))
    subset = ctypes.util.find_library("harfbuzz-subset") is not None
    rows.append(
        (
            "HarfBuzz subsetting (libharfbuzz-subset0)",
            "yes"
            if subset
            else "missing: PDFs build about 7x slower; apt-get install libharfbuzz-subset0",
            subset,
        )
    )
    from reportgen.renderers.docx import office

    soffice = office.soffice()
    rows.append(
        (
            "LibreOffice (Word page numbers; optional)",
            soffice
            if soffice
            else "not installed: Word contents come without page numbers "
            "(apt-get install libreoffice-writer-nogui)",
            True,
        )
    )
    for script, family, own, drawn in fonts.script_report():
        state = (
            family
            if own
            else ("another font" if drawn else "no font: install fonts-noto-cjk fonts-noto-core")
        )
        rows.append((f"Fonts: {script}", state, drawn))
    table = Table(show_header=True, header_style="bold")
    table.add_column("check")
    table.add_column("result")
    table.add_column("")
    for name, result, ok in rows:
        table.add_row(name, result, "[green]ok[/]" if ok else "[red]missing[/]")
    from rich.console import Console

    Console().print(table)
    if not all(ok for _, _, ok in rows):
        raise SystemExit(ExitStatus.FAILURE)


@cli.command()
@click.argument("manifest", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: CPUs).")
@click.option("--force", is_flag=True, help="Rebuild everything, fresh or not.")
@click.option("--only", multiple=True, metavar="NAME", help="Run only this job; repeatable.")
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a JSON record of every task to FILE.",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT|tls://HOST:PORT|local",
    callback=lambda ctx, param, value: _scheduler(value),
    help="Build on a Dask cluster: its scheduler, or local (default: the manifest's).",
)
@click.option(
    "--keep-warm",
    is_flag=True,
    help="Leave the project's snapshot on the Dask workers for the next batch.",
)
@click.option("--json", "as_json", is_flag=True, help="Print that JSON record on standard output.")
@quiet_option
@batch_options
def batch(
    manifest: Path | None,
    jobs: int | None,
    force: bool,
    only: tuple[str, ...],
    report_file: Path | None,
    scheduler: str | None,
    keep_warm: bool,
    as_json: bool,
    quiet: bool,
    options: Options,
    debug: bool,
) -> None:
    """Build every job of a manifest (default: the nearest reportgen.yaml); skip what is fresh."""
    from reportgen import batching as batches
    from reportgen.context import BuildContext

    context = BuildContext.resolve(manifest=manifest, options=options, require_manifest=True)
    workspace = context.workspace
    if report_file is not None:
        from reportgen.output import refuse_link

        refuse_link(report_file)  # before the batch, not after it has built everything
    settings = batches.Settings(
        jobs=jobs or 0, force=force, only=only, scheduler=scheduler, keep_warm=keep_warm
    )
    with _progress(quiet=quiet) as progress:
        result = batches.run(context, settings=settings, progress=progress)
    if report_file is not None:
        batches.write_report(report_file, result, workspace.manifest.file_mode)
    if as_json:
        import json

        click.echo(json.dumps(batches.report_json(result), indent=2, ensure_ascii=False))
    print_batch(result, strict=options.strict, quiet=quiet)
    if not quiet:
        print_office_note((r.path for r in result.results if r.status == "built"), options)
    if not result.ok:
        raise SystemExit(ExitStatus.FAILURE)


def _scheduler(value: str | None) -> str | None:
    import re

    from reportgen.models.manifest import SCHEDULER_HINT, SCHEDULER_PATTERN

    if value is not None and not re.fullmatch(SCHEDULER_PATTERN, value):
        raise click.BadParameter(f"'{value}' is not a Dask scheduler: {SCHEDULER_HINT}")
    return value


def print_batch(result: Any, *, strict: bool = False, quiet: bool = False) -> None:
    """Every failure with its messages, the warnings of what was built, then the summary
    (with ``quiet``, only when something failed) and what stopped the run or kept it out of
    the history (a full disk: the file it could not write)."""
    from rich.markup import escape

    console = _stderr()
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
def _progress(*, quiet: bool = False) -> Iterator[Callable[[Any, int, int], None]]:
    """A progress bar on a terminal; a plain line per finished task otherwise; nothing
    with ``quiet``."""
    console = _stderr()
    if quiet:
        yield lambda item, done, total: None
        return
    if not console.is_terminal:

        def line(item: Any, done: int, total: int) -> None:
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

        def update(item: Any, done: int, total: int) -> None:
            bar.update(
                handle,
                completed=done,
                total=total,
                description=display_path(item.path)[-40:],
            )

        yield update


@cli.group()
def schedule() -> None:
    """Scheduled builds: list the schedules, run them in the foreground, or run what is due."""


manifest_argument = click.argument(
    "manifest", required=False, type=click.Path(exists=True, path_type=Path)
)


def _local(moment: dt.datetime | None, zone: Any) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


@schedule.command("list")
@manifest_argument
@common_options
def schedule_list(manifest: Path | None, strict: bool, stale_after: int, debug: bool) -> None:
    """Every schedule with its jobs, last run and next run (in the schedules' time zone)."""
    from rich.table import Table

    from reportgen import schedule as schedules
    from reportgen import scheduler
    from reportgen.workspace import Workspace

    workspace = Workspace.resolve(manifest=manifest, require_manifest=True)
    path, loaded = _manifest_of(workspace)
    zone = schedules.zone_of(loaded)
    with scheduler.output_history(path, loaded) as state:
        rows = schedules.statuses(loaded, state, dt.datetime.now(dt.UTC))
    table = Table(title=f"schedules of {display_path(path)} (time zone {zone.key})")
    for column in ("schedule", "cron", "jobs", "last run", "result", "next run"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row.schedule.name,
            row.schedule.cron,
            ", ".join(row.schedule.jobs),
            _local(row.last_started, zone),
            row.last_result,
            _local(row.next_run, zone),
        )
    _tables().print(table if rows else "no schedules in the manifest")


def _manifest_of(workspace: Any) -> tuple[Path, Any]:
    """The manifest's path and contents of a workspace that requires one."""
    assert workspace.manifest_path is not None
    return workspace.manifest_path, workspace.manifest


@contextlib.contextmanager
def _schedule_log(zone: Any, *, quiet: bool = False) -> Iterator[None]:
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


@schedule.command("run")
@manifest_argument
@quiet_option
@json_option
@batch_options
def schedule_run(
    manifest: Path | None,
    quiet: bool,
    as_json: bool,
    options: Options,
    debug: bool,
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
    path, loaded = _manifest_of(workspace)
    with _schedule_log(schedules.zone_of(loaded), quiet=quiet):
        runner = scheduler.Scheduler(
            path, options=options, reported=_json_line if as_json else None
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
            _interrupted()
        logging.getLogger("reportgen").info("stopped")


@schedule.command("due")
@manifest_argument
@click.option(
    "--retry-now",
    is_flag=True,
    help="Try every failing schedule now, without waiting for its next try (after a fix).",
)
@quiet_option
@json_option
@batch_options
def schedule_due(
    manifest: Path | None,
    retry_now: bool,
    quiet: bool,
    as_json: bool,
    options: Options,
    debug: bool,
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
    path, loaded = _manifest_of(workspace)
    zone = schedules.zone_of(loaded)
    log = logging.getLogger("reportgen")
    summaries: list[dict[str, Any]] = []
    with _schedule_log(zone, quiet=quiet):
        now = dt.datetime.now(dt.UTC)
        run_batch = scheduler.default_run_batch(lambda: False, options)
        waited: list[str] = []

        def counted(manifest_path: Path, schedule: Any) -> Any:
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


def _health(row: Any) -> str:
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


@cli.command()
@manifest_argument
@click.option("--json", "as_json", is_flag=True, help="Print the schedules as a JSON array.")
@common_options
def status(
    manifest: Path | None, as_json: bool, strict: bool, stale_after: int, debug: bool
) -> None:
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
    path, loaded = _manifest_of(workspace)
    zone = schedules.zone_of(loaded)
    with scheduler.output_history(path, loaded) as history:
        rows = schedules.statuses(loaded, history, dt.datetime.now(dt.UTC))

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


def _failure_line(failure: dict[str, Any]) -> str:
    lines = str(failure.get("error", "")).splitlines()
    where = failure.get("target") or failure.get("job")
    said = lines[0] if lines else "failed"
    return f"{where}: {said}" if where else said


@cli.command()
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option(
    "--manifest",
    type=click.Path(exists=True, path_type=Path),
    help="Manifest whose output folder keeps the history (default: the nearest).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as a JSON array.")
@common_options
def history(
    limit: int,
    manifest: Path | None,
    as_json: bool,
    strict: bool,
    stale_after: int,
    debug: bool,
) -> None:
    """Past batch and scheduled runs with their results, newest first.

    On a terminal a table; piped into a file or grep, one full line per run.
    """
    import json

    from rich.table import Table

    from reportgen import schedule as schedules
    from reportgen import scheduler
    from reportgen.workspace import Workspace

    workspace = Workspace.resolve(manifest=manifest, require_manifest=True)
    path, loaded = _manifest_of(workspace)
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
    console = _tables()
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
            _local(started, zone),
            run.trigger,
            f"{run.seconds:.1f}",
            str(run.built),
            str(run.fresh),
            str(run.failed),
            failures,
        )
    console.print(table)


def _run_line(run: Any, zone: Any) -> str:
    """One run on one line, for logs and grep: no column is folded, nothing wraps."""
    started = _local(dt.datetime.fromtimestamp(run.started, dt.UTC), zone)
    line = (
        f"{started}  {run.trigger}  {run.seconds:.1f} s  "
        f"built {run.built}  fresh {run.fresh}  failed {run.failed}"
    )
    if run.result in ("running", "interrupted"):
        line += f"  {run.result}"
    failures = "; ".join(_failure_line(f) for f in run.failures)
    return f"{line}  {failures}" if failures else line


def _run_json(run: Any, zone: Any) -> dict[str, Any]:
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


@cli.command()
@click.argument(
    "path",
    required=False,
    type=click.Path(exists=True, path_type=Path),
    metavar="[MANIFEST|FOLDER]",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; any other than this machine's own lets others read the profiles.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="0: any free one.",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the index in the web browser.")
@render_options
@limit_options("each build", "each build's worker process")
@profiles_option
@common_options
def serve(
    path: Path | None,
    host: str,
    port: int,
    open_browser: bool,
    as_of: dt.date | None,
    paper: str,
    pdf_variant: str | None,
    reference_docx: Path | None,
    page_numbers: bool | None,
    embed_fonts: bool | None,
    timeout: float,
    memory_limit: int,
    allow_untranslated: bool,
    profiles: Path | None,
    strict: bool,
    stale_after: int,
    debug: bool,
) -> None:
    """Preview every document in the browser, updated as you save (needs reportgen[serve]).

    Without a manifest, the profiles of FOLDER (default: here) with their own documents.
    """
    from reportgen import serve as preview

    options = make_options(
        as_of=as_of,
        paper=paper,
        pdf_variant=pdf_variant,
        reference_docx=reference_docx,
        page_numbers=page_numbers,
        embed_fonts=embed_fonts,
        timeout=timeout,
        memory_limit=memory_limit,
        allow_untranslated=allow_untranslated,
        strict=strict,
        stale_after=stale_after,
    )
    preview.run(path, options, host=host, port=port, open_browser=open_browser, profiles=profiles)


INTERRUPTED = 130
"""The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells expect."""


def _interrupted() -> None:
    """Ctrl-C: one line and exit 130; writes are atomic, so nothing is left half-done."""
    click.echo("interrupted: nothing half-written was left", err=True)
    sys.exit(INTERRUPTED)


def _wants_debug(argv: list[str]) -> bool:
    return "--debug" in argv


def main(argv: list[str] | None = None) -> None:
    """Entry point: run a command and turn every error into a message and an exit code."""
    args = sys.argv[1:] if argv is None else argv
    debug = _wants_debug(args)
    try:
        cli.main(args=args, prog_name="reportgen", standalone_mode=False)
    except InvalidInput as exc:
        if debug:
            raise
        print_report(exc.report)
        _stderr().print(f"[red]error:[/] {exc}")
        sys.exit(exc.exit_status)
    except ReportgenError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_status)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            _interrupted()
        click.echo("aborted", err=True)
        sys.exit(ExitStatus.FAILURE)
    except KeyboardInterrupt:
        _interrupted()
    except SystemExit:
        raise
    except Exception as exc:
        if debug:
            raise
        click.echo(
            f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
            err=True,
        )
        sys.exit(ExitStatus.FAILURE)
    sys.exit(ExitStatus.OK)


@cli.group()
def translations() -> None:
    """The translators' round trip: texts out as XLIFF or PO, translations back in.

    export writes what a language lacks for a CAT tool (Trados, memoQ, Phrase, OmegaT) or
    Weblate and Poedit; import writes the translations back into the profiles, keeping
    comments and layout; status shows what each language lacks.
    """


_paths_argument = click.argument(
    "paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATHS]..."
)
_documents_option = click.option(
    "--documents",
    is_flag=True,
    help="Take profile PATHS as the sources of documents: the texts those documents print, "
    "from every profile they read (a manifest in PATHS always counts so).",
)


@translations.command("export")
@click.option("--lang", "lang", required=True, metavar="LANG", help="Language to translate into.")
@_paths_argument
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write ('-': standard output; default: translations/LANG.xlf or .po).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xliff", "po"]),
    default="xliff",
    show_default=True,
    help="XLIFF 1.2 for CAT tools, PO for Weblate and Poedit.",
)
@click.option("--all", "everything", is_flag=True, help="Also the texts that have LANG already.")
@_documents_option
@profiles_option
@common_options
def translations_export(
    lang: str,
    paths: tuple[Path, ...],
    output: Path | None,
    fmt: str,
    everything: bool,
    documents: bool,
    profiles: Path | None,
    strict: bool,
    stale_after: int,
    debug: bool,
) -> None:
    """Export the texts of PATHS (default: every profile) that have no LANG text yet.

    PATHS are profile files and folders, or a manifest (the texts its documents print).
    """
    from reportgen import translations as round_trip
    from reportgen.output import write_atomic
    from reportgen.targets import check_language
    from reportgen.workspace import Workspace

    check_language(lang)
    start = paths[0] if paths else None
    workspace = Workspace.resolve(start, profiles=profiles)
    done = round_trip.export(
        workspace, list(paths), lang, fmt=fmt, everything=everything, documents=documents
    )
    if done.report.failed():
        raise InvalidInput(done.report)
    print_report(done.report)
    if not done.units:
        hint = "" if everything else " (--all exports them for review)"
        _stderr().print(f"nothing to translate: every text has a {lang} form{hint}")
        return
    if output is not None and str(output) == "-":
        click.echo(done.data.decode("utf-8"), nl=False)
    else:
        target = output or round_trip.default_output(workspace, lang, fmt)
        write_atomic(target, done.data)
        click.echo(display_path(target))
    count, files = len(done.units), done.files
    line = f"{count} text{'s' * (count != 1)} from {files} file{'s' * (files != 1)}"
    if everything:
        have = sum(unit.translated for unit in done.units)
        _stderr().print(f"{line} for translation or review in {lang} ({have} have it already)")
    else:
        _stderr().print(f"{line} to translate into {lang}")


@translations.command("import")
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE...",
)
@click.option("--dry-run", is_flag=True, help="Check and report, but write no profile.")
@click.option(
    "--overwrite",
    is_flag=True,
    help="Replace translations the profiles have already (never their source texts).",
)
@click.option(
    "--project",
    "project_folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The project folder (default: the nearest reportgen.yaml, else here).",
)
@common_options
def translations_import(
    files: tuple[Path, ...],
    dry_run: bool,
    overwrite: bool,
    project_folder: Path | None,
    strict: bool,
    stale_after: int,
    debug: bool,
) -> None:
    """Write the translations of XLIFF or PO FILEs back into the profiles they came from.

    A text whose source changed since the export is not imported: it is reported, located,
    as needing a new translation. Source texts (English, or a text written only in the
    file's language) are never changed; a translation the profile has already is
    replaced only with --overwrite. Files need the digests that export writes.
    """
    from reportgen.translations.importer import import_files
    from reportgen.workspace import Workspace

    workspace = Workspace.resolve(project_folder)
    if project_folder is not None and workspace.manifest_path is None:
        import dataclasses

        workspace = dataclasses.replace(workspace, root=project_folder)
    result = import_files(
        workspace, list(files), dry_run=dry_run, strict=strict, overwrite=overwrite
    )
    print_report(result.report, strict=strict)
    for path in result.written:
        click.echo(display_path(path))
    failed = result.report.failed(strict=strict)
    prefix = "would have " if dry_run else ""
    _stderr().print(f"[{'red' if failed else 'green'}]{prefix}{result.summary()}[/]")
    if failed:
        raise SystemExit(ExitStatus.FAILURE)


@translations.command("status")
@_paths_argument
@click.option(
    "--lang",
    "languages",
    multiple=True,
    metavar="LANG",
    help="Language to count; repeat for several (default: the manifest's and the texts').",
)
@_documents_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@profiles_option
@common_options
def translations_status(
    paths: tuple[Path, ...],
    languages: tuple[str, ...],
    documents: bool,
    as_json: bool,
    profiles: Path | None,
    strict: bool,
    stale_after: int,
    debug: bool,
) -> None:
    """Per language and file: texts, translated, missing, and the percentage translated."""
    import json

    from reportgen.targets import check_language
    from reportgen.translations.status import as_json as rows_json
    from reportgen.translations.status import status
    from reportgen.workspace import Workspace

    for lang in languages:
        check_language(lang)
    start = paths[0] if paths else None
    workspace = Workspace.resolve(start, profiles=profiles)
    rows, report = status(workspace, list(paths), languages, documents=documents)
    if report.failed():
        raise InvalidInput(report)
    if as_json:
        click.echo(json.dumps(rows_json(rows), indent=2, ensure_ascii=False))
        return
    lines: list[tuple[str, ...]] = []
    for entry in rows_json(rows):
        for row in [*entry["files"], {**entry, "file": "all files"}]:
            lines.append(
                (
                    entry["language"],
                    row["file"],
                    str(row["texts"]),
                    str(row["translated"]),
                    str(row["missing"]),
                    f"{row['percent']:.0f}%",
                )
            )
    _print_columns(("language", "file", "texts", "translated", "missing", "done"), lines)


def _print_columns(header: tuple[str, ...], lines: list[tuple[str, ...]]) -> None:
    """A table on a terminal; aligned plain columns in a pipe or a file (nothing cut)."""
    from rich.table import Table

    console = _tables()
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


@translations.command("new-catalog")
@click.argument("lang", metavar="LANG")
@click.option(
    "--force",
    is_flag=True,
    help="Add to a catalog that exists the strings it lacks (keeps the rest).",
)
@common_options
def translations_new_catalog(
    lang: str, force: bool, strict: bool, stale_after: int, debug: bool
) -> None:
    """Start locales/LANG/LC_MESSAGES/reportgen.po beside reportgen.yaml (fixed strings).

    A string translated there replaces the shipped one; one left empty keeps it.
    """
    from reportgen.translations.catalogs import new_catalog
    from reportgen.workspace import Workspace

    workspace = Workspace.resolve()
    path = new_catalog(workspace, lang, force=force)
    click.echo(display_path(path))
