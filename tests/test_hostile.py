"""Every case of the hostile corpus (``tests/hostile/``) through the command line.

Each case runs in a project of its own, next to a secret file outside it. Whatever the
case, nothing shows a traceback, a failed command leaves no new file, the secret is
never opened nor copied into an output, and what a successful build wrote links and
loads nothing but web addresses, e-mail and its own embedded pictures. Beyond that,
each case declares its own outcome in its header (see ``tests/hostile/README.md``).
"""

from __future__ import annotations

import ast
import functools
import io
import os
import re
import resource
import shlex
import socket
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT, TODAY_EPOCH, Result, RunCli, docx_text, html_text, pdf_text, squeeze
from tests.hostile.generate import CORPUS, Setting, run_setup

FAMILIES = (
    "yaml",
    "values",
    "files",
    "markup",
    "limits",
    "reference",
    "templates",
    "output",
    "state",
    "cluster",
)
SECRET = "TOP-SECRET-e1f4c9"
"""What the file outside every case's project holds; no output may carry it."""
KITAKYUSHU = """\
kind: city
id: kitakyushu
name: {en: Kitakyushu City, ja: 北九州市}
local_lang: ja
country: JP
summary: A city in Fukuoka Prefecture.
"""
DALIAN = """\
kind: city
id: dalian
name: {en: Dalian, zh-Hans: 大连市}
country: CN
summary: A port city.
"""


# --- the corpus ------------------------------------------------------------------------------


@dataclass
class Case:
    """One file of the corpus and what its header declares."""

    path: Path
    family: str = ""
    title: str = ""
    place: str = ""
    setups: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=lambda: ["validate", "{file}"])
    process: dict[str, int] | None = None
    exit: int | None = None
    lines: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    shows: list[str] = field(default_factory=list)
    hides: list[str] = field(default_factory=list)
    covered_by: str = ""

    @property
    def name(self) -> str:
        return self.path.stem


EXPECTATIONS = {"line": "lines", "message": "messages", "shows": "shows", "hides": "hides"}
"""Keys of ``# expect:`` that can repeat, and the field of ``Case`` that collects them."""


def read_case(path: Path) -> Case:
    """The header of a case: its leading comment lines (``# key: value``)."""
    case = Case(path, place=f"profiles/{path.stem}.yaml")
    raw = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    for line in raw.decode("utf-8", "replace").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(":")
        value = value.strip()
        if key == "case":
            case.title = value
        elif key == "family":
            case.family = value
        elif key == "as":
            case.place = value
        elif key == "setup":
            case.setups.append(value)
        elif key == "run":
            case.args = shlex.split(value)
        elif key == "process":
            case.process = {
                name: int(number)
                for name, _, number in (item.partition("=") for item in value.split())
                if number
            }
        elif key == "expect":
            for token in shlex.split(value):
                name, _, text = token.partition("=")
                if name == "exit":
                    case.exit = int(text)
                elif name == "covered-by":
                    case.covered_by = text
                elif name in EXPECTATIONS:
                    getattr(case, EXPECTATIONS[name]).append(text)
                else:
                    raise ValueError(f"{path.name}: unknown expectation {name!r}")
    return case


CASES = [read_case(path) for path in sorted(CORPUS.glob("*.yaml"))]


def test_corpus_covers_every_family_of_the_issue() -> None:
    families = {case.family for case in CASES}

    assert families == set(FAMILIES)
    assert all(case.title for case in CASES)
    assert len(CASES) >= 80


def test_corpus_keeps_no_large_file() -> None:
    assert [p.name for p in CORPUS.iterdir() if p.is_file() and p.stat().st_size > 100_000] == []


@functools.cache
def functions_of(module: str) -> frozenset[str]:
    """The functions a test module defines, read from its source: importing it would load
    what its tests need (Dask, for the cluster's) for nothing."""
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    return frozenset(node.name for node in tree.body if isinstance(node, ast.FunctionDef))


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_corpus_case_declares_an_outcome(case: Case) -> None:
    assert case.family in FAMILIES
    if case.covered_by:
        module, _, name = case.covered_by.partition("::")
        assert name in functions_of(module), f"{case.covered_by} does not exist"
        return
    assert case.exit in (0, 1, 2)
    assert case.lines or case.messages or case.shows, "say what the user sees"


# --- running a case ----------------------------------------------------------------------------


_OPENED: list[str] | None = None
_NETWORK: list[str] = []
NETWORK_EVENTS = {"socket.connect", "socket.getaddrinfo", "urllib.Request", "http.client.connect"}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    opened = _OPENED  # once: another thread's open may come as ``watched`` ends
    if opened is None:
        return
    if event == "socket.connect" and getattr(args[0], "family", None) == socket.AF_UNIX:
        return  # a Unix socket is not the network (the fork server workers come from)
    if event in NETWORK_EVENTS and not str(args[0]).startswith("data:"):
        _NETWORK.append(f"{event} {args[:2]!r}")
    elif event == "open" and isinstance(args[0], str | bytes | Path):
        path = Path(os.fsdecode(args[0]))
        try:  # where a symlink leads is what counts
            opened.append(str(path.resolve()))
        except (OSError, RuntimeError):
            opened.append(str(path.absolute()))


sys.addaudithook(_audit)


@contextmanager
def watched() -> Iterator[tuple[list[str], list[str]]]:
    """Every file this process opens in the block, and every network access it tries
    (Python's audit events: what C libraries do on their own is not seen)."""
    global _OPENED
    opened: list[str] = []
    _OPENED = opened
    _NETWORK.clear()
    try:
        yield opened, _NETWORK
    finally:
        _OPENED = None


def make_project(case: Case, root: Path) -> Setting:
    project, outside = root / "project", root / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    for name, text in (
        ("reportgen.yaml", "profiles: profiles\n"),
        ("profiles/cities/kitakyushu.yaml", KITAKYUSHU),
        ("profiles/cities/dalian.yaml", DALIAN),
    ):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    target = project / case.place
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(case.path.read_bytes())
    setting = Setting(project, target, secret)
    for line in case.setups:
        run_setup(setting, line)
    return setting


IGNORED = re.compile(r"\.reportgen-(state|history)\.sqlite.*|\.reportgen\.lock")
"""What a batch keeps in its output folder whatever happens (its state and lock)."""


def files_in(folder: Path) -> set[Path]:
    return {
        path
        for path in folder.rglob("*")
        if (path.is_file() or path.is_symlink()) and not IGNORED.fullmatch(path.name)
    }


def run_as_process(args: list[str], limits: dict[str, int]) -> Result:
    """``python -m reportgen ARGS`` in a child process under the resource limits given."""

    def limit() -> None:
        if "fsize" in limits:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits["fsize"], limits["fsize"]))

    environment = dict(os.environ, NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    environment["SOURCE_DATE_EPOCH"] = TODAY_EPOCH
    done = subprocess.run(
        [sys.executable, "-m", "reportgen", *args],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        timeout=120,
        preexec_fn=limit,
    )
    return Result(done.returncode, done.stdout, done.stderr)


RUNNABLE = [case for case in CASES if not case.covered_by]


@pytest.mark.parametrize("case", RUNNABLE, ids=[case.name for case in RUNNABLE])
def test_hostile_case(
    case: Case, cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setting = make_project(case, tmp_path)
    before = files_in(tmp_path)
    monkeypatch.chdir(setting.project)
    file = str(setting.case.relative_to(setting.project))
    args = [arg.replace("{file}", file) for arg in case.args]

    with watched() as (opened, network):
        result = cli(*args) if case.process is None else run_as_process(args, case.process)

    said = result.stdout + result.stderr
    assert "Traceback" not in said and "internal error" not in said, said
    assert result.code == case.exit, said
    fill = {"{file}": file, "{secret}": setting.secret.as_uri()}
    for line in case.lines:
        assert expand(line, fill) in result.lines, said
    for message in case.messages:
        assert expand(message, fill) in said, said
    assert not [path for path in opened if path.startswith(str(setting.secret.parent))]
    assert not network
    made = files_in(tmp_path) - before
    for path in made:
        assert SECRET.encode() not in b"".join(contents(path)), path
    if result.code != 0:
        assert not made, f"a failed command left {sorted(map(str, made))}"
        return
    written = [setting.project / line for line in result.stdout.splitlines() if line.strip()]
    assert written or not (case.shows or case.hides), "the case expects a document"
    for path in written:
        text = CHECKERS[path.suffix](path)
        for shown in case.shows:
            assert squeeze(shown) in squeeze(text), f"{path.name} does not show {shown!r}"
        for hidden in case.hides:
            assert squeeze(hidden) not in squeeze(text), f"{path.name} shows {hidden!r}"


def expand(text: str, fill: dict[str, str]) -> str:
    for name, value in fill.items():
        text = text.replace(name, value)
    return text


# --- reading what a build wrote -----------------------------------------------------------------


def contents(path: Path) -> Iterator[bytes]:
    """The bytes of a file, and of each member when it is a zip package (a .docx)."""
    data = path.read_bytes()
    yield data
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                yield archive.read(name)


CHECKERS: dict[str, Callable[[Path], str]] = {
    ".html": html_text,
    ".pdf": pdf_text,
    ".docx": docx_text,
}


# --- the checks above catch what they look for -------------------------------------------------


def test_watch_sees_a_file_opened_through_a_symlink(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    (tmp_path / "link.png").symlink_to(secret)

    with watched() as (opened, network):
        (tmp_path / "link.png").read_bytes()

    assert str(secret) in opened
    assert network == []


@pytest.mark.parametrize(
    "page",
    [
        '<a href="file:///etc/passwd">x</a>',
        '<img src="/etc/passwd">',
        '<a href="javascript:alert(1)">x</a>',
        '<link rel="attachment" href="a.txt">',
        "<style>@import url(/etc/passwd);</style>",
        '<style>p { background: url("https://example.org/x.png") }</style>',
    ],
)
def test_html_check_refuses_what_loads_or_links_outside(tmp_path: Path, page: str) -> None:
    path = tmp_path / "page.html"
    path.write_text(f"<html><body>{page}</body></html>", encoding="utf-8")

    with pytest.raises(AssertionError):
        html_text(path)


def test_pdf_check_refuses_an_attachment(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_attachment("passwd", b"root:x:0:0")
    path = tmp_path / "attached.pdf"
    with path.open("wb") as handle:
        writer.write(handle)

    with pytest.raises(AssertionError):
        pdf_text(path)
