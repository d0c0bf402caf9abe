"""The batch manifest (``reportgen.yaml``): where profiles live, jobs and schedules."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from reportgen.audience import Audience
from reportgen.models.types import (
    DocumentLang,
    Id,
    Model,
    PartialDate,
    Text,
    TimeZoneName,
    one_of,
)
from reportgen.registry import DOCUMENTS, RENDERERS

if TYPE_CHECKING:
    DocumentName = str
    FormatName = str
else:
    DocumentName = one_of(DOCUMENTS, "document")
    FormatName = one_of(RENDERERS, "format")

MANIFEST_NAME = "reportgen.yaml"
"""The manifest's file name: a project is the folder that holds one."""


_CRON_FIELDS = (
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day of month", "1-31"),
    ("month", "1-12"),
    ("day of week", "0-7"),
)


def _cron_problem(fields: list[str]) -> str | None:
    """Which field croniter refuses, named for the user; None when it accepts them all."""
    from croniter import CroniterError, croniter

    try:
        croniter(" ".join(fields))
    except (CroniterError, ValueError, KeyError):
        for index, (label, allowed) in enumerate(_CRON_FIELDS):
            alone = ["*"] * 5
            alone[index] = fields[index]
            try:
                croniter(" ".join(alone))
            except (CroniterError, ValueError, KeyError):
                return f"'{fields[index]}' is not a valid {label} field (allowed {allowed})"
        return "the fields do not combine into a valid schedule"
    return None


def _check_cron(value: str) -> str:
    fields = value.split()
    if len(fields) != 5:
        raise PydanticCustomError(
            "cron",
            "'{value}' is not a five-field cron expression (minute hour day month weekday)",
            {"value": value},
        )
    problem = _cron_problem(fields)
    if problem:
        raise PydanticCustomError("cron", "{problem}", {"problem": problem})
    return value


Cron = Annotated[str, AfterValidator(_check_cron), WithJsonSchema({"type": "string"})]
"""A standard five-field cron expression: ``0 2 * * *``."""


def _check_glob(value: str) -> str:
    if value.startswith("/") or ".." in value.split("/") or "://" in value:
        raise PydanticCustomError(
            "glob", "'{value}' must be a path or glob relative to the manifest", {"value": value}
        )
    return value


Glob = Annotated[str, Field(min_length=1), AfterValidator(_check_glob)]


SCHEDULER_PATTERN = r"local|(tcp|tls)://[^\s/]+"
"""``local``, or a Dask scheduler's address: ``tcp://HOST:PORT``, ``tls://HOST:PORT``."""
SCHEDULER_HINT = "write tcp://HOST:PORT, tls://HOST:PORT, or local"


def _check_scheduler(value: str) -> str:
    if not re.fullmatch(SCHEDULER_PATTERN, value):
        raise PydanticCustomError(
            "scheduler",
            "'{value}' is not a Dask scheduler: " + SCHEDULER_HINT,
            {"value": value[:80]},
        )
    return value


Scheduler = Annotated[str, AfterValidator(_check_scheduler)]
"""A Dask scheduler's address (``tcp://HOST:PORT``), or ``local``."""


class Defaults(Model):
    """Settings that jobs inherit unless they set their own."""

    formats: list[FormatName] = Field(default=["pdf"], min_length=1)
    """Formats to build: pdf, docx, html."""
    languages: list[DocumentLang] = Field(default=["en"], min_length=1)
    """Languages to build, as BCP 47 tags."""
    audience: Audience = "internal"
    """internal or public."""


class Job(Model):
    """A document built from every source file that the globs match."""

    name: Id
    """Name of the job, for `--only` and schedules."""
    document: DocumentName
    """city-profile, briefing or proposal."""
    sources: list[Glob] = Field(min_length=1)
    """Files or globs relative to the manifest; each match is one build."""
    formats: list[FormatName] | None = Field(default=None, min_length=1)
    """Formats, if not the defaults."""
    languages: list[DocumentLang] | None = Field(default=None, min_length=1)
    """Languages, if not the defaults."""
    audience: Audience | None = None
    """Audience, if not the default."""
    as_of: PartialDate | None = None
    """Build the documents as they would have been written on this day (2024-05-31; a
    month or a year means its last day), with only what was known by then; their files
    are named `<id>.<document>.<lang>.as-of-<day>.<ext>`."""


class Schedule(Model):
    """Jobs to run when a cron expression says so."""

    name: Id
    """Name of the schedule."""
    cron: Cron
    """Five-field cron expression, in the manifest's time zone."""
    jobs: list[Id] = Field(min_length=1)
    """Names of the jobs to run."""


def _check_mode(value: Any) -> int:
    """``0640`` (YAML reads it as the number 640), ``"0640"`` or ``"640"``: octal digits."""
    text = (
        str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    )
    digits = text.removeprefix("0o").lstrip("0").rjust(3, "0")
    if not text or len(digits) > 3 or any(c not in "01234567" for c in digits):
        raise PydanticCustomError(
            "file_mode",
            "'{value}' is not a file mode: write three octal digits such as 0640",
            {"value": value},
        )
    mode = int(digits, 8)
    if mode & 0o600 != 0o600 or mode & 0o111:
        raise PydanticCustomError(
            "file_mode",
            "'{value}' would make documents unreadable to their owner or executable:"
            " use 0600, 0640 or 0644",
            {"value": value},
        )
    return mode


FileMode = Annotated[
    int, BeforeValidator(_check_mode), WithJsonSchema({"type": ["string", "integer"]})
]
"""Permission bits of the documents written, in octal: ``0640``."""


def _check_webhook(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in value)
    ):
        raise PydanticCustomError(
            "webhook",
            "'{value}' is not a web address reportgen can post to: it must start with"
            " https:// (or http://) and name a host",
            {"value": redacted_url(value)},
        )
    return value


def redacted_url(value: str) -> str:
    """A webhook address as logs show it: its scheme and host only, since the rest (a path
    token, a password, a query key) is often the secret."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an invalid address)"
    tail = "/..." if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{port}{tail}"


WebhookUrl = Annotated[str, AfterValidator(_check_webhook), WithJsonSchema({"type": "string"})]


class Notify(Model):
    """Who is told about scheduled runs, and when."""

    webhook: WebhookUrl | None = None
    """An http(s) address that gets an HTTP POST of a JSON summary of the run."""
    command: list[Annotated[str, Field(min_length=1)]] | None = Field(default=None, min_length=1)
    """A program and its arguments (no shell), run with the JSON summary on its standard
    input: `[logger, -t, reportgen]`, `[mail, -s, reportgen, office@example.org]`."""
    on: list[Literal["failure", "recovery", "always"]] = Field(
        default=["failure", "recovery"], min_length=1
    )
    """When: `failure` (a run fails, or its failures change), `recovery` (the first run
    that succeeds after failures), `always` (every scheduled run)."""


class Manifest(Model):
    """``reportgen.yaml``: what a batch builds and when."""

    home: Id | None = None
    """City id of the office's own city: the "we" of the documents. A visit whose host is
    `home` is inbound, one whose guest is `home` outbound."""
    office: Text | None = None
    """The office that issues the documents (International Policy Division): printed with
    the name of the `home` city as the issuing office, on every cover and page foot."""
    profiles: str = Field(default="profiles", min_length=1)
    """Folder where ids are looked up (recursively), relative to the manifest. It must lie
    inside the project folder (the manifest's folder) unless `allow_outside` names it."""
    output: str = Field(default="output", min_length=1)
    """Folder the documents are written to, relative to the manifest: inside the project
    folder unless `allow_outside` names it; never the manifest, the project folder itself,
    the profiles folder or the templates."""
    allow_outside: list[Literal["profiles", "output", "templates", "locales"]] = []
    """The folders that may lie outside the project folder (an absolute path, `..`, or a
    symbolic link leading elsewhere): `[output]` to write to a shared drive. Without it
    reportgen reads and writes only inside the project, so that a manifest cannot make it
    read or overwrite files elsewhere."""
    timezone: TimeZoneName | None = None
    """Time zone of the schedules, and of "today", the day documents are judged on
    (default: the machine's)."""
    defaults: Defaults = Defaults()
    """Formats, languages and audience that jobs inherit."""
    jobs: list[Job] = []
    """What to build."""
    schedules: list[Schedule] = []
    """When to build it."""
    notify: Notify | None = None
    """Webhook and command told about scheduled runs that fail and recover."""
    file_mode: FileMode | None = None
    """Permission bits of the documents written, and of the build state, history and lock
    files, as octal digits (`0640`: the owner and its group); the folders reportgen makes
    get the same, openable where readable (`0750`). By default they follow the umask."""
    scheduler: Scheduler | None = None
    """Where batches build: a Dask scheduler (tcp://HOST:PORT, or tls://HOST:PORT with the
    Dask configuration's certificates), or local for a Dask cluster on this machine;
    default: worker processes of this machine."""
