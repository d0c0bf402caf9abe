"""Scheduled builds: cron times (``cron``), what the history says of each schedule
(``health``) and the foreground runner (``runner``)."""

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
from reportgen.schedule.runner import (
    MAX_SLEEP,
    RETRY_SECONDS,
    RunBatch,
    Scheduler,
    SystemClock,
    WallClock,
    default_run_batch,
    output_history,
    run_due,
)

__all__ = [
    "BACKOFF_FIRST",
    "MAX_SLEEP",
    "NOTABLE",
    "RETRY_SECONDS",
    "TRIGGER_PREFIX",
    "RunBatch",
    "Scheduler",
    "Status",
    "SystemClock",
    "WallClock",
    "backoff",
    "default_run_batch",
    "due",
    "failing_schedules",
    "fire_times",
    "is_due",
    "machine_zone",
    "next_fire",
    "output_history",
    "run_due",
    "statuses",
    "summary_of",
    "zone_of",
]
