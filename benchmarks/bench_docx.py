"""Time and memory of Word builds, per document, warm (in one process).

Run from the repository root after ``./run setup``::

    .venv/bin/python benchmarks/bench_docx.py [--repeat 5]

For each example document it prints the median time of a whole warm build (profiles
-> document -> DOCX -> file; target: at most 0.5 s) without the LibreOffice pass, the
time of the renderer alone, the peak Python memory of one build (tracemalloc), and the
extra time of the pass that numbers the contents when LibreOffice is installed (target:
at most the build itself; "-" for a document without contents, or without LibreOffice,
where it costs nothing), and the pass's own parts: LibreOffice's first run (it makes its
profile folder, kept in the cache: here a fresh one), a following run (median), and the
reading of its PDF. Then, for the Word files of the example's batch that have contents,
side by side per document: the build, the pass when each file has a LibreOffice run of
its own (as ``reportgen serve`` has), and the pass of a batch, which lays them all out in
one run (as ``reportgen batch`` and a ``reportgen build`` of several do; target: at most
the build); and whether both give the same bytes. Then the size of the Word files of the
briefing with and without embedded fonts, in English and Japanese (target: the Japanese
under 5 MB), and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import dataclasses
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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reportgen.audience import Audience

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
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="reportgen-bench-cache-")

    import reportgen
    from reportgen.checks import Staleness
    from reportgen.documents import Profiles, build_document
    from reportgen.project import Project
    from reportgen.registry import default_document
    from reportgen.renderers.docx import office, render_docx

    today = dt.date(2027, 1, 1)
    options = reportgen.Options(formats=("docx",), page_numbers=False)
    numbered = dataclasses.replace(options, page_numbers=True)
    work = Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
    print(
        f"{'document':14} {'build':>8} {'renderer':>9} {'peak Python memory':>19} "
        f"{'page-number pass':>17}"
    )
    passes: list[tuple[str, bytes]] = []
    for name, source in EXAMPLES.items():
        build = functools.partial(
            reportgen.build, source, options=options, output=work / f"{name}.docx", today=today
        )
        build()  # warm: imports, fonts, reference document
        whole = median_time(build, repeat)
        extra = "-"
        if office.soffice() is not None and name != "city-profile":  # a profile has no contents
            with_pass = functools.partial(
                reportgen.build, source, options=numbered, output=work / "n.docx", today=today
            )
            with_pass()  # LibreOffice's profile folder is made on first use
            extra = f"{median_time(with_pass, repeat) - whole:.3f}s"
        project = Project(ROOT / "profiles")
        profile = reportgen.load(source)
        written = build_document(
            default_document(profile.kind),
            profile,
            Profiles(project, "internal"),
            lang="en",
            created=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
            staleness=Staleness(today, options.stale_after),
        )
        alone = median_time(
            functools.partial(render_docx, written.document, page_numbers=False), repeat
        )
        tracemalloc.start()
        build()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{name:14} {whole:7.3f}s {alone:8.3f}s {peak / 1e6:16.1f} MB {extra:>17}")
        if extra != "-":
            passes.append((name, render_docx(written.document, page_numbers=False)))
    if passes:
        print()
        print(f"{'LibreOffice pass':16} {'first run':>10} {'following':>10} {'reading':>8}")
    for count, (name, data) in enumerate(passes):
        if count:  # the first document made the profile: a fresh one for each
            os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="reportgen-bench-cache-")
        start = time.perf_counter()
        pdf = office.lay_out(data)
        first = time.perf_counter() - start
        following = median_time(functools.partial(office.lay_out, data), repeat)
        reading = median_time(functools.partial(office.bookmark_pages, pdf, ()), repeat)
        print(f"{name:16} {first:9.3f}s {following:9.3f}s {reading:7.3f}s")
    if office.soffice() is not None:
        batch_pass(work, repeat, today)
    print()
    print(f"{'briefing':14} {'fonts embedded':>15} {'without':>10} {'embedding':>10}")
    plain = dataclasses.replace(options, embed_fonts=False)
    for lang in ("en", "ja"):
        sizes, seconds = [], []
        for chosen in (dataclasses.replace(options, languages=(lang,)), plain):
            chosen = dataclasses.replace(chosen, languages=(lang,))
            target = work / f"briefing.{lang}.{chosen.embed_fonts}.docx"
            build = functools.partial(
                reportgen.build, EXAMPLES["briefing"], options=chosen, output=target, today=today
            )
            build()
            seconds.append(median_time(build, repeat))
            sizes.append(target.stat().st_size)
        print(
            f"{lang:14} {sizes[0] / 1e6:12.2f} MB {sizes[1] / 1e6:7.2f} MB "
            f"{seconds[0] - seconds[1]:+9.3f}s"
        )
    print("target: the Japanese briefing with its fonts under 5 MB")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"target: a warm build <= 0.5 s; peak resident memory of this process {rss:.0f} MB")
    if sys.flags.dev_mode:
        print("(Python dev mode is on: timings are slower)")


EARLIER = ROOT / "profiles" / "visits" / "dalian-to-kitakyushu-2024.yaml"
BATCH: list[tuple[Path, tuple[str, ...], Audience]] = [
    (EXAMPLES["briefing"], ("en", "ja"), "internal"),
    (EXAMPLES["briefing"], ("zh-Hans",), "public"),
    (EARLIER, ("en", "ja", "zh-Hans"), "internal"),
    (EXAMPLES["proposal"], ("en",), "internal"),
]
"""The Word files of the example's batch (``reportgen.yaml``) that have contents."""


def batch_pass(work: Path, repeat: int, today: dt.date) -> None:
    """The pass per document alone and in one run for the example batch's Word files."""
    import reportgen
    from reportgen.renderers.docx.contents import number_all

    files: dict[Path, bytes] = {}
    seconds = 0.0
    for source, languages, audience in BATCH:
        options = reportgen.Options(
            formats=("docx",), languages=languages, audience=audience, page_numbers=False
        )
        folder = work / f"batch-{audience}"
        build = functools.partial(
            reportgen.build, source, options=options, output=folder, today=today
        )
        build()  # warm
        seconds += median_time(build, repeat)
        for path in build().written:
            files[path] = path.read_bytes()
    count = len(files)
    alone: dict[Path, bytes] = {}

    def each_alone() -> None:
        for path, data in files.items():
            alone.update(number_all({path: data}).files)

    together: dict[Path, bytes] = {}

    def all_together() -> None:
        together.update(number_all(files).files)

    each = median_time(each_alone, repeat) / count
    batched = median_time(all_together, repeat) / count
    same = alone == together and len(together) == count
    print()
    print(f"{count} Word files of the example batch, per document:")
    print(f"{'DOCX build':>12} {'pass alone':>11} {'pass in batch':>14} {'same bytes':>11}")
    print(f"{seconds / count:11.3f}s {each:10.3f}s {batched:13.3f}s {'yes' if same else 'NO':>11}")
    print("target: the pass costs at most the build itself")


if __name__ == "__main__":
    main()
