"""Operating scheduled builds: failures that stay visible, retries, notifications, status,
history apart from the build state, dated logs, file modes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import http.server
import json
import os
import re
import shutil
import socket
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from reportgen import batching as batch
from reportgen import schedule as schedules
from reportgen import scheduler as runner
from reportgen.history import HISTORY_NAME, INTERRUPTED, History
from reportgen.models.manifest import Schedule
from reportgen.state import STATE_NAME
from reportgen.workspace import Options, Workspace
from tests.helpers import ROOT, TODAY_EPOCH, RunCli

UTC = dt.UTC

BROKEN_CITY = """\
kind: city
id: broken
name: Broken
country: XX
summary: A city.
"""
FIXED_CITY = BROKEN_CITY.replace("country: XX", "country: JP")
BROKEN_LINE = "broken/b.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 country code"

NOTIFY_SCRIPT = """\
import sys
with open("notified.jsonl", "a", encoding="utf-8") as out:
    out.write(" ".join(sys.stdin.read().split()) + "\\n")
"""

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00 ")


class Hook:
    """A webhook on 127.0.0.1 that keeps every JSON body posted to it."""

    def __init__(self, status: int = 204) -> None:
        self.bodies: list[dict[str, Any]] = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                hook.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), daemon=True
        )  # polled every 0.05 s, so that shutting it down takes no more

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/secret-token"

    @property
    def events(self) -> list[str]:
        return [body["event"] for body in self.bodies]


@pytest.fixture
def hook() -> Iterator[Hook]:
    listener = Hook()
    listener.thread.start()
    yield listener
    listener.server.shutdown()
    listener.server.server_close()


def far_from_now() -> int:
    """The hour of the day, in Tokyo, furthest from now: a nightly schedule at that hour
    fires once in any day, but never in the minutes a test runs through on the real clock
    (retries 5 and 10 minutes on), whatever time of day the suite runs at."""
    return (dt.datetime.now(ZoneInfo("Asia/Tokyo")) + dt.timedelta(hours=12)).hour


def ops_project(root: Path, notify: str) -> Path:
    """The example profiles, a broken city, a nightly schedule over both, and ``notify``."""
    shutil.copytree(ROOT / "profiles", root / "profiles")
    (root / "broken").mkdir()
    (root / "broken" / "b.yaml").write_text(BROKEN_CITY, encoding="utf-8")
    (root / "notify.py").write_text(NOTIFY_SCRIPT, encoding="utf-8")
    path = root / "reportgen.yaml"
    path.write_text(
        "timezone: Asia/Tokyo\n"
        "defaults: {formats: [html], languages: [en]}\n"
        "jobs:\n"
        "  - {name: cities, document: city-profile, sources: [profiles/cities/dalian.yaml]}\n"
        "  - {name: broken, document: city-profile, sources: [broken/*.yaml]}\n"
        "schedules:\n"
        f'  - {{name: nightly, cron: "0 {far_from_now()} * * *", jobs: [cities, broken]}}\n'
        + notify,
        encoding="utf-8",
    )
    return path.resolve()


def notify_block(url: str, *, on: str = "") -> str:
    command = json.dumps([sys.executable, "notify.py"])
    return f"notify:\n  webhook: {url}\n  command: {command}\n{on}"


def make_due(path: Path, now: dt.datetime) -> None:
    with History.opened(path.parent / "output") as history:
        history.set_marker("schedule:nightly", (now - dt.timedelta(days=1)).timestamp())


def fail_at_start(path: Path) -> None:
    """The nightly schedule runs only the broken job, whose file is gone: its run fails
    before anything is built (so without a worker process), and ``notify:`` is told."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("jobs: [cities, broken]", "jobs: [broken]"), encoding="utf-8")
    (path.parent / "broken" / "b.yaml").unlink()


def commanded(root: Path) -> list[dict[str, Any]]:
    lines = (root / "notified.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


class RecordingBatch:
    """A ``run_batch`` that records a run as a batch would, failing while ``failing``."""

    def __init__(self) -> None:
        self.failing = True

    def __call__(self, manifest_path: Path, schedule: Schedule) -> bool:
        failure = {"target": "output/broken.city-profile.en.html", "error": BROKEN_LINE}
        counts, failures = ((1, 0, 1), [failure]) if self.failing else ((1, 1, 0), [])
        with History.opened(manifest_path.parent / "output") as history:
            history.record_run("schedule:" + schedule.name, 1.0, 0.5, counts, failures)
        return True


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)


# --- a failing nightly run, its retries, and its recovery ---------------------------------------


def test_failing_schedule_notifies_retries_keeps_failing_then_recovers(
    cli: RunCli, workdir: Path, hook: Hook
) -> None:
    path = ops_project(workdir, notify_block(hook.url))
    start = dt.datetime.now(UTC).replace(microsecond=0)
    make_due(path, start)

    first = cli("schedule", "due", str(path), "--jobs", "1")

    assert first.code == 1
    assert f"schedule nightly: broken.city-profile.en.html: {BROKEN_LINE}" in first.stderr
    assert all(STAMP.match(line) for line in first.lines), first.stderr
    assert hook.events == ["failure"]
    [posted] = hook.bodies
    assert (posted["schedule"], posted["built"], posted["failed"]) == ("nightly", 1, 1)
    assert posted["failures"][0]["target"] == "output/broken.city-profile.en.html"
    assert posted["failures"][0]["problems"][0] == BROKEN_LINE
    assert posted["attempts"] == 1
    assert [c["event"] for c in commanded(workdir)] == ["failure"]
    assert "secret-token" not in first.stderr

    # the next call: nothing new is due, but the failure is still there
    again = cli("schedule", "due", str(path))
    health = cli("status", str(path))

    assert again.code == 1
    assert "schedule nightly: still failing since" in again.stderr
    assert "1 output (output/broken.city-profile.en.html)" in again.stderr
    assert "nothing due" not in again.stderr
    assert health.code == 1
    [line] = health.stdout.splitlines()
    assert line.startswith("nightly  FAILING  last run ")
    assert "failed 1 (built 1, fresh 0)" in line

    # the retry comes after the backoff, fails the same way: logged, not posted again
    run_batch = runner.default_run_batch(lambda: False)
    with History.opened(workdir / "output") as history:
        first_failing = history.failing("nightly")
    assert first_failing is not None
    assert first_failing.retry_at == first_failing.last_attempt + schedules.BACKOFF_FIRST
    retry_time = first_failing.retry_time
    assert runner.run_due(path, retry_time - dt.timedelta(seconds=1), run_batch) == []
    assert runner.run_due(path, retry_time, run_batch) == ["nightly"]
    assert hook.events == ["failure"]
    with History.opened(workdir / "output") as history:
        failing = history.failing("nightly")
    assert failing is not None and failing.attempts == 2
    assert failing.retry_at == retry_time.timestamp() + 2 * schedules.BACKOFF_FIRST

    # fixed: the next retry builds it, recovery is posted, status is healthy
    (workdir / "broken" / "b.yaml").write_text(FIXED_CITY, encoding="utf-8")
    fixed_time = failing.retry_time
    assert runner.run_due(path, fixed_time, run_batch) == ["nightly"]

    assert hook.events == ["failure", "recovery"]
    assert hook.bodies[-1]["failed"] == 0 and hook.bodies[-1]["built"] == 1
    assert [c["event"] for c in commanded(workdir)] == ["failure", "recovery"]
    healthy = cli("status", str(path), "--json")
    assert healthy.code == 0, healthy.stdout
    [record] = json.loads(healthy.stdout)
    assert (record["schedule"], record["ok"], record["result"]) == (
        "nightly",
        True,
        "ok (built 1, fresh 1)",
    )
    quiet = cli("schedule", "due", str(path), "--quiet")
    assert (quiet.code, quiet.stderr) == (0, "")
    assert cli("schedule", "due", str(path)).lines[-1].endswith(" nothing due")


def test_status_and_its_json_show_the_same_next_try(cli: RunCli, workdir: Path) -> None:
    path = ops_project(workdir, "")
    now = dt.datetime.now(UTC)
    make_due(path, now)
    assert runner.run_due(path, now, RecordingBatch()) == ["nightly"]  # a failed run
    with History.opened(workdir / "output") as history:
        failing = history.failing("nightly")
        assert failing is not None
        later = dt.datetime.now(UTC).timestamp() + 3 * 86400  # after the next nightly run
        history.set_failing(dataclasses.replace(failing, retry_at=later))

    text = cli("status", str(path))
    [record] = json.loads(cli("status", str(path), "--json").stdout)

    assert text.code == 1
    assert record["next_try"] == record["next_run"]  # the nightly run comes before the retry
    assert text.stdout.rstrip().endswith(f"next try {record['next_try']}"), text.stdout


def test_a_batch_that_builds_the_failed_outputs_clears_the_failure(
    cli: RunCli, workdir: Path, hook: Hook
) -> None:
    path = ops_project(workdir, notify_block(hook.url))
    make_due(path, dt.datetime.now(UTC))
    assert cli("schedule", "due", str(path), "--jobs", "1").code == 1
    (workdir / "broken" / "b.yaml").write_text(FIXED_CITY, encoding="utf-8")

    fixed = cli("batch", str(path), "--only", "broken")
    health = cli("status", str(path))

    assert fixed.code == 0
    assert "schedule nightly: recovered: its failed outputs are built" in fixed.lines
    assert health.code == 0 and health.stdout.startswith("nightly  ok  "), health.stdout
    assert hook.events == ["failure", "recovery"]
    assert cli("schedule", "due", str(path), "--quiet").code == 0


def test_a_batch_that_builds_other_outputs_leaves_the_failure(cli: RunCli, workdir: Path) -> None:
    path = ops_project(workdir, "")
    make_due(path, dt.datetime.now(UTC))
    assert cli("schedule", "due", str(path), "--jobs", "1").code == 1

    other = cli("batch", str(path), "--only", "cities", "--force")

    assert other.code == 0 and "recovered" not in other.stderr
    assert cli("status", str(path)).code == 1


def test_retry_now_tries_a_failing_schedule_at_once_and_quiet_says_recovered(
    cli: RunCli, workdir: Path
) -> None:
    path = ops_project(workdir, "")
    make_due(path, dt.datetime.now(UTC))
    assert cli("schedule", "due", str(path), "--jobs", "1").code == 1
    (workdir / "broken" / "b.yaml").write_text(FIXED_CITY, encoding="utf-8")
    waiting = cli("schedule", "due", str(path), "--quiet")  # the retry is 5 minutes away

    now = cli("schedule", "due", str(path), "--retry-now", "--quiet")

    assert waiting.code == 1 and "still failing since" in waiting.stderr
    assert now.code == 0, now.stderr
    line = now.lines[-1]
    assert STAMP.match(line) and " schedule nightly: recovered (failing since " in line
    assert line.endswith(", 1 failed run)")
    assert cli("status", str(path)).code == 0


def test_warnings_of_fresh_outputs_are_logged_once_a_day_not_on_every_tick(
    cli: RunCli, workdir: Path
) -> None:
    path = ops_project(workdir, "")
    manifest = path.read_text(encoding="utf-8")
    path.write_text(manifest.replace("jobs: [cities, broken]", "jobs: [cities]"), encoding="utf-8")
    stale = "schedule nightly: profiles/cities/dalian.yaml:21:12: population[0].as_of: warning:"

    def tick() -> list[str]:
        make_due(path, dt.datetime.now(UTC))
        result = cli("schedule", "due", str(path), "--quiet")
        assert result.code == 0, result.stderr
        return [line for line in result.lines if stale in line]

    built = tick()
    ticks = [tick() for _ in range(3)]  # nothing to build: the outputs are fresh
    with History.opened(workdir / "output") as history:
        yesterday = dt.datetime.now(UTC) - dt.timedelta(hours=25)
        history.set_marker("warned:nightly", yesterday.timestamp())
    next_day = tick()
    city = workdir / "profiles" / "cities" / "dalian.yaml"
    text = city.read_text("utf-8")
    city.write_text(text.replace("summary:\n  en: >-\n", "summary:\n  en: >-\n    Edited.\n", 1))
    rebuilt = tick()

    assert len(built) == 1  # printed when built
    assert ticks == [[], [], []]  # not repeated on every tick
    assert len(next_day) == 1  # once a day otherwise
    assert len(rebuilt) == 1  # built again: printed again


def test_every_run_is_sent_with_always_and_failures_repeat_each_night(
    workdir: Path, hook: Hook, today: None
) -> None:
    path = ops_project(workdir, notify_block(hook.url, on="  on: [always]\n"))
    start = dt.datetime(2027, 1, 15, 2, 0, 30, tzinfo=ZoneInfo("Asia/Tokyo"))
    make_due(path, start)
    run_batch = RecordingBatch()

    runner.run_due(path, start, run_batch)
    runner.run_due(path, start + dt.timedelta(seconds=schedules.BACKOFF_FIRST), run_batch)
    runner.run_due(path, start + dt.timedelta(days=1), run_batch)  # the next night
    run_batch.failing = False
    runner.run_due(path, start + dt.timedelta(days=2), run_batch)
    runner.run_due(path, start + dt.timedelta(days=3), run_batch)

    assert hook.events == ["failure", "still-failing", "failure", "recovery", "success"]
    assert [body["attempts"] for body in hook.bodies] == [1, 2, 3, 0, 0]


def test_a_webhook_that_fails_or_cannot_be_reached_is_logged_never_fatal(
    workdir: Path, caplog: pytest.LogCaptureFixture, today: None
) -> None:
    broken = Hook(status=500)
    broken.thread.start()
    try:
        path = ops_project(workdir, f"notify: {{webhook: '{broken.url}?key=hunter2'}}\n")
        fail_at_start(path)
        now = dt.datetime.now(UTC)
        make_due(path, now)
        ran = runner.run_due(path, now, RecordingBatch())
    finally:
        broken.server.shutdown()
        broken.server.server_close()
    port = broken.server.server_address[1]

    assert ran == ["nightly"]
    assert f"webhook http://127.0.0.1:{port}/... answered 500" in caplog.text
    assert "secret-token" not in caplog.text and "hunter2" not in caplog.text

    caplog.clear()
    later = now + dt.timedelta(days=1)
    assert runner.run_due(path, later, runner.default_run_batch(lambda: False)) == ["nightly"]
    assert f"webhook http://127.0.0.1:{port}/... not reached" in caplog.text


class Trickler:
    """A webhook on 127.0.0.1 that reads the whole request, then answers one byte every
    tenth of a second (``silent``: never answers), for up to a minute."""

    def __init__(self, *, silent: bool = False) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.silent = silent
        self.bodies: list[dict[str, Any]] = []
        self.cut_off = threading.Event()
        """The client hung up before the answer was over."""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/secret-token"

    def _serve(self) -> None:
        try:
            connection, _ = self.listener.accept()
        except OSError:
            return  # closed before anyone called
        with connection, connection.makefile("rb") as stream:
            length = 0
            while (line := stream.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.bodies.append(json.loads(stream.read(length)))
            try:
                if self.silent:
                    connection.settimeout(60)
                    if connection.recv(1) == b"":
                        self.cut_off.set()
                    return
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 600:
                    if self.cut_off.wait(0.1):
                        return
                    connection.sendall(bytes([byte]))
            except OSError:
                self.cut_off.set()

    def close(self) -> None:
        self.cut_off.set()
        self.listener.close()
        self.thread.join(5)


@pytest.mark.parametrize(
    ("silent", "deadline", "silence", "said"),
    [
        (False, 1.0, 5.0, "did not finish its answer within 1 s (answer late)"),
        (True, 5.0, 0.5, "was silent for 0.5 s (answer late)"),
    ],
    ids=["trickles", "silent"],
)
def test_a_webhook_that_trickles_or_stays_silent_is_cut_off_and_said_delivered(
    cli: RunCli,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    silent: bool,
    deadline: float,
    silence: float,
    said: str,
) -> None:
    from reportgen import notify

    monkeypatch.setattr(notify, "WEBHOOK_DEADLINE", deadline, raising=False)
    monkeypatch.setattr(notify, "WEBHOOK_TIMEOUT", silence)
    receiver = Trickler(silent=silent)
    try:
        path = ops_project(workdir, f"notify: {{webhook: '{receiver.url}'}}\n")
        fail_at_start(path)
        make_due(path, dt.datetime.now(UTC))

        result = cli("schedule", "due", str(path))
        receiver.thread.join(5)
        hung_up = receiver.cut_off.is_set()
    finally:
        receiver.close()
    port = receiver.port

    assert result.code == 1  # the run failed (the broken city), the notification is not fatal
    assert [body["event"] for body in receiver.bodies] == ["failure"]
    assert hung_up  # reportgen hung up before the minute of trickling was over
    assert (
        f"schedule nightly: webhook http://127.0.0.1:{port}/... got the summary (delivered)"
        f" but {said}"
    ) in result.stderr
    assert "not reached" not in result.stderr and "secret-token" not in result.stderr


def test_a_missing_notify_command_is_logged_and_the_run_recorded(
    workdir: Path, caplog: pytest.LogCaptureFixture, today: None
) -> None:
    path = ops_project(workdir, "notify: {command: [no-such-program-here]}\n")
    now = dt.datetime.now(UTC)
    make_due(path, now)

    ran = runner.run_due(path, now, RecordingBatch())

    assert ran == ["nightly"]
    assert "notify command no-such-program-here: no such program" in caplog.text


@pytest.mark.parametrize(
    ("notify", "message"),
    [
        ("notify: {webhook: 'ftp://example.org/x'}", "notify.webhook: 'ftp://example.org/...'"),
        ("notify: {on: [sometimes]}", "notify.on[0]: Input should be 'failure'"),
        ("file_mode: 0777", "file_mode: '777' would make documents"),
        ("file_mode: rw", "file_mode: 'rw' is not a file mode"),
    ],
)
def test_bad_notify_and_file_mode_are_located_errors(
    cli: RunCli, workdir: Path, notify: str, message: str
) -> None:
    (workdir / "reportgen.yaml").write_text(f"jobs: []\n{notify}\n", encoding="utf-8")

    result = cli("status")

    assert result.code == 1
    assert any(line.startswith("reportgen.yaml:2:") and message in line for line in result.lines), (
        result.stderr
    )


def test_validate_warns_at_each_setting_that_makes_the_manifest_code(
    cli: RunCli, workdir: Path
) -> None:
    path = ops_project(
        workdir,
        "scheduler: tcp://dask.example.org:8786\n"
        "notify:\n"
        "  webhook: https://chat.example.org/hooks/T0K3N\n"
        '  command: [mail, -s, "reportgen: nightly", office@example.org]\n',
    )
    (workdir / "broken" / "b.yaml").write_text(FIXED_CITY, encoding="utf-8")
    trust = "a manifest is code: accept one only from people you trust (README: Security)"

    result = cli("validate", "reportgen.yaml")
    strict = cli("validate", "reportgen.yaml", "--strict")
    local = path.read_text(encoding="utf-8").replace("tcp://dask.example.org:8786", "local")
    path.write_text(local.replace("  command: [mail", "  # command: [mail"), encoding="utf-8")
    plain = cli("validate", "reportgen.yaml")

    assert result.code == 0
    assert result.lines == [
        "reportgen.yaml:8:12: scheduler: warning: batches send the profiles, templates and"
        " catalogs to the Dask cluster at tcp://dask.example.org:8786: whoever runs it can"
        f" read them and change the documents; {trust}",
        "reportgen.yaml:11:12: notify.command: warning: runs the program 'mail' after each"
        f" scheduled run, with the rights of the user running reportgen; {trust}",
        "valid: 0 errors, 2 warnings",
    ]
    assert strict.code == 1
    assert (plain.code, plain.lines) == (0, ["valid: 0 errors, 0 warnings"])


def test_schedule_jobs_are_at_least_one(cli: RunCli, workdir: Path) -> None:
    path = ops_project(workdir, "")

    for command in ("due", "run"):
        result = cli("schedule", command, str(path), "--jobs", "0")
        assert result.code == 2 and "0 is not in the range x>=1" in result.stderr, result.stderr


# --- status ------------------------------------------------------------------------------------


def test_status_of_schedules_never_run_is_ok_and_an_overdue_one_is_not(
    cli: RunCli, workdir: Path
) -> None:
    path = ops_project(workdir, "")

    fresh = cli("status", str(path))

    assert fresh.code == 0
    assert fresh.stdout.startswith("nightly  ok  last run never  never run  next run ")
    with History.opened(workdir / "output") as history:
        stopped = dt.datetime.now(UTC) - dt.timedelta(days=3)
        history.set_marker("schedule:nightly", stopped.timestamp())
    overdue = cli("status", str(path))
    assert overdue.code == 1
    assert overdue.stdout.startswith("nightly  OVERDUE  ")


# --- history apart from the build state ----------------------------------------------------------


def test_deleting_the_build_state_keeps_history_and_schedule_markers(
    cli: RunCli, workdir: Path, today: None
) -> None:
    path = ops_project(workdir, "")
    (workdir / "broken" / "b.yaml").write_text(FIXED_CITY, encoding="utf-8")
    now = dt.datetime.now(UTC)
    make_due(path, now)
    assert runner.run_due(path, now, runner.default_run_batch(lambda: False, jobs=1)) == ["nightly"]

    (workdir / "output" / STATE_NAME).unlink()
    listing = cli("schedule", "list", str(path))
    rebuilt = cli("batch", str(path), "--quiet", "--stale-after", "120", "--jobs", "1")
    history = cli("history", "--json")

    assert "never run" not in listing.stdout
    assert rebuilt.code == 0 and rebuilt.stderr == ""  # quiet: nothing failed
    runs = json.loads(history.stdout)
    assert [(r["trigger"], r["built"], r["result"]) for r in runs] == [
        ("manual", 2, "ok"),
        ("schedule:nightly", 2, "ok"),
    ]


def test_a_run_killed_midway_and_a_stopped_run_are_recorded_as_interrupted(
    cli: RunCli, workdir: Path, today: None
) -> None:
    path = ops_project(workdir, "")
    with History.opened(workdir / "output") as history:
        history.start_run("manual", 1_800_000_000.0)  # then killed: never finished
    workspace = Workspace.resolve(manifest=path, require_manifest=True)

    stopped = batch.run(
        workspace, Options(), batch.Settings(only=("cities",)), should_stop=lambda: True
    )
    lines = cli("history").stdout.splitlines()

    assert stopped.interrupted
    assert lines[0].endswith(
        "built 0  fresh 0  failed 1  interrupted  output/dalian.city-profile.en.html: interrupted"
    )
    assert lines[1].endswith("built 0  fresh 0  failed 0  interrupted")
    with History.opened(workdir / "output") as history:
        assert [r.result for r in history.runs()] == [INTERRUPTED, INTERRUPTED]


def test_history_of_an_older_build_state_is_carried_over_once(workdir: Path) -> None:
    import sqlite3

    output = workdir / "output"
    output.mkdir()
    with sqlite3.connect(output / STATE_NAME) as old:
        old.executescript(
            "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, trigger TEXT, started REAL,"
            " seconds REAL, built INTEGER, fresh INTEGER, failed INTEGER, failures TEXT);"
            "CREATE TABLE markers (name TEXT PRIMARY KEY, value REAL NOT NULL);"
            "INSERT INTO runs VALUES (1, 'schedule:nightly', 1.0, 2.0, 3, 4, 1, '[]');"
            "INSERT INTO markers VALUES ('schedule:nightly', 5.0);"
        )
    old.close()

    with History.opened(output) as history:
        runs = history.runs()
        assert history.marker("schedule:nightly") == 5.0
    with History.opened(output) as history:
        assert len(history.runs()) == 1

    assert [(r.trigger, r.built, r.failed, r.result) for r in runs] == [
        ("schedule:nightly", 3, 1, "failed")
    ]
    assert (output / HISTORY_NAME).is_file()


# --- batch --json and --quiet ------------------------------------------------------------------


def test_batch_json_prints_the_report_and_quiet_prints_only_problems(
    cli: RunCli, workdir: Path
) -> None:
    path = ops_project(workdir, "")

    result = cli("batch", str(path), "--json", "--quiet", "--jobs", "1")

    assert result.code == 1
    record = json.loads(result.stdout)
    assert record["summary"]["failed"] == 1 and record["summary"]["built"] == 1
    assert result.lines[:2] == ["failed: output/broken.city-profile.en.html", f"  {BROKEN_LINE}"]
    assert not any(line.startswith("[") for line in result.lines)  # no progress lines
    assert result.lines[-1].startswith("built 1, fresh 0, failed 1")


# --- file modes ----------------------------------------------------------------------------------


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("unnamed", [True, False], ids=["o_tmpfile", "named-temporary"])
def test_outputs_follow_the_umask_in_both_write_paths(
    cli: RunCli, workdir: Path, umask_027: None, monkeypatch: pytest.MonkeyPatch, unnamed: bool
) -> None:
    path = ops_project(workdir, "")
    if not unnamed:
        monkeypatch.delattr(os, "O_TMPFILE", raising=False)

    cli("batch", str(path), "--only", "cities")

    assert mode_of(workdir / "output" / "dalian.city-profile.en.html") == 0o640


def test_file_mode_in_the_manifest_sets_the_outputs_mode(cli: RunCli, workdir: Path) -> None:
    path = ops_project(workdir, "file_mode: 0600\n")

    cli("batch", str(path), "--only", "cities")
    cli("build", "profiles/cities/dalian.yaml", "--format", "html", "-o", "output/single.html")

    assert mode_of(workdir / "output" / "dalian.city-profile.en.html") == 0o600
    assert mode_of(workdir / "output" / "single.html") == 0o600


def test_file_mode_applies_to_state_history_lock_and_the_folders_made(
    cli: RunCli, workdir: Path
) -> None:
    path = ops_project(workdir, "file_mode: 0640\noutput: built/pages\n")
    old = os.umask(0o022)  # a umask that would give 0644 and 0755
    try:
        first = cli("batch", str(path), "--only", "cities", "--report", "reports/batch.json")
        due = cli("schedule", "due", str(path))
    finally:
        os.umask(old)

    assert first.code == 0 and due.code == 0, first.stderr + due.stderr
    output = workdir / "built" / "pages"
    made = {
        name: mode_of(output / name)
        for name in (STATE_NAME, HISTORY_NAME, ".reportgen.lock", "dalian.city-profile.en.html")
    }
    assert made == dict.fromkeys(made, 0o640)
    assert (mode_of(workdir / "built"), mode_of(output)) == (0o750, 0o750)
    assert (mode_of(workdir / "reports"), mode_of(workdir / "reports" / "batch.json")) == (
        0o750,
        0o640,
    )


HARDENING = {
    "ProtectKernelLogs": "yes",
    "ProtectClock": "yes",
    "ProtectHostname": "yes",
    "RestrictNamespaces": "yes",
    "RestrictRealtime": "yes",
    "SystemCallFilter": "@system-service",
    "SystemCallArchitectures": "native",
    "CapabilityBoundingSet": "",
    "ProtectProc": "invisible",
}


def unit_settings(path: Path) -> dict[str, str]:
    settings = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings[key] = value
    return settings


@pytest.mark.parametrize("unit", ["reportgen.service", "reportgen-scheduler.service"])
def test_the_systemd_units_carry_the_hardening_and_a_start_timeout(
    unit: str, tmp_path: Path
) -> None:
    import subprocess

    path = ROOT / "contrib" / "systemd" / unit
    settings = unit_settings(path)

    assert {key: settings.get(key) for key in HARDENING} == HARDENING
    assert settings.get("TimeoutStartSec")
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        return  # the content is all that can be checked here
    for name in ("reportgen.service", "reportgen-scheduler.service", "reportgen.timer"):
        shutil.copy(ROOT / "contrib" / "systemd" / name, tmp_path / name)
    verify = subprocess.run(
        [analyze, "verify", "--man=no", str(tmp_path / unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    # the program is not installed where the unit says on a test machine
    said = [line for line in verify.stderr.splitlines() if "is not executable" not in line]
    assert said == [], verify.stderr
    security = subprocess.run(
        [analyze, "security", "--offline=true", str(tmp_path / unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line.strip() for line in security.stdout.splitlines()]
    for key in HARDENING:
        found = [line for line in lines if line[2:].startswith(key + "=")]
        assert found, security.stdout
        if key != "SystemCallFilter":  # the allow list lets @privileged and @resources in
            assert all(line.startswith("✓") for line in found), found
    [overall] = [line for line in lines if "Overall exposure level" in line]
    assert float(overall.split(": ")[1].split()[0]) < 2.0, overall


def test_schedule_due_waiting_for_a_busy_output_folder_says_so(cli: RunCli, workdir: Path) -> None:
    path = ops_project(workdir, "")
    make_due(path, dt.datetime.now(UTC))

    with batch.output_lock(workdir / "output"):
        result = cli("schedule", "due", str(path))

    assert result.code == 0
    assert result.lines[-1].endswith(" nightly due but waiting: tried again on the next call")
    assert "nothing due" not in result.stderr
    assert all(STAMP.match(line) for line in result.lines), result.stderr
