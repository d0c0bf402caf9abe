"""Translations written into a profile's YAML text, and nothing else changed.

Each change is a targeted edit at the place the parser found the text: a new
``ja: ...`` line (or ``, ja: ...`` inside ``{...}``) after the text's last language, or
a plain string turned into a mapping whose first key keeps the string as it was
written (``summary: text`` -> ``summary:`` / ``en: text`` / ``ja: ...``). Comments, key
order, quoting, flow or block style and blank lines elsewhere stay byte for byte; a
text that goes on over several lines keeps its lines, indented one step further when
it moves under its language key. New values are written plain when YAML reads them
back as the same string, else in double quotes, or as a literal block when they have
several lines.

The edited text is then read again by reportgen's own loader and validated by the
caller; positions come from PyYAML's pure-Python composer (exact character offsets).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reportgen.errors import Loc


@dataclass(frozen=True)
class Change:
    """Give the text at ``loc`` (a path in the YAML data) its forms in more languages."""

    loc: Loc
    texts: tuple[tuple[str, str], ...]
    """``(language, text)`` pairs, in the order they are to be written."""
    source_lang: str = "en"
    """The key a plain string gets when it becomes a mapping (a plain string is English)."""


class EditError(Exception):
    """A text that cannot be edited in place (an alias, an unusual layout)."""


@dataclass(frozen=True)
class _Place:
    node: Any
    parent: Any
    key: Any | None
    """The key node, when the parent is a mapping."""


def apply(text: str, changes: list[Change]) -> tuple[str, list[tuple[Change, str]]]:
    """``text`` with every change made that can be, and why each other one cannot."""
    import yaml

    failures: list[tuple[Change, str]] = []
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        return text, [(change, f"cannot read the file for editing: {exc}") for change in changes]
    shared = _shared_nodes(root)
    newline = "\r\n" if "\r\n" in text else "\n"
    edits: list[tuple[int, int, str, Change]] = []
    for change in changes:
        try:
            place = _find(root, change.loc)
            if id(place.node) in shared:
                raise EditError(
                    "the text is an alias (*name) of another: write it out to translate it"
                )
            edits.extend((*edit, change) for edit in _edit(text, place, change, newline))
        except EditError as exc:
            failures.append((change, str(exc)))
    edits.sort(key=lambda e: (e[0], e[1]))
    kept: list[tuple[int, int, str, Change]] = []
    for edit in edits:
        if kept and edit[0] < kept[-1][1] and edit[3] is not kept[-1][3]:
            failures.append((edit[3], "another translation edits the same text"))
            continue
        kept.append(edit)
    dropped = {id(change) for change, _ in failures}
    kept = [edit for edit in kept if id(edit[3]) not in dropped]
    for start, end, replacement, _ in reversed(kept):
        text = text[:start] + replacement + text[end:]
    return text, failures


def yaml_loc(data: Any, loc: Loc) -> Loc:
    """The path in the YAML data of a model's field path.

    A single mapping written where a list is accepted (``population: {value: ...}``) is
    item 0 of the model's list, but has no index in the file; a part written as its text
    alone (``logistics: ...`` for ``logistics: {text: ...}``) holds its ``text`` itself.
    """
    out: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        if isinstance(node, dict) and isinstance(part, int):
            continue
        if loc[index:] == ("text",) and out and not (isinstance(node, dict) and "text" in node):
            break
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)


def _shared_nodes(root: Any) -> set[int]:
    """Nodes reached more than once (an anchor and its aliases)."""
    import yaml

    seen: set[int] = set()
    shared: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                todo.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
    if shared:  # everything inside a shared node is shared too
        for node in list(_all(root)):
            if id(node) in shared:
                shared.update(id(n) for n in _all(node))
    return shared


def _all(node: Any) -> list[Any]:
    import yaml

    out, todo, seen = [], [node], set()
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        out.append(current)
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                todo.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            todo.extend(current.value)
    return out


def _find(root: Any, loc: Loc) -> _Place:
    import yaml

    node, parent, key = root, None, None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == part:
                    node, parent, key = v, node, k
                    break
            else:
                raise EditError("the field is not in the file")
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                raise EditError("the field is not in the file")
            node, parent, key = node.value[part], node, None
        else:
            raise EditError("the field is not in the file")
    if parent is None:
        raise EditError("the field is not in the file")
    return _Place(node, parent, key)


Edit = tuple[int, int, str]
"""Replace ``text[start:end]`` with a new text."""


def _edit(text: str, place: _Place, change: Change, newline: str) -> list[Edit]:
    import yaml

    node = place.node
    if isinstance(node, yaml.MappingNode):
        return _into_mapping(text, node, change, newline)
    if not isinstance(node, yaml.ScalarNode):
        raise EditError("the text is neither a string nor a mapping of languages")
    if getattr(place.parent, "flow_style", False):
        start, end = node.start_mark.index, node.end_mark.index
        pairs = [f"{change.source_lang}: {text[start:end]}"]
        pairs += [f"{lang}: {flow_scalar(value)}" for lang, value in change.texts]
        return [(start, end, "{" + ", ".join(pairs) + "}")]
    return [_block_convert(text, place, change, newline)]


def _into_mapping(text: str, node: Any, change: Change, newline: str) -> list[Edit]:
    """Replace a language's text in a mapping of languages, or add it after the last."""
    import yaml

    if not node.value:
        raise EditError("the text is an empty mapping")
    keys = {
        key.value: (key, value) for key, value in node.value if isinstance(key, yaml.ScalarNode)
    }
    column = _column(text, node.value[0][0].start_mark.index)
    edits: list[Edit] = []
    added: list[tuple[str, str]] = []
    for lang, wanted in change.texts:
        if lang not in keys:
            added.append((lang, wanted))
            continue
        key, value = keys[lang]
        if not isinstance(value, yaml.ScalarNode):
            raise EditError("the text is not a string")
        end = _value_end(text, value)
        written = (
            flow_scalar(wanted)
            if node.flow_style
            else block_scalar(wanted, _column(text, key.start_mark.index), newline)
        )
        edits.append((value.start_mark.index, end, written))
    if added:
        end = _value_end(text, node.value[-1][1])
        if node.flow_style:
            pairs = "".join(f", {lang}: {flow_scalar(value)}" for lang, value in added)
            edits.append((end, end, pairs))
        else:
            at = _after_line(text, end)
            lines = "".join(
                f"{' ' * column}{lang}: {block_scalar(value, column, newline)}{newline}"
                for lang, value in added
            )
            prefix = "" if at > 0 and text[at - 1] == "\n" else newline
            edits.append((at, at, prefix + lines))
    return edits


def _block_convert(text: str, place: _Place, change: Change, newline: str) -> Edit:
    """A plain string in block style turned into a block mapping of languages."""
    node = place.node
    start = node.start_mark.index
    end = _value_end(text, node)
    line_end = _line_end(text, end)
    rest = text[end:line_end]  # a comment after the value stays with it
    if rest.strip() and not rest.strip().startswith("#"):
        raise EditError("the text is followed by something else on its line")
    if place.key is not None:
        parent_col = _column(text, place.key.start_mark.index)
        between = text[place.key.end_mark.index : start]
        if "\n" not in between and "\r" not in between:
            # the text on its key's line: the languages go on the lines below it
            colon = text.find(":", place.key.end_mark.index, start)
            if colon == -1 or text[place.key.end_mark.index : colon].strip():
                raise EditError("the key of the text is written in an unusual way")
            column = parent_col + 2
            original = _shifted(text[start:end], column - parent_col)
            indent = " " * column
            first = f"{newline}{indent}{change.source_lang}: {original}{rest}"
            return colon + 1, line_end, first + _more(change, column, newline)
    else:
        dash = text.rfind("-", 0, start)
        if dash == -1 or text[dash + 1 : start].strip():
            raise EditError("the list item of the text is written in an unusual way")
        parent_col = _column(text, dash)
    # the text on a line of its own, or after a list's dash: its key goes before it
    column = _column(text, start)
    original = _shifted(text[start:end], column - parent_col)
    first = f"{change.source_lang}: {original}{rest}"
    return start, line_end, first + _more(change, column, newline)


def _more(change: Change, column: int, newline: str) -> str:
    """The new languages' lines under a key at ``column``."""
    indent = " " * column
    return "".join(
        f"{newline}{indent}{lang}: {block_scalar(value, column, newline)}"
        for lang, value in change.texts
    )


def _value_end(text: str, node: Any) -> int:
    """Where a scalar's text ends: a block scalar ends with its last line of content."""
    end = int(node.end_mark.index)
    if getattr(node, "style", None) in ("|", ">"):
        start = int(node.start_mark.index)
        body = text[start:end].rstrip(" \t\r\n")
        return start + len(body)
    return end


def _column(text: str, index: int) -> int:
    return index - (max(text.rfind("\n", 0, index), -1) + 1)


def _line_end(text: str, index: int) -> int:
    """The end of the line holding ``index`` (before its line break)."""
    found = text.find("\n", index)
    if found == -1:
        return len(text)
    return found - 1 if found > 0 and text[found - 1] == "\r" else found


def _after_line(text: str, index: int) -> int:
    """The start of the line after the one holding ``index`` (the end of the text if none)."""
    found = text.find("\n", index)
    return len(text) if found == -1 else found + 1


def _shifted(value: str, by: int) -> str:
    """A value's text with every line after the first indented ``by`` more (empty ones kept)."""
    if by <= 0 or "\n" not in value:
        return value
    lines = value.split("\n")
    return "\n".join(
        [lines[0], *((" " * by + line) if line.strip("\r") else line for line in lines[1:])]
    )


# --- how a new text is written ---------------------------------------------------------------

_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")
_LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")


def plain_ok(text: str, *, flow: bool) -> bool:
    """Whether ``text`` written plain reads back as the same string (YAML 1.2 core)."""
    from reportgen.yamlio import resolve_plain

    if not text or text != text.strip() or any(b in text for b in _LINE_BREAKS):
        return False
    if text[0] in _INDICATORS or "\t" in text or "\ufeff" in text:
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if flow and any(c in text for c in ",[]{}"):
        return False
    return resolve_plain(text) == "tag:yaml.org,2002:str"


def quoted(text: str) -> str:
    """A double-quoted YAML scalar (JSON's escapes, which YAML 1.2 reads alike)."""
    escaped = json.dumps(text, ensure_ascii=False)
    for char in ("\x85", "\u2028", "\u2029", "\ufeff"):
        escaped = escaped.replace(char, f"\\u{ord(char):04x}")
    return escaped


def flow_scalar(text: str) -> str:
    return text if plain_ok(text, flow=True) else quoted(text)


def block_scalar(text: str, column: int, newline: str) -> str:
    """The text as the value of a key at ``column``: plain, or a literal block (several
    lines, or a long line that plain YAML cannot hold), or double-quoted."""
    if plain_ok(text, flow=False):
        return text
    lines = text.split("\n")
    literal = (
        (len(lines) > 1 or len(text) > QUOTED_MAX)
        and not any(b in text for b in _LINE_BREAKS[1:])
        and "\t" not in text
        and all(line == line.rstrip(" ") for line in lines)
    )
    if not literal:
        return quoted(text)
    indent = " " * (column + 2)
    header = "|2-" if lines[0].startswith(" ") else "|-"
    body = newline.join(indent + line if line else "" for line in lines)
    return f"{header}{newline}{body}"


QUOTED_MAX = 60
"""Longer single-line texts that cannot be plain are written as a literal block, which
needs no escapes."""
