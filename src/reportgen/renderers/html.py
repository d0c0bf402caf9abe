"""The self-contained HTML page that the PDF is made from (Jinja2 templates)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

from reportgen._version import __version__
from reportgen.documents.content import Document
from reportgen.templating import TemplateError, hyphenated, outside_message, render, typeset

PAPER = {"a4": "A4", "letter": "letter"}
PAGE_HEIGHT = {"a4": "297mm", "letter": "279.4mm"}
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "base-uri 'none'; form-action 'none'"
)
"""What an HTML edition may load and run, as its ``<meta>`` says: its own styles and the
pictures inside it, no script, nothing from elsewhere."""


@cache
def stylesheet(project_templates: Path | None = None) -> str:
    """The print stylesheet: the project's ``templates/print.css`` if it has one (refused
    when it leads outside the templates folder)."""
    if project_templates is not None and (project_templates / "print.css").is_file():
        own = project_templates / "print.css"
        problem = outside_message(own, project_templates)
        if problem is not None:
            raise TemplateError(problem)
        return own.read_text("utf-8")
    return files("reportgen").joinpath("templates", "print.css").read_text("utf-8")


def render_html(
    doc: Document,
    *,
    paper: str = "a4",
    inline_css: bool = True,
    project_templates: Path | None = None,
) -> str:
    """The document as HTML; with ``inline_css`` the stylesheet is inside the page (the
    HTML edition, which then carries its Content-Security-Policy)."""
    css = stylesheet(project_templates) if inline_css else ""
    with hyphenated(doc.meta.lang, doc.names), typeset(doc.meta.lang):
        return render(
            project_templates,
            f"{doc.name}.html.j2",
            doc=doc,
            css=css,
            paper=PAPER[paper],
            page_height=PAGE_HEIGHT[paper],
            version=__version__,
            csp=CONTENT_SECURITY_POLICY,
        )
