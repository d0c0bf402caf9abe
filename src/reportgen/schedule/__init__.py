"""Schedules: their cron times (``cron``) and what the run history says of each
(``health``). ``reportgen.scheduler`` runs them; batches clear what they fixed here."""

from reportgen.schedule.cron import fire_times, is_due, machine_zone, next_fire, zone_of
from reportgen.schedule.health import (
    BACKOFF_FIRST,
    NOTABLE,
    TRIGGER_PREFIX,
    Status,
    backoff,
    due,
    failing_schedules,
    statuses,
    summary_of,
)

__all__ = [
    "BACKOFF_FIRST",
    "NOTABLE",
    "TRIGGER_PREFIX",
    "Status",
    "backoff",
    "due",
    "failing_schedules",
    "fire_times",
    "is_due",
    "machine_zone",
    "next_fire",
    "statuses",
    "summary_of",
    "zone_of",
]
