"""``reportgen batch``: every job of a manifest, what is fresh skipped, one summary."""

from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli.options import batch_options, quiet_option
from reportgen.cli.present import print_batch, print_office_note, progress
from reportgen.errors import ExitStatus
from reportgen.workspace import Options


def _scheduler(value: str | None) -> str | None:
    import re

    from reportgen.models.manifest import SCHEDULER_HINT, SCHEDULER_PATTERN

    if value is not None and not re.fullmatch(SCHEDULER_PATTERN, value):
        raise click.BadParameter(f"'{value}' is not a Dask scheduler: {SCHEDULER_HINT}")
    return value


@click.command()
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
    with progress(quiet=quiet) as shown:
        result = batches.run(context, settings=settings, progress=shown)
    if report_file is not None:
        batches.write_report(report_file, result, workspace.manifest.file_mode)
    if as_json:
        import json

        click.echo(json.dumps(batches.report_json(result), indent=2, ensure_ascii=False))
    print_batch(result, strict=options.strict, quiet=quiet)
    if not quiet:
        built = (r.path for r in result.results if r.status == "built")
        print_office_note(built, options, result.unnumbered)
    if not result.ok:
        raise SystemExit(ExitStatus.FAILURE)
