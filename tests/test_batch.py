"""``reportgen batch``: manifest to tasks, freshness, isolation, crash safety and the report.

Every test works on a copy of the example project with a manifest of its own, written
into ``tmp_path``, on a fixed day. Most build HTML on one worker (a worker starts in
about 0.3 s); the interrupted-write test builds Word files, and no test needs PDFs.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from reportgen.batching import (
    BatchError,
    BatchResult,
    Settings,
    TaskResult,
    output_lock,
    run,
)
from reportgen.batching.plan import plan_in
from reportgen.context import BuildContext
from reportgen.state import STATE_NAME, BuildState
from reportgen.workspace import Options
from tests.helpers import BRIEFING_HTML as BRIEFING
from tests.helpers import (
    CITIES_ONLY,
    CITY_A,
    EXAMPLE_DOCUMENTS,
    EXAMPLE_JOBS,
    ROOT,
    TODAY_EPOCH,
    RunCli,
    build_workers,
    documents,
    statuses,
    temporaries,
    workspace_of,
    write_long_visit,
    write_manifest,
)
from tests.helpers import DALIAN_HTML as DALIAN
from tests.helpers import KITAKYUSHU_HTML as KITAKYUSHU
from tests.helpers import PROPOSAL_HTML as PROPOSAL

CITY_PROFILES = ROOT / "profiles" / "cities"
VISIT = Path("profiles/visits/dalian-to-kitakyushu-2027-05.yaml")
PROPOSAL_FILE = Path("profiles/proposals/kitakyushu-dalian-air-2027.yaml")

# --- helpers ------------------------------------------------------------------------------


class Task(NamedTuple):
    """One planned output file."""

    job: str
    source: Path
    fmt: str
    lang: str
    audience: str
    target: Path


def batch(root: Path, **values: Any) -> BatchResult:
    """Run the project's batch on one worker, on ``TODAY``; ``values`` are options and
    settings by name."""
    values.setdefault("jobs", 1)
    names = set(Settings.__dataclass_fields__)
    settings = Settings(**{k: v for k, v in values.items() if k in names})
    options = Options(**{k: v for k, v in values.items() if k not in names})
    return run(workspace_of(root, options), options, settings)


def tasks_of(root: Path, only: Sequence[str] = ()) -> list[Task]:
    """The planned output files of the project's manifest (nothing is built)."""
    state = BuildState.open(root / "planning-state")
    try:
        targets = plan_in(BuildContext(workspace_of(root), Options()), state, only).targets
    finally:
        state.close()
    return [
        Task(t.job, t.source, o.format, t.lang, t.audience, o.path)
        for t in targets
        for o in t.outputs
    ]


def mtimes(folder: Path) -> dict[str, int]:
    return {name: (folder / name).stat().st_mtime_ns for name in documents(folder)}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def kill_first_worker() -> Iterator[list[int]]:
    """SIGKILL the first worker this test process starts, shortly after it has started.

    Yields the list the killed process id is put into.
    """
    killed: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            children = build_workers(os.getpid())
            if children:
                time.sleep(0.2)  # the worker has been given its unit by now
                os.kill(children[0], signal.SIGKILL)
                killed.append(children[0])
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    yield killed
    stop.set()
    watcher.join()


# --- manifest to tasks --------------------------------------------------------------------


def test_plan_fans_out_a_glob_into_one_task_per_file_and_format(example: Path) -> None:
    write_manifest(
        example,
        """\
        jobs:
          - name: city-profiles
            document: city-profile
            sources: [profiles/cities/*.yaml]
            formats: [html, docx]
            languages: [en]
        """,
    )

    tasks = tasks_of(example)

    assert sorted((t.source.name, t.fmt) for t in tasks) == [
        ("dalian.yaml", "docx"),
        ("dalian.yaml", "html"),
        ("kitakyushu.yaml", "docx"),
        ("kitakyushu.yaml", "html"),
    ]
    assert {t.target for t in tasks} == {
        example / "output" / name
        for name in (
            "dalian.city-profile.en.html",
            "dalian.city-profile.en.docx",
            "kitakyushu.city-profile.en.html",
            "kitakyushu.city-profile.en.docx",
        )
    }


def test_plan_names_targets_by_the_profile_id_not_the_file_name(example: Path) -> None:
    write_manifest(example, CITIES_ONLY)
    (example / "profiles/cities/dalian.yaml").rename(example / "profiles/cities/zz-renamed.yaml")

    names = {task.target.name for task in tasks_of(example)}

    assert names == {DALIAN, KITAKYUSHU}


def test_plan_public_audience_adds_public_before_the_extension(example: Path) -> None:
    write_manifest(
        example,
        """\
        jobs:
          - name: public-profiles
            document: city-profile
            sources: [profiles/cities/dalian.yaml]
            formats: [html, docx]
            audience: public
        """,
    )

    names = {task.target.name for task in tasks_of(example)}

    assert names == {"dalian.city-profile.en.public.html", "dalian.city-profile.en.public.docx"}


def test_plan_applies_the_manifest_defaults_to_jobs_that_omit_them(example: Path) -> None:
    write_manifest(
        example,
        """\
        defaults: {formats: [html, docx], languages: [en, ja], audience: public}
        jobs:
          - {name: cities, document: city-profile, sources: [profiles/cities/dalian.yaml]}
          - name: briefing
            document: briefing
            sources: [profiles/visits/*-2027-05.yaml]
            formats: [pdf]
            audience: internal
        """,
    )

    tasks = tasks_of(example)

    assert sorted((t.job, t.fmt, t.lang, t.audience) for t in tasks) == [
        ("briefing", "pdf", "en", "internal"),
        ("briefing", "pdf", "ja", "internal"),
        ("cities", "docx", "en", "public"),
        ("cities", "docx", "ja", "public"),
        ("cities", "html", "en", "public"),
        ("cities", "html", "ja", "public"),
    ]


def test_run_builds_every_task_and_reports_each_one(example: Path) -> None:
    write_manifest(
        example,
        """\
        jobs:
          - name: city-profiles
            document: city-profile
            sources: [profiles/cities/*.yaml]
            formats: [html, docx]
            languages: [en]
        """,
    )
    seen: list[tuple[str, int, int]] = []

    def progress(item: TaskResult, done: int, total: int) -> None:
        seen.append((item.path.name, done, total))

    options = Options(embed_fonts=False)  # the Word files' fonts are not what this is about
    result = run(workspace_of(example, options), options, Settings(jobs=1), progress=progress)

    expected = {
        "dalian.city-profile.en.html",
        "dalian.city-profile.en.docx",
        "kitakyushu.city-profile.en.html",
        "kitakyushu.city-profile.en.docx",
    }
    assert isinstance(result, BatchResult)
    assert statuses(result) == dict.fromkeys(expected, "built")
    assert result.ok
    assert result.summary().startswith("built 4, fresh 0, failed 0 in ")
    assert documents(example / "output") == expected
    assert sorted(done for _, done, _ in seen) == [1, 2, 3, 4]
    assert {total for _, _, total in seen} == {4}
    with zipfile.ZipFile(example / "output" / "dalian.city-profile.en.docx") as docx:
        assert "word/document.xml" in docx.namelist()
    assert "Dalian" in (example / "output" / DALIAN).read_text(encoding="utf-8")


def test_cli_batch_only_runs_the_named_job(example: Path, cli: RunCli) -> None:
    write_manifest(example, EXAMPLE_JOBS)

    result = cli("batch", "--jobs", "1", "--only", "dalian-visit-briefing")

    assert result.code == 0, result.stderr
    assert documents(example / "output") == {BRIEFING}
    assert result.lines[-1].startswith("built 1, fresh 0, failed 0 in ")


def test_cli_batch_unknown_only_name_is_a_usage_error_listing_the_jobs(
    example: Path, cli: RunCli
) -> None:
    write_manifest(example, EXAMPLE_JOBS)

    result = cli("batch", "--only", "nightly-stuff")

    assert result.code == 2
    assert result.lines == [
        "error: no job named 'nightly-stuff' "
        "(jobs: city-profiles, dalian-visit-briefing, air-quality-proposal)"
    ]
    assert documents(example / "output") == set()


def test_cli_batch_refuses_two_jobs_writing_one_file_before_building(
    example: Path, cli: RunCli
) -> None:
    write_manifest(
        example,
        """\
        defaults: {formats: [html]}
        jobs:
          - {name: city-profiles, document: city-profile, sources: [profiles/cities/*.yaml]}
          - {name: dalian-again, document: city-profile, sources: [profiles/cities/dalian.yaml]}
        """,
    )

    result = cli("batch", "--jobs", "1")

    assert result.code == 1
    assert result.lines == [
        "error: jobs 'city-profiles' (profiles/cities/dalian.yaml) and 'dalian-again' "
        "(profiles/cities/dalian.yaml) would both write output/dalian.city-profile.en.html"
    ]
    assert documents(example / "output") == set()


def test_cli_batch_refuses_two_files_with_one_id_in_a_job(example: Path, cli: RunCli) -> None:
    write_manifest(example, CITIES_ONLY)
    copy = example / "profiles/cities/dalian-copy.yaml"
    copy.write_bytes((example / "profiles/cities/dalian.yaml").read_bytes())

    result = cli("batch", "--jobs", "1")

    assert result.code == 1
    assert len(result.lines) == 1
    assert "profiles/cities/dalian.yaml" in result.lines[0]
    assert "profiles/cities/dalian-copy.yaml" in result.lines[0]
    assert result.lines[0].endswith("would both write output/dalian.city-profile.en.html")
    assert documents(example / "output") == set()


# --- freshness ----------------------------------------------------------------------------


def test_cli_batch_rebuilds_nothing_fresh_only_what_is_missing_and_all_when_forced(
    example: Path, cli: RunCli
) -> None:
    write_manifest(example, EXAMPLE_JOBS)
    output = example / "output"
    first = batch(example)
    assert statuses(first) == dict.fromkeys(EXAMPLE_DOCUMENTS, "built")
    before = mtimes(output)

    again = cli("batch", "--jobs", "1", "--report", "fresh.json")

    assert again.code == 0, again.stderr
    assert again.lines[-1].startswith("built 0, fresh 4, failed 0 in ")
    assert mtimes(output) == before
    record = json.loads((example / "fresh.json").read_text(encoding="utf-8"))
    assert record["summary"]["built"] == 0
    assert record["summary"]["fresh"] == 4
    assert record["summary"]["failed"] == 0
    assert {task["target"]: task["status"] for task in record["tasks"]} == {
        f"output/{name}": "fresh" for name in EXAMPLE_DOCUMENTS
    }
    assert {task["error"] for task in record["tasks"]} == {""}

    (output / DALIAN).unlink()
    missing = batch(example)

    assert statuses(missing) == {
        DALIAN: "built",
        KITAKYUSHU: "fresh",
        BRIEFING: "fresh",
        PROPOSAL: "fresh",
    }
    assert {name: t for name, t in mtimes(output).items() if name != DALIAN} == {
        name: t for name, t in before.items() if name != DALIAN
    }
    before = mtimes(output)

    forced = cli("batch", "--jobs", "1", "--force")

    assert forced.code == 0, forced.stderr
    assert forced.lines[-1].startswith("built 4, fresh 0, failed 0 in ")
    after = mtimes(output)
    assert all(after[name] != before[name] for name in EXAMPLE_DOCUMENTS)


def test_run_rebuilds_only_the_documents_that_print_what_was_edited(example: Path) -> None:
    # the project is built once, then edited a piece at a time: after each batch every
    # document is fresh again, so that each edit is judged on its own
    # aville is a city nobody refers to and which refers to nobody
    (example / "profiles/cities/aville.yaml").write_text(CITY_A, encoding="utf-8")
    write_manifest(example, EXAMPLE_JOBS)
    aville = "aville.city-profile.en.html"
    output = example / "output"
    assert statuses(batch(example)) == dict.fromkeys({*EXAMPLE_DOCUMENTS, aville}, "built")
    dalian = example / "profiles/cities/dalian.yaml"

    edit(dalian, "the eighth time.", "the eighth time, and again in 2025.")
    assert statuses(batch(example)) == {
        DALIAN: "built",
        # the briefing prints the partner's overview
        BRIEFING: "built",
        # Kitakyushu's profile and the proposal print only Dalian's name
        KITAKYUSHU: "fresh",
        PROPOSAL: "fresh",
        aville: "fresh",
    }
    assert "again in 2025" in (output / DALIAN).read_text(encoding="utf-8")
    state = BuildState.open(output)
    try:
        record = state.target(str(output / KITAKYUSHU))
    finally:
        state.close()
    assert record is not None
    assert (str(dalian.resolve()), ("id", "kind", "local_lang", "name")) in record.inputs

    edit(example / "profiles/cities/kitakyushu.yaml", "913577", "913578")
    assert statuses(batch(example)) == {
        KITAKYUSHU: "built",
        BRIEFING: "built",
        DALIAN: "fresh",
        PROPOSAL: "fresh",
        aville: "fresh",
    }
    assert "913,578" in (output / KITAKYUSHU).read_text(encoding="utf-8")

    edit(example / VISIT, "Agree the work plan", "Agree the detailed work plan")
    assert statuses(batch(example)) == {
        DALIAN: "fresh",
        KITAKYUSHU: "fresh",
        BRIEFING: "built",
        PROPOSAL: "fresh",
        aville: "fresh",
    }

    edit(example / PROPOSAL_FILE, "a three-year project", "a three-year joint project")
    # the briefing includes the visit's proposals
    assert statuses(batch(example)) == {
        DALIAN: "fresh",
        KITAKYUSHU: "fresh",
        BRIEFING: "built",
        PROPOSAL: "built",
        aville: "fresh",
    }

    edit(dalian, "en: Dalian", "en: Dalian City")
    # every example document prints Dalian's name
    assert statuses(batch(example)) == {
        **dict.fromkeys(EXAMPLE_DOCUMENTS, "built"),
        aville: "fresh",
    }
    assert "Dalian City" in (output / PROPOSAL).read_text(encoding="utf-8")


def test_run_rebuilds_a_document_when_a_partner_it_names_gets_a_profile(example: Path) -> None:
    write_manifest(example, CITIES_ONLY.replace("profiles/cities/*.yaml", "profiles/new/*.yaml"))
    new = example / "profiles/new"
    new.mkdir()
    (new / "aville.yaml").write_text(
        CITY_A
        + "partnerships:\n  - {partner: bville, type: sister, established: 2001, status: active}\n",
        encoding="utf-8",
    )
    assert statuses(batch(example)) == {"aville.city-profile.en.html": "built"}
    (new / "bville.yaml").write_text(
        "kind: city\nid: bville\nname: {en: Bville, zh-Hans: 乙市}\nlocal_lang: zh-Hans\n"
        "country: CN\nsummary: Another city.\n",
        encoding="utf-8",
    )

    result = batch(example)

    assert statuses(result)["aville.city-profile.en.html"] == "built"
    assert "乙市" in (example / "output/aville.city-profile.en.html").read_text(encoding="utf-8")


def test_run_uses_the_project_templates_when_run_from_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    (project / "profiles/cities").mkdir(parents=True)
    for name in ("dalian.yaml", "kitakyushu.yaml"):
        (project / "profiles/cities" / name).write_bytes((CITY_PROFILES / name).read_bytes())
    (project / "templates").mkdir()
    css = (ROOT / "src/reportgen/templates/print.css").read_text(encoding="utf-8")
    (project / "templates/print.css").write_text(css + "\n/* project-override */\n", "utf-8")
    write_manifest(project, CITIES_ONLY)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)

    result = batch(project)

    assert result.ok
    assert "project-override" in (project / "output" / DALIAN).read_text(encoding="utf-8")


def test_cli_batch_rebuilds_all_after_the_state_store_is_corrupted_or_a_template_appears(
    example: Path, cli: RunCli, caplog: pytest.LogCaptureFixture
) -> None:
    write_manifest(example, CITIES_ONLY)
    batch(example)
    store = example / "output" / STATE_NAME
    store.write_bytes(b"this is not a database\n" * 200)

    with caplog.at_level(logging.WARNING, logger="reportgen"):
        result = cli("batch", "--jobs", "1")

    assert result.code == 0, result.stderr
    assert result.lines[-1].startswith("built 2, fresh 0, failed 0 in ")
    assert any(
        "is damaged" in record.getMessage() and STATE_NAME in record.getMessage()
        for record in caplog.records
    )
    assert statuses(batch(example)) == {DALIAN: "fresh", KITAKYUSHU: "fresh"}

    css = (ROOT / "src/reportgen/templates/print.css").read_text(encoding="utf-8")
    (example / "templates").mkdir()
    (example / "templates/print.css").write_text(css + "\n/* project-override */\n", "utf-8")

    assert statuses(batch(example)) == {DALIAN: "built", KITAKYUSHU: "built"}
    for name in (DALIAN, KITAKYUSHU):
        assert "project-override" in (example / "output" / name).read_text(encoding="utf-8")


# --- isolation ----------------------------------------------------------------------------


def test_cli_batch_reports_a_failing_task_and_builds_the_others(example: Path, cli: RunCli) -> None:
    write_manifest(example, CITIES_ONLY)
    (example / "profiles/cities/broken.yaml").write_text(
        CITY_A.replace("id: aville", "id: broken") + "colour: red\n", encoding="utf-8"
    )
    problem = (
        "profiles/cities/broken.yaml:6:1: colour: unknown key 'colour'"
        " (free-form values belong under 'extra')"
    )

    result = cli("batch", "--jobs", "1", "--report", "report.json")

    assert result.code == 1
    assert documents(example / "output") == {DALIAN, KITAKYUSHU}
    assert "failed: output/broken.city-profile.en.html" in result.lines
    assert f"  {problem}" in result.lines
    assert result.lines[-1].startswith("built 2, fresh 0, failed 1 in ")
    record = json.loads((example / "report.json").read_text(encoding="utf-8"))
    assert record["summary"]["built"] == 2
    assert record["summary"]["fresh"] == 0
    assert record["summary"]["failed"] == 1
    assert record["summary"]["seconds"] > 0
    tasks = {task["target"]: task for task in record["tasks"]}
    assert set(tasks) == {
        "output/broken.city-profile.en.html",
        f"output/{DALIAN}",
        f"output/{KITAKYUSHU}",
    }
    for task in tasks.values():
        assert {"target", "status", "seconds", "error"} <= set(task)
        assert isinstance(task["seconds"], int | float)
    failed = tasks["output/broken.city-profile.en.html"]
    assert failed["status"] == "failed"
    assert failed["error"] == problem
    assert tasks[f"output/{DALIAN}"]["status"] == "built"
    assert tasks[f"output/{DALIAN}"]["error"] == ""
    assert tasks[f"output/{DALIAN}"]["seconds"] > 0


def test_run_fails_the_tasks_of_workers_out_of_memory(example: Path) -> None:
    write_manifest(example, CITIES_ONLY)

    result = batch(example, memory_mb=40)

    assert not result.ok
    assert statuses(result) == {DALIAN: "failed", KITAKYUSHU: "failed"}
    for item in result.results:
        assert "memory" in item.error or "worker" in item.error, item.error
    assert documents(example / "output") == set()
    assert temporaries(example / "output") == []


def test_run_fails_the_task_of_a_killed_worker_and_builds_the_others(
    example: Path, kill_first_worker: list[int]
) -> None:
    write_long_visit(example / "slow/long-visit.yaml", 2000)
    write_manifest(
        example,
        """\
        defaults: {formats: [html]}
        jobs:
          - {name: long, document: briefing, sources: [slow/long-visit.yaml]}
          - {name: city-profiles, document: city-profile, sources: [profiles/cities/*.yaml]}
        """,
    )

    result = batch(example)

    assert kill_first_worker, "no worker was seen"
    assert statuses(result) == {
        "long-visit.briefing.en.html": "failed",
        DALIAN: "built",
        KITAKYUSHU: "built",
    }
    assert "killed" in result.results[0].error
    assert "SIGKILL" in result.results[0].error
    assert not result.ok
    assert documents(example / "output") == {DALIAN, KITAKYUSHU}
    assert temporaries(example / "output") == []


def test_run_fails_a_task_over_the_time_limit_and_builds_the_others(example: Path) -> None:
    # a project template that never ends: only the briefing uses it
    (example / "templates").mkdir()
    (example / "templates/briefing.html.j2").write_text(
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n",
        encoding="utf-8",
    )
    write_manifest(
        example,
        """\
        defaults: {formats: [html]}
        jobs:
          - {name: hung, document: briefing, sources: [profiles/visits/*-2027-05.yaml]}
          - {name: city-profiles, document: city-profile, sources: [profiles/cities/*.yaml]}
        """,
    )

    # 1.5 s: the briefing waits this long for nothing; a city profile takes a tenth of a
    # second in a forked worker, so that even a machine ten times as busy builds it in time
    result = batch(example, timeout=1.5)

    assert statuses(result) == {
        BRIEFING: "failed",
        DALIAN: "built",
        KITAKYUSHU: "built",
    }
    assert "took longer than 1.5 s" in result.results[0].error
    assert documents(example / "output") == {DALIAN, KITAKYUSHU}
    assert temporaries(example / "output") == []


def test_run_time_limit_does_not_count_the_start_of_a_worker(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a worker that takes 2.5 s to start (more than the limit), as on a cold machine or
    # with WeasyPrint to load: a fresh interpreter, as on a system without a fork server
    # (where there is one, a worker starts forked, and warm, before it is given a target)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    slow_start = tmp_path / "slow-start"
    slow_start.mkdir()
    (slow_start / "sitecustomize.py").write_text(
        "import sys, time\nif '--multiprocessing-fork' in sys.argv:\n    time.sleep(2.5)\n",
        encoding="utf-8",
    )
    paths = [str(slow_start), *filter(None, [os.environ.get("PYTHONPATH")])]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))
    write_manifest(example, CITIES_ONLY)

    result = batch(example, timeout=2.0)

    # each of these documents takes a quarter of a second at most to build in a fresh
    # worker (it reads the project first): well under 2 s, even on a busy machine
    assert statuses(result) == {DALIAN: "built", KITAKYUSHU: "built"}


# --- crash safety -------------------------------------------------------------------------


def _complete(path: Path) -> bool:
    if path.suffix == ".pdf":
        data = path.read_bytes()
        return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    if path.suffix == ".docx":
        if not zipfile.is_zipfile(path):
            return False
        with zipfile.ZipFile(path) as docx:
            return docx.testzip() is None and "word/document.xml" in docx.namelist()
    return False


def test_cli_batch_killed_mid_build_leaves_only_complete_files(example: Path, cli: RunCli) -> None:
    write_manifest(
        example,
        """\
        defaults: {formats: [docx]}
        jobs:
          - {name: city-profiles, document: city-profile, sources: [profiles/cities/*.yaml]}
          - name: dalian-visit-briefing
            document: briefing
            sources: [profiles/visits/dalian-to-kitakyushu-2027-05.yaml]
          - name: air-quality-proposal
            document: proposal
            sources: [profiles/proposals/kitakyushu-dalian-air-2027.yaml]
        """,
    )
    output = example / "output"
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TODAY_EPOCH, "NO_COLOR": "1"}
    process = subprocess.Popen(
        # Word files without their page-number pass: the files are what this is about
        [sys.executable, "-m", "reportgen", "batch", "--jobs", "1", "--no-page-numbers"],
        cwd=example,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the workers die with it
    )
    # should the batch hang, this stops it (and the test then fails on its exit code)
    backstop = threading.Timer(60, os.killpg, (process.pid, signal.SIGKILL))
    backstop.start()
    assert process.stderr is not None
    try:
        # the batch reports each document as it is done; the worker has the next by then
        first = process.stderr.readline()
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        backstop.cancel()
        process.wait()
        process.stderr.close()
    assert " built output/" in first, first
    assert process.returncode == -signal.SIGKILL, "the batch ended before it was killed"

    assert 1 <= len(documents(output)) < 4
    for name in documents(output):
        assert _complete(output / name), f"{name} is incomplete"

    result = cli("batch", "--jobs", "2", "--no-page-numbers")

    assert result.code == 0, result.stderr
    assert documents(output) == {
        "dalian.city-profile.en.docx",
        "kitakyushu.city-profile.en.docx",
        "dalian-to-kitakyushu-2027-05.briefing.en.docx",
        "kitakyushu-dalian-air-2027.proposal.en.docx",
    }
    for name in documents(output):
        assert _complete(output / name), f"{name} is incomplete"
    assert temporaries(output) == []


# --- the output lock ----------------------------------------------------------------------


def test_cli_batch_fails_while_another_build_holds_the_output_folder(
    example: Path, cli: RunCli
) -> None:
    write_manifest(example, CITIES_ONLY)

    with output_lock(example / "output"):
        result = cli("batch", "--jobs", "1")
        with pytest.raises(BatchError, match="output is being built by process"):
            batch(example)

    assert result.code == 1
    assert result.lines == [
        f"error: output is being built by process {os.getpid()}; try again when it is done"
    ]
    assert documents(example / "output") == set()
