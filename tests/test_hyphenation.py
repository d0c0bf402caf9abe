"""Hyphenation never touches web and e-mail addresses, names, headings or titles: a
Spanish PDF and Word file built and read back."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.helpers import RunCli, WriteFile, open_docx

URL = (
    "https://montevideo.gub.uy/relacionesinternacionales/cooperacion_descentralizada"
    "?idioma=es&seccion=2"
)
EMAIL = "relaciones.internacionales.cooperacion@montevideo.gub.uy"
HYPHENED_URL = "https://www.intendencia-montevideo.gub.uy/internacionalizacion-descentralizada"
NAMES = ("Kitakyushu", "Montevideo", "Valparaíso", "Wolfsburgo", "Christchurch")
CITY = f"""\
kind: city
id: montevideo
name:
  en: Montevideo
  es: Intendencia Departamental de Montevideo y Kitakyushu Internacionalmente
country: UY
summary:
  de: >-
    Die Stadtverwaltung unterhält dauerhafte Partnerschaftsbeziehungen mit Kitakyushu und
    Christchurch; ihre Geschäftsstelle antwortet unter {EMAIL} und veröffentlicht
    Kooperationsvereinbarungen, Haushaltsunterlagen und Verwaltungsvorschriften unter
    {URL} und {HYPHENED_URL} für Bürgerinnen und Bürger, Forschungseinrichtungen,
    Wirtschaftsverbände und Nichtregierungsorganisationen in Kitakyushu, Montevideo und
    Christchurch, Christchurch und Kitakyushu.
  es: >-
    La administración departamental mantiene relaciones internacionales permanentes
    con Kitakyushu, Valparaíso, Wolfsburgo y Christchurch; su oficina responde en
    {EMAIL} y publica la documentación completa en
    {URL} y en {HYPHENED_URL} para
    consultas institucionales, administrativas, presupuestarias y parlamentarias de
    Kitakyushu, Montevideo, Valparaíso, Wolfsburgo y Christchurch.
partnerships:
  - partner: Kitakyushu
    type: friendship
    themes: [cooperación medioambiental]
    note: {{es: "Intercambios con Kitakyushu, Valparaíso, Wolfsburgo y Christchurch"}}
  - partner: Christchurch
    type: exchange
    note: {{es: Convenio administrativo con Christchurch y Wolfsburgo}}
contacts:
  - name: {{es: Oficina de Relaciones Internacionales}}
    email: {EMAIL}
    url: {URL}
sources:
  - {{id: web, title: {{es: Documentación institucional}}, url: "{HYPHENED_URL}"}}
"""


@pytest.fixture
def spanish(write: WriteFile) -> Path:
    return write("profiles/cities/montevideo.yaml", CITY)


def pdf_lines(path: Path) -> list[str]:
    """The lines of the PDF as laid out (``-raw``: pdftotext joins no hyphenated lines)."""
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line.strip() for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("lang", "names"),
    [
        ("es", NAMES),
        # German writes every noun with a capital: the names it prints are kept whole
        ("de", ("Kitakyushu", "Montevideo", "Christchurch")),
    ],
)
def test_pdf_never_hyphenates_addresses_names_or_titles(
    cli: RunCli, spanish: Path, lang: str, names: tuple[str, ...]
) -> None:
    result = cli("build", str(spanish), "--lang", lang, "--allow-untranslated", "-o", "out/m.pdf")
    assert result.code == 0, result.stderr

    lines = pdf_lines(Path("out/m.pdf"))
    joined = "".join(lines)  # an address broken at its separator reads back whole

    hyphenated = [line for line in lines if line.endswith(("‐", "-", "\u00ad"))]
    # words are still hyphenated at line ends ...
    assert [line for line in lines if line.endswith("‐")]
    # ... but no address, name or title is
    for word in (URL, EMAIL, HYPHENED_URL, *names):
        assert word in joined, word
    assert URL not in "".join(line + " " for line in lines)  # it did break somewhere
    starts = "|".join(name[:4] for name in names)
    cut = [line for line in hyphenated if re.search(rf"(https?://|@|\.gub|{starts})\S*[‐-]$", line)]
    assert cut == []
    if lang == "de":  # its nouns are still hyphenated
        assert [line for line in lines if re.search(r"(^|\s)[A-ZÄÖÜ][a-zäöüß]+‐$", line)]


def test_spanish_word_file_is_not_hyphenated(cli: RunCli, spanish: Path) -> None:
    result = cli(
        "build", str(spanish), "--lang", "es", "--format", "docx", "--allow-untranslated",
        "-o", "out/m.docx",
    )  # fmt: skip
    assert result.code == 0, result.stderr

    with zipfile.ZipFile("out/m.docx") as archive:
        settings = archive.read("word/settings.xml").decode("utf-8")
    text = "\n".join(p.text for p in open_docx("out/m.docx").paragraphs)

    # Word hyphenates only when the settings ask it to; no soft hyphen is written either
    assert "autoHyphenation" not in settings or 'autoHyphenation w:val="0"' in settings
    assert "\u00ad" not in text
    assert EMAIL in text


def test_word_file_is_not_hyphenated_whatever_the_reference_asks(
    cli: RunCli, spanish: Path
) -> None:
    from reportgen.renderers.docx.reference import bundled_reference

    with (
        zipfile.ZipFile(io.BytesIO(bundled_reference())) as source,
        zipfile.ZipFile("hyphenating.docx", "w") as target,
    ):
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "word/settings.xml":
                tab = b'<w:defaultTabStop w:val="709"/>'
                data = data.replace(tab, tab + b'<w:autoHyphenation w:val="1"/>', 1)
                assert b"autoHyphenation" in data
            target.writestr(entry, data)

    result = cli(
        "build",
        str(spanish),
        "--lang",
        "es",
        "--allow-untranslated",
        "--format",
        "docx",
        "--reference-docx",
        "hyphenating.docx",
        "-o",
        "out/m.docx",
    )

    assert result.code == 0, result.stderr
    with zipfile.ZipFile("out/m.docx") as archive:
        assert b"autoHyphenation" not in archive.read("word/settings.xml")
