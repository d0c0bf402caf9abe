"""Batches on a Dask cluster: the stale targets built by the workers of a Dask scheduler.

stale targets -> snapshot of the project (once) -> scheduler -> workers build bytes and
records -> the coordinator writes them, as after a local build

Only the builds move. Planning, freshness, the lock, the files and the state stay with
the coordinator (this process), which calls ``done`` as the local pool does, so the
progress, summary, report and history are those of a local batch. No file system is
shared: the project goes to the workers as a snapshot (see ``remote``).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import socket
import stat
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.batching.lock import BatchError
from reportgen.batching.pool import Outcome
from reportgen.targets import Target
from reportgen.workspace import Options, Workspace

if TYPE_CHECKING:
    from distributed import Client

    from reportgen.batching.remote import File, Snapshot

LOCAL = "local"
"""The scheduler name that starts a cluster on this machine for the batch."""
CONNECT_TIMEOUT = 5.0
"""Seconds to reach the scheduler before the batch gives up."""
WORKERS_TIMEOUT = 30.0
"""Seconds to wait for the scheduler's first worker."""
ALLOWED_FAILURES = 2
"""On a local cluster: workers that may die building one target before it fails."""


def run_targets(
    targets: Sequence[Target],
    workspace: Workspace,
    options: Options,
    *,
    jobs: int,
    done: Callable[[Target, Outcome], None],
    should_stop: Callable[[], bool] = lambda: False,
    scheduler: str,
) -> None:
    """Build ``targets`` on the cluster of ``scheduler``, calling ``done`` as each finishes.

    ``scheduler`` is a Dask scheduler's address, or ``local`` for a cluster of ``jobs``
    worker processes on this machine, closed afterwards. The versions of the workers are
    checked before anything is built. When ``should_stop`` turns true, the submitted
    tasks are cancelled and every target not finished fails as interrupted.
    """
    try:
        import distributed
    except ImportError:
        raise BatchError(
            "--scheduler needs Dask: pip install 'reportgen[dask]' (on the workers too)"
        ) from None
    from reportgen.batching import remote

    shipment = remote.Shipment(
        take_snapshot(workspace, options, targets),
        workspace,
        options,
        str(Path.cwd().resolve()),
        remote.versions(),
    )
    with connect(scheduler, jobs, options) as client:
        check_versions(client, scheduler)
        if any("pdf" in target.formats for target in targets):
            from reportgen.renderers.html import stylesheet

            client.register_plugin(remote.WarmUp(stylesheet(workspace.templates)))
        key = f"reportgen-shipment-{shipment.snapshot.digest[:16]}-{uuid.uuid4().hex[:8]}"
        shipped = client.scatter({key: shipment}, broadcast=True)[key]
        token = uuid.uuid4().hex[:8]
        keys = [
            f"reportgen-{t.document}-{t.source.stem}-{t.lang}-{token}-{index}"
            for index, t in enumerate(targets)
        ]
        futures = client.map(remote.build, targets, key=keys, shipment=shipped, pure=False)
        target_of = {future.key: target for future, target in zip(futures, targets, strict=True)}
        finished: queue.Queue[tuple[Any, Any]] = queue.Queue()

        def collect() -> None:
            try:
                for pair in distributed.as_completed(
                    futures, loop=client.loop, with_results=True, raise_errors=False
                ):
                    finished.put(pair)
            except Exception as exc:  # the connection to the scheduler is lost
                finished.put((None, exc))

        collector = threading.Thread(target=collect, name="reportgen-results", daemon=True)
        collector.start()
        left = dict(target_of)
        try:
            while left:
                if should_stop():
                    for target in left.values():
                        done(target, Outcome(False, error="interrupted"))
                    return
                try:
                    future, result = finished.get(timeout=0.2)
                except queue.Empty:
                    continue
                if future is None:
                    lost = f"the cluster stopped answering ({type(result).__name__})"
                    for target in left.values():
                        done(target, Outcome(False, error=lost))
                    return
                target = left.pop(future.key)
                done(target, _outcome(client, future.status, result))
        finally:
            client.cancel([f for f in futures if f.key in left], force=True)


def _outcome(client: Client, status: str, result: Any) -> Outcome:
    from distributed import KilledWorker

    from reportgen.batching.remote import Returned

    if status == "finished" and isinstance(result, Returned):
        if result.restart:  # its build is stuck in C code: only a new process frees it
            with contextlib.suppress(Exception):  # without a nanny it cannot be; it goes on
                client.restart_workers([result.worker], raise_for_error=False)
        return result.outcome
    if isinstance(result, tuple):  # an error comes as (type, exception, traceback)
        result = result[1]
    if isinstance(result, KilledWorker):
        return Outcome(
            False, error="the worker building it died each time (killed, or out of memory?)"
        )
    if status == "cancelled":
        return Outcome(False, error="the cluster cancelled it")
    return Outcome(
        False, error=f"the cluster could not build it: {type(result).__name__}: {result}"
    )


@contextmanager
def connect(scheduler: str, jobs: int, options: Options) -> Iterator[Client]:
    """A client of ``scheduler``, or of a cluster started here for ``local``."""
    import dask
    from distributed import Client, LocalCluster

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
            with Client(cluster, set_as_default=False) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError):
        raise BatchError(
            f"cannot reach the Dask scheduler at {scheduler} within {CONNECT_TIMEOUT:g} s: "
            "is it running, and is the address right?"
        ) from None
    except ValueError as exc:
        raise BatchError(f"'{scheduler}' is not a Dask scheduler address: {exc}") from None
    with client:
        yield client


def check_versions(client: Client, scheduler: str) -> None:
    """Refuse workers whose reportgen (or a library that shapes documents) differs."""
    from reportgen.batching.remote import versions

    try:
        client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
    except TimeoutError:
        raise BatchError(
            f"the Dask scheduler at {scheduler} has no workers (waited {WORKERS_TIMEOUT:g} s)"
        ) from None
    mine = versions()
    try:
        found = client.run(versions)
    except Exception as exc:
        raise BatchError(
            f"the Dask workers at {scheduler} cannot run reportgen ({type(exc).__name__}: "
            f"{exc}): install reportgen[dask] {mine[0][1]} on them"
        ) from None
    for address, theirs in sorted(found.items()):
        for (name, want), (_, have) in zip(mine, theirs, strict=True):
            if want != have:
                hint = f" (pip install 'reportgen[dask]=={want}')" if name == "reportgen" else ""
                raise BatchError(
                    f"the Dask worker {address} runs {name} {have}, this machine {name} "
                    f"{want}: install the same version on both{hint}"
                )


# --- the snapshot -------------------------------------------------------------------------


def take_snapshot(workspace: Workspace, options: Options, targets: Sequence[Target]) -> Snapshot:
    """The files that building ``targets`` may read, by absolute path.

    Every file below the profiles folder and the folders of the sources (logos sit
    beside their profiles), the project's templates and catalogs, the manifest and the
    reference document; hidden folders and the output folder are left out.
    """
    from reportgen.batching.remote import Snapshot, digest_of

    roots = [workspace.profiles, workspace.templates, workspace.locales]
    roots += [target.source.parent for target in targets]
    skip = absolute(workspace.output)
    files: dict[str, File] = {}
    folders: set[Path] = set()
    for root in _outermost(absolute(r) for r in roots if r is not None and r.is_dir()):
        for here, subfolders, names in os.walk(root):
            folders.add(Path(here))
            kept = []
            for name in sorted(subfolders):
                path = Path(here, name)
                if path.is_symlink():
                    _add(files, path)  # laid out as the same link
                elif not name.startswith(".") and path != skip:
                    kept.append(name)
            subfolders[:] = kept
            for name in names:
                _add(files, Path(here, name))
    for single in (workspace.manifest_path, options.reference_docx):
        if single is not None:
            _add(files, absolute(single), follow=True)
    ordered = tuple(str(folder) for folder in sorted(folders))
    origin = f"{socket.gethostname()}\0{workspace.root.resolve()}"
    return Snapshot(
        digest_of(files, ordered),
        hashlib.sha256(origin.encode()).hexdigest()[:16],
        files,
        ordered,
    )


def absolute(path: Path) -> Path:
    """``path`` made absolute and normalised, its symbolic links kept (they travel as such)."""
    return Path(os.path.abspath(path))  # noqa: PTH100 - Path.resolve would follow the links


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
