"""What ``notify:`` is told of a scheduled run: its JSON summary, and the sending of it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportgen.history import Failing, RunRecord
from reportgen.models.manifest import Manifest, Schedule
from reportgen.schedule.cron import zone_of


def iso(stamp: float, zone: ZoneInfo) -> str:
    """A moment of the history in ``zone``, as summaries and the log write it."""
    return dt.datetime.fromtimestamp(stamp, zone).isoformat(timespec="seconds")


def summary_of(
    manifest_path: Path,
    manifest: Manifest,
    schedule: Schedule,
    run: RunRecord,
    event: str,
    failing: Failing | None,
) -> dict[str, Any]:
    """The JSON summary of a scheduled run, as webhooks, commands and ``--json`` get it."""
    import socket

    zone = zone_of(manifest)
    failures = []
    for failure in run.failures:
        lines = [line for line in str(failure.get("error", "")).splitlines() if line.strip()]
        failures.append(
            {
                "target": failure.get("target", ""),
                "job": failure.get("job", ""),
                "problems": lines or ["failed"],
            }
        )
    return {
        "event": event,
        "schedule": schedule.name,
        "manifest": str(manifest_path),
        "host": socket.gethostname(),
        "started": iso(run.started, zone),
        "seconds": round(run.seconds, 3),
        "result": run.result,
        "built": run.built,
        "fresh": run.fresh,
        "failed": run.failed,
        "warnings": run.warnings,
        "failures": failures,
        "failing_since": iso(failing.since, zone) if failing else None,
        "attempts": failing.attempts if failing else 0,
        "next_try": iso(failing.retry_at, zone) if failing else None,
    }


def send(manifest_path: Path, manifest: Manifest, summary: dict[str, Any]) -> None:
    """Tell ``notify:`` of a run, when it wants to hear of its event."""
    from reportgen import notify

    if manifest.notify is not None and notify.wanted(manifest.notify, summary["event"]):
        notify.send(manifest.notify, summary, manifest_path.parent)
