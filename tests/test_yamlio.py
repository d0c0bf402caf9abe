"""YAML reading: 1.1 traps that must not bite, and hostile or broken files as located errors."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

import reportgen
from reportgen.errors import InvalidInput
from reportgen.models import CityProfile, Visit
from tests.helpers import CITY_A, RunCli, WriteFile

OSLO = """\
kind: city
id: oslo
name: Oslo
country: NO
summary: Capital of Norway.
"""


def _load_city(path: Path) -> CityProfile:
    profile = reportgen.load(path)
    assert isinstance(profile, CityProfile)
    return profile


def _problems(path: Path) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        reportgen.load(path)
    return [str(issue) for issue in caught.value.report]


# --- YAML 1.1 traps --------------------------------------------------------------------------


def test_load_country_no_stays_norway(write: WriteFile) -> None:
    path = write("oslo.yaml", OSLO)

    city = _load_city(path)

    assert city.country == "NO"


def test_load_time_stays_a_time_string(write: WriteFile) -> None:
    path = write("oslo.yaml", OSLO + "extra: {start: 10:30, meeting: 1:20:30}\n")

    city = _load_city(path)

    assert city.extra == {"start": "10:30", "meeting": "1:20:30"}


def test_load_unquoted_agenda_time_is_read_as_that_time(write: WriteFile) -> None:
    write("profiles/cities/aville.yaml", CITY_A)
    path = write(
        "v.yaml",
        """\
        kind: visit
        id: v
        title: Visit
        direction: inbound
        host: aville
        guest: bville
        dates: {start: 2027-05-12, end: 2027-05-12}
        timezone: Asia/Tokyo
        purpose: Talks.
        agenda:
          - {date: 2027-05-12, start: 10:30, end: 11:45, title: Call}
        """,
    )

    visit = reportgen.load(path)

    assert isinstance(visit, Visit)
    assert f"{visit.agenda[0].start:%H:%M}-{visit.agenda[0].end:%H:%M}" == "10:30-11:45"


def test_load_month_stays_a_month(write: WriteFile) -> None:
    path = write("oslo.yaml", OSLO + "population: [{value: 700000, as_of: 2019-05}]\n")

    city = _load_city(path)

    as_of = city.population[0].as_of
    assert (str(as_of), as_of.precision) == ("2019-05", "month")


def test_load_year_and_day_keep_their_precision(write: WriteFile) -> None:
    path = write(
        "oslo.yaml",
        OSLO + "population:\n  - {value: 1, as_of: 2019}\n  - {value: 2, as_of: 2019-05-01}\n",
    )

    city = _load_city(path)

    assert [(str(p.as_of), p.as_of.precision) for p in city.population] == [
        ("2019", "year"),
        ("2019-05-01", "day"),
    ]


def test_load_yes_and_on_stay_strings(write: WriteFile) -> None:
    path = write("oslo.yaml", OSLO + "extra: {answer: yes, switch: on, no: off}\n")

    city = _load_city(path)

    assert city.extra == {"answer": "yes", "switch": "on", "no": "off"}


def test_load_float_is_an_exact_decimal(write: WriteFile) -> None:
    path = write("oslo.yaml", OSLO + "area_km2: {value: 454.03, as_of: 2020}\n")

    city = _load_city(path)

    assert city.area_km2 is not None
    assert city.area_km2.value == Decimal("454.03")


def test_load_yaml_1_1_directive_is_refused(write: WriteFile) -> None:
    path = write("oslo.yaml", "%YAML 1.1\n---\n" + OSLO)

    assert _problems(path) == [
        "oslo.yaml:1:1: YAML 1.1 is not supported; files are read as YAML 1.2"
    ]


def test_load_yaml_1_2_directive_is_accepted(write: WriteFile) -> None:
    path = write("oslo.yaml", "%YAML 1.2\n---\n" + OSLO)

    city = _load_city(path)

    assert city.country == "NO"


def test_load_bom_is_ignored(workdir: Path) -> None:
    path = workdir / "oslo.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + OSLO.encode())

    city = _load_city(path)

    assert city.id == "oslo"


# --- broken and hostile files ------------------------------------------------------------------


def test_validate_duplicate_key_is_located_at_the_second(cli: RunCli, write: WriteFile) -> None:
    write("oslo.yaml", OSLO + "country: SE\n")

    result = cli("validate", "oslo.yaml")

    assert result.code == 1
    assert "oslo.yaml:6:1: country: duplicate key (first given at line 4)" in result.lines


def test_validate_unknown_key_is_located_at_the_key_with_a_hint(
    cli: RunCli, write: WriteFile
) -> None:
    write("oslo.yaml", OSLO.replace("summary:", "sumary:"))

    result = cli("validate", "oslo.yaml")

    assert result.code == 1
    assert (
        "oslo.yaml:5:1: sumary: unknown key 'sumary'; did you mean 'summary'?"
        " (free-form values belong under 'extra')"
    ) in result.lines
    assert "oslo.yaml:1:1: summary: required, but missing" in result.lines


def test_validate_nested_unknown_key_is_located_at_the_key(cli: RunCli, write: WriteFile) -> None:
    write("oslo.yaml", OSLO + "population:\n  - value: 700000\n    as_of: 2019\n    sorce: ssb\n")

    result = cli("validate", "oslo.yaml")

    assert result.code == 1
    assert (
        "oslo.yaml:9:5: population[0].sorce: unknown key 'sorce'; did you mean 'source'?"
        " (free-form values belong under 'extra')"
    ) in result.lines


def test_validate_keys_under_extra_are_free(cli: RunCli, write: WriteFile) -> None:
    write("oslo.yaml", OSLO + "extra: {anything: [1, 2], nested: {sumary: x}}\n")

    result = cli("validate", "oslo.yaml")

    assert result.code == 0, result.stderr


def test_validate_object_constructing_tag_is_refused_and_never_run(
    cli: RunCli, write: WriteFile, workdir: Path
) -> None:
    write("evil.yaml", 'kind: !!python/object/apply:os.system ["touch pwned"]\n')

    result = cli("validate", "evil.yaml")

    assert result.code == 1
    assert (
        "evil.yaml:1:7: kind: tag tag:yaml.org,2002:python/object/apply:os.system is not allowed"
    ) in result.lines
    assert not (workdir / "pwned").exists()


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("!!python/name:os.system ''", "tag:yaml.org,2002:python/name:os.system"),
        ("!!python/object:os.system {}", "tag:yaml.org,2002:python/object:os.system"),
        ("!!binary aGk=", "tag:yaml.org,2002:binary"),
        ("!!set {a}", "tag:yaml.org,2002:set"),
        ("!custom 1", "!custom"),
    ],
)
def test_validate_other_tags_are_refused(
    cli: RunCli, write: WriteFile, value: str, tag: str
) -> None:
    write("oslo.yaml", OSLO + f"extra: {{x: {value}}}\n")

    result = cli("validate", "oslo.yaml")

    assert result.code == 1
    assert f"oslo.yaml:6:12: extra.x: tag {tag} is not allowed" in result.lines


def test_validate_merge_key_is_refused(cli: RunCli, write: WriteFile) -> None:
    write("oslo.yaml", OSLO + "extra:\n  <<: {a: 1}\n")

    result = cli("validate", "oslo.yaml")

    assert result.code == 1
    assert "oslo.yaml:7:3: extra: merge keys (<<) are not supported" in result.lines


def test_validate_alias_bomb_is_stopped(cli: RunCli, write: WriteFile) -> None:
    rows = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for name, prev in zip("bcdefg", "abcdef", strict=True):
        rows.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    write("bomb.yaml", "\n".join(rows) + "\n")

    result = cli("validate", "bomb.yaml")

    assert result.code == 1
    assert re.fullmatch(
        r"bomb\.yaml:\d+:\d+: more than 500,000 values \(alias expansion\?\)", result.lines[0]
    )


def test_validate_recursive_alias_is_refused(cli: RunCli, write: WriteFile) -> None:
    write("loop.yaml", "kind: city\nextra: &loop\n  again: *loop\n")

    result = cli("validate", "loop.yaml")

    assert result.code == 1
    # located at the alias that points back into its own anchor
    assert result.lines[0] == "loop.yaml:3:10: the alias *loop refers to a node that contains it"


def test_validate_deep_nesting_is_refused(cli: RunCli, write: WriteFile) -> None:
    write("deep.yaml", "extra: " + "[" * 100 + "]" * 100 + "\n")

    result = cli("validate", "deep.yaml")

    assert result.code == 1
    # the 64th bracket: with the root mapping, the 65th collection from the top
    assert result.lines[0] == "deep.yaml:1:71: nesting deeper than 64 levels"


def test_validate_nesting_deeper_than_python_can_follow_is_located(
    cli: RunCli, write: WriteFile
) -> None:
    write("deeper.yaml", "extra: " + "[" * 600 + "]" * 600 + "\n")

    result = cli("validate", "deeper.yaml")

    assert result.code == 1
    assert result.lines[0] == "deeper.yaml:1:71: nesting deeper than 64 levels"
    assert "Traceback" not in result.stderr


def test_validate_oversized_file_is_refused_unread(cli: RunCli, workdir: Path) -> None:
    limit = 4 * 1024 * 1024
    (workdir / "big.yaml").write_bytes(b"kind: city\n" + b"#" * (limit - 11) + b"\n")

    result = cli("validate", "big.yaml")

    assert result.code == 1
    assert result.lines[0] == "big.yaml: file is 4,194,305 bytes; the limit is 4,194,304"


def test_validate_non_utf8_bytes_are_located(cli: RunCli, workdir: Path) -> None:
    (workdir / "latin1.yaml").write_bytes(b"kind: city\nid: oslo\nname: Troms\xf8\n")

    result = cli("validate", "latin1.yaml")

    assert result.code == 1
    assert result.lines[0] == (
        "latin1.yaml:3:12: not UTF-8 text (byte 0xF8): save the file as UTF-8; "
        "it looks like Windows-1252 (Western European)"
    )


def test_validate_raw_control_character_is_located(cli: RunCli, workdir: Path) -> None:
    (workdir / "bell.yaml").write_bytes(OSLO.replace("Oslo\n", "Os\x07lo\n").encode())

    result = cli("validate", "bell.yaml")

    assert result.code == 1
    assert result.lines[0] == "bell.yaml:3:9: the character U+0007 is not allowed in YAML"


def test_validate_lone_surrogate_escape_is_located(cli: RunCli, write: WriteFile) -> None:
    write("oslo.yaml", OSLO.replace("name: Oslo", 'name: "Os\\ud800lo"'))

    result = cli("validate", "oslo.yaml")

    assert result.code == 1
    assert result.lines[0] == (
        "oslo.yaml:3:12: while parsing a quoted scalar found invalid Unicode character escape code"
    )


@pytest.mark.parametrize(
    ("escape", "described"),
    [
        ("\\x07", "U+0007"),
        ("\\x1b", "U+001B"),
        ("\\u202e", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ("\\u202a", "U+202A (LEFT-TO-RIGHT EMBEDDING)"),
        ("\\x85", "U+0085"),
    ],
)
def test_validate_forbidden_character_in_text_is_located(
    cli: RunCli, write: WriteFile, escape: str, described: str
) -> None:
    write("oslo.yaml", OSLO.replace("name: Oslo", f'name: "Os{escape}lo"'))

    result = cli("validate", "oslo.yaml")

    assert result.code == 1
    assert f"oslo.yaml:3:7: name: text contains the character {described}" in result.lines


def test_validate_bidi_override_written_raw_is_located(cli: RunCli, write: WriteFile) -> None:
    write("oslo.yaml", OSLO.replace("Capital", "Capi\u202etal"))

    result = cli("validate", "oslo.yaml")

    assert result.code == 1
    assert (
        "oslo.yaml:5:10: summary: text contains the character U+202E (RIGHT-TO-LEFT OVERRIDE)"
        in result.lines
    )


def test_validate_forbidden_character_in_key_is_located(cli: RunCli, write: WriteFile) -> None:
    write("oslo.yaml", OSLO + 'extra: {"a\\u202eb": 1}\n')

    result = cli("validate", "oslo.yaml")

    assert result.code == 1
    # the key is shown escaped: a raw override would reorder the line on the terminal
    assert (
        "oslo.yaml:6:9: extra.a\\u202eb: key contains the character U+202E (RIGHT-TO-LEFT OVERRIDE)"
        in result.lines
    )


def test_validate_syntax_error_is_located(cli: RunCli, write: WriteFile) -> None:
    write("broken.yaml", "kind: city\nname: [Oslo\nid: oslo\n")

    result = cli("validate", "broken.yaml")

    assert result.code == 1
    assert re.fullmatch(r"broken\.yaml:\d+:\d+: .+", result.lines[0])
    assert "Traceback" not in result.stderr


def test_validate_second_document_is_refused(cli: RunCli, write: WriteFile) -> None:
    write("two.yaml", OSLO + "---\nkind: city\n")

    result = cli("validate", "two.yaml")

    assert result.code == 1
    assert result.lines[0] == ("two.yaml:6:1: a profile is one YAML document (found a second)")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (".inf", "not a finite number: .inf"),
        (".nan", "not a finite number: .nan"),
        ("1.5e400", "number out of range: 1.5e400"),
        ("1" * 31, "not a usable integer: " + "1" * 31),
    ],
)
def test_validate_unusable_number_is_located(
    cli: RunCli, write: WriteFile, value: str, message: str
) -> None:
    write("oslo.yaml", OSLO + f"area_km2: {{value: {value}, as_of: 2020}}\n")

    result = cli("validate", "oslo.yaml")

    assert result.code == 1
    assert f"oslo.yaml:6:19: area_km2.value: {message}" in result.lines


def test_validate_file_that_is_not_a_mapping_is_an_error(cli: RunCli, write: WriteFile) -> None:
    write("list.yaml", "- kind: city\n")

    result = cli("validate", "list.yaml")

    assert result.code == 1
    assert "list.yaml:1:1: a profile is a mapping that starts with kind:" in result.lines


def test_validate_empty_file_is_an_error(cli: RunCli, write: WriteFile) -> None:
    write("empty.yaml", "")

    result = cli("validate", "empty.yaml")

    assert result.code == 1
    assert "empty.yaml: a profile is a mapping that starts with kind:" in result.lines


def test_validate_kind_that_is_not_text_is_an_error(cli: RunCli, write: WriteFile) -> None:
    write("odd.yaml", "kind: [city]\nid: odd\n")

    result = cli("validate", "odd.yaml")

    assert result.code == 1
    assert (
        "odd.yaml:1:7: kind: '['city']' is not a kind of profile: use one of city, proposal, visit"
        in result.lines
    )


def test_validate_unknown_kind_is_an_error(cli: RunCli, write: WriteFile) -> None:
    write("town.yaml", "kind: town\nid: town\n")

    result = cli("validate", "town.yaml")

    assert result.code == 1
    assert (
        "town.yaml:1:7: kind: 'town' is not a kind of profile: use one of city, proposal, visit"
        in result.lines
    )


def test_validate_missing_kind_is_an_error(cli: RunCli, write: WriteFile) -> None:
    write("nokind.yaml", "id: nokind\n")

    result = cli("validate", "nokind.yaml")

    assert result.code == 1
    assert "nokind.yaml:1:1: kind: required, but missing: one of city, proposal, visit" in (
        result.lines
    )


def test_load_small_aliases_are_expanded(write: WriteFile) -> None:
    path = write(
        "oslo.yaml",
        OSLO + "region: &county {en: Oslo county, nb: Oslo fylke}\nmunicipality_type: *county\n",
    )

    city = _load_city(path)

    assert city.region == city.municipality_type
    assert city.region is not None
    assert city.region.get("nb") == "Oslo fylke"


def test_validate_unknown_key_is_matched_against_the_keys_of_its_own_entry(
    cli: RunCli, write: WriteFile
) -> None:
    # 'since' is a key of office holders, not of partnerships (they say 'established'):
    # no "did you mean 'since'?", nor a far-fetched guess such as 'audience'
    write("oslo.yaml", OSLO + "partnerships:\n  - {partner: b, type: friendship, since: 1990}\n")

    result = cli("validate", "oslo.yaml")

    assert result.code == 1
    assert (
        "oslo.yaml:7:36: partnerships[0].since: unknown key 'since'"
        " (free-form values belong under 'extra')"
    ) in result.lines
