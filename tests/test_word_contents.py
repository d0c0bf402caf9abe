"""Word contents numbered from LibreOffice's layout: a batch, or a build of several Word
files, starts LibreOffice once for all of them, and gives the bytes a build of each alone
gives."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from reportgen import scheduler as runner
from reportgen.documents.content import Cover, Document, Meta, Paragraph, Run, Section
from reportgen.renderers.docx import office, render_docx
from reportgen.renderers.docx.contents import contents_anchors, number_all, numbered
from reportgen.workspace import Options
from tests.helpers import (
    RunCli,
    contents_entries,
    counted_soffice,
    open_docx,
    outline_pages,
    set_marker,
)

SOFFICE = shutil.which("soffice")
needs_office = pytest.mark.skipif(
    SOFFICE is None, reason="needs LibreOffice (libreoffice-writer-nogui)"
)

VISIT = "profiles/visits/dalian-to-kitakyushu-2027-05.yaml"
MANIFEST = f"""\
profiles: profiles
output: output
defaults: {{formats: [docx]}}
jobs:
  - {{name: english, document: briefing, sources: [{VISIT}]}}
  - {{name: japanese, document: briefing, sources: [{VISIT}], languages: [ja]}}
  - {{name: cities, document: city-profile, sources: [profiles/cities/dalian.yaml]}}
"""
NUMBERED = (
    "dalian-to-kitakyushu-2027-05.briefing.en.docx",
    "dalian-to-kitakyushu-2027-05.briefing.ja.docx",
)
NO_FONTS = "--no-embed-fonts"
"""The Word files here carry no fonts: the pass numbers their contents alike, and no test
here reads the fonts (``test_layout`` does); subsetting them costs a second a file."""
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def word_batch(example_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example project with a manifest of three Word files, two with contents."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(example_project / "cache"))
    (example_project / "reportgen.yaml").write_text(MANIFEST, encoding="utf-8")
    return example_project


def laid_out(files: list[Path], folder: Path) -> dict[str, list[tuple[str, int]]]:
    """The headings of each Word file with the page LibreOffice lays each on (one run of
    the real LibreOffice, with a profile of its own)."""
    assert SOFFICE is not None
    profile = (folder / "profile").as_uri()
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), *map(str, files)],
        capture_output=True, check=True, timeout=300,
    )  # fmt: skip
    return {file.name: outline_pages(folder / f"{file.stem}.pdf") for file in files}


def assert_numbered_as_laid_out(files: list[Path], folder: Path) -> None:
    """Each entry of each file's contents prints the page LibreOffice lays its heading on,
    and the contents stay a field, so that Word can update them."""
    layouts = laid_out(files, folder)
    for file in files:
        entries = contents_entries(file)
        assert len(entries) > 15, file.name
        assert all(page.isdigit() for _, page in entries), (file.name, entries)
        # each entry's number is the page its heading lands on (outline: in reading order)
        headings = iter(layouts[file.name])
        for title, page in entries:
            landed = next(number for heading, number in headings if heading == title)
            assert (file.name, title, int(page)) == (file.name, title, landed)
        word = open_docx(str(file))
        fields = [t.text or "" for t in word.element.body.iter(f"{W}instrText")]
        assert any(text.strip().startswith("TOC ") for text in fields), file.name
        references = sum(text.strip().startswith("PAGEREF _Toc_") for text in fields)
        assert references == len(entries), file.name


@needs_office
def test_a_batch_numbers_the_contents_of_all_its_word_files_in_one_libreoffice_run(
    word_batch: Path, cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = counted_soffice(tmp_path / "bin", monkeypatch)

    first = cli("batch", "--jobs", "2", NO_FONTS)
    started = runs.read_text().splitlines() if runs.exists() else []
    again = cli("batch", "--jobs", "2", NO_FONTS)
    built = cli("build", VISIT, "--format", "docx", "--lang", "en", "--lang", "ja", NO_FONTS,
                "-o", "alone")  # fmt: skip

    assert first.code == 0, first.stderr
    assert "built 3, fresh 0, failed 0" in first.stderr
    assert len(started) == 1  # one LibreOffice for the two files with contents
    assert "note:" not in first.stderr
    output = word_batch / "output"
    assert_numbered_as_laid_out([output / name for name in NUMBERED], tmp_path / "layout")
    # what the build state recorded is the numbered file: nothing is built again
    assert again.code == 0, again.stderr
    assert "built 0, fresh 3, failed 0" in again.stderr
    # a build of two Word files starts LibreOffice once too, and writes the same bytes
    assert built.code == 0, built.stderr
    assert "LibreOffice" not in built.stderr
    assert len(runs.read_text().splitlines()) == 2
    for name in NUMBERED:
        alone = (word_batch / "alone" / name).read_bytes()
        assert alone == (output / name).read_bytes(), name


@needs_office
def test_a_libreoffice_that_hangs_leaves_every_word_file_unnumbered_with_one_note(
    word_batch: Path, cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = counted_soffice(tmp_path / "bin", monkeypatch, "sleep 600 &\nwait")
    # a second for the two files: the stand-in never ends, so only how long it is waited
    # for changes (it notes its run within milliseconds of its start)
    monkeypatch.setattr(office, "LAYOUT_TIMEOUT", 0.5)
    monkeypatch.setattr(office, "FURTHER_TIMEOUT", 0.5)

    done = cli("batch", "--jobs", "1", "--only", "english", "--only", "japanese", NO_FONTS)

    assert done.code == 0, done.stderr
    assert "built 2, fresh 0, failed 0" in done.stderr
    assert len(runs.read_text().splitlines()) == 1
    notes = [line for line in done.stderr.splitlines() if line.startswith("note:")]
    assert notes == [office.FAILED.format(reason="LibreOffice took more than 1 s")]
    for name in NUMBERED:
        entries = contents_entries(word_batch / "output" / name)
        assert entries and all(page == "" for _, page in entries), name


def word_file() -> bytes:
    """A Word file with contents of twelve entries, unnumbered."""
    created = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    sections = tuple(Section(f"s{n}", f"Part {n}", 1, (Paragraph((Run("x"),)),)) for n in range(12))
    document = Document(
        name="briefing",
        meta=Meta("Small", "Tester", "Test", ("a",), "en", created, created),
        cover=Cover(kicker="Test", title="Small", mark="Internal"),
        sections=sections,
        labels={"contents": "Contents", "page": "Page", "of": "of"},
    )
    return render_docx(document, page_numbers=False, embed_fonts=False)


def test_a_finished_word_file_is_numbered_once_with_the_pages_given(tmp_path: Path) -> None:
    unnumbered = word_file()
    anchors = contents_anchors(unnumbered)
    pages = {anchor: index + 3 for index, anchor in enumerate(anchors)}

    once = numbered(unnumbered, pages)
    (tmp_path / "once.docx").write_bytes(once)

    assert len(anchors) == 12
    assert contents_entries(tmp_path / "once.docx") == [
        (f"Part {n}", str(n + 3)) for n in range(12)
    ]
    assert contents_anchors(once) == []  # nothing left to number
    assert numbered(once, pages) == once
    assert numbered(unnumbered, {}) == unnumbered


def test_without_libreoffice_nothing_is_numbered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "soffice", lambda: None)

    numbering = number_all({"a": word_file()})

    assert numbering.files == {} and numbering.failure == ""


def test_a_scheduled_run_logs_the_note_of_a_libreoffice_that_hangs(
    word_batch: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    manifest = word_batch / "reportgen.yaml"
    manifest.write_text(
        MANIFEST + 'schedules:\n  - {name: nightly, cron: "0 2 * * *", jobs: [english]}\n',
        encoding="utf-8",
    )
    now = dt.datetime.now(dt.UTC)
    set_marker(manifest, "nightly", now - dt.timedelta(days=2))
    counted_soffice(tmp_path / "bin", monkeypatch, "sleep 600 &\nwait")
    monkeypatch.setattr(office, "LAYOUT_TIMEOUT", 1.0)
    monkeypatch.setattr(office, "FURTHER_TIMEOUT", 1.0)
    caplog.set_level(logging.INFO, logger="reportgen")

    run_batch = runner.default_run_batch(lambda: False, Options(embed_fonts=False), jobs=1)
    ran = runner.run_due(manifest, now, run_batch)

    assert ran == ["nightly"]
    note = office.FAILED.format(reason="LibreOffice took more than 1 s")  # one file
    assert [r.getMessage() for r in caplog.records if "page numbers" in r.getMessage()] == [
        f"schedule nightly: {note}"
    ]
