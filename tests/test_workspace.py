"""One workspace, one options object, one build step: what build, batch and the API share."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import typing
from pathlib import Path

import pytest

import reportgen
from reportgen.documents.redact import redact
from reportgen.models import Visit
from tests.helpers import EPOCH, TODAY, VISIT, RunCli, Workspace, WriteFile

OLD_CITY = """\
kind: city
id: oldtown
name: Old Town
country: NO
summary: A town with a figure from long ago.
population: {value: 5000, as_of: 2019-06-01, source: census}
sources: [{id: census, title: Census of 2019}]
"""

STRICT_PROJECT = """\
profiles: profiles
output: output
defaults: {formats: [html], languages: [en]}
jobs:
  - {name: towns, document: city-profile, sources: [profiles/*.yaml]}
"""


@pytest.fixture
def old_town(write: WriteFile) -> Path:
    """A project whose one city has a population figure dated 2019: stale on ``TODAY``."""
    write("reportgen.yaml", STRICT_PROJECT)
    return write("profiles/oldtown.yaml", OLD_CITY)


STALE_LINE = (
    "profiles/oldtown.yaml:6:34: population[0].as_of: warning: population 5,000 is dated"
    " 2019-06-01 (source: census), more than 24 months ago: verify it"
)


def test_strict_fails_on_a_stale_fact_in_validate_build_and_batch(
    cli: RunCli, old_town: Path
) -> None:
    validated = cli("validate", "--strict", "profiles")
    built = cli("build", "--strict", "--format", "html", "profiles/oldtown.yaml")
    batched = cli("batch", "--strict", "--report", "report.json")

    assert validated.code == 1 and STALE_LINE in validated.lines
    assert built.code == 1 and STALE_LINE in built.lines
    assert not (old_town.parent.parent / "output" / "oldtown.city-profile.en.html").exists()
    assert batched.code == 1
    assert STALE_LINE + " (--strict: warnings fail)" in [line.strip() for line in batched.lines]
    report = json.loads(Path("report.json").read_text("utf-8"))
    assert report["summary"]["failed"] == 1


def test_strict_passes_when_the_staleness_limit_covers_the_fact(
    cli: RunCli, old_town: Path
) -> None:
    for args in (
        ("validate", "profiles"),
        ("build", "--format", "html", "profiles/oldtown.yaml"),
        ("batch",),
    ):
        result = cli(*args, "--strict", "--stale-after", "600")
        assert result.code == 0, (args, result.stderr)
        assert not any(": warning:" in line for line in result.lines), result.stderr


def test_batch_prints_and_reports_the_warnings_and_rebuilds_their_output_under_strict(
    cli: RunCli, old_town: Path
) -> None:
    result = cli("batch", "--report", "report.json")

    assert result.code == 0, result.stderr
    assert STALE_LINE in result.lines
    report = json.loads(Path("report.json").read_text("utf-8"))
    assert report["summary"]["warnings"] == 1
    assert report["tasks"][0]["warnings"] == [STALE_LINE]

    # the output is fresh, but it has warnings: it is built again and fails
    strict = cli("batch", "--strict")

    assert strict.code == 1
    assert strict.lines[-1].startswith("built 0, fresh 0, failed 1 in ")


def test_build_and_batch_write_byte_identical_pdf_and_docx(
    cli: RunCli, examples: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # build's PDF is the run's shared one (the example project and manifest, on EPOCH);
    # the batch runs on a copy, with the example's settings and one job. The Word file
    # carries its fonts, and its contents have no page numbers: that build and batch number
    # them alike is test_word_contents' (each number costs a LibreOffice run)
    by_build = examples.build(VISIT, "briefing.pdf")
    project = tmp_path / "project"
    shutil.copytree(examples.folder / "profiles", project / "profiles")
    settings, _ = (examples.folder / "reportgen.yaml").read_text("utf-8").split("\njobs:\n")
    job = f"{{name: visit, document: briefing, formats: [pdf, docx], sources: [{VISIT}]}}"
    (project / "reportgen.yaml").write_text(f"{settings}\njobs:\n  - {job}\n", "utf-8")
    monkeypatch.chdir(project)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    unnumbered = "--no-page-numbers"
    built = cli("build", VISIT, "--format", "docx", unnumbered, "-o", str(tmp_path / "by-build"))
    batched = cli("batch", "--jobs", "1", unnumbered)

    assert by_build.run.code == 0, by_build.run.stderr
    assert built.code == 0, built.stderr
    assert batched.code == 0, batched.stderr
    name = "dalian-to-kitakyushu-2027-05.briefing.en"
    assert by_build.path.read_bytes() == (project / "output" / f"{name}.pdf").read_bytes()
    by_build_docx = (tmp_path / "by-build" / f"{name}.docx").read_bytes()
    assert by_build_docx == (project / "output" / f"{name}.docx").read_bytes()


def test_build_finds_the_project_of_the_file_before_the_working_folder(
    cli: RunCli, write: WriteFile, workdir: Path
) -> None:
    write("elsewhere/reportgen.yaml", "profiles: profiles\noutput: out\n")
    write("elsewhere/profiles/oldtown.yaml", OLD_CITY)
    write("elsewhere/templates/print.css", "body { color: rgb(1, 2, 3); }\n")
    write("reportgen.yaml", "output: here\n")

    result = cli("build", "--format", "html", "elsewhere/profiles/oldtown.yaml")

    assert result.code == 0, result.stderr
    page = workdir / "elsewhere/out/oldtown.city-profile.en.html"
    assert "rgb(1, 2, 3)" in page.read_text("utf-8")
    assert not (workdir / "here").exists()


@pytest.mark.parametrize("value", ["99999999999999999999", "12abc"])
def test_an_unusable_source_date_epoch_is_one_line(
    cli: RunCli, old_town: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)

    for args in (("validate", "profiles"), ("batch",), ("build", "profiles/oldtown.yaml")):
        result = cli(*args)
        assert result.code == 2, args
        assert len(result.lines) == 1 and "SOURCE_DATE_EPOCH" in result.lines[0], result.stderr


def test_the_public_edition_is_redacted_before_any_document_is_built() -> None:
    visit = reportgen.load("profiles/visits/dalian-to-kitakyushu-2027-05.yaml")
    assert isinstance(visit, Visit)
    assert visit.sensitivities and any(p.audience == "internal" for p in visit.talking_points)

    public = redact(visit)

    assert isinstance(public, Visit)
    assert public.sensitivities == []
    assert all(p.audience != "internal" for p in public.talking_points)
    assert all(c.phone is None and c.email is None for c in public.contacts)
    assert all(p.dietary is None for p in public.delegation)
    assert all(item.audience != "internal" for item in public.agenda)
    assert redact(public) == public


def test_the_public_api_has_concrete_types_and_docstrings() -> None:
    from reportgen.batching import BatchResult, Progress
    from reportgen.errors import Report
    from reportgen.models import Profile
    from reportgen.pipeline import BuildResult

    names = {
        "BatchResult": BatchResult,
        "Progress": Progress,
        "Report": Report,
        "Profile": Profile,
        "BuildResult": BuildResult,
    }
    for function in (reportgen.validate, reportgen.build, reportgen.batch, reportgen.load):
        hints = typing.get_type_hints(function, localns=names)
        assert "return" in hints, function.__name__
        assert typing.Any not in hints.values(), function.__name__
        assert function.__doc__, function.__name__


def test_the_api_builds_validates_and_batches_with_one_options_object(
    old_town: Path, workdir: Path
) -> None:
    options = reportgen.Options(formats=("html",), strict=True, stale_after=600)

    report = reportgen.validate(["profiles"], options=options, today=TODAY)
    built = reportgen.build("profiles/oldtown.yaml", options=options, today=TODAY)
    batched = reportgen.batch(options=options, today=TODAY, jobs=1)

    assert not report.failed(strict=True)
    assert built.written == [workdir / "output/oldtown.city-profile.en.html"]
    # build writes files and records nothing: the batch builds the same bytes again
    page = workdir / "output/oldtown.city-profile.en.html"
    first = page.read_bytes()
    assert batched.ok and batched.summary().startswith("built 1, fresh 0, failed 0")
    assert page.read_bytes() == first
    later = reportgen.validate(["profiles"], today=dt.date(2030, 1, 1))
    assert later.failed(strict=True)
