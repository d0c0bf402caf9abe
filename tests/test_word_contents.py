"""Word contents numbered from LibreOffice's layout: a batch, or a build of several Word
files, starts LibreOffice once for all of them, and gives the bytes a build of each alone
gives."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import RunCli, contents_entries, outline_pages

SOFFICE = shutil.which("soffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="needs LibreOffice (libreoffice-writer-nogui)"
)

VISIT = "profiles/visits/dalian-to-kitakyushu-2027-05.yaml"
PROPOSAL = "profiles/proposals/kitakyushu-dalian-air-2027.yaml"
MANIFEST = f"""\
profiles: profiles
output: output
defaults: {{formats: [docx]}}
jobs:
  - {{name: english, document: briefing, sources: [{VISIT}]}}
  - {{name: japanese, document: briefing, sources: [{VISIT}], languages: [ja]}}
  - {{name: proposal, document: proposal, sources: [{PROPOSAL}]}}
  - {{name: cities, document: city-profile, sources: [profiles/cities/dalian.yaml]}}
"""
NUMBERED = (
    "dalian-to-kitakyushu-2027-05.briefing.en.docx",
    "dalian-to-kitakyushu-2027-05.briefing.ja.docx",
    "kitakyushu-dalian-air-2027.proposal.en.docx",
)


def counted_soffice(
    folder: Path, monkeypatch: pytest.MonkeyPatch, script: str | None = None
) -> Path:
    """A ``soffice`` first on the ``PATH`` that notes each run in ``runs`` (one line a run),
    then runs LibreOffice (or ``script`` instead)."""
    runs = folder / "runs"
    folder.mkdir()
    wrapper = folder / "soffice"
    command = script or f'exec {SOFFICE} "$@"'
    wrapper.write_text(f"#!/bin/sh\necho run >> {runs}\n{command}\n")
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return runs


@pytest.fixture
def word_batch(example_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example project with a manifest of four Word files, three with contents."""
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
    layouts = laid_out(files, folder)
    for file in files:
        entries = contents_entries(file)
        assert len(entries) > 5, file.name
        assert all(page.isdigit() for _, page in entries), (file.name, entries)
        headings = iter(layouts[file.name])
        for title, page in entries:
            landed = next(number for heading, number in headings if heading == title)
            assert (file.name, title, int(page)) == (file.name, title, landed)


def test_a_batch_numbers_the_contents_of_all_its_word_files_in_one_libreoffice_run(
    word_batch: Path, cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = counted_soffice(tmp_path / "bin", monkeypatch)

    first = cli("batch", "--jobs", "2")
    started = runs.read_text().splitlines() if runs.exists() else []
    again = cli("batch", "--jobs", "2")
    built = cli("build", VISIT, "--format", "docx", "--lang", "en", "--lang", "ja", "-o", "alone")

    assert first.code == 0, first.stderr
    assert "built 4, fresh 0, failed 0" in first.stderr
    assert len(started) == 1  # one LibreOffice for the three files with contents
    assert "note:" not in first.stderr
    output = word_batch / "output"
    assert_numbered_as_laid_out([output / name for name in NUMBERED], tmp_path / "layout")
    # what the build state recorded is the numbered file: nothing is built again
    assert again.code == 0, again.stderr
    assert "built 0, fresh 4, failed 0" in again.stderr
    # a build of two Word files starts LibreOffice once too, and writes the same bytes
    assert built.code == 0, built.stderr
    assert len(runs.read_text().splitlines()) == 2
    for name in NUMBERED[:2]:
        alone = (word_batch / "alone" / name).read_bytes()
        assert alone == (output / name).read_bytes(), name


def test_a_libreoffice_that_hangs_leaves_every_word_file_unnumbered_with_one_note(
    word_batch: Path, cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen.renderers.docx import office

    runs = counted_soffice(tmp_path / "bin", monkeypatch, "sleep 600 &\nwait")
    monkeypatch.setattr(office, "LAYOUT_TIMEOUT", 1.0)
    monkeypatch.setattr(office, "FURTHER_TIMEOUT", 1.0)

    done = cli("batch", "--jobs", "1", "--only", "english", "--only", "proposal")

    assert done.code == 0, done.stderr
    assert "built 2, fresh 0, failed 0" in done.stderr
    assert len(runs.read_text().splitlines()) == 1
    notes = [line for line in done.stderr.splitlines() if line.startswith("note:")]
    assert notes == [office.FAILED.format(reason="LibreOffice took more than 2 s")]
    for name in (NUMBERED[0], NUMBERED[2]):
        entries = contents_entries(word_batch / "output" / name)
        assert entries and all(page == "" for _, page in entries), name
