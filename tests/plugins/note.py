"""The note (``kind: note``): a short text about one city, and the note sheet made of it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from reportgen.errors import Loc
from reportgen.models.common import Sourced
from reportgen.models.types import Id, Text

if TYPE_CHECKING:  # a model's module stays light: the document is built far later
    from reportgen.documents import Content, Profiles
    from reportgen.documents.writer import Writer


class Note(Sourced):
    """A note about a city."""

    kind: Literal["note"]
    id: Id
    city: Id
    """The city it is about (a city profile's id)."""
    title: Text
    body: Text


def references(note: Note) -> Iterator[tuple[Loc, str, str]]:
    """The city a note is about must have a profile."""
    yield ("city",), "city", note.city


def rules(note: Note) -> Iterator[tuple[Loc, str]]:
    """A note says something beyond its title."""
    if note.body.get("en") == note.title.get("en"):
        yield ("body",), "the body only repeats the title"


def build(w: Writer, note: Note, profiles: Profiles) -> Content:
    """The note sheet: the title on the cover, the body under the city's name."""
    from reportgen.documents import Content
    from reportgen.documents.content import Cover, Paragraph, Section, plain

    city = profiles.cities[note.city]
    title = w.text(note.title)
    body = Section("body", w.name_text(city.name), 1, (Paragraph(plain(w.text(note.body))),))
    return Content(Cover(kicker="Note", title=title), [body], author="", subject=title)
