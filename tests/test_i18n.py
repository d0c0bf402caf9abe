"""Documents in other languages: catalogs, fallbacks, local formats and names."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from reportgen.cli import main
from reportgen.i18n import catalog_languages, locales_folder
from reportgen.languages import fallback_chain

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "reportgen"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
    except SystemExit as exc:
        code = int(exc.code or 0)
    else:  # pragma: no cover - main always exits
        code = 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def build_html(
    source: str, lang: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    """Build ``source`` as HTML in ``lang`` into ``out/``: exit code, page, and stderr."""
    code, _, err = run(
        ["build", source, "--format", "html", "--lang", lang, "-o", "out", *extra], capsys
    )
    pages = list(Path("out").glob(f"*.{lang}*.html"))
    return code, pages[0].read_text() if pages else "", err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    shutil.copytree(ROOT / "profiles", tmp_path / "profiles")
    shutil.copy(ROOT / "reportgen.yaml", tmp_path / "reportgen.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798761600")
    monkeypatch.setenv("COLUMNS", "250")
    yield tmp_path


def code_messages() -> set[str]:
    """Every fixed string marked in the code (``t(...)`` and ``N_(...)``)."""
    found = extract_from_dir(
        str(SOURCE),
        method_map=[("**.py", "python")],
        keywords={"t": None, "N_": None},
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def test_catalogs_exist_for_japanese_and_simplified_chinese() -> None:
    assert {"ja", "zh-Hans"} <= set(catalog_languages())


@pytest.mark.parametrize("lang", ["ja", "zh_Hans"])
def test_catalog_translates_every_fixed_string_in_the_code(lang: str) -> None:
    path = locales_folder() / lang / "LC_MESSAGES" / "reportgen.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)

    missing = sorted(
        message
        for message in code_messages()
        if message not in catalog or not catalog[message].string or catalog[message].fuzzy
    )

    assert missing == []


@pytest.mark.parametrize("lang", ["ja", "zh_Hans"])
def test_catalog_keeps_the_placeholders_of_each_message(lang: str) -> None:
    path = locales_folder() / lang / "LC_MESSAGES" / "reportgen.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)

    wrong = [
        message.id
        for message in catalog
        if message.id
        and message.string
        and sorted(PLACEHOLDER.findall(str(message.id)))
        != sorted(PLACEHOLDER.findall(str(message.string)))
    ]

    assert wrong == []


def test_fallback_chain_goes_from_the_variant_to_english() -> None:
    assert fallback_chain("zh-Hant") == ("zh-Hant", "zh", "en")
    assert fallback_chain("pt-BR") == ("pt-BR", "pt", "en")
    assert fallback_chain("en") == ("en",)


def test_build_japanese_briefing_has_japanese_headings_and_dates(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, html, err = build_html("profiles/visits/dalian-to-kitakyushu-2027-05.yaml", "ja", capsys)

    assert code == 0, err
    assert '<html lang="ja">' in html
    assert ">目次<" in html  # Contents
    assert "2027年5月12日" in html
    assert "北九州市" in html


def test_build_japanese_city_profile_dates_facts_in_japanese(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, html, err = build_html("profiles/cities/kitakyushu.yaml", "ja", capsys)

    assert code == 0, err
    # short words and dates are kept on one line in spans of their own
    assert "2025年1月1日時点" in re.sub(r"</?span[^>]*>", "", html)  # "as of 1 January 2025"
    assert "913,577" in html


def test_build_chinese_names_lead_with_the_chinese_form(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, html, err = build_html("profiles/cities/dalian.yaml", "zh-Hans", capsys)

    assert code == 0, err
    assert '<h1 class="doc-title">大连市</h1>' in re.sub(r"</?span[^>]*>", "", html)
    assert '<html lang="zh-Hans">' in html


def test_build_brazilian_portuguese_formats_numbers_and_dates_the_brazilian_way(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, html, err = build_html(
        "profiles/cities/dalian.yaml", "pt-BR", capsys, "--allow-untranslated"
    )

    assert code == 0, err
    assert "7.450.785" in html
    assert "1 de novembro de 2020" in html
    assert (
        "profiles/cities/dalian.yaml: warning: no catalog for pt-BR: fixed strings (headings, "
        "labels) would be in English; add one with 'reportgen translations new-catalog pt-BR'"
    ) in err


def _untranslate_summary(project: Path) -> int:
    """Take the Japanese summary out of Dalian's profile; the line of ``summary:``."""
    path = project / "profiles/cities/dalian.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index("summary:\n")
    ja = next(i for i in range(start, len(lines)) if lines[i].startswith("  ja:"))
    del lines[ja : ja + 2]
    path.write_text("".join(lines), encoding="utf-8")
    return start + 1


def test_build_missing_translation_fails_with_its_line_unless_allowed(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _untranslate_summary(project)
    code, _, err = build_html("profiles/cities/dalian.yaml", "ja", capsys)

    assert code == 1
    assert err.splitlines()[0] == (
        f"profiles/cities/dalian.yaml:{line}:1: summary: has no ja translation: translate it, "
        "or build with --allow-untranslated"
    )
    assert not (project / "out").exists()

    code, html, err = build_html(
        "profiles/cities/dalian.yaml", "ja", capsys, "--allow-untranslated"
    )
    assert code == 0
    assert f"profiles/cities/dalian.yaml:{line}:1: summary: warning: has no ja translation" in err
    assert "[EN] Dalian, in Liaoning Province" in re.sub(r"<[^>]+>", "", html)


def test_build_strict_fails_an_edition_allowed_untranslated(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _untranslate_summary(project)
    code, _, err = build_html(
        "profiles/cities/dalian.yaml", "ja", capsys, "--allow-untranslated", "--strict",
        "--stale-after", "1000",
    )  # fmt: skip

    assert code == 1
    assert "summary: warning: has no ja translation" in err
    assert not (project / "out").exists()


def test_build_english_reports_no_translation_warnings(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["build", "profiles/cities/kitakyushu.yaml", "--format", "html", "-o", "out"], capsys
    )

    assert code == 0
    assert "translation" not in err
    assert "catalog" not in err
