"""The layers of the code (docs/layers.json) held against its imports, read by grimp.

Every import counts: at module level, inside a function and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src"
LAYERS = ROOT / "docs" / "layers.json"


@cache
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("reportgen", include_external_packages=False)


@cache
def layers() -> dict[str, object]:
    found: dict[str, object] = json.loads(LAYERS.read_text(encoding="utf-8"))
    return found


def file_of(module: str) -> str:
    """``reportgen.documents`` -> ``src/reportgen/documents/__init__.py``."""
    base = SOURCE.joinpath(*module.split("."))
    path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
    return path.relative_to(ROOT).as_posix()


def part_of(path: str) -> str | None:
    """The part whose path names ``path`` most closely (a longer path wins)."""
    parts = layers()["parts"]
    assert isinstance(parts, dict)
    best: tuple[int, str] | None = None
    for name, part in parts.items():
        for place in part["is"]:
            names_it = path == place or (place.endswith("/") and path.startswith(place))
            if names_it and (best is None or len(place) > best[0]):
                best = (len(place), name)
    return None if best is None else best[1]


def edges() -> Iterator[tuple[str, str]]:
    for module in sorted(graph().modules):
        for imported in sorted(graph().find_modules_directly_imported_by(module)):
            yield module, imported


def where(importer: str, imported: str) -> str:
    """``file:line: the import`` of each place ``importer`` imports ``imported``."""
    details = graph().get_import_details(importer=importer, imported=imported)
    return "; ".join(
        f"{file_of(importer)}:{d['line_number']}: {d['line_contents'].strip()}" for d in details
    )


def circles(modules: Iterable[str], imports: Callable[[str], set[str]]) -> list[list[str]]:
    """The modules that import each other in a loop (Tarjan's strongly connected parts)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # iterative, so a deep chain of imports cannot hit the recursion limit
        work = [(start, iter(sorted(imports(start))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            module, todo = work[-1]
            for imported in todo:
                if imported not in index:
                    index[imported] = low[imported] = len(index)
                    stack.append(imported)
                    on_stack.add(imported)
                    next_todo = iter(sorted(imports(imported)))
                    work.append((imported, next_todo))
                    break
                if imported in on_stack:
                    low[module] = min(low[module], index[imported])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    member = ""
                    loop = []
                    while member != module:
                        member = stack.pop()
                        on_stack.discard(member)
                        loop.append(member)
                    if len(loop) > 1:
                        found.append(sorted(loop))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_one_that_imports_it_back() -> None:
    said = []
    for loop in circles(graph().modules, graph().find_modules_directly_imported_by):
        ties = [
            where(a, b)
            for a in loop
            for b in loop
            if graph().direct_import_exists(importer=a, imported=b)
        ]
        said.append(f"{', '.join(loop)}:\n  " + "\n  ".join(ties))
    assert not said, "import circles:\n" + "\n".join(said)


def test_every_source_file_is_on_one_part_and_every_path_is_there() -> None:
    files = sorted(p.relative_to(ROOT).as_posix() for p in (SOURCE / "reportgen").rglob("*.py"))
    assert [f for f in files if part_of(f) is None] == []
    parts = layers()["parts"]
    assert isinstance(parts, dict)
    named = [place for part in parts.values() for place in part["is"]]
    assert [place for place in named if not (ROOT / place).exists()] == []


def test_no_part_imports_what_it_must_never_reach() -> None:
    nevers = {(a, b): why for a, b, why in layers()["never"]}  # type: ignore[attr-defined]
    broken = []
    for importer, imported in edges():
        pair = (part_of(file_of(importer)), part_of(file_of(imported)))
        if pair in nevers:
            broken.append(f"{pair[0]} -> {pair[1]} ({nevers[pair]}): {where(importer, imported)}")
    assert broken == []


def test_the_drawn_arrows_are_the_code_s() -> None:
    """Every import between two parts is drawn, and every drawn arrow is in the code, so
    the picture stays true when the code moves."""
    drawn = {(a, b) for a, b, *_ in layers()["arrows"]}  # type: ignore[attr-defined]
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for importer, imported in edges():
        a, b = part_of(file_of(importer)), part_of(file_of(imported))
        if a is not None and b is not None and a != b:
            found.setdefault((a, b), (importer, imported))
    undrawn = [f"{a} -> {b}: {where(*found[(a, b)])}" for a, b in sorted(set(found) - drawn)]
    assert undrawn == [], "imports between parts that docs/layers.json does not draw"
    assert sorted(drawn - set(found)) == [], "arrows in docs/layers.json that no import makes"


@pytest.mark.parametrize(
    ("imports", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d", "a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_circle_finder_finds_circles(
    imports: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert circles(imports, imports.__getitem__) == expected
