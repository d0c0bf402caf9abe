"""``reportgen init``: a new project that validates as it is, with what is left to fill in marked.

It writes a manifest naming the office's own city as ``home``, ``profiles/`` with that
city, a partner city, a visit and a proposal (starters that refer to each other), and a
``.gitignore`` for the built documents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen import starters
from reportgen.errors import UsageError, display_path

if TYPE_CHECKING:
    from reportgen.models import CityProfile

PARTNER = "partner-city"
IGNORED = "output/"
KEPT = {".git"}
"""What a folder may hold and still count as empty (``git init`` first is fine)."""

MANIFEST = """\
# reportgen project: what `reportgen batch` builds, and where (see the README,
# "Start your own project"). Check everything with: reportgen validate reportgen.yaml profiles
home: {home}{home_gap}# our city: the "we" of the documents; visits follow from it
profiles: profiles
output: output
{timezone}defaults: {{formats: [pdf], languages: [en], audience: internal}}
jobs:
  - {{name: city-profiles, document: city-profile, sources: [profiles/cities/*.yaml]}}
  - {{name: briefings, document: briefing, sources: [profiles/visits/*.yaml]}}
  - {{name: proposals, document: proposal, sources: [profiles/proposals/*.yaml]}}
# schedules:
#   - {{name: nightly, cron: "0 2 * * *", jobs: [city-profiles, briefings, proposals]}}
"""


@dataclass(frozen=True)
class Created:
    """What ``init`` wrote, for the message that says what to do next."""

    folder: Path
    files: list[Path]
    home: str


def _is_empty(folder: Path) -> bool:
    return not folder.exists() or all(child.name in KEPT for child in folder.iterdir())


def init(
    folder: Path,
    *,
    city: str | None = None,
    country: str | None = None,
    timezone: str | None = None,
    currency: str | None = None,
    force: bool = False,
    today: dt.date,
) -> Created:
    """Write a new project into ``folder``; refuses a folder with files unless ``force``.

    ``city`` is the office's own city, by name (``Malmö``) or id; without it the project
    names it ``our-city``, to be filled in. Even with ``force`` it never replaces a file
    (only ``.gitignore`` gets a line) and never writes through a symbolic link: it then
    writes nothing and names each such file.
    """
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{display_path(folder)} is a file, not a folder")
    if not force and not _is_empty(folder):
        raise UsageError(
            f"{display_path(folder)} is not empty: start the project in a new folder "
            "(reportgen init FOLDER), or add --force to write its files here anyway"
        )
    home, name = _home(city)
    zone = timezone or starters.zone_of_country(country)
    plan: list[tuple[str, starters.Starter]] = [
        ("cities", starters.Starter("city", home, name=name, country=country)),
        ("cities", starters.Starter("city", PARTNER, name="TODO: name of the partner city")),
    ]
    visit = f"{PARTNER}-to-{home}-{today + dt.timedelta(days=30):%Y-%m}"
    proposal = f"{home}-{PARTNER}-project"
    plan += [
        (
            "visits",
            starters.Starter("visit", visit, city=home, partner=PARTNER, home=home, timezone=zone),
        ),
        (
            "proposals",
            starters.Starter(
                "proposal", proposal, city=home, partner=PARTNER, home=home, currency=currency
            ),
        ),
    ]
    texts: list[tuple[Path, str]] = []
    cities = _cities(home, name, country)
    for sub, starter in plan:
        path = folder / "profiles" / sub / f"{starter.ident}.yaml"
        shown = path.relative_to(folder)
        texts.append((path, starters.render(starter, path=shown, cities=cities, today=today)))
    manifest = MANIFEST.format(
        home=home,
        home_gap=" " * max(1, starters.COMMENT_COLUMN - len(f"home: {home}")),
        timezone=f"timezone: {zone}  # schedules run on this clock\n" if zone else "",
    )
    texts.insert(0, (folder / "reportgen.yaml", starters.align_comments(manifest)))
    ignore = folder / ".gitignore"
    _check_places([path for path, _ in texts], ignore, folder)
    from reportgen.output import write_atomic

    for path, text in texts:
        write_atomic(path, text.encode("utf-8"))
    written = [path for path, _ in texts]
    lines = ignore.read_text("utf-8").splitlines() if ignore.is_file() else []
    if IGNORED not in lines and "output" not in lines:
        write_atomic(ignore, "\n".join([*lines, IGNORED]).lstrip("\n").encode() + b"\n")
        written.append(ignore)
    return Created(folder, written, home)


def _check_places(paths: list[Path], ignore: Path, folder: Path) -> None:
    """Refuse, naming each, the files ``init`` would replace and the links it would
    write through (a folder of the project that is a symbolic link)."""
    from reportgen.errors import InvalidInput, Issue, Report, display_link
    from reportgen.output import linked_on_the_way

    problems: dict[str, str] = {}
    for path in [*paths, ignore]:
        link = linked_on_the_way(folder, path)
        if link is not None:
            problems[display_link(link)] = (
                "is a symbolic link: init never writes through one; remove it, or start "
                "the project in a new folder"
            )
        elif path != ignore and path.exists():
            problems[display_path(path)] = (
                "exists already: init never replaces a profile or the manifest; move it "
                "away, or start the project in a new folder"
            )
    if problems:
        raise InvalidInput(
            Report([Issue(name, None, None, "", message) for name, message in problems.items()])
        )


def _home(city: str | None) -> tuple[str, str | None]:
    """The home city's id and name: ``Malmö`` -> (``malmo``, ``Malmö``)."""
    if city is None:
        return "our-city", "TODO: name of our city"
    made = starters.slug(city)
    if not made:
        raise UsageError(
            f"cannot make an id from '{city}': give the city's name in Latin letters "
            "(--city Kitakyushu), and add its own script in the profile"
        )
    return made, city if made != city else city.replace("-", " ").title()


def _cities(home: str, name: str | None, country: str | None) -> dict[str, CityProfile]:
    """The two cities as the visit and proposal starters see them (names, country)."""
    from reportgen.models import CityProfile
    from reportgen.models.types import Text

    def city(ident: str, text: str, code: str | None) -> CityProfile:
        return CityProfile.model_construct(
            kind="city", id=ident, name=Text(default=text), country=code or "ZZ", summary=Text()
        )

    return {
        home: city(home, name or home, country),
        PARTNER: city(PARTNER, "TODO: name of the partner city", None),
    }


def next_steps(created: Created) -> str:
    """What to do now, printed after the list of files."""
    where = display_path(created.folder)
    go = f"  cd {where}\n" if created.folder.resolve() != Path.cwd().resolve() else ""
    return (
        f"{go}"
        "  reportgen validate reportgen.yaml profiles   # lists every TODO left to fill in\n"
        f"  reportgen build profiles/cities/{created.home}.yaml   # one document, into output/\n"
        "  reportgen batch                               # every job of reportgen.yaml\n"
        "Add cities, visits and proposals with reportgen new city|visit|proposal ID."
    )
