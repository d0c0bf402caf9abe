"""``reportgen translations export|import|status|new-catalog``: the translators' round trip."""

from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli.options import debug_option, profiles_option, strict_option
from reportgen.cli.present import print_columns, print_report, stderr
from reportgen.errors import ExitStatus, InvalidInput, display_path


@click.group()
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
@debug_option
def translations_export(
    lang: str,
    paths: tuple[Path, ...],
    output: Path | None,
    fmt: str,
    everything: bool,
    documents: bool,
    profiles: Path | None,
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
        stderr().print(f"nothing to translate: every text has a {lang} form{hint}")
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
        stderr().print(f"{line} for translation or review in {lang} ({have} have it already)")
    else:
        stderr().print(f"{line} to translate into {lang}")


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
@strict_option
@debug_option
def translations_import(
    files: tuple[Path, ...],
    dry_run: bool,
    overwrite: bool,
    project_folder: Path | None,
    strict: bool,
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
    stderr().print(f"[{'red' if failed else 'green'}]{prefix}{result.summary()}[/]")
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
@debug_option
def translations_status(
    paths: tuple[Path, ...],
    languages: tuple[str, ...],
    documents: bool,
    as_json: bool,
    profiles: Path | None,
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
    print_columns(("language", "file", "texts", "translated", "missing", "done"), lines)


@translations.command("new-catalog")
@click.argument("lang", metavar="LANG")
@click.option(
    "--force",
    is_flag=True,
    help="Add to a catalog that exists the strings it lacks (keeps the rest).",
)
@debug_option
def translations_new_catalog(lang: str, force: bool) -> None:
    """Start locales/LANG/LC_MESSAGES/reportgen.po beside reportgen.yaml (fixed strings).

    A string translated there replaces the shipped one; one left empty keeps it.
    """
    from reportgen.translations.catalogs import new_catalog
    from reportgen.workspace import Workspace

    workspace = Workspace.resolve()
    path = new_catalog(workspace, lang, force=force)
    click.echo(display_path(path))
