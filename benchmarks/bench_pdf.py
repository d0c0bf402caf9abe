"""Time and memory of PDF builds, and how much of it is WeasyPrint's own layout.

Run from the repository root after ``./run setup``::

    .venv/bin/python benchmarks/bench_pdf.py [--repeat 3]

It prints, for the example briefing pack:
- the warm in-process build (profiles -> document -> HTML -> PDF) against WeasyPrint
  alone on the HTML we produce (target: at most 1.15x);
- the layout cost per page of our briefing against the reference briefing in
  ``../shared/bench/``, both through the ``weasyprint`` command with interpreter start
  and import subtracted (target: at most 0.8x);
- peak memory of a one-document ``reportgen build`` process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRIEFING = ROOT / "profiles" / "visits" / "dalian-to-kitakyushu-2027-05.yaml"
REFERENCE = ROOT.parent / "shared" / "bench" / "reference-briefing.html"
BIN = Path(sys.executable).parent


def median_time(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def command_time(args: list[str], repeat: int) -> float:
    return median_time(lambda: subprocess.run(args, check=True, capture_output=True), repeat)


def pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def peak_memory_mb(args: list[str]) -> float:
    """Peak resident memory of a child process, in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(args, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(after, before) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    os.chdir(ROOT)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1798761600")

    import weasyprint

    import reportgen

    work = Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
    html_path = work / "briefing.html"
    pdf_path = work / "briefing.pdf"
    day = dt.date(2027, 1, 1)
    html_only = reportgen.Options(formats=("html",))
    reportgen.build(BRIEFING, options=html_only, output=html_path, today=day)

    def build() -> None:
        reportgen.build(BRIEFING, output=pdf_path, today=day)

    build()  # warm: imports, fonts, parsed stylesheet
    ours = median_time(build, repeat)
    html = html_path.read_text("utf-8")
    font_config = weasyprint.text.fonts.FontConfiguration()
    alone = median_time(
        lambda: weasyprint.HTML(string=html).write_pdf(font_config=font_config), repeat
    )
    count = pages(pdf_path)
    print(f"briefing pack: {count} pages, {pdf_path.stat().st_size / 1024:.0f} KiB")
    print(f"  reportgen build, warm          {ours:6.2f} s")
    print(f"  WeasyPrint alone on our HTML   {alone:6.2f} s")
    print(f"  overhead ratio                 {ours / alone:6.2f}x   (target <= 1.15x)")

    weasy = str(BIN / "weasyprint")
    start_up = command_time([weasy, "--info"], repeat)
    ours_cmd = command_time([weasy, str(html_path), str(work / "ours.pdf")], repeat)
    if REFERENCE.is_file():
        ref_pdf = work / "reference.pdf"
        ref_cmd = command_time([weasy, str(REFERENCE), str(ref_pdf)], repeat)
        ours_page = (ours_cmd - start_up) / count
        ref_page = (ref_cmd - start_up) / pages(ref_pdf)
        print("layout per page, weasyprint command, start-up subtracted:")
        print(f"  interpreter start and import   {start_up:6.2f} s")
        print(f"  our briefing                   {ours_page:6.3f} s/page")
        print(f"  reference briefing             {ref_page:6.3f} s/page ({pages(ref_pdf)} pages)")
        print(f"  ratio                          {ours_page / ref_page:6.2f}x   (target <= 0.8x)")
    else:
        print(f"reference briefing not found at {REFERENCE}; skipped the per-page comparison")

    cold = command_time(
        [str(BIN / "reportgen"), "build", str(BRIEFING), "-o", str(work / "cold.pdf")], repeat
    )
    memory = peak_memory_mb(
        [str(BIN / "reportgen"), "build", str(BRIEFING), "-o", str(work / "mem.pdf")]
    )
    print(f"one `reportgen build` process    {cold:6.2f} s, peak memory {memory:.0f} MB")


if __name__ == "__main__":
    main()
