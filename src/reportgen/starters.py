"""``reportgen new``: commented starter files that validate as they are."""

from __future__ import annotations

import datetime as dt
from importlib.resources import files
from pathlib import Path
from string import Template

from reportgen.errors import UsageError

FOLDERS = {"city": "cities", "proposal": "proposals", "visit": "visits"}


def default_path(kind: str, ident: str, profiles: Path | None) -> Path:
    """``<profiles>/<cities|proposals|visits>/<id>.yaml`` in a project, else ``<id>.yaml``."""
    if profiles is not None and profiles.is_dir():
        return profiles / FOLDERS[kind] / f"{ident}.yaml"
    return Path(f"{ident}.yaml")


def render(
    kind: str,
    ident: str,
    *,
    path: Path,
    city: str = "your-city",
    partner: str = "partner-city",
    country: str = "JP",
    today: dt.date | None = None,
) -> str:
    """The starter text of ``kind``; ``city`` and ``partner`` fill in the references."""
    from pydantic import TypeAdapter, ValidationError

    from reportgen.models.types import Id

    try:
        TypeAdapter(Id).validate_python(ident)
    except ValidationError as exc:
        raise UsageError(exc.errors()[0]["msg"]) from None
    today = today or dt.date.today()
    visit_start = today + dt.timedelta(days=30)
    source = files("reportgen").joinpath("starters", f"{kind}.yaml").read_text("utf-8")
    return Template(source).substitute(
        id=ident,
        path=path.as_posix(),
        title=ident.replace("-", " ").title(),
        city=city,
        partner=partner,
        country=country,
        year=today.year,
        month=f"{today:%Y-%m}",
        next_year=today.year + 1,
        end_year=today.year + 3,
        visit_start=visit_start.isoformat(),
        visit_end=(visit_start + dt.timedelta(days=2)).isoformat(),
        timezone="Asia/Tokyo",
    )
