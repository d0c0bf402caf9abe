"""Worker processes start warm, clean, with the coordinator's surroundings, and end with it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from reportgen.batching.processes import Worker, worker_processes
from tests.helpers import ROOT, build_workers

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


FRESH_PROCESS = """\
import json, os, sys
from reportgen.batching.processes import Worker, worker_processes
from tests.test_processes import report

first = Worker(worker_processes(sys.argv[2].split(",")), report, (), "reportgen-build")
first.connection.recv()
# the fork server runs by now: what changes afterwards must still reach a worker
os.environ["REPORTGEN_TEST_PROBE"] = "set after the first worker"
os.chdir(sys.argv[1])
second = Worker(worker_processes(["pdf"]), report, (), "reportgen-build")
print(json.dumps({"coordinator": os.getpid(), **second.connection.recv()}))
for worker in (first, second):
    worker.connection.send(None)
    worker.process.join(10)
    worker.close()
"""


@pytest.mark.parametrize(
    ("first_formats", "loaded"),
    [
        ("pdf,docx", ["docx", "reportgen.pipeline", "weasyprint"]),
        ("html", ["reportgen.pipeline"]),  # the run that starts the fork server decides
    ],
)
def test_a_worker_starts_warm_ignoring_ctrl_c_in_the_coordinators_environment_and_folder(
    tmp_path: Path, first_formats: str, loaded: list[str]
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", FRESH_PROCESS, str(tmp_path), first_formats],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    started = json.loads(done.stdout)

    assert started["probe"] == "set after the first worker"
    assert Path(started["folder"]) == tmp_path.resolve()
    assert started["ctrl-c"] is True
    if sys.platform.startswith("linux"):  # forked from a fork server that loaded the engines
        assert started["loaded"] == loaded
        assert started["parent"] != started["coordinator"]


@linux
def test_workers_are_named_and_their_fork_server_has_no_thread() -> None:
    processes = worker_processes(["html"])
    worker = Worker(processes, report, (), "reportgen-build")
    try:
        started = worker.connection.recv()
        named = build_workers(os.getpid())
        tasks = list(Path(f"/proc/{started['parent']}/task").iterdir())
    finally:
        worker.connection.send(None)
        worker.process.join(10)
        worker.close()

    assert worker.process.pid in named  # (a worker of another test may still be ending)
    assert worker.process.exitcode == 0
    assert len(tasks) == 1  # forking from a process with threads could copy a held lock


def test_a_worker_ends_as_soon_as_its_coordinator_lets_go() -> None:
    worker = Worker(worker_processes(["html"]), idle, (), "reportgen-build")
    assert worker.connection.recv() == "sleeping"

    worker.close()  # as when the coordinator dies: its ends of the pipes close
    worker.process.join(20)

    assert worker.process.exitcode == 0
