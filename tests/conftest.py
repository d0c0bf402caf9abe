"""Shared fixtures: the command line run in-process or as a real process, and small projects."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from reportgen.cli import main
from tests.helpers import (
    CITY_A,
    CITY_B,
    ROOT,
    TODAY_EPOCH,
    VISIT,
    Built,
    Result,
    RunCli,
    Workspace,
    WriteFile,
    shared_workspace,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def pytest_configure(config: pytest.Config) -> None:
    """The tests keep reportgen's caches (font coverage, compiled templates) in a folder of
    their own, never in the user's."""
    folder = tempfile.mkdtemp(prefix="reportgen-test-cache-")
    config.stash[_CACHE_FOLDER] = folder
    os.environ["XDG_CACHE_HOME"] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_CACHE_FOLDER, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


_CACHE_FOLDER = pytest.StashKey[str]()


@pytest.fixture(scope="session", autouse=True)
def _fork_server_with_every_engine() -> None:
    """The worker processes of the batches and previews run in this test process come
    from its one fork server, as in a long ``schedule run``: start it first, with the
    engine of every format as ``serve`` does, so that what a worker has loaded does not
    depend on which test happened to run first (``tests/test_processes.py`` checks the
    preloads in fresh processes)."""
    from reportgen.batching.pool import answer_requests
    from reportgen.batching.processes import Worker, worker_processes
    from reportgen.registry import RENDERERS

    worker = Worker(worker_processes(RENDERERS), answer_requests, (str,), "reportgen-build")
    worker.connection.send(None)
    worker.process.join(60)
    worker.close()


DURATIONS = Path(__file__).with_name("durations.json")
"""How long each test file took in a whole run (``pytest --write-durations``), so that the
longest files start first."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--write-durations",
        action="store_true",
        help=f"write how long each test file that ran took to {DURATIONS.name}",
    )


def _weights() -> dict[str, float]:
    try:
        recorded = json.loads(DURATIONS.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): float(v) for k, v in recorded.items() if isinstance(v, int | float)}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest test files go first, by ``durations.json`` (a new file counts as
    long as the longest), so that the processes of ``--dist loadfile`` end together
    (``./run test`` passes ``--no-loadscope-reorder``: xdist would order the files by
    their number of tests). The modules whose tests share something started once per
    module (a cluster, servers, a browser, documents) are grouped, for ``--dist
    loadgroup``."""
    together: set[str] = set()
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        definitions = info.name2fixturedefs.values() if info is not None else []
        if any(d.scope == "module" for defs in definitions for d in defs):
            together.add(item.nodeid.split("::")[0])
    for item in items:
        module = item.nodeid.split("::")[0]
        if module in together:
            item.add_marker(pytest.mark.xdist_group(module))
    weights = _weights()
    unknown = max(weights.values(), default=0.0)
    items.sort(key=lambda item: -weights.get(item.nodeid.split("::")[0], unknown))


_took: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    module = report.nodeid.split("::")[0]
    _took[module] = _took.get(module, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    if not config.getoption("--write-durations") or hasattr(config, "workerinput"):
        return  # only the process that saw every report writes them
    took = {**_weights(), **{module: round(took, 1) for module, took in _took.items()}}
    ordered = {module: took[module] for module in sorted(took) if (ROOT / module).exists()}
    DURATIONS.write_text(json.dumps(ordered, indent=1) + "\n", "utf-8")


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright (the serve tests and the HTML editions')."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (./run setup installs it)"
    )
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium; ./run setup does)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # colour codes and forced terminals would get between the test and the exact lines
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CLICOLOR_FORCE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """Run ``reportgen ARGS...`` in this process on ``TODAY``; returns its exit code and output."""
    _clean_environment(monkeypatch)

    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = 0
        out, err = capsys.readouterr()
        return Result(int(code), out, err)

    return run


@pytest.fixture
def cli_process(monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """Run ``python -m reportgen ARGS...`` as a real process, in the current folder."""
    _clean_environment(monkeypatch)

    def run(*args: str) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "reportgen", *args],
            capture_output=True,
            text=True,
            check=False,
            env=dict(os.environ),
            timeout=120,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder, made the current one, so that printed paths are short and relative."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write(workdir: Path) -> WriteFile:
    """Write dedented text to a file under ``workdir`` (folders made as needed)."""

    def write_file(name: str, text: str) -> Path:
        path = workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write_file


@pytest.fixture
def project(write: WriteFile, workdir: Path) -> Path:
    """A project with a manifest and two small valid cities, ``aville`` and ``bville``."""
    write("reportgen.yaml", "profiles: profiles\n")
    write("profiles/cities/aville.yaml", CITY_A)
    write("profiles/cities/bville.yaml", CITY_B)
    return workdir


@pytest.fixture
def example_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the example project (``profiles/`` and ``reportgen.yaml``), made current."""
    shutil.copytree(ROOT / "profiles", tmp_path / "profiles")
    shutil.copy2(ROOT / "reportgen.yaml", tmp_path / "reportgen.yaml")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.fixture
def example(example_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example project, current, on ``TODAY`` (documents carry that date)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    monkeypatch.setenv("NO_COLOR", "1")
    return example_project


@pytest.fixture(scope="session")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A copy of the example project whose documents are built once per test run."""
    return shared_workspace(tmp_path_factory)


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A project of small cities written for the tests (``SAMPLE_PROFILES``), documents built
    once per test run."""
    return shared_workspace(tmp_path_factory, "samples")


@pytest.fixture(scope="session")
def public_briefing(examples: Workspace) -> Built:
    """The example briefing's public edition as PDF: accessible without being asked."""
    return examples.build(VISIT, "briefing-public.pdf", "--audience", "public")
