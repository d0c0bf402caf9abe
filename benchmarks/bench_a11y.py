"""What an accessible PDF (PDF/UA-1) costs over a plain one, per example document.

Run from the repository root after ``./run setup``::

    .venv/bin/python benchmarks/bench_a11y.py [--runs 5]

For each example document, ``reportgen build DOC`` and ``reportgen build DOC --pdf-variant
pdf/ua-1`` run as separate processes, alternately (A B A B ...) so that a busy machine
slows both alike, after one unmeasured run of each. It prints the median CPU time of
each (user + system; WeasyPrint works on one core), what tagging and post-processing
add to the plain build and that as a share of it (target: under 10 %), and, measured
in this process, the CPU time of the post-processing alone (pikepdf, on the tagged
bytes WeasyPrint writes).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLES = {
    "briefing": ROOT / "profiles" / "visits" / "dalian-to-kitakyushu-2027-05.yaml",
    "city-profile": ROOT / "profiles" / "cities" / "kitakyushu.yaml",
    "proposal": ROOT / "profiles" / "proposals" / "kitakyushu-dalian-air-2027.yaml",
}


def cpu_seconds(args: list[str], env: dict[str, str]) -> float:
    """User and system time of one process running ``args``."""
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(args)}\n{errors.decode()}")
    return usage.ru_utime + usage.ru_stime


def post_processing_seconds(source: Path, runs: int) -> tuple[int, float]:
    """The pages of ``source``'s document and the least CPU time of ``runs``
    post-processings of the tagged PDF that WeasyPrint writes for it."""
    import datetime as dt

    import pikepdf

    import reportgen
    from reportgen.checks import Staleness
    from reportgen.documents import Profiles, build_document
    from reportgen.project import Project
    from reportgen.registry import default_document
    from reportgen.renderers.accessibility import complete, link_descriptions
    from reportgen.renderers.html import render_html, stylesheet
    from reportgen.renderers.pdf import render_pdf

    profile = reportgen.load(source)
    doc = build_document(
        default_document(profile.kind),
        profile,
        Profiles(Project(ROOT / "profiles"), "internal"),
        lang="en",
        created=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        staleness=Staleness(dt.date(2027, 1, 1), 24),
    ).document
    tagged = render_pdf(render_html(doc, inline_css=False), stylesheet(), variant="pdf/ua-1")
    descriptions = link_descriptions(doc)
    times = []
    for _ in range(runs):
        start = time.process_time()
        complete(tagged, descriptions)
        times.append(time.process_time() - start)
    return len(pikepdf.open(io.BytesIO(tagged)).pages), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    work = Path(tempfile.mkdtemp(prefix="reportgen-bench-a11y-"))
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1798761600"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    print(
        f"{'document':13} {'pages':>5} {'plain':>7} {'PDF/UA-1':>9} {'added':>7} {'share':>6}"
        f" {'post-processing':>16}"
    )
    for name, source in EXAMPLES.items():
        plain = [str(BIN / "reportgen"), "build", str(source), "-o", str(work / "plain.pdf")]
        tagged = [*plain[:-1], str(work / "tagged.pdf"), "--pdf-variant", "pdf/ua-1"]
        times: dict[str, list[float]] = {"plain": [], "tagged": []}
        cpu_seconds(plain, env)
        cpu_seconds(tagged, env)
        for _ in range(runs):
            times["plain"].append(cpu_seconds(plain, env))
            times["tagged"].append(cpu_seconds(tagged, env))
        base = statistics.median(times["plain"])
        added = statistics.median(times["tagged"]) - base
        pages, post = post_processing_seconds(source, runs)
        print(
            f"{name:13} {pages:>5} {base:>6.2f}s {base + added:>8.2f}s {added:>+6.2f}s"
            f" {100 * added / base:>5.1f}% {post:>9.3f}s {100 * post / base:>4.1f}%"
        )


if __name__ == "__main__":
    main()
