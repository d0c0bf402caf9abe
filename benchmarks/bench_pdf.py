"""One-shot PDF builds against bare WeasyPrint, and layout cost per page.

Run from the repository root after ``./run setup``::

    .venv/bin/python benchmarks/bench_pdf.py [--runs 5] [--reference FILE] [PROFILE]

Every figure comes from separate processes, as a user runs them:

- ``reportgen build PROFILE --format pdf`` against ``weasyprint X.html X.pdf`` on the
  HTML that ``reportgen build PROFILE --format html`` gives for the same document, run
  alternately (A B A B ...) so that a busy machine slows both alike; medians of wall
  time and CPU time, and their ratio (target: at most 1.15x);
- the layout cost per page of that HTML against the reference briefing (by default
  ``../shared/bench/reference-briefing.html`` beside the repository), both through the
  ``weasyprint`` command with its start-up (``weasyprint --info``) subtracted (target: at
  most 0.8x); skipped with a message when there is no reference;
- the peak resident memory of one ``reportgen build`` process.

One unmeasured run of each command comes first, so that caches (the page cache,
fontconfig's, reportgen's font coverage, Python's bytecode) are as they are on a
machine in use. Both commands run with bytecode caching on, in a folder of their own,
as installed packages have it: with ``PYTHONDONTWRITEBYTECODE`` set, an editable
install of reportgen would otherwise be compiled from source on every run, and
WeasyPrint, installed with its bytecode, not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRIEFING = ROOT / "profiles" / "visits" / "dalian-to-kitakyushu-2027-05.yaml"
REFERENCE = ROOT.parent / "shared" / "bench" / "reference-briefing.html"
BIN = Path(sys.executable).parent


@dataclass
class Runs:
    """Wall time, CPU time (user + system) and peak memory of each run of one command."""

    args: list[str]
    env: dict[str, str]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)

    def run(self) -> None:
        start = time.perf_counter()
        child = subprocess.Popen(
            self.args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env
        )
        assert child.stderr is not None
        errors = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        self.wall.append(time.perf_counter() - start)
        if child.returncode != 0:
            sys.exit(f"failed ({child.returncode}): {' '.join(self.args)}\n{errors.decode()}")
        self.cpu.append(usage.ru_utime + usage.ru_stime)
        self.peak_mb.append(usage.ru_maxrss / 1024)

    @property
    def median_wall(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)


def alternate(commands: list[Runs], runs: int) -> None:
    """One unmeasured run of each, then ``runs`` rounds of one run of each, in turn."""
    for command in commands:
        Runs(command.args, command.env).run()
    for _ in range(runs):
        for command in commands:
            command.run()


def pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            row[0].ljust(widths[0]),
            *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)),
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", nargs="?", type=Path, default=BRIEFING)
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each command")
    parser.add_argument(
        "--reference",
        type=Path,
        default=REFERENCE,
        help="HTML to compare the layout cost per page with",
    )
    options = parser.parse_args()
    profile: Path = options.profile.resolve()
    reference: Path = options.reference.resolve()
    runs: int = max(1, options.runs)
    os.chdir(ROOT)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1798761600")

    with tempfile.TemporaryDirectory(prefix="reportgen-bench-") as work:
        measure(profile, Path(work), runs, reference)


def measure(profile: Path, work: Path, runs: int, reference: Path) -> None:
    """Print the tables; every file made goes into ``work``."""
    reportgen, weasyprint = str(BIN / "reportgen"), str(BIN / "weasyprint")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "bytecode")
    html = work / f"{profile.stem}.html"
    subprocess.run(
        [reportgen, "build", str(profile), "--format", "html", "-o", str(html)],
        check=True,
        capture_output=True,
    )
    ours = Runs(
        [reportgen, "build", str(profile), "--format", "pdf", "-o", str(work / "a.pdf")], env
    )
    bare = Runs([weasyprint, str(html), str(work / "b.pdf")], env)
    start_up = Runs([weasyprint, "--info"], env)
    alternate([ours, bare, start_up], runs)

    count = pages(work / "a.pdf")
    size = (work / "a.pdf").stat().st_size / 1024
    print(f"{profile.name}: {count} pages, {size:.0f} KiB; medians of {runs} alternating runs")
    print()
    print(
        table(
            [
                ("command", "wall s", "CPU s", "peak MB"),
                *(
                    (label, f"{r.median_wall:.2f}", f"{r.median_cpu:.2f}", f"{max(r.peak_mb):.0f}")
                    for label, r in (
                        ("reportgen build --format pdf", ours),
                        ("weasyprint on the same HTML", bare),
                        ("weasyprint --info (start-up)", start_up),
                    )
                ),
                (
                    "ratio (target <= 1.15x)",
                    f"{ours.median_wall / bare.median_wall:.2f}x",
                    f"{ours.median_cpu / bare.median_cpu:.2f}x",
                    "",
                ),
            ]
        )
    )
    print()

    if not reference.is_file():
        print(f"no reference briefing at {reference}: skipped the layout cost per page")
        return
    ref = Runs([weasyprint, str(reference), str(work / "reference.pdf")], env)
    alternate([ref, start_up], runs)
    ref_count = pages(work / "reference.pdf")
    ours_page = (bare.median_wall - start_up.median_wall) / count
    ref_page = (ref.median_wall - start_up.median_wall) / ref_count
    print("layout per page, weasyprint command, start-up subtracted")
    print()
    print(
        table(
            [
                ("document", "pages", "s/page"),
                (html.name, str(count), f"{ours_page:.3f}"),
                (reference.name, str(ref_count), f"{ref_page:.3f}"),
                ("ratio (target <= 0.8x)", "", f"{ours_page / ref_page:.2f}x"),
            ]
        )
    )


if __name__ == "__main__":
    main()
