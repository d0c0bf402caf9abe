"""``reportgen serve``: every document previewed in the browser, rebuilt as one saves."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from reportgen.cli.options import (
    debug_option,
    limit_options,
    make_options,
    profiles_option,
    render_options,
    stale_after_option,
    strict_option,
)
from reportgen.limits import DEFAULT_REQUEST_TIMEOUT


@click.command()
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
@click.option(
    "--request-timeout",
    type=click.FloatRange(min=1),
    default=DEFAULT_REQUEST_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Time a client has to send a request's line and headers; a slower one gets 408.",
)
@render_options
@limit_options("each build", "each build's worker process")
@profiles_option
@strict_option
@stale_after_option
@debug_option
def serve(
    path: Path | None,
    host: str,
    port: int,
    open_browser: bool,
    request_timeout: float,
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
    preview.run(
        path,
        options,
        host=host,
        port=port,
        open_browser=open_browser,
        profiles=profiles,
        request_timeout=request_timeout,
    )
