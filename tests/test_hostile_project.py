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

from tests.conftest import TODAY_EPOCH, RunCli

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
