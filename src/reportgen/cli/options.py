"""The flags that several commands share, and the one ``Options`` a command makes of them.

Each command declares only the flags it uses: ``--debug`` everywhere (the entry point
reads it), ``--strict`` and ``--stale-after`` where warnings are checked.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from reportgen.limits import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT
from reportgen.workspace import Options

F = TypeVar("F", bound=Callable[..., Any])


class DayType(click.ParamType):  # type: ignore[type-arg]
    """A day as profiles write dates: 2024-05-31, or 2024-05 and 2024 for their last day."""

    name = "DATE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
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
        help="Archival (an internal edition's source profiles attached), accessible "
        "(tagged) or plain PDF; public editions are accessible unless 'none'.",
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
    return strict_option(stale_after_option(debug_option(decorated)))  # type: ignore[return-value]


def make_options(**values: Any) -> Options:
    """The one ``Options`` object of a command, from its flags (unset ones keep defaults)."""
    renamed = {"memory_limit": "memory_mb"}
    known = {name for name in Options.__dataclass_fields__}
    chosen = {renamed.get(k, k): v for k, v in values.items() if v not in (None, ())}
    return Options(**{k: v for k, v in chosen.items() if k in known})


strict_option = click.option("--strict", is_flag=True, help="Treat warnings as errors.")
"""``--strict``: of the commands that check profiles and say what they warn of."""

stale_after_option = click.option(
    "--stale-after",
    type=click.IntRange(min=1),
    default=24,
    show_default=True,
    metavar="MONTHS",
    help="Warn about facts older than this.",
)
"""``--stale-after``: of the commands that check facts' dates."""

debug_option = click.option("--debug", is_flag=True, expose_value=False, help="Show tracebacks.")
"""``--debug``, which every command takes; the entry point reads it, not the command."""


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

manifest_argument = click.argument(
    "manifest", required=False, type=click.Path(exists=True, path_type=Path)
)
