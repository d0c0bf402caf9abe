"""Hostile cases that take more than one command: the build state, the lock, signals and
worker processes (``tests/hostile/`` points here with ``covered-by``)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportgen import batching, store
from reportgen.history import HISTORY_NAME
from reportgen.workspace import Options, Workspace
from tests.helpers import TODAY_EPOCH, RunCli, WriteFile, build_workers, set_marker

MANIFEST = """\
profiles: profiles
jobs:
  - {name: cities, document: city-profile, sources: ["profiles/cities/*.yaml"], formats: [html]}
"""
STATE = Path("output/.reportgen-state.sqlite")


@pytest.fixture
def batch_project(project: Path, write: WriteFile) -> Path:
    write("reportgen.yaml", MANIFEST)
    return project


def test_batch_rebuilds_an_output_changed_on_disk(batch_project: Path, cli: RunCli) -> None:
    assert cli("batch", "--jobs", "1").code == 0
    page = batch_project / "output/aville.city-profile.en.html"
    page.write_text("<html>another program's page</html>", encoding="utf-8")
    other = cli("build", "profiles/cities/bville.yaml", "--format", "html", "--paper", "letter")
    assert other.code == 0

    again = cli("batch", "--jobs", "1")

    assert "built 2, fresh 0, failed 0" in again.stderr
    assert "another program" not in page.read_text(encoding="utf-8")
    assert "built 0, fresh 2, failed 0" in cli("batch", "--jobs", "1").stderr


def test_batch_waits_then_reports_a_busy_state_and_keeps_it(
    batch_project: Path, cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("batch", "--jobs", "1").code == 0
    monkeypatch.setattr(store, "BUSY_TIMEOUT", 0.2)
    holder = sqlite3.connect(STATE, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        busy = cli("batch", "--jobs", "1")
    finally:
        holder.execute("ROLLBACK")
        holder.close()

    assert busy.code == 1
    assert busy.lines == [
        "error: output/.reportgen-state.sqlite is in use by another process (waited 0.2 s): "
        "the output folder is busy; try again when the other run is done"
    ]
    assert "built 2  fresh 0" in cli("history").stdout  # the first run is still there


def test_batch_rebuilds_only_the_target_whose_record_is_damaged(
    batch_project: Path, cli: RunCli, caplog: pytest.LogCaptureFixture
) -> None:
    assert cli("batch", "--jobs", "1").code == 0
    with sqlite3.connect(STATE) as db:
        db.execute("UPDATE targets SET inputs = '[[\"x\", {' WHERE target LIKE '%aville%'")
    db.close()
    with sqlite3.connect(STATE.with_name(HISTORY_NAME)) as db:
        db.execute("UPDATE runs SET failures = 'not json'")
    db.close()

    again = cli("batch", "--jobs", "1")

    assert "built 1, fresh 1, failed 0" in again.stderr
    assert "is damaged; it is built again" in caplog.text
    assert cli("history").code == 0


def test_a_damaged_state_is_set_aside_not_deleted(
    batch_project: Path, cli: RunCli, caplog: pytest.LogCaptureFixture
) -> None:
    assert cli("batch", "--jobs", "1").code == 0
    STATE.write_bytes(b"this is not a database" * 100)

    again = cli("batch", "--jobs", "1")

    assert again.code == 0 and "built 2" in again.stderr
    assert "is damaged" in caplog.text
    aside = STATE.with_name(STATE.name + store.DAMAGED_SUFFIX)
    assert aside.read_bytes().startswith(b"this is not a database")


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    """Paths made immutable (``chattr +i``: not even root can write them), undone after."""
    made: list[Path] = []
    yield made
    for path in made:
        subprocess.run(["chattr", "-i", str(path)], check=False, capture_output=True)


def _make_immutable(path: Path, made: list[Path]) -> None:
    done = subprocess.run(["chattr", "+i", str(path)], check=False, capture_output=True)
    if done.returncode != 0:
        pytest.skip("this file system cannot make files immutable (chattr)")
    made.append(path)


def test_a_read_only_state_and_folder_are_reported(
    batch_project: Path, cli: RunCli, write: WriteFile, immutable: list[Path]
) -> None:
    assert cli("batch", "--jobs", "1").code == 0
    _make_immutable(STATE, immutable)

    read_only = cli("batch", "--jobs", "1")

    assert read_only.code == 1
    assert read_only.lines[-2].startswith("built 0, fresh 0, failed 0 in ")
    assert read_only.lines[-1] == (
        "error: the run stopped: output/.reportgen-state.sqlite is read-only: make it and "
        "its folder writable, or choose another output folder"
    )
    assert "internal error" not in read_only.stderr
    _make_immutable(batch_project / "output", immutable)
    build = cli("build", "profiles/cities/aville.yaml", "--format", "html", "-o", "output/a.html")
    assert build.lines == [
        "error: cannot write output/a.html: Operation not permitted (make the folder writable "
        "for this user, or choose another output folder)"
    ]


def test_results_are_not_written_once_the_lock_is_lost(
    batch_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    workspace = Workspace.resolve(manifest=batch_project)
    lock = batch_project / "output" / batching.LOCK_NAME

    def steal(item: batching.TaskResult, done: int, total: int) -> None:
        lock.unlink()  # another run could take the folder now
        lock.write_text("process 1", encoding="utf-8")

    result = batching.run(workspace, Options(), batching.Settings(jobs=1), progress=steal)

    assert [r.status for r in result.results] == ["built", "failed"]
    assert "was removed or replaced; not written" in result.results[1].error
    assert not (batch_project / "output/bville.city-profile.en.html").exists()


# --- signals and worker processes (real processes) ----------------------------------------------


def _interruptible() -> None:
    # Ctrl-C as a terminal's job gets it: a test run started in the background by a
    # non-interactive shell ignores SIGINT, and a child would inherit that
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(args: list[str], folder: Path) -> subprocess.Popen[str]:
    environment = dict(os.environ, NO_COLOR="1", SOURCE_DATE_EPOCH=TODAY_EPOCH)
    return subprocess.Popen(
        [sys.executable, "-m", "reportgen", *args],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
        start_new_session=True,  # a process group of its own, as a terminal would make
        preexec_fn=_interruptible,
    )


def _wait_for(condition: object, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not come true")
        time.sleep(0.02)


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except OSError:
        return True


NEVER_ENDS = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n"
"""A project's briefing template that would loop for hours: its builds never end."""
VISIT = """\
kind: visit
id: {ident}
title: A visit whose briefing never ends
direction: inbound
host: aville
guest: bville
dates: {{start: 2027-05-12, end: 2027-05-13}}
timezone: Asia/Tokyo
purpose: Meetings.
objectives: [Meet everyone.]
delegation:
  - {{name: Head, title: Mayor, organisation: City, role: head of delegation}}
hosts:
  - {{name: Host, title: Mayor, organisation: City}}
"""


VISITS = """\
  - {name: visits, document: briefing, sources: ["profiles/visits/*.yaml"], formats: [html]}
"""


def busy_project(root: Path, write: WriteFile, fmt: str) -> Path:
    """Two small cities (``aville``, ``bville``), then the briefings of two visits, all in
    ``fmt``; the briefing's template never ends. When the first city is done, the workers
    go on to the briefings, so that the batch is still running when the test interrupts
    it, however late a busy machine lets the test act."""
    for ident in ("visit1", "visit2"):
        write(f"profiles/visits/{ident}.yaml", VISIT.format(ident=ident))
    write("templates/briefing.html.j2", NEVER_ENDS)
    write("reportgen.yaml", (MANIFEST + VISITS).replace("[html]", f"[{fmt}]"))
    return root


@pytest.fixture
def pdf_project(batch_project: Path, write: WriteFile) -> Path:
    return busy_project(batch_project, write, "pdf")


@pytest.fixture
def html_project(batch_project: Path, write: WriteFile) -> Path:
    return busy_project(batch_project, write, "html")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_ctrl_c_stops_a_batch_quietly_with_exit_130(pdf_project: Path) -> None:
    process = _start(["batch", "--jobs", "2"], pdf_project)
    assert process.stderr is not None
    first = process.stderr.readline()  # the first document is done: workers are busy
    assert "[1/4]" in first, first
    workers = build_workers(process.pid)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)

    assert process.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.strip().splitlines()[-1] == "interrupted: nothing half-written was left"
    _wait_for(lambda: all(_gone(pid) for pid in workers))
    output = pdf_project / "output"
    assert not list(output.glob(".reportgen-tmp-*"))
    assert all(pdf.read_bytes().rstrip().endswith(b"%%EOF") for pdf in output.glob("*.pdf"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_coordinator(html_project: Path) -> None:
    # in HTML: the files written are not what this is about (the Ctrl-C test reads PDFs)
    process = _start(["batch", "--jobs", "2"], html_project)
    assert process.stderr is not None
    assert "[1/4]" in process.stderr.readline()  # one worker starts its next document
    workers = build_workers(process.pid)
    assert len(workers) == 2
    process.kill()
    _, err = process.communicate(timeout=60)

    _wait_for(lambda: all(_gone(pid) for pid in workers))
    assert "Traceback" not in err and "BrokenPipeError" not in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups")
def test_ctrl_c_stops_schedule_run_with_exit_130(batch_project: Path, write: WriteFile) -> None:
    write(
        "reportgen.yaml",
        MANIFEST + 'schedules:\n  - {name: n, cron: "0 2 * * *", jobs: [cities]}\n',
    )
    process = _start(["schedule", "run"], batch_project)
    assert process.stderr is not None
    assert "running 1 schedules" in process.stderr.readline()
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)

    assert process.returncode == 130, err
    assert err.strip().splitlines() == ["interrupted: nothing half-written was left"]


# --- a full disk (a real one: a small tmpfs, mounted in a user namespace) -------------------------

FULL_DISK_MANIFEST = """\
timezone: Asia/Tokyo
jobs:
  - {name: cities, document: city-profile, sources: ["profiles/cities/*.yaml"], formats: [html]}
schedules:
  - {name: nightly, cron: "0 2 * * *", jobs: [cities]}
notify:
  command: [%s, notify.py]
"""
NOTIFY = """\
import sys
with open("notified.jsonl", "a", encoding="utf-8") as out:
    out.write(" ".join(sys.stdin.read().split()) + "\\n")
"""
FULL_DISK_SCRIPT = """\
mount -t tmpfs -o size=1m tmpfs output || exit 97
cp -a first/. output/
run() {
  name=$1; shift
  "$PYTHON" -m reportgen "$@" > "results/$name.out" 2> "results/$name.err"
  echo $? > "results/$name.rc"
}
dd if=/dev/zero of=output/filler bs=4k 2> /dev/null
run batch batch --force --jobs 1
run due schedule due --jobs 1
run status status
run json status --json
rm output/filler
run after batch --jobs 1
run history history --json
"""


def _namespaces_work() -> bool:
    try:
        probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    except OSError:
        return False
    return probe.returncode == 0


@pytest.mark.skipif(not _namespaces_work(), reason="needs unshare -rm (user namespaces)")
def test_a_full_disk_stops_the_batch_with_its_summary_and_status_and_notify_see_it(
    project: Path, write: WriteFile, cli: RunCli
) -> None:
    import json

    manifest = write("reportgen.yaml", FULL_DISK_MANIFEST % json.dumps(sys.executable))
    write("notify.py", NOTIFY)
    write("full-disk.sh", FULL_DISK_SCRIPT)
    for folder in ("results", "cache"):
        (project / folder).mkdir()
    # the first run, with room: its output folder (files, state, history) is copied onto
    # the small disk, where the nightly run is due (it last ran a day ago)
    assert cli("batch", "--quiet", "--jobs", "1").code == 0
    set_marker(manifest, "nightly", dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    shutil.copytree(project / "output", project / "first", symlinks=True)
    environment = dict(
        os.environ,
        NO_COLOR="1",
        SOURCE_DATE_EPOCH=TODAY_EPOCH,
        PYTHON=sys.executable,
        XDG_CACHE_HOME=str(project / "cache"),
    )

    done = subprocess.run(
        ["unshare", "-rm", "sh", "full-disk.sh"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode == 97:
        pytest.skip("tmpfs cannot be mounted here")

    def said(name: str) -> tuple[int, str, str]:
        folder = project / "results"
        code = int((folder / f"{name}.rc").read_text())
        return code, (folder / f"{name}.out").read_text(), (folder / f"{name}.err").read_text()

    every = "".join("".join(map(str, said(n))) for n in ("batch", "due", "status", "after"))
    assert "Traceback" not in every and "internal error" not in every, every
    full = "the disk is full: free some space"
    state, history = "output/.reportgen-state.sqlite", "output/.reportgen-history.sqlite"

    # the batch: every failure, its summary, and the files it could not write
    code, _, err = said("batch")
    lines = err.splitlines()
    assert code == 1
    assert re.fullmatch(r"built 0, fresh 0, failed 2 in \d+\.\d s", lines[-3]), err
    assert lines[-2] == f"error: the run stopped: cannot write {state}: {full}"
    kept = re.fullmatch(
        f"error: this run is not in the history: cannot write {history}: {full}; "
        r"kept in (cache/reportgen/unrecorded/[0-9a-f]{16}\.json)",
        lines[-1],
    )
    assert kept, err
    marker = project / kept[1]
    assert "failed: output/aville.city-profile.en.html" in lines

    # the scheduled run: its failure is told from memory, though the history has no room
    code, _, err = said("due")
    assert code == 1
    assert f"schedule nightly: not recorded: cannot write {history}: {full}" in err
    told = json.loads((project / "notified.jsonl").read_text().splitlines()[-1])
    assert (told["event"], told["schedule"], told["result"]) == ("failure", "nightly", "failed")
    problems = [p for failure in told["failures"] for p in failure["problems"]]
    assert f"the run stopped: cannot write {state}: {full}" in problems
    assert f"not recorded: cannot write {history}: {full}" in problems

    # status sees it, from the marker
    code, out, _ = said("status")
    assert code == 1
    assert out.startswith("nightly  FAILING  ")
    assert "  not recorded: the run of " in out and out.rstrip().endswith(
        f": cannot write {history}: {full}"
    )
    code, out, _ = said("json")
    [record] = json.loads(out)
    assert code == 1 and record["ok"] is False
    assert record["not_recorded"][-1]["trigger"] == "schedule:nightly"

    # with room again: the next run is recorded, and so is the one that was not
    code, _, err = said("after")
    assert code == 0, err
    runs = json.loads(said("history")[1])
    assert not marker.exists()
    kept_run = runs[0]  # copied in when the next run was recorded
    assert (kept_run["trigger"], kept_run["result"]) == ("schedule:nightly", "failed")
    assert runs[1]["trigger"] == "manual" and runs[1]["result"] == "ok"
