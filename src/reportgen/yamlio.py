"""Safe YAML 1.2 loading that keeps the line and column of every key and value.

libyaml (through PyYAML) parses the text into events; this module builds plain Python
values from them itself, resolving plain scalars by the YAML 1.2 core schema (``NO``
stays a string, ``10:30`` stays a string, ``2019-05`` stays a string), so that no tag
can construct an object, aliases cannot expand without bound, nesting is limited,
duplicate keys are reported, and every text is checked for characters that a document
cannot hold. YAML floats become exact ``Decimal``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from reportgen.errors import InvalidInput, Issue, Loc, Report, Severity, display_path, format_loc

MAX_FILE_BYTES = 4 * 1024 * 1024
"""Largest input file read; profiles are a few kilobytes."""
MAX_SCALAR_CHARS = 1_000_000
MAX_KEY_CHARS = 1024
"""As long as YAML allows a plain key; only an explicit ``? key`` can be longer."""
MAX_DEPTH = 64
MAX_NODES = 500_000
"""Values built from one file, counting every expansion of an alias (stops alias bombs)."""
MAX_INT_DIGITS = 30
MAX_DECIMAL_EXPONENT = 50

_YAML = "tag:yaml.org,2002:"
_INT_RE = re.compile(r"[-+]?[0-9][0-9_]*|[-+]?0o[0-7_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?0b[01_]+")
_INF_NAN = {".inf", "+.inf", "-.inf", ".nan"}
_DIRECTIVE_RE = re.compile(r"^%YAML[ \t]+(\S+)", re.MULTILINE)


def _forbidden_pattern() -> re.Pattern[str]:
    """Control characters (but tab and line ends), C1 controls, surrogates, bidi
    embeddings and overrides, and Unicode noncharacters."""
    ranges = [
        (0x00, 0x08),
        (0x0B, 0x0C),
        (0x0E, 0x1F),
        (0x7F, 0x9F),
        (0xD800, 0xDFFF),
        (0x202A, 0x202E),
        (0xFDD0, 0xFDEF),
    ]
    ranges += [(plane + 0xFFFE, plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000)]
    return re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in ranges) + "]")


_FORBIDDEN_RE = _forbidden_pattern()


def _forbidden_char(text: str) -> str | None:
    """The first character in ``text`` that no document may carry, if any."""
    found = _FORBIDDEN_RE.search(text)
    return found.group() if found else None


def describe_char(ch: str) -> str:
    name = unicodedata.name(ch, "") if not 0xD800 <= ord(ch) <= 0xDFFF else "lone surrogate"
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


@dataclass(frozen=True)
class Position:
    line: int
    col: int


@dataclass
class Document:
    """A loaded YAML file: its plain data and where each value and key stands."""

    path: Path
    data: Any
    positions: dict[Loc, Position] = field(default_factory=dict)
    key_positions: dict[Loc, Position] = field(default_factory=dict)
    digest: str = ""
    """SHA-256 of the file's bytes as read (what a build's freshness is judged by)."""

    @property
    def name(self) -> str:
        return display_path(self.path)

    def locate(self, loc: Loc, *, key: bool = False) -> Position | None:
        """Position of the deepest part of ``loc`` that exists in the file.

        Index parts that the file does not have are skipped, so a single mapping
        written where a list is accepted (``population: {value: ...}``) still locates.
        """
        found: Loc = ()
        node: Any = self.data
        for part in loc:
            if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, dict) and isinstance(part, int):
                continue
            else:
                break
            found = (*found, part)
        if key and found and found in self.key_positions:
            return self.key_positions[found]
        return self.positions.get(found)

    def issue(
        self,
        loc: Loc,
        message: str,
        *,
        severity: Severity = Severity.ERROR,
        key: bool = False,
    ) -> Issue:
        pos = self.locate(loc, key=key)
        return Issue(
            file=self.name,
            line=pos.line if pos else None,
            col=pos.col if pos else None,
            path=format_loc(loc),
            message=message,
            severity=severity,
        )


# YAML 1.2 core schema: how plain scalars resolve (no 1.1 booleans, times or dates).
_NULL_RE = re.compile(r"~|null|Null|NULL|")
_BOOL_RE = re.compile(r"true|True|TRUE|false|False|FALSE")
_INT_12_RE = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT_12_RE = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
_CORE_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null")}
_NON_TEXT_STARTS = frozenset("0123456789+-.~nNtTfF")
"""First characters that a null, boolean or number can start with."""


def resolve_plain(text: str) -> str:
    """The YAML 1.2 core-schema tag of a plain (unquoted) scalar."""
    if text and text[0] not in _NON_TEXT_STARTS:
        return _YAML + "str"
    if _NULL_RE.fullmatch(text):
        return _YAML + "null"
    if _BOOL_RE.fullmatch(text):
        return _YAML + "bool"
    if _INT_12_RE.fullmatch(text):
        return _YAML + "int"
    if _FLOAT_12_RE.fullmatch(text):
        return _YAML + "float"
    return _YAML + "str"


@dataclass
class _Frame:
    """A mapping or sequence being built."""

    value: dict[str, Any] | list[Any]
    loc: Loc
    anchor: str | None
    count_at_start: int
    key: str | None = None
    skip_value: bool = False


class _Builder:
    """Builds plain values from parser events, with positions, limits and problems.

    Events come from libyaml's parser, which keeps its own stack: nothing here recurses,
    so nesting is limited by ``MAX_DEPTH`` alone, with a located message.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.positions: dict[Loc, Position] = {}
        self.key_positions: dict[Loc, Position] = {}
        self.issues: list[Issue] = []
        self.count = 0
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()

    def problem(self, mark: Any, loc: Loc, message: str) -> None:
        self.issues.append(
            Issue(self.name, mark.line + 1, mark.column + 1, format_loc(loc), message)
        )

    def run(self, events: Any) -> Any:
        import yaml

        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _Stop(event.start_mark, "a profile is one YAML document (found a second)")
                continue
            if isinstance(
                event, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)
            ):
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                frame = stack.pop()
                self._finish_anchor(frame.anchor, frame.value, frame.count_at_start)
                value: Any = frame.value
            else:
                parent = stack[-1] if stack else None
                if parent is not None and isinstance(parent.value, dict) and parent.key is None:
                    self._key(event, parent)
                    continue
                loc = self._child_loc(parent)
                self.count += 1
                if self.count > MAX_NODES:
                    raise _Stop(
                        event.start_mark, f"more than {MAX_NODES:,} values (alias expansion?)"
                    )
                if loc not in self.positions:
                    mark = event.start_mark
                    self.positions[loc] = Position(mark.line + 1, mark.column + 1)
                if isinstance(event, yaml.CollectionStartEvent):
                    if len(stack) >= MAX_DEPTH:
                        raise _Stop(event.start_mark, f"nesting deeper than {MAX_DEPTH} levels")
                    is_map = isinstance(event, yaml.MappingStartEvent)
                    expected = _YAML + ("map" if is_map else "seq")
                    if event.tag not in (None, "!", expected):
                        self.problem(event.start_mark, loc, f"tag {event.tag} is not allowed")
                    if event.anchor:
                        self.open_anchors.add(event.anchor)
                    container: dict[str, Any] | list[Any] = {} if is_map else []
                    stack.append(_Frame(container, loc, event.anchor, self.count))
                    continue
                if isinstance(event, yaml.AliasEvent):
                    value = self._alias(event, loc)
                else:
                    value = self._scalar(event, loc)
                    self._finish_anchor(event.anchor, value, self.count - 1)
            if not stack:
                root = value
            else:
                self._attach(stack[-1], value)
        return root

    def _child_loc(self, parent: _Frame | None) -> Loc:
        if parent is None:
            return ()
        if isinstance(parent.value, list):
            return (*parent.loc, len(parent.value))
        assert parent.key is not None
        return (*parent.loc, parent.key)

    def _attach(self, frame: _Frame, value: Any) -> None:
        if isinstance(frame.value, list):
            frame.value.append(value)
            return
        assert frame.key is not None
        if not frame.skip_value:
            frame.value[frame.key] = value
        frame.key = None
        frame.skip_value = False

    def _key(self, event: Any, frame: _Frame) -> None:
        import yaml

        if not isinstance(event, yaml.ScalarEvent):
            raise _Stop(
                event.start_mark, "keys must be plain text (found a list, mapping or alias)"
            )
        key = event.value
        child = (*frame.loc, key)
        mark: Any = event.start_mark
        frame.key = key
        assert isinstance(frame.value, dict)
        if len(key) > MAX_KEY_CHARS:
            self.problem(mark, frame.loc, f"key longer than {MAX_KEY_CHARS:,} characters")
            frame.skip_value = True
        elif key == "<<" and event.implicit[0]:
            self.problem(mark, frame.loc, "merge keys (<<) are not supported")
            frame.skip_value = True
        elif key in frame.value or child in self.key_positions:
            first = self.key_positions[child]
            self.problem(mark, child, f"duplicate key (first given at line {first.line})")
            frame.skip_value = True
        elif event.implicit[0] and resolve_plain(key) == _YAML + "null" and key == "":
            self.problem(mark, frame.loc, "empty keys are not allowed")
            frame.skip_value = True
        else:
            bad = _forbidden_char(key)
            if bad:
                self.problem(mark, child, f"key contains the character {describe_char(bad)}")
            self.key_positions[child] = Position(mark.line + 1, mark.column + 1)

    def _finish_anchor(self, anchor: str | None, value: Any, count_at_start: int) -> None:
        if anchor:
            self.open_anchors.discard(anchor)
            self.anchors[anchor] = (value, self.count - count_at_start)

    def _alias(self, event: Any, loc: Loc) -> Any:
        name = event.anchor
        if name in self.open_anchors:
            raise _Stop(event.start_mark, f"the alias *{name} refers to a node that contains it")
        if name not in self.anchors:
            raise _Stop(event.start_mark, f"unknown alias *{name}")
        value, size = self.anchors[name]
        self.count += size
        if self.count > MAX_NODES:
            raise _Stop(event.start_mark, f"more than {MAX_NODES:,} values (alias expansion?)")
        return value

    def _scalar(self, event: Any, loc: Loc) -> Any:
        text: str = event.value
        mark = event.start_mark
        if len(text) > MAX_SCALAR_CHARS:
            self.problem(mark, loc, f"value longer than {MAX_SCALAR_CHARS:,} characters")
            return None
        tag = event.tag
        if tag in (None, "!"):
            tag = resolve_plain(text) if event.implicit[0] and tag is None else _YAML + "str"
        if tag not in _CORE_TAGS:
            self.problem(mark, loc, f"tag {tag} is not allowed")
            return None
        if tag == _YAML + "str":
            bad = _forbidden_char(text)
            if bad:
                self.problem(mark, loc, f"text contains the character {describe_char(bad)}")
                return None
            return text
        if tag == _YAML + "null":
            return None
        if tag == _YAML + "bool":
            if not _BOOL_RE.fullmatch(text):
                self.problem(mark, loc, f"not a boolean: {text[:40]}")
                return None
            return text.lower() == "true"
        if tag == _YAML + "int":
            return self._integer(mark, loc, text)
        return self._decimal(mark, loc, text)

    def _integer(self, mark: Any, loc: Loc, text: str) -> int | None:
        clean = text.replace("_", "")
        if not _INT_RE.fullmatch(text) or len(clean.lstrip("+-")) > MAX_INT_DIGITS:
            self.problem(mark, loc, f"not a usable integer: {text[:40]}")
            return None
        return int(clean, 0) if clean.lstrip("+-")[:2] in ("0o", "0x", "0b") else int(clean)

    def _decimal(self, mark: Any, loc: Loc, text: str) -> Decimal | None:
        if text.lower() in _INF_NAN:
            self.problem(mark, loc, f"not a finite number: {text}")
            return None
        try:
            value = Decimal(text.replace("_", ""))
        except InvalidOperation:
            self.problem(mark, loc, f"not a usable number: {text[:40]}")
            return None
        if abs(value.adjusted()) > MAX_DECIMAL_EXPONENT:
            self.problem(mark, loc, f"number out of range: {text[:40]}")
            return None
        return value


class _Stop(Exception):
    """A problem after which the rest of the file cannot be read."""

    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.mark = mark


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        issue = Issue(name, line, col, "", f"not UTF-8 text (byte 0x{raw[exc.start]:02X})")
        raise InvalidInput(Report([issue])) from None


def load(path: Path) -> Document:
    """Read and parse one YAML file; raises ``InvalidInput`` listing every problem."""
    name = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            message = f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"
            raise InvalidInput(Report([Issue(name, None, None, "", message)]))
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InvalidInput(
            Report([Issue(name, None, None, "", f"cannot read: {reason}")])
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        message = f"file is larger than the limit of {MAX_FILE_BYTES:,} bytes"
        raise InvalidInput(Report([Issue(name, None, None, "", message)]))
    doc = parse(_decode(raw, name), path)
    doc.digest = hashlib.sha256(raw).hexdigest()
    return doc


def _loader() -> Any:
    """libyaml's parser when PyYAML was built with it (about 15x faster), else PyYAML's own."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str, path: Path) -> Document:
    """Parse YAML text (already decoded) as if read from ``path``."""
    import yaml

    name = display_path(path)
    for match in _DIRECTIVE_RE.finditer(text):
        if match.group(1) != "1.2":
            at = text.count("\n", 0, match.start()) + 1
            message = f"YAML {match.group(1)} is not supported; files are read as YAML 1.2"
            raise InvalidInput(Report([Issue(name, at, 1, "", message)]))
    builder = _Builder(name)
    try:
        data = builder.run(yaml.parse(text, Loader=_loader()))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise InvalidInput(Report([Issue(name, line, col, "", message)])) from None
    except yaml.reader.ReaderError as exc:
        # a character YAML itself refuses (a raw control character): locate it in the text
        at = min(exc.position, len(text))
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        char = describe_char(chr(exc.character)) if isinstance(exc.character, int) else "?"
        message = f"the character {char} is not allowed in YAML"
        raise InvalidInput(Report([Issue(name, line, col, "", message)])) from None
    except yaml.YAMLError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise InvalidInput(Report([Issue(name, None, None, "", message)])) from None
    except _Stop as exc:
        issue = Issue(name, exc.mark.line + 1, exc.mark.column + 1, "", str(exc))
        raise InvalidInput(Report([*builder.issues, issue])) from None
    if builder.issues:
        raise InvalidInput(Report(builder.issues))
    return Document(path, data, builder.positions, builder.key_positions)
