"""Schedules: their cron times (``cron``), their failures and retries (``retry``), what
``notify:`` is told of their runs (``summary``) and what the run history says of each
(``health``). ``reportgen.scheduler`` runs them; batches clear what they fixed in ``retry``.

The package re-exports what the command line and the tests use; the scheduler and
batches import from the modules themselves.
"""

from reportgen.schedule.cron import fire_times, next_fire, zone_of
from reportgen.schedule.health import Status, statuses
from reportgen.schedule.retry import BACKOFF_FIRST, NOTABLE, TRIGGER_PREFIX, due

__all__ = [
    "BACKOFF_FIRST",
    "NOTABLE",
    "TRIGGER_PREFIX",
    "Status",
    "due",
    "fire_times",
    "next_fire",
    "statuses",
    "zone_of",
]
