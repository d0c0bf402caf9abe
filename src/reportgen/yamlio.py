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
import os
import re
import stat
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
    embeddings, overrides and isolates (each reorders the text after it: "1 2 3" can
    print as "3 2 1"), and Unicode noncharacters."""
    ranges = [
        (0x00, 0x08),
        (0x0B, 0x0C),
        (0x0E, 0x1F),
        (0x7F, 0x9F),
        (0xD800, 0xDFFF),
        (0x202A, 0x202E),
        (0x2066, 0x2069),
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


@dataclass(frozen=True)
class FlowSplit:
    """A key without a value inside ``{...}``: most often text cut in two by a comma.

    ``{name: Mayor, City Office}`` reads as the keys ``name`` and ``City Office``;
    ``{value: 141,06}`` as ``value: 141`` and a key ``06``.
    """

    start: Loc
    """The value the comma cut (``name``), where the message is located."""
    text: str
    """The text as written, from that value to the end of the key: ``Mayor, City Office``."""
    key: str | None
    """The key of that value, for the quoted form to suggest."""
    numeric: bool
    """True when every part is digits: a decimal comma or thousands separators."""


@dataclass
class YamlDocument:
    """A loaded YAML file: its plain data and where each value and key stands."""

    path: Path
    data: Any
    positions: dict[Loc, Position] = field(default_factory=dict)
    key_positions: dict[Loc, Position] = field(default_factory=dict)
    digest: str = ""
    """SHA-256 of the file's bytes as read (what a build's freshness is judged by)."""
    flow_splits: dict[Loc, FlowSplit] = field(default_factory=dict)
    """Keys without a value inside ``{...}``, by their location (see ``FlowSplit``)."""

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
        """A located issue; an error that a comma caused says so, at the value it cut."""
        if severity is Severity.ERROR:
            found = self.comma_hint(loc)
            if found is not None:
                loc, message = found
                key = False
        pos = self.locate(loc, key=key)
        return Issue(
            file=self.name,
            line=pos.line if pos else None,
            col=pos.col if pos else None,
            path=format_loc(loc),
            message=message,
            severity=severity,
        )

    def value_at(self, loc: Loc) -> Any:
        """The value at ``loc``, or None when the file has none there."""
        node: Any = self.data
        for part in loc:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                node = node[part]
            else:
                return None
        return node

    def comma_hint(self, loc: Loc) -> tuple[Loc, str] | None:
        """Where and how to explain an error at ``loc`` that a comma caused, if one did.

        Inside ``{...}`` a comma ends a value, so the error is about a key that was never
        meant (``unknown key 'Chair'``) or about the mapping holding it; a plain value
        such as ``141,06`` is text where a number was wanted.
        """
        split = self.flow_splits.get(loc) or next(
            (s for at, s in self.flow_splits.items() if at[:-1] == loc), None
        )
        if split is not None:
            if split.numeric:
                return split.start, number_comma_hint(split.text)
            if split.key is None:
                return loc, (
                    f'"{split.text}" has no value: inside {{...}} write key: value, and '
                    "quote text that contains a comma"
                )
            return split.start, (
                f'the comma in "{split.text}" ends the value inside {{...}}: quote text that '
                f'contains a comma: {split.key}: "{split.text}"'
            )
        value = self.value_at(loc)
        if isinstance(value, str) and _NUMBER_COMMA_RE.fullmatch(value.strip()):
            return loc, number_comma_hint(value.strip())
        return None


_NUMBER_COMMA_RE = re.compile(r"[-+]?[0-9]+(,[0-9]+)+")


def number_comma_hint(text: str) -> str:
    """What to write instead of a number with commas: ``141,06`` or ``1,773,733``."""
    first, *rest = [part.strip() for part in text.split(",")]
    joined = first + "".join(rest)
    if len(first.lstrip("+-")) <= 3 and all(len(part) == 3 for part in rest):
        if len(rest) == 1:
            return (
                f"{text} is not a number: write {joined} (no thousands separator), "
                f"or {first}.{rest[0]} if the comma is a decimal point"
            )
        return f"{text} is not a number: write {joined} (no thousands separators)"
    if len(rest) == 1:
        return f"{text} is not a number: write {first}.{rest[0]} (a decimal point, not a comma)"
    return f"{text} is not a number: write digits with at most one decimal point, such as 141.06"


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
    flow: bool = False
    """A ``{...}`` mapping, where a comma can cut text in two (see ``FlowSplit``)."""
    key_end: int = -1
    """Where the current key ends in the text: its value starts there when it has none."""
    last: tuple[Loc, str | None, int, bool] | None = None
    """The value before the current key: its loc, key, where it starts, and if it is digits."""


class _Builder:
    """Builds plain values from parser events, with positions, limits and problems.

    Events come from libyaml's parser, which keeps its own stack: nothing here recurses,
    so nesting is limited by ``MAX_DEPTH`` alone, with a located message.
    """

    def __init__(self, name: str, text: str = "") -> None:
        self.name = name
        self.text = text
        self.flow_splits: dict[Loc, FlowSplit] = {}
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
                    if parent is not None:
                        parent.last = None
                    container: dict[str, Any] | list[Any] = {} if is_map else []
                    frame = _Frame(container, loc, event.anchor, self.count)
                    frame.flow = is_map and bool(event.flow_style)
                    stack.append(frame)
                    continue
                if isinstance(event, yaml.AliasEvent):
                    value = self._alias(event, loc)
                    if parent is not None:
                        parent.last = None
                else:
                    value = self._scalar(event, loc)
                    self._finish_anchor(event.anchor, value, self.count - 1)
                    if parent is not None and parent.flow:
                        self._note_flow_value(parent, event, loc)
            if not stack:
                root = value
            else:
                self._attach(stack[-1], value)
        return root

    def _note_flow_value(self, frame: _Frame, event: Any, loc: Loc) -> None:
        """Remember a key without a value in ``{...}`` (``{a: x, b}``), and what came before."""
        plain = not event.style and event.implicit[0]
        bare = plain and event.value == "" and event.start_mark.index == frame.key_end
        if bare and frame.last is not None:
            start, key, begin, digits = frame.last
            text = self.text[begin : frame.key_end]
            numeric = digits and bool(re.fullmatch(r"[0-9]+", str(loc[-1]) if loc else ""))
            # every key of one run (1,773,733) gets the whole text: one message, at its start
            for at, split in list(self.flow_splits.items()):
                if split.start == start:
                    self.flow_splits[at] = FlowSplit(start, text, key, numeric)
            self.flow_splits[loc] = FlowSplit(start, text, key, numeric)
            frame.last = (start, key, begin, numeric)
        elif bare:
            self.flow_splits[loc] = FlowSplit(loc, str(loc[-1]), None, False)
            frame.last = None
        elif plain:
            digits = bool(re.fullmatch(r"[-+]?[0-9]+", event.value))
            frame.last = (loc, str(loc[-1]), event.start_mark.index, digits)
        else:
            frame.last = None

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
        frame.key_end = event.end_mark.index if event.end_mark is not None else -1
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
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02X}): save the file as UTF-8"
        guess = guess_encoding(raw)
        if guess:
            message += f"; {guess}"
        raise InvalidInput(Report([Issue(name, line, col, "", message)])) from None


_WESTERN_SIGNS = frozenset("\xa0¡¢£¤¥§©ª«®°±²³µ¶·¹º»¼½¾¿×÷€‚„…†‡‰‹›‘’“”•–—™")
_EAST_ASIAN = (
    ("shift_jis", "Shift_JIS (Japanese)"),
    ("euc_jp", "EUC-JP (Japanese)"),
    ("gbk", "GBK (Chinese)"),
    ("big5", "Big5 (Chinese)"),
    ("euc_kr", "EUC-KR (Korean)"),
)


def guess_encoding(raw: bytes) -> str | None:
    """What a file that is not UTF-8 looks like it was saved as, in words; None if unsure.

    A plain heuristic, not a detector: Western European text (Windows-1252, Latin-1) has
    an accented letter here and there, one byte each; Japanese, Chinese and Korean
    encodings write every character as two bytes.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "it looks like UTF-16"
    text = raw.decode("utf-8", "replace")
    if any(ord(ch) > 0x7F and ch != "\ufffd" for ch in text):
        return "most of it is UTF-8: retype the character here"
    runs = [len(run) for run in re.findall(rb"[\x80-\xff]+", raw)]
    if sum(1 for n in runs if n == 1) * 2 >= len(runs):
        try:
            western = raw.decode("cp1252")
        except UnicodeDecodeError:
            western = ""
        odd = [ch for ch in western if ord(ch) > 0x7F and not ch.isalpha()]
        if western and all(ch in _WESTERN_SIGNS for ch in odd):
            return "it looks like Windows-1252 (Western European)"
    fits = []
    for codec, label in _EAST_ASIAN:
        try:
            raw.decode(codec)
        except UnicodeDecodeError:
            continue
        fits.append(label)
    if len(fits) == 1:
        return f"it looks like {fits[0]}"
    if fits:
        return "it looks like a Japanese, Chinese or Korean encoding"
    return None


def load(path: Path) -> YamlDocument:
    """Read and parse one YAML file; raises ``InvalidInput`` listing every problem."""
    name = display_path(path)
    try:
        # opened without blocking and checked before reading: a pipe would wait forever
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            found = os.fstat(handle.fileno())
            if not stat.S_ISREG(found.st_mode):
                message = (
                    "is a folder, not a file"
                    if stat.S_ISDIR(found.st_mode)
                    else "not a regular file (a pipe, device or socket): profiles are files"
                )
                raise InvalidInput(Report([Issue(name, None, None, "", message)]))
            if found.st_size > MAX_FILE_BYTES:
                message = f"file is {found.st_size:,} bytes; the limit is {MAX_FILE_BYTES:,}"
                raise InvalidInput(Report([Issue(name, None, None, "", message)]))
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


def explain(exc: Any, text: str) -> tuple[int | None, int | None, str]:
    """Line, column and message of a YAML syntax error, in words a user can act on.

    The parser's own words (``did not find expected key``) are kept for the problems
    that have no plainer explanation.
    """
    mark, context = exc.problem_mark or exc.context_mark, exc.context_mark
    problem, within = str(exc.problem or ""), str(exc.context or "")
    message = " ".join(part for part in (within, problem) if part) or "invalid YAML"
    if mark is None:
        return None, None, message
    lines = text.splitlines()
    here = lines[mark.line] if mark.line < len(lines) else ""
    indent = here[: len(here) - len(here.lstrip(" \t"))]
    at = (mark.line + 1, mark.column + 1)
    if "\t" in indent or "tab" in problem:
        if "\t" in indent:
            at = (mark.line + 1, indent.index("\t") + 1)
        return (*at, "a tab is used for indentation: indent with spaces (YAML allows no tabs)")
    if "did not find expected key" in problem or "expected '-' indicator" in problem:
        return (
            *at,
            "this line is not indented like the lines above it: keys of one mapping, and "
            "the dashes of one list, start in the same column",
        )
    if "mapping values are not allowed" in problem:
        if ": " in here[: mark.column]:
            return (
                *at,
                'a second ": " on this line: quote text that contains a colon and a space, '
                'as in title: "Visit: the programme"',
            )
        return (
            *at,
            "this line is indented further than the one above it: line its key up with "
            "the keys above",
        )
    if "could not find expected ':'" in problem and context is not None:
        return (
            context.line + 1,
            context.column + 1,
            "a line without a colon: write key: value (a text that goes on over several "
            "lines is indented further than its key)",
        )
    if "end of stream" in problem and "quoted scalar" in within and context is not None:
        return (
            context.line + 1,
            context.column + 1,
            "this quote is never closed: end the text with the same quote mark",
        )
    return (*at, message)


def _loader() -> Any:
    """libyaml's parser when PyYAML was built with it (about 15x faster), else PyYAML's own."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str, path: Path) -> YamlDocument:
    """Parse YAML text (already decoded) as if read from ``path``."""
    import yaml

    name = display_path(path)
    for match in _DIRECTIVE_RE.finditer(text):
        if match.group(1) != "1.2":
            at = text.count("\n", 0, match.start()) + 1
            message = f"YAML {match.group(1)} is not supported; files are read as YAML 1.2"
            raise InvalidInput(Report([Issue(name, at, 1, "", message)]))
    builder = _Builder(name, text)
    try:
        data = builder.run(yaml.parse(text, Loader=_loader()))
    except yaml.MarkedYAMLError as exc:
        line, col, message = explain(exc, text)
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
    return YamlDocument(
        path, data, builder.positions, builder.key_positions, flow_splits=builder.flow_splits
    )
