"""The example project: it validates, and every example survives a round trip through JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

import reportgen
from reportgen.models import json_schema
from tests.helpers import ROOT, TODAY, RunCli, example_files


def test_examples_validate_without_errors(example_project: Path) -> None:
    report = reportgen.validate(["profiles", "reportgen.yaml"], today=TODAY)

    assert [str(issue) for issue in report.errors] == []


def test_examples_validate_on_the_command_line(cli: RunCli, example_project: Path) -> None:
    result = cli("validate", "profiles", "reportgen.yaml")

    assert result.code == 0, result.stderr
    assert result.lines[-1].startswith("valid: 0 errors")


def test_examples_cover_every_kind() -> None:
    kinds = sorted({reportgen.load(ROOT / path).kind for path in example_files()})

    assert kinds == ["city", "proposal", "visit"]


@pytest.mark.parametrize("path", example_files(), ids=str)
def test_example_validates_on_its_own(cli: RunCli, example_project: Path, path: Path) -> None:
    result = cli("validate", str(path))

    assert result.code == 0, result.stderr


@pytest.mark.parametrize("path", example_files(), ids=str)
def test_example_round_trips_through_json(path: Path) -> None:
    profile = reportgen.load(ROOT / path)

    dumped = json.loads(json.dumps(profile.model_dump(mode="json")))
    again = type(profile).model_validate(dumped)

    assert again == profile
    assert again.model_dump(mode="json") == dumped


@pytest.mark.parametrize("path", example_files(), ids=str)
def test_example_dump_is_valid_against_the_schema(path: Path) -> None:
    profile = reportgen.load(ROOT / path)

    dumped = profile.model_dump(mode="json")

    errors = Draft202012Validator(json_schema(profile.kind)).iter_errors(dumped)
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []
