"""Running the preview: the listening socket, Uvicorn, and a clean stop on Ctrl-C or SIGTERM.

It listens on this machine only (127.0.0.1) unless told otherwise, and then warns:
profiles hold internal material. What it builds lives in a cache folder of its own,
removed when it stops; it never writes into the project.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import ipaddress
import logging
import resource
import shutil
import signal
import socket
import tempfile
import threading
import webbrowser
from pathlib import Path
from types import FrameType
from typing import Any, ClassVar

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from reportgen.errors import ReportgenError, UsageError, display_path
from reportgen.limits import DEFAULT_REQUEST_TIMEOUT
from reportgen.serve.app import create_app
from reportgen.serve.preview import Preview
from reportgen.serve.site import Site
from reportgen.workspace import Options

log = logging.getLogger("reportgen")

GRACE = 2
"""Seconds the open connections get to close when the server stops."""
MAX_WAITING = 64
"""Connections that may be sending their headers at once: past that, the one waiting
longest is closed, so that half-sent requests cannot use up the server's files."""
QUEUE = 2048
"""Connections the system holds until the server takes them (Uvicorn's backlog): they
use none of the server's files."""
ACCEPT_BATCH = 16
"""Connections the server takes at once, before it can close any: asyncio takes as many
as the backlog it is given (Uvicorn's is 2048), which could use up the files at once."""
SPARE_FILES = 64
"""Files kept for the server's own work besides the connections: its workers' pipes when
one is replaced, the watcher's folders, the cache."""
FEWEST_OPEN = 4 * ACCEPT_BATCH
"""Connections the server may hold open however few files it may open."""
MOST_OPEN = 1024
"""Connections the server may hold open however many files it may open."""
REPORT_EVERY = 10
"""Seconds between two lines about connections dropped or not taken (and at the stop)."""
TOO_SLOW = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


def _log_to_stderr() -> None:
    """The preview's own lines (what was rebuilt, problems of the server) on standard
    error; the libraries' informational logs stay quiet."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s.%(msecs)03d %(message)s", "%H:%M:%S"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (port 0: any free one)."""
    try:
        found = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UsageError(f"--host {host}: {exc.strerror}") from None
    family, kind, proto, _, address = found[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        hint = "; choose another with --port" if exc.errno == errno.EADDRINUSE else ""
        raise ReportgenError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}{hint}"
        ) from None
    return sock


def files_open() -> int | None:
    """How many files this process holds open (None: cannot tell)."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            return sum(1 for _ in Path(folder).iterdir()) - 1  # the listing's own
        except OSError:
            continue
    return None


def connections_allowed() -> int:
    """How many connections the server may hold open: two files each (the connection and
    the file it sends), within the files this process may open besides those it holds,
    its spare ones and the connections it may have taken but not yet counted or closed."""
    limit, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    held = files_open()
    if limit == resource.RLIM_INFINITY or held is None:
        return MOST_OPEN if held is not None else FEWEST_OPEN
    free = limit - held - SPARE_FILES - 4 * ACCEPT_BATCH
    return max(FEWEST_OPEN, min(MOST_OPEN, free // 2))


class _Tally:
    """Something that happens in bursts (a connection dropped), told in one line at most
    every ``REPORT_EVERY`` seconds, with how often it happened."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.count = 0
        self.report: asyncio.TimerHandle | None = None

    def add(self, loop: asyncio.AbstractEventLoop) -> None:
        self.count += 1
        if self.report is None:
            self.report = loop.call_later(REPORT_EVERY, self.tell)

    def tell(self) -> None:
        if self.report is not None:
            self.report.cancel()
            self.report = None
        if self.count:
            log.warning(self.message, self.count)
            self.count = 0


DROPPED = _Tally("warning: too many connections at once: %d dropped")
NOT_TAKEN = _Tally(
    "warning: too many open files: could not take a new connection %d times "
    "(tried again a second later)"
)
OUT_OF_FILES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


class _Config(uvicorn.Config):
    """Uvicorn's settings, and the seconds a connection has to send a request's line and
    headers (``--request-timeout``); a half-sent request is answered 408 and closed then."""

    def __init__(self, app: Any, *, request_timeout: float, **settings: Any) -> None:
        super().__init__(app, **settings)
        self.request_timeout = request_timeout


class _Protocol(H11Protocol):
    """Uvicorn's HTTP/1.1 with a deadline for each request's headers, a cap on the
    connections that are still sending them (slowloris), and one on all the connections
    open, within the files the server may open."""

    waiting: ClassVar[dict[_Protocol, asyncio.TimerHandle]] = {}
    """Connections sending their headers, the longest waiting first, with their deadline."""
    held: ClassVar[dict[_Protocol, None]] = {}
    """Connections open and not yet told to close, the oldest first."""
    most_open: ClassVar[int] = FEWEST_OPEN
    """How many connections may be open at once (``connections_allowed``)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self.held[self] = None
        self._await_headers()
        while len(self.held) > self.most_open and (first := self.first_to_drop(self)):
            first._drop()

    @classmethod
    def first_to_drop(cls, new: _Protocol | None = None) -> _Protocol | None:
        """The connection to close first: the oldest sending its headers (or idle), else
        the oldest (a slow download, an event stream the page opens again); never ``new``."""
        for held in cls.waiting:
            if held is not new:
                return held
        return next((held for held in cls.held if held is not new), None)

    def _drop(self) -> None:
        """Close this connection at once (too many are open)."""
        self.held.pop(self, None)
        if self in self.waiting:
            self._too_slow()
        if self.transport.get_write_buffer_size():
            self.transport.abort()  # its client does not read: it would hold its file
        else:
            self.transport.close()
        DROPPED.add(self.loop)

    def handle_events(self) -> None:
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:  # a request's headers are in
            self._headers_in()

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self._await_headers()  # of the next request on this connection
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_in()
        self.held.pop(self, None)
        super().connection_lost(exc)

    def _await_headers(self) -> None:
        self._headers_in()
        config = self.config
        timeout = config.request_timeout if isinstance(config, _Config) else DEFAULT_REQUEST_TIMEOUT
        self.waiting[self] = self.loop.call_later(timeout, self._too_slow)
        while len(self.waiting) > MAX_WAITING:
            next(iter(self.waiting))._drop()

    def _headers_in(self) -> None:
        deadline = self.waiting.pop(self, None)
        if deadline is not None:
            deadline.cancel()

    def _too_slow(self) -> None:
        self._headers_in()
        if not self.transport.is_closing():
            if not self._idle():
                self.transport.write(TOO_SLOW)
            self.transport.close()

    def _idle(self) -> bool:
        """Whether no byte of a request is in since the last answer (or since the client
        connected): such a connection is closed without an answer, as a browser expects of
        one it keeps for its next request (a 408 there would read as that one's answer)."""
        idle = self.conn.their_state in (h11.IDLE, h11.DONE)
        return idle and not self.conn.trailing_data[0]


class _Server(uvicorn.Server):
    """Uvicorn, telling the preview to end its event streams as soon as it is stopped."""

    def __init__(self, config: uvicorn.Config, preview: Preview) -> None:
        super().__init__(config)
        self.preview = preview

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.preview.stop()
        super().handle_exit(sig, frame)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        asyncio.get_running_loop().set_exception_handler(out_of_files)
        _Protocol.held.clear()
        await super().startup(sockets)
        for sock in sockets or ():
            sock.listen(QUEUE)  # asyncio made it the batch it takes at once
        _Protocol.most_open = connections_allowed()  # the workers and the watcher started

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets)
        DROPPED.tell()
        NOT_TAKEN.tell()


def out_of_files(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The event loop's handler of errors: one that could take no new connection for
    want of files (it tries again a second later) is counted and told in one line with
    the others (``NOT_TAKEN``), where asyncio printed a traceback each time."""
    error = context.get("exception")
    if "socket" in context and isinstance(error, OSError) and error.errno in OUT_OF_FILES:
        NOT_TAKEN.add(loop)
        first = _Protocol.first_to_drop()
        if first is not None:  # room for the connections waiting meanwhile
            first._drop()
    else:
        loop.default_exception_handler(context)


def serve(
    path: Path | None,
    options: Options,
    *,
    host: str,
    port: int,
    open_browser: bool,
    profiles: Path | None,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
) -> None:
    """Serve until Ctrl-C or SIGTERM."""
    _log_to_stderr()
    if not is_loopback(host):
        log.warning(
            "warning: listening on %s: anyone who can reach this machine can read every "
            "profile, internal material included",
            host,
        )
    sock = listen(host, port)
    cache = Path(tempfile.mkdtemp(prefix="reportgen-serve-"))
    try:
        site = Site(path, options, cache, profiles=profiles)
        bare = host.strip("[]")
        shown = f"[{bare}]" if ":" in bare else bare
        url = f"http://{shown}:{sock.getsockname()[1]}/"
        allowed = ["127.0.0.1", "localhost", "::1", bare] if is_loopback(host) else None
        app = create_app(site, allowed_hosts=allowed)
        preview: Preview = app.state.preview
        where = site.workspace.manifest_path or site.workspace.profiles or site.workspace.root

        async def ready() -> None:
            count = len(preview.survey.pages)
            shown_where = display_path(where)
            log.info("serving %d documents of %s at %s (stop with Ctrl-C)", count, shown_where, url)
            if open_browser:
                threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()

        preview.on_ready = ready
        config = _Config(
            app,
            request_timeout=request_timeout,
            log_level="warning",
            access_log=False,
            lifespan="on",
            ws="none",
            server_header=False,
            timeout_graceful_shutdown=GRACE,
            http=_Protocol,
            loop="asyncio",  # whose way of taking connections the limits above follow
            backlog=ACCEPT_BATCH,
        )
        _run(_Server(config, preview), sock)
        log.info("stopped")
    finally:
        sock.close()
        shutil.rmtree(cache, ignore_errors=True)
    gc.freeze()  # the process ends now: collecting all it loaded would take a second


def _run(server: uvicorn.Server, sock: socket.socket) -> None:
    """Run until stopped. Uvicorn hands SIGTERM back once it has stopped: it then ends
    the command as Ctrl-C does, cleanly."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler) if main else None
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
