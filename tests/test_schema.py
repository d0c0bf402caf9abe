"""``reportgen schema``: valid JSON Schema (draft 2020-12) that the example files satisfy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from reportgen import yamlio
from tests.helpers import ROOT, RunCli, example_files, plain

KINDS = ["city", "proposal", "visit", "manifest"]


def _schema(cli: RunCli, *kind: str) -> dict[str, Any]:
    result = cli("schema", *kind)
    assert result.code == 0, result.stderr
    schema: dict[str, Any] = json.loads(result.stdout)
    return schema


def _data(path: Path) -> Any:
    return plain(yamlio.load(path).data)


def _errors(schema: dict[str, Any], data: Any) -> list[str]:
    validator = Draft202012Validator(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


@pytest.mark.parametrize("kind", [*KINDS, None])
def test_schema_is_valid_draft_2020_12(cli: RunCli, kind: str | None) -> None:
    schema = _schema(cli, *([kind] if kind else []))

    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", example_files(), ids=str)
def test_schema_of_its_kind_accepts_the_example(cli: RunCli, path: Path) -> None:
    data = _data(ROOT / path)

    schema = _schema(cli, data["kind"])

    assert _errors(schema, data) == []


@pytest.mark.parametrize("path", example_files(), ids=str)
def test_schema_of_any_profile_accepts_the_example(cli: RunCli, path: Path) -> None:
    data = _data(ROOT / path)

    schema = _schema(cli)

    assert _errors(schema, data) == []


def test_schema_of_the_manifest_accepts_the_example(cli: RunCli) -> None:
    data = _data(ROOT / "reportgen.yaml")

    schema = _schema(cli, "manifest")

    assert _errors(schema, data) == []


def test_schema_refuses_unknown_keys_and_wrong_kinds(cli: RunCli) -> None:
    city = {"kind": "city", "id": "oslo", "name": "Oslo", "country": "NO", "summary": "Capital."}
    schema = _schema(cli, "city")

    assert _errors(schema, city) == []
    assert _errors(schema, {**city, "sumary": "typo"}) != []
    assert _errors(schema, {**city, "kind": "visit"}) != []
    assert _errors(schema, {**city, "id": "Oslo"}) != []


def test_schema_describes_fields_from_their_docstrings(cli: RunCli) -> None:
    schema = _schema(cli, "city")

    assert schema["properties"]["country"]["description"] == "ISO 3166-1 alpha-2 code."


def test_schema_output_option_writes_the_file(cli: RunCli, workdir: Path) -> None:
    result = cli("schema", "visit", "-o", "visit.schema.json")

    assert result.code == 0
    written = json.loads((workdir / "visit.schema.json").read_text(encoding="utf-8"))
    assert written == _schema(cli, "visit")


@pytest.mark.parametrize("kind", ["city", "proposal", "visit"])
def test_schema_accepts_the_starter_of_its_kind(cli: RunCli, project: Path, kind: str) -> None:
    made = cli("new", kind, f"new-{kind}")
    assert made.code == 0, made.stderr

    data = _data(Path(made.stdout.strip()))

    assert _errors(_schema(cli, kind), data) == []
