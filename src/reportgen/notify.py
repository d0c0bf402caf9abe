"""Telling someone about scheduled runs: a JSON summary posted to a webhook, or given to a
command on its standard input (``notify:`` in the manifest).

A notification never stops the scheduler: a webhook that times out, refuses or answers
with an error, and a command that is missing or fails, are logged and the run goes on.
Logs name a webhook by its scheme and host only, since the rest is often its secret.
"""

from __future__ import annotations

import json
import logging
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from reportgen.models.manifest import Notify, redacted_url

log = logging.getLogger("reportgen")

WEBHOOK_TIMEOUT = 5.0
"""Seconds a webhook may take to answer."""
COMMAND_TIMEOUT = 30.0
"""Seconds a notification command may run."""


def wanted(notify: Notify | None, event: str) -> bool:
    """Whether ``event`` (failure, recovery or success) is sent."""
    if notify is None:
        return False
    return "always" in notify.on or event in notify.on


def send(notify: Notify, summary: dict[str, Any], cwd: Path) -> None:
    """Post ``summary`` to the webhook and give it to the command, as configured."""
    body = (json.dumps(summary, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    name = summary.get("schedule", "")
    if notify.webhook:
        _post(notify.webhook, body, name)
    if notify.command:
        _run(notify.command, body, name, cwd)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects is refused: a POST is not resent to another address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _post(url: str, body: bytes, schedule: str) -> None:
    where = redacted_url(url)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "reportgen"},
    )
    opener = urllib.request.build_opener(_NoRedirects)
    try:
        with opener.open(request, timeout=WEBHOOK_TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        log.error("schedule %s: webhook %s answered %s %s", schedule, where, exc.code, exc.reason)
        return
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        log.error("schedule %s: webhook %s not reached: %s", schedule, where, reason)
        return
    log.info("schedule %s: notified %s (%s)", schedule, where, status)


def _run(argv: list[str], body: bytes, schedule: str, cwd: Path) -> None:
    try:
        done = subprocess.run(
            argv,
            input=body,
            capture_output=True,
            cwd=cwd,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except FileNotFoundError:
        log.error("schedule %s: notify command %s: no such program", schedule, argv[0])
        return
    except subprocess.TimeoutExpired:
        log.error(
            "schedule %s: notify command %s stopped after %g s", schedule, argv[0], COMMAND_TIMEOUT
        )
        return
    except OSError as exc:
        log.error("schedule %s: notify command %s: %s", schedule, argv[0], exc.strerror or exc)
        return
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        tail = f": {said[-1]}" if said else ""
        log.error(
            "schedule %s: notify command %s exited %d%s", schedule, argv[0], done.returncode, tail
        )
        return
    log.info("schedule %s: notified %s", schedule, argv[0])
