"""PDF through WeasyPrint: the only module that imports it.

One font configuration and one parsed stylesheet per process. WeasyPrint fetches
nothing but ``data:`` URLs (every picture is inlined), and a problem it only logs (a
refused image, a bad CSS rule) fails the build with its message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reportgen.errors import ReportgenError


class RenderError(ReportgenError):
    """WeasyPrint could not render the document as asked."""


_DATA_URI = re.compile(r"data:([\w/+.-]+);base64,[A-Za-z0-9+/=]+")


def _readable(message: str) -> str:
    """A WeasyPrint message with embedded data shortened to what it is."""
    return _DATA_URI.sub(lambda m: f"(embedded {m.group(1)})", message)


@dataclass(frozen=True)
class Attachment:
    path: Path
    description: str


def load() -> None:
    """Import WeasyPrint with its system libraries found by their sonames first."""
    from reportgen.renderers.libraries import import_with_sonames

    import_with_sonames("weasyprint")


def _fetcher_class() -> Any:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class DataOnlyFetcher(URLFetcher):  # type: ignore[misc]
        """Serves ``data:`` URLs; refuses every file and network address."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise FatalURLFetchingError(f"refused to fetch {url[:200]}")

    return DataOnlyFetcher


@cache
def _engine() -> tuple[Any, Any]:
    load()
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration(), _fetcher_class()(allowed_protocols=("data",))


@cache
def _stylesheet(css: str) -> Any:
    from weasyprint import CSS
    from weasyprint.urls import FatalURLFetchingError, URLFetchingError

    font_config, fetcher = _engine()
    with _captured() as problems:
        try:
            sheet = CSS(string=css, font_config=font_config, url_fetcher=fetcher)
        except (URLFetchingError, FatalURLFetchingError) as exc:
            raise RenderError(f"stylesheet: {_readable(str(exc))}") from None
    if problems:
        raise RenderError("stylesheet: " + "; ".join(problems))
    return sheet


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _captured() -> Iterator[list[str]]:
    logger = logging.getLogger("weasyprint")
    handler = _Collector()
    logger.addHandler(handler)
    propagate = logger.propagate
    logger.propagate = False
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def warm_up(css: str) -> None:
    """Load WeasyPrint, the fonts and the stylesheet now, before the first document."""
    _engine()
    _stylesheet(css)


def render_pdf(
    html: str,
    css: str,
    *,
    variant: str | None = None,
    attachments: Sequence[Attachment] = (),
    identifier: bytes | None = None,
) -> bytes:
    """Lay out ``html`` with the shared stylesheet ``css`` and return the PDF bytes."""
    load()
    from weasyprint import HTML
    from weasyprint import Attachment as WeasyAttachment
    from weasyprint.urls import FatalURLFetchingError, URLFetchingError

    font_config, fetcher = _engine()
    sheet = _stylesheet(css)
    options: dict[str, Any] = {"pdf_identifier": identifier} if identifier else {}
    if variant:
        options["pdf_variant"] = variant
        if variant.startswith("pdf/ua"):
            options["pdf_tags"] = True
    if attachments:
        options["attachments"] = [
            WeasyAttachment(
                string=item.path.read_bytes(),
                name=item.path.name,
                description=item.description,
            )
            for item in attachments
        ]
    with _captured() as problems:
        try:
            document = HTML(string=html, url_fetcher=fetcher, base_url="data:,")
            pdf = document.write_pdf(stylesheets=[sheet], font_config=font_config, **options)
        except (URLFetchingError, FatalURLFetchingError) as exc:  # the fatal one is no Exception
            raise RenderError(_readable(str(exc))) from None
    if problems:
        raise RenderError("; ".join(dict.fromkeys(_readable(p) for p in problems)))
    assert isinstance(pdf, bytes)
    return pdf


def available() -> tuple[bool, str]:
    """Whether WeasyPrint and its system libraries load, and what to install if not."""
    try:
        load()
    except (ImportError, OSError) as exc:
        return False, f"WeasyPrint does not load ({exc}); run ./run setup"
    return True, ""
