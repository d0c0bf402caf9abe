"""What keeping names and addresses whole costs the layout of a hyphenated document.

Run from the repository root after ``./run setup``::

    .venv/bin/python benchmarks/bench_hyphenation.py [--runs 6] [--lang es]

The example briefing is rendered to HTML in a language that is hyphenated (Spanish by
default; its texts fall back to English, so it has more capitalised words than a
Spanish text would) and laid out by WeasyPrint, alternately as reportgen writes it
and with the spans that keep names whole taken out, so that a busy machine slows
both alike. Medians of CPU time, the number of name spans, and their ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRIEFING = ROOT / "profiles" / "visits" / "dalian-to-kitakyushu-2027-05.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--lang", default="es")
    args = parser.parse_args()

    import weasyprint

    import reportgen
    from reportgen.checks import Staleness
    from reportgen.documents import Profiles, build_document
    from reportgen.project import Project
    from reportgen.registry import default_document
    from reportgen.renderers.html import render_html

    profile = reportgen.load(BRIEFING)
    written = build_document(
        default_document(profile.kind),
        profile,
        Profiles(Project(ROOT / "profiles"), "internal"),
        lang=args.lang,
        created=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        staleness=Staleness(dt.date(2027, 1, 1), 24),
    )
    marked = render_html(written.document)
    pages = {
        "names kept": marked,
        "without": re.sub(r'<span class="name">(.*?)</span>', r"\1", marked),
    }
    fonts = weasyprint.text.fonts.FontConfiguration()
    seconds: dict[str, list[float]] = {name: [] for name in pages}
    for page in pages.values():  # warm: fonts, hyphenation dictionaries
        weasyprint.HTML(string=page).write_pdf(font_config=fonts)
    for _ in range(args.runs):
        for name, page in pages.items():
            start = time.process_time()
            weasyprint.HTML(string=page).write_pdf(font_config=fonts)
            seconds[name].append(time.process_time() - start)
    spans = marked.count('class="name"')
    print(f"{args.lang} briefing: {spans} name spans")
    for name, values in seconds.items():
        print(f"  {name:11} {statistics.median(values):6.3f} s CPU (median of {args.runs})")
    kept, without = (statistics.median(values) for values in seconds.values())
    print(f"  ratio       {kept / without:6.2f}x")


if __name__ == "__main__":
    main()
