"""Field docstrings as JSON Schema descriptions, read only when a schema is asked for.

Pydantic's ``use_attribute_docstrings`` finds each model's source at import, by walking
the interpreter's frames: about a tenth of a second's start-up on every run, for text
that only ``reportgen schema`` prints. Here each module's source is parsed once, when
the first schema is made, and the descriptions are given to the fields the same way
(a field's own docstring; an inherited field keeps its parent's), before the models'
schemas are rebuilt. Validation never reads them.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import sys
import threading
from functools import cache
from typing import TypeGuard

from pydantic import BaseModel

_done: set[type[BaseModel]] = set()
_lock = threading.Lock()


def describe(model: type[BaseModel]) -> None:
    """Give ``model``, its bases and the models in its fields their docstring descriptions."""
    with _lock:
        order: list[type[BaseModel]] = []
        _collect(model, order, set())
        todo = [m for m in order if m not in _done]
        for current in todo:
            _describe_fields(current)
        for current in todo:  # bases and nested models come first: their schemas are reused
            current.model_rebuild(force=True)
            _done.add(current)


def _collect(model: type[BaseModel], order: list[type[BaseModel]], seen: set[type]) -> None:
    if model in seen:
        return
    seen.add(model)
    for base in model.__mro__[1:]:
        if _is_ours(base):
            _collect(base, order, seen)
    for info in model.model_fields.values():
        for nested in _models_in(info.annotation):
            _collect(nested, order, seen)
    order.append(model)


def _is_ours(cls: object) -> TypeGuard[type[BaseModel]]:
    return (
        isinstance(cls, type)
        and issubclass(cls, BaseModel)
        and cls is not BaseModel
        and cls.__module__.startswith("reportgen.")
    )


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type):
        return [annotation] if _is_ours(annotation) else []
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_models_in(arg))
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and hasattr(annotation, "__metadata__"):
        found.extend(_models_in(origin))
    return found


def _describe_fields(model: type[BaseModel]) -> None:
    generic_origin = model.__pydantic_generic_metadata__["origin"]  # Fact[int] is Fact's
    own = {} if generic_origin is not None else inspect.get_annotations(model)
    docs = _docstrings(model.__module__).get(model.__qualname__, {})
    for name, info in model.model_fields.items():
        if info.description is not None:
            continue
        if name in own:
            info.description = docs.get(name)
        else:  # inherited: the description of the nearest base that has the field
            for base in model.__mro__[1:]:
                if _is_ours(base) and name in base.model_fields:
                    info.description = base.model_fields[name].description
                    break


@cache
def _docstrings(module: str) -> dict[str, dict[str, str]]:
    """For each class of ``module`` (by qualified name), its attributes' docstrings: the
    string that directly follows an annotated name in the class body."""
    try:
        tree = ast.parse(inspect.getsource(sys.modules[module]))
    except (KeyError, OSError, TypeError, SyntaxError):
        return {}
    found: dict[str, dict[str, str]] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.ClassDef):
                name = f"{prefix}{node.name}"
                found[name] = _attribute_docs(node.body)
                visit(node.body, f"{name}.")

    visit(tree.body, "")
    return found


def _attribute_docs(body: list[ast.stmt]) -> dict[str, str]:
    docs: dict[str, str] = {}
    for node, following in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = inspect.cleandoc(following.value.value)
    return docs
