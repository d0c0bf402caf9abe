"""``reportgen batch --scheduler``: batches on a Dask cluster of two worker processes.

One ``LocalCluster`` serves the module; its workers start in a folder of their own, so
they can only build from what the batch ships them. Documents are HTML and DOCX, which
build in a fraction of a second; the whole module takes about ten seconds.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reportgen._version import __version__
from reportgen.batching import BatchResult, Settings, TaskResult, run
from reportgen.batching import cluster as batch_cluster
from reportgen.workspace import Options
from tests.conftest import CITY_A, ROOT, TODAY_EPOCH, RunCli
from tests.test_batch import (
    CITIES_ONLY,
    DALIAN,
    EXAMPLE_DOCUMENTS,
    KITAKYUSHU,
    documents,
    statuses,
    temporaries,
    workspace_of,
    write_long_visit,
    write_manifest,
)

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

EXAMPLE_IN_TWO_FORMATS = """\
profiles: profiles
output: output
defaults: {formats: [html, docx], languages: [en], audience: internal}
jobs:
  - {name: city-profiles, document: city-profile, sources: [profiles/cities/*.yaml]}
  - name: dalian-visit-briefing
    document: briefing
    sources: [profiles/visits/dalian-to-kitakyushu-2027-05.yaml]
  - name: air-quality-proposal
    document: proposal
    sources: [profiles/proposals/kitakyushu-dalian-air-2027.yaml]
"""
"""The example's four documents, each in HTML and Word."""

BROKEN = (
    "profiles/cities/broken.yaml:6:1: colour: unknown key 'colour'; did you mean "
    "'country'? (free-form values belong under 'extra')"
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A client of a cluster of two worker processes, started in a folder of their own."""
    elsewhere = tmp_path_factory.mktemp("workers")
    here = Path.cwd()
    os.chdir(elsewhere)
    try:
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
    finally:
        os.chdir(here)
    connection = distributed.Client(cluster, set_as_default=False)
    yield connection
    connection.close()
    cluster.close()


@pytest.fixture
def scheduler(client: Any) -> str:
    address: str = client.scheduler.address
    client.wait_for_workers(2)
    return address


@pytest.fixture
def example(example_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    monkeypatch.setenv("NO_COLOR", "1")
    return example_project


def batch(root: Path, **values: Any) -> BatchResult:
    """The project's batch on ``TODAY``; ``values`` are options and settings by name."""
    names = set(Settings.__dataclass_fields__)
    settings = Settings(**{k: v for k, v in values.items() if k in names})
    options = Options(**{k: v for k, v in values.items() if k not in names})
    return run(workspace_of(root, options), options, settings)


def outcomes(result: BatchResult) -> list[tuple[str, str, str, tuple[str, ...]]]:
    return [(r.path.name, r.status, r.error, r.warnings) for r in result.results]


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- the same batch, elsewhere ------------------------------------------------------------


def test_run_on_the_cluster_builds_the_bytes_of_the_local_pool_and_then_nothing(
    tmp_path: Path, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no SOURCE_DATE_EPOCH: documents carry the date of their newest input file, which
    # the workers must see as the coordinator does
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    projects = {}
    for name in ("local", "cluster"):
        root = tmp_path / name
        shutil.copytree(ROOT / "profiles", root / "profiles")
        write_manifest(root, EXAMPLE_IN_TWO_FORMATS)
        projects[name] = root

    monkeypatch.chdir(projects["local"])
    local = batch(projects["local"], jobs=2)
    monkeypatch.chdir(projects["cluster"])
    remote = batch(projects["cluster"], scheduler=scheduler)
    again = batch(projects["cluster"], scheduler=scheduler)

    assert local.ok, outcomes(local)
    assert outcomes(remote) == outcomes(local)
    assert remote.summary().split(" in ")[0] == "built 8, fresh 0, failed 0"
    assert remote.warnings, "the example has stale facts: their warnings come back"
    built = documents(projects["cluster"] / "output")
    assert built == documents(projects["local"] / "output")
    assert {name.replace(".docx", ".html") for name in built} == EXAMPLE_DOCUMENTS
    for name in built:
        made = (projects["cluster"] / "output" / name).read_bytes()
        assert made == (projects["local"] / "output" / name).read_bytes(), name
    assert again.summary().split(" in ")[0] == "built 0, fresh 8, failed 0"


def test_cli_batch_on_the_cluster_fails_a_broken_profile_alone_with_its_line(
    example: Path, cli: RunCli, scheduler: str
) -> None:
    write_manifest(example, CITIES_ONLY)
    (example / "profiles/cities/broken.yaml").write_text(
        CITY_A.replace("id: aville", "id: broken") + "colour: red\n", encoding="utf-8"
    )

    result = cli("batch", "--scheduler", scheduler, "--report", "report.json")

    assert result.code == 1
    assert documents(example / "output") == {DALIAN, KITAKYUSHU}
    assert "failed: output/broken.city-profile.en.html" in result.lines
    assert f"  {BROKEN}" in result.lines
    assert result.lines[-1].startswith("built 2, fresh 0, failed 1 in ")
    record = json.loads((example / "report.json").read_text(encoding="utf-8"))
    failed = [task for task in record["tasks"] if task["status"] == "failed"]
    assert [task["error"] for task in failed] == [BROKEN]


def test_run_on_the_cluster_reads_the_shipped_files_not_the_project(
    example: Path, client: Any, scheduler: str
) -> None:
    write_manifest(example, CITIES_ONLY)
    project = str(example.resolve())

    def watch(root: str) -> None:
        opened: list[str] = []

        def hook(event: str, args: tuple[Any, ...]) -> None:
            if event in ("open", "os.scandir", "os.listdir") and args:
                path = args[0]
                if isinstance(path, str | os.PathLike):
                    opened.append(os.fspath(path))

        sys.addaudithook(hook)
        sys.reportgen_opened = opened  # type: ignore[attr-defined]

    def opened() -> list[str]:
        found: list[str] = sys.reportgen_opened  # type: ignore[attr-defined]
        return list(found)

    client.run(watch, project)
    result = batch(example, scheduler=scheduler)
    seen = [path for paths in client.run(opened).values() for path in paths]

    assert statuses(result) == {DALIAN: "built", KITAKYUSHU: "built"}
    assert [path for path in seen if path.startswith(project)] == []
    shipped = [path for path in seen if path.endswith("/profiles/cities/dalian.yaml")]
    assert shipped, "the workers read the profiles from their own copy"
    assert all(project.lstrip("/") in path for path in shipped)


def test_run_on_the_cluster_survives_a_worker_killed_mid_task(
    example: Path, client: Any, scheduler: str, tmp_path: Path
) -> None:
    write_manifest(example, CITIES_ONLY)
    from distributed import WorkerPlugin

    marker = tmp_path / "killed"

    class KillOnce(WorkerPlugin):
        """Kills its worker as it starts a task for Dalian, the first time only."""

        def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
            if finish == "executing" and "dalian" in str(key) and not marker.exists():
                marker.touch()
                os.kill(os.getpid(), signal.SIGKILL)

    client.register_plugin(KillOnce(), name="kill-once")
    try:
        result = batch(example, scheduler=scheduler)
    finally:
        client.unregister_worker_plugin("kill-once")

    assert marker.exists(), "no worker was killed"
    assert statuses(result) == {DALIAN: "built", KITAKYUSHU: "built"}
    assert temporaries(example / "output") == []


def test_run_on_the_cluster_fails_a_document_over_the_time_limit_alone(
    example: Path, scheduler: str
) -> None:
    write_long_visit(example / "slow/long-visit.yaml", 15000)
    write_manifest(
        example,
        """\
        defaults: {formats: [html]}
        jobs:
          - {name: long, document: briefing, sources: [slow/long-visit.yaml]}
          - {name: city-profiles, document: city-profile, sources: [profiles/cities/*.yaml]}
        """,
    )

    result = batch(example, scheduler=scheduler, timeout=1.0)

    assert statuses(result) == {
        "long-visit.briefing.en.html": "failed",
        DALIAN: "built",
        KITAKYUSHU: "built",
    }
    assert "took longer than 1 s" in result.results[0].error
    assert documents(example / "output") == {DALIAN, KITAKYUSHU}


def test_run_on_the_cluster_stopped_cancels_the_rest_and_leaves_no_partial_file(
    example: Path, scheduler: str
) -> None:
    write_manifest(example, EXAMPLE_IN_TWO_FORMATS.replace("html, docx", "html"))
    options = Options()
    seen: list[TaskResult] = []

    def progress(item: TaskResult, done: int, total: int) -> None:
        seen.append(item)

    result = run(
        workspace_of(example, options),
        options,
        Settings(scheduler=scheduler),
        progress=progress,
        should_stop=lambda: bool(seen),
    )

    assert [r.status for r in result.results].count("built") == 1
    assert sorted(r.error for r in result.results if r.status == "failed") == ["interrupted"] * 3
    assert len(documents(example / "output")) == 1
    assert temporaries(example / "output") == []


# --- refusals -----------------------------------------------------------------------------


def test_cli_batch_refuses_workers_that_run_another_version(
    example: Path, cli: RunCli, client: Any, scheduler: str
) -> None:
    write_manifest(example, CITIES_ONLY)

    def pretend(version: str) -> None:
        import reportgen._version

        reportgen._version.__version__ = version

    client.run(pretend, "0.0.1")
    try:
        result = cli("batch", "--scheduler", scheduler)
    finally:
        client.run(pretend, __version__)

    assert result.code == 1
    assert len(result.lines) == 1
    assert result.lines[0].startswith("error: the Dask worker tcp://")
    assert result.lines[0].endswith(
        f" runs reportgen 0.0.1, this machine reportgen {__version__}: install the same "
        f"version on both (pip install 'reportgen[dask]=={__version__}')"
    )
    assert documents(example / "output") == set()


def test_cli_batch_takes_the_manifest_scheduler_says_in_one_line_it_is_unreachable(
    example: Path, cli: RunCli, scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_cluster, "CONNECT_TIMEOUT", 1.0)
    nowhere = f"tcp://127.0.0.1:{unused_port()}"
    write_manifest(example, f"scheduler: {nowhere}\n{CITIES_ONLY}")

    unreachable = cli("batch")
    chosen = cli("batch", "--scheduler", scheduler)

    assert unreachable.code == 1
    assert unreachable.lines == [
        f"error: cannot reach the Dask scheduler at {nowhere} within 1 s: is it running, "
        "and is the address right?"
    ]
    assert chosen.code == 0, chosen.stderr
    assert chosen.lines[-1].startswith("built 2, fresh 0, failed 0 in ")


def test_cli_batch_refuses_a_scheduler_that_is_no_address(example: Path, cli: RunCli) -> None:
    write_manifest(example, "scheduler: my-cluster\n" + CITIES_ONLY)

    option = cli("batch", "--scheduler", "localhost 8786")
    manifest = cli("validate", "reportgen.yaml")

    assert option.code == 2
    assert "'localhost 8786' is not a Dask scheduler: write tcp://HOST:PORT, or local" in (
        option.stderr
    )
    assert manifest.code == 1
    assert manifest.lines[0] == (
        "reportgen.yaml:1:12: scheduler: 'my-cluster' is not a Dask scheduler: write "
        "tcp://HOST:PORT, or local"
    )


def test_cli_batch_on_a_local_cluster_builds_the_documents(example: Path, cli: RunCli) -> None:
    write_manifest(example, CITIES_ONLY)

    result = cli("batch", "--scheduler", "local", "--jobs", "1")

    assert result.code == 0, result.stderr
    assert result.lines[-1].startswith("built 2, fresh 0, failed 0 in ")
    assert documents(example / "output") == {DALIAN, KITAKYUSHU}
