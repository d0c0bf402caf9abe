"""Worker processes start warm, clean, with the coordinator's surroundings, and end with it."""

from __future__ import annotations

import os
import signal
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from reportgen.batching.processes import Worker, worker_processes
from tests.helpers import build_workers

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def report(connection: Connection) -> None:
    """A worker's main that says what it started with."""
    connection.send(
        {
            "loaded": sorted(
                m for m in ("weasyprint", "docx", "reportgen.pipeline") if m in sys.modules
            ),
            "probe": os.environ.get("REPORTGEN_TEST_PROBE"),
            "folder": str(Path.cwd()),
            "ctrl-c": signal.getsignal(signal.SIGINT) == signal.SIG_IGN,
            "parent": os.getppid(),
        }
    )
    connection.recv()


def idle(connection: Connection) -> None:
    """A worker's main that says it is there, then sleeps and never reads its pipe."""
    connection.send("sleeping")
    time.sleep(120)


def test_a_worker_starts_warm_ignoring_ctrl_c_in_the_coordinators_environment_and_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    processes = worker_processes()
    first = Worker(processes, report, (), "reportgen-build")
    try:
        first.connection.recv()
        # the fork server runs by now: what changes afterwards must still reach a worker
        monkeypatch.setenv("REPORTGEN_TEST_PROBE", "set after the first worker")
        monkeypatch.chdir(tmp_path)
        second = Worker(processes, report, (), "reportgen-build")
        try:
            started = second.connection.recv()
        finally:
            second.connection.send(None)
            second.process.join(10)
            second.close()
    finally:
        first.connection.send(None)
        first.process.join(10)
        first.close()

    assert started["probe"] == "set after the first worker"
    assert Path(started["folder"]) == tmp_path.resolve()
    assert started["ctrl-c"] is True
    if sys.platform.startswith("linux"):  # forked from a fork server that loaded the engines
        assert started["loaded"] == ["docx", "reportgen.pipeline", "weasyprint"]
        assert started["parent"] != os.getpid()


@linux
def test_workers_are_named_and_their_fork_server_has_no_thread() -> None:
    processes = worker_processes()
    worker = Worker(processes, report, (), "reportgen-build")
    try:
        started = worker.connection.recv()
        named = build_workers(os.getpid())
        tasks = list(Path(f"/proc/{started['parent']}/task").iterdir())
    finally:
        worker.connection.send(None)
        worker.process.join(10)
        worker.close()

    assert named == [worker.process.pid]
    assert worker.process.exitcode == 0
    assert len(tasks) == 1  # forking from a process with threads could copy a held lock


def test_a_worker_ends_as_soon_as_its_coordinator_lets_go() -> None:
    worker = Worker(worker_processes(), idle, (), "reportgen-build")
    assert worker.connection.recv() == "sleeping"

    worker.close()  # as when the coordinator dies: its ends of the pipes close
    worker.process.join(20)

    assert worker.process.exitcode == 0
