"""A batch's plan: a manifest's jobs as targets (``targets.plan_jobs``), named by ids
the build state remembers.

Targets are named from the profile's id, which the state remembers per file digest, so
an unchanged project is planned without parsing any YAML. Two targets that would
write the same file are refused before anything is built; a job whose patterns match
no file is that job's failure, and the other jobs still build.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from reportgen.context import BuildContext
from reportgen.state import BuildState
from reportgen.targets import Plan, plan_jobs
from reportgen.tracking import file_digest

__all__ = ["Plan", "plan_in", "source_id"]


def source_id(path: Path, state: BuildState) -> str:
    """The profile's id, from the state when the file is unchanged, else from the file."""
    from reportgen import yamlio
    from reportgen.errors import InvalidInput
    from reportgen.models.types import ID_PATTERN

    digest = file_digest(path)
    known = state.source(str(path), digest)
    if known is not None and known[1]:
        return known[1]
    kind = ident = None
    try:
        data = yamlio.load(path).data
    except InvalidInput:
        data = None
    if isinstance(data, dict):
        kind = data.get("kind") if isinstance(data.get("kind"), str) else None
        ident = data.get("id") if isinstance(data.get("id"), str) else None
    if ident is not None and not re.fullmatch(ID_PATTERN, ident):
        ident = None  # names no target: '../x' or '/tmp/x' would lead out of the output folder
    state.record_source(str(path), digest, kind, ident)
    return ident or path.stem


def plan_in(context: BuildContext, state: BuildState, only: Sequence[str] = ()) -> Plan:
    """Every target of the jobs asked for in ``context``, named by the ids ``state``
    remembers."""
    return plan_jobs(context, only, ident=lambda source: source_id(source, state))
