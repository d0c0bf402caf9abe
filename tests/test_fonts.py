"""Font coverage: fontconfig's answer, kept in the user's cache until the fonts change."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportgen import fonts

FC_LIST = shutil.which("fc-list")
pytestmark = pytest.mark.skipif(FC_LIST is None, reason="fontconfig (fc-list) is not installed")

PRIVATE = "\ue777"
"""A private-use character that no installed font draws, and the test font does."""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A user whose cache, data and configuration folders are empty; fontconfig is asked
    through a wrapper that counts how often it runs."""
    for name, folder in (
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
    ):
        monkeypatch.setenv(name, str(tmp_path / folder))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "fc-list"
    wrapper.write_text(f'#!/bin/sh\necho run >> "{tmp_path / "asked"}"\nexec {FC_LIST} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    fonts.coverage.cache_clear()
    yield tmp_path
    fonts.coverage.cache_clear()


def _asked(home: Path) -> int:
    """How many times fontconfig was asked."""
    log = home / "asked"
    return len(log.read_text().splitlines()) if log.exists() else 0


def _new_process_coverage(family: str | None = None) -> fonts.Coverage:
    """The coverage as a new process finds it (the per-process answer forgotten)."""
    fonts.coverage.cache_clear()
    return fonts.coverage(family)


def _write_font(path: Path, char: str) -> None:
    """A one-glyph TrueType font that draws ``char``."""
    from fontTools.fontBuilder import FontBuilder  # type: ignore[import-untyped]
    from fontTools.pens.ttGlyphPen import TTGlyphPen  # type: ignore[import-untyped]

    pen = TTGlyphPen(None)
    pen.moveTo((100, 0))
    pen.lineTo((100, 700))
    pen.lineTo((500, 700))
    pen.lineTo((500, 0))
    pen.closePath()
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder([".notdef", "box"])
    builder.setupCharacterMap({ord(char): "box"})
    builder.setupGlyf({".notdef": TTGlyphPen(None).glyph(), "box": pen.glyph()})
    builder.setupHorizontalMetrics({".notdef": (600, 0), "box": (600, 100)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": "Reportgen Test Box", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    path.parent.mkdir(parents=True, exist_ok=True)
    builder.save(str(path))


def test_coverage_is_asked_once_and_read_from_the_cache(home: Path) -> None:
    first = _new_process_coverage()
    second = _new_process_coverage()

    assert first.starts
    assert second == first
    assert _asked(home) == 1
    assert (home / "cache" / "reportgen" / "font-coverage.json").is_file()


def test_coverage_from_the_cache_is_fontconfig_s_answer(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _new_process_coverage()
    _new_process_coverage("Noto Sans")
    cached = (_new_process_coverage(), _new_process_coverage("Noto Sans"))
    assert _asked(home) == 2
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "elsewhere"))

    asked = (_new_process_coverage(), _new_process_coverage("Noto Sans"))

    assert _asked(home) == 4
    assert cached == asked
    assert "a" in cached[0]
    assert cached[1] != cached[0]


def test_installing_a_font_invalidates_the_cache(home: Path) -> None:
    (home / "data" / "fonts").mkdir(parents=True)
    before = _new_process_coverage()
    _write_font(home / "data" / "fonts" / "box.ttf", PRIVATE)

    after = _new_process_coverage()

    assert PRIVATE not in before
    assert PRIVATE in after
    assert _asked(home) == 2


def test_removing_a_font_invalidates_the_cache(home: Path) -> None:
    font = home / "data" / "fonts" / "box" / "box.ttf"
    _write_font(font, PRIVATE)
    with_font = _new_process_coverage()
    font.unlink()

    without = _new_process_coverage()

    assert PRIVATE in with_font
    assert PRIVATE not in without


def test_a_corrupt_cache_is_asked_again_and_replaced(home: Path) -> None:
    reference = _new_process_coverage()
    cache = home / "cache" / "reportgen" / "font-coverage.json"
    for garbage in (b"\x00\xff not json", b"[]"):
        cache.write_bytes(garbage)

        assert _new_process_coverage() == reference
        assert json.loads(cache.read_bytes())["families"]
    entry = json.loads(cache.read_bytes())
    entry["families"][""] = [[1, 2, 3], [4]]
    cache.write_text(json.dumps(entry))

    assert _new_process_coverage() == reference


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file system")
def test_an_unwritable_cache_folder_falls_back_to_fontconfig(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = _new_process_coverage()
    blocked = home / "not-a-folder"
    blocked.write_text("a file where the cache folder would be\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))

    first = _new_process_coverage()
    second = _new_process_coverage()

    assert first == reference
    assert second == reference
    assert _asked(home) == 3
