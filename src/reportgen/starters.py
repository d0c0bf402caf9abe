"""``reportgen new`` and ``reportgen init``: commented starter files that validate as they are.

Starters assume no country: what they cannot know is a placeholder (see
``reportgen.placeholders``) that ``validate`` reports until it is filled in, or comes from
the options (``--country``, ``--timezone``, ``--currency``) and from the cities the
project already has (a visit's time zone from its host's country, a budget's currency
from its lead's).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

from reportgen import placeholders
from reportgen.errors import UsageError

if TYPE_CHECKING:
    from reportgen.models import CityProfile
    from reportgen.workspace import Workspace

DEFAULT_ZONE = "UTC"

_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)


def default_path(kind: str, ident: str, profiles: Path | None) -> Path:
    """``<profiles>/<the kind's folder>/<id>.yaml`` in a project (``cities/``), else
    ``<id>.yaml``."""
    from reportgen.registry import KINDS

    if profiles is not None and profiles.is_dir():
        return profiles / KINDS[kind].folder / f"{ident}.yaml"
    return Path(f"{ident}.yaml")


def slug(name: str) -> str:
    """An id made from a name: ``Malmö`` -> ``malmo``, ``São Paulo`` -> ``sao-paulo``."""
    folded = unicodedata.normalize("NFKD", name.lower().translate(_LETTERS))
    ascii_only = "".join(ch for ch in folded if ch.isascii())
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")[:63].strip("-")


def check_id(kind: str, given: str) -> str:
    """``given`` if it is a valid id; else a usage error that suggests one made from it.

    ``reportgen new city Malmö`` is told to write ``malmo --name Malmö``.
    """
    from pydantic import TypeAdapter, ValidationError

    from reportgen.models.types import Id

    try:
        return str(TypeAdapter(Id).validate_python(given))
    except ValidationError as exc:
        problem = str(exc.errors()[0]["msg"])
    made = slug(given)
    if made and made != given and "/" not in given and "\n" not in given:
        named = f" --name {quoted(given)}" if kind == "city" else ""
        problem += f"; write: reportgen new {kind} {made}{named}"
    raise UsageError(problem)


def _checked(kind: str, value: str | None, option: str) -> str | None:
    """An option's value, validated as the profile field it fills (``--country SE``)."""
    from pydantic import TypeAdapter, ValidationError

    from reportgen.models.types import Country, Currency, TimeZoneName

    if value is None:
        return None
    types: dict[str, Any] = {"country": Country, "currency": Currency, "timezone": TimeZoneName}
    try:
        return str(TypeAdapter(types[kind]).validate_python(value))
    except ValidationError as exc:
        raise UsageError(f"{option}: {exc.errors()[0]['msg']}") from None


def zone_of_country(country: str | None) -> str | None:
    """The time zone of a country that has only one (CLDR): SE -> Europe/Stockholm."""
    from babel.core import get_global

    zones = get_global("territory_zones").get(country or "", [])
    return zones[0] if len(zones) == 1 else None


def currency_of_country(country: str | None) -> str | None:
    """The currency a country uses today (CLDR): SE -> SEK."""
    from babel.numbers import get_territory_currencies

    if not country or country == placeholders.COUNTRY:
        return None
    found = get_territory_currencies(country, tender=True)
    return found[0] if found else None


def quoted(text: str) -> str:
    """``text`` as a YAML double-quoted string (JSON's form is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def english_name(city: CityProfile | None, ident: str) -> str:
    """The name a city's profile gives in English (else its default), or its id."""
    if city is None:
        return ident
    return city.name.get("en")


@dataclass(frozen=True)
class Starter:
    """What a starter is filled with; anything left None is derived or a placeholder."""

    kind: str
    ident: str
    name: str | None = None
    """A city's name (``Malmö``); default: the id, capitalised."""
    city: str = "your-city"
    """Lead city of a proposal, host of a visit."""
    partner: str = "partner-city"
    """Partner of a proposal, guest of a visit."""
    country: str | None = None
    timezone: str | None = None
    currency: str | None = None
    home: str | None = None
    """The office's own city, when the manifest names one (a visit's direction follows)."""
    manifest_timezone: str | None = None


def render(
    starter: Starter,
    *,
    path: Path,
    cities: dict[str, CityProfile] | None = None,
    today: dt.date | None = None,
) -> str:
    """The starter text; ``cities`` are the project's, by id, for names and defaults."""
    from reportgen.registry import KINDS

    cities = cities or {}
    country = _checked("country", starter.country, "--country")
    zone = _checked("timezone", starter.timezone, "--timezone")
    currency = _checked("currency", starter.currency, "--currency")
    today = today or dt.date.today()
    host, lead = cities.get(starter.city), cities.get(starter.city)
    visit_start = today + dt.timedelta(days=30)
    visit_end = visit_start + dt.timedelta(days=2)
    year = today.year + 1
    if starter.kind == "visit" and starter.home in (starter.city, starter.partner):
        direction = (
            "# direction: follows from home: in reportgen.yaml "
            "(we host: inbound, we travel: outbound)"
        )
    else:
        direction = "direction: inbound  # inbound: we host the guest; outbound: we travel"
    guest_name = english_name(cities.get(starter.partner), starter.partner)
    host_name = english_name(host, starter.city)
    title = f"{guest_name} delegation to {host_name}"
    if placeholders.is_placeholder_text(guest_name) or placeholders.is_placeholder_text(host_name):
        title = "TODO: title of the visit"
    values = {
        "id": starter.ident,
        "path": path.as_posix(),
        "name": quoted(starter.name or starter.ident.replace("-", " ").title()),
        "title": quoted(title),
        "city": starter.city,
        "partner": starter.partner,
        "country": country or placeholders.COUNTRY,
        "year": today.year,
        "month": f"{today:%Y-%m}",
        "start": f"{year}-01",
        "activity_end": f"{year}-06",
        "end": f"{year + 1}-12",
        "visit_start": visit_start.isoformat(),
        "visit_end": visit_end.isoformat(),
        "follow_up": (visit_end + dt.timedelta(days=30)).isoformat(),
        "timezone": zone
        or zone_of_country(host.country if host else None)
        or starter.manifest_timezone
        or DEFAULT_ZONE,
        "currency": currency
        or currency_of_country(lead.country if lead else None)
        or placeholders.CURRENCY,
        "direction": direction,
    }
    package, _, where = KINDS[starter.kind].starter.partition(":")
    source = files(package).joinpath(where).read_text("utf-8")
    return align_comments(Template(source).substitute(values))


COMMENT_COLUMN = 40


def align_comments(text: str) -> str:
    """Comments after values start in one column again once the values are filled in."""
    lines = []
    for line in text.splitlines():
        code, gap, comment = line.partition("  # ")
        if gap and code.strip() and not code.lstrip().startswith("#"):
            line = f"{code.rstrip():<{COMMENT_COLUMN - 1}} # {comment}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def write_new(
    kind: str,
    given: str,
    workspace: Workspace,
    *,
    output: Path | None = None,
    force: bool = False,
    **options: Any,
) -> Path:
    """``reportgen new``: write the starter of ``kind`` for the id ``given``; its path.

    ``options`` are those of ``Starter`` (``name``, ``city``, ``partner``, ``country``,
    ``timezone``, ``currency``); the lead or host defaults to the manifest's home city,
    else to the project's first city, and the partner or guest to another one.
    """
    from reportgen.errors import display_path
    from reportgen.models import CityProfile
    from reportgen.output import write_atomic

    ident = check_id(kind, given)
    target = output or default_path(kind, ident, workspace.profiles)
    if target.exists() and not force:
        raise UsageError(f"{target} exists; use --force to overwrite it")
    home = workspace.manifest.home
    known = workspace.project()
    cities = {
        e.id: e.profile
        for e in sorted(known.entries.values(), key=lambda e: str(e.path))
        if e.id and isinstance(e.profile, CityProfile)
    }
    ids = sorted(cities)
    city = options.pop("city", None) or (home if home in cities else None)
    city = city or (ids[0] if ids else "your-city")
    partner = options.pop("partner", None) or next((c for c in ids if c != city), "partner-city")
    starter = Starter(
        kind,
        ident,
        city=city,
        partner=partner,
        home=home,
        manifest_timezone=workspace.manifest.timezone,
        **{key: value for key, value in options.items() if value is not None},
    )
    text = render(starter, path=Path(display_path(target)), cities=cities, today=workspace.today)
    write_atomic(target, text.encode("utf-8"))
    return target
