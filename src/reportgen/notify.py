"""Telling someone about scheduled runs: a JSON summary posted to a webhook, or given to a
command on its standard input (``notify:`` in the manifest).

A notification never stops the scheduler: a webhook that times out, refuses or answers
with an error, and a command that is missing or fails, are logged and the run goes on.
A webhook has ``WEBHOOK_DEADLINE`` seconds in all (connecting, sending, answering): one
that trickles its answer byte by byte is cut off then, and the log says whether it got
the summary (delivered, answer late) or not (not reached).
Logs name a webhook by its scheme and host only, since the rest is often its secret.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import socket
import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from reportgen.models.manifest import Notify, redacted_url

log = logging.getLogger("reportgen")

WEBHOOK_TIMEOUT = 5.0
"""Seconds a webhook may stay silent (connecting, or between two parts of its answer)."""
WEBHOOK_DEADLINE = 15.0
"""Seconds a webhook may take in all, however it trickles its answer."""
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


class _Call:
    """One webhook call under a deadline: its connection is cut when the time is up, and
    it knows whether the request (the summary) was sent whole."""

    def __init__(self, deadline: float) -> None:
        self.connections: list[http.client.HTTPConnection] = []
        self.delivered = False
        self.late = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(deadline, self._cut)
        self._timer.daemon = True

    def __enter__(self) -> _Call:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def _cut(self) -> None:
        with self._lock:
            self.late = True
            for connection in self.connections:
                sock = connection.sock
                if sock is not None:
                    with contextlib.suppress(OSError):  # already closed
                        sock.shutdown(socket.SHUT_RDWR)

    def watch(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            self.connections.append(connection)
        call = self

        original = connection.endheaders

        def endheaders(*args: Any, **kwargs: Any) -> None:
            original(*args, **kwargs)
            call.delivered = not call.late  # headers and body are sent

        connection.endheaders = endheaders  # type: ignore[method-assign]

    def handlers(self) -> list[urllib.request.BaseHandler]:
        """urllib handlers whose connections this call watches (proxies still apply)."""
        call = self

        def factory(cls: type[http.client.HTTPConnection]) -> Any:
            def make(*args: Any, **kwargs: Any) -> http.client.HTTPConnection:
                connection = cls(*args, **kwargs)
                call.watch(connection)
                return connection

            return make

        class Plain(urllib.request.HTTPHandler):
            def http_open(self, req: Any) -> Any:
                return self.do_open(factory(http.client.HTTPConnection), req)

        class Secure(urllib.request.HTTPSHandler):
            def https_open(self, req: Any) -> Any:
                return self.do_open(
                    factory(http.client.HTTPSConnection),
                    req,
                    context=self._context,  # type: ignore[attr-defined]
                )

        return [Plain(), Secure()]


def _post(url: str, body: bytes, schedule: str) -> None:
    where = redacted_url(url)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "reportgen"},
    )
    silence = min(WEBHOOK_TIMEOUT, WEBHOOK_DEADLINE)
    late = f"did not finish its answer within {WEBHOOK_DEADLINE:g} s (answer late)"
    with _Call(WEBHOOK_DEADLINE) as call:
        opener = urllib.request.build_opener(_NoRedirects, *call.handlers())
        try:
            with opener.open(request, timeout=silence) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            log.error(
                "schedule %s: webhook %s answered %s %s", schedule, where, exc.code, exc.reason
            )
            return
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            if call.delivered:
                if call.late:
                    said = late
                elif isinstance(reason, TimeoutError):
                    said = f"was silent for {silence:g} s (answer late)"
                else:
                    said = f"its answer was not HTTP: {reason} (answer broken)"
                _delivered(schedule, where, said)
                return
            if call.late:
                reason = f"no connection within {WEBHOOK_DEADLINE:g} s"
            log.error("schedule %s: webhook %s not reached: %s", schedule, where, reason)
            return
    if call.late:  # cut off in the middle of its answer, which then looked complete
        _delivered(schedule, where, late)
        return
    log.info("schedule %s: notified %s (%s)", schedule, where, status)


def _delivered(schedule: str, where: str, said: str) -> None:
    """A webhook that got the summary, but whose answer was late or broken."""
    log.warning("schedule %s: webhook %s got the summary (delivered) but %s", schedule, where, said)


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
