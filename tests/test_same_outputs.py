"""``tools/same_outputs.py``: its comparison, and the determinism it relies on, built small
(a whole example build is the tool's own job, not the suite's)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import ROOT, RunCli, WriteFile

MANIFEST = """\
profiles: profiles
output: %s
jobs:
  - {name: cities, document: city-profile, sources: [profiles/cities/aville.yaml],
     formats: [pdf, docx]}
"""


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("same_outputs", ROOT / "tools/same_outputs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compare_says_same_different_and_missing_per_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = {"a.pdf": "1", "b.docx": "2", "gone.pdf": "3"}
    after = {"a.pdf": "1", "b.docx": "9", "new.pdf": "4"}

    differences = _tool().compare(before, after, ("main", "working tree"))

    assert differences == 3
    assert capsys.readouterr().out.splitlines() == [
        "same                     a.pdf",
        "DIFFERENT                b.docx",
        "missing in working tree  gone.pdf",
        "missing in main          new.pdf",
        "1 of 4 files the same, 3 different",
    ]


def test_a_batch_built_twice_writes_the_same_bytes(
    project: Path, write: WriteFile, cli: RunCli
) -> None:
    tool = _tool()
    found = []
    for output in ("first", "second"):
        write("reportgen.yaml", MANIFEST % output)
        done = cli("batch", "--jobs", "1", "--quiet", "--no-page-numbers")
        assert done.code == 0, done.stderr
        found.append(tool.digests(project / output))

    assert sorted(found[0]) == ["aville.city-profile.en.docx", "aville.city-profile.en.pdf"]
    assert found[0] == found[1]
