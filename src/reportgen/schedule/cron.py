"""Cron times on a manifest's wall clock, turned into instants.

Cron expressions are read by croniter on the wall clock of the manifest's time zone;
this module turns wall-clock times into instants itself, so that a daylight-saving
change neither skips a run (a time in the spring gap runs just after the change) nor
doubles one (a time in the autumn fold runs once, at its first occurrence).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reportgen.models.manifest import Manifest


def machine_zone() -> ZoneInfo:
    """The machine's IANA time zone: ``TZ``, else ``/etc/localtime``, else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        link = str(Path("/etc/localtime").readlink())
    except OSError:
        link = ""
    if "zoneinfo/" in link:
        candidates.append(link.split("zoneinfo/", 1)[1])
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def zone_of(manifest: Manifest) -> ZoneInfo:
    return ZoneInfo(manifest.timezone) if manifest.timezone else machine_zone()


def _instant(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The instant of a wall-clock time, read with the offset in force before a change.

    A time in the autumn fold is its first occurrence; a time in the spring gap (which
    the clocks skip) is read with the winter offset, so it still runs, just after the
    change (02:30 in a gap from 02:00 to 03:00 runs at 03:30).
    """
    return wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)


def fire_times(cron: str, zone: ZoneInfo, after: dt.datetime) -> Iterator[dt.datetime]:
    """The instants (UTC) at which ``cron`` fires, strictly after ``after``, in order.

    A time in an autumn fold fires once; a time in a spring gap fires after the change.
    """
    from croniter import croniter

    start_wall = after.astimezone(zone).replace(tzinfo=None) - dt.timedelta(hours=3)
    walls = croniter(cron, start_wall)
    last: dt.datetime | None = None
    while True:
        wall = walls.get_next(dt.datetime)
        instant = _instant(wall, zone)
        if instant <= after or (last is not None and instant <= last):
            continue
        last = instant
        yield instant


def next_fire(cron: str, zone: ZoneInfo, after: dt.datetime) -> dt.datetime:
    return next(fire_times(cron, zone, after))


def is_due(cron: str, zone: ZoneInfo, since: dt.datetime, now: dt.datetime) -> bool:
    """Whether ``cron`` fired at least once in (``since``, ``now``]."""
    return next_fire(cron, zone, since) <= now
