"""Words that come from the data but have a fixed meaning: statuses, levels, kinds, units.

They are listed here so that the catalogs carry them; documents translate them with
``Writer.term``, which leaves any other word (a free category name) as written.
``LABELS`` are values that stand on their own (a table cell, "Status: Draft"), printed
as labels; ``WORDS`` are read inside a sentence or brackets and stay lower case.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from reportgen.i18n import N_, has_message, translations
from reportgen.languages import SOURCE_LANGUAGE, fallback_chain

LABELS = {
    # proposal status
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    # risk likelihood and impact
    "low": N_("Low"),
    "medium": N_("Medium"),
    "high": N_("High"),
    # partnership types and states
    "sister": N_("Sister city"),
    "friendship": N_("Friendship city"),
    "exchange": N_("Exchange"),
    "project": N_("Project"),
    "network": N_("Network"),
    "active": N_("Active"),
    "inactive": N_("Inactive"),
    "ended": N_("Ended"),
    "planned": N_("Planned"),
    # common budget categories
    "experts": N_("Experts"),
    "travel": N_("Travel"),
    "equipment": N_("Equipment"),
    "training": N_("Training"),
    "events": N_("Events"),
    "other": N_("Other"),
}
"""Each value, written in lower case, and the label it is printed as."""

WORDS = (
    # population figures
    N_("census"),
    N_("estimate"),
    N_("register"),
    N_("city"),
    N_("metro"),
    # common kinds of appointment
    N_("arrival"),
    N_("departure"),
    N_("courtesy call"),
    N_("meeting"),
    N_("working session"),
    N_("site visit"),
    N_("briefing"),
    N_("dinner"),
    N_("lunch"),
    N_("press"),
    N_("internal meeting"),
)

UNITS = (
    # common units of budget lines and indicators
    N_("persons"),
    N_("participants"),
    N_("person-trips"),
    N_("person-months"),
    N_("person-days"),
    N_("trips"),
    N_("sets"),
    N_("units"),
    N_("courses"),
    N_("workshops"),
    N_("seminars"),
    N_("facilities"),
    N_("plans"),
    N_("reports"),
    N_("inventories"),
    N_("households"),
    N_("lump sum"),
    N_("t/month"),
    N_("t/year"),
)
"""Units that a profile may write in English and the catalogs translate (any other
unit is a text of the profile, translated there)."""


def catalog_words(lang: str, project_locales: Path | None = None) -> Callable[[str], bool]:
    """Whether the catalog of ``lang`` translates a word from the data ("meeting",
    "persons"), as ``Writer.term`` looks it up; every word is English's own."""
    chain = fallback_chain(lang)
    catalog, found = translations(chain, project_locales)
    if found == SOURCE_LANGUAGE:
        return lambda word: True

    def knows(word: str) -> bool:
        label = LABELS.get(word.casefold())
        return any(has_message(catalog, m) for m in (label, word, word.casefold()) if m)

    return knows
