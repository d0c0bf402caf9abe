"""Who an edition is for: the two audiences, told apart in this one place.

An internal edition prints everything; a public one leaves out what is marked
internal, refuses drafts and placeholders, is named ``.public`` and is accessible
(PDF/UA-1) by default. Every such difference asks ``is_public``.
"""

from __future__ import annotations

from typing import Literal

Audience = Literal["internal", "public"]
AUDIENCES: tuple[Audience, ...] = ("internal", "public")


def is_public(audience: str) -> bool:
    """Whether an edition for ``audience`` is the public one."""
    return audience == "public"
