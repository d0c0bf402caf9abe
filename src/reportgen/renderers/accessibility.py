"""Accessible PDF (PDF/UA-1): what WeasyPrint's tagging leaves out, added to the bytes it writes.

WeasyPrint (as of version 70) tags the flow of the page well, but:

- every inline box inside a link gets a link annotation of its own, owned by a ``Span``
  rather than by the ``Link`` element (ISO 14289-1 7.18.5: a link annotation belongs to
  a ``Link`` element through an object reference);
- link annotations lack the Print flag (7.18.1; its PDF/A output does set it);
- running heads and page numbers, drawn in the page margins, are marked as content whose
  structure elements belong to no tree, instead of as pagination artifacts (7.8);
- an inline box that holds no text still becomes an (empty) structure element;
- a link is described by its target ("src-3") rather than by what it points to.

``complete`` mends these with pikepdf (qpdf) and writes a file that is the same, byte for
byte, for the same input: its ``/ID`` is computed from the content, no date is added.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from reportgen.documents.content import Document

PRINT = 4
"""The Print flag of an annotation (ISO 32000-1, table 165)."""

_MENDED_TYPES = frozenset({"/Span", "/NonStruct"})
"""Structure types that say nothing without content: removed when empty. Table cells and
other grouping elements stay, even empty, so that every row keeps its cells."""


def link_descriptions(doc: Document) -> dict[str, str]:
    """What each internal link points to, by anchor: a heading's title, a source's entry."""
    found = {section.id: section.title for section in doc.sections}
    for source in doc.sources:
        text = "".join(run.text for run in source.runs).strip()
        found[source.anchor] = f"{source.number}. {text}" if text else str(source.number)
    return found


def complete(data: bytes, descriptions: Mapping[str, str] | None = None) -> bytes:
    """The tagged PDF ``data`` mended as the module docstring says; ``descriptions`` name
    what internal links point to (``link_descriptions``). A file without a structure tree
    is returned as it is."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        tree = pdf.Root.get("/StructTreeRoot")
        if not isinstance(tree, pikepdf.Dictionary):
            return data
        parents = _ParentTree(tree)
        reachable, kid_arrays = _walk(tree)
        for page in pdf.pages:
            _mark_pagination(pdf, page, parents, reachable)
            _mend_annotations(page, parents, descriptions or {})
        for kids in kid_arrays:
            _drop_empty(kids)
        parents.write()
        out = io.BytesIO()
        # the first half of /ID stays WeasyPrint's (from the page's digest); qpdf computes
        # the second from the content, so no clock or random number gets in
        pdf.save(out, deterministic_id=True)
        return out.getvalue()


class _ParentTree:
    """The structure tree's parent tree (flat ``/Nums``, as WeasyPrint writes it), editable."""

    def __init__(self, tree: Any) -> None:
        import pikepdf

        self._tree = tree
        nums = tree.get("/ParentTree", pikepdf.Dictionary()).get("/Nums", pikepdf.Array())
        self.entries: dict[int, Any] = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}

    def write(self) -> None:
        import pikepdf

        nums = pikepdf.Array()
        for key in sorted(self.entries):
            nums.append(key)
            nums.append(self.entries[key])
        self._tree.ParentTree = pikepdf.Dictionary(Nums=nums)


def _walk(tree: Any) -> tuple[set[tuple[int, int]], list[Any]]:
    """The structure elements that hang from the root (by object number), and their ``/K``
    arrays, children before their parents."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    arrays: list[Any] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        kids = node.get("/K")
        if isinstance(kids, pikepdf.Array):
            if node is not tree:
                arrays.append(kids)
        elif kids is None:
            continue
        else:
            kids = [kids]
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid and kid.objgen not in seen:
                seen.add(kid.objgen)
                stack.append(kid)
    arrays.reverse()
    return seen, arrays


def _kids(node: Any) -> list[Any]:
    import pikepdf

    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _mark_pagination(pdf: Any, page: Any, parents: _ParentTree, reachable: set[Any]) -> None:
    """Content whose structure elements belong to no tree (margin boxes) becomes
    ``/Artifact <</Type /Pagination>>``, and leaves the parent tree."""
    import pikepdf

    key = page.obj.get("/StructParents")
    if key is None or int(key) not in parents.entries:
        return
    owners = parents.entries[int(key)]
    loose = {
        mcid
        for mcid, owner in enumerate(owners)
        if isinstance(owner, pikepdf.Dictionary) and owner.objgen not in reachable
    }
    if not loose:
        return
    contents = page.obj.get("/Contents")
    rewritten = None
    if isinstance(contents, pikepdf.Stream):
        rewritten = _artifacts_in(contents.read_bytes(), loose)
    if rewritten is None:  # not written as WeasyPrint writes: the page stays as it is
        return
    page.obj.Contents = pdf.make_stream(rewritten)
    kept = pikepdf.Array(None if mcid in loose else owner for mcid, owner in enumerate(owners))
    while len(kept) and kept[-1] is None:
        del kept[-1]
    parents.entries[int(key)] = kept


_MARKED = re.compile(rb"/[A-Za-z]+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")
"""Marked content with an MCID as WeasyPrint writes it (``/Span <</MCID 5>> BDC``)."""
_PAGINATION = b"/Artifact <</Type /Pagination>> BDC"


def _artifacts_in(content: bytes, loose: set[int]) -> bytes | None:
    """The page's content with the marked content of ``loose`` made pagination artifacts
    (found in its bytes: parsing the whole stream would cost more than the rest of the
    mending); None when not every one of them was found."""
    found = 0

    def swap(match: re.Match[bytes]) -> bytes:
        nonlocal found
        if int(match.group(1)) not in loose:
            return match.group(0)
        found += 1
        return _PAGINATION

    rewritten = _MARKED.sub(swap, content)
    return rewritten if found == len(loose) else None


def _mend_annotations(page: Any, parents: _ParentTree, descriptions: Mapping[str, str]) -> None:
    """Print flags on; a link's second annotation (from a box inside the link) dropped; the
    rest owned by ``Link`` elements and described by what they point to."""
    import pikepdf

    annotations = page.obj.get("/Annots")
    if not isinstance(annotations, pikepdf.Array):
        return
    kept = pikepdf.Array()
    for annotation in annotations:
        key: Any = annotation.get("/StructParent")
        owner = parents.entries.get(int(key)) if key is not None else None
        if annotation.get("/Subtype") == "/Link" and isinstance(owner, pikepdf.Dictionary):
            if owner.get("/S") != "/Link":
                if _inside_link(owner):
                    _remove_reference(owner, annotation)
                    del parents.entries[int(key)]
                    continue
                owner.S = pikepdf.Name.Link
            description = descriptions.get(str(annotation.get("/Dest", "")))
            if description:
                annotation.Contents = pikepdf.String(description)
        flags: Any = annotation.get("/F")
        annotation.F = (0 if flags is None else int(flags)) | PRINT
        kept.append(annotation)
    page.obj.Annots = kept


def _inside_link(element: Any) -> bool:
    parent = element.get("/P")
    while parent is not None and parent.get("/Type") == "/StructElem":
        if parent.get("/S") == "/Link":
            return True
        parent = parent.get("/P")
    return False


def _remove_reference(element: Any, annotation: Any) -> None:
    import pikepdf

    kids = element.get("/K")
    if not isinstance(kids, pikepdf.Array):
        return
    for index in reversed(range(len(kids))):
        kid = kids[index]
        if (
            isinstance(kid, pikepdf.Dictionary)
            and kid.get("/Type") == "/OBJR"
            and kid.get("/Obj") is not None
            and kid.Obj.objgen == annotation.objgen
        ):
            del kids[index]


def _drop_empty(kids: Any) -> None:
    """Remove the children that are ``Span`` or ``NonStruct`` with nothing in them."""
    import pikepdf

    for index in reversed(range(len(kids))):
        kid = kids[index]
        if (
            isinstance(kid, pikepdf.Dictionary)
            and kid.get("/S") in _MENDED_TYPES
            and not _kids(kid)
            and "/Alt" not in kid
            and "/ActualText" not in kid
        ):
            del kids[index]
