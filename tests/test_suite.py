"""The test suite itself: a test module imports what it shares from ``tests.helpers`` (or a
package of test data such as ``tests.hostile``), never from another test module or from
``conftest``, so that every module runs alone and in any process."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def imported(path: Path) -> list[str]:
    """The modules under ``tests`` that ``path`` imports, anywhere in it."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "tests":
            names = [f"tests.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [name for name in names if name == "tests" or name.startswith("tests.")]
    return found


@pytest.mark.parametrize("path", sorted(TESTS.glob("*.py")), ids=lambda path: path.name)
def test_a_test_module_imports_only_the_shared_helpers(path: Path) -> None:
    modules = [name.split(".")[1] for name in imported(path) if name != "tests"]

    assert [name for name in modules if name == "conftest" or name.startswith("test_")] == []
