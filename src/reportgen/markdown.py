"""The Markdown that profile texts may use: emphasis, lists, links, line breaks, code.

One parser for the documents (``Writer``) and the translators' files (``markup``), so
that both read a text alike; raw HTML is text, never markup.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@cache
def parser() -> MarkdownIt:
    """A CommonMark parser with only the rules profile texts may use (made once)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("zero", {"html": False}).enable(
        ["emphasis", "list", "link", "newline", "escape", "backticks"]
    )
