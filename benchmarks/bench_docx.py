"""Time and memory of Word builds, per document, warm (in one process).

Run from the repository root after ``./run setup``::

    .venv/bin/python benchmarks/bench_docx.py [--repeat 5]

For each example document it prints the median time of a whole warm build (profiles
-> document -> DOCX -> file; target: at most 0.5 s), the time of the renderer alone,
and the peak Python memory of one build (tracemalloc), then the peak resident memory
of the process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = {
    "proposal": ROOT / "profiles" / "proposals" / "kitakyushu-dalian-air-2027.yaml",
    "briefing": ROOT / "profiles" / "visits" / "dalian-to-kitakyushu-2027-05.yaml",
    "city-profile": ROOT / "profiles" / "cities" / "kitakyushu.yaml",
}


def median_time(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    os.chdir(ROOT)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1798761600")

    import reportgen
    from reportgen.documents import Profiles, build_document
    from reportgen.project import Project
    from reportgen.registry import default_document
    from reportgen.renderers.docx import render_docx

    today = dt.date(2027, 1, 1)
    options = reportgen.Options(formats=("docx",))
    work = Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
    print(f"{'document':14} {'build':>8} {'renderer':>9} {'peak Python memory':>19}")
    for name, source in EXAMPLES.items():
        build = functools.partial(
            reportgen.build, source, options=options, output=work / f"{name}.docx", today=today
        )
        build()  # warm: imports, fonts, reference document
        whole = median_time(build, repeat)
        project = Project(ROOT / "profiles")
        profile = reportgen.load(source)
        written = build_document(
            default_document(profile.kind),
            profile,
            Profiles(project, "internal"),
            lang="en",
            created=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
            stale_after=options.stale_after,
            today=today,
        )
        alone = median_time(functools.partial(render_docx, written.document), repeat)
        tracemalloc.start()
        build()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{name:14} {whole:7.3f}s {alone:8.3f}s {peak / 1e6:17.1f} MB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"target: a warm build <= 0.5 s; peak resident memory of this process {rss:.0f} MB")
    if sys.flags.dev_mode:
        print("(Python dev mode is on: timings are slower)")


if __name__ == "__main__":
    main()
