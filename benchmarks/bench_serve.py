"""Live preview speed: a save to the updated page in an open browser, and a PDF link's answer.

Run from the repository root after ``./run setup``::

    .venv/bin/python benchmarks/bench_serve.py [--saves 15] [--screenshots docs]

It copies the example project to a temporary folder, starts ``reportgen serve`` on it and
opens the briefing's preview in Chromium (through Playwright). Then, ``--saves`` times,
it changes one line of the visit profile on disk and times the save until the new text
is in the open page (target: median under 1 s). Then it times the briefing's PDF link:
its first answer, which builds the PDF in the server's warm process (target: the time of
one warm build, measured beside it in this process), a second answer, from the cache,
and one after a save, built again. ``--screenshots DIR`` also saves the README's
pictures: the index, and a preview with an error in it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parent.parent
VISIT = Path("profiles/visits/dalian-to-kitakyushu-2027-05.yaml")
BRIEFING = "dalian-to-kitakyushu-2027-05.briefing.en"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_FOR_TEXT = """(text) => new Promise((done) => {
    const look = () => {
        const doc = document.getElementById("document").contentDocument;
        if (doc && doc.body && doc.body.innerText.includes(text)) done(true);
        else requestAnimationFrame(look);
    };
    look();
})"""


def start_server(folder: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "reportgen", "serve", "--port", "0"],
        cwd=folder,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        found = re.search(r"at (http://\S+/) ", line)
        if found:
            # the server goes on printing a line per build: keep its pipe drained
            subprocess_drain(process)
            return process, found.group(1)
    raise SystemExit(f"reportgen serve did not start (exit {process.wait()})")


def subprocess_drain(process: subprocess.Popen[str]) -> None:
    import threading

    def drain() -> None:
        assert process.stderr is not None
        for _ in process.stderr:
            pass

    threading.Thread(target=drain, daemon=True).start()


def fetch_seconds(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as answer:
        size = len(answer.read())
    return time.perf_counter() - started, size


def warm_pdf_build(folder: Path) -> float:
    """The median of three builds of the briefing's PDF in this process, after a first
    one (warm)."""
    from reportgen.context import BuildContext
    from reportgen.pipeline import build_target
    from reportgen.project import Project
    from reportgen.targets import Output, Target

    context = BuildContext.resolve(manifest=folder / "reportgen.yaml")
    output = Output("pdf", folder / "unused.pdf")
    target = Target(folder / VISIT, "briefing", "en", "internal", (output,))
    times = []
    for _ in range(4):
        started = time.perf_counter()
        build_target(context, target, Project(context.workspace.profiles))
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


def screenshots(page: Page, url: str, visit: Path, original: str, folder: Path) -> None:
    """The index and the briefing's preview while the visit has two mistakes in it."""
    folder.mkdir(parents=True, exist_ok=True)
    broken = original.replace("timezone: Asia/Tokyo", "timezone: Asia/Tokio")
    broken = broken.replace("end: 2027-05-15", "end: 2027-05-32")
    visit.write_text(broken, "utf-8")
    page.wait_for_selector("#errors:not([hidden])")
    page.set_viewport_size({"width": 1280, "height": 400})
    page.screenshot(path=str(folder / "serve-error.png"))
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(url)
    page.wait_for_selector("text=Profiles that do not validate")
    page.screenshot(path=str(folder / "serve-index.png"), full_page=True)
    visit.write_text(original, "utf-8")


def row(label: str, figure: str, note: str = "") -> None:
    print(f"{label:<46}{figure:>14}   {note}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--saves", type=int, default=15)
    parser.add_argument("--screenshots", type=Path, help="save the README's screenshots here")
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    folder = Path(tempfile.mkdtemp(prefix="reportgen-bench-serve-"))
    shutil.copytree(ROOT / "profiles", folder / "profiles")
    shutil.copy2(ROOT / "reportgen.yaml", folder / "reportgen.yaml")
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1798761600")
    process, url = start_server(folder)
    visit = folder / VISIT
    original = visit.read_text("utf-8")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(url + BRIEFING)
            page.wait_for_selector("body[data-version]", state="attached")
            page.evaluate(WAIT_FOR_TEXT, "Agree the work plan")
            saves = []
            for number in range(1, options.saves + 1):
                text = f"Agree the work plan (draft {number})"
                started = time.perf_counter()
                visit.write_text(original.replace("Agree the work plan", text), "utf-8")
                page.evaluate(WAIT_FOR_TEXT, text)
                saves.append(time.perf_counter() - started)
            reloaded = page.evaluate("performance.getEntriesByType('navigation').length")
            first, size = fetch_seconds(url + BRIEFING + ".pdf")
            again, _ = fetch_seconds(url + BRIEFING + ".pdf")
            text = "Agree the work plan (after the PDF)"
            visit.write_text(original.replace("Agree the work plan", text), "utf-8")
            page.evaluate(WAIT_FOR_TEXT, text)
            changed, _ = fetch_seconds(url + BRIEFING + ".pdf")
            if options.screenshots is not None:
                screenshots(page, url, visit, original, options.screenshots)
            browser.close()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    warm = warm_pdf_build(folder)
    shutil.rmtree(folder, ignore_errors=True)

    load = os.getloadavg()[0]
    print(f"reportgen serve, example briefing; load average {load:.2f} on {os.cpu_count()} CPUs")
    row(
        f"save -> updated preview, median of {len(saves)}",
        f"{statistics.median(saves):.3f} s",
        f"min {min(saves):.3f}, max {max(saves):.3f}; target < 1 s",
    )
    row("page loads while saving", str(reloaded), "1: the page was never reloaded")
    row("PDF link, first answer (built)", f"{first:.3f} s", f"{size / 1024:.0f} KiB")
    row("PDF link, second answer (cached)", f"{again:.3f} s")
    row("PDF link after a save (built again)", f"{changed:.3f} s")
    row("one warm PDF build in process (reference)", f"{warm:.3f} s", "median of 3")


if __name__ == "__main__":
    main()
