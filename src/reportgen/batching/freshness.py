"""Whether an output is fresh: nothing it printed has changed since it was built.

An output's fingerprint covers the environment (templates, stylesheet, catalogs, tool
versions), what was asked (document, format, language, audience, staleness limit and
the options its format reads: paper, variant, reference document) and the digest of
each thing its build read: the fields of each profile it printed, whole files
(logos), folder listings. A changed figure therefore rebuilds only the documents that
print it. The output itself counts too: a file on disk whose bytes are not those
recorded (replaced by another program, or by ``reportgen build`` with other options) is
built again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportgen import tracking
from reportgen.pipeline import Input, fields_digest
from reportgen.project import LISTING_PREFIX, listing_digest
from reportgen.registry import DOCUMENT_OPTIONS, KINDS, RENDERERS
from reportgen.state import BuildState
from reportgen.targets import Output, Target
from reportgen.workspace import Options, Workspace

SHARED_TOOLS = ("cairosvg", "jinja2", "pydantic", "babel")
"""The libraries that shape every format's output (each format adds its own)."""


def tools() -> tuple[str, ...]:
    """The libraries whose versions an output's fingerprint counts: each format's
    (``Renderer.tools``), then the shared ones."""
    own = (name for renderer in RENDERERS.values() for name in renderer.tools)
    return tuple(dict.fromkeys((*own, *SHARED_TOOLS)))


def environment_digest(workspace: Workspace) -> str:
    """Templates, stylesheets, catalogs, the home city and tool versions."""
    import importlib.metadata
    from importlib.resources import files

    from reportgen._version import __version__
    from reportgen.templating import outside_message

    digest = hashlib.sha256(f"reportgen {__version__}".encode())
    # a visit's direction can follow from the home city
    digest.update(f"home {workspace.manifest.home}".encode())
    # the issuing office is printed on every document
    office = workspace.manifest.office
    digest.update(f"office {(office.default, office.translations) if office else None}".encode())
    for name in tools():
        try:
            digest.update(f"{name} {importlib.metadata.version(name)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{name} none".encode())
    package = Path(str(files("reportgen")))
    # the templates of each kind of profile (the built-in ones: reportgen's templates/)
    kinds = dict.fromkeys(kind.templates.partition(":") for kind in KINDS.values())
    folders = [Path(str(files(owner).joinpath(folder))) for owner, _, folder in kinds]
    folders += [package / "renderers", package / "locales"]
    folders += [f for f in (workspace.templates, workspace.locales) if f is not None]
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.suffix in (".py", ".pyc") or outside_message(path, folder):
                    continue  # a link leading outside is refused by the build, never read
                if path.is_file():
                    digest.update(str(path.relative_to(folder)).encode())
                    digest.update(path.read_bytes())
    return digest.hexdigest()


def output_digest(data: bytes) -> str:
    """What the state records of an output's bytes."""
    return hashlib.sha256(data).hexdigest()


def on_disk(path: Path, digest: str) -> bool:
    """Whether ``path`` holds the bytes recorded as ``digest`` (and is no symbolic link)."""
    if not digest or path.is_symlink():
        return False
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest() == digest
    except OSError:
        return False


def option_values(options: Options, fmt: str) -> list[Any]:
    """What of ``options`` changes the bytes of an output in ``fmt``: those of every
    document, and those its renderer reads (``Renderer.options``); a file named (the
    reference document) counts by its contents."""
    values: list[Any] = []
    for name in (*DOCUMENT_OPTIONS, *RENDERERS[fmt].options):
        value = getattr(options, name)
        if isinstance(value, Path):
            try:
                value = hashlib.sha256(value.read_bytes()).hexdigest()
            except OSError:
                value = str(value)
        values.append([name, value])
    return values


def fingerprint(
    target: Target,
    output: Output,
    environment: str,
    inputs: Sequence[tuple[str, tuple[str, ...] | None, str]],
    options: Options,
) -> str:
    """One digest of everything an output depends on."""
    record = {
        "environment": environment,
        "task": [target.document, output.format, target.lang, target.audience]
        + ([target.as_of.isoformat()] if target.as_of else []),
        "options": option_values(options, output.format),
        "inputs": sorted([path, list(fields) if fields else None, d] for path, fields, d in inputs),
    }
    return hashlib.sha256(json.dumps(record).encode()).hexdigest()


def built_fingerprint(
    target: Target, output: Output, environment: str, inputs: Sequence[Input], options: Options
) -> str:
    return fingerprint(
        target, output, environment, [(i.path, i.fields, i.digest) for i in inputs], options
    )


class Freshness:
    """Decides whether outputs are fresh, reading each input file at most once."""

    def __init__(
        self, state: BuildState, environment: str, options: Options, today: dt.date, *, force: bool
    ) -> None:
        self.state = state
        self.environment = environment
        self.options = options
        self.today = today
        self.force = force
        self._files: dict[str, tuple[str, dict[str, str]] | None] = {}
        self._listings: dict[str, str] = {}

    def _file(self, path: str) -> tuple[str, dict[str, str]] | None:
        """A file's digest and the digests of its top-level fields (None: unreadable)."""
        if path not in self._files:
            self._files[path] = self._read(path)
        return self._files[path]

    def _read(self, path: str) -> tuple[str, dict[str, str]] | None:
        try:
            data = Path(path).read_bytes()
        except OSError:
            return None
        digest = hashlib.sha256(data).hexdigest()
        known = self.state.file_fields(path, digest)
        if known is None:
            from reportgen import yamlio
            from reportgen.errors import InvalidInput

            try:
                loaded = yamlio.load(Path(path))
            except InvalidInput:
                known = {}
            else:
                known = tracking.field_digests(loaded.data)
            self.state.record_file_fields(path, digest, known)
        return digest, known

    def digest(self, path: str, fields: tuple[str, ...] | None) -> str | None:
        """What an input holds now, as the build that read it digested it."""
        if path.startswith(LISTING_PREFIX):  # one walk of a folder per batch, not per output
            if path not in self._listings:
                self._listings[path] = listing_digest(Path(path.removeprefix(LISTING_PREFIX)))
            return self._listings[path]
        found = self._file(path)
        if found is None:
            return None
        if fields is None:
            return found[0]
        return fields_digest(found[1], fields)

    def is_fresh(self, target: Target, output: Output) -> bool:
        if self.force or not output.path.is_file():
            return False
        record = self.state.target(str(output.path))
        if record is None:
            return False
        if record.valid_until and self.today.isoformat() >= record.valid_until:
            return False
        if RENDERERS[output.format].checks_output and not on_disk(output.path, record.digest):
            return False  # changed on disk since it was written
        if self.options.strict and record.warnings:
            return False  # warnings fail with --strict: build again, to fail or pass now
        if str(target.source.resolve()) not in {path for path, _ in record.inputs}:
            return False
        inputs = []
        for path, fields in record.inputs:
            digest = self.digest(path, fields)
            if digest is None:
                return False
            inputs.append((path, fields, digest))
        current = fingerprint(target, output, self.environment, inputs, self.options)
        return current == record.fingerprint
