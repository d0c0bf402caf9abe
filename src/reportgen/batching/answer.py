"""A cluster worker's answer for one target as plain data: msgpack bytes, checked on arrival.

worker: outcome -> ``encode`` -> bytes (the only thing the task returns)
coordinator: bytes -> ``decode`` (msgpack, then a Pydantic model: no code runs) ->
``outcome`` (only the files the target was planned to write, having read only what
was sent)

Nothing a worker sends is unpickled: the answer holds bytes, strings, numbers and
lists of them, and an answer that is not exactly that fails its target.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container
from pathlib import Path
from typing import Annotated, Any, Literal

import msgpack
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from reportgen.errors import Issue, Severity, display_path
from reportgen.pipeline import Built, Input, Record
from reportgen.project import LISTING_PREFIX
from reportgen.step import Outcome
from reportgen.targets import Target

MAX_ANSWER_BYTES = 1 << 30
"""The largest answer taken: a target's outputs (1 GiB)."""

Text = Annotated[str, Field(max_length=1 << 20)]


class _Plain(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class AnswerIssue(_Plain):
    file: Text
    line: int | None
    col: int | None
    path: Text
    message: Text
    severity: Literal["error", "warning"]


class AnswerInput(_Plain):
    path: Text
    fields: tuple[Text, ...] | None
    digest: Annotated[str, Field(max_length=128)]


class AnswerOutput(_Plain):
    path: Text
    data: bytes


class Answer(_Plain):
    """What a worker says about one target."""

    worker: Annotated[str, Field(max_length=512)]
    ok: bool
    error: Text = ""
    seconds: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0
    restart: bool = False
    """The build overran its time limit and could not be stopped: restart the worker."""
    outputs: tuple[AnswerOutput, ...] = ()
    inputs: tuple[AnswerInput, ...] = ()
    valid_until: Annotated[dt.date | None, Field(strict=False)] = None
    warnings: tuple[AnswerIssue, ...] = ()


def encode(outcome: Outcome, worker: str, *, restart: bool = False) -> bytes:
    """The answer of a worker (its only result): msgpack of plain values."""
    answer: dict[str, Any] = {
        "worker": worker,
        "ok": outcome.ok,
        "error": outcome.error,
        "seconds": float(outcome.seconds),
        "restart": restart,
    }
    built = outcome.built
    if outcome.ok and built is not None:
        record = built.record
        answer["outputs"] = [{"path": str(path), "data": data} for path, data in built.outputs]
        answer["inputs"] = [
            {
                "path": i.path,
                "fields": list(i.fields) if i.fields is not None else None,
                "digest": i.digest,
            }
            for i in record.inputs
        ]
        answer["valid_until"] = record.valid_until.isoformat() if record.valid_until else None
        answer["warnings"] = [_issue(issue) for issue in record.warnings]
    packed: bytes = msgpack.packb(answer, use_bin_type=True)
    return packed


def _issue(issue: Issue) -> dict[str, Any]:
    return {
        "file": issue.file,
        "line": issue.line,
        "col": issue.col,
        "path": issue.path,
        "message": issue.message,
        "severity": issue.severity.value,
    }


class Refused(ValueError):
    """An answer that is not what a worker may send: its target fails with this message."""


def decode(raw: object) -> Answer:
    """The checked answer in ``raw``; ``Refused`` when it is anything else."""
    if not isinstance(raw, bytes):
        raise Refused(f"the worker's answer is not a build record (it is a {type(raw).__name__})")
    if len(raw) > MAX_ANSWER_BYTES:
        raise Refused(f"the worker's answer is larger than {MAX_ANSWER_BYTES >> 20} MB")
    try:
        data = msgpack.unpackb(raw, raw=False, strict_map_key=True, use_list=False)
        return Answer.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "answer"
        raise Refused(f"the worker's answer is malformed: {where}: {first['msg']}") from None
    except (ValueError, TypeError, msgpack.UnpackException) as exc:
        raise Refused(f"the worker's answer is not plain data ({exc})") from None


def outcome(answer: Answer, target: Target, sent: Container[str]) -> Outcome:
    """The outcome of ``target`` told by ``answer``: its outputs only at the paths
    planned for it, each once, and what it read only among the files and folders
    ``sent`` (the snapshot), or a failure that names what else it held."""
    if not answer.ok:
        return Outcome(False, error=answer.error, seconds=answer.seconds)
    for item in answer.inputs:
        if item.path.removeprefix(LISTING_PREFIX) not in sent:
            error = (
                f"the worker {answer.worker} answered that the build read "
                f"{display_path(Path(item.path.removeprefix(LISTING_PREFIX)))}, which the "
                "batch did not send it; nothing of it was written"
            )
            return Outcome(False, error=error, seconds=answer.seconds)
    planned = {str(output.path): output.path for output in target.outputs}
    given = [output.path for output in answer.outputs]
    foreign = [path for path in given if path not in planned]
    if foreign:
        error = (
            f"the worker {answer.worker} answered with a file this document does not "
            f"make: {display_path(Path(foreign[0]))}; nothing of it was written"
        )
        return Outcome(False, error=error, seconds=answer.seconds)
    missing = [path for path in planned if given.count(path) != 1]
    if missing:
        error = (
            f"the worker {answer.worker} did not answer with "
            f"{display_path(planned[missing[0]])} exactly once; nothing of it was written"
        )
        return Outcome(False, error=error, seconds=answer.seconds)
    record = Record(
        tuple(Input(i.path, i.fields, i.digest) for i in answer.inputs),
        answer.valid_until,
        tuple(
            Issue(i.file, i.line, i.col, i.path, i.message, Severity(i.severity))
            for i in answer.warnings
        ),
    )
    outputs = tuple((planned[output.path], output.data) for output in answer.outputs)
    return Outcome(True, Built(target, outputs, record), seconds=answer.seconds)
