"""``reportgen build``: one document from one file, in each format and language asked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from reportgen.audience import AUDIENCES
from reportgen.cli.options import (
    debug_option,
    limit_options,
    make_options,
    profiles_option,
    render_options,
    stale_after_option,
    strict_option,
)
from reportgen.cli.present import print_office_note, print_report
from reportgen.errors import display_path
from reportgen.registry import DOCUMENTS, RENDERERS


@click.command()
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
@strict_option
@stale_after_option
@debug_option
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
) -> None:
    """Build one document from FILE in each format and language asked."""
    from reportgen.context import BuildContext
    from reportgen.pipeline import build as run_build
    from reportgen.step import limits

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
    with limits(options):
        result = run_build(context, file, document=document, output=output)
    print_report(result.report)
    for path in result.written:
        click.echo(display_path(path))
    print_office_note(result.written, options, result.unnumbered)
