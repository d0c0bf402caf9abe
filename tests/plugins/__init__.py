"""A kind of profile and a format that only the tests know (``tests/test_registry.py``).

Each is its own module here (``note``: the kind, its rules and its document; ``text``:
the format), with its starter and template, and one registry line in ``register``:
nothing else of reportgen names them.
"""

from __future__ import annotations

from reportgen.registry import ProfileKind, Renderer, register_kind, register_renderer


def register() -> None:
    """Add the note (``kind: note``) and plain text (``txt``) to the registry."""
    register_kind(ProfileKind("note", "tests.plugins.note:Note", "notes", "tests.plugins:starters/note.yaml", (("note-sheet", "tests.plugins.note"),), references="tests.plugins.note:references", rules="tests.plugins.note:rules", templates="tests.plugins:templates"))  # fmt: skip  # noqa: E501
    register_renderer(Renderer("txt", "txt", "tests.plugins.text:to_text", needs_fonts=False, media_type="text/plain; charset=utf-8", inline=True))  # fmt: skip  # noqa: E501
