"""Hostile names and files around a project: the history on a terminal, ``init --force``.

``history`` runs in a real pseudo-terminal, as an administrator sees it; ``init`` runs
through the command line over projects that hold files, links and links out.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import TODAY_EPOCH, RunCli

HOSTILE_NAME = "[link=https:evil.example]x.yaml"
"""A profile's file name that is Rich markup: it made the rest of the line a hyperlink."""
HOSTILE_CITY = """\
kind: city
id: x
name: X
country: "[conceal]hidden words"
summary: A city.
"""
MANIFEST = """\
profiles: profiles
output: output
defaults: {formats: [html]}
jobs:
  - {name: cities, document: city-profile, sources: [profiles/cities/*.yaml]}
"""


def on_a_terminal(*args: str, cwd: Path) -> str:
    """What ``reportgen ARGS`` prints on a terminal (a pseudo-terminal 250 columns wide)."""
    leader, follower = pty.openpty()
    env = dict(os.environ, COLUMNS="250", LINES="50", TERM="xterm", SOURCE_DATE_EPOCH=TODAY_EPOCH)
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        env.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "reportgen", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=cwd,
        env=env,
    )
    os.close(follower)
    out = b""
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the terminal closes with the process
            break
        if not data:
            break
        out += data
    os.close(leader)
    assert process.wait(timeout=60) == 0
    return out.decode("utf-8")


def test_history_on_a_terminal_prints_failures_as_text(cli: RunCli, workdir: Path) -> None:
    (workdir / "reportgen.yaml").write_text(MANIFEST, encoding="utf-8")
    (workdir / "profiles/cities").mkdir(parents=True)
    (workdir / "profiles/cities" / HOSTILE_NAME).write_text(HOSTILE_CITY, encoding="utf-8")
    assert cli("batch").code == 1

    shown = on_a_terminal("history", cwd=workdir)

    assert "\x1b]8;" not in shown  # no hyperlink
    assert "\x1b[8m" not in shown  # nothing concealed
    expected = (
        "output/x.city-profile.en.html: profiles/cities/[link=https:evil.example]x.yaml:4:10: "
        "country: '[conceal]hidden words' is not an ISO 3166-1 alpha-2 country code"
    )
    assert expected in shown


def test_translations_status_on_a_terminal_prints_file_names_as_text(workdir: Path) -> None:
    (workdir / "reportgen.yaml").write_text(MANIFEST, encoding="utf-8")
    (workdir / "profiles/cities").mkdir(parents=True)
    city = HOSTILE_CITY.replace('"[conceal]hidden words"', "JP")
    (workdir / "profiles/cities" / HOSTILE_NAME).write_text(city, encoding="utf-8")

    shown = on_a_terminal("translations", "status", "--lang", "ja", cwd=workdir)

    assert "\x1b]8;" not in shown
    assert HOSTILE_NAME in shown


# --- init --force and new-catalog: nothing replaced, nothing written through a link ----------


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file (its bytes) and link (where it leads) under ``folder``."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        name = str(path.relative_to(folder))
        if path.is_symlink():
            found[name] = "-> " + str(path.readlink())
        elif path.is_file():
            found[name] = path.read_bytes()
    return found


def test_init_force_never_replaces_a_profile_or_the_manifest(cli: RunCli, workdir: Path) -> None:
    (workdir / "office/profiles/cities").mkdir(parents=True)
    (workdir / "office/reportgen.yaml").write_text("home: kitakyushu\n", encoding="utf-8")
    (workdir / "office/profiles/cities/malmo.yaml").write_text("kept: yes\n", encoding="utf-8")
    before = snapshot(workdir)

    done = cli("init", "office", "--city", "Malmö", "--force")

    assert done.code == 1
    message = (
        "exists already: init never replaces a profile or the manifest; move it away, or "
        "start the project in a new folder"
    )
    assert done.lines[:2] == [
        f"office/profiles/cities/malmo.yaml: {message}",
        f"office/reportgen.yaml: {message}",
    ]
    assert snapshot(workdir) == before


def test_init_force_adds_a_project_beside_other_files(cli: RunCli, workdir: Path) -> None:
    (workdir / "office").mkdir()
    (workdir / "office/notes.txt").write_text("ours\n", encoding="utf-8")
    (workdir / "office/.gitignore").write_text("*.tmp\n", encoding="utf-8")

    done = cli("init", "office", "--force")

    assert done.code == 0, done.stderr
    assert (workdir / "office/notes.txt").read_text("utf-8") == "ours\n"
    assert (workdir / "office/.gitignore").read_text("utf-8") == "*.tmp\noutput/\n"
    assert cli("validate", "office/reportgen.yaml", "office/profiles").code == 0


@pytest.mark.parametrize("link", ["profiles", "profiles/cities", "reportgen.yaml", ".gitignore"])
def test_init_force_never_writes_through_a_link(
    cli: RunCli, workdir: Path, tmp_path_factory: pytest.TempPathFactory, link: str
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "file").write_text("not yours\n", encoding="utf-8")
    place = workdir / "office" / link
    place.parent.mkdir(parents=True)
    place.symlink_to(outside if "." not in link else outside / "file")
    before = snapshot(outside)

    done = cli("init", "office", "--force")

    assert done.code == 1
    assert done.lines[0] == (
        f"office/{link}: is a symbolic link: init never writes through one; remove it, or "
        "start the project in a new folder"
    )
    assert snapshot(outside) == before
    assert not (workdir / "office/reportgen.yaml").is_file() or link == "reportgen.yaml"


def test_new_catalog_never_writes_through_a_link(
    cli: RunCli, project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (project / "locales/ja").mkdir(parents=True)
    (project / "locales/ja/LC_MESSAGES").symlink_to(outside)

    done = cli("translations", "new-catalog", "ja", "--force")

    assert done.code == 2
    assert done.lines[0] == (
        "error: locales/ja/LC_MESSAGES is a symbolic link: new-catalog never writes through "
        "one; remove it and run again"
    )
    assert list(outside.iterdir()) == []


def test_new_catalog_force_keeps_every_translation(cli: RunCli, project: Path) -> None:
    import polib

    assert cli("translations", "new-catalog", "ja").code == 0
    path = project / "locales/ja/LC_MESSAGES/reportgen.po"
    catalog = polib.pofile(str(path))
    catalog.find("City profile").msgstr = "市のプロフィール（当課版）"  # type: ignore[union-attr]
    catalog.remove(catalog.find("Contents"))  # type: ignore[arg-type]
    catalog.save()

    done = cli("translations", "new-catalog", "ja", "--force")

    assert done.code == 0, done.stderr
    again = polib.pofile(str(path))
    assert again.find("City profile").msgstr == "市のプロフィール（当課版）"  # type: ignore[union-attr]
    assert again.find("Contents") is not None
