"""The scheduler: due times, markers, missed runs, locking, history, signals, DST, reloads."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reportgen import batching as batch
from reportgen import schedule as schedules
from reportgen import scheduler as runner
from reportgen.history import HISTORY_NAME, History, RunRecord
from reportgen.models.manifest import Schedule
from reportgen.workspace import Options, Workspace
from tests.helpers import NIGHTLY, TODAY_EPOCH, RunCli, html_project, set_marker
from tests.helpers import schedule_manifest as write_manifest

UTC = dt.UTC
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")

NEVER_SOON = '{name: yearly, cron: "0 0 1 1 *", jobs: [cities]}'

BROKEN_FIRST_LINE = "broken/b.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 country code"


class FakeClock:
    """A clock whose sleep() moves its own time on and records the wait; never blocks.

    With ``until``, the sleep that reaches that time sets the stop event (ends ``run()``).
    """

    def __init__(self, start: dt.datetime, until: dt.datetime | None = None) -> None:
        self.time = start.astimezone(UTC)
        self.until = until.astimezone(UTC) if until is not None else None
        self.waits: list[float] = []

    def now(self) -> dt.datetime:
        return self.time

    def sleep(self, seconds: float, stop: threading.Event) -> None:
        self.waits.append(seconds)
        self.time += dt.timedelta(seconds=seconds)
        if self.until is not None and self.time >= self.until:
            stop.set()


class FakeBatch:
    """A ``run_batch`` that records which schedule ran when, and can pretend to be busy."""

    def __init__(self, clock: FakeClock | None = None, *, busy: bool = False) -> None:
        self.clock = clock
        self.busy = busy
        self.calls: list[tuple[str, dt.datetime | None]] = []

    def __call__(self, manifest_path: Path, schedule: Schedule) -> bool:
        if self.busy:
            return False
        self.calls.append((schedule.name, self.clock.now() if self.clock else None))
        return True

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def marker(manifest_path: Path, name: str) -> float | None:
    state = History.open(manifest_path.parent / "output")
    try:
        return state.marker(schedules.TRIGGER_PREFIX + name)
    finally:
        state.close()


def recorded_runs(manifest_path: Path) -> list[RunRecord]:
    state = History.open(manifest_path.parent / "output")
    try:
        return state.runs()
    finally:
        state.close()


def fires_between(
    cron: str, zone: ZoneInfo, start: dt.datetime, end: dt.datetime
) -> list[dt.datetime]:
    found: list[dt.datetime] = []
    for moment in schedules.fire_times(cron, zone, start):
        if moment >= end or len(found) > 200:
            break
        found.append(moment)
    return found


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wide console, so that table cells are printed on one line."""
    monkeypatch.setenv("COLUMNS", "400")


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real batches judge staleness on a fixed day."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)


@contextlib.contextmanager
def restored_signal_handlers() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


# --- due times ---------------------------------------------------------------------------------


def test_fire_times_daily_2am_in_tokyo_is_17h_utc_the_day_before() -> None:
    after = dt.datetime(2027, 1, 15, 9, 0, tzinfo=TOKYO)

    fires = fires_between("0 2 * * *", TOKYO, after, after + dt.timedelta(days=3))

    assert fires == [
        dt.datetime(2027, 1, 15, 17, 0, tzinfo=UTC),
        dt.datetime(2027, 1, 16, 17, 0, tzinfo=UTC),
        dt.datetime(2027, 1, 17, 17, 0, tzinfo=UTC),
    ]
    assert all(f.astimezone(TOKYO).time() == dt.time(2, 0) for f in fires)


def test_fire_times_are_strictly_after_the_given_instant() -> None:
    at_fire = dt.datetime(2027, 1, 16, 2, 0, tzinfo=TOKYO)

    first = schedules.next_fire("0 2 * * *", TOKYO, at_fire)

    assert first == dt.datetime(2027, 1, 17, 2, 0, tzinfo=TOKYO)


def test_fire_times_every_15_minutes_fall_on_quarter_hours() -> None:
    after = dt.datetime(2027, 1, 15, 10, 7, tzinfo=UTC)

    fires = fires_between("*/15 * * * *", TOKYO, after, after + dt.timedelta(hours=1))

    assert fires == [
        dt.datetime(2027, 1, 15, 10, 15, tzinfo=UTC),
        dt.datetime(2027, 1, 15, 10, 30, tzinfo=UTC),
        dt.datetime(2027, 1, 15, 10, 45, tzinfo=UTC),
        dt.datetime(2027, 1, 15, 11, 0, tzinfo=UTC),
    ]


def test_fire_times_weekday_names_fire_only_on_those_days() -> None:
    after = dt.datetime(2027, 1, 11, 0, 0, tzinfo=BERLIN)  # a Monday

    fires = fires_between("30 8 * * mon,wed,fri", BERLIN, after, after + dt.timedelta(days=14))

    local = [f.astimezone(BERLIN) for f in fires]
    assert [d.strftime("%a %d") for d in local] == [
        "Mon 11",
        "Wed 13",
        "Fri 15",
        "Mon 18",
        "Wed 20",
        "Fri 22",
    ]
    assert {d.time() for d in local} == {dt.time(8, 30)}


def test_fire_times_weekday_range_by_name_skips_the_weekend() -> None:
    after = dt.datetime(2027, 1, 15, 12, 0, tzinfo=TOKYO)  # a Friday, after 09:00

    fires = fires_between("0 9 * * mon-fri", TOKYO, after, after + dt.timedelta(days=7))

    assert [f.astimezone(TOKYO).strftime("%a") for f in fires] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
    ]


def test_schedule_list_shows_cron_jobs_last_run_and_next_run_in_local_time(
    cli: RunCli, workdir: Path, wide: None
) -> None:
    path = write_manifest(
        workdir, NIGHTLY, '{name: weekly, cron: "0 6 * * mon", jobs: [cities, broken]}'
    )

    result = cli("schedule", "list", str(path))

    assert result.code == 0, result.stderr
    assert "(time zone Asia/Tokyo)" in result.stdout
    rows = {line.split()[1]: line for line in result.stdout.splitlines() if "│" in line}
    nightly, weekly = rows["nightly"], rows["weekly"]
    assert "0 2 * * *" in nightly
    assert "│ cities " in nightly
    assert "never run" in nightly
    next_run = schedules.next_fire("0 2 * * *", TOKYO, dt.datetime.now(UTC)).astimezone(TOKYO)
    assert next_run.strftime("%Y-%m-%d 02:00 JST") in nightly
    assert "0 6 * * mon" in weekly
    assert "cities, broken" in weekly
    assert "never run" in weekly
    assert " 06:00 JST" in weekly


def test_schedule_list_shows_the_last_run_time_and_result(
    cli: RunCli, workdir: Path, wide: None
) -> None:
    path = write_manifest(workdir, NIGHTLY)
    started = dt.datetime(2027, 1, 15, 2, 0, 5, tzinfo=TOKYO)
    state = History.open(workdir / "output")
    try:
        state.record_run("schedule:nightly", started.timestamp(), 3.0, (2, 1, 0), [])
    finally:
        state.close()

    result = cli("schedule", "list", str(path))

    assert result.code == 0, result.stderr
    assert "2027-01-15 02:00 JST" in result.stdout
    assert "ok (built 2, fresh 1)" in result.stdout
    assert "never run" not in result.stdout


# --- markers: what is due ------------------------------------------------------------------------


def test_run_due_first_sighting_only_records_then_runs_once_per_due_time(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, NIGHTLY)
    fake = FakeBatch()
    first_seen = dt.datetime(2027, 1, 15, 1, 0, tzinfo=TOKYO)
    due_time = dt.datetime(2027, 1, 15, 2, 0, tzinfo=TOKYO)

    assert runner.run_due(path, first_seen, fake) == []
    assert fake.calls == []
    assert marker(path, "nightly") == first_seen.timestamp()

    assert runner.run_due(path, due_time - dt.timedelta(seconds=1), fake) == []
    assert runner.run_due(path, due_time, fake) == ["nightly"]
    assert fake.names == ["nightly"]
    assert marker(path, "nightly") == due_time.timestamp()

    assert runner.run_due(path, due_time, fake) == []
    assert runner.run_due(path, due_time + dt.timedelta(hours=12), fake) == []
    assert fake.names == ["nightly"]


def test_run_due_after_downtime_runs_a_missed_nightly_schedule_once(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, NIGHTLY)
    now = dt.datetime(2027, 1, 15, 9, 0, tzinfo=TOKYO)
    set_marker(path, "nightly", now - dt.timedelta(days=3))
    fake = FakeBatch()

    ran = runner.run_due(path, now, fake)
    again = runner.run_due(path, now + dt.timedelta(minutes=1), fake)

    assert ran == ["nightly"]
    assert again == []
    assert fake.names == ["nightly"]
    assert marker(path, "nightly") == now.timestamp()


def test_scheduler_run_sleeps_until_the_fire_time_and_runs_then(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, NIGHTLY)
    start = dt.datetime(2027, 1, 15, 1, 58, 30, tzinfo=TOKYO)
    clock = FakeClock(start, until=start + dt.timedelta(minutes=10))
    fake = FakeBatch(clock)
    scheduler = runner.Scheduler(path, clock, fake)

    scheduler.run()

    assert fake.calls == [("nightly", dt.datetime(2027, 1, 15, 2, 0, tzinfo=TOKYO))]
    assert clock.waits[:2] == [60.0, 30.0]
    assert all(0 < wait <= runner.MAX_SLEEP for wait in clock.waits)


# --- no overlap with a concurrent batch ------------------------------------------------------


def test_scheduler_waits_while_a_batch_holds_the_output_and_retries_soon(
    workdir: Path, today: None
) -> None:
    path = html_project(workdir, NIGHTLY)
    output = workdir / "output"
    now = dt.datetime(2027, 1, 15, 2, 0, 30, tzinfo=TOKYO)
    set_marker(path, "nightly", now - dt.timedelta(days=1))
    clock = FakeClock(now)
    scheduler = runner.Scheduler(path, clock)  # the real default_run_batch
    nightly = scheduler.manifest.schedules[0]

    with batch.output_lock(output):
        assert runner.default_run_batch(lambda: False)(path, nightly) is False
        ran = scheduler.step()
        wait = scheduler.seconds_to_next()
        assert ran == []
        assert marker(path, "nightly") == (now - dt.timedelta(days=1)).timestamp()
        assert recorded_runs(path) == []
        state = History.open(output)
        try:
            assert [s.name for s in schedules.due(scheduler.manifest, state, now)] == ["nightly"]
        finally:
            state.close()

    # the next nightly time is a day away: the scheduler must come back within seconds
    assert 0 < wait <= runner.RETRY_SECONDS <= runner.MAX_SLEEP
    clock.sleep(wait, scheduler.stop_event)
    ran = scheduler.step()

    assert ran == ["nightly"]
    assert marker(path, "nightly") == clock.now().timestamp()
    runs = recorded_runs(path)
    assert [(r.trigger, r.built, r.failed) for r in runs] == [("schedule:nightly", 1, 0)]
    assert (output / "dalian.city-profile.en.html").is_file()
    assert scheduler.seconds_to_next() == runner.MAX_SLEEP


# --- history -------------------------------------------------------------------------------------


def test_scheduled_run_with_a_failing_job_is_recorded_in_history(
    cli: RunCli, workdir: Path, wide: None, today: None
) -> None:
    path = html_project(workdir, '{name: nightly, cron: "0 2 * * *", jobs: [cities, broken]}')
    now = dt.datetime(2027, 1, 15, 2, 0, 30, tzinfo=TOKYO)
    set_marker(path, "nightly", now - dt.timedelta(days=1))

    ran = runner.run_due(path, now, runner.default_run_batch(lambda: False, jobs=1))

    assert ran == ["nightly"]
    [run] = recorded_runs(path)
    assert (run.trigger, run.built, run.fresh, run.failed) == ("schedule:nightly", 1, 0, 1)
    [failure] = run.failures
    assert failure["target"] == "output/broken.city-profile.en.html"
    assert failure["error"].splitlines()[0] == BROKEN_FIRST_LINE

    history = cli("history", "--manifest", str(path))

    assert history.code == 0, history.stderr
    [row] = [line for line in history.stdout.splitlines() if "schedule:nightly" in line]
    assert f"output/broken.city-profile.en.html: {BROKEN_FIRST_LINE}" in row
    assert "sdg_focus" not in history.stdout  # only the first line of the error
    listing = cli("schedule", "list", str(path))
    assert "failed 1 (built 1, fresh 0)" in listing.stdout


def test_scheduled_run_that_cannot_start_is_recorded_as_failed(
    cli: RunCli, workdir: Path, wide: None
) -> None:
    path = write_manifest(workdir, '{name: nightly, cron: "0 2 * * *", jobs: [broken]}')
    now = dt.datetime(2027, 1, 15, 2, 0, 30, tzinfo=TOKYO)
    set_marker(path, "nightly", now - dt.timedelta(days=1))

    ran = runner.run_due(path, now, runner.default_run_batch(lambda: False))

    assert ran == ["nightly"]  # recorded, not retried every round
    [run] = recorded_runs(path)
    assert (run.trigger, run.built, run.failed) == ("schedule:nightly", 0, 1)
    history = cli("history", "--manifest", str(path))
    assert "broken: reportgen.yaml:" in history.stdout
    assert "jobs[1].sources: no file matches broken/*.yaml" in history.stdout


def test_history_with_a_corrupt_history_store_reports_it_and_starts_afresh(
    cli: RunCli, cli_process: RunCli, workdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_manifest(workdir, NIGHTLY)
    store = workdir / "output" / HISTORY_NAME
    store.parent.mkdir()
    store.write_bytes(b"this is not a database\n" * 200)

    result = cli("history", "--manifest", str(path))

    assert result.code == 0
    assert result.stdout.strip() == "no runs recorded yet"
    assert "Traceback" not in result.stdout + result.stderr
    assert any("is damaged" in r.getMessage() for r in caplog.records)
    assert recorded_runs(path) == []  # the store was rebuilt and opens cleanly

    store.write_bytes(b"garbage again\n" * 300)
    process = cli_process("history", "--manifest", str(path))

    assert process.code == 0
    assert process.stdout.strip() == "no runs recorded yet"
    assert "is damaged" in process.stderr
    assert "Traceback" not in process.stderr


def test_schedule_due_with_nothing_due_prints_nothing_due(cli: RunCli, workdir: Path) -> None:
    path = write_manifest(workdir, NEVER_SOON)

    first = cli("schedule", "due", str(path))
    second = cli("schedule", "due", str(path))

    assert (first.code, second.code) == (0, 0)
    assert "nothing due" in first.stderr
    assert "nothing due" in second.stderr
    assert "Traceback" not in first.stderr + second.stderr
    assert recorded_runs(path) == []


# --- stopping ----------------------------------------------------------------------------------


def test_scheduler_sigterm_sets_the_stop_event_and_run_returns(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, NIGHTLY)

    class SignallingClock(FakeClock):
        def sleep(self, seconds: float, stop: threading.Event) -> None:
            super().sleep(seconds, stop)
            os.kill(os.getpid(), signal.SIGTERM)

    clock = SignallingClock(dt.datetime(2027, 1, 15, 9, 0, tzinfo=TOKYO))
    scheduler = runner.Scheduler(path, clock, FakeBatch())

    with restored_signal_handlers():
        scheduler.install_signal_handlers()
        os.kill(os.getpid(), signal.SIGTERM)
        assert scheduler.stop_event.is_set()

        scheduler.stop_event.clear()
        scheduler.run(rounds=5)  # the cap only matters if the signal is lost

        assert scheduler.stop_event.is_set()
        assert len(clock.waits) == 1

        scheduler.stop_event.clear()
        os.kill(os.getpid(), signal.SIGINT)
        assert scheduler.stop_event.is_set()


def test_batch_run_stopped_marks_tasks_interrupted_and_leaves_no_partial_files(
    workdir: Path, today: None
) -> None:
    path = html_project(workdir, NIGHTLY)
    output = workdir / "output"

    workspace = Workspace.resolve(manifest=path, require_manifest=True)
    settings = batch.Settings(only=("cities",))
    result = batch.run(workspace, Options(), settings, should_stop=lambda: True)

    assert [(r.status, r.error) for r in result.results] == [("failed", "interrupted")]
    assert not list(output.glob(".reportgen-tmp-*"))
    assert not (output / "dalian.city-profile.en.html").exists()
    assert sorted(p.name for p in output.iterdir()) == [
        ".reportgen-history.sqlite",
        ".reportgen-state.sqlite",
        ".reportgen.lock",
    ]


def test_schedule_run_process_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, NEVER_SOON)
    log = tmp_path / "stderr.log"
    env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "reportgen", "schedule", "run", str(path)]
    with log.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        deadline = time.monotonic() + 20
        while "running" not in log.read_text(encoding="utf-8"):
            assert process.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "no 'running' line within 20 s"
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.05)
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    text = log.read_text(encoding="utf-8")
    assert code == 0, text
    assert "stopped" in text
    assert "Traceback" not in text


# --- daylight saving time --------------------------------------------------------------------


def utc(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


DST_DAILY = [
    # spring forward: 02:30 does not exist, the run happens once, just after the change
    pytest.param(
        NEW_YORK, dt.date(2026, 3, 8), "30 2 * * *", utc(2026, 3, 8, 7, 30), id="ny-spring"
    ),
    pytest.param(
        BERLIN, dt.date(2026, 3, 29), "30 2 * * *", utc(2026, 3, 29, 1, 30), id="berlin-spring"
    ),
    # fall back: 01:30 (New York) and 02:30 (Berlin) happen twice, the run happens once
    pytest.param(
        NEW_YORK, dt.date(2026, 11, 1), "30 1 * * *", utc(2026, 11, 1, 5, 30), id="ny-fall"
    ),
    pytest.param(
        BERLIN, dt.date(2026, 10, 25), "30 2 * * *", utc(2026, 10, 25, 0, 30), id="berlin-fall"
    ),
]


def local_day(zone: ZoneInfo, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
    return start - dt.timedelta(microseconds=1), end


@pytest.mark.parametrize(("zone", "day", "cron", "expected"), DST_DAILY)
def test_fire_times_daily_job_runs_once_on_a_dst_change_day(
    zone: ZoneInfo, day: dt.date, cron: str, expected: dt.datetime
) -> None:
    start, end = local_day(zone, day)

    fires = fires_between(cron, zone, start, end)

    assert fires == [expected]


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        pytest.param(NEW_YORK, dt.date(2026, 11, 1), id="ny-fall"),
        pytest.param(BERLIN, dt.date(2026, 10, 25), id="berlin-fall"),
    ],
)
def test_fire_times_every_30_minutes_has_no_duplicates_when_clocks_go_back(
    zone: ZoneInfo, day: dt.date
) -> None:
    start, end = local_day(zone, day)

    fires = fires_between("*/30 * * * *", zone, start, end)

    assert len(fires) == len(set(fires))
    assert fires == sorted(fires)
    walls = [f.astimezone(zone).strftime("%H:%M") for f in fires]
    assert len(walls) == len(set(walls)) == 48  # each wall-clock half hour once


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        pytest.param(NEW_YORK, dt.date(2026, 3, 8), id="ny-spring"),
        pytest.param(BERLIN, dt.date(2026, 3, 29), id="berlin-spring"),
    ],
)
def test_fire_times_every_30_minutes_has_no_duplicates_when_clocks_go_forward(
    zone: ZoneInfo, day: dt.date
) -> None:
    start, end = local_day(zone, day)

    fires = fires_between("*/30 * * * *", zone, start, end)

    assert len(fires) == len(set(fires))
    assert fires == sorted(fires)


@pytest.mark.parametrize(("zone", "day", "cron", "expected"), DST_DAILY)
def test_scheduler_runs_each_schedule_once_through_a_dst_change_night(
    tmp_path: Path, zone: ZoneInfo, day: dt.date, cron: str, expected: dt.datetime
) -> None:
    path = write_manifest(
        tmp_path,
        f'{{name: daily, cron: "{cron}", jobs: [cities]}}',
        '{name: halfhourly, cron: "*/30 * * * *", jobs: [cities]}',
        zone=zone.key,
    )
    start = dt.datetime.combine(day, dt.time(1, 15), zone)
    clock = FakeClock(start, until=dt.datetime.combine(day, dt.time(3, 45), zone))
    fake = FakeBatch(clock)

    runner.Scheduler(path, clock, fake).run()

    daily = [moment for name, moment in fake.calls if name == "daily"]
    halfhourly = [m for name, m in fake.calls if name == "halfhourly" and m is not None]
    assert daily == [expected]
    assert len(halfhourly) == len(set(halfhourly)) >= 3
    assert halfhourly == sorted(halfhourly)
    walls = [m.astimezone(zone).strftime("%H:%M") for m in halfhourly]
    assert len(walls) == len(set(walls))


# --- the manifest is re-read when it changes ------------------------------------------------------


def bump_mtime(path: Path) -> None:
    stamp = path.stat().st_mtime + 10
    os.utime(path, (stamp, stamp))


def test_scheduler_step_picks_up_a_new_schedule_after_the_manifest_changes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="reportgen")
    path = write_manifest(tmp_path, NIGHTLY)
    clock = FakeClock(dt.datetime(2027, 1, 15, 9, 10, tzinfo=TOKYO))
    fake = FakeBatch(clock)
    scheduler = runner.Scheduler(path, clock, fake)
    scheduler.step()

    write_manifest(tmp_path, NIGHTLY, '{name: hourly, cron: "0 * * * *", jobs: [broken]}')
    bump_mtime(path)
    scheduler.step()

    assert [s.name for s in scheduler.manifest.schedules] == ["nightly", "hourly"]
    assert "reloaded reportgen.yaml" in caplog.messages
    assert marker(path, "hourly") == clock.now().timestamp()
    assert scheduler.seconds_to_next() == runner.MAX_SLEEP
    clock.time = dt.datetime(2027, 1, 15, 10, 0, tzinfo=TOKYO)
    assert scheduler.step() == ["hourly"]
    assert fake.calls == [("hourly", clock.time)]


def test_scheduler_step_keeps_the_last_good_manifest_after_an_invalid_rewrite(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_manifest(tmp_path, NIGHTLY)
    clock = FakeClock(dt.datetime(2027, 1, 15, 1, 0, tzinfo=TOKYO))
    fake = FakeBatch(clock)
    scheduler = runner.Scheduler(path, clock, fake)
    scheduler.step()
    good = scheduler.manifest

    path.write_text("schedules: [{name: nightly, cron: 'not cron', jobs: [nope]}]\n")
    bump_mtime(path)
    clock.time = dt.datetime(2027, 1, 15, 2, 0, tzinfo=TOKYO)
    ran = scheduler.step()

    assert scheduler.manifest is good
    assert any(
        r.levelno == logging.ERROR and "reportgen.yaml: not reloaded" in r.getMessage()
        for r in caplog.records
    )
    assert ran == ["nightly"]
    assert fake.calls == [("nightly", clock.time)]


def test_schedule_due_applies_the_render_options_of_the_command_line(
    cli: RunCli, workdir: Path
) -> None:
    path = html_project(workdir, NIGHTLY)
    set_marker(path, "nightly", dt.datetime.now(UTC) - dt.timedelta(days=2))

    result = cli("schedule", "due", str(path), "--paper", "letter")

    page = (workdir / "output" / "dalian.city-profile.en.html").read_text("utf-8")
    assert result.code == 0, result.stderr
    assert "size: letter" in page
