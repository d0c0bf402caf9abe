"""``reportgen serve``: the live preview, over HTTP and in a real browser.

Each server is a real ``reportgen serve`` process, one per project for the whole module;
the browser is Debian's Chromium driven by Playwright. Waits are for events (a line
printed, a server-sent event, text in the page), never for time.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers import (
    CITIES,
    CITY_A,
    CITY_B,
    ROOT,
    TODAY_EPOCH,
    RunCli,
    Server,
    needs_extra,
    raw_get,
    write,
)

if TYPE_CHECKING:
    import httpx
    from playwright.sync_api import Browser

ELSEWHERE = """\
kind: city
id: elsewhere
name: Elsewhere
country: FR
summary: A city whose file lives outside the project.
"""
VISIT = "profiles/visits/dalian-to-kitakyushu-2027-05.yaml"
WAIT_MS = 20_000
"""How long the browser tests wait for the page to change (a loaded machine is slow)."""
BRIEFING = "dalian-to-kitakyushu-2027-05.briefing.en"


def states(
    client: httpx.Client, key: str, until: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The first state of page ``key`` sent on its event stream that satisfies ``until``."""
    with client.stream("GET", f"/_events/{key}") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                state: dict[str, Any] = json.loads(line.removeprefix("data: "))
                if until(state):
                    return state
    raise AssertionError(f"the event stream of {key} ended")


def newer(client: httpx.Client, key: str, version: int) -> dict[str, Any]:
    """The state of page ``key`` once its version is past ``version``."""
    return states(client, key, lambda state: int(state["version"]) > version)


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


# --- a small project of two cities, HTML only ----------------------------------------------


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("serve")
    project = base / "project"
    write(project / "reportgen.yaml", CITIES)
    write(project / "profiles/cities/aville.yaml", CITY_A)
    write(project / "profiles/cities/bville.yaml", CITY_B)
    write(base / "outside/elsewhere.yaml", ELSEWHERE)
    (project / "profiles/cities/elsewhere.yaml").symlink_to(base / "outside/elsewhere.yaml")
    return project


@pytest.fixture(scope="module")
def small_server(small: Path) -> Iterator[Server]:
    server = Server(small)
    yield server
    assert server.stop() == 0


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the example project."""
    folder = tmp_path_factory.mktemp("example")
    shutil.copytree(ROOT / "profiles", folder / "profiles")
    shutil.copy2(ROOT / "reportgen.yaml", folder / "reportgen.yaml")
    return folder


@pytest.fixture(scope="module")
def example_server(example: Path) -> Iterator[Server]:
    server = Server(example)
    yield server
    assert server.stop() == 0


@pytest.fixture
def restore(small: Path, example: Path) -> Iterator[None]:
    """Put back every profile a test changed."""
    before = {folder: files_of(folder) for folder in (small, example)}
    yield
    for folder, saved in before.items():
        for name, data in saved.items():
            path = folder / name
            if not path.is_file() or path.read_bytes() != data:
                path.write_bytes(data)


def test_index_lists_every_target_by_job_with_its_links(
    small: Path, small_server: Server, cli: RunCli, tmp_path: Path
) -> None:
    with small_server.client() as client:
        index = client.get("/")
        assert index.status_code == 200
        assert index.headers["content-type"] == "text/html; charset=utf-8"
        html = index.text
        assert "<h2>cities</h2>" in html
        links = re.findall(r'href="(/[^"]+)"', html)
        for key in ("aville.city-profile.en", "bville.city-profile.en"):
            assert {f"/{key}", f"/{key}.pdf", f"/{key}.docx"} <= set(links)
            page = client.get(f"/{key}")
            assert page.status_code == 200
            assert f'src="/{key}.html"' in page.text
            document = client.get(f"/{key}.html")
            assert document.headers["content-type"] == "text/html; charset=utf-8"
            assert "<!DOCTYPE html>" in document.text
        assert "Not shown: these sources lead outside the project" in html
        assert "<li>profiles/cities/elsewhere.yaml</li>" in html
        assert "/elsewhere.city-profile.en" not in links
        # the preview is the page the PDF is made from: what `build --format html` writes
        built = cli(
            "build",
            str(small / "profiles/cities/aville.yaml"),
            "--format",
            "html",
            "-o",
            str(tmp_path / "aville.html"),
        )
        assert built.code == 0, built.stderr
        preview = client.get("/aville.city-profile.en.html").content
        assert preview == (tmp_path / "aville.html").read_bytes()


def test_pdf_and_docx_are_built_on_demand_and_follow_the_profile(
    small: Path, small_server: Server, restore: None
) -> None:
    from docx import Document
    from pypdf import PdfReader

    before = files_of(small)
    key = "aville.city-profile.en"
    with small_server.client() as client:
        pdf = client.get(f"/{key}.pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "Aville" in text and "A city." in text
        docx = client.get(f"/{key}.docx")
        assert docx.headers["content-type"] == (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        )
        paragraphs = [p.text for p in Document(io.BytesIO(docx.content)).paragraphs]
        assert any("Aville" in line for line in paragraphs)

        version = client.get(f"/_state/{key}").json()["version"]
        (small / "profiles/cities/aville.yaml").write_text(
            CITY_A.replace("A city.", "A city by the river."), encoding="utf-8"
        )
        newer(client, key, version)
        again = client.get(f"/{key}.pdf")
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(again.content)).pages)
        assert "A city by the river." in text
    after = files_of(small)
    assert {k: v for k, v in after.items() if "aville" not in k} == {
        k: v for k, v in before.items() if "aville" not in k
    }
    assert not (small / "output").exists()  # the server writes nothing into the project


def test_problems_are_located_lines_and_go_when_fixed(
    small: Path, small_server: Server, restore: None
) -> None:
    key = "aville.city-profile.en"
    path = small / "profiles/cities/aville.yaml"
    with small_server.client() as client:
        path.write_text(CITY_A.replace("country: JP", "country: XX"), encoding="utf-8")
        broken = states(client, key, lambda state: state["status"] == "error")
        assert broken["errors"] == [
            "profiles/cities/aville.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 "
            "country code"
        ]
        answer = client.get(f"/{key}.pdf")
        assert answer.status_code == 422
        assert "profiles/cities/aville.yaml:4:10: country:" in answer.text
        path.write_text(CITY_A, encoding="utf-8")
        fixed = states(client, key, lambda state: state["status"] == "ok")
        assert fixed["errors"] == [] and fixed["version"] > broken["version"]


def test_only_the_pages_that_printed_a_changed_field_are_rebuilt(
    example: Path, example_server: Server, restore: None
) -> None:
    keys = {
        "dalian": "dalian.city-profile.en",
        "kitakyushu": "kitakyushu.city-profile.en",  # prints its partner Dalian's name only
        "briefing": BRIEFING,  # prints Dalian's summary
        "proposal": "kitakyushu-dalian-air-2027.proposal.en",
    }
    with example_server.client() as client:
        before = {name: client.get(f"/_state/{key}").json() for name, key in keys.items()}
        assert all(state["status"] == "ok" for state in before.values()), before
        path = example / "profiles/cities/dalian.yaml"
        text = path.read_text("utf-8")
        revised = text.replace("\nsummary:\n  en: >-\n", "\nsummary:\n  en: >-\n    Revised.\n")
        assert revised != text
        path.write_text(revised, "utf-8")
        rebuilt = newer(client, keys["dalian"], before["dalian"]["version"])
        after = {name: client.get(f"/_state/{key}").json() for name, key in keys.items()}
    assert rebuilt["builds"] == before["dalian"]["builds"] + 1
    assert after["briefing"]["builds"] == before["briefing"]["builds"] + 1
    for name in ("kitakyushu", "proposal"):
        assert after[name]["version"] == before[name]["version"]
        assert after[name]["builds"] == before[name]["builds"]


def test_a_template_change_rebuilds_every_page(small: Path, small_server: Server) -> None:
    css = small / "templates" / "print.css"
    keys = ("aville.city-profile.en", "bville.city-profile.en")
    with small_server.client() as client:
        before = [client.get(f"/_state/{key}").json()["version"] for key in keys]
        write(css, ".serve-test-marker { color: red; }\n")
        try:
            for key, version in zip(keys, before, strict=True):
                newer(client, key, version)
                assert ".serve-test-marker" in client.get(f"/{key}.html").text
        finally:
            shutil.rmtree(css.parent)


@pytest.mark.parametrize(
    "target",
    [
        "/..",
        "/../reportgen.yaml",
        "/%2e%2e/reportgen.yaml",
        "/%2E%2E%2Freportgen.yaml",
        "/..%2f..%2fetc%2fpasswd",
        "//etc/passwd",
        "/etc/passwd",
        "/reportgen.yaml",
        "/profiles/",
        "/profiles/cities/aville.yaml",
        "/profiles%2fcities%2faville.yaml",
        "/_static/",
        "/_static/../serve/app.py",
        "/_static/%2e%2e%2fapp.py",
        "/_state/..%2freportgen.yaml",
        "/elsewhere.city-profile.en",
        "/elsewhere.city-profile.en.pdf",
        "/aville.city-profile.en/",
        "/aville.city-profile.en.yaml",
    ],
)
def test_nothing_but_the_targets_is_served(small_server: Server, target: str) -> None:
    status, body = raw_get(small_server.url, target)
    assert status == 404
    assert b"kind:" not in body and b"root:" not in body


def test_it_listens_on_this_machine_only_by_default(small_server: Server) -> None:
    assert small_server.url.startswith("http://127.0.0.1:")
    # a page elsewhere that renames itself to this address (DNS rebinding) gets nothing
    status, body = raw_get(small_server.url, "/aville.city-profile.en.html", host="evil.example")
    assert status == 400 and b"Aville" not in body


@needs_extra
def test_another_host_is_warned_about(small: Path) -> None:
    env = dict(os.environ, SOURCE_DATE_EPOCH=TODAY_EPOCH, NO_COLOR="1")
    done = subprocess.run(
        [sys.executable, "-m", "reportgen", "serve", "--host", "192.0.2.1", "--port", "0"],
        cwd=small,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = done.stderr.splitlines()
    assert done.returncode == 1
    assert "warning: listening on 192.0.2.1: anyone who can reach this machine" in lines[0]
    assert lines[1].startswith("error: cannot listen on 192.0.2.1:0: ")
    assert "Traceback" not in done.stderr


def test_a_folder_without_manifest_and_a_clean_stop(tmp_path: Path) -> None:
    write(tmp_path / "aville.yaml", CITY_A)
    write(tmp_path / "notes.yaml", "just: some notes\n")
    before = files_of(tmp_path)
    server = Server(tmp_path)
    try:
        with server.client() as client:
            html = client.get("/").text
            assert "<h2>city-profile</h2>" in html and 'href="/aville.city-profile.en"' in html
            assert "Profiles that do not validate" in html and "notes.yaml" in html
            with client.stream("GET", "/_events/aville.city-profile.en") as events:
                next(events.iter_lines())  # a page is open while the server is stopped
                code = server.stop(signal.SIGINT)  # Ctrl-C
    finally:
        server.stop()
    assert code == 0
    assert server.printed[-1].endswith("stopped")
    assert files_of(tmp_path) == before


def test_without_the_extra_it_says_what_to_install(
    cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = cli("serve")
    assert result.code == 1
    assert result.lines == [
        "error: reportgen serve needs the serve extra (uvicorn is not installed): "
        "pip install 'reportgen[serve]'"
    ]


def test_the_request_timeout_is_a_second_or_more(cli: RunCli) -> None:
    result = cli("serve", "--request-timeout", "0.5")
    assert result.code == 2
    assert "Invalid value for '--request-timeout': 0.5 is not in the range x>=1." in result.stderr


def test_help_does_not_load_the_server() -> None:
    code = (
        "import sys\n"
        "from reportgen.cli import cli\n"
        "cli.main(['--help'], standalone_mode=False)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('starlette', 'uvicorn', 'watchfiles') or m.startswith('reportgen.serve')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "serve " in done.stdout  # the command is listed
    assert done.stdout.splitlines()[-1] == "[]"


# --- in a real browser ---------------------------------------------------------------------


def test_the_preview_follows_each_save_in_place(
    browser: Browser, example: Path, example_server: Server, restore: None
) -> None:
    from playwright.sync_api import expect

    path = example / VISIT
    original = path.read_text("utf-8")
    host_line = original.splitlines().index("host: kitakyushu") + 1
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(str(error)))
    page.on("console", lambda m: failures.append(m.text) if m.type == "error" else None)
    page.goto(example_server.url + BRIEFING)
    page.wait_for_selector("body[data-version]", state="attached")
    document = page.frame_locator("#document")
    expect(document.locator("h1.doc-title")).to_contain_text(
        "Dalian municipal delegation", timeout=WAIT_MS
    )
    page.evaluate(
        """() => {
            const frame = document.getElementById("document");
            window.marker = "still here";
            window.shown = frame.contentDocument;
            frame.contentWindow.scrollTo(0, 1500);
        }"""
    )
    same = """() => {
        const frame = document.getElementById("document");
        return [window.marker, frame.contentDocument === window.shown, frame.contentWindow.scrollY];
    }"""
    assert page.evaluate(same) == ["still here", True, 1500]

    path.write_text(original.replace("Agree the work plan", "Agree the revised work plan"), "utf-8")
    expect(document.locator("body")).to_contain_text("Agree the revised work plan", timeout=WAIT_MS)
    assert page.evaluate(same) == ["still here", True, 1500]  # not reloaded, same place

    path.write_text(original.replace("host: kitakyushu", "host: kitakyusyu"), "utf-8")
    expect(page.locator("#errors li")).to_have_text(
        [f"{VISIT}:{host_line}:7: host: unknown city 'kitakyusyu': no profile has it"],
        timeout=WAIT_MS,
    )

    path.write_text(original.replace("Agree the work plan", "Agree the final work plan"), "utf-8")
    expect(page.locator("#errors")).to_be_hidden(timeout=WAIT_MS)
    expect(document.locator("body")).to_contain_text("Agree the final work plan", timeout=WAIT_MS)
    assert page.evaluate(same) == ["still here", True, 1500]
    assert failures == []
    page.close()


def test_the_index_follows_the_project(browser: Browser, small: Path, small_server: Server) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(small_server.url)
    expect(page.locator("#status")).to_have_text("live", timeout=WAIT_MS)
    page.evaluate("() => { window.marker = 'still here'; }")
    added = small / "profiles/cities/cville.yaml"
    try:
        write(added, CITY_A.replace("aville", "cville").replace("Aville", "Cville"))
        expect(page.locator('a[href="/cville.city-profile.en"]')).to_be_visible(timeout=WAIT_MS)
        write(added, CITY_A.replace("aville", "cville").replace("country: JP", "country: XX"))
        expect(page.locator(".problems li", has_text="cville")).to_have_text(
            [
                "profiles/cities/cville.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 "
                "country code"
            ],
            timeout=WAIT_MS,
        )
    finally:
        added.unlink()
    expect(page.locator('a[href="/cville.city-profile.en"]')).to_have_count(0, timeout=WAIT_MS)
    assert page.evaluate("() => window.marker") == "still here"
    page.close()


def test_the_briefing_lists_the_warnings_of_the_cities_it_prints(
    example_server: Server,
) -> None:
    stale = [
        "profiles/cities/dalian.yaml:16:12: officials[0].as_of: warning: Mayor Chen Shaowang "
        "is dated 2024 (source: cgtn-2024), more than 24 months ago: verify it",
        "profiles/cities/dalian.yaml:21:12: population[0].as_of: warning: population "
        "7,450,785 is dated 2020-11-01 (source: census-2020), more than 24 months ago: verify it",
    ]
    with example_server.client() as client:
        state = client.get(f"/_state/{BRIEFING}").json()
        page = client.get(f"/{BRIEFING}").text

    assert state["status"] == "ok"
    assert state["warnings"][:2] == stale
    assert f"<summary>{len(state['warnings'])} warnings</summary>" in page
    for line in stale:
        assert f"<li>{line}</li>" in page


def test_the_preview_lists_the_warnings(browser: Browser, example_server: Server) -> None:
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(example_server.url + "dalian.city-profile.en")
    expect(page.locator("#warnings summary")).to_have_text("2 warnings", timeout=WAIT_MS)
    expect(page.locator("#warnings li")).to_have_text(
        [
            "profiles/cities/dalian.yaml:16:12: officials[0].as_of: warning: Mayor Chen "
            "Shaowang is dated 2024 (source: cgtn-2024), more than 24 months ago: verify it",
            "profiles/cities/dalian.yaml:21:12: population[0].as_of: warning: population "
            "7,450,785 is dated 2020-11-01 (source: census-2020), more than 24 months ago: "
            "verify it",
        ],
        timeout=WAIT_MS,
    )
    page.close()
