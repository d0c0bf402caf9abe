"""The Markdown of a text as a translator sees it: words, and the marks kept around them.

Profile texts allow a small Markdown subset (paragraphs, lists, emphasis, links, code).
For a translation file each text is cut into ``segments``: plain words, and ``Code``
marks (``*`` around emphasis, ``[`` and ``](url)`` around a link, ``- `` before a list
item, the blank line between paragraphs). XLIFF carries the marks as inline codes
(``<bpt>``/``<ept>`` pairs and ``<ph>``, each holding its Markdown), so that a CAT tool
shows them as tags the translator moves but cannot break; a tool that ignores tags
still reads the Markdown itself. The cut is checked against the Markdown parser the
documents use: a text whose marks cannot be cut faithfully is sent whole, with a note.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

CodeKind = Literal["open", "close", "placeholder"]

ITALIC = "italic"
BOLD = "bold"
LINK = "link"
CODE = "x-md-code"
LIST_ITEM = "x-md-list-item"
PARAGRAPH = "x-md-paragraph"


@dataclass(frozen=True)
class Code:
    """A Markdown mark: an inline code of the translation file."""

    id: int
    kind: CodeKind
    ctype: str
    """XLIFF ``ctype``: italic, bold, link, or one of the ``x-md-...`` kinds."""
    native: str
    """The Markdown it stands for, exactly as written."""


Segment = str | Code


@dataclass(frozen=True)
class Ref:
    """A mark that a translation file names without its Markdown (XLIFF ``<g>``, ``<x/>``):
    the source's mark of the same id."""

    id: str
    kind: CodeKind
    ctype: str = ""


Part = str | Code | Ref
"""A piece of a translation as a file brings it back."""

_DEFAULT_NATIVE = {ITALIC: "*", BOLD: "**"}


def resolve(parts: list[Part], source: list[Segment] | None) -> tuple[str, str]:
    """The Markdown of a translation's pieces, and a problem ("" when there is none).

    A mark named only by id takes the Markdown of the source's mark with that id.
    """
    known = {(str(c.id), c.kind): c.native for c in source or [] if isinstance(c, Code)}
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, Code):
            out.append(part.native)
        else:
            native = known.get((part.id, part.kind))
            if native is None and part.kind != "placeholder":
                native = _DEFAULT_NATIVE.get(part.ctype)
            if native is None:
                return "", f"the tag with id {part.id} is not one of the source's tags"
            out.append(native)
    return "".join(out), ""


def _parser() -> MarkdownIt:
    from reportgen import markdown

    return markdown.parser()


def signature(text: str) -> tuple[tuple[str, str], ...]:
    """The structure of a Markdown text: its blocks, lists, emphasis, links and code.

    Two texts with the same signature print with the same marks (their words aside).
    """
    from reportgen import markdown

    found: list[tuple[str, str]] = []
    for token in markdown.parse(text):
        if token.type == "inline":
            for child in token.children or []:
                if child.type in ("text", "softbreak"):
                    continue
                detail = str(child.attrs.get("href", "")) if child.type == "link_open" else ""
                if child.type == "code_inline":
                    detail = child.content
                found.append((child.type, detail))
        else:
            found.append((token.type, ""))
    return tuple(found)


def has_markup(text: str) -> bool:
    """Whether the text is more than one plain paragraph."""
    return signature(text) != (("paragraph_open", ""), ("paragraph_close", ""))


def structure_problem(source: str, target: str) -> str | None:
    """Why ``target`` would print with another structure than ``source``; None if it would not.

    Paragraphs, list items and link addresses must match: a lost list mark runs two
    items together, a lost link address points nowhere. Emphasis may differ (Japanese
    and Chinese print no italics).
    """
    want, got = _blocks(source), _blocks(target)
    for name, label in (
        ("list_item_open", "list items"),
        ("paragraph_open", "paragraphs"),
        ("bullet_list_open", "bulleted lists"),
        ("ordered_list_open", "numbered lists"),
    ):
        if want[name] != got[name]:
            return (
                f"the translation has {got[name]} {label} where the source has {want[name]}: "
                "keep each list-item and paragraph tag (or Markdown mark) of the source"
            )
    links = Counter(d for t, d in signature(source) if t == "link_open")
    found = Counter(d for t, d in signature(target) if t == "link_open")
    if links != found:
        lost = sorted((links - found).elements())
        if lost:
            return f"the translation lost the link to {lost[0]}: keep the link tags of the source"
        extra = sorted((found - links).elements())
        return f"the translation links to {extra[0]}, which the source does not"
    return None


def _blocks(text: str) -> Counter[str]:
    return Counter(t for t, _ in signature(text))


def same_text(a: str, b: str) -> bool:
    """Whether two Markdown texts print alike (a line wrapped elsewhere is no change)."""
    if a.strip() == b.strip():
        return True
    render = _parser().render
    return " ".join(render(a).split()) == " ".join(render(b).split())


def joined(segments: list[Segment]) -> str:
    """The Markdown that segments stand for."""
    return "".join(s if isinstance(s, str) else s.native for s in segments)


# --- cutting a text into words and marks ---------------------------------------------------

_LIST_RE = re.compile(r"([ ]{0,8})([-*+]|[0-9]{1,9}[.)])([ ]+|$)")
_LINK_RE = re.compile(r"\[((?:[^\[\]\\\n]|\\.)*)\]\(([^()\s]*)\)")
_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def segments(text: str) -> list[Segment] | None:
    """``text`` cut into words and marks; None when the marks cannot be cut faithfully.

    Soft line breaks inside a paragraph become spaces (they print as spaces). The cut is
    accepted only when the Markdown it gives back has the same signature as ``text``.
    """
    lines = text.split("\n")
    if any(line.endswith(("  ", "\\")) for line in lines[:-1]):
        return None  # hard line breaks: rare enough to send whole
    out: list[Segment] = []
    counter = [0]
    block: list[str] = []
    blanks: list[str] = []
    started = False

    def flush() -> None:
        if block:
            out.extend(_inline(" ".join(block), counter))
            block.clear()

    for line in lines:
        if not line.strip():
            if started:
                blanks.append(line)
            continue
        item = _LIST_RE.match(line)
        if not started:
            started = True
            if item:
                out.append(_code(counter, "placeholder", LIST_ITEM, item.group(0)))
                line = line[item.end() :]
            block.append(line.strip())
            continue
        if not blanks and not item:
            block.append(line.strip())  # a soft line break: printed as a space
            continue
        flush()
        prefix = item.group(0) if item else line[: len(line) - len(line.lstrip(" "))]
        native = "\n" + "".join(blank + "\n" for blank in blanks) + prefix
        out.append(_code(counter, "placeholder", LIST_ITEM if item else PARAGRAPH, native))
        block.append(line[len(prefix) :].strip())
        blanks.clear()
    flush()
    if signature(joined(out)) != signature(text):
        return None
    return out


def _code(counter: list[int], kind: CodeKind, ctype: str, native: str) -> Code:
    counter[0] += 1
    return Code(counter[0], kind, ctype, native)


def _inline(text: str, counter: list[int]) -> list[Segment]:
    """One paragraph's words and its inline marks: emphasis, links, code spans."""
    out: list[Segment] = []
    # delimiter runs waiting for their closer: (char, length, index in out)
    openers: list[tuple[str, int, int]] = []
    plain = ""
    i = 0

    def emit_plain() -> None:
        nonlocal plain
        if plain:
            out.append(plain)
            plain = ""

    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in _PUNCT:
            plain += text[i : i + 2]
            i += 2
            continue
        if ch == "`":
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            end = text.find("`" * run, i + run)
            while end != -1 and text[end + run : end + run + 1] == "`":
                end = text.find("`" * run, end + run + 1)
            if end == -1:
                plain += "`" * run
                i += run
                continue
            emit_plain()
            out.append(_code(counter, "placeholder", CODE, text[i : end + run]))
            i = end + run
            continue
        if ch == "[":
            link = _LINK_RE.match(text, i)
            if link:
                emit_plain()
                opening = _code(counter, "open", LINK, "[")
                out.append(opening)
                inner = _inline(link.group(1), counter)
                out.extend(inner)
                out.append(Code(opening.id, "close", LINK, f"]({link.group(2)})"))
                i = link.end()
                continue
        if ch in "*_":
            run = len(text[i:]) - len(text[i:].lstrip(ch))
            before = text[i - 1] if i else " "
            after = text[i + run] if i + run < len(text) else " "
            left = not after.isspace() and (
                after not in _PUNCT or before.isspace() or before in _PUNCT
            )
            right = not before.isspace() and (
                before not in _PUNCT or after.isspace() or after in _PUNCT
            )
            if ch == "_":
                can_open = left and (not right or before in _PUNCT)
                can_close = right and (not left or after in _PUNCT)
            else:
                can_open, can_close = left, right
            if run <= 2 and can_close and any(c == ch and n == run for c, n, _ in openers):
                while openers[-1][:2] != (ch, run):
                    openers.pop()
                _, _, at = openers.pop()
                emit_plain()
                ctype = ITALIC if run == 1 else BOLD
                opening = _code(counter, "open", ctype, ch * run)
                out[at] = opening
                out.append(Code(opening.id, "close", ctype, ch * run))
                i += run
                continue
            if run <= 2 and can_open:
                emit_plain()
                openers.append((ch, run, len(out)))
                out.append(ch * run)  # plain until its closer is found
                i += run
                continue
            plain += ch * run
            i += run
            continue
        plain += ch
        i += 1
    emit_plain()
    # openers never closed stay plain text; renumber so ids follow the order of the text
    return _renumber(_merge_plain(out), counter)


def _merge_plain(items: list[Segment]) -> list[Segment]:
    merged: list[Segment] = []
    for item in items:
        if isinstance(item, str) and merged and isinstance(merged[-1], str):
            merged[-1] += item
        else:
            merged.append(item)
    return merged


def _renumber(items: list[Segment], counter: list[int]) -> list[Segment]:
    """Ids in the order the marks open (an emphasis found at its closer got a later id)."""
    codes = [c for c in items if isinstance(c, Code)]
    if not codes:
        return items
    first = min(c.id for c in codes)
    mapping: dict[int, int] = {}
    for code in codes:
        if code.id not in mapping:
            mapping[code.id] = first + len(mapping)
    counter[0] = first + len(mapping) - 1
    return [
        Code(mapping[s.id], s.kind, s.ctype, s.native) if isinstance(s, Code) else s for s in items
    ]
