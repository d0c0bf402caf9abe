"""What worker processes cost to start: batches run one after another in one process.

Run from the repository root after ``./run setup``::

    .venv/bin/python benchmarks/bench_workers.py [--batches 6] [--jobs 2] [--formats html]

A long-running ``reportgen schedule run`` or ``reportgen serve``, and the Python API,
run batch after batch in one process; each batch starts its own worker processes. This
copies the example project into a temporary folder and runs ``reportgen.batch`` on its
city profiles (in HTML by default, so that the figures are about the workers, not about
rendering; ``--formats pdf`` shows a worker loading WeasyPrint and its fonts)
``--batches`` times with ``--force``, then prints, for the first batch and the median of
the others: the wall time, and the CPU seconds of everything the batch started. That is
this process and its workers, and the fork server the workers come from when there is
one: it is sampled from /proc, as it is not a child this process waits for.

Compare a commit before workers came from a fork server by running this file with that
commit's code (it uses the public API only).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = """\
defaults: {{formats: [{formats}], languages: [en]}}
jobs:
  - {{name: cities, document: city-profile, sources: ["profiles/cities/*.yaml"]}}
"""


def ticks_of(pid: int) -> float:
    """CPU seconds of ``pid`` and of the children it waited for, or 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return sum(int(t) for t in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class ForkServerCPU:
    """The CPU of fork servers among this process's children, sampled every 0.05 s."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(0.05):
            self.sample()

    def sample(self) -> None:
        me = os.getpid()
        for task in Path(f"/proc/{me}/task").iterdir():
            try:
                listed = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, listed):
                try:
                    command = Path(f"/proc/{child}/cmdline").read_bytes()
                except OSError:
                    continue
                if b"forkserver" in command:
                    self.seen[child] = max(self.seen.get(child, 0.0), ticks_of(child))

    def total(self) -> float:
        self.sample()
        return sum(self.seen.values())

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def own_cpu() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--formats", default="html", help="comma-separated (default: html)")
    arguments = parser.parse_args()

    import reportgen

    os.environ.setdefault("SOURCE_DATE_EPOCH", "1798761600")  # 2027-01-01
    sampler = ForkServerCPU()
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        shutil.copytree(ROOT / "profiles", project / "profiles")
        (project / "reportgen.yaml").write_text(
            MANIFEST.format(formats=arguments.formats), encoding="utf-8"
        )
        walls: list[float] = []
        cpus: list[float] = []
        for _ in range(arguments.batches):
            cpu = own_cpu() + sampler.total()
            started = time.perf_counter()
            result = reportgen.batch(project / "reportgen.yaml", jobs=arguments.jobs, force=True)
            walls.append(time.perf_counter() - started)
            cpus.append(own_cpu() + sampler.total() - cpu)
            if not result.ok:
                raise SystemExit("a batch failed: " + "; ".join(r.error for r in result.results))
        built = len(result.results)
    sampler.stop()
    print(
        f"{arguments.batches} batches of {built} documents ({arguments.formats}), "
        f"--jobs {arguments.jobs}, "
        f"in one process; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"  first batch           {walls[0]:6.2f} s wall  {cpus[0]:6.2f} s CPU")
    rest_wall, rest_cpu = statistics.median(walls[1:]), statistics.median(cpus[1:])
    print(f"  each later (median)   {rest_wall:6.2f} s wall  {rest_cpu:6.2f} s CPU")


if __name__ == "__main__":
    main()
