"""Hostile project catalogs: markup in translations, fields that reach into objects, links.

Catalogs are written with polib, as a translator's tool writes them; the HTML edition is
opened in a real browser (Debian's Chromium through Playwright) to see that no script
runs, and the PDF is read back to see that the translation printed as text.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import polib
import pytest

from tests.helpers import RunCli

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CATALOG = "locales/ja/LC_MESSAGES/reportgen.po"
PAGE_OF = "</style><script>window.pwned = 1</script><style> {page} / {pages}"
MARK = '"</style><script>window.pwned = 2</script>'
HEADING = '<img src="x" onerror="window.pwned = 3">'


def write_catalog(folder: Path, translations: dict[str, str], lang: str = "ja") -> Path:
    """A project catalog of ``lang`` holding ``translations`` (msgid -> msgstr)."""
    catalog = polib.POFile()
    catalog.metadata = {
        "Language": lang,
        "Content-Type": "text/plain; charset=utf-8",
        "MIME-Version": "1.0",
    }
    for msgid, msgstr in translations.items():
        catalog.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    path = folder / "locales" / lang / "LC_MESSAGES" / "reportgen.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.save(str(path))
    return path


PARTIAL = ("--allow-untranslated",)
"""The test city's texts are English: its Japanese edition is a partial one."""


def entry_line(path: Path, msgid: str) -> int:
    """The line of the msgstr of ``msgid`` in a catalog file."""
    lines = path.read_text("utf-8").splitlines()
    start = lines.index(f'msgid "{msgid}"')
    return next(i for i in range(start, len(lines)) if lines[i].startswith("msgstr")) + 1


@pytest.fixture
def city(project: Path) -> Path:
    return project / "profiles/cities/aville.yaml"


def test_a_catalog_cannot_put_markup_into_the_html_edition(
    cli: RunCli, project: Path, browser: Browser
) -> None:
    write_catalog(
        project, {"Page {page} of {pages}": PAGE_OF, "Internal": MARK, "Overview": HEADING}
    )

    done = cli("build", "profiles/cities/aville.yaml", "--format", "html", "--lang", "ja", *PARTIAL)

    assert done.code == 0, done.stderr
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.goto((project / "output/aville.city-profile.ja.html").as_uri())
    found = page.evaluate(
        """() => [
            window.pwned === undefined,
            document.querySelectorAll("script").length,
            document.querySelectorAll("style").length,
            document.querySelectorAll("img[onerror]").length,
        ]"""
    )
    heading = page.get_by_text("onerror").first.inner_text()
    page.close()
    assert found == [True, 0, 2, 0]
    assert heading == HEADING
    assert dialogs == []


def test_a_catalog_prints_its_markup_as_text_in_the_pdf(cli: RunCli, project: Path) -> None:
    write_catalog(project, {"Page {page} of {pages}": PAGE_OF, "Overview": HEADING})

    done = cli("build", "profiles/cities/aville.yaml", "--lang", "ja", *PARTIAL)

    assert done.code == 0, done.stderr
    text = subprocess.run(
        ["pdftotext", "-raw", str(project / "output/aville.city-profile.ja.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    squeezed = "".join(text.split())  # the running footer may wrap
    assert "</style><script>window.pwned=1</script><style>2/2" in squeezed
    assert "".join(HEADING.split()) in squeezed


def test_the_html_edition_runs_no_script_in_a_browser(
    cli: RunCli, project: Path, browser: Browser
) -> None:
    template = project / "templates/city-profile.html.j2"
    template.parent.mkdir()
    template.write_text(
        '{% extends "base.html.j2" %}\n'
        "{% block body %}<script>window.pwned = 4</script>{{ super() }}{% endblock %}\n",
        encoding="utf-8",
    )

    done = cli("build", "profiles/cities/aville.yaml", "--format", "html")

    assert done.code == 0, done.stderr
    html = (project / "output/aville.city-profile.en.html").read_text("utf-8")
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert policy is not None
    assert "default-src &#39;none&#39;" in policy.group(1)
    page = browser.new_page()
    page.goto((project / "output/aville.city-profile.en.html").as_uri())
    found = page.evaluate('() => [window.pwned, document.querySelectorAll("script").length]')
    page.close()
    assert found == [None, 1]  # the template's script is there, and did not run


FORBIDDEN = [
    "{0.__class__}",
    "{page.__init__}",
    "{page.__init__.__globals__}",
    "{pages[0]}",
    "{page!r}",
    "{page:>999999999}",
    "{0}",
    "{title}",
]


@pytest.mark.parametrize("field", FORBIDDEN)
def test_a_translation_may_use_only_the_fields_of_its_text(
    cli: RunCli, project: Path, field: str
) -> None:
    path = write_catalog(project, {"Page {page} of {pages}": f"{field} / {{pages}}"})
    line = entry_line(path, "Page {page} of {pages}")
    expected = (
        f"{CATALOG}:{line}:9: msgstr: the translation of 'Page {{page}} of {{pages}}' uses "
        f"{field}, which is not a field of this text: it may use only {{page}}, {{pages}}"
    )

    checked = cli("validate", "profiles")
    built = cli(
        "build", "profiles/cities/aville.yaml", "--format", "html", "--lang", "ja", *PARTIAL
    )

    assert checked.code == 1
    assert expected in checked.lines
    assert built.code == 1
    assert expected in built.lines
    assert not (project / "output").exists()


def test_a_translation_with_broken_braces_is_refused(cli: RunCli, project: Path) -> None:
    path = write_catalog(project, {"as of {date}": "{date"})
    line = entry_line(path, "as of {date}")

    checked = cli("validate", "profiles")

    assert checked.code == 1
    assert checked.lines[0] == (
        f"{CATALOG}:{line}:1: msgstr: the translation of 'as of {{date}}' has braces that "
        "are not a field: it may use only {date}"
    )


def test_a_catalog_linked_out_of_the_project_is_refused(
    cli: RunCli, project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = write_catalog(tmp_path_factory.mktemp("outside"), {"Overview": "SECRET"})
    link = project / CATALOG
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    expected = (
        f"{CATALOG}: leads outside locales (a symbolic link); catalogs must be files "
        "inside the project's locales folder"
    )

    checked = cli("validate", "profiles")
    built = cli(
        "build", "profiles/cities/aville.yaml", "--format", "html", "--lang", "ja", *PARTIAL
    )

    assert checked.code == 1 and expected in checked.lines
    assert built.code == 1 and expected in built.lines
    assert not (project / "output").exists()


def test_a_locales_folder_linked_out_of_the_project_is_refused(
    cli: RunCli, project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    write_catalog(outside, {"Overview": "SECRET"})
    (project / "locales").symlink_to(outside / "locales")
    expected = (
        "locales: leads outside the project folder (a symbolic link); make it a folder of "
        "the project, or add locales to allow_outside in reportgen.yaml if that is meant"
    )

    built = cli(
        "build", "profiles/cities/aville.yaml", "--format", "html", "--lang", "ja", *PARTIAL
    )

    assert built.code == 1 and expected in built.lines
    (project / "reportgen.yaml").write_text(
        "profiles: profiles\nallow_outside: [locales]\n", encoding="utf-8"
    )
    allowed = cli(
        "build", "profiles/cities/aville.yaml", "--format", "html", "--lang", "ja", *PARTIAL
    )
    assert allowed.code == 0, allowed.stderr
    assert "SECRET" in (project / "output/aville.city-profile.ja.html").read_text("utf-8")


def test_a_well_made_catalog_still_translates(cli: RunCli, project: Path) -> None:
    write_catalog(
        project, {"Page {page} of {pages}": "{pages} ページ中 {page}", "Overview": "大要"}
    )

    assert cli("validate", "profiles").code == 0
    built = cli(
        "build", "profiles/cities/aville.yaml", "--format", "html", "--lang", "ja", *PARTIAL
    )

    assert built.code == 0, built.stderr
    html = (project / "output/aville.city-profile.ja.html").read_text("utf-8")
    assert "大要" in html
    assert 'content: counter(pages) "\\000020ページ中\\000020" counter(page);' in html
