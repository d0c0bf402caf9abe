"""``reportgen init`` and ``reportgen new``: a project, and a profile, to start from."""

from __future__ import annotations

from pathlib import Path

import click

from reportgen.cli.options import debug_option, profiles_option
from reportgen.errors import display_path
from reportgen.registry import kind_names


@click.command()
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
@debug_option
def new(
    kind: str,
    ident: str,
    output: Path | None,
    force: bool,
    profiles: Path | None,
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


@click.command()
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
@debug_option
def init(
    folder: Path,
    city: str | None,
    country: str | None,
    timezone: str | None,
    currency: str | None,
    force: bool,
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
