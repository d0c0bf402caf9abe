"""The wheel, built as pip builds it: what an installed reportgen has, and what it has not."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_templates_catalogs_and_reference_but_no_build_tool(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("reportgen-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())

    shipped = {name for name in names if not name.startswith("reportgen-")}
    templates = {name.rsplit("/", 1)[-1] for name in shipped if "/templates/" in name}
    catalogs = {name for name in shipped if name.endswith((".po", ".pot"))}
    assert {"base.html.j2", "briefing.html.j2", "print.css"} <= templates
    assert {
        "reportgen/locales/reportgen.pot",
        "reportgen/locales/ja/LC_MESSAGES/reportgen.po",
        "reportgen/locales/zh_Hans/LC_MESSAGES/reportgen.po",
    } <= catalogs
    assert "reportgen/renderers/reference.docx" in shipped
    assert "reportgen/renderers/docx/__init__.py" in shipped
    assert "reportgen/charts/__init__.py" in shipped
    assert all(name.startswith("reportgen/") for name in shipped)
    assert not [name for name in shipped if "make_reference" in name or "tools/" in name]
