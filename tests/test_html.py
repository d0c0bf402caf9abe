"""The self-contained HTML page (``--format html``) that the PDF is made from.

The builds are shared with ``test_pdf`` (same session folders, each document built once).
"""

from __future__ import annotations

import io
import logging
import re
from html.parser import HTMLParser
from importlib.resources import files

import pytest
from pypdf import PdfReader

from tests.helpers import DALIAN, VISIT, Built, Workspace


class Page(HTMLParser):
    """The tags, attributes and style sheets of one HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._in_style = tag == "style"
        if self._in_style:
            self.styles.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles[-1] += data

    def attributes(self, *tags: str) -> list[tuple[str, str, str]]:
        """``(tag, attribute, value)`` for every ``src`` and ``href`` of those tags."""
        return [
            (tag, name, value)
            for tag, attrs in self.tags
            if tag in tags
            for name, value in attrs.items()
            if name in ("src", "href", "srcset", "data")
        ]


@pytest.fixture(scope="session")
def briefing_html(examples: Workspace) -> Built:
    built = examples.build(VISIT, "briefing.html", "--format", "html")
    assert built.run.code == 0, built.run.stderr
    return built


@pytest.fixture(scope="session")
def page(briefing_html: Built) -> Page:
    return Page(briefing_html.path.read_text("utf-8"))


def test_html_page_loads_nothing_from_outside(page: Page) -> None:
    fetched = page.attributes("img", "script", "link", "iframe", "object", "embed", "source")
    images = [value for tag, _, value in fetched if tag == "img"]

    assert len(images) >= 2
    assert [value for value in images if not value.startswith("data:")] == []
    assert [(tag, value) for tag, _, value in fetched if tag != "img"] == []
    assert [tag for tag, _ in page.tags if tag in ("script", "link")] == []


def test_html_page_carries_its_styles(page: Page) -> None:
    css = "\n".join(page.styles)

    assert "@page" in css
    assert "font-family" in css
    assert re.search(r"url\(\s*['\"]?(?!data:)", css) is None


def test_html_page_inlines_the_print_stylesheet_unchanged(page: Page) -> None:
    stylesheet = files("reportgen").joinpath("templates", "print.css").read_text("utf-8")

    assert "&#34;" not in "\n".join(page.styles)
    assert stylesheet.strip() in "\n".join(page.styles)


def test_html_page_declares_its_language_and_title(page: Page, briefing_html: Built) -> None:
    html = next(attrs for tag, attrs in page.tags if tag == "html")

    assert html.get("lang") == "en"
    assert "<title>Dalian municipal delegation to Kitakyushu, May 2027</title>" in (
        briefing_html.path.read_text("utf-8")
    )


def test_weasyprint_on_the_html_gives_the_pages_of_the_pdf(
    examples: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    import weasyprint

    html = examples.build(DALIAN, "dalian.html", "--format", "html")
    pdf = examples.build(DALIAN, "dalian.pdf")
    assert html.run.code == 0, html.run.stderr

    # WeasyPrint alone, with its own defaults: what anyone who is sent the page can do
    with caplog.at_level(logging.DEBUG, logger="weasyprint"):
        data = weasyprint.HTML(filename=str(html.path)).write_pdf()
    printed = PdfReader(io.BytesIO(data))

    assert len(printed.pages) == len(pdf.reader.pages) > 1
    assert [page.extract_text() for page in printed.pages] == pdf.pages
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_html_prints_profile_markup_as_text(samples: Workspace) -> None:
    built = samples.build("profiles/cities/tricky.yaml", "tricky.html", "--format", "html")
    text = built.path.read_text("utf-8")
    tags = [tag for tag, _ in Page(text).tags]

    assert built.run.code == 0
    assert "{{ 7*7 }}" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in text
    assert "script" not in tags
    assert "b" not in tags
    assert re.search(r"\b49\b", text) is None
    assert 'href="https://example.org/tricky"' in text
    assert re.search(r'href="(?!https?://|mailto:|#)', text) is None
