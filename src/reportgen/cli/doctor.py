"""``reportgen doctor``: what this machine has of what reportgen needs."""

from __future__ import annotations

import click

from reportgen.cli.options import debug_option
from reportgen.errors import ExitStatus


@click.command()
@debug_option
def doctor() -> None:
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
