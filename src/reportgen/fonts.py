"""Which characters the installed fonts can draw, asked of fontconfig once per process.

Text that no font covers would print as empty boxes; it is reported with its file,
line, column and field before anything is rendered.
"""

from __future__ import annotations

import bisect
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from reportgen.errors import Issue, Loc
from reportgen.scripts import SCRIPTS
from reportgen.yamlio import Document, describe_char

_IGNORED = frozenset("\n\r\t\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad")


@dataclass(frozen=True)
class Coverage:
    """Sorted, merged ranges of code points that at least one installed font draws."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __contains__(self, char: object) -> bool:
        if not isinstance(char, str) or len(char) != 1:
            return False
        code = ord(char)
        index = bisect.bisect_right(self.starts, code) - 1
        return index >= 0 and code <= self.ends[index]


def _parse_ranges(text: str) -> Iterator[tuple[int, int]]:
    for token in text.split():
        low, _, high = token.partition("-")
        try:
            yield int(low, 16), int(high or low, 16)
        except ValueError:
            continue


@cache
def coverage(family: str | None = None) -> Coverage:
    """What the installed fonts (or those of one family) cover; empty without fontconfig."""
    if shutil.which("fc-list") is None:
        return Coverage((), ())
    pattern = [family] if family else []
    try:
        listing = subprocess.run(
            ["fc-list", "--format", "%{charset}\n", *pattern],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return Coverage((), ())
    ranges = sorted(r for line in listing.splitlines() for r in _parse_ranges(line))
    starts: list[int] = []
    ends: list[int] = []
    for low, high in ranges:
        if ends and low <= ends[-1] + 1:
            ends[-1] = max(ends[-1], high)
        else:
            starts.append(low)
            ends.append(high)
    return Coverage(tuple(starts), tuple(ends))


def _strings(node: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(node, str):
        yield loc, node
    elif isinstance(node, dict):
        for key, value in node.items():
            if not loc and key == "extra":
                continue
            yield from _strings(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*loc, index))


def uncovered(doc: Document) -> list[Issue]:
    """One error per field holding a character that no installed font can draw."""
    cover = coverage()
    if not cover.starts:
        return []
    issues = []
    for loc, text in _strings(doc.data, ()):
        if text.isascii():
            continue
        missing = sorted({ch for ch in text if ch not in _IGNORED and ch not in cover})
        if missing:
            shown = ", ".join(f"'{ch}' {describe_char(ch)}" for ch in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            issues.append(doc.issue(loc, f"no installed font has the character {shown}{more}"))
    return issues


def script_report() -> list[tuple[str, str, bool, bool]]:
    """For each script: its family, whether that family is installed, whether text draws."""
    rows = []
    everything = coverage()
    for script in SCRIPTS:
        own = coverage(script.family)
        rows.append(
            (
                script.name,
                script.family,
                all(ch in own for ch in script.sample),
                all(ch in everything for ch in script.sample),
            )
        )
    return rows
