"""WeasyPrint's system libraries: found by their sonames, the same ones, without processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the short cut is taken on Linux only"
)

REPORT = """
import json, subprocess, sys
spawned = []
original = subprocess.Popen.__init__
def counting(self, args, *rest, **options):
    spawned.append(args if isinstance(args, str) else args[0])
    original(self, args, *rest, **options)
subprocess.Popen.__init__ = counting
{load}
libraries = sorted({{line.split()[-1] for line in open("/proc/self/maps") if ".so" in line}})
json.dump({{"spawned": spawned, "libraries": libraries}}, sys.stdout)
"""


def _loaded(*loads: str) -> list[dict[str, list[str]]]:
    """The processes started and the shared libraries mapped by a fresh interpreter for
    each of ``loads``, the interpreters side by side."""
    started = [
        subprocess.Popen(
            [sys.executable, "-c", REPORT.format(load=load)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for load in loads
    ]
    found: list[dict[str, list[str]]] = []
    for process in started:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        found.append(json.loads(out))
    return found


def test_weasyprint_loads_the_same_libraries_without_starting_processes() -> None:
    usual, quick = _loaded(
        "from reportgen.renderers import libraries\nimport weasyprint",
        "from reportgen.renderers import libraries\nlibraries.import_with_sonames('weasyprint')",
    )

    assert quick["libraries"] == usual["libraries"]
    assert any("libpango" in path for path in quick["libraries"])
    assert quick["spawned"] == []
    assert usual["spawned"]  # what the short cut saves: ldconfig, gcc, ld


def test_a_library_that_only_the_search_finds_is_loaded_the_usual_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "needs_search.py").write_text(
        "import ctypes.util\n"
        "FOUND = ctypes.util.find_library('c')\n"
        "if FOUND is None:\n"
        "    print('advice printed before giving up')\n"
        "    raise OSError('libc not found')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from reportgen.renderers.libraries import import_with_sonames

    module = import_with_sonames("needs_search")

    assert module.FOUND
    assert "needs_search" in sys.modules
    sys.modules.pop("needs_search")


def test_a_module_that_cannot_load_fails_as_usual(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "never_loads.py").write_text(
        "print('advice printed before giving up')\nraise OSError('libnothing not found')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from reportgen.renderers.libraries import import_with_sonames

    with pytest.raises(OSError, match="libnothing"):
        import_with_sonames("never_loads")

    assert capsys.readouterr().out == "advice printed before giving up\n"


def test_an_import_cut_short_leaves_nothing_half_made_for_the_next_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as WeasyPrint's html and build modules: ``user`` is finished while ``slow``, which
    # it holds, is still being made; then a time limit stops the import inside ``slow``
    package = tmp_path / "halfmade"
    package.mkdir()
    (package / "__init__.py").write_text("from . import slow\n")
    (package / "user.py").write_text("from . import slow\n\ndef use():\n    return slow.handle()\n")
    (package / "slow.py").write_text(
        "import os\n"
        "from . import user\n"
        "if os.environ.get('HALFMADE_STOP'):\n"
        "    raise KeyboardInterrupt  # the limit's stop: not an Exception\n"
        "def handle():\n"
        "    return 'handled'\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from reportgen.renderers.libraries import import_with_sonames

    monkeypatch.setenv("HALFMADE_STOP", "1")
    with pytest.raises(KeyboardInterrupt):
        import_with_sonames("halfmade")
    assert not [name for name in sys.modules if name.startswith("halfmade")]

    monkeypatch.delenv("HALFMADE_STOP")
    import_with_sonames("halfmade")
    try:
        assert sys.modules["halfmade.user"].use() == "handled"
    finally:
        for name in [name for name in sys.modules if name.startswith("halfmade")]:
            sys.modules.pop(name)
