"""The command line: output shape, exit codes, tracebacks, ``new``, and what it imports."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import reportgen
from reportgen.models import Proposal, Visit
from tests.helpers import BROKEN_CITY, CITY_A, RunCli, WriteFile

STALE_CITY = """\
kind: city
id: stale
name: Stale
country: JP
summary: A city.
population: [{value: 1000, as_of: 2019, source: census}]
sources: [{id: census, title: Census}]
"""


# --- output and exit codes -----------------------------------------------------------------------


def test_validate_valid_files_exit_0_with_a_summary(cli: RunCli, write: WriteFile) -> None:
    write("a.yaml", CITY_A)

    result = cli("validate", "a.yaml")

    assert (result.code, result.stdout, result.lines) == (
        0,
        "",
        ["valid: 0 errors, 0 warnings"],
    )


def test_validate_invalid_file_exits_1_with_every_problem_on_stderr(
    cli: RunCli, write: WriteFile
) -> None:
    write("broken.yaml", BROKEN_CITY)

    result = cli("validate", "broken.yaml")

    assert result.code == 1
    assert result.stdout == ""
    assert result.lines == [
        "broken.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 country code",
        "broken.yaml:6:13: sdg_focus[0]: Input should be less than or equal to 17",
        "invalid: 2 errors, 0 warnings",
    ]


def test_validate_errors_come_before_warnings(cli: RunCli, write: WriteFile) -> None:
    # "a-stale" sorts before "broken", so only the severity can put the errors first
    write("a-stale.yaml", STALE_CITY)
    write("broken.yaml", BROKEN_CITY)

    result = cli("validate", "a-stale.yaml", "broken.yaml")

    assert result.code == 1
    assert result.lines == [
        "broken.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 country code",
        "broken.yaml:6:13: sdg_focus[0]: Input should be less than or equal to 17",
        "a-stale.yaml:6:35: population[0].as_of: warning: population 1,000 is dated 2019"
        " (source: census), more than 24 months ago: verify it",
        "invalid: 2 errors, 1 warning",
    ]


def test_validate_problem_lines_have_the_promised_shape(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write("profiles/cities/broken.yaml", BROKEN_CITY)
    write("profiles/cities/stale.yaml", STALE_CITY)
    write("profiles/cities/dup.yaml", BROKEN_CITY.replace("XX", "JP") + "id: again\n")

    result = cli("validate", "profiles")

    problems = result.lines[:-1]
    assert len(problems) == 4
    for line in problems:
        where, path, *rest = line.split(": ")
        file, row, col = where.split(":")
        assert file.startswith("profiles/cities/") and file.endswith(".yaml")
        assert int(row) >= 1 and int(col) >= 1
        assert path and rest


def test_validate_missing_path_is_an_error(cli: RunCli, workdir: Path) -> None:
    result = cli("validate", "nowhere.yaml")

    assert result.code == 1
    assert result.lines == ["nowhere.yaml: no such file or folder", "invalid: 1 error, 0 warnings"]


def test_validate_folder_without_yaml_is_an_error(cli: RunCli, workdir: Path) -> None:
    (workdir / "empty").mkdir()

    result = cli("validate", "empty")

    assert result.code == 1
    assert result.lines == ["empty: no YAML files found", "invalid: 1 error, 0 warnings"]


def test_validate_folder_is_searched_recursively_skipping_hidden_files(
    cli: RunCli, write: WriteFile
) -> None:
    write("profiles/deep/er/a.yml", CITY_A)
    write("profiles/.backup/broken.yaml", BROKEN_CITY)
    write("profiles/notes.txt", "country: XX\n")

    result = cli("validate", "profiles")

    assert result.code == 0, result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["validate", "--no-such-option", "x.yaml"],
        ["no-such-command"],
        ["schema", "town"],
        ["validate", "--stale-after", "many", "x.yaml"],
    ],
)
def test_cli_usage_error_exits_2(cli: RunCli, workdir: Path, args: list[str]) -> None:
    result = cli(*args)

    assert result.code == 2
    assert "Usage:" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_help_exits_0(cli: RunCli) -> None:
    result = cli("--help")

    assert result.code == 0
    assert "validate" in result.stdout


def test_cli_version_through_python_m(cli_process: RunCli) -> None:
    result = cli_process("--version")

    assert result.code == 0
    assert result.stdout == f"reportgen, version {reportgen.__version__}\n"


# --- tracebacks -----------------------------------------------------------------------------------


def test_validate_hostile_input_never_shows_a_traceback(
    cli_process: RunCli, write: WriteFile
) -> None:
    write("evil.yaml", "kind: !!python/object/apply:os.system [echo]\n")
    write("deep.yaml", "a: " + "[" * 600 + "]" * 600 + "\n")
    write("odd.yaml", "kind: {city: 1}\n")

    result = cli_process("validate", "evil.yaml", "deep.yaml", "odd.yaml")

    assert result.code == 1
    assert "Traceback" not in result.stderr
    assert len(result.lines) == 4


def test_cli_internal_error_shows_no_traceback_without_debug(
    cli_process: RunCli, write: WriteFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("a.yaml", CITY_A)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "9" * 30)  # a "today" past the calendar

    result = cli_process("validate", "a.yaml")

    assert "Traceback" not in result.stderr


def test_cli_debug_shows_the_traceback(cli_process: RunCli, write: WriteFile) -> None:
    write("a.yaml", CITY_A)

    quiet = cli_process("new", "city", "a")
    loud = cli_process("new", "city", "a", "--debug")

    assert quiet.code == 2
    assert quiet.lines == ["error: a.yaml exists; use --force to overwrite it"]
    assert "Traceback (most recent call last)" in loud.stderr
    assert loud.code != 0


# --- imports --------------------------------------------------------------------------------------

_IMPORTS = """\
import sys
from reportgen.cli import main
try:
    main({args!r})
except SystemExit as exc:
    print("exit", exc.code)
print("weasyprint imported:", "weasyprint" in sys.modules)
"""


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--help"], 0),
        (["validate", "--help"], 0),
        (["validate", "profiles", "reportgen.yaml"], 0),
    ],
)
def test_cli_help_and_validate_do_not_import_weasyprint(
    example_project: Path, args: list[str], code: int
) -> None:
    script = textwrap.dedent(_IMPORTS).format(args=args)

    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )

    assert done.stdout.splitlines()[-2:] == [f"exit {code}", "weasyprint imported: False"]


# --- new ------------------------------------------------------------------------------------------


def test_new_city_outside_a_project_writes_a_valid_starter(cli: RunCli, workdir: Path) -> None:
    made = cli("new", "city", "oslo")

    checked = cli("validate", "oslo.yaml")

    assert (made.code, made.stdout) == (0, "oslo.yaml\n")
    assert (workdir / "oslo.yaml").read_text(encoding="utf-8").startswith("# City profile")
    # valid, with a warning for each placeholder left to fill in
    assert (checked.code, checked.lines[-1][:16]) == (0, "valid: 0 errors,")


def test_new_proposal_in_a_project_uses_its_cities_and_validates(
    cli: RunCli, project: Path
) -> None:
    made = cli("new", "proposal", "clean-air")

    checked = cli("validate", "profiles")

    written = project / "profiles/proposals/clean-air.yaml"
    assert made.code == 0
    assert Path(made.stdout.strip()).resolve() == written.resolve()
    proposal = reportgen.load(written)
    assert isinstance(proposal, Proposal)
    assert (proposal.kind, proposal.lead, proposal.partners) == ("proposal", "aville", ["bville"])
    # valid, with a warning for each placeholder left to fill in
    assert (checked.code, checked.lines[-1][:16]) == (0, "valid: 0 errors,")


def test_new_visit_in_a_project_uses_its_cities_and_validates(cli: RunCli, project: Path) -> None:
    made = cli("new", "visit", "bville-to-aville")

    checked = cli("validate", "profiles")

    written = project / "profiles/visits/bville-to-aville.yaml"
    assert made.code == 0
    assert Path(made.stdout.strip()).resolve() == written.resolve()
    visit = reportgen.load(written)
    assert isinstance(visit, Visit)
    assert (visit.kind, visit.host, visit.guest) == ("visit", "aville", "bville")
    # valid, with a warning for each placeholder left to fill in
    assert (checked.code, checked.lines[-1][:16]) == (0, "valid: 0 errors,")


def test_new_refuses_to_overwrite_without_force(cli: RunCli, write: WriteFile) -> None:
    path = write("oslo.yaml", "# mine\n")

    result = cli("new", "city", "oslo")

    assert result.code == 2
    assert result.lines == ["error: oslo.yaml exists; use --force to overwrite it"]
    assert path.read_text(encoding="utf-8") == "# mine\n"


def test_new_overwrites_with_force(cli: RunCli, write: WriteFile) -> None:
    path = write("oslo.yaml", "# mine\n")

    result = cli("new", "city", "oslo", "--force")

    assert result.code == 0
    assert "id: oslo" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("ident", ["Oslo", "oslo_city", "-oslo", "a" * 64, "../oslo", "oslo.yaml"])
def test_new_bad_id_exits_2_and_writes_nothing(cli: RunCli, workdir: Path, ident: str) -> None:
    result = cli("new", "city", "--", ident)

    assert result.code == 2
    assert "is not a valid id" in result.stderr
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize("ident", ["con", "oslo\n"])
def test_new_id_that_the_models_refuse_exits_2(cli: RunCli, workdir: Path, ident: str) -> None:
    result = cli("new", "city", ident)

    assert result.code == 2
    assert list(workdir.iterdir()) == []


def test_validate_same_file_twice_reports_each_problem_once(cli: RunCli, write: WriteFile) -> None:
    write("broken.yaml", BROKEN_CITY)

    result = cli("validate", "broken.yaml", "./broken.yaml", ".")

    assert result.lines[-1] == "invalid: 2 errors, 0 warnings"


def test_validate_markup_in_user_text_is_printed_literally(cli: RunCli, write: WriteFile) -> None:
    write("c.yaml", BROKEN_CITY.replace("XX", '"[red]X[/red]"'))

    result = cli("validate", "c.yaml")

    assert (
        "c.yaml:4:10: country: '[red]X[/red]' is not an ISO 3166-1 alpha-2 country code"
        in result.lines
    )


def test_validate_emoji_codes_in_user_text_are_printed_literally(
    cli: RunCli, write: WriteFile
) -> None:
    write("c.yaml", BROKEN_CITY.replace("XX", '":fire:"'))

    result = cli("validate", "c.yaml")

    assert "c.yaml:4:10: country: ':fire:' is not an ISO 3166-1 alpha-2 country code" in (
        result.lines
    )
