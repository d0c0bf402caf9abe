"""What the tests share: the fixed day, the example project, documents built once per run,
batch and schedule projects, a running ``reportgen serve`` and readers of built files.

Test modules import from here only (never from one another); the fixtures that use these
live in ``conftest.py``.
"""

from __future__ import annotations

import datetime as dt
import html.parser
import importlib.util
import io
import json
import logging
import os
import queue
import re
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

import pytest
from filelock import FileLock
from pypdf import PdfReader
from pypdf.generic import Destination

from reportgen import schedule as schedules
from reportgen.batching import BatchResult
from reportgen.cli import main
from reportgen.history import History
from reportgen.output import TEMP_PREFIX
from reportgen.workspace import Clock, Options
from reportgen.workspace import Workspace as ProjectWorkspace

if TYPE_CHECKING:
    import httpx
    from docx.document import Document as WordDocument

# --- the day, the repository and small profiles --------------------------------------------


ROOT = Path(__file__).resolve().parent.parent
"""The repository: the example project (``profiles/`` and ``reportgen.yaml``) lives here."""

TODAY = dt.date(2027, 1, 15)
"""The day every test runs on, so that no test depends on the real date."""
TODAY_EPOCH = str(int(dt.datetime(2027, 1, 15, 8, tzinfo=dt.UTC).timestamp()))
"""``TODAY`` as ``SOURCE_DATE_EPOCH`` (the command line reads "today" from it)."""

CITY_A = """\
kind: city
id: aville
name: Aville
country: JP
summary: A city.
"""
CITY_B = """\
kind: city
id: bville
name: Bville
country: CN
summary: Another city.
"""


@dataclass(frozen=True)
class Result:
    """What one run of ``reportgen`` did."""

    code: int
    stdout: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        """The lines on standard error (problems, then the summary)."""
        return self.stderr.splitlines()


RunCli = Callable[..., Result]
WriteFile = Callable[[str, str], Path]


def example_files() -> list[Path]:
    """Every example profile in the repository, relative to the repository."""
    return sorted(p.relative_to(ROOT) for p in (ROOT / "profiles").rglob("*.yaml"))


def plain(value: Any) -> Any:
    """Loaded YAML as JSON-able data: exact decimals become int or float."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


# --- documents built once, read by many tests ----------------------------------------------


EPOCH = 1798761600
"""2027-01-01 00:00 UTC: "today" and the PDF dates of every build here."""

VISIT = "profiles/visits/dalian-to-kitakyushu-2027-05.yaml"
PROPOSAL = "profiles/proposals/kitakyushu-dalian-air-2027.yaml"
KITAKYUSHU = "profiles/cities/kitakyushu.yaml"
DALIAN = "profiles/cities/dalian.yaml"


MINIMAL_CITY = """\
kind: city
id: minimal
name: Minimal Town
country: JP
summary: A small town with nothing else on file.
"""

TRICKY_CITY = """\
kind: city
id: tricky
name: {en: Tricky Town, ja: 難所町}
local_lang: ja
country: JP
summary: >-
  Template {{ 7*7 }} and <script>alert(1)</script> and <b>bold</b> stay text.
  Links: [bad](javascript:alert(1)), [shouting](JavaScript:alert(2)),
  [file](ftp://example.org/file), [data](data:text/html;base64,PHNjcmlwdD4=)
  and a [good link](https://example.org/tricky).
population:
  - {value: 123457, as_of: 2020-04-01, source: census}
contacts:
  - {name: Ann Example, email: ann@example.org, phone: "+81-3-1234-5678", audience: public}
  - {name: Bob Hidden, email: bob@example.org, audience: internal}
sources:
  - {id: census, title: National census, url: "https://example.org/census"}
"""

SAMPLE_PROFILES = {
    "profiles/cities/minimal.yaml": MINIMAL_CITY,
    "profiles/cities/tricky.yaml": TRICKY_CITY,
}
"""Small cities written for these tests, in a project of their own."""


@dataclass(frozen=True)
class Run:
    """What one ``reportgen`` command did."""

    code: int
    stdout: str
    stderr: str
    weasyprint_log: tuple[str, ...]
    """Warnings that WeasyPrint logged while the command ran."""


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def inside(folder: Path, epoch: int = EPOCH) -> Iterator[None]:
    """``folder`` as the current folder, on the day of ``epoch``, without colours."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("SOURCE_DATE_EPOCH", str(epoch))
        patch.setenv("NO_COLOR", "1")
        for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CLICOLOR_FORCE"):
            patch.delenv(name, raising=False)
        yield


def run_cli(folder: Path, *args: str, epoch: int = EPOCH) -> Run:
    """``reportgen ARGS...`` run in this process inside ``folder``, on the day of ``epoch``."""
    out, err = io.StringIO(), io.StringIO()
    # reportgen stops WeasyPrint's log from propagating; a handler on its own logger still
    # sees every record
    collector = _Collector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        with inside(folder, epoch), redirect_stdout(out), redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            else:  # pragma: no cover - main always exits
                code = 0
    finally:
        logger.removeHandler(collector)
    return Run(code, out.getvalue(), err.getvalue(), tuple(collector.messages))


class Heading(NamedTuple):
    level: int
    title: str
    page: int
    """1-based."""


@dataclass
class Built:
    """One output file and the run that wrote it; PDFs are read back lazily, once."""

    path: Path
    run: Run

    @cached_property
    def reader(self) -> PdfReader:
        assert self.run.code == 0, self.run.stderr
        return PdfReader(self.path)

    @cached_property
    def pages(self) -> list[str]:
        """The text of each page, as pypdf extracts it."""
        return [page.extract_text() for page in self.reader.pages]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @cached_property
    def words(self) -> str:
        """The whole text with every run of white space made one space."""
        return squash(self.text)

    @cached_property
    def outline(self) -> list[Heading]:
        """The bookmarks in document order."""
        found: list[Heading] = []

        def walk(items: Sequence[object], level: int) -> None:
            for item in items:
                if isinstance(item, list):
                    walk(item, level + 1)
                elif isinstance(item, Destination):
                    page = self.reader.get_destination_page_number(item)
                    assert page is not None, f"bookmark {item.title!r} points nowhere"
                    found.append(Heading(level, str(item.title), page + 1))

        walk(self.reader.outline, 1)
        return found

    @cached_property
    def poppler_pages(self) -> list[str]:
        """The text of each page as ``pdftotext`` extracts it, text inside pictures included."""
        return poppler_text(self.path).split("\f")[: len(self.pages)]

    def lines(self, page: int) -> list[str]:
        """The stripped lines of page ``page`` (1-based)."""
        return [line.strip() for line in self.pages[page - 1].splitlines()]

    def section(self, title: str) -> str:
        """The words from heading ``title`` to the next heading of the same or a higher level."""
        index = next(i for i, h in enumerate(self.outline) if h.title == title)
        heading = self.outline[index]
        after = [h for h in self.outline[index + 1 :] if h.level <= heading.level][:1]
        last = after[0].page if after else len(self.pages)
        lines = [
            line.strip()
            for page in self.pages[heading.page - 1 : last]
            for line in page.splitlines()
        ]
        start = lines.index(title)
        end = lines.index(after[0].title, start + 1) if after else len(lines)
        return squash(" ".join(lines[start:end]))


class Workspace:
    """A project folder in which documents are built, each one once per test run.

    With several pytest-xdist workers the folder and its builds are shared: the first worker
    to ask for a document builds it, holding a file lock, and records how the command went;
    the others wait for the lock and read the same file and record.
    """

    def __init__(self, folder: Path, files: dict[str, str] | None = None) -> None:
        self.folder = folder
        self._runs = folder.parent / f"{folder.name}-runs"
        self._runs.mkdir(parents=True, exist_ok=True)
        with FileLock(self._runs / "project.lock"):
            if not (self._runs / "project.ready").exists():
                folder.mkdir(parents=True, exist_ok=True)
                if files is None:
                    shutil.copytree(ROOT / "profiles", folder / "profiles")
                    shutil.copy2(ROOT / "reportgen.yaml", folder / "reportgen.yaml")
                else:
                    for name, text in {"reportgen.yaml": "profiles: profiles\n", **files}.items():
                        write(folder / name, text)
                (self._runs / "project.ready").touch()
        self._built: dict[tuple[str, ...], Built] = {}

    def build(self, source: str, name: str, *options: str) -> Built:
        """``reportgen build SOURCE -o out/NAME OPTIONS...``, run the first time it is asked."""
        args = ("build", source, "-o", f"out/{name}", *options)
        if args not in self._built:
            record = self._runs / f"{name}.json"
            with FileLock(self._runs / f"{name}.lock"):
                if record.exists():
                    saved = json.loads(record.read_text(encoding="utf-8"))
                    assert saved.pop("args") == list(args), f"out/{name} was built otherwise"
                    run = Run(**{**saved, "weasyprint_log": tuple(saved["weasyprint_log"])})
                else:
                    run = run_cli(self.folder, *args)
                    saved = {"args": list(args), **asdict(run)}
                    record.write_text(json.dumps(saved), encoding="utf-8")
            self._built[args] = Built(self.folder / "out" / name, run)
        return self._built[args]


QUICK_WORD = ("--format", "docx", "--no-page-numbers", "--no-embed-fonts")
"""A Word build for tests that read its words, tables and pictures: no LibreOffice pass for
the contents' page numbers, no fonts carried in the file (each costs seconds)."""


def strict_edition(examples: Workspace, lang: str) -> Built:
    """The example briefing's ``lang`` edition (Japanese, Chinese) as a PDF built under
    ``--strict``, once per run: the one PDF of that edition the tests read.

    ``--stale-after 120``: the example's census of 2020-11-01 is genuinely stale and would
    fail ``--strict`` (issue 22); every other warning, a translation's included, fails it.
    So the facts carry no verify mark in this edition."""
    return examples.build(
        VISIT, f"briefing.{lang}.strict.pdf", "--lang", lang, "--strict", "--stale-after", "120"
    )


def without_lang(data: Any, lang: str) -> Any:
    """``data`` (a profile read as YAML) with the ``lang`` form of every text taken out
    (names keep theirs)."""
    if isinstance(data, dict):
        return {
            key: value if key == "name" else without_lang(value, lang)
            for key, value in data.items()
            if not (key == lang and len(data) > 1 and isinstance(value, str))
        }
    if isinstance(data, list):
        return [without_lang(item, lang) for item in data]
    return data


def untranslated_japanese_briefing(folder: Path) -> Path:
    """The example briefing in Japanese as a Word file (no page numbers, no fonts), its
    visit's texts untranslated, built in a copy of the example project in ``folder``:
    built with ``allow_untranslated``, they fall back to English (marked). ``test_docx``
    reads it; ``test_layout`` lays it out with LibreOffice."""
    import yaml

    import reportgen

    shutil.copytree(ROOT / "profiles", folder / "profiles")
    shutil.copy2(ROOT / "reportgen.yaml", folder / "reportgen.yaml")
    visit = folder / VISIT
    data = without_lang(yaml.safe_load(visit.read_text(encoding="utf-8")), "ja")
    visit.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    target = folder / "briefing.ja.docx"
    options = Options(
        formats=("docx",),
        languages=("ja",),
        allow_untranslated=True,
        page_numbers=False,
        embed_fonts=False,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        result = reportgen.build(visit, options=options, output=target)
    assert result.written == [target]
    return target


_WORKSPACES: dict[str, Workspace] = {}


def shared_folder(factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder of this test run that every pytest-xdist worker sees (each worker has a
    base folder of its own inside the run's)."""
    base = factory.getbasetemp()
    return (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name


def shared_workspace(factory: pytest.TempPathFactory, name: str = "examples") -> Workspace:
    """The run's ``examples`` (a copy of the example project) or ``samples`` project."""
    if name not in _WORKSPACES:
        files = SAMPLE_PROFILES if name == "samples" else None
        _WORKSPACES[name] = Workspace(shared_folder(factory, f"shared-{name}"), files)
    return _WORKSPACES[name]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def squash(text: str) -> str:
    return " ".join(text.split())


# --- batches ------------------------------------------------------------------------------


EXAMPLE_JOBS = """\
profiles: profiles
output: output
defaults: {formats: [html], languages: [en], audience: internal}
jobs:
  - name: city-profiles
    document: city-profile
    sources: [profiles/cities/*.yaml]
  - name: dalian-visit-briefing
    document: briefing
    sources: [profiles/visits/dalian-to-kitakyushu-2027-05.yaml]
  - name: air-quality-proposal
    document: proposal
    sources: [profiles/proposals/kitakyushu-dalian-air-2027.yaml]
"""
"""The example manifest's jobs, in HTML only: four documents."""

CITIES_ONLY = """\
profiles: profiles
output: output
defaults: {formats: [html]}
jobs:
  - {name: city-profiles, document: city-profile, sources: [profiles/cities/*.yaml]}
"""

DALIAN_HTML = "dalian.city-profile.en.html"
KITAKYUSHU_HTML = "kitakyushu.city-profile.en.html"
BRIEFING_HTML = "dalian-to-kitakyushu-2027-05.briefing.en.html"
PROPOSAL_HTML = "kitakyushu-dalian-air-2027.proposal.en.html"
EXAMPLE_DOCUMENTS = {DALIAN_HTML, KITAKYUSHU_HTML, BRIEFING_HTML, PROPOSAL_HTML}
"""What ``EXAMPLE_JOBS`` builds."""


def write_manifest(root: Path, text: str) -> Path:
    path = root / "reportgen.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def workspace_of(root: Path, options: Options | None = None) -> ProjectWorkspace:
    """The project's workspace on ``TODAY``."""
    return ProjectWorkspace.resolve(
        manifest=root / "reportgen.yaml",
        options=options,
        clock=Clock(TODAY),
        require_manifest=True,
    )


def statuses(result: BatchResult) -> dict[str, str]:
    return {item.path.name: item.status for item in result.results}


def documents(folder: Path) -> set[str]:
    """The document files in an output folder (not the lock, state or temporaries)."""
    if not folder.is_dir():
        return set()
    return {path.name for path in folder.iterdir() if not path.name.startswith(".")}


def temporaries(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.glob(f"{TEMP_PREFIX}*"))


def write_long_visit(path: Path, items: int) -> None:
    """A valid visit between the example cities whose agenda has ``items`` entries.

    Kept outside ``profiles/`` so that other documents, which look ids up there, do not
    read it.
    """
    lines = [
        "kind: visit",
        "id: long-visit",
        "title: A visit with a very long agenda",
        "direction: inbound",
        "host: kitakyushu",
        "guest: dalian",
        "dates: {start: 2027-05-12, end: 2027-05-15}",
        "timezone: Asia/Tokyo",
        "purpose: Many short meetings.",
        "objectives: [Meet everyone.]",
        "delegation:",
        "  - {name: Head, title: Mayor, organisation: City, role: head of delegation}",
        "hosts:",
        "  - {name: Host, title: Mayor, organisation: City}",
        "agenda:",
    ]
    for index in range(items):
        hour, minute = 8 + index % 10, (index // 10) % 6 * 10
        lines.append(
            f'  - {{date: 2027-05-{12 + index % 4}, start: "{hour:02d}:{minute:02d}", '
            f'end: "{hour:02d}:{minute + 5:02d}", title: Meeting {index}, type: meeting}}'
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- schedules ----------------------------------------------------------------------------


NIGHTLY = '{name: nightly, cron: "0 2 * * *", jobs: [cities]}'


SCHEDULE_MANIFEST = """\
profiles: profiles
output: output
timezone: {zone}
defaults: {{formats: [html], languages: [en]}}
jobs:
  - {{name: cities, document: city-profile, sources: [profiles/cities/dalian.yaml]}}
  - {{name: broken, document: city-profile, sources: [broken/*.yaml]}}
schedules:
"""
BROKEN_CITY = """\
kind: city
id: broken
name: Broken
country: XX
summary: A city.
sdg_focus: [18]
"""


def schedule_manifest(root: Path, *schedule_lines: str, zone: str = "Asia/Tokyo") -> Path:
    """``reportgen.yaml`` with two html jobs (cities, broken) and the schedules given."""
    text = SCHEDULE_MANIFEST.format(zone=zone) + "".join(f"  - {line}\n" for line in schedule_lines)
    path = root / "reportgen.yaml"
    path.write_text(text, encoding="utf-8")
    return path.resolve()


def html_project(root: Path, *schedule_lines: str) -> Path:
    """A real project: the example profiles, a broken city, and the manifest."""
    shutil.copytree(ROOT / "profiles", root / "profiles")
    (root / "broken").mkdir()
    (root / "broken" / "b.yaml").write_text(BROKEN_CITY, encoding="utf-8")
    return schedule_manifest(root, *schedule_lines)


def set_marker(manifest_path: Path, name: str, moment: dt.datetime) -> None:
    state = History.open(manifest_path.parent / "output")
    try:
        state.set_marker(schedules.TRIGGER_PREFIX + name, moment.timestamp())
    finally:
        state.close()


# --- reportgen serve ----------------------------------------------------------------------


MISSING = [
    name for name in ("starlette", "uvicorn", "watchfiles") if not importlib.util.find_spec(name)
]
NO_EXTRA = f"the serve extra is not installed ({', '.join(MISSING)}): ./run setup installs it"
needs_extra = pytest.mark.skipif(bool(MISSING), reason=NO_EXTRA)

CITIES = """\
profiles: profiles
output: output
defaults: {formats: [html], languages: [en]}
jobs:
  - {name: cities, document: city-profile, sources: [profiles/cities/*.yaml]}
"""


class Server:
    """A running ``reportgen serve`` process in ``folder``, and the lines it printed."""

    def __init__(self, folder: Path, *args: str, files: int | None = None) -> None:
        """``files``: the most files the server may hold open (its ``RLIMIT_NOFILE``)."""
        if MISSING:
            pytest.skip(NO_EXTRA)
        env = dict(os.environ, SOURCE_DATE_EPOCH=TODAY_EPOCH, NO_COLOR="1")
        self.folder = folder

        def limit() -> None:
            if files is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

        self.process = subprocess.Popen(
            [sys.executable, "-m", "reportgen", "serve", "--port", "0", *args],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=limit,
        )
        self.printed: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        found = re.search(r"at (http://\S+/) ", self.wait_for("serving"))
        assert found, self.printed
        self.url = found.group(1)

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.printed.append(line.rstrip("\n"))
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_for(self, text: str) -> str:
        """The next printed line that holds ``text`` (fails if the server ends first)."""
        while True:
            line = self._lines.get(timeout=60)
            assert line is not None, f"the server ended: {self.printed}"
            if text in line:
                return line

    def client(self, timeout: float = 30, **settings: Any) -> httpx.Client:
        """An httpx client of this server (``settings``: more of ``httpx.Client``'s)."""
        import httpx

        return httpx.Client(base_url=self.url, timeout=timeout, verify=tls(), **settings)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Stop it as a service manager does (or as Ctrl-C does); returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=20)
        self._reader.join(timeout=20)
        if self.process.stderr is not None:
            self.process.stderr.close()
        return code


@cache
def tls() -> ssl.SSLContext:
    """httpx's default TLS settings, made once: a client made without them loads the CA
    bundle again (a twentieth of a second each), though the servers here speak plain HTTP."""
    import httpx

    return httpx.create_ssl_context()


def raw_get(url: str, target: str, host: str = "127.0.0.1") -> tuple[int, bytes]:
    """``GET target`` sent as written (no client tidies ``..`` or ``%2e`` away)."""
    where = urlsplit(url)
    assert where.hostname is not None and where.port is not None
    with socket.create_connection((where.hostname, where.port), timeout=30) as conn:
        request = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        conn.sendall(request.encode("latin-1"))
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


# --- reading what a build wrote ------------------------------------------------------------

WORD_JOINER = "\u2060"
"""What a Chinese, Japanese or Korean Word file puts between the letters of a name or a
date (``templating.join_kept``): invisible, and no part of the words a test reads."""


def unjoined(text: str) -> str:
    """``text`` without word joiners."""
    return text.replace(WORD_JOINER, "")


def open_docx(source: str | Path | io.BytesIO) -> WordDocument:
    """A Word file as python-docx reads it, the word joiners taken out of its text (body,
    headers, footers, notes), so that tests read the words a reader sees."""
    import docx
    from docx.opc.part import XmlPart
    from docx.oxml.ns import qn

    document = docx.Document(str(source) if isinstance(source, Path) else source)
    for part in document.part.package.iter_parts():
        if isinstance(part, XmlPart):
            for text in part.element.iter(qn("w:t")):
                if text.text and WORD_JOINER in text.text:
                    text.text = unjoined(text.text)
    return document


FETCHING_FIELDS = ("INCLUDEPICTURE", "INCLUDETEXT", "attachedTemplate", "DDEAUTO")
"""What no part of a built Word file may hold: fields and settings that fetch a file."""


SAFE_TARGETS = ("http://", "https://", "mailto:", "#", "data:image/")
"""What a link or a picture in a built document may point to."""
UNSAFE_TAGS = {"script", "iframe", "object", "embed", "link", "base", "form", "meta-refresh"}


def contents_entries(docx_path: Path) -> list[tuple[str, str]]:
    """Each entry of the Word contents: its title and the page number printed after it."""
    word = open_docx(str(docx_path))
    entries = []
    for paragraph in word.paragraphs:
        if paragraph.style is not None and paragraph.style.name.startswith("toc "):
            title, _, page = paragraph.text.partition("\t")
            entries.append((title, page))
    return entries


def outline_pages(pdf: Path) -> list[tuple[str, int]]:
    """The headings of a PDF's outline with the page (from 1) each lands on."""
    reader = PdfReader(pdf)
    found: list[tuple[str, int]] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found.append((item.title, (reader.get_destination_page_number(item) or 0) + 1))

    walk(reader.outline)
    return found


def squeeze(text: str) -> str:
    """Text without white space (PDF text extraction breaks lines where layout did)."""
    return re.sub(r"\s+", "", text)


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.targets: list[str] = []
        self.tags: set[str] = set()
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.add(tag)
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            self.tags.add("meta-refresh")
        for name in ("href", "src", "xlink:href", "action", "srcset", "data", "poster"):
            if values.get(name) is not None:
                self.targets.append(str(values[name]))
        if tag == "img" and values.get("alt"):
            self.text.append(str(values["alt"]))  # a chart's text alternative is read too
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.styles if self._in_style else self.text).append(data)


def html_text(path: Path) -> str:
    """The text of a built page, after checking that it links and loads nothing foreign."""
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    assert not page.tags & UNSAFE_TAGS
    assert all(target.startswith(SAFE_TARGETS) for target in page.targets), page.targets
    assert all(_plain_mailto(target) for target in page.targets), page.targets
    css = "".join(page.styles)
    assert not re.search(r"@import|url\((?!\s*['\"]?data:)", css)
    return " ".join(page.text)


def poppler_text(path: Path) -> str:
    """The text of a PDF as poppler's ``pdftotext`` reads it, in reading order, text inside
    pictures (charts) included; pages end in form feeds."""
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def pdf_text(path: Path) -> str:
    """The text of a built PDF, after checking that it carries no file and no foreign link."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    assert reader.attachments == {}
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            assert action.get("/S") in (None, "/URI", "/GoTo"), action
            if "/URI" in action:
                assert str(action["/URI"]).startswith(SAFE_TARGETS[:3])
                assert _plain_mailto(str(action["/URI"]))
    return "\n".join(page.extract_text() for page in reader.pages)


def docx_text(path: Path) -> str:
    """The text of a built Word file, after checking that it refers to no outside file."""
    document = open_docx(str(path))
    for part in document.part.package.iter_parts():
        for relationship in part.rels.values():
            if relationship.is_external:
                assert relationship.reltype.endswith("/hyperlink"), relationship.reltype
                assert relationship.target_ref.startswith(SAFE_TARGETS[:3])
                assert _plain_mailto(relationship.target_ref)
        assert "vbaProject" not in str(part.partname)
        if str(part.partname).endswith(".xml"):
            assert not [f for f in FETCHING_FIELDS if f.encode() in part.blob], part.partname
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _plain_mailto(target: str) -> bool:
    """A ``mailto:`` link holds the address alone: no ``?attach=``, ``?bcc=`` ..."""
    return not target.startswith("mailto:") or "?" not in target


# --- Word files as LibreOffice lays them out ----------------------------------------------


def libreoffice_pdfs(
    files: Mapping[str, Path], folder: Path, env: Mapping[str, str] | None = None
) -> dict[str, Path]:
    """Each Word file of ``files`` as LibreOffice lays it out: a PDF named by its key, in
    ``folder``. One LibreOffice run lays them all out (its start-up is most of the cost),
    with a profile of its own in ``folder``: LibreOffice keeps the fonts a file embeds in
    its profile.

    LibreOffice lays the files out in the order given, and the fonts a file embeds stay
    with it for the files after it: a file that embeds fonts goes after the files that
    must be laid out with the fonts of the system alone."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("needs LibreOffice (libreoffice-writer-nogui)")
    sources = folder / "word"
    sources.mkdir(parents=True, exist_ok=True)
    named = [shutil.copyfile(path, sources / f"{key}.docx") for key, path in files.items()]
    subprocess.run(
        [soffice, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(folder), *map(str, named)],
        capture_output=True, check=True, timeout=180 + 60 * len(named), env=env,
    )  # fmt: skip
    laid_out = {key: folder / f"{key}.pdf" for key in files}
    assert all(pdf.is_file() for pdf in laid_out.values()), f"LibreOffice left some out: {files}"
    return laid_out


# --- worker processes ------------------------------------------------------------------------


def build_workers(ancestor: int) -> list[int]:
    """The worker processes (named ``reportgen-build``) that ``ancestor`` started, directly
    or through the fork server they are forked from (Linux: read from /proc)."""
    parents: dict[int, int] = {}
    named: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, _, rest = text.partition(" (")[2].rpartition(") ")
        pid = int(stat.parent.name)
        parents[pid] = int(rest.split()[1])
        if name == "reportgen-build":
            named.append(pid)

    def descends(pid: int) -> bool:
        for _ in range(8):
            pid = parents.get(pid, 0)
            if pid == ancestor:
                return True
        return False

    return sorted(pid for pid in named if descends(pid))


# --- LibreOffice ----------------------------------------------------------------------------


REAL_SOFFICE = shutil.which("soffice")
"""LibreOffice as the tests found it, before any stand-in was put first on the PATH."""


def counted_soffice(
    folder: Path, monkeypatch: pytest.MonkeyPatch, script: str | None = None
) -> Path:
    """A ``soffice`` first on the ``PATH`` that notes each run in ``runs`` (one line a run),
    then runs LibreOffice (or ``script`` instead)."""
    runs = folder / "runs"
    folder.mkdir()
    wrapper = folder / "soffice"
    command = script or f'exec {REAL_SOFFICE} "$@"'
    wrapper.write_text(f"#!/bin/sh\necho run >> {runs}\n{command}\n")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return runs


# --- Dask clusters (tests/test_cluster*.py) --------------------------------------------------


LIGHT = {
    "distributed.admin.tick.interval": "500ms",
    "distributed.worker.profile.enabled": False,
}
"""The Dask settings that Dask itself gives the clusters of its tests: no statistical
profiler (it samples a worker's running thread 100 times a second) and a check of the
event loop's health twice a second, not 50 times. An idle worker then takes a fifth of
the CPU, and a busy one builds as before."""
LIGHT_ENVIRONMENT = {
    "DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL": "500ms",
    "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
}
"""``LIGHT`` for a scheduler or a worker started as a command."""


def local_cluster(folder: Path, workers: int, **settings: Any) -> Any:
    """A cluster of ``workers`` processes of one thread (``LIGHT``), started in ``folder``,
    so that they can only build from what a batch ships them."""
    import dask
    import distributed

    here = Path.cwd()
    os.chdir(folder)
    try:
        with dask.config.set(LIGHT):  # the nannies hand it to their workers
            return distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
                **settings,
            )
    finally:
        os.chdir(here)


@contextmanager
def worker_process(
    scheduler: str | Path, folder: Path, pythonpath: Path | None = None
) -> Iterator[Any]:
    """A Dask worker started by hand in a process of its own (``pythonpath`` first on its
    path, ``LIGHT``), stopped afterwards. ``scheduler`` is an address, or the file in which
    a scheduler starting alongside writes its address (the worker waits for it)."""
    folder.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, **LIGHT_ENVIRONMENT}
    if pythonpath is not None:
        environment["PYTHONPATH"] = str(pythonpath)
    command = [sys.executable, "-m", "distributed.cli.dask_worker"]
    if isinstance(scheduler, Path):
        command += ["--scheduler-file", str(scheduler.resolve())]
    else:
        command.append(scheduler)
    command += ["--nthreads", "1", "--no-nanny", "--no-dashboard", "--local-directory", "."]
    with (folder / "worker.log").open("wb") as log:
        process = subprocess.Popen(
            command, cwd=folder, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition: Callable[[], bool], seconds: float = 60.0) -> bool:
    """Whether ``condition()`` turned true within ``seconds`` (asked every 0.05 s)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
