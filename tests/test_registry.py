"""The registry is the one list of kinds of profile and of formats: a kind and a format
that only the tests know (``tests/plugins``: their own modules, starter and template,
and one registry line each) work through the real command line, batch workers and
``reportgen serve`` included, with nothing else of reportgen changed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reportgen import registry
from tests.helpers import CITY_A, ROOT, TODAY_EPOCH, Result

MANIFEST = """\
profiles: profiles
output: output
jobs:
  - {name: notes, document: note-sheet, sources: [profiles/notes/*.yaml], formats: [txt, html]}
"""


def reportgen(folder: Path, *args: str) -> Result:
    """``reportgen ARGS`` in ``folder`` as a real process that knows the note and ``txt``."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.plugins.cli", *args],
        cwd=folder,
        env=_environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE")}
    return env | {"PYTHONPATH": str(ROOT), "SOURCE_DATE_EPOCH": TODAY_EPOCH, "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def notes_made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of one city and, through ``reportgen new``, one note about it (made once:
    each test works on a copy, ``notes``)."""
    folder = tmp_path_factory.mktemp("notes")
    (folder / "reportgen.yaml").write_text(MANIFEST, encoding="utf-8")
    (folder / "profiles" / "cities").mkdir(parents=True)
    (folder / "profiles" / "cities" / "aville.yaml").write_text(CITY_A, encoding="utf-8")
    made = reportgen(folder, "new", "note", "first-note", "--city", "aville")
    assert made.code == 0, made.stderr
    return folder


@pytest.fixture
def notes(notes_made: Path, tmp_path: Path) -> Path:
    """A copy of ``notes_made`` of the test's own."""
    folder = tmp_path / "notes"
    shutil.copytree(notes_made, folder)
    return folder


@pytest.fixture
def registered() -> Iterator[None]:
    """The note and ``txt`` registered in this process, and taken out again."""
    from tests.plugins import register

    lists: tuple[dict[str, Any], ...] = (registry.KINDS, registry.DOCUMENTS, registry.RENDERERS)
    before = [dict(found) for found in lists]
    register()
    yield
    for found, kept in zip(lists, before, strict=True):
        found.clear()
        found.update(kept)


def test_one_line_adds_a_kind_with_its_documents_and_a_format(registered: None) -> None:
    from reportgen.errors import InvalidInput
    from reportgen.models import model_of, parse_profile
    from reportgen.yamlio import parse

    assert registry.kind_names() == ["city", "note", "proposal", "visit"]
    assert registry.DOCUMENTS["note-sheet"] == registry.DocumentType(
        "note-sheet", "note", "tests.plugins.note"
    )
    assert registry.default_document("note").name == "note-sheet"
    assert registry.RENDERERS["txt"].media_type == "text/plain; charset=utf-8"
    # a pass over all of a run's files at once is the entry's too: Word has one, txt none
    assert registry.passed_together(["pdf", "txt", "docx", "html", "docx"]) == ("docx",)
    assert registry.RENDERERS["docx"].deferred == ("page_numbers",)
    assert model_of("note").__name__ == "Note"
    with pytest.raises(InvalidInput) as raised:
        parse_profile(parse("kind: memo\nid: x\n", Path("x.yaml")))
    assert "use one of city, note, proposal, visit" in raised.value.report.issues[0].message


def test_the_built_in_lists_are_left_as_they_were() -> None:
    assert registry.kind_names() == ["city", "proposal", "visit"]
    assert list(registry.DOCUMENTS) == ["city-profile", "briefing", "proposal"]
    assert list(registry.RENDERERS) == ["pdf", "docx", "html"]


def test_new_validate_and_build_a_note(notes: Path) -> None:
    written = notes / "profiles" / "notes" / "first-note.yaml"  # the kind's own folder
    assert "kind: note" in written.read_text(encoding="utf-8")
    checked = reportgen(notes, "validate", "profiles")
    assert checked.code == 0, checked.stderr
    built = reportgen(
        notes, "build", str(written), "--format", "txt", "--format", "html", "-o", "out"
    )
    assert built.code == 0, built.stderr
    text = (notes / "out" / "first-note.note-sheet.en.txt").read_text(encoding="utf-8")
    assert text.splitlines()[:3] == ["A note on aville", "", "Aville"]
    page = (notes / "out" / "first-note.note-sheet.en.html").read_text(encoding="utf-8")
    assert '<p class="note-sheet">note sheet</p>' in page  # the kind's own template


def test_validate_runs_the_kinds_rules_and_resolves_its_references(notes: Path) -> None:
    broken = notes / "profiles" / "notes" / "broken.yaml"
    broken.write_text(
        "kind: note\nid: broken\ncity: nowhere\ntitle: Same\nbody: Same\n", encoding="utf-8"
    )
    checked = reportgen(notes, "validate", "profiles")
    assert checked.code == 1
    assert "profiles/notes/broken.yaml:3:7: city: unknown city 'nowhere'" in checked.stderr
    assert "profiles/notes/broken.yaml:5:7: body: the body only repeats the title" in (
        checked.stderr
    )


def test_a_batch_builds_notes_in_its_workers_then_finds_them_fresh(notes: Path) -> None:
    first = reportgen(notes, "batch", "--jobs", "2", "--report", "first.json")
    assert first.code == 0, first.stderr
    assert first.lines[-1].startswith("built 2, fresh 0, failed 0 in ")
    again = reportgen(notes, "batch", "--jobs", "1", "--report", "again.json")
    assert again.lines[-1].startswith("built 0, fresh 2, failed 0 in ")
    record = json.loads((notes / "again.json").read_text(encoding="utf-8"))
    assert {task["target"]: task["status"] for task in record["tasks"]} == {
        "output/first-note.note-sheet.en.txt": "fresh",
        "output/first-note.note-sheet.en.html": "fresh",
    }


def test_serve_lists_the_format_and_serves_it_as_its_media_type(notes: Path) -> None:
    pytest.importorskip("starlette", reason="the serve extra is not installed")
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.plugins.cli", "serve", "--port", "0"],
        cwd=notes,
        env=_environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        printed = []
        for line in server.stderr:
            printed.append(line)
            found = re.search(r"at (http://\S+/) ", line)
            if found:
                break
        else:
            pytest.fail(f"the server ended: {printed}")
        url = found.group(1)
        with urllib.request.urlopen(url, timeout=60) as index:
            links = set(re.findall(r'href="(/[^"]+)"', index.read().decode("utf-8")))
        key = "first-note.note-sheet.en"
        assert {f"/{key}", f"/{key}.pdf", f"/{key}.docx", f"/{key}.txt"} <= links
        with urllib.request.urlopen(f"{url}{key}.txt", timeout=120) as text:
            assert text.headers["content-type"] == "text/plain; charset=utf-8"
            assert text.read().decode("utf-8").startswith("A note on aville\n")
    finally:
        server.terminate()
        server.communicate(timeout=60)  # and its pipe closed
