"""``reportgen batch --scheduler``: batches on a Dask cluster of two worker processes.

One ``LocalCluster`` serves the module; its workers start in a folder of their own, so
they can only build from what the batch ships them. Documents are HTML and DOCX, which
build in a fraction of a second. The tests that start a scheduler of their own (local,
TLS, one that stops) are in ``tests/test_cluster_schedulers.py``, which another test
process runs meanwhile.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from reportgen._version import __version__
from reportgen.batching import BatchResult, Settings, TaskResult, run
from reportgen.batching import cluster as batch_cluster
from reportgen.workspace import Options
from tests.helpers import (
    CITIES_ONLY,
    CITY_A,
    EXAMPLE_DOCUMENTS,
    ROOT,
    RunCli,
    counted_soffice,
    documents,
    local_cluster,
    statuses,
    temporaries,
    wait_for,
    worker_process,
    workspace_of,
    write_long_visit,
    write_manifest,
)
from tests.helpers import DALIAN_HTML as DALIAN
from tests.helpers import KITAKYUSHU_HTML as KITAKYUSHU

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
    "profiles/cities/broken.yaml:6:1: colour: unknown key 'colour'"
    " (free-form values belong under 'extra')"
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A client of a cluster of two worker processes, started in a folder of their own."""
    cluster = local_cluster(tmp_path_factory.mktemp("workers"), 2)
    connection = distributed.Client(cluster, set_as_default=False)
    yield connection
    connection.close()
    cluster.close()


@pytest.fixture
def scheduler(client: Any) -> str:
    address: str = client.scheduler.address
    client.wait_for_workers(2, timeout=120)  # a worker that never came back fails, not hangs
    return address


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
    runs = counted_soffice(tmp_path / "bin", monkeypatch)  # LibreOffice of this process
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
    # the workers leave the contents unnumbered: one LibreOffice run here numbers them all
    assert runs.is_file() and len(runs.read_text().splitlines()) == 1


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
    # laid out as a PDF, 2,500 agenda items take a worker far longer than 4 s (about 12 s
    # on an idle machine), and the coordinator reads them in a second
    write_long_visit(example / "slow/long-visit.yaml", 2500)
    write_manifest(
        example,
        """\
        defaults: {formats: [html]}
        jobs:
          - {name: long, document: briefing, sources: [slow/long-visit.yaml], formats: [pdf]}
          - {name: city-profiles, document: city-profile, sources: [profiles/cities/*.yaml]}
        """,
    )

    # 4 s: far more than a city profile takes on a busy machine, a worker's first included
    # (under a second, with the other worker laying the PDF out)
    result = batch(example, scheduler=scheduler, timeout=4.0)

    assert statuses(result) == {
        "long-visit.briefing.en.pdf": "failed",
        DALIAN: "built",
        KITAKYUSHU: "built",
    }
    assert "took longer than 4 s" in result.results[0].error
    assert documents(example / "output") == {DALIAN, KITAKYUSHU}


def test_a_build_over_its_time_stops_though_its_first_stop_lands_where_it_is_ignored() -> None:
    # on a worker the stop is raised inside the build's thread; Python ignores it there
    # in a garbage-collector callback (Dask's workers have one), and the build goes on
    from reportgen.limits import Overrun, within

    ignored: list[BaseException] = []

    def stubborn() -> None:
        while True:
            try:
                while True:
                    time.sleep(0.01)
            except BaseException as exc:  # ignored once, as in such a callback
                if ignored:
                    raise
                ignored.append(exc)

    with pytest.raises(Overrun) as raised:
        within(stubborn, 0.2)

    assert len(ignored) == 1
    assert raised.value.stopped, "the build's thread was left running"
    assert str(raised.value) == "the build took longer than 0.2 s: stopped (--timeout)"


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
    nowhere = f"tcp://127.0.0.1:{unused_port()}"
    write_manifest(example, f"scheduler: {nowhere}\n{CITIES_ONLY}")

    default = batch_cluster.CONNECT_TIMEOUT
    monkeypatch.setattr(batch_cluster, "CONNECT_TIMEOUT", 0.5)  # a closed port: waited out
    unreachable = cli("batch")
    monkeypatch.setattr(batch_cluster, "CONNECT_TIMEOUT", default)  # a live one, however busy
    chosen = cli("batch", "--scheduler", scheduler)

    assert unreachable.code == 1
    assert unreachable.lines == [
        f"error: cannot reach the Dask scheduler at {nowhere} within 0.5 s: is it running, "
        "and is the address right?"
    ]
    assert chosen.code == 0, chosen.stderr
    assert chosen.lines[-1].startswith("built 2, fresh 0, failed 0 in ")


# --- a cluster member that is not to be trusted ---------------------------------------------


@contextmanager
def crafted_workers(client: Any, craft: Callable[[Any, Any, Any], Any]) -> Iterator[None]:
    """Every worker of ``client`` answers a task with ``craft(real_build, target, shipment)``,
    as a worker taken over by someone else would: it runs whatever code it likes."""
    from distributed import WorkerPlugin

    class Crafted(WorkerPlugin):
        def __init__(self, craft: Callable[[Any, Any, Any], Any]) -> None:
            self.craft = craft

        def setup(self, worker: Any) -> None:
            from reportgen.batching import remote

            real, craft = remote.build, self.craft
            self.real = real

            def build(target: Any, shipment: Any) -> Any:
                return craft(real, target, shipment)

            remote.build = build

        def teardown(self, worker: Any) -> None:
            from reportgen.batching import remote

            remote.build = self.real

    client.register_plugin(Crafted(craft), name="crafted")
    try:
        yield
    finally:
        client.unregister_worker_plugin("crafted")


def test_cli_batch_writes_only_the_files_it_planned_whatever_a_worker_answers(
    example: Path,
    cli: RunCli,
    client: Any,
    scheduler: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    write_manifest(example, CITIES_ONLY)
    manifest = example / "reportgen.yaml"
    before = manifest.read_bytes()
    planted = tmp_path_factory.mktemp("elsewhere") / "planted.html"
    redirect = {"dalian": str(planted), "kitakyushu": str(manifest)}

    def craft(real: Any, target: Any, shipment: Any) -> Any:
        from dataclasses import replace

        from reportgen.targets import Output

        elsewhere = Path(redirect[target.source.stem])
        return real(replace(target, outputs=(Output("html", elsewhere),)), shipment)

    with crafted_workers(client, craft):
        result = cli("batch", "--scheduler", scheduler, "--report", "report.json")
    history = cli("history", "--json")

    assert result.code == 1
    assert not planted.exists()
    assert manifest.read_bytes() == before
    assert documents(example / "output") == set()
    assert result.lines[-1].startswith("built 0, fresh 0, failed 2 in ")
    errors = {
        line: result.lines[index + 1]
        for index, line in enumerate(result.lines)
        if line.startswith("failed: ")
    }
    told = " answered with a file this document does not make: {}; nothing of it was written"
    assert errors[f"failed: output/{DALIAN}"].endswith(told.format(planted))
    assert errors[f"failed: output/{KITAKYUSHU}"].endswith(told.format("reportgen.yaml"))
    assert errors[f"failed: output/{DALIAN}"].startswith("  the worker tcp://127.0.0.1:")
    record = json.loads((example / "report.json").read_text(encoding="utf-8"))
    assert [task["error"] for task in record["tasks"]] == [
        errors[f"failed: output/{name}"].strip() for name in (DALIAN, KITAKYUSHU)
    ]
    last = json.loads(history.stdout)[0]
    assert (last["built"], last["failed"]) == (0, 2)
    assert sorted(f["error"] for f in last["failures"]) == sorted(
        record["tasks"][i]["error"] for i in (0, 1)
    )


def test_run_on_the_cluster_unpickles_nothing_a_worker_answers(
    example: Path, cli: RunCli, client: Any, scheduler: str, tmp_path: Path
) -> None:
    write_manifest(example, CITIES_ONLY)
    ran = tmp_path / "code-ran-on-the-coordinator"

    def trap(real: Any, target: Any, shipment: Any) -> Any:
        import os

        class Trap:
            """Unpickled, it makes a folder: any code could run instead."""

            def __reduce__(self) -> tuple[Any, ...]:
                return (os.mkdir, (str(ran),))

        if target.source.stem == "dalian":
            return Trap()
        return {"worker": "x", "ok": True, "outputs": [{"path": "/etc/passwd", "data": 1}]}

    with crafted_workers(client, trap):
        answered = batch(example, scheduler=scheduler)

    def pickled_regardless(real: Any, target: Any, shipment: Any) -> Any:
        # a worker that serializes everything with pickle, whatever the client asks for
        import importlib

        families = importlib.import_module("distributed.protocol.serialize").families
        families["msgpack"] = families["pickle"]
        return bytes(real(target, shipment))

    def restore() -> None:
        import importlib

        serialize = importlib.import_module("distributed.protocol.serialize")
        serialize.register_serialization_family(
            "msgpack", serialize.msgpack_dumps, serialize.msgpack_loads
        )

    with crafted_workers(client, pickled_regardless):
        regardless = cli("batch", "--scheduler", scheduler, "--force")
    client.run(restore)

    assert not ran.exists(), "a worker's answer ran code on the coordinator"
    assert outcomes(answered) == [
        (DALIAN, "failed", answered.results[0].error, ()),
        (KITAKYUSHU, "failed", "the worker's answer is not a build record (it is a dict)", ()),
    ]
    assert answered.results[0].error.startswith("the worker's answer is not plain data; refused")
    assert regardless.code == 1
    assert "Traceback" not in regardless.stderr
    assert regardless.lines[-1].startswith("built 0, fresh 0, failed 2 in ")
    assert sum("the worker's answer is not plain data; refused" in x for x in regardless.lines) == 2
    assert documents(example / "output") == set()


def test_run_on_the_cluster_unpickles_nothing_dask_says_about_a_task(
    example: Path, client: Any, scheduler: str, tmp_path: Path
) -> None:
    write_manifest(example, CITIES_ONLY)
    typed, erred = tmp_path / "code-ran-from-a-type", tmp_path / "code-ran-from-an-error"
    coordinator = os.getpid()
    from distributed import WorkerPlugin

    class Crafted(WorkerPlugin):
        """Says of each finished task that its type is a pickle that makes a folder, and
        fails the other task with an error that does the same when unpickled."""

        def setup(self, worker: Any) -> None:
            import pickle

            from distributed.worker_state_machine import WorkerState

            from reportgen.batching import remote

            def code(folder: Path) -> str:  # it runs wherever it is unpickled: mark the coordinator
                return f"import os\nif os.getpid() == {coordinator}: os.mkdir({str(folder)!r})"

            class Trap:
                def __reduce__(self) -> tuple[Any, ...]:
                    return (exec, (code(typed),))

            class TrapError(Exception):
                def __reduce__(self) -> tuple[Any, ...]:
                    return (exec, (code(erred),))

            finished = WorkerState._get_task_finished_msg
            real = remote.build
            self.restore = (finished, real)

            def crafted_message(state: Any, ts: Any, *args: Any, **kwargs: Any) -> Any:
                message = finished(state, ts, *args, **kwargs)
                message.type = pickle.dumps(Trap())
                return message

            def build(target: Any, shipment: Any) -> Any:
                if target.source.stem == "kitakyushu":
                    raise TrapError("unpickle me")
                return real(target, shipment)

            WorkerState._get_task_finished_msg = crafted_message  # type: ignore[method-assign,assignment]
            remote.build = build

        def teardown(self, worker: Any) -> None:
            from distributed.worker_state_machine import WorkerState

            from reportgen.batching import remote

            finished, real = self.restore
            WorkerState._get_task_finished_msg = finished  # type: ignore[method-assign]
            remote.build = real

    client.register_plugin(Crafted(), name="crafted-dask")
    try:
        result = batch(example, scheduler=scheduler)
    finally:
        client.unregister_worker_plugin("crafted-dask")

    assert not typed.exists(), "the type of a result ran code on the coordinator"
    assert not erred.exists(), "the error of a task ran code on the coordinator"
    assert statuses(result) == {DALIAN: "built", KITAKYUSHU: "failed"}
    assert result.results[1].error == (
        "the cluster could not build it: the worker building it died each time (killed, or "
        "out of memory?), or could not run it"
    )


def test_run_on_the_cluster_refuses_an_answer_that_is_not_a_checked_record(
    example: Path, client: Any, scheduler: str
) -> None:
    write_manifest(example, CITIES_ONLY)

    def malformed(real: Any, target: Any, shipment: Any) -> Any:
        import msgpack

        if target.source.stem == "dalian":
            return msgpack.packb({"worker": "w", "ok": True, "outputs": [{"path": "x", "data": 1}]})
        return b"\xc1 not msgpack"

    with crafted_workers(client, malformed):
        result = batch(example, scheduler=scheduler)

    assert [(r.status, r.error) for r in result.results] == [
        (
            "failed",
            "the worker's answer is malformed: outputs.0.data: Input should be a valid bytes",
        ),
        ("failed", result.results[1].error),
    ]
    assert result.results[1].error.startswith("the worker's answer is not plain data (")


def test_run_on_the_cluster_refuses_an_answer_that_read_what_it_was_not_sent(
    example: Path, client: Any, scheduler: str
) -> None:
    # freshness reads every input again on the next batch: /dev/zero would never end
    write_manifest(example, CITIES_ONLY)

    def elsewhere(real: Any, target: Any, shipment: Any) -> Any:
        import msgpack

        told = msgpack.unpackb(real(target, shipment))
        told["inputs"][0]["path"] = "/dev/zero"
        return msgpack.packb(told)

    with crafted_workers(client, elsewhere):
        result = batch(example, scheduler=scheduler)
    again = batch(example, scheduler=scheduler)

    assert [(r.status, r.error.split(" answered ")[-1]) for r in result.results] == [
        (
            "failed",
            "that the build read /dev/zero, which the batch did not send it; "
            "nothing of it was written",
        ),
    ] * 2
    assert statuses(again) == {DALIAN: "built", KITAKYUSHU: "built"}


def test_run_on_the_cluster_ships_only_what_builds_read_and_removes_it_afterwards(
    example: Path, client: Any, scheduler: str
) -> None:
    from PIL import Image

    token = "hook-token-3f9a7c51"
    write_manifest(
        example, CITIES_ONLY + f"notify: {{webhook: 'https://hooks.example.org/t/{token}'}}\n"
    )
    cities = example / "profiles/cities"
    Image.new("RGB", (4, 4), "red").save(cities / "dalian-logo.png")
    Image.new("RGB", (4, 4), "blue").save(cities / "unused.png")
    dalian = cities / "dalian.yaml"
    dalian.write_text(dalian.read_text("utf-8") + "logo: dalian-logo.png\n", encoding="utf-8")
    (example / "profiles/.env").write_text(f"WEBHOOK_TOKEN={token}\n", encoding="utf-8")
    (example / "profiles/.drafts").mkdir()
    (example / "profiles/.drafts/city.yaml").write_text(f"# {token}\n", encoding="utf-8")
    (cities / "notes.txt").write_text(f"{token}\n", encoding="utf-8")

    def shipped(token: str, dask_worker: Any) -> dict[str, Any]:
        import os
        import pickle
        from pathlib import Path

        base = Path(dask_worker.local_directory) / "reportgen"
        names, leaked = [], []
        for here, _, files in os.walk(base):
            for name in files:
                path = Path(here, name)
                names.append(str(path.relative_to(base)).split("/", 1)[1])
                if token.encode() in path.read_bytes():
                    leaked.append(name)
        for key, value in dask_worker.data.items():
            if token.encode() in pickle.dumps(value):
                leaked.append(str(key))
        return {"names": sorted(names), "leaked": leaked}

    seen: list[dict[str, Any]] = []

    def progress(item: TaskResult, done: int, total: int) -> None:
        if not seen:
            seen.extend(client.run(shipped, token).values())

    options = Options()
    result = run(
        workspace_of(example, options), options, Settings(scheduler=scheduler), progress=progress
    )
    after = list(client.run(shipped, token).values())
    warm = batch(example, scheduler=scheduler, force=True, keep_warm=True)
    kept = list(client.run(shipped, token).values())
    batch(example, scheduler=scheduler, force=True)  # and gone again

    assert statuses(result) == {DALIAN: "built", KITAKYUSHU: "built"}
    assert statuses(warm) == {DALIAN: "built", KITAKYUSHU: "built"}
    project = str(example.resolve()).lstrip("/")
    busy = [worker for worker in seen if worker["names"]]
    assert busy, "no worker held the snapshot during the batch"
    for worker in busy + kept:
        assert worker["leaked"] == []
        assert {name.removeprefix(project + "/") for name in worker["names"]} == {
            "profiles/cities/dalian.yaml",
            "profiles/cities/kitakyushu.yaml",
            "profiles/cities/dalian-logo.png",
            "profiles/proposals/kitakyushu-dalian-air-2027.yaml",
            "profiles/visits/dalian-to-kitakyushu-2024.yaml",
            "profiles/visits/dalian-to-kitakyushu-2027-05.yaml",
        }
    assert [worker["names"] for worker in after] == [[], []]
    assert any(worker["names"] for worker in kept), "--keep-warm left nothing on the workers"


def test_a_worker_refuses_a_snapshot_that_names_a_file_outside_its_folder(
    client: Any, tmp_path: Path
) -> None:
    from reportgen.batching import answer, remote
    from reportgen.batching.cluster import shipped, take_snapshot
    from reportgen.targets import Output, Target
    from reportgen.workspace import Workspace

    (tmp_path / "profiles/cities").mkdir(parents=True)
    (tmp_path / "reportgen.yaml").write_text("profiles: profiles\n", encoding="utf-8")
    workspace = Workspace.resolve(manifest=tmp_path / "reportgen.yaml")
    source = tmp_path / "profiles/cities/x.yaml"
    target = Target(
        source, "city-profile", "en", "internal", (Output("html", tmp_path / "x.html"),)
    )
    honest = take_snapshot(workspace, Options(), [target])
    escape = tmp_path / "escaped.txt"
    names = [
        f"/{'/'.join(['..'] * 12)}{escape}",  # up and out, then anywhere
        "relative/../../escaped.txt",
    ]
    told = []
    for name in names:
        data = b"planted by a crafted coordinator"
        file = remote.File("0" * 64, len(data), 0, data=data)
        snapshot = remote.Snapshot("d" * 64, honest.origin, {name: file}, ())
        shipment = remote.Shipment(snapshot, shipped(workspace), Options(), "/", remote.versions())
        raw = client.submit(remote.build, target, shipment, pure=False).result()
        told.append(answer.decode(raw).error)

    assert not escape.exists()
    assert told[0].startswith("the worker tcp://127.0.0.1:")
    assert told[0].endswith(
        f" refused the project's snapshot: the snapshot names the file {names[0]!r}: refused"
    )
    assert told[1].endswith(f"the snapshot names the file {names[1]!r}: refused")


def test_batch_leaves_no_plugin_on_the_scheduler_and_plain_workers_start_after_it(
    example: Path, client: Any, scheduler: str, tmp_path: Path
) -> None:
    write_manifest(example, CITIES_ONLY.replace("[html]", "[pdf]").replace("cities/*", "cities/d*"))
    # a worker of another team: reportgen cannot even be imported there
    plain = tmp_path / "plain-python"
    (plain / "reportgen").mkdir(parents=True)
    (plain / "reportgen/__init__.py").write_text(
        "raise ImportError('reportgen is not installed here')\n", encoding="utf-8"
    )

    def plugins(dask_scheduler: Any) -> list[str]:
        return sorted(dask_scheduler.worker_plugins)

    before = client.run_on_scheduler(plugins)
    result = batch(example, scheduler=scheduler)
    after = client.run_on_scheduler(plugins)

    assert statuses(result) == {DALIAN.replace(".html", ".pdf"): "built"}
    assert after == before
    with worker_process(scheduler, tmp_path / "late", plain):
        joined = wait_for(lambda: len(client.scheduler_info()["workers"]) == 3)
        log = (tmp_path / "late/worker.log").read_text("utf-8", "replace")
    assert joined, f"a plain worker could not join after the batch:\n{log[-2000:]}"
    assert wait_for(lambda: len(client.scheduler_info()["workers"]) == 2)


def test_cli_batch_refuses_a_worker_that_runs_another_build_of_the_same_version(
    example: Path, cli: RunCli, client: Any, scheduler: str, tmp_path: Path
) -> None:
    import reportgen

    write_manifest(example, CITIES_ONLY)
    # the same version number, one template changed: another build of reportgen
    other = tmp_path / "other-build"
    shutil.copytree(
        Path(reportgen.__file__).parent,
        other / "reportgen",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    changed = next((other / "reportgen/templates").rglob("*.css"))
    changed.write_text(changed.read_text("utf-8") + "\n/* patched */\n", encoding="utf-8")

    with worker_process(scheduler, tmp_path / "other", other):
        assert wait_for(lambda: len(client.scheduler_info()["workers"]) == 3)
        result = cli("batch", "--scheduler", scheduler)
        theirs = client.run(lambda: __import__("reportgen").__file__)
    assert wait_for(lambda: len(client.scheduler_info()["workers"]) == 2)

    odd = [address for address, path in theirs.items() if path.startswith(str(other))]
    assert len(odd) == 1
    assert result.code == 1
    assert len(result.lines) == 1
    assert result.lines[0].startswith(
        f"error: the Dask worker {odd[0]} runs another build of reportgen {__version__} "
        "(its files differ: "
    )
    assert result.lines[0].endswith("install the same release, or the same commit, on both")
    assert documents(example / "output") == set()


def test_run_on_the_cluster_gives_up_a_document_whose_worker_never_answers(
    example: Path, client: Any, scheduler: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(batch_cluster, "ANSWER_GRACE", 1.0)
    write_manifest(example, CITIES_ONLY)
    released = tmp_path / "released"

    def silent(real: Any, target: Any, shipment: Any) -> Any:
        import time

        if target.source.stem == "dalian":  # hangs, whatever --timeout says, till released
            deadline = time.monotonic() + 120
            while not released.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
        return real(target, shipment)

    try:
        with crafted_workers(client, silent):  # 3 s: far more than Kitakyushu takes
            result = batch(example, scheduler=scheduler, timeout=3.0)
    finally:
        released.touch()  # the worker is free for the tests that follow

    assert statuses(result) == {DALIAN: "failed", KITAKYUSHU: "built"}
    assert result.results[0].error == (
        "the worker building it did not answer within 7 s (--timeout 3 s); given up"
    )
    assert result.lost == ""
    assert documents(example / "output") == {KITAKYUSHU}


def test_a_build_that_starts_after_its_batch_ended_lays_nothing_out(client: Any) -> None:
    # a stopped batch cancels its builds, but one already on its way to a worker may start
    # after the batch removed its snapshot there: it must not lay the snapshot out again
    def late_build(dask_worker: Any) -> tuple[bool, bool]:
        from pathlib import Path

        from reportgen.batching import remote

        snapshot = remote.Snapshot("d1", "0123456789abcdef", {}, ("/stopped/profiles",))
        base = Path(dask_worker.local_directory)
        remote.remove_snapshot(snapshot.origin, "ended-batch", dask_worker)
        try:
            remote.place(snapshot, base, "ended-batch")
        except remote.Ended:
            refused = True
        else:
            refused = False
        folder = remote.snapshot_folder(base, snapshot.origin)
        placed = remote.place(snapshot, base, "a-later-batch")  # the next batch still can
        found = folder.exists() and placed == folder
        remote.remove_snapshot(snapshot.origin, "a-later-batch", dask_worker)
        return refused, found

    assert set(client.run(late_build).values()) == {(True, True)}
