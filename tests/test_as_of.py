"""Documents about the past print what was known then: a visit's briefing as of its end,
any document ``--as-of DATE`` (build, a batch job's ``as_of:``, serve, the Python API),
and "today" in the manifest's time zone. Read back from the HTML pages."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import reportgen
from tests.helpers import RunCli, WriteFile, html_text

ANNIVERSARY = "profiles/visits/dalian-to-kitakyushu-2024.yaml"
KITAKYUSHU = "profiles/cities/kitakyushu.yaml"


def test_a_past_visits_briefing_prints_what_was_known_at_its_end(
    cli: RunCli, example_project: Path
) -> None:
    result = cli("build", ANNIVERSARY, "--format", "html", "-o", "out/b.html")
    assert result.code == 0, result.stderr

    text = " ".join(html_text(Path("out/b.html")).split())

    # the register count of 2025 and the mayor "as of 2026" came after the visit (1-2 May 2024)
    assert "913,577" not in text
    assert "as of 2026" not in text
    assert "Mayor Kazuhisa Takeuchi 武内和久 as of 2 May 2024" in text
    assert "939,622 (census, city) as of 2020" in text


def test_build_as_of_a_day_writes_that_days_document(cli: RunCli, example_project: Path) -> None:
    # what a document prints as of a day is the document's, whatever its format: the page
    # its PDF is laid out from (print.css writes the "verify" mark in capitals)
    result = cli("build", KITAKYUSHU, "--as-of", "2022-06", "--format", "html")
    assert result.code == 0, result.stderr
    written = Path("output/kitakyushu.city-profile.en.as-of-2022-06-30.html")

    text = " ".join(html_text(written).split())

    assert result.stdout.split() == [str(written)] or written.is_file()
    # the mayor of then, still in office on that day; no figure counted later
    assert "Head of government Mayor Kenji Kitahashi 北橋健治 as of 1 May 2019" in text
    assert "Takeuchi" not in text[: text.index("Sources")]
    assert "913,577" not in text
    assert "939,622 (census, city) as of 2020" in text
    assert not Path("output/kitakyushu.city-profile.en.html").exists()
    # the document's warnings are those of its day: the mayor it marks "verify" is named
    assert (
        "profiles/cities/kitakyushu.yaml:22:12: officials[1].as_of: warning: Mayor Kenji "
        "Kitahashi is dated 2019-05-01 (source: iclei-2019), more than 24 months ago: verify it"
    ) in result.lines
    assert "verify" in text[text.index("Kitahashi") :][:60]


def test_a_bad_as_of_is_one_line(cli: RunCli, example_project: Path) -> None:
    result = cli("build", KITAKYUSHU, "--as-of", "2024-13-01")

    assert result.code == 2
    assert "Invalid value for '--as-of': '2024-13-01' is not a real date" in result.stderr
    assert "Traceback" not in result.stderr
    assert not Path("output").exists()


def test_a_day_to_come_is_refused(cli: RunCli, example_project: Path) -> None:
    result = cli("build", KITAKYUSHU, "--as-of", "2030")

    assert result.code == 2
    assert result.lines == [
        "error: --as-of 2030-12-31: that day has not come yet (today is 2027-01-15); a "
        "document is written as of today or a past day"
    ]
    assert not Path("output").exists()


BATCH = """\
home: aville
profiles: profiles
defaults: {formats: [html], languages: [en]}
jobs:
  - {name: now, document: city-profile, sources: [profiles/cities/aville.yaml]}
  - {name: then, document: city-profile, sources: [profiles/cities/aville.yaml], as_of: 2024}
"""
AVILLE = """\
kind: city
id: aville
name: Aville
country: JP
summary: A city.
officials:
  - {role: head, title: Mayor, name: Ann New, as_of: 2026, since: 2025-04-01}
  - {role: head, title: Mayor, name: Bob Old, as_of: 2020, until: 2025-03-31}
population:
  - {value: 100000, as_of: 2020, kind: census, scope: city}
  - {value: 98765, as_of: 2025-10-01, kind: census, scope: city}
timeline:
  - {date: 2023-06, title: A port opens}
  - {date: 2026-01, title: A bridge opens}
"""


@pytest.fixture
def aville(write: WriteFile) -> Path:
    write("profiles/cities/aville.yaml", AVILLE)
    return write("reportgen.yaml", BATCH).parent


def test_a_batch_job_as_of_a_day(cli: RunCli, aville: Path) -> None:
    result = cli("batch", "--jobs", "1")
    assert result.code == 0, result.stderr

    now = Path("output/aville.city-profile.en.html").read_text("utf-8")
    then = Path("output/aville.city-profile.en.as-of-2024-12-31.html").read_text("utf-8")

    assert "Ann New" in now and "98,765" in now and "A bridge opens" in now
    assert "Ann New" not in then and "98,765" not in then and "A bridge opens" not in then
    assert "Bob Old" in then and "A port opens" in then
    # the job as of a day is fresh on the next run: it does not age
    again = cli("batch", "--jobs", "1")
    assert again.code == 0, again.stderr
    assert "built 0, fresh 2, failed 0" in again.stderr


def test_the_command_line_as_of_applies_to_every_job_and_the_api(cli: RunCli, aville: Path) -> None:
    result = cli("batch", "--jobs", "1", "--as-of", "2025-06-01")
    api = reportgen.build(
        "profiles/cities/aville.yaml",
        options=reportgen.Options(formats=("html",), as_of=dt.date(2025, 6, 1)),
        output=Path("api"),
    )

    assert result.code == 0, result.stderr
    # the earlier of the job's day and the command line's
    assert sorted(p.name for p in Path("output").glob("*.html")) == [
        "aville.city-profile.en.as-of-2024-12-31.html",
        "aville.city-profile.en.as-of-2025-06-01.html",
    ]
    page = Path("output/aville.city-profile.en.as-of-2025-06-01.html").read_text("utf-8")
    assert 'Mayor Ann New<span class="asof"> as of 1 June 2025' in page
    assert "98,765" not in page
    assert api.written == [Path("api/aville.city-profile.en.as-of-2025-06-01.html")]
    assert api.written[0].read_text("utf-8") == page


def test_the_manifest_schema_shows_as_of(cli: RunCli) -> None:
    result = cli("schema", "manifest")

    schema = json.loads(result.stdout)
    job = schema["$defs"]["Job"]["properties"]["as_of"]
    assert "known" in job["description"]


# --- "today" in the manifest's time zone ------------------------------------------------------

PAGO_PAGO, KIRITIMATI = "Pacific/Pago_Pago", "Pacific/Kiritimati"  # UTC-11 and UTC+14
ZONED = f"""\
home: aville
profiles: profiles
timezone: {PAGO_PAGO}
"""
VISIT = """\
kind: visit
id: {id}
title: {title}
host: aville
guest: bville
dates: {{start: {start}, end: {start}}}
timezone: Asia/Tokyo
purpose: Talks.
"""
BVILLE = """\
kind: city
id: bville
name: Bville
country: CN
summary: Another city.
"""


@pytest.fixture
def zoned(write: WriteFile) -> Path:
    write("reportgen.yaml", ZONED)
    write("profiles/cities/aville.yaml", AVILLE)
    write("profiles/cities/bville.yaml", BVILLE)
    write(
        "profiles/visits/before.yaml", VISIT.format(id="before", title="Before", start="2024-06-03")
    )
    write("profiles/visits/now.yaml", VISIT.format(id="now", title="Now", start="2099-10-05"))
    return Path.cwd()


def window_end(cli_process: RunCli) -> str:
    result = cli_process("build", "profiles/visits/now.yaml", "--format", "html", "-o", "b.html")
    assert result.code == 0, result.stderr
    page = Path("b.html").read_text("utf-8")
    start = page.index("between its end and ") + len("between its end and ")
    return page[start : page.index(":", start)]


def test_the_window_ends_today_in_the_manifests_time_zone(
    cli_process: RunCli, zoned: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", KIRITIMATI)  # a machine a day ahead of the manifest's zone
    monkeypatch.delenv("SOURCE_DATE_EPOCH")

    before = dt.datetime.now(ZoneInfo(PAGO_PAGO)).date()
    end = window_end(cli_process)
    after = dt.datetime.now(ZoneInfo(PAGO_PAGO)).date()

    assert end in {f"{day.day} {day:%B %Y}" for day in (before, after)}


def test_source_date_epoch_is_a_day_in_the_manifests_time_zone(
    cli_process: RunCli, zoned: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", KIRITIMATI)
    moment = dt.datetime(2026, 10, 5, 3, 0, tzinfo=dt.UTC)  # 4 October in Pago Pago
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(moment.timestamp())))

    assert window_end(cli_process) == "4 October 2026"


def test_serve_previews_the_documents_as_of_a_day(aville: Path) -> None:
    from tests.helpers import Server

    server = Server(aville, "--as-of", "2025-06-01")
    try:
        with server.client() as client:
            index = client.get("/").text
            key = "aville.city-profile.en.as-of-2024-12-31"
            page = client.get(f"/{key}.html").text
            today = client.get("/aville.city-profile.en.as-of-2025-06-01.html").text
    finally:
        assert server.stop() == 0

    assert f'href="/{key}"' in index
    assert "Bob Old" in page and "A bridge opens" not in page
    assert "Ann New" in today and "98,765" not in today


def test_a_job_as_of_a_day_to_come_fails_alone_at_its_line(
    cli: RunCli, aville: Path, write: WriteFile
) -> None:
    write("reportgen.yaml", BATCH.replace("as_of: 2024}", "as_of: 2027-06}"))

    result = cli("batch", "--jobs", "1")

    assert result.code == 1
    assert (
        "reportgen.yaml:6:89: jobs[1].as_of: 2027-06 has not ended yet (today is 2027-01-15): "
        "a document is written as of a day that has passed"
    ) in result.stderr
    assert Path("output/aville.city-profile.en.html").is_file()


def test_a_scheduled_run_writes_as_of_the_day_asked(cli: RunCli, workdir: Path) -> None:
    from tests.helpers import NIGHTLY, html_project, set_marker

    path = html_project(workdir, NIGHTLY)
    set_marker(path, "nightly", dt.datetime.now(dt.UTC) - dt.timedelta(days=2))

    result = cli("schedule", "due", str(path), "--as-of", "2022-06")

    assert result.code == 0, result.stderr
    page = (workdir / "output/dalian.city-profile.en.as-of-2022-06-30.html").read_text("utf-8")
    # the mayor on record since 2024 is not known in 2022
    assert "Chen Shaowang" not in page[: page.index('id="sources"')]
    assert "7,450,785" in page
    assert not (workdir / "output/dalian.city-profile.en.html").exists()
