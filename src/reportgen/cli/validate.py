"""``reportgen validate`` and ``reportgen schema``: what is wrong in profiles, and the
schemas that let an editor say so as one types."""

from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli.options import (
    debug_option,
    make_options,
    profiles_option,
    stale_after_option,
    strict_option,
)
from reportgen.cli.present import print_report, stderr
from reportgen.errors import ExitStatus
from reportgen.registry import kind_names


@click.command()
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
@strict_option
@stale_after_option
@debug_option
def validate(
    paths: tuple[Path, ...],
    languages: tuple[str, ...],
    profiles: Path | None,
    strict: bool,
    stale_after: int,
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
        stderr().print(f"[red]invalid:[/] {summary}{reason}")
        raise SystemExit(ExitStatus.FAILURE)
    stderr().print(f"[green]valid:[/] {summary}")


@click.command()
@click.argument("kind", required=False, type=click.Choice([*kind_names(), "manifest"]))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file."
)
@debug_option
def schema(kind: str | None, output: Path | None) -> None:
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
