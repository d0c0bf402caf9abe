"""The Markdown that profile texts may use: emphasis, lists, links, line breaks, code.

One parser for the documents (``Writer``) and the translators' files (``markup``), so
that both read a text alike; raw HTML is text, never markup.
"""

from __future__ import annotations

import gc
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


@cache
def parser() -> MarkdownIt:
    """A CommonMark parser with only the rules profile texts may use (made once)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("zero", {"html": False}).enable(
        ["emphasis", "list", "link", "newline", "escape", "backticks"]
    )


def parse(text: str) -> list[Token]:
    """The tokens of ``text``, parsed with Python's cycle collector paused.

    A parse makes no reference cycles, only many objects (a long text, millions), over
    which the collector would run again and again for nothing: a third of the time of a
    long text's parse, and of a build stopped at ``--memory-limit`` by one. The collector
    is left as it was found (paused already, it stays so).
    """
    collecting = gc.isenabled()
    if collecting:
        gc.disable()
    try:
        return parser().parse(text)
    finally:
        if collecting:
            gc.enable()
