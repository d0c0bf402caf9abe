"""Pydantic models of every input file, and the step that turns loaded YAML into them.

``parse_profile`` dispatches on ``kind`` itself (a tagged union would put the tag into
every error path) and turns each Pydantic error into a located ``Issue``.
"""

from __future__ import annotations

import difflib
import functools
import json
import operator
from functools import cache
from typing import TYPE_CHECKING, Any, TypeAlias

from pydantic import BaseModel, ValidationError

from reportgen.errors import InvalidInput, Issue, Report
from reportgen.models.manifest import Manifest
from reportgen.registry import KINDS, kind_names, load
from reportgen.yamlio import YamlDocument

if TYPE_CHECKING:
    from reportgen.models.city import CityProfile
    from reportgen.models.proposal import Proposal
    from reportgen.models.visit import Visit

    Profile: TypeAlias = CityProfile | Proposal | Visit


def model_of(kind: str) -> type[BaseModel]:
    """The model of a kind of profile (``registry.KINDS``), imported on first use:
    reading a manifest needs none."""
    found: type[BaseModel] = load(KINDS[kind].model)
    return found


def __getattr__(name: str) -> Any:
    """The profile models by class name, and ``Profile`` (any of them), loaded when
    first asked for (PEP 562)."""
    if name == "Profile":
        return functools.reduce(operator.or_, (model_of(kind) for kind in KINDS))
    for kind in KINDS.values():
        if kind.model.rpartition(":")[2] == name:
            return model_of(kind.name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CityProfile",
    "Manifest",
    "Profile",
    "Proposal",
    "Visit",
    "json_schema",
    "parse_manifest",
    "parse_profile",
]


@cache
def _field_names(model: type[BaseModel]) -> frozenset[str]:
    """Every field name in ``model`` and the models nested in it, for "did you mean"."""
    names: set[str] = set()
    seen: set[type[BaseModel]] = set()
    todo: list[type[BaseModel]] = [model]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, info in current.model_fields.items():
            names.add(name)
            todo.extend(_models_in(info.annotation))
    return frozenset(names)


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> frozenset[str]:
    """The field names of the model(s) at ``loc`` in ``model`` (list indexes and union tags
    skipped): the keys an unknown key there could have meant. Empty where it cannot tell."""
    models = [model]
    for step in loc:
        if not isinstance(step, str):
            continue
        inner = [
            found
            for current in models
            if step in current.model_fields
            for found in _models_in(current.model_fields[step].annotation)
        ]
        if inner:  # else a step that names no field (a union's tag): the same models
            models = inner
    return frozenset(name for current in models for name in current.model_fields)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_models_in(arg))
    meta = getattr(annotation, "__origin__", None)
    if meta is not None and hasattr(annotation, "__metadata__"):
        found.extend(_models_in(meta))
    return found


def _message(error: Any, model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        here = _fields_at(model, error["loc"][:-1]) or _field_names(model)
        close = difflib.get_close_matches(key, here - {key}, n=1, cutoff=0.7)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"unknown key '{key}'{hint} (free-form values belong under 'extra')"
    if kind == "missing":
        return "required, but missing"
    return str(error["msg"])


def issues_from(error: ValidationError, doc: YamlDocument, model: type[BaseModel]) -> list[Issue]:
    """One located ``Issue`` per Pydantic error."""
    return [
        doc.issue(
            tuple(e["loc"]),
            _message(e, model),
            key=e["type"] == "extra_forbidden",
        )
        for e in error.errors(include_url=False)
    ]


def _validate(model: type[Any], doc: YamlDocument) -> Any:
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise InvalidInput(Report(issues_from(exc, doc, model))) from None


def parse_profile(doc: YamlDocument) -> Profile:
    """Validate a loaded profile; raises ``InvalidInput`` with every problem in it."""
    data = doc.data
    if not isinstance(data, dict):
        raise InvalidInput(Report([doc.issue((), "a profile is a mapping that starts with kind:")]))
    kind = data.get("kind")
    if kind is None:
        message = f"required, but missing: one of {', '.join(kind_names())}"
        raise InvalidInput(Report([doc.issue(("kind",), message)]))
    if not isinstance(kind, str) or kind not in KINDS:
        message = f"'{kind}' is not a kind of profile: use one of {', '.join(kind_names())}"
        raise InvalidInput(Report([doc.issue(("kind",), message)]))
    profile: Profile = _validate(model_of(kind), doc)
    return profile


def parse_manifest(doc: YamlDocument) -> Manifest:
    """Validate a loaded ``reportgen.yaml``."""
    if doc.data is None:
        return Manifest()
    manifest: Manifest = _validate(Manifest, doc)
    return manifest


def json_schema(kind: str | None = None) -> dict[str, Any]:
    """The JSON Schema of one kind, or of any profile (``kind`` omitted)."""
    if kind == "manifest":
        schema = Manifest.model_json_schema()
        schema["title"] = "reportgen manifest (reportgen.yaml)"
    elif kind is not None:
        schema = model_of(kind).model_json_schema()
    else:
        parts = {k: model_of(k).model_json_schema() for k in kind_names()}
        defs: dict[str, Any] = {}
        branches = []
        for part in parts.values():
            defs.update(part.pop("$defs", {}))
            branches.append(part)
        schema = {
            "title": "reportgen profile",
            "description": f"A {_either(kind_names())} profile, chosen by its kind.",
            "oneOf": branches,
            "$defs": defs,
        }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    result: dict[str, Any] = json.loads(json.dumps(schema, default=str))
    return result


def _either(names: list[str]) -> str:
    """``city, proposal or visit``."""
    return " or ".join(filter(None, [", ".join(names[:-1]), names[-1]]))
