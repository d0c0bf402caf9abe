"""Words that come from the data but have a fixed meaning: statuses, levels, kinds.

They are listed here so that the catalogs carry them; documents translate them with
``Writer.term``, which leaves any other word (a free category name) as written.
"""

from __future__ import annotations

from reportgen.i18n import N_

TERMS = (
    # proposal status
    N_("draft"),
    N_("submitted"),
    N_("approved"),
    N_("rejected"),
    # risk likelihood and impact
    N_("low"),
    N_("medium"),
    N_("high"),
    # partnership types and states
    N_("sister"),
    N_("friendship"),
    N_("exchange"),
    N_("project"),
    N_("network"),
    N_("active"),
    N_("inactive"),
    N_("ended"),
    N_("planned"),
    # population figures
    N_("census"),
    N_("estimate"),
    N_("register"),
    N_("city"),
    N_("metro"),
    # common budget categories
    N_("experts"),
    N_("travel"),
    N_("equipment"),
    N_("training"),
    N_("events"),
    N_("other"),
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
