"""Compiled templates kept in the user's cache folder: used again, never stale, never fatal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reportgen import templating
from tests.helpers import RunCli, WriteFile

OWN_TEMPLATE = "<!doctype html><html><body><h1>{{ doc.name }}</h1><p>{}</p></body></html>\n"


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty user cache folder; every build below starts as a new process would."""
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    templating.environment.cache_clear()
    yield folder
    templating.environment.cache_clear()


def _build(cli: RunCli, output: str) -> str:
    templating.environment.cache_clear()  # as in a new process
    result = cli("build", "profiles/cities/aville.yaml", "--format", "html", "-o", output)
    assert result.code == 0, result.stderr
    return Path(output).read_text("utf-8")


def _compiled(cache_home: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in cache_home.rglob("*.cache")}


def test_compiled_templates_are_kept_and_used_again(
    cli: RunCli, project: Path, cache_home: Path
) -> None:
    first = _build(cli, "first.html")
    kept = _compiled(cache_home)

    second = _build(cli, "second.html")

    assert len(kept) >= 2  # the document's template and the ones it extends
    assert _compiled(cache_home) == kept  # read, not compiled and written again
    assert second == first


def test_a_changed_project_template_is_compiled_again(
    cli: RunCli, project: Path, write: WriteFile, cache_home: Path
) -> None:
    write("templates/city-profile.html.j2", OWN_TEMPLATE.replace("{}", "first edition"))
    first = _build(cli, "first.html")
    write("templates/city-profile.html.j2", OWN_TEMPLATE.replace("{}", "second edition"))

    second = _build(cli, "second.html")

    assert "first edition" in first
    assert "second edition" in second
    assert "first edition" not in second


def test_a_corrupt_compiled_template_is_compiled_again(
    cli: RunCli, project: Path, cache_home: Path
) -> None:
    expected = _build(cli, "first.html")
    for path in _compiled(cache_home):
        path.write_bytes(b"j2 not what was written")

    assert _build(cli, "second.html") == expected


def test_an_unusable_cache_folder_does_not_stop_a_build(
    cli: RunCli, project: Path, cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _build(cli, "first.html")
    blocked = project / "not-a-folder"
    blocked.write_text("a file where the cache folder would be\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))

    assert _build(cli, "second.html") == expected
    assert _build(cli, "third.html") == expected
