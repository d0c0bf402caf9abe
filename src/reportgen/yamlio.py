"""Safe YAML 1.2 loading that keeps the line and column of every key and value.

ruamel.yaml composes the node graph (YAML 1.2 rules: ``NO`` stays a string,
``10:30`` stays a string, ``2019-05`` stays a string); this module then builds plain
Python values from the nodes itself, so that no tag can construct an object, aliases
cannot expand without bound, duplicate keys are reported, and every text is checked
for characters that a document cannot hold. YAML floats become exact ``Decimal``.
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
MAX_DEPTH = 64
MAX_NODES = 500_000
"""Values built from one file, counting every expansion of an alias (stops alias bombs)."""
MAX_INT_DIGITS = 30
MAX_DECIMAL_EXPONENT = 50

_YAML = "tag:yaml.org,2002:"
_INT_RE = re.compile(r"[-+]?[0-9][0-9_]*|[-+]?0o[0-7_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?0b[01_]+")
_INF_NAN = {".inf", "+.inf", "-.inf", ".nan"}
_DIRECTIVE_RE = re.compile(r"^%YAML[ \t]+(\S+)", re.MULTILINE)


def _forbidden_char(text: str) -> str | None:
    """The first character in ``text`` that no document may carry, if any."""
    for ch in text:
        code = ord(ch)
        if code < 0x20 and ch not in "\t\n\r":
            return ch
        if code < 0x7F:
            continue
        if (
            0x7F <= code <= 0x9F
            or 0xD800 <= code <= 0xDFFF
            or 0x202A <= code <= 0x202E
            or 0xFDD0 <= code <= 0xFDEF
            or (code & 0xFFFE) == 0xFFFE
        ):
            return ch
    return None


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


class _Builder:
    """Turns a composed node graph into plain values, recording positions and problems."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.positions: dict[Loc, Position] = {}
        self.key_positions: dict[Loc, Position] = {}
        self.issues: list[Issue] = []
        self.count = 0

    def problem(self, node: Any, loc: Loc, message: str) -> None:
        mark = node.start_mark
        self.issues.append(
            Issue(self.name, mark.line + 1, mark.column + 1, format_loc(loc), message)
        )

    def build(self, node: Any, loc: Loc = ()) -> Any:
        from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge(node, f"more than {MAX_NODES:,} values (alias expansion?)")
        if len(loc) > MAX_DEPTH:
            raise _TooLarge(node, f"nesting deeper than {MAX_DEPTH} levels")
        mark = node.start_mark
        if loc not in self.positions:
            self.positions[loc] = Position(mark.line + 1, mark.column + 1)
        if isinstance(node, ScalarNode):
            return self.scalar(node, loc)
        if isinstance(node, SequenceNode):
            if node.tag != _YAML + "seq":
                self.problem(node, loc, f"tag {node.tag} is not allowed")
                return None
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != _YAML + "map":
                self.problem(node, loc, f"tag {node.tag} is not allowed")
                return None
            return self.mapping(node, loc)
        self.problem(node, loc, "unsupported YAML node")  # pragma: no cover
        return None

    def mapping(self, node: Any, loc: Loc) -> dict[str, Any]:
        from ruamel.yaml.nodes import ScalarNode

        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag in (
                _YAML + "null",
                _YAML + "merge",
            ):
                what = "merge keys (<<)" if key_node.tag == _YAML + "merge" else "this key"
                self.problem(key_node, loc, f"{what} not supported: keys must be plain text")
                continue
            key = str(key_node.value)
            child = (*loc, key)
            if key in out:
                first = self.key_positions[child]
                self.problem(key_node, child, f"duplicate key (first given at line {first.line})")
                continue
            bad = _forbidden_char(key)
            if bad:
                self.problem(key_node, child, f"key contains the character {describe_char(bad)}")
            mark = key_node.start_mark
            self.key_positions[child] = Position(mark.line + 1, mark.column + 1)
            out[key] = self.build(value_node, child)
        return out

    def scalar(self, node: Any, loc: Loc) -> Any:
        tag, text = node.tag, node.value
        if len(text) > MAX_SCALAR_CHARS:
            self.problem(node, loc, f"value longer than {MAX_SCALAR_CHARS:,} characters")
            return None
        if tag == _YAML + "str" or tag == _YAML + "timestamp":
            bad = _forbidden_char(text)
            if bad:
                self.problem(node, loc, f"text contains the character {describe_char(bad)}")
                return None
            return text
        if tag == _YAML + "null":
            return None
        if tag == _YAML + "bool":
            return text.lower() == "true"
        if tag == _YAML + "int":
            return self.integer(node, loc, text)
        if tag == _YAML + "float":
            return self.decimal(node, loc, text)
        self.problem(node, loc, f"tag {tag} is not allowed")
        return None

    def integer(self, node: Any, loc: Loc, text: str) -> int | None:
        clean = text.replace("_", "")
        if not _INT_RE.fullmatch(text) or len(clean.lstrip("+-")) > MAX_INT_DIGITS:
            self.problem(node, loc, f"not a usable integer: {text[:40]}")
            return None
        return int(clean, 0) if clean.lstrip("+-")[:2] in ("0o", "0x", "0b") else int(clean)

    def decimal(self, node: Any, loc: Loc, text: str) -> Decimal | None:
        if text.lower() in _INF_NAN:
            self.problem(node, loc, f"not a finite number: {text}")
            return None
        try:
            value = Decimal(text.replace("_", ""))
        except InvalidOperation:
            self.problem(node, loc, f"not a usable number: {text[:40]}")
            return None
        if abs(value.adjusted()) > MAX_DECIMAL_EXPONENT:
            self.problem(node, loc, f"number out of range: {text[:40]}")
            return None
        return value


class _TooLarge(Exception):
    def __init__(self, node: Any, message: str) -> None:
        super().__init__(message)
        self.node = node


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


def parse(text: str, path: Path) -> Document:
    """Parse YAML text (already decoded) as if read from ``path``."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    name = display_path(path)
    for match in _DIRECTIVE_RE.finditer(text):
        if match.group(1) != "1.2":
            at = text.count("\n", 0, match.start()) + 1
            message = f"YAML {match.group(1)} is not supported; files are read as YAML 1.2"
            raise InvalidInput(Report([Issue(name, at, 1, "", message)]))
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    builder = _Builder(name)
    try:
        root = yaml.compose(text)
        data = builder.build(root) if root is not None else None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(p) for p in (exc.context, exc.problem) if p) or "invalid YAML"
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        raise InvalidInput(Report([Issue(name, line, col, "", message)])) from None
    except ReaderError as exc:
        # a character YAML itself refuses (a raw control character): locate it in the text
        at = min(exc.position, len(text))
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        char = describe_char(chr(exc.character)) if isinstance(exc.character, int) else "?"
        message = f"the character {char} is not allowed in YAML"
        raise InvalidInput(Report([Issue(name, line, col, "", message)])) from None
    except YAMLError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise InvalidInput(Report([Issue(name, None, None, "", message)])) from None
    except RecursionError:
        raise InvalidInput(Report([_too_deep(text, name)])) from None
    except _TooLarge as exc:
        mark = exc.node.start_mark
        issue = Issue(name, mark.line + 1, mark.column + 1, "", str(exc))
        raise InvalidInput(Report([issue])) from None
    if builder.issues:
        raise InvalidInput(Report(builder.issues))
    return Document(path, data, builder.positions, builder.key_positions)


def _too_deep(text: str, name: str) -> Issue:
    """Where ``text`` first nests deeper than ``MAX_DEPTH``.

    The composer recurses and can hit Python's limit before the builder counts levels;
    the parser does not recurse, so its events still say where the nesting got too deep.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    message = f"nesting deeper than {MAX_DEPTH} levels"
    yaml = YAML(typ="safe", pure=True)
    yaml.version = (1, 2)
    depth = 0
    try:
        for event in yaml.parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH + 1:  # the root collection is level 0, as in _Builder
                    mark = event.start_mark
                    return Issue(name, mark.line + 1, mark.column + 1, "", message)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        pass
    return Issue(name, None, None, "", message)
