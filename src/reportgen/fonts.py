"""Which characters the installed fonts can draw, asked of fontconfig once per process.

Text that no font covers would print as empty boxes; it is reported with its file,
line, column and field before anything is rendered.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reportgen import usercache
from reportgen.errors import Issue, Loc
from reportgen.scripts import SCRIPTS
from reportgen.yamlio import YamlDocument, describe_char

logger = logging.getLogger(__name__)

_IGNORED = frozenset("\n\r\t\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad")


@dataclass(frozen=True)
class Coverage:
    """Sorted, merged ranges of code points that at least one installed font draws."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __contains__(self, char: object) -> bool:
        if not isinstance(char, str) or len(char) != 1:
            return False
        code = ord(char)
        index = bisect.bisect_right(self.starts, code) - 1
        return index >= 0 and code <= self.ends[index]


def _parse_ranges(text: str) -> Iterator[tuple[int, int]]:
    for token in text.split():
        low, _, high = token.partition("-")
        try:
            yield int(low, 16), int(high or low, 16)
        except ValueError:
            continue


def _merged(ranges: Iterable[tuple[int, int]]) -> Coverage:
    starts: list[int] = []
    ends: list[int] = []
    for low, high in sorted(ranges):
        if ends and low <= ends[-1] + 1:
            ends[-1] = max(ends[-1], high)
        else:
            starts.append(low)
            ends.append(high)
    return Coverage(tuple(starts), tuple(ends))


@cache
def coverage(family: str | None = None) -> Coverage:
    """What the installed fonts (or those of one family) cover; empty without fontconfig.

    Asking fontconfig means parsing the character sets of every font, so the answer is
    kept in the user's cache folder. It is used while fontconfig's own caches, its
    configuration and the font folders are as they were when it was written: installing
    or removing a font invalidates it. A cache that cannot be read or written is skipped.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return Coverage((), ())
    state = _fontconfig_state(fc_list)
    cached = _read_cache(state, family)
    if cached is not None:
        return cached
    found = _ask_fontconfig(fc_list, family)
    if found is None:
        return Coverage((), ())
    if _fontconfig_state(fc_list) == state:  # else fontconfig changed while it was asked
        _write_cache(state, family, found)
    return found


def _ask_fontconfig(fc_list: str, family: str | None) -> Coverage | None:
    pattern = [family] if family else []
    try:
        listing = subprocess.run(
            [fc_list, "--format", "%{charset}\n", *pattern],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if listing.returncode != 0:
        return None
    return _merged(r for line in listing.stdout.splitlines() for r in _parse_ranges(line))


# --- the cache of coverage ----------------------------------------------------------------

_CACHE_VERSION = 1
_MAX_FOLDERS = 20_000
"""Font folders looked at for changes; past that, the walk stops (the key stays stable)."""
_DIR_ELEMENT = re.compile(r"<dir(\s[^>]*)?>\s*([^<]*?)\s*</dir>")


def _cache_file() -> Path:
    return usercache.folder() / "font-coverage.json"


def _fontconfig_state(fc_list: str) -> str:
    """A digest of what fontconfig's answer depends on: its caches (names, sizes, times),
    its configuration files, and every font folder's modification time (which changes
    when a font is added to or removed from it; fontconfig itself checks the same)."""
    home = usercache.home()
    data_home = usercache.xdg_folder("XDG_DATA_HOME", ".local/share")
    config_home = usercache.xdg_folder("XDG_CONFIG_HOME", ".config")
    environment = ("FONTCONFIG_FILE", "FONTCONFIG_PATH", "FONTCONFIG_SYSROOT")
    parts: list[object] = [_CACHE_VERSION, fc_list, _stamp(Path(fc_list))]
    parts += [(name, os.environ.get(name)) for name in environment]
    config_dir = Path(os.environ.get("FONTCONFIG_PATH") or "/etc/fonts")
    main = Path(os.environ.get("FONTCONFIG_FILE") or config_dir / "fonts.conf")
    user = config_home / "fontconfig" / "fonts.conf"
    configs = [main, config_dir / "conf.d", user.parent, user, home / ".fonts.conf"]
    parts += [(str(path), _stamp(path)) for path in configs]
    caches = [
        Path("/var/cache/fontconfig"),
        usercache.xdg_folder("XDG_CACHE_HOME", ".cache") / "fontconfig",
    ]
    parts += [(str(path), _listing(path)) for path in [*caches, home / ".fontconfig"]]
    font_dirs = [
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        data_home / "fonts",
        home / ".fonts",
        *_configured_dirs([main, user], config_dir / "conf.d", home, data_home),
    ]
    parts.append(_folders(dict.fromkeys(font_dirs)))
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _listing(folder: Path) -> list[tuple[str, tuple[int, int] | None]] | None:
    try:
        return sorted((path.name, _stamp(path)) for path in folder.iterdir())
    except OSError:
        return None


def _configured_dirs(
    files: list[Path], conf_d: Path, home: Path, data_home: Path
) -> Iterator[Path]:
    """The ``<dir>`` elements of fontconfig's main and user files and of ``conf.d``."""
    with contextlib.suppress(OSError):
        files = [*files, *sorted(conf_d.glob("*.conf"))]
    for path in files:
        try:
            text = path.read_text("utf-8", errors="replace")
        except OSError:
            continue
        for match in _DIR_ELEMENT.finditer(text):
            attributes, value = match.group(1) or "", match.group(2)
            if 'prefix="xdg"' in attributes:
                yield data_home / value
            elif value.startswith("~"):
                yield home / value[1:].lstrip("/")
            elif value.startswith("/"):
                yield Path(value)


def _folders(roots: Iterable[Path]) -> list[tuple[str, int]]:
    """Every folder under ``roots`` (links followed once) with its modification time."""
    found: list[tuple[str, int]] = []
    seen: set[tuple[int, int]] = set()
    todo = list(roots)
    while todo and len(found) < _MAX_FOLDERS:
        folder = todo.pop()
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen:
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as entries:
                todo.extend(Path(e.path) for e in entries if e.is_dir())
        except OSError:
            continue
        found.append((str(folder), info.st_mtime_ns))
    return sorted(found)


def _read_cache(state: str, family: str | None) -> Coverage | None:
    path = _cache_file()
    try:
        data = json.loads(path.read_bytes())
        if data["state"] != state:
            return None
        entry = data["families"].get(family or "")
        if entry is None:
            return None
        starts, ends = entry
        numbers = [*starts, *ends]
        if len(starts) != len(ends) or not all(type(n) is int for n in numbers):
            raise ValueError("not two lists of code points of the same length")
        return Coverage(tuple(starts), tuple(ends))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        logger.debug("font coverage cache %s not used: %s", path, exc)
        return None


def _write_cache(state: str, family: str | None, found: Coverage) -> None:
    """Add ``found`` to the cache, in one step: a reader sees the old file or the new."""
    from reportgen.errors import ReportgenError
    from reportgen.output import write_atomic

    path = _cache_file()
    families: dict[str, Any] = {}
    try:
        data = json.loads(path.read_bytes())
        if data["state"] == state and isinstance(data["families"], dict):
            families = data["families"]
    except (OSError, ValueError, TypeError, KeyError):
        pass
    families[family or ""] = [found.starts, found.ends]
    text = json.dumps({"state": state, "families": families}, separators=(",", ":"))
    try:
        write_atomic(path, text.encode("utf-8"))
    except (ReportgenError, OSError) as exc:
        logger.debug("font coverage cache %s not written: %s", path, exc)


def _strings(node: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(node, str):
        yield loc, node
    elif isinstance(node, dict):
        for key, value in node.items():
            if not loc and key == "extra":
                continue
            yield from _strings(value, (*loc, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*loc, index))


def uncovered(doc: YamlDocument) -> list[Issue]:
    """One error per field holding a character that no installed font can draw."""
    cover = coverage()
    if not cover.starts:
        return []
    issues = []
    for loc, text in _strings(doc.data, ()):
        if text.isascii():
            continue
        missing = sorted({ch for ch in text if ch not in _IGNORED and ch not in cover})
        if missing:
            shown = ", ".join(f"'{ch}' {describe_char(ch)}" for ch in missing[:5])
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            issues.append(doc.issue(loc, f"no installed font has the character {shown}{more}"))
    return issues


def script_report() -> list[tuple[str, str, bool, bool]]:
    """For each script: its family, whether that family is installed, whether text draws."""
    rows = []
    everything = coverage()
    for script in SCRIPTS:
        own = coverage(script.family)
        rows.append(
            (
                script.name,
                script.family,
                all(ch in own for ch in script.sample),
                all(ch in everything for ch in script.sample),
            )
        )
    return rows
