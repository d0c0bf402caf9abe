"""Batches on a Dask cluster: the stale targets built by the workers of a Dask scheduler.

stale targets -> snapshot of what builds read (once) -> scheduler -> workers build and
answer with plain data -> the coordinator checks each answer and writes only the files
it planned, as after a local build

Only the builds move. Planning, freshness, the lock, the files and the state stay with
the coordinator (this process), which calls ``done`` as the local pool does, so the
progress, summary, report and history are those of a local batch. No file system is
shared: the project goes to the workers as a snapshot (see ``remote``), removed from
them when the batch ends unless it is kept warm.

A worker is not trusted with the coordinator: its answer is msgpack data checked field
by field (``answer``), never unpickled, and Dask's client here unpickles nothing a worker
says about a task (``PlainClient``). Every call to the scheduler has a time limit, so a
scheduler that stops answering ends the batch with one located failure, and is asked
nothing more: the clean-up then waits on it no longer (``Gone``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import queue
import socket
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from reportgen.batching.lock import BatchError
from reportgen.models.manifest import SCHEDULER_HINT
from reportgen.project import YAML_SUFFIXES
from reportgen.registry import format_options, warm_ups
from reportgen.step import Outcome
from reportgen.targets import Target
from reportgen.workspace import Options, Workspace

if TYPE_CHECKING:
    from distributed import Client

    from reportgen.batching.remote import File, Snapshot
    from reportgen.context import BuildContext

LOCAL = "local"
"""The scheduler name that starts a cluster on this machine for the batch."""
SCHEMES = ("tcp", "tls")
"""The Dask protocols a scheduler address may name (``tls`` with the Dask configuration's
certificates)."""
CONNECT_TIMEOUT = 5.0
"""Seconds to reach the scheduler before the batch gives up."""
WORKERS_TIMEOUT = 30.0
"""Seconds to wait for the scheduler's first worker."""
CALL_TIMEOUT = 30.0
"""Seconds one call to the scheduler may take (the versions, sending the project)."""
CLEAN_UP_TIMEOUT = 10.0
"""Seconds to cancel what is left, remove the project from the workers and disconnect."""
LET_GO_TIMEOUT = 1.0
"""Seconds to disconnect from a scheduler that has stopped answering."""
WARM_UP_TIMEOUT = 120.0
"""Seconds the workers may take to load WeasyPrint and the fonts."""
ANSWER_GRACE = 30.0
"""Seconds beyond ``--timeout`` given to each document at a worker (transfer, a worker's
start), and to a cluster where no worker takes any, before they are given up."""
LOOK_EVERY = 1.0
"""Seconds between two questions to the scheduler: what is being built (it must answer)."""
ALLOWED_FAILURES = 2
"""On a local cluster: workers that may die building one target before it fails."""
PLAIN_DATA = ["msgpack", "error"]
"""What this client deserializes from the cluster: msgpack data, and Dask's note that a
value could not be serialized. Never pickle, nor Dask's own family (it unpickles types)."""

T = TypeVar("T")


class Lost(Exception):
    """The scheduler stopped answering: what it did instead, in plain words."""


class Gone(Lost):
    """The scheduler did not answer in time, or its connection closed: it is asked nothing
    more (the batch's clean-up skips what would wait on it)."""


class Unbuilt(NamedTuple):
    """The targets a lost scheduler left unbuilt, and the one message that says why."""

    message: str
    targets: tuple[Target, ...]


def run_targets(
    targets: Sequence[Target],
    context: BuildContext,
    *,
    jobs: int,
    done: Callable[[Target, Outcome], None],
    should_stop: Callable[[], bool] = lambda: False,
    scheduler: str,
    keep_warm: bool = False,
) -> Unbuilt | None:
    """Build ``targets`` on the cluster of ``scheduler``, calling ``done`` as each finishes.

    ``scheduler`` is a Dask scheduler's address, or ``local`` for a cluster of ``jobs``
    worker processes on this machine, closed afterwards. The build identity of the
    workers is checked before anything is built. When ``should_stop`` turns true, the
    submitted tasks are cancelled and every target not finished fails as interrupted.
    A document whose worker does not answer in time fails alone. When the scheduler is
    lost (it does not answer, no worker takes a document, or the batch overruns; see
    ``_collect``), the targets not finished are returned with the one message that says
    so, and ``done`` is not called for them. The snapshot is removed from the workers
    at the end, unless ``keep_warm``.
    """
    try:
        import distributed
    except ImportError:
        raise BatchError(
            "--scheduler needs Dask: pip install 'reportgen[dask]' (on the workers too)"
        ) from None
    from reportgen.batching import remote

    workspace, options = context.workspace, context.options
    snapshot = take_snapshot(workspace, options, targets)
    token = uuid.uuid4().hex[:8]
    shipment = remote.Shipment(
        snapshot, shipped(workspace), options, str(Path.cwd().resolve()), remote.versions(), token
    )
    left: dict[Any, Target] = {}
    gone = threading.Event()
    with _dask_quiet(), connect(scheduler, jobs, options, gone) as client:
        futures: list[Any] = []
        try:
            check_versions(client, scheduler)
            warm = warm_ups(fmt for target in targets for fmt in target.formats)
            if warm:
                from reportgen.renderers.html import stylesheet

                css = stylesheet(workspace.templates)
                bounded(
                    lambda: client.run(remote.warm_up, css, warm),
                    WARM_UP_TIMEOUT,
                    "loading the fonts",
                )
            key = f"reportgen-shipment-{snapshot.digest[:16]}-{uuid.uuid4().hex[:8]}"
            scattered = bounded(
                lambda: client.scatter({key: shipment}, broadcast=True),
                CALL_TIMEOUT,
                "sending the project to the workers",
            )
            keys = [
                f"reportgen-{t.document}-{t.source.stem}-{t.lang}-{token}-{index}"
                for index, t in enumerate(targets)
            ]
            futures = client.map(
                remote.build, targets, key=keys, shipment=scattered[key], pure=False
            )
            left = {future.key: target for future, target in zip(futures, targets, strict=True)}
            sent = {*snapshot.files, *snapshot.folders}
            _collect(client, distributed, futures, left, options, sent, done, should_stop)
        except Lost as exc:
            if isinstance(exc, Gone):
                gone.set()
            unfinished = tuple(left.values()) if left else tuple(targets)
            count = len(unfinished)
            message = (
                f"lost the Dask scheduler at {scheduler}: {exc}; "
                f"{count} document{'s' if count != 1 else ''} not built"
            )
            return Unbuilt(message, unfinished)
        finally:
            stopped = [f for f in futures if f.key in left]
            if stopped:
                _clean_up(lambda: client.cancel(stopped, force=True), gone, "cancelling")
            if not keep_warm:
                _clean_up(
                    lambda: client.run(remote.remove_snapshot, snapshot.origin, token),
                    gone,
                    "removing the project from the workers",
                )
    return None


def _clean_up(call: Callable[[], object], gone: threading.Event, what: str) -> None:
    """``call()`` within ``CLEAN_UP_TIMEOUT``, unless the scheduler is ``gone``: a stopped
    scheduler would hold it that long. One that does not answer now is gone for what
    follows; any other failure is left unsaid (the batch has told its outcome)."""
    if gone.is_set():
        return
    try:
        bounded(call, CLEAN_UP_TIMEOUT, what)
    except Gone:
        gone.set()
    except Exception:  # the batch has told its outcome: its clean-up says nothing
        pass


def _collect(
    client: Client,
    distributed: Any,
    futures: list[Any],
    left: dict[Any, Target],
    options: Options,
    sent: set[str],
    done: Callable[[Target, Outcome], None],
    should_stop: Callable[[], bool],
) -> None:
    """Hand each answer to ``done`` as it comes; give up a document whose worker has held
    it too long; ``Lost`` when the scheduler does not answer, no worker takes a document,
    or the whole batch overruns."""
    finished: queue.Queue[tuple[Any, Any]] = queue.Queue()

    def collect() -> None:
        try:
            for future in distributed.as_completed(futures, loop=client.loop):
                if future.status != "finished":
                    finished.put((future, None))
                    continue
                try:
                    finished.put((future, future.result()))
                except Exception as exc:  # an answer this client refuses to deserialize
                    finished.put((future, exc))
        except Exception as exc:  # the connection to the scheduler is lost
            finished.put((None, exc))

    threading.Thread(target=collect, name="reportgen-results", daemon=True).start()
    by_key = {future.key: future for future in futures}
    idle_limit = options.timeout + ANSWER_GRACE
    document_limit = 2 * options.timeout + ANSWER_GRACE  # a worker may hold one in waiting
    batch_limit = options.timeout * (len(left) - 1) + document_limit
    started = busy = look = time.monotonic()
    began: dict[Any, float] = {}
    """When the scheduler was first seen to have each document at a worker."""
    while left:
        if should_stop():
            for target in left.values():
                done(target, Outcome(False, error="interrupted"))
            return
        try:
            future, result = finished.get(timeout=0.2)
        except queue.Empty:
            now = time.monotonic()
            if now >= look:  # the scheduler must answer; each document has a time limit
                look = now + LOOK_EVERY
                running = bounded(client.processing, CALL_TIMEOUT, "asking what is being built")
                for keys in running.values():
                    for key in keys:
                        if key in left:  # a shared scheduler runs other work too
                            began.setdefault(key, now)
                            busy = now
                for key, since in list(began.items()):
                    if key in left and now - since > document_limit:
                        with contextlib.suppress(Exception):
                            bounded(
                                functools.partial(client.cancel, [by_key[key]], force=True),
                                CLEAN_UP_TIMEOUT,
                                "cancelling",
                            )
                        error = (
                            f"the worker building it did not answer within "
                            f"{document_limit:g} s (--timeout {options.timeout:g} s); given up"
                        )
                        done(left.pop(key), Outcome(False, error=error, seconds=now - since))
            if now - busy > idle_limit:
                raise Lost(
                    f"no worker took a document within {idle_limit:g} s "
                    f"(--timeout {options.timeout:g} s)"
                ) from None
            if now - started > batch_limit:
                raise Lost(
                    f"the batch took longer than {batch_limit:g} s (--timeout "
                    f"{options.timeout:g} s for each of its documents, one after another)"
                ) from None
            continue
        if future is None:
            raise Gone(f"the connection closed ({type(result).__name__})")
        busy = time.monotonic()
        if future.key in left:  # else given up already
            target = left.pop(future.key)
            done(target, _outcome(client, future.status, result, target, sent))


def _outcome(client: Client, status: str, result: Any, target: Target, sent: set[str]) -> Outcome:
    from reportgen.batching import answer

    if status == "finished":
        if isinstance(result, Exception):
            return Outcome(
                False, error=f"the worker's answer is not plain data; refused ({result})"
            )
        try:
            told = answer.decode(result)
        except answer.Refused as exc:
            return Outcome(False, error=str(exc))
        if told.restart:  # its build is stuck in C code: only a new process frees it
            with contextlib.suppress(Exception):  # without a nanny it cannot be; it goes on
                bounded(
                    lambda: client.restart_workers([told.worker], raise_for_error=False),
                    CALL_TIMEOUT,
                    "restarting a worker",
                )
        return answer.outcome(told, target, sent)
    if status == "cancelled":
        return Outcome(False, error="the cluster cancelled it")
    return Outcome(
        False,
        error="the cluster could not build it: the worker building it died each time "
        "(killed, or out of memory?), or could not run it",
    )


@contextmanager
def _dask_quiet() -> Iterator[None]:
    """Dask's own log kept off the terminal while the batch runs: what went wrong is
    told once, in plain words, by the batch (a refused answer is not a traceback)."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def bounded(call: Callable[[], T], seconds: float, what: str) -> T:
    """``call()``, or ``Gone`` (saying ``what`` did not finish) when it has not returned
    within ``seconds``; it is left running in a thread of its own: a Dask call to a
    stopped scheduler never returns."""
    box: queue.Queue[tuple[bool, Any]] = queue.Queue(1)

    def run() -> None:
        try:
            box.put((True, call()))
        except BaseException as exc:  # handed to the caller
            box.put((False, exc))

    threading.Thread(target=run, name="reportgen-dask-call", daemon=True).start()
    try:
        ok, value = box.get(timeout=seconds)
    except queue.Empty:
        raise Gone(f"it did not answer within {seconds:g} s ({what})") from None
    if not ok:
        raise value
    result: T = value
    return result


def plain_client(address: Any, **settings: Any) -> Client:
    """A Dask client that takes plain data only from the cluster (``PlainClient``)."""
    from distributed import Client

    class PlainClient(Client):
        """Unpickles nothing a worker says about a task: results are msgpack (``PLAIN_DATA``),
        a result's type is not read, and a task's error stays an unread blob."""

        def _handle_key_in_memory(
            self, key: Any = None, type: Any = None, workers: Any = None
        ) -> None:
            super()._handle_key_in_memory(key=key, type=None, workers=workers)  # type: ignore[no-untyped-call]

        def _handle_task_erred(
            self, key: Any = None, exception: Any = None, traceback: Any = None
        ) -> None:
            super()._handle_task_erred(key=key, exception=None, traceback=None)  # type: ignore[no-untyped-call]

    client = PlainClient(  # type: ignore[no-untyped-call]
        address, deserializers=PLAIN_DATA, set_as_default=False, **settings
    )
    stream = getattr(client.scheduler_comm, "comm", None)
    if stream is not None:  # the scheduler's reports: a task's error is left serialized
        stream.deserialize = False
    return client


@contextmanager
def connect(
    scheduler: str, jobs: int, options: Options, gone: threading.Event | None = None
) -> Iterator[Client]:
    """A client of ``scheduler``, or of a cluster started here for ``local``. When ``gone``
    is set by the end (the scheduler stopped answering), closing the client waits
    ``LET_GO_TIMEOUT`` at most, not ``CLEAN_UP_TIMEOUT``."""
    import dask
    from distributed import LocalCluster, Security

    if scheduler == LOCAL:
        with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES}):
            cluster = LocalCluster(
                n_workers=max(1, jobs),
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # no fixed port: two batches may run at once
                memory_limit=f"{options.memory_mb} MiB",
                silence_logs=logging.ERROR,
            )
        try:
            client = plain_client(cluster)
            try:
                yield client
            finally:
                client.close()
        finally:
            cluster.close()
        return
    scheme = scheduler.partition("://")[0]
    if scheme not in SCHEMES:
        raise BatchError(f"'{scheduler}' is not a Dask scheduler: {SCHEDULER_HINT}")
    security = Security()  # the Dask configuration's certificates (tls://)
    certificates = (
        getattr(security, "tls_ca_file", None),
        getattr(security, "tls_client_cert", None),
    )
    if scheme == "tls" and not all(certificates):
        raise BatchError(
            f"{scheduler} is a TLS address, but the Dask configuration names no "
            "certificates: set distributed.comm.tls.ca-file, distributed.comm.tls.client.cert "
            "and distributed.comm.tls.client.key"
        )
    try:
        client = plain_client(scheduler, timeout=CONNECT_TIMEOUT, security=security)
    except (OSError, TimeoutError):
        raise BatchError(
            f"cannot reach the Dask scheduler at {scheduler} within {CONNECT_TIMEOUT:g} s: "
            "is it running, and is the address right?"
        ) from None
    except (ValueError, TypeError) as exc:
        raise BatchError(f"cannot connect to the Dask scheduler at {scheduler}: {exc}") from None
    try:
        yield client
    finally:
        with contextlib.suppress(Exception):
            limit = LET_GO_TIMEOUT if gone is not None and gone.is_set() else CLEAN_UP_TIMEOUT
            bounded(functools.partial(client.close, timeout=limit), limit + 1, "closing")


def check_versions(client: Client, scheduler: str) -> None:
    """Refuse workers whose reportgen build (or a library that shapes documents) differs."""
    from reportgen.batching.remote import versions

    try:
        bounded(
            lambda: client.wait_for_workers(1, timeout=WORKERS_TIMEOUT),
            WORKERS_TIMEOUT + 5,
            "waiting for a worker",
        )
    except TimeoutError:
        raise BatchError(
            f"the Dask scheduler at {scheduler} has no workers (waited {WORKERS_TIMEOUT:g} s)"
        ) from None
    mine = versions()
    try:
        found = bounded(lambda: client.run(versions), CALL_TIMEOUT, "asking the workers' versions")
    except Lost:
        raise
    except Exception as exc:
        raise BatchError(
            f"the Dask workers at {scheduler} cannot run reportgen ({type(exc).__name__}: "
            f"{exc}): install reportgen[dask] {mine[0][1]} on them"
        ) from None
    for address, theirs in sorted(found.items()):
        theirs = tuple(tuple(pair) for pair in theirs)
        if len(theirs) != len(mine):
            raise BatchError(
                f"the Dask worker {address} runs another reportgen: install the same "
                f"version on both (pip install 'reportgen[dask]=={mine[0][1]}')"
            )
        for (name, want), (_, have) in zip(mine, theirs, strict=True):
            if want == have:
                continue
            if name == "reportgen build":
                raise BatchError(
                    f"the Dask worker {address} runs another build of reportgen "
                    f"{mine[0][1]} (its files differ: {have}, this machine {want}): "
                    "install the same release, or the same commit, on both"
                )
            hint = f" (pip install 'reportgen[dask]=={want}')" if name == "reportgen" else ""
            raise BatchError(
                f"the Dask worker {address} runs {name} {have}, this machine {name} "
                f"{want}: install the same version on both{hint}"
            )


def shipped(workspace: Workspace) -> Workspace:
    """The workspace as the workers get it: without the manifest's ``notify`` (a webhook
    and its token are no business of a build)."""
    return replace(workspace, manifest=workspace.manifest.model_copy(update={"notify": None}))


# --- the snapshot -------------------------------------------------------------------------


def take_snapshot(workspace: Workspace, options: Options, targets: Sequence[Target]) -> Snapshot:
    """The files that building ``targets`` reads, by absolute path, and nothing else.

    The profiles (YAML files) below the profiles folder and the folders of the sources,
    the pictures those profiles name (logos), every file of the project's templates and
    catalogs, and the reference document. Hidden files and folders (``.env``), the
    output folder and the manifest (its ``notify`` holds a webhook's token) stay here.
    """
    from reportgen.batching.remote import Snapshot, absolute, digest_of

    profile_roots = [workspace.profiles] + [target.source.parent for target in targets]
    whole_roots = [workspace.templates, workspace.locales]
    skip = {absolute(workspace.output)}
    if workspace.manifest_path is not None:
        skip.add(absolute(workspace.manifest_path))
    files: dict[str, File] = {}
    folders: set[Path] = set()
    for roots, wanted in ((whole_roots, None), (profile_roots, YAML_SUFFIXES)):
        for root in _outermost(absolute(r) for r in roots if r is not None and r.is_dir()):
            for path in _walk(root, skip, folders):
                if wanted is None or path.suffix in wanted or path.is_symlink():
                    _add(files, path)  # a link travels as a link, never as what it leads to
    inside = _outermost(absolute(r) for r in profile_roots if r is not None and r.is_dir())
    for picture in _named_pictures(workspace, targets):
        if any(picture.is_relative_to(root) for root in inside) and picture not in skip:
            _add(files, picture)
    for name in format_options():  # a file a format reads (the reference document)
        named = getattr(options, name)
        if isinstance(named, Path):
            _add(files, absolute(named), follow=True)
    ordered = tuple(str(folder) for folder in sorted(folders))
    origin = f"{socket.gethostname()}\0{workspace.root.resolve()}"
    return Snapshot(
        digest_of(files, ordered),
        hashlib.sha256(origin.encode()).hexdigest()[:16],
        files,
        ordered,
    )


def _walk(root: Path, skip: set[Path], folders: set[Path]) -> Iterator[Path]:
    """The files below ``root`` (a linked folder as its link), hidden ones left out."""
    for here, subfolders, names in os.walk(root):
        folders.add(Path(here))
        kept = []
        for name in sorted(subfolders):
            path = Path(here, name)
            if name.startswith(".") or path in skip:
                continue
            if path.is_symlink():
                yield path  # laid out as the same link
            else:
                kept.append(name)
        subfolders[:] = kept
        for name in sorted(names):
            path = Path(here, name)
            if not name.startswith(".") and path not in skip:
                yield path


def _named_pictures(workspace: Workspace, targets: Sequence[Target]) -> Iterator[Path]:
    """The pictures (logos) that the profiles name, beside each profile."""
    from reportgen.batching.remote import absolute

    project = workspace.project()
    for target in targets:
        project.add(target.source)
    for entry in list(project.entries.values()):
        logo = getattr(entry.profile, "logo", None)
        if isinstance(logo, str):
            yield absolute(entry.path.parent / logo)


def _outermost(paths: Iterable[Path]) -> list[Path]:
    """The folders not inside another of them."""
    kept: list[Path] = []
    for path in sorted(set(paths)):
        if not any(path.is_relative_to(k) for k in kept):
            kept.append(path)
    return kept


def _add(files: dict[str, File], path: Path, *, follow: bool = False) -> None:
    from reportgen.assets import MAX_IMAGE_BYTES
    from reportgen.batching.remote import File
    from reportgen.yamlio import MAX_FILE_BYTES

    name = str(path)
    if name in files:
        return
    try:
        info = path.stat() if follow else path.lstat()
        if stat.S_ISLNK(info.st_mode):
            target = str(path.readlink())
            files[name] = File(hashlib.sha256(target.encode()).hexdigest(), 0, 0, link=target)
            return
        if not stat.S_ISREG(info.st_mode):
            return
        if info.st_size > max(MAX_FILE_BYTES, MAX_IMAGE_BYTES):  # refused by size alone
            files[name] = File("", info.st_size, info.st_mtime_ns)
            return
        data = path.read_bytes()
    except OSError:  # unreadable here: the worker finds it missing, and says so
        return
    sha = hashlib.sha256(data).hexdigest()
    files[name] = File(sha, len(data), info.st_mtime_ns, data=data)
