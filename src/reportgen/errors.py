"""Problems found in input (Issue), the collection of them (Report), and the exception tree.

Every exception knows its exit code; the command line is the one place that turns
them into messages (see ``cli.py``).
"""

from __future__ import annotations

import enum
import errno
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

Loc = tuple[str | int, ...]
"""A field path inside one file: keys and list indices, outermost first."""


class ExitStatus(enum.IntEnum):
    """Exit codes of the ``reportgen`` command (see the contract, section 4)."""

    OK = 0
    FAILURE = 1
    USAGE = 2


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


def format_loc(loc: Loc) -> str:
    """``("population", 0, "value")`` -> ``population[0].value``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_INVISIBLE = re.compile(
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
"""Characters that would break a problem line or act on a terminal: line breaks, escapes,
bidirectional controls and lone surrogates (keys and names from a file can carry them)."""


def visible(text: str) -> str:
    """``text`` with every character of ``_INVISIBLE`` written as an escape (``\\x1b``)."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _INVISIBLE.sub(escape, text)


@dataclass(frozen=True)
class Issue:
    """One problem in one file, located as precisely as the input allows."""

    file: str
    line: int | None
    col: int | None
    path: str
    message: str
    severity: Severity = field(default=Severity.ERROR, compare=False)

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        """File, then position (problems without one first), then path and message."""
        return (self.file, self.line or 0, self.col or 0, self.path, self.message)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.col or 1}"
        parts = [where]
        if self.path:
            parts.append(self.path)
        if self.severity is Severity.WARNING:
            parts.append("warning")
        parts.append(self.message)
        return visible(": ".join(parts))


@dataclass
class Report:
    """Errors and warnings collected over a whole run; nothing stops at the first."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        if issue not in self.issues:
            self.issues.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        for issue in issues:
            self.add(issue)

    @property
    def errors(self) -> list[Issue]:
        found = [i for i in self.issues if i.severity is Severity.ERROR]
        return sorted(found, key=lambda issue: issue.sort_key)

    @property
    def warnings(self) -> list[Issue]:
        found = [i for i in self.issues if i.severity is Severity.WARNING]
        return sorted(found, key=lambda issue: issue.sort_key)

    def failed(self, *, strict: bool = False) -> bool:
        """True when there are errors, or any warning at all under ``strict``."""
        return bool(self.errors or (strict and self.warnings))

    def __iter__(self) -> Iterator[Issue]:
        return iter([*self.errors, *self.warnings])


def display_path(path: Path) -> str:
    """A path as the user should read it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def display_link(path: Path) -> str:
    """A path as written, relative to the current folder when inside it: a symbolic link
    is shown as itself, not as where it leads."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class ReportgenError(Exception):
    """Base of every error that reportgen reports to its user without a traceback."""

    exit_status: ExitStatus = ExitStatus.FAILURE


class InvalidInput(ReportgenError):
    """Input files have errors; ``report`` holds every one of them."""

    def __init__(self, report: Report) -> None:
        self.report = report
        count, warned = len(report.errors), len(report.warnings)
        if count == 0 and warned:
            # only --strict fails on warnings alone
            super().__init__(
                "the build failed because --strict counts warnings as errors: "
                f"{warned} warning{'s' if warned != 1 else ''}"
            )
        else:
            super().__init__(f"{count} error{'s' if count != 1 else ''} in the input")


class UsageError(ReportgenError):
    """The command was called wrongly (a bad option value, a missing file)."""

    exit_status = ExitStatus.USAGE


class OutputError(ReportgenError):
    """An output file could not be written."""


_OS_HINTS = {
    errno.EROFS: "the disk is mounted read-only: choose an output folder on a writable disk",
    errno.EACCES: "make the folder writable for this user, or choose another output folder",
    errno.EPERM: "make the folder writable for this user, or choose another output folder",
    errno.ENOSPC: "the disk is full: free some space and run again",
    errno.EDQUOT: "the disk quota is used up: free some space and run again",
}


def os_reason(exc: OSError) -> str:
    """Why a file could not be written, and what to do, for a message: ``Read-only file
    system (the disk is mounted read-only: ...)``."""
    reason = exc.strerror or str(exc)
    hint = _OS_HINTS.get(exc.errno or 0)
    return f"{reason} ({hint})" if hint else reason
