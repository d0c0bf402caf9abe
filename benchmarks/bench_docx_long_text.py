"""Time of Word builds of one very long text, warm (in one process).

Run from the repository root after ``./run setup``::

    .venv/bin/python benchmarks/bench_docx_long_text.py [--repeat 3] [--chars 900000]

A city profile whose overview is one text of ``--chars`` characters is built as a Word
file (fonts embedded, no LibreOffice pass), for three texts: a single word (``xxx…``,
as the hostile case ``limits-long-word`` has), Latin words, and words of every script
of the table mixed (Latin, Japanese, Chinese, Korean, Thai, Khmer). It prints the median
time of a whole build for each; the Word writer reads each letter's script for the
languages of its runs and for the fonts it embeds, which was a Python loop over every
letter (target: a build of 900,000 letters well under a second).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import sys
import tempfile
from pathlib import Path

from bench_docx import median_time

TEXTS = {
    "one word": "x",
    "Latin words": "lorem ipsum ",
    "mixed scripts": "lorem 北九州市 ひらがな 大连市 한국어 ภาษาไทย ភ្នំពេញ ",
}
"""What the overview repeats, by name."""
PROFILE = "kind: city\nid: word\nname: Word\ncountry: JP\nsummary: A city.\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chars", type=int, default=900_000)
    arguments = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1798761600")
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="reportgen-bench-cache-")

    import reportgen

    work = Path(tempfile.mkdtemp(prefix="reportgen-bench-"))
    (work / "reportgen.yaml").write_text("profiles: profiles\n", encoding="utf-8")
    (work / "profiles" / "cities").mkdir(parents=True)
    options = reportgen.Options(formats=("docx",), page_numbers=False)
    print(f"{'overview of ' + format(arguments.chars, ',') + ' characters':36} {'build':>8}")
    for name, unit in TEXTS.items():
        text = (unit * (arguments.chars // len(unit) + 1))[: arguments.chars].strip()
        source = work / "profiles" / "cities" / "word.yaml"
        source.write_text(f'{PROFILE}overview: "{text}"\n', encoding="utf-8")
        build = functools.partial(
            reportgen.build,
            source,
            options=options,
            output=work / "word.docx",
            today=dt.date(2027, 1, 1),
        )
        build()  # warm: imports, fonts, reference document
        print(f"{name:36} {median_time(build, arguments.repeat):7.3f}s")
    if sys.flags.dev_mode:
        print("(Python dev mode is on: timings are slower)")


if __name__ == "__main__":
    main()
