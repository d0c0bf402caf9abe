"""Renderers: a ``Document`` into bytes of one format (html, pdf, docx)."""

from __future__ import annotations

FORMATS = ("pdf", "docx", "html")
