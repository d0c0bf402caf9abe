"""Batches on a Dask cluster: throughput against the local pool, and how a network scales.

Run from the repository root after ``./run setup`` (which installs the ``dask`` extra)::

    .venv/bin/python benchmarks/bench_dask.py [--cities 40] [--visits 10] [--proposals 10]
        [--formats pdf] [--rounds 2] [--scale 100,1000,2500] [--skip-throughput]
        [--skip-scale] [--cache DIR]

Throughput: the same batch (synthetic profiles from ``bench_batch.py``, PDF) built from
an empty output folder by the local pool of 2 worker processes and by a ``LocalCluster``
of 2 worker processes (started once, as a cluster runs before its batches), alternately,
``--rounds`` times; the fastest of each counts. Target: the cluster at least 0.85x the
pool's documents per second. The coordinator's CPU per task is measured too (it
includes the scheduler, which a ``LocalCluster`` runs in this process).

Scale: networks of 100, 1,000 and 2,500 cities (a tenth as many visits and as many
proposals; HTML, so the builds take minutes, not hours), generated once into ``--cache``
and reused. For each: ``reportgen validate`` (the whole process), the plan (in this
process, the state warm), a full build on a ``dask scheduler`` with two ``dask worker``
processes (wall time; CPU per document of the coordinator, the scheduler and the
workers; the coordinator's peak memory), and no-op ``reportgen batch`` runs (the whole
process; the first after a build reads every profile once). Per-file costs should stay
flat as the network grows. Every build takes 2027-01-01 as today (``SOURCE_DATE_EPOCH``).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_batch import Generator

from reportgen.batching import Settings, run
from reportgen.batching.plan import plan_in
from reportgen.context import BuildContext
from reportgen.state import BuildState
from reportgen.workspace import Clock, Options, Workspace

BIN = Path(sys.executable).parent
EPOCH = "1798761600"  # 2027-01-01
TARGET = 0.85


def generate(folder: Path, cities: int, visits: int, proposals: int, formats: list[str]) -> Path:
    """A synthetic project in ``folder``, written once and then reused."""
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        Generator(folder, 2027, formats).run(cities, visits, proposals)
        marker.touch()
    shutil.rmtree(folder / "output", ignore_errors=True)
    return folder


def workspace_of(root: Path) -> Workspace:
    clock = Clock.from_environment({"SOURCE_DATE_EPOCH": EPOCH})
    return Workspace.resolve(manifest=root / "reportgen.yaml", clock=clock, require_manifest=True)


def row(*cells: str) -> None:
    widths = (30, 9, 9, 40)
    print("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=False)))


# --- throughput ---------------------------------------------------------------------------


@dataclass
class Timed:
    seconds: float
    built: int
    cpu: float
    """CPU seconds of this process and its worker processes (the cluster's too)."""


def own_and_children_cpu() -> float:
    """CPU seconds of this process, its finished children and its running ones."""
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    return tree_cpu(os.getpid()) + ended.ru_utime + ended.ru_stime


def timed_batch(root: Path, settings: Settings) -> Timed:
    shutil.rmtree(root / "output", ignore_errors=True)
    options = Options()
    cpu, started = own_and_children_cpu(), time.perf_counter()
    result = run(workspace_of(root), options, settings)
    seconds, cpu = time.perf_counter() - started, own_and_children_cpu() - cpu
    if not result.ok:
        failed = [r for r in result.results if r.status == "failed"]
        raise SystemExit(f"the batch failed: {failed[0].path.name}: {failed[0].error}")
    return Timed(seconds, result.count("built"), cpu)


def throughput(root: Path, rounds: int) -> None:
    from distributed import Client, LocalCluster

    started = time.perf_counter()
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    client = Client(cluster, set_as_default=False)
    startup = time.perf_counter() - started
    address = cluster.scheduler_address
    pool: list[Timed] = []
    dask: list[Timed] = []
    try:
        for _ in range(rounds):
            pool.append(timed_batch(root, Settings(jobs=2)))
            dask.append(timed_batch(root, Settings(scheduler=address)))
    finally:
        client.close()
        cluster.close()
    documents = pool[0].built
    print(f"\nthroughput: {documents} documents, {os.cpu_count()} CPUs, {rounds} rounds")
    print("  (the machine is shared: compare the CPU per document, then the side-by-side pairs)")
    row("", "seconds", "docs/s", "CPU per document (all processes); each round")
    for label, runs in (("local pool, 2 processes", pool), ("LocalCluster, 2 workers", dask)):
        best = min(runs, key=lambda t: t.seconds)
        cpu = min(t.cpu for t in runs) / documents
        shown = ", ".join(f"{t.seconds:.1f}" for t in runs)
        row(
            f"  {label}",
            f"{best.seconds:.2f}",
            f"{documents / best.seconds:.2f}",
            f"{cpu * 1000:.0f} ms; ({shown}) s",
        )
    pairs = [p.seconds / d.seconds for p, d in zip(pool, dask, strict=True)]
    by_cpu = min(t.cpu for t in pool) / min(t.cpu for t in dask)
    verdict = "ok" if by_cpu >= TARGET else "BELOW TARGET"
    shown = ", ".join(f"{ratio:.2f}x" for ratio in pairs)
    row("  cluster / pool, by CPU", f"{by_cpu:.2f}x", "", f"target >= {TARGET}x: {verdict}")
    row("  cluster / pool, by wall", "", "", f"each round: {shown}")
    row("  LocalCluster start", f"{startup:.2f} s", "", "(once per cluster)")


# --- scale --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class Measured:
    seconds: float
    cpu: float
    peak_mb: float


def measured(args: list[str], cwd: Path) -> Measured:
    """Run a command; its wall time, CPU time and peak resident memory."""
    environment = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    with tempfile.TemporaryFile() as errors:  # a pipe would fill up with the warnings
        started = time.perf_counter()
        process = subprocess.Popen(
            args, cwd=cwd, env=environment, stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(args)} failed:\n{errors.read().decode()[-2000:]}")
    return Measured(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and of every process below it."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        process = int(stat.parent.name)
        parents[process] = int(fields[1])
        used[process] = (int(fields[11]) + int(fields[12])) / tick
    total = 0.0
    for process, seconds in used.items():
        ancestor = process
        while ancestor not in (0, 1, pid):
            ancestor = parents.get(ancestor, 0)
        if ancestor == pid:
            total += seconds
    return total


def scale(sizes: list[int], cache: Path) -> None:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    elsewhere = Path(tempfile.mkdtemp(prefix="reportgen-bench-workers-"))
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        cwd=elsewhere,
        **quiet,  # type: ignore[call-overload]
    )
    workers = subprocess.Popen(
        [BIN / "dask", "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
        cwd=elsewhere,
        **quiet,  # type: ignore[call-overload]
    )
    reportgen = str(BIN / "reportgen")
    try:
        print(f"\nscale: HTML, a dask scheduler and 2 dask workers; {os.cpu_count()} CPUs")
        print("  (the machine is shared: CPU seconds say more than wall seconds)")
        row("", "wall s", "CPU s", "CPU per file")
        for size in sizes:
            root = generate(cache / f"network-{size}", size, size // 10, size // 10, ["html"])
            files = len(list((root / "profiles").rglob("*.yaml")))
            print(f"  {size} cities: {files} profiles, load average {os.getloadavg()[0]:.1f}")
            checked = measured([reportgen, "validate", "profiles"], root)
            row(
                "    validate",
                f"{checked.seconds:.2f}",
                f"{checked.cpu:.2f}",
                f"{checked.cpu / files * 1000:.2f} ms",
            )
            before = tree_cpu(workers.pid), tree_cpu(scheduler.pid)
            build = measured([reportgen, "batch", "--scheduler", address], root)
            worked = tree_cpu(workers.pid) - before[0]
            scheduled = tree_cpu(scheduler.pid) - before[1]
            targets = files  # one HTML document per profile
            row(
                "    full build: coordinator",
                f"{build.seconds:.2f}",
                f"{build.cpu:.2f}",
                f"{build.cpu / targets * 1000:.2f} ms; peak {build.peak_mb:.0f} MB",
            )
            row(
                "                scheduler",
                "",
                f"{scheduled:.2f}",
                f"{scheduled / targets * 1000:.2f} ms",
            )
            row(
                "                2 workers",
                "",
                f"{worked:.2f}",
                f"{worked / targets * 1000:.2f} ms; {targets / build.seconds:.1f} documents/s",
            )
            workspace = workspace_of(root)
            state = BuildState.open(workspace.output)
            try:
                cpu = time.process_time()
                planned = plan_in(BuildContext(workspace, Options()), state)
                planning = time.process_time() - cpu
            finally:
                state.close()
            per_target = planning / max(1, len(planned.targets)) * 1000
            row("    plan (state warm)", "", f"{planning:.2f}", f"{per_target:.3f} ms")
            for label in ("first no-op batch", "no-op batch"):  # the first reads every profile
                noop = measured([reportgen, "batch", "--scheduler", address], root)
                row(
                    f"    {label}",
                    f"{noop.seconds:.2f}",
                    f"{noop.cpu:.2f}",
                    f"{noop.cpu / targets * 1000:.2f} ms; peak {noop.peak_mb:.0f} MB",
                )
    finally:
        workers.terminate()
        scheduler.terminate()
        workers.wait(timeout=30)
        scheduler.wait(timeout=30)
        shutil.rmtree(elsewhere, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cities", type=int, default=40)
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--proposals", type=int, default=10)
    parser.add_argument("--formats", default="pdf", help="comma-separated: pdf, docx, html")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--scale", default="100,1000,2500", help="numbers of cities")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "reportgen-bench-dask",
        help="where the synthetic networks are kept between runs",
    )
    options = parser.parse_args()
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    formats = [f.strip() for f in options.formats.split(",") if f.strip()]
    if not options.skip_throughput:
        name = f"throughput-{options.cities}-{options.visits}-{options.proposals}-"
        root = generate(
            options.cache / (name + "-".join(formats)),
            options.cities,
            options.visits,
            options.proposals,
            formats,
        )
        here = Path.cwd()
        os.chdir(root)
        try:
            throughput(root, max(1, options.rounds))
        finally:
            os.chdir(here)
    if not options.skip_scale:
        scale([int(size) for size in options.scale.split(",")], options.cache)


if __name__ == "__main__":
    main()
