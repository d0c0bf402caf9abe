"""Running out of memory in a profile's Markdown lets go of it before the build unwinds.

Python needs a little memory to unwind a ``with`` or ``finally``; with none left it retries
for ever, so a build whose memory ran out while the parse's tokens were still held spun
at ``--memory-limit`` instead of stopping (hostile case ``limits-memory-strong``).
"""

from __future__ import annotations

import datetime as dt
import gc
import weakref

import pytest

from reportgen import markdown
from reportgen.checks import Staleness
from reportgen.documents.writer import Writer
from reportgen.limits import released
from reportgen.models.types import Text


class _Held:
    """Stands for the tokens a parse holds when the memory runs out."""


def test_released_lets_go_of_the_frames_before_raising() -> None:
    held: list[weakref.ref[_Held]] = []

    def parse() -> None:
        tokens = _Held()
        held.append(weakref.ref(tokens))
        raise MemoryError

    gc.disable()  # only the traceback may keep the tokens alive, not a late collection
    try:
        with pytest.raises(MemoryError) as caught:
            released(parse)
        assert held[0]() is None
        assert caught.tb is not None
    finally:
        gc.enable()


def test_markdown_out_of_memory_holds_no_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    held: list[weakref.ref[_Held]] = []

    class Parser:
        def parse(self, source: str) -> list[object]:
            tokens = _Held()
            held.append(weakref.ref(tokens))
            raise MemoryError

    monkeypatch.setattr(markdown, "parser", Parser)
    writer = Writer(staleness=Staleness(dt.date(2026, 1, 1)))
    gc.disable()
    try:
        with pytest.raises(MemoryError):
            try:
                writer.blocks(Text("**a** " * 10))
            except MemoryError:
                # where a build's ``with`` unwinds: nothing of the parse may be held here
                assert held[0]() is None
                raise
    finally:
        gc.enable()
